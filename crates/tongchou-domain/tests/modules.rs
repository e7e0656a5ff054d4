//! Module-by-module initial acceptance (SPEC C1, C2): Quzhou lets a project be initially accepted
//! module by module, final acceptance no earlier than 3 months after the LAST module; Shangcheng
//! accepts the project as a whole.

mod support;

use support::*;
use tongchou_domain::lifecycle::{decide, Command, Event, Refusal};
use tongchou_domain::profile::{Citation, Profile};
use tongchou_domain::project::{ModuleAcceptance, ProjectContext};
use tongchou_domain::{Date, Stage};

const SC: &str = "上城区电子政务项目管理办法（征求意见稿）";
const QZ: &str = "衢州市人民政府办公室关于政府投资数字化项目全生命周期管理的实施意见";

fn accept(module: &str, date: Date, n: usize, last: bool) -> Command {
    Command::AcceptModule {
        module: module.into(),
        date,
        panel: (1..=n).map(|i| format!("专家{i}")).collect(),
        last,
        opinion: "功能完成，同意通过初验".into(),
    }
}

fn module(name: &str, date: Date, last: bool) -> ModuleAcceptance {
    ModuleAcceptance {
        module: name.into(),
        date,
        panel: vec!["甲".into(), "乙".into(), "丙".into()],
        last,
    }
}

fn qz(
    ctx: &ProjectContext,
    cmd: Command,
    on: Date,
) -> Result<tongchou_domain::lifecycle::Decision, Refusal> {
    decide(ctx, &unit_clerk(), cmd, &Profile::quzhou(), on)
}

// Quzhou 三(三)5 (项目初验由业主单位自行组织，大型项目可分模块、分功能、分阶段进行初验)
#[test]
fn quzhou_module_initial_acceptance_keeps_building_until_the_last_module() {
    let ctx = at(Stage::InConstruction);
    let dec = qz(
        &ctx,
        accept("统一门户", d(2026, 3, 2), 3, false),
        d(2026, 3, 2),
    )
    .unwrap();
    assert_eq!(dec.to, Stage::InConstruction);
    assert!(
        matches!(&dec.events[0], Event::ModuleAccepted { module, last: false, .. } if module == "统一门户")
    );
    assert_eq!(dec.events.len(), 1);

    let mut ctx = at(Stage::InConstruction);
    ctx.modules = vec![module("统一门户", d(2026, 3, 2), false)];
    let dec = qz(
        &ctx,
        accept("数据中台", d(2026, 4, 10), 5, true),
        d(2026, 4, 10),
    )
    .unwrap();
    assert_eq!(dec.to, Stage::TrialRun);
    assert_eq!(
        dec.events[1],
        Event::InitialAccepted {
            date: d(2026, 4, 10)
        }
    );
}

// Quzhou 三(三)5 with the acceptance panel as today (3人（含）以上单数), a module accepted once,
// and modules in date order (so the last is the latest).
#[test]
fn quzhou_module_acceptance_needs_an_odd_panel_of_three_and_a_new_module() {
    let mut ctx = at(Stage::InConstruction);
    for (cmd, field) in [
        (accept("统一门户", d(2026, 3, 2), 2, false), "panel"),
        (accept("统一门户", d(2026, 3, 2), 4, false), "panel"),
        (accept("  ", d(2026, 3, 2), 3, false), "module"),
        (accept("统一门户", d(2026, 7, 1), 3, false), "date"),
    ] {
        match qz(&ctx, cmd, d(2026, 6, 15)) {
            Err(Refusal::Invalid { field: f, .. }) => assert_eq!(f, field),
            other => panic!("expected Invalid({field}), got {other:?}"),
        }
    }
    ctx.modules = vec![module("统一门户", d(2026, 3, 2), false)];
    for (cmd, field) in [
        (accept("统一门户", d(2026, 4, 2), 3, false), "module"),
        (accept("数据中台", d(2026, 3, 1), 3, false), "date"),
    ] {
        match qz(&ctx, cmd, d(2026, 6, 15)) {
            Err(Refusal::Invalid { field: f, .. }) => assert_eq!(f, field),
            other => panic!("expected Invalid({field}), got {other:?}"),
        }
    }
}

fn trial_after_modules() -> ProjectContext {
    let mut ctx = at(Stage::TrialRun);
    ctx.modules = vec![
        module("统一门户", d(2026, 1, 10), false),
        module("数据中台", d(2026, 3, 10), true),
    ];
    ctx.project.initial_acceptance_date = Some(d(2026, 3, 10));
    ctx
}

fn apply() -> Command {
    Command::ApplyAcceptance {
        conditions: all_true(&Profile::quzhou().acceptance_conditions),
    }
}

// Quzhou 三(三)5 (项目全部功能模块完成初验3个月后，业主单位向市智慧办提出竣工验收申请)
#[test]
fn quzhou_final_acceptance_refused_before_3_months_after_the_last_module() {
    // 3 months after the first module (2026-04-10) but not after the last (2026-06-10).
    match qz(&trial_after_modules(), apply(), d(2026, 6, 9)) {
        Err(Refusal::Rule { message, cite }) => {
            assert_eq!(cite, Citation::new(QZ, "三(三)5 项目验收"));
            assert!(message.contains("2026-06-10"), "{message}");
        }
        other => panic!("expected the 3-month rule, got {other:?}"),
    }
}

// Quzhou 三(三)5 (3个月后 may apply)
#[test]
fn quzhou_final_acceptance_allowed_3_months_after_the_last_module() {
    let dec = qz(&trial_after_modules(), apply(), d(2026, 6, 10)).unwrap();
    assert_eq!(dec.to, Stage::AcceptanceApplied);
}

// Shangcheng 第八章 项目验收 (遵循“整体立项，整体验收”要求)
#[test]
fn shangcheng_project_cannot_be_accepted_by_module() {
    match run(
        &at(Stage::InConstruction),
        &unit_clerk(),
        accept("统一门户", d(2026, 6, 1), 3, false),
    ) {
        Err(Refusal::Rule { message, cite }) => {
            assert_eq!(cite, Citation::new(SC, "第八章 项目验收"));
            assert!(message.contains("整体立项，整体验收"), "{message}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

// Quzhou 三(三)5: only the project's own unit organises its initial acceptance.
#[test]
fn module_acceptance_by_another_unit_is_refused() {
    let r = decide(
        &at(Stage::InConstruction),
        &authority(),
        accept("统一门户", d(2026, 6, 1), 3, false),
        &Profile::quzhou(),
        d(2026, 6, 15),
    );
    assert!(r.is_err(), "{r:?}");
}

// Quzhou 三(三)5 (3个月后 is a minimum): a long wait is only flagged; the earliest date counts
// from the last module, and an application a year later still goes ahead.
#[test]
fn quzhou_long_wait_after_the_last_module_is_not_blocked() {
    let ctx = trial_after_modules();
    assert_eq!(
        tongchou_domain::lifecycle::final_acceptance_earliest(&ctx, &Profile::quzhou()),
        Some(d(2026, 6, 10))
    );
    assert_eq!(
        tongchou_domain::lifecycle::final_acceptance_earliest(&ctx, &Profile::shangcheng()),
        None
    );
    let dec = qz(&ctx, apply(), d(2027, 3, 10)).unwrap();
    assert_eq!(dec.to, Stage::AcceptanceApplied);
}
