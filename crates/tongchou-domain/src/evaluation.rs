//! 绩效评价 Yearly performance evaluation of systems in operation (SPEC §2.9 E1–E5) and the
//! eligibility bars it feeds at declaration (A6). Pure rules; [`decide`] is called from
//! [`crate::lifecycle::decide`] for the commands of this module, and [`bars`] from its
//! `Declare` arm.
use crate::lifecycle::{
    invalid, need, need_own_unit, need_text, rule, Command, Decision, Event, Refusal,
};
use crate::profile::{Citation, Profile};
use crate::project::{BuildKind, ProjectContext};
use crate::{Actor, Date, Role, Stage};
use serde::{Deserialize, Serialize};

const SC: &str = "上城区电子政务项目管理办法（征求意见稿）";
const SX: &str = "绍兴市市级政务信息化项目管理办法";
const QZ: &str = "衢州市政府投资数字化项目全生命周期管理办法";
const ZJ: &str = "浙江省数字政府建设方案";

/// One indicator of an indicator system: weight in points (the weights of a system add up to
/// 100), the scoring rule the evaluator applies, and its article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Indicator {
    pub code: String,
    pub name: String,
    pub weight: u32,
    /// 评分规则 how the indicator is scored (0–100).
    pub rule: String,
    pub cite: Citation,
}

/// 绩效评价指标体系 (E1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndicatorSystem {
    pub code: String,
    pub name: String,
    pub indicators: Vec<Indicator>,
    pub cite: Citation,
}

/// The evaluation part of a policy profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvaluationRules {
    /// Code of the indicator system in force.
    pub system: String,
    /// Indicator systems written in the profile format (the one in force and those of other
    /// jurisdictions, live when their profile picks them).
    pub systems: Vec<IndicatorSystem>,
    /// A weighted total at or above this passes (合格).
    pub pass_score: u32,
    /// Quzhou 三(四): the first evaluation is due this many months after final acceptance.
    pub first_due_months: Option<u32>,
    pub first_due_cite: Citation,
    /// Outcome codes this profile allows (see [`Outcome`]).
    pub outcomes: Vec<Outcome>,
    /// Shangcheng 第九章: 强制淘汰 only after the district leader in charge approves.
    pub retire_needs_leader: bool,
    /// Quzhou 二(二)9: a unit on the zombie list 原则上 declares nothing for this many years.
    pub zombie_bar_years: u32,
    pub cite: Citation,
}

/// 评价结果 the outcome of a year's evaluation (E3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// 继续运行
    Continue,
    /// 限期整改
    Rectify,
    /// 列入最佳应用榜单并推荐争先制 (E5)
    Best,
    /// 列入僵尸系统名单 (E4)
    Zombie,
    /// 强制淘汰（下架） Shangcheng 第九章
    Retire,
    /// 暂缓后续项目审核、停止拨付运维经费 Shaoxing art.34
    Suspend,
}

impl Outcome {
    pub const ALL: [Outcome; 6] = [
        Outcome::Continue,
        Outcome::Rectify,
        Outcome::Best,
        Outcome::Zombie,
        Outcome::Retire,
        Outcome::Suspend,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Continue => "continue",
            Outcome::Rectify => "rectify",
            Outcome::Best => "best",
            Outcome::Zombie => "zombie",
            Outcome::Retire => "retire",
            Outcome::Suspend => "suspend",
        }
    }
    pub fn parse(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Continue => "继续运行",
            Outcome::Rectify => "限期整改",
            Outcome::Best => "列入最佳应用榜单并推荐争先制",
            Outcome::Zombie => "列入僵尸系统名单",
            Outcome::Retire => "强制淘汰（应用下架）",
            Outcome::Suspend => "暂缓后续项目审核、停止拨付运维经费",
        }
    }
    /// Whether the system passed this year's evaluation.
    pub fn passed(self) -> bool {
        matches!(self, Outcome::Continue | Outcome::Best)
    }
}

fn ind(code: &str, name: &str, weight: u32, rule_: &str, doc: &str, art: &str) -> Indicator {
    Indicator {
        code: code.into(),
        name: name.into(),
        weight,
        rule: rule_.into(),
        cite: Citation::new(doc, art),
    }
}

/// Shangcheng 第九章: 区数据资源局负责建立完善应用绩效评价指标体系.
pub fn shangcheng_system() -> IndicatorSystem {
    let a = "第九章 项目绩效与审计";
    IndicatorSystem {
        code: "shangcheng".into(),
        name: "上城区应用绩效评价指标体系".into(),
        indicators: vec![
            ind(
                "usage",
                "应用使用情况",
                30,
                "活跃用户数、访问量与建设目标之比，达到目标得满分",
                SC,
                a,
            ),
            ind(
                "goals",
                "建设目标实现",
                25,
                "对照立项批复的建设内容和绩效目标逐项评分",
                SC,
                a,
            ),
            ind(
                "cost",
                "运行维护成本",
                15,
                "运维经费与使用量相适应，无闲置资源",
                SC,
                a,
            ),
            ind(
                "sharing",
                "数据共享",
                15,
                "按数据共享规范要求共享目录资源（未整改的予以下架）",
                SC,
                a,
            ),
            ind(
                "security",
                "数据安全和保密",
                15,
                "谁建设谁负责、谁运行谁负责、谁使用谁负责，未发生安全事件",
                SC,
                a,
            ),
        ],
        cite: Citation::new(SC, a),
    }
}

/// Shaoxing art.32: 项目运行情况、统建融合、成本效益、应用实效、信息安全、创新服务.
pub fn shaoxing_system() -> IndicatorSystem {
    let a = "第三十二条";
    IndicatorSystem {
        code: "shaoxing".into(),
        name: "绍兴市政务信息化项目绩效评估".into(),
        indicators: vec![
            ind(
                "operation",
                "项目运行情况",
                20,
                "系统稳定运行、故障与恢复情况",
                SX,
                a,
            ),
            ind(
                "integration",
                "统建融合",
                15,
                "部署政务云、接入统建平台与数据共享",
                SX,
                a,
            ),
            ind(
                "cost_benefit",
                "成本效益",
                15,
                "投入与产出、运维成本",
                SX,
                a,
            ),
            ind(
                "effectiveness",
                "应用实效",
                25,
                "业务应用和用户使用的实际效果",
                SX,
                a,
            ),
            ind("security", "信息安全", 15, "等保、密评与安全事件", SX, a),
            ind("innovation", "创新服务", 10, "服务创新与推广", SX, a),
        ],
        cite: Citation::new(SX, a),
    }
}

/// Quzhou 三(四): 终验完成正式运行1年后 … 使用情况和安全情况.
pub fn quzhou_system() -> IndicatorSystem {
    let a = "三(四)";
    IndicatorSystem {
        code: "quzhou".into(),
        name: "衢州市项目运行绩效评价".into(),
        indicators: vec![
            ind("use", "使用情况", 60, "正式运行1年后的实际使用情况", QZ, a),
            ind("security", "安全情况", 40, "运行期安全情况", QZ, a),
        ],
        cite: Citation::new(QZ, a),
    }
}

/// ZJ-plan 四: 项目验收、预算绩效评价、专项审计和基层用户评价相结合 (users of an application rate it).
pub fn zjplan_system() -> IndicatorSystem {
    let a = "四(四)";
    IndicatorSystem {
        code: "zjplan".into(),
        name: "浙江省数字政府项目综合评价".into(),
        indicators: vec![
            ind("acceptance", "项目验收", 25, "验收结论", ZJ, a),
            ind(
                "budget_performance",
                "预算绩效评价",
                25,
                "财政预算绩效评价结果",
                ZJ,
                a,
            ),
            ind("special_audit", "专项审计", 20, "专项审计结论", ZJ, a),
            ind(
                "user_rating",
                "基层用户评价",
                30,
                "应用的基层用户评分的平均值",
                ZJ,
                a,
            ),
        ],
        cite: Citation::new(ZJ, a),
    }
}

impl EvaluationRules {
    /// The Shangcheng rules (第九章、第十章), with the other jurisdictions' systems listed.
    pub fn shangcheng() -> EvaluationRules {
        EvaluationRules {
            system: "shangcheng".into(),
            systems: vec![
                shangcheng_system(),
                shaoxing_system(),
                quzhou_system(),
                zjplan_system(),
            ],
            pass_score: 60,
            first_due_months: None,
            first_due_cite: Citation::new(QZ, "三(四)"),
            outcomes: vec![
                Outcome::Continue,
                Outcome::Rectify,
                Outcome::Best,
                Outcome::Zombie,
                Outcome::Retire,
            ],
            retire_needs_leader: true,
            zombie_bar_years: 2,
            cite: Citation::new(SC, "第九章 项目绩效与审计"),
        }
    }

    /// Shaoxing (第三十二条 six dimensions; 第三十四条: goals not met → rectify by a date; refused
    /// or still failing → the unit's later reviews suspended and O&M money stopped).
    pub fn shaoxing() -> EvaluationRules {
        EvaluationRules {
            system: "shaoxing".into(),
            outcomes: vec![
                Outcome::Continue,
                Outcome::Rectify,
                Outcome::Best,
                Outcome::Suspend,
            ],
            retire_needs_leader: false,
            cite: Citation::new(SX, "第三十二条至第三十四条"),
            ..EvaluationRules::shangcheng()
        }
    }

    /// The indicator system in force.
    pub fn active(&self) -> Option<&IndicatorSystem> {
        self.systems.iter().find(|s| s.code == self.system)
    }

    /// Every problem of the evaluation rules (empty when valid).
    pub fn problems(&self) -> Vec<String> {
        let mut errs = Vec::new();
        if self.active().is_none() {
            errs.push(format!(
                "evaluation.system 指向不存在的指标体系：{}",
                self.system
            ));
        }
        let mut codes: Vec<&str> = self.systems.iter().map(|s| s.code.as_str()).collect();
        codes.sort();
        codes.dedup();
        if codes.len() != self.systems.len() {
            errs.push("evaluation.systems 的 code 有重复".into());
        }
        for s in &self.systems {
            let sum: u32 = s.indicators.iter().map(|i| i.weight).sum();
            if sum != 100 {
                errs.push(format!(
                    "指标体系 {} 的权重合计须为 100（现为 {sum}）",
                    s.code
                ));
            }
            let mut c: Vec<&str> = s.indicators.iter().map(|i| i.code.as_str()).collect();
            c.sort();
            c.dedup();
            if c.len() != s.indicators.len() || s.indicators.is_empty() {
                errs.push(format!("指标体系 {} 的指标 code 有重复或为空", s.code));
            }
            if s.cite.article.trim().is_empty() {
                errs.push(format!("指标体系 {} 缺少依据条款", s.code));
            }
            for i in &s.indicators {
                if i.name.trim().is_empty()
                    || i.rule.trim().is_empty()
                    || i.cite.article.trim().is_empty()
                {
                    errs.push(format!(
                        "指标 {}.{} 缺少名称、评分规则或依据条款",
                        s.code, i.code
                    ));
                }
            }
        }
        if self.pass_score == 0 || self.pass_score > 100 {
            errs.push("evaluation.pass_score 须为 1–100".into());
        }
        if matches!(self.first_due_months, Some(0)) || self.first_due_months.is_some_and(|m| m > 60)
        {
            errs.push("evaluation.first_due_months 须为 1–60".into());
        }
        if self.outcomes.is_empty() || !self.outcomes.contains(&Outcome::Continue) {
            errs.push("evaluation.outcomes 须包含 continue".into());
        }
        if self.zombie_bar_years > 10 {
            errs.push("evaluation.zombie_bar_years 须为 0–10".into());
        }
        errs
    }
}

/// Spot check (抽查) of a key project: who checked and the result (Shaoxing art.33).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpotCheck {
    /// `expert` 专家组, `third_party` 第三方机构, `finance` 财政部门
    pub by_kind: String,
    pub checker: String,
    pub scores: Vec<(String, u32)>,
    pub total: u32,
    pub result: String,
}

pub const CHECKER_KINDS: [(&str, &str); 3] = [
    ("expert", "专家组"),
    ("third_party", "第三方机构"),
    ("finance", "财政部门"),
];

pub fn checker_kind_label(code: &str) -> &'static str {
    CHECKER_KINDS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| *l)
        .unwrap_or("其他")
}

/// One year's evaluation of a system, as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvaluationRecord {
    pub year: i32,
    pub system: String,
    pub self_scores: Vec<(String, u32)>,
    pub self_total: u32,
    pub evidence: String,
    pub spot: Option<SpotCheck>,
    pub outcome: Option<Outcome>,
    pub rectify_by: Option<Date>,
    pub outcome_reason: String,
    /// `proposed` or `confirmed` once an outcome is there.
    pub confirmed: bool,
    pub leader: Option<String>,
    pub published: bool,
    /// 整改情况 reported by the unit (限期整改).
    #[serde(default)]
    pub rectified: Option<String>,
}

impl EvaluationRecord {
    /// The score the outcome rests on: the spot check's when there is one.
    pub fn score(&self) -> u32 {
        self.spot
            .as_ref()
            .map(|s| s.total)
            .unwrap_or(self.self_total)
    }
}

/// Weighted total (0–100, rounded half up) of per-indicator scores against a system; every
/// indicator scored exactly once, each 0–100.
pub fn weighted_total(system: &IndicatorSystem, scores: &[(String, u32)]) -> Result<u32, Refusal> {
    for (code, s) in scores {
        if !system.indicators.iter().any(|i| &i.code == code) {
            return Err(invalid("scores", format!("未知的评价指标：{code}")));
        }
        if *s > 100 {
            return Err(invalid(&format!("score_{code}"), "每项得分为 0–100"));
        }
    }
    let mut sum = 0u32;
    for i in &system.indicators {
        let n = scores.iter().filter(|(c, _)| c == &i.code).count();
        if n != 1 {
            return Err(invalid(
                &format!("score_{}", i.code),
                format!("请为“{}”评分（0–100）", i.name),
            ));
        }
        let s = scores
            .iter()
            .find(|(c, _)| c == &i.code)
            .map(|(_, s)| *s)
            .unwrap_or(0);
        sum += s * i.weight;
    }
    Ok((sum + 50) / 100)
}

/// The records of the unit an eligibility check reads (A6), loaded only for a declaration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EligibilityFacts {
    /// Zombie-list entries of the unit: (system, listed on).
    pub zombies: Vec<(String, Date)>,
    /// Applications of the unit that stopped: (system, went live, stopped).
    pub stops: Vec<(String, Date, Date)>,
    /// Overdue open obligations of the unit's other projects: (project, duty, due).
    pub unfinished: Vec<(String, String, Date)>,
    /// The unit's systems whose latest confirmed evaluation did not pass: (system, outcome).
    pub unpassed: Vec<(String, Outcome)>,
    /// Shaoxing art.34: outcomes suspending the unit's later reviews: (system, year).
    pub suspended: Vec<(String, i32)>,
    /// Shangcheng 第十章: the authority's findings that the unit built a system without
    /// approval (未按规定擅自建设): (system, found on, reference).
    #[serde(default)]
    pub unapproved: Vec<(String, Date, String)>,
}

/// One bar to a declaration (A6): why, until when, how strong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bar {
    pub code: String,
    pub message: String,
    pub until: Option<Date>,
    pub cite: Citation,
    /// Hard rule (refuse) or default rule (原则上: warn, go ahead with a recorded reason).
    pub hard: bool,
}

fn add_years(d: Date, y: i16) -> Date {
    crate::lifecycle::add_months(d, y as u32 * 12)
}

/// The bars to a declaration by the unit these facts describe (A6).
pub fn bars(
    facts: &EligibilityFacts,
    build_kind: BuildKind,
    rules: &EvaluationRules,
    today: Date,
) -> Vec<Bar> {
    let mut out = Vec::new();
    // Quzhou 二(二)9: 经检查列入“僵尸系统”的单位，原则上2年内不得申报数字化项目需求.
    for (system, listed) in &facts.zombies {
        let until = add_years(*listed, rules.zombie_bar_years as i16);
        if today < until {
            out.push(Bar {
                code: "zombie_bar".into(),
                message: format!(
                    "本单位的“{system}”于 {listed} 列入僵尸系统名单，原则上 {} 年内不得申报数字化项目（至 {until}）",
                    rules.zombie_bar_years
                ),
                until: Some(until),
                cite: Citation::new(QZ, "二(二)9"),
                hard: false,
            });
        }
    }
    // Shangcheng 第十章: 应用建成使用不满两年而停用 … 取消该单位下一年度的项目申报资格.
    for (system, live, stopped) in &facts.stops {
        if *stopped < add_years(*live, 2) {
            let next = stopped.year() + 1;
            let until = Date::new(next + 1, 1, 1).unwrap_or(*stopped);
            if today < until {
                out.push(Bar {
                    code: "early_stop".into(),
                    message: format!(
                        "本单位的“{system}”{live} 建成使用、{stopped} 停用，不满两年，取消 {next} 年度项目申报资格（至 {next}-12-31）"
                    ),
                    until: Some(until),
                    cite: Citation::new(SC, "第十章 其他"),
                    hard: true,
                });
            }
        }
    }
    // Shangcheng 第十章: 未按规定擅自建设项目的单位取消该单位下一年度的项目申报资格.
    for (system, found, reference) in &facts.unapproved {
        let next = found.year() + 1;
        let until = Date::new(next + 1, 1, 1).unwrap_or(*found);
        if today < until {
            out.push(Bar {
                code: "unapproved_build".into(),
                message: format!(
                    "本单位的“{system}”经认定未按规定擅自建设（{reference}，{found}），取消 {next} 年度项目申报资格（至 {next}-12-31）"
                ),
                until: Some(until),
                cite: Citation::new(SC, "第十章 其他"),
                hard: true,
            });
        }
    }
    // Shaoxing art.7(六): 未完善历年政务信息化项目建设情况的单位，原则上不得申报新增项目.
    if !facts.unfinished.is_empty() {
        let list: Vec<String> = facts
            .unfinished
            .iter()
            .take(5)
            .map(|(p, duty, due)| format!("“{p}”{duty}（{due} 到期）"))
            .collect();
        out.push(Bar {
            code: "unfinished_records".into(),
            message: format!(
                "本单位历年项目建设情况未完善：{}{}，原则上不得申报新增项目（完成后即可申报）",
                list.join("；"),
                if facts.unfinished.len() > 5 {
                    format!(" 等 {} 项", facts.unfinished.len())
                } else {
                    String::new()
                }
            ),
            until: None,
            cite: Citation::new(SX, "第七条（六）"),
            hard: false,
        });
    }
    // Shaoxing art.34: 拒不整改或整改后仍不符合要求的，暂缓其后续项目审核.
    for (system, year) in &facts.suspended {
        out.push(Bar {
            code: "suspended".into(),
            message: format!("本单位的“{system}”{year} 年度绩效评估整改不到位，暂缓其后续项目审核（整改合格后恢复）"),
            until: None,
            cite: Citation::new(SX, "第三十四条"),
            hard: true,
        });
    }
    // Shangcheng 项目申报: 迭代升级的业务应用系统，还须通过绩效评价.
    if build_kind == BuildKind::Upgrade {
        for (system, outcome) in &facts.unpassed {
            out.push(Bar {
                code: "upgrade_unpassed".into(),
                message: format!(
                    "迭代升级的业务应用系统须通过绩效评价：本单位的“{system}”最近一次评价结果为“{}”，不得申报升级项目（至该系统绩效评价通过为止）",
                    outcome.label()
                ),
                until: None,
                cite: Citation::new(SC, "第五章 项目申报"),
                hard: true,
            });
        }
    }
    out
}

/// Turn the bars into the declaration's answer: the first hard bar refuses; a default bar needs
/// a recorded reason (and becomes an override event).
pub(crate) fn check_declaration(
    ctx: &ProjectContext,
    profile: &Profile,
    override_reason: Option<&str>,
    today: Date,
    events: &mut Vec<Event>,
) -> Result<(), Refusal> {
    let bars = bars(
        &ctx.eligibility,
        ctx.project.input.build_kind,
        &profile.evaluation,
        today,
    );
    if let Some(b) = bars.iter().find(|b| b.hard) {
        return Err(Refusal::Rule {
            message: b.message.clone(),
            cite: b.cite.clone(),
        });
    }
    for b in bars.iter().filter(|b| !b.hard) {
        events.push(crate::overrides::answer(
            profile,
            &b.code,
            b.message.clone(),
            &b.cite,
            override_reason,
        )?);
    }
    Ok(())
}

/// Decide the evaluation commands (visibility already checked by the caller).
pub fn decide(
    ctx: &ProjectContext,
    actor: &Actor,
    cmd: Command,
    profile: &Profile,
    today: Date,
) -> Result<Decision, Refusal> {
    let rules = &profile.evaluation;
    let from = ctx.project.stage;
    let action = cmd.code();
    let wrong = || Refusal::WrongStage {
        stage: from.label(),
        action: crate::lifecycle::action_label(action),
    };
    let find = |year: i32| ctx.evaluations.iter().find(|e| e.year == year);
    let check_year = |year: i32| -> Result<(), Refusal> {
        if year < 2000 || year > today.year() as i32 {
            return Err(invalid("year", "评价年度须为已开始的年度"));
        }
        Ok(())
    };
    let mut events = Vec::new();
    let mut to = from;
    let summary;
    let mut opinion = String::new();
    match cmd {
        Command::SelfEvaluate {
            year,
            scores,
            evidence,
        } => {
            need_own_unit(ctx, actor, "开展绩效自评")?;
            if from != Stage::InOperation {
                return Err(wrong());
            }
            check_year(year)?;
            if find(year).is_some() {
                return Err(invalid("year", format!("{year} 年度已提交自评")));
            }
            need_text("evidence", &evidence, "自评说明及佐证材料")?;
            let system = rules
                .active()
                .ok_or_else(|| rule("本地政策规则未设定绩效评价指标体系", &rules.cite))?;
            let total = weighted_total(system, &scores)?;
            summary = format!("提交 {year} 年度绩效自评，加权得分 {total}");
            events.push(Event::SelfEvaluated {
                year,
                system: system.code.clone(),
                scores,
                total,
                evidence: evidence.trim().into(),
            });
        }
        Command::SpotCheck {
            year,
            by_kind,
            checker,
            scores,
            result,
        } => {
            need(actor, Role::Authority, "组织重点项目抽查")?;
            if from != Stage::InOperation {
                return Err(wrong());
            }
            let Some(e) = find(year) else {
                return Err(invalid(
                    "year",
                    format!("{year} 年度尚无自评，先由建设单位自评"),
                ));
            };
            if e.outcome.is_some() {
                return Err(invalid(
                    "year",
                    format!("{year} 年度已提出评价结果，不能再抽查"),
                ));
            }
            if !CHECKER_KINDS.iter().any(|(c, _)| *c == by_kind) {
                return Err(invalid(
                    "by_kind",
                    "请选择抽查方式：专家组、第三方机构或财政部门",
                ));
            }
            need_text("checker", &checker, "抽查的专家组或机构名称")?;
            need_text("result", &result, "抽查结论")?;
            let system = ctx_system(rules, &e.system)?;
            let total = weighted_total(system, &scores)?;
            summary = format!(
                "{year} 年度重点项目抽查（{}：{}），得分 {total}",
                checker_kind_label(&by_kind),
                checker.trim()
            );
            opinion = result.trim().into();
            events.push(Event::SpotChecked {
                year,
                check: SpotCheck {
                    by_kind,
                    checker: checker.trim().into(),
                    scores,
                    total,
                    result: result.trim().into(),
                },
            });
        }
        Command::ProposeOutcome {
            year,
            outcome,
            rectify_by,
            reason,
        } => {
            if !(actor.has(Role::Authority) || actor.has(Role::Finance)) {
                return Err(Refusal::Forbidden(
                    "只有主管部门或财政部门可以提出评价结果".into(),
                ));
            }
            if from != Stage::InOperation {
                return Err(wrong());
            }
            let Some(e) = find(year) else {
                return Err(invalid("year", format!("{year} 年度尚无自评")));
            };
            if e.outcome.is_some() {
                return Err(invalid("year", format!("{year} 年度已有评价结果")));
            }
            if !rules.outcomes.contains(&outcome) {
                return Err(invalid(
                    "outcome",
                    format!("本地政策规则没有“{}”这一结果", outcome.label()),
                ));
            }
            need_text("reason", &reason, "评价结果的理由")?;
            if outcome.passed() && e.score() < rules.pass_score {
                return Err(invalid(
                    "outcome",
                    format!(
                        "得分 {} 低于合格线 {}，不能评为“{}”",
                        e.score(),
                        rules.pass_score,
                        outcome.label()
                    ),
                ));
            }
            let rectify_by = match outcome {
                Outcome::Rectify => {
                    let d = rectify_by
                        .ok_or_else(|| invalid("rectify_by", "限期整改须填写整改期限"))?;
                    if d <= today {
                        return Err(invalid("rectify_by", "整改期限须晚于今天"));
                    }
                    Some(d)
                }
                _ => None,
            };
            // Shangcheng 第九章: 对低绩且未按期整改的应用 … 强制淘汰.
            if outcome == Outcome::Retire
                && !ctx
                    .evaluations
                    .iter()
                    .any(|p| p.year < year && p.outcome == Some(Outcome::Rectify) && p.confirmed)
            {
                return Err(rule(
                    "强制淘汰只适用于低绩且未按期整改的应用：此前须有限期整改的评价结果",
                    &rules.cite,
                ));
            }
            summary = format!("提出 {year} 年度评价结果：{}", outcome.label());
            opinion = reason.trim().into();
            events.push(Event::OutcomeProposed {
                year,
                outcome,
                rectify_by,
                reason: reason.trim().into(),
            });
        }
        Command::ConfirmOutcome {
            year,
            agree,
            leader,
            leader_date,
            opinion: op,
        } => {
            need(actor, Role::Authority, "确认评价结果")?;
            if from != Stage::InOperation {
                return Err(wrong());
            }
            let Some(e) = find(year) else {
                return Err(invalid("year", format!("{year} 年度尚无评价")));
            };
            let Some(outcome) = e.outcome.filter(|_| !e.confirmed) else {
                return Err(invalid("year", format!("{year} 年度没有待确认的评价结果")));
            };
            opinion = op.trim().into();
            if !agree {
                need_text("opinion", &op, "退回意见")?;
                summary = format!("退回 {year} 年度评价结果（{}）", outcome.label());
                events.push(Event::OutcomeReturned { year });
            } else {
                let leader = leader
                    .map(|l| l.trim().to_string())
                    .filter(|l| !l.is_empty());
                let approval = match (outcome, leader, leader_date) {
                    (Outcome::Retire, Some(l), Some(d)) => {
                        if d > today {
                            return Err(invalid("leader_date", "批准日期不能晚于今天"));
                        }
                        Some((l, d))
                    }
                    (Outcome::Retire, _, _) if rules.retire_needs_leader => {
                        return Err(rule(
                            "对低绩且未按期整改的应用，报区政府分管领导批准后，给予强制淘汰：请填写批准的分管区领导和批准日期",
                            &rules.cite,
                        ));
                    }
                    _ => None,
                };
                summary = format!("确认 {year} 年度评价结果：{}", outcome.label());
                events.push(Event::OutcomeConfirmed {
                    year,
                    outcome,
                    rectify_by: e.rectify_by,
                    leader: approval.as_ref().map(|(l, _)| l.clone()),
                    leader_date: approval.map(|(_, d)| d),
                    on: today,
                });
                // Shaoxing 第三十四条: 市财政局停止拨付项目运维经费 — refused until the authority
                // lifts it with a reason.
                if outcome == Outcome::Suspend {
                    events.push(Event::OmStopped {
                        on: today,
                        reason: format!(
                            "{year} 年度绩效评估拒不整改或整改后仍不符合要求，{}停止拨付项目运维经费",
                            profile.role_name(Role::Finance)
                        ),
                    });
                }
                if outcome == Outcome::Retire {
                    to = Stage::Ended;
                    events.push(Event::Ended {
                        reason: format!("{year} 年度绩效评价：强制淘汰，应用下架"),
                    });
                }
            }
        }
        Command::PublishEvaluation { year } => {
            need(actor, Role::Authority, "公布评价结果")?;
            if !matches!(from, Stage::InOperation | Stage::Ended) {
                return Err(wrong());
            }
            let Some(e) = find(year) else {
                return Err(invalid("year", format!("{year} 年度尚无评价")));
            };
            if !e.confirmed {
                return Err(invalid("year", "评价结果确认后才能公布"));
            }
            if e.published {
                return Err(invalid("year", "已公布"));
            }
            summary = format!("公布 {year} 年度绩效评价结果");
            events.push(Event::EvaluationPublished { year });
        }
        Command::ReportRectification { year, note } => {
            need_own_unit(ctx, actor, "报送绩效整改情况")?;
            if from != Stage::InOperation {
                return Err(wrong());
            }
            let Some(e) = find(year).filter(|e| e.confirmed && e.outcome == Some(Outcome::Rectify))
            else {
                return Err(invalid(
                    "year",
                    format!("{year} 年度没有限期整改的评价结果"),
                ));
            };
            if e.rectified.is_some() {
                return Err(invalid("year", "已报送整改情况"));
            }
            need_text("note", &note, "整改情况")?;
            summary = format!("报送 {year} 年度绩效评价整改情况");
            opinion = note.trim().into();
            events.push(Event::EvaluationRectified {
                year,
                note: note.trim().into(),
            });
        }
        _ => return Err(invalid("action", "不支持的操作")),
    }
    Ok(Decision {
        action: action.into(),
        from,
        to,
        events,
        summary,
        opinion,
    })
}

fn ctx_system<'a>(rules: &'a EvaluationRules, code: &str) -> Result<&'a IndicatorSystem, Refusal> {
    rules
        .systems
        .iter()
        .find(|s| s.code == code)
        .or_else(|| rules.active())
        .ok_or_else(|| rule("本地政策规则未设定绩效评价指标体系", &rules.cite))
}

/// Who records a finding that a unit built without approval (Shangcheng 第十章): the competent
/// authority covering the unit's jurisdiction.
pub fn can_record_unapproved_build(actor: &Actor, unit_jurisdiction_path: &str) -> bool {
    actor.has(Role::Authority) && actor.covers(unit_jurisdiction_path)
}

/// Validate a finding: system name, reference (认定文号), a date not after today.
pub fn validate_unapproved_build(
    system_name: &str,
    reference: &str,
    found_on: Date,
    today: Date,
) -> Result<(), Refusal> {
    let n = system_name.trim().chars().count();
    if !(2..=100).contains(&n) {
        return Err(invalid("system_name", "系统名称 2–100 个字"));
    }
    need_text("reference", reference, "认定文号或检查记录")?;
    if reference.trim().chars().count() > 200 {
        return Err(invalid("reference", "认定文号不超过 200 字"));
    }
    if found_on > today {
        return Err(invalid("found_on", "认定日期不能晚于今天"));
    }
    Ok(())
}

/// Shaoxing 第三十四条: 市财政局停止拨付项目运维经费.
pub fn om_stop_cite() -> Citation {
    Citation::new(SX, "第三十四条")
}

/// The evaluation rules with their citations (for the 政策规则 page).
pub fn rules(profile: &Profile) -> Vec<(String, Citation)> {
    let r = &profile.evaluation;
    let mut v = Vec::new();
    if let Some(s) = r.active() {
        v.push((
            format!(
                "绩效评价指标体系“{}”：{}；加权得分 {} 分及以上为合格",
                s.name,
                s.indicators
                    .iter()
                    .map(|i| format!("{}（{}%，{}）", i.name, i.weight, i.rule))
                    .collect::<Vec<_>>()
                    .join("、"),
                r.pass_score
            ),
            s.cite.clone(),
        ));
    }
    v.push((
        "建设单位对投入使用的项目按年度自评；主管部门组织普查、重点项目抽查，可委托专家组或第三方机构".into(),
        Citation::new(SX, "第三十三条"),
    ));
    if let Some(m) = r.first_due_months {
        v.push((
            format!("终验完成正式运行 {m} 个月后开展首次绩效评价"),
            r.first_due_cite.clone(),
        ));
    }
    if r.retire_needs_leader {
        v.push((
            "对低绩且未按期整改的应用，报区政府分管领导批准后，给予强制淘汰；适时公布绩效评价结果"
                .into(),
            r.cite.clone(),
        ));
    }
    v.push((
        format!(
            "经检查列入“僵尸系统”的单位，原则上{}年内不得申报数字化项目需求（原则性规定）",
            r.zombie_bar_years
        ),
        Citation::new(QZ, "二(二)9"),
    ));
    v.push((
        "应用建成使用不满两年而停用或未按规定擅自建设项目的单位，取消该单位下一年度的项目申报资格"
            .into(),
        Citation::new(SC, "第十章 其他"),
    ));
    v.push((
        "未完善历年政务信息化项目建设情况的单位，原则上不得申报新增项目（原则性规定）".into(),
        Citation::new(SX, "第七条（六）"),
    ));
    v.push((
        "迭代升级的业务应用系统，还须通过绩效评价".into(),
        Citation::new(SC, "第五章 项目申报"),
    ));
    v
}

/// Who may read the statistics and the zombie-system list: the authority, the functional
/// departments, the leading group and audit (scoped to their jurisdiction by the store); not a
/// construction unit, an expert, a company (项目主体) or the administrator.
pub fn can_view_statistics(actor: &Actor) -> bool {
    actor.roles.iter().any(|r| {
        matches!(
            r,
            Role::Authority
                | Role::Finance
                | Role::Drc
                | Role::Cyber
                | Role::Xinchuang
                | Role::LeadingGroup
                | Role::Audit
        )
    })
}

/// Whether the actor may read the statistics of the jurisdiction at `path`: a statistics
/// viewer, and the jurisdiction is its own or below it (the drill-down of P5).
pub fn may_view_statistics_of(actor: &Actor, path: &str) -> bool {
    can_view_statistics(actor) && path.starts_with(&actor.jurisdiction_path)
}

/// The evaluation actions the actor may take on the project now (for the project page).
pub fn available(ctx: &ProjectContext, actor: &Actor, out: &mut Vec<&'static str>) {
    let p = &ctx.project;
    let own = actor.has(Role::Unit) && actor.unit_id == p.unit_id;
    let auth = actor.has(Role::Authority);
    if p.stage == Stage::InOperation {
        if own {
            out.push("self_evaluate");
        }
        let open = ctx.evaluations.iter().any(|e| e.outcome.is_none());
        if auth && open {
            out.push("spot_check");
        }
        if (auth || actor.has(Role::Finance)) && open {
            out.push("propose_outcome");
        }
        if auth
            && ctx
                .evaluations
                .iter()
                .any(|e| e.outcome.is_some() && !e.confirmed)
        {
            out.push("confirm_outcome");
        }
        if own
            && ctx.evaluations.iter().any(|e| {
                e.confirmed && e.outcome == Some(Outcome::Rectify) && e.rectified.is_none()
            })
        {
            out.push("report_rectification");
        }
    }
    if auth
        && matches!(p.stage, Stage::InOperation | Stage::Ended)
        && ctx.evaluations.iter().any(|e| e.confirmed && !e.published)
    {
        out.push("publish_evaluation");
    }
}

/// 基层用户评价 (ZJ-plan 四(四): 项目验收、预算绩效评价、专项审计和基层用户评价相结合): the users of an
/// application in operation rate it, 1–5 stars, once per year each (a new rating replaces theirs).
pub fn user_rating_cite() -> Citation {
    Citation::new(ZJ, "四(四)")
}

/// Who may rate an application, and what: an account of a unit in the application's jurisdiction
/// or below (its users at the grassroots), not the unit that built it (no self-rating), nor an
/// expert or a market entity; the application in operation; 1–5 stars, a comment of at most 500
/// characters. The caller has checked that the actor may see the project.
pub fn check_rating(
    actor: &Actor,
    project: &crate::project::Project,
    stars: u32,
    comment: &str,
) -> Result<(), Refusal> {
    if actor.has(Role::Expert) || actor.has(Role::MarketEntity) || actor.has(Role::Audit) {
        return Err(Refusal::Forbidden(
            "基层用户评价由应用的使用单位填写，专家、审计和市场主体不参与".into(),
        ));
    }
    if !actor
        .jurisdiction_path
        .starts_with(&project.jurisdiction_path)
    {
        return Err(Refusal::Forbidden(
            "只有应用所在辖区及下级的使用单位可以评价".into(),
        ));
    }
    if actor.unit_id == project.unit_id {
        return Err(Refusal::Forbidden(
            "建设单位不能评价本单位的应用（基层用户评价）".into(),
        ));
    }
    if project.stage != Stage::InOperation {
        return Err(Refusal::WrongStage {
            stage: project.stage.label(),
            action: "评价应用",
        });
    }
    if !(1..=5).contains(&stars) {
        return Err(invalid("stars", "评分为 1–5 星"));
    }
    if comment.chars().count() > 500 {
        return Err(invalid("comment", "评价意见不超过 500 字"));
    }
    Ok(())
}

/// The 基层用户评价 indicator's score from the ratings: the average of the stars × 20 (0–100),
/// rounded; None without a rating.
pub fn user_rating_score(count: i64, stars_sum: i64) -> Option<u32> {
    if count <= 0 {
        return None;
    }
    Some(((stars_sum * 20 + count / 2) / count).clamp(0, 100) as u32)
}
