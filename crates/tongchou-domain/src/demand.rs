//! 需求库、一本账、项目库、应用版本 (SPEC §2.1 D1, D3–D5): the rules, without I/O.
//!
//! A need (需求) is submitted by a unit and rolls up level by level (逐层逐级): the data authority of
//! the jurisdiction holding it endorses (it moves to the parent jurisdiction, or — at the province —
//! is listed), merges it into another need, or declines it with a reason. The provincial authority
//! turns listed needs into proposals (重大应用项目建议; 生成制: never without a source need), records
//! the expert argumentation and the leading group's inclusion in the 一本账; library items (项目库)
//! are chosen from included proposals by the “大场景、小切口” criterion and published. Applications
//! carry a version history; an upgrade links to its predecessor (迭代制).
use crate::lifecycle::Refusal;
use crate::permission::path_ids;
use crate::profile::{CheckItem, Citation};
use crate::project::{BuildKind, FieldError, Project};
use crate::{Actor, Date, Role, UnitId};
use serde::{Deserialize, Serialize};

/// 浙江省数字政府系统“一地创新、全省共享”机制实施办法（试行）
pub const ZJ_SHARE: &str = "数字政府系统“一地创新、全省共享”机制实施办法（试行）";
/// 衢州市政府投资数字化项目全生命周期管理办法
pub const QUZHOU: &str = "衢州市政府投资数字化项目全生命周期管理办法";
/// 上城区电子政务项目管理办法（征求意见稿）
pub const SHANGCHENG: &str = "上城区电子政务项目管理办法（征求意见稿）";

pub fn cite_collect() -> Citation {
    Citation::new(ZJ_SHARE, "三（一）项目征集")
}
pub fn cite_review() -> Citation {
    Citation::new(QUZHOU, "三（一）3 需求征集")
}
pub fn cite_generation() -> Citation {
    Citation::new(ZJ_SHARE, "三（二）项目发布（生成制）")
}
pub fn cite_iteration() -> Citation {
    Citation::new(
        SHANGCHENG,
        "项目申报（迭代升级的业务应用系统，还须通过绩效评价）",
    )
}

/// The six demand aspects (六个方面), ZJ-share 三（一）.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aspect {
    /// 群众高频需求
    PublicFrequent,
    /// 企业共性需求
    EnterpriseCommon,
    /// 提升政治能力需求
    PoliticalCapacity,
    /// 推动治理能力和治理体系现代化需求
    Governance,
    /// 打造金名片提升竞争力需求
    GoldenCard,
    /// 防范化解重大风险需求
    MajorRisk,
}

impl Aspect {
    pub const ALL: [Aspect; 6] = [
        Aspect::PublicFrequent,
        Aspect::EnterpriseCommon,
        Aspect::PoliticalCapacity,
        Aspect::Governance,
        Aspect::GoldenCard,
        Aspect::MajorRisk,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Aspect::PublicFrequent => "public_frequent",
            Aspect::EnterpriseCommon => "enterprise_common",
            Aspect::PoliticalCapacity => "political_capacity",
            Aspect::Governance => "governance",
            Aspect::GoldenCard => "golden_card",
            Aspect::MajorRisk => "major_risk",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Aspect::PublicFrequent => "群众高频需求",
            Aspect::EnterpriseCommon => "企业共性需求",
            Aspect::PoliticalCapacity => "提升政治能力需求",
            Aspect::Governance => "推动治理能力和治理体系现代化需求",
            Aspect::GoldenCard => "打造金名片提升竞争力需求",
            Aspect::MajorRisk => "防范化解重大风险需求",
        }
    }
    /// By code or by its Chinese name.
    pub fn parse(s: &str) -> Option<Aspect> {
        let s = s.trim();
        Aspect::ALL
            .into_iter()
            .find(|a| a.code() == s || a.label() == s)
    }
    pub fn parse_list(s: &str) -> Vec<Aspect> {
        s.split(',').filter_map(Aspect::parse).collect()
    }
    pub fn join(v: &[Aspect]) -> String {
        v.iter().map(|a| a.code()).collect::<Vec<_>>().join(",")
    }
}

/// The three lists (三张清单) of the shipped profiles. The seeds name the lists but not their
/// titles, so these are profile data an administrator can rename.
pub fn default_demand_lists() -> Vec<CheckItem> {
    let c = Citation::new(ZJ_SHARE, "一 职责分工；三（一）项目征集（“三张清单”）");
    vec![
        CheckItem {
            code: "demand".into(),
            text: "重大需求清单".into(),
            cite: c.clone(),
        },
        CheckItem {
            code: "scenario".into(),
            text: "多跨场景清单".into(),
            cite: c.clone(),
        },
        CheckItem {
            code: "reform".into(),
            text: "重大改革清单".into(),
            cite: c,
        },
    ]
}

/// Where a need stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NeedState {
    /// 待审核: awaiting the authority of the jurisdiction holding it (`at_path`).
    Pending,
    /// 已列入（省级审核通过）: endorsed at the top; proposals may cite it.
    Listed,
    /// 未采纳 (with the reason)
    Declined,
    /// 已合并 into another need
    Merged,
}

impl NeedState {
    pub const ALL: [NeedState; 4] = [
        NeedState::Pending,
        NeedState::Listed,
        NeedState::Declined,
        NeedState::Merged,
    ];
    pub fn code(self) -> &'static str {
        match self {
            NeedState::Pending => "pending",
            NeedState::Listed => "listed",
            NeedState::Declined => "declined",
            NeedState::Merged => "merged",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            NeedState::Pending => "待审核",
            NeedState::Listed => "省级已列入",
            NeedState::Declined => "未采纳",
            NeedState::Merged => "已合并",
        }
    }
    pub fn parse(s: &str) -> Option<NeedState> {
        NeedState::ALL.into_iter().find(|x| x.code() == s)
    }
}

/// A need in the demand pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Need {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub scenario: String,
    pub aspects: Vec<Aspect>,
    /// Code of the list (三张清单) in the profile.
    pub list: String,
    pub unit_id: UnitId,
    pub unit_name: String,
    /// The submitting unit's jurisdiction path (`/1/2/3/`).
    pub origin_path: String,
    /// The jurisdiction holding it now: awaiting its review (pending), or where it was decided.
    pub at_path: String,
    pub state: NeedState,
    pub merged_into: Option<i64>,
    pub decline_reason: Option<String>,
    pub version: i64,
    pub created_at: String,
}

/// Level name of a jurisdiction path by its depth.
pub fn level_label(path: &str) -> &'static str {
    match path_ids(path).len() {
        1 => "省级",
        2 => "市级",
        _ => "区县级",
    }
}

/// The parent of a jurisdiction path (`/1/2/3/` → `/1/2/`), None at the province.
pub fn parent_path(path: &str) -> Option<String> {
    let ids = path_ids(path);
    if ids.len() <= 1 {
        return None;
    }
    Some(format!(
        "/{}/",
        ids[..ids.len() - 1]
            .iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join("/")
    ))
}

/// Whether the actor may see the need: its own unit's clerk always; audit and administrators
/// everything submitted in their jurisdiction; the data authority (and the leading group) of a
/// jurisdiction once the need has reached its level (逐层逐级: a city sees what its districts
/// endorsed, never what a district still holds or declined).
pub fn can_view_need(actor: &Actor, n: &Need) -> bool {
    if actor.has(Role::Unit) && actor.unit_id == n.unit_id {
        return true;
    }
    if !actor.covers(&n.origin_path) {
        return false;
    }
    if actor.has(Role::Audit) || actor.has(Role::Admin) {
        return true;
    }
    (actor.has(Role::Authority) || actor.has(Role::LeadingGroup))
        && actor.jurisdiction_path.starts_with(&n.at_path)
}

/// Raw input for a new need (form or JSON).
#[derive(Debug, Clone, Default)]
pub struct RawNeed {
    pub title: String,
    pub description: String,
    pub scenario: String,
    pub aspects: Vec<String>,
    pub list: String,
}

/// A parsed, valid new need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeedInput {
    pub title: String,
    pub description: String,
    pub scenario: String,
    pub aspects: Vec<Aspect>,
    pub list: String,
}

fn fe(field: &str, message: &str) -> FieldError {
    FieldError {
        field: field.into(),
        message: message.into(),
    }
}

/// Parse a new need; every bad field is reported at once.
pub fn parse_need(raw: &RawNeed, lists: &[CheckItem]) -> Result<NeedInput, Vec<FieldError>> {
    let mut errs = Vec::new();
    let title = raw.title.trim().to_string();
    if title.is_empty() || title.chars().count() > 100 {
        errs.push(fe("title", "请填写需求名称（不超过 100 字）"));
    }
    let description = raw.description.trim().to_string();
    if description.is_empty() || description.chars().count() > 4000 {
        errs.push(fe(
            "description",
            "请填写需求描述（堵点痛点难点，不超过 4000 字）",
        ));
    }
    let scenario = raw.scenario.trim().to_string();
    if scenario.is_empty() || scenario.chars().count() > 2000 {
        errs.push(fe("scenario", "请填写应用场景（不超过 2000 字）"));
    }
    let mut aspects = Vec::new();
    let mut bad_aspect = false;
    for a in raw.aspects.iter().filter(|a| !a.trim().is_empty()) {
        match Aspect::parse(a) {
            Some(x) if !aspects.contains(&x) => aspects.push(x),
            Some(_) => {}
            None => bad_aspect = true,
        }
    }
    aspects.sort();
    if bad_aspect {
        errs.push(fe("aspects", "需求方面须为六个方面之一"));
    } else if aspects.is_empty() {
        errs.push(fe(
            "aspects",
            "请至少选择一个需求方面（群众高频需求、企业共性需求等六个方面）",
        ));
    }
    let list = raw.list.trim();
    let list = lists
        .iter()
        .find(|l| l.code == list || l.text == list)
        .map(|l| l.code.clone());
    if list.is_none() {
        errs.push(fe("list", "请选择所属清单（三张清单之一）"));
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    Ok(NeedInput {
        title,
        description,
        scenario,
        aspects,
        list: list.unwrap_or_default(),
    })
}

/// Who may submit a need: a unit's clerk, at any time (实时征集, Quzhou 三（一）1).
pub fn can_submit_need(actor: &Actor) -> bool {
    actor.has(Role::Unit)
}

/// What an authority does with a need it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NeedCommand {
    /// 审核同意（报送上一级，省级则列入）
    Endorse { opinion: String },
    /// 不予采纳
    Decline { reason: String },
    /// 合并到另一需求（来源保留）
    Merge { opinion: String },
}

impl NeedCommand {
    pub fn action(&self) -> &'static str {
        match self {
            NeedCommand::Endorse { .. } => "endorse",
            NeedCommand::Decline { .. } => "decline",
            NeedCommand::Merge { .. } => "merge",
        }
    }
}

pub fn need_action_label(a: &str) -> &'static str {
    match a {
        "submit" => "提交需求",
        "endorse" => "审核同意",
        "decline" => "不予采纳",
        "merge" => "合并",
        "merged_in" => "并入来源需求",
        "propose" => "生成项目建议",
        "argue" => "专家论证",
        "include" => "领导小组审定",
        "create_item" => "纳入项目库",
        "publish" => "公开发布",
        "link_project" => "关联实施项目",
        "create_application" => "登记应用",
        "add_version" => "登记版本",
        "evaluate_version" => "绩效评价",
        _ => "操作",
    }
}

/// The result of a command on a need: its new state and where it now sits, and the summary the
/// history records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeedChange {
    pub action: &'static str,
    pub to: NeedState,
    pub at_path: String,
    pub merged_into: Option<i64>,
    pub decline_reason: Option<String>,
    pub summary: String,
    pub opinion: String,
}

/// Whether the actor is the reviewing authority of the jurisdiction now holding the need.
fn holds(actor: &Actor, n: &Need) -> bool {
    actor.has(Role::Authority) && actor.jurisdiction_path == n.at_path
}

/// Decide a review command on a need. `into`: the target of a merge.
pub fn decide_need(
    n: &Need,
    actor: &Actor,
    cmd: &NeedCommand,
    into: Option<&Need>,
) -> Result<NeedChange, Refusal> {
    if !can_view_need(actor, n) {
        return Err(Refusal::NotVisible);
    }
    if !holds(actor, n) {
        return Err(Refusal::Forbidden(format!(
            "只有需求当前所在的{}数据主管部门可以审核（需求经数据主管部门审核后逐级报送，{}）",
            level_label(&n.at_path),
            cite_review()
        )));
    }
    if n.state != NeedState::Pending {
        return Err(Refusal::WrongStage {
            stage: n.state.label(),
            action: need_action_label(cmd.action()),
        });
    }
    let level = level_label(&n.at_path);
    match cmd {
        NeedCommand::Endorse { opinion } => {
            let (to, at_path, summary) = match parent_path(&n.at_path) {
                Some(parent) => (
                    NeedState::Pending,
                    parent.clone(),
                    format!("{level}审核同意，报送{}", level_label(&parent)),
                ),
                None => (
                    NeedState::Listed,
                    n.at_path.clone(),
                    "省级审核同意，列入需求清单".to_string(),
                ),
            };
            Ok(NeedChange {
                action: "endorse",
                to,
                at_path,
                merged_into: None,
                decline_reason: None,
                summary,
                opinion: opinion.trim().to_string(),
            })
        }
        NeedCommand::Decline { reason } => {
            let reason = reason.trim();
            if reason.is_empty() {
                return Err(Refusal::Invalid {
                    field: "reason".into(),
                    message: "不予采纳须说明理由".into(),
                });
            }
            Ok(NeedChange {
                action: "decline",
                to: NeedState::Declined,
                at_path: n.at_path.clone(),
                merged_into: None,
                decline_reason: Some(reason.to_string()),
                summary: format!("{level}审核不予采纳"),
                opinion: reason.to_string(),
            })
        }
        NeedCommand::Merge { opinion } => {
            let Some(t) = into else {
                return Err(Refusal::Invalid {
                    field: "into".into(),
                    message: "请选择合并到的需求".into(),
                });
            };
            if t.id == n.id {
                return Err(Refusal::Invalid {
                    field: "into".into(),
                    message: "不能合并到自身".into(),
                });
            }
            if t.state != NeedState::Pending || t.at_path != n.at_path {
                return Err(Refusal::Invalid {
                    field: "into".into(),
                    message: "只能合并到本级同样待审核的需求".into(),
                });
            }
            Ok(NeedChange {
                action: "merge",
                to: NeedState::Merged,
                at_path: n.at_path.clone(),
                merged_into: Some(t.id),
                decline_reason: None,
                summary: format!("{level}审核合并到需求 #{}「{}」", t.id, t.title),
                opinion: opinion.trim().to_string(),
            })
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 一本账: proposals from listed needs
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalState {
    /// 已提出建议（待专家论证）
    Proposed,
    /// 已论证（待领导小组审定）
    Argued,
    /// 已列入“一本账”
    Included,
    /// 领导小组未列入
    NotIncluded,
}

impl ProposalState {
    pub const ALL: [ProposalState; 4] = [
        ProposalState::Proposed,
        ProposalState::Argued,
        ProposalState::Included,
        ProposalState::NotIncluded,
    ];
    pub fn code(self) -> &'static str {
        match self {
            ProposalState::Proposed => "proposed",
            ProposalState::Argued => "argued",
            ProposalState::Included => "included",
            ProposalState::NotIncluded => "not_included",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            ProposalState::Proposed => "待专家论证",
            ProposalState::Argued => "待领导小组审定",
            ProposalState::Included => "已列入一本账",
            ProposalState::NotIncluded => "未列入",
        }
    }
    pub fn parse(s: &str) -> Option<ProposalState> {
        ProposalState::ALL.into_iter().find(|x| x.code() == s)
    }
}

/// A major-application proposal (重大应用项目建议) and, once included, its 一本账 entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub state: ProposalState,
    /// Source needs (生成制).
    pub needs: Vec<i64>,
    pub experts: Vec<String>,
    pub argued_on: Option<Date>,
    pub argument_opinion: Option<String>,
    pub decision: Option<String>,
    pub reference: Option<String>,
    pub decided_on: Option<Date>,
    pub version: i64,
    pub created_at: String,
}

/// The provincial data authority (数字政府建设专班) runs the ledger and the library.
pub fn is_provincial_authority(actor: &Actor) -> bool {
    actor.has(Role::Authority) && path_ids(&actor.jurisdiction_path).len() == 1
}

/// Who reads the ledger and the unpublished library (departments, audit, administrators).
pub fn can_view_ledger(actor: &Actor) -> bool {
    [
        Role::Authority,
        Role::LeadingGroup,
        Role::Audit,
        Role::Admin,
    ]
    .iter()
    .any(|r| actor.has(*r))
}

fn provincial_only(what: &str) -> Refusal {
    Refusal::Forbidden(format!(
        "只有省级数字政府建设专班（省级主管部门）可以{what}（{}）",
        cite_generation()
    ))
}

/// Create a proposal citing `sources` (the needs as loaded; all must be listed at the province).
pub fn propose(actor: &Actor, title: &str, sources: &[Need]) -> Result<(), Refusal> {
    if !is_provincial_authority(actor) {
        return Err(provincial_only("提出重大应用项目建议"));
    }
    if title.trim().is_empty() {
        return Err(Refusal::Invalid {
            field: "title".into(),
            message: "请填写项目建议名称".into(),
        });
    }
    if sources.is_empty() {
        return Err(Refusal::Rule {
            message: "没有来源需求不能生成项目建议：重大应用须由需求清单生成".into(),
            cite: cite_generation(),
        });
    }
    if let Some(n) = sources.iter().find(|n| n.state != NeedState::Listed) {
        return Err(Refusal::Rule {
            message: format!(
                "需求 #{}「{}」尚未经省级审核列入（当前：{}），不能作为来源",
                n.id,
                n.title,
                n.state.label()
            ),
            cite: cite_generation(),
        });
    }
    Ok(())
}

/// Record the expert argumentation (专家研究论证) of a proposal.
pub fn argue(
    p: &Proposal,
    actor: &Actor,
    experts: &[String],
    date: Option<Date>,
    opinion: &str,
) -> Result<(), Refusal> {
    if !is_provincial_authority(actor) {
        return Err(provincial_only("记录专家论证"));
    }
    if p.state != ProposalState::Proposed {
        return Err(Refusal::WrongStage {
            stage: p.state.label(),
            action: "记录专家论证",
        });
    }
    if experts.iter().all(|e| e.trim().is_empty()) {
        return Err(Refusal::Invalid {
            field: "experts".into(),
            message: "请填写参加论证的专家".into(),
        });
    }
    if date.is_none() {
        return Err(Refusal::Invalid {
            field: "date".into(),
            message: "请填写论证日期".into(),
        });
    }
    if opinion.trim().is_empty() {
        return Err(Refusal::Invalid {
            field: "opinion".into(),
            message: "请填写专家论证意见".into(),
        });
    }
    Ok(())
}

/// Record the provincial leading group's decision on a proposal (列入“一本账”或不列入).
pub fn include(
    p: &Proposal,
    actor: &Actor,
    included: bool,
    reference: &str,
    date: Option<Date>,
) -> Result<ProposalState, Refusal> {
    let provincial = path_ids(&actor.jurisdiction_path).len() == 1;
    if !(provincial && (actor.has(Role::Authority) || actor.has(Role::LeadingGroup))) {
        return Err(provincial_only("登记领导小组审定结果"));
    }
    if p.state != ProposalState::Argued {
        return Err(if p.state == ProposalState::Proposed {
            Refusal::Rule {
                message: "项目建议须先经专家研究论证，再提请领导小组列入“一本账”".into(),
                cite: cite_generation(),
            }
        } else {
            Refusal::WrongStage {
                stage: p.state.label(),
                action: "登记审定结果",
            }
        });
    }
    if included && reference.trim().is_empty() {
        return Err(Refusal::Invalid {
            field: "reference".into(),
            message: "请填写领导小组审定文件的文号".into(),
        });
    }
    if date.is_none() {
        return Err(Refusal::Invalid {
            field: "date".into(),
            message: "请填写审定日期".into(),
        });
    }
    Ok(if included {
        ProposalState::Included
    } else {
        ProposalState::NotIncluded
    })
}

// ---------------------------------------------------------------------------------------------
// 项目库
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemState {
    /// 拟纳入（未发布）
    Draft,
    /// 已公开发布
    Published,
}

impl ItemState {
    pub fn code(self) -> &'static str {
        match self {
            ItemState::Draft => "draft",
            ItemState::Published => "published",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            ItemState::Draft => "未发布",
            ItemState::Published => "已公开发布",
        }
    }
    pub fn parse(s: &str) -> Option<ItemState> {
        [ItemState::Draft, ItemState::Published]
            .into_iter()
            .find(|x| x.code() == s)
    }
}

/// A library item (项目库条目). Competitions (S1–S8) will hang off it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LibraryItem {
    pub id: i64,
    pub proposal_id: i64,
    pub title: String,
    pub description: String,
    /// Why it meets “大场景、小切口”.
    pub criterion: String,
    pub state: ItemState,
    pub published_on: Option<String>,
    pub version: i64,
    pub created_at: String,
}

/// Who may see a library item: published items everyone; drafts the ledger's readers.
pub fn can_view_item(actor: Option<&Actor>, item: &LibraryItem) -> bool {
    item.state == ItemState::Published || actor.is_some_and(can_view_ledger)
}

/// Choose a ledger entry into the library.
pub fn create_item(
    actor: &Actor,
    p: &Proposal,
    title: &str,
    criterion: &str,
) -> Result<(), Refusal> {
    if !is_provincial_authority(actor) {
        return Err(provincial_only("确定项目库条目"));
    }
    if p.state != ProposalState::Included {
        return Err(Refusal::Rule {
            message: format!(
                "项目库条目须来自已列入“一本账”的项目建议（当前：{}）",
                p.state.label()
            ),
            cite: cite_generation(),
        });
    }
    if title.trim().is_empty() {
        return Err(Refusal::Invalid {
            field: "title".into(),
            message: "请填写项目名称".into(),
        });
    }
    if criterion.trim().is_empty() {
        return Err(Refusal::Invalid {
            field: "criterion".into(),
            message: "请说明如何符合“大场景、小切口”要求".into(),
        });
    }
    Ok(())
}

/// Publish a library item: only with a ledger entry that traces back to needs (生成制).
pub fn publish(actor: &Actor, item: &LibraryItem, p: Option<&Proposal>) -> Result<(), Refusal> {
    if !is_provincial_authority(actor) {
        return Err(provincial_only("公开发布项目库"));
    }
    if item.state != ItemState::Draft {
        return Err(Refusal::WrongStage {
            stage: item.state.label(),
            action: "公开发布",
        });
    }
    match p {
        Some(p) if p.state == ProposalState::Included && !p.needs.is_empty() => Ok(()),
        _ => Err(Refusal::Rule {
            message: "项目库条目须有列入“一本账”且可追溯到来源需求的项目建议，才能公开发布".into(),
            cite: cite_generation(),
        }),
    }
}

/// Link a project that implements a library item.
pub fn link_item_project(
    actor: &Actor,
    item: &LibraryItem,
    project: &Project,
) -> Result<(), Refusal> {
    let local = actor.has(Role::Authority) && actor.covers(&project.jurisdiction_path);
    if !(is_provincial_authority(actor) || local) {
        return Err(Refusal::Forbidden(
            "只有省级或项目所在地的主管部门可以关联实施项目".into(),
        ));
    }
    if item.state != ItemState::Published {
        return Err(Refusal::WrongStage {
            stage: item.state.label(),
            action: "关联实施项目",
        });
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// 应用与版本（迭代制）
// ---------------------------------------------------------------------------------------------

/// An application (应用) and its owner unit. Accepted shared applications will become these.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    pub id: i64,
    pub name: String,
    pub owner_unit_id: UnitId,
    pub owner_unit_name: String,
    /// The owner unit's jurisdiction path.
    pub owner_path: String,
    pub description: String,
    pub version: i64,
    pub created_at: String,
}

/// One version of an application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppVersion {
    pub id: i64,
    pub application_id: i64,
    pub seq: i64,
    pub label: String,
    pub predecessor: Option<i64>,
    pub released_on: Option<Date>,
    pub notes: String,
    /// 绩效评价结论 and whether it passed.
    pub evaluation: Option<String>,
    pub evaluation_passed: Option<bool>,
}

pub fn can_create_application(actor: &Actor) -> bool {
    actor.has(Role::Unit) || actor.has(Role::Authority)
}

/// The owner unit's clerk or authority maintains the versions.
pub fn can_maintain_application(actor: &Actor, app: &Application) -> bool {
    can_create_application(actor) && actor.unit_id == app.owner_unit_id
}

/// Add a version. `predecessor`: the version it upgrades (None for the first); an upgrade needs
/// the predecessor's passed performance evaluation (迭代升级须通过绩效评价).
pub fn add_version(
    actor: &Actor,
    app: &Application,
    existing: &[AppVersion],
    label: &str,
    predecessor: Option<&AppVersion>,
) -> Result<(), Refusal> {
    if !can_maintain_application(actor, app) {
        return Err(Refusal::Forbidden("只有应用所属单位可以登记版本".into()));
    }
    let label = label.trim();
    if label.is_empty() || label.chars().count() > 40 {
        return Err(Refusal::Invalid {
            field: "label".into(),
            message: "请填写版本号（不超过 40 字）".into(),
        });
    }
    if existing.iter().any(|v| v.label == label) {
        return Err(Refusal::Invalid {
            field: "label".into(),
            message: "该版本号已存在".into(),
        });
    }
    match predecessor {
        None if !existing.is_empty() => Err(Refusal::Invalid {
            field: "predecessor".into(),
            message: "升级版本须指明其前一版本".into(),
        }),
        None => Ok(()),
        Some(p) if p.application_id != app.id => Err(Refusal::Invalid {
            field: "predecessor".into(),
            message: "前一版本不属于本应用".into(),
        }),
        Some(p) if p.evaluation_passed != Some(true) => Err(Refusal::Rule {
            message: format!("前一版本 {} 尚未通过绩效评价，不能迭代升级", p.label),
            cite: cite_iteration(),
        }),
        Some(_) => Ok(()),
    }
}

/// Record a version's performance evaluation (the authority over the owner unit).
pub fn evaluate_version(
    actor: &Actor,
    app: &Application,
    v: &AppVersion,
    conclusion: &str,
) -> Result<(), Refusal> {
    if !(actor.has(Role::Authority) && actor.covers(&app.owner_path)) {
        return Err(Refusal::Forbidden(
            "只有应用所属单位所在地的主管部门可以登记绩效评价结论".into(),
        ));
    }
    if v.evaluation.is_some() {
        return Err(Refusal::WrongStage {
            stage: "已评价",
            action: "登记绩效评价",
        });
    }
    if conclusion.trim().is_empty() {
        return Err(Refusal::Invalid {
            field: "evaluation".into(),
            message: "请填写绩效评价结论".into(),
        });
    }
    Ok(())
}

/// Name the application an upgrade project upgrades (the project's unit).
pub fn link_application(actor: &Actor, project: &Project) -> Result<(), Refusal> {
    if !(actor.has(Role::Unit) && actor.unit_id == project.unit_id) {
        return Err(Refusal::Forbidden(
            "只有项目建设单位可以指明升级的应用".into(),
        ));
    }
    if project.input.build_kind != BuildKind::Upgrade {
        return Err(Refusal::Rule {
            message: format!(
                "只有建设性质为“升级改造”的项目才能指明所升级的应用（本项目：{}）",
                project.input.build_kind.label()
            ),
            cite: cite_iteration(),
        });
    }
    Ok(())
}
