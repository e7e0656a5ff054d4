//! 观星台 showcase (SPEC P2, E5; ZJ-plan 四(三) 应用“观星台”，总结推广典型示范项目; Quzhou 四
//! 项目推广): typical demonstration cases, chosen by a competent authority from the projects in
//! operation (accepted) or from the market's best-application list and 争先制 nominations, with a
//! title, a summary and the results; published and unpublished by the authority (each change in
//! the case's history). The public page shows published cases only and nothing internal.
use crate::lifecycle::{invalid, Refusal};
use crate::profile::Citation;
use crate::tasks::ZJ_PLAN;
use crate::{Actor, Role, Stage};
use serde::{Deserialize, Serialize};

pub fn cite_showcase() -> Citation {
    Citation::new(ZJ_PLAN, "四（三）应用“观星台”，总结推广典型示范项目")
}
pub fn cite_promotion() -> Citation {
    Citation::new(
        "衢州市人民政府办公室关于政府投资数字化项目全生命周期管理的实施意见",
        "四、项目推广",
    )
}

/// Where a case comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseSource {
    /// A project accepted and in operation.
    Project,
    /// A listing of the application market on the best-application list or nominated (争先制).
    Listing,
}

impl CaseSource {
    pub fn code(self) -> &'static str {
        match self {
            CaseSource::Project => "project",
            CaseSource::Listing => "listing",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            CaseSource::Project => "已验收项目",
            CaseSource::Listing => "最佳应用 / 争先制推荐",
        }
    }
    pub fn parse(s: &str) -> Option<CaseSource> {
        match s {
            "project" => Some(CaseSource::Project),
            "listing" => Some(CaseSource::Listing),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseInput {
    pub title: String,
    pub summary: String,
    /// 建设成效
    pub results: String,
}

/// A case as stored (internal view).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    pub id: i64,
    pub source: CaseSource,
    pub source_id: i64,
    /// The project's or the application's name.
    pub source_name: String,
    /// The construction unit or the listing's owner unit.
    pub owner_name: String,
    pub jurisdiction_path: String,
    pub input: CaseInput,
    pub published: bool,
    pub published_on: Option<String>,
    pub version: i64,
}

/// Who curates the showcase: a competent authority.
pub fn may_curate(actor: &Actor) -> bool {
    actor.has(Role::Authority)
}

/// Who publishes or edits a case: a competent authority covering where it was chosen.
pub fn may_publish(actor: &Actor, c: &Case) -> bool {
    may_curate(actor) && actor.covers(&c.jurisdiction_path)
}

/// A project may be a case once accepted (in operation).
pub fn project_eligible(stage: Stage) -> Result<(), Refusal> {
    if stage == Stage::InOperation {
        Ok(())
    } else {
        Err(Refusal::Rule {
            message: format!(
                "只有通过验收、投入运行的项目可以作为典型示范案例（当前：{}）",
                stage.label()
            ),
            cite: cite_showcase(),
        })
    }
}

/// A listing may be a case once on the best-application list or nominated (争先制; SPEC E5).
pub fn listing_eligible(best: bool, nominated: bool) -> Result<(), Refusal> {
    if best || nominated {
        Ok(())
    } else {
        Err(Refusal::Rule {
            message: "只有列入最佳应用榜单或争先制推荐的应用可以作为典型示范案例".into(),
            cite: cite_showcase(),
        })
    }
}

pub fn check_input(i: &CaseInput) -> Result<(), Refusal> {
    if i.title.trim().is_empty() {
        return Err(invalid("title", "请填写案例标题"));
    }
    if i.title.chars().count() > 200 {
        return Err(invalid("title", "案例标题不超过 200 字"));
    }
    if i.summary.trim().is_empty() {
        return Err(invalid("summary", "请填写案例简介"));
    }
    if i.results.trim().is_empty() {
        return Err(invalid("results", "请填写建设成效"));
    }
    for (f, t) in [("summary", &i.summary), ("results", &i.results)] {
        if t.chars().count() > 5000 {
            return Err(invalid(f, "不超过 5000 字"));
        }
    }
    Ok(())
}
