//! Domain tests of 挂图作战、对账销号 (SPEC P3; ZJ-plan 四(一)), plan indicators (P4; ZJ-plan 一)
//! and the 观星台's eligibility (P2; ZJ-plan 四(三)). Each test cites the article it checks.

mod support;

use support::*;
use tongchou_domain::lifecycle::Refusal;
use tongchou_domain::project::Project;
use tongchou_domain::showcase;
use tongchou_domain::tasks::{
    self, apply, decide, Evidence, PlanIndicator, Progress, Task, TaskCommand, TaskDecision,
    TaskInput, TaskKind, TaskState,
};
use tongchou_domain::{Actor, Stage};

fn input(owner: &Actor) -> TaskInput {
    TaskInput {
        kind: TaskKind::Milestone,
        title: "完成数据归集".into(),
        owner_unit_id: owner.unit_id,
        owner_unit_name: owner.unit_name.clone(),
        owner_person: "林晓".into(),
        due: d(2026, 6, 10),
        indicator: "归集数据表 30 张".into(),
    }
}

fn stored(d: &TaskDecision) -> Task {
    let tasks::TaskEvent::Added { input } = &d.event else {
        panic!("not an addition: {d:?}");
    };
    Task {
        id: 1,
        project_id: 1,
        input: input.clone(),
        state: TaskState::Open,
        evidence: None,
        closed_note: None,
        closed_on: None,
        closed_by: None,
        confirmed_on: None,
        confirmed_by: None,
        reject_reason: None,
        rejections: 0,
        version: 1,
    }
}

fn project() -> Project {
    at(Stage::InConstruction).project
}

fn run(t: Option<&Task>, a: &Actor, cmd: TaskCommand) -> Result<TaskDecision, Refusal> {
    decide(&project(), t, a, cmd, &profile(), today())
}

fn reference(r: &str) -> Evidence {
    Evidence {
        attachment: None,
        reference: r.into(),
    }
}

#[test]
fn closing_without_evidence_is_refused_citing_the_plan() {
    // ZJ-plan 四(一) 挂图作战、对账销号
    let t = stored(&run(None, &unit_clerk(), TaskCommand::Add(input(&unit_clerk()))).unwrap());
    let r = run(
        Some(&t),
        &unit_clerk(),
        TaskCommand::Close {
            evidence: reference("   "),
            note: "已完成".into(),
        },
    );
    match r {
        Err(Refusal::Rule { cite, .. }) => assert!(cite.article.contains("四（一）"), "{cite}"),
        other => panic!("{other:?}"),
    }
    // A document of the project, or a reference, is evidence.
    for ev in [
        reference("浙数改〔2026〕1号"),
        Evidence {
            attachment: Some((7, "报告.pdf".into())),
            reference: String::new(),
        },
    ] {
        let d = run(
            Some(&t),
            &unit_clerk(),
            TaskCommand::Close {
                evidence: ev,
                note: String::new(),
            },
        )
        .unwrap();
        assert_eq!(d.action, "task_close");
    }
}

#[test]
fn the_owner_closes_the_handling_authority_reconciles_and_a_rejection_reopens() {
    // ZJ-plan 四(一): 明确责任分工 (the owner closes), 对账销号 (the authority checks)
    let mut t = stored(&run(None, &unit_clerk(), TaskCommand::Add(input(&other_clerk()))).unwrap());
    let close = || TaskCommand::Close {
        evidence: reference("联调报告"),
        note: String::new(),
    };
    // The project's unit keeps the task, the owner unit closes it.
    assert!(matches!(
        run(Some(&t), &unit_clerk(), close()),
        Err(Refusal::Forbidden(_))
    ));
    assert!(matches!(
        run(
            None,
            &other_clerk(),
            TaskCommand::Add(input(&other_clerk()))
        ),
        Err(Refusal::Forbidden(_))
    ));
    let d = run(Some(&t), &other_clerk(), close()).unwrap();
    apply(&mut t, &d.event);
    assert_eq!(t.state, TaskState::Closed);
    // Only the authority of the handling level reconciles: not the units, not the city above,
    // not a sibling district.
    for a in [
        unit_clerk(),
        other_clerk(),
        city_authority(),
        outside_authority(),
        audit(),
    ] {
        assert!(
            matches!(
                run(
                    Some(&t),
                    &a,
                    TaskCommand::Confirm {
                        note: String::new()
                    }
                ),
                Err(Refusal::Forbidden(_))
            ),
            "{}",
            a.name
        );
    }
    // A rejection needs a reason and reopens the item.
    assert!(matches!(
        run(
            Some(&t),
            &authority(),
            TaskCommand::Reject { reason: " ".into() }
        ),
        Err(Refusal::Invalid { .. })
    ));
    let d = run(
        Some(&t),
        &authority(),
        TaskCommand::Reject {
            reason: "佐证不全".into(),
        },
    )
    .unwrap();
    apply(&mut t, &d.event);
    assert_eq!(t.state, TaskState::Open);
    assert_eq!(t.reject_reason.as_deref(), Some("佐证不全"));
    assert!(matches!(
        run(
            Some(&t),
            &authority(),
            TaskCommand::Confirm {
                note: String::new()
            }
        ),
        Err(Refusal::WrongStage { .. })
    ));
    let d = run(Some(&t), &other_clerk(), close()).unwrap();
    apply(&mut t, &d.event);
    let d = run(
        Some(&t),
        &authority(),
        TaskCommand::Confirm {
            note: String::new(),
        },
    )
    .unwrap();
    apply(&mut t, &d.event);
    assert_eq!(t.state, TaskState::Confirmed);
    assert!(matches!(
        run(Some(&t), &other_clerk(), close()),
        Err(Refusal::WrongStage { .. })
    ));
}

#[test]
fn an_open_item_past_its_due_date_is_overdue_in_calendar_days() {
    // ZJ-plan 四(一) (the board flags what is late); the due day itself is still in time.
    let mut t = stored(&run(None, &unit_clerk(), TaskCommand::Add(input(&unit_clerk()))).unwrap());
    t.input.due = today();
    assert!(!t.overdue(today()));
    t.input.due = today().yesterday().unwrap();
    assert!(t.overdue(today()));
    assert_eq!(t.days_overdue(today()), 1);
    let p = Progress::of([&t], today());
    assert_eq!((p.total, p.overdue, p.percent()), (1, 1, 0));
    t.state = TaskState::Closed;
    assert!(
        !t.overdue(today()),
        "closed on time or late, it awaits 对账, not overdue"
    );
}

#[test]
fn an_ended_project_takes_no_task_changes() {
    // ZJ-plan 四(一) [product]: an ended project's board is read-only.
    let p = at(Stage::Ended).project;
    let r = decide(
        &p,
        None,
        &unit_clerk(),
        TaskCommand::Add(input(&unit_clerk())),
        &profile(),
        today(),
    );
    assert!(matches!(r, Err(Refusal::WrongStage { .. })), "{r:?}");
}

#[test]
fn indicators_are_for_reporting_and_apply_below_where_they_are_kept() {
    // ZJ-plan 一: targets and years; P4 (reporting only): a link needs the project's unit and a note.
    let ind = PlanIndicator {
        id: 1,
        jurisdiction_id: 1,
        jurisdiction_path: "/1/".into(),
        jurisdiction_name: "浙江省".into(),
        input: tasks::zj_plan_indicators().remove(1),
        version: 1,
    };
    assert_eq!(ind.input.target, "85%以上");
    let p = project();
    assert!(
        p.jurisdiction_path.starts_with("/1/"),
        "{}",
        p.jurisdiction_path
    );
    assert!(tasks::decide_link(&unit_clerk(), &p, &ind, "新增 120 项全程网办").is_ok());
    assert!(matches!(
        tasks::decide_link(&unit_clerk(), &p, &ind, ""),
        Err(Refusal::Invalid { .. })
    ));
    assert!(matches!(
        tasks::decide_link(&other_clerk(), &p, &ind, "x"),
        Err(Refusal::Forbidden(_))
    ));
    let elsewhere = PlanIndicator {
        jurisdiction_path: "/9/".into(),
        ..ind.clone()
    };
    assert!(tasks::decide_link(&unit_clerk(), &p, &elsewhere, "x").is_err());
    // Kept by a province or city authority only.
    assert!(tasks::may_maintain_indicators(&city_authority()));
    assert!(!tasks::may_maintain_indicators(&authority()));
    assert!(!tasks::may_maintain_indicators(&unit_clerk()));
}

#[test]
fn showcase_cases_come_from_accepted_projects_or_the_best_list() {
    // ZJ-plan 四(三) 观星台 典型示范项目; SPEC E5 (best-application list, 争先制)
    assert!(showcase::project_eligible(Stage::InOperation).is_ok());
    for s in [Stage::InConstruction, Stage::Accepting, Stage::Ended] {
        assert!(matches!(
            showcase::project_eligible(s),
            Err(Refusal::Rule { .. })
        ));
    }
    assert!(showcase::listing_eligible(true, false).is_ok());
    assert!(showcase::listing_eligible(false, true).is_ok());
    assert!(showcase::listing_eligible(false, false).is_err());
    assert!(showcase::may_curate(&authority()));
    assert!(!showcase::may_curate(&unit_clerk()));
}
