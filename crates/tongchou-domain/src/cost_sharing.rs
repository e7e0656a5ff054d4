//! City–county cost sharing of government-cloud rent (SPEC M6; Shaoxing art.23).
//!
//! 第二十三条: a city-wide system whose yearly government-cloud rent is ≥ 5,000,000 yuan needs a
//! sharing plan made by the lead city department at declaration. Livelihood projects (直接面向基层
//! 涉及民生类) are split among the counties by last year's resident population, the city stating its
//! own share; regulatory projects (审批监管类非直接面向基层服务类) are split city:counties 4:6 with
//! each county bearing 10% of the rent. Shaoxing has six county-level units, so 6 × 10% = 60% and
//! the two figures agree; with another count they do not, and [`RegulatoryRule`] (a parameter,
//! default: the 4:6 ratio) says which one wins.
//!
//! Money is exact: every share is whole fen and the shares sum to the total exactly. Shares are
//! apportioned by the largest-remainder method (see [`apportion`]): each party first gets the
//! fen amount of its exact share rounded down; the few fen left over (fewer than the number of
//! parties) go one each to the parties whose exact shares had the largest fractions, ties to the
//! larger weight, then to the party listed first.
use crate::lifecycle::{Decision, Event, Refusal};
use crate::profile::Citation;
use crate::project::Project;
use crate::{Actor, Role, Stage, Yuan};
use serde::{Deserialize, Serialize};

pub const SHAOXING: &str = "绍兴市市级政务信息化项目管理办法";

pub fn cite() -> Citation {
    Citation::new(SHAOXING, "第二十三条")
}

/// 项目类别 for sharing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SharingKind {
    /// 直接面向基层涉及民生类项目: by last year's resident population.
    Livelihood,
    /// 审批监管类非直接面向基层服务类项目: city:counties 4:6, each county 10%.
    Regulatory,
}

impl SharingKind {
    pub fn code(self) -> &'static str {
        match self {
            SharingKind::Livelihood => "livelihood",
            SharingKind::Regulatory => "regulatory",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            SharingKind::Livelihood => "直接面向基层涉及民生类（按上年常住人口比例分摊）",
            SharingKind::Regulatory => "审批监管类非直接面向基层服务类（市县 4:6 分摊）",
        }
    }
    pub fn parse(s: &str) -> Option<SharingKind> {
        [SharingKind::Livelihood, SharingKind::Regulatory]
            .into_iter()
            .find(|k| k.code() == s)
    }
}

/// Which figure wins for regulatory projects when the county count is not the one the text
/// assumes (6 for Shaoxing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegulatoryRule {
    /// 市县 4:6: the counties together bear 60%, equally; "10% each" is its consequence for 6 counties.
    Ratio,
    /// 各区、县（市）分摊 10%: each county bears 10%, the city the rest.
    PerCounty,
}

impl RegulatoryRule {
    pub fn code(self) -> &'static str {
        match self {
            RegulatoryRule::Ratio => "ratio",
            RegulatoryRule::PerCounty => "per_county",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            RegulatoryRule::Ratio => "以市县 4:6 比例为准（各区县平分 60%）",
            RegulatoryRule::PerCounty => "以各区县 10% 为准（市级承担其余部分）",
        }
    }
    pub fn parse(s: &str) -> Option<RegulatoryRule> {
        [RegulatoryRule::Ratio, RegulatoryRule::PerCounty]
            .into_iter()
            .find(|k| k.code() == s)
    }
}

/// The numbers of art.23, as parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Params {
    /// A sharing plan is required at or above this yearly cloud rent (500 万元).
    pub plan_threshold: Yuan,
    /// City : counties for regulatory projects (4 : 6).
    pub city_part: u32,
    pub counties_part: u32,
    /// Each county's share of the rent for regulatory projects, basis points (10% = 1000).
    pub county_bp: u32,
    /// The county count the text assumes (Shaoxing: 6).
    pub expected_counties: usize,
    pub regulatory_rule: RegulatoryRule,
}

impl Default for Params {
    fn default() -> Params {
        Params {
            plan_threshold: Yuan::from_yuan(5_000_000),
            city_part: 4,
            counties_part: 6,
            county_bp: 1000,
            expected_counties: 6,
            regulatory_rule: RegulatoryRule::Ratio,
        }
    }
}

/// A county-level unit and its resident population at the end of last year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct County {
    pub name: String,
    pub population: i64,
}

/// One party's share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Share {
    pub party: String,
    pub is_city: bool,
    /// How the share was found, in Chinese ("常住人口 1,234,567 人").
    pub basis: String,
    pub amount: Yuan,
    /// Share of the total in basis points (display, rounded down).
    pub bp: i64,
}

/// The computed table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub kind: SharingKind,
    /// Yearly government-cloud rent.
    pub total: Yuan,
    /// ≥ the threshold: a sharing plan is required at declaration.
    pub plan_required: bool,
    pub rows: Vec<Share>,
    /// Which rule applied and why (county count, rounding), in Chinese.
    pub notes: Vec<String>,
    /// The population year used (livelihood).
    pub population_year: Option<i32>,
}

impl Plan {
    pub fn sum(&self) -> Yuan {
        Yuan::from_fen(self.rows.iter().map(|r| r.amount.fen()).sum())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CostError {
    #[error("{field}：{message}")]
    Invalid { field: String, message: String },
}

fn bad(field: &str, message: impl Into<String>) -> CostError {
    CostError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}

/// Split `total_fen` in proportion to `weights` by the largest-remainder method: the shares are
/// whole fen and sum to `total_fen` exactly. Leftover fen go to the largest fractional parts,
/// ties to the larger weight, then to the earlier party. All weights zero → None.
pub fn apportion(total_fen: i64, weights: &[u128]) -> Option<Vec<i64>> {
    let sum: u128 = weights.iter().sum();
    if sum == 0 || total_fen < 0 {
        return None;
    }
    let total = total_fen as u128;
    let mut shares: Vec<i64> = Vec::with_capacity(weights.len());
    let mut rema: Vec<(u128, u128, usize)> = Vec::with_capacity(weights.len());
    for (i, w) in weights.iter().enumerate() {
        let exact = total * w;
        shares.push((exact / sum) as i64);
        rema.push((exact % sum, *w, i));
    }
    let given: i64 = shares.iter().sum();
    let left = total_fen - given;
    rema.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
    for r in rema.iter().take(left as usize) {
        shares[r.2] += 1;
    }
    Some(shares)
}

fn thousands(n: i64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Compute the sharing table. `city_share`: the city's own share, stated in the plan (livelihood;
/// the counties split the rest). `population_year`: the year of the population figures (last year).
pub fn compute(
    kind: SharingKind,
    total: Yuan,
    city_name: &str,
    city_share: Option<Yuan>,
    counties: &[County],
    population_year: Option<i32>,
    params: &Params,
) -> Result<Plan, CostError> {
    if total == Yuan::ZERO {
        return Err(bad("total", "请填写政务云年租赁费（大于 0）"));
    }
    if counties.is_empty() {
        return Err(bad("counties", "请至少列出一个区、县（市）"));
    }
    let mut seen = std::collections::HashSet::new();
    for c in counties {
        if c.name.trim().is_empty() {
            return Err(bad("counties", "区、县（市）名称不能为空"));
        }
        if !seen.insert(c.name.trim()) {
            return Err(bad("counties", format!("{} 重复列出", c.name)));
        }
    }
    let mut notes = Vec::new();
    let plan_required = total >= params.plan_threshold;
    if plan_required {
        notes.push(format!(
            "年租赁费 {} 元 ≥ {} 元：牵头的市级部门申报项目时应同步制定分摊方案（{}）",
            total.grouped(),
            params.plan_threshold.grouped(),
            cite()
        ));
    } else {
        notes.push(format!(
            "年租赁费低于 {} 元：不强制要求分摊方案，本表仅供参考",
            params.plan_threshold.grouped()
        ));
    }
    let n = counties.len();
    let mut rows = Vec::new();
    match kind {
        SharingKind::Livelihood => {
            let city = city_share.ok_or_else(|| {
                bad(
                    "city_share",
                    "民生类项目须在方案中明确市级承担部分（可填 0）",
                )
            })?;
            if city > total {
                return Err(bad("city_share", "市级承担部分不能超过年租赁费"));
            }
            if let Some(c) = counties.iter().find(|c| c.population <= 0) {
                return Err(bad(
                    "counties",
                    format!("{} 缺少上年常住人口数据，请先在人口表中录入", c.name),
                ));
            }
            let rest = total.fen() - city.fen();
            let weights: Vec<u128> = counties.iter().map(|c| c.population as u128).collect();
            let pop_total: i64 = counties.iter().map(|c| c.population).sum();
            let parts = apportion(rest, &weights).unwrap_or_default();
            rows.push(Share {
                party: city_name.to_string(),
                is_city: true,
                basis: "方案明确的市级承担部分".into(),
                amount: city,
                bp: 0,
            });
            for (c, fen) in counties.iter().zip(parts) {
                rows.push(Share {
                    party: c.name.clone(),
                    is_city: false,
                    basis: format!(
                        "上年常住人口 {} 人（占 {:.2}%）",
                        thousands(c.population),
                        c.population as f64 * 100.0 / pop_total as f64
                    ),
                    amount: Yuan::from_fen(fen),
                    bp: 0,
                });
            }
            notes.push(format!(
                "市级承担 {} 元后，其余 {} 元由 {n} 个区、县（市）按上年{}常住人口比例分摊",
                city.grouped(),
                Yuan::from_fen(rest).grouped(),
                population_year
                    .map(|y| format!("（{y} 年）"))
                    .unwrap_or_default()
            ));
        }
        SharingKind::Regulatory => {
            let parts_total = (params.city_part + params.counties_part) as u128;
            if parts_total == 0 {
                return Err(bad("params", "市县分摊比例不能全为 0"));
            }
            let per_county_total = params.county_bp as u128 * n as u128;
            let rule = if n == params.expected_counties {
                // The two figures agree (6 × 10% = 60%): either gives the same weights.
                RegulatoryRule::Ratio
            } else {
                notes.push(format!(
                    "区、县（市）为 {n} 个而非 {} 个，4:6 与“各区县 10%”不一致：按参数{}",
                    params.expected_counties,
                    params.regulatory_rule.label()
                ));
                params.regulatory_rule
            };
            // Weights over a common denominator: city first, then each county.
            let weights: Vec<u128> = match rule {
                RegulatoryRule::Ratio => std::iter::once(params.city_part as u128 * n as u128)
                    .chain(std::iter::repeat_n(params.counties_part as u128, n))
                    .collect(),
                RegulatoryRule::PerCounty => {
                    if per_county_total > 10_000 {
                        return Err(bad(
                            "counties",
                            format!(
                                "{n} 个区、县（市）各承担 {}% 超过 100%，请改按 4:6 比例",
                                params.county_bp as f64 / 100.0
                            ),
                        ));
                    }
                    std::iter::once(10_000 - per_county_total)
                        .chain(std::iter::repeat_n(params.county_bp as u128, n))
                        .collect()
                }
            };
            let wsum: u128 = weights.iter().sum();
            let parts = apportion(total.fen(), &weights).unwrap_or_default();
            for (i, fen) in parts.into_iter().enumerate() {
                let pct = weights[i] as f64 * 100.0 / wsum as f64;
                rows.push(Share {
                    party: if i == 0 {
                        city_name.to_string()
                    } else {
                        counties[i - 1].name.clone()
                    },
                    is_city: i == 0,
                    basis: if i == 0 {
                        format!("市级 {pct:.2}%")
                    } else {
                        format!("区县 {pct:.2}%")
                    },
                    amount: Yuan::from_fen(fen),
                    bp: 0,
                });
            }
        }
    }
    for r in &mut rows {
        r.bp = r.amount.basis_points_of(total).unwrap_or(0);
    }
    notes.push(
        "金额精确到分：各方先按应分摊额向下取整到分，剩余的几分钱依次分给小数部分最大的一方，合计与年租赁费完全相等"
            .into(),
    );
    let plan = Plan {
        kind,
        total,
        plan_required,
        rows,
        notes,
        population_year,
    };
    debug_assert_eq!(plan.sum(), plan.total);
    Ok(plan)
}

/// Record a computed plan with a project (a history entry; the stage does not change). The
/// project's own unit or the competent authority may record it; not on an ended project.
pub fn record(project: &Project, actor: &Actor, plan: Plan) -> Result<Decision, Refusal> {
    let own = actor.has(Role::Unit) && actor.unit_id == project.unit_id;
    let authority = actor.has(Role::Authority) && actor.covers(&project.jurisdiction_path);
    if !own && !authority {
        return Err(Refusal::Forbidden(
            "只有本项目的建设单位或主管部门可以保存分摊方案".into(),
        ));
    }
    if project.stage == Stage::Ended {
        return Err(Refusal::WrongStage {
            stage: project.stage.label(),
            action: "保存分摊方案",
        });
    }
    if plan.sum() != plan.total {
        return Err(Refusal::Invalid {
            field: "total".into(),
            message: "分摊合计与年租赁费不一致".into(),
        });
    }
    let summary = format!(
        "保存政务云租赁费分摊方案：{}，年租赁费 {} 元，{}",
        plan.kind.label(),
        plan.total.grouped(),
        plan.rows
            .iter()
            .map(|r| format!("{} {} 元", r.party, r.amount.grouped()))
            .collect::<Vec<_>>()
            .join("、")
    );
    Ok(Decision {
        action: "cost_sharing".into(),
        from: project.stage,
        to: project.stage,
        events: vec![Event::CostSharingPlanned { plan }],
        summary,
        opinion: String::new(),
    })
}
