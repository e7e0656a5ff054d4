//! The project aggregate and the records a transition needs to decide.
use crate::{Date, JurisdictionId, PanelId, ProjectId, Role, Stage, UnitId, UserId, Yuan};
use serde::{Deserialize, Serialize};

/// 建设性质 construction nature (Quzhou 二(一); Shaoxing art.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BuildKind {
    New,
    Extension,
    Upgrade,
    Maintenance,
}

impl BuildKind {
    pub const ALL: [BuildKind; 4] = [
        BuildKind::New,
        BuildKind::Extension,
        BuildKind::Upgrade,
        BuildKind::Maintenance,
    ];
    pub fn code(self) -> &'static str {
        match self {
            BuildKind::New => "new",
            BuildKind::Extension => "extension",
            BuildKind::Upgrade => "upgrade",
            BuildKind::Maintenance => "maintenance",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            BuildKind::New => "新建",
            BuildKind::Extension => "扩建",
            BuildKind::Upgrade => "升级改造",
            BuildKind::Maintenance => "运维",
        }
    }
    pub fn parse(s: &str) -> Option<BuildKind> {
        BuildKind::ALL.into_iter().find(|k| k.code() == s)
    }
}

/// 项目类型 project category (Shaoxing art.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Application,
    Network,
    Data,
    Security,
    Outsourced,
    MaintenanceRenewal,
}

impl Category {
    pub const ALL: [Category; 6] = [
        Category::Application,
        Category::Network,
        Category::Data,
        Category::Security,
        Category::Outsourced,
        Category::MaintenanceRenewal,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Category::Application => "application",
            Category::Network => "network",
            Category::Data => "data",
            Category::Security => "security",
            Category::Outsourced => "outsourced",
            Category::MaintenanceRenewal => "maintenance_renewal",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Category::Application => "业务应用类",
            Category::Network => "网络基础设施类",
            Category::Data => "数据资源类",
            Category::Security => "安全保障类",
            Category::Outsourced => "信息技术外包服务类",
            Category::MaintenanceRenewal => "运维续费类",
        }
    }
    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|k| k.code() == s)
    }
}

/// 资金来源 funding source (Shangcheng 第六章: district fiscal vs. non-district money).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Funding {
    DistrictFiscal,
    HigherTransfer,
    SocialCapital,
}

impl Funding {
    pub const ALL: [Funding; 3] = [
        Funding::DistrictFiscal,
        Funding::HigherTransfer,
        Funding::SocialCapital,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Funding::DistrictFiscal => "district_fiscal",
            Funding::HigherTransfer => "higher_transfer",
            Funding::SocialCapital => "social_capital",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Funding::DistrictFiscal => "区级财政资金",
            Funding::HigherTransfer => "上级专项转移支付",
            Funding::SocialCapital => "社会资金",
        }
    }
    pub fn parse(s: &str) -> Option<Funding> {
        Funding::ALL.into_iter().find(|k| k.code() == s)
    }
}

/// What a unit fills in for a draft (申报表 fields), already parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectInput {
    pub name: String,
    pub year: i32,
    pub build_kind: BuildKind,
    pub category: Category,
    /// 信息化部分投资 (only the IT part is reviewed; Shaoxing art.8)
    pub it_amount: Yuan,
    /// 非信息化部分投资
    pub non_it_amount: Yuan,
    /// 网络数据安全预算
    pub security_amount: Yuan,
    pub funding: Funding,
    pub summary: String,
    /// 跨部门参与单位 (the lead unit declares; Shangcheng 项目申报)
    pub participants: Vec<String>,
    /// 项目责任人
    pub responsible_person: String,
    /// 重大任务 (ZJ-plan 二（二）: the 12 major tasks; a code of the profile's `major_tasks`).
    /// Optional: projects declared before the field existed show 未标注.
    #[serde(default)]
    pub major_task: Option<String>,
    /// 政府职能 (ZJ-plan 二: the five functions; a code of the profile's `gov_functions`).
    #[serde(default)]
    pub gov_function: Option<String>,
}

/// A field-level input error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// Raw form or JSON input for a draft, before parsing.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RawProjectInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub year: String,
    #[serde(default)]
    pub build_kind: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub it_amount: String,
    #[serde(default)]
    pub non_it_amount: String,
    #[serde(default)]
    pub security_amount: String,
    #[serde(default)]
    pub funding: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub participants: String,
    #[serde(default)]
    pub responsible_person: String,
    #[serde(default)]
    pub major_task: String,
    #[serde(default)]
    pub gov_function: String,
}

impl ProjectInput {
    /// Parse, don't validate: every field is checked, and all errors are reported at once.
    pub fn parse(raw: &RawProjectInput) -> Result<ProjectInput, Vec<FieldError>> {
        let mut errs = Vec::new();
        let mut err = |f: &str, m: &str| {
            errs.push(FieldError {
                field: f.into(),
                message: m.into(),
            })
        };
        let name = raw.name.trim().to_string();
        if name.chars().count() < 4 {
            err("name", "项目名称至少 4 个字");
        } else if name.chars().count() > 100 {
            err("name", "项目名称不超过 100 个字");
        }
        let year = raw
            .year
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y));
        if year.is_none() {
            err("year", "请填写有效的项目年度，例如 2027");
        }
        let build_kind = BuildKind::parse(raw.build_kind.trim());
        if build_kind.is_none() {
            err("build_kind", "请选择建设性质");
        }
        let category = Category::parse(raw.category.trim());
        if category.is_none() {
            err("category", "请选择项目类型");
        }
        let mut money = |f: &str, s: &str, required: bool| -> Yuan {
            if s.trim().is_empty() && !required {
                return Yuan::ZERO;
            }
            match Yuan::parse(s) {
                Ok(y) => y,
                Err(e) => {
                    errs.push(FieldError {
                        field: f.into(),
                        message: e.to_string(),
                    });
                    Yuan::ZERO
                }
            }
        };
        let it_amount = money("it_amount", &raw.it_amount, true);
        let non_it_amount = money("non_it_amount", &raw.non_it_amount, false);
        let security_amount = money("security_amount", &raw.security_amount, false);
        let mut err = |f: &str, m: &str| {
            errs.push(FieldError {
                field: f.into(),
                message: m.into(),
            })
        };
        if it_amount == Yuan::ZERO && !raw.it_amount.trim().is_empty() {
            err("it_amount", "信息化部分投资须大于 0");
        }
        if security_amount > it_amount {
            err("security_amount", "网络数据安全预算不能超过信息化部分投资");
        }
        let funding = Funding::parse(raw.funding.trim());
        if funding.is_none() {
            err("funding", "请选择资金来源");
        }
        let summary = raw.summary.trim().to_string();
        if summary.chars().count() < 10 {
            err("summary", "项目概述至少 10 个字：建设内容、目标和必要性");
        } else if summary.chars().count() > 5000 {
            err("summary", "项目概述不超过 5000 字");
        }
        let participants: Vec<String> = raw
            .participants
            .split(['\n', ',', '，', '、', ';', '；'])
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        let responsible_person = raw.responsible_person.trim().to_string();
        if responsible_person.is_empty() {
            err("responsible_person", "请填写项目责任人");
        }
        let code_of = |f: &str, s: &str, errs: &mut Vec<FieldError>| -> Option<String> {
            let s = s.trim();
            if s.is_empty() {
                return None;
            }
            if s.len() > 40 || !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                errs.push(FieldError {
                    field: f.into(),
                    message: "请从列表中选择".into(),
                });
                return None;
            }
            Some(s.to_string())
        };
        let major_task = code_of("major_task", &raw.major_task, &mut errs);
        let gov_function = code_of("gov_function", &raw.gov_function, &mut errs);
        if !errs.is_empty() {
            return Err(errs);
        }
        Ok(ProjectInput {
            name,
            year: year.unwrap_or_default(),
            build_kind: build_kind.unwrap_or(BuildKind::New),
            category: category.unwrap_or(Category::Application),
            it_amount,
            non_it_amount,
            security_amount,
            funding: funding.unwrap_or(Funding::DistrictFiscal),
            summary,
            participants,
            responsible_person,
            major_task,
            gov_function,
        })
    }

    pub fn total(&self) -> Yuan {
        self.it_amount
            .checked_add(self.non_it_amount)
            .unwrap_or(self.it_amount)
    }
}

/// A project as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Project {
    pub id: ProjectId,
    pub code: String,
    pub unit_id: UnitId,
    pub unit_name: String,
    pub jurisdiction_id: JurisdictionId,
    pub jurisdiction_path: String,
    pub input: ProjectInput,
    pub stage: Stage,
    pub version: i64,
    pub rereviews_used: u32,
    /// Expert panel's suggested budget (专家评审预算建议).
    pub suggested_amount: Option<Yuan>,
    /// Re-examination's final amount (复核审查最终金额).
    pub final_amount: Option<Yuan>,
    /// Approved amount (立项金额): the immutable baseline (M1).
    pub approved_amount: Option<Yuan>,
    pub approval_no: Option<String>,
    pub approval_date: Option<Date>,
    pub budget_amount: Option<Yuan>,
    pub fiscal_year: Option<i32>,
    pub initial_acceptance_date: Option<Date>,
    pub rectify_due: Option<Date>,
    pub ended_reason: Option<String>,
    /// When it was first declared (None: never left the draft).
    pub declared_at: Option<String>,
    pub created_by: UserId,
    pub created_at: String,
    pub updated_at: String,
    pub stage_since: String,
    /// Typed facts entered after the draft: 项目代码, 涉密, the Quzhou requesting unit's
    /// confirmation, Shaoxing's mid-year exception and O&M stop.
    #[serde(default)]
    pub extra: ProjectExtra,
    /// The last history entry (seq, hash) as loaded: the next entry chains onto it. Not part
    /// of the project's published state.
    #[serde(skip)]
    pub history_head: (i64, String),
}

/// Facts of a project that are not part of the declaration form (each set by its own action,
/// with its history entry).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectExtra {
    /// 项目代码 from the national investment-project online approval platform
    /// (全国投资项目在线审批监管平台), `YYYY-DDDDDD-DD-DD-DDDDDD` (Quzhou 三(二)2).
    pub project_code: Option<String>,
    /// 涉密项目: exempt from the project code (Quzhou 三(二)2: 涉密项目除外).
    pub classified: bool,
    /// The requesting unit's (业务需求单位) confirmation of its needs in the Quzhou joint review
    /// (三(二)1).
    pub needs_statement: Option<String>,
    /// Shaoxing 第十一条: an urgent mid-year task outside the yearly plan.
    pub urgent: Option<UrgentTask>,
    /// Shaoxing 第三十四条: the O&M money of this system stopped (since, why).
    pub om_stopped: Option<(Date, String)>,
}

/// 年中临时确定的急需建设项目 (Shaoxing 第十一条): a clear basis, the city leadership's
/// consent, and the fund source finance confirmed (an act of 市财政局, not the unit's claim).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UrgentTask {
    /// 明确依据 (the national/provincial deployment or the city decision).
    pub basis: String,
    /// 市委、市政府同意 (document number or minutes reference).
    pub consent: String,
    /// 资金来源 as 市财政局 confirmed it, by whom and on which day.
    pub fund_source: Option<String>,
    pub fund_source_by: Option<String>,
    pub fund_source_on: Option<Date>,
}

/// Check a 项目代码 (全国投资项目在线审批监管平台): `YYYY-RRRRRR-II-TT-NNNNNN` — year (2000–2100),
/// the 6-digit administrative region code, 2-digit industry, 2-digit kind, 6-digit serial,
/// e.g. `2024-330802-65-01-123456`. `region_prefix`: the leading digits the region code must
/// have where the profile knows them (衢州市 3308). Returns the normalised code or a message.
pub fn parse_project_code(code: &str, region_prefix: Option<&str>) -> Result<String, String> {
    let c: String = code.trim().replace(['－', '—', '–'], "-");
    let parts: Vec<&str> = c.split('-').collect();
    let shape = [4usize, 6, 2, 2, 6];
    let ok = parts.len() == 5
        && parts
            .iter()
            .zip(shape)
            .all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_digit()));
    if !ok {
        return Err(format!(
            "项目代码格式应为“年份-行政区划代码-行业代码-类别代码-流水号”，如 2024-330802-65-01-123456，收到“{}”",
            code.trim()
        ));
    }
    let year: i32 = parts[0].parse().unwrap_or(0);
    if !(2000..=2100).contains(&year) {
        return Err(format!("项目代码的年份 {year} 无效"));
    }
    if let Some(prefix) = region_prefix.filter(|p| !p.is_empty()) {
        if !parts[1].starts_with(prefix) {
            return Err(format!(
                "项目代码的行政区划代码 {} 不属于本地（应以 {prefix} 开头）",
                parts[1]
            ));
        }
    }
    Ok(c)
}

/// 专家组用途 what a panel is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PanelPurpose {
    /// 专家评审
    ExpertReview,
    /// 初验
    InitialAcceptance,
    /// 验收
    FinalAcceptance,
}

impl PanelPurpose {
    pub fn code(self) -> &'static str {
        match self {
            PanelPurpose::ExpertReview => "expert_review",
            PanelPurpose::InitialAcceptance => "initial_acceptance",
            PanelPurpose::FinalAcceptance => "final_acceptance",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            PanelPurpose::ExpertReview => "专家评审组",
            PanelPurpose::InitialAcceptance => "初验专家组",
            PanelPurpose::FinalAcceptance => "验收专家组",
        }
    }
    pub fn parse(s: &str) -> Option<PanelPurpose> {
        [
            PanelPurpose::ExpertReview,
            PanelPurpose::InitialAcceptance,
            PanelPurpose::FinalAcceptance,
        ]
        .into_iter()
        .find(|p| p.code() == s)
    }
    /// The stage in which this panel sits.
    pub fn stage(self) -> Stage {
        match self {
            PanelPurpose::ExpertReview => Stage::ExpertReview,
            PanelPurpose::InitialAcceptance => Stage::InConstruction,
            PanelPurpose::FinalAcceptance => Stage::Accepting,
        }
    }
}

/// An expert's opinion on a panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PanelOpinion {
    pub score: u32,
    pub pass: bool,
    pub opinion: String,
    pub suggested_amount: Option<Yuan>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PanelMember {
    pub user_id: UserId,
    pub name: String,
    pub unit_id: UnitId,
    pub opinion: Option<PanelOpinion>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Panel {
    pub id: PanelId,
    pub purpose: PanelPurpose,
    pub meeting_date: Date,
    pub members: Vec<PanelMember>,
    pub concluded: bool,
}

/// 分模块初验 One module's initial acceptance (Quzhou 三(三)5: 大型项目可分模块、分功能、分阶段进行初验).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleAcceptance {
    pub module: String,
    pub date: Date,
    /// The acceptance panel's experts (names).
    pub panel: Vec<String>,
    /// The last module: with it every module has passed initial acceptance.
    pub last: bool,
}

/// One department's preliminary-review score (初审评分).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreliminaryScore {
    pub department: Role,
    pub user_id: UserId,
    pub total: u32,
    pub pass: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Procurement {
    pub method: String,
    pub ceiling: Yuan,
    pub doc_date: Date,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contract {
    pub supplier: String,
    pub amount: Yuan,
    pub signed_date: Date,
    /// 工程监理合同 filed with it (SPEC I5), if any.
    pub supervision: Option<SupervisionContract>,
}

/// 工程监理合同 the separately tendered IT supervision contract (SPEC I5), filed with the
/// construction contract; its fee is part of the total investment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupervisionContract {
    /// 监理单位
    pub company: String,
    /// 监理费用
    pub fee: Yuan,
    /// 监理合同签订日期
    pub signed_date: Date,
}

/// Everything a transition may need to decide, loaded by the store in one go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectContext {
    pub project: Project,
    /// Kinds of the attachments present (latest versions).
    pub attachment_kinds: Vec<String>,
    pub preliminary_scores: Vec<PreliminaryScore>,
    /// Open (not concluded) panel, if any.
    pub open_panel: Option<Panel>,
    pub procurement: Option<Procurement>,
    pub contract: Option<Contract>,
    /// Months (YYYY-MM) with a progress report.
    pub reported_months: Vec<String>,
    /// Next approval document serial number in this jurisdiction and year.
    pub next_approval_seq: i64,
    /// Consequences proposed for missed deadlines and not yet decided: (obligation, consequence).
    pub pending_consequences: Vec<(String, String)>,
    /// Payment batches, payments, changes, termination, overrun (`funds`).
    pub funds: crate::funds::FundsState,
    /// The most similar projects found for it (重复建设比对), loaded for the compliance review.
    pub similar: Vec<crate::similarity::Similar>,
    /// Default-rule overrides and their sign-off (`overrides`).
    pub overrides: Vec<crate::overrides::OverrideRecord>,
    /// Yearly evaluations of the system (`evaluation`), oldest first.
    pub evaluations: Vec<crate::evaluation::EvaluationRecord>,
    /// The unit's records the declaration bars read (A6).
    pub eligibility: crate::evaluation::EligibilityFacts,
    /// Declaration rounds of its jurisdiction and above (A1), read at declaration.
    pub rounds: crate::round::RoundFacts,
    /// Modules initially accepted one by one (Quzhou 三(三)5), oldest first.
    pub modules: Vec<ModuleAcceptance>,
    /// The 揭榜 competition (id) that selected the project's unit as a subject, on a library
    /// item the project is linked to, agreement signed: the selection counts as the feasibility
    /// study (ZJ-share 三（五）入选发布), so no separate 可行性研究报告 is required.
    pub selected_by_competition: Option<i64>,
}

impl ProjectContext {
    pub fn new(project: Project) -> ProjectContext {
        ProjectContext {
            project,
            attachment_kinds: Vec::new(),
            preliminary_scores: Vec::new(),
            open_panel: None,
            procurement: None,
            contract: None,
            reported_months: Vec::new(),
            next_approval_seq: 1,
            pending_consequences: Vec::new(),
            funds: Default::default(),
            similar: Vec::new(),
            overrides: Vec::new(),
            evaluations: Vec::new(),
            eligibility: Default::default(),
            rounds: Default::default(),
            modules: Vec::new(),
            selected_by_competition: None,
        }
    }
    pub fn has_attachment(&self, kind: &str) -> bool {
        self.attachment_kinds.iter().any(|k| k == kind)
    }
}

/// 采购方式 procurement methods.
pub const PROCUREMENT_METHODS: [(&str, &str); 7] = [
    ("open_tender", "公开招标"),
    ("invited_tender", "邀请招标"),
    ("competitive_negotiation", "竞争性谈判"),
    ("competitive_consultation", "竞争性磋商"),
    ("single_source", "单一来源"),
    ("inquiry", "询价"),
    ("small_value", "小额公共资源交易"),
];

pub fn procurement_method_label(code: &str) -> Option<&'static str> {
    PROCUREMENT_METHODS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| *l)
}

/// ZJ-plan (浙江省数字政府系统建设方案) 二（二）推进重大任务应用: the 12 major tasks, the
/// default `major_tasks` taxonomy of every shipped profile (profile data an administrator edits).
pub fn default_major_tasks() -> Vec<crate::profile::CheckItem> {
    let c = crate::profile::Citation::new(ZJ_PLAN, "二（二）推进重大任务应用（12个方面重大任务）");
    [
        ("epidemic", "常态化疫情防控"),
        ("innovation", "科技创新"),
        ("industry", "产业发展"),
        ("dual_circulation", "双循环"),
        ("business_env", "营商环境市场活力"),
        ("urbanization", "新型城镇化"),
        ("rural", "乡村振兴"),
        ("regional", "区域协调发展"),
        ("ecology", "生态环境保护综合协同管理"),
        ("livelihood", "民生保障"),
        ("safety", "安全生产风险防控和应急救援"),
        ("efficiency", "政府效能管理"),
    ]
    .into_iter()
    .map(|(code, text)| crate::profile::CheckItem {
        code: code.into(),
        text: text.into(),
        cite: c.clone(),
    })
    .collect()
}

/// ZJ-plan 二 主要任务: the five functions (五大职能), the default `gov_functions` taxonomy.
pub fn default_gov_functions() -> Vec<crate::profile::CheckItem> {
    let c = crate::profile::Citation::new(ZJ_PLAN, "二 主要任务（强化五大职能）");
    [
        ("economy", "经济调节"),
        ("market", "市场监管"),
        ("social", "社会治理"),
        ("service", "公共服务"),
        ("environment", "生态环保"),
    ]
    .into_iter()
    .map(|(code, text)| crate::profile::CheckItem {
        code: code.into(),
        text: text.into(),
        cite: c.clone(),
    })
    .collect()
}

/// The seed the taxonomies are written from.
pub const ZJ_PLAN: &str = "浙江省数字政府系统建设方案";
