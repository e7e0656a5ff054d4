//! Policy profile: the jurisdiction's rules as data (SPEC §3). Thresholds, checklists, scoring
//! tables and deadlines are read from here, each item citing the seed article it comes from.
//! This issue ships the Shangcheng profile as a Rust value; it (de)serialises so that a later
//! step can load profiles from files and the database.
use crate::{Role, Stage};
use serde::{Deserialize, Serialize};

/// Where a rule comes from: seed regulation and article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Citation {
    /// Seed document title (Chinese).
    pub document: String,
    /// Article or sub-heading.
    pub article: String,
}

impl Citation {
    pub fn new(document: &str, article: &str) -> Citation {
        Citation {
            document: document.into(),
            article: article.into(),
        }
    }
}

impl std::fmt::Display for Citation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "依据：{} {}", self.document, self.article)
    }
}

/// One checklist item (compliance points, contract clauses, acceptance conditions).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckItem {
    pub code: String,
    pub text: String,
    pub cite: Citation,
}

/// One row of a scoring table with its maximum score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreItem {
    pub code: String,
    pub text: String,
    pub max: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// Where the profile in force was chosen (a jurisdiction path): its departments handle the
    /// projects of that jurisdiction and of those below that inherit the choice. Set at run time
    /// by whoever resolves the profile for a project; empty: the project's own jurisdiction.
    #[serde(skip)]
    pub handled_at: String,
    pub code: String,
    pub name: String,
    /// The seed document this profile is written from.
    pub document: String,
    /// Prefix of approval document numbers, e.g. "上数资".
    pub approval_doc_prefix: String,
    /// The authority issuing the approval document jointly.
    pub approval_issuers: Vec<String>,
    /// 合规性审查要点 compliance checklist.
    pub compliance_checklist: Vec<CheckItem>,
    /// Re-reviews allowed after a failed compliance review.
    pub compliance_rereviews: u32,
    pub compliance_cite: Citation,
    /// 项目初审评分表 preliminary scoring table.
    pub preliminary_table: Vec<ScoreItem>,
    /// Departments (by role) that score the preliminary review before the authority decides.
    pub preliminary_scorers: Vec<Role>,
    pub preliminary_cite: Citation,
    /// Expert review criteria (each expert scores 0–100 overall against them).
    pub expert_criteria: Vec<String>,
    pub expert_cite: Citation,
    /// Documents the unit uploads before the expert review meeting.
    pub expert_prerequisite_docs: Vec<String>,
    /// Panels: minimum size and whether the size must be odd. [product] for review panels.
    pub panel_min: u32,
    pub panel_odd: bool,
    /// Initial acceptance panel (Shangcheng 第八章: 3人（含）以上单数).
    pub acceptance_panel_min: u32,
    pub acceptance_panel_odd: bool,
    pub acceptance_cite: Citation,
    pub re_examination_cite: Citation,
    pub approval_cite: Citation,
    /// Documents required at declaration (kind codes of attachments).
    pub declaration_docs: Vec<String>,
    pub declaration_cite: Citation,
    /// Procurement must be completed (contract signed) within this many calendar months of approval.
    pub procurement_months: u32,
    pub procurement_cite: Citation,
    /// 合同条款 contract clause checklist (I3).
    pub contract_clauses: Vec<CheckItem>,
    /// Minimum maintenance period in years (一般 ≥ 2: a default rule).
    pub maintenance_min_years: u32,
    /// Monthly progress report due on or before this day of the month.
    pub progress_report_day: u32,
    pub progress_cite: Citation,
    /// Trial run after initial acceptance, in calendar days.
    pub trial_run_days: u32,
    /// 验收申请条件 acceptance conditions (C3).
    pub acceptance_conditions: Vec<CheckItem>,
    /// Rectification period after failed acceptance, in calendar months.
    pub rectify_months: u32,
    /// Network/data security budget share of total investment, basis points (原则上 ≥ 5%).
    pub security_budget_min_bp: i64,
    pub security_cite: Citation,
    // ---- Money during implementation (Shangcheng 第六章 项目实施). Older stored versions
    // without these fields read the Shangcheng values (`serde(default)`).
    /// 项目实施: payment batches, pre-filing, overrun.
    #[serde(default = "d::implementation_cite")]
    pub implementation_cite: Citation,
    /// The batches of a contract add up to at most this share of the contract amount (bp).
    #[serde(default = "d::payment_batches_max_bp")]
    pub payment_batches_max_bp: u32,
    /// 项目变更: a cut of at most this share of the approved amount (bp, “不超过预算金额15%”) is
    /// filed by the unit; above it the change goes to preliminary and expert change review.
    #[serde(default = "d::change_filing_max_cut_bp")]
    pub change_filing_max_cut_bp: i64,
    #[serde(default = "d::change_cite")]
    pub change_cite: Citation,
    /// 撤销或终止的情形 (Shangcheng: six, quoted).
    #[serde(default = "d::termination_reasons")]
    pub termination_reasons: Vec<CheckItem>,
    #[serde(default = "d::termination_cite")]
    pub termination_cite: Citation,
    /// 工程监理 IT supervision (I5).
    #[serde(default = "d::supervision")]
    pub supervision: Supervision,
    /// Default rules (原则上/一般, SPEC §0): each names the role that signs off an override.
    #[serde(default = "d::default_rules", deserialize_with = "d::de_default_rules")]
    pub default_rules: Vec<DefaultRule>,
    /// 三张清单: the lists a need belongs to (names are profile data; the seeds do not name them).
    #[serde(default = "crate::demand::default_demand_lists")]
    pub demand_lists: Vec<CheckItem>,
    /// 重大任务 taxonomy (ZJ-plan 二（二）: 12 major tasks), for the project field and P5.
    #[serde(default = "crate::project::default_major_tasks")]
    pub major_tasks: Vec<CheckItem>,
    /// 政府职能 taxonomy (ZJ-plan 二: five functions), for the project field and P5.
    #[serde(default = "crate::project::default_gov_functions")]
    pub gov_functions: Vec<CheckItem>,
    /// 绩效评价 indicator systems and outcome rules (E1–E5, A6).
    #[serde(default = "crate::evaluation::EvaluationRules::shangcheng")]
    pub evaluation: crate::evaluation::EvaluationRules,
    /// The locality's names for roles (e.g. Shaoxing's 市信管办); a role not listed here reads
    /// Shangcheng's name. Older stored versions have none.
    #[serde(default)]
    pub role_names: Vec<RoleName>,
    // ---- The review and approval path (SPEC V1–V5, §3: enabled stages and their order).
    /// The review steps a declaration goes through, in order; each reuses one step kind
    /// (compliance check, department scoring, expert panel, re-examination, leadership
    /// decision) and the last is the approval decision.
    #[serde(default = "d::review_path")]
    pub review_path: Vec<Stage>,
    /// The locality's names for stages (Shaoxing's 初审, 专家论证, …); others read the generic.
    #[serde(default)]
    pub stage_names: Vec<StageName>,
    /// Who fixes the final amount at the re-examination step (Shangcheng: the data bureau).
    #[serde(default = "d::re_examination_role")]
    pub re_examination_role: Role,
    /// Who decides the approval (Shangcheng: the joint meeting; Shaoxing: the DRC).
    #[serde(default = "d::approval_role")]
    pub approval_role: Role,
    /// Whether the unit uploads the final revised report after the expert review before the
    /// re-examination (Shangcheng 专家评审).
    #[serde(default = "d::yes")]
    pub final_report_required: bool,
    /// The article of the 5-working-day filings (contract, procurement, initial acceptance);
    /// none: the procurement citation.
    #[serde(default)]
    pub filing_cite: Option<Citation>,
    /// Data catalogue and collection within N working days of initial acceptance (Shaoxing
    /// art.30); none where the regulation sets no such duty.
    #[serde(default)]
    pub catalogue: Option<CatalogueDuty>,
    /// Documents other departments issue after the approval, each within N calendar days of it
    /// (Quzhou 三(二)2: the DRC's preliminary-design approval within 3 days), uploaded by that
    /// department (which fulfils the duty).
    #[serde(default)]
    pub after_approval: Vec<IssuedDocument>,
    /// Final acceptance no earlier than this many calendar months after initial acceptance
    /// (Quzhou 三(三)5: 全部功能模块完成初验3个月后); a hard minimum, long waits only flagged.
    #[serde(default)]
    pub final_wait_months: Option<u32>,
    /// 分模块初验: where the profile lets a project be initially accepted module by module, the
    /// article (Quzhou 三(三)5); `None`: 整体立项，整体验收 (Shangcheng 第八章).
    #[serde(default)]
    pub acceptance_by_module: Option<Citation>,
    /// 项目代码 from the national investment-project online approval platform required before
    /// the approval (Quzhou 三(二)2; classified projects excepted): the unit enters the code
    /// (a typed field of the project, format checked) or marks the project 涉密.
    #[serde(default)]
    pub project_code_cite: Option<Citation>,
    /// 公示期 of a shared-application shortlist, in calendar days counted as SPEC §0 says. The
    /// seed (ZJ-share 三（五）) requires the notice but names no length: profile data, default 7.
    #[serde(default = "crate::market::default_notice_days")]
    pub notice_days: u32,
    #[serde(default = "crate::market::cite_announce")]
    pub notice_cite: Citation,
    /// 集中申报 (A1): the jurisdiction declares in rounds its authority opens (Shangcheng 第五章:
    /// 每年9月底集中申报下一年度项目; Shaoxing 第八条: with next year's investment plan or
    /// department budget). With it, a declaration when no round is open — even where no round
    /// was ever recorded — is a supplementary declaration (增补, `declaration_outside_round`).
    /// None: needs are collected at any time (Quzhou 三(一)1) and only a recorded round is read.
    /// Older stored versions read None (their behaviour unchanged).
    #[serde(default)]
    pub declaration_rounds: Option<Citation>,
    /// Shaoxing 第十一条: outside the yearly plan only an urgent mid-year task, with a clear basis
    /// (明确依据), the city leadership's consent (专题报市委、市政府同意) and the fund source 市财政局
    /// confirmed (明确资金来源) before the review starts: three separate facts, the last an act
    /// of finance.
    #[serde(default)]
    pub mid_year_exception: Option<Citation>,
    /// Quzhou 三(二)1: the requesting unit (业务需求单位) takes part in the joint review and
    /// confirms its needs; the joint review cannot conclude without it.
    #[serde(default)]
    pub joint_review_requester: Option<Citation>,
    /// The leading digits of the administrative region code a 项目代码 must carry here (衢州市:
    /// 3308); none: any region.
    #[serde(default)]
    pub project_code_region: Option<String>,
}

/// A document a department issues after the approval (its attachment kind), within `days`
/// calendar days when set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedDocument {
    pub kind: String,
    pub issuer: Role,
    pub days: Option<u32>,
    pub cite: Citation,
}

/// A stage as a locality calls it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageName {
    pub stage: Stage,
    pub name: String,
}

/// 目录编制及数据归集 within `working_days` of initial acceptance (Shaoxing art.30).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogueDuty {
    pub working_days: u32,
    pub cite: Citation,
}

/// The review steps a profile may enable, in the only order they can run.
pub const REVIEW_STEPS: [Stage; 5] = [
    Stage::ComplianceReview,
    Stage::PreliminaryReview,
    Stage::ExpertReview,
    Stage::ReExamination,
    Stage::ApprovalMeeting,
];

/// A role as a locality calls it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleName {
    pub role: Role,
    pub name: String,
}

/// The profile in force where no jurisdiction on the path has chosen one: the reference profile
/// (SPEC §2: Shangcheng as the reference profile).
pub const REFERENCE_PROFILE: &str = "shangcheng";

/// A jurisdiction's own choice of profile: its path (`/1/2/`) and the profile code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub jurisdiction_path: String,
    pub jurisdiction_name: String,
    pub profile_code: String,
}

/// Which profile is in force for a jurisdiction (by its path) and where it comes from (SPEC §3:
/// "a jurisdiction without one inherits its parent's"): the choice of the deepest jurisdiction on
/// the path from the province down that has one; `None` when none has (the reference profile).
pub fn in_force<'a>(
    jurisdiction_path: &str,
    assignments: &'a [Assignment],
) -> Option<&'a Assignment> {
    assignments
        .iter()
        .filter(|a| jurisdiction_path.starts_with(&a.jurisdiction_path))
        .max_by_key(|a| a.jurisdiction_path.len())
}

/// How strongly a profile asks for IT supervision (工程监理).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SupervisionMode {
    /// 实行工程监理制 (Shangcheng 项目实施): a contract filing without it is refused.
    Required,
    /// 鼓励实行信息系统工程监理制 (Quzhou 三(三)2): recorded when there is one.
    Encouraged,
    Off,
}

impl SupervisionMode {
    pub fn label(self) -> &'static str {
        match self {
            SupervisionMode::Required => "必须实行工程监理制",
            SupervisionMode::Encouraged => "鼓励实行工程监理制",
            SupervisionMode::Off => "不作要求",
        }
    }
}

/// 工程监理 (SPEC I5): for government-procurement projects, a separately tendered supervision
/// contract whose fee is inside the total investment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Supervision {
    pub mode: SupervisionMode,
    /// Procurement methods (codes) that count as government procurement (纳入政府采购);
    /// small-value public-resource trading (小额) does not.
    pub government_procurement_methods: Vec<String>,
    pub cite: Citation,
}

impl Supervision {
    /// Whether supervision applies to a project procured with `method` (required or encouraged).
    pub fn applies(&self, method: &str) -> bool {
        self.mode != SupervisionMode::Off
            && self
                .government_procurement_methods
                .iter()
                .any(|m| m == method)
    }
    pub fn required(&self, method: &str) -> bool {
        self.mode == SupervisionMode::Required && self.applies(method)
    }
}

/// A default rule (原则上/一般): the action goes ahead only with a recorded reason, pending the
/// sign-off of the role named here (SPEC §0).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefaultRule {
    /// Rule code as the domain raises it (see [`DEFAULT_RULE_CODES`]).
    pub code: String,
    pub text: String,
    /// Who signs off an override.
    pub approver: Role,
    pub cite: Citation,
}

/// The default rules the domain raises, by code.
pub const DEFAULT_RULE_CODES: [&str; 4] = [
    "security_budget_min",
    "maintenance_min_years",
    "no_change_before_procurement",
    "declaration_outside_round",
];

/// Roles that may be named to sign off an override: an official department, not the unit.
pub fn can_approve_overrides(role: Role) -> bool {
    matches!(
        role,
        Role::Authority
            | Role::Finance
            | Role::Drc
            | Role::Cyber
            | Role::Xinchuang
            | Role::LeadingGroup
    )
}

/// The Shangcheng values of the fields added after the first stored profiles.
mod d {
    use super::*;
    pub fn review_path() -> Vec<Stage> {
        REVIEW_STEPS.to_vec()
    }
    pub fn re_examination_role() -> Role {
        Role::Authority
    }
    pub fn approval_role() -> Role {
        Role::LeadingGroup
    }
    pub fn yes() -> bool {
        true
    }
    pub fn implementation_cite() -> Citation {
        Citation::new(SC, "第六章 项目实施")
    }
    pub fn payment_batches_max_bp() -> u32 {
        10_000
    }
    pub fn change_filing_max_cut_bp() -> i64 {
        1_500
    }
    pub fn change_cite() -> Citation {
        Citation::new(SC, "第六章 项目实施（项目变更）")
    }
    pub fn termination_cite() -> Citation {
        Citation::new(SC, "第六章 项目实施（撤销或终止）")
    }
    pub fn termination_reasons() -> Vec<CheckItem> {
        let t = |code: &str, text: &str| item(code, text, "第六章 项目实施（撤销或终止）");
        vec![
            t("force_majeure", "由于不可抗力，造成项目无法完成的"),
            t(
                "content_changed",
                "建设内容发生重大变化，原项目建设方案不能适用的",
            ),
            t("ineffective", "项目实施不力，预期目标不能实现的"),
            t(
                "overdue_or_loss",
                "项目建设过程中出现工程严重逾期、投资重大损失的",
            ),
            t(
                "transfer",
                "因职能划转、政策变动及其他原因，造成系统停用或需转移的",
            ),
            t("other", "其他经认定的相关情形"),
        ]
    }
    pub fn supervision() -> Supervision {
        Supervision {
            mode: SupervisionMode::Required,
            government_procurement_methods: [
                "open_tender",
                "invited_tender",
                "competitive_negotiation",
                "competitive_consultation",
                "single_source",
                "inquiry",
            ]
            .map(String::from)
            .to_vec(),
            cite: Citation::new(SC, "第六章 项目实施（工程监理）"),
        }
    }
    pub fn default_rules() -> Vec<DefaultRule> {
        vec![
            DefaultRule {
                code: "security_budget_min".into(),
                text: "原则上新建项目网络数据安全预算不低于项目总投资的5%".into(),
                approver: Role::Cyber,
                cite: Citation::new(SC, "第六章 项目实施"),
            },
            DefaultRule {
                code: "maintenance_min_years".into(),
                text: "维保期一般不少于2年".into(),
                approver: Role::Authority,
                cite: Citation::new(SC, "第六章 项目实施"),
            },
            DefaultRule {
                code: "no_change_before_procurement".into(),
                text: "项目立项后、采购前原则上不做变更".into(),
                approver: Role::Authority,
                cite: change_cite(),
            },
            outside_round(),
        ]
    }
    /// Shangcheng 第五章 项目申报: 在非项目集中申报期内，原则上不新增申报 (增补，一事一议).
    pub fn outside_round() -> DefaultRule {
        DefaultRule {
            code: "declaration_outside_round".into(),
            text:
                "在非项目集中申报期内，原则上不新增申报；确因紧急任务需要，以增补项目形式，一事一议"
                    .into(),
            approver: Role::Authority,
            cite: Citation::new(SC, "第五章 项目申报"),
        }
    }
    /// The stored list, with the rules added after it was stored filled in with the Shangcheng
    /// values, so that older stored profiles keep loading.
    pub fn de_default_rules<'de, D: serde::Deserializer<'de>>(
        de: D,
    ) -> Result<Vec<DefaultRule>, D::Error> {
        let mut v = Vec::<DefaultRule>::deserialize(de)?;
        if !v.iter().any(|r| r.code == "declaration_outside_round") {
            v.push(outside_round());
        }
        Ok(v)
    }
}

const SC: &str = "上城区电子政务项目管理办法（征求意见稿）";
const SX: &str = "绍兴市市级政务信息化项目管理办法";
const QZ: &str = "衢州市人民政府办公室关于政府投资数字化项目全生命周期管理的实施意见";

fn item(code: &str, text: &str, article: &str) -> CheckItem {
    CheckItem {
        code: code.into(),
        text: text.into(),
        cite: Citation::new(SC, article),
    }
}

fn score(code: &str, text: &str, max: u32) -> ScoreItem {
    ScoreItem {
        code: code.into(),
        text: text.into(),
        max,
    }
}

impl Profile {
    /// Shangcheng district (seed 002), the reference profile.
    pub fn shangcheng() -> Profile {
        Profile {
            handled_at: String::new(),
            code: "shangcheng".into(),
            name: "上城区电子政务项目管理".into(),
            document: SC.into(),
            approval_doc_prefix: "上数资".into(),
            approval_issuers: vec![
                "区数据资源局".into(),
                "区发改经信局".into(),
                "区财政局".into(),
            ],
            compliance_checklist: vec![
                item(
                    "forms",
                    "已提交《电子政务项目申报表》及《项目可行性研究报告》",
                    "第五章 项目申报",
                ),
                item(
                    "core_business",
                    "可研报告明确本部门核心业务及“一单位一平台”建设实施路径",
                    "第五章 项目申报",
                ),
                item(
                    "relations",
                    "可研报告说明与其它业务部门业务关系框架及本单位应用系统建设现状和未来计划",
                    "第五章 项目申报",
                ),
                item(
                    "no_new_unless_needed",
                    "落实“非必要不新建”“只减不增、要增先减”原则",
                    "第五章 项目申报",
                ),
                item(
                    "estimate_by_module",
                    "功能模块中投资估算构成清晰、明细详实、测算合理",
                    "第一章 总则",
                ),
                item(
                    "no_duplicate",
                    "省一体化数字资源系统中无功能相同或者近似的项目；省、市统建的区级不重复开发",
                    "第三章 项目范围",
                ),
                item(
                    "in_scope",
                    "不属于集中采购的通用设备、成套软件和楼宇智能化项目",
                    "第一章 总则",
                ),
                item(
                    "leader_consent",
                    "业务应用系统建设类项目经分管区领导同意；迭代升级的已通过绩效评价",
                    "第五章 项目申报",
                ),
                item(
                    "street_survey",
                    "需贯通至街道、村(社区)使用的应用提供不少于5个街道的调研报告",
                    "第五章 项目申报",
                ),
            ],
            compliance_rereviews: 1,
            compliance_cite: Citation::new(SC, "第五章 项目申报"),
            preliminary_table: vec![
                score("necessity", "建设必要性与需求导向", 25),
                score("intensive", "统筹集约（一单位一平台、不重复建设）", 20),
                score("technical", "技术方案与架构合理性", 20),
                score("sharing", "数据共享与业务协同", 15),
                score("security", "网络数据安全与信创", 10),
                score("cost", "投资估算合理性", 10),
            ],
            preliminary_scorers: vec![
                Role::Authority,
                Role::Drc,
                Role::Finance,
                Role::Cyber,
                Role::Xinchuang,
            ],
            preliminary_cite: Citation::new(SC, "第五章 项目初审"),
            expert_criteria: vec![
                "资源集约".into(),
                "技术方案".into(),
                "数据共享".into(),
                "安全保障".into(),
                "资金测算".into(),
            ],
            expert_cite: Citation::new(SC, "第五章 专家评审"),
            expert_prerequisite_docs: vec![
                "revised_report".into(),
                "revision_list".into(),
                "presentation".into(),
            ],
            panel_min: 3,
            panel_odd: true,
            acceptance_panel_min: 3,
            acceptance_panel_odd: true,
            acceptance_cite: Citation::new(SC, "第八章 项目验收"),
            re_examination_cite: Citation::new(SC, "第五章 复核审查"),
            approval_cite: Citation::new(SC, "第五章 项目立项"),
            declaration_docs: vec!["declaration_form".into(), "feasibility_report".into()],
            declaration_cite: Citation::new(SC, "第五章 项目申报"),
            procurement_months: 6,
            procurement_cite: Citation::new(SC, "第六章 项目实施"),
            contract_clauses: vec![
                item(
                    "ip",
                    "系统、组件、文档等数字资源成果的知识产权归项目建设单位所有或共同所有",
                    "第六章 项目实施",
                ),
                item(
                    "data",
                    "产生的数据及衍生数据等归项目建设单位所有",
                    "第六章 项目实施",
                ),
                item(
                    "security_agreement",
                    "明确是否签订安全保密补充协议和安全责任书",
                    "第六章 项目实施",
                ),
                item(
                    "maintenance",
                    "明确维保范围、维保期限和维保责任（维保期一般不少于2年）",
                    "第六章 项目实施",
                ),
                item(
                    "security_liability",
                    "明确网络数据安全责任和对应惩罚条款",
                    "第六章 项目实施",
                ),
                item(
                    "period_penalty",
                    "合同建设周期与可研计划一致并明确超期惩罚条款",
                    "第六章 项目实施",
                ),
            ],
            maintenance_min_years: 2,
            progress_report_day: 20,
            progress_cite: Citation::new(SC, "第六章 项目实施"),
            trial_run_days: 30,
            acceptance_conditions: vec![
                item(
                    "content_done",
                    "完成立项批复、建设方案、合同要求的全部建设内容，且符合项目建设目标",
                    "第八章 项目验收",
                ),
                item(
                    "initial_passed",
                    "通过建设单位组织的项目初验",
                    "第八章 项目验收",
                ),
                item(
                    "indicators_met",
                    "项目的功能、性能等指标达到项目设计的要求",
                    "第八章 项目验收",
                ),
                item(
                    "test_reports",
                    "取得等保、信创等测评报告",
                    "第八章 项目验收",
                ),
                item(
                    "trial_report",
                    "获得一体化数字资源系统自动生成的“试运行报告”",
                    "第八章 项目验收",
                ),
                item("files_complete", "项目验收资料齐全", "第八章 项目验收"),
            ],
            rectify_months: 2,
            security_budget_min_bp: 500,
            security_cite: Citation::new(SC, "第六章 项目实施"),
            implementation_cite: d::implementation_cite(),
            payment_batches_max_bp: d::payment_batches_max_bp(),
            change_filing_max_cut_bp: d::change_filing_max_cut_bp(),
            change_cite: d::change_cite(),
            termination_reasons: d::termination_reasons(),
            termination_cite: d::termination_cite(),
            supervision: d::supervision(),
            default_rules: d::default_rules(),
            demand_lists: crate::demand::default_demand_lists(),
            major_tasks: crate::project::default_major_tasks(),
            gov_functions: crate::project::default_gov_functions(),
            evaluation: crate::evaluation::EvaluationRules::shangcheng(),
            role_names: vec![],
            review_path: d::review_path(),
            stage_names: vec![],
            re_examination_role: d::re_examination_role(),
            approval_role: d::approval_role(),
            final_report_required: true,
            filing_cite: None,
            catalogue: None,
            after_approval: vec![],
            final_wait_months: None,
            acceptance_by_module: None,
            project_code_cite: None,
            notice_days: crate::market::default_notice_days(),
            notice_cite: crate::market::cite_announce(),
            declaration_rounds: Some(Citation::new(SC, "第五章 项目申报")),
            mid_year_exception: None,
            joint_review_requester: None,
            project_code_region: None,
        }
    }

    /// Shaoxing city (seed 004): 市信管办 initial check with one-time notification (art.12),
    /// expert argumentation (art.13), the leading group's review opinion (art.14), DRC approval
    /// (art.4); contracts filed within 5 working days (art.16). Rules the text does not set
    /// keep the reference values and their Shangcheng citation, so the page shows where each
    /// comes from.
    pub fn shaoxing() -> Profile {
        let c = |a: &str| Citation::new(SX, a);
        let sn = |stage: Stage, name: &str| StageName {
            stage,
            name: name.into(),
        };
        let it = |code: &str, text: &str, a: &str| CheckItem {
            code: code.into(),
            text: text.into(),
            cite: c(a),
        };
        let rn = |role: Role, name: &str| RoleName {
            role,
            name: name.into(),
        };
        Profile {
            handled_at: String::new(),
            code: "shaoxing".into(),
            name: "绍兴市市级政务信息化项目管理".into(),
            document: SX.into(),
            approval_doc_prefix: "绍发改".into(),
            approval_issuers: vec!["市发改委".into()],
            compliance_checklist: vec![
                it("application_form", "已提交项目申报表", "第九条"),
                it(
                    "construction_plan",
                    "新建、扩建、升级改造类项目提供建设方案（含项目概算表、可行性分析、公共数据资源目录、信息共享开放方式和范围、外部数据资源需求、信息安全及政务云资源需求）",
                    "第九条",
                ),
                it(
                    "om_contracts",
                    "运维服务类项目提供原建设项目合同或往年运维服务合同、前期项目绩效评估报告",
                    "第九条",
                ),
                it("performance_goals", "项目绩效目标及绩效指标", "第九条"),
                it(
                    "basis_documents",
                    "与项目有关的规划、批示、批复、会议纪要等文件依据材料",
                    "第九条",
                ),
                it(
                    "catalogue",
                    "按《绍兴市公共数据目录编制规范》梳理信息资源目录",
                    "第二十七条、第二十八条",
                ),
                it(
                    "separate_non_it",
                    "信息化和非信息化建设内容及投资概算分开计列",
                    "第八条",
                ),
            ],
            compliance_rereviews: 1,
            compliance_cite: c("第十二条"),
            preliminary_scorers: vec![Role::Authority, Role::Drc, Role::Finance],
            preliminary_cite: c("第四条、第十二条"),
            expert_criteria: vec![
                "必要性".into(),
                "可行性".into(),
                "内容完整性".into(),
                "经费合理性".into(),
            ],
            expert_cite: c("第十三条"),
            re_examination_cite: c("第十四条"),
            approval_cite: c("第四条、第十四条"),
            declaration_docs: vec!["declaration_form".into(), "feasibility_report".into()],
            declaration_cite: c("第九条"),
            change_cite: c("第十七条"),
            expert_prerequisite_docs: vec![],
            // 初审（受理）→ 专家论证 → 领导小组审查 → 发改委批复 (arts. 12, 13, 14, 4).
            review_path: vec![
                Stage::ComplianceReview,
                Stage::ExpertReview,
                Stage::ReExamination,
                Stage::ApprovalMeeting,
            ],
            stage_names: vec![
                sn(Stage::ComplianceReview, "初审"),
                sn(Stage::Returned, "退回补正（一次性告知）"),
                sn(Stage::ExpertReview, "专家论证"),
                sn(Stage::ReExamination, "领导小组审查"),
                sn(Stage::ApprovalMeeting, "发改委批复"),
            ],
            re_examination_role: Role::LeadingGroup,
            approval_role: Role::Drc,
            final_report_required: false,
            procurement_cite: c("第十五条、第十六条"),
            supervision: Supervision {
                cite: c("第十五条"),
                ..d::supervision()
            },
            filing_cite: Some(c("第十六条、第十九条")),
            catalogue: Some(CatalogueDuty {
                working_days: 10,
                cite: c("第三十条"),
            }),
            role_names: vec![
                rn(Role::Authority, "市大数据局（市信管办）"),
                rn(Role::Finance, "市财政局"),
                rn(Role::Drc, "市发改委"),
                rn(Role::Cyber, "市委网信办"),
                rn(Role::LeadingGroup, "市政务信息化项目管理工作领导小组"),
                rn(Role::Audit, "市审计局"),
            ],
            default_rules: {
                // 第八条、第十一条: 未列入年度建设计划的，原则上不予安排建设; urgent mid-year tasks
                // with a clear basis, city leadership consent and a confirmed fund source.
                let mut v = d::default_rules();
                for r in v.iter_mut() {
                    if r.code == "declaration_outside_round" {
                        r.text = "未列入年度建设计划的，原则上不予安排建设；年中临时确定的急需建设项目，须提供明确依据，专题报市委、市政府同意，经市财政局明确资金来源".into();
                        r.cite = c("第八条、第十一条");
                    }
                }
                v
            },
            declaration_rounds: Some(c("第八条")),
            mid_year_exception: Some(c("第十一条")),
            evaluation: crate::evaluation::EvaluationRules::shaoxing(),
            ..Profile::shangcheng()
        }
    }

    /// Quzhou city (seed 001): one parallel joint review producing the 决策咨询意见 with the
    /// approved estimate price, the leading group's approval, the DRC's preliminary-design
    /// approval, the review centre's price opinion (三(二)); supervision encouraged (三(三)2).
    pub fn quzhou() -> Profile {
        let c = |a: &str| Citation::new(QZ, a);
        let sn = |stage: Stage, name: &str| StageName {
            stage,
            name: name.into(),
        };
        let rn = |role: Role, name: &str| RoleName {
            role,
            name: name.into(),
        };
        let mut supervision = d::supervision();
        supervision.mode = SupervisionMode::Encouraged;
        supervision.cite = c("三(三)2 项目实施");
        Profile {
            handled_at: String::new(),
            code: "quzhou".into(),
            name: "衢州市政府投资数字化项目全生命周期管理".into(),
            document: QZ.into(),
            approval_doc_prefix: "衢发改".into(),
            approval_issuers: vec!["市发改委".into()],
            // The departments of the joint review (三(二)1: 市大数据局、市委网信办、市营商办、市发改委、
            // 市财政局、市监管办、市评审中心); the requesting unit (业务需求单位) confirms its needs
            // (`joint_review_requester`).
            preliminary_scorers: vec![
                Role::Authority,
                Role::Cyber,
                Role::BusinessEnv,
                Role::Drc,
                Role::Finance,
                Role::Oversight,
                Role::ReviewCentre,
            ],
            joint_review_requester: Some(c("三(二)1 并联审核")),
            // 需求实时征集 (三(一)1): no declaration rounds.
            declaration_rounds: None,
            project_code_region: Some("3308".into()),
            preliminary_cite: c("三(二)1 并联审核"),
            // 并联审核 → 决策咨询意见（概算价）→ 领导小组审定.
            review_path: vec![
                Stage::PreliminaryReview,
                Stage::ReExamination,
                Stage::ApprovalMeeting,
            ],
            stage_names: vec![
                sn(Stage::PreliminaryReview, "并联审核"),
                sn(Stage::ReExamination, "决策咨询意见（核定概算价）"),
                sn(Stage::ApprovalMeeting, "领导小组审定"),
            ],
            final_report_required: false,
            after_approval: vec![
                IssuedDocument {
                    kind: "design_approval".into(),
                    issuer: Role::Drc,
                    days: Some(3),
                    cite: c("三(二)2 审批决定"),
                },
                IssuedDocument {
                    kind: "price_opinion".into(),
                    issuer: Role::ReviewCentre,
                    days: None,
                    cite: c("三(二)2 审批决定"),
                },
            ],
            trial_run_days: 0,
            final_wait_months: Some(3),
            acceptance_by_module: Some(c("三(三)5 项目验收")),
            project_code_cite: Some(c("三(二)2 审批决定")),
            expert_cite: c("三(二)1 并联审核"),
            re_examination_cite: c("三(二)1 并联审核"),
            approval_cite: c("三(二)2 审批决定"),
            acceptance_cite: c("三(三)5 项目验收"),
            supervision,
            role_names: vec![
                rn(Role::Authority, "市大数据局"),
                rn(Role::Finance, "市财政局"),
                rn(Role::Drc, "市发改委"),
                rn(Role::Cyber, "市委网信办"),
                rn(Role::BusinessEnv, "市营商办"),
                rn(Role::ReviewCentre, "市评审中心"),
                rn(Role::Oversight, "市监管办"),
                rn(Role::LeadingGroup, "市新型智慧城市建设工作领导小组"),
            ],
            ..Profile::shangcheng()
        }
    }

    /// The profiles shipped with the product (SPEC §3), saved as version 1 on first start.
    pub fn shipped() -> Vec<Profile> {
        vec![
            Profile::shangcheng(),
            Profile::shaoxing(),
            Profile::quzhou(),
        ]
    }

    /// The profile as TOML (what an administrator reads and edits).
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_default()
    }

    /// Parse and validate a profile; every problem is reported at once and nothing is applied
    /// unless all is well.
    pub fn from_toml(text: &str) -> Result<Profile, Vec<String>> {
        let p: Profile =
            toml::from_str(text).map_err(|e| vec![format!("格式错误：{}", e.message())])?;
        let mut errs = Vec::new();
        if p.code.trim().is_empty()
            || !p
                .code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            errs.push("code 须为字母、数字、下划线或连字符".into());
        }
        if p.name.trim().is_empty() || p.document.trim().is_empty() {
            errs.push("name 和 document 不能为空".into());
        }
        if p.panel_min == 0 || p.acceptance_panel_min == 0 {
            errs.push("专家组人数下限须大于 0".into());
        }
        if p.procurement_months == 0 || p.procurement_months > 36 {
            errs.push("procurement_months 须为 1–36".into());
        }
        if !(1..=31).contains(&p.progress_report_day) {
            errs.push("progress_report_day 须为 1–31".into());
        }
        if p.trial_run_days > 365 || p.rectify_months == 0 || p.rectify_months > 24 {
            errs.push("trial_run_days 须 ≤ 365，rectify_months 须为 1–24".into());
        }
        if !(0..=10_000).contains(&p.security_budget_min_bp) {
            errs.push("security_budget_min_bp 须为 0–10000（万分比）".into());
        }
        if p.demand_lists.is_empty()
            || p.demand_lists
                .iter()
                .any(|l| l.code.trim().is_empty() || l.text.trim().is_empty())
        {
            errs.push("demand_lists（三张清单）不能为空，每项须有 code 和名称".into());
        }
        if p.preliminary_scorers.is_empty() || p.preliminary_table.is_empty() {
            errs.push("初审单位和评分表不能为空".into());
        }
        if !(0..=10_000).contains(&p.change_filing_max_cut_bp) {
            errs.push("change_filing_max_cut_bp 须为 0–10000（万分比）".into());
        }
        if p.notice_days == 0 || p.notice_days > 90 {
            errs.push("notice_days（公示期，日历日）须为 1–90".into());
        }
        if p.notice_cite.article.trim().is_empty() {
            errs.push("notice_cite 缺少依据条款".into());
        }
        if p.payment_batches_max_bp == 0 || p.payment_batches_max_bp > 10_000 {
            errs.push("payment_batches_max_bp 须为 1–10000（万分比）".into());
        }
        if p.termination_reasons.is_empty() {
            errs.push("termination_reasons 不能为空".into());
        }
        for m in &p.supervision.government_procurement_methods {
            if crate::project::procurement_method_label(m).is_none() {
                errs.push(format!("supervision 中未知的采购方式：{m}"));
            }
        }
        if p.supervision.cite.article.trim().is_empty() {
            errs.push("supervision 缺少依据条款".into());
        }
        let mut last = None;
        for st in &p.review_path {
            match REVIEW_STEPS.iter().position(|r| r == st) {
                None => errs.push(format!("review_path 中 {} 不是评审环节", st.code())),
                Some(i) if last.is_some_and(|l| i <= l) => {
                    errs.push("review_path 的环节须按合规性审查、初审、专家评审、复核、立项审议的先后排列且不重复".into())
                }
                Some(i) => last = Some(i),
            }
        }
        if p.review_path.last() != Some(&Stage::ApprovalMeeting) {
            errs.push("review_path 须以立项决定（approval_meeting）结束".into());
        }
        if p.catalogue
            .as_ref()
            .is_some_and(|c| c.working_days == 0 || c.working_days > 60)
        {
            errs.push("catalogue.working_days 须为 1–60".into());
        }
        for code in DEFAULT_RULE_CODES {
            let n = p.default_rules.iter().filter(|r| r.code == code).count();
            if n != 1 {
                errs.push(format!("default_rules 须恰有一条 {code}（现有 {n} 条）"));
            }
        }
        for r in &p.default_rules {
            if !DEFAULT_RULE_CODES.contains(&r.code.as_str()) {
                errs.push(format!("default_rules 中未知的规则：{}", r.code));
            }
            if !can_approve_overrides(r.approver) {
                errs.push(format!(
                    "default_rules 的 {} 的审批人须为主管或职能部门，不能是{}",
                    r.code,
                    r.approver.label()
                ));
            }
            if r.text.trim().is_empty() || r.cite.article.trim().is_empty() {
                errs.push(format!("default_rules 的 {} 缺少文字或依据条款", r.code));
            }
        }
        for (what, items) in [
            ("compliance_checklist", &p.compliance_checklist),
            ("contract_clauses", &p.contract_clauses),
            ("acceptance_conditions", &p.acceptance_conditions),
            ("termination_reasons", &p.termination_reasons),
        ] {
            let mut codes: Vec<&str> = items.iter().map(|i| i.code.as_str()).collect();
            codes.sort();
            codes.dedup();
            if codes.len() != items.len() {
                errs.push(format!("{what} 的 code 有重复"));
            }
            if let Some(i) = items
                .iter()
                .find(|i| i.text.trim().is_empty() || i.cite.article.trim().is_empty())
            {
                errs.push(format!("{what} 的 {} 缺少文字或依据条款", i.code));
            }
        }
        let mut codes: Vec<&str> = p
            .preliminary_table
            .iter()
            .map(|i| i.code.as_str())
            .collect();
        codes.sort();
        codes.dedup();
        if codes.len() != p.preliminary_table.len() {
            errs.push("preliminary_table 的 code 有重复".into());
        }
        for k in p.declaration_docs.iter().chain(&p.expert_prerequisite_docs) {
            if attachment_kind_label(k).is_none() {
                errs.push(format!("未知的材料类型：{k}"));
            }
        }
        errs.extend(p.evaluation.problems());
        if errs.is_empty() {
            Ok(p)
        } else {
            Err(errs)
        }
    }

    /// The text of a termination reason (撤销或终止的情形) by code.
    pub fn termination_reason(&self, code: &str) -> Option<&str> {
        self.termination_reasons
            .iter()
            .find(|i| i.code == code)
            .map(|i| i.text.as_str())
    }

    /// The locality's name for a stage.
    pub fn stage_name(&self, stage: Stage) -> &str {
        self.stage_names
            .iter()
            .find(|n| n.stage == stage)
            .map(|n| n.name.as_str())
            .unwrap_or(stage.label())
    }

    /// The first review step after declaring.
    pub fn first_review_stage(&self) -> Stage {
        self.review_path
            .first()
            .copied()
            .unwrap_or(Stage::ComplianceReview)
    }

    /// The step after `done` on this profile's review path (the last leads to approval, decided
    /// in the approval step itself).
    pub fn next_review_stage(&self, done: Stage) -> Stage {
        let i = self.review_path.iter().position(|s| *s == done);
        match i {
            Some(i) => self
                .review_path
                .get(i + 1)
                .copied()
                .unwrap_or(Stage::ApprovalMeeting),
            None => Stage::ApprovalMeeting,
        }
    }

    /// Whether the path has this step.
    pub fn has_step(&self, stage: Stage) -> bool {
        self.review_path.contains(&stage)
    }

    /// The default rule with this code (its approver and citation).
    pub fn default_rule(&self, code: &str) -> Option<&DefaultRule> {
        self.default_rules.iter().find(|r| r.code == code)
    }

    /// The locality's name for a role (the profile's words; Shangcheng's where it names none).
    pub fn role_name(&self, role: Role) -> &str {
        if let Some(n) = self.role_names.iter().find(|n| n.role == role) {
            return &n.name;
        }
        match role {
            Role::Authority => "区数据资源局",
            Role::Finance => "区财政局",
            Role::Drc => "区发改经信局",
            Role::Cyber => "区委网信办",
            Role::Xinchuang => "区信创办",
            Role::Audit => "区审计局",
            Role::LeadingGroup => "区政府规划、土地和数字管理工作联席会议",
            other => other.label(),
        }
    }
}

const ZJ: &str = "浙江省数字政府系统“一地创新、全省共享”应用建设机制";

/// How many subjects one class of shared application may have (ZJ-share 三(五): 原则上, a
/// default rule).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassLimit {
    /// 1: fiscal, needs approval; 2: non-fiscal, needs approval; 3: non-fiscal, no approval.
    pub class: u8,
    pub max_subjects: u32,
    pub text: String,
    /// A default rule (原则上): more only with a recorded reason.
    pub default_rule: bool,
    pub cite: Citation,
}

/// The provincial shared-application mechanism (seed 000, ZJ-share): the parameters the
/// selection and delivery of shared applications read. No workflow here yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharingRules {
    pub code: String,
    pub name: String,
    pub document: String,
    /// 公示 of the shortlisted subjects before the announcement, in working days. The seed
    /// requires the notice but sets no length: [product] setting.
    pub notice_working_days: u32,
    pub notice_cite: Citation,
    pub class_limits: Vec<ClassLimit>,
    /// A subject not accepted this many calendar months after the agreed delivery date loses
    /// the project (超过规定期限3个月未通过验收的，取消其项目主体资格: a hard rule).
    pub cancel_after_missed_delivery_months: u32,
    pub cancel_cite: Citation,
}

fn blank(c: &Citation) -> bool {
    c.document.trim().is_empty() || c.article.trim().is_empty()
}

/// Who edits the provincial shared-application rules: an administrator covering the province.
pub fn can_edit_sharing_rules(actor: &crate::Actor) -> bool {
    actor.has(Role::Admin) && crate::permission::path_ids(&actor.jurisdiction_path).len() <= 1
}

impl SharingRules {
    pub fn zj_share() -> SharingRules {
        let c = |a: &str| Citation::new(ZJ, a);
        let limit = |class: u8, max: u32, text: &str| ClassLimit {
            class,
            max_subjects: max,
            text: text.into(),
            default_rule: true,
            cite: c("三(五) 入选发布"),
        };
        SharingRules {
            code: "zj-share".into(),
            name: "一地创新、全省共享".into(),
            document: ZJ.into(),
            notice_working_days: 5,
            notice_cite: c("三(五) 入选发布（公示期天数原文未规定，为平台设置）"),
            class_limits: vec![
                limit(
                    1,
                    1,
                    "第一类（财政资金投资、须立项）原则上项目主体为一家或者联合体",
                ),
                limit(
                    2,
                    1,
                    "第二类（非财政资金、须立项）原则上项目主体为一家或者联合体",
                ),
                limit(
                    3,
                    3,
                    "第三类（非财政资金、不须立项）原则上项目主体不超过3家",
                ),
            ],
            cancel_after_missed_delivery_months: 3,
            cancel_cite: c("三(七) 交付验收"),
        }
    }

    /// The rules as TOML (what an administrator reads and edits).
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_default()
    }

    /// Parse and validate the rules whole; every problem is reported at once and nothing is
    /// applied unless all is well.
    pub fn from_toml(text: &str) -> Result<SharingRules, Vec<String>> {
        let r: SharingRules =
            toml::from_str(text).map_err(|e| vec![format!("格式错误：{}", e.message())])?;
        let errs = r.problems();
        if errs.is_empty() {
            Ok(r)
        } else {
            Err(errs)
        }
    }

    /// Every problem with the rules (empty: valid).
    pub fn problems(&self) -> Vec<String> {
        let mut errs = Vec::new();
        if self.code != "zj-share" {
            errs.push("code 须为 zj-share".into());
        }
        if self.name.trim().is_empty() || self.document.trim().is_empty() {
            errs.push("name 和 document 不能为空".into());
        }
        if !(1..=60).contains(&self.notice_working_days) {
            errs.push("notice_working_days（公示期工作日）须在 1 至 60 之间".into());
        }
        if !(1..=36).contains(&self.cancel_after_missed_delivery_months) {
            errs.push("cancel_after_missed_delivery_months 须在 1 至 36 之间".into());
        }
        for class in 1..=3u8 {
            let n = self
                .class_limits
                .iter()
                .filter(|l| l.class == class)
                .count();
            if n != 1 {
                errs.push(format!("class_limits 须恰有一条第{class}类（现有 {n} 条）"));
            }
        }
        for l in &self.class_limits {
            if !(1..=3).contains(&l.class) {
                errs.push(format!("class_limits 中未知的类别：{}", l.class));
            }
            if l.max_subjects == 0 {
                errs.push(format!("第{}类项目主体上限至少为 1", l.class));
            }
            if l.text.trim().is_empty() || blank(&l.cite) {
                errs.push(format!("第{}类缺少文字或依据条款", l.class));
            }
        }
        if blank(&self.notice_cite) || blank(&self.cancel_cite) {
            errs.push("notice_cite、cancel_cite 须注明依据文件和条款".into());
        }
        errs
    }

    /// The most subjects a class may have without an override; None for an unknown class.
    pub fn max_subjects(&self, class: u8) -> Option<u32> {
        self.class_limits
            .iter()
            .find(|l| l.class == class)
            .map(|l| l.max_subjects)
    }
}

/// Kinds of attachment a project carries, with their Chinese names.
pub const ATTACHMENT_KINDS: [(&str, &str); 18] = [
    ("declaration_form", "电子政务项目申报表"),
    ("feasibility_report", "项目可行性研究报告"),
    ("revised_report", "修改后的可行性研究报告"),
    ("revision_list", "修改详细清单"),
    ("presentation", "上会汇报PPT"),
    ("final_report", "专家评审后最终可研报告"),
    ("procurement_doc", "采购文件"),
    ("contract_doc", "合同文件"),
    ("initial_acceptance", "初验材料"),
    ("trial_run_report", "试运行报告"),
    ("test_report", "等保、信创测评报告"),
    ("change_study", "变更论证材料"),
    ("data_catalogue", "信息系统目录编制及数据归集证明"),
    ("design_approval", "初步设计批复"),
    ("price_opinion", "价格评审意见书"),
    ("project_code", "投资项目在线审批监管平台项目代码"),
    ("classified_statement", "涉密项目说明"),
    ("other", "其他材料"),
];

pub fn attachment_kind_label(code: &str) -> Option<&'static str> {
    ATTACHMENT_KINDS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| *l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shangcheng_profile_round_trips_through_toml() {
        let p = Profile::shangcheng();
        let text = p.to_toml();
        assert!(
            text.contains("第五章 项目申报"),
            "citations are part of the data"
        );
        assert_eq!(Profile::from_toml(&text).unwrap(), p);
    }

    #[test]
    fn shipped_profiles_validate_and_name_roles_in_their_own_words() {
        for p in Profile::shipped() {
            assert_eq!(
                Profile::from_toml(&p.to_toml()).as_ref(),
                Ok(&p),
                "{}",
                p.code
            );
        }
        // Shaoxing art.4: 市发改委负责政务信息化项目的立项工作.
        let sx = Profile::shaoxing();
        assert_eq!(sx.role_name(Role::Drc), "市发改委");
        assert_eq!(sx.approval_cite.document, SX);
        // Quzhou 三(三)2: 鼓励实行信息系统工程监理制.
        assert_eq!(
            Profile::quzhou().supervision.mode,
            SupervisionMode::Encouraged
        );
        assert_eq!(Profile::shangcheng().role_name(Role::Drc), "区发改经信局");
    }

    #[test]
    fn zj_share_limits_subjects_by_class_and_cancels_three_months_after_missed_delivery() {
        // ZJ-share 三(五): 原则上第一类、第二类项目主体应是一家或者联合体，第三类项目主体不超过3家.
        let z = SharingRules::zj_share();
        assert_eq!(
            (z.max_subjects(1), z.max_subjects(2), z.max_subjects(3)),
            (Some(1), Some(1), Some(3))
        );
        assert!(
            z.class_limits.iter().all(|l| l.default_rule),
            "原则上: default rules"
        );
        assert!(z
            .class_limits
            .iter()
            .all(|l| l.cite.article.starts_with("三(五)")));
        // ZJ-share 三(七): 超过规定期限3个月未通过验收的，取消其项目主体资格.
        assert_eq!(z.cancel_after_missed_delivery_months, 3);
        assert!(z.cancel_cite.article.starts_with("三(七)"));
    }

    #[test]
    fn shaoxing_review_path_is_initial_check_expert_argumentation_leading_group_drc() {
        // Shaoxing arts. 12 (初审), 13 (专家论证), 14 (领导小组审查), 4 (市发改委负责立项).
        let p = Profile::shaoxing();
        let names: Vec<&str> = p.review_path.iter().map(|s| p.stage_name(*s)).collect();
        assert_eq!(names, ["初审", "专家论证", "领导小组审查", "发改委批复"]);
        assert_eq!(
            p.next_review_stage(Stage::ComplianceReview),
            Stage::ExpertReview
        );
        assert_eq!(p.re_examination_role, Role::LeadingGroup);
        assert_eq!(p.approval_role, Role::Drc);
        // Art.30: catalogue within 10 working days of initial acceptance.
        assert_eq!(p.catalogue.as_ref().unwrap().working_days, 10);
        // Shangcheng keeps its five steps.
        let sc = Profile::shangcheng();
        assert_eq!(sc.review_path.len(), 5);
        assert_eq!(
            sc.next_review_stage(Stage::ComplianceReview),
            Stage::PreliminaryReview
        );
        // A path out of order, or not ending in the approval decision, is refused whole.
        let mut bad = Profile::shaoxing();
        bad.review_path = vec![Stage::ExpertReview, Stage::ComplianceReview];
        let errs = Profile::from_toml(&bad.to_toml()).unwrap_err();
        assert_eq!(errs.len(), 2, "{errs:?}");
    }

    #[test]
    fn quzhou_path_is_joint_review_decision_opinion_leading_group_then_drc_within_three_days() {
        // Quzhou 三(二)1 并联审核 → 决策咨询意见（概算价）; 三(二)2 领导小组审定, 受理后3天内市发改委
        // 出具初步设计批复, 市评审中心出具价格评审意见书; 三(三)5 初验3个月后终验.
        let p = Profile::quzhou();
        assert_eq!(p.first_review_stage(), Stage::PreliminaryReview);
        assert_eq!(p.stage_name(Stage::PreliminaryReview), "并联审核");
        assert_eq!(
            p.next_review_stage(Stage::PreliminaryReview),
            Stage::ReExamination
        );
        assert_eq!(p.approval_role, Role::LeadingGroup);
        for r in [
            Role::Authority,
            Role::Cyber,
            Role::BusinessEnv,
            Role::Drc,
            Role::Finance,
            Role::ReviewCentre,
        ] {
            assert!(p.preliminary_scorers.contains(&r), "{r:?}");
        }
        let design = &p.after_approval[0];
        assert_eq!((design.issuer, design.days), (Role::Drc, Some(3)));
        assert_eq!(p.after_approval[1].issuer, Role::ReviewCentre);
        assert_eq!(p.final_wait_months, Some(3));
    }

    #[test]
    fn a_jurisdiction_without_its_own_profile_inherits_its_parents() {
        // SPEC §3: a jurisdiction without one inherits its parent's.
        let a = |path: &str, code: &str| Assignment {
            jurisdiction_path: path.into(),
            jurisdiction_name: path.into(),
            profile_code: code.into(),
        };
        let list = vec![
            a("/1/2/", "shaoxing"),
            a("/1/2/5/", "quzhou"),
            a("/1/3/", "quzhou"),
        ];
        assert_eq!(in_force("/1/2/4/", &list).unwrap().profile_code, "shaoxing");
        assert_eq!(in_force("/1/2/5/", &list).unwrap().profile_code, "quzhou");
        assert_eq!(in_force("/1/2/", &list).unwrap().profile_code, "shaoxing");
        assert!(
            in_force("/1/", &list).is_none(),
            "none above: the reference profile"
        );
        assert!(
            in_force("/1/22/", &list).is_none(),
            "/1/2/ is not a parent of /1/22/"
        );
    }

    #[test]
    fn invalid_profile_reports_every_problem_and_applies_nothing() {
        let mut p = Profile::shangcheng();
        p.procurement_months = 0;
        p.progress_report_day = 40;
        p.contract_clauses[1].code = p.contract_clauses[0].code.clone();
        let errs = Profile::from_toml(&p.to_toml()).unwrap_err();
        assert_eq!(errs.len(), 3, "{errs:?}");
        assert!(Profile::from_toml("not = [toml").is_err());
    }
}
