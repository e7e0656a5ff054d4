//! 资金与实施 Money during implementation: payment batches and payments (M5), change requests
//! (I6), termination (I7) and overrun of the contract period (I8). Pure rules; called from
//! [`crate::lifecycle::decide`] for the commands of this module, and [`apply`] shows how each
//! event changes the state (the store writes the same into its tables).
use crate::lifecycle::{
    add_months, invalid, need, need_own_unit, need_text, rule, Command, Decision, Event, Refusal,
};
use crate::profile::{Citation, Profile};
use crate::project::ProjectContext;
use crate::{Actor, Date, Role, Stage, Yuan};
use serde::{Deserialize, Serialize};

const SHAOXING: &str = "绍兴市市级政务信息化项目管理办法";

/// No review opinion → no money (M2).
pub fn no_money_cite() -> Citation {
    Citation::new(SHAOXING, "第二十二条")
}
/// [product] rules of the platform (never a seed).
pub fn platform_cite(what: &str) -> Citation {
    Citation::new("统筹平台规则", what)
}

/// The text of a termination reason in the profile in force (`None` if it has no such code).
pub fn termination_reason_label<'a>(profile: &'a Profile, code: &str) -> Option<&'a str> {
    profile.termination_reason(code)
}

/// Stages in which the contract's batches are defined and payments pre-filed and recorded.
pub const PAY_STAGES: [Stage; 6] = [
    Stage::InConstruction,
    Stage::TrialRun,
    Stage::AcceptanceApplied,
    Stage::Accepting,
    Stage::Rectifying,
    Stage::InOperation,
];

/// Stages in which a change may be requested (after approval; before procurement only with a
/// reason: 原则上不做变更).
pub const CHANGE_STAGES: [Stage; 4] = [
    Stage::Approved,
    Stage::Budgeted,
    Stage::Procurement,
    Stage::InConstruction,
];

/// Stages in which construction may be revoked or terminated (撤销或终止建设).
pub const TERMINATE_STAGES: [Stage; 8] = [
    Stage::Approved,
    Stage::Budgeted,
    Stage::Procurement,
    Stage::InConstruction,
    Stage::TrialRun,
    Stage::AcceptanceApplied,
    Stage::Accepting,
    Stage::Rectifying,
];

/// The rules of this module with their citations (for the 政策规则 page).
pub fn rules(profile: &Profile) -> Vec<(String, Citation)> {
    vec![
        (
            "未取得审核意见和立项文件的项目不予核拨建设经费".into(),
            no_money_cite(),
        ),
        (
            format!("签订合同时按建设内容设定资金分批支付的条件及比例（合计不超过合同金额的{}）；符合支付条件时须提前填报《电子政务项目资金支付报备单》报备，未报备的支付不能登记", pct(profile.payment_batches_max_bp)),
            profile.implementation_cite.clone(),
        ),
        (
            "累计支付（含已报备）不超过合同金额和变更后的项目金额；合同金额不超过立项金额".into(),
            platform_cite("支付不超过合同金额"),
        ),
        (
            "项目立项后、采购前原则上不做变更（原则性规定：须填写理由）；变更主要建设内容须组织变更论证".into(),
            profile.change_cite.clone(),
        ),
        (
            format!(
                "变更后投资不超过立项金额且核减不超过{}（含不核减）的，单位实施变更内控流程并备案；核减超过{}的，提交变更申请，经部门初审和项目变更专家论证后实施；超出立项金额的，重新申报立项。立项金额作为基线不因变更而改写",
                pct(profile.change_filing_max_cut_bp as u32),
                pct(profile.change_filing_max_cut_bp as u32)
            ),
            profile.change_cite.clone(),
        ),
        (
            format!(
                "撤销或终止限于{}，说明建设进度和资金支付情况，经单位党委（党组）会议通过、分管区领导批示同意后报区数据资源局备案；备案后项目终止，资金状况冻结",
                profile
                    .termination_reasons
                    .iter()
                    .map(|i| i.text.trim_end_matches('的'))
                    .collect::<Vec<_>>()
                    .join("；")
            ),
            profile.termination_cite.clone(),
        ),
        (
            "实际建设周期超合同约定的，建设单位向区数据资源局说明情况后方可报送此后的月度进度；超期情况纳入部门下期申报项目评审打分".into(),
            profile.implementation_cite.clone(),
        ),
    ]
}

/// 支付分期 a payment batch of the contract: its condition and its ratio of the contract amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentBatch {
    pub no: u32,
    pub condition: String,
    /// Ratio of the contract amount in basis points (3000 = 30%).
    pub ratio_bp: u32,
}

/// 资金支付 one payment: pre-filed (报备) first, then recorded as paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    pub no: u32,
    pub batch: u32,
    /// The pre-filed amount.
    pub amount: Yuan,
    pub planned_date: Date,
    pub paid_date: Option<Date>,
    pub paid_amount: Option<Yuan>,
    pub voucher: String,
}

impl Payment {
    /// What this payment takes from the contract: the paid amount once paid, else the pre-filed one.
    pub fn committed(&self) -> Yuan {
        self.paid_amount.unwrap_or(self.amount)
    }
}

/// How the platform routes a change, from its numbers (Shangcheng 项目变更).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeRoute {
    /// cut ≤ the profile's threshold (Shangcheng 15%; no cut included): the unit's internal process plus a filing (备案)
    Filing,
    /// cut above the threshold: change application, preliminary review, expert change review
    ExpertReview,
}

impl ChangeRoute {
    pub fn code(self) -> &'static str {
        match self {
            ChangeRoute::Filing => "filing",
            ChangeRoute::ExpertReview => "expert_review",
        }
    }
    pub fn parse(s: &str) -> Option<ChangeRoute> {
        [ChangeRoute::Filing, ChangeRoute::ExpertReview]
            .into_iter()
            .find(|r| r.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            ChangeRoute::Filing => "单位内控流程并备案",
            ChangeRoute::ExpertReview => "变更申请、部门初审、专家论证",
        }
    }
}

/// 变更状态
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeState {
    /// 待备案
    AwaitingFiling,
    /// 待部门初审
    PreliminaryReview,
    /// 待专家论证
    ExpertReview,
    /// 已生效（已备案或经专家论证同意）
    Effective,
    /// 未通过
    Rejected,
}

impl ChangeState {
    pub const ALL: [ChangeState; 5] = [
        ChangeState::AwaitingFiling,
        ChangeState::PreliminaryReview,
        ChangeState::ExpertReview,
        ChangeState::Effective,
        ChangeState::Rejected,
    ];
    pub fn code(self) -> &'static str {
        match self {
            ChangeState::AwaitingFiling => "awaiting_filing",
            ChangeState::PreliminaryReview => "preliminary_review",
            ChangeState::ExpertReview => "expert_review",
            ChangeState::Effective => "effective",
            ChangeState::Rejected => "rejected",
        }
    }
    pub fn parse(s: &str) -> Option<ChangeState> {
        ChangeState::ALL.into_iter().find(|c| c.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            ChangeState::AwaitingFiling => "待备案",
            ChangeState::PreliminaryReview => "待部门初审",
            ChangeState::ExpertReview => "待专家论证",
            ChangeState::Effective => "已生效",
            ChangeState::Rejected => "未通过",
        }
    }
    pub fn is_open(self) -> bool {
        matches!(
            self,
            ChangeState::AwaitingFiling
                | ChangeState::PreliminaryReview
                | ChangeState::ExpertReview
        )
    }
}

/// 变更申请
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeRequest {
    pub no: u32,
    pub content: String,
    pub reason: String,
    pub new_amount: Yuan,
    /// The approved amount the change was measured against (the immutable baseline, M1).
    pub baseline: Yuan,
    pub cut: Yuan,
    /// Cut as basis points of the baseline (rounded down; for display — the rule compares exactly).
    pub cut_bp: i64,
    pub route: ChangeRoute,
    pub main_content: bool,
    pub state: ChangeState,
}

/// The money position of a project at a moment (frozen at termination).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct MoneyPosition {
    /// 立项金额 (baseline)
    pub approved: Yuan,
    /// 变更后有效金额 (the baseline when no change took effect)
    pub effective: Yuan,
    /// 合同金额
    pub contracted: Yuan,
    /// 已支付
    pub paid: Yuan,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TerminationState {
    /// 已申请，待区数据资源局备案
    Applied,
    /// 已备案，项目终止
    Filed,
    /// 退回
    Returned,
}

impl TerminationState {
    pub fn code(self) -> &'static str {
        match self {
            TerminationState::Applied => "applied",
            TerminationState::Filed => "filed",
            TerminationState::Returned => "returned",
        }
    }
    pub fn parse(s: &str) -> Option<TerminationState> {
        [
            TerminationState::Applied,
            TerminationState::Filed,
            TerminationState::Returned,
        ]
        .into_iter()
        .find(|c| c.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            TerminationState::Applied => "待备案",
            TerminationState::Filed => "已备案，项目终止",
            TerminationState::Returned => "已退回",
        }
    }
}

/// 撤销或终止申请 (the latest one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Termination {
    pub reason: String,
    pub progress: String,
    pub money: String,
    /// 党委（党组）会议 (minutes reference and date)
    pub committee: String,
    /// 分管区领导批示 (leader's name and date)
    pub leader: String,
    pub state: TerminationState,
    /// Frozen when filed.
    pub position: Option<MoneyPosition>,
}

/// The money records of a project, loaded with the context.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct FundsState {
    /// 变更后有效金额 (None: no change took effect; the baseline applies).
    pub effective_amount: Option<Yuan>,
    /// The contract's construction period in months.
    pub contract_period_months: Option<u32>,
    pub batches: Vec<PaymentBatch>,
    pub payments: Vec<Payment>,
    pub changes: Vec<ChangeRequest>,
    pub termination: Option<Termination>,
    /// The contract end date an overrun explanation was given for.
    pub overrun_explained_for: Option<Date>,
    pub overrun_explanation: Option<String>,
    /// Latest monthly progress percentage.
    pub latest_progress: Option<u32>,
    /// The day the records were loaded (lets `available_actions` tell an overrun).
    pub as_of: Option<Date>,
}

impl FundsState {
    /// Sum of what has been paid.
    pub fn paid_total(&self) -> Yuan {
        sum(self.payments.iter().filter_map(|p| p.paid_amount))
    }
    /// Paid plus pre-filed and not yet paid: what the contract has committed.
    pub fn committed_total(&self) -> Yuan {
        sum(self.payments.iter().map(Payment::committed))
    }
    pub fn outstanding_prefiled(&self) -> Yuan {
        sum(self
            .payments
            .iter()
            .filter(|p| p.paid_amount.is_none())
            .map(|p| p.amount))
    }
    pub fn batch_ratio_total_bp(&self) -> u32 {
        self.batches.iter().map(|b| b.ratio_bp).sum()
    }
    pub fn batch_committed(&self, batch: u32) -> Yuan {
        sum(self
            .payments
            .iter()
            .filter(|p| p.batch == batch)
            .map(Payment::committed))
    }
    pub fn open_change(&self) -> Option<&ChangeRequest> {
        self.changes.iter().find(|c| c.state.is_open())
    }
    pub fn termination_pending(&self) -> bool {
        self.termination
            .as_ref()
            .is_some_and(|t| t.state == TerminationState::Applied)
    }
    pub fn unpaid(&self) -> Vec<&Payment> {
        self.payments
            .iter()
            .filter(|p| p.paid_amount.is_none())
            .collect()
    }
}

fn sum(it: impl Iterator<Item = Yuan>) -> Yuan {
    Yuan::from_fen(it.map(|y| y.fen()).sum())
}

/// `a × bp / 10000`, rounded down to the fen.
pub fn share_of(a: Yuan, bp: u32) -> Yuan {
    Yuan::from_fen((a.fen() as i128 * bp as i128 / 10_000) as i64)
}

/// The classification of a requested amount against the approved baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeClass {
    /// Above the approved amount: refused, declare again.
    OverBudget,
    Route(ChangeRoute),
}

/// Classify a change from its numbers (Shangcheng 项目变更): exact integer arithmetic, so that a
/// cut of exactly 15% stays with the filing route.
/// `max_cut_bp` is the profile's `change_filing_max_cut_bp`.
pub fn classify_change(baseline: Yuan, new_amount: Yuan, max_cut_bp: i64) -> ChangeClass {
    if new_amount > baseline {
        return ChangeClass::OverBudget;
    }
    let cut = baseline.fen() as i128 - new_amount.fen() as i128;
    if cut * 10_000 <= baseline.fen() as i128 * max_cut_bp as i128 {
        ChangeClass::Route(ChangeRoute::Filing)
    } else {
        ChangeClass::Route(ChangeRoute::ExpertReview)
    }
}

/// The contract's end: signing date plus the construction period (calendar months).
pub fn contract_end(ctx: &ProjectContext) -> Option<Date> {
    let c = ctx.contract.as_ref()?;
    let months = ctx.funds.contract_period_months?;
    Some(add_months(c.signed_date, months))
}

/// An overrun that has not been explained yet: the contract end, when `today` is past it while
/// the project is still being built.
pub fn overrun_unexplained(ctx: &ProjectContext, today: Date) -> Option<Date> {
    let end = contract_end(ctx)?;
    let building = matches!(ctx.project.stage, Stage::InConstruction);
    (building && today > end && ctx.funds.overrun_explained_for != Some(end)).then_some(end)
}

/// The money position now.
pub fn position(ctx: &ProjectContext) -> MoneyPosition {
    let approved = ctx.project.approved_amount.unwrap_or_default();
    MoneyPosition {
        approved,
        effective: ctx.funds.effective_amount.unwrap_or(approved),
        contracted: ctx.contract.as_ref().map(|c| c.amount).unwrap_or_default(),
        paid: ctx.funds.paid_total(),
    }
}

/// What the payments card shows (and the API returns).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub position: MoneyPosition,
    pub prefiled_outstanding: Yuan,
    /// Paid / contract, basis points.
    pub payment_progress_bp: Option<i64>,
    /// Latest monthly report (%).
    pub construction_progress: Option<u32>,
    /// **[product]** payment progress runs ahead of construction progress.
    pub payment_ahead: bool,
    pub contract_end: Option<Date>,
    /// The contract period has run out (explained or not).
    pub overrun: bool,
    pub overrun_explained: bool,
}

pub fn summary(ctx: &ProjectContext, today: Date) -> Summary {
    let pos = position(ctx);
    let pay_bp = pos.paid.basis_points_of(pos.contracted);
    let build = ctx.funds.latest_progress;
    let end = contract_end(ctx);
    let building = matches!(ctx.project.stage, Stage::InConstruction);
    let explained = end.is_some() && ctx.funds.overrun_explained_for == end;
    Summary {
        position: pos,
        prefiled_outstanding: ctx.funds.outstanding_prefiled(),
        payment_progress_bp: pay_bp,
        construction_progress: build,
        payment_ahead: match (pay_bp, build) {
            (Some(p), Some(b)) => building && p > b as i64 * 100,
            (Some(p), None) => building && p > 0,
            _ => false,
        },
        contract_end: end,
        overrun: explained || end.is_some_and(|e| building && today > e),
        overrun_explained: explained,
    }
}

fn pct(bp: u32) -> String {
    if bp.is_multiple_of(100) {
        format!("{}%", bp / 100)
    } else {
        format!("{}.{:02}%", bp / 100, bp % 100)
    }
}

/// Parse a percentage ("30", "30%", "12.5") into basis points.
pub fn parse_ratio(s: &str) -> Option<u32> {
    let t = s.trim().trim_end_matches(['%', '％']).trim();
    let d = rust_decimal::Decimal::from_str_exact(t).ok()?;
    let bp = d.checked_mul(rust_decimal::Decimal::from(100))?;
    if bp.fract() != rust_decimal::Decimal::ZERO || bp.is_sign_negative() {
        return None;
    }
    u32::try_from(bp.trunc().mantissa() / 10i128.pow(bp.trunc().scale())).ok()
}

fn money_preconditions(ctx: &ProjectContext, profile: &Profile) -> Result<(), Refusal> {
    // Shaoxing 第三十四条: the system's O&M money stopped — no payment until lifted.
    if let Some((since, why)) = &ctx.project.extra.om_stopped {
        return Err(rule(
            format!("本系统运维经费自 {since} 起停止拨付（{why}），主管部门恢复拨付前不得设定或支付任何款项"),
            &crate::evaluation::om_stop_cite(),
        ));
    }
    if ctx.project.approved_amount.is_none() {
        return Err(rule(
            "未取得审核意见和立项文件的项目不予核拨建设经费",
            &no_money_cite(),
        ));
    }
    if ctx.contract.is_none() {
        return Err(rule(
            "合同签订并设定资金分批支付的条件及比例后方可支付",
            &profile.implementation_cite,
        ));
    }
    Ok(())
}

/// Decide a command of this module (see [`crate::lifecycle::decide`], which checked visibility).
pub fn decide(
    ctx: &ProjectContext,
    actor: &Actor,
    cmd: Command,
    profile: &Profile,
    today: Date,
) -> Result<Decision, Refusal> {
    let p = &ctx.project;
    let f = &ctx.funds;
    let from = p.stage;
    let action = cmd.code();
    let wrong = || Refusal::WrongStage {
        stage: from.label(),
        action: crate::lifecycle::action_label(action),
    };
    let mut events = Vec::new();
    let mut to = from;
    let summary: String;
    let mut opinion = String::new();
    match cmd {
        Command::AddPaymentBatch {
            condition,
            ratio_bp,
        } => {
            need_own_unit(ctx, actor, "设定资金分批支付")?;
            money_preconditions(ctx, profile)?;
            if !PAY_STAGES.contains(&from) {
                return Err(wrong());
            }
            need_text("condition", &condition, "支付条件")?;
            if ratio_bp == 0 || ratio_bp > 10_000 {
                return Err(invalid("ratio", "支付比例为 0–100%"));
            }
            let total = f.batch_ratio_total_bp() + ratio_bp;
            if total > profile.payment_batches_max_bp {
                return Err(rule(
                    format!(
                        "各期支付比例合计不得超过合同金额的{}：已设定 {}，本期 {}",
                        pct(profile.payment_batches_max_bp),
                        pct(f.batch_ratio_total_bp()),
                        pct(ratio_bp)
                    ),
                    &profile.implementation_cite,
                ));
            }
            let no = f.batches.len() as u32 + 1;
            let contract = ctx.contract.as_ref().map(|c| c.amount).unwrap_or_default();
            summary = format!(
                "设定第 {no} 期支付：{}，比例 {}（{} 元）",
                condition.trim(),
                pct(ratio_bp),
                share_of(contract, ratio_bp).grouped()
            );
            events.push(Event::PaymentBatchAdded {
                no,
                condition: condition.trim().into(),
                ratio_bp,
            });
        }
        Command::PrefilePayment {
            batch,
            amount,
            planned_date,
        } => {
            need_own_unit(ctx, actor, "填报资金支付报备单")?;
            money_preconditions(ctx, profile)?;
            if !PAY_STAGES.contains(&from) {
                return Err(wrong());
            }
            let b = f
                .batches
                .iter()
                .find(|b| b.no == batch)
                .ok_or_else(|| invalid("batch", "请选择合同约定的支付分期"))?;
            if amount == Yuan::ZERO {
                return Err(invalid("amount", "支付金额须大于 0"));
            }
            let contract = ctx.contract.as_ref().map(|c| c.amount).unwrap_or_default();
            let signed = ctx.contract.as_ref().map(|c| c.signed_date);
            if signed.is_some_and(|s| planned_date < s) {
                return Err(invalid("planned_date", "计划支付日期不能早于合同签订日期"));
            }
            let after = f.committed_total().checked_add(amount).unwrap_or(amount);
            if after > contract {
                return Err(rule(
                    format!(
                        "累计支付（含已报备）{} 元将超过合同金额 {} 元",
                        after.grouped(),
                        contract.grouped()
                    ),
                    &platform_cite("支付不超过合同金额"),
                ));
            }
            // A pending change must still be able to take effect: its amount caps payments too.
            let effective = match f.open_change() {
                Some(c) => position(ctx).effective.min(c.new_amount),
                None => position(ctx).effective,
            };
            if after > effective {
                return Err(rule(
                    format!(
                        "累计支付（含已报备）{} 元将超过变更后（含待办变更）的项目金额 {} 元",
                        after.grouped(),
                        effective.grouped()
                    ),
                    &platform_cite("支付不超过立项（变更后）金额"),
                ));
            }
            let cap = share_of(contract, b.ratio_bp);
            let batch_after = f
                .batch_committed(batch)
                .checked_add(amount)
                .unwrap_or(amount);
            if batch_after > cap {
                return Err(rule(
                    format!(
                        "第 {batch} 期按合同约定为合同金额的 {}（{} 元），本期累计报备 {} 元将超过该比例",
                        pct(b.ratio_bp),
                        cap.grouped(),
                        batch_after.grouped()
                    ),
                    &profile.implementation_cite,
                ));
            }
            let no = f.payments.len() as u32 + 1;
            summary = format!(
                "填报资金支付报备单：第 {no} 笔，第 {batch} 期（{}），金额 {} 元，计划支付日期 {planned_date}",
                b.condition,
                amount.grouped()
            );
            events.push(Event::PaymentPrefiled {
                no,
                batch,
                amount,
                planned_date,
            });
        }
        Command::RecordPayment {
            payment,
            paid_date,
            amount,
            voucher,
        } => {
            need_own_unit(ctx, actor, "登记资金支付")?;
            money_preconditions(ctx, profile)?;
            if !PAY_STAGES.contains(&from) {
                return Err(wrong());
            }
            let pay = f.payments.iter().find(|x| x.no == payment).ok_or_else(|| {
                rule(
                    "该笔支付未填报《电子政务项目资金支付报备单》，须先报备再支付",
                    &profile.implementation_cite,
                )
            })?;
            if pay.paid_amount.is_some() {
                return Err(rule(
                    format!("第 {payment} 笔支付已登记"),
                    &profile.implementation_cite,
                ));
            }
            if amount == Yuan::ZERO {
                return Err(invalid("amount", "实际支付金额须大于 0"));
            }
            if amount > pay.amount {
                return Err(rule(
                    format!(
                        "实际支付 {} 元超过报备金额 {} 元，超出部分须另行报备",
                        amount.grouped(),
                        pay.amount.grouped()
                    ),
                    &profile.implementation_cite,
                ));
            }
            if paid_date > today {
                return Err(invalid("paid_date", "支付日期不能晚于今天"));
            }
            if ctx
                .contract
                .as_ref()
                .is_some_and(|c| paid_date < c.signed_date)
            {
                return Err(invalid("paid_date", "支付日期不能早于合同签订日期"));
            }
            if voucher.chars().count() > 200 {
                return Err(invalid("voucher", "支付凭证号不超过 200 字"));
            }
            summary = format!(
                "登记资金支付：第 {payment} 笔，{paid_date} 支付 {} 元{}",
                amount.grouped(),
                if voucher.trim().is_empty() {
                    String::new()
                } else {
                    format!("，凭证 {}", voucher.trim())
                }
            );
            events.push(Event::PaymentRecorded {
                no: payment,
                paid_date,
                amount,
                voucher: voucher.trim().into(),
            });
        }
        Command::SubmitChange {
            content,
            reason,
            new_amount,
            main_content,
            override_reason,
        } => {
            need_own_unit(ctx, actor, "提交项目变更")?;
            if !CHANGE_STAGES.contains(&from) {
                return Err(wrong());
            }
            let baseline = p.approved_amount.ok_or_else(wrong)?;
            if let Some(open) = f.open_change() {
                return Err(rule(
                    format!(
                        "第 {} 号变更尚未办结（{}），办结后再提交",
                        open.no,
                        open.state.label()
                    ),
                    &profile.change_cite,
                ));
            }
            if f.termination_pending() {
                return Err(rule(
                    "项目撤销或终止申请待备案，不能提交变更",
                    &profile.termination_cite,
                ));
            }
            need_text("content", &content, "变更内容")?;
            need_text("reason", &reason, "变更原因")?;
            if new_amount == Yuan::ZERO {
                return Err(invalid("new_amount", "变更后金额须大于 0"));
            }
            let route =
                match classify_change(baseline, new_amount, profile.change_filing_max_cut_bp) {
                    ChangeClass::OverBudget => {
                        return Err(rule(
                            format!(
                            "变更后投资规模 {} 元超出立项预算资金 {} 元，应重新进行项目申报和立项",
                            new_amount.grouped(),
                            baseline.grouped()
                        ),
                            &profile.change_cite,
                        ))
                    }
                    ChangeClass::Route(r) => r,
                };
            let committed = f.committed_total();
            if new_amount < committed {
                return Err(rule(
                    format!(
                        "变更后金额 {} 元低于已支付（含已报备）的 {} 元",
                        new_amount.grouped(),
                        committed.grouped()
                    ),
                    &platform_cite("支付不超过立项（变更后）金额"),
                ));
            }
            if main_content && !ctx.has_attachment("change_study") {
                return Err(rule(
                    "变更主要建设内容须由项目建设单位组织变更论证：请先上传变更论证材料",
                    &profile.change_cite,
                ));
            }
            if matches!(from, Stage::Approved | Stage::Budgeted) {
                events.push(crate::overrides::answer(
                    profile,
                    "no_change_before_procurement",
                    "项目立项后、采购前原则上不做变更".into(),
                    &profile.change_cite,
                    override_reason.as_deref(),
                )?);
            }
            let cut = baseline.saturating_sub(new_amount);
            let cut_bp = cut.basis_points_of(baseline).unwrap_or(0);
            let no = f.changes.len() as u32 + 1;
            let state = match route {
                ChangeRoute::Filing => ChangeState::AwaitingFiling,
                ChangeRoute::ExpertReview => ChangeState::PreliminaryReview,
            };
            summary = format!(
                "提交第 {no} 号变更：变更后金额 {} 元（立项金额 {} 元，核减 {} 元，{}.{:02}%），核减{}{}：{}",
                new_amount.grouped(),
                baseline.grouped(),
                cut.grouped(),
                cut_bp / 100,
                cut_bp % 100,
                if route == ChangeRoute::Filing { "不超过" } else { "超过" },
                pct(profile.change_filing_max_cut_bp as u32),
                route.label()
            );
            opinion = reason.trim().to_string();
            events.push(Event::ChangeSubmitted {
                no,
                content: content.trim().into(),
                reason: reason.trim().into(),
                new_amount,
                baseline,
                cut,
                cut_bp,
                route,
                main_content,
                state,
            });
        }
        Command::FileChange {
            change,
            opinion: op,
        } => {
            need(actor, Role::Authority, "办理变更备案")?;
            if from == Stage::Ended {
                return Err(wrong());
            }
            let c = open_change(f, change)?;
            if c.state != ChangeState::AwaitingFiling {
                return Err(rule(
                    format!("第 {change} 号变更当前{}，不是待备案", c.state.label()),
                    &profile.change_cite,
                ));
            }
            below_committed(f, c)?;
            opinion = op.trim().to_string();
            summary = format!(
                "第 {change} 号变更已备案，变更后金额 {} 元生效（立项金额 {} 元不变）",
                c.new_amount.grouped(),
                c.baseline.grouped()
            );
            events.push(Event::ChangeDecided {
                no: change,
                state: ChangeState::Effective,
                effective_amount: Some(c.new_amount),
                experts: vec![],
                review_date: None,
            });
        }
        Command::ReviewChange {
            change,
            pass,
            opinion: op,
        } => {
            need(actor, Role::Authority, "组织变更初审")?;
            if from == Stage::Ended {
                return Err(wrong());
            }
            let c = open_change(f, change)?;
            if c.state != ChangeState::PreliminaryReview {
                return Err(rule(
                    format!("第 {change} 号变更当前{}，不是待部门初审", c.state.label()),
                    &profile.change_cite,
                ));
            }
            need_text("opinion", &op, "初审意见")?;
            opinion = op;
            let state = if pass {
                ChangeState::ExpertReview
            } else {
                ChangeState::Rejected
            };
            summary = if pass {
                format!("第 {change} 号变更部门初审通过，召开项目变更专家论证会")
            } else {
                format!("第 {change} 号变更部门初审未通过")
            };
            events.push(Event::ChangeDecided {
                no: change,
                state,
                effective_amount: None,
                experts: vec![],
                review_date: None,
            });
        }
        Command::ChangeExpertReview {
            change,
            pass,
            experts,
            date,
            opinion: op,
        } => {
            need(actor, Role::Authority, "出具变更专家论证意见")?;
            if from == Stage::Ended {
                return Err(wrong());
            }
            let c = open_change(f, change)?;
            if c.state != ChangeState::ExpertReview {
                return Err(rule(
                    format!(
                        "第 {change} 号变更当前{}，须先通过部门初审",
                        c.state.label()
                    ),
                    &profile.change_cite,
                ));
            }
            let experts: Vec<String> = experts
                .into_iter()
                .map(|e| e.trim().to_string())
                .filter(|e| !e.is_empty())
                .collect();
            if experts.len() < profile.panel_min as usize {
                return Err(invalid(
                    "experts",
                    format!("请填写参加变更论证的专家（至少 {} 人）", profile.panel_min),
                ));
            }
            if date > today {
                return Err(invalid("date", "论证日期不能晚于今天"));
            }
            need_text("opinion", &op, "专家论证意见")?;
            opinion = op;
            if pass {
                below_committed(f, c)?;
            }
            let (state, amount) = if pass {
                (ChangeState::Effective, Some(c.new_amount))
            } else {
                (ChangeState::Rejected, None)
            };
            summary = if pass {
                format!(
                    "第 {change} 号变更经专家论证同意（{}），变更后金额 {} 元生效（立项金额 {} 元不变）",
                    experts.join("、"),
                    c.new_amount.grouped(),
                    c.baseline.grouped()
                )
            } else {
                format!("第 {change} 号变更专家论证未通过（{}）", experts.join("、"))
            };
            events.push(Event::ChangeDecided {
                no: change,
                state,
                effective_amount: amount,
                experts,
                review_date: Some(date),
            });
        }
        Command::ApplyTermination {
            reason,
            progress,
            money,
            committee,
            leader,
        } => {
            need_own_unit(ctx, actor, "申请项目撤销或终止")?;
            if !TERMINATE_STAGES.contains(&from) {
                return Err(wrong());
            }
            if f.termination_pending() {
                return Err(rule(
                    "已有待备案的撤销或终止申请",
                    &profile.termination_cite,
                ));
            }
            let label = termination_reason_label(profile, &reason)
                .ok_or_else(|| invalid("reason", "请选择撤销或终止的情形"))?;
            need_text("progress", &progress, "建设进度情况")?;
            need_text("money", &money, "资金支付情况")?;
            if committee.trim().is_empty() || leader.trim().is_empty() {
                return Err(rule(
                    "撤销或终止须经项目建设单位党委（党组）会议讨论通过并经分管区领导批示同意：请填写会议纪要和领导批示",
                    &profile.termination_cite,
                ));
            }
            summary = format!("申请撤销或终止项目：{label}");
            opinion = format!("建设进度：{}；资金支付：{}", progress.trim(), money.trim());
            events.push(Event::TerminationApplied {
                reason,
                progress: progress.trim().into(),
                money: money.trim().into(),
                committee: committee.trim().into(),
                leader: leader.trim().into(),
            });
        }
        Command::FileTermination { agree, opinion: op } => {
            need(actor, Role::Authority, "办理撤销或终止备案")?;
            let t = f
                .termination
                .as_ref()
                .filter(|t| t.state == TerminationState::Applied)
                .ok_or_else(wrong)?;
            if !TERMINATE_STAGES.contains(&from) {
                return Err(wrong());
            }
            need_text("opinion", &op, "备案意见")?;
            opinion = op;
            let label = termination_reason_label(profile, &t.reason).unwrap_or("其他");
            if agree {
                let pos = position(ctx);
                to = Stage::Ended;
                summary = format!(
                    "撤销或终止备案，项目终止（{label}）。资金状况冻结：立项 {} 元，变更后 {} 元，合同 {} 元，已支付 {} 元",
                    pos.approved.grouped(),
                    pos.effective.grouped(),
                    pos.contracted.grouped(),
                    pos.paid.grouped()
                );
                events.push(Event::TerminationFiled { position: pos });
                events.push(Event::Ended {
                    reason: format!("项目撤销或终止：{label}"),
                });
            } else {
                summary = "撤销或终止申请退回建设单位".into();
                events.push(Event::TerminationReturned);
            }
        }
        Command::ExplainOverrun { explanation } => {
            need_own_unit(ctx, actor, "说明项目超期情况")?;
            if from != Stage::InConstruction {
                return Err(wrong());
            }
            let end = contract_end(ctx).ok_or_else(wrong)?;
            if today <= end {
                return Err(rule(
                    format!("合同约定建设周期至 {end}，尚未超期"),
                    &profile.implementation_cite,
                ));
            }
            if f.overrun_explained_for == Some(end) {
                return Err(rule("已说明超期情况", &profile.implementation_cite));
            }
            need_text("explanation", &explanation, "超期情况说明")?;
            summary = format!(
                "项目实际建设周期超合同约定（{end} 届满），向区数据资源局说明情况；超期情况纳入部门下期申报项目评审打分"
            );
            opinion = explanation.trim().to_string();
            events.push(Event::OverrunExplained {
                contract_end: end,
                explanation: explanation.trim().into(),
            });
        }
        _ => return Err(wrong()),
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

/// A change never takes effect below what is already paid or pre-filed ([product]).
fn below_committed(f: &FundsState, c: &ChangeRequest) -> Result<(), Refusal> {
    let committed = f.committed_total();
    if c.new_amount < committed {
        return Err(rule(
            format!(
                "变更后金额 {} 元低于已支付（含已报备）的 {} 元",
                c.new_amount.grouped(),
                committed.grouped()
            ),
            &platform_cite("支付不超过立项（变更后）金额"),
        ));
    }
    Ok(())
}

fn open_change(f: &FundsState, no: u32) -> Result<&ChangeRequest, Refusal> {
    f.changes
        .iter()
        .find(|c| c.no == no && c.state.is_open())
        .ok_or_else(|| invalid("change", "没有待办理的该号变更"))
}

/// The actions of this module open to the actor now (added to `available_actions`).
pub fn available(
    ctx: &ProjectContext,
    actor: &Actor,
    profile: &Profile,
    out: &mut Vec<&'static str>,
) {
    let p = &ctx.project;
    let f = &ctx.funds;
    let own = actor.has(Role::Unit) && actor.unit_id == p.unit_id;
    let auth = actor.has(Role::Authority);
    if own && PAY_STAGES.contains(&p.stage) && ctx.contract.is_some() && p.approved_amount.is_some()
    {
        if f.batch_ratio_total_bp() < profile.payment_batches_max_bp {
            out.push("add_payment_batch");
        }
        if !f.batches.is_empty() {
            out.push("prefile_payment");
        }
        if !f.unpaid().is_empty() {
            out.push("record_payment");
        }
    }
    if own
        && CHANGE_STAGES.contains(&p.stage)
        && f.open_change().is_none()
        && !f.termination_pending()
    {
        out.push("submit_change");
    }
    if auth && p.stage != Stage::Ended {
        match f.open_change().map(|c| c.state) {
            Some(ChangeState::AwaitingFiling) => out.push("file_change"),
            Some(ChangeState::PreliminaryReview) => out.push("review_change"),
            Some(ChangeState::ExpertReview) => out.push("change_expert_review"),
            _ => {}
        }
    }
    if TERMINATE_STAGES.contains(&p.stage) {
        if own && !f.termination_pending() {
            out.push("apply_termination");
        }
        if auth && f.termination_pending() {
            out.push("file_termination");
        }
    }
    if own {
        if let Some(today) = f.as_of {
            if overrun_unexplained(ctx, today).is_some() {
                out.push("explain_overrun");
            }
        }
    }
}

/// How an event of this module changes the loaded records (the store writes the same rows).
pub fn apply(ctx: &mut ProjectContext, e: &Event) {
    let f = &mut ctx.funds;
    match e {
        Event::PaymentBatchAdded {
            no,
            condition,
            ratio_bp,
        } => f.batches.push(PaymentBatch {
            no: *no,
            condition: condition.clone(),
            ratio_bp: *ratio_bp,
        }),
        Event::PaymentPrefiled {
            no,
            batch,
            amount,
            planned_date,
        } => f.payments.push(Payment {
            no: *no,
            batch: *batch,
            amount: *amount,
            planned_date: *planned_date,
            paid_date: None,
            paid_amount: None,
            voucher: String::new(),
        }),
        Event::PaymentRecorded {
            no,
            paid_date,
            amount,
            voucher,
        } => {
            if let Some(p) = f.payments.iter_mut().find(|p| p.no == *no) {
                p.paid_date = Some(*paid_date);
                p.paid_amount = Some(*amount);
                p.voucher = voucher.clone();
            }
        }
        Event::ChangeSubmitted {
            no,
            content,
            reason,
            new_amount,
            baseline,
            cut,
            cut_bp,
            route,
            main_content,
            state,
        } => f.changes.push(ChangeRequest {
            no: *no,
            content: content.clone(),
            reason: reason.clone(),
            new_amount: *new_amount,
            baseline: *baseline,
            cut: *cut,
            cut_bp: *cut_bp,
            route: *route,
            main_content: *main_content,
            state: *state,
        }),
        Event::ChangeDecided {
            no,
            state,
            effective_amount,
            ..
        } => {
            if let Some(c) = f.changes.iter_mut().find(|c| c.no == *no) {
                c.state = *state;
            }
            if effective_amount.is_some() {
                f.effective_amount = *effective_amount;
            }
        }
        Event::TerminationApplied {
            reason,
            progress,
            money,
            committee,
            leader,
        } => {
            f.termination = Some(Termination {
                reason: reason.clone(),
                progress: progress.clone(),
                money: money.clone(),
                committee: committee.clone(),
                leader: leader.clone(),
                state: TerminationState::Applied,
                position: None,
            })
        }
        Event::TerminationFiled { position } => {
            if let Some(t) = f.termination.as_mut() {
                t.state = TerminationState::Filed;
                t.position = Some(*position);
            }
        }
        Event::TerminationReturned => {
            if let Some(t) = f.termination.as_mut() {
                t.state = TerminationState::Returned;
            }
        }
        Event::OverrunExplained {
            contract_end,
            explanation,
        } => {
            f.overrun_explained_for = Some(*contract_end);
            f.overrun_explanation = Some(explanation.clone());
        }
        Event::ProgressReported { percent, .. } => f.latest_progress = Some(*percent),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_parses_percent_forms_exactly() {
        assert_eq!(parse_ratio("30"), Some(3000));
        assert_eq!(parse_ratio("12.5%"), Some(1250));
        assert_eq!(parse_ratio("0.01"), Some(1));
        assert_eq!(parse_ratio("0.001"), None);
        assert_eq!(parse_ratio("-5"), None);
        assert_eq!(parse_ratio("abc"), None);
    }

    #[test]
    fn share_rounds_down_to_the_fen() {
        assert_eq!(share_of(Yuan::from_fen(101), 5000), Yuan::from_fen(50));
    }
}
