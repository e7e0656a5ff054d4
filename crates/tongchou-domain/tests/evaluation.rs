//! 绩效评价 (SPEC §2.9 E1–E5) and eligibility at declaration (A6).
mod support;

use support::*;
use tongchou_domain::calendar::Calendar;
use tongchou_domain::evaluation::{
    bars, EligibilityFacts, EvaluationRecord, EvaluationRules, Outcome, SpotCheck,
};
use tongchou_domain::lifecycle::{decide, Command, Event, Refusal};
use tongchou_domain::profile::Profile;
use tongchou_domain::project::{BuildKind, PanelPurpose, ProjectContext};
use tongchou_domain::Stage;

fn scores(v: u32) -> Vec<(String, u32)> {
    profile()
        .evaluation
        .active()
        .unwrap()
        .indicators
        .iter()
        .map(|i| (i.code.clone(), v))
        .collect()
}

fn record(year: i32, total: u32, outcome: Option<Outcome>, confirmed: bool) -> EvaluationRecord {
    EvaluationRecord {
        year,
        system: "shangcheng".into(),
        self_scores: scores(total),
        self_total: total,
        evidence: "活跃用户 1200 人".into(),
        spot: None,
        outcome,
        rectify_by: None,
        outcome_reason: String::new(),
        confirmed,
        leader: None,
        published: false,
        rectified: None,
    }
}

fn declare(
    ctx: &ProjectContext,
    reason: Option<&str>,
) -> Result<tongchou_domain::lifecycle::Decision, Refusal> {
    decide(
        ctx,
        &unit_clerk(),
        Command::Declare {
            urgent: None,
            override_reason: reason.map(Into::into),
        },
        &profile(),
        today(),
    )
}

// Shangcheng 第九章 (区数据资源局负责建立完善应用绩效评价指标体系); Shaoxing art.32; Quzhou 三(四);
// ZJ-plan 四(四)
#[test]
fn every_indicator_system_weighs_100_and_cites_its_article() {
    let r = EvaluationRules::shangcheng();
    assert!(r.problems().is_empty(), "{:?}", r.problems());
    let codes: Vec<&str> = r.systems.iter().map(|s| s.code.as_str()).collect();
    assert_eq!(codes, ["shangcheng", "shaoxing", "quzhou", "zjplan"]);
    let sx = r.systems.iter().find(|s| s.code == "shaoxing").unwrap();
    assert_eq!(sx.indicators.len(), 6);
    assert!(sx.cite.article.contains("第三十二条"));
    let zj = r.systems.iter().find(|s| s.code == "zjplan").unwrap();
    assert!(zj.indicators.iter().any(|i| i.code == "user_rating"));
    // A profile whose weights do not add up is refused as a whole.
    let mut p = Profile::shangcheng();
    p.evaluation.systems[0].indicators[0].weight = 10;
    let errs = Profile::from_toml(&p.to_toml()).unwrap_err();
    assert!(
        errs.iter().any(|e| e.contains("权重合计须为 100")),
        "{errs:?}"
    );
    assert_eq!(
        Profile::from_toml(&Profile::shangcheng().to_toml()).unwrap(),
        Profile::shangcheng()
    );
}

// Shaoxing art.33 (项目建设单位对投入使用的项目进行自评)
#[test]
fn unit_self_evaluates_its_system_in_operation_with_a_weighted_total() {
    let ctx = at(Stage::InOperation);
    let mut s = scores(80);
    s[0].1 = 50; // usage, weight 30 → 0.3*50 + 0.7*80 = 71
    let dec = decide(
        &ctx,
        &unit_clerk(),
        Command::SelfEvaluate {
            year: 2026,
            scores: s,
            evidence: "使用统计".into(),
        },
        &profile(),
        today(),
    )
    .unwrap();
    assert!(matches!(
        dec.events[0],
        Event::SelfEvaluated { total: 71, .. }
    ));
    // Another unit may not; a missing indicator is a field error.
    let other = decide(
        &ctx,
        &other_clerk(),
        Command::SelfEvaluate {
            year: 2026,
            scores: scores(80),
            evidence: "x".into(),
        },
        &profile(),
        today(),
    );
    assert!(matches!(
        other,
        Err(Refusal::Forbidden(_)) | Err(Refusal::NotVisible)
    ));
    let mut short = scores(80);
    short.pop();
    let r = decide(
        &ctx,
        &unit_clerk(),
        Command::SelfEvaluate {
            year: 2026,
            scores: short,
            evidence: "x".into(),
        },
        &profile(),
        today(),
    );
    assert!(matches!(r, Err(Refusal::Invalid { ref field, .. }) if field.starts_with("score_")));
}

// Shaoxing art.33 (重点项目抽查 … 可委托专家组或第三方机构承担)
#[test]
fn spot_check_records_who_checked_and_the_result() {
    let mut ctx = at(Stage::InOperation);
    ctx.evaluations.push(record(2026, 80, None, false));
    let dec = decide(
        &ctx,
        &authority(),
        Command::SpotCheck {
            year: 2026,
            by_kind: "third_party".into(),
            checker: "某评估机构".into(),
            scores: scores(40),
            result: "使用率低".into(),
        },
        &profile(),
        today(),
    )
    .unwrap();
    match &dec.events[0] {
        Event::SpotChecked { check, .. } => {
            assert_eq!(check.checker, "某评估机构");
            assert_eq!(check.total, 40);
        }
        e => panic!("{e:?}"),
    }
    // The unit cannot spot-check itself.
    assert!(decide(
        &ctx,
        &unit_clerk(),
        Command::SpotCheck {
            year: 2026,
            by_kind: "expert".into(),
            checker: "x".into(),
            scores: scores(90),
            result: "x".into()
        },
        &profile(),
        today()
    )
    .is_err());
}

// Shangcheng 第九章 (对低绩且未按期整改的应用，报区政府分管领导批准后，给予强制淘汰)
#[test]
fn forced_retirement_refused_without_the_district_leaders_approval() {
    let mut ctx = at(Stage::InOperation);
    ctx.evaluations
        .push(record(2025, 40, Some(Outcome::Rectify), true));
    ctx.evaluations
        .push(record(2026, 35, Some(Outcome::Retire), false));
    let confirm = |leader: Option<&str>| {
        decide(
            &ctx,
            &authority(),
            Command::ConfirmOutcome {
                year: 2026,
                agree: true,
                leader: leader.map(Into::into),
                leader_date: leader.map(|_| d(2026, 6, 10)),
                opinion: String::new(),
            },
            &profile(),
            today(),
        )
    };
    match confirm(None) {
        Err(Refusal::Rule { message, cite }) => {
            assert!(message.contains("分管领导"));
            assert!(cite.article.contains("第九章"));
        }
        r => panic!("{r:?}"),
    }
    let dec = confirm(Some("张副区长")).unwrap();
    assert_eq!(dec.to, Stage::Ended);
    assert!(dec.events.iter().any(|e| matches!(e, Event::OutcomeConfirmed { outcome: Outcome::Retire, leader: Some(l), .. } if l == "张副区长")));
}

// Shangcheng 第九章 (对低绩且未按期整改的应用 … 强制淘汰): only after a rectification
#[test]
fn forced_retirement_proposed_only_after_a_missed_rectification() {
    let mut ctx = at(Stage::InOperation);
    ctx.evaluations.push(record(2026, 30, None, false));
    let r = decide(
        &ctx,
        &authority(),
        Command::ProposeOutcome {
            year: 2026,
            outcome: Outcome::Retire,
            rectify_by: None,
            reason: "低绩".into(),
        },
        &profile(),
        today(),
    );
    assert!(matches!(r, Err(Refusal::Rule { .. })), "{r:?}");
    // A low score cannot be called 继续运行.
    let r = decide(
        &ctx,
        &authority(),
        Command::ProposeOutcome {
            year: 2026,
            outcome: Outcome::Continue,
            rectify_by: None,
            reason: "x".into(),
        },
        &profile(),
        today(),
    );
    assert!(matches!(r, Err(Refusal::Invalid { .. })), "{r:?}");
}

// Quzhou 三(四) (在项目终验完成正式运行1年后 … 绩效评价)
#[test]
fn first_evaluation_due_one_year_after_final_acceptance() {
    let mut p = profile();
    p.evaluation.first_due_months = Some(12);
    let experts = [expert(1), expert(2), expert(3)];
    let mut ctx = with_panel(
        at(Stage::Accepting),
        PanelPurpose::FinalAcceptance,
        &experts,
    );
    for e in &experts {
        give(&mut ctx, e, true, None);
    }
    let accepted = today();
    let dec = decide(&ctx, &authority(), conclude(accepted), &p, today()).unwrap();
    assert_eq!(dec.to, Stage::InOperation);
    assert!(dec
        .events
        .contains(&Event::FinalAccepted { date: accepted }));
    let ch =
        tongchou_domain::obligation::changes(&ctx.project, &dec, &p, &Calendar::builtin(), today());
    let o = ch
        .new
        .iter()
        .find(|o| o.code == "evaluation_first")
        .expect("obligation");
    assert_eq!(o.due, d(2027, 6, 15));
    assert_eq!(o.owner, tongchou_domain::Role::Unit);
    // The Shangcheng profile sets no such duty.
    let ch = tongchou_domain::obligation::changes(
        &ctx.project,
        &dec,
        &profile(),
        &Calendar::builtin(),
        today(),
    );
    assert!(!ch.new.iter().any(|o| o.code == "evaluation_first"));
}

// Quzhou 二(二)9 (经检查列入“僵尸系统”的单位，原则上2年内不得申报数字化项目需求)
#[test]
fn zombie_listed_unit_is_warned_for_two_years_and_may_go_ahead_with_a_reason() {
    let mut ctx = at(Stage::Draft);
    ctx.eligibility
        .zombies
        .push(("旧审批系统".into(), d(2025, 3, 1)));
    match declare(&ctx, None) {
        Err(Refusal::NeedsOverride {
            rule,
            message,
            cite,
        }) => {
            assert_eq!(rule, "zombie_bar");
            assert!(message.contains("2027-03-01"), "{message}");
            assert!(cite.article.contains("二(二)9"));
        }
        r => panic!("{r:?}"),
    }
    let dec = declare(&ctx, Some("上级部署的急需项目")).unwrap();
    assert!(dec
        .events
        .iter()
        .any(|e| matches!(e, Event::OverrideRecorded { rule, .. } if rule == "zombie_bar")));
    // Two years on, no bar.
    let b = bars(
        &ctx.eligibility,
        BuildKind::New,
        &profile().evaluation,
        d(2027, 3, 1),
    );
    assert!(b.is_empty());
}

// Shangcheng 第十章 (应用建成使用不满两年而停用 … 取消该单位下一年度的项目申报资格)
#[test]
fn application_stopped_within_two_years_bars_next_year() {
    let mut ctx = at(Stage::Draft);
    ctx.eligibility
        .stops
        .push(("旧预约系统".into(), d(2024, 9, 1), d(2025, 12, 1)));
    match declare(&ctx, Some("理由无效：硬性规定")) {
        Err(Refusal::Rule { message, cite }) => {
            assert!(
                message.contains("2026 年度") && message.contains("2026-12-31"),
                "{message}"
            );
            assert!(cite.article.contains("第十章"));
        }
        r => panic!("{r:?}"),
    }
    let b = bars(
        &ctx.eligibility,
        BuildKind::New,
        &profile().evaluation,
        d(2026, 6, 1),
    );
    assert_eq!(b[0].until, Some(d(2027, 1, 1)));
    // Stopped after more than two years: no bar.
    let facts = EligibilityFacts {
        stops: vec![("x".into(), d(2022, 1, 1), d(2025, 12, 1))],
        ..Default::default()
    };
    assert!(bars(&facts, BuildKind::New, &profile().evaluation, d(2026, 6, 1)).is_empty());
}

// Shaoxing art.7(六) (未完善历年政务信息化项目建设情况的单位，原则上不得申报新增项目)
#[test]
fn unfinished_records_of_earlier_projects_need_a_reason() {
    let mut ctx = at(Stage::Draft);
    ctx.eligibility.unfinished.push((
        "2024 年项目".into(),
        "合同文件生成后5个工作日内备案".into(),
        d(2025, 1, 10),
    ));
    match declare(&ctx, None) {
        Err(Refusal::NeedsOverride { rule, message, .. }) => {
            assert_eq!(rule, "unfinished_records");
            assert!(
                message.contains("2025-01-10") && message.contains("完成后"),
                "{message}"
            );
        }
        r => panic!("{r:?}"),
    }
    assert!(declare(&ctx, Some("备案已补交，系统待更新")).is_ok());
}

// Shangcheng 第五章 项目申报 (迭代升级的业务应用系统，还须通过绩效评价)
#[test]
fn upgrade_refused_while_the_units_system_has_not_passed_evaluation() {
    let mut ctx = at(Stage::Draft);
    ctx.eligibility
        .unpassed
        .push(("办事系统".into(), Outcome::Rectify));
    ctx.project.input.build_kind = BuildKind::Upgrade;
    match declare(&ctx, None) {
        Err(Refusal::Rule { message, cite }) => {
            assert!(message.contains("限期整改"), "{message}");
            // A6: says until when — until the system passes its evaluation.
            assert!(message.contains("至该系统绩效评价通过为止"), "{message}");
            assert!(cite.article.contains("项目申报"));
        }
        r => panic!("{r:?}"),
    }
    // A new build is not an upgrade.
    ctx.project.input.build_kind = BuildKind::New;
    assert!(declare(&ctx, None).is_ok());
}

// Shaoxing art.34 (拒不整改或整改后仍不符合要求的，暂缓其后续项目审核)
#[test]
fn suspended_unit_is_refused_until_rectified() {
    let facts = EligibilityFacts {
        suspended: vec![("x".into(), 2025)],
        ..Default::default()
    };
    let b = bars(&facts, BuildKind::New, &profile().evaluation, today());
    assert!(b[0].hard && b[0].until.is_none() && b[0].cite.article.contains("第三十四条"));
}

// Shaoxing art.34 (对没有实现项目建设目标的，督促项目建设单位限期整改)
#[test]
fn confirmed_rectification_becomes_an_obligation_the_units_report_fulfils() {
    let mut ctx = at(Stage::InOperation);
    let mut r = record(2026, 45, Some(Outcome::Rectify), false);
    r.rectify_by = Some(d(2026, 9, 30));
    ctx.evaluations.push(r);
    let dec = decide(
        &ctx,
        &authority(),
        Command::ConfirmOutcome {
            year: 2026,
            agree: true,
            leader: None,
            leader_date: None,
            opinion: String::new(),
        },
        &profile(),
        today(),
    )
    .unwrap();
    let ch = tongchou_domain::obligation::changes(
        &ctx.project,
        &dec,
        &profile(),
        &Calendar::builtin(),
        today(),
    );
    let o = ch
        .new
        .iter()
        .find(|o| o.code == "evaluation_rectify_2026")
        .expect("obligation");
    assert_eq!(o.due, d(2026, 9, 30));
    assert!(o.cite.article.contains("第三十四条"));
    ctx.evaluations[0].confirmed = true;
    let rep = decide(
        &ctx,
        &unit_clerk(),
        Command::ReportRectification {
            year: 2026,
            note: "已完成整改".into(),
        },
        &profile(),
        today(),
    )
    .unwrap();
    let ch = tongchou_domain::obligation::changes(
        &ctx.project,
        &rep,
        &profile(),
        &Calendar::builtin(),
        today(),
    );
    assert_eq!(
        ch.fulfil,
        vec![("evaluation_rectify_2026".to_string(), today())]
    );
}

// [product] statistics are for the authority, departments, leaders and audit
#[test]
fn statistics_are_not_for_units_experts_or_companies() {
    use tongchou_domain::evaluation::can_view_statistics;
    assert!(can_view_statistics(&authority()));
    assert!(can_view_statistics(&finance()));
    assert!(can_view_statistics(&audit()));
    assert!(!can_view_statistics(&unit_clerk()));
    assert!(!can_view_statistics(&expert(1)));
}

#[allow(dead_code)]
fn _spot(_: SpotCheck) {}

// ZJ-share 三（五）: 组织专家和有关部门对应用进行绩效评估，梳理最佳应用清单，推荐参与“争先制”评选
// (E5) — an outcome the authority proposes and confirms, only for a passing score.
#[test]
fn best_application_list_and_nomination_need_a_passing_score() {
    let propose = |ctx: &ProjectContext| {
        decide(
            ctx,
            &authority(),
            Command::ProposeOutcome {
                year: 2026,
                outcome: Outcome::Best,
                rectify_by: None,
                reason: "应用成效突出，跨部门复用 6 家".into(),
            },
            &profile(),
            today(),
        )
    };
    let mut ctx = at(Stage::InOperation);
    ctx.evaluations.push(record(2026, 92, None, false));
    let dec = propose(&ctx).unwrap();
    assert!(dec.events.iter().any(|e| matches!(
        e,
        Event::OutcomeProposed {
            outcome: Outcome::Best,
            ..
        }
    )));
    assert!(Outcome::Best.label().contains("争先制"));
    ctx.evaluations[0] = record(2026, 50, None, false);
    assert!(
        matches!(propose(&ctx), Err(Refusal::Invalid { .. })),
        "a failing score is not a best application"
    );
    // Confirmed, it stays in operation (no consequence but the list).
    ctx.evaluations[0] = record(2026, 92, Some(Outcome::Best), false);
    let dec = decide(
        &ctx,
        &authority(),
        Command::ConfirmOutcome {
            year: 2026,
            agree: true,
            leader: None,
            leader_date: None,
            opinion: String::new(),
        },
        &profile(),
        today(),
    )
    .unwrap();
    assert_eq!(dec.to, Stage::InOperation);
}

// ZJ-plan 四(四): 项目验收、预算绩效评价、专项审计和基层用户评价相结合 — the users of an application
// in operation (units of its jurisdiction or below) rate it 1–5 stars; the builder, the city above,
// experts and audit do not; the average × 20 is the 基层用户评价 indicator's score.
#[test]
fn users_of_an_application_rate_it_and_the_average_scores_the_indicator() {
    use tongchou_domain::evaluation::{check_rating, user_rating_score};
    let ctx = at(Stage::InOperation);
    let p = &ctx.project;
    assert!(check_rating(&other_clerk(), p, 4, "好用").is_ok());
    for a in [unit_clerk(), city_authority(), expert(1), audit()] {
        assert!(
            matches!(check_rating(&a, p, 4, ""), Err(Refusal::Forbidden(_))),
            "{}",
            a.name
        );
    }
    for stars in [0, 6] {
        assert!(matches!(
            check_rating(&other_clerk(), p, stars, ""),
            Err(Refusal::Invalid { .. })
        ));
    }
    assert!(matches!(
        check_rating(&other_clerk(), p, 3, &"长".repeat(501)),
        Err(Refusal::Invalid { .. })
    ));
    let building = at(Stage::InConstruction);
    assert!(matches!(
        check_rating(&other_clerk(), &building.project, 4, ""),
        Err(Refusal::WrongStage { .. })
    ));
    assert_eq!(user_rating_score(0, 0), None);
    assert_eq!(user_rating_score(2, 7), Some(70));
    assert_eq!(user_rating_score(3, 13), Some(87));
    assert_eq!(user_rating_score(1, 5), Some(100));
}
