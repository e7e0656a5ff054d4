//! Typed declaration and approval facts (issue 3) and two eligibility/money consequences
//! (issue 6): Quzhou's joint review with the supervision office and the requesting unit, the
//! 项目代码, Shaoxing's urgent mid-year task confirmed by finance, the "built without approval"
//! bar and Shaoxing's stop of O&M money.

mod support;

use support::*;
use tongchou_domain::evaluation::{bars, EligibilityFacts, EvaluationRecord, Outcome};
use tongchou_domain::lifecycle::{decide, Command, Event, Refusal};
use tongchou_domain::profile::Profile;
use tongchou_domain::project::{parse_project_code, BuildKind, PreliminaryScore, UrgentTask};
use tongchou_domain::{Role, Stage, UserId};

fn oversight() -> tongchou_domain::Actor {
    actor(70, "市监管办孔", 27, DISTRICT, &[Role::Oversight])
}

/// A Quzhou project in the joint review where every department but `missing` has scored.
fn joint_review(missing: &[Role]) -> tongchou_domain::project::ProjectContext {
    let mut ctx = at(Stage::PreliminaryReview);
    ctx.preliminary_scores = Profile::quzhou()
        .preliminary_scorers
        .into_iter()
        .filter(|r| !missing.contains(r))
        .enumerate()
        .map(|(i, department)| PreliminaryScore {
            department,
            user_id: UserId(200 + i as i64),
            total: 80,
            pass: true,
        })
        .collect();
    ctx
}

fn decide_joint(ctx: &tongchou_domain::project::ProjectContext) -> Result<Stage, Refusal> {
    decide(
        ctx,
        &authority(),
        Command::PreliminaryDecide {
            pass: true,
            opinion: "并联审核通过".into(),
        },
        &Profile::quzhou(),
        today(),
    )
    .map(|d| d.to)
}

// Quzhou 三(二)1 (市智慧办召集业务需求单位、市大数据局、市委网信办、市营商办、市发改委、市财政局、
// 市监管办、市评审中心等相关部门……联合评审项目方案……形成《衢州市数字化项目决策咨询意见》)
#[test]
fn quzhou_decision_opinion_waits_for_the_supervision_office_and_the_requesting_unit() {
    let p = Profile::quzhou();
    assert!(p.preliminary_scorers.contains(&Role::Oversight));
    assert_eq!(p.role_name(Role::Oversight), "市监管办");
    // Neither has taken part: both named, the conclusion (and so the 决策咨询意见) refused.
    let ctx = joint_review(&[Role::Oversight]);
    match decide_joint(&ctx) {
        Err(Refusal::Rule { message, cite }) => {
            assert!(
                message.contains("市监管办") && message.contains("业务需求单位"),
                "{message}"
            );
            assert!(cite.article.contains("三(二)1"), "{cite:?}");
        }
        r => panic!("{r:?}"),
    }
    // The supervision office scores like the other departments.
    let dec = decide(&ctx, &oversight(), score_cmd(true), &p, today()).unwrap();
    assert!(matches!(
        dec.events[0],
        Event::PreliminaryScored {
            department: Role::Oversight,
            ..
        }
    ));
    // Still waiting for the requesting unit.
    let mut ctx = joint_review(&[]);
    match decide_joint(&ctx) {
        Err(Refusal::Rule { message, .. }) => {
            assert!(
                message.contains("业务需求单位") && !message.contains("市监管办"),
                "{message}"
            );
        }
        r => panic!("{r:?}"),
    }
    // Only the requesting unit itself confirms its needs; a department or another unit cannot.
    let confirm = |s: &str| Command::ConfirmNeeds {
        statement: s.into(),
    };
    assert!(matches!(
        decide(&ctx, &finance(), confirm("确认"), &p, today()),
        Err(Refusal::Forbidden(_))
    ));
    assert!(decide(&ctx, &other_clerk(), confirm("确认"), &p, today()).is_err());
    assert!(matches!(
        decide(&ctx, &unit_clerk(), confirm("  "), &p, today()),
        Err(Refusal::Invalid { ref field, .. }) if field == "statement"
    ));
    let dec = decide(
        &ctx,
        &unit_clerk(),
        confirm("业务需求已在方案中逐项列明，确认"),
        &p,
        today(),
    )
    .unwrap();
    assert_eq!(dec.to, Stage::PreliminaryReview);
    ctx.project.extra.needs_statement = Some("业务需求已在方案中逐项列明，确认".into());
    assert_eq!(decide_joint(&ctx).unwrap(), Stage::ReExamination);
    // Shangcheng has no such step.
    assert!(Profile::shangcheng().joint_review_requester.is_none());
}

// Quzhou 三(二)2 (项目（涉密项目除外）应当通过投资项目在线审批监管平台，并使用在线平台生成的项目代码
// 办理审批手续)
#[test]
fn project_code_has_the_platform_format_and_the_local_region() {
    assert_eq!(
        parse_project_code(" 2024-330802-65-01-123456 ", Some("3308")).unwrap(),
        "2024-330802-65-01-123456"
    );
    for bad in [
        "2024-330802-65-01-12345",
        "24-330802-65-01-123456",
        "2024330802650112345 6",
        "2024-33080A-65-01-123456",
        "1899-330802-65-01-123456",
        "",
    ] {
        assert!(parse_project_code(bad, None).is_err(), "{bad}");
    }
    // 330102 is a Hangzhou district: not a Quzhou code.
    let e = parse_project_code("2024-330102-65-01-123456", Some("3308")).unwrap_err();
    assert!(e.contains("3308"), "{e}");
}

// Quzhou 三(二)2: the code is the unit's typed field, required before the leading group approves;
// a classified project is exempt.
#[test]
fn quzhou_approval_needs_the_project_code_unless_classified() {
    let p = Profile::quzhou();
    let mut ctx = at(Stage::ApprovalMeeting);
    let approve_lg = |ctx: &tongchou_domain::project::ProjectContext| {
        decide(ctx, &leading_group(), approve(today()), &p, today())
    };
    match approve_lg(&ctx) {
        Err(Refusal::Rule { message, cite }) => {
            assert!(message.contains("项目代码"), "{message}");
            assert!(cite.article.contains("三(二)2"));
        }
        r => panic!("{r:?}"),
    }
    // A document upload no longer counts: the code is a field.
    ctx.attachment_kinds.push("project_code".into());
    assert!(approve_lg(&ctx).is_err());
    let set = |code: &str, classified: bool| Command::SetProjectCode {
        code: code.into(),
        classified,
    };
    assert!(matches!(
        decide(
            &ctx,
            &authority(),
            set("2024-330802-65-01-123456", false),
            &p,
            today()
        ),
        Err(Refusal::Forbidden(_))
    ));
    assert!(matches!(
        decide(&ctx, &unit_clerk(), set("2024-330102-65-01-123456", false), &p, today()),
        Err(Refusal::Invalid { ref field, .. }) if field == "project_code"
    ));
    let dec = decide(
        &ctx,
        &unit_clerk(),
        set("2024-330802-65-01-123456", false),
        &p,
        today(),
    )
    .unwrap();
    assert_eq!(
        dec.events,
        vec![Event::ProjectCodeSet {
            code: Some("2024-330802-65-01-123456".into()),
            classified: false
        }]
    );
    ctx.project.extra.project_code = Some("2024-330802-65-01-123456".into());
    assert_eq!(approve_lg(&ctx).unwrap().to, Stage::Approved);
    // Classified: exempt without a code.
    let mut ctx = at(Stage::ApprovalMeeting);
    let dec = decide(&ctx, &unit_clerk(), set("", true), &p, today()).unwrap();
    assert_eq!(
        dec.events,
        vec![Event::ProjectCodeSet {
            code: None,
            classified: true
        }]
    );
    ctx.project.extra.classified = true;
    assert_eq!(approve_lg(&ctx).unwrap().to, Stage::Approved);
    // After the approval the code is fixed.
    let ctx = at(Stage::Approved);
    assert!(matches!(
        decide(
            &ctx,
            &unit_clerk(),
            set("2024-330802-65-01-123456", false),
            &p,
            today()
        ),
        Err(Refusal::WrongStage { .. })
    ));
}

// Shaoxing 第十一条 (急需建设项目……经市财政局明确资金来源（原则上在预算内调剂安排），再进入审核环节)
#[test]
fn shaoxing_urgent_task_enters_the_initial_check_only_after_finance_confirms_the_fund_source() {
    let p = Profile::shaoxing();
    let mut ctx = at(Stage::ComplianceReview);
    ctx.project.extra.urgent = Some(UrgentTask {
        basis: "省数改办年中部署".into(),
        consent: "市政府专题会议纪要〔2026〕12号".into(),
        ..Default::default()
    });
    let check = |ctx: &tongchou_domain::project::ProjectContext| {
        decide(
            ctx,
            &authority(),
            compliance(all_true(&p.compliance_checklist), &[]),
            &p,
            today(),
        )
    };
    match check(&ctx) {
        Err(Refusal::Rule { message, cite }) => {
            assert!(message.contains("市财政局明确资金来源"), "{message}");
            assert!(cite.article.contains("第十一条"));
        }
        r => panic!("{r:?}"),
    }
    let confirm = |s: &str| Command::ConfirmFundSource {
        source: s.into(),
        opinion: String::new(),
    };
    // Finance's act, not the unit's claim.
    assert!(matches!(
        decide(&ctx, &unit_clerk(), confirm("预算内调剂"), &p, today()),
        Err(Refusal::Forbidden(_))
    ));
    assert!(matches!(
        decide(&ctx, &authority(), confirm("预算内调剂"), &p, today()),
        Err(Refusal::Forbidden(_))
    ));
    assert!(matches!(
        decide(&ctx, &finance(), confirm(" "), &p, today()),
        Err(Refusal::Invalid { ref field, .. }) if field == "source"
    ));
    let dec = decide(
        &ctx,
        &finance(),
        confirm("2026年部门预算内调剂安排"),
        &p,
        today(),
    )
    .unwrap();
    assert_eq!(
        dec.events,
        vec![Event::FundSourceConfirmed {
            source: "2026年部门预算内调剂安排".into(),
            by: finance().name,
            on: today(),
        }]
    );
    ctx.project.extra.urgent.as_mut().unwrap().fund_source =
        Some("2026年部门预算内调剂安排".into());
    assert_eq!(check(&ctx).unwrap().to, Stage::ExpertReview);
    // A project declared in the yearly plan needs no such confirmation.
    let ctx = at(Stage::ComplianceReview);
    assert!(check(&ctx).is_ok());
    assert!(decide(&ctx, &finance(), confirm("x"), &p, today()).is_err());
}

// Shangcheng 第十章 (应用建成使用不满两年而停用或未按规定擅自建设项目的单位取消该单位下一年度的项目申报资格)
#[test]
fn unit_found_to_have_built_without_approval_is_refused_until_the_end_of_next_year() {
    let facts = EligibilityFacts {
        unapproved: vec![(
            "社区网格巡查系统".into(),
            d(2026, 3, 10),
            "上数资督〔2026〕3号".into(),
        )],
        ..Default::default()
    };
    let rules = profile().evaluation;
    let b = bars(&facts, BuildKind::New, &rules, d(2026, 6, 15));
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].code, "unapproved_build");
    assert!(b[0].hard);
    assert_eq!(b[0].until, Some(d(2028, 1, 1)));
    assert!(b[0].message.contains("2027 年度") && b[0].message.contains("2027-12-31"));
    assert!(b[0].message.contains("上数资督〔2026〕3号"));
    assert!(b[0].cite.article.contains("第十章"));
    // Still barred at the end of next year, free after it.
    assert_eq!(
        bars(&facts, BuildKind::New, &rules, d(2027, 12, 31)).len(),
        1
    );
    assert!(bars(&facts, BuildKind::New, &rules, d(2028, 1, 1)).is_empty());
    // At declaration: refused (hard), a reason does not help.
    let mut ctx = at(Stage::Draft);
    ctx.eligibility = facts;
    match run(
        &ctx,
        &unit_clerk(),
        Command::Declare {
            override_reason: Some("已整改".into()),
            urgent: None,
        },
    ) {
        Err(Refusal::Rule { message, cite }) => {
            assert!(message.contains("未按规定擅自建设"), "{message}");
            assert!(cite.article.contains("第十章"));
        }
        r => panic!("{r:?}"),
    }
    // Who records the finding: the competent authority covering the unit's district.
    use tongchou_domain::evaluation::can_record_unapproved_build;
    assert!(can_record_unapproved_build(&authority(), DISTRICT));
    assert!(can_record_unapproved_build(&city_authority(), DISTRICT));
    assert!(!can_record_unapproved_build(&outside_authority(), DISTRICT));
    assert!(!can_record_unapproved_build(&finance(), DISTRICT));
    assert!(!can_record_unapproved_build(&unit_clerk(), DISTRICT));
}

// Shaoxing 第三十四条 (对拒不整改或整改后仍不符合要求的，市信管办暂缓其后续项目审核，市财政局停止拨付
// 项目运维经费)
#[test]
fn confirmed_suspension_stops_the_systems_om_money_until_the_authority_lifts_it() {
    let p = Profile::shaoxing();
    let mut ctx = at(Stage::InOperation);
    ctx.evaluations = vec![EvaluationRecord {
        year: 2025,
        system: p.evaluation.system.clone(),
        self_scores: vec![],
        self_total: 40,
        evidence: "自评".into(),
        spot: None,
        outcome: Some(Outcome::Suspend),
        rectify_by: None,
        outcome_reason: "整改后仍不符合要求".into(),
        confirmed: false,
        leader: None,
        published: false,
        rectified: None,
    }];
    let dec = decide(
        &ctx,
        &authority(),
        Command::ConfirmOutcome {
            year: 2025,
            agree: true,
            leader: None,
            leader_date: None,
            opinion: "确认".into(),
        },
        &p,
        today(),
    )
    .unwrap();
    let stopped = dec
        .events
        .iter()
        .find_map(|e| match e {
            Event::OmStopped { on, reason } => Some((*on, reason.clone())),
            _ => None,
        })
        .expect("O&M money stopped");
    assert_eq!(stopped.0, today());
    assert!(stopped.1.contains("停止拨付项目运维经费"), "{}", stopped.1);
    ctx.project.extra.om_stopped = Some(stopped);
    // Every payment step of the system is refused with the reason and the article.
    for cmd in [
        Command::AddPaymentBatch {
            condition: "运维期满一年".into(),
            ratio_bp: 500,
        },
        Command::PrefilePayment {
            batch: 1,
            amount: yuan(1000),
            planned_date: today(),
        },
        Command::RecordPayment {
            payment: 1,
            paid_date: today(),
            amount: yuan(1000),
            voucher: String::new(),
        },
    ] {
        match decide(&ctx, &unit_clerk(), cmd, &p, today()) {
            Err(Refusal::Rule { message, cite }) => {
                assert!(message.contains("停止拨付"), "{message}");
                assert!(cite.article.contains("第三十四条"));
            }
            r => panic!("{r:?}"),
        }
    }
    // Lifted only by the authority, with a reason (the history entry).
    let lift = |r: &str| Command::LiftOmStop { reason: r.into() };
    assert!(matches!(
        decide(&ctx, &unit_clerk(), lift("已整改"), &p, today()),
        Err(Refusal::Forbidden(_))
    ));
    assert!(matches!(
        decide(&ctx, &finance(), lift("已整改"), &p, today()),
        Err(Refusal::Forbidden(_))
    ));
    assert!(matches!(
        decide(&ctx, &authority(), lift(" "), &p, today()),
        Err(Refusal::Invalid { ref field, .. }) if field == "reason"
    ));
    let dec = decide(&ctx, &authority(), lift("整改复核合格"), &p, today()).unwrap();
    assert_eq!(
        dec.events,
        vec![Event::OmStopLifted {
            reason: "整改复核合格".into()
        }]
    );
    ctx.project.extra.om_stopped = None;
    assert!(!matches!(
        decide(
            &ctx,
            &unit_clerk(),
            Command::AddPaymentBatch {
                condition: "运维期满一年".into(),
                ratio_bp: 1,
            },
            &p,
            today()
        ),
        Err(Refusal::Rule { ref message, .. }) if message.contains("停止拨付")
    ));
}
