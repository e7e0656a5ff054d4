//! Policy profile: the jurisdiction's rules as data (SPEC §3). Thresholds, checklists, scoring
//! tables and deadlines are read from here, each item citing the seed article it comes from.
//! This issue ships the Shangcheng profile as a Rust value; it (de)serialises so that a later
//! step can load profiles from files and the database.
use crate::Role;
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
    #[serde(default = "d::default_rules")]
    pub default_rules: Vec<DefaultRule>,
    /// 三张清单: the lists a need belongs to (names are profile data; the seeds do not name them).
    #[serde(default = "crate::demand::default_demand_lists")]
    pub demand_lists: Vec<CheckItem>,
    /// 公示期 of a shared-application shortlist, in calendar days counted as SPEC §0 says. The
    /// seed (ZJ-share 三（五）) requires the notice but names no length: profile data, default 7.
    #[serde(default = "crate::market::default_notice_days")]
    pub notice_days: u32,
    #[serde(default = "crate::market::cite_announce")]
    pub notice_cite: Citation,
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
pub const DEFAULT_RULE_CODES: [&str; 3] = [
    "security_budget_min",
    "maintenance_min_years",
    "no_change_before_procurement",
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
        ]
    }
}

const SC: &str = "上城区电子政务项目管理办法（征求意见稿）";

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
            notice_days: crate::market::default_notice_days(),
            notice_cite: crate::market::cite_announce(),
        }
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

    /// The default rule with this code (its approver and citation).
    pub fn default_rule(&self, code: &str) -> Option<&DefaultRule> {
        self.default_rules.iter().find(|r| r.code == code)
    }

    /// The locality's name for a role (Shangcheng's words).
    pub fn role_name(&self, role: Role) -> &'static str {
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

/// Kinds of attachment a project carries, with their Chinese names.
pub const ATTACHMENT_KINDS: [(&str, &str); 13] = [
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
