//! 运行 Systems in operation (SPEC O1, O3–O6): the information systems (信息系统) of a project
//! with their operating body and O&M money (Shaoxing art.20), registration on the public data
//! platform and cloud resources (art.18, 29), security records and going live (Shangcheng 第六章
//! 项目实施; Shaoxing art.35–37), vulnerabilities and the shutdown rule (art.37), and the data
//! catalogue with the authority's compliance findings (art.26–28; Shangcheng 第九章).
//!
//! Pure rules: [`decide`] turns a command into a [`Decision`] whose events are
//! [`Event::Operation`]; [`apply`] shows how each event changes a system (the store keeps each
//! system as this struct and applies the same function in the write transaction), and
//! [`obligation_changes`] the dated duties the events create or fulfil.
use crate::calendar::Calendar;
use crate::lifecycle::{add_months, invalid, need_text, rule, Decision, Event, Refusal};
use crate::obligation::{Changes, NewObligation};
use crate::permission::can_view;
use crate::profile::Citation;
use crate::project::Project;
use crate::{Actor, Date, Role, Stage, Yuan};
use serde::{Deserialize, Serialize};

const SHAOXING: &str = "绍兴市市级政务信息化项目管理办法";
const SC: &str = "上城区电子政务项目管理办法（征求意见稿）";

pub fn cite(article: &str) -> Citation {
    Citation::new(SHAOXING, article)
}
/// 网络安全等级保护、密评 (Shangcheng 第六章 项目实施).
pub fn sc_security_cite() -> Citation {
    Citation::new(SC, "第六章 项目实施（网络安全等级保护）")
}
/// 数据共享目录整改 3 个月、下架 (Shangcheng 第九章).
pub fn sc_catalogue_cite() -> Citation {
    Citation::new(SC, "第九章 项目绩效与审计")
}

/// Months a unit has to fix a catalogue found not shared as required (Shangcheng 第九章).
pub const CATALOGUE_FIX_MONTHS: u32 = 3;
/// Obligation code prefixes of this module.
/// (Hyphens, not underscores: the prefix goes into SQL LIKE, where `_` is a wildcard.)
pub const ASSESSMENT_PREFIX: &str = "djcp-";
pub const CATALOGUE_PREFIX: &str = "catalogue-fix-";
/// A reported vulnerability's fix by its deadline (`vuln-fix-{system}-{vuln}`, Shaoxing art.37).
pub const VULN_PREFIX: &str = "vuln-fix-";

/// The obligation code of a system's vulnerability.
pub fn vuln_obligation_code(system: u32, vuln: u32) -> String {
    format!("{VULN_PREFIX}{system}-{vuln}")
}

/// Stages in which a project's systems are recorded and run (cloud is requested during
/// implementation, Shaoxing art.18; the system runs after acceptance).
pub const OPS_STAGES: [Stage; 6] = [
    Stage::InConstruction,
    Stage::TrialRun,
    Stage::AcceptanceApplied,
    Stage::Accepting,
    Stage::Rectifying,
    Stage::InOperation,
];

macro_rules! code_enum {
    ($name:ident { $($v:ident => $code:literal, $label:literal),+ $(,)? }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($v),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];
            pub fn code(self) -> &'static str { match self { $($name::$v => $code),+ } }
            pub fn label(self) -> &'static str { match self { $($name::$v => $label),+ } }
            pub fn parse(s: &str) -> Option<$name> { Self::ALL.iter().copied().find(|k| k.code() == s) }
        }
    };
}

code_enum!(SystemState {
    Pending => "pending", "待上线",
    Live => "live", "运行中",
    ShutDown => "shut_down", "已关停（安全隐患）",
    TakenDown => "taken_down", "已下架",
    Stopped => "stopped", "已停用",
});

code_enum!(CloudKind {
    Host => "host", "云主机",
    Database => "database", "云数据库",
    Storage => "storage", "云存储",
    Security => "security", "云安全服务",
});

code_enum!(SecurityKind {
    Filing => "filing", "等保备案",
    Assessment => "assessment", "等保测评",
    Crypto => "crypto", "商用密码应用安全性评估（密评）",
    RiskAssessment => "risk_assessment", "信息安全风险评估",
    Report => "report", "信息系统安全评估报告",
    Plan => "plan", "信息系统信息安全方案",
    Pentest => "pentest", "安全渗透测试报告",
});

code_enum!(VulnState {
    Open => "open", "待修复",
    Fixed => "fixed", "已修复",
    Unfixable => "unfixable", "无法修复（系统关停）",
});

code_enum!(ShareAttr {
    Unconditional => "unconditional", "无条件共享",
    Conditional => "conditional", "有条件共享",
    None => "none", "不予共享",
});

code_enum!(RequestState {
    Pending => "pending", "待答复",
    Granted => "granted", "同意共享",
    Refused => "refused", "不予共享",
});

code_enum!(OpenAttr {
    Unconditional => "unconditional", "无条件开放",
    Conditional => "conditional", "有条件开放",
    None => "none", "不予开放",
});

/// What the unit records about a system (Shaoxing art.20; Shangcheng 第六章 项目实施).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemInput {
    pub name: String,
    /// 运维单位（项目运行机构）
    pub operating_body: String,
    /// 运维责任人
    pub responsible_person: String,
    /// 运维管理制度
    pub om_rules: String,
    /// 年度运行维护费用
    pub om_amount: Yuan,
    /// 部署于互联网
    pub internet_facing: bool,
    /// 使用政务云
    pub gov_cloud: bool,
    /// 网络安全等级保护级别 1–5
    pub level: u8,
    /// 重要信息系统（须开展密评）
    pub important: bool,
}

impl SystemInput {
    pub fn validate(&self) -> Result<(), Refusal> {
        let n = self.name.trim().chars().count();
        if !(2..=100).contains(&n) {
            return Err(invalid("name", "系统名称 2–100 个字"));
        }
        need_text("operating_body", &self.operating_body, "运维单位")?;
        need_text("responsible_person", &self.responsible_person, "运维责任人")?;
        need_text("om_rules", &self.om_rules, "运维管理制度")?;
        if !(1..=5).contains(&self.level) {
            return Err(invalid("level", "等保级别为 1–5 级"));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloudResource {
    pub no: u32,
    pub kind: CloudKind,
    pub spec: String,
    pub quantity: u32,
    pub requested: Date,
    pub released: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityRecord {
    pub no: u32,
    pub kind: SecurityKind,
    /// 备案编号 / 报告编号
    pub reference: String,
    /// The document's own date.
    pub date: Date,
    /// Pen-test: the findings have been fixed (已根据报告整改到位).
    pub findings_fixed: bool,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vulnerability {
    pub no: u32,
    pub description: String,
    pub found: Date,
    pub fix_deadline: Date,
    pub state: VulnState,
    pub closed_on: Option<Date>,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataResource {
    pub no: u32,
    pub name: String,
    /// 责任单位
    pub unit: String,
    /// 数据格式
    pub format: String,
    pub share: ShareAttr,
    pub open: OpenAttr,
}

/// Another unit's request for a data resource through the platform (Shaoxing art.31).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataRequest {
    pub no: u32,
    pub resource: u32,
    pub resource_name: String,
    pub unit_id: crate::UnitId,
    pub unit_name: String,
    pub purpose: String,
    pub date: Date,
    pub state: RequestState,
    pub answer: String,
    pub answered_on: Option<Date>,
}

/// The authority's finding that the catalogue is not shared as required.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogueFinding {
    pub no: u32,
    pub date: Date,
    pub problems: String,
    pub due: Date,
    pub fixed_on: Option<Date>,
    pub fix_note: String,
}

impl CatalogueFinding {
    pub fn obligation_code(&self, system: u32) -> String {
        format!("{CATALOGUE_PREFIX}{system}-{}", self.no)
    }
}

/// A system with everything recorded about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct System {
    pub no: u32,
    pub input: SystemInput,
    pub state: SystemState,
    /// 公共数据平台登记 (reference, date)
    pub registration: Option<(String, Date)>,
    pub went_live: Option<Date>,
    /// 系统备份 (date, note)
    pub backup: Option<(Date, String)>,
    pub stopped: Option<Date>,
    pub cloud: Vec<CloudResource>,
    pub security: Vec<SecurityRecord>,
    pub vulns: Vec<Vulnerability>,
    pub data: Vec<DataResource>,
    /// 数据共享申请 from other units.
    #[serde(default)]
    pub requests: Vec<DataRequest>,
    pub findings: Vec<CatalogueFinding>,
    /// The open yearly 等保测评 obligation (level ≥ 3).
    pub assessment_obligation: Option<String>,
    /// How many yearly assessment obligations were opened (numbers their codes).
    #[serde(default)]
    pub assessment_seq: u32,
}

/// Current totals of a system's cloud resources, per kind (released ones excluded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CloudTotal {
    pub kind: CloudKind,
    pub items: u32,
    pub quantity: u32,
}

impl System {
    pub fn new(no: u32, input: SystemInput) -> System {
        System {
            no,
            input,
            state: SystemState::Pending,
            registration: None,
            went_live: None,
            backup: None,
            stopped: None,
            cloud: vec![],
            security: vec![],
            vulns: vec![],
            data: vec![],
            requests: vec![],
            findings: vec![],
            assessment_obligation: None,
            assessment_seq: 0,
        }
    }
    pub fn active_cloud(&self) -> impl Iterator<Item = &CloudResource> {
        self.cloud.iter().filter(|c| c.released.is_none())
    }
    pub fn cloud_totals(&self) -> Vec<CloudTotal> {
        CloudKind::ALL
            .iter()
            .map(|k| {
                let xs: Vec<_> = self.active_cloud().filter(|c| c.kind == *k).collect();
                CloudTotal {
                    kind: *k,
                    items: xs.len() as u32,
                    quantity: xs.iter().map(|c| c.quantity).sum(),
                }
            })
            .filter(|t| t.items > 0)
            .collect()
    }
    pub fn has_security(&self, kind: SecurityKind) -> bool {
        self.security.iter().any(|s| s.kind == kind)
    }
    pub fn last_of(&self, kind: SecurityKind) -> Option<&SecurityRecord> {
        self.security
            .iter()
            .filter(|s| s.kind == kind)
            .max_by_key(|s| (s.date, s.no))
    }
    pub fn open_vulns(&self) -> impl Iterator<Item = &Vulnerability> {
        self.vulns.iter().filter(|v| v.state == VulnState::Open)
    }
    pub fn open_finding(&self) -> Option<&CatalogueFinding> {
        self.findings.iter().find(|f| f.fixed_on.is_none())
    }
    /// What still stands in the way of going live (Shaoxing art.36), in Chinese.
    pub fn go_live_missing(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.input.gov_cloud {
            for k in [SecurityKind::Report, SecurityKind::Plan] {
                if !self.has_security(k) {
                    out.push(k.label().to_string());
                }
            }
        }
        if self.input.internet_facing || self.input.level >= 2 {
            let filing = self.has_security(SecurityKind::Filing);
            let pentest = self
                .security
                .iter()
                .any(|s| s.kind == SecurityKind::Pentest && s.findings_fixed);
            if !filing && !pentest {
                out.push("等级保护测评备案证明或已整改到位的安全渗透测试报告".into());
            }
        }
        out
    }
    fn next_cloud_no(&self) -> u32 {
        self.cloud.iter().map(|c| c.no).max().unwrap_or(0) + 1
    }
    fn next_security_no(&self) -> u32 {
        self.security.iter().map(|c| c.no).max().unwrap_or(0) + 1
    }
    fn next_vuln_no(&self) -> u32 {
        self.vulns.iter().map(|c| c.no).max().unwrap_or(0) + 1
    }
    fn next_data_no(&self) -> u32 {
        self.data.iter().map(|c| c.no).max().unwrap_or(0) + 1
    }
    fn next_request_no(&self) -> u32 {
        self.requests.iter().map(|c| c.no).max().unwrap_or(0) + 1
    }
    fn next_finding_no(&self) -> u32 {
        self.findings.iter().map(|c| c.no).max().unwrap_or(0) + 1
    }
}

/// The systems of a project, as loaded by the store.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpsState {
    pub systems: Vec<System>,
}

impl OpsState {
    pub fn system(&self, no: u32) -> Option<&System> {
        self.systems.iter().find(|s| s.no == no)
    }
}

/// What someone asks to do to a system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum OpCommand {
    /// 登记信息系统（运维单位、运维制度、运维经费、等保级别）
    AddSystem { input: SystemInput },
    /// 修改运维信息
    EditSystem { system: u32, input: SystemInput },
    /// 公共数据平台信息系统登记
    Register {
        system: u32,
        reference: String,
        date: Date,
    },
    /// 申请云资源
    RequestCloud {
        system: u32,
        kind: CloudKind,
        spec: String,
        quantity: u32,
    },
    /// 云资源变更（增加或减配）
    ChangeCloud {
        system: u32,
        resource: u32,
        spec: String,
        quantity: u32,
    },
    /// 注销云资源
    ReleaseCloud { system: u32, resource: u32 },
    /// 安全记录（备案、测评、密评、评估报告、安全方案、渗透测试）
    RecordSecurity {
        system: u32,
        kind: SecurityKind,
        reference: String,
        date: Date,
        findings_fixed: bool,
        note: String,
    },
    /// 上线（含漏洞修复后重新上线）; `override_reason` answers the 密评 default rule
    GoLive {
        system: u32,
        date: Date,
        override_reason: Option<String>,
    },
    /// 登记安全隐患或漏洞（修复期限）
    ReportVuln {
        system: u32,
        description: String,
        found: Date,
        fix_deadline: Date,
    },
    /// 漏洞已修复
    FixVuln {
        system: u32,
        vuln: u32,
        date: Date,
        note: String,
    },
    /// 漏洞无法修复：系统关停
    VulnUnfixable {
        system: u32,
        vuln: u32,
        date: Date,
        note: String,
    },
    /// 系统备份
    Backup {
        system: u32,
        date: Date,
        note: String,
    },
    /// 系统停用：关停并注销全部云资源
    Stop {
        system: u32,
        date: Date,
        reason: String,
    },
    /// 编制数据资源目录
    AddData {
        system: u32,
        name: String,
        unit: String,
        format: String,
        share: ShareAttr,
        open: OpenAttr,
    },
    /// 主管部门：数据目录未按共享规范要求共享
    CatalogueFinding {
        system: u32,
        date: Date,
        problems: String,
    },
    /// 建设单位：目录整改完成
    CatalogueFixed {
        system: u32,
        finding: u32,
        date: Date,
        note: String,
    },
    /// 其他单位通过平台申请共享数据资源
    RequestData {
        system: u32,
        resource: u32,
        purpose: String,
    },
    /// 建设单位答复共享申请（不予共享须说明理由）
    AnswerDataRequest {
        system: u32,
        request: u32,
        agree: bool,
        reason: String,
    },
}

impl OpCommand {
    pub fn code(&self) -> &'static str {
        match self {
            OpCommand::AddSystem { .. } => "add_system",
            OpCommand::EditSystem { .. } => "edit_system",
            OpCommand::Register { .. } => "register_system",
            OpCommand::RequestCloud { .. } => "request_cloud",
            OpCommand::ChangeCloud { .. } => "change_cloud",
            OpCommand::ReleaseCloud { .. } => "release_cloud",
            OpCommand::RecordSecurity { .. } => "record_security",
            OpCommand::GoLive { .. } => "go_live",
            OpCommand::ReportVuln { .. } => "report_vuln",
            OpCommand::FixVuln { .. } => "fix_vuln",
            OpCommand::VulnUnfixable { .. } => "vuln_unfixable",
            OpCommand::Backup { .. } => "backup_system",
            OpCommand::Stop { .. } => "stop_system",
            OpCommand::AddData { .. } => "add_data_resource",
            OpCommand::CatalogueFinding { .. } => "catalogue_finding",
            OpCommand::CatalogueFixed { .. } => "catalogue_fixed",
            OpCommand::RequestData { .. } => "request_data",
            OpCommand::AnswerDataRequest { .. } => "answer_data_request",
        }
    }
}

/// Action codes of this module (forms and API paths).
pub const ACTIONS: [&str; 18] = [
    "add_system",
    "edit_system",
    "register_system",
    "request_cloud",
    "change_cloud",
    "release_cloud",
    "record_security",
    "go_live",
    "report_vuln",
    "fix_vuln",
    "vuln_unfixable",
    "backup_system",
    "stop_system",
    "add_data_resource",
    "catalogue_finding",
    "catalogue_fixed",
    "request_data",
    "answer_data_request",
];

pub fn action_label(code: &str) -> Option<&'static str> {
    Some(match code {
        "add_system" => "登记信息系统",
        "edit_system" => "修改系统运维信息",
        "register_system" => "公共数据平台登记",
        "request_cloud" => "申请云资源",
        "change_cloud" => "变更云资源",
        "release_cloud" => "注销云资源",
        "record_security" => "登记安全记录",
        "go_live" => "系统上线",
        "report_vuln" => "登记安全隐患",
        "fix_vuln" => "安全隐患已修复",
        "vuln_unfixable" => "安全隐患无法修复，关停系统",
        "backup_system" => "系统备份",
        "stop_system" => "系统停用",
        "add_data_resource" => "编制数据资源目录",
        "catalogue_finding" => "数据目录合规检查",
        "catalogue_fixed" => "数据目录整改完成",
        "request_data" => "申请共享数据资源",
        "answer_data_request" => "答复数据共享申请",
        "take_down" => "应用下架",
        _ => return None,
    })
}

/// What happened to a system (kept whole in the history payload; see [`apply`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum OpEvent {
    SystemAdded {
        system: u32,
        input: SystemInput,
    },
    SystemEdited {
        system: u32,
        input: SystemInput,
    },
    Registered {
        system: u32,
        reference: String,
        date: Date,
    },
    CloudRequested {
        system: u32,
        resource: CloudResource,
    },
    CloudChanged {
        system: u32,
        resource: u32,
        spec: String,
        from: u32,
        quantity: u32,
    },
    CloudReleased {
        system: u32,
        resource: u32,
        date: Date,
    },
    SecurityRecorded {
        system: u32,
        record: SecurityRecord,
        /// The yearly assessment obligation this record fulfils.
        fulfils: Option<String>,
        /// The next yearly assessment obligation it opens: (code, trigger date).
        opens: Option<(String, Date)>,
    },
    WentLive {
        system: u32,
        date: Date,
        opens: Option<(String, Date)>,
    },
    VulnReported {
        system: u32,
        vuln: Vulnerability,
    },
    VulnFixed {
        system: u32,
        vuln: u32,
        date: Date,
        note: String,
    },
    /// Cannot be fixed: the system is shut down (Shaoxing art.37).
    VulnUnfixable {
        system: u32,
        vuln: u32,
        date: Date,
        note: String,
    },
    BackedUp {
        system: u32,
        date: Date,
        note: String,
    },
    Stopped {
        system: u32,
        date: Date,
        reason: String,
    },
    DataAdded {
        system: u32,
        resource: DataResource,
    },
    FindingRecorded {
        system: u32,
        finding: CatalogueFinding,
    },
    FindingFixed {
        system: u32,
        finding: u32,
        date: Date,
        note: String,
    },
    DataRequested {
        system: u32,
        request: DataRequest,
    },
    DataRequestAnswered {
        system: u32,
        request: u32,
        state: RequestState,
        reason: String,
        date: Date,
    },
    /// The authority confirmed the take-down proposed after the fix window.
    TakenDown {
        system: u32,
    },
}

impl OpEvent {
    pub fn system(&self) -> u32 {
        match self {
            OpEvent::SystemAdded { system, .. }
            | OpEvent::SystemEdited { system, .. }
            | OpEvent::Registered { system, .. }
            | OpEvent::CloudRequested { system, .. }
            | OpEvent::CloudChanged { system, .. }
            | OpEvent::CloudReleased { system, .. }
            | OpEvent::SecurityRecorded { system, .. }
            | OpEvent::WentLive { system, .. }
            | OpEvent::VulnReported { system, .. }
            | OpEvent::VulnFixed { system, .. }
            | OpEvent::VulnUnfixable { system, .. }
            | OpEvent::BackedUp { system, .. }
            | OpEvent::Stopped { system, .. }
            | OpEvent::DataAdded { system, .. }
            | OpEvent::FindingRecorded { system, .. }
            | OpEvent::FindingFixed { system, .. }
            | OpEvent::DataRequested { system, .. }
            | OpEvent::DataRequestAnswered { system, .. }
            | OpEvent::TakenDown { system } => *system,
        }
    }
}

/// How an event changes its system (the store applies exactly this).
pub fn apply(s: &mut System, e: &OpEvent) {
    match e {
        OpEvent::SystemAdded { system, input } => *s = System::new(*system, input.clone()),
        OpEvent::SystemEdited { input, .. } => s.input = input.clone(),
        OpEvent::Registered {
            reference, date, ..
        } => s.registration = Some((reference.clone(), *date)),
        OpEvent::CloudRequested { resource, .. } => s.cloud.push(resource.clone()),
        OpEvent::CloudChanged {
            resource,
            spec,
            quantity,
            ..
        } => {
            if let Some(c) = s.cloud.iter_mut().find(|c| c.no == *resource) {
                c.spec = spec.clone();
                c.quantity = *quantity;
            }
        }
        OpEvent::CloudReleased { resource, date, .. } => {
            if let Some(c) = s.cloud.iter_mut().find(|c| c.no == *resource) {
                c.released = Some(*date);
            }
        }
        OpEvent::SecurityRecorded { record, opens, .. } => {
            s.security.push(record.clone());
            if let Some((code, _)) = opens {
                s.assessment_obligation = Some(code.clone());
                s.assessment_seq += 1;
            }
        }
        OpEvent::WentLive { date, opens, .. } => {
            s.state = SystemState::Live;
            if s.went_live.is_none() {
                s.went_live = Some(*date);
            }
            if let Some((code, _)) = opens {
                s.assessment_obligation = Some(code.clone());
                s.assessment_seq += 1;
            }
        }
        OpEvent::VulnReported { vuln, .. } => s.vulns.push(vuln.clone()),
        OpEvent::VulnFixed {
            vuln, date, note, ..
        } => {
            if let Some(v) = s.vulns.iter_mut().find(|v| v.no == *vuln) {
                v.state = VulnState::Fixed;
                v.closed_on = Some(*date);
                v.note = note.clone();
            }
        }
        OpEvent::VulnUnfixable {
            vuln, date, note, ..
        } => {
            if let Some(v) = s.vulns.iter_mut().find(|v| v.no == *vuln) {
                v.state = VulnState::Unfixable;
                v.closed_on = Some(*date);
                v.note = note.clone();
            }
            s.state = SystemState::ShutDown;
        }
        OpEvent::BackedUp { date, note, .. } => s.backup = Some((*date, note.clone())),
        OpEvent::Stopped { date, .. } => {
            s.state = SystemState::Stopped;
            s.stopped = Some(*date);
            s.assessment_obligation = None;
        }
        OpEvent::DataAdded { resource, .. } => s.data.push(resource.clone()),
        OpEvent::FindingRecorded { finding, .. } => s.findings.push(finding.clone()),
        OpEvent::FindingFixed {
            finding,
            date,
            note,
            ..
        } => {
            if let Some(f) = s.findings.iter_mut().find(|f| f.no == *finding) {
                f.fixed_on = Some(*date);
                f.fix_note = note.clone();
            }
        }
        OpEvent::TakenDown { .. } => s.state = SystemState::TakenDown,
        OpEvent::DataRequested { request, .. } => s.requests.push(request.clone()),
        OpEvent::DataRequestAnswered {
            request,
            state,
            reason,
            date,
            ..
        } => {
            if let Some(r) = s.requests.iter_mut().find(|r| r.no == *request) {
                r.state = *state;
                r.answer = reason.clone();
                r.answered_on = Some(*date);
            }
        }
    }
}

/// Apply a decision's operation events to a loaded state (as the store does).
pub fn apply_all(ops: &mut OpsState, events: &[Event]) {
    for e in events {
        if let Event::Operation { op } = e {
            let no = op.system();
            if let OpEvent::SystemAdded { .. } = op {
                ops.systems.push(System::new(no, placeholder()));
            }
            if let Some(s) = ops.systems.iter_mut().find(|s| s.no == no) {
                apply(s, op);
            }
        }
    }
}

fn placeholder() -> SystemInput {
    SystemInput {
        name: String::new(),
        operating_body: String::new(),
        responsible_person: String::new(),
        om_rules: String::new(),
        om_amount: Yuan::ZERO,
        internet_facing: false,
        gov_cloud: false,
        level: 1,
        important: false,
    }
}

/// The next yearly 等保测评 obligation of a system: (code, trigger). It falls due one year after
/// the trigger (the last assessment, or going live without one).
fn yearly(s: &System, trigger: Date) -> (String, Date) {
    (
        format!("{ASSESSMENT_PREFIX}{}-{}", s.no, s.assessment_seq + 1),
        trigger,
    )
}

/// May the actor run the systems of this project? (the unit that built it: 谁建设谁负责)
fn own(project: &Project, actor: &Actor) -> bool {
    actor.has(Role::Unit) && actor.unit_id == project.unit_id
}

/// The unit may record and run the project's systems now (pages show its forms from this).
pub fn may_run(actor: &Actor, project: &Project) -> bool {
    own(project, actor) && OPS_STAGES.contains(&project.stage)
}

/// Another unit may request the project's data resources through the platform now (art.31).
pub fn may_request_data(actor: &Actor, project: &Project) -> bool {
    actor.has(Role::Unit) && !own(project, actor) && OPS_STAGES.contains(&project.stage)
}

/// The competent authority over the project may record catalogue compliance findings now.
pub fn may_record_findings(actor: &Actor, project: &Project) -> bool {
    authority(project, actor) && OPS_STAGES.contains(&project.stage)
}

fn authority(project: &Project, actor: &Actor) -> bool {
    actor.has(Role::Authority) && actor.covers(&project.jurisdiction_path)
}

/// Decide what an operation command does. See the module doc.
pub fn decide(
    project: &Project,
    ops: &OpsState,
    actor: &Actor,
    cmd: OpCommand,
    today: Date,
) -> Result<Decision, Refusal> {
    if !can_view(actor, project, false) {
        return Err(Refusal::NotVisible);
    }
    let action = cmd.code();
    let label = action_label(action).unwrap_or("操作");
    if matches!(cmd, OpCommand::CatalogueFinding { .. }) {
        if !authority(project, actor) {
            return Err(Refusal::Forbidden(format!("只有主管部门可以{label}")));
        }
    } else if matches!(cmd, OpCommand::RequestData { .. }) {
        if !actor.has(Role::Unit) || own(project, actor) {
            return Err(Refusal::Forbidden(
                "只有其他单位可以通过平台申请共享本系统的数据资源".into(),
            ));
        }
    } else if !own(project, actor) {
        return Err(Refusal::Forbidden(format!(
            "只有本项目的建设单位（{}）可以{label}",
            project.unit_name
        )));
    }
    if !OPS_STAGES.contains(&project.stage) {
        return Err(Refusal::WrongStage {
            stage: project.stage.label(),
            action: label,
        });
    }
    let get = |no: u32| -> Result<&System, Refusal> {
        ops.system(no)
            .ok_or_else(|| invalid("system", "没有这个信息系统"))
    };
    let not_after_today = |field: &str, d: Date| -> Result<(), Refusal> {
        if d > today {
            Err(invalid(field, "日期不能晚于今天"))
        } else {
            Ok(())
        }
    };
    // A stopped or taken-down system takes no more changes but its own records.
    let running = |s: &System| -> Result<(), Refusal> {
        match s.state {
            SystemState::Stopped | SystemState::TakenDown => Err(Refusal::Invalid {
                field: "system".into(),
                message: format!("系统「{}」{}，不能{label}", s.input.name, s.state.label()),
            }),
            _ => Ok(()),
        }
    };
    let mut events = Vec::new();
    let mut opinion = String::new();
    let summary: String;
    macro_rules! push {
        ($e:expr) => {
            events.push(Event::Operation { op: $e })
        };
    }
    match cmd {
        OpCommand::AddSystem { input } => {
            input.validate()?;
            let no = ops.systems.iter().map(|s| s.no).max().unwrap_or(0) + 1;
            summary = format!(
                "登记信息系统「{}」：运维单位 {}，等保{}级，年运维经费 {} 元",
                input.name,
                input.operating_body,
                input.level,
                input.om_amount.grouped()
            );
            push!(OpEvent::SystemAdded { system: no, input });
        }
        OpCommand::EditSystem { system, input } => {
            let s = get(system)?;
            running(s)?;
            input.validate()?;
            summary = format!("修改系统「{}」运维信息", input.name);
            push!(OpEvent::SystemEdited { system, input });
        }
        OpCommand::Register {
            system,
            reference,
            date,
        } => {
            let s = get(system)?;
            running(s)?;
            need_text("reference", &reference, "登记编号")?;
            not_after_today("date", date)?;
            if s.registration.is_some() {
                return Err(invalid("system", "该系统已在公共数据平台登记"));
            }
            summary = format!(
                "系统「{}」在公共数据平台完成登记：{reference}",
                s.input.name
            );
            push!(OpEvent::Registered {
                system,
                reference,
                date,
            });
        }
        OpCommand::RequestCloud {
            system,
            kind,
            spec,
            quantity,
        } => {
            let s = get(system)?;
            running(s)?;
            if s.registration.is_none() {
                return Err(rule(
                    format!(
                        "系统「{}」尚未通过公共数据平台完成信息系统登记，不能申请云资源",
                        s.input.name
                    ),
                    &cite("第二十九条"),
                ));
            }
            need_text("spec", &spec, "规格")?;
            if quantity == 0 {
                return Err(invalid("quantity", "数量须大于 0"));
            }
            summary = format!(
                "系统「{}」申请云资源：{} {spec} × {quantity}",
                s.input.name,
                kind.label()
            );
            push!(OpEvent::CloudRequested {
                system,
                resource: CloudResource {
                    no: s.next_cloud_no(),
                    kind,
                    spec,
                    quantity,
                    requested: today,
                    released: None,
                },
            });
        }
        OpCommand::ChangeCloud {
            system,
            resource,
            spec,
            quantity,
        } => {
            let s = get(system)?;
            running(s)?;
            let c = s
                .active_cloud()
                .find(|c| c.no == resource)
                .ok_or_else(|| invalid("resource", "没有这项在用的云资源"))?;
            if quantity == 0 {
                return Err(invalid("quantity", "数量须大于 0；不再使用请注销"));
            }
            let spec = if spec.trim().is_empty() {
                c.spec.clone()
            } else {
                spec
            };
            if spec == c.spec && quantity == c.quantity {
                return Err(invalid("quantity", "规格和数量都没有变化"));
            }
            let dir = if quantity >= c.quantity {
                "增加"
            } else {
                "减配"
            };
            summary = format!(
                "系统「{}」云资源{dir}：{} {} × {} → {spec} × {quantity}",
                s.input.name,
                c.kind.label(),
                c.spec,
                c.quantity
            );
            push!(OpEvent::CloudChanged {
                system,
                resource,
                spec,
                from: c.quantity,
                quantity,
            });
        }
        OpCommand::ReleaseCloud { system, resource } => {
            let s = get(system)?;
            let c = s
                .active_cloud()
                .find(|c| c.no == resource)
                .ok_or_else(|| invalid("resource", "没有这项在用的云资源"))?;
            summary = format!(
                "系统「{}」注销云资源：{} {} × {}",
                s.input.name,
                c.kind.label(),
                c.spec,
                c.quantity
            );
            push!(OpEvent::CloudReleased {
                system,
                resource,
                date: today,
            });
        }
        OpCommand::RecordSecurity {
            system,
            kind,
            reference,
            date,
            findings_fixed,
            note,
        } => {
            let s = get(system)?;
            running(s)?;
            need_text("reference", &reference, "编号或报告名称")?;
            not_after_today("date", date)?;
            let (fulfils, opens) = if kind == SecurityKind::Assessment && s.input.level >= 3 {
                (s.assessment_obligation.clone(), Some(yearly(s, date)))
            } else {
                (None, None)
            };
            summary = format!(
                "系统「{}」{}：{reference}（{date}）{}",
                s.input.name,
                kind.label(),
                if kind == SecurityKind::Pentest {
                    if findings_fixed {
                        "，已根据报告整改到位"
                    } else {
                        "，尚未整改到位"
                    }
                } else {
                    ""
                }
            );
            opinion = note.clone();
            push!(OpEvent::SecurityRecorded {
                system,
                record: SecurityRecord {
                    no: s.next_security_no(),
                    kind,
                    reference,
                    date,
                    findings_fixed,
                    note,
                },
                fulfils,
                opens,
            });
        }
        OpCommand::GoLive {
            system,
            date,
            override_reason,
        } => {
            let s = get(system)?;
            running(s)?;
            not_after_today("date", date)?;
            match s.state {
                SystemState::Live => return Err(invalid("system", "系统已在运行")),
                SystemState::ShutDown => {
                    // 安全隐患消除后，方可重新上线运行 (art.37).
                    if let Some(v) = s.vulns.iter().find(|v| v.state != VulnState::Fixed) {
                        return Err(rule(
                            format!(
                                "系统因安全隐患关停：隐患「{}」{}，须记录修复后方可重新上线",
                                v.description,
                                v.state.label()
                            ),
                            &cite("第三十七条"),
                        ));
                    }
                }
                _ => {}
            }
            let missing = s.go_live_missing();
            if !missing.is_empty() {
                return Err(rule(
                    format!(
                        "系统「{}」上线前须提供：{}",
                        s.input.name,
                        missing.join("、")
                    ),
                    &cite("第三十六条"),
                ));
            }
            if s.state == SystemState::Pending {
                if let Some(v) = s.open_vulns().next() {
                    return Err(rule(
                        format!("存在未修复的安全隐患「{}」，修复后方可上线", v.description),
                        &cite("第三十七条"),
                    ));
                }
            }
            // 重要信息系统应当开展商用密码应用安全性评估 — no date or consequence in the
            // text: warn, go ahead with a recorded reason (SPEC §0).
            if s.input.important && !s.has_security(SecurityKind::Crypto) {
                match override_reason
                    .as_deref()
                    .map(str::trim)
                    .filter(|r| !r.is_empty())
                {
                    // Signed off by the competent authority (the approver of the platform's
                    // other security default rules is named by the profile; this one is not
                    // in it yet).
                    Some(reason) => events.push(Event::OverrideRecorded {
                        rule: "crypto_assessment".into(),
                        reason: reason.into(),
                        cite: sc_security_cite(),
                        approver: Some(crate::Role::Authority),
                        text: "重要信息系统应当开展商用密码应用安全性评估".into(),
                    }),
                    None => {
                        return Err(Refusal::NeedsOverride {
                            rule: "crypto_assessment".into(),
                            message: format!(
                                "重要信息系统「{}」应当开展商用密码应用安全性评估，尚无密评记录",
                                s.input.name
                            ),
                            cite: sc_security_cite(),
                        })
                    }
                }
            }
            let opens = if s.input.level >= 3 && s.assessment_obligation.is_none() {
                let trigger = s
                    .last_of(SecurityKind::Assessment)
                    .map(|a| a.date)
                    .unwrap_or(date);
                Some(yearly(s, trigger))
            } else {
                None
            };
            summary = if s.state == SystemState::ShutDown {
                format!("系统「{}」安全隐患已消除，重新上线运行", s.input.name)
            } else {
                format!("系统「{}」上线运行", s.input.name)
            };
            events.push(Event::Operation {
                op: OpEvent::WentLive {
                    system,
                    date,
                    opens,
                },
            });
        }
        OpCommand::ReportVuln {
            system,
            description,
            found,
            fix_deadline,
        } => {
            let s = get(system)?;
            running(s)?;
            need_text("description", &description, "隐患或漏洞描述")?;
            not_after_today("found", found)?;
            if fix_deadline < found {
                return Err(invalid("fix_deadline", "修复期限不能早于发现日期"));
            }
            summary = format!(
                "系统「{}」登记安全隐患：{description}，{fix_deadline} 前修复",
                s.input.name
            );
            push!(OpEvent::VulnReported {
                system,
                vuln: Vulnerability {
                    no: s.next_vuln_no(),
                    description,
                    found,
                    fix_deadline,
                    state: VulnState::Open,
                    closed_on: None,
                    note: String::new(),
                },
            });
        }
        OpCommand::FixVuln {
            system,
            vuln,
            date,
            note,
        }
        | OpCommand::VulnUnfixable {
            system,
            vuln,
            date,
            note,
        } => {
            let unfixable = action == "vuln_unfixable";
            let s = get(system)?;
            running(s)?;
            not_after_today("date", date)?;
            need_text(
                "note",
                &note,
                if unfixable {
                    "无法修复的原因"
                } else {
                    "修复情况"
                },
            )?;
            let v = s
                .vulns
                .iter()
                .find(|v| v.no == vuln)
                .ok_or_else(|| invalid("vuln", "没有这条安全隐患"))?;
            let fixable_states: &[VulnState] = if unfixable {
                &[VulnState::Open]
            } else {
                &[VulnState::Open, VulnState::Unfixable]
            };
            if !fixable_states.contains(&v.state) {
                return Err(invalid("vuln", format!("该隐患{}", v.state.label())));
            }
            opinion = note.clone();
            if unfixable {
                summary = format!(
                    "系统「{}」安全隐患「{}」无法修复，系统关停",
                    s.input.name, v.description
                );
                push!(OpEvent::VulnUnfixable {
                    system,
                    vuln,
                    date,
                    note,
                });
            } else {
                summary = format!(
                    "系统「{}」安全隐患「{}」已修复{}",
                    s.input.name,
                    v.description,
                    if date > v.fix_deadline {
                        format!("（超过修复期限 {}）", v.fix_deadline)
                    } else {
                        String::new()
                    }
                );
                push!(OpEvent::VulnFixed {
                    system,
                    vuln,
                    date,
                    note,
                });
            }
        }
        OpCommand::Backup { system, date, note } => {
            let s = get(system)?;
            running(s)?;
            not_after_today("date", date)?;
            need_text("note", &note, "备份说明（备份内容、存放位置）")?;
            summary = format!("系统「{}」完成备份（{date}）", s.input.name);
            opinion = note.clone();
            push!(OpEvent::BackedUp { system, date, note });
        }
        OpCommand::Stop {
            system,
            date,
            reason,
        } => {
            let s = get(system)?;
            running(s)?;
            not_after_today("date", date)?;
            need_text("reason", &reason, "停用原因")?;
            if s.backup.is_none() {
                return Err(rule(
                    format!("系统「{}」停用前须先做好系统备份并记录", s.input.name),
                    &cite("第十八条"),
                ));
            }
            let released: Vec<u32> = s.active_cloud().map(|c| c.no).collect();
            summary = format!(
                "系统「{}」停用：关停系统{}",
                s.input.name,
                if released.is_empty() {
                    String::new()
                } else {
                    format!("，注销云资源 {} 项", released.len())
                }
            );
            opinion = reason.clone();
            for r in released {
                push!(OpEvent::CloudReleased {
                    system,
                    resource: r,
                    date,
                });
            }
            push!(OpEvent::Stopped {
                system,
                date,
                reason,
            });
        }
        OpCommand::AddData {
            system,
            name,
            unit,
            format,
            share,
            open,
        } => {
            let s = get(system)?;
            running(s)?;
            need_text("name", &name, "资源名称")?;
            need_text("unit", &unit, "责任单位")?;
            need_text("format", &format, "数据格式")?;
            summary = format!(
                "系统「{}」数据资源目录：{name}（{}，{}）",
                s.input.name,
                share.label(),
                open.label()
            );
            push!(OpEvent::DataAdded {
                system,
                resource: DataResource {
                    no: s.next_data_no(),
                    name,
                    unit,
                    format,
                    share,
                    open,
                },
            });
        }
        OpCommand::RequestData {
            system,
            resource,
            purpose,
        } => {
            let s = get(system)?;
            running(s)?;
            let r = s
                .data
                .iter()
                .find(|r| r.no == resource)
                .ok_or_else(|| invalid("resource", "目录中没有这项数据资源"))?;
            need_text("purpose", &purpose, "用途（共享范围和用途）")?;
            if r.share == ShareAttr::None {
                return Err(rule(
                    format!("数据资源「{}」在目录中为不予共享", r.name),
                    &cite("第二十六条"),
                ));
            }
            if s.requests.iter().any(|q| {
                q.resource == resource
                    && q.unit_id == actor.unit_id
                    && q.state != RequestState::Refused
            }) {
                return Err(invalid("resource", "本单位已申请过这项数据资源"));
            }
            // 无条件共享: granted on request; 有条件共享: the providing unit answers.
            let state = if r.share == ShareAttr::Unconditional {
                RequestState::Granted
            } else {
                RequestState::Pending
            };
            summary = format!(
                "{} 通过平台申请共享系统「{}」的数据资源「{}」（{}）{}",
                actor.unit_name,
                s.input.name,
                r.name,
                r.share.label(),
                if state == RequestState::Granted {
                    "，无条件共享，申请即获同意"
                } else {
                    "，待建设单位答复"
                }
            );
            opinion = purpose.clone();
            push!(OpEvent::DataRequested {
                system,
                request: DataRequest {
                    no: s.next_request_no(),
                    resource,
                    resource_name: r.name.clone(),
                    unit_id: actor.unit_id,
                    unit_name: actor.unit_name.clone(),
                    purpose,
                    date: today,
                    answered_on: (state == RequestState::Granted).then_some(today),
                    state,
                    answer: String::new(),
                },
            });
        }
        OpCommand::AnswerDataRequest {
            system,
            request,
            agree,
            reason,
        } => {
            let s = get(system)?;
            running(s)?;
            let q = s
                .requests
                .iter()
                .find(|q| q.no == request && q.state == RequestState::Pending)
                .ok_or_else(|| invalid("request", "没有待答复的共享申请"))?;
            if !agree {
                // 共享为原则，不共享为例外: a refusal says why.
                need_text("reason", &reason, "不予共享的理由")?;
            }
            let state = if agree {
                RequestState::Granted
            } else {
                RequestState::Refused
            };
            summary = format!(
                "答复 {} 对「{}」的共享申请：{}",
                q.unit_name,
                q.resource_name,
                state.label()
            );
            opinion = reason.clone();
            push!(OpEvent::DataRequestAnswered {
                system,
                request,
                state,
                reason,
                date: today,
            });
        }
        OpCommand::CatalogueFinding {
            system,
            date,
            problems,
        } => {
            let s = get(system)?;
            running(s)?;
            not_after_today("date", date)?;
            need_text("problems", &problems, "不符合共享规范要求的问题")?;
            if s.open_finding().is_some() {
                return Err(invalid("system", "该系统已有整改中的目录检查意见"));
            }
            let due = add_months(date, CATALOGUE_FIX_MONTHS);
            summary = format!(
                "系统「{}」数据目录未按共享规范要求共享，限 {due} 前整改",
                s.input.name
            );
            opinion = problems.clone();
            push!(OpEvent::FindingRecorded {
                system,
                finding: CatalogueFinding {
                    no: s.next_finding_no(),
                    date,
                    problems,
                    due,
                    fixed_on: None,
                    fix_note: String::new(),
                },
            });
        }
        OpCommand::CatalogueFixed {
            system,
            finding,
            date,
            note,
        } => {
            let s = get(system)?;
            running(s)?;
            not_after_today("date", date)?;
            need_text("note", &note, "整改情况")?;
            let f = s
                .findings
                .iter()
                .find(|f| f.no == finding && f.fixed_on.is_none())
                .ok_or_else(|| invalid("finding", "没有待整改的目录检查意见"))?;
            summary = format!(
                "系统「{}」数据目录整改完成{}",
                s.input.name,
                if date > f.due {
                    format!("（超过整改期限 {}）", f.due)
                } else {
                    String::new()
                }
            );
            opinion = note.clone();
            push!(OpEvent::FindingFixed {
                system,
                finding,
                date,
                note,
            });
        }
    }
    Ok(Decision {
        action: action.into(),
        from: project.stage,
        to: project.stage,
        events,
        summary,
        opinion,
    })
}

/// The confirmed take-down of a system whose catalogue was not fixed in time: the obligation
/// code names the system (`catalogue-fix-{system}-{finding}`).
pub fn take_down_event(obligation: &str) -> Option<Event> {
    let rest = obligation.strip_prefix(CATALOGUE_PREFIX)?;
    let system = rest.split('-').next()?.parse().ok()?;
    Some(Event::Operation {
        op: OpEvent::TakenDown { system },
    })
}

/// 强制淘汰 (Shangcheng 第九章: 对低绩且未按期整改的应用 … 给予强制淘汰): the retired project's
/// systems still running are taken down and their cloud released, on the confirmation's date.
pub fn retirement_events(ops: &OpsState, date: Date) -> Vec<Event> {
    let mut out = Vec::new();
    for s in &ops.systems {
        if matches!(s.state, SystemState::Stopped | SystemState::TakenDown) {
            continue;
        }
        for c in s.active_cloud() {
            out.push(Event::Operation {
                op: OpEvent::CloudReleased {
                    system: s.no,
                    resource: c.no,
                    date,
                },
            });
        }
        out.push(Event::Operation {
            op: OpEvent::TakenDown { system: s.no },
        });
    }
    out
}

pub fn take_down_consequence() -> &'static str {
    "数据目录未按共享规范要求在3个月内完成整改，予以下架"
}

/// The obligations an operation event creates or fulfils (`today`: the day it is recorded).
pub fn obligation_changes(op: &OpEvent, cal: &Calendar, today: Date, c: &mut Changes) {
    match op {
        OpEvent::SecurityRecorded {
            record,
            fulfils,
            opens,
            ..
        } => {
            if let Some(code) = fulfils {
                c.fulfil.push((code.clone(), record.date.min(today)));
            }
            if let Some((code, trigger)) = opens {
                c.new.push(assessment_obligation(cal, code, *trigger));
            }
        }
        OpEvent::WentLive {
            opens: Some((code, trigger)),
            ..
        } => c.new.push(assessment_obligation(cal, code, *trigger)),
        OpEvent::Stopped { system, date, .. } => {
            // The system's yearly assessments end with it: one already due lapses unmet; so do
            // the fixes of its open vulnerabilities.
            c.lapse_prefix = Some((format!("{ASSESSMENT_PREFIX}{system}-"), *date));
            c.also_lapse
                .push((format!("{VULN_PREFIX}{system}-"), *date));
        }
        // Shaoxing art.37: 存在安全隐患和系统漏洞的，应及时修复 — the fix is due by the deadline
        // the unit recorded; fixed, or (unfixable) the system shut down, the duty is met.
        OpEvent::VulnReported { system, vuln } => c.new.push(NewObligation {
            code: vuln_obligation_code(*system, vuln.no),
            title: format!(
                "安全隐患「{}」在修复期限前修复；无法修复的，系统予以关停",
                vuln.description
            ),
            cite: cite("第三十七条"),
            trigger: vuln.found,
            due: vuln.fix_deadline,
            owner: Role::Unit,
            warning: None,
        }),
        OpEvent::VulnFixed {
            system, vuln, date, ..
        }
        | OpEvent::VulnUnfixable {
            system, vuln, date, ..
        } => c
            .fulfil
            .push((vuln_obligation_code(*system, *vuln), (*date).min(today))),
        OpEvent::FindingRecorded { system, finding } => {
            let due = cal.add_months(finding.date, CATALOGUE_FIX_MONTHS);
            c.new.push(NewObligation {
                code: finding.obligation_code(*system),
                title: format!(
                    "数据目录未按共享规范要求共享：{}个月内完成整改，逾期予以下架",
                    CATALOGUE_FIX_MONTHS
                ),
                cite: sc_catalogue_cite(),
                trigger: finding.date,
                warning: due.warning(),
                due: due.date,
                owner: Role::Unit,
            })
        }
        // Taken down: the open fix duty ends unmet.
        OpEvent::TakenDown { system } => {
            c.lapse_prefix = Some((format!("{CATALOGUE_PREFIX}{system}-"), today));
        }
        OpEvent::FindingFixed {
            system,
            finding,
            date,
            ..
        } => c
            .fulfil
            .push((format!("{CATALOGUE_PREFIX}{system}-{finding}"), *date)),
        _ => {}
    }
}

/// The next yearly 等保测评: one year after `trigger` (calendar period; a last day on a rest
/// day moves to the next working day, SPEC §0).
fn assessment_obligation(cal: &Calendar, code: &str, trigger: Date) -> NewObligation {
    let due = cal.add_months(trigger, 12);
    NewObligation {
        code: code.to_string(),
        title: "网络安全等级保护第三级（含）以上系统每年开展一次等保测评".into(),
        cite: sc_security_cite(),
        trigger,
        warning: due.warning(),
        due: due.date,
        owner: Role::Unit,
    }
}

/// The rules of this module with their citations (for the 政策规则 page).
pub fn rules() -> Vec<(String, Citation)> {
    vec![
        (
            "项目建成后的运行管理实行项目建设单位负责制：确定运行机构，制定管理制度，落实运行维护费用".into(),
            cite("第二十条"),
        ),
        (
            "申请云资源前须通过公共数据平台完成信息系统登记".into(),
            cite("第二十九条"),
        ),
        (
            "系统运行中及时申请增加或减配云资源；系统停用后做好备份、关停系统并注销云资源（未记录备份不能停用）".into(),
            cite("第十八条"),
        ),
        (
            "使用政务云的系统上线前须提供安全评估报告及信息安全方案；部署于互联网或等保二级及以上的系统还须提交等保测评备案证明或已整改到位的渗透测试报告".into(),
            cite("第三十六条"),
        ),
        (
            "等保第三级（含）以上系统每年开展一次等保测评（自上次测评起一年）；重要信息系统开展密评（上线时无密评记录须填写理由）".into(),
            sc_security_cite(),
        ),
        (
            "存在安全隐患和系统漏洞的应及时修复；无法修复的系统予以关停，隐患消除后方可重新上线".into(),
            cite("第三十七条"),
        ),
        (
            "其他单位的数据通过公共数据平台申请：无条件共享的申请即获同意，有条件共享的由建设单位答复，不予共享须说明理由；目录中不予共享的资源不能申请".into(),
            cite("第三十一条"),
        ),
        (
            "不按数据共享规范要求共享目录资源的，3个月内完成整改；未完成整改的，提请主管部门予以下架".into(),
            sc_catalogue_cite(),
        ),
    ]
}
