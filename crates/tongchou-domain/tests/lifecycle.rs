//! Domain tests: every command of `lifecycle::decide` on its success path and on each refusal it
//! can give, visibility, calendar arithmetic, `available_actions`, and a proptest that drives
//! random command sequences from random actors through an in-memory model of the store.
//!
//! Citations above each test name the seed article (SPEC §2) or mark a **[product]** rule.

mod support;

use support::*;
use tongchou_domain::lifecycle::{
    add_days, add_months, available_actions, decide, Command, Decision, Event, Refusal,
};
use tongchou_domain::overrides::OverrideState;
use tongchou_domain::permission::{can_view, is_read_only, list_scope};
use tongchou_domain::profile::{Citation, SupervisionMode};
use tongchou_domain::project::{BuildKind, PanelPurpose, ProjectContext};
use tongchou_domain::{Actor, Date, Role, Stage, UserId, Yuan};

const SC: &str = "上城区电子政务项目管理办法（征求意见稿）";
const SHAOXING: &str = "绍兴市市级政务信息化项目管理办法";
const QUZHOU: &str = "衢州市政府投资数字化项目全生命周期管理办法";
const PLATFORM: &str = "统筹平台规则";

// ---------------------------------------------------------------------------------------------
// Assertion helpers
// ---------------------------------------------------------------------------------------------

type Outcome = Result<Decision, Refusal>;

#[track_caller]
fn ok(r: Outcome) -> Decision {
    match r {
        Ok(d) => d,
        Err(e) => panic!("expected success, got {e:?}"),
    }
}

#[track_caller]
fn forbidden(r: Outcome) -> String {
    match r {
        Err(Refusal::Forbidden(m)) => m,
        other => panic!("expected Forbidden, got {other:?}"),
    }
}

#[track_caller]
fn not_visible(r: Outcome) {
    match r {
        Err(Refusal::NotVisible) => {}
        other => panic!("expected NotVisible, got {other:?}"),
    }
}

#[track_caller]
fn wrong_stage(r: Outcome) {
    match r {
        Err(Refusal::WrongStage { .. }) => {}
        other => panic!("expected WrongStage, got {other:?}"),
    }
}

/// A hard-rule refusal citing `document` and `article`; returns the message.
#[track_caller]
fn rule(r: Outcome, document: &str, article: &str) -> String {
    match r {
        Err(Refusal::Rule { message, cite }) => {
            assert_eq!(
                (cite.document.as_str(), cite.article.as_str()),
                (document, article),
                "wrong citation for: {message}"
            );
            message
        }
        other => panic!("expected Rule ({document} {article}), got {other:?}"),
    }
}

/// A Shangcheng hard-rule refusal.
#[track_caller]
fn sc_rule(r: Outcome, article: &str) -> String {
    rule(r, SC, article)
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
fn needs_override(r: Outcome, rule_code: &str, article: &str) -> String {
    match r {
        Err(Refusal::NeedsOverride {
            rule,
            message,
            cite,
        }) => {
            assert_eq!(rule, rule_code);
            assert_eq!(cite, Citation::new(SC, article));
            message
        }
        other => panic!("expected NeedsOverride({rule_code}), got {other:?}"),
    }
}

fn stages(dec: &Decision) -> (Stage, Stage) {
    (dec.from, dec.to)
}

fn ended_event(dec: &Decision) -> Option<&str> {
    dec.events.iter().find_map(|e| match e {
        Event::Ended { reason } => Some(reason.as_str()),
        _ => None,
    })
}

// =============================================================================================
// 修改草稿 Edit
// =============================================================================================

// Shangcheng 第五章 项目申报 (the unit fills in the 申报表)
#[test]
fn edit_draft_by_own_unit_records_new_input() {
    let mut new = input();
    new.summary = "调整建设内容：新增事件分拨模块和移动端入口。".into();
    let dec = ok(run(
        &at(Stage::Draft),
        &unit_clerk(),
        Command::Edit { input: new.clone() },
    ));
    assert_eq!(stages(&dec), (Stage::Draft, Stage::Draft));
    assert_eq!(dec.events, vec![Event::Edited { input: new }]);
}

// Shangcheng 第五章 项目申报 (按合规性审查意见对材料进行调整)
#[test]
fn edit_returned_declaration_by_own_unit_records_new_input() {
    let dec = ok(run(
        &at(Stage::Returned),
        &unit_clerk(),
        Command::Edit { input: input() },
    ));
    assert_eq!(stages(&dec), (Stage::Returned, Stage::Returned));
}

// [product] SPEC §1: a construction unit never sees another unit's draft
#[test]
fn edit_other_units_draft_is_not_visible() {
    not_visible(run(
        &at(Stage::Draft),
        &other_clerk(),
        Command::Edit { input: input() },
    ));
}

// Shangcheng 第二章 管理职责 (the construction unit is responsible for its own declaration)
#[test]
fn edit_other_units_approved_project_is_forbidden() {
    forbidden(run(
        &at(Stage::Approved),
        &other_clerk(),
        Command::Edit { input: input() },
    ));
}

// Shangcheng 第二章 管理职责
#[test]
fn edit_returned_declaration_by_authority_is_forbidden() {
    forbidden(run(
        &at(Stage::Returned),
        &authority(),
        Command::Edit { input: input() },
    ));
}

// Shangcheng 第五章 项目申报
#[test]
fn edit_after_declaration_is_wrong_stage() {
    wrong_stage(run(
        &at(Stage::ComplianceReview),
        &unit_clerk(),
        Command::Edit { input: input() },
    ));
}

// =============================================================================================
// 提交申报 Declare
// =============================================================================================

// Shangcheng 第五章 项目申报
#[test]
fn declare_with_forms_moves_to_compliance_review() {
    let dec = ok(run(
        &at(Stage::Draft),
        &unit_clerk(),
        Command::Declare {
            urgent: None,
            override_reason: None,
        },
    ));
    assert_eq!(stages(&dec), (Stage::Draft, Stage::ComplianceReview));
    assert_eq!(dec.events, vec![Event::Declared]);
}

// Shangcheng 第五章 项目申报 (提交《电子政务项目申报表》及《项目可行性研究报告》)
#[test]
fn declare_without_forms_is_refused_listing_both_documents() {
    let mut ctx = at(Stage::Draft);
    ctx.attachment_kinds.clear();
    let msg = sc_rule(
        run(
            &ctx,
            &unit_clerk(),
            Command::Declare {
                urgent: None,
                override_reason: None,
            },
        ),
        "第五章 项目申报",
    );
    assert!(msg.contains("电子政务项目申报表"), "{msg}");
    assert!(msg.contains("项目可行性研究报告"), "{msg}");

    ctx.attachment_kinds = vec!["declaration_form".into()];
    let msg = sc_rule(
        run(
            &ctx,
            &unit_clerk(),
            Command::Declare {
                urgent: None,
                override_reason: None,
            },
        ),
        "第五章 项目申报",
    );
    assert!(!msg.contains("申报表"), "{msg}");
    assert!(msg.contains("项目可行性研究报告"), "{msg}");
}

fn with_security(security: Yuan) -> ProjectContext {
    let mut ctx = at(Stage::Draft);
    ctx.project.input.security_amount = security;
    ctx
}

// Shangcheng 第六章 项目实施 (原则上新建项目网络数据安全预算不低于项目总投资的5%)
#[test]
fn declare_security_below_5_percent_needs_override() {
    let ctx = with_security(yuan(49_999));
    let msg = needs_override(
        run(
            &ctx,
            &unit_clerk(),
            Command::Declare {
                urgent: None,
                override_reason: None,
            },
        ),
        "security_budget_min",
        "第六章 项目实施",
    );
    assert!(msg.contains("4.99%"), "{msg}");
    assert!(msg.contains("50,000.00"), "{msg}");
    assert!(msg.contains("差 1.00 元"), "{msg}");
}

// Shangcheng 第六章 项目实施 (default rule: goes ahead with a recorded reason)
#[test]
fn declare_security_below_5_percent_with_reason_records_override() {
    let ctx = with_security(yuan(30_000));
    let dec = ok(run(
        &ctx,
        &unit_clerk(),
        Command::Declare {
            urgent: None,
            override_reason: Some("  安全能力由区统建平台提供  ".into()),
        },
    ));
    assert_eq!(stages(&dec), (Stage::Draft, Stage::ComplianceReview));
    assert_eq!(
        dec.events,
        vec![
            Event::OverrideRecorded {
                rule: "security_budget_min".into(),
                reason: "安全能力由区统建平台提供".into(),
                cite: Citation::new(SC, "第六章 项目实施"),
                // SPEC §0: pending the sign-off of the approver the profile names (区委网信办).
                approver: Some(Role::Cyber),
                text: "原则上新建项目网络数据安全预算不低于项目总投资的5%".into(),
            },
            Event::Declared,
        ]
    );
}

// Shangcheng 第六章 项目实施
#[test]
fn declare_security_below_5_percent_with_blank_reason_needs_override() {
    let ctx = with_security(yuan(30_000));
    needs_override(
        run(
            &ctx,
            &unit_clerk(),
            Command::Declare {
                urgent: None,
                override_reason: Some("   ".into()),
            },
        ),
        "security_budget_min",
        "第六章 项目实施",
    );
}

// Shangcheng 第六章 项目实施 (不低于 5%: exactly 5 % is enough)
#[test]
fn declare_security_exactly_5_percent_needs_no_override() {
    let ctx = with_security(yuan(50_000));
    let dec = ok(run(
        &ctx,
        &unit_clerk(),
        Command::Declare {
            urgent: None,
            override_reason: None,
        },
    ));
    assert_eq!(dec.events, vec![Event::Declared]);

    // One fen less is below 5 %.
    let ctx = with_security(Yuan::from_fen(yuan(50_000).fen() - 1));
    needs_override(
        run(
            &ctx,
            &unit_clerk(),
            Command::Declare {
                urgent: None,
                override_reason: None,
            },
        ),
        "security_budget_min",
        "第六章 项目实施",
    );
}

// Shangcheng 第六章 项目实施 (项目总投资: the non-IT part counts in the total)
#[test]
fn declare_security_share_of_total_investment_counts_non_it_part_needs_override() {
    let mut ctx = at(Stage::Draft);
    ctx.project.input.it_amount = yuan(900_000);
    ctx.project.input.non_it_amount = yuan(100_000);
    ctx.project.input.security_amount = yuan(47_000); // 5.2 % of IT, 4.7 % of total
    needs_override(
        run(
            &ctx,
            &unit_clerk(),
            Command::Declare {
                urgent: None,
                override_reason: None,
            },
        ),
        "security_budget_min",
        "第六章 项目实施",
    );
}

// Shangcheng 第六章 项目实施 (the 5 % rule is for 新建项目 only)
#[test]
fn declare_upgrade_with_low_security_needs_no_override() {
    let mut ctx = with_security(Yuan::ZERO);
    ctx.project.input.build_kind = BuildKind::Upgrade;
    let dec = ok(run(
        &ctx,
        &unit_clerk(),
        Command::Declare {
            urgent: None,
            override_reason: None,
        },
    ));
    assert_eq!(dec.events, vec![Event::Declared]);
}

// [product] SPEC §1: departments see declared projects only
#[test]
fn declare_draft_by_authority_is_not_visible() {
    not_visible(run(
        &at(Stage::Draft),
        &authority(),
        Command::Declare {
            urgent: None,
            override_reason: None,
        },
    ));
}

// [product] SPEC §1: a unit never sees another unit's draft
#[test]
fn declare_draft_by_other_unit_is_not_visible() {
    not_visible(run(
        &at(Stage::Draft),
        &other_clerk(),
        Command::Declare {
            urgent: None,
            override_reason: None,
        },
    ));
}

// Shangcheng 第二章 管理职责 (区审计局: audit supervision, read-only)
#[test]
fn declare_draft_by_audit_is_forbidden() {
    forbidden(run(
        &at(Stage::Draft),
        &audit(),
        Command::Declare {
            urgent: None,
            override_reason: None,
        },
    ));
}

// Shangcheng 第五章 项目申报
#[test]
fn declare_twice_is_wrong_stage() {
    wrong_stage(run(
        &at(Stage::ComplianceReview),
        &unit_clerk(),
        Command::Declare {
            urgent: None,
            override_reason: None,
        },
    ));
}

// Shangcheng 第五章 项目申报 (a returned declaration goes back by 申请复审, not a new declaration)
#[test]
fn declare_returned_declaration_is_wrong_stage() {
    wrong_stage(run(
        &at(Stage::Returned),
        &unit_clerk(),
        Command::Declare {
            urgent: None,
            override_reason: None,
        },
    ));
}

// =============================================================================================
// 撤回 Withdraw
// =============================================================================================

// Shangcheng 第五章 项目申报 [product: the unit may withdraw before review]
#[test]
fn withdraw_draft_ends_project() {
    let dec = ok(run(
        &at(Stage::Draft),
        &unit_clerk(),
        Command::Withdraw {
            reason: "需求已由市统建系统满足".into(),
        },
    ));
    assert_eq!(stages(&dec), (Stage::Draft, Stage::Ended));
    assert!(ended_event(&dec)
        .unwrap()
        .contains("需求已由市统建系统满足"));
}

// Shangcheng 第五章 项目申报 (未申请复审的，此项目本次申报结束)
#[test]
fn withdraw_returned_declaration_ends_project() {
    let dec = ok(run(
        &at(Stage::Returned),
        &unit_clerk(),
        Command::Withdraw {
            reason: "不再申报".into(),
        },
    ));
    assert_eq!(stages(&dec), (Stage::Returned, Stage::Ended));
}

// Shangcheng 第五章 项目申报
#[test]
fn withdraw_without_reason_is_invalid() {
    invalid(
        run(
            &at(Stage::Draft),
            &unit_clerk(),
            Command::Withdraw {
                reason: "  ".into(),
            },
        ),
        "reason",
    );
}

// Shangcheng 第五章 项目申报
#[test]
fn withdraw_in_compliance_review_is_wrong_stage() {
    wrong_stage(run(
        &at(Stage::ComplianceReview),
        &unit_clerk(),
        Command::Withdraw {
            reason: "不再申报".into(),
        },
    ));
}

// Shangcheng 第二章 管理职责
#[test]
fn withdraw_by_authority_is_forbidden() {
    forbidden(run(
        &at(Stage::Returned),
        &authority(),
        Command::Withdraw {
            reason: "不再申报".into(),
        },
    ));
}

// =============================================================================================
// 合规性审查 ComplianceReview
// =============================================================================================

// Shangcheng 第五章 项目申报 (合规性审查通过的，由区数据资源局集中组织项目初审)
#[test]
fn compliance_review_all_checks_pass_moves_to_preliminary_review() {
    let dec = ok(run(
        &at(Stage::ComplianceReview),
        &authority(),
        compliance_pass(),
    ));
    assert_eq!(
        stages(&dec),
        (Stage::ComplianceReview, Stage::PreliminaryReview)
    );
    assert!(matches!(
        &dec.events[..],
        [Event::ComplianceChecked { pass: true, problems, .. }] if problems.is_empty()
    ));
}

// Shangcheng 第五章 项目申报; Shaoxing art.12 (一次性告知 all problems at once)
#[test]
fn compliance_review_failed_lists_all_problems_at_once_and_returns() {
    let p = profile();
    let cmd = compliance(
        with_false(&p.compliance_checklist, &["core_business", "street_survey"]),
        &["投资估算缺少分项明细", "   "],
    );
    let dec = ok(run(&at(Stage::ComplianceReview), &authority(), cmd));
    assert_eq!(stages(&dec), (Stage::ComplianceReview, Stage::Returned));
    let problems = match &dec.events[..] {
        [Event::ComplianceChecked {
            pass: false,
            problems,
            ..
        }] => problems.clone(),
        other => panic!("{other:?}"),
    };
    let text = |code: &str| {
        p.compliance_checklist
            .iter()
            .find(|i| i.code == code)
            .unwrap()
            .text
            .clone()
    };
    assert_eq!(
        problems,
        vec![
            format!("不符合：{}", text("core_business")),
            format!("不符合：{}", text("street_survey")),
            "投资估算缺少分项明细".to_string(),
        ]
    );
    assert!(dec.summary.contains("3 项"), "{}", dec.summary);
}

// Shangcheng 第五章 项目申报 (《项目申报材料合规性审核要点》: every point must be checked)
#[test]
fn compliance_review_unanswered_item_counts_as_problem() {
    let p = profile();
    let checks: Vec<(String, bool)> = all_true(&p.compliance_checklist)
        .into_iter()
        .filter(|(c, _)| c != "in_scope")
        .collect();
    let dec = ok(run(
        &at(Stage::ComplianceReview),
        &authority(),
        compliance(checks, &[]),
    ));
    assert_eq!(dec.to, Stage::Returned);
    let in_scope = &p
        .compliance_checklist
        .iter()
        .find(|i| i.code == "in_scope")
        .unwrap()
        .text;
    assert!(matches!(
        &dec.events[..],
        [Event::ComplianceChecked { problems, .. }] if problems == &vec![format!("不符合：{in_scope}")]
    ));
}

// Shangcheng 第五章 项目申报 (复审未通过的，此项目本次申报结束)
#[test]
fn compliance_review_failed_twice_ends_declaration() {
    let p = profile();
    let fail = || compliance(with_false(&p.compliance_checklist, &["relations"]), &[]);
    let mut ctx = at(Stage::ComplianceReview);

    let first = step(&mut ctx, &authority(), fail(), today());
    assert_eq!(first.to, Stage::Returned);

    let again = step(
        &mut ctx,
        &unit_clerk(),
        Command::RequestRereview {
            note: "已补充业务关系说明".into(),
        },
        today(),
    );
    assert_eq!(stages(&again), (Stage::Returned, Stage::ComplianceReview));
    assert_eq!(ctx.project.rereviews_used, 1);

    let second = step(&mut ctx, &authority(), fail(), today());
    assert_eq!(stages(&second), (Stage::ComplianceReview, Stage::Ended));
    assert!(matches!(
        &second.events[..],
        [
            Event::ComplianceChecked { pass: false, .. },
            Event::Ended { .. }
        ]
    ));
    assert!(ended_event(&second).unwrap().contains("复审未通过"));

    // No third chance.
    wrong_stage(run(
        &ctx,
        &unit_clerk(),
        Command::RequestRereview {
            note: "再试一次".into(),
        },
    ));
}

// Shangcheng 第五章 项目申报 (one re-review; passing it continues to the preliminary review)
#[test]
fn compliance_review_passed_on_rereview_moves_to_preliminary_review() {
    let p = profile();
    let mut ctx = at(Stage::ComplianceReview);
    step(
        &mut ctx,
        &authority(),
        compliance(with_false(&p.compliance_checklist, &["forms"]), &[]),
        today(),
    );
    step(
        &mut ctx,
        &unit_clerk(),
        Command::RequestRereview {
            note: "已补交".into(),
        },
        today(),
    );
    let dec = step(&mut ctx, &authority(), compliance_pass(), today());
    assert_eq!(dec.to, Stage::PreliminaryReview);
}

// Shangcheng 第五章 项目申报
#[test]
fn compliance_review_unknown_check_is_invalid() {
    let mut checks = all_true(&profile().compliance_checklist);
    checks.push(("bogus".into(), true));
    invalid(
        run(
            &at(Stage::ComplianceReview),
            &authority(),
            compliance(checks, &[]),
        ),
        "checks",
    );
}

// Shangcheng 第二章 管理职责 (区数据资源局 reviews)
#[test]
fn compliance_review_by_finance_is_forbidden() {
    forbidden(run(
        &at(Stage::ComplianceReview),
        &finance(),
        compliance_pass(),
    ));
}

// Shangcheng 第二章 管理职责
#[test]
fn compliance_review_by_own_unit_is_forbidden() {
    forbidden(run(
        &at(Stage::ComplianceReview),
        &unit_clerk(),
        compliance_pass(),
    ));
}

// Shangcheng 第五章 项目申报
#[test]
fn compliance_review_in_preliminary_review_is_wrong_stage() {
    wrong_stage(run(
        &at(Stage::PreliminaryReview),
        &authority(),
        compliance_pass(),
    ));
}

// [product] SPEC §1: roles are scoped by jurisdiction
#[test]
fn compliance_review_by_other_jurisdiction_is_not_visible() {
    not_visible(run(
        &at(Stage::ComplianceReview),
        &outside_authority(),
        compliance_pass(),
    ));
}

// =============================================================================================
// 申请复审 RequestRereview
// =============================================================================================

// Shangcheng 第五章 项目申报 (及时向区数据资源局申请复审)
#[test]
fn request_rereview_returned_goes_back_to_compliance_review() {
    let dec = ok(run(
        &at(Stage::Returned),
        &unit_clerk(),
        Command::RequestRereview {
            note: "已按意见修改".into(),
        },
    ));
    assert_eq!(stages(&dec), (Stage::Returned, Stage::ComplianceReview));
    assert_eq!(dec.events, vec![Event::RereviewRequested]);
}

// Shangcheng 第五章 项目申报 (one re-review only)
#[test]
fn request_rereview_already_used_is_refused() {
    let mut ctx = at(Stage::Returned);
    ctx.project.rereviews_used = 1;
    sc_rule(
        run(
            &ctx,
            &unit_clerk(),
            Command::RequestRereview {
                note: "再申请".into(),
            },
        ),
        "第五章 项目申报",
    );
}

// Shangcheng 第五章 项目申报 (the unit applies)
#[test]
fn request_rereview_by_authority_is_forbidden() {
    forbidden(run(
        &at(Stage::Returned),
        &authority(),
        Command::RequestRereview {
            note: "代为申请".into(),
        },
    ));
}

// [product] SPEC §1: another unit's declaration is not visible
#[test]
fn request_rereview_by_other_unit_is_not_visible() {
    not_visible(run(
        &at(Stage::Returned),
        &other_clerk(),
        Command::RequestRereview {
            note: "已修改".into(),
        },
    ));
}

// Shangcheng 第五章 项目申报
#[test]
fn request_rereview_in_compliance_review_is_wrong_stage() {
    wrong_stage(run(
        &at(Stage::ComplianceReview),
        &unit_clerk(),
        Command::RequestRereview {
            note: "已修改".into(),
        },
    ));
}

// =============================================================================================
// 结束本次申报 EndDeclaration
// =============================================================================================

// Shangcheng 第五章 项目申报 (未申请复审的，此项目本次申报结束)
#[test]
fn end_declaration_returned_by_authority_ends_declaration() {
    let dec = ok(run(
        &at(Stage::Returned),
        &authority(),
        Command::EndDeclaration {
            reason: "逾期未申请复审".into(),
        },
    ));
    assert_eq!(stages(&dec), (Stage::Returned, Stage::Ended));
    assert!(ended_event(&dec).unwrap().contains("逾期未申请复审"));
}

// Shangcheng 第五章 项目申报
#[test]
fn end_declaration_by_own_unit_is_forbidden() {
    forbidden(run(
        &at(Stage::Returned),
        &unit_clerk(),
        Command::EndDeclaration {
            reason: "结束".into(),
        },
    ));
}

// Shangcheng 第五章 项目申报
#[test]
fn end_declaration_without_reason_is_invalid() {
    invalid(
        run(
            &at(Stage::Returned),
            &authority(),
            Command::EndDeclaration { reason: "".into() },
        ),
        "reason",
    );
}

// Shangcheng 第五章 项目申报
#[test]
fn end_declaration_in_compliance_review_is_wrong_stage() {
    wrong_stage(run(
        &at(Stage::ComplianceReview),
        &authority(),
        Command::EndDeclaration {
            reason: "结束".into(),
        },
    ));
}

// =============================================================================================
// 初审评分 PreliminaryScore
// =============================================================================================

// Shangcheng 第五章 项目初审 (参加初审的单位依据项目初审评分表，对项目进行评分并提出项目是否通过)
#[test]
fn preliminary_score_by_each_department_records_its_total() {
    let p = profile();
    let expected_total: u32 = p.preliminary_table.iter().map(|i| i.max - 2).sum();
    for (a, role) in scorers().iter().zip(p.preliminary_scorers.clone()) {
        let dec = ok(run(&at(Stage::PreliminaryReview), a, score_cmd(true)));
        assert_eq!(
            stages(&dec),
            (Stage::PreliminaryReview, Stage::PreliminaryReview)
        );
        assert!(
            matches!(
                &dec.events[..],
                [Event::PreliminaryScored { department, total, pass: true, .. }]
                    if *department == role && *total == expected_total
            ),
            "{:?}",
            dec.events
        );
    }
}

// Shangcheng 第五章 项目初审 (each department scores once)
#[test]
fn preliminary_score_same_department_twice_is_refused() {
    let mut ctx = at(Stage::PreliminaryReview);
    step(&mut ctx, &finance(), score_cmd(true), today());
    let msg = sc_rule(run(&ctx, &finance(), score_cmd(false)), "第五章 项目初审");
    assert!(msg.contains("区财政局"), "{msg}");
    // Another department still may.
    ok(run(&ctx, &drc(), score_cmd(true)));
}

// Shangcheng 第五章 项目初审 (only the five departments score)
#[test]
fn preliminary_score_by_own_unit_is_forbidden() {
    forbidden(run(
        &at(Stage::PreliminaryReview),
        &unit_clerk(),
        score_cmd(true),
    ));
}

// Shangcheng 第五章 项目初审
#[test]
fn preliminary_score_by_leading_group_is_forbidden() {
    forbidden(run(
        &at(Stage::PreliminaryReview),
        &leading_group(),
        score_cmd(true),
    ));
}

// Shangcheng 第五章 项目初审 (项目初审评分表: every row scored)
#[test]
fn preliminary_score_missing_item_is_invalid() {
    let scores: Vec<_> = full_scores()
        .into_iter()
        .filter(|(c, _)| c != "cost")
        .collect();
    invalid(
        run(
            &at(Stage::PreliminaryReview),
            &cyber(),
            Command::PreliminaryScore {
                scores,
                pass: true,
                opinion: "同意".into(),
            },
        ),
        "score_cost",
    );
}

// Shangcheng 第五章 项目初审 (a row's maximum)
#[test]
fn preliminary_score_over_row_maximum_is_invalid() {
    let mut scores = full_scores();
    scores[0] = ("necessity".into(), 26);
    let msg = invalid(
        run(
            &at(Stage::PreliminaryReview),
            &cyber(),
            Command::PreliminaryScore {
                scores,
                pass: true,
                opinion: "同意".into(),
            },
        ),
        "score_necessity",
    );
    assert!(msg.contains("25"), "{msg}");
}

// Shangcheng 第五章 项目初审
#[test]
fn preliminary_score_unknown_item_is_invalid() {
    let mut scores = full_scores();
    scores.push(("bogus".into(), 1));
    invalid(
        run(
            &at(Stage::PreliminaryReview),
            &xinchuang(),
            Command::PreliminaryScore {
                scores,
                pass: true,
                opinion: "同意".into(),
            },
        ),
        "scores",
    );
}

// Shangcheng 第五章 项目初审 (并提出项目是否通过: an opinion is required)
#[test]
fn preliminary_score_without_opinion_is_invalid() {
    invalid(
        run(
            &at(Stage::PreliminaryReview),
            &drc(),
            Command::PreliminaryScore {
                scores: full_scores(),
                pass: true,
                opinion: " ".into(),
            },
        ),
        "opinion",
    );
}

// Shangcheng 第五章 项目初审
#[test]
fn preliminary_score_in_expert_review_is_wrong_stage() {
    wrong_stage(run(&at(Stage::ExpertReview), &drc(), score_cmd(true)));
}

// =============================================================================================
// 初审决定 PreliminaryDecide
// =============================================================================================

fn decide_cmd(pass: bool) -> Command {
    Command::PreliminaryDecide {
        pass,
        opinion: "综合初审单位意见".into(),
    }
}

// Shangcheng 第五章 项目初审 (区数据资源局综合初审单位意见及评分情况)
#[test]
fn preliminary_decide_before_all_five_scored_is_refused() {
    let mut ctx = at(Stage::PreliminaryReview);
    let msg = sc_rule(run(&ctx, &authority(), decide_cmd(true)), "第五章 项目初审");
    for name in [
        "区数据资源局",
        "区发改经信局",
        "区财政局",
        "区委网信办",
        "区信创办",
    ] {
        assert!(msg.contains(name), "{msg}");
    }
    for a in [authority(), drc(), finance(), cyber()] {
        step(&mut ctx, &a, score_cmd(true), today());
    }
    let msg = sc_rule(run(&ctx, &authority(), decide_cmd(true)), "第五章 项目初审");
    assert!(msg.contains("区信创办"), "{msg}");
    assert!(!msg.contains("区财政局"), "{msg}");
    step(&mut ctx, &xinchuang(), score_cmd(false), today());
    ok(run(&ctx, &authority(), decide_cmd(true)));
}

// Shangcheng 第五章 项目初审 → 专家评审
#[test]
fn preliminary_decide_pass_after_all_five_scored_moves_to_expert_review() {
    let mut ctx = at(Stage::PreliminaryReview);
    for a in scorers() {
        step(&mut ctx, &a, score_cmd(true), today());
    }
    let dec = ok(run(&ctx, &authority(), decide_cmd(true)));
    assert_eq!(
        stages(&dec),
        (Stage::PreliminaryReview, Stage::ExpertReview)
    );
}

// Shangcheng 第五章 项目初审 (项目初审未通过的，此项目本次申报结束)
#[test]
fn preliminary_decide_fail_ends_declaration() {
    let mut ctx = at(Stage::PreliminaryReview);
    for a in scorers() {
        step(&mut ctx, &a, score_cmd(false), today());
    }
    let dec = ok(run(&ctx, &authority(), decide_cmd(false)));
    assert_eq!(stages(&dec), (Stage::PreliminaryReview, Stage::Ended));
    assert_eq!(ended_event(&dec), Some("项目初审未通过"));
}

// Shangcheng 第五章 项目初审 (the authority decides)
#[test]
fn preliminary_decide_by_finance_is_forbidden() {
    let mut ctx = at(Stage::PreliminaryReview);
    for a in scorers() {
        step(&mut ctx, &a, score_cmd(true), today());
    }
    forbidden(run(&ctx, &finance(), decide_cmd(true)));
}

// Shangcheng 第五章 项目初审
#[test]
fn preliminary_decide_without_opinion_is_invalid() {
    let mut ctx = at(Stage::PreliminaryReview);
    for a in scorers() {
        step(&mut ctx, &a, score_cmd(true), today());
    }
    invalid(
        run(
            &ctx,
            &authority(),
            Command::PreliminaryDecide {
                pass: true,
                opinion: "".into(),
            },
        ),
        "opinion",
    );
}

// Shangcheng 第五章 项目初审
#[test]
fn preliminary_decide_in_compliance_review_is_wrong_stage() {
    wrong_stage(run(
        &at(Stage::ComplianceReview),
        &authority(),
        decide_cmd(true),
    ));
}

// =============================================================================================
// 组建专家组 FormPanel
// =============================================================================================

// Shangcheng 第五章 专家评审 (区数据资源局会同区财政局分批组织专家评审); SPEC V6 [product]
#[test]
fn form_panel_three_outside_experts_records_panel() {
    let dec = ok(run(
        &at(Stage::ExpertReview),
        &authority(),
        form_panel(PanelPurpose::ExpertReview, &three_experts()),
    ));
    assert_eq!(stages(&dec), (Stage::ExpertReview, Stage::ExpertReview));
    match &dec.events[..] {
        [Event::PanelFormed {
            purpose: PanelPurpose::ExpertReview,
            members,
            ..
        }] => assert_eq!(members, &candidates(&three_experts())),
        other => panic!("{other:?}"),
    }
}

// SPEC V6 [product] (review panels ≥ 3 experts), cited with 第五章 专家评审
#[test]
fn form_panel_two_experts_is_refused() {
    let msg = sc_rule(
        run(
            &at(Stage::ExpertReview),
            &authority(),
            form_panel(PanelPurpose::ExpertReview, &[expert(1), expert(2)]),
        ),
        "第五章 专家评审",
    );
    assert!(msg.contains("3 人（含）以上单数"), "{msg}");
    assert!(msg.contains("当前 2 人"), "{msg}");
}

// SPEC V6 [product] (an odd number)
#[test]
fn form_panel_four_experts_is_refused_as_even() {
    let msg = sc_rule(
        run(
            &at(Stage::ExpertReview),
            &authority(),
            form_panel(
                PanelPurpose::ExpertReview,
                &[expert(1), expert(2), expert(3), expert(4)],
            ),
        ),
        "第五章 专家评审",
    );
    assert!(msg.contains("当前 4 人"), "{msg}");
}

// SPEC V6 [product]
#[test]
fn form_panel_five_experts_is_allowed() {
    let five: Vec<Actor> = (1..=5).map(expert).collect();
    ok(run(
        &at(Stage::ExpertReview),
        &authority(),
        form_panel(PanelPurpose::ExpertReview, &five),
    ));
}

// [product] SPEC §1, V6: an expert is never on a panel for their own unit's project (回避)
#[test]
fn form_panel_expert_of_project_unit_is_refused_for_recusal() {
    let msg = rule(
        run(
            &at(Stage::ExpertReview),
            &authority(),
            form_panel(
                PanelPurpose::ExpertReview,
                &[expert(1), own_unit_expert(), expert(2)],
            ),
        ),
        PLATFORM,
        "专家回避",
    );
    assert!(msg.contains("专家己"), "{msg}");
    assert!(msg.contains("回避"), "{msg}");
}

// Shangcheng 第五章 专家评审 (panels are of experts)
#[test]
fn form_panel_non_expert_member_is_refused() {
    let msg = invalid(
        run(
            &at(Stage::ExpertReview),
            &authority(),
            form_panel(
                PanelPurpose::ExpertReview,
                &[expert(1), expert(2), finance()],
            ),
        ),
        "members",
    );
    assert!(msg.contains(&finance().name), "{msg}");
    assert!(msg.contains("不是评审专家"), "{msg}");
}

// SPEC V6 [product]
#[test]
fn form_panel_duplicate_member_is_invalid() {
    invalid(
        run(
            &at(Stage::ExpertReview),
            &authority(),
            form_panel(
                PanelPurpose::ExpertReview,
                &[expert(1), expert(1), expert(2)],
            ),
        ),
        "members",
    );
}

// Shangcheng 第五章 专家评审 (one panel at a time)
#[test]
fn form_panel_while_panel_open_is_refused() {
    let ctx = with_panel(
        at(Stage::ExpertReview),
        PanelPurpose::ExpertReview,
        &three_experts(),
    );
    sc_rule(
        run(
            &ctx,
            &authority(),
            form_panel(
                PanelPurpose::ExpertReview,
                &[expert(4), expert(5), expert(1)],
            ),
        ),
        "第五章 专家评审",
    );
}

// Shangcheng 第五章 专家评审
#[test]
fn form_panel_without_place_is_invalid() {
    invalid(
        run(
            &at(Stage::ExpertReview),
            &authority(),
            Command::FormPanel {
                purpose: PanelPurpose::ExpertReview,
                members: candidates(&three_experts()),
                meeting_date: today(),
                place: " ".into(),
            },
        ),
        "place",
    );
}

// Shangcheng 第五章 专家评审 (the data bureau organises)
#[test]
fn form_panel_expert_review_by_own_unit_is_forbidden() {
    forbidden(run(
        &at(Stage::ExpertReview),
        &unit_clerk(),
        form_panel(PanelPurpose::ExpertReview, &three_experts()),
    ));
}

// Shangcheng 第五章 专家评审 (项目初审通过的 …)
#[test]
fn form_panel_expert_review_in_preliminary_review_is_wrong_stage() {
    wrong_stage(run(
        &at(Stage::PreliminaryReview),
        &authority(),
        form_panel(PanelPurpose::ExpertReview, &three_experts()),
    ));
}

// Shangcheng 第八章 项目验收 (项目初验由项目建设单位 … 3人（含）以上单数成立验收专家组)
#[test]
fn form_panel_initial_acceptance_by_own_unit_in_construction_is_allowed() {
    let dec = ok(run(
        &at(Stage::InConstruction),
        &unit_clerk(),
        form_panel(PanelPurpose::InitialAcceptance, &three_experts()),
    ));
    assert_eq!(stages(&dec), (Stage::InConstruction, Stage::InConstruction));
}

// Shangcheng 第八章 项目验收 (3人（含）以上单数)
#[test]
fn form_panel_initial_acceptance_of_four_is_refused() {
    sc_rule(
        run(
            &at(Stage::InConstruction),
            &unit_clerk(),
            form_panel(
                PanelPurpose::InitialAcceptance,
                &[expert(1), expert(2), expert(3), expert(4)],
            ),
        ),
        "第八章 项目验收",
    );
}

// Shangcheng 第八章 项目验收 (the unit organises the initial acceptance itself)
#[test]
fn form_panel_initial_acceptance_by_authority_is_forbidden() {
    forbidden(run(
        &at(Stage::InConstruction),
        &authority(),
        form_panel(PanelPurpose::InitialAcceptance, &three_experts()),
    ));
}

// Shangcheng 第八章 项目验收 (由区数据资源局牵头组织技术专家对项目进行验收)
#[test]
fn form_panel_final_acceptance_by_authority_while_accepting_is_allowed() {
    let dec = ok(run(
        &at(Stage::Accepting),
        &authority(),
        form_panel(PanelPurpose::FinalAcceptance, &three_experts()),
    ));
    assert_eq!(stages(&dec), (Stage::Accepting, Stage::Accepting));
}

// Shangcheng 第八章 项目验收 (经区数据资源局审核同意后，进入验收环节)
#[test]
fn form_panel_final_acceptance_before_application_agreed_is_wrong_stage() {
    wrong_stage(run(
        &at(Stage::AcceptanceApplied),
        &authority(),
        form_panel(PanelPurpose::FinalAcceptance, &three_experts()),
    ));
}

// =============================================================================================
// 专家意见 PanelOpinion
// =============================================================================================

fn expert_panel() -> ProjectContext {
    with_panel(
        at(Stage::ExpertReview),
        PanelPurpose::ExpertReview,
        &three_experts(),
    )
}

fn opinion_cmd(pass: bool, suggested: Option<i64>) -> Command {
    Command::PanelOpinion {
        opinion: opinion(pass, suggested),
    }
}

// Shangcheng 第五章 专家评审 (专家评审后出具评审意见，明确项目通过或不通过，提出项目预算建议)
#[test]
fn panel_opinion_by_member_records_opinion() {
    let dec = ok(run(
        &expert_panel(),
        &expert(1),
        opinion_cmd(true, Some(SUGGESTED)),
    ));
    assert_eq!(stages(&dec), (Stage::ExpertReview, Stage::ExpertReview));
    assert_eq!(
        dec.events,
        vec![Event::PanelOpinionGiven {
            expert: UserId(101),
            opinion: opinion(true, Some(SUGGESTED)),
        }]
    );
}

// Shangcheng 第五章 专家评审 (one opinion per expert)
#[test]
fn panel_opinion_twice_by_same_expert_is_refused() {
    let mut ctx = expert_panel();
    step(
        &mut ctx,
        &expert(1),
        opinion_cmd(true, Some(SUGGESTED)),
        today(),
    );
    sc_rule(
        run(&ctx, &expert(1), opinion_cmd(false, None)),
        "第五章 专家评审",
    );
}

// [product] SPEC §1: an expert sees only the projects of panels they sit on
#[test]
fn panel_opinion_by_expert_not_on_panel_is_not_visible() {
    not_visible(run(
        &expert_panel(),
        &expert(4),
        opinion_cmd(true, Some(SUGGESTED)),
    ));
}

// Shangcheng 第五章 专家评审 (only panel members give opinions)
#[test]
fn panel_opinion_by_authority_is_forbidden() {
    forbidden(run(
        &expert_panel(),
        &authority(),
        opinion_cmd(true, Some(SUGGESTED)),
    ));
}

// Shangcheng 第五章 专家评审 (the member must hold the expert role)
#[test]
fn panel_opinion_member_without_expert_role_is_forbidden() {
    let not_an_expert = actor(101, "专家甲", 31, DISTRICT, &[Role::Drc]);
    forbidden(run(
        &expert_panel(),
        &not_an_expert,
        opinion_cmd(true, Some(SUGGESTED)),
    ));
}

// Shangcheng 第五章 专家评审
#[test]
fn panel_opinion_without_open_panel_is_wrong_stage() {
    wrong_stage(run(
        &at(Stage::ExpertReview),
        &authority(),
        opinion_cmd(true, Some(SUGGESTED)),
    ));
}

// Shangcheng 第五章 专家评审 (提出项目预算建议)
#[test]
fn panel_opinion_pass_without_suggested_amount_is_invalid() {
    invalid(
        run(&expert_panel(), &expert(2), opinion_cmd(true, None)),
        "suggested_amount",
    );
}

// Shangcheng 第五章 专家评审
#[test]
fn panel_opinion_fail_without_suggested_amount_is_allowed() {
    ok(run(&expert_panel(), &expert(2), opinion_cmd(false, None)));
}

// Shaoxing art.8 (only the IT part is reviewed): the suggestion cannot exceed it
#[test]
fn panel_opinion_suggested_amount_above_declared_is_invalid() {
    let mut po = opinion(true, None);
    po.suggested_amount = Some(Yuan::from_fen(yuan(1_000_000).fen() + 1));
    invalid(
        run(
            &expert_panel(),
            &expert(3),
            Command::PanelOpinion { opinion: po },
        ),
        "suggested_amount",
    );
}

// Shangcheng 第五章 专家评审
#[test]
fn panel_opinion_score_over_100_is_invalid() {
    let mut po = opinion(true, Some(SUGGESTED));
    po.score = 101;
    invalid(
        run(
            &expert_panel(),
            &expert(3),
            Command::PanelOpinion { opinion: po },
        ),
        "score",
    );
}

// Shangcheng 第八章 项目验收 (an acceptance panel gives no budget suggestion)
#[test]
fn panel_opinion_on_initial_acceptance_panel_needs_no_amount() {
    let ctx = with_panel(
        at(Stage::InConstruction),
        PanelPurpose::InitialAcceptance,
        &three_experts(),
    );
    ok(run(&ctx, &expert(3), opinion_cmd(true, None)));
}

// =============================================================================================
// 形成专家组意见 ConcludePanel
// =============================================================================================

fn concluded(dec: &Decision) -> (bool, u32, u32, Option<Yuan>) {
    dec.events
        .iter()
        .find_map(|e| match e {
            Event::PanelConcluded {
                pass,
                votes_for,
                votes_against,
                suggested_amount,
                ..
            } => Some((*pass, *votes_for, *votes_against, *suggested_amount)),
            _ => None,
        })
        .expect("PanelConcluded event")
}

// Shangcheng 第五章 专家评审 (all experts' opinions before the panel's)
#[test]
fn conclude_panel_with_expert_pending_is_refused() {
    let mut ctx = expert_panel();
    give(&mut ctx, &expert(1), true, Some(SUGGESTED));
    give(&mut ctx, &expert(2), true, Some(SUGGESTED));
    let msg = sc_rule(
        run(&ctx, &authority(), conclude(today())),
        "第五章 专家评审",
    );
    assert!(msg.contains("专家丙"), "{msg}");
    assert!(!msg.contains("专家甲"), "{msg}");
}

// Shangcheng 第五章 专家评审 (专家评审会前将修改后的项目可行性研究报告、修改详细清单及上会汇报PPT上传)
#[test]
fn conclude_panel_before_prerequisite_docs_uploaded_is_refused() {
    let mut ctx = expert_panel();
    for e in three_experts() {
        give(&mut ctx, &e, true, Some(SUGGESTED));
    }
    ctx.attachment_kinds
        .retain(|k| k != "revised_report" && k != "presentation");
    let msg = sc_rule(
        run(&ctx, &authority(), conclude(today())),
        "第五章 专家评审",
    );
    assert!(msg.contains("修改后的可行性研究报告"), "{msg}");
    assert!(msg.contains("上会汇报PPT"), "{msg}");
    assert!(!msg.contains("修改详细清单"), "{msg}");
}

// Shangcheng 第五章 专家评审 (明确项目通过或不通过: the majority decides)
#[test]
fn conclude_panel_majority_pass_moves_to_re_examination() {
    let mut ctx = expert_panel();
    give(&mut ctx, &expert(1), true, Some(850_000));
    give(&mut ctx, &expert(2), false, None);
    give(&mut ctx, &expert(3), true, Some(850_000));
    let dec = ok(run(&ctx, &authority(), conclude(today())));
    assert_eq!(stages(&dec), (Stage::ExpertReview, Stage::ReExamination));
    assert_eq!(concluded(&dec), (true, 2, 1, Some(yuan(850_000))));
}

// Shangcheng 第五章 专家评审 (专家评审未通过的，此项目本次申报结束)
#[test]
fn conclude_panel_majority_fail_ends_declaration() {
    let mut ctx = expert_panel();
    give(&mut ctx, &expert(1), true, Some(850_000));
    give(&mut ctx, &expert(2), false, None);
    give(&mut ctx, &expert(3), false, Some(300_000));
    let dec = ok(run(&ctx, &authority(), conclude(today())));
    assert_eq!(stages(&dec), (Stage::ExpertReview, Stage::Ended));
    assert_eq!(concluded(&dec), (false, 1, 2, None));
    assert_eq!(ended_event(&dec), Some("专家评审未通过"));
}

// Shangcheng 第五章 专家评审 (提出项目预算建议: the median of the experts' suggestions)
#[test]
fn conclude_panel_suggested_budget_is_median_of_experts() {
    let five: Vec<Actor> = (1..=5).map(expert).collect();
    let mut ctx = with_panel(at(Stage::ExpertReview), PanelPurpose::ExpertReview, &five);
    for (e, amount) in five
        .iter()
        .zip([700_000, 950_000, 800_000, 600_000, 900_000])
    {
        give(&mut ctx, e, true, Some(amount));
    }
    let dec = ok(run(&ctx, &authority(), conclude(today())));
    assert_eq!(concluded(&dec), (true, 5, 0, Some(yuan(800_000))));
    assert!(dec.summary.contains("800,000.00"), "{}", dec.summary);
}

// Shangcheng 第五章 专家评审 (the median, not the highest, when the count is even)
#[test]
fn conclude_panel_even_number_of_suggestions_is_not_above_median() {
    // 2 pass (with amounts), 1 fail (without): two suggestions, 600,000 and 800,000.
    let mut ctx = expert_panel();
    give(&mut ctx, &expert(1), true, Some(600_000));
    give(&mut ctx, &expert(2), true, Some(800_000));
    give(&mut ctx, &expert(3), false, None);
    let dec = ok(run(&ctx, &authority(), conclude(today())));
    let (_, _, _, suggested) = concluded(&dec);
    let s = suggested.unwrap();
    assert!(
        s >= yuan(600_000) && s <= yuan(700_000),
        "median of 600,000 and 800,000 is at most 700,000, got {s}"
    );
}

// Shangcheng 第五章 专家评审 (the panel's own budget figure wins over the computed median)
#[test]
fn conclude_panel_given_amount_overrides_median() {
    let mut ctx = expert_panel();
    for e in three_experts() {
        give(&mut ctx, &e, true, Some(SUGGESTED));
    }
    let dec = ok(run(
        &ctx,
        &authority(),
        Command::ConcludePanel {
            opinion: "专家组意见".into(),
            suggested_amount: Some(yuan(750_000)),
            date: today(),
        },
    ));
    assert_eq!(concluded(&dec).3, Some(yuan(750_000)));
}

// Shaoxing art.8 (only the IT part is reviewed)
#[test]
fn conclude_panel_given_amount_above_declared_is_invalid() {
    let mut ctx = expert_panel();
    for e in three_experts() {
        give(&mut ctx, &e, true, Some(SUGGESTED));
    }
    invalid(
        run(
            &ctx,
            &authority(),
            Command::ConcludePanel {
                opinion: "专家组意见".into(),
                suggested_amount: Some(yuan(1_000_001)),
                date: today(),
            },
        ),
        "suggested_amount",
    );
}

// SPEC §0 (every dated duty needs a dated trigger; no future dates)
#[test]
fn conclude_panel_future_date_is_invalid() {
    let mut ctx = expert_panel();
    for e in three_experts() {
        give(&mut ctx, &e, true, Some(SUGGESTED));
    }
    invalid(
        run(&ctx, &authority(), conclude(add_days(today(), 1))),
        "date",
    );
}

// Shangcheng 第五章 专家评审 (the data bureau issues the opinion)
#[test]
fn conclude_panel_expert_review_by_own_unit_is_forbidden() {
    let mut ctx = expert_panel();
    for e in three_experts() {
        give(&mut ctx, &e, true, Some(SUGGESTED));
    }
    forbidden(run(&ctx, &unit_clerk(), conclude(today())));
}

// Shangcheng 第五章 专家评审
#[test]
fn conclude_panel_without_open_panel_is_wrong_stage() {
    wrong_stage(run(
        &at(Stage::ExpertReview),
        &authority(),
        conclude(today()),
    ));
}

fn acceptance_panel(stage: Stage, purpose: PanelPurpose, votes: [bool; 3]) -> ProjectContext {
    let mut ctx = with_panel(at(stage), purpose, &three_experts());
    for (e, pass) in three_experts().iter().zip(votes) {
        give(&mut ctx, e, pass, None);
    }
    ctx
}

// Shangcheng 第八章 项目验收 (项目初验通过后开展不少于30天的试运行)
#[test]
fn conclude_initial_acceptance_pass_starts_trial_run() {
    let ctx = acceptance_panel(
        Stage::InConstruction,
        PanelPurpose::InitialAcceptance,
        [true, true, false],
    );
    let dec = ok(run(&ctx, &unit_clerk(), conclude(d(2026, 6, 12))));
    assert_eq!(stages(&dec), (Stage::InConstruction, Stage::TrialRun));
    assert!(dec.events.contains(&Event::InitialAccepted {
        date: d(2026, 6, 12)
    }));
}

// Shangcheng 第八章 项目验收 (不少于30天的试运行); SPEC §0 (dated records must be consistent)
#[test]
fn conclude_initial_acceptance_dated_before_panel_meeting_is_invalid() {
    // The panel meets on 2026-06-10 (see `with_panel`). Recording its conclusion as of
    // 2026-05-01 would start the trial run 40 days before the meeting, so the unit could apply
    // for acceptance five days after the real initial acceptance.
    let ctx = acceptance_panel(
        Stage::InConstruction,
        PanelPurpose::InitialAcceptance,
        [true, true, true],
    );
    invalid(run(&ctx, &unit_clerk(), conclude(d(2026, 5, 1))), "date");
}

// Shangcheng 第八章 项目验收 (initial acceptance failed: construction continues)
#[test]
fn conclude_initial_acceptance_fail_stays_in_construction() {
    let ctx = acceptance_panel(
        Stage::InConstruction,
        PanelPurpose::InitialAcceptance,
        [false, true, false],
    );
    let dec = ok(run(&ctx, &unit_clerk(), conclude(today())));
    assert_eq!(stages(&dec), (Stage::InConstruction, Stage::InConstruction));
    assert_eq!(concluded(&dec), (false, 1, 2, None));
    assert!(!dec
        .events
        .iter()
        .any(|e| matches!(e, Event::InitialAccepted { .. })));
}

// Shangcheng 第八章 项目验收 (项目初验由项目建设单位 … 自行组织评审)
#[test]
fn conclude_initial_acceptance_by_authority_is_forbidden() {
    let ctx = acceptance_panel(
        Stage::InConstruction,
        PanelPurpose::InitialAcceptance,
        [true, true, true],
    );
    forbidden(run(&ctx, &authority(), conclude(today())));
}

// Shangcheng 第八章 项目验收 (验收合格的，产品投入正常使用)
#[test]
fn conclude_final_acceptance_pass_goes_into_operation() {
    let ctx = acceptance_panel(
        Stage::Accepting,
        PanelPurpose::FinalAcceptance,
        [true, false, true],
    );
    let dec = ok(run(&ctx, &authority(), conclude(today())));
    assert_eq!(stages(&dec), (Stage::Accepting, Stage::InOperation));
}

// Shangcheng 第八章 项目验收 (验收不合格的，可在2个月内进行整改再提请验收)
#[test]
fn conclude_final_acceptance_fail_orders_rectification_within_two_months() {
    let ctx = acceptance_panel(
        Stage::Accepting,
        PanelPurpose::FinalAcceptance,
        [false, false, true],
    );
    let dec = ok(run(&ctx, &authority(), conclude(d(2026, 6, 10))));
    assert_eq!(stages(&dec), (Stage::Accepting, Stage::Rectifying));
    assert!(dec.events.contains(&Event::RectificationOrdered {
        due: d(2026, 8, 10)
    }));
}

// Shangcheng 第八章 项目验收; SPEC §0 (a month-end period ends on the end month's last day)
#[test]
fn conclude_final_acceptance_fail_on_december_31_is_due_february_28() {
    let ctx = acceptance_panel(
        Stage::Accepting,
        PanelPurpose::FinalAcceptance,
        [false, false, false],
    );
    let dec = ok(run_on(
        &ctx,
        &authority(),
        conclude(d(2026, 12, 31)),
        d(2027, 1, 4),
    ));
    assert!(dec.events.contains(&Event::RectificationOrdered {
        due: d(2027, 2, 28)
    }));
    assert!(dec.summary.contains("2027-02-28"), "{}", dec.summary);
}

// =============================================================================================
// 复核审查 ReExamine
// =============================================================================================

// Shangcheng 第五章 复核审查 (形成最终审查结论 … 提出资金安排意见)
#[test]
fn re_examine_amount_within_suggestion_moves_to_approval_meeting() {
    let dec = ok(run(
        &at(Stage::ReExamination),
        &authority(),
        re_examine(FINAL),
    ));
    assert_eq!(stages(&dec), (Stage::ReExamination, Stage::ApprovalMeeting));
    assert_eq!(
        dec.events,
        vec![Event::FinalAmountFixed {
            amount: yuan(FINAL)
        }]
    );
}

// Shangcheng 第五章 复核审查 (根据专家审查意见: up to the experts' suggestion)
#[test]
fn re_examine_amount_equal_to_suggestion_is_allowed() {
    ok(run(
        &at(Stage::ReExamination),
        &authority(),
        re_examine(SUGGESTED),
    ));
}

// Shangcheng 第五章 复核审查
#[test]
fn re_examine_amount_above_suggestion_is_refused() {
    let msg = sc_rule(
        run(
            &at(Stage::ReExamination),
            &authority(),
            Command::ReExamine {
                pass: true,
                final_amount: Some(Yuan::from_fen(yuan(SUGGESTED).fen() + 1)),
                opinion: "复核通过".into(),
            },
        ),
        "第五章 复核审查",
    );
    assert!(msg.contains("900,000.00"), "{msg}");
}

// Shangcheng 第五章 复核审查
#[test]
fn re_examine_zero_amount_is_refused() {
    sc_rule(
        run(&at(Stage::ReExamination), &authority(), re_examine(0)),
        "第五章 复核审查",
    );
}

// Shangcheng 第五章 复核审查
#[test]
fn re_examine_pass_without_amount_is_invalid() {
    invalid(
        run(
            &at(Stage::ReExamination),
            &authority(),
            Command::ReExamine {
                pass: true,
                final_amount: None,
                opinion: "复核通过".into(),
            },
        ),
        "final_amount",
    );
}

// Shangcheng 第五章 专家评审 (专家评审通过的，项目建设单位将修改后的项目可行性研究报告 … 上传)
#[test]
fn re_examine_without_final_report_is_refused() {
    let mut ctx = at(Stage::ReExamination);
    ctx.attachment_kinds.retain(|k| k != "final_report");
    sc_rule(
        run(&ctx, &authority(), re_examine(FINAL)),
        "第五章 专家评审",
    );
}

// Shangcheng 第五章 复核审查 (复核审查未通过的，此项目本次申报结束)
#[test]
fn re_examine_fail_ends_declaration() {
    let dec = ok(run(
        &at(Stage::ReExamination),
        &authority(),
        Command::ReExamine {
            pass: false,
            final_amount: None,
            opinion: "财力不足".into(),
        },
    ));
    assert_eq!(stages(&dec), (Stage::ReExamination, Stage::Ended));
    assert_eq!(ended_event(&dec), Some("复核审查未通过"));
}

// Shangcheng 第五章 复核审查 (recorded by the data bureau)
#[test]
fn re_examine_by_drc_is_forbidden() {
    forbidden(run(&at(Stage::ReExamination), &drc(), re_examine(FINAL)));
}

// Shangcheng 第五章 复核审查
#[test]
fn re_examine_in_approval_meeting_is_wrong_stage() {
    wrong_stage(run(
        &at(Stage::ApprovalMeeting),
        &authority(),
        re_examine(FINAL),
    ));
}

// =============================================================================================
// 联席会议审议 Approve
// =============================================================================================

// Shangcheng 第五章 项目立项 (由区数据资源局、区发改经信局、区财政局联合发布立项文件)
#[test]
fn approve_issues_joint_document_numbered_by_year_and_sequence() {
    let mut ctx = at(Stage::ApprovalMeeting);
    ctx.next_approval_seq = 7;
    let dec = ok(run(&ctx, &leading_group(), approve(d(2026, 6, 12))));
    assert_eq!(stages(&dec), (Stage::ApprovalMeeting, Stage::Approved));
    assert_eq!(
        dec.events,
        vec![Event::ApprovalIssued {
            doc_no: "上数资〔2026〕7号".into(),
            seq: 7,
            doc_date: d(2026, 6, 12),
            amount: yuan(FINAL),
        }]
    );
    assert!(
        dec.summary.contains("区数据资源局、区发改经信局、区财政局"),
        "{}",
        dec.summary
    );
}

// Shangcheng 第五章 项目立项 (the number carries the document's year)
#[test]
fn approve_document_number_uses_document_year() {
    let dec = ok(run_on(
        &at(Stage::ApprovalMeeting),
        &leading_group(),
        approve(d(2025, 12, 30)),
        d(2026, 1, 2),
    ));
    assert!(matches!(
        &dec.events[..],
        [Event::ApprovalIssued { doc_no, .. }] if doc_no == "上数资〔2025〕1号"
    ));
}

// Shangcheng 第五章 项目立项 (the joint meeting may not pass it)
#[test]
fn approve_rejected_ends_declaration() {
    let dec = ok(run(
        &at(Stage::ApprovalMeeting),
        &leading_group(),
        Command::Approve {
            approve: false,
            doc_date: today(),
            opinion: "暂缓建设".into(),
        },
    ));
    assert_eq!(stages(&dec), (Stage::ApprovalMeeting, Stage::Ended));
    assert_eq!(ended_event(&dec), Some("联席会议审议未通过"));
}

// SPEC §0 (dated records: no future dates)
#[test]
fn approve_future_doc_date_is_invalid() {
    invalid(
        run(
            &at(Stage::ApprovalMeeting),
            &leading_group(),
            approve(add_days(today(), 1)),
        ),
        "doc_date",
    );
}

// Shangcheng 第五章 项目立项 (复核审查通过的项目 …)
#[test]
fn approve_without_final_amount_is_refused() {
    let mut ctx = at(Stage::ApprovalMeeting);
    ctx.project.final_amount = None;
    sc_rule(
        run(&ctx, &leading_group(), approve(today())),
        "第五章 项目立项",
    );
}

// Shangcheng 第五章 项目立项 (提交区政府规划、土地和数字管理工作联席会议讨论)
#[test]
fn approve_by_authority_is_forbidden() {
    forbidden(run(
        &at(Stage::ApprovalMeeting),
        &authority(),
        approve(today()),
    ));
}

// Shangcheng 第五章 项目立项
#[test]
fn approve_in_re_examination_is_wrong_stage() {
    wrong_stage(run(
        &at(Stage::ReExamination),
        &leading_group(),
        approve(today()),
    ));
}

// =============================================================================================
// 安排预算 Budget
// =============================================================================================

// Shangcheng 第六章 项目预算 (区财政局 … 安排项目专项资金预算)
#[test]
fn budget_within_approved_amount_moves_to_budgeted() {
    let dec = ok(run(&at(Stage::Approved), &finance(), budget(yuan(600_000))));
    assert_eq!(stages(&dec), (Stage::Approved, Stage::Budgeted));
    assert_eq!(
        dec.events,
        vec![Event::BudgetArranged {
            fiscal_year: 2026,
            amount: yuan(600_000)
        }]
    );
}

// Shaoxing art.21 (the approved price is the budget amount)
#[test]
fn budget_equal_to_approved_amount_is_allowed() {
    ok(run(&at(Stage::Approved), &finance(), budget(yuan(FINAL))));
}

// Shaoxing art.21 (不再增减: never above the approved baseline)
#[test]
fn budget_above_approved_amount_is_refused() {
    let msg = rule(
        run(
            &at(Stage::Approved),
            &finance(),
            budget(Yuan::from_fen(yuan(FINAL).fen() + 1)),
        ),
        SHAOXING,
        "第二十一条",
    );
    assert!(msg.contains("800,000.00"), "{msg}");
}

// Shaoxing art.22 (未取得审核意见的项目不予核拨建设经费)
#[test]
fn budget_without_approved_amount_is_refused() {
    let mut ctx = at(Stage::Approved);
    ctx.project.approved_amount = None;
    rule(
        run(&ctx, &finance(), budget(yuan(FINAL))),
        SHAOXING,
        "第二十二条",
    );
}

// Shangcheng 第六章 项目预算
#[test]
fn budget_zero_is_invalid() {
    invalid(
        run(&at(Stage::Approved), &finance(), budget(Yuan::ZERO)),
        "amount",
    );
}

// Shangcheng 第六章 项目预算
#[test]
fn budget_invalid_fiscal_year_is_invalid() {
    invalid(
        run(
            &at(Stage::Approved),
            &finance(),
            Command::Budget {
                fiscal_year: 1999,
                amount: yuan(FINAL),
                opinion: String::new(),
            },
        ),
        "fiscal_year",
    );
}

// Shangcheng 第二章 管理职责 (区财政局负责项目资金管理)
#[test]
fn budget_by_own_unit_is_forbidden() {
    forbidden(run(
        &at(Stage::Approved),
        &unit_clerk(),
        budget(yuan(FINAL)),
    ));
}

// Shangcheng 第六章 项目预算 (根据 … 立项意见 安排)
#[test]
fn budget_before_approval_is_wrong_stage() {
    wrong_stage(run(
        &at(Stage::ApprovalMeeting),
        &finance(),
        budget(yuan(FINAL)),
    ));
}

// =============================================================================================
// 采购 StartProcurement
// =============================================================================================

// Shangcheng 第六章 项目实施 (项目建设单位作为项目采购与实施的主体)
#[test]
fn start_procurement_ceiling_within_approved_moves_to_procurement() {
    let dec = ok(run(
        &at(Stage::Budgeted),
        &unit_clerk(),
        procure(yuan(CEILING), d(2026, 2, 10)),
    ));
    assert_eq!(stages(&dec), (Stage::Budgeted, Stage::Procurement));
    assert_eq!(
        dec.events,
        vec![Event::ProcurementRecorded {
            method: "open_tender".into(),
            ceiling: yuan(CEILING),
            doc_date: d(2026, 2, 10),
        }]
    );
}

// Quzhou 三(三)1 (招标最高限价不超过批复概算价)
#[test]
fn start_procurement_ceiling_equal_approved_is_allowed() {
    ok(run(
        &at(Stage::Budgeted),
        &unit_clerk(),
        procure(yuan(FINAL), today()),
    ));
}

// Quzhou 三(三)1
#[test]
fn start_procurement_ceiling_above_approved_is_refused() {
    rule(
        run(
            &at(Stage::Budgeted),
            &unit_clerk(),
            procure(Yuan::from_fen(yuan(FINAL).fen() + 1), today()),
        ),
        QUZHOU,
        "三(三)1",
    );
}

// Shangcheng 第六章 项目实施 (严格执行 … 政府采购)
#[test]
fn start_procurement_unknown_method_is_invalid() {
    invalid(
        run(
            &at(Stage::Budgeted),
            &unit_clerk(),
            Command::StartProcurement {
                method: "handshake".into(),
                ceiling: yuan(CEILING),
                doc_date: today(),
            },
        ),
        "method",
    );
}

// Shangcheng 第六章 项目实施 (立项发文后 …)
#[test]
fn start_procurement_document_before_approval_is_invalid() {
    invalid(
        run(
            &at(Stage::Budgeted),
            &unit_clerk(),
            procure(yuan(CEILING), d(2026, 1, 19)),
        ),
        "doc_date",
    );
}

// SPEC §0 (dated records: no future dates)
#[test]
fn start_procurement_future_document_is_invalid() {
    invalid(
        run(
            &at(Stage::Budgeted),
            &unit_clerk(),
            procure(yuan(CEILING), add_days(today(), 1)),
        ),
        "doc_date",
    );
}

// Shangcheng 第六章 项目实施 (区财政局 supervises, the unit procures)
#[test]
fn start_procurement_by_finance_is_forbidden() {
    forbidden(run(
        &at(Stage::Budgeted),
        &finance(),
        procure(yuan(CEILING), today()),
    ));
}

// Shangcheng 第六章 项目预算 (money first)
#[test]
fn start_procurement_before_budget_is_wrong_stage() {
    wrong_stage(run(
        &at(Stage::Approved),
        &unit_clerk(),
        procure(yuan(CEILING), today()),
    ));
}

// =============================================================================================
// 签订合同 SignContract
// =============================================================================================

// Shangcheng 第六章 项目实施 (合同文件 … 备案)
#[test]
fn sign_contract_complete_moves_to_in_construction() {
    let dec = ok(run(
        &at(Stage::Procurement),
        &unit_clerk(),
        sign(ContractArgs::default()),
    ));
    assert_eq!(stages(&dec), (Stage::Procurement, Stage::InConstruction));
    assert!(matches!(
        &dec.events[..],
        [Event::ContractSigned { amount, maintenance_years: 3, .. }] if *amount == yuan(CONTRACT)
    ));
}

// SPEC M5 [product] (contracts never exceed the approved amount)
#[test]
fn sign_contract_amount_above_approved_is_refused() {
    let mut ctx = at(Stage::Procurement);
    // Even with a (bad) ceiling above the approval, the approval caps the contract.
    ctx.procurement.as_mut().unwrap().ceiling = yuan(2_000_000);
    let msg = rule(
        run(
            &ctx,
            &unit_clerk(),
            sign(ContractArgs {
                amount: Yuan::from_fen(yuan(FINAL).fen() + 1),
                ..ContractArgs::default()
            }),
        ),
        PLATFORM,
        "合同不超过立项金额",
    );
    assert!(msg.contains("800,000.01"), "{msg}");
}

// Quzhou 三(三)1 (the tender ceiling caps the contract)
#[test]
fn sign_contract_amount_above_ceiling_is_refused() {
    let msg = rule(
        run(
            &at(Stage::Procurement),
            &unit_clerk(),
            sign(ContractArgs {
                amount: Yuan::from_fen(yuan(CEILING).fen() + 1),
                ..ContractArgs::default()
            }),
        ),
        QUZHOU,
        "三(三)1",
    );
    assert!(msg.contains("780,000.00"), "{msg}");
}

// Quzhou 三(三)1
#[test]
fn sign_contract_amount_equal_to_ceiling_is_allowed() {
    ok(run(
        &at(Stage::Procurement),
        &unit_clerk(),
        sign(ContractArgs {
            amount: yuan(CEILING),
            ..ContractArgs::default()
        }),
    ));
}

// Shangcheng 第六章 项目实施 (上述文档中"项目名称"应与立项文件保持一致)
#[test]
fn sign_contract_project_name_differs_from_approval_is_refused_showing_both() {
    let msg = sc_rule(
        run(
            &at(Stage::Procurement),
            &unit_clerk(),
            sign(ContractArgs {
                name: "上城区基层治理数字化平台（一期）".into(),
                ..ContractArgs::default()
            }),
        ),
        "第六章 项目实施",
    );
    assert!(msg.contains("“上城区基层治理数字化平台（一期）”"), "{msg}");
    assert!(msg.contains("“上城区基层治理数字化平台”"), "{msg}");
}

// Shangcheng 第六章 项目实施 (surrounding spaces are not a different name)
#[test]
fn sign_contract_project_name_with_surrounding_spaces_matches() {
    ok(run(
        &at(Stage::Procurement),
        &unit_clerk(),
        sign(ContractArgs {
            name: format!("  {NAME} "),
            ..ContractArgs::default()
        }),
    ));
}

// Shangcheng 第六章 项目实施 (立项发文后6个月内未完成采购的 … 取消相应立项指标); SPEC I1
#[test]
fn sign_contract_exactly_six_months_after_approval_is_allowed() {
    // Approved 2026-01-20: the period ends 2026-07-20, which is included.
    ok(run_on(
        &at(Stage::Procurement),
        &unit_clerk(),
        sign(ContractArgs {
            signed: d(2026, 7, 20),
            ..ContractArgs::default()
        }),
        d(2026, 7, 25),
    ));
}

// Shangcheng 第六章 项目实施 (6个月内未完成采购); SPEC I1
#[test]
fn sign_contract_more_than_six_months_after_approval_is_refused() {
    let msg = sc_rule(
        run_on(
            &at(Stage::Procurement),
            &unit_clerk(),
            sign(ContractArgs {
                signed: d(2026, 7, 21),
                ..ContractArgs::default()
            }),
            d(2026, 7, 25),
        ),
        "第六章 项目实施",
    );
    assert!(msg.contains("2026-07-20"), "{msg}");
}

// Shangcheng 第六章 项目实施; SPEC §0 (month-end: the end month's last day)
#[test]
fn sign_contract_six_months_after_august_31_approval_ends_february_28() {
    let mut ctx = at(Stage::Procurement);
    ctx.project.approval_date = Some(d(2026, 8, 31));
    ctx.procurement.as_mut().unwrap().doc_date = d(2026, 9, 10);
    let on = d(2027, 3, 5);
    ok(run_on(
        &ctx,
        &unit_clerk(),
        sign(ContractArgs {
            signed: d(2027, 2, 28),
            ..ContractArgs::default()
        }),
        on,
    ));
    let msg = sc_rule(
        run_on(
            &ctx,
            &unit_clerk(),
            sign(ContractArgs {
                signed: d(2027, 3, 1),
                ..ContractArgs::default()
            }),
            on,
        ),
        "第六章 项目实施",
    );
    assert!(msg.contains("2027-02-28"), "{msg}");
}

// Shangcheng 第六章 项目实施 (合同中应当明确 … 包含但不限于以下内容 1–5, 超期惩罚条款)
#[test]
fn sign_contract_missing_clauses_are_all_listed() {
    let p = profile();
    let mut clauses = with_false(&p.contract_clauses, &["ip", "security_liability"]);
    clauses.retain(|(c, _)| c != "data");
    let msg = sc_rule(
        run(
            &at(Stage::Procurement),
            &unit_clerk(),
            sign(ContractArgs {
                clauses,
                ..ContractArgs::default()
            }),
        ),
        "第六章 项目实施",
    );
    for code in ["ip", "data", "security_liability"] {
        let text = &p
            .contract_clauses
            .iter()
            .find(|i| i.code == code)
            .unwrap()
            .text;
        assert!(msg.contains(text.as_str()), "{code} missing in {msg}");
    }
    let period = &p
        .contract_clauses
        .iter()
        .find(|i| i.code == "period_penalty")
        .unwrap()
        .text;
    assert!(!msg.contains(period.as_str()), "{msg}");
}

// Shangcheng 第六章 项目实施
#[test]
fn sign_contract_unknown_clause_is_invalid() {
    let mut clauses = all_true(&profile().contract_clauses);
    clauses.push(("bogus".into(), true));
    invalid(
        run(
            &at(Stage::Procurement),
            &unit_clerk(),
            sign(ContractArgs {
                clauses,
                ..ContractArgs::default()
            }),
        ),
        "checks",
    );
}

// Shangcheng 第六章 项目实施 (维保期一般不少于2年: a default rule)
#[test]
fn sign_contract_maintenance_under_two_years_needs_override() {
    let msg = needs_override(
        run(
            &at(Stage::Procurement),
            &unit_clerk(),
            sign(ContractArgs {
                maintenance_years: 1,
                ..ContractArgs::default()
            }),
        ),
        "maintenance_min_years",
        "第六章 项目实施",
    );
    assert!(msg.contains("当前 1 年"), "{msg}");
}

// Shangcheng 第六章 项目实施 (default rule: a recorded reason lets it go ahead)
#[test]
fn sign_contract_maintenance_under_two_years_with_reason_records_override() {
    let dec = ok(run(
        &at(Stage::Procurement),
        &unit_clerk(),
        sign(ContractArgs {
            maintenance_years: 1,
            override_reason: Some("系统计划一年后并入市统建平台".into()),
            ..ContractArgs::default()
        }),
    ));
    assert_eq!(dec.to, Stage::InConstruction);
    assert_eq!(
        dec.events[0],
        Event::OverrideRecorded {
            rule: "maintenance_min_years".into(),
            reason: "系统计划一年后并入市统建平台".into(),
            cite: Citation::new(SC, "第六章 项目实施"),
            approver: Some(Role::Authority),
            text: "维保期一般不少于2年".into(),
        }
    );
    assert!(matches!(
        dec.events[1],
        Event::ContractSigned {
            maintenance_years: 1,
            ..
        }
    ));
}

// Shangcheng 第六章 项目实施 (exactly 2 years satisfies 不少于2年)
#[test]
fn sign_contract_maintenance_two_years_needs_no_override() {
    let dec = ok(run(
        &at(Stage::Procurement),
        &unit_clerk(),
        sign(ContractArgs {
            maintenance_years: 2,
            ..ContractArgs::default()
        }),
    ));
    assert_eq!(dec.events.len(), 1);
}

// SPEC §0 (dated records are consistent: signed after the procurement document)
#[test]
fn sign_contract_before_procurement_document_is_invalid() {
    invalid(
        run(
            &at(Stage::Procurement),
            &unit_clerk(),
            sign(ContractArgs {
                signed: d(2026, 2, 9),
                ..ContractArgs::default()
            }),
        ),
        "signed_date",
    );
}

// SPEC §0 (no future dates)
#[test]
fn sign_contract_future_date_is_invalid() {
    invalid(
        run(
            &at(Stage::Procurement),
            &unit_clerk(),
            sign(ContractArgs {
                signed: add_days(today(), 1),
                ..ContractArgs::default()
            }),
        ),
        "signed_date",
    );
}

// Shangcheng 第六章 项目实施 (项目建设单位作为项目采购与实施的主体)
#[test]
fn sign_contract_by_other_unit_is_forbidden() {
    forbidden(run(
        &at(Stage::Procurement),
        &other_clerk(),
        sign(ContractArgs::default()),
    ));
}

// Shangcheng 第六章 项目实施
#[test]
fn sign_contract_before_procurement_is_wrong_stage() {
    wrong_stage(run(
        &at(Stage::Budgeted),
        &unit_clerk(),
        sign(ContractArgs::default()),
    ));
}

// =============================================================================================
// 工程监理 IT supervision with the contract filing (SPEC I5)
// =============================================================================================

const SUPERVISION: &str = "第六章 项目实施（工程监理）";

fn without_supervision() -> Command {
    sign(ContractArgs {
        supervision: None,
        ..ContractArgs::default()
    })
}

fn with_fee(fee: Yuan) -> Command {
    sign(ContractArgs {
        supervision: Some(tongchou_domain::project::SupervisionContract {
            fee,
            ..supervision()
        }),
        ..ContractArgs::default()
    })
}

fn procured_by(method: &str) -> ProjectContext {
    let mut ctx = at(Stage::Procurement);
    ctx.procurement.as_mut().unwrap().method = method.into();
    ctx
}

// Shangcheng 第六章 项目实施: 纳入政府采购的项目实行工程监理制，项目监理独立招标
#[test]
fn sign_contract_government_procurement_without_supervision_is_refused() {
    let m = rule(
        run(
            &at(Stage::Procurement),
            &unit_clerk(),
            without_supervision(),
        ),
        SC,
        SUPERVISION,
    );
    assert!(m.contains("公开招标") && m.contains("监理"), "{m}");
}

// Shangcheng 第六章 项目实施: the supervision contract is filed with the contract and recorded
#[test]
fn sign_contract_records_the_supervision_contract() {
    let dec = ok(run(
        &at(Stage::Procurement),
        &unit_clerk(),
        sign(ContractArgs::default()),
    ));
    match &dec.events[..] {
        [Event::ContractSigned {
            supervision: Some(s),
            ..
        }] => {
            assert_eq!(s.company, "浙江某工程监理有限公司");
            assert_eq!(s.fee, yuan(20_000));
        }
        other => panic!("{other:?}"),
    }
    assert!(dec.summary.contains("工程监理"), "{}", dec.summary);
}

// Shangcheng 第六章 项目实施: 小额公共资源交易 is not government procurement (profile data)
#[test]
fn sign_contract_small_value_procurement_needs_no_supervision() {
    let dec = ok(run(
        &procured_by("small_value"),
        &unit_clerk(),
        without_supervision(),
    ));
    assert_eq!(dec.to, Stage::InConstruction);
    // Which methods count is the profile's: listing small_value makes it required too.
    let mut p = profile();
    p.supervision
        .government_procurement_methods
        .push("small_value".into());
    rule(
        decide(
            &procured_by("small_value"),
            &unit_clerk(),
            without_supervision(),
            &p,
            today(),
        ),
        SC,
        SUPERVISION,
    );
}

// Quzhou 三(三)2: 鼓励实行信息系统工程监理制 — encouraged (or off): a contract without one is filed
#[test]
fn supervision_encouraged_by_the_profile_does_not_block_the_contract() {
    for mode in [SupervisionMode::Encouraged, SupervisionMode::Off] {
        let mut p = profile();
        p.supervision.mode = mode;
        p.supervision.cite = Citation::new(QUZHOU, "三(三)2");
        let dec = decide(
            &at(Stage::Procurement),
            &unit_clerk(),
            without_supervision(),
            &p,
            today(),
        )
        .unwrap_or_else(|e| panic!("{mode:?}: {e:?}"));
        assert_eq!(dec.to, Stage::InConstruction);
    }
}

// Shangcheng 第六章 项目实施: 监理费用纳入项目总投资预算 — contract + fee within the approved amount
#[test]
fn sign_contract_supervision_fee_beyond_the_approved_investment_is_refused() {
    // approved 800,000, contract 750,000: a fee of exactly 50,000 fits.
    ok(run(
        &at(Stage::Procurement),
        &unit_clerk(),
        with_fee(yuan(50_000)),
    ));
    let m = rule(
        run(
            &at(Stage::Procurement),
            &unit_clerk(),
            with_fee(Yuan::from_fen(5_000_001)),
        ),
        SC,
        SUPERVISION,
    );
    assert!(m.contains("至多 50,000.00 元"), "{m}");
    invalid(
        run(&at(Stage::Procurement), &unit_clerk(), with_fee(Yuan::ZERO)),
        "supervision_fee",
    );
}

// Shangcheng 第六章 项目实施: 项目监理独立招标 — the supervisor is not the contractor
#[test]
fn sign_contract_supervisor_who_is_the_contractor_is_refused() {
    let cmd = sign(ContractArgs {
        supervision: Some(tongchou_domain::project::SupervisionContract {
            company: "杭州某科技有限公司".into(),
            ..supervision()
        }),
        ..ContractArgs::default()
    });
    rule(
        run(&at(Stage::Procurement), &unit_clerk(), cmd),
        SC,
        SUPERVISION,
    );
}

// SPEC §3: the supervision setting is validated with the rest of the profile
#[test]
fn supervision_setting_with_an_unknown_procurement_method_is_rejected() {
    let mut p = profile();
    p.supervision
        .government_procurement_methods
        .push("handshake".into());
    let errs = tongchou_domain::profile::Profile::from_toml(&p.to_toml()).unwrap_err();
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].contains("handshake"));
}

// =============================================================================================
// 月度进度报送 ReportProgress
// =============================================================================================

// Shangcheng 第六章 项目实施 (每月20日前向区数据资源局报送项目建设进度)
#[test]
fn report_progress_current_month_records_report() {
    let dec = ok(run(
        &at(Stage::InConstruction),
        &unit_clerk(),
        report("2026-06"),
    ));
    assert_eq!(stages(&dec), (Stage::InConstruction, Stage::InConstruction));
    assert!(matches!(
        &dec.events[..],
        [Event::ProgressReported { month, percent: 40, .. }] if month == "2026-06"
    ));
}

// Shangcheng 第六章 项目实施 (a missed month may still be reported)
#[test]
fn report_progress_past_unreported_month_is_allowed() {
    ok(run(
        &at(Stage::InConstruction),
        &unit_clerk(),
        report("2026-05"),
    ));
}

// Shangcheng 第六章 项目实施 (once per month)
#[test]
fn report_progress_same_month_twice_is_refused() {
    let mut ctx = at(Stage::InConstruction);
    step(&mut ctx, &unit_clerk(), report("2026-06"), today());
    let msg = sc_rule(
        run(&ctx, &unit_clerk(), report("2026-06")),
        "第六章 项目实施",
    );
    assert!(msg.contains("2026-06"), "{msg}");
}

// Shangcheng 第六章 项目实施 (not for a month still to come)
#[test]
fn report_progress_future_month_is_invalid() {
    invalid(
        run(&at(Stage::InConstruction), &unit_clerk(), report("2026-07")),
        "month",
    );
    // The first day of the month is in the month.
    ok(run_on(
        &at(Stage::InConstruction),
        &unit_clerk(),
        report("2026-07"),
        d(2026, 7, 1),
    ));
}

// Shangcheng 第六章 项目实施
#[test]
fn report_progress_malformed_month_is_invalid() {
    for month in ["2026-6", "2026/06", "202606", "2026-13", "六月", ""] {
        invalid(
            run(&at(Stage::InConstruction), &unit_clerk(), report(month)),
            "month",
        );
    }
}

// Shangcheng 第六章 项目实施
#[test]
fn report_progress_percent_over_100_is_invalid() {
    invalid(
        run(
            &at(Stage::InConstruction),
            &unit_clerk(),
            Command::ReportProgress {
                month: "2026-06".into(),
                percent: 101,
                summary: "进展".into(),
                milestones: String::new(),
                problems: String::new(),
            },
        ),
        "percent",
    );
}

// Shangcheng 第六章 项目实施
#[test]
fn report_progress_without_summary_is_invalid() {
    invalid(
        run(
            &at(Stage::InConstruction),
            &unit_clerk(),
            Command::ReportProgress {
                month: "2026-06".into(),
                percent: 50,
                summary: " ".into(),
                milestones: String::new(),
                problems: String::new(),
            },
        ),
        "summary",
    );
}

// Shangcheng 第六章 项目实施 (每月报送项目建设进度: percentage, milestones, problems)
#[test]
fn report_progress_records_milestones_line_by_line() {
    let d = run(
        &at(Stage::InConstruction),
        &unit_clerk(),
        Command::ReportProgress {
            month: "2026-06".into(),
            percent: 40,
            summary: "完成核心模块开发".into(),
            milestones: "  完成需求规格说明书评审 \n\n完成数据库设计\n".into(),
            problems: String::new(),
        },
    )
    .expect("a report with milestones is accepted");
    let reported = d.events.iter().find_map(|e| match e {
        Event::ProgressReported { milestones, .. } => Some(milestones.clone()),
        _ => None,
    });
    assert_eq!(
        reported.as_deref(),
        Some("完成需求规格说明书评审\n完成数据库设计"),
        "one milestone a line, blanks dropped"
    );
}

// Shangcheng 第六章 项目实施 (the unit reports to the data bureau)
#[test]
fn report_progress_by_authority_is_forbidden() {
    forbidden(run(
        &at(Stage::InConstruction),
        &authority(),
        report("2026-06"),
    ));
}

// Shangcheng 第六章 项目实施 (while in construction)
#[test]
fn report_progress_in_trial_run_is_wrong_stage() {
    wrong_stage(run(&at(Stage::TrialRun), &unit_clerk(), report("2026-06")));
}

// =============================================================================================
// 验收申请 ApplyAcceptance
// =============================================================================================

// Shangcheng 第八章 项目验收 (项目初验通过后开展不少于30天的试运行): day 29 is too early
#[test]
fn apply_acceptance_on_day_29_of_trial_run_is_refused() {
    // Initial acceptance 2026-05-01; day 29 is 2026-05-30.
    let msg = sc_rule(
        run_on(
            &at(Stage::TrialRun),
            &unit_clerk(),
            apply_acceptance_cmd(),
            add_days(initial_acceptance_date(), 29),
        ),
        "第八章 项目验收",
    );
    assert!(msg.contains("2026-05-31"), "{msg}");
}

// Shangcheng 第八章 项目验收: day 30 is allowed
#[test]
fn apply_acceptance_on_day_30_of_trial_run_moves_to_acceptance_applied() {
    let dec = ok(run_on(
        &at(Stage::TrialRun),
        &unit_clerk(),
        apply_acceptance_cmd(),
        d(2026, 5, 31),
    ));
    assert_eq!(stages(&dec), (Stage::TrialRun, Stage::AcceptanceApplied));
    assert!(matches!(&dec.events[..], [Event::AcceptanceApplied { .. }]));
}

// Shangcheng 第八章 项目验收 (提出验收申请应同时满足 …)
#[test]
fn apply_acceptance_missing_condition_is_refused() {
    let p = profile();
    let msg = sc_rule(
        run(
            &at(Stage::TrialRun),
            &unit_clerk(),
            Command::ApplyAcceptance {
                conditions: with_false(&p.acceptance_conditions, &["test_reports"]),
            },
        ),
        "第八章 项目验收",
    );
    assert!(msg.contains("取得等保、信创等测评报告"), "{msg}");
}

// Shangcheng 第八章 项目验收 (获得一体化数字资源系统自动生成的"试运行报告")
#[test]
fn apply_acceptance_without_trial_run_report_is_refused() {
    let mut ctx = at(Stage::TrialRun);
    ctx.attachment_kinds.retain(|k| k != "trial_run_report");
    let msg = sc_rule(
        run(&ctx, &unit_clerk(), apply_acceptance_cmd()),
        "第八章 项目验收",
    );
    assert!(msg.contains("试运行报告"), "{msg}");
}

// Shangcheng 第八章 项目验收 (取得等保、信创等测评报告)
#[test]
fn apply_acceptance_without_test_report_is_refused() {
    let mut ctx = at(Stage::TrialRun);
    ctx.attachment_kinds.retain(|k| k != "test_report");
    let msg = sc_rule(
        run(&ctx, &unit_clerk(), apply_acceptance_cmd()),
        "第八章 项目验收",
    );
    assert!(msg.contains("测评报告"), "{msg}");
}

// Shangcheng 第八章 项目验收 (项目建设单位 … 向区数据资源局提出验收申请)
#[test]
fn apply_acceptance_by_authority_is_forbidden() {
    forbidden(run(
        &at(Stage::TrialRun),
        &authority(),
        apply_acceptance_cmd(),
    ));
}

// Shangcheng 第八章 项目验收 (after the initial acceptance and trial run)
#[test]
fn apply_acceptance_in_construction_is_wrong_stage() {
    wrong_stage(run(
        &at(Stage::InConstruction),
        &unit_clerk(),
        apply_acceptance_cmd(),
    ));
}

// =============================================================================================
// 验收申请审核 ReviewAcceptanceApplication
// =============================================================================================

fn review_app(agree: bool) -> Command {
    Command::ReviewAcceptanceApplication {
        agree,
        opinion: "审核意见".into(),
    }
}

// Shangcheng 第八章 项目验收 (经区数据资源局审核同意后，进入验收环节)
#[test]
fn review_acceptance_application_agreed_starts_acceptance() {
    let dec = ok(run(
        &at(Stage::AcceptanceApplied),
        &authority(),
        review_app(true),
    ));
    assert_eq!(stages(&dec), (Stage::AcceptanceApplied, Stage::Accepting));
}

// Shangcheng 第八章 项目验收 (not agreed: back to the trial run)
#[test]
fn review_acceptance_application_refused_returns_to_trial_run() {
    let dec = ok(run(
        &at(Stage::AcceptanceApplied),
        &authority(),
        review_app(false),
    ));
    assert_eq!(stages(&dec), (Stage::AcceptanceApplied, Stage::TrialRun));
}

// Shangcheng 第八章 项目验收 (a re-application after rectification goes back to rectifying)
#[test]
fn review_acceptance_application_refused_after_rectification_returns_to_rectifying() {
    let mut ctx = at(Stage::AcceptanceApplied);
    ctx.project.rectify_due = Some(rectify_due());
    let dec = ok(run(&ctx, &authority(), review_app(false)));
    assert_eq!(stages(&dec), (Stage::AcceptanceApplied, Stage::Rectifying));
}

// Shangcheng 第八章 项目验收
#[test]
fn review_acceptance_application_without_opinion_is_invalid() {
    invalid(
        run(
            &at(Stage::AcceptanceApplied),
            &authority(),
            Command::ReviewAcceptanceApplication {
                agree: true,
                opinion: String::new(),
            },
        ),
        "opinion",
    );
}

// Shangcheng 第八章 项目验收 (the data bureau reviews)
#[test]
fn review_acceptance_application_by_own_unit_is_forbidden() {
    forbidden(run(
        &at(Stage::AcceptanceApplied),
        &unit_clerk(),
        review_app(true),
    ));
}

// Shangcheng 第八章 项目验收
#[test]
fn review_acceptance_application_in_trial_run_is_wrong_stage() {
    wrong_stage(run(&at(Stage::TrialRun), &authority(), review_app(true)));
}

// =============================================================================================
// 整改后再提请验收 Reapply
// =============================================================================================

fn reapply(note: &str) -> Command {
    Command::Reapply { note: note.into() }
}

// Shangcheng 第八章 项目验收 (可在2个月内进行整改再提请验收): the due day is included
#[test]
fn reapply_on_due_date_moves_to_acceptance_applied() {
    let dec = ok(run_on(
        &at(Stage::Rectifying),
        &unit_clerk(),
        reapply("已完成整改"),
        rectify_due(),
    ));
    assert_eq!(stages(&dec), (Stage::Rectifying, Stage::AcceptanceApplied));
}

// Shangcheng 第八章 项目验收 (after two months it is too late)
#[test]
fn reapply_after_due_date_is_refused() {
    let msg = sc_rule(
        run_on(
            &at(Stage::Rectifying),
            &unit_clerk(),
            reapply("已完成整改"),
            add_days(rectify_due(), 1),
        ),
        "第八章 项目验收",
    );
    assert!(msg.contains("2026-08-15"), "{msg}");
}

// Shangcheng 第八章 项目验收
#[test]
fn reapply_without_note_is_invalid() {
    invalid(
        run(&at(Stage::Rectifying), &unit_clerk(), reapply(" ")),
        "note",
    );
}

// Shangcheng 第八章 项目验收 (the unit re-applies)
#[test]
fn reapply_by_authority_is_forbidden() {
    forbidden(run(
        &at(Stage::Rectifying),
        &authority(),
        reapply("已完成整改"),
    ));
}

// Shangcheng 第八章 项目验收
#[test]
fn reapply_in_operation_is_wrong_stage() {
    wrong_stage(run(
        &at(Stage::InOperation),
        &unit_clerk(),
        reapply("已完成整改"),
    ));
}

// =============================================================================================
// 上传附件 Attach
// =============================================================================================

// Shangcheng 第二章 管理职责 (按要求如实提供项目有关资料 … 上传至项目管理系统)
#[test]
fn attach_in_draft_records_attachment() {
    let dec = ok(run(
        &at(Stage::Draft),
        &unit_clerk(),
        attach("feasibility_report"),
    ));
    assert_eq!(stages(&dec), (Stage::Draft, Stage::Draft));
    assert!(matches!(
        &dec.events[..],
        [Event::Attached { kind, .. }] if kind == "feasibility_report"
    ));
}

// Shangcheng 第六章 项目实施 (文件生成后的5个工作日内 … 备案: documents carry their own date)
#[test]
fn attach_contract_with_document_date_during_construction_is_allowed() {
    let dec = ok(run(
        &at(Stage::InConstruction),
        &unit_clerk(),
        Command::Attach {
            kind: "contract_doc".into(),
            filename: "合同.pdf".into(),
            sha256: "cd".repeat(32),
            size: 2048,
            doc_date: Some(contract_date()),
        },
    ));
    assert!(matches!(
        &dec.events[..],
        [Event::Attached { doc_date: Some(dt), .. }] if *dt == contract_date()
    ));
}

// Shangcheng 第二章 管理职责
#[test]
fn attach_unknown_kind_is_invalid() {
    invalid(
        run(&at(Stage::Draft), &unit_clerk(), attach("selfie")),
        "kind",
    );
}

// SPEC §0 (the document's date is a field of the record; not in the future)
#[test]
fn attach_future_document_date_is_invalid() {
    invalid(
        run(
            &at(Stage::InConstruction),
            &unit_clerk(),
            Command::Attach {
                kind: "contract_doc".into(),
                filename: "合同.pdf".into(),
                sha256: "cd".repeat(32),
                size: 2048,
                doc_date: Some(add_days(today(), 1)),
            },
        ),
        "doc_date",
    );
}

// SPEC §2 (an ended project accepts nothing)
#[test]
fn attach_to_ended_project_is_wrong_stage() {
    wrong_stage(run(&at(Stage::Ended), &unit_clerk(), attach("other")));
}

// Shangcheng 第二章 管理职责 (the construction unit uploads its own material)
#[test]
fn attach_by_authority_is_forbidden() {
    forbidden(run(
        &at(Stage::ComplianceReview),
        &authority(),
        attach("other"),
    ));
}

// =============================================================================================
// Visibility (SPEC §1)
// =============================================================================================

// [product] SPEC §1: a construction unit never sees another unit's draft
#[test]
fn view_other_units_draft_is_not_visible() {
    let ctx = at(Stage::Draft);
    assert!(!can_view(&other_clerk(), &ctx.project, false));
    for cmd in every_command() {
        not_visible(run(&ctx, &other_clerk(), cmd));
    }
}

// [product] SPEC §1: … nor its declaration under review
#[test]
fn view_other_units_declaration_under_review_is_not_visible() {
    for stage in [
        Stage::ComplianceReview,
        Stage::Returned,
        Stage::PreliminaryReview,
        Stage::ExpertReview,
        Stage::ReExamination,
        Stage::ApprovalMeeting,
    ] {
        assert!(
            !can_view(&other_clerk(), &at(stage).project, false),
            "{stage:?}"
        );
    }
}

// [product] SPEC §1, P6: approved projects are public in the jurisdiction, read-only to others
#[test]
fn view_other_units_approved_project_is_visible_but_forbidden_to_act() {
    for stage in [Stage::Approved, Stage::InConstruction, Stage::InOperation] {
        let ctx = with_panel(at(stage), PanelPurpose::ExpertReview, &three_experts());
        assert!(can_view(&other_clerk(), &ctx.project, false), "{stage:?}");
        for cmd in every_command() {
            forbidden(run(&ctx, &other_clerk(), cmd));
        }
    }
}

// [product] SPEC §1: departments see declared projects only
#[test]
fn view_departments_do_not_see_undeclared_draft() {
    let draft = at(Stage::Draft);
    let declared = at(Stage::ComplianceReview);
    for a in [
        authority(),
        finance(),
        drc(),
        cyber(),
        xinchuang(),
        leading_group(),
    ] {
        assert!(!can_view(&a, &draft.project, false), "{}", a.name);
        assert!(can_view(&a, &declared.project, false), "{}", a.name);
    }
}

// Shangcheng 第二章 管理职责 (区审计局负责项目审计监督工作): sees everything in its jurisdiction
#[test]
fn view_audit_sees_every_stage_in_jurisdiction() {
    for stage in Stage::ALL {
        assert!(can_view(&audit(), &at(stage).project, false), "{stage:?}");
    }
    assert!(is_read_only(&audit()));
    assert!(list_scope(&audit()).everything);
}

// Shangcheng 第二章 管理职责: audit is read-only, every command in every stage is forbidden
#[test]
fn audit_every_command_in_every_stage_is_forbidden() {
    for stage in Stage::ALL {
        // An open panel, so panel commands reach the permission check.
        let ctx = with_panel(at(stage), PanelPurpose::ExpertReview, &three_experts());
        for cmd in every_command() {
            let code = cmd.code();
            match run(&ctx, &audit(), cmd) {
                Err(Refusal::Forbidden(_)) => {}
                other => panic!("audit {code} in {stage:?}: {other:?}"),
            }
        }
    }
}

// [product] SPEC §1: roles are scoped by jurisdiction
#[test]
fn view_audit_of_other_jurisdiction_is_not_visible() {
    let outside_audit = actor(62, "邻区审计局", 42, OTHER_DISTRICT, &[Role::Audit]);
    let ctx = at(Stage::InConstruction);
    assert!(!can_view(&outside_audit, &ctx.project, false));
    not_visible(run(&ctx, &outside_audit, report("2026-06")));
}

// [product] SPEC §1: an expert sees only the projects of panels they sit on
#[test]
fn view_expert_sees_only_projects_of_their_panels() {
    let ctx = expert_panel();
    assert!(can_view(&expert(1), &ctx.project, true));
    assert!(!can_view(&expert(4), &ctx.project, false));
    // In decide: on the open panel → may act; off it → the project is not there.
    ok(run(&ctx, &expert(1), opinion_cmd(true, Some(SUGGESTED))));
    not_visible(run(&ctx, &expert(4), opinion_cmd(true, Some(SUGGESTED))));
    // Without any panel the expert does not see the project at all.
    not_visible(run(
        &at(Stage::ExpertReview),
        &expert(1),
        opinion_cmd(true, Some(SUGGESTED)),
    ));
    assert_eq!(list_scope(&expert(1)).panels_of, Some(UserId(101)));
}

// [product] SPEC §1: another jurisdiction's project is invisible
#[test]
fn view_other_jurisdiction_is_not_visible() {
    for stage in [
        Stage::ComplianceReview,
        Stage::PreliminaryReview,
        Stage::Approved,
        Stage::InOperation,
    ] {
        let ctx = with_panel(at(stage), PanelPurpose::ExpertReview, &three_experts());
        assert!(!can_view(&outside_authority(), &ctx.project, false));
        for cmd in every_command() {
            not_visible(run(&ctx, &outside_authority(), cmd));
        }
    }
}

// [product] SPEC §1: jurisdiction paths are compared by whole segments
#[test]
fn view_jurisdiction_with_common_id_prefix_is_not_visible() {
    let mut ctx = at(Stage::ComplianceReview);
    ctx.project.jurisdiction_path = "/1/2/31/".into();
    assert!(!can_view(&authority(), &ctx.project, false));
    not_visible(run(&ctx, &authority(), compliance_pass()));
}

// SPEC §1: jurisdictions form a tree; the city sees its districts' declared projects
#[test]
fn view_city_authority_sees_district_declared_project() {
    assert!(can_view(
        &city_authority(),
        &at(Stage::ComplianceReview).project,
        false
    ));
    assert!(!can_view(
        &city_authority(),
        &at(Stage::Draft).project,
        false
    ));
}

// =============================================================================================
// Calendar periods (SPEC §0)
// =============================================================================================

// SPEC §0: the same day of the end month
#[test]
fn add_months_keeps_day_when_it_exists() {
    assert_eq!(add_months(d(2026, 1, 20), 6), d(2026, 7, 20));
    assert_eq!(add_months(d(2026, 3, 15), 2), d(2026, 5, 15));
}

// SPEC §0: … or its last day if there is none
#[test]
fn add_months_month_end_clamps_to_last_day() {
    assert_eq!(add_months(d(2026, 1, 31), 1), d(2026, 2, 28));
    assert_eq!(add_months(d(2028, 1, 31), 1), d(2028, 2, 29));
    assert_eq!(add_months(d(2026, 3, 31), 1), d(2026, 4, 30));
    assert_eq!(add_months(d(2026, 8, 31), 6), d(2027, 2, 28));
    assert_eq!(add_months(d(2026, 10, 31), 2), d(2026, 12, 31));
}

// SPEC §0
#[test]
fn add_months_crosses_year_end() {
    assert_eq!(add_months(d(2026, 12, 31), 2), d(2027, 2, 28));
    assert_eq!(add_months(d(2026, 11, 30), 3), d(2027, 2, 28));
    assert_eq!(add_months(d(2026, 12, 15), 1), d(2027, 1, 15));
    assert_eq!(add_months(d(2026, 12, 1), 12), d(2027, 12, 1));
    assert_eq!(add_months(d(2026, 1, 31), 25), d(2028, 2, 29));
}

// SPEC §0
#[test]
fn add_months_zero_is_identity() {
    for date in [d(2026, 1, 31), d(2028, 2, 29), d(2026, 12, 31)] {
        assert_eq!(add_months(date, 0), date);
    }
}

// SPEC §0: a year from a leap day is February 28
#[test]
fn add_months_twelve_from_leap_day_is_february_28() {
    assert_eq!(add_months(d(2028, 2, 29), 12), d(2029, 2, 28));
    assert_eq!(add_months(d(2028, 2, 29), 48), d(2032, 2, 29));
}

// SPEC §0: calendar days
#[test]
fn add_days_crosses_months_and_leap_day() {
    assert_eq!(add_days(d(2026, 5, 1), 30), d(2026, 5, 31));
    assert_eq!(add_days(d(2028, 2, 28), 1), d(2028, 2, 29));
    assert_eq!(add_days(d(2026, 12, 15), 30), d(2027, 1, 14));
}

// =============================================================================================
// available_actions
// =============================================================================================

// Shangcheng 第五章 项目申报
#[test]
fn available_actions_draft_for_own_unit_are_edit_attach_declare_withdraw() {
    let ctx = at(Stage::Draft);
    assert_eq!(
        available_actions(&ctx, &unit_clerk(), &profile()),
        vec!["edit", "attach", "declare", "withdraw"]
    );
    for a in [other_clerk(), authority(), finance(), audit(), expert(1)] {
        assert!(
            available_actions(&ctx, &a, &profile()).is_empty(),
            "{}",
            a.name
        );
    }
}

// Shangcheng 第五章 项目申报 (returned: revise and re-apply, or the bureau ends it)
#[test]
fn available_actions_returned_for_unit_and_authority() {
    let ctx = at(Stage::Returned);
    assert_eq!(
        available_actions(&ctx, &unit_clerk(), &profile()),
        vec!["edit", "attach", "request_rereview", "withdraw"]
    );
    assert_eq!(
        available_actions(&ctx, &authority(), &profile()),
        vec!["end_declaration"]
    );
}

// Shangcheng 第五章 项目初审 (a department's turn ends when it has scored)
#[test]
fn available_actions_preliminary_review_scorer_loses_score_after_scoring() {
    let mut ctx = at(Stage::PreliminaryReview);
    let p = profile();
    assert_eq!(
        available_actions(&ctx, &authority(), &p),
        vec!["preliminary_score", "preliminary_decide"]
    );
    assert_eq!(
        available_actions(&ctx, &finance(), &p),
        vec!["preliminary_score"]
    );
    step(&mut ctx, &authority(), score_cmd(true), today());
    step(&mut ctx, &finance(), score_cmd(true), today());
    assert_eq!(
        available_actions(&ctx, &authority(), &p),
        vec!["preliminary_decide"]
    );
    assert!(available_actions(&ctx, &finance(), &p).is_empty());
    assert_eq!(
        available_actions(&ctx, &cyber(), &p),
        vec!["preliminary_score"]
    );
    assert_eq!(available_actions(&ctx, &unit_clerk(), &p), vec!["attach"]);
}

// Shangcheng 第五章 专家评审
#[test]
fn available_actions_expert_review_follow_the_panel() {
    let p = profile();
    let ctx = at(Stage::ExpertReview);
    assert_eq!(
        available_actions(&ctx, &authority(), &p),
        vec!["form_panel"]
    );
    let mut ctx = expert_panel();
    assert_eq!(
        available_actions(&ctx, &authority(), &p),
        vec!["conclude_panel"]
    );
    assert_eq!(
        available_actions(&ctx, &expert(1), &p),
        vec!["panel_opinion"]
    );
    assert!(available_actions(&ctx, &expert(4), &p).is_empty());
    give(&mut ctx, &expert(1), true, Some(SUGGESTED));
    assert!(available_actions(&ctx, &expert(1), &p).is_empty());
}

// Shangcheng 第六章 项目实施; 第八章 项目验收 (initial acceptance by the unit)
#[test]
fn available_actions_in_construction_for_unit() {
    let ctx = at(Stage::InConstruction);
    assert_eq!(
        available_actions(&ctx, &unit_clerk(), &profile()),
        // plus the money forms (payment batches, changes, termination: tests/money.rs)
        vec![
            "report_progress",
            "form_panel",
            "attach",
            "add_payment_batch",
            "submit_change",
            "apply_termination"
        ]
    );
    assert!(available_actions(&ctx, &authority(), &profile()).is_empty());
}

// Shangcheng 第五章 项目立项; 第六章 项目预算
#[test]
fn available_actions_name_the_deciding_role_per_stage() {
    let p = profile();
    assert_eq!(
        available_actions(&at(Stage::ApprovalMeeting), &leading_group(), &p),
        vec!["approve"]
    );
    assert_eq!(
        available_actions(&at(Stage::Approved), &finance(), &p),
        vec!["budget"]
    );
    assert_eq!(
        available_actions(&at(Stage::Budgeted), &unit_clerk(), &p),
        vec![
            "start_procurement",
            "attach",
            "submit_change",
            "apply_termination"
        ]
    );
    assert_eq!(
        available_actions(&at(Stage::Rectifying), &unit_clerk(), &p),
        vec![
            "reapply",
            "attach",
            "add_payment_batch",
            "apply_termination"
        ]
    );
    assert!(available_actions(&at(Stage::Ended), &unit_clerk(), &p).is_empty());
}

// Shangcheng 第二章 管理职责 (audit never acts)
#[test]
fn available_actions_audit_is_always_empty() {
    for stage in Stage::ALL {
        let ctx = with_panel(at(stage), PanelPurpose::ExpertReview, &three_experts());
        assert!(
            available_actions(&ctx, &audit(), &profile()).is_empty(),
            "{stage:?}"
        );
    }
}

// =============================================================================================
// Whole lifecycle
// =============================================================================================

// Shangcheng 第五章–第八章: declaration to operation, each step by its role
#[test]
fn lifecycle_happy_path_reaches_operation() {
    let mut ctx = ProjectContext::new(at(Stage::Draft).project);
    // Declared inside the open round (Shangcheng 第五章 项目申报).
    ctx.rounds = at(Stage::Draft).rounds;
    fn adv(on: &mut Date, days: i64) -> Date {
        *on = add_days(*on, days);
        *on
    }
    let mut on = d(2025, 9, 25);
    step(
        &mut ctx,
        &unit_clerk(),
        attach("declaration_form"),
        adv(&mut on, 0),
    );
    step(
        &mut ctx,
        &unit_clerk(),
        attach("feasibility_report"),
        adv(&mut on, 0),
    );
    step(
        &mut ctx,
        &unit_clerk(),
        Command::Declare {
            urgent: None,
            override_reason: None,
        },
        adv(&mut on, 1),
    );
    step(&mut ctx, &authority(), compliance_pass(), adv(&mut on, 5));
    for a in scorers() {
        step(&mut ctx, &a, score_cmd(true), adv(&mut on, 1));
    }
    step(&mut ctx, &authority(), decide_cmd(true), adv(&mut on, 1));
    step(
        &mut ctx,
        &authority(),
        form_panel(PanelPurpose::ExpertReview, &three_experts()),
        adv(&mut on, 3),
    );
    for kind in ["revised_report", "revision_list", "presentation"] {
        step(&mut ctx, &unit_clerk(), attach(kind), adv(&mut on, 0));
    }
    for (e, amount) in three_experts().iter().zip([820_000, 900_000, 860_000]) {
        step(
            &mut ctx,
            e,
            Command::PanelOpinion {
                opinion: opinion(true, Some(amount)),
            },
            adv(&mut on, 0),
        );
    }
    let today = adv(&mut on, 1);
    step(&mut ctx, &authority(), conclude(today), today);
    assert_eq!(ctx.project.suggested_amount, Some(yuan(860_000)));
    step(
        &mut ctx,
        &unit_clerk(),
        attach("final_report"),
        adv(&mut on, 3),
    );
    step(&mut ctx, &authority(), re_examine(FINAL), adv(&mut on, 5));
    let approval = adv(&mut on, 20);
    let dec = step(&mut ctx, &leading_group(), approve(approval), approval);
    assert!(dec.summary.contains("上数资〔2025〕1号"), "{}", dec.summary);
    assert_eq!(ctx.project.approved_amount, Some(yuan(FINAL)));
    assert_eq!(ctx.next_approval_seq, 2);
    step(&mut ctx, &finance(), budget(yuan(FINAL)), adv(&mut on, 30));
    let doc = adv(&mut on, 20);
    step(&mut ctx, &unit_clerk(), procure(yuan(CEILING), doc), doc);
    let signed = adv(&mut on, 30);
    step(
        &mut ctx,
        &unit_clerk(),
        sign(ContractArgs {
            signed,
            ..ContractArgs::default()
        }),
        signed,
    );
    step(&mut ctx, &unit_clerk(), report("2026-02"), d(2026, 2, 18));
    on = d(2026, 6, 1);
    step(
        &mut ctx,
        &unit_clerk(),
        form_panel(PanelPurpose::InitialAcceptance, &three_experts()),
        on,
    );
    for e in three_experts() {
        step(
            &mut ctx,
            &e,
            Command::PanelOpinion {
                opinion: opinion(true, None),
            },
            on,
        );
    }
    step(&mut ctx, &unit_clerk(), conclude(on), on);
    assert_eq!(ctx.project.stage, Stage::TrialRun);
    step(&mut ctx, &unit_clerk(), attach("trial_run_report"), on);
    step(&mut ctx, &unit_clerk(), attach("test_report"), on);
    step(
        &mut ctx,
        &unit_clerk(),
        apply_acceptance_cmd(),
        d(2026, 7, 1),
    );
    step(&mut ctx, &authority(), review_app(true), d(2026, 7, 3));
    step(
        &mut ctx,
        &authority(),
        form_panel(
            PanelPurpose::FinalAcceptance,
            &[expert(3), expert(4), expert(5)],
        ),
        d(2026, 7, 10),
    );
    for e in [expert(3), expert(4), expert(5)] {
        step(
            &mut ctx,
            &e,
            Command::PanelOpinion {
                opinion: opinion(false, None),
            },
            d(2026, 7, 10),
        );
    }
    step(
        &mut ctx,
        &authority(),
        conclude(d(2026, 7, 10)),
        d(2026, 7, 10),
    );
    assert_eq!(ctx.project.stage, Stage::Rectifying);
    assert_eq!(ctx.project.rectify_due, Some(d(2026, 9, 10)));
    step(
        &mut ctx,
        &unit_clerk(),
        reapply("已完成整改"),
        d(2026, 9, 10),
    );
    step(&mut ctx, &authority(), review_app(true), d(2026, 9, 12));
    step(
        &mut ctx,
        &authority(),
        form_panel(PanelPurpose::FinalAcceptance, &three_experts()),
        d(2026, 9, 15),
    );
    for e in three_experts() {
        step(
            &mut ctx,
            &e,
            Command::PanelOpinion {
                opinion: opinion(true, None),
            },
            d(2026, 9, 15),
        );
    }
    step(
        &mut ctx,
        &authority(),
        conclude(d(2026, 9, 15)),
        d(2026, 9, 15),
    );
    assert_eq!(ctx.project.stage, Stage::InOperation);
    assert_eq!(ctx.project.approved_amount, Some(yuan(FINAL)));
}

// =============================================================================================
// Property: random command sequences from random actors
// =============================================================================================

mod model {
    use super::*;
    use proptest::prelude::*;
    use tongchou_domain::lifecycle::Candidate;
    use tongchou_domain::profile::ATTACHMENT_KINDS;
    use tongchou_domain::project::PROCUREMENT_METHODS;

    /// The demo actors, by index.
    pub fn actors() -> Vec<Actor> {
        vec![
            unit_clerk(),        // 0
            other_clerk(),       // 1
            authority(),         // 2
            finance(),           // 3
            drc(),               // 4
            cyber(),             // 5
            xinchuang(),         // 6
            leading_group(),     // 7
            audit(),             // 8
            expert(1),           // 9
            expert(2),           // 10
            expert(3),           // 11
            expert(4),           // 12
            expert(5),           // 13
            own_unit_expert(),   // 14
            outside_authority(), // 15
        ]
    }
    const UNIT: usize = 0;
    const AUTHORITY: usize = 2;
    const FINANCE: usize = 3;
    const LEADING: usize = 7;
    const AUDIT: usize = 8;
    const OUTSIDE: usize = 15;

    fn actor_of_role(role: Role) -> usize {
        match role {
            Role::Authority => 2,
            Role::Finance => 3,
            Role::Drc => 4,
            Role::Cyber => 5,
            Role::Xinchuang => 6,
            other => panic!("no demo actor for {other:?}"),
        }
    }

    fn actor_of_user(user: UserId) -> usize {
        actors()
            .iter()
            .position(|a| a.user_id == user)
            .expect("panel member is a demo actor")
    }

    /// The allowed stage changes, by action (SPEC §2 lifecycle; Shangcheng as reference).
    pub const EDGES: &[(Stage, &str, Stage)] = &[
        (Stage::Draft, "declare", Stage::ComplianceReview),
        (Stage::Draft, "withdraw", Stage::Ended),
        (
            Stage::ComplianceReview,
            "compliance_review",
            Stage::PreliminaryReview,
        ),
        (
            Stage::ComplianceReview,
            "compliance_review",
            Stage::Returned,
        ),
        (Stage::ComplianceReview, "compliance_review", Stage::Ended),
        (Stage::Returned, "request_rereview", Stage::ComplianceReview),
        (Stage::Returned, "withdraw", Stage::Ended),
        (Stage::Returned, "end_declaration", Stage::Ended),
        (
            Stage::PreliminaryReview,
            "preliminary_decide",
            Stage::ExpertReview,
        ),
        (Stage::PreliminaryReview, "preliminary_decide", Stage::Ended),
        (Stage::ExpertReview, "conclude_panel", Stage::ReExamination),
        (Stage::ExpertReview, "conclude_panel", Stage::Ended),
        (Stage::ReExamination, "re_examine", Stage::ApprovalMeeting),
        (Stage::ReExamination, "re_examine", Stage::Ended),
        (Stage::ApprovalMeeting, "approve", Stage::Approved),
        (Stage::ApprovalMeeting, "approve", Stage::Ended),
        (Stage::Approved, "budget", Stage::Budgeted),
        (Stage::Budgeted, "start_procurement", Stage::Procurement),
        (Stage::Procurement, "sign_contract", Stage::InConstruction),
        (Stage::InConstruction, "conclude_panel", Stage::TrialRun),
        (
            Stage::TrialRun,
            "apply_acceptance",
            Stage::AcceptanceApplied,
        ),
        (
            Stage::AcceptanceApplied,
            "review_acceptance_application",
            Stage::Accepting,
        ),
        (
            Stage::AcceptanceApplied,
            "review_acceptance_application",
            Stage::TrialRun,
        ),
        (
            Stage::AcceptanceApplied,
            "review_acceptance_application",
            Stage::Rectifying,
        ),
        (Stage::Accepting, "conclude_panel", Stage::InOperation),
        (Stage::Accepting, "conclude_panel", Stage::Rectifying),
        (Stage::Rectifying, "reapply", Stage::AcceptanceApplied),
    ];

    /// Actions that leave the stage as it is, and where.
    pub fn stays(stage: Stage, action: &str) -> bool {
        match action {
            "attach" => stage != Stage::Ended,
            "edit" => matches!(stage, Stage::Draft | Stage::Returned),
            "preliminary_score" => stage == Stage::PreliminaryReview,
            "form_panel" | "panel_opinion" => matches!(
                stage,
                Stage::ExpertReview | Stage::InConstruction | Stage::Accepting
            ),
            "report_progress" => stage == Stage::InConstruction,
            // A failed initial acceptance: construction continues.
            "conclude_panel" => stage == Stage::InConstruction,
            _ => false,
        }
    }

    pub fn allowed(from: Stage, action: &str, to: Stage) -> bool {
        if from == to {
            stays(from, action)
        } else {
            EDGES.contains(&(from, action, to))
        }
    }

    /// One step of a random walk: which command (or "the next natural one" when guided), by
    /// whom, three knobs for its arguments, and how many days pass first.
    #[derive(Debug, Clone)]
    pub struct Step {
        pub guided: bool,
        pub kind: u8,
        pub actor: u8,
        pub k1: u8,
        pub k2: u8,
        pub k3: u8,
        pub days: u8,
    }

    pub fn step_strategy() -> impl Strategy<Value = Step> {
        (
            prop::bool::weighted(0.8),
            0u8..21,
            0u8..16,
            any::<u8>(),
            any::<u8>(),
            any::<u8>(),
            0u8..10,
        )
            .prop_map(|(guided, kind, actor, k1, k2, k3, days)| Step {
                guided,
                kind,
                actor,
                k1,
                k2,
                k3,
                days,
            })
    }

    /// The project's starting input: kind, security share, non-IT part.
    pub fn start_input(
        kind: u8,
        security: u8,
        non_it: bool,
    ) -> tongchou_domain::project::ProjectInput {
        let mut i = input();
        i.build_kind = BuildKind::ALL[kind as usize % 4];
        if non_it {
            i.non_it_amount = yuan(200_000);
        }
        let total = i.total().fen();
        // 0 %, exactly 5 %, 6 %, just under 5 %.
        i.security_amount = Yuan::from_fen(match security % 4 {
            0 => 0,
            1 => total / 20,
            2 => total * 6 / 100,
            _ => total / 20 - 1,
        });
        i
    }

    fn pct(a: Yuan, p: u8) -> Yuan {
        Yuan::from_fen(a.fen() * (p as i64 % 50 + 50) / 100)
    }
    fn plus_fen(a: Yuan) -> Yuan {
        Yuan::from_fen(a.fen() + 1)
    }
    fn month_of(d: Date) -> String {
        format!("{:04}-{:02}", d.year(), d.month())
    }

    /// Attachment kinds the stage needs next, in order.
    fn needed_docs(ctx: &ProjectContext) -> Option<&'static str> {
        let need: &[&str] = match ctx.project.stage {
            Stage::Draft => &["declaration_form", "feasibility_report"],
            Stage::ExpertReview => &["revised_report", "revision_list", "presentation"],
            Stage::ReExamination => &["final_report"],
            Stage::TrialRun => &["trial_run_report", "test_report"],
            _ => &[],
        };
        need.iter().copied().find(|k| !ctx.has_attachment(k))
    }

    // Command kinds.
    const EDIT: u8 = 0;
    const DECLARE: u8 = 1;
    const WITHDRAW: u8 = 2;
    const COMPLIANCE: u8 = 3;
    const REREVIEW: u8 = 4;
    const END: u8 = 5;
    const SCORE: u8 = 6;
    const PRELIM: u8 = 7;
    const FORM: u8 = 8;
    const OPINION: u8 = 9;
    const CONCLUDE: u8 = 10;
    const REEXAMINE: u8 = 11;
    const APPROVE: u8 = 12;
    const BUDGET: u8 = 13;
    const PROCURE: u8 = 14;
    const SIGN: u8 = 15;
    const REPORT: u8 = 16;
    const APPLY: u8 = 17;
    const REVIEW: u8 = 18;
    const REAPPLY: u8 = 19;
    const ATTACH: u8 = 20;

    /// The command that is "next" on the main line, and who gives it.
    pub fn guide(s: &Step, ctx: &ProjectContext, today: Date) -> Option<(u8, usize)> {
        let panel_flow = |organiser: usize| -> (u8, usize) {
            match &ctx.open_panel {
                None => (FORM, organiser),
                Some(p) => match p.members.iter().find(|m| m.opinion.is_none()) {
                    Some(m) => (OPINION, actor_of_user(m.user_id)),
                    None => (CONCLUDE, organiser),
                },
            }
        };
        let docs_first = |then: (u8, usize)| match needed_docs(ctx) {
            Some(_) => (ATTACH, UNIT),
            None => then,
        };
        Some(match ctx.project.stage {
            Stage::Draft => match needed_docs(ctx) {
                Some(_) => (ATTACH, UNIT),
                None if matches!(s.kind % 8, 0) => (EDIT, UNIT),
                None => (DECLARE, UNIT),
            },
            Stage::ComplianceReview => (COMPLIANCE, AUTHORITY),
            Stage::Returned => match s.kind % 10 {
                0 => (END, AUTHORITY),
                1 => (WITHDRAW, UNIT),
                _ => (REREVIEW, UNIT),
            },
            Stage::PreliminaryReview => {
                let missing = profile()
                    .preliminary_scorers
                    .into_iter()
                    .find(|r| !ctx.preliminary_scores.iter().any(|sc| sc.department == *r));
                match missing {
                    Some(r) => (SCORE, actor_of_role(r)),
                    None => (PRELIM, AUTHORITY),
                }
            }
            Stage::ExpertReview => {
                let (k, a) = panel_flow(AUTHORITY);
                if k == CONCLUDE {
                    docs_first((k, a))
                } else {
                    (k, a)
                }
            }
            Stage::ReExamination => docs_first((REEXAMINE, AUTHORITY)),
            Stage::ApprovalMeeting => (APPROVE, LEADING),
            Stage::Approved => (BUDGET, FINANCE),
            Stage::Budgeted => (PROCURE, UNIT),
            Stage::Procurement => (SIGN, UNIT),
            Stage::InConstruction => {
                if matches!(s.kind % 3, 0) && !ctx.reported_months.contains(&month_of(today)) {
                    (REPORT, UNIT)
                } else {
                    panel_flow(UNIT)
                }
            }
            Stage::TrialRun => docs_first((APPLY, UNIT)),
            Stage::AcceptanceApplied => (REVIEW, AUTHORITY),
            Stage::Accepting => panel_flow(AUTHORITY),
            Stage::Rectifying => (REAPPLY, UNIT),
            Stage::InOperation | Stage::Ended => return None,
        })
    }

    /// Build a command of `kind` from the knobs: mostly well-formed for the context, sometimes not.
    pub fn build(kind: u8, s: &Step, ctx: &ProjectContext, today: Date) -> Command {
        let p = &ctx.project;
        let prof = profile();
        let (k1, k2, k3) = (s.k1, s.k2, s.k3);
        let it = p.input.it_amount;
        let approved = p.approved_amount.unwrap_or(it);
        let pool: Vec<Actor> = (1..=5).map(expert).collect();
        match kind {
            EDIT => {
                let mut i = start_input(0, k1, k2 % 2 == 0);
                i.build_kind = p.input.build_kind;
                if k2 % 4 == 0 {
                    i.name = "改名后的数字化项目".into();
                }
                Command::Edit { input: i }
            }
            DECLARE => Command::Declare {
                urgent: None,
                override_reason: match k1 % 3 {
                    0 => None,
                    1 => Some("安全能力由区统建平台提供".into()),
                    _ => Some("  ".into()),
                },
            },
            WITHDRAW => Command::Withdraw {
                reason: if k1 % 5 == 0 {
                    "".into()
                } else {
                    "不再建设".into()
                },
            },
            COMPLIANCE => {
                let checks = if k1 % 4 == 0 {
                    let code = &prof.compliance_checklist[k2 as usize % 9].code;
                    with_false(&prof.compliance_checklist, &[code.as_str()])
                } else {
                    all_true(&prof.compliance_checklist)
                };
                let problems: &[&str] = if k3 % 5 == 0 { &["材料缺页"] } else { &[] };
                compliance(checks, problems)
            }
            REREVIEW => Command::RequestRereview {
                note: "已按意见修改".into(),
            },
            END => Command::EndDeclaration {
                reason: "逾期未申请复审".into(),
            },
            SCORE => {
                let mut scores: Vec<(String, u32)> = prof
                    .preliminary_table
                    .iter()
                    .map(|i| (i.code.clone(), k3 as u32 % (i.max + 1)))
                    .collect();
                if k1 % 7 == 0 {
                    scores[0].1 = 99;
                }
                Command::PreliminaryScore {
                    scores,
                    pass: k2 % 5 != 0,
                    opinion: "初审意见".into(),
                }
            }
            PRELIM => Command::PreliminaryDecide {
                pass: k1 % 12 != 0,
                opinion: "综合意见".into(),
            },
            FORM => {
                let purpose = match p.stage {
                    Stage::ExpertReview => PanelPurpose::ExpertReview,
                    Stage::InConstruction => PanelPurpose::InitialAcceptance,
                    Stage::Accepting => PanelPurpose::FinalAcceptance,
                    _ => [
                        PanelPurpose::ExpertReview,
                        PanelPurpose::InitialAcceptance,
                        PanelPurpose::FinalAcceptance,
                    ][k3 as usize % 3],
                };
                let size = [3usize, 3, 3, 5, 5, 1, 2, 4][k1 as usize % 8];
                let start = k2 as usize % 5;
                let mut members: Vec<Candidate> = (0..size)
                    .map(|i| candidate(&pool[(start + i) % 5]))
                    .collect();
                match k2 % 8 {
                    5 => members[0] = candidate(&own_unit_expert()),
                    6 => members[0] = candidate(&finance()),
                    7 if size > 1 => members[1] = members[0].clone(),
                    _ => {}
                }
                Command::FormPanel {
                    purpose,
                    members,
                    meeting_date: today,
                    place: if k3 % 11 == 0 {
                        "".into()
                    } else {
                        "第一会议室".into()
                    },
                }
            }
            OPINION => Command::PanelOpinion {
                opinion: tongchou_domain::project::PanelOpinion {
                    score: if k1 > 250 { 120 } else { k1 as u32 % 101 },
                    // Final acceptance fails more often, so that rectification is exercised.
                    pass: match ctx.open_panel.as_ref().map(|p| p.purpose) {
                        Some(PanelPurpose::FinalAcceptance) => k2 % 3 != 0,
                        _ => k2 % 6 != 0,
                    },
                    opinion: "专家意见".into(),
                    suggested_amount: if k3 % 13 == 0 {
                        None
                    } else if k3 % 17 == 0 {
                        Some(plus_fen(it))
                    } else {
                        Some(pct(it, k3))
                    },
                },
            },
            CONCLUDE => Command::ConcludePanel {
                opinion: "专家组意见".into(),
                suggested_amount: if k1 % 5 == 0 {
                    Some(Yuan::from_fen(it.fen() / 2))
                } else {
                    None
                },
                date: if k2 % 9 == 0 {
                    add_days(today, 1)
                } else {
                    today
                },
            },
            REEXAMINE => {
                let base = p.suggested_amount.unwrap_or(it);
                Command::ReExamine {
                    pass: k1 % 12 != 0,
                    final_amount: match k2 % 6 {
                        0 => Some(plus_fen(base)),
                        4 => Some(Yuan::ZERO),
                        5 => None,
                        _ => Some(pct(base, k3)),
                    },
                    opinion: "复核意见".into(),
                }
            }
            APPROVE => Command::Approve {
                approve: k1 % 12 != 0,
                doc_date: if k2 % 9 == 0 {
                    add_days(today, 1)
                } else {
                    add_days(today, -(k3 as i64 % 3))
                },
                opinion: "审议意见".into(),
            },
            BUDGET => Command::Budget {
                fiscal_year: if k3 % 10 == 0 { 1999 } else { 2026 },
                amount: match k1 % 6 {
                    0 => plus_fen(approved),
                    5 => Yuan::ZERO,
                    _ => pct(approved, k2),
                },
                opinion: "安排预算".into(),
            },
            PROCURE => Command::StartProcurement {
                method: if k3 % 9 == 0 {
                    "bogus".into()
                } else {
                    PROCUREMENT_METHODS[k3 as usize % 7].0.into()
                },
                ceiling: if k1 % 6 == 0 {
                    plus_fen(approved)
                } else {
                    pct(approved, k2)
                },
                doc_date: add_days(today, -(k2 as i64 % 3)),
            },
            SIGN => {
                let ceiling = ctx.procurement.as_ref().map_or(approved, |pr| pr.ceiling);
                let cap = ceiling.min(approved);
                let clauses = if k2 % 7 == 0 {
                    with_false(&prof.contract_clauses, &["data"])
                } else {
                    all_true(&prof.contract_clauses)
                };
                let amount = match k2 % 6 {
                    0 => plus_fen(ceiling),
                    5 => plus_fen(approved),
                    _ => pct(cap, k3),
                };
                // I5: mostly a supervision contract whose fee fits in what is left of the
                // approved amount; sometimes none, sometimes one fen too much.
                let room = approved.saturating_sub(amount);
                let supervision = match k1 % 7 {
                    3 => None,
                    5 => Some(plus_fen(room)),
                    _ => Some(Yuan::from_fen((room.fen() / 2).max(1))),
                }
                .map(|fee| tongchou_domain::project::SupervisionContract {
                    company: "浙江某工程监理有限公司".into(),
                    fee,
                    signed_date: add_days(today, -1),
                });
                Command::SignContract {
                    project_name: if k1 % 9 == 0 {
                        "别的项目名称".into()
                    } else {
                        p.input.name.clone()
                    },
                    supplier: "杭州某科技有限公司".into(),
                    amount,
                    supervision,
                    signed_date: if k3 % 13 == 0 {
                        add_days(today, 1)
                    } else {
                        add_days(today, -(k3 as i64 % 2))
                    },
                    period_months: 8,
                    maintenance_years: if k1 % 4 == 0 { 1 } else { 3 },
                    clauses,
                    override_reason: if k3 % 2 == 1 {
                        Some("并入市统建平台".into())
                    } else {
                        None
                    },
                }
            }
            REPORT => Command::ReportProgress {
                month: match k1 % 5 {
                    0 => month_of(add_months(today, 1)),
                    4 => format!("{}-{}", today.year(), today.month()),
                    3 => month_of(add_days(today, -31)),
                    _ => month_of(today),
                },
                percent: if k3 > 200 { 150 } else { k3 as u32 % 101 },
                summary: "本月进展".into(),
                milestones: String::new(),
                problems: String::new(),
            },
            APPLY => Command::ApplyAcceptance {
                conditions: if k1 % 6 == 0 {
                    with_false(&prof.acceptance_conditions, &["files_complete"])
                } else {
                    all_true(&prof.acceptance_conditions)
                },
            },
            REVIEW => Command::ReviewAcceptanceApplication {
                agree: k1 % 4 != 0,
                opinion: "审核意见".into(),
            },
            REAPPLY => Command::Reapply {
                note: if k1 % 7 == 0 {
                    "".into()
                } else {
                    "已整改".into()
                },
            },
            ATTACH => {
                let kind = match needed_docs(ctx) {
                    Some(k) if s.guided => k.to_string(),
                    _ if k1 == 255 => "bogus".into(),
                    _ => ATTACHMENT_KINDS[k1 as usize % ATTACHMENT_KINDS.len()]
                        .0
                        .into(),
                };
                Command::Attach {
                    filename: format!("{kind}.pdf"),
                    kind,
                    sha256: "ef".repeat(32),
                    size: 100,
                    doc_date: if k2 % 10 == 0 {
                        Some(add_days(today, 1))
                    } else {
                        Some(today)
                    },
                }
            }
            _ => unreachable!("kind {kind}"),
        }
    }

    /// Pick the actor and command for a step.
    pub fn choose(s: &Step, ctx: &ProjectContext, today: Date) -> (usize, Command) {
        let (kind, who) = match guide(s, ctx, today) {
            Some(g) if s.guided => g,
            _ => (s.kind, s.actor as usize),
        };
        (who, build(kind, s, ctx, today))
    }

    /// Every invariant after one step. `before` is the context the command was decided on.
    pub fn check(
        before: &ProjectContext,
        after: &ProjectContext,
        who: usize,
        a: &Actor,
        cmd: &Command,
        res: &Result<Decision, Refusal>,
    ) -> Result<(), TestCaseError> {
        let code = cmd.code();
        let stage = before.project.stage;
        // An ended project accepts no command.
        if stage == Stage::Ended {
            prop_assert!(res.is_err(), "ended project accepted {code}: {res:?}");
        }
        // Audit never succeeds; in its own jurisdiction it is not hidden either, only forbidden.
        if who == AUDIT {
            prop_assert!(res.is_err(), "audit succeeded with {code}: {res:?}");
            prop_assert!(
                !matches!(res, Err(Refusal::NotVisible)),
                "audit could not see its jurisdiction's project"
            );
        }
        // Another jurisdiction sees nothing.
        if who == OUTSIDE {
            prop_assert!(matches!(res, Err(Refusal::NotVisible)), "{res:?}");
        }
        if let Err(Refusal::NotVisible) = res {
            let on_panel = before
                .open_panel
                .as_ref()
                .is_some_and(|p| p.members.iter().any(|m| m.user_id == a.user_id));
            prop_assert!(!can_view(a, &before.project, on_panel));
        }
        match res {
            Ok(dec) => {
                prop_assert_eq!(dec.from, stage);
                prop_assert_eq!(dec.action.as_str(), code);
                prop_assert!(
                    allowed(dec.from, code, dec.to),
                    "illegal edge {:?} --{}--> {:?}",
                    dec.from,
                    code,
                    dec.to
                );
                let ended = dec.events.iter().any(|e| matches!(e, Event::Ended { .. }));
                prop_assert_eq!(ended, dec.to == Stage::Ended, "Ended event iff ended");
                // It was this actor's turn.
                let turn = available_actions(before, a, &profile());
                prop_assert!(
                    turn.contains(&code),
                    "{} succeeded for {} but available_actions = {:?}",
                    code,
                    a.name,
                    turn
                );
                for e in &dec.events {
                    if let Event::OverrideRecorded { reason, .. } = e {
                        prop_assert!(!reason.trim().is_empty());
                    }
                }
                // The second compliance failure only after the one re-review.
                if (dec.from, dec.to) == (Stage::ComplianceReview, Stage::Ended) {
                    prop_assert!(before.project.rereviews_used >= 1);
                }
            }
            Err(_) => prop_assert_eq!(before, after),
        }

        // Money invariants on the model.
        let ap = &after.project;
        if let Some(old) = before.project.approved_amount {
            prop_assert_eq!(ap.approved_amount, Some(old), "approved amount changed");
        }
        if let Some(approved) = ap.approved_amount {
            prop_assert!(ap.stage.is_approved_or_later());
            prop_assert_eq!(Some(approved), ap.final_amount);
            prop_assert!(Some(approved) <= ap.suggested_amount);
            if let Some(b) = ap.budget_amount {
                prop_assert!(b <= approved, "budget {b} > approved {approved}");
            }
            if let Some(pr) = &after.procurement {
                prop_assert!(pr.ceiling <= approved, "ceiling {} > approved", pr.ceiling);
            }
            if let Some(c) = &after.contract {
                prop_assert!(c.amount <= approved, "contract {} > approved", c.amount);
                if let Some(pr) = &after.procurement {
                    prop_assert!(c.amount <= pr.ceiling);
                }
            }
        } else {
            prop_assert!(ap.budget_amount.is_none());
            prop_assert!(after.procurement.is_none());
            prop_assert!(after.contract.is_none());
        }
        if let Some(f) = ap.final_amount {
            prop_assert!(Some(f) <= ap.suggested_amount);
        }
        if let Some(s) = ap.suggested_amount {
            prop_assert!(s <= ap.input.it_amount);
        }
        Ok(())
    }

    /// Run a walk and return the stages it went through.
    pub fn walk(
        start: tongchou_domain::project::ProjectInput,
        steps: &[Step],
    ) -> Result<Vec<Stage>, TestCaseError> {
        let actors = actors();
        let prof = profile();
        let mut project = at(Stage::Draft).project;
        project.input = start;
        let mut ctx = ProjectContext::new(project);
        let mut today = d(2025, 9, 25);
        let mut seen = vec![Stage::Draft];
        for s in steps {
            today = add_days(today, s.days as i64);
            let (who, cmd) = choose(s, &ctx, today);
            let a = &actors[who];
            let res = decide(&ctx, a, cmd.clone(), &prof, today);
            let before = ctx.clone();
            if let Ok(dec) = &res {
                apply(&mut ctx, a, dec);
            }
            check(&before, &ctx, who, a, &cmd, &res)?;
            if seen.last() != Some(&ctx.project.stage) {
                seen.push(ctx.project.stage);
            }
        }
        Ok(seen)
    }
}

// SPEC §2 (the guided walk reaches operation; the generator is able to cover the lifecycle)
#[test]
fn model_guided_walk_reaches_operation() {
    let steps: Vec<model::Step> = (0..400)
        .map(|_| model::Step {
            guided: true,
            kind: 1,
            actor: 0,
            k1: 1,
            k2: 1,
            k3: 1,
            days: 3,
        })
        .collect();
    let seen = model::walk(model::start_input(0, 2, false), &steps).unwrap();
    assert_eq!(seen.last(), Some(&Stage::InOperation), "{seen:?}");
    for s in [
        Stage::ComplianceReview,
        Stage::PreliminaryReview,
        Stage::ExpertReview,
        Stage::ReExamination,
        Stage::ApprovalMeeting,
        Stage::Approved,
        Stage::Budgeted,
        Stage::Procurement,
        Stage::InConstruction,
        Stage::TrialRun,
        Stage::AcceptanceApplied,
        Stage::Accepting,
    ] {
        assert!(seen.contains(&s), "{s:?} not reached: {seen:?}");
    }
}

fn forged(action: &str, from: Stage, to: Stage, events: Vec<Event>) -> Decision {
    Decision {
        action: action.into(),
        from,
        to,
        events,
        summary: String::new(),
        opinion: String::new(),
    }
}

// SPEC §2: the property's oracle rejects a jump the lifecycle does not have
#[test]
fn model_check_rejects_illegal_edge() {
    assert!(model::allowed(
        Stage::Draft,
        "declare",
        Stage::ComplianceReview
    ));
    assert!(model::allowed(
        Stage::InConstruction,
        "report_progress",
        Stage::InConstruction
    ));
    assert!(!model::allowed(Stage::Draft, "declare", Stage::Approved));
    assert!(!model::allowed(Stage::Ended, "attach", Stage::Ended));
    assert!(!model::allowed(Stage::Budgeted, "budget", Stage::Budgeted));

    let before = at(Stage::Draft);
    let dec = forged(
        "declare",
        Stage::Draft,
        Stage::Approved,
        vec![Event::Declared],
    );
    let mut after = before.clone();
    apply(&mut after, &unit_clerk(), &dec);
    let cmd = Command::Declare {
        urgent: None,
        override_reason: None,
    };
    assert!(model::check(&before, &after, 0, &unit_clerk(), &cmd, &Ok(dec)).is_err());
}

// Shangcheng 第二章 (audit read-only); SPEC M1, M5: the oracle catches each violation
#[test]
fn model_check_rejects_audit_success_money_over_approval_and_ended_commands() {
    // Audit succeeding.
    let before = at(Stage::Draft);
    let dec = forged("attach", Stage::Draft, Stage::Draft, vec![]);
    let cmd = attach("other");
    assert!(model::check(&before, &before, 8, &audit(), &cmd, &Ok(dec)).is_err());

    // A budget above the approved amount.
    let before = at(Stage::Approved);
    let dec = forged(
        "budget",
        Stage::Approved,
        Stage::Budgeted,
        vec![Event::BudgetArranged {
            fiscal_year: 2026,
            amount: yuan(FINAL + 1),
        }],
    );
    let mut after = before.clone();
    apply(&mut after, &finance(), &dec);
    let cmd = budget(yuan(FINAL + 1));
    assert!(model::check(&before, &after, 3, &finance(), &cmd, &Ok(dec)).is_err());

    // The approved amount changing.
    let before = at(Stage::ApprovalMeeting);
    let mut approved = before.clone();
    approved.project.approved_amount = Some(yuan(FINAL));
    approved.project.stage = Stage::Approved;
    let mut changed = approved.clone();
    changed.project.approved_amount = Some(yuan(FINAL - 1));
    let dec = forged("budget", Stage::Approved, Stage::Approved, vec![]);
    assert!(model::check(
        &approved,
        &changed,
        3,
        &finance(),
        &budget(yuan(1)),
        &Ok(dec)
    )
    .is_err());

    // A command accepted on an ended project.
    let before = at(Stage::Ended);
    let dec = forged("attach", Stage::Ended, Stage::Ended, vec![]);
    assert!(model::check(
        &before,
        &before,
        0,
        &unit_clerk(),
        &attach("other"),
        &Ok(dec)
    )
    .is_err());
}

// SPEC §2 (lifecycle edges), M1 (approved baseline immutable), M5 (money never over the
// approved amount), Shangcheng 第二章 (audit read-only)
mod properties {
    use super::model::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn random_command_sequences_keep_lifecycle_invariants(
            kind in 0u8..4,
            security in 0u8..4,
            non_it in any::<bool>(),
            steps in prop::collection::vec(step_strategy(), 1..160),
        ) {
            walk(start_input(kind, security, non_it), &steps)?;
        }
    }
}

mod consequences {
    use super::support::*;
    use tongchou_domain::lifecycle::{decide, propose_consequence, Command, Refusal};
    use tongchou_domain::Stage;

    // Shangcheng 第六章 项目实施: 6个月内未完成采购的，由区数据资源局、区发改经信局、区财政局取消
    // 相应立项指标 — the system proposes, the authority decides.
    #[test]
    fn missed_procurement_is_proposed_once_and_only_the_authority_confirms() {
        let mut ctx = at(Stage::Budgeted);
        let dec = propose_consequence(&ctx, "procurement").expect("a consequence for procurement");
        assert_eq!(dec.from, dec.to, "a proposal changes no stage");
        apply(&mut ctx, &authority(), &dec);
        assert!(
            propose_consequence(&ctx, "procurement").is_none(),
            "proposed once"
        );
        assert!(
            propose_consequence(&ctx, "progress_2026-01").is_none(),
            "a monthly report carries no consequence"
        );
        let cmd = Command::ConfirmConsequence {
            obligation: "procurement".into(),
            reason: "取消立项指标".into(),
        };
        assert!(matches!(
            run(&ctx, &unit_clerk(), cmd.clone()),
            Err(Refusal::Forbidden(_))
        ));
        let d = run(&ctx, &authority(), cmd).unwrap();
        assert_eq!(d.to, Stage::Ended);
    }

    #[test]
    fn waiving_a_consequence_needs_a_reason_and_keeps_the_stage() {
        let mut ctx = at(Stage::Budgeted);
        let dec = propose_consequence(&ctx, "procurement").unwrap();
        apply(&mut ctx, &authority(), &dec);
        let empty = Command::WaiveConsequence {
            obligation: "procurement".into(),
            reason: " ".into(),
        };
        assert!(matches!(
            run(&ctx, &authority(), empty),
            Err(Refusal::Invalid { .. })
        ));
        let d = run(
            &ctx,
            &authority(),
            Command::WaiveConsequence {
                obligation: "procurement".into(),
                reason: "投诉暂停，同意延期".into(),
            },
        )
        .unwrap();
        assert_eq!(d.to, Stage::Budgeted);
        let none = decide(
            &at(Stage::Budgeted),
            &authority(),
            Command::ConfirmConsequence {
                obligation: "procurement".into(),
                reason: "x".into(),
            },
            &profile(),
            today(),
        );
        assert!(
            matches!(none, Err(Refusal::Invalid { .. })),
            "nothing proposed, nothing to confirm"
        );
    }
}

// =============================================================================================
// 原则性规定的例外 Default-rule overrides signed off by the approver the profile names (SPEC §0)
// =============================================================================================

fn short_maintenance() -> Command {
    sign(ContractArgs {
        maintenance_years: 1,
        override_reason: Some("系统计划一年后并入市统建平台".into()),
        ..ContractArgs::default()
    })
}

/// In construction after a contract with a 1-year maintenance period (an override, pending).
fn with_pending_override() -> ProjectContext {
    let mut ctx = at(Stage::Procurement);
    step(&mut ctx, &unit_clerk(), short_maintenance(), today());
    ctx
}

fn review(id: i64, agree: bool, opinion: &str) -> Command {
    Command::ReviewOverride {
        id,
        agree,
        opinion: opinion.into(),
    }
}

// Shangcheng 第六章 项目实施 (维保期一般不少于2年) + SPEC §0: the override names the profile's approver
#[test]
fn override_is_pending_the_approver_the_profile_names() {
    let mut p = profile();
    p.default_rules
        .iter_mut()
        .find(|r| r.code == "maintenance_min_years")
        .unwrap()
        .approver = Role::Finance;
    let dec = decide(
        &at(Stage::Procurement),
        &unit_clerk(),
        short_maintenance(),
        &p,
        today(),
    )
    .unwrap();
    assert!(matches!(
        &dec.events[0],
        Event::OverrideRecorded { rule, approver: Some(Role::Finance), .. } if rule == "maintenance_min_years"
    ));
    // The warning before a reason is given names the approver too.
    let m = needs_override(
        decide(
            &at(Stage::Procurement),
            &unit_clerk(),
            sign(ContractArgs {
                maintenance_years: 1,
                ..ContractArgs::default()
            }),
            &p,
            today(),
        ),
        "maintenance_min_years",
        "第六章 项目实施",
    );
    assert!(m.contains("区财政局审批"), "{m}");
}

// SPEC §0: only the named approver signs off; a history entry records it; once only
#[test]
fn only_the_named_approver_signs_off_an_override() {
    let mut ctx = with_pending_override();
    assert_eq!(ctx.overrides.len(), 1);
    let id = ctx.overrides[0].id;
    assert!(available_actions(&ctx, &authority(), &profile()).contains(&"review_override"));
    assert!(!available_actions(&ctx, &finance(), &profile()).contains(&"review_override"));
    assert!(!available_actions(&ctx, &unit_clerk(), &profile()).contains(&"review_override"));
    let m = forbidden(run(&ctx, &finance(), review(id, true, "")));
    assert!(m.contains("区数据资源局"), "{m}");
    forbidden(run(&ctx, &unit_clerk(), review(id, true, "自己同意")));
    let dec = step(
        &mut ctx,
        &authority(),
        review(id, true, "同意，并入计划已报备"),
        today(),
    );
    assert_eq!(dec.from, dec.to, "a sign-off does not move the project");
    assert_eq!(
        dec.events,
        vec![Event::OverrideReviewed {
            id,
            rule: "maintenance_min_years".into(),
            agree: true,
            opinion: "同意，并入计划已报备".into(),
        }]
    );
    assert!(
        dec.summary.contains("同意") && dec.summary.contains("维保期"),
        "{}",
        dec.summary
    );
    assert_eq!(ctx.overrides[0].state, OverrideState::SignedOff);
    assert!(!available_actions(&ctx, &authority(), &profile()).contains(&"review_override"));
    rule(
        run(&ctx, &authority(), review(id, false, "再议")),
        PLATFORM,
        "原则性规定的例外经审批人审批一次",
    );
}

// SPEC §0: the approver may object instead, with a reason (also a history entry)
#[test]
fn objecting_to_an_override_needs_a_reason() {
    let mut ctx = with_pending_override();
    let id = ctx.overrides[0].id;
    invalid(run(&ctx, &authority(), review(id, false, "  ")), "opinion");
    invalid(
        run(&ctx, &authority(), review(id + 7, true, "")),
        "override",
    );
    let dec = step(
        &mut ctx,
        &authority(),
        review(id, false, "并入计划未经批准，维保期应按2年签订"),
        today(),
    );
    assert!(dec.summary.contains("异议"), "{}", dec.summary);
    assert_eq!(ctx.overrides[0].state, OverrideState::Objected);
    assert_eq!(
        ctx.overrides[0].decision_reason.as_deref(),
        Some("并入计划未经批准，维保期应按2年签订")
    );
}

// SPEC §0 + §3: each default rule names one approver, an official department; checked whole
#[test]
fn default_rules_without_a_proper_approver_are_rejected() {
    let mut p = profile();
    p.default_rules[0].approver = Role::Unit;
    p.default_rules
        .retain(|r| r.code != "no_change_before_procurement");
    let errs = tongchou_domain::profile::Profile::from_toml(&p.to_toml()).unwrap_err();
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert!(errs
        .iter()
        .any(|e| e.contains("no_change_before_procurement")));
    assert!(errs.iter().any(|e| e.contains("审批人")));
}

// Shangcheng 第二章 (the district's data bureau reviews the district's projects); Shaoxing art.4
#[test]
fn city_authority_reads_a_district_project_but_does_not_review_it() {
    let city = actor(30, "市数据资源局李", 40, CITY, &[Role::Authority]);
    let ctx = at(Stage::ComplianceReview);
    assert!(
        can_view(&city, &ctx.project, false),
        "the city reads its districts' declared projects"
    );
    let msg = forbidden(run(&ctx, &city, compliance_pass()));
    assert!(msg.contains("所在行政区域"), "{msg}");
    assert!(
        available_actions(&ctx, &city, &profile()).is_empty(),
        "no forms for a level that does not handle it"
    );
    assert!(
        available_actions(&ctx, &authority(), &profile()).contains(&"compliance_review"),
        "the district's own authority does"
    );
}

// SPEC §3: a district without its own profile inherits its city's — and its projects are handled
// by the level that chose the profile (Shaoxing art.4: 市信管办).
#[test]
fn inherited_profile_is_handled_by_the_level_that_chose_it() {
    let mut city_profile = profile();
    city_profile.handled_at = CITY.into();
    let city = actor(30, "市信管办李", 40, CITY, &[Role::Authority]);
    let ctx = at(Stage::ComplianceReview);
    assert!(available_actions(&ctx, &city, &city_profile).contains(&"compliance_review"));
    assert!(decide(&ctx, &city, compliance_pass(), &city_profile, d(2026, 6, 1)).is_ok());
    assert!(
        available_actions(&ctx, &authority(), &city_profile).is_empty(),
        "the district's bureau does not handle what the city's profile governs"
    );
}

fn similar_of(kind: &str, score: u32) -> tongchou_domain::similarity::Similar {
    tongchou_domain::similarity::Similar {
        kind: kind.into(),
        id: 7,
        code: "YY-7".into(),
        name: "智慧教育一张图".into(),
        unit_name: "区教育局".into(),
        year: 2025,
        stage_label: "已登记".into(),
        score,
        matched: vec!["一张图".into()],
    }
}

// ZJ-share 四 "不得重复建设"; Shangcheng 第一章、第三章 (issue 5: applications, 一本账 entries and
// library items are compared too): a likely duplicate of ANY kind needs the reviewer's judgement.
#[test]
fn compliance_review_with_likely_duplicate_application_needs_judgement() {
    for kind in ["application", "listing", "ledger", "library"] {
        let mut ctx = at(Stage::ComplianceReview);
        ctx.similar = vec![similar_of(kind, 80)];
        let msg = invalid(run(&ctx, &authority(), compliance_pass()), "duplicate");
        assert!(msg.contains("智慧教育一张图"), "{kind}: {msg}");
        assert!(msg.contains(ctx.similar[0].kind_label()), "{kind}: {msg}");
        // With the judgement recorded (not a duplicate), the review goes ahead.
        let cmd = match compliance_pass() {
            Command::ComplianceReview {
                checks,
                problems,
                opinion,
                ..
            } => Command::ComplianceReview {
                checks,
                problems,
                opinion,
                duplicate: Some(tongchou_domain::lifecycle::DuplicateJudgement {
                    duplicate: false,
                    reason: "该应用为省级统建，本项目为区级特色模块".into(),
                }),
            },
            other => other,
        };
        let dec = ok(run(&ctx, &authority(), cmd));
        assert_ne!(dec.to, Stage::ComplianceReview, "{kind}");
    }
}

// ZJ-share 四 "不得重复建设": a merely similar record of another kind (below the threshold)
// does not block the review.
#[test]
fn compliance_review_with_dissimilar_library_item_needs_no_judgement() {
    let mut ctx = at(Stage::ComplianceReview);
    ctx.similar = vec![similar_of("library", 20)];
    ok(run(&ctx, &authority(), compliance_pass()));
}

// SPEC S9, A7: each kind is shown under its own name and links to its own page.
#[test]
fn similar_kinds_have_their_labels_and_pages() {
    let cases = [
        ("project", "项目", "/projects/7"),
        ("application", "应用", "/applications/7"),
        ("listing", "应用", "/market/7"),
        ("ledger", "一本账", "/ledger/7"),
        ("library", "项目库", "/library/7"),
    ];
    for (kind, label, href) in cases {
        let s = similar_of(kind, 50);
        assert_eq!((s.kind_label(), s.href().as_str()), (label, href), "{kind}");
    }
}
