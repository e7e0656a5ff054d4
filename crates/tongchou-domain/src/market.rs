//! 共享应用揭榜竞争、公示、应用市场与编目 (SPEC §2.2 S1–S8, §2.8 O1–O2, P6): the rules, without I/O.
//!
//! A competition (揭榜) is run by the lead responsible unit (牵头责任主体) on a published library
//! item: it carries the scenario kind (S1), the management class (S2) and the application form
//! (S3). Candidates bid alone or as a consortium (one subject either way); experts score the S5
//! criteria; the lead unit proposes a shortlist, which goes on public notice (公示) for the
//! profile's notice period; anyone may object; an open objection blocks the announcement until the
//! lead unit handles it; the task force announces; the lead unit signs the agreement (selection
//! counts as the feasibility study); the subject delivers and applies for acceptance; the accepted
//! application is listed in the market. A subject not passed 3 months after the agreed delivery
//! date is *proposed* for cancellation — the lead unit confirms.
use crate::calendar::Calendar;
use crate::demand::ZJ_SHARE;
use crate::lifecycle::{Event, Refusal};
use crate::profile::{Citation, Profile};
use crate::project::FieldError;
use crate::{Actor, Date, Role, UnitId, Yuan};
use serde::{Deserialize, Serialize};

pub fn cite_kinds() -> Citation {
    Citation::new(ZJ_SHARE, "二 应用分类")
}
pub fn cite_competition() -> Citation {
    Citation::new(ZJ_SHARE, "三（三）项目竞争")
}
pub fn cite_selection() -> Citation {
    Citation::new(ZJ_SHARE, "三（四）评审遴选")
}
pub fn cite_announce() -> Citation {
    Citation::new(ZJ_SHARE, "三（五）入选发布")
}
pub fn cite_delivery() -> Citation {
    Citation::new(ZJ_SHARE, "三（七）交付验收")
}
pub fn cite_promotion() -> Citation {
    Citation::new(ZJ_SHARE, "三（八）推广应用")
}

/// The notice period's default length (calendar days) where the profile names none.
pub fn default_notice_days() -> u32 {
    7
}

fn invalid(field: &str, message: impl Into<String>) -> Refusal {
    Refusal::Invalid {
        field: field.into(),
        message: message.into(),
    }
}

/// S1 场景类型.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScenarioKind {
    /// 揭榜挂帅: a reform need without a known approach
    Unveil,
    /// 先行先试: a province-wide plan piloted locally
    Pilot,
    /// 通用多部门: a general multi-department scenario
    General,
}

impl ScenarioKind {
    pub const ALL: [ScenarioKind; 3] = [Self::Unveil, Self::Pilot, Self::General];
    pub fn code(self) -> &'static str {
        match self {
            Self::Unveil => "unveil",
            Self::Pilot => "pilot",
            Self::General => "general",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Unveil => "揭榜类（改革需求、路径未知）",
            Self::Pilot => "先行先试类（全省统一规划、地方先行）",
            Self::General => "通用类（多部门通用场景）",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| {
            k.code() == s.trim() || k.label().starts_with(s.trim()) && !s.trim().is_empty()
        })
    }
}

/// S2 管理类别 1–3.
pub fn class_label(class: u8) -> &'static str {
    match class {
        1 => "第一类（财政资金、需审批）",
        2 => "第二类（非财政资金、需审批、政府购买服务）",
        3 => "第三类（非财政资金、无需审批、按需购买）",
        _ => "未知类别",
    }
}

/// S8 归属: “谁投资、谁所有、谁上架、谁收益”.
pub fn ownership_label(class: u8) -> &'static str {
    match class {
        1 => "国有资产：源代码提存，成果与权属确认；项目主体承担建设成本，使用单位承担运维费用",
        2 => "按协议约定",
        _ => "归市场主体所有",
    }
}

/// S8 定价: one supplier → negotiated, two or more → market.
pub fn pricing_rule(suppliers: i64) -> &'static str {
    if suppliers >= 2 {
        "市场定价（2家及以上供应商）"
    } else {
        "协商定价（唯一供应商）"
    }
}

/// S3 申请书.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct AppForm {
    pub definition: String,
    pub content: String,
    pub necessity: String,
    pub feasibility: String,
    pub construction_mode: String,
    pub tech_spec: String,
    pub financing: String,
    pub qualifications: String,
    pub requirements: String,
    pub delivery_date: Option<Date>,
    pub acceptance_criteria: String,
    /// Class 1 only.
    pub budget_estimate: Option<Yuan>,
    pub fund_source: String,
    /// Class 2 only.
    pub user_scale: String,
    pub service_fee: String,
}

/// The S3 text fields with their Chinese names.
pub const FORM_FIELDS: [(&str, &str); 10] = [
    ("definition", "应用定义"),
    ("content", "建设内容"),
    ("necessity", "必要性"),
    ("feasibility", "可行性"),
    ("construction_mode", "建设模式"),
    ("tech_spec", "技术规范"),
    ("financing", "资金筹措"),
    ("qualifications", "项目主体资格条件"),
    ("requirements", "实施要求"),
    ("acceptance_criteria", "验收标准"),
];

/// Parse the application form; class-specific fields are required by class (S3).
pub fn parse_form(get: &dyn Fn(&str) -> String, class: u8) -> Result<AppForm, Vec<FieldError>> {
    let mut errs = vec![];
    let mut need = |k: &str, name: &str| -> String {
        let v = get(k).trim().to_string();
        if v.is_empty() {
            errs.push(FieldError {
                field: k.into(),
                message: format!("请填写{name}"),
            });
        } else if v.chars().count() > 5000 {
            errs.push(FieldError {
                field: k.into(),
                message: format!("{name}不超过 5000 字"),
            });
        }
        v
    };
    let mut f = AppForm {
        definition: need("definition", "应用定义"),
        content: need("content", "建设内容"),
        necessity: need("necessity", "必要性"),
        feasibility: need("feasibility", "可行性"),
        construction_mode: need("construction_mode", "建设模式"),
        tech_spec: need("tech_spec", "技术规范"),
        financing: need("financing", "资金筹措"),
        qualifications: need("qualifications", "项目主体资格条件"),
        requirements: need("requirements", "实施要求"),
        acceptance_criteria: need("acceptance_criteria", "验收标准"),
        ..Default::default()
    };
    if class == 1 {
        f.fund_source = need("fund_source", "资金来源（第一类必填）");
    }
    if class == 2 {
        f.user_scale = need("user_scale", "用户规模（第二类必填）");
        f.service_fee = need("service_fee", "服务收费标准（第二类必填）");
    }
    let d = get("delivery_date");
    match d.trim().parse::<Date>() {
        Ok(d) => f.delivery_date = Some(d),
        Err(_) => errs.push(FieldError {
            field: "delivery_date".into(),
            message: "请填写交付时间（YYYY-MM-DD）".into(),
        }),
    }
    if class == 1 {
        match Yuan::parse(get("budget_estimate").trim()) {
            Ok(y) if y.fen() > 0 => f.budget_estimate = Some(y),
            _ => errs.push(FieldError {
                field: "budget_estimate".into(),
                message: "第一类须填写投资估算（元，最多两位小数）".into(),
            }),
        }
    }
    if !(1..=3).contains(&class) {
        errs.push(FieldError {
            field: "class".into(),
            message: "管理类别应为 1、2 或 3".into(),
        });
    }
    if errs.is_empty() {
        Ok(f)
    } else {
        Err(errs)
    }
}

/// Where a competition stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompState {
    /// 揭榜中: bids and expert scoring
    Open,
    /// 公示中
    Notice,
    /// 已公告
    Announced,
    /// 已签订协议（实施中）
    Agreed,
    /// 已申请验收
    AcceptanceApplied,
    /// 验收通过（已上架）
    Accepted,
    /// 已取消项目主体资格
    Cancelled,
}

impl CompState {
    pub const ALL: [CompState; 7] = [
        Self::Open,
        Self::Notice,
        Self::Announced,
        Self::Agreed,
        Self::AcceptanceApplied,
        Self::Accepted,
        Self::Cancelled,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Notice => "notice",
            Self::Announced => "announced",
            Self::Agreed => "agreed",
            Self::AcceptanceApplied => "acceptance_applied",
            Self::Accepted => "accepted",
            Self::Cancelled => "cancelled",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Open => "揭榜中",
            Self::Notice => "公示中",
            Self::Announced => "已公告",
            Self::Agreed => "已签订协议",
            Self::AcceptanceApplied => "已申请验收",
            Self::Accepted => "验收通过",
            Self::Cancelled => "已取消项目主体资格",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }
}

/// Candidate kinds (S4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CandidateKind {
    /// 政府部门（行政单位）
    Government,
    /// 事业单位
    Institution,
    /// 社会组织
    Social,
    /// 市场主体
    Market,
}

impl CandidateKind {
    pub const ALL: [CandidateKind; 4] = [
        Self::Government,
        Self::Institution,
        Self::Social,
        Self::Market,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Self::Government => "government",
            Self::Institution => "institution",
            Self::Social => "social",
            Self::Market => "market",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Government => "政府部门",
            Self::Institution => "事业单位",
            Self::Social => "社会组织",
            Self::Market => "市场主体",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|x| x.code() == s.trim() || x.label() == s.trim())
    }
    /// 行政事业单位: needs the same-level DRC and finance opinions first (S4).
    pub fn is_administrative(self) -> bool {
        matches!(self, Self::Government | Self::Institution)
    }
}

// ------------------------------------------------------------------ 承接主体 (S4)

/// ZJ-share 三（三）: 采用政府购买服务方式的，项目主体应符合政府购买服务承接主体有关规定 — a hard
/// rule (应). The seed names the rules without quoting them; the conditions below are those of
/// the national rules it points to (《政府购买服务管理办法》财政部令第102号 第五、六、七、八条, and
/// through its 第七条 the supplier conditions of 《政府采购法》第二十二条), each shown with its source.
pub fn cite_provider() -> Citation {
    Citation::new(
        ZJ_SHARE,
        "三（三）项目竞争（采用政府购买服务方式的，项目主体应符合政府购买服务承接主体有关规定）",
    )
}

/// Classes 2 and 3 are bought as a service (第二类 政府按协议购买服务, 第三类 政府按需购买服务,
/// ZJ-share 二); class 1 is fiscal investment.
pub fn is_purchase_of_service(class: u8) -> bool {
    matches!(class, 2 | 3)
}

/// 事业单位分类: only 公益二类 and those engaged in production and business may provide a bought
/// service (《政府购买服务管理办法》第六条、第八条).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstitutionClass {
    /// 公益一类
    PublicWelfare1,
    /// 公益二类
    PublicWelfare2,
    /// 从事生产经营活动的事业单位
    Business,
}

impl InstitutionClass {
    pub const ALL: [InstitutionClass; 3] =
        [Self::PublicWelfare1, Self::PublicWelfare2, Self::Business];
    pub fn code(self) -> &'static str {
        match self {
            Self::PublicWelfare1 => "public_welfare_1",
            Self::PublicWelfare2 => "public_welfare_2",
            Self::Business => "business",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::PublicWelfare1 => "公益一类事业单位",
            Self::PublicWelfare2 => "公益二类事业单位",
            Self::Business => "从事生产经营活动的事业单位",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|x| x.code() == s.trim() || x.label() == s.trim())
    }
}

/// A registered unit's legal form in the unit directory (主体类型): 政府部门（行政单位）, 事业单位
/// with its class, 社会组织 (a 群团组织 on the public payroll flagged), or 市场主体. Set by an
/// administrator; a unit never set is read from its directory kind (`market` → 市场主体, any other
/// → 政府部门), as before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitEntity {
    pub kind: CandidateKind,
    #[serde(default)]
    pub institution_class: Option<InstitutionClass>,
    /// 使用事业编制且由财政拨款保障的群团组织 (a social organisation only).
    #[serde(default)]
    pub fiscal_mass_org: bool,
}

impl UnitEntity {
    /// The entity of a directory row: its recorded `entity_kind` (with class and flag), or the
    /// default from the directory kind.
    pub fn from_directory(
        directory_kind: &str,
        entity_kind: Option<&str>,
        institution_class: Option<&str>,
        fiscal_mass_org: bool,
    ) -> UnitEntity {
        let kind =
            entity_kind
                .and_then(CandidateKind::parse)
                .unwrap_or(if directory_kind == "market" {
                    CandidateKind::Market
                } else {
                    CandidateKind::Government
                });
        UnitEntity {
            kind,
            institution_class: (kind == CandidateKind::Institution)
                .then(|| institution_class.and_then(InstitutionClass::parse))
                .flatten(),
            fiscal_mass_org: kind == CandidateKind::Social && fiscal_mass_org,
        }
    }

    /// 主体类型 as shown: "事业单位（公益二类事业单位）", "社会组织（财政保障的群团组织）".
    pub fn label(&self) -> String {
        match (self.kind, self.institution_class) {
            (CandidateKind::Institution, Some(c)) => format!("事业单位（{}）", c.label()),
            (CandidateKind::Institution, None) => "事业单位（类别未登记）".into(),
            (CandidateKind::Social, _) if self.fiscal_mass_org => {
                "社会组织（使用事业编制且由财政拨款保障的群团组织）".into()
            }
            (k, _) => k.label().into(),
        }
    }

    /// Why this unit cannot be a 承接主体 of a purchased service (《政府购买服务管理办法》第六条、
    /// 第八条), if it cannot.
    pub fn provider_refusal(&self) -> Option<String> {
        match self.kind {
            CandidateKind::Government => Some(
                "政府部门（国家机关）是政府购买服务的购买主体，不能作为承接主体（《政府购买服务管理办法》第五条、第六条）".into(),
            ),
            CandidateKind::Institution => match self.institution_class {
                None => Some(
                    "单位名录未登记该事业单位的类别（公益一类、公益二类或从事生产经营活动），不能确认其承接主体资格，请系统管理员补录（《政府购买服务管理办法》第六条、第八条）".into(),
                ),
                Some(InstitutionClass::PublicWelfare1) => Some(
                    "公益一类事业单位不作为政府购买服务的承接主体（《政府购买服务管理办法》第八条）".into(),
                ),
                Some(_) => None,
            },
            CandidateKind::Social if self.fiscal_mass_org => Some(
                "使用事业编制且由财政拨款保障的群团组织不作为政府购买服务的承接主体（《政府购买服务管理办法》第八条）".into(),
            ),
            _ => None,
        }
    }
}

/// Check an administrator's entry of a unit's legal form: a 事业单位 needs its class, only a
/// social organisation can be a fiscal 群团组织.
pub fn check_unit_entity(
    kind: Option<CandidateKind>,
    class: Option<InstitutionClass>,
    fiscal_mass_org: bool,
) -> Result<UnitEntity, Refusal> {
    let kind = kind.ok_or_else(|| invalid("entity_kind", "请选择主体类型"))?;
    if kind == CandidateKind::Institution && class.is_none() {
        return Err(invalid(
            "institution_class",
            "事业单位须登记类别（公益一类、公益二类或从事生产经营活动）",
        ));
    }
    if kind != CandidateKind::Institution && class.is_some() {
        return Err(invalid("institution_class", "只有事业单位登记类别"));
    }
    if kind != CandidateKind::Social && fiscal_mass_org {
        return Err(invalid(
            "fiscal_mass_org",
            "只有社会组织（群团组织）可标记为使用事业编制且由财政拨款保障",
        ));
    }
    Ok(UnitEntity {
        kind,
        institution_class: class,
        fiscal_mass_org,
    })
}

/// An administrator maintains the unit directory's legal forms for the units of their own
/// jurisdiction and below.
pub fn can_edit_unit(actor: &Actor, unit_jurisdiction_path: &str) -> Result<(), Refusal> {
    if !actor.has(Role::Admin) {
        return Err(Refusal::Forbidden(
            "只有系统管理员可以维护单位名录的主体类型".into(),
        ));
    }
    if !unit_jurisdiction_path.starts_with(&actor.jurisdiction_path) {
        return Err(Refusal::Forbidden(
            "该单位不在本辖区，由其所在辖区的系统管理员维护".into(),
        ));
    }
    Ok(())
}

/// The supplier conditions a 承接主体 meets (《政府购买服务管理办法》第七条 → 《政府采购法》
/// 第二十二条（一）至（五）): code and text. The bidder declares each, for itself and every
/// consortium member (《政府采购法》第二十四条).
pub const PROVIDER_CONDITIONS: [(&str, &str); 5] = [
    ("civil_liability", "具有独立承担民事责任的能力"),
    (
        "credit_accounting",
        "具有良好的商业信誉和健全的财务会计制度",
    ),
    ("capability", "具有履行合同所必需的设备和专业技术能力"),
    (
        "tax_social_security",
        "有依法缴纳税收和社会保障资金的良好记录",
    ),
    (
        "no_major_violation",
        "参加政府采购活动前三年内，在经营活动中没有重大违法记录",
    ),
];

/// What a purchase-of-service bidder declares as 承接主体.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderDeclaration {
    /// 统一社会信用代码 (GB 32100-2015, checked with its check character): a provider is a body
    /// established by law.
    pub credit_code: String,
    /// A 事业单位's class.
    pub institution_class: Option<InstitutionClass>,
    /// A social organisation that is a 群团组织 on the public payroll (使用事业编制且由财政拨款保障).
    pub fiscal_mass_org: bool,
    /// Codes of [`PROVIDER_CONDITIONS`] declared met.
    pub conditions: Vec<String>,
}

/// GB 32100-2015: 18 characters of `0-9A-HJ-NPQRTUWXY`, the last a check character.
pub fn valid_credit_code(code: &str) -> bool {
    const CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    const W: [u32; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let v: Vec<Option<usize>> = code.chars().map(|c| CHARS.find(c)).collect();
    if v.len() != 18 || v.iter().any(Option::is_none) {
        return false;
    }
    let sum: u32 = v[..17]
        .iter()
        .zip(W)
        .map(|(x, w)| x.unwrap_or(0) as u32 * w)
        .sum();
    (31 - sum % 31) % 31 == v[17].unwrap_or(99) as u32
}

fn provider_rule(message: String) -> Refusal {
    Refusal::Rule {
        message,
        cite: cite_provider(),
    }
}

/// The 承接主体 rules on a purchase-of-service bid (hard, ZJ-share 三（三）): a state organ buys,
/// it does not provide (《政府购买服务管理办法》第五、六条); 公益一类事业单位 and 群团组织 on the public
/// payroll are neither buyers nor providers (第八条); a consortium's registered departments
/// likewise; the provider is a body established by law (统一社会信用代码) that declares every
/// supplier condition (第七条 → 《政府采购法》第二十二条), for each consortium member too (第二十四条).
pub fn check_provider(
    kind: CandidateKind,
    members: &[Member],
    p: &ProviderDeclaration,
) -> Result<(), Refusal> {
    match kind {
        CandidateKind::Government => {
            return Err(provider_rule(
                "政府部门（国家机关）是政府购买服务的购买主体，不能作为承接主体揭榜第二类、第三类项目（《政府购买服务管理办法》第五条、第六条）".into(),
            ))
        }
        CandidateKind::Institution => match p.institution_class {
            None => {
                return Err(invalid(
                    "institution_class",
                    "事业单位揭榜政府购买服务项目，请选择事业单位类别",
                ))
            }
            Some(InstitutionClass::PublicWelfare1) => {
                return Err(provider_rule(
                    "公益一类事业单位不作为政府购买服务的承接主体（《政府购买服务管理办法》第八条）".into(),
                ))
            }
            Some(_) => {}
        },
        CandidateKind::Social if p.fiscal_mass_org => {
            return Err(provider_rule(
                "使用事业编制且由财政拨款保障的群团组织不作为政府购买服务的承接主体（《政府购买服务管理办法》第八条）".into(),
            ))
        }
        _ => {}
    }
    if let Some((m, why)) = members
        .iter()
        .find_map(|m| m.provider_refusal().map(|w| (m, w)))
    {
        return Err(provider_rule(format!(
            "联合体成员{}：{why}；联合体各方均应符合承接主体条件（《政府采购法》第二十四条）",
            m.name
        )));
    }
    if !valid_credit_code(p.credit_code.trim()) {
        return Err(invalid(
            "credit_code",
            "请填写有效的统一社会信用代码（18 位，承接主体应依法成立）",
        ));
    }
    let missing: Vec<&str> = PROVIDER_CONDITIONS
        .iter()
        .filter(|(code, _)| !p.conditions.iter().any(|c| c == code))
        .map(|(_, text)| *text)
        .collect();
    if !missing.is_empty() {
        return Err(provider_rule(format!(
            "承接主体{}应当符合政府采购法律、行政法规规定的条件，尚未声明：{}（《政府购买服务管理办法》第七条；《政府采购法》第二十二条）",
            if members.is_empty() { "" } else { "及联合体各方" },
            missing.join("；")
        )));
    }
    Ok(())
}

/// One milestone of the agreement (责任制, S6): its owner side, the responsible unit (the lead
/// unit, or the selected subject's unit) and person, and its due date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Milestone {
    pub title: String,
    /// "lead_unit" or "subject"
    pub owner: String,
    pub due: Date,
    /// The responsible unit (filled when the agreement is signed; older agreements: none).
    #[serde(default)]
    pub owner_unit_id: Option<UnitId>,
    /// 责任人 (optional).
    #[serde(default)]
    pub person: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Competition {
    pub id: i64,
    pub item_id: i64,
    pub title: String,
    pub scenario: ScenarioKind,
    pub class: u8,
    pub form: AppForm,
    pub state: CompState,
    pub lead_unit_id: UnitId,
    pub lead_unit_name: String,
    /// The lead unit's jurisdiction path (`/1/2/3/`): whose authorities act on the competition.
    #[serde(default)]
    pub jurisdiction_path: String,
    pub notice_from: Option<Date>,
    pub notice_until: Option<Date>,
    pub announced_on: Option<Date>,
    pub milestones: Vec<Milestone>,
    /// The agreed delivery date (from the agreement).
    pub delivery_date: Option<Date>,
    /// The agreed (approved) amount of the agreement, in fen (S10 fund use; older: none).
    #[serde(default)]
    pub agreed_fen: Option<i64>,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bid {
    pub id: i64,
    pub competition_id: i64,
    pub unit_id: UnitId,
    pub unit_name: String,
    pub kind: CandidateKind,
    /// Consortium members (empty: alone). The bidding unit is the lead (牵头方).
    pub members: Vec<Member>,
    /// 承接主体 declaration of a purchase-of-service bid (classes 2–3), as submitted.
    #[serde(default)]
    pub provider: Option<ProviderDeclaration>,
    pub drc_opinion: String,
    pub finance_opinion: String,
    pub materials: String,
    pub shortlisted: bool,
    /// A selected subject whose 项目主体资格 was cancelled (ZJ-share 三（七）), on that day.
    #[serde(default)]
    pub cancelled_on: Option<Date>,
    /// Average expert total, in points out of 80 (None before any score).
    pub score: Option<f64>,
    pub scores: i64,
}

impl Bid {
    /// A consortium counts as one subject (S5).
    pub fn subjects(&self) -> usize {
        1
    }
    pub fn is_consortium(&self) -> bool {
        !self.members.is_empty()
    }
    /// A selected subject still in force (not cancelled).
    pub fn in_force(&self) -> bool {
        self.shortlisted && self.cancelled_on.is_none()
    }
    /// The members' names, for display.
    pub fn member_names(&self) -> Vec<String> {
        self.members.iter().map(|m| m.name.clone()).collect()
    }
}

/// A consortium member (联合体成员): a registered unit picked from the unit directory (its id
/// and directory kind), or a market entity not registered here, kept by its cleaned name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub unit_id: Option<UnitId>,
    pub name: String,
    /// The unit directory's kind of a registered member (`market`, `construction`, …); empty
    /// for an unregistered market entity.
    #[serde(default)]
    pub unit_kind: String,
    /// The registered member's legal form (主体类型) from the unit directory; None for an
    /// unregistered market entity and for members recorded before the directory had it.
    #[serde(default)]
    pub entity: Option<UnitEntity>,
}

impl Member {
    /// An unregistered market entity, by its name as written (cleaned: trimmed, half-width).
    pub fn named(name: &str) -> Member {
        Member {
            unit_id: None,
            name: clean_name(name),
            unit_kind: String::new(),
            entity: None,
        }
    }
    /// The member's legal form: its directory entry's, or for a registered member recorded
    /// before the directory had one, the default of its directory kind; None for an
    /// unregistered market entity.
    pub fn entity(&self) -> Option<UnitEntity> {
        self.unit_id?;
        Some(
            self.entity
                .unwrap_or_else(|| UnitEntity::from_directory(&self.unit_kind, None, None, false)),
        )
    }
    /// Why this member cannot be part of a purchase-of-service provider (第六条、第八条), if so.
    pub fn provider_refusal(&self) -> Option<String> {
        self.entity().and_then(|e| e.provider_refusal())
    }
}

/// A name as shown: full-width ASCII and the ideographic space made half-width, whitespace runs
/// collapsed, trimmed.
pub fn clean_name(s: &str) -> String {
    let half: String = s
        .chars()
        .map(|c| match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => c,
        })
        .collect();
    half.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The key two names of one organisation share (回避 and directory look-up): [`clean_name`], no
/// spaces or brackets' width, ASCII lower-case, and the company-form variants (有限责任公司,
/// 股份有限公司, 有限公司, Co., Ltd.) folded into one.
pub fn name_key(s: &str) -> String {
    let mut k: String = clean_name(s)
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    for (from, to) in [
        ("股份有限公司", "公司"),
        ("有限责任公司", "公司"),
        ("有限公司", "公司"),
        ("co.,ltd.", "公司"),
        ("co.,ltd", "公司"),
        ("co.ltd.", "公司"),
        ("ltd.", "公司"),
    ] {
        if let Some(stem) = k.strip_suffix(from) {
            k = format!("{stem}{to}");
        }
    }
    k
}

/// Input of a bid.
#[derive(Debug, Clone, Default)]
pub struct BidInput {
    pub kind: Option<CandidateKind>,
    pub members: Vec<Member>,
    /// 承接主体 declaration (purchase-of-service classes 2–3).
    pub provider: ProviderDeclaration,
    /// The bidding unit's kind in the unit directory (`market`, `construction`, …; empty if
    /// unknown): a registered department cannot pose as a market entity or social organisation.
    pub bidder_unit_kind: String,
    /// The bidding unit's legal form in the unit directory (主体类型, class): when known, the
    /// bid is made as that kind, and a 事业单位's class is the directory's, not a declaration.
    pub bidder_entity: Option<UnitEntity>,
    pub drc_opinion: String,
    pub finance_opinion: String,
    pub materials: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Objection {
    pub id: i64,
    pub name: String,
    pub contact: String,
    pub text: String,
    pub at: String,
    pub handled: bool,
    pub reply: Option<String>,
}

/// S5 criteria: necessity, feasibility, architecture, business, tech spec, data sharing, security,
/// investment; each scored 0–10.
pub const CRITERIA: [(&str, &str); 8] = [
    ("necessity", "必要性"),
    ("feasibility", "可行性"),
    ("architecture", "架构设计"),
    ("business", "业务设计"),
    ("tech_spec", "技术规范"),
    ("data_sharing", "数据共享"),
    ("security", "安全保障"),
    ("investment", "投资估算"),
];
pub const CRITERION_MAX: u32 = 10;

// ------------------------------------------------------------------ who may see

/// Departments that see every bid and score: the lead unit, the authority, experts, audit.
pub fn sees_all_bids(actor: &Actor) -> bool {
    actor.has(Role::LeadUnit)
        || actor.has(Role::Authority)
        || actor.has(Role::Expert)
        || actor.has(Role::Audit)
}

/// A market entity (and any bidder) sees only its own bids; departments see all.
pub fn can_view_bid(actor: &Actor, bid: &Bid) -> bool {
    sees_all_bids(actor) || bid.unit_id == actor.unit_id
}

/// A market-entity account sees only public items: published library items, public competition
/// data, the market — never needs, the ledger, draft items or other units' bids.
pub fn is_market_entity(actor: &Actor) -> bool {
    actor.has(Role::MarketEntity)
}

/// A competition is a public call: everyone (no login) sees its public part.
pub fn can_view_competition(_actor: Option<&Actor>, _c: &Competition) -> bool {
    true
}

// ------------------------------------------------------------------ commands

fn lead_only(actor: &Actor, c: &Competition, what: &str) -> Result<(), Refusal> {
    if actor.has(Role::LeadUnit) && actor.unit_id == c.lead_unit_id {
        Ok(())
    } else {
        Err(Refusal::Forbidden(format!(
            "只有本项目的牵头责任主体可以{what}"
        )))
    }
}

fn wrong(c: &Competition, action: &'static str) -> Refusal {
    Refusal::WrongStage {
        stage: c.state.label(),
        action,
    }
}

/// The lead unit opens a competition on a published library item.
pub fn can_open_competition(actor: &Actor) -> bool {
    actor.has(Role::LeadUnit)
}

pub fn open_competition(
    actor: &Actor,
    item: &crate::demand::LibraryItem,
    title: &str,
) -> Result<(), Refusal> {
    if !can_open_competition(actor) {
        return Err(Refusal::Forbidden("只有牵头责任主体可以发起揭榜".into()));
    }
    if item.state != crate::demand::ItemState::Published {
        return Err(Refusal::Rule {
            message: "揭榜须基于已公开发布的项目库条目".into(),
            cite: crate::demand::cite_generation(),
        });
    }
    if title.trim().is_empty() || title.chars().count() > 200 {
        return Err(invalid("title", "请填写名称（不超过 200 字）"));
    }
    Ok(())
}

/// Who may bid: construction units, project subjects and market entities (S4).
pub fn can_bid(actor: &Actor) -> bool {
    actor.has(Role::Unit) || actor.has(Role::Subject) || actor.has(Role::MarketEntity)
}

pub fn bid(
    actor: &Actor,
    c: &Competition,
    input: &BidInput,
    own_bids: usize,
) -> Result<(), Refusal> {
    if !can_bid(actor) {
        return Err(Refusal::Forbidden(
            "只有建设单位、项目主体或市场主体账户可以揭榜".into(),
        ));
    }
    if c.state != CompState::Open {
        return Err(wrong(c, "揭榜"));
    }
    if own_bids > 0 {
        return Err(invalid("kind", "本单位已揭榜"));
    }
    let kind = input
        .kind
        .ok_or_else(|| invalid("kind", "请选择主体类型"))?;
    if is_market_entity(actor) && kind != CandidateKind::Market {
        return Err(invalid("kind", "市场主体账户只能以市场主体身份揭榜"));
    }
    let mut provider = input.provider.clone();
    if let Some(e) = input.bidder_entity {
        // the directory says what the unit is (ZJ-share 三（三）: a department cannot pose as a
        // market entity or social organisation, an institution cannot choose its class)
        if kind != e.kind {
            return Err(invalid(
                "kind",
                format!(
                    "本单位在单位名录中登记为{}，应以该身份揭榜（不能以{}身份揭榜）",
                    e.label(),
                    kind.label()
                ),
            ));
        }
        if e.kind == CandidateKind::Institution {
            if provider
                .institution_class
                .is_some_and(|c| Some(c) != e.institution_class)
            {
                return Err(invalid(
                    "institution_class",
                    format!("事业单位类别以单位名录登记为准（{}）", e.label()),
                ));
            }
            provider.institution_class = e.institution_class;
            if is_purchase_of_service(c.class) && e.institution_class.is_none() {
                return Err(provider_rule(e.provider_refusal().unwrap_or_default()));
            }
        }
        provider.fiscal_mass_org |= e.fiscal_mass_org;
    } else {
        let registered_department =
            !input.bidder_unit_kind.is_empty() && input.bidder_unit_kind != "market";
        if registered_department && matches!(kind, CandidateKind::Market | CandidateKind::Social) {
            return Err(invalid(
                "kind",
                "本单位在单位名录中登记为政府部门或公共机构，不能以市场主体或社会组织身份揭榜",
            ));
        }
    }
    if input.materials.trim().is_empty() {
        return Err(invalid("materials", "请提交可行性研究材料"));
    }
    if input.materials.chars().count() > 10_000 {
        return Err(invalid("materials", "材料说明不超过 10000 字"));
    }
    if input.members.len() > 20
        || input
            .members
            .iter()
            .any(|m| m.name.trim().is_empty() || m.name.chars().count() > 100)
    {
        return Err(invalid("members", "联合体成员每行一个单位名称，最多 20 个"));
    }
    for (i, m) in input.members.iter().enumerate() {
        if m.unit_id == Some(actor.unit_id) || name_key(&m.name) == name_key(&actor.unit_name) {
            return Err(invalid(
                "members",
                format!("{}是揭榜单位本身，不是联合体成员", m.name),
            ));
        }
        if input.members[..i].iter().any(|o| same_member(o, m)) {
            return Err(invalid("members", format!("联合体成员{}重复", m.name)));
        }
    }
    if is_purchase_of_service(c.class) {
        check_provider(kind, &input.members, &provider)?;
    }
    if kind.is_administrative()
        && (input.drc_opinion.trim().is_empty() || input.finance_opinion.trim().is_empty())
    {
        return Err(Refusal::Rule {
            message: "项目主体为行政事业单位的，须事先附同级发展改革部门和财政部门意见".into(),
            cite: cite_competition(),
        });
    }
    Ok(())
}

/// An expert assigned to a competition's panel, with the unit they come from (for 回避).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PanelExpert {
    pub user_id: crate::UserId,
    pub name: String,
    pub unit_id: UnitId,
    pub unit_name: String,
}

/// Two members are the same organisation: the same unit id, or (either unregistered) the same
/// [`name_key`].
fn same_member(a: &Member, b: &Member) -> bool {
    match (a.unit_id, b.unit_id) {
        (Some(x), Some(y)) => x == y,
        _ => name_key(&a.name) == name_key(&b.name),
    }
}

/// 回避: an expert may not evaluate a bid from their own unit, nor a consortium their unit is a
/// member of (ZJ-share 三（四）). Members are compared by unit identity: a registered member by
/// its unit id; a member kept by name (not registered when the bid came in) by the name's
/// [`name_key`], so a differently written name of the expert's unit is still caught. Returns the
/// reason, if any.
pub fn conflict(e: &PanelExpert, b: &Bid) -> Option<String> {
    if e.unit_id == b.unit_id {
        return Some(format!(
            "专家{}来自揭榜单位{}，应当回避",
            e.name, b.unit_name
        ));
    }
    let own = name_key(&e.unit_name);
    let hit = b.members.iter().find(|m| match m.unit_id {
        Some(u) => u == e.unit_id,
        None => !own.is_empty() && name_key(&m.name) == own,
    });
    hit.map(|m| {
        format!(
            "专家{}所在单位{}是{}联合体成员（{}），应当回避",
            e.name, e.unit_name, b.unit_name, m.name
        )
    })
}

/// The lead unit assigns the expert panel of a competition (experts are assigned, not
/// self-selected): at least the profile's panel size, an odd number where the profile says so,
/// every member an expert, no one from a bidding unit or consortium member (回避). Only while the
/// competition is open and before anyone has scored.
pub fn assign_experts(
    actor: &Actor,
    c: &Competition,
    panel: &[(PanelExpert, Vec<Role>)],
    bids: &[Bid],
    profile: &Profile,
) -> Result<(), Refusal> {
    lead_only(actor, c, "指定评审专家")?;
    if c.state != CompState::Open {
        return Err(wrong(c, "指定评审专家"));
    }
    if bids.iter().any(|b| b.scores > 0) {
        return Err(Refusal::Rule {
            message: "专家已开始评分，评审专家组不能再更换".into(),
            cite: cite_selection(),
        });
    }
    let (min, odd) = (profile.panel_min.max(3), profile.panel_odd);
    let n = panel.len();
    if n < min as usize || (odd && n % 2 == 0) {
        return Err(Refusal::Rule {
            message: format!(
                "评审专家组应不少于 {min} 人{}（现 {n} 人）",
                if odd { "且为单数" } else { "" }
            ),
            cite: cite_selection(),
        });
    }
    for (i, (e, roles)) in panel.iter().enumerate() {
        if !roles.contains(&Role::Expert) {
            return Err(invalid("experts", format!("{}不是评审专家", e.name)));
        }
        if panel[..i].iter().any(|(o, _)| o.user_id == e.user_id) {
            return Err(invalid("experts", format!("{}重复", e.name)));
        }
        if let Some(reason) = bids.iter().find_map(|b| conflict(e, b)) {
            return Err(Refusal::Rule {
                message: reason,
                cite: cite_selection(),
            });
        }
    }
    Ok(())
}

/// An expert scores one bid on the S5 criteria (each 0–10): only an expert the lead unit
/// assigned to this competition, and never a bid they must recuse themselves from (回避).
pub fn score(
    actor: &Actor,
    c: &Competition,
    panel: &[PanelExpert],
    bid: &Bid,
    scores: &[u32],
) -> Result<u32, Refusal> {
    if !actor.has(Role::Expert) {
        return Err(Refusal::Forbidden("只有评审专家可以评分".into()));
    }
    let Some(me) = panel.iter().find(|e| e.user_id == actor.user_id) else {
        return Err(Refusal::Forbidden(
            "只有牵头责任主体指定的本项目评审专家可以评分".into(),
        ));
    };
    if c.state != CompState::Open {
        return Err(wrong(c, "评分"));
    }
    if let Some(reason) = conflict(me, bid) {
        return Err(Refusal::Rule {
            message: reason,
            cite: cite_selection(),
        });
    }
    if scores.len() != CRITERIA.len() {
        return Err(invalid("scores", "请按 8 项评审内容逐项评分"));
    }
    if let Some(i) = scores.iter().position(|s| *s > CRITERION_MAX) {
        return Err(invalid(CRITERIA[i].0, "每项 0–10 分"));
    }
    Ok(scores.iter().sum())
}

/// The notice period (公示期) from its first day, counted as SPEC §0 says: calendar days, the
/// last day moved off a rest day.
pub fn notice_until(cal: &Calendar, from: Date, days: u32) -> Date {
    // "公示 N 日": day one is `from`, so the last day is from + N − 1.
    cal.add_days(from, days.saturating_sub(1)).date
}

/// The rule code of the over-limit shortlist's override (原则上, ZJ-share 三（五）), as the board's
/// rule filter knows it, with its text.
pub const SUBJECTS_OVERRIDE_RULE: &str = "shared_subjects_max";
pub const SUBJECTS_OVERRIDE_TEXT: &str =
    "共享应用项目主体数：第一类、第二类原则上一家或联合体，第三类原则上不超过3家（三（五））";

/// The lead unit proposes the shortlist; it goes on public notice. Classes 1–2: one subject,
/// class 3: up to 3 (原则上, ZJ-share 三（五）): more only with a recorded reason, signed off by
/// the approver the profile names.
pub fn shortlist(
    actor: &Actor,
    c: &Competition,
    chosen: &[&Bid],
    profile: &Profile,
    override_reason: Option<&str>,
) -> Result<Option<Event>, Refusal> {
    lead_only(actor, c, "提出拟入选名单")?;
    if c.state != CompState::Open {
        return Err(wrong(c, "提出拟入选名单"));
    }
    if chosen.is_empty() {
        return Err(invalid("bids", "请选择拟入选的项目主体"));
    }
    if let Some(b) = chosen.iter().find(|b| b.scores == 0) {
        return Err(Refusal::Rule {
            message: format!("{}尚无专家评审意见，不能列入拟入选名单", b.unit_name),
            cite: cite_selection(),
        });
    }
    let subjects: usize = chosen.iter().map(|b| b.subjects()).sum();
    let max = if c.class == 3 { 3 } else { 1 };
    if subjects > max {
        let msg = format!(
            "原则上第一类、第二类项目主体应是一家或者联合体，第三类项目主体不超过3家（本项目为第{}类，拟入选 {} 家）",
            c.class, subjects
        );
        return crate::overrides::answer(
            profile,
            SUBJECTS_OVERRIDE_RULE,
            msg,
            &cite_announce(),
            override_reason,
        )
        .map(Some);
    }
    Ok(None)
}

/// The approver the profile named signs off or objects to a competition's shortlist override
/// (SPEC §0; ZJ-share 三（五）原则上), once; an objection needs its reason. Returns the history
/// summary.
pub fn review_override(
    actor: &Actor,
    o: &crate::overrides::OverrideRecord,
    agree: bool,
    opinion: &str,
    profile: &Profile,
) -> Result<String, Refusal> {
    let who = profile.role_name(o.approver);
    if !actor.has(o.approver) {
        return Err(Refusal::Forbidden(format!("该例外须由{who}审批")));
    }
    if o.state != crate::overrides::OverrideState::Pending {
        return Err(Refusal::Rule {
            message: format!("该例外已{}", o.state.label()),
            cite: crate::profile::Citation::new("统筹平台规则", "原则性规定的例外经审批人审批一次"),
        });
    }
    let opinion = opinion.trim();
    if !agree && opinion.is_empty() {
        return Err(invalid("opinion", "请填写异议理由"));
    }
    if opinion.chars().count() > 5000 {
        return Err(invalid("opinion", "审批意见不超过 5000 字"));
    }
    Ok(if agree {
        format!(
            "{who}同意原则性规定的例外：{}（理由：{}）",
            o.rule_text, o.reason
        )
    } else {
        format!(
            "{who}对原则性规定的例外提出异议：{}（理由：{}）",
            o.rule_text, o.reason
        )
    })
}

/// A notice starts today or later: a backdated start would shorten the public's time to object.
pub fn check_notice_start(from: Date, today: Date) -> Result<(), Refusal> {
    if from < today {
        return Err(invalid("notice_from", "公示开始日期不能早于今天"));
    }
    Ok(())
}

pub const OBJECTION_MAX_PER_COMPETITION: usize = 200;

/// Anyone may object during the notice period (name, contact, text; limited in size).
pub fn object(
    c: &Competition,
    today: Date,
    name: &str,
    contact: &str,
    text: &str,
    existing: usize,
) -> Result<(), Refusal> {
    let in_notice = c.state == CompState::Notice && c.notice_until.is_some_and(|u| today <= u);
    if !in_notice {
        return Err(Refusal::Rule {
            message: "只能在公示期内提出异议".into(),
            cite: cite_announce(),
        });
    }
    let n = |s: &str| s.trim().chars().count();
    if n(name) == 0 || n(name) > 50 {
        return Err(invalid("name", "请填写姓名或单位名称（不超过 50 字）"));
    }
    if n(contact) == 0 || n(contact) > 100 {
        return Err(invalid("contact", "请填写联系方式（不超过 100 字）"));
    }
    if n(text) == 0 || n(text) > 2000 {
        return Err(invalid("text", "请填写异议内容（不超过 2000 字）"));
    }
    if existing >= OBJECTION_MAX_PER_COMPETITION {
        return Err(Refusal::Forbidden(
            "本公示收到的异议已达上限，请通过其他渠道联系牵头责任主体".into(),
        ));
    }
    Ok(())
}

pub fn handle_objection(
    actor: &Actor,
    c: &Competition,
    o: &Objection,
    reply: &str,
) -> Result<(), Refusal> {
    lead_only(actor, c, "处理异议")?;
    if o.handled {
        return Err(invalid("objection", "该异议已处理"));
    }
    if reply.trim().is_empty() || reply.chars().count() > 2000 {
        return Err(invalid("reply", "请填写处理意见（不超过 2000 字）"));
    }
    Ok(())
}

/// An authority acts on a competition of its jurisdiction or below (the lead unit's): another
/// district's or city's authority does not announce it nor sign off its overrides.
pub fn check_jurisdiction(actor: &Actor, c: &Competition) -> Result<(), Refusal> {
    if c.jurisdiction_path.is_empty() || c.jurisdiction_path.starts_with(&actor.jurisdiction_path) {
        Ok(())
    } else {
        Err(Refusal::Forbidden(
            "该揭榜不在本辖区，由牵头责任主体所在辖区的部门办理".into(),
        ))
    }
}

/// The task force (数字政府建设专班 — the competent authority) announces after the notice period,
/// with every objection handled.
pub fn announce(
    actor: &Actor,
    c: &Competition,
    today: Date,
    open_objections: usize,
) -> Result<(), Refusal> {
    if !actor.has(Role::Authority) {
        return Err(Refusal::Forbidden(
            "入选公告由数字政府建设专班（主管部门）发布".into(),
        ));
    }
    check_jurisdiction(actor, c)?;
    if c.state != CompState::Notice {
        return Err(wrong(c, "发布公告"));
    }
    if let Some(u) = c.notice_until {
        if today <= u {
            return Err(Refusal::Rule {
                message: format!("公示期至 {u} 止，公示完成后方可发布公告"),
                cite: cite_announce(),
            });
        }
    }
    if open_objections > 0 {
        return Err(Refusal::Rule {
            message: format!("公示期间有 {open_objections} 条异议尚未处理，处理后方可发布公告"),
            cite: cite_announce(),
        });
    }
    Ok(())
}

/// The lead unit signs the agreement: milestones with owners (责任制) and the delivery date.
/// Each milestone's responsible unit is resolved: the lead unit's own, or the selected subject's
/// (with several subjects, the milestone names which one by its unit id). Returns the milestones
/// with their owners.
pub fn sign_agreement(
    actor: &Actor,
    c: &Competition,
    milestones: &[Milestone],
    delivery: Option<Date>,
    selected: &[&Bid],
) -> Result<Vec<Milestone>, Refusal> {
    lead_only(actor, c, "签订协议")?;
    if c.state != CompState::Announced {
        return Err(wrong(c, "签订协议"));
    }
    if milestones.is_empty() {
        return Err(invalid("milestones", "协议须约定里程碑及责任方（责任制）"));
    }
    if milestones.len() > 100 {
        return Err(invalid("milestones", "里程碑不超过 100 个"));
    }
    if milestones.iter().any(|m| {
        m.title.trim().is_empty()
            || m.title.chars().count() > 200
            || !matches!(m.owner.as_str(), "lead_unit" | "subject")
    }) {
        return Err(invalid(
            "milestones",
            "每个里程碑须有名称（不超过 200 字），责任方为 lead_unit 或 subject",
        ));
    }
    if milestones.iter().any(|m| m.person.chars().count() > 50) {
        return Err(invalid("milestones", "责任人不超过 50 字"));
    }
    if delivery.is_none() {
        return Err(invalid("delivery_date", "请填写约定交付日期"));
    }
    let mut out = Vec::with_capacity(milestones.len());
    for m in milestones {
        let unit = if m.owner == "lead_unit" {
            if m.owner_unit_id.is_some_and(|u| u != c.lead_unit_id) {
                return Err(invalid(
                    "milestones",
                    format!("里程碑“{}”的责任单位应为牵头责任主体", m.title),
                ));
            }
            c.lead_unit_id
        } else {
            match (m.owner_unit_id, selected) {
                (Some(u), _) if selected.iter().any(|b| b.unit_id == u) => u,
                (Some(_), _) => {
                    return Err(invalid(
                        "milestones",
                        format!("里程碑“{}”的责任单位不是入选项目主体", m.title),
                    ))
                }
                (None, [one]) => one.unit_id,
                (None, _) => {
                    return Err(invalid(
                        "milestones",
                        format!(
                            "入选项目主体有多家，请为里程碑“{}”指明责任单位（单位编号）",
                            m.title
                        ),
                    ))
                }
            }
        };
        out.push(Milestone {
            title: m.title.trim().to_string(),
            owner: m.owner.clone(),
            due: m.due,
            owner_unit_id: Some(unit),
            person: m.person.trim().to_string(),
        });
    }
    Ok(out)
}

// ------------------------------------------------------------------ obligations (S6, S7)

/// Obligation codes of a competition, in the `obligations` table.
pub const OBL_DELIVERY: &str = "share_delivery";
pub const OBL_ACCEPTANCE: &str = "share_acceptance";
pub const OBL_MILESTONE_PREFIX: &str = "share_milestone:";

/// 责任制 (ZJ-share 三（六）组织实施; 四 监督评估 of progress and stage tasks).
pub fn cite_responsibility() -> Citation {
    Citation::new(ZJ_SHARE, "三（六）组织实施（责任制）")
}

/// 组织实施 by class (S6, ZJ-share 三（六）): the steps the subject takes after the agreement,
/// in order, as the article lists them for its class.
pub fn implementation_steps(class: u8) -> &'static [&'static str] {
    match class {
        1 => &[
            "按项目属地原则完成电子政务项目立项审批",
            "按资金来源完成项目资金申请",
            "组建工作专班、细化建设方案",
            "依法依规应当实行政府采购的，按规定进行政府采购后开展项目建设",
        ],
        2 => &[
            "按规定完成立项",
            "完成社会资金筹措",
            "项目服务招投标",
            "签订政府购买服务协议，按照协议要求开展项目建设",
        ],
        _ => &["项目主体负责落实项目建设资金，按照项目要求开展项目建设"],
    }
}

/// The citation of [`implementation_steps`].
pub fn cite_implementation() -> Citation {
    Citation::new(ZJ_SHARE, "三（六）组织实施")
}

/// The last day of the 3-month acceptance limit after the agreed delivery date (S7; calendar
/// months, SPEC §0).
pub fn acceptance_limit(cal: &Calendar, delivery: Date) -> Date {
    cal.add_months(delivery, 3).date
}

/// An obligation a competition's act creates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCompObligation {
    pub code: String,
    pub title: String,
    pub cite: Citation,
    /// The dated trigger (SPEC §0).
    pub trigger: Date,
    pub due: Date,
    /// "lead_unit" or "subject"
    pub owner: String,
    pub owner_unit_id: Option<UnitId>,
    pub person: String,
}

/// The code of a subject's delivery obligation: the plain code with one subject (and in
/// agreements signed before subjects had their own), `share_delivery:<unit id>` with several.
pub fn delivery_code(unit: UnitId, several: bool) -> String {
    if several {
        format!("{OBL_DELIVERY}:{}", unit.0)
    } else {
        OBL_DELIVERY.into()
    }
}

/// The code of a subject's acceptance obligation (see [`delivery_code`]).
pub fn acceptance_code(unit: UnitId, several: bool) -> String {
    if several {
        format!("{OBL_ACCEPTANCE}:{}", unit.0)
    } else {
        OBL_ACCEPTANCE.into()
    }
}

/// What signing the agreement (on `signed_on`) creates: for each selected subject (class 3: up
/// to 3, ZJ-share 三（五）), delivery on the agreed date and acceptance within 3 months of it
/// (ZJ-share 三（七）, owed by that subject — 其项目主体资格 is each subject's own; the 3-month
/// limit runs from the agreed date — 规定期限 — so it exists from the signing, whether or not the
/// subject ever delivers), and one obligation per milestone, owed by its responsible unit and
/// person (责任制, 三（六）). No subject known (older agreements): one pair without an owner unit.
pub fn agreement_obligations(
    cal: &Calendar,
    milestones: &[Milestone],
    delivery: Date,
    subjects: &[UnitId],
    signed_on: Date,
) -> Vec<NewCompObligation> {
    let several = subjects.len() > 1;
    let owners: Vec<Option<UnitId>> = if subjects.is_empty() {
        vec![None]
    } else {
        subjects.iter().copied().map(Some).collect()
    };
    let mut out = vec![];
    for unit in owners {
        let (dc, ac) = match unit {
            Some(u) => (delivery_code(u, several), acceptance_code(u, several)),
            None => (OBL_DELIVERY.into(), OBL_ACCEPTANCE.into()),
        };
        out.push(NewCompObligation {
            code: dc,
            title: "按协议约定日期交付".into(),
            cite: cite_delivery(),
            trigger: signed_on,
            due: delivery,
            owner: "subject".into(),
            owner_unit_id: unit,
            person: String::new(),
        });
        out.push(NewCompObligation {
            code: ac,
            title: "超过约定交付日期3个月未通过验收的，取消项目主体资格".into(),
            cite: cite_delivery(),
            trigger: delivery,
            due: acceptance_limit(cal, delivery),
            owner: "subject".into(),
            owner_unit_id: unit,
            person: String::new(),
        });
    }
    for (i, m) in milestones.iter().enumerate() {
        out.push(NewCompObligation {
            code: format!("{OBL_MILESTONE_PREFIX}{}", i + 1),
            title: format!("协议里程碑：{}", m.title),
            cite: cite_responsibility(),
            trigger: signed_on,
            due: m.due,
            owner: m.owner.clone(),
            owner_unit_id: m.owner_unit_id,
            person: m.person.clone(),
        });
    }
    out
}

/// The code of implementation step `n` (1-based) as a tracked item: stored among the
/// milestones (`share_milestone:step<n>`, with several subjects `step<n>-<unit id>`) so that it
/// is reported, shown and counted overdue like one.
pub fn step_code(n: usize, unit: UnitId, several: bool) -> String {
    if several {
        format!("{OBL_MILESTONE_PREFIX}step{n}-{}", unit.0)
    } else {
        format!("{OBL_MILESTONE_PREFIX}step{n}")
    }
}

/// 组织实施 by class as tracked dated items (S6, ZJ-share 三（六）): when the agreement is signed,
/// each step of the class's list becomes an obligation owed by each selected subject (the
/// article makes 项目主体 do every step, for all three classes; the lead unit 履行牵头责任 by
/// setting the dates and following up), due on the date the lead unit set in the agreement for
/// that step (`step_dues[n-1]`), by default the agreed delivery date. A date after the agreed
/// delivery date is refused (every step comes before delivery).
pub fn implementation_obligations(
    class: u8,
    subjects: &[UnitId],
    step_dues: &[Option<Date>],
    delivery: Date,
    signed_on: Date,
) -> Result<Vec<NewCompObligation>, Refusal> {
    let steps = implementation_steps(class);
    let several = subjects.len() > 1;
    let mut out = vec![];
    for (i, step) in steps.iter().enumerate() {
        let due = step_dues.get(i).copied().flatten().unwrap_or(delivery);
        if due > delivery {
            return Err(Refusal::Rule {
                message: format!("实施步骤“{step}”的完成日期不得晚于约定交付日期（{delivery}）"),
                cite: cite_implementation(),
            });
        }
        for &u in subjects {
            out.push(NewCompObligation {
                code: step_code(i + 1, u, several),
                title: format!("组织实施：{step}"),
                cite: cite_implementation(),
                trigger: signed_on,
                due,
                owner: "subject".into(),
                owner_unit_id: Some(u),
                person: String::new(),
            });
        }
    }
    Ok(out)
}

/// A competition obligation as stored (the `obligations` row).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompObligationRow {
    pub id: i64,
    pub competition_id: i64,
    pub code: String,
    pub title: String,
    pub cite: String,
    pub trigger_date: String,
    pub due: Date,
    pub owner: String,
    pub owner_unit_id: Option<UnitId>,
    pub owner_unit_name: Option<String>,
    pub person: Option<String>,
    /// open, fulfilled, lapsed, cancelled
    pub state: String,
    pub fulfilled_on: Option<Date>,
    /// The note that goes with the evidence (older rows: the evidence as free text).
    pub evidence: Option<String>,
    pub fulfilled_by_name: Option<String>,
    /// The uploaded evidence document of a milestone report.
    #[serde(default)]
    pub evidence_file: Option<EvidenceFile>,
}

/// An uploaded evidence document (the file itself is kept by content hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceFile {
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
}

impl CompObligationRow {
    pub fn is_milestone(&self) -> bool {
        self.code.starts_with(OBL_MILESTONE_PREFIX)
    }
    /// A subject's delivery obligation (S7).
    pub fn is_delivery(&self) -> bool {
        self.code == OBL_DELIVERY || self.code.starts_with("share_delivery:")
    }
    /// A subject's 3-month acceptance obligation (S7).
    pub fn is_acceptance(&self) -> bool {
        self.code == OBL_ACCEPTANCE || self.code.starts_with("share_acceptance:")
    }
    /// Whether the row is owed by this subject (rows without an owner unit, from before
    /// subjects had their own, are the single subject's).
    pub fn owed_by(&self, unit: UnitId) -> bool {
        self.owner == "subject" && self.owner_unit_id.is_none_or(|u| u == unit)
    }
    pub fn met(&self) -> bool {
        self.state == "fulfilled"
    }
    /// Open past its due date (the last day included).
    pub fn overdue(&self, today: Date) -> bool {
        self.state == "open" && today > self.due
    }
}

/// A subject's delivery or acceptance obligation among a competition's rows.
pub fn subject_obligation(
    rows: &[CompObligationRow],
    unit: UnitId,
    acceptance: bool,
) -> Option<&CompObligationRow> {
    rows.iter().find(|o| {
        (if acceptance {
            o.is_acceptance()
        } else {
            o.is_delivery()
        }) && o.owed_by(unit)
    })
}

/// The owner of a milestone reports it done, with its evidence as an uploaded document
/// (`has_document`) and an optional note: only a user of the responsible unit acting for its
/// side (the lead unit's 牵头责任主体 account, or the subject's account), once, while the
/// agreement runs.
pub fn report_milestone(
    actor: &Actor,
    c: &Competition,
    o: &CompObligationRow,
    has_document: bool,
    note: &str,
) -> Result<(), Refusal> {
    if !o.is_milestone() {
        return Err(invalid("milestone", "没有该里程碑"));
    }
    let side_ok = match o.owner.as_str() {
        "lead_unit" => actor.has(Role::LeadUnit),
        _ => can_bid(actor),
    };
    if !side_ok || o.owner_unit_id != Some(actor.unit_id) {
        return Err(Refusal::Forbidden(format!(
            "只有里程碑的责任单位（{}）可以报告完成",
            o.owner_unit_name.as_deref().unwrap_or("责任方")
        )));
    }
    if !matches!(
        c.state,
        CompState::Agreed | CompState::AcceptanceApplied | CompState::Accepted
    ) {
        return Err(wrong(c, "报告里程碑完成"));
    }
    if o.state != "open" {
        return Err(invalid("milestone", "该里程碑已办结"));
    }
    if !has_document {
        return Err(Refusal::Rule {
            message: "报告里程碑完成须上传佐证材料文件（交付物、部署报告、验收记录等）".into(),
            cite: cite_responsibility(),
        });
    }
    if note.trim().chars().count() > 2000 {
        return Err(invalid("note", "说明不超过 2000 字"));
    }
    Ok(())
}

/// Whether the actor belongs to a selected subject.
pub fn is_subject(actor: &Actor, selected: &[&Bid]) -> bool {
    selected.iter().any(|b| b.unit_id == actor.unit_id)
}

/// The subject applies for acceptance once delivered, on or after the agreed delivery date.
pub fn apply_acceptance(
    actor: &Actor,
    c: &Competition,
    selected: &[&Bid],
    today: Date,
) -> Result<(), Refusal> {
    apply_acceptance_for(actor, c, selected, None, today)
}

/// [`apply_acceptance`] knowing the actor's own delivery obligation (each subject applies for
/// its own delivery, ZJ-share 三（七）): with several subjects the competition may already await
/// another's acceptance; this subject applies once. `selected`: the subjects still in force.
pub fn apply_acceptance_for(
    actor: &Actor,
    c: &Competition,
    selected: &[&Bid],
    delivery: Option<&CompObligationRow>,
    today: Date,
) -> Result<(), Refusal> {
    if !is_subject(actor, selected) {
        return Err(Refusal::Forbidden("只有入选项目主体可以申请验收".into()));
    }
    let open = match delivery {
        Some(o) => o.state == "open",
        None => c.state == CompState::Agreed,
    };
    if !matches!(c.state, CompState::Agreed | CompState::AcceptanceApplied) || !open {
        return Err(wrong(c, "申请验收"));
    }
    if let Some(d) = c.delivery_date {
        if today < d {
            return Err(Refusal::Rule {
                message: format!("约定交付日期为 {d}，交付后方可申请验收"),
                cite: cite_delivery(),
            });
        }
    }
    Ok(())
}

/// The lead unit accepts (or not); a passed application is listed in the market.
pub fn accept(actor: &Actor, c: &Competition) -> Result<(), Refusal> {
    lead_only(actor, c, "组织验收")?;
    if c.state != CompState::AcceptanceApplied {
        return Err(wrong(c, "验收"));
    }
    Ok(())
}

/// S7: not passed 3 months after the agreed delivery date → the subject loses the project. The
/// system only *proposes* it; the lead unit confirms.
pub fn cancellation_due(cal: &Calendar, c: &Competition, today: Date) -> Option<Date> {
    if !matches!(c.state, CompState::Agreed | CompState::AcceptanceApplied) {
        return None;
    }
    let d = c.delivery_date?;
    let limit = acceptance_limit(cal, d);
    (today > limit).then_some(limit)
}

/// The lead unit waives a proposed cancellation, with its reason (the proposal stays recorded).
pub fn waive_cancellation(actor: &Actor, c: &Competition, reason: &str) -> Result<(), Refusal> {
    lead_only(actor, c, "决定不取消项目主体资格")?;
    if reason.trim().is_empty() {
        return Err(invalid("reason", "请填写不予取消的理由"));
    }
    if reason.chars().count() > 2000 {
        return Err(invalid("reason", "理由不超过 2000 字"));
    }
    Ok(())
}

pub fn confirm_cancellation(
    actor: &Actor,
    cal: &Calendar,
    c: &Competition,
    today: Date,
    reason: &str,
) -> Result<(), Refusal> {
    confirm_cancellation_after(actor, cal, c, today, reason, None)
}

/// [`confirm_cancellation`], knowing what became of the system's proposal: once the lead unit
/// decided not to cancel (waived, with its reason), the same proposal cannot be confirmed.
pub fn confirm_cancellation_after(
    actor: &Actor,
    cal: &Calendar,
    c: &Competition,
    today: Date,
    reason: &str,
    proposal_state: Option<&str>,
) -> Result<(), Refusal> {
    confirm_subject_cancellation(actor, cal, c, None, today, reason, proposal_state)
}

/// Cancel one subject (ZJ-share 三（七）: 超过规定期限3个月未通过验收的，取消**其**项目主体资格 —
/// the subject that did not pass, not the others): its acceptance obligation `acceptance` must
/// still be unmet 3 months after the agreed delivery date.
pub fn confirm_subject_cancellation(
    actor: &Actor,
    cal: &Calendar,
    c: &Competition,
    acceptance: Option<&CompObligationRow>,
    today: Date,
    reason: &str,
    proposal_state: Option<&str>,
) -> Result<(), Refusal> {
    lead_only(actor, c, "确认取消项目主体资格")?;
    if acceptance.is_some_and(|o| o.state != "open") {
        return Err(Refusal::Rule {
            message: "该项目主体已通过验收或已办结，不能取消其项目主体资格".into(),
            cite: cite_delivery(),
        });
    }
    if proposal_state == Some("waived") {
        return Err(Refusal::Rule {
            message: "牵头责任主体已决定不取消项目主体资格，该提议已办结".into(),
            cite: cite_delivery(),
        });
    }
    if cancellation_due(cal, c, today).is_none() {
        return Err(Refusal::Rule {
            message: "超过约定交付日期3个月仍未通过验收的，方可取消项目主体资格".into(),
            cite: cite_delivery(),
        });
    }
    if reason.trim().is_empty() {
        return Err(invalid("reason", "请填写确认意见"));
    }
    Ok(())
}

// ------------------------------------------------------------------ market

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Listing {
    pub id: i64,
    pub competition_id: Option<i64>,
    pub name: String,
    pub description: String,
    pub owner_unit_id: UnitId,
    pub owner_name: String,
    pub class: u8,
    pub version_label: String,
    pub licence: String,
    pub contact: String,
    pub suppliers: i64,
    pub listed_on: String,
    pub best: bool,
    pub rank: Option<i64>,
    pub nomination: Option<String>,
    pub reuse_count: i64,
    pub rating: Option<f64>,
    pub ratings: i64,
    pub version: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReuseState {
    Requested,
    Approved,
    Refused,
}

impl ReuseState {
    pub fn code(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Approved => "approved",
            Self::Refused => "refused",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Requested => "待审批",
            Self::Approved => "已同意",
            Self::Refused => "未同意",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Requested, Self::Approved, Self::Refused]
            .into_iter()
            .find(|x| x.code() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reuse {
    pub id: i64,
    pub listing_id: i64,
    pub unit_id: UnitId,
    pub unit_name: String,
    pub region: String,
    pub purpose: String,
    pub state: ReuseState,
    pub at: String,
}

/// A unit (not the owner, not a market entity) asks to reuse a listed application.
pub fn request_reuse(
    actor: &Actor,
    l: &Listing,
    mine: &[&Reuse],
    purpose: &str,
) -> Result<(), Refusal> {
    if !actor.has(Role::Unit) {
        return Err(Refusal::Forbidden(
            "只有使用单位（建设单位）可以申请复用".into(),
        ));
    }
    if actor.unit_id == l.owner_unit_id {
        return Err(invalid("listing", "不能申请复用本单位的应用"));
    }
    if mine.iter().any(|r| r.state != ReuseState::Refused) {
        return Err(invalid("listing", "本单位已申请或已在使用该应用"));
    }
    if purpose.trim().is_empty() || purpose.chars().count() > 1000 {
        return Err(invalid("purpose", "请填写使用场景（不超过 1000 字）"));
    }
    Ok(())
}

/// The owner approves or refuses a reuse request.
pub fn decide_reuse(actor: &Actor, l: &Listing, r: &Reuse) -> Result<(), Refusal> {
    if actor.unit_id != l.owner_unit_id {
        return Err(Refusal::Forbidden("只有应用所有方可以审批复用申请".into()));
    }
    if r.state != ReuseState::Requested {
        return Err(invalid("reuse", "该申请已处理"));
    }
    Ok(())
}

/// A using unit (approved reuse) rates and reviews.
pub fn rate(actor: &Actor, mine: &[&Reuse], stars: i64, review: &str) -> Result<(), Refusal> {
    if !mine
        .iter()
        .any(|r| r.state == ReuseState::Approved && r.unit_id == actor.unit_id)
    {
        return Err(Refusal::Forbidden(
            "只有已复用该应用的使用单位可以评价".into(),
        ));
    }
    if !(1..=5).contains(&stars) {
        return Err(invalid("stars", "评分为 1–5 星"));
    }
    if review.chars().count() > 1000 {
        return Err(invalid("review", "评价不超过 1000 字"));
    }
    Ok(())
}

/// Best-application list and 争先制 nomination: the big-data bureau (authority) or the lead unit.
pub fn nominate(actor: &Actor, rank: Option<i64>, note: &str) -> Result<(), Refusal> {
    if !(actor.has(Role::Authority) || actor.has(Role::LeadUnit)) {
        return Err(Refusal::Forbidden(
            "优秀应用榜单与争先制推荐由大数据局和牵头责任主体负责".into(),
        ));
    }
    if rank.is_some_and(|r| !(1..=1000).contains(&r)) {
        return Err(invalid("rank", "排名为 1–1000"));
    }
    if note.trim().is_empty() || note.chars().count() > 1000 {
        return Err(invalid("note", "请填写推荐理由（不超过 1000 字）"));
    }
    Ok(())
}

/// Who may list and maintain in the market outside a competition: nobody yet — listing follows
/// acceptance automatically (S7).
pub fn can_manage_market(actor: &Actor) -> bool {
    actor.has(Role::Authority)
}

// ------------------------------------------------------------------ fund use (S10)

/// 资金使用 supervision (ZJ-share 四 相关要求: 对“一地创新、全省共享”应用项目进展、阶段任务、
/// 资金使用等情况要开展监督评估工作).
pub fn cite_fund_use() -> Citation {
    Citation::new(ZJ_SHARE, "四 相关要求（资金使用监督评估）")
}

/// One recorded fund use of a shared application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundUse {
    pub id: i64,
    pub competition_id: i64,
    pub unit_id: UnitId,
    pub unit_name: String,
    pub amount_fen: i64,
    pub used_on: Date,
    pub purpose: String,
    pub evidence_filename: Option<String>,
    pub evidence_sha256: Option<String>,
    pub questioned: bool,
    pub question_reason: Option<String>,
    pub questioned_by_name: Option<String>,
    pub recorded_by_name: String,
    pub recorded_at: String,
}

/// Who sees a competition's fund use: departments (any logged-in non-market account: the lead
/// unit, authorities, finance, audit…) and the selected subjects; not other market entities,
/// not the public.
pub fn can_view_fund_use(actor: &Actor, selected: &[&Bid]) -> bool {
    !is_market_entity(actor) || is_subject(actor, selected)
}

/// The agreed amount set when signing: positive, in fen (none: no fund use can be recorded).
pub fn check_agreed_amount(fen: Option<i64>) -> Result<(), Refusal> {
    match fen {
        Some(f) if f <= 0 => Err(invalid("agreed_amount", "协议金额须大于 0")),
        _ => Ok(()),
    }
}

/// A selected subject (or the lead unit) records a fund use against the agreement: while the
/// agreement runs, positive amount, a purpose, and never beyond the agreed amount together with
/// what is already recorded (hard, ZJ-share 四 资金使用监督).
pub fn record_fund_use(
    actor: &Actor,
    c: &Competition,
    selected: &[&Bid],
    amount_fen: i64,
    purpose: &str,
    used_so_far_fen: i64,
) -> Result<(), Refusal> {
    let lead = actor.has(Role::LeadUnit) && actor.unit_id == c.lead_unit_id;
    if !lead && !(can_bid(actor) && is_subject(actor, selected)) {
        return Err(Refusal::Forbidden(
            "只有入选项目主体或牵头责任主体可以登记资金使用".into(),
        ));
    }
    if !matches!(
        c.state,
        CompState::Agreed | CompState::AcceptanceApplied | CompState::Accepted
    ) {
        return Err(wrong(c, "登记资金使用"));
    }
    if amount_fen <= 0 {
        return Err(invalid("amount", "金额须大于 0"));
    }
    let p = purpose.trim().chars().count();
    if p == 0 || p > 500 {
        return Err(invalid("purpose", "请填写用途（不超过 500 字）"));
    }
    let Some(agreed) = c.agreed_fen else {
        return Err(Refusal::Rule {
            message: "协议未约定金额，不能登记资金使用".into(),
            cite: cite_fund_use(),
        });
    };
    if used_so_far_fen.saturating_add(amount_fen) > agreed {
        return Err(Refusal::Rule {
            message: format!(
                "资金使用累计不得超过协议约定金额（约定 {}，已用 {}，本次 {}）",
                Yuan::from_fen(agreed).grouped(),
                Yuan::from_fen(used_so_far_fen).grouped(),
                Yuan::from_fen(amount_fen).grouped()
            ),
            cite: cite_fund_use(),
        });
    }
    Ok(())
}

/// The lead unit or an authority of the lead unit's jurisdiction questions a fund use with a
/// reason (监督), once.
pub fn question_fund_use(
    actor: &Actor,
    c: &Competition,
    u: &FundUse,
    reason: &str,
) -> Result<(), Refusal> {
    let lead = actor.has(Role::LeadUnit) && actor.unit_id == c.lead_unit_id;
    if !lead {
        if !actor.has(Role::Authority) {
            return Err(Refusal::Forbidden(
                "只有牵头责任主体或主管部门可以对资金使用提出质疑".into(),
            ));
        }
        check_jurisdiction(actor, c)?;
    }
    if u.competition_id != c.id {
        return Err(invalid("fund_use", "没有该资金使用记录"));
    }
    if u.questioned {
        return Err(invalid("fund_use", "该记录已被质疑"));
    }
    let r = reason.trim().chars().count();
    if r == 0 || r > 1000 {
        return Err(invalid("reason", "请填写质疑理由（不超过 1000 字）"));
    }
    Ok(())
}
