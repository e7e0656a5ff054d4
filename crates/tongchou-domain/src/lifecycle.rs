//! Transitions: `decide(context, actor, command, profile, today) -> Result<Decision, Refusal>`.
//! Nothing here touches a database; the store applies the decision's events and appends the
//! history entry in the same transaction.
use crate::permission::can_view;
use crate::profile::{attachment_kind_label, Citation, Profile};
use crate::project::{
    procurement_method_label, PanelOpinion, PanelPurpose, ProjectContext, ProjectInput,
    SupervisionContract,
};
use crate::{Actor, Date, Role, Stage, UnitId, UserId, Yuan};
use serde::{Deserialize, Serialize};

/// A candidate for a panel, as the store knows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    pub user_id: UserId,
    pub name: String,
    pub unit_id: UnitId,
    pub roles: Vec<Role>,
}

/// A checklist answer: item code → satisfied.
pub type Checks = Vec<(String, bool)>;

/// What someone asks to do to a project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    /// 修改草稿 edit the draft (or the returned declaration)
    Edit { input: ProjectInput },
    /// 提交申报 declare; `override_reason` answers a default-rule warning (原则上); `urgent`:
    /// the urgent mid-year task's basis and leadership consent (Shaoxing 第十一条)
    Declare {
        override_reason: Option<String>,
        #[serde(default)]
        urgent: Option<UrgentInput>,
    },
    /// 业务需求单位确认需求 the requesting unit states and confirms its needs in the joint review
    /// (Quzhou 三(二)1)
    ConfirmNeeds { statement: String },
    /// 填报项目代码 the unit enters the project code of the national online approval platform, or
    /// marks the project 涉密 (Quzhou 三(二)2)
    SetProjectCode { code: String, classified: bool },
    /// 财政确认资金来源 finance confirms the fund source of an urgent mid-year task (Shaoxing 第十一条)
    ConfirmFundSource { source: String, opinion: String },
    /// 恢复拨付运维经费 the authority lifts a stop of the system's O&M money, with a reason
    /// (Shaoxing 第三十四条)
    LiftOmStop { reason: String },
    /// 撤回 the unit withdraws a draft or a returned declaration
    Withdraw { reason: String },
    /// 合规性审查 compliance review with the profile's checklist
    ComplianceReview {
        checks: Checks,
        problems: Vec<String>,
        opinion: String,
        /// The reviewer's judgement on the similar projects the platform found (重复建设比对);
        /// required when one is a likely duplicate.
        duplicate: Option<DuplicateJudgement>,
    },
    /// 申请复审 ask for the one re-review after revising
    RequestRereview { note: String },
    /// 结束本次申报 the authority ends a returned declaration that was not re-submitted
    EndDeclaration { reason: String },
    /// 初审评分 one department scores and votes
    PreliminaryScore {
        scores: Vec<(String, u32)>,
        pass: bool,
        opinion: String,
    },
    /// 初审决定 the authority decides from scores and opinions
    PreliminaryDecide { pass: bool, opinion: String },
    /// 组建专家组 form a panel
    FormPanel {
        purpose: PanelPurpose,
        members: Vec<Candidate>,
        meeting_date: Date,
        place: String,
    },
    /// 分模块初验 the unit records one module's initial acceptance by its panel (Quzhou
    /// 三(三)5); `last`: every module has now passed, the trial run starts.
    AcceptModule {
        module: String,
        date: Date,
        panel: Vec<String>,
        last: bool,
        opinion: String,
    },
    /// 专家意见 an expert on the open panel scores and writes an opinion
    PanelOpinion { opinion: PanelOpinion },
    /// 形成专家组意见 conclude the open panel
    ConcludePanel {
        opinion: String,
        suggested_amount: Option<Yuan>,
        date: Date,
    },
    /// 复核审查 final conclusion and amount
    ReExamine {
        pass: bool,
        final_amount: Option<Yuan>,
        opinion: String,
    },
    /// 联席会议审议 approve (issue the approval document) or not
    Approve {
        approve: bool,
        doc_date: Date,
        opinion: String,
    },
    /// 安排预算 finance arranges the budget
    Budget {
        fiscal_year: i32,
        amount: Yuan,
        opinion: String,
    },
    /// 采购 record procurement (method, ceiling, document date)
    StartProcurement {
        method: String,
        ceiling: Yuan,
        doc_date: Date,
    },
    /// 签订合同 record the contract (completes procurement)
    SignContract {
        project_name: String,
        supplier: String,
        amount: Yuan,
        signed_date: Date,
        period_months: u32,
        maintenance_years: u32,
        clauses: Checks,
        override_reason: Option<String>,
        /// 工程监理合同 (SPEC I5): required for government procurement where the profile says so.
        #[serde(default)]
        supervision: Option<SupervisionContract>,
    },
    /// 月度进度报送
    ReportProgress {
        month: String,
        percent: u32,
        summary: String,
        /// 本月完成的里程碑节点 milestones reached this month, one a line
        milestones: String,
        problems: String,
    },
    /// 验收申请
    ApplyAcceptance { conditions: Checks },
    /// 验收申请审核 the authority agrees (starts acceptance) or sends back
    ReviewAcceptanceApplication { agree: bool, opinion: String },
    /// 整改后再提请验收
    Reapply { note: String },
    /// 确认处理 the authority confirms a consequence the system proposed for a missed deadline
    ConfirmConsequence { obligation: String, reason: String },
    /// 不予处理 the authority waives it, with a reason
    WaiveConsequence { obligation: String, reason: String },
    /// 原则性规定例外审批 the approver the profile names signs off an override (`agree`) or
    /// objects with a reason (SPEC §0)
    ReviewOverride {
        id: i64,
        agree: bool,
        opinion: String,
    },
    /// 设定支付分期 a payment batch of the contract: condition and ratio (Shangcheng 第六章 项目实施)
    AddPaymentBatch { condition: String, ratio_bp: u32 },
    /// 填报资金支付报备单 pre-file a payment
    PrefilePayment {
        batch: u32,
        amount: Yuan,
        planned_date: Date,
    },
    /// 登记支付 record a pre-filed payment as paid
    RecordPayment {
        payment: u32,
        paid_date: Date,
        amount: Yuan,
        voucher: String,
    },
    /// 提交变更 submit a change (content, reason, new amount); `override_reason` answers
    /// “立项后、采购前原则上不做变更”
    SubmitChange {
        content: String,
        reason: String,
        new_amount: Yuan,
        main_content: bool,
        override_reason: Option<String>,
    },
    /// 变更备案 the authority files a change with a cut ≤ 15%
    FileChange { change: u32, opinion: String },
    /// 变更初审 the authority's preliminary review of a change with a cut > 15%
    ReviewChange {
        change: u32,
        pass: bool,
        opinion: String,
    },
    /// 变更专家论证意见 the expert change review's opinion
    ChangeExpertReview {
        change: u32,
        pass: bool,
        experts: Vec<String>,
        date: Date,
        opinion: String,
    },
    /// 申请撤销或终止 (one of the six reasons, progress and money, committee and leader)
    ApplyTermination {
        reason: String,
        progress: String,
        money: String,
        committee: String,
        leader: String,
    },
    /// 撤销或终止备案 the authority files (the project ends) or returns it
    FileTermination { agree: bool, opinion: String },
    /// 超期说明 explain an overrun of the contract period
    ExplainOverrun { explanation: String },
    /// 绩效自评 the unit's yearly self-evaluation (scores per indicator, evidence)
    SelfEvaluate {
        year: i32,
        scores: Vec<(String, u32)>,
        evidence: String,
    },
    /// 重点项目抽查 the authority's spot check by experts, a third party or finance
    SpotCheck {
        year: i32,
        by_kind: String,
        checker: String,
        scores: Vec<(String, u32)>,
        result: String,
    },
    /// 提出评价结果 propose the year's outcome to the authority
    ProposeOutcome {
        year: i32,
        outcome: crate::evaluation::Outcome,
        rectify_by: Option<Date>,
        reason: String,
    },
    /// 确认评价结果 the authority confirms (with the leader's approval for 强制淘汰) or returns it
    ConfirmOutcome {
        year: i32,
        agree: bool,
        leader: Option<String>,
        leader_date: Option<Date>,
        opinion: String,
    },
    /// 公布评价结果 publish the year's result
    PublishEvaluation { year: i32 },
    /// 报送整改情况 the unit reports the rectification a confirmed outcome ordered
    ReportRectification { year: i32, note: String },
    /// 上传附件 record an attachment (the bytes are stored by content hash)
    Attach {
        kind: String,
        filename: String,
        sha256: String,
        size: i64,
        doc_date: Option<Date>,
    },
}

impl Command {
    /// Stable code of the action, used in history and permission tables.
    pub fn code(&self) -> &'static str {
        match self {
            Command::Edit { .. } => "edit",
            Command::Declare { .. } => "declare",
            Command::ConfirmNeeds { .. } => "confirm_needs",
            Command::SetProjectCode { .. } => "set_project_code",
            Command::ConfirmFundSource { .. } => "confirm_fund_source",
            Command::LiftOmStop { .. } => "lift_om_stop",
            Command::Withdraw { .. } => "withdraw",
            Command::ComplianceReview { .. } => "compliance_review",
            Command::RequestRereview { .. } => "request_rereview",
            Command::EndDeclaration { .. } => "end_declaration",
            Command::PreliminaryScore { .. } => "preliminary_score",
            Command::PreliminaryDecide { .. } => "preliminary_decide",
            Command::FormPanel { .. } => "form_panel",
            Command::AcceptModule { .. } => "accept_module",
            Command::PanelOpinion { .. } => "panel_opinion",
            Command::ConcludePanel { .. } => "conclude_panel",
            Command::ReExamine { .. } => "re_examine",
            Command::Approve { .. } => "approve",
            Command::Budget { .. } => "budget",
            Command::StartProcurement { .. } => "start_procurement",
            Command::SignContract { .. } => "sign_contract",
            Command::ReportProgress { .. } => "report_progress",
            Command::ApplyAcceptance { .. } => "apply_acceptance",
            Command::ReviewAcceptanceApplication { .. } => "review_acceptance_application",
            Command::Reapply { .. } => "reapply",
            Command::ConfirmConsequence { .. } => "confirm_consequence",
            Command::WaiveConsequence { .. } => "waive_consequence",
            Command::ReviewOverride { .. } => "review_override",
            Command::Attach { .. } => "attach",
            Command::AddPaymentBatch { .. } => "add_payment_batch",
            Command::PrefilePayment { .. } => "prefile_payment",
            Command::RecordPayment { .. } => "record_payment",
            Command::SubmitChange { .. } => "submit_change",
            Command::FileChange { .. } => "file_change",
            Command::ReviewChange { .. } => "review_change",
            Command::ChangeExpertReview { .. } => "change_expert_review",
            Command::ApplyTermination { .. } => "apply_termination",
            Command::FileTermination { .. } => "file_termination",
            Command::ExplainOverrun { .. } => "explain_overrun",
            Command::SelfEvaluate { .. } => "self_evaluate",
            Command::SpotCheck { .. } => "spot_check",
            Command::ProposeOutcome { .. } => "propose_outcome",
            Command::ConfirmOutcome { .. } => "confirm_outcome",
            Command::PublishEvaluation { .. } => "publish_evaluation",
            Command::ReportRectification { .. } => "report_rectification",
        }
    }
}

/// 年中急需建设项目 as the unit states it at declaration (Shaoxing 第十一条).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UrgentInput {
    /// 明确依据
    pub basis: String,
    /// 市委、市政府同意（文号或会议纪要）
    pub consent: String,
}

/// The articles against duplicate construction.
pub fn duplicate_cite() -> Citation {
    Citation::new(
        "浙江省“一地创新、全省共享”工作机制",
        "四（不得重复建设）；上城区电子政务项目管理办法 第一章、第三章；衢州市 二(二)7",
    )
}

/// Chinese name of an action code.
pub fn action_label(code: &str) -> &'static str {
    match code {
        "create" => "创建草稿",
        "edit" => "修改申报信息",
        "declare" => "提交申报",
        "confirm_needs" => "业务需求单位确认需求",
        "set_project_code" => "填报项目代码",
        "confirm_fund_source" => "财政确认资金来源",
        "lift_om_stop" => "恢复拨付运维经费",
        "withdraw" => "撤回申报",
        "compliance_review" => "合规性审查",
        "request_rereview" => "申请复审",
        "end_declaration" => "结束本次申报",
        "preliminary_score" => "初审评分",
        "preliminary_decide" => "初审决定",
        "form_panel" => "组建专家组",
        "panel_opinion" => "提交专家意见",
        "conclude_panel" => "形成专家组意见",
        "re_examine" => "复核审查",
        "approve" => "立项审议",
        "budget" => "安排预算",
        "start_procurement" => "采购备案",
        "sign_contract" => "合同备案",
        "report_progress" => "报送月度进度",
        "apply_acceptance" => "提出验收申请",
        "accept_module" => "分模块初验",
        "review_acceptance_application" => "审核验收申请",
        "reapply" => "整改后再提请验收",
        "attach" => "上传附件",
        "propose_consequence" => "系统提示逾期后果",
        "confirm_consequence" => "确认逾期后果",
        "waive_consequence" => "不予处理逾期后果",
        "review_override" => "原则性规定例外审批",
        "add_payment_batch" => "设定支付分期",
        "prefile_payment" => "填报资金支付报备单",
        "record_payment" => "登记资金支付",
        "submit_change" => "提交项目变更",
        "file_change" => "变更备案",
        "review_change" => "变更部门初审",
        "change_expert_review" => "变更专家论证意见",
        "apply_termination" => "申请撤销或终止",
        "file_termination" => "撤销或终止备案",
        "explain_overrun" => "说明超期情况",
        "cost_sharing" => "保存分摊方案",
        "self_evaluate" => "绩效自评",
        "spot_check" => "重点项目抽查",
        "propose_outcome" => "提出评价结果",
        "confirm_outcome" => "确认评价结果",
        "publish_evaluation" => "公布评价结果",
        "report_rectification" => "报送绩效整改情况",
        other => crate::operation::action_label(other)
            .or_else(|| crate::tasks::action_label(other))
            .unwrap_or("操作"),
    }
}

/// What happened, to be applied by the store and kept in the history payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    Edited {
        input: ProjectInput,
    },
    Declared,
    /// 年中急需建设项目 recorded at declaration (Shaoxing 第十一条).
    UrgentTaskRecorded {
        basis: String,
        consent: String,
    },
    /// The requesting unit's confirmation of its needs (Quzhou 三(二)1).
    NeedsConfirmed {
        statement: String,
    },
    /// 项目代码 entered (or the project marked 涉密) (Quzhou 三(二)2).
    ProjectCodeSet {
        code: Option<String>,
        classified: bool,
    },
    /// 市财政局 confirmed the fund source (Shaoxing 第十一条).
    FundSourceConfirmed {
        source: String,
        by: String,
        on: Date,
    },
    /// The O&M money of the system stopped (Shaoxing 第三十四条), on confirming the outcome.
    OmStopped {
        on: Date,
        reason: String,
    },
    /// The authority lifted the stop, with its reason.
    OmStopLifted {
        reason: String,
    },
    /// 分模块初验 one module passed initial acceptance (Quzhou 三(三)5).
    ModuleAccepted {
        module: String,
        date: Date,
        panel: Vec<String>,
        last: bool,
    },
    OverrideRecorded {
        rule: String,
        reason: String,
        cite: Citation,
        /// Who signs it off (the profile's approver for the rule); absent in entries recorded
        /// before overrides were signed off.
        #[serde(default)]
        approver: Option<Role>,
        /// The rule's text in the profile.
        #[serde(default)]
        text: String,
    },
    /// The approver signed off an override (`agree`) or objected, with the opinion.
    OverrideReviewed {
        id: i64,
        rule: String,
        agree: bool,
        opinion: String,
    },
    ComplianceChecked {
        pass: bool,
        checks: Checks,
        problems: Vec<String>,
    },
    RereviewRequested,
    PreliminaryScored {
        department: Role,
        scores: Vec<(String, u32)>,
        total: u32,
        pass: bool,
    },
    PanelFormed {
        purpose: PanelPurpose,
        members: Vec<Candidate>,
        meeting_date: Date,
        place: String,
    },
    PanelOpinionGiven {
        expert: UserId,
        opinion: PanelOpinion,
    },
    PanelConcluded {
        purpose: PanelPurpose,
        pass: bool,
        votes_for: u32,
        votes_against: u32,
        suggested_amount: Option<Yuan>,
        date: Date,
    },
    FinalAmountFixed {
        amount: Yuan,
    },
    ApprovalIssued {
        doc_no: String,
        seq: i64,
        doc_date: Date,
        amount: Yuan,
    },
    BudgetArranged {
        fiscal_year: i32,
        amount: Yuan,
    },
    ProcurementRecorded {
        method: String,
        ceiling: Yuan,
        doc_date: Date,
    },
    ContractSigned {
        supplier: String,
        amount: Yuan,
        signed_date: Date,
        period_months: u32,
        maintenance_years: u32,
        clauses: Checks,
        /// Absent in entries recorded before supervision was filed with the contract.
        #[serde(default)]
        supervision: Option<SupervisionContract>,
    },
    ProgressReported {
        month: String,
        percent: u32,
        summary: String,
        /// Absent from entries recorded before milestones were asked for.
        #[serde(default)]
        milestones: String,
        problems: String,
    },
    InitialAccepted {
        date: Date,
    },
    AcceptanceApplied {
        conditions: Checks,
    },
    RectificationOrdered {
        due: Date,
    },
    Ended {
        reason: String,
    },
    /// A missed deadline's consequence proposed to the authority (nothing happens until confirmed).
    ConsequenceProposed {
        obligation: String,
        consequence: String,
    },
    ConsequenceConfirmed {
        obligation: String,
    },
    ConsequenceWaived {
        obligation: String,
        reason: String,
    },
    Attached {
        kind: String,
        filename: String,
        sha256: String,
        size: i64,
        doc_date: Option<Date>,
    },
    PaymentBatchAdded {
        no: u32,
        condition: String,
        ratio_bp: u32,
    },
    PaymentPrefiled {
        no: u32,
        batch: u32,
        amount: Yuan,
        planned_date: Date,
    },
    PaymentRecorded {
        no: u32,
        paid_date: Date,
        amount: Yuan,
        voucher: String,
    },
    ChangeSubmitted {
        no: u32,
        content: String,
        reason: String,
        new_amount: Yuan,
        baseline: Yuan,
        cut: Yuan,
        cut_bp: i64,
        route: crate::funds::ChangeRoute,
        main_content: bool,
        state: crate::funds::ChangeState,
    },
    /// A step of a change: filed, preliminary review, expert review (effective or rejected).
    ChangeDecided {
        no: u32,
        state: crate::funds::ChangeState,
        /// Set when the change takes effect: the new effective amount (the baseline stays).
        effective_amount: Option<Yuan>,
        experts: Vec<String>,
        review_date: Option<Date>,
    },
    TerminationApplied {
        reason: String,
        progress: String,
        money: String,
        committee: String,
        leader: String,
    },
    /// Filed: the project ends with this money position frozen.
    TerminationFiled {
        position: crate::funds::MoneyPosition,
    },
    TerminationReturned,
    OverrunExplained {
        contract_end: Date,
        explanation: String,
    },
    /// A cost-sharing table stored with the project (Shaoxing art.23; see `cost_sharing`).
    CostSharingPlanned {
        plan: crate::cost_sharing::Plan,
    },
    /// The reviewer's duplicate-construction judgement, with the candidates it was made on.
    /// 终验合格，正式投入使用 (the go-live date the evaluation rules count from)
    FinalAccepted {
        date: Date,
    },
    SelfEvaluated {
        year: i32,
        system: String,
        scores: Vec<(String, u32)>,
        total: u32,
        evidence: String,
    },
    SpotChecked {
        year: i32,
        check: crate::evaluation::SpotCheck,
    },
    OutcomeProposed {
        year: i32,
        outcome: crate::evaluation::Outcome,
        rectify_by: Option<Date>,
        reason: String,
    },
    OutcomeConfirmed {
        year: i32,
        outcome: crate::evaluation::Outcome,
        /// 限期整改: the date set with the outcome.
        #[serde(default)]
        rectify_by: Option<Date>,
        leader: Option<String>,
        leader_date: Option<Date>,
        on: Date,
    },
    OutcomeReturned {
        year: i32,
    },
    EvaluationPublished {
        year: i32,
    },
    EvaluationRectified {
        year: i32,
        note: String,
    },
    DuplicateJudged {
        duplicate: bool,
        reason: String,
        /// (project code, name, score) of the candidates shown.
        candidates: Vec<(String, String, u32)>,
    },
    /// A system in operation changed (see `operation`).
    Operation {
        op: crate::operation::OpEvent,
    },
}

/// 重复建设判断: the compliance reviewer's judgement on the similar projects shown (SPEC S9, A7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicateJudgement {
    /// true: a duplicate (重复建设), not accepted.
    pub duplicate: bool,
    pub reason: String,
}

/// The outcome of a permitted command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub action: String,
    pub from: Stage,
    pub to: Stage,
    pub events: Vec<Event>,
    /// One line for the timeline, in Chinese.
    pub summary: String,
    /// Free-text opinion recorded with the entry.
    pub opinion: String,
}

/// Why a command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The actor may not see the project (404 to the client).
    #[error("项目不存在或无权查看")]
    NotVisible,
    /// The actor may see it but not do this (403).
    #[error("{0}")]
    Forbidden(String),
    /// Not possible in the project's current stage (409).
    #[error("当前阶段（{stage}）不能{action}")]
    WrongStage {
        stage: &'static str,
        action: &'static str,
    },
    /// A rule of the regulation forbids it (422), with its article.
    #[error("{message}（{cite}）")]
    Rule { message: String, cite: Citation },
    /// A default rule (原则上/一般): allowed only with a recorded reason (422 until given).
    #[error("{message}（{cite}）。如确需继续，请填写理由")]
    NeedsOverride {
        rule: String,
        message: String,
        cite: Citation,
    },
    /// Bad input for one field (422).
    #[error("{field}：{message}")]
    Invalid { field: String, message: String },
    /// Several fields missing or wrong, all told at once (一次性告知, Shaoxing 第十二条), each
    /// message shown beside its field (422).
    #[error("{}", .fields.iter().map(|f| f.message.as_str()).collect::<Vec<_>>().join("；"))]
    InvalidFields {
        fields: Vec<crate::project::FieldError>,
    },
}

pub(crate) fn invalid(field: &str, message: impl Into<String>) -> Refusal {
    Refusal::Invalid {
        field: field.into(),
        message: message.into(),
    }
}

pub(crate) fn rule(message: impl Into<String>, cite: &Citation) -> Refusal {
    Refusal::Rule {
        message: message.into(),
        cite: cite.clone(),
    }
}

/// Whether the actor may act on the project at all: its own unit, an expert of its open panel,
/// or a department of the jurisdiction the project belongs to. A city's or the province's
/// departments read a district's projects but do not do the district's work (each level's
/// competent authority handles its own projects: Shangcheng 第二章; Shaoxing art.4).
///
/// Which level handles a project is where its profile was chosen (`Profile::handled_at`): a
/// district with its own profile handles its projects; a district that inherits its city's
/// profile has them handled by the city's departments (SPEC §3).
pub fn acts_here(
    actor: &Actor,
    p: &crate::project::Project,
    on_panel: bool,
    profile: &Profile,
) -> bool {
    let handled = if profile.handled_at.is_empty() {
        actor.jurisdiction_id == p.jurisdiction_id
    } else {
        actor.jurisdiction_path == profile.handled_at
            && p.jurisdiction_path.starts_with(&profile.handled_at)
    };
    (actor.has(Role::Unit) && actor.unit_id == p.unit_id) || on_panel || handled
}

pub(crate) fn need(actor: &Actor, role: Role, what: &str) -> Result<(), Refusal> {
    if actor.has(role) {
        Ok(())
    } else {
        Err(Refusal::Forbidden(format!(
            "只有{}可以{}",
            role.label(),
            what
        )))
    }
}

pub(crate) fn need_own_unit(
    ctx: &ProjectContext,
    actor: &Actor,
    what: &str,
) -> Result<(), Refusal> {
    need(actor, Role::Unit, what)?;
    if actor.unit_id != ctx.project.unit_id {
        return Err(Refusal::Forbidden(format!(
            "只有本项目的建设单位（{}）可以{}",
            ctx.project.unit_name, what
        )));
    }
    Ok(())
}

pub(crate) fn need_text(field: &str, text: &str, what: &str) -> Result<(), Refusal> {
    if text.trim().is_empty() {
        Err(invalid(field, format!("请填写{what}")))
    } else if text.chars().count() > 5000 {
        Err(invalid(field, format!("{what}不超过 5000 字")))
    } else {
        Ok(())
    }
}

/// Add calendar months: the same day of the end month, or its last day if there is none.
/// (SPEC §0; the holiday roll-forward of the last day comes with the working-day calendar.)
/// The earliest date the final-acceptance application may be made where the profile sets a
/// minimum wait (Quzhou 三(三)5): N months after the LAST module's initial acceptance (or the
/// single initial acceptance). `None`: no initial acceptance yet, or no minimum in the profile.
pub fn final_acceptance_earliest(ctx: &ProjectContext, profile: &Profile) -> Option<Date> {
    let m = profile.final_wait_months?;
    let start = ctx.project.initial_acceptance_date?;
    let start = ctx.modules.iter().map(|m| m.date).fold(start, Date::max);
    Some(add_months(start, m))
}

pub fn add_months(d: Date, months: u32) -> Date {
    let total = d.year() as i32 * 12 + (d.month() as i32 - 1) + months as i32;
    let (y, m) = ((total / 12) as i16, (total % 12 + 1) as i8);
    let last = Date::new(y, m, 1).map(|f| f.days_in_month()).unwrap_or(28);
    Date::new(y, m, d.day().min(last)).unwrap_or(d)
}

/// Add calendar days.
pub fn add_days(d: Date, days: i64) -> Date {
    d.checked_add(jiff::Span::new().days(days)).unwrap_or(d)
}

fn is_odd_ok(n: usize, min: u32, odd: bool) -> bool {
    n >= min as usize && (!odd || n % 2 == 1)
}

fn check_all(items: &[crate::profile::CheckItem], checks: &Checks) -> Result<Vec<String>, Refusal> {
    // Every item answered, and no unknown item.
    for (code, _) in checks {
        if !items.iter().any(|i| &i.code == code) {
            return Err(invalid("checks", format!("未知的检查项：{code}")));
        }
    }
    let mut failed = Vec::new();
    for i in items {
        match checks.iter().find(|(c, _)| c == &i.code) {
            Some((_, true)) => {}
            _ => failed.push(i.text.clone()),
        }
    }
    Ok(failed)
}

/// 工程监理 (SPEC I5; Shangcheng 第六章 项目实施: 纳入政府采购的项目实行工程监理制，项目监理独立
/// 招标，监理费用纳入项目总投资预算; Quzhou 三(三)2: 鼓励). Required and missing → refused citing
/// the article; a supervisor who is the contractor, or a fee that with the contract exceeds the
/// approved investment → refused. Returns the cleaned record to file.
fn check_supervision(
    ctx: &ProjectContext,
    profile: &Profile,
    supplier: &str,
    amount: Yuan,
    supervision: Option<SupervisionContract>,
    today: Date,
) -> Result<Option<SupervisionContract>, Refusal> {
    let rule_ = &profile.supervision;
    let method = ctx.procurement.as_ref().map(|p| p.method.as_str());
    let Some(s) = supervision else {
        if let Some(m) = method.filter(|m| rule_.required(m)) {
            return Err(rule(
                format!(
                    "纳入政府采购的项目（{}）实行工程监理制，项目监理独立招标：请填写监理合同（监理单位、监理费用、签订日期）",
                    procurement_method_label(m).unwrap_or(m)
                ),
                &rule_.cite,
            ));
        }
        return Ok(None);
    };
    need_text("supervisor", &s.company, "监理单位")?;
    if s.fee == Yuan::ZERO {
        return Err(invalid("supervision_fee", "监理费用须大于 0"));
    }
    if s.signed_date > today {
        return Err(invalid(
            "supervision_signed_date",
            "监理合同签订日期不能晚于今天",
        ));
    }
    if s.company.trim() == supplier.trim() {
        return Err(rule(
            "项目监理独立招标：监理单位不能是本项目的承建单位",
            &rule_.cite,
        ));
    }
    let approved = ctx.project.approved_amount.unwrap_or_default();
    let total = amount.checked_add(s.fee).unwrap_or(amount);
    if total > approved {
        return Err(rule(
            format!(
                "监理费用纳入项目总投资预算：合同金额 {} 元与监理费用 {} 元合计 {} 元，超过立项金额 {} 元（监理费用至多 {} 元）",
                amount.grouped(),
                s.fee.grouped(),
                total.grouped(),
                approved.grouped(),
                approved.saturating_sub(amount).grouped()
            ),
            &rule_.cite,
        ));
    }
    Ok(Some(SupervisionContract {
        company: s.company.trim().into(),
        ..s
    }))
}

/// Decide what a command does to a project. See the module doc.
pub fn decide(
    ctx: &ProjectContext,
    actor: &Actor,
    cmd: Command,
    profile: &Profile,
    today: Date,
) -> Result<Decision, Refusal> {
    let p = &ctx.project;
    let on_panel = ctx
        .open_panel
        .as_ref()
        .is_some_and(|panel| panel.members.iter().any(|m| m.user_id == actor.user_id));
    if !can_view(actor, p, on_panel) {
        return Err(Refusal::NotVisible);
    }
    if !acts_here(actor, p, on_panel, profile) {
        return Err(Refusal::Forbidden(
            "本项目由项目所在行政区域的部门办理；上级或其他区域的部门可以查看，不能代为办理".into(),
        ));
    }
    let from = p.stage;
    let action = cmd.code();
    let wrong = || Refusal::WrongStage {
        stage: from.label(),
        action: action_label(action),
    };
    let mut events = Vec::new();
    let mut to = from;
    let summary: String;
    let mut opinion = String::new();

    match cmd {
        cmd @ (Command::AddPaymentBatch { .. }
        | Command::PrefilePayment { .. }
        | Command::RecordPayment { .. }
        | Command::SubmitChange { .. }
        | Command::FileChange { .. }
        | Command::ReviewChange { .. }
        | Command::ChangeExpertReview { .. }
        | Command::ApplyTermination { .. }
        | Command::FileTermination { .. }
        | Command::ExplainOverrun { .. }) => {
            return crate::funds::decide(ctx, actor, cmd, profile, today);
        }
        cmd @ (Command::SelfEvaluate { .. }
        | Command::SpotCheck { .. }
        | Command::ProposeOutcome { .. }
        | Command::ConfirmOutcome { .. }
        | Command::PublishEvaluation { .. }
        | Command::ReportRectification { .. }) => {
            return crate::evaluation::decide(ctx, actor, cmd, profile, today);
        }
        cmd @ Command::ReviewOverride { .. } => {
            return crate::overrides::decide(ctx, actor, cmd, profile);
        }
        Command::ConfirmNeeds { statement } => {
            need_own_unit(ctx, actor, "确认业务需求")?;
            let Some(cite) = profile.joint_review_requester.clone() else {
                return Err(invalid(
                    "action",
                    "本地评审流程没有业务需求单位确认需求这一环节",
                ));
            };
            if from != Stage::PreliminaryReview {
                return Err(wrong());
            }
            if p.extra.needs_statement.is_some() {
                return Err(rule("业务需求单位已确认项目需求", &cite));
            }
            let statement = statement.trim().to_string();
            need_text("statement", &statement, "需求说明与确认意见")?;
            opinion = statement.clone();
            summary = format!(
                "业务需求单位{}在{}中说明并确认项目需求",
                p.unit_name,
                profile.stage_name(Stage::PreliminaryReview)
            );
            events.push(Event::NeedsConfirmed { statement });
        }
        Command::SetProjectCode { code, classified } => {
            need_own_unit(ctx, actor, "填报项目代码")?;
            if from == Stage::Ended || from.is_approved_or_later() {
                return Err(wrong());
            }
            let code = if classified {
                summary = "标记为涉密项目：不通过投资项目在线审批监管平台办理，无需项目代码".into();
                None
            } else {
                if code.trim().is_empty() {
                    return Err(invalid(
                        "project_code",
                        "请填写投资项目在线审批监管平台生成的项目代码（涉密项目请勾选“涉密项目”）",
                    ));
                }
                let c = crate::project::parse_project_code(
                    &code,
                    profile.project_code_region.as_deref(),
                )
                .map_err(|m| invalid("project_code", m))?;
                summary = format!("填报项目代码 {c}");
                Some(c)
            };
            if code == p.extra.project_code && classified == p.extra.classified {
                return Err(invalid("project_code", "项目代码没有变化"));
            }
            events.push(Event::ProjectCodeSet { code, classified });
        }
        Command::ConfirmFundSource {
            source,
            opinion: op,
        } => {
            need(actor, Role::Finance, "明确资金来源")?;
            let Some(cite) = profile.mid_year_exception.clone() else {
                return Err(invalid(
                    "action",
                    "本地政策规则没有年中急需建设项目这一情形",
                ));
            };
            let Some(u) = &p.extra.urgent else {
                return Err(rule(
                    "本项目不是年中急需建设项目，无需财政部门明确资金来源",
                    &cite,
                ));
            };
            if u.fund_source.is_some() {
                return Err(rule("已明确资金来源", &cite));
            }
            if matches!(from, Stage::Draft | Stage::Ended) || from.is_approved_or_later() {
                return Err(wrong());
            }
            let source = source.trim().to_string();
            need_text("source", &source, "资金来源（原则上在预算内调剂安排）")?;
            opinion = op.trim().into();
            summary = format!("{}明确资金来源：{source}", profile.role_name(Role::Finance));
            events.push(Event::FundSourceConfirmed {
                source,
                by: actor.name.clone(),
                on: today,
            });
        }
        Command::LiftOmStop { reason } => {
            need(actor, Role::Authority, "恢复拨付运维经费")?;
            let Some((since, _)) = &p.extra.om_stopped else {
                return Err(invalid("reason", "本系统的运维经费未被停止拨付"));
            };
            need_text("reason", &reason, "恢复拨付的理由（整改情况）")?;
            opinion = reason.trim().into();
            summary = format!("恢复拨付运维经费（{since} 起停止拨付）：{}", reason.trim());
            events.push(Event::OmStopLifted {
                reason: reason.trim().into(),
            });
        }
        Command::Edit { input } => {
            need_own_unit(ctx, actor, "修改申报信息")?;
            if !matches!(from, Stage::Draft | Stage::Returned) {
                return Err(wrong());
            }
            summary = format!("修改申报信息：{}", input.name);
            events.push(Event::Edited { input });
        }
        Command::Declare {
            override_reason,
            urgent,
        } => {
            need_own_unit(ctx, actor, "提交申报")?;
            if from != Stage::Draft {
                return Err(wrong());
            }
            // 入选视同完成项目可行性研究论证 (ZJ-share 三（五）): a subject selected by a 揭榜
            // competition on the project's library item needs no separate feasibility report.
            let missing: Vec<&str> = profile
                .declaration_docs
                .iter()
                .filter(|k| {
                    !(ctx.selected_by_competition.is_some() && k.as_str() == "feasibility_report")
                })
                .filter(|k| !ctx.has_attachment(k))
                .map(|k| attachment_kind_label(k).unwrap_or("材料"))
                .collect();
            if !missing.is_empty() {
                return Err(rule(
                    format!("申报须上传：{}", missing.join("、")),
                    &profile.declaration_cite,
                ));
            }
            // 原则上新建项目网络数据安全预算不低于项目总投资的5% (default rule).
            let total = p.input.total();
            let bp = p.input.security_amount.basis_points_of(total).unwrap_or(0);
            if p.input.build_kind == crate::project::BuildKind::New
                && bp < profile.security_budget_min_bp
            {
                let need_amount = Yuan::from_fen(
                    (total.fen() as i128 * profile.security_budget_min_bp as i128 / 10_000) as i64,
                );
                let message = format!(
                    "新建项目网络数据安全预算原则上不低于总投资的{}%：当前 {} 元，占 {}.{:02}%，至少应为 {} 元，差 {} 元",
                    profile.security_budget_min_bp / 100,
                    p.input.security_amount.grouped(),
                    bp / 100,
                    bp % 100,
                    need_amount.grouped(),
                    need_amount.saturating_sub(p.input.security_amount).grouped()
                );
                events.push(crate::overrides::answer(
                    profile,
                    "security_budget_min",
                    message,
                    &profile.security_cite,
                    override_reason.as_deref(),
                )?);
            }
            // 集中申报期 (A1): outside any open round a supplementary declaration (增补), a
            // default rule (原则上) answered with a reason and the approver the profile names.
            if ctx
                .rounds
                .outside_round(today, profile.declaration_rounds.is_some())
            {
                let last = ctx
                    .rounds
                    .rounds
                    .first()
                    .map(|r| format!("（最近一次：{}）", r.label()))
                    .unwrap_or_else(|| "（本地尚未开放集中申报期）".into());
                let cite = profile
                    .declaration_rounds
                    .clone()
                    .unwrap_or_else(|| profile.declaration_cite.clone());
                let mut reason = override_reason.clone();
                if let Some(mid) = &profile.mid_year_exception {
                    // Shaoxing 第十一条: three separate facts, each required; finance's
                    // confirmation of the fund source comes after, before the review starts.
                    let u = urgent.clone().unwrap_or_default();
                    let basis = u.basis.trim().to_string();
                    let consent = u.consent.trim().to_string();
                    // Every missing fact told at once, beside its field (一次性告知).
                    let mut missing = Vec::new();
                    if basis.is_empty() {
                        missing.push(crate::project::FieldError {
                            field: "urgent_basis".into(),
                            message: format!("未列入年度建设计划的项目，须为国家、省年中临时部署或市委、市政府年中临时确定的急需建设项目，并提供明确依据（{mid}）"),
                        });
                    }
                    if consent.is_empty() {
                        missing.push(crate::project::FieldError {
                            field: "urgent_consent".into(),
                            message: format!("年中急需建设项目须专题报市委、市政府同意：请填写同意的文件文号或会议纪要（{mid}）"),
                        });
                    }
                    if missing.len() == 1 {
                        let f = missing.remove(0);
                        return Err(invalid(&f.field, f.message));
                    }
                    if !missing.is_empty() {
                        return Err(Refusal::InvalidFields { fields: missing });
                    }
                    if reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
                        reason = Some(format!(
                            "年中急需建设项目：依据 {basis}；市委、市政府同意 {consent}"
                        ));
                    }
                    events.push(Event::UrgentTaskRecorded { basis, consent });
                }
                events.push(crate::overrides::answer(
                    profile,
                    crate::round::OUTSIDE_ROUND,
                    format!("今日 {today} 不在集中申报期内{last}，原则上不新增申报；确因紧急任务需要，以增补项目形式一事一议"),
                    &cite,
                    reason.as_deref(),
                )?);
            }
            // Eligibility (A6): barred units are refused or warned, with why and until when.
            crate::evaluation::check_declaration(
                ctx,
                profile,
                override_reason.as_deref(),
                today,
                &mut events,
            )?;
            events.push(Event::Declared);
            // The first step of the profile's review path (SPEC §3).
            to = profile.first_review_stage();
            summary = format!("提交申报，进入{}", profile.stage_name(to));
        }
        Command::Withdraw { reason } => {
            need_own_unit(ctx, actor, "撤回申报")?;
            if !matches!(from, Stage::Draft | Stage::Returned) {
                return Err(wrong());
            }
            need_text("reason", &reason, "撤回理由")?;
            to = Stage::Ended;
            summary = format!("建设单位撤回：{reason}");
            events.push(Event::Ended {
                reason: format!("建设单位撤回：{reason}"),
            });
        }
        Command::ComplianceReview {
            checks,
            problems,
            opinion: op,
            duplicate,
        } => {
            need(actor, Role::Authority, "开展合规性审查")?;
            if from != Stage::ComplianceReview {
                return Err(wrong());
            }
            // Shaoxing 第十一条: 经市财政局明确资金来源……再进入审核环节.
            if let (Some(mid), Some(u)) = (&profile.mid_year_exception, &p.extra.urgent) {
                if u.fund_source.is_none() {
                    return Err(rule(
                        format!(
                            "年中急需建设项目须经{}明确资金来源（原则上在预算内调剂安排）后，再进入审核环节",
                            profile.role_name(Role::Finance)
                        ),
                        mid,
                    ));
                }
            }
            let failed = check_all(&profile.compliance_checklist, &checks)?;
            let mut all_problems: Vec<String> =
                failed.iter().map(|t| format!("不符合：{t}")).collect();
            // 重复建设比对 (ZJ-share 四; Shangcheng 第一章、第三章; Quzhou 二(二)7): a likely
            // duplicate found by the platform needs the reviewer's recorded judgement; a
            // duplicate is not accepted.
            let likely: Vec<&crate::similarity::Similar> = ctx
                .similar
                .iter()
                .filter(|s| s.likely_duplicate())
                .collect();
            match &duplicate {
                None if !likely.is_empty() => {
                    return Err(Refusal::Invalid {
                        field: "duplicate".into(),
                        message: format!(
                        "平台比对到疑似重复建设的项目：{}。请判断是否属于重复建设并说明理由（{}）",
                        likely
                            .iter()
                            .map(|s| format!(
                                "[{}] {}（{}，相似度 {}）",
                                s.kind_label(),
                                s.name,
                                s.unit_name,
                                s.score
                            ))
                            .collect::<Vec<_>>()
                            .join("；"),
                        duplicate_cite()
                    ),
                    })
                }
                Some(j) if j.reason.trim().is_empty() => {
                    return Err(invalid("duplicate_reason", "请说明重复建设判断的理由"))
                }
                _ => {}
            }
            if let Some(j) = &duplicate {
                if j.duplicate {
                    all_problems.push(format!(
                        "属于重复建设，不予受理：{}（{}）",
                        j.reason.trim(),
                        duplicate_cite()
                    ));
                }
                events.push(Event::DuplicateJudged {
                    duplicate: j.duplicate,
                    reason: j.reason.trim().into(),
                    candidates: ctx
                        .similar
                        .iter()
                        .map(|s| (s.code.clone(), s.name.clone(), s.score))
                        .collect(),
                });
            }
            all_problems.extend(
                problems
                    .into_iter()
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty()),
            );
            let pass = all_problems.is_empty();
            opinion = op;
            if pass {
                // Shaoxing art.12: complete → 受理.
                to = profile.next_review_stage(Stage::ComplianceReview);
                summary = format!(
                    "{}通过，进入{}",
                    profile.stage_name(Stage::ComplianceReview),
                    profile.stage_name(to)
                );
            } else if p.rereviews_used < profile.compliance_rereviews {
                to = Stage::Returned;
                summary = format!(
                    "合规性审查未通过，一次性告知问题 {} 项，退回修改：{}",
                    all_problems.len(),
                    all_problems.join("；")
                );
            } else {
                to = Stage::Ended;
                let reason = "合规性复审未通过，本次申报结束".to_string();
                summary = reason.clone();
                events.push(Event::ComplianceChecked {
                    pass,
                    checks,
                    problems: all_problems,
                });
                events.push(Event::Ended { reason });
                return Ok(Decision {
                    action: action.into(),
                    from,
                    to,
                    events,
                    summary,
                    opinion,
                });
            }
            events.push(Event::ComplianceChecked {
                pass,
                checks,
                problems: all_problems,
            });
        }
        Command::RequestRereview { note } => {
            need_own_unit(ctx, actor, "申请复审")?;
            if from != Stage::Returned {
                return Err(wrong());
            }
            if p.rereviews_used >= profile.compliance_rereviews {
                return Err(rule("合规性审查只能申请一次复审", &profile.compliance_cite));
            }
            to = Stage::ComplianceReview;
            opinion = note;
            summary = "按合规性审查意见修改后申请复审".into();
            events.push(Event::RereviewRequested);
        }
        Command::EndDeclaration { reason } => {
            need(actor, Role::Authority, "结束申报")?;
            if from != Stage::Returned {
                return Err(wrong());
            }
            need_text("reason", &reason, "结束理由")?;
            to = Stage::Ended;
            summary = format!("未申请复审，本次申报结束：{reason}");
            events.push(Event::Ended {
                reason: format!("未申请复审，本次申报结束：{reason}"),
            });
        }
        Command::PreliminaryScore {
            scores,
            pass,
            opinion: op,
        } => {
            let department = profile
                .preliminary_scorers
                .iter()
                .copied()
                .find(|r| actor.has(*r))
                .ok_or_else(|| Refusal::Forbidden("只有参加初审的单位可以评分".into()))?;
            if from != Stage::PreliminaryReview {
                return Err(wrong());
            }
            if ctx
                .preliminary_scores
                .iter()
                .any(|s| s.department == department)
            {
                return Err(Refusal::Rule {
                    message: format!("{}已提交初审评分", profile.role_name(department)),
                    cite: profile.preliminary_cite.clone(),
                });
            }
            let mut total = 0;
            for item in &profile.preliminary_table {
                let got = scores
                    .iter()
                    .find(|(c, _)| c == &item.code)
                    .map(|(_, v)| *v);
                match got {
                    None => {
                        return Err(invalid(
                            &format!("score_{}", item.code),
                            format!("请为“{}”评分", item.text),
                        ))
                    }
                    Some(v) if v > item.max => {
                        return Err(invalid(
                            &format!("score_{}", item.code),
                            format!("“{}”最高 {} 分", item.text, item.max),
                        ))
                    }
                    Some(v) => total += v,
                }
            }
            if scores
                .iter()
                .any(|(c, _)| !profile.preliminary_table.iter().any(|i| &i.code == c))
            {
                return Err(invalid("scores", "评分表中没有该评分项"));
            }
            need_text("opinion", &op, "初审意见")?;
            opinion = op;
            summary = format!(
                "{}初审评分 {} 分，意见：{}",
                profile.role_name(department),
                total,
                if pass { "通过" } else { "不通过" }
            );
            events.push(Event::PreliminaryScored {
                department,
                scores,
                total,
                pass,
            });
        }
        Command::PreliminaryDecide { pass, opinion: op } => {
            need(actor, Role::Authority, "作出初审决定")?;
            if from != Stage::PreliminaryReview {
                return Err(wrong());
            }
            let mut missing: Vec<&str> = profile
                .preliminary_scorers
                .iter()
                .filter(|r| !ctx.preliminary_scores.iter().any(|s| s.department == **r))
                .map(|r| profile.role_name(*r))
                .collect();
            // Quzhou 三(二)1: the requesting unit (业务需求单位) takes part too.
            if profile.joint_review_requester.is_some() && p.extra.needs_statement.is_none() {
                missing.push("业务需求单位（需求确认）");
            }
            if !missing.is_empty() {
                return Err(rule(
                    format!(
                        "以下单位尚未提交{}意见：{}",
                        profile.stage_name(Stage::PreliminaryReview),
                        missing.join("、")
                    ),
                    &profile.preliminary_cite,
                ));
            }
            need_text("opinion", &op, "初审结论意见")?;
            opinion = op;
            if pass {
                to = profile.next_review_stage(Stage::PreliminaryReview);
                summary = format!(
                    "{}通过，进入{}",
                    profile.stage_name(Stage::PreliminaryReview),
                    profile.stage_name(to)
                );
            } else {
                to = Stage::Ended;
                summary = "项目初审未通过，本次申报结束".into();
                events.push(Event::Ended {
                    reason: "项目初审未通过".into(),
                });
            }
        }
        Command::FormPanel {
            purpose,
            members,
            meeting_date,
            place,
        } => {
            let (role, what) = match purpose {
                PanelPurpose::InitialAcceptance => (Role::Unit, "组织初验"),
                _ => (Role::Authority, "组建专家组"),
            };
            if role == Role::Unit {
                need_own_unit(ctx, actor, what)?;
            } else {
                need(actor, role, what)?;
            }
            if from != purpose.stage() {
                return Err(wrong());
            }
            if ctx.open_panel.is_some() {
                return Err(Refusal::Rule {
                    message: "已有未结束的专家组".into(),
                    cite: profile.expert_cite.clone(),
                });
            }
            let (min, odd, cite) = match purpose {
                PanelPurpose::ExpertReview => {
                    (profile.panel_min, profile.panel_odd, &profile.expert_cite)
                }
                _ => (
                    profile.acceptance_panel_min,
                    profile.acceptance_panel_odd,
                    &profile.acceptance_cite,
                ),
            };
            let mut ids: Vec<UserId> = members.iter().map(|m| m.user_id).collect();
            ids.sort();
            ids.dedup();
            if ids.len() != members.len() {
                return Err(invalid("members", "专家组成员不能重复"));
            }
            if !is_odd_ok(members.len(), min, odd) {
                return Err(rule(
                    format!(
                        "专家组须由 {} 人（含）以上{}组成，当前 {} 人",
                        min,
                        if odd { "单数" } else { "" },
                        members.len()
                    ),
                    cite,
                ));
            }
            if let Some(m) = members.iter().find(|m| !m.roles.contains(&Role::Expert)) {
                return Err(invalid("members", format!("{} 不是评审专家", m.name)));
            }
            if let Some(m) = members.iter().find(|m| m.unit_id == p.unit_id) {
                return Err(Refusal::Rule {
                    message: format!("专家 {} 与项目建设单位同属一个单位，应当回避", m.name),
                    cite: Citation::new("统筹平台规则", "专家回避"),
                });
            }
            need_text("place", &place, "会议地点")?;
            summary = format!(
                "组建{}（{} 人：{}），会议日期 {}",
                purpose.label(),
                members.len(),
                members
                    .iter()
                    .map(|m| m.name.as_str())
                    .collect::<Vec<_>>()
                    .join("、"),
                meeting_date
            );
            events.push(Event::PanelFormed {
                purpose,
                members,
                meeting_date,
                place,
            });
        }
        Command::PanelOpinion { opinion: po } => {
            let panel = ctx.open_panel.as_ref().ok_or_else(wrong)?;
            let member = panel
                .members
                .iter()
                .find(|m| m.user_id == actor.user_id)
                .ok_or_else(|| Refusal::Forbidden("只有专家组成员可以提交专家意见".into()))?;
            need(actor, Role::Expert, "提交专家意见")?;
            if from != panel.purpose.stage() {
                return Err(wrong());
            }
            if member.opinion.is_some() {
                return Err(Refusal::Rule {
                    message: "您已提交过本专家组的意见".into(),
                    cite: profile.expert_cite.clone(),
                });
            }
            if po.score > 100 {
                return Err(invalid("score", "评分为 0–100 分"));
            }
            need_text("opinion", &po.opinion, "专家意见")?;
            if panel.purpose == PanelPurpose::ExpertReview
                && po.pass
                && po.suggested_amount.is_none()
            {
                return Err(invalid("suggested_amount", "评审通过时请提出项目预算建议"));
            }
            if let Some(s) = po.suggested_amount {
                if s > p.input.it_amount {
                    return Err(invalid(
                        "suggested_amount",
                        "预算建议不能超过申报的信息化部分投资",
                    ));
                }
            }
            opinion = po.opinion.clone();
            summary = format!(
                "专家 {} 提交意见：{} 分，{}",
                actor.name,
                po.score,
                if po.pass { "通过" } else { "不通过" }
            );
            events.push(Event::PanelOpinionGiven {
                expert: actor.user_id,
                opinion: po,
            });
        }
        Command::AcceptModule {
            module,
            date,
            panel,
            last,
            opinion: op,
        } => {
            need_own_unit(ctx, actor, "组织分模块初验")?;
            let Some(cite) = profile.acceptance_by_module.clone() else {
                return Err(rule(
                    "项目验收遵循“整体立项，整体验收”要求，项目初验由建设单位对项目整体完成情况组织评审，不分模块初验",
                    &profile.acceptance_cite,
                ));
            };
            if from != Stage::InConstruction {
                return Err(wrong());
            }
            let module = module.trim().to_string();
            need_text("module", &module, "模块名称")?;
            if module.chars().count() > 200 {
                return Err(invalid("module", "模块名称不超过 200 字"));
            }
            if ctx.modules.iter().any(|m| m.module == module) {
                return Err(invalid("module", format!("模块“{module}”已完成初验")));
            }
            if date > today {
                return Err(invalid("date", "初验日期不能晚于今天"));
            }
            if let Some(prev) = ctx.modules.iter().map(|m| m.date).max() {
                if date < prev {
                    return Err(invalid(
                        "date",
                        format!("初验日期不能早于上一模块的初验日期（{prev}）"),
                    ));
                }
            }
            let panel: Vec<String> = panel
                .iter()
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty())
                .collect();
            let n = panel.len() as u32;
            if n < profile.acceptance_panel_min || (profile.acceptance_panel_odd && n % 2 == 0) {
                return Err(invalid(
                    "panel",
                    format!(
                        "初验专家组须 {} 人（含）以上{}，现为 {n} 人",
                        profile.acceptance_panel_min,
                        if profile.acceptance_panel_odd {
                            "单数"
                        } else {
                            ""
                        }
                    ),
                ));
            }
            need_text("opinion", &op, "初验意见")?;
            opinion = op;
            events.push(Event::ModuleAccepted {
                module: module.clone(),
                date,
                panel,
                last,
            });
            if last {
                to = Stage::TrialRun;
                events.push(Event::InitialAccepted { date });
                summary = format!(
                    "模块“{module}”初验通过（{date}），全部功能模块完成初验，开始不少于 {} 天的试运行（{cite}）",
                    profile.trial_run_days
                );
            } else {
                summary = format!("模块“{module}”初验通过（{date}），继续建设其余模块（{cite}）");
            }
        }
        Command::ConcludePanel {
            opinion: op,
            suggested_amount,
            date,
        } => {
            let panel = ctx.open_panel.as_ref().ok_or_else(wrong)?;
            match panel.purpose {
                PanelPurpose::InitialAcceptance => need_own_unit(ctx, actor, "形成初验意见")?,
                _ => need(actor, Role::Authority, "形成专家组意见")?,
            }
            if from != panel.purpose.stage() {
                return Err(wrong());
            }
            let pending: Vec<&str> = panel
                .members
                .iter()
                .filter(|m| m.opinion.is_none())
                .map(|m| m.name.as_str())
                .collect();
            if !pending.is_empty() {
                return Err(Refusal::Rule {
                    message: format!("以下专家尚未提交意见：{}", pending.join("、")),
                    cite: profile.expert_cite.clone(),
                });
            }
            if panel.purpose == PanelPurpose::ExpertReview {
                let missing: Vec<&str> = profile
                    .expert_prerequisite_docs
                    .iter()
                    .filter(|k| !ctx.has_attachment(k))
                    .map(|k| attachment_kind_label(k).unwrap_or("材料"))
                    .collect();
                if !missing.is_empty() {
                    return Err(rule(
                        format!("专家评审会前建设单位须上传：{}", missing.join("、")),
                        &profile.expert_cite,
                    ));
                }
            }
            if date > today {
                return Err(invalid("date", "结论日期不能晚于今天"));
            }
            if date < panel.meeting_date {
                return Err(invalid("date", "结论日期不能早于专家组会议日期"));
            }
            need_text("opinion", &op, "专家组意见")?;
            let votes_for = panel
                .members
                .iter()
                .filter(|m| m.opinion.as_ref().is_some_and(|o| o.pass))
                .count() as u32;
            let votes_against = panel.members.len() as u32 - votes_for;
            let pass = votes_for > votes_against;
            let mut suggested = None;
            if panel.purpose == PanelPurpose::ExpertReview && pass {
                let mut s: Vec<Yuan> = panel
                    .members
                    .iter()
                    .filter_map(|m| m.opinion.as_ref()?.suggested_amount)
                    .collect();
                s.sort();
                let median = s.get(s.len().saturating_sub(1) / 2).copied();
                let chosen = suggested_amount
                    .or(median)
                    .ok_or_else(|| invalid("suggested_amount", "请填写项目预算建议"))?;
                if chosen > p.input.it_amount {
                    return Err(invalid(
                        "suggested_amount",
                        "预算建议不能超过申报的信息化部分投资",
                    ));
                }
                suggested = Some(chosen);
            }
            opinion = op;
            events.push(Event::PanelConcluded {
                purpose: panel.purpose,
                pass,
                votes_for,
                votes_against,
                suggested_amount: suggested,
                date,
            });
            let tally = format!("{votes_for} 票通过、{votes_against} 票不通过");
            match (panel.purpose, pass) {
                (PanelPurpose::ExpertReview, true) => {
                    to = profile.next_review_stage(Stage::ExpertReview);
                    summary = format!(
                        "{}通过（{tally}），预算建议 {} 元",
                        profile.stage_name(Stage::ExpertReview),
                        suggested.unwrap_or_default().grouped()
                    );
                }
                (PanelPurpose::ExpertReview, false) => {
                    to = Stage::Ended;
                    summary = format!(
                        "{}未通过（{tally}），本次申报结束",
                        profile.stage_name(Stage::ExpertReview)
                    );
                    events.push(Event::Ended {
                        reason: "专家评审未通过".into(),
                    });
                }
                (PanelPurpose::InitialAcceptance, true) => {
                    to = Stage::TrialRun;
                    summary = format!(
                        "项目初验通过（{tally}），开始不少于 {} 天的试运行",
                        profile.trial_run_days
                    );
                    events.push(Event::InitialAccepted { date });
                }
                (PanelPurpose::InitialAcceptance, false) => {
                    summary = format!("项目初验未通过（{tally}），继续建设");
                }
                (PanelPurpose::FinalAcceptance, true) => {
                    to = Stage::InOperation;
                    summary = format!("项目验收合格（{tally}），投入正常使用");
                    events.push(Event::FinalAccepted { date });
                }
                (PanelPurpose::FinalAcceptance, false) => {
                    to = Stage::Rectifying;
                    let due = add_months(date, profile.rectify_months);
                    summary = format!("项目验收不合格（{tally}），须在 {due} 前完成整改再提请验收，整改前不得投入使用");
                    events.push(Event::RectificationOrdered { due });
                }
            }
        }
        Command::ReExamine {
            pass,
            final_amount,
            opinion: op,
        } => {
            need(
                actor,
                profile.re_examination_role,
                &if profile.stage_names.is_empty() {
                    "开展复核审查".to_string()
                } else {
                    format!("办理{}", profile.stage_name(Stage::ReExamination))
                },
            )?;
            if from != Stage::ReExamination {
                return Err(wrong());
            }
            need_text("opinion", &op, "复核意见")?;
            opinion = op;
            if pass {
                if profile.final_report_required && !ctx.has_attachment("final_report") {
                    return Err(rule(
                        "专家评审通过后，建设单位须先上传修改后的最终可研报告",
                        &profile.expert_cite,
                    ));
                }
                let amount =
                    final_amount.ok_or_else(|| invalid("final_amount", "请填写最终审定金额"))?;
                let ceiling = p.suggested_amount.unwrap_or(p.input.it_amount);
                if amount > ceiling || amount == Yuan::ZERO {
                    return Err(Refusal::Rule {
                        message: format!(
                            "最终审定金额须大于 0 且不超过专家评审预算建议 {} 元",
                            ceiling.grouped()
                        ),
                        cite: profile.re_examination_cite.clone(),
                    });
                }
                to = profile.next_review_stage(Stage::ReExamination);
                summary = if profile.stage_names.is_empty() {
                    format!(
                        "复核审查通过，最终审定金额 {} 元，提交联席会议审议",
                        amount.grouped()
                    )
                } else {
                    format!(
                        "{}通过，审定金额 {} 元，进入{}",
                        profile.stage_name(Stage::ReExamination),
                        amount.grouped(),
                        profile.stage_name(to)
                    )
                };
                events.push(Event::FinalAmountFixed { amount });
            } else {
                to = Stage::Ended;
                summary = "复核审查未通过，本次申报结束".into();
                events.push(Event::Ended {
                    reason: "复核审查未通过".into(),
                });
            }
        }
        Command::Approve {
            approve,
            doc_date,
            opinion: op,
        } => {
            need(
                actor,
                profile.approval_role,
                &if profile.stage_names.is_empty() {
                    "审议立项".to_string()
                } else {
                    format!("办理{}", profile.stage_name(Stage::ApprovalMeeting))
                },
            )?;
            if from != Stage::ApprovalMeeting {
                return Err(wrong());
            }
            need_text("opinion", &op, "审议意见")?;
            opinion = op;
            // Quzhou 三(二)2: 项目（涉密项目除外）应当……使用在线平台生成的项目代码办理审批手续.
            if let Some(cite) = &profile.project_code_cite {
                if approve && p.extra.project_code.is_none() && !p.extra.classified {
                    return Err(rule(
                        "项目（涉密项目除外）应当使用投资项目在线审批监管平台生成的项目代码办理审批手续：建设单位尚未填报项目代码",
                        cite,
                    ));
                }
            }
            if approve {
                if doc_date > today {
                    return Err(invalid("doc_date", "发文日期不能晚于今天"));
                }
                // The amount fixed at re-examination; on a path without it, the expert panel's
                // suggested budget.
                let amount = if profile.has_step(Stage::ReExamination) {
                    p.final_amount
                } else {
                    p.final_amount.or(p.suggested_amount)
                }
                .ok_or_else(|| rule("尚无复核审查确定的金额", &profile.approval_cite))?;
                let doc_no = format!(
                    "{}〔{}〕{}号",
                    profile.approval_doc_prefix,
                    doc_date.year(),
                    ctx.next_approval_seq
                );
                to = Stage::Approved;
                summary = format!(
                    "{}通过，{}{}立项文件 {doc_no}，立项金额 {} 元",
                    if profile.stage_names.is_empty() {
                        "联席会议审议"
                    } else {
                        profile.stage_name(Stage::ApprovalMeeting)
                    },
                    profile.approval_issuers.join("、"),
                    if profile.approval_issuers.len() > 1 {
                        "联合发布"
                    } else {
                        "出具"
                    },
                    amount.grouped()
                );
                events.push(Event::ApprovalIssued {
                    doc_no,
                    seq: ctx.next_approval_seq,
                    doc_date,
                    amount,
                });
            } else {
                to = Stage::Ended;
                summary = "联席会议审议未通过，本次申报结束".into();
                events.push(Event::Ended {
                    reason: "联席会议审议未通过".into(),
                });
            }
        }
        Command::Budget {
            fiscal_year,
            amount,
            opinion: op,
        } => {
            need(actor, Role::Finance, "安排项目预算")?;
            if from != Stage::Approved {
                return Err(wrong());
            }
            let approved = p.approved_amount.ok_or_else(|| {
                rule(
                    "无评审意见和立项文件的项目不得安排资金",
                    &Citation::new("绍兴市市级政务信息化项目管理办法", "第二十二条"),
                )
            })?;
            if amount > approved {
                return Err(rule(
                    format!(
                        "预算 {} 元超过立项金额 {} 元",
                        amount.grouped(),
                        approved.grouped()
                    ),
                    &Citation::new("绍兴市市级政务信息化项目管理办法", "第二十一条"),
                ));
            }
            if amount == Yuan::ZERO {
                return Err(invalid("amount", "预算金额须大于 0"));
            }
            if !(2000..=2100).contains(&fiscal_year) {
                return Err(invalid("fiscal_year", "请填写有效的预算年度"));
            }
            opinion = op;
            to = Stage::Budgeted;
            summary = format!(
                "{}安排 {fiscal_year} 年度项目预算 {} 元",
                profile.role_name(Role::Finance),
                amount.grouped()
            );
            events.push(Event::BudgetArranged {
                fiscal_year,
                amount,
            });
        }
        Command::StartProcurement {
            method,
            ceiling,
            doc_date,
        } => {
            need_own_unit(ctx, actor, "开展采购")?;
            if from != Stage::Budgeted {
                return Err(wrong());
            }
            let label = procurement_method_label(&method)
                .ok_or_else(|| invalid("method", "请选择采购方式"))?;
            let approved = p.approved_amount.unwrap_or_default();
            if ceiling > approved || ceiling == Yuan::ZERO {
                return Err(rule(
                    format!(
                        "采购最高限价须大于 0 且不超过立项金额 {} 元",
                        approved.grouped()
                    ),
                    &Citation::new("衢州市政府投资数字化项目全生命周期管理办法", "三(三)1"),
                ));
            }
            if doc_date > today {
                return Err(invalid("doc_date", "采购文件日期不能晚于今天"));
            }
            if p.approval_date.is_some_and(|a| doc_date < a) {
                return Err(invalid("doc_date", "采购文件日期不能早于立项发文日期"));
            }
            to = Stage::Procurement;
            summary = format!(
                "采购备案：{label}，最高限价 {} 元，采购文件日期 {doc_date}",
                ceiling.grouped()
            );
            events.push(Event::ProcurementRecorded {
                method,
                ceiling,
                doc_date,
            });
        }
        Command::SignContract {
            project_name,
            supplier,
            amount,
            signed_date,
            period_months,
            maintenance_years,
            clauses,
            override_reason,
            supervision,
        } => {
            need_own_unit(ctx, actor, "合同备案")?;
            if from != Stage::Procurement {
                return Err(wrong());
            }
            if project_name.trim() != p.input.name {
                return Err(rule(
                    format!(
                        "合同中的项目名称“{}”与立项文件“{}”不一致",
                        project_name.trim(),
                        p.input.name
                    ),
                    &profile.procurement_cite,
                ));
            }
            need_text("supplier", &supplier, "承建单位")?;
            let approved = p.approved_amount.unwrap_or_default();
            if amount == Yuan::ZERO {
                return Err(invalid("amount", "合同金额须大于 0"));
            }
            if amount > approved {
                return Err(rule(
                    format!(
                        "合同金额 {} 元超过立项金额 {} 元",
                        amount.grouped(),
                        approved.grouped()
                    ),
                    &Citation::new("统筹平台规则", "合同不超过立项金额"),
                ));
            }
            if let Some(pr) = &ctx.procurement {
                if amount > pr.ceiling {
                    return Err(rule(
                        format!(
                            "合同金额 {} 元超过采购最高限价 {} 元",
                            amount.grouped(),
                            pr.ceiling.grouped()
                        ),
                        &Citation::new("衢州市政府投资数字化项目全生命周期管理办法", "三(三)1"),
                    ));
                }
                if signed_date < pr.doc_date {
                    return Err(invalid("signed_date", "签订日期不能早于采购文件日期"));
                }
            }
            if signed_date > today {
                return Err(invalid("signed_date", "签订日期不能晚于今天"));
            }
            if let Some(a) = p.approval_date {
                let due = add_months(a, profile.procurement_months);
                if signed_date > due {
                    return Err(rule(
                        format!("立项发文（{a}）后{}个月内（{due} 前）未完成采购，应由主管部门取消立项指标", profile.procurement_months),
                        &profile.procurement_cite,
                    ));
                }
            }
            if period_months == 0 || period_months > 120 {
                return Err(invalid("period_months", "请填写合同建设周期（月）"));
            }
            let failed = check_all(&profile.contract_clauses, &clauses)?;
            if !failed.is_empty() {
                return Err(rule(
                    format!("合同应当明确：{}", failed.join("；")),
                    &profile.procurement_cite,
                ));
            }
            let supervision =
                check_supervision(ctx, profile, &supplier, amount, supervision, today)?;
            if maintenance_years < profile.maintenance_min_years {
                events.push(crate::overrides::answer(
                    profile,
                    "maintenance_min_years",
                    format!(
                        "维保期一般不少于{}年，当前 {} 年",
                        profile.maintenance_min_years, maintenance_years
                    ),
                    &profile.procurement_cite,
                    override_reason.as_deref(),
                )?);
            }
            to = Stage::InConstruction;
            let mut line = format!("合同备案：承建单位 {}，合同金额 {} 元，签订日期 {signed_date}，建设周期 {period_months} 个月", supplier.trim(), amount.grouped());
            if let Some(s) = &supervision {
                line.push_str(&format!(
                    "；工程监理：{}，监理费用 {} 元，{} 签订",
                    s.company,
                    s.fee.grouped(),
                    s.signed_date
                ));
            }
            summary = line;
            events.push(Event::ContractSigned {
                supplier: supplier.trim().into(),
                amount,
                signed_date,
                period_months,
                maintenance_years,
                clauses,
                supervision,
            });
        }
        Command::ReportProgress {
            month,
            percent,
            summary: s,
            milestones,
            problems,
        } => {
            need_own_unit(ctx, actor, "报送建设进度")?;
            if from != Stage::InConstruction {
                return Err(wrong());
            }
            let valid_month = month.len() == 7
                && Date::strptime("%Y-%m-%d", format!("{month}-01")).is_ok_and(|d| d <= today);
            if !valid_month {
                return Err(invalid("month", "请填写报送月份（YYYY-MM），不能晚于本月"));
            }
            if ctx.reported_months.contains(&month) {
                return Err(rule(
                    format!("{month} 的进度已报送"),
                    &profile.progress_cite,
                ));
            }
            if percent > 100 {
                return Err(invalid("percent", "完成比例为 0–100"));
            }
            // I8: a report for a month after the contract period needs the overrun explained first.
            if let Some(end) = crate::funds::contract_end(ctx) {
                let first = Date::strptime("%Y-%m-%d", format!("{month}-01")).ok();
                if first.is_some_and(|f| f > end) && ctx.funds.overrun_explained_for != Some(end) {
                    return Err(rule(
                        format!("合同约定建设周期已于 {end} 届满，项目实际建设周期超合同约定，请先向区数据资源局说明超期情况"),
                        &profile.implementation_cite,
                    ));
                }
            }
            need_text("summary", &s, "本月进展")?;
            summary = format!("报送 {month} 建设进度：完成 {percent}%");
            opinion = s.clone();
            let milestones = milestones
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join("\n");
            events.push(Event::ProgressReported {
                month,
                percent,
                summary: s,
                milestones,
                problems,
            });
        }
        Command::ApplyAcceptance { conditions } => {
            need_own_unit(ctx, actor, "提出验收申请")?;
            if from != Stage::TrialRun {
                return Err(wrong());
            }
            let start = p.initial_acceptance_date.ok_or_else(wrong)?;
            // Module by module: counted from the LAST module's initial acceptance.
            let start = ctx.modules.iter().map(|m| m.date).fold(start, Date::max);
            let earliest = add_days(start, profile.trial_run_days as i64);
            if today < earliest {
                return Err(rule(
                    format!(
                        "初验（{start}）后须试运行不少于{}天，{earliest} 起方可提出验收申请",
                        profile.trial_run_days
                    ),
                    &profile.acceptance_cite,
                ));
            }
            // Quzhou 三(三)5: the final-acceptance application no earlier than N months after
            // the (last module's) initial acceptance — a minimum; a long wait is only flagged.
            if let (Some(m), Some(earliest)) = (
                profile.final_wait_months,
                final_acceptance_earliest(ctx, profile),
            ) {
                if today < earliest {
                    return Err(rule(
                        format!(
                            "全部功能模块完成初验（{start}）{m}个月后方可提出竣工验收申请，{earliest} 起可申请"
                        ),
                        &profile.acceptance_cite,
                    ));
                }
            }
            let failed = check_all(&profile.acceptance_conditions, &conditions)?;
            if !failed.is_empty() {
                return Err(rule(
                    format!("尚不满足验收申请条件：{}", failed.join("；")),
                    &profile.acceptance_cite,
                ));
            }
            for kind in ["trial_run_report", "test_report"] {
                if !ctx.has_attachment(kind) {
                    return Err(rule(
                        format!("请先上传{}", attachment_kind_label(kind).unwrap_or(kind)),
                        &profile.acceptance_cite,
                    ));
                }
            }
            to = Stage::AcceptanceApplied;
            summary = "试运行正常，提出验收申请".into();
            events.push(Event::AcceptanceApplied { conditions });
        }
        Command::ReviewAcceptanceApplication { agree, opinion: op } => {
            need(actor, Role::Authority, "审核验收申请")?;
            if from != Stage::AcceptanceApplied {
                return Err(wrong());
            }
            need_text("opinion", &op, "审核意见")?;
            opinion = op;
            if agree {
                to = Stage::Accepting;
                summary = "区数据资源局审核同意，进入验收环节".into();
            } else {
                to = if p.rectify_due.is_some() {
                    Stage::Rectifying
                } else {
                    Stage::TrialRun
                };
                summary = "验收申请审核未同意，退回建设单位".into();
            }
        }
        Command::Reapply { note } => {
            need_own_unit(ctx, actor, "再提请验收")?;
            if from != Stage::Rectifying {
                return Err(wrong());
            }
            if let Some(due) = p.rectify_due {
                if today > due {
                    return Err(rule(
                        format!("整改期限已于 {due} 届满"),
                        &profile.acceptance_cite,
                    ));
                }
            }
            need_text("note", &note, "整改情况说明")?;
            opinion = note;
            to = Stage::AcceptanceApplied;
            summary = "整改完成，再提请验收".into();
        }
        Command::ConfirmConsequence { obligation, reason } => {
            need(actor, Role::Authority, "确认逾期后果")?;
            let c = ctx
                .pending_consequences
                .iter()
                .find(|(o, _)| *o == obligation)
                .ok_or_else(|| invalid("obligation", "没有待确认的逾期后果"))?;
            need_text("reason", &reason, "处理意见")?;
            opinion = reason;
            summary = format!("确认逾期后果：{}", c.1);
            events.push(Event::ConsequenceConfirmed {
                obligation: obligation.clone(),
            });
            // A catalogue not fixed in time takes the system down; the project goes on.
            match crate::operation::take_down_event(&obligation) {
                Some(e) => events.push(e),
                None => {
                    to = Stage::Ended;
                    events.push(Event::Ended {
                        reason: c.1.clone(),
                    });
                }
            }
        }
        Command::WaiveConsequence { obligation, reason } => {
            need(actor, Role::Authority, "处理逾期后果")?;
            let c = ctx
                .pending_consequences
                .iter()
                .find(|(o, _)| *o == obligation)
                .ok_or_else(|| invalid("obligation", "没有待确认的逾期后果"))?;
            need_text("reason", &reason, "不予处理的理由")?;
            opinion = reason.clone();
            summary = format!("不予处理逾期后果（{}）：{reason}", c.1);
            events.push(Event::ConsequenceWaived { obligation, reason });
        }
        Command::Attach {
            kind,
            filename,
            sha256,
            size,
            doc_date,
        } => {
            // A department uploads the document the profile has it issue after the approval
            // (Quzhou 三(二)2: 初步设计批复, 价格评审意见书); everything else is the unit's.
            match profile.after_approval.iter().find(|d| d.kind == kind) {
                Some(d) => {
                    if !(actor.has(d.issuer) && actor.covers(&p.jurisdiction_path)) {
                        return Err(Refusal::Forbidden(format!(
                            "只有{}可以上传{}",
                            profile.role_name(d.issuer),
                            attachment_kind_label(&kind).unwrap_or("该文件")
                        )));
                    }
                    if !from.is_approved_or_later() {
                        return Err(wrong());
                    }
                }
                None => need_own_unit(ctx, actor, "上传附件")?,
            }
            if from == Stage::Ended {
                return Err(wrong());
            }
            let label =
                attachment_kind_label(&kind).ok_or_else(|| invalid("kind", "请选择材料类型"))?;
            if doc_date.is_some_and(|d| d > today) {
                return Err(invalid("doc_date", "文件日期不能晚于今天"));
            }
            summary = format!("上传{label}：{filename}");
            events.push(Event::Attached {
                kind,
                filename,
                sha256,
                size,
                doc_date,
            });
        }
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

/// The commands an actor could try on this project now (for showing forms and the to-do list).
/// It answers "is it this actor's turn", not whether the input will be accepted.
pub fn available_actions(
    ctx: &ProjectContext,
    actor: &Actor,
    profile: &Profile,
) -> Vec<&'static str> {
    let p = &ctx.project;
    let on_panel = ctx
        .open_panel
        .as_ref()
        .is_some_and(|panel| panel.members.iter().any(|m| m.user_id == actor.user_id));
    if !acts_here(actor, p, on_panel, profile) {
        return Vec::new();
    }
    let own = actor.has(Role::Unit) && actor.unit_id == p.unit_id;
    let auth = actor.has(Role::Authority);
    let mut out = Vec::new();
    match p.stage {
        Stage::Draft if own => out.extend(["edit", "attach", "declare", "withdraw"]),
        Stage::Returned => {
            if own {
                out.extend(["edit", "attach", "request_rereview", "withdraw"]);
            }
            if auth {
                out.push("end_declaration");
            }
        }
        // Shaoxing 第十一条: an urgent mid-year task waits for finance's fund source first.
        Stage::ComplianceReview
            if auth
                && !(profile.mid_year_exception.is_some()
                    && p.extra
                        .urgent
                        .as_ref()
                        .is_some_and(|u| u.fund_source.is_none())) =>
        {
            out.push("compliance_review")
        }
        Stage::PreliminaryReview => {
            if let Some(d) = profile.preliminary_scorers.iter().find(|r| actor.has(**r)) {
                if !ctx.preliminary_scores.iter().any(|s| s.department == *d) {
                    out.push("preliminary_score");
                }
            }
            if auth {
                out.push("preliminary_decide");
            }
            if own && profile.joint_review_requester.is_some() && p.extra.needs_statement.is_none()
            {
                out.push("confirm_needs");
            }
        }
        Stage::ReExamination if actor.has(profile.re_examination_role) => out.push("re_examine"),
        Stage::ApprovalMeeting if actor.has(profile.approval_role) => out.push("approve"),
        Stage::Approved if actor.has(Role::Finance) => out.push("budget"),
        Stage::Budgeted if own => out.push("start_procurement"),
        Stage::Procurement if own => out.push("sign_contract"),
        Stage::TrialRun if own => out.push("apply_acceptance"),
        Stage::AcceptanceApplied if auth => out.push("review_acceptance_application"),
        Stage::Rectifying if own => out.push("reapply"),
        _ => {}
    }
    if p.stage == Stage::InConstruction && own && profile.acceptance_by_module.is_some() {
        out.push("accept_module");
    }
    if p.stage == Stage::InConstruction && own {
        out.push("report_progress");
    }
    // Panels: form, give opinion, conclude.
    let panel_stage = matches!(
        p.stage,
        Stage::ExpertReview | Stage::InConstruction | Stage::Accepting
    );
    if panel_stage {
        let organiser = if p.stage == Stage::InConstruction {
            own
        } else {
            auth
        };
        match &ctx.open_panel {
            None if organiser => out.push("form_panel"),
            Some(panel) => {
                if panel
                    .members
                    .iter()
                    .any(|m| m.user_id == actor.user_id && m.opinion.is_none())
                {
                    out.push("panel_opinion");
                }
                if organiser {
                    out.push("conclude_panel");
                }
            }
            _ => {}
        }
    }
    if own && !matches!(p.stage, Stage::Draft | Stage::Returned | Stage::Ended) {
        out.push("attach");
    }
    if own
        && profile.project_code_cite.is_some()
        && p.stage != Stage::Ended
        && !p.stage.is_approved_or_later()
    {
        out.push("set_project_code");
    }
    if actor.has(Role::Finance)
        && p.extra
            .urgent
            .as_ref()
            .is_some_and(|u| u.fund_source.is_none())
        && !matches!(p.stage, Stage::Draft | Stage::Ended)
        && !p.stage.is_approved_or_later()
    {
        out.push("confirm_fund_source");
    }
    if auth && p.extra.om_stopped.is_some() {
        out.push("lift_om_stop");
    }
    if auth && !ctx.pending_consequences.is_empty() && p.stage != Stage::Ended {
        out.extend(["confirm_consequence", "waive_consequence"]);
    }
    crate::funds::available(ctx, actor, profile, &mut out);
    crate::evaluation::available(ctx, actor, &mut out);
    crate::overrides::available(ctx, actor, &mut out);
    out
}

/// The consequence a missed deadline carries, by obligation code (proposed, never automatic).
pub fn consequence_of(obligation: &str) -> Option<&'static str> {
    match obligation {
        "procurement" => Some("立项发文后6个月内未完成采购，取消相应立项指标"),
        "funding" => Some("非区级财政性资金项目两年内未落实资金，取消相应立项指标"),
        "rectification" => Some("验收不合格且未在2个月内整改再提请验收，验收不通过，项目终止"),
        o if o.starts_with(crate::operation::CATALOGUE_PREFIX) => {
            Some(crate::operation::take_down_consequence())
        }
        _ => None,
    }
}

/// The system proposes the consequence of a missed deadline to the authority; the project's
/// stage does not change.
pub fn propose_consequence(ctx: &ProjectContext, obligation: &str) -> Option<Decision> {
    let consequence = consequence_of(obligation)?;
    if ctx.project.stage == Stage::Ended
        || ctx
            .pending_consequences
            .iter()
            .any(|(o, _)| o == obligation)
    {
        return None;
    }
    Some(Decision {
        action: "propose_consequence".into(),
        from: ctx.project.stage,
        to: ctx.project.stage,
        events: vec![Event::ConsequenceProposed {
            obligation: obligation.into(),
            consequence: consequence.into(),
        }],
        summary: format!("期限已过，提请主管部门确认：{consequence}"),
        opinion: String::new(),
    })
}

/// The stages in which this actor may have something to do (a pre-filter for "我的待办";
/// [`available_actions`] decides per project).
pub fn todo_stages(actor: &Actor) -> Vec<Stage> {
    let mut s = Vec::new();
    if actor.has(Role::Unit) {
        s.extend([
            Stage::Draft,
            Stage::Returned,
            Stage::Budgeted,
            Stage::Procurement,
            Stage::InConstruction,
            Stage::TrialRun,
            Stage::Rectifying,
        ]);
    }
    if actor.has(Role::Authority) {
        s.extend([
            Stage::ComplianceReview,
            Stage::Returned,
            Stage::PreliminaryReview,
            Stage::ExpertReview,
            Stage::ReExamination,
            Stage::AcceptanceApplied,
            Stage::Accepting,
        ]);
    }
    if [
        Role::Drc,
        Role::Finance,
        Role::Cyber,
        Role::Xinchuang,
        Role::BusinessEnv,
        Role::ReviewCentre,
        Role::Oversight,
    ]
    .iter()
    .any(|r| actor.has(*r))
    {
        s.push(Stage::PreliminaryReview);
    }
    if actor.has(Role::Unit) {
        // 业务需求单位确认需求 (Quzhou 三(二)1); 项目代码 before the approval (三(二)2).
        s.extend([
            Stage::PreliminaryReview,
            Stage::ReExamination,
            Stage::ApprovalMeeting,
        ]);
    }
    if actor.has(Role::Finance) {
        // 明确资金来源 of an urgent mid-year task (Shaoxing 第十一条).
        s.extend([Stage::Approved, Stage::ComplianceReview]);
    }
    if actor.has(Role::LeadingGroup) {
        s.push(Stage::ApprovalMeeting);
    }
    if actor.has(Role::Expert) {
        s.extend([Stage::ExpertReview, Stage::InConstruction, Stage::Accepting]);
    }
    s.sort_by_key(|st| st.code());
    s.dedup();
    s
}

/// The records a command's rule reads, so that the store loads only those.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Needs {
    pub attachments: bool,
    pub scores: bool,
    pub panel: bool,
    pub procurement: bool,
    pub contract: bool,
    pub months: bool,
    pub approval_seq: bool,
    pub consequences: bool,
    /// Payments, changes, termination, overrun (see `funds`).
    pub funds: bool,
    /// Default-rule overrides (see `overrides`).
    pub overrides: bool,
    /// The project's yearly evaluations (see `evaluation`).
    pub evaluations: bool,
    /// The unit's records the declaration bars read (A6).
    pub eligibility: bool,
}

impl Needs {
    pub const ALL: Needs = Needs {
        attachments: true,
        scores: true,
        panel: true,
        procurement: true,
        contract: true,
        months: true,
        approval_seq: true,
        consequences: true,
        funds: true,
        overrides: true,
        evaluations: true,
        eligibility: true,
    };
}

/// What [`decide`] reads for an action (by its code); unknown codes need everything.
pub fn needs(action: &str) -> Needs {
    let none = Needs::default();
    match action {
        "edit"
        | "withdraw"
        | "compliance_review"
        | "request_rereview"
        | "end_declaration"
        | "budget"
        | "start_procurement"
        | "review_acceptance_application"
        | "reapply"
        | "confirm_needs"
        | "set_project_code"
        | "confirm_fund_source"
        | "lift_om_stop"
        | "attach" => none,
        "review_override" => Needs {
            overrides: true,
            ..none
        },
        "accept_module" => Needs {
            panel: true,
            ..none
        },
        "self_evaluate"
        | "spot_check"
        | "propose_outcome"
        | "confirm_outcome"
        | "publish_evaluation"
        | "report_rectification" => Needs {
            evaluations: true,
            ..none
        },
        "declare" => Needs {
            attachments: true,
            eligibility: true,
            ..none
        },
        "re_examine" | "apply_acceptance" => Needs {
            attachments: true,
            ..none
        },
        "preliminary_score" | "preliminary_decide" => Needs {
            scores: true,
            ..none
        },
        "form_panel" | "panel_opinion" => Needs {
            panel: true,
            ..none
        },
        "conclude_panel" => Needs {
            panel: true,
            attachments: true,
            ..none
        },
        "approve" => Needs {
            approval_seq: true,
            ..none
        },
        "sign_contract" => Needs {
            procurement: true,
            ..none
        },
        "report_progress" => Needs {
            months: true,
            contract: true,
            funds: true,
            ..none
        },
        "add_payment_batch"
        | "prefile_payment"
        | "record_payment"
        | "file_change"
        | "review_change"
        | "change_expert_review"
        | "apply_termination"
        | "file_termination"
        | "explain_overrun" => Needs {
            contract: true,
            funds: true,
            ..none
        },
        "submit_change" => Needs {
            contract: true,
            funds: true,
            attachments: true,
            ..none
        },
        _ => Needs::ALL,
    }
}
