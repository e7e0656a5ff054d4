//! Action input as flat fields, the same for HTML forms (url-encoded, repeated keys) and the JSON
//! API (an object whose arrays become repeated keys). One parser turns them into domain commands.
use crate::error::AppError;
use tongchou_domain::lifecycle::{Command, DuplicateJudgement};
use tongchou_domain::profile::Profile;
use tongchou_domain::project::{FieldError, PanelOpinion, ProjectInput, RawProjectInput};
use tongchou_domain::{Date, UserId, Yuan};

#[derive(Debug, Clone, Default)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    pub fn get(&self, k: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    }
    pub fn text(&self, k: &str) -> String {
        self.get(k).unwrap_or("").trim().to_string()
    }
    pub fn all(&self, k: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
            .collect()
    }
    /// From a JSON object: strings as they are, numbers as text, booleans as yes/no, arrays as
    /// repeated keys, nested objects of booleans (`{"check": {"forms": true}}`) as the keys set true.
    pub fn from_json(v: &serde_json::Value) -> Result<Fields, AppError> {
        let obj = v
            .as_object()
            .ok_or_else(|| AppError::BadRequest("请求体须为 JSON 对象".into()))?;
        let mut out = Vec::new();
        fn scalar(v: &serde_json::Value) -> Option<String> {
            match v {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                serde_json::Value::Bool(b) => Some(if *b { "yes".into() } else { "no".into() }),
                _ => None,
            }
        }
        for (k, v) in obj {
            match v {
                serde_json::Value::Null => {}
                serde_json::Value::Array(items) => {
                    for i in items {
                        out.push((
                            k.clone(),
                            scalar(i).ok_or_else(|| {
                                AppError::BadRequest(format!("字段 {k} 的数组元素须为字符串或数字"))
                            })?,
                        ));
                    }
                }
                serde_json::Value::Object(m) => {
                    for (ik, iv) in m {
                        if iv.as_bool() == Some(true) {
                            out.push((k.clone(), ik.clone()));
                        }
                    }
                }
                other => out.push((k.clone(), scalar(other).unwrap_or_default())),
            }
        }
        Ok(Fields(out))
    }
    pub fn version(&self) -> Result<Option<i64>, AppError> {
        match self.get("version").map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(v) => v
                .parse()
                .map(Some)
                .map_err(|_| AppError::field("version", "版本号须为整数")),
        }
    }
    fn yes(&self, k: &str) -> Result<bool, AppError> {
        match self.text(k).as_str() {
            "yes" | "true" | "on" | "1" | "pass" | "agree" => Ok(true),
            "no" | "false" | "0" | "fail" | "disagree" => Ok(false),
            _ => Err(AppError::field(k, "请选择是否通过")),
        }
    }
    fn date(&self, k: &str, what: &str) -> Result<Date, AppError> {
        self.text(k)
            .parse()
            .map_err(|_| AppError::field(k, format!("请填写{what}（YYYY-MM-DD）")))
    }
    fn opt_date(&self, k: &str) -> Result<Option<Date>, AppError> {
        let t = self.text(k);
        if t.is_empty() {
            return Ok(None);
        }
        t.parse()
            .map(Some)
            .map_err(|_| AppError::field(k, "日期格式应为 YYYY-MM-DD"))
    }
    fn money(&self, k: &str) -> Result<Yuan, AppError> {
        Yuan::parse(&self.text(k)).map_err(|e| AppError::field(k, e.to_string()))
    }
    fn opt_money(&self, k: &str) -> Result<Option<Yuan>, AppError> {
        if self.text(k).is_empty() {
            Ok(None)
        } else {
            self.money(k).map(Some)
        }
    }
    /// 工程监理合同 (supervisor, supervision_fee, supervision_signed_date): none when all three
    /// are empty; otherwise each must be well-formed.
    fn supervision(
        &self,
    ) -> Result<Option<tongchou_domain::project::SupervisionContract>, AppError> {
        let keys = ["supervisor", "supervision_fee", "supervision_signed_date"];
        if keys.iter().all(|k| self.text(k).is_empty()) {
            return Ok(None);
        }
        Ok(Some(tongchou_domain::project::SupervisionContract {
            company: self.text("supervisor"),
            fee: self.money("supervision_fee")?,
            signed_date: self.date("supervision_signed_date", "监理合同签订日期")?,
        }))
    }
    fn year(&self) -> Result<i32, AppError> {
        self.text("year")
            .parse()
            .map_err(|_| AppError::field("year", "请填写评价年度（如 2026）"))
    }
    /// Scores per indicator of the system in force: `score_<code>`, each 0–100.
    fn scores(&self, profile: &Profile) -> Result<Vec<(String, u32)>, AppError> {
        let Some(system) = profile.evaluation.active() else {
            return Ok(Vec::new());
        };
        system
            .indicators
            .iter()
            .map(|i| {
                let k = format!("score_{}", i.code);
                self.text(&k)
                    .parse::<u32>()
                    .ok()
                    .filter(|v| *v <= 100)
                    .map(|v| (i.code.clone(), v))
                    .ok_or_else(|| {
                        AppError::field(&k, format!("请为“{}”评分（0–100 的整数）", i.name))
                    })
            })
            .collect()
    }
    fn uint(&self, k: &str, what: &str) -> Result<u32, AppError> {
        self.text(k)
            .parse()
            .map_err(|_| AppError::field(k, format!("请填写{what}（整数）")))
    }
    fn checks(&self, items: &[tongchou_domain::profile::CheckItem]) -> Vec<(String, bool)> {
        let ticked = self.all("check");
        items
            .iter()
            .map(|i| (i.code.clone(), ticked.contains(&i.code.as_str())))
            .collect()
    }
    pub fn raw_project(&self) -> RawProjectInput {
        RawProjectInput {
            name: self.text("name"),
            year: self.text("year"),
            build_kind: self.text("build_kind"),
            category: self.text("category"),
            it_amount: self.text("it_amount"),
            non_it_amount: self.text("non_it_amount"),
            security_amount: self.text("security_amount"),
            funding: self.text("funding"),
            summary: self.text("summary"),
            participants: self.all("participants").join("\n"),
            responsible_person: self.text("responsible_person"),
            major_task: self.text("major_task"),
            gov_function: self.text("gov_function"),
        }
    }
}

/// A parsed action; forming a panel still needs its members looked up.
pub enum Parsed {
    Command(Command),
    FormPanel {
        members: Vec<UserId>,
        meeting_date: Date,
        place: String,
    },
}

pub fn project_input(f: &Fields) -> Result<ProjectInput, AppError> {
    ProjectInput::parse(&f.raw_project()).map_err(AppError::invalid)
}

/// Parse the fields of an action into a command.
pub fn parse_action(action: &str, f: &Fields, profile: &Profile) -> Result<Parsed, AppError> {
    let cmd = match action {
        "edit" => Command::Edit {
            input: project_input(f)?,
        },
        "declare" => Command::Declare {
            override_reason: Some(f.text("override_reason")).filter(|s| !s.is_empty()),
            urgent: if f.text("urgent_basis").is_empty() && f.text("urgent_consent").is_empty() {
                None
            } else {
                Some(tongchou_domain::lifecycle::UrgentInput {
                    basis: f.text("urgent_basis"),
                    consent: f.text("urgent_consent"),
                })
            },
        },
        "confirm_needs" => Command::ConfirmNeeds {
            statement: f.text("statement"),
        },
        "set_project_code" => Command::SetProjectCode {
            code: f.text("project_code"),
            classified: matches!(f.text("classified").as_str(), "yes" | "true" | "on" | "1"),
        },
        "confirm_fund_source" => Command::ConfirmFundSource {
            source: f.text("source"),
            opinion: f.text("opinion"),
        },
        "lift_om_stop" => Command::LiftOmStop {
            reason: f.text("reason"),
        },
        "withdraw" => Command::Withdraw {
            reason: f.text("reason"),
        },
        "compliance_review" => Command::ComplianceReview {
            checks: f.checks(&profile.compliance_checklist),
            problems: f
                .all("problems")
                .iter()
                .flat_map(|s| s.lines())
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            opinion: f.text("opinion"),
            duplicate: match f.text("duplicate").as_str() {
                "" => None,
                "yes" | "true" | "duplicate" => Some(DuplicateJudgement {
                    duplicate: true,
                    reason: f.text("duplicate_reason"),
                }),
                "no" | "false" | "not_duplicate" => Some(DuplicateJudgement {
                    duplicate: false,
                    reason: f.text("duplicate_reason"),
                }),
                _ => {
                    return Err(AppError::field(
                        "duplicate",
                        "请选择：不属于重复建设，或属于重复建设（不予受理）",
                    ))
                }
            },
        },
        "request_rereview" => Command::RequestRereview {
            note: f.text("note"),
        },
        "end_declaration" => Command::EndDeclaration {
            reason: f.text("reason"),
        },
        "preliminary_score" => {
            let mut scores = Vec::new();
            for item in &profile.preliminary_table {
                let k = format!("score_{}", item.code);
                scores.push((item.code.clone(), f.uint(&k, &item.text)?));
            }
            Command::PreliminaryScore {
                scores,
                pass: f.yes("pass")?,
                opinion: f.text("opinion"),
            }
        }
        "preliminary_decide" => Command::PreliminaryDecide {
            pass: f.yes("pass")?,
            opinion: f.text("opinion"),
        },
        "form_panel" => {
            let mut members = Vec::new();
            for m in f.all("member") {
                members.push(UserId(
                    m.trim()
                        .parse()
                        .map_err(|_| AppError::field("member", "专家编号无效"))?,
                ));
            }
            return Ok(Parsed::FormPanel {
                members,
                meeting_date: f.date("meeting_date", "会议日期")?,
                place: f.text("place"),
            });
        }
        "panel_opinion" => Command::PanelOpinion {
            opinion: PanelOpinion {
                score: f.uint("score", "评分")?,
                pass: f.yes("pass")?,
                opinion: f.text("opinion"),
                suggested_amount: f.opt_money("suggested_amount")?,
            },
        },
        "conclude_panel" => Command::ConcludePanel {
            opinion: f.text("opinion"),
            suggested_amount: f.opt_money("suggested_amount")?,
            date: f.date("date", "结论日期")?,
        },
        "re_examine" => Command::ReExamine {
            pass: f.yes("pass")?,
            final_amount: f.opt_money("final_amount")?,
            opinion: f.text("opinion"),
        },
        "approve" => Command::Approve {
            approve: f.yes("approve")?,
            doc_date: f.date("doc_date", "发文日期")?,
            opinion: f.text("opinion"),
        },
        "budget" => Command::Budget {
            fiscal_year: f.uint("fiscal_year", "预算年度")? as i32,
            amount: f.money("amount")?,
            opinion: f.text("opinion"),
        },
        "start_procurement" => Command::StartProcurement {
            method: f.text("method"),
            ceiling: f.money("ceiling")?,
            doc_date: f.date("doc_date", "采购文件日期")?,
        },
        "sign_contract" => Command::SignContract {
            project_name: f.text("project_name"),
            supplier: f.text("supplier"),
            amount: f.money("amount")?,
            signed_date: f.date("signed_date", "签订日期")?,
            period_months: f.uint("period_months", "建设周期（月）")?,
            maintenance_years: f.uint("maintenance_years", "维保期（年）")?,
            clauses: f.checks(&profile.contract_clauses),
            override_reason: Some(f.text("override_reason")).filter(|s| !s.is_empty()),
            supervision: f.supervision()?,
        },
        "report_progress" => Command::ReportProgress {
            month: f.text("month"),
            percent: f.uint("percent", "完成比例")?,
            summary: f.text("summary"),
            milestones: f.text("milestones"),
            problems: f.text("problems"),
        },
        "accept_module" => Command::AcceptModule {
            module: f.text("module"),
            date: f.date("date", "初验日期")?,
            panel: f
                .all("panel")
                .iter()
                .flat_map(|s| s.lines())
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            last: matches!(f.text("last").as_str(), "yes" | "true" | "on" | "1"),
            opinion: f.text("opinion"),
        },
        "apply_acceptance" => Command::ApplyAcceptance {
            conditions: f.checks(&profile.acceptance_conditions),
        },
        "review_acceptance_application" => Command::ReviewAcceptanceApplication {
            agree: f.yes("agree")?,
            opinion: f.text("opinion"),
        },
        "reapply" => Command::Reapply {
            note: f.text("note"),
        },
        "confirm_consequence" => Command::ConfirmConsequence {
            obligation: f.text("obligation"),
            reason: f.text("reason"),
        },
        "waive_consequence" => Command::WaiveConsequence {
            obligation: f.text("obligation"),
            reason: f.text("reason"),
        },
        "review_override" => Command::ReviewOverride {
            id: f
                .text("override")
                .parse()
                .map_err(|_| AppError::field("override", "请选择要审批的例外"))?,
            agree: f.yes("agree")?,
            opinion: f.text("opinion"),
        },
        "add_payment_batch" => Command::AddPaymentBatch {
            condition: f.text("condition"),
            ratio_bp: tongchou_domain::funds::parse_ratio(&f.text("ratio")).ok_or_else(|| {
                AppError::field(
                    "ratio",
                    "请填写支付比例（%），例如 30 或 12.5，最多两位小数",
                )
            })?,
        },
        "prefile_payment" => Command::PrefilePayment {
            batch: f.uint("batch", "支付分期")?,
            amount: f.money("amount")?,
            planned_date: f.date("planned_date", "计划支付日期")?,
        },
        "record_payment" => Command::RecordPayment {
            payment: f.uint("payment", "报备单序号")?,
            paid_date: f.date("paid_date", "支付日期")?,
            amount: f.money("amount")?,
            voucher: f.text("voucher"),
        },
        "submit_change" => Command::SubmitChange {
            content: f.text("content"),
            reason: f.text("reason"),
            new_amount: f.money("new_amount")?,
            main_content: matches!(f.text("main_content").as_str(), "yes" | "true" | "on" | "1"),
            override_reason: Some(f.text("override_reason")).filter(|s| !s.is_empty()),
        },
        "file_change" => Command::FileChange {
            change: f.uint("change", "变更序号")?,
            opinion: f.text("opinion"),
        },
        "review_change" => Command::ReviewChange {
            change: f.uint("change", "变更序号")?,
            pass: f.yes("pass")?,
            opinion: f.text("opinion"),
        },
        "change_expert_review" => Command::ChangeExpertReview {
            change: f.uint("change", "变更序号")?,
            pass: f.yes("pass")?,
            experts: f
                .all("experts")
                .iter()
                .flat_map(|s| s.split(['\n', ',', '，', '、', ';', '；']))
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            date: f.date("date", "论证日期")?,
            opinion: f.text("opinion"),
        },
        "apply_termination" => Command::ApplyTermination {
            reason: f.text("reason"),
            progress: f.text("progress"),
            money: f.text("money"),
            committee: f.text("committee"),
            leader: f.text("leader"),
        },
        "file_termination" => Command::FileTermination {
            agree: f.yes("agree")?,
            opinion: f.text("opinion"),
        },
        "explain_overrun" => Command::ExplainOverrun {
            explanation: f.text("explanation"),
        },
        "self_evaluate" => Command::SelfEvaluate {
            year: f.year()?,
            scores: f.scores(profile)?,
            evidence: f.text("evidence"),
        },
        "spot_check" => Command::SpotCheck {
            year: f.year()?,
            by_kind: f.text("by_kind"),
            checker: f.text("checker"),
            scores: f.scores(profile)?,
            result: f.text("result"),
        },
        "propose_outcome" => Command::ProposeOutcome {
            year: f.year()?,
            outcome: tongchou_domain::evaluation::Outcome::parse(&f.text("outcome"))
                .ok_or_else(|| AppError::field("outcome", "请选择评价结果"))?,
            rectify_by: f.opt_date("rectify_by")?,
            reason: f.text("reason"),
        },
        "confirm_outcome" => Command::ConfirmOutcome {
            year: f.year()?,
            agree: f.yes("agree")?,
            leader: Some(f.text("leader")).filter(|s| !s.is_empty()),
            leader_date: f.opt_date("leader_date")?,
            opinion: f.text("opinion"),
        },
        "publish_evaluation" => Command::PublishEvaluation { year: f.year()? },
        "report_rectification" => Command::ReportRectification {
            year: f.year()?,
            note: f.text("note"),
        },
        _ => return Err(AppError::NotFound),
    };
    Ok(Parsed::Command(cmd))
}

/// The actions that take fields (everything but uploads).
pub const ACTIONS: [&str; 44] = [
    "edit",
    "declare",
    "confirm_needs",
    "set_project_code",
    "confirm_fund_source",
    "lift_om_stop",
    "withdraw",
    "compliance_review",
    "request_rereview",
    "end_declaration",
    "preliminary_score",
    "preliminary_decide",
    "form_panel",
    "panel_opinion",
    "conclude_panel",
    "re_examine",
    "approve",
    "budget",
    "start_procurement",
    "sign_contract",
    "report_progress",
    "accept_module",
    "apply_acceptance",
    "review_acceptance_application",
    "reapply",
    "confirm_consequence",
    "waive_consequence",
    "add_payment_batch",
    "prefile_payment",
    "record_payment",
    "submit_change",
    "file_change",
    "review_change",
    "change_expert_review",
    "apply_termination",
    "file_termination",
    "explain_overrun",
    "review_override",
    "self_evaluate",
    "spot_check",
    "propose_outcome",
    "confirm_outcome",
    "publish_evaluation",
    "report_rectification",
];

pub fn attach_date(f: &Fields) -> Result<Option<Date>, AppError> {
    f.opt_date("doc_date")
}

pub fn field_errors_text(errs: &[FieldError]) -> String {
    errs.iter()
        .map(|e| e.message.clone())
        .collect::<Vec<_>>()
        .join("；")
}
