//! Domain tests for money during implementation: payment batches and pre-filed payments (M5),
//! change requests classified against the approved baseline (I6), termination (I7) and overrun of
//! the contract period (I8), plus a proptest that no sequence of payments and changes lets
//! paid > contracted > approved.
//!
//! Citations above each test name the seed article (SPEC §2.5–2.6) or mark a **[product]** rule.

mod support;

use proptest::prelude::*;
use support::*;
use tongchou_domain::funds::{
    classify_change, summary, ChangeClass, ChangeRoute, ChangeState, TerminationState,
};
use tongchou_domain::lifecycle::{available_actions, decide, Command, Decision, Event, Refusal};
use tongchou_domain::profile::{Citation, Profile};
use tongchou_domain::project::ProjectContext;
use tongchou_domain::{Actor, Stage, Yuan};

const SC: &str = "上城区电子政务项目管理办法（征求意见稿）";
const SHAOXING: &str = "绍兴市市级政务信息化项目管理办法";
const PLATFORM: &str = "统筹平台规则";
const IMPL: &str = "第六章 项目实施";
const CHANGE: &str = "第六章 项目实施（项目变更）";
const TERMINATION: &str = "第六章 项目实施（撤销或终止）";

type Outcome = Result<Decision, Refusal>;

#[track_caller]
fn ok(r: Outcome) -> Decision {
    match r {
        Ok(d) => d,
        Err(e) => panic!("expected success, got {e:?}"),
    }
}

#[track_caller]
fn rule(r: Outcome, document: &str, article: &str) -> String {
    match r {
        Err(Refusal::Rule { message, cite }) => {
            assert_eq!(
                cite,
                Citation::new(document, article),
                "wrong citation for: {message}"
            );
            message
        }
        other => panic!("expected Rule ({document} {article}), got {other:?}"),
    }
}

#[track_caller]
fn invalid(r: Outcome, field: &str) -> String {
    match r {
        Err(Refusal::Invalid { field: f, message }) => {
            assert_eq!(f, field, "wrong field for: {message}");
            message
        }
        other => panic!("expected Invalid({field}), got {other:?}"),
    }
}

#[track_caller]
fn forbidden(r: Outcome) {
    assert!(
        matches!(r, Err(Refusal::Forbidden(_))),
        "expected Forbidden, got {r:?}"
    );
}

#[track_caller]
fn wrong_stage(r: Outcome) {
    assert!(
        matches!(r, Err(Refusal::WrongStage { .. })),
        "expected WrongStage, got {r:?}"
    );
}

fn try_(ctx: &ProjectContext, who: &Actor, cmd: Command) -> Outcome {
    decide(ctx, who, cmd, &profile(), today())
}

/// Decide and apply to the in-memory context (as the store would).
#[track_caller]
fn go(ctx: &mut ProjectContext, who: &Actor, cmd: Command) -> Decision {
    let dec = ok(decide(ctx, who, cmd, &profile(), today()));
    apply(ctx, who, &dec);
    dec
}

fn batch(condition: &str, pct: u32) -> Command {
    Command::AddPaymentBatch {
        condition: condition.into(),
        ratio_bp: pct * 100,
    }
}

fn prefile(batch: u32, amount: i64) -> Command {
    Command::PrefilePayment {
        batch,
        amount: yuan(amount),
        planned_date: d(2026, 6, 10),
    }
}

fn record(payment: u32, amount: i64) -> Command {
    Command::RecordPayment {
        payment,
        paid_date: d(2026, 6, 12),
        amount: yuan(amount),
        voucher: "付款凭证 2026-118".into(),
    }
}

fn change(new_amount: Yuan) -> Command {
    Command::SubmitChange {
        content: "取消大屏展示模块，数据接口改为调用省级平台".into(),
        reason: "省级平台已提供同类能力，避免重复建设".into(),
        new_amount,
        main_content: false,
        override_reason: None,
    }
}

/// In construction, with batches 30% / 40% / 30% of the contract (750,000).
fn with_batches() -> ProjectContext {
    let mut ctx = at(Stage::InConstruction);
    go(&mut ctx, &unit_clerk(), batch("合同签订后", 30));
    go(&mut ctx, &unit_clerk(), batch("初验通过后", 40));
    go(&mut ctx, &unit_clerk(), batch("验收合格后", 30));
    ctx
}

fn terminate_cmd() -> Command {
    Command::ApplyTermination {
        reason: "transfer".into(),
        progress: "已完成需求调研和部分开发，完成约 40%".into(),
        money: "已支付首期款 225,000 元".into(),
        committee: "区民政局党组会议纪要〔2026〕12号（2026-06-01）".into(),
        leader: "分管副区长 王某 2026-06-05 批示同意".into(),
    }
}

// ---------------------------------------------------------------------------------------------
// Payments (M5)
// ---------------------------------------------------------------------------------------------

// Shaoxing 第二十二条: no review opinion (no approval) → no money
#[test]
fn payment_without_approval_is_refused_no_review_opinion_no_money() {
    let mut ctx = at(Stage::InConstruction);
    ctx.project.approved_amount = None;
    rule(
        try_(&ctx, &unit_clerk(), batch("合同签订后", 30)),
        SHAOXING,
        "第二十二条",
    );
    rule(
        try_(&ctx, &unit_clerk(), prefile(1, 1000)),
        SHAOXING,
        "第二十二条",
    );
}

// Shangcheng 第六章 项目实施: batches and ratios are set in the contract; no contract, no payment
#[test]
fn payment_before_contract_is_refused() {
    for stage in [Stage::Approved, Stage::Budgeted, Stage::Procurement] {
        let ctx = at(stage);
        let m = rule(try_(&ctx, &unit_clerk(), prefile(1, 1000)), SC, IMPL);
        assert!(m.contains("合同签订"), "{m}");
    }
}

// Shangcheng 第六章 项目实施: conditions and ratios per batch, together at most the whole contract
#[test]
fn payment_batches_over_100_percent_are_refused() {
    let mut ctx = at(Stage::InConstruction);
    let dec = go(&mut ctx, &unit_clerk(), batch("合同签订后", 30));
    assert_eq!(
        dec.events,
        vec![Event::PaymentBatchAdded {
            no: 1,
            condition: "合同签订后".into(),
            ratio_bp: 3000
        }]
    );
    go(&mut ctx, &unit_clerk(), batch("初验通过后", 70));
    let m = rule(try_(&ctx, &unit_clerk(), batch("尾款", 1)), SC, IMPL);
    assert!(m.contains("100%"), "{m}");
    invalid(
        try_(
            &at(Stage::InConstruction),
            &unit_clerk(),
            Command::AddPaymentBatch {
                condition: "x".into(),
                ratio_bp: 0,
            },
        ),
        "ratio",
    );
}

// Shangcheng 第六章 项目实施: each payment is pre-filed (资金支付报备单) before it is paid
#[test]
fn record_payment_without_prefiling_is_refused() {
    let ctx = with_batches();
    let m = rule(try_(&ctx, &unit_clerk(), record(1, 1000)), SC, IMPL);
    assert!(m.contains("资金支付报备单"), "{m}");
}

// Shangcheng 第六章 项目实施: pre-file, then record; the paid total grows
#[test]
fn prefiled_payment_is_recorded_as_paid() {
    let mut ctx = with_batches();
    let dec = go(&mut ctx, &unit_clerk(), prefile(1, 225_000));
    assert_eq!(dec.from, dec.to);
    assert!(dec.summary.contains("资金支付报备单"), "{}", dec.summary);
    assert_eq!(ctx.funds.paid_total(), Yuan::ZERO);
    assert_eq!(ctx.funds.outstanding_prefiled(), yuan(225_000));
    go(&mut ctx, &unit_clerk(), record(1, 225_000));
    assert_eq!(ctx.funds.paid_total(), yuan(225_000));
    // Recording it twice is refused.
    rule(try_(&ctx, &unit_clerk(), record(1, 1)), SC, IMPL);
}

// Shangcheng 第六章 项目实施: a payment beyond what was pre-filed needs its own pre-filing
#[test]
fn record_payment_above_prefiled_amount_is_refused() {
    let mut ctx = with_batches();
    go(&mut ctx, &unit_clerk(), prefile(1, 100_000));
    let m = rule(try_(&ctx, &unit_clerk(), record(1, 100_001)), SC, IMPL);
    assert!(m.contains("报备金额"), "{m}");
}

// Shangcheng 第六章 项目实施: a batch is paid within its ratio of the contract
#[test]
fn prefile_beyond_the_batch_ratio_is_refused() {
    let mut ctx = with_batches();
    // 30% of 750,000 = 225,000 exactly is allowed; one fen more is not.
    go(&mut ctx, &unit_clerk(), prefile(1, 200_000));
    let m = rule(
        try_(
            &ctx,
            &unit_clerk(),
            Command::PrefilePayment {
                batch: 1,
                amount: Yuan::from_fen(2_500_001),
                planned_date: d(2026, 6, 10),
            },
        ),
        SC,
        IMPL,
    );
    assert!(m.contains("30%"), "{m}");
    go(&mut ctx, &unit_clerk(), prefile(1, 25_000));
    invalid(try_(&ctx, &unit_clerk(), prefile(9, 1)), "batch");
}

// [product] the sum of payments never exceeds the contract amount
#[test]
fn payments_beyond_the_contract_amount_are_refused() {
    let mut ctx = at(Stage::InConstruction);
    go(&mut ctx, &unit_clerk(), batch("全部", 100));
    go(&mut ctx, &unit_clerk(), prefile(1, 700_000));
    go(&mut ctx, &unit_clerk(), record(1, 700_000));
    go(&mut ctx, &unit_clerk(), prefile(1, 50_000));
    let m = rule(
        try_(
            &ctx,
            &unit_clerk(),
            Command::PrefilePayment {
                batch: 1,
                amount: Yuan::from_fen(1),
                planned_date: d(2026, 6, 10),
            },
        ),
        PLATFORM,
        "支付不超过合同金额",
    );
    assert!(m.contains("750,000.00"), "{m}");
}

// Shangcheng 第二章 (the construction unit files its own payments)
#[test]
fn only_the_projects_own_unit_prefiles_and_records_payments() {
    let ctx = with_batches();
    forbidden(try_(&ctx, &other_clerk(), prefile(1, 1000)));
    forbidden(try_(&ctx, &authority(), prefile(1, 1000)));
    forbidden(try_(&ctx, &finance(), batch("合同签订后", 10)));
}

// [product] payment progress shown beside construction progress, warned when it runs ahead
#[test]
fn payment_progress_ahead_of_construction_progress_is_warned() {
    let mut ctx = with_batches();
    go(&mut ctx, &unit_clerk(), prefile(1, 225_000));
    go(&mut ctx, &unit_clerk(), record(1, 225_000));
    ctx.funds.latest_progress = Some(20);
    let s = summary(&ctx, today());
    assert_eq!(s.payment_progress_bp, Some(3000));
    assert_eq!(s.construction_progress, Some(20));
    assert!(s.payment_ahead, "30% paid against 20% built");
    ctx.funds.latest_progress = Some(30);
    assert!(!summary(&ctx, today()).payment_ahead, "equal is not ahead");
}

// ---------------------------------------------------------------------------------------------
// Changes (I6)
// ---------------------------------------------------------------------------------------------

// Shangcheng 第六章 项目实施（项目变更）1: cut ≤ 15% (exactly 15% included) → filing
#[test]
fn change_cut_of_exactly_15_percent_is_filed_by_the_unit() {
    // approved 800,000: a cut of 120,000 is exactly 15%.
    let mut ctx = at(Stage::InConstruction);
    let dec = go(&mut ctx, &unit_clerk(), change(yuan(680_000)));
    match dec.events.as_slice() {
        [Event::ChangeSubmitted {
            route: ChangeRoute::Filing,
            state: ChangeState::AwaitingFiling,
            cut_bp: 1500,
            ..
        }] => {}
        other => panic!("{other:?}"),
    }
    // The authority files it; it takes effect; the approved baseline is untouched (M1).
    assert!(available_actions(&ctx, &authority(), &profile()).contains(&"file_change"));
    let dec = go(
        &mut ctx,
        &authority(),
        Command::FileChange {
            change: 1,
            opinion: "予以备案".into(),
        },
    );
    assert!(dec.events.contains(&Event::ChangeDecided {
        no: 1,
        state: ChangeState::Effective,
        effective_amount: Some(yuan(680_000)),
        experts: vec![],
        review_date: None,
    }));
    assert_eq!(ctx.funds.effective_amount, Some(yuan(680_000)));
    assert_eq!(ctx.project.approved_amount, Some(yuan(FINAL)));
}

// Shangcheng 第六章 项目实施（项目变更）1: one fen over 15% → change application and expert review
#[test]
fn change_cut_over_15_percent_needs_expert_review() {
    let approved = yuan(FINAL);
    let just_over = Yuan::from_fen(68_000_000 - 1);
    assert_eq!(
        classify_change(approved, yuan(680_000), profile().change_filing_max_cut_bp),
        ChangeClass::Route(ChangeRoute::Filing)
    );
    assert_eq!(
        classify_change(approved, just_over, profile().change_filing_max_cut_bp),
        ChangeClass::Route(ChangeRoute::ExpertReview)
    );
    let mut ctx = at(Stage::InConstruction);
    go(&mut ctx, &unit_clerk(), change(just_over));
    assert_eq!(ctx.funds.changes[0].state, ChangeState::PreliminaryReview);
    // It cannot simply be filed: it takes effect only after preliminary review and the experts.
    rule(
        try_(
            &ctx,
            &authority(),
            Command::FileChange {
                change: 1,
                opinion: String::new(),
            },
        ),
        SC,
        CHANGE,
    );
    go(
        &mut ctx,
        &authority(),
        Command::ReviewChange {
            change: 1,
            pass: true,
            opinion: "初审通过，组织专家论证".into(),
        },
    );
    assert_eq!(ctx.funds.effective_amount, None, "not yet effective");
    let expert_cmd = |experts: Vec<&str>| Command::ChangeExpertReview {
        change: 1,
        pass: true,
        experts: experts.into_iter().map(String::from).collect(),
        date: d(2026, 6, 14),
        opinion: "同意按核减后的方案实施".into(),
    };
    invalid(
        try_(&ctx, &authority(), expert_cmd(vec!["张一", "李二"])),
        "experts",
    );
    forbidden(try_(
        &ctx,
        &unit_clerk(),
        expert_cmd(vec!["张一", "李二", "王三"]),
    ));
    go(
        &mut ctx,
        &authority(),
        expert_cmd(vec!["张一", "李二", "王三"]),
    );
    assert_eq!(ctx.funds.changes[0].state, ChangeState::Effective);
    assert_eq!(ctx.funds.effective_amount, Some(just_over));
    assert_eq!(ctx.project.approved_amount, Some(approved));
}

// Shangcheng 第六章 项目实施（项目变更）1: “含不核减” — a change of content without a cut is filed
#[test]
fn change_without_a_cut_is_filed() {
    let mut ctx = at(Stage::InConstruction);
    go(&mut ctx, &unit_clerk(), change(yuan(FINAL)));
    assert_eq!(ctx.funds.changes[0].route, ChangeRoute::Filing);
}

// Shangcheng 第六章 项目实施（项目变更）2: above the approved budget → declare again
#[test]
fn change_above_the_approved_amount_is_refused_declare_again() {
    let ctx = at(Stage::InConstruction);
    let m = rule(
        try_(&ctx, &unit_clerk(), change(Yuan::from_fen(80_000_001))),
        SC,
        CHANGE,
    );
    assert!(m.contains("重新进行项目申报和立项"), "{m}");
}

// Shangcheng 第六章 项目实施（项目变更）: after approval and before procurement, in principle no change
#[test]
fn change_before_procurement_needs_an_override_reason() {
    for stage in [Stage::Approved, Stage::Budgeted] {
        let ctx = at(stage);
        match try_(&ctx, &unit_clerk(), change(yuan(700_000))) {
            Err(Refusal::NeedsOverride { rule, cite, .. }) => {
                assert_eq!(rule, "no_change_before_procurement");
                assert_eq!(cite, Citation::new(SC, CHANGE));
            }
            other => panic!("{other:?}"),
        }
        let dec = ok(try_(
            &ctx,
            &unit_clerk(),
            Command::SubmitChange {
                content: "调整建设内容".into(),
                reason: "上级政策调整".into(),
                new_amount: yuan(700_000),
                main_content: false,
                override_reason: Some("省级统建平台上线，需调整对接方式".into()),
            },
        ));
        assert!(matches!(dec.events[0], Event::OverrideRecorded { .. }));
    }
    // In procurement and construction no reason is asked.
    ok(try_(
        &at(Stage::Procurement),
        &unit_clerk(),
        change(yuan(700_000)),
    ));
}

// Shangcheng 第六章 项目实施（项目变更）: a change of main content needs a change study (变更论证)
#[test]
fn change_of_main_content_needs_a_change_study() {
    let mut ctx = at(Stage::InConstruction);
    let cmd = || Command::SubmitChange {
        content: "新增移动端主要功能".into(),
        reason: "业务需求变化".into(),
        new_amount: yuan(780_000),
        main_content: true,
        override_reason: None,
    };
    let m = rule(try_(&ctx, &unit_clerk(), cmd()), SC, CHANGE);
    assert!(m.contains("变更论证"), "{m}");
    ctx.attachment_kinds.push("change_study".into());
    ok(try_(&ctx, &unit_clerk(), cmd()));
}

// Shangcheng 第六章 项目实施（项目变更）: one change at a time; a rejected change keeps the amount
#[test]
fn change_rejected_at_preliminary_review_keeps_the_amount_and_one_change_at_a_time() {
    let mut ctx = at(Stage::InConstruction);
    go(&mut ctx, &unit_clerk(), change(yuan(500_000)));
    rule(try_(&ctx, &unit_clerk(), change(yuan(700_000))), SC, CHANGE);
    assert!(!available_actions(&ctx, &unit_clerk(), &profile()).contains(&"submit_change"));
    assert!(available_actions(&ctx, &authority(), &profile()).contains(&"review_change"));
    go(
        &mut ctx,
        &authority(),
        Command::ReviewChange {
            change: 1,
            pass: false,
            opinion: "核减理由不充分".into(),
        },
    );
    assert_eq!(ctx.funds.changes[0].state, ChangeState::Rejected);
    assert_eq!(ctx.funds.effective_amount, None);
    // Now a new one may be submitted.
    go(&mut ctx, &unit_clerk(), change(yuan(700_000)));
}

// [product] a change never cuts below what is already paid or pre-filed
#[test]
fn change_below_the_paid_amount_is_refused() {
    let mut ctx = with_batches();
    go(&mut ctx, &unit_clerk(), prefile(1, 225_000));
    go(&mut ctx, &unit_clerk(), record(1, 225_000));
    rule(
        try_(&ctx, &unit_clerk(), change(yuan(200_000))),
        PLATFORM,
        "支付不超过立项（变更后）金额",
    );
}

// [product] after a cut takes effect, payments are capped by the effective amount
#[test]
fn payments_after_an_effective_cut_are_capped_by_the_effective_amount() {
    let mut ctx = at(Stage::InConstruction);
    go(&mut ctx, &unit_clerk(), batch("全部", 100));
    go(&mut ctx, &unit_clerk(), change(yuan(700_000)));
    go(
        &mut ctx,
        &authority(),
        Command::FileChange {
            change: 1,
            opinion: String::new(),
        },
    );
    go(&mut ctx, &unit_clerk(), prefile(1, 700_000));
    rule(
        try_(&ctx, &unit_clerk(), prefile(1, 1)),
        PLATFORM,
        "支付不超过立项（变更后）金额",
    );
}

// ---------------------------------------------------------------------------------------------
// Termination (I7)
// ---------------------------------------------------------------------------------------------

// Shangcheng 第六章 项目实施（撤销或终止）: the six listed reasons, verbatim
#[test]
fn termination_reasons_are_the_six_of_the_measures() {
    let reasons = profile().termination_reasons;
    assert_eq!(reasons.len(), 6);
    assert_eq!(reasons[0].text, "由于不可抗力，造成项目无法完成的");
    assert_eq!(reasons[5].text, "其他经认定的相关情形");
    assert!(reasons.iter().all(|r| r.cite.article == TERMINATION));
    let ctx = at(Stage::InConstruction);
    let mut cmd = terminate_cmd();
    if let Command::ApplyTermination { reason, .. } = &mut cmd {
        *reason = "budget_cut".into();
    }
    invalid(try_(&ctx, &unit_clerk(), cmd), "reason");
}

// Shangcheng 第六章 项目实施（撤销或终止）: party committee and district leader approve first
#[test]
fn termination_without_committee_and_leader_approval_is_refused() {
    let ctx = at(Stage::InConstruction);
    let m = rule(
        try_(
            &ctx,
            &unit_clerk(),
            Command::ApplyTermination {
                reason: "ineffective".into(),
                progress: "完成 20%".into(),
                money: "未支付".into(),
                committee: "区民政局党组会议纪要".into(),
                leader: "  ".into(),
            },
        ),
        SC,
        TERMINATION,
    );
    assert!(m.contains("分管区领导"), "{m}");
}

// Shangcheng 第六章 项目实施（撤销或终止）: filed by the authority, the project ends with its
// money position frozen; no payment afterwards
#[test]
fn termination_filed_ends_the_project_with_its_money_position_frozen() {
    let mut ctx = with_batches();
    go(&mut ctx, &unit_clerk(), prefile(1, 225_000));
    go(&mut ctx, &unit_clerk(), record(1, 225_000));
    go(&mut ctx, &unit_clerk(), terminate_cmd());
    assert!(available_actions(&ctx, &authority(), &profile()).contains(&"file_termination"));
    forbidden(try_(
        &ctx,
        &unit_clerk(),
        Command::FileTermination {
            agree: true,
            opinion: "x".into(),
        },
    ));
    let dec = go(
        &mut ctx,
        &authority(),
        Command::FileTermination {
            agree: true,
            opinion: "予以备案".into(),
        },
    );
    assert_eq!(dec.to, Stage::Ended);
    let t = ctx.funds.termination.clone().unwrap();
    assert_eq!(t.state, TerminationState::Filed);
    let pos = t.position.unwrap();
    assert_eq!(
        (pos.approved, pos.contracted, pos.paid),
        (yuan(FINAL), yuan(CONTRACT), yuan(225_000))
    );
    assert!(ctx.project.ended_reason.unwrap().contains("职能划转"));
    ctx.project.ended_reason = None;
    wrong_stage(try_(&ctx, &unit_clerk(), prefile(2, 1000)));
    wrong_stage(try_(&ctx, &unit_clerk(), change(yuan(1))));
}

// Shangcheng 第六章 项目实施（撤销或终止）: a change left open when the project ended never takes effect
#[test]
fn change_left_open_at_termination_cannot_take_effect() {
    let mut ctx = at(Stage::InConstruction);
    go(&mut ctx, &unit_clerk(), change(yuan(700_000)));
    go(&mut ctx, &unit_clerk(), terminate_cmd());
    go(
        &mut ctx,
        &authority(),
        Command::FileTermination {
            agree: true,
            opinion: "予以备案".into(),
        },
    );
    wrong_stage(try_(
        &ctx,
        &authority(),
        Command::FileChange {
            change: 1,
            opinion: String::new(),
        },
    ));
    assert!(available_actions(&ctx, &authority(), &profile()).is_empty());
    assert_eq!(ctx.funds.effective_amount, None);
}

// Shangcheng 第六章 项目实施（撤销或终止）: the authority may return it; the project goes on
#[test]
fn termination_returned_keeps_the_project_going() {
    let mut ctx = at(Stage::InConstruction);
    go(&mut ctx, &unit_clerk(), terminate_cmd());
    rule(try_(&ctx, &unit_clerk(), terminate_cmd()), SC, TERMINATION);
    let dec = go(
        &mut ctx,
        &authority(),
        Command::FileTermination {
            agree: false,
            opinion: "材料不全，退回".into(),
        },
    );
    assert_eq!(dec.to, Stage::InConstruction);
    assert_eq!(
        ctx.funds.termination.as_ref().unwrap().state,
        TerminationState::Returned
    );
}

// ---------------------------------------------------------------------------------------------
// Overrun (I8)
// ---------------------------------------------------------------------------------------------

fn overrun_ctx() -> ProjectContext {
    // Signed 2026-03-05 for 2 months: the period ends 2026-05-05; today is 2026-06-15.
    let mut ctx = at(Stage::InConstruction);
    ctx.funds.contract_period_months = Some(2);
    ctx.funds.as_of = Some(today());
    ctx
}

fn report(month: &str) -> Command {
    Command::ReportProgress {
        month: month.into(),
        percent: 70,
        summary: "联调测试".into(),
        milestones: String::new(),
        problems: "进度滞后".into(),
    }
}

// Shangcheng 第六章 项目实施: an overrun is explained to the authority before the next report
#[test]
fn report_after_the_contract_period_needs_an_overrun_explanation() {
    let mut ctx = overrun_ctx();
    let m = rule(try_(&ctx, &unit_clerk(), report("2026-06")), SC, IMPL);
    assert!(m.contains("2026-05-05"), "{m}");
    // The May report (a month that began inside the period) is not held back.
    ok(try_(&ctx, &unit_clerk(), report("2026-05")));
    assert!(available_actions(&ctx, &unit_clerk(), &profile()).contains(&"explain_overrun"));
    let dec = go(
        &mut ctx,
        &unit_clerk(),
        Command::ExplainOverrun {
            explanation: "接口联调依赖省级平台，延期两个月".into(),
        },
    );
    assert!(dec.summary.contains("纳入部门下期申报项目评审打分"));
    assert_eq!(ctx.funds.overrun_explained_for, Some(d(2026, 5, 5)));
    let s = summary(&ctx, today());
    assert!(s.overrun && s.overrun_explained);
    ok(try_(&ctx, &unit_clerk(), report("2026-06")));
    assert!(!available_actions(&ctx, &unit_clerk(), &profile()).contains(&"explain_overrun"));
}

// Shangcheng 第六章 项目实施: nothing to explain inside the contract period
#[test]
fn overrun_explanation_inside_the_contract_period_is_refused() {
    let mut ctx = overrun_ctx();
    ctx.funds.contract_period_months = Some(6);
    rule(
        try_(
            &ctx,
            &unit_clerk(),
            Command::ExplainOverrun {
                explanation: "x".into(),
            },
        ),
        SC,
        IMPL,
    );
    assert!(!summary(&ctx, today()).overrun);
}

// ---------------------------------------------------------------------------------------------
// Whose turn
// ---------------------------------------------------------------------------------------------

// Shangcheng 第二章 管理职责: the unit files payments and changes, the authority decides them
#[test]
fn money_forms_are_shown_only_to_the_actor_whose_turn_it_is() {
    let mut ctx = with_batches();
    let p = profile();
    let unit = available_actions(&ctx, &unit_clerk(), &p);
    for a in ["prefile_payment", "submit_change", "apply_termination"] {
        assert!(unit.contains(&a), "{a} in {unit:?}");
    }
    assert!(
        !unit.contains(&"add_payment_batch"),
        "the batches reach 100%"
    );
    assert!(
        available_actions(&at(Stage::InConstruction), &unit_clerk(), &p)
            .contains(&"add_payment_batch")
    );
    assert!(!unit.contains(&"record_payment"), "nothing pre-filed yet");
    for who in [other_clerk(), authority(), finance(), audit()] {
        let theirs = available_actions(&ctx, &who, &p);
        assert!(
            !theirs
                .iter()
                .any(|a| a.contains("payment") || a.contains("change")),
            "{theirs:?}"
        );
    }
    go(&mut ctx, &unit_clerk(), prefile(1, 1000));
    assert!(available_actions(&ctx, &unit_clerk(), &p).contains(&"record_payment"));
    go(&mut ctx, &unit_clerk(), change(yuan(700_000)));
    assert!(available_actions(&ctx, &authority(), &p).contains(&"file_change"));
    assert!(!available_actions(&ctx, &authority(), &p).contains(&"review_change"));
    assert!(!available_actions(&ctx, &unit_clerk(), &p).contains(&"file_change"));
}

// ---------------------------------------------------------------------------------------------
// Proptest: paid ≤ contracted ≤ approved, whatever the sequence
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Op {
    Batch(u32),
    Prefile(u32, i64),
    Record(u32, i64),
    Change(i64),
    File,
    Review(bool),
    Experts(bool),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (1u32..=6000).prop_map(Op::Batch),
        (1u32..=4, 1i64..=40_000_000).prop_map(|(b, f)| Op::Prefile(b, f)),
        (1u32..=8, 1i64..=40_000_000).prop_map(|(p, f)| Op::Record(p, f)),
        (1i64..=90_000_000).prop_map(Op::Change),
        Just(Op::File),
        any::<bool>().prop_map(Op::Review),
        any::<bool>().prop_map(Op::Experts),
    ]
}

proptest! {
    // [product] M5: the sum of payments never exceeds the contract, the contract never exceeds the
    // approved amount; I6/M1: no change raises the amount or rewrites the baseline.
    #[test]
    fn no_sequence_of_payments_and_changes_lets_paid_exceed_contracted_or_approved(ops in proptest::collection::vec(op(), 1..40)) {
        let mut ctx = at(Stage::InConstruction);
        let approved = ctx.project.approved_amount.unwrap();
        let contracted = ctx.contract.as_ref().unwrap().amount;
        for o in ops {
            let open = ctx.funds.open_change().map(|c| c.no).unwrap_or(1);
            let (who, cmd) = match o {
                Op::Batch(bp) => (unit_clerk(), Command::AddPaymentBatch { condition: "条件".into(), ratio_bp: bp }),
                Op::Prefile(b, f) => (unit_clerk(), Command::PrefilePayment { batch: b, amount: Yuan::from_fen(f), planned_date: d(2026, 6, 1) }),
                Op::Record(p, f) => (unit_clerk(), Command::RecordPayment { payment: p, paid_date: d(2026, 6, 2), amount: Yuan::from_fen(f), voucher: String::new() }),
                Op::Change(f) => (unit_clerk(), change(Yuan::from_fen(f))),
                Op::File => (authority(), Command::FileChange { change: open, opinion: String::new() }),
                Op::Review(pass) => (authority(), Command::ReviewChange { change: open, pass, opinion: "意见".into() }),
                Op::Experts(pass) => (authority(), Command::ChangeExpertReview { change: open, pass, experts: vec!["甲".into(), "乙".into(), "丙".into()], date: d(2026, 6, 3), opinion: "意见".into() }),
            };
            if let Ok(dec) = decide(&ctx, &who, cmd, &profile(), today()) {
                apply(&mut ctx, &who, &dec);
            }
            let f = &ctx.funds;
            let effective = f.effective_amount.unwrap_or(approved);
            prop_assert_eq!(ctx.project.approved_amount, Some(approved));
            prop_assert!(f.paid_total() <= f.committed_total());
            prop_assert!(f.committed_total() <= contracted);
            prop_assert!(f.committed_total() <= effective);
            prop_assert!(contracted <= approved);
            prop_assert!(effective <= approved);
            prop_assert!(f.batch_ratio_total_bp() <= 10_000);
            for b in &f.batches {
                prop_assert!(f.batch_committed(b.no) <= tongchou_domain::funds::share_of(contracted, b.ratio_bp));
            }
            prop_assert!(f.changes.iter().filter(|c| c.state.is_open()).count() <= 1);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Money rules as profile data (SPEC §3): each number and list read from the profile in force
// ---------------------------------------------------------------------------------------------

fn try_under(ctx: &ProjectContext, who: &Actor, cmd: Command, p: &Profile) -> Outcome {
    decide(ctx, who, cmd, p, today())
}

// Shangcheng 第六章 项目实施（项目变更）1 (“不超过预算金额15%”), as profile data: a profile that
// sets the threshold to 10% sends a 12% cut to expert review; the Shangcheng 15% files it.
#[test]
fn change_threshold_is_read_from_the_profile() {
    let ctx = at(Stage::InConstruction);
    let cut_12 = yuan(704_000); // 800,000 − 12%
    let d = ok(try_(&ctx, &unit_clerk(), change(cut_12)));
    assert!(matches!(
        d.events.as_slice(),
        [Event::ChangeSubmitted {
            route: ChangeRoute::Filing,
            cut_bp: 1200,
            ..
        }]
    ));
    let mut p = profile();
    p.change_filing_max_cut_bp = 1_000;
    let d = ok(try_under(&ctx, &unit_clerk(), change(cut_12), &p));
    assert!(matches!(
        d.events.as_slice(),
        [Event::ChangeSubmitted {
            route: ChangeRoute::ExpertReview,
            state: ChangeState::PreliminaryReview,
            ..
        }]
    ));
    assert_eq!(
        classify_change(yuan(FINAL), yuan(720_000), 1_000),
        ChangeClass::Route(ChangeRoute::Filing),
        "exactly 10% stays with the filing route"
    );
    // The 政策规则 page states the profile's number.
    let rules = tongchou_domain::funds::rules(&p);
    assert!(rules
        .iter()
        .any(|(t, c)| t.contains("核减不超过10%") && c.article == CHANGE));
}

// Shangcheng 第六章 项目实施（撤销或终止）: the listed reasons are the profile's; a code not in the
// profile in force is refused, and the label recorded is the profile's text.
#[test]
fn termination_reasons_are_read_from_the_profile() {
    let ctx = at(Stage::InConstruction);
    let mut p = profile();
    p.termination_reasons.retain(|r| r.code != "transfer");
    invalid(
        try_under(&ctx, &unit_clerk(), terminate_cmd(), &p),
        "reason",
    );
    let d = ok(try_(&ctx, &unit_clerk(), terminate_cmd()));
    assert!(
        d.summary.contains("因职能划转、政策变动及其他原因"),
        "{}",
        d.summary
    );
}

// Shangcheng 第六章 项目实施 (资金分批支付的条件及比例): the batches' cap is profile data, cited
#[test]
fn payment_batch_cap_is_read_from_the_profile() {
    let mut ctx = at(Stage::InConstruction);
    go(&mut ctx, &unit_clerk(), batch("合同签订后", 60));
    let mut p = profile();
    p.payment_batches_max_bp = 9_000; // e.g. 10% retained as a quality deposit
    let r = try_under(&ctx, &unit_clerk(), batch("初验通过后", 40), &p);
    match r {
        Err(Refusal::Rule { message, cite }) => {
            assert!(message.contains("90%"), "{message}");
            assert_eq!(cite, p.implementation_cite);
        }
        other => panic!("{other:?}"),
    }
    ok(try_under(&ctx, &unit_clerk(), batch("初验通过后", 30), &p));
}

// SPEC §3: a profile edit is validated whole; every money-rule problem is listed at once
#[test]
fn invalid_money_rules_in_a_profile_are_all_listed() {
    let mut p = profile();
    p.change_filing_max_cut_bp = 12_000;
    p.payment_batches_max_bp = 0;
    p.termination_reasons[1].code = p.termination_reasons[0].code.clone();
    p.termination_reasons[2].cite.article = String::new();
    let errs = Profile::from_toml(&p.to_toml()).unwrap_err();
    assert_eq!(errs.len(), 4, "{errs:?}");
    assert!(errs.iter().any(|e| e.contains("change_filing_max_cut_bp")));
    assert!(errs.iter().any(|e| e.contains("payment_batches_max_bp")));
    assert!(errs
        .iter()
        .any(|e| e.contains("termination_reasons 的 code 有重复")));
    assert!(errs.iter().any(|e| e.contains("缺少文字或依据条款")));
}

// SPEC §3: a profile version stored before the money rules were data reads the Shangcheng values
#[test]
fn stored_profile_without_money_rules_reads_the_shangcheng_values() {
    let mut old: toml::Table = toml::from_str(&profile().to_toml()).unwrap();
    for k in [
        "implementation_cite",
        "payment_batches_max_bp",
        "change_filing_max_cut_bp",
        "change_cite",
        "termination_reasons",
        "termination_cite",
        "supervision",
        "default_rules",
    ] {
        assert!(old.remove(k).is_some(), "{k}");
    }
    let p = Profile::from_toml(&toml::to_string(&old).unwrap()).unwrap();
    assert_eq!(p, profile());
}
