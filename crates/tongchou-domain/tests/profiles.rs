//! Domain tests of each shipped profile's own review and approval path (SPEC §3, V1–V5, C1–C2):
//! the same step kinds, ordered, named and assigned by the profile's data. Each test cites the
//! article it checks.

mod support;

use support::*;
use tongchou_domain::calendar::Calendar;
use tongchou_domain::lifecycle::{add_days, add_months, decide, Command, Decision, Refusal};
use tongchou_domain::obligation::changes;
use tongchou_domain::profile::Profile;
use tongchou_domain::{Role, Stage};

fn sx() -> Profile {
    Profile::shaoxing()
}
fn qz() -> Profile {
    Profile::quzhou()
}

#[track_caller]
fn ok(o: Result<Decision, Refusal>) -> Decision {
    match o {
        Ok(d) => d,
        Err(e) => panic!("expected success, got {e:?}"),
    }
}

#[track_caller]
fn forbidden(o: Result<Decision, Refusal>) {
    assert!(matches!(o, Err(Refusal::Forbidden(_))), "{o:?}");
}

#[track_caller]
fn rule_citing(o: Result<Decision, Refusal>, article: &str) -> String {
    match o {
        Err(Refusal::Rule { message, cite }) => {
            assert!(cite.article.contains(article), "{cite:?}");
            message
        }
        other => panic!("expected a rule refusal citing {article}, got {other:?}"),
    }
}

fn reexamine() -> Command {
    Command::ReExamine {
        pass: true,
        final_amount: Some(yuan(FINAL)),
        opinion: "审查意见".into(),
    }
}

fn approve() -> Command {
    Command::Approve {
        approve: true,
        doc_date: today(),
        opinion: "同意".into(),
    }
}

// Shaoxing art.12: 符合要求的项目在确认后予以受理 → art.13 专家论证 (no department scoring step).
#[test]
fn shaoxing_accepted_declaration_goes_straight_to_expert_argumentation() {
    let ctx = at(Stage::ComplianceReview);
    let cmd = compliance(all_true(&sx().compliance_checklist), &[]);
    let d = ok(decide(&ctx, &authority(), cmd, &sx(), today()));
    assert_eq!(d.to, Stage::ExpertReview);
    assert!(
        d.summary.contains("初审通过，进入专家论证"),
        "{}",
        d.summary
    );
}

// Shaoxing art.12: 材料……不齐全……的，退回并一次性告知 — every missing item listed at once.
#[test]
fn shaoxing_incomplete_declaration_is_returned_listing_everything_at_once() {
    let ctx = at(Stage::ComplianceReview);
    let cmd = compliance(
        with_false(
            &sx().compliance_checklist,
            &["performance_goals", "catalogue"],
        ),
        &["概算未分列"],
    );
    let d = ok(decide(&ctx, &authority(), cmd, &sx(), today()));
    assert_eq!(d.to, Stage::Returned);
    assert!(
        d.summary.contains("一次性告知问题 3 项")
            && d.summary.contains("绩效目标")
            && d.summary.contains("信息资源目录")
            && d.summary.contains("概算未分列"),
        "{}",
        d.summary
    );
}

// Shaoxing art.14: 市领导小组……出具审查意见 (not the 信管办), then art.4: 市发改委负责……立项.
#[test]
fn shaoxing_leading_group_gives_the_review_opinion_and_the_drc_approves() {
    let mut ctx = at(Stage::ReExamination);
    ctx.attachment_kinds.retain(|k| k != "final_report");
    forbidden(decide(&ctx, &authority(), reexamine(), &sx(), today()));
    let d = ok(decide(&ctx, &leading_group(), reexamine(), &sx(), today()));
    assert_eq!(
        d.to,
        Stage::ApprovalMeeting,
        "no final-report upload on this path"
    );
    let ctx = at(Stage::ApprovalMeeting);
    forbidden(decide(&ctx, &leading_group(), approve(), &sx(), today()));
    let d = ok(decide(&ctx, &drc(), approve(), &sx(), today()));
    assert_eq!(d.to, Stage::Approved);
    assert!(
        d.summary.contains("市发改委出具立项文件 绍发改〔2026〕"),
        "{}",
        d.summary
    );
}

// Shaoxing art.30: 初步验收完成10个工作日内……完成……目录编制及数据归集; the upload fulfils it.
#[test]
fn shaoxing_data_catalogue_is_due_ten_working_days_after_initial_acceptance() {
    let ctx = at(Stage::InConstruction);
    let cal = Calendar::builtin();
    let dec = Decision {
        action: "conclude_panel".into(),
        from: Stage::InConstruction,
        to: Stage::TrialRun,
        events: vec![tongchou_domain::lifecycle::Event::InitialAccepted {
            date: d(2025, 9, 26),
        }],
        summary: String::new(),
        opinion: String::new(),
    };
    let c = changes(&ctx.project, &dec, &sx(), &cal, today());
    let cat = c.new.iter().find(|o| o.code == "data_catalogue").unwrap();
    // 10 working days after Fri 26 Sep 2025 across National Day: Sat 28 Sep is a make-up day.
    assert_eq!(cat.due, cal.add_working_days(d(2025, 9, 26), 10).date);
    assert!(cat.due > d(2025, 10, 8));
    assert_eq!(cat.cite.article, "第三十条");
    let none = changes(&ctx.project, &dec, &profile(), &cal, today());
    assert!(
        none.new.iter().all(|o| o.code != "data_catalogue"),
        "Shangcheng has no such duty"
    );
    let up = ok(decide(
        &at(Stage::TrialRun),
        &unit_clerk(),
        attach("data_catalogue"),
        &sx(),
        today(),
    ));
    let c = changes(&ctx.project, &up, &sx(), &cal, today());
    assert_eq!(c.fulfil, vec![("data_catalogue".to_string(), today())]);
}

// Quzhou 三(二)1: 并联审核 by the fixed departments, then the 决策咨询意见 with the 概算价.
#[test]
fn quzhou_declaration_goes_to_the_joint_review_then_the_decision_opinion() {
    let ctx = at(Stage::Draft);
    let d = ok(decide(
        &ctx,
        &unit_clerk(),
        Command::Declare {
            urgent: None,
            override_reason: None,
        },
        &qz(),
        today(),
    ));
    assert_eq!(d.to, Stage::PreliminaryReview);
    assert!(d.summary.contains("并联审核"));
    let mut ctx = at(Stage::PreliminaryReview);
    ctx.preliminary_scores.clear();
    let refused = rule_citing(
        decide(
            &ctx,
            &authority(),
            Command::PreliminaryDecide {
                pass: true,
                opinion: "x".into(),
            },
            &qz(),
            today(),
        ),
        "三(二)1",
    );
    assert!(
        refused.contains("市营商办") && refused.contains("市评审中心"),
        "{refused}"
    );
}

// Quzhou 三(二)2: 项目（涉密项目除外）应当……使用在线平台生成的项目代码办理审批手续.
#[test]
fn quzhou_approval_needs_the_project_code_unless_classified() {
    let mut ctx = at(Stage::ApprovalMeeting);
    let msg = rule_citing(
        decide(&ctx, &leading_group(), approve(), &qz(), today()),
        "三(二)2",
    );
    assert!(msg.contains("项目代码"), "{msg}");
    ctx.project.extra.classified = true;
    ok(decide(&ctx, &leading_group(), approve(), &qz(), today()));
    ctx.project.extra.classified = false;
    ctx.project.extra.project_code = Some("2026-330802-65-01-000001".into());
    ok(decide(&ctx, &leading_group(), approve(), &qz(), today()));
    // Not a Shangcheng rule.
    ctx.project.extra.project_code = None;
    ok(decide(
        &ctx,
        &leading_group(),
        approve(),
        &profile(),
        today(),
    ));
}

// Quzhou 三(二)2: 在受理后3天内市发改委出具初步设计批复 (calendar days), uploaded by the DRC.
#[test]
fn quzhou_drc_design_approval_is_due_three_days_after_approval_and_only_the_drc_uploads_it() {
    let ctx = at(Stage::ApprovalMeeting);
    let mut c = ctx.clone();
    c.project.extra.project_code = Some("2026-330802-65-01-000001".into());
    let d = ok(decide(&c, &leading_group(), approve(), &qz(), today()));
    let cal = Calendar::builtin();
    let ch = changes(&ctx.project, &d, &qz(), &cal, today());
    let o = ch.new.iter().find(|o| o.code == "design_approval").unwrap();
    assert_eq!(o.due, cal.add_days(today(), 3).date);
    assert_eq!(o.owner, Role::Drc);
    let approved = at(Stage::Approved);
    forbidden(decide(
        &approved,
        &unit_clerk(),
        attach("design_approval"),
        &qz(),
        today(),
    ));
    let up = ok(decide(
        &approved,
        &drc(),
        attach("design_approval"),
        &qz(),
        today(),
    ));
    let ch = changes(&approved.project, &up, &qz(), &cal, today());
    assert_eq!(ch.fulfil, vec![("design_approval".to_string(), today())]);
    // Before the approval there is nothing to issue.
    assert!(decide(
        &at(Stage::ApprovalMeeting),
        &drc(),
        attach("design_approval"),
        &qz(),
        today()
    )
    .is_err());
}

// Quzhou 三(三)5: 项目全部功能模块完成初验3个月后……提出竣工验收申请 (a minimum, SPEC C2).
#[test]
fn quzhou_final_acceptance_is_refused_before_three_months_after_initial_acceptance() {
    let mut ctx = at(Stage::TrialRun);
    let start = initial_acceptance_date();
    let just_before = add_days(add_months(start, 3), -1);
    let msg = rule_citing(
        decide(
            &ctx,
            &unit_clerk(),
            apply_acceptance_cmd(),
            &qz(),
            just_before,
        ),
        "三(三)5",
    );
    assert!(msg.contains("3个月"), "{msg}");
    ok(decide(
        &ctx,
        &unit_clerk(),
        apply_acceptance_cmd(),
        &qz(),
        add_months(start, 3),
    ));
    // Long after is fine too: long waits are flagged, never blocked.
    ctx.project.initial_acceptance_date = Some(add_days(start, -365));
    ok(decide(
        &ctx,
        &unit_clerk(),
        apply_acceptance_cmd(),
        &qz(),
        today(),
    ));
}
