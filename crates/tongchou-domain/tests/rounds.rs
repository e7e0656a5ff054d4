//! Declaration rounds (SPEC A1): inside an open round a declaration goes ahead; outside any round
//! it is a supplementary declaration (增补), a default rule needing a reason and the approver the
//! profile names.

mod support;

use support::*;
use tongchou_domain::lifecycle::{decide, Command, Event, Refusal};
use tongchou_domain::profile::{Citation, Profile};
use tongchou_domain::round::{self, DeclarationRound, RoundFacts};
use tongchou_domain::{Role, Stage};

const SC: &str = "上城区电子政务项目管理办法（征求意见稿）";
const SX: &str = "绍兴市市级政务信息化项目管理办法";

fn sept_round() -> DeclarationRound {
    DeclarationRound {
        id: 1,
        jurisdiction_id: 3,
        jurisdiction_name: "上城区".into(),
        jurisdiction_path: "/1/2/3/".into(),
        plan_year: 2027,
        opens_on: d(2026, 9, 20),
        closes_on: d(2026, 9, 30),
        note: "2027年度项目集中申报".into(),
        opened_by_name: "区数据资源局".into(),
        opened_at: "2026-09-01T09:00:00".into(),
    }
}

fn with_round() -> tongchou_domain::project::ProjectContext {
    let mut ctx = at(Stage::Draft);
    ctx.rounds = RoundFacts {
        rounds: vec![sept_round()],
    };
    ctx
}

fn declare(reason: Option<&str>) -> Command {
    Command::Declare {
        urgent: None,
        override_reason: reason.map(String::from),
    }
}

// Shangcheng 第五章 项目申报 (每年9月底，由区数据资源局组织集中申报下一年度项目)
#[test]
fn declaration_inside_open_round_goes_ahead_without_override() {
    let dec = run_on(&with_round(), &unit_clerk(), declare(None), d(2026, 9, 30)).unwrap();
    assert_eq!(dec.events, vec![Event::Declared]);
    assert_eq!(dec.to, Stage::ComplianceReview);
}

// Shangcheng 第五章 项目申报 (在非项目集中申报期内，原则上不新增申报 … 以增补项目形式，一事一议)
#[test]
fn declaration_outside_round_needs_reason() {
    for on in [d(2026, 9, 19), d(2026, 10, 1)] {
        match run_on(&with_round(), &unit_clerk(), declare(Some("  ")), on) {
            Err(Refusal::NeedsOverride {
                rule,
                message,
                cite,
            }) => {
                assert_eq!(rule, "declaration_outside_round");
                assert_eq!(cite, Citation::new(SC, "第五章 项目申报"));
                assert!(message.contains("不在集中申报期内"), "{message}");
                assert!(message.contains("2027年度集中申报"), "{message}");
                assert!(message.contains("区数据资源局"), "{message}");
            }
            other => panic!("expected NeedsOverride, got {other:?}"),
        }
    }
}

// Shangcheng 第五章 项目申报 (增补项目，一事一议: pending the authority's sign-off)
#[test]
fn declaration_outside_round_with_reason_is_pending_the_named_approver() {
    let dec = run_on(
        &with_round(),
        &unit_clerk(),
        declare(Some("区委临时部署的紧急任务")),
        d(2026, 11, 2),
    )
    .unwrap();
    assert_eq!(dec.to, Stage::ComplianceReview);
    assert_eq!(
        dec.events[0],
        Event::OverrideRecorded {
            rule: "declaration_outside_round".into(),
            reason: "区委临时部署的紧急任务".into(),
            cite: Citation::new(SC, "第五章 项目申报"),
            approver: Some(Role::Authority),
            text: Profile::shangcheng()
                .default_rule("declaration_outside_round")
                .unwrap()
                .text
                .clone(),
        }
    );
    assert_eq!(dec.events[1], Event::Declared);
}

// Shaoxing 第八条、第十一条 (未列入年度建设计划的，原则上不予安排建设；急需建设项目，项目建设单位应
// 提供明确依据，专题报市委、市政府同意，经市财政局明确资金来源，再进入审核环节)
#[test]
fn shaoxing_declaration_outside_round_needs_basis_and_consent_then_finance() {
    let p = Profile::shaoxing();
    let r = p.default_rule("declaration_outside_round").unwrap();
    assert_eq!(r.cite, Citation::new(SX, "第八条、第十一条"));
    assert!(r.text.contains("未列入年度建设计划"), "{}", r.text);
    let urgent = |basis: &str, consent: &str| Command::Declare {
        override_reason: None,
        urgent: Some(tongchou_domain::lifecycle::UrgentInput {
            basis: basis.into(),
            consent: consent.into(),
        }),
    };
    // Nothing given: both facts asked for at once, each beside its field (一次性告知, 第十二条).
    match decide(
        &with_round(),
        &unit_clerk(),
        declare(None),
        &p,
        d(2026, 12, 1),
    ) {
        Err(Refusal::InvalidFields { fields }) => {
            let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
            assert_eq!(names, ["urgent_basis", "urgent_consent"]);
            assert!(fields.iter().all(|f| f.message.contains("第十一条")));
        }
        other => panic!("expected both fields, got {other:?}"),
    }
    // Each of the unit's two facts is required, the error beside its field.
    for (cmd, field) in [
        (urgent("", "市政府专题会议纪要〔2026〕12号"), "urgent_basis"),
        (urgent("省数改办年中部署", " "), "urgent_consent"),
    ] {
        match decide(&with_round(), &unit_clerk(), cmd, &p, d(2026, 12, 1)) {
            Err(Refusal::Invalid { field: f, message }) => {
                assert_eq!(f, field, "{message}");
                assert!(message.contains("第十一条"), "{message}");
            }
            other => panic!("expected Invalid {field}, got {other:?}"),
        }
    }
    // Both given: declared as a supplementary declaration, the facts recorded, the override
    // pending the approver, citing art.8 and art.11.
    let dec = decide(
        &with_round(),
        &unit_clerk(),
        urgent(
            "省数改办年中部署的一网通办任务",
            "市政府专题会议纪要〔2026〕12号",
        ),
        &p,
        d(2026, 12, 1),
    )
    .unwrap();
    assert!(dec.events.contains(&Event::UrgentTaskRecorded {
        basis: "省数改办年中部署的一网通办任务".into(),
        consent: "市政府专题会议纪要〔2026〕12号".into(),
    }));
    assert!(dec.events.iter().any(|e| matches!(e,
        Event::OverrideRecorded { rule, cite, reason, .. }
            if rule == "declaration_outside_round"
                && *cite == Citation::new(SX, "第八条、第十一条")
                && reason.contains("会议纪要"))));
    // Inside an open round none of it is asked.
    let dec = decide(
        &with_round(),
        &unit_clerk(),
        declare(None),
        &p,
        d(2026, 9, 25),
    )
    .unwrap();
    assert_eq!(dec.events, vec![Event::Declared]);
}

// Shangcheng 第五章 项目申报 (每年9月底集中申报): where the profile declares in rounds, a declaration
// when no round is open is a supplementary declaration even if no round was ever recorded.
#[test]
fn declaration_with_no_round_ever_recorded_is_supplementary_where_the_profile_declares_in_rounds() {
    let mut ctx = at(Stage::Draft);
    ctx.rounds = RoundFacts::default();
    match run(&ctx, &unit_clerk(), declare(None)) {
        Err(Refusal::NeedsOverride { rule, message, .. }) => {
            assert_eq!(rule, "declaration_outside_round");
            assert!(message.contains("尚未开放集中申报期"), "{message}");
        }
        other => panic!("expected NeedsOverride, got {other:?}"),
    }
    assert!(run(&ctx, &unit_clerk(), declare(Some("区委临时部署"))).is_ok());
}

// Quzhou 三(一)1 (实时征集各部门需求): no declaration rounds; nothing is checked without one.
#[test]
fn quzhou_declares_at_any_time_without_a_round() {
    let mut ctx = at(Stage::Draft);
    ctx.rounds = RoundFacts::default();
    let p = Profile::quzhou();
    assert!(p.declaration_rounds.is_none());
    let dec = decide(&ctx, &unit_clerk(), declare(None), &p, today()).unwrap();
    assert!(!dec
        .events
        .iter()
        .any(|e| matches!(e, Event::OverrideRecorded { .. })));
}

// Shangcheng 第五章 项目申报 (a round has a year declared for, an opening and a closing date)
#[test]
fn round_closing_before_opening_or_for_a_far_year_is_invalid() {
    let e = round::validate(2027, d(2026, 9, 30), d(2026, 9, 20)).unwrap_err();
    assert!(
        matches!(e, Refusal::Invalid { ref field, .. } if field == "closes_on"),
        "{e:?}"
    );
    let e = round::validate(2029, d(2026, 9, 20), d(2026, 9, 30)).unwrap_err();
    assert!(
        matches!(e, Refusal::Invalid { ref field, .. } if field == "plan_year"),
        "{e:?}"
    );
    assert!(round::validate(2027, d(2026, 9, 20), d(2026, 9, 30)).is_ok());
}

// Shangcheng 第五章 项目申报 (由区数据资源局组织): only the authority covering it opens a round
#[test]
fn only_the_covering_authority_opens_a_round() {
    assert!(round::can_open_round(&authority(), "/1/2/3/"));
    assert!(!round::can_open_round(&unit_clerk(), "/1/2/3/"));
    assert!(!round::can_open_round(&outside_authority(), "/1/2/3/"));
}

// Shangcheng 第五章 项目申报 (older stored profiles keep loading: the new rule is filled in)
#[test]
fn stored_profile_without_round_rule_loads_with_it() {
    let mut p = Profile::shangcheng();
    p.default_rules
        .retain(|r| r.code != "declaration_outside_round");
    let back = Profile::from_toml(&p.to_toml()).unwrap();
    assert!(back.default_rule("declaration_outside_round").is_some());
}
