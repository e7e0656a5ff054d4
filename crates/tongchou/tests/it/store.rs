//! Store contract: the same calls on SQLite and PostgreSQL give the same answers.
use crate::support::{database, Backend};
use tongchou_domain::lifecycle::{decide, Command};
use tongchou_domain::permission::list_scope;
use tongchou_domain::{Stage, Yuan};
use tongchou_store::project::ListFilter;
use tongchou_store::StoreError;
use tongchou_testkit::{seed_world, Walker};
use tongchou_web::AppState;

async fn contract(backend: Backend) {
    let Some((db, _url, dir)) = database(backend).await else {
        return;
    };
    let world = seed_world(&db, Some("$argon2id$v=19$m=19456,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")).await.unwrap();
    let st = AppState::new(db.clone(), dir.join("data"));
    let today = tongchou_store::today();
    let walker = Walker::new(&st, &world, today);
    let mut ids = Vec::new();
    for (i, target) in [
        Stage::Draft,
        Stage::ComplianceReview,
        Stage::Approved,
        Stage::InOperation,
        Stage::Ended,
    ]
    .into_iter()
    .enumerate()
    {
        let input = tongchou_domain::project::ProjectInput {
            name: format!("契约测试项目{i}"),
            year: 2027,
            build_kind: tongchou_domain::project::BuildKind::Upgrade,
            category: tongchou_domain::project::Category::Data,
            it_amount: Yuan::from_yuan(1_000_000),
            non_it_amount: Yuan::ZERO,
            security_amount: Yuan::from_yuan(60_000),
            funding: tongchou_domain::project::Funding::DistrictFiscal,
            summary: "契约测试用项目概述，覆盖存储接口。".into(),
            participants: vec!["甲".into(), "乙".into()],
            responsible_person: "测试".into(),
            major_task: None,
            gov_function: None,
        };
        let p = db
            .create_project(world.actor("jyj"), &input, "shangcheng")
            .await
            .unwrap();
        assert_eq!(p.input, input, "round trip of every field");
        if target != Stage::Draft {
            walker.walk(p.id, "jyj", target).await.unwrap();
        }
        let got = db.project(p.id).await.unwrap();
        assert_eq!(got.stage, target);
        ids.push(p.id);
    }
    // Money and dates survive exactly.
    let op = db.project(ids[3]).await.unwrap();
    assert_eq!(
        op.approved_amount,
        Some(Yuan::from_fen(op.final_amount.unwrap().fen()))
    );
    assert!(op.approval_no.as_deref().unwrap().starts_with("上数资"));
    assert!(op.initial_acceptance_date.is_some());
    assert_eq!(
        db.contract(ids[3]).await.unwrap().unwrap().supplier,
        "浙江数智科技有限公司"
    );
    assert_eq!(db.panels(ids[3]).await.unwrap().len(), 3);
    assert_eq!(db.preliminary_scores(ids[3]).await.unwrap().len(), 5);
    // Scoped lists.
    let count = |who: &str, f: ListFilter| {
        let db = db.clone();
        let scope = list_scope(world.actor(who));
        async move { db.list_projects(&scope, &f).await.unwrap().1 }
    };
    let all = ListFilter {
        page: 1,
        per_page: 100,
        ..Default::default()
    };
    assert_eq!(
        count("jyj", all.clone()).await,
        5,
        "own unit sees all its projects"
    );
    assert_eq!(count("sjs", all.clone()).await, 5, "audit sees everything");
    assert_eq!(
        count("sjj", all.clone()).await,
        4,
        "the authority sees declared projects only"
    );
    assert_eq!(
        count("wjw", all.clone()).await,
        2,
        "another unit sees approved-or-later only"
    );
    assert_eq!(
        count("zj1", all.clone()).await,
        2,
        "an expert sees only the projects of panels they sat on (approved and in operation)"
    );
    assert_eq!(
        count(
            "sjj",
            ListFilter {
                stages: vec![Stage::InOperation],
                ..all.clone()
            }
        )
        .await,
        1
    );
    assert_eq!(
        count(
            "sjj",
            ListFilter {
                q: Some("测试项目3".into()),
                ..all.clone()
            }
        )
        .await,
        1
    );
    // A stale context cannot be applied twice: version check.
    let ctx = db.context(ids[0]).await.unwrap();
    let d = decide(
        &ctx,
        world.actor("jyj"),
        Command::Withdraw { reason: "x".into() },
        &st.profile(),
        today,
    )
    .unwrap();
    db.apply(
        &ctx,
        world.actor("jyj"),
        &d,
        &Default::default(),
        "shangcheng",
    )
    .await
    .unwrap();
    let again = db
        .apply(
            &ctx,
            world.actor("jyj"),
            &d,
            &Default::default(),
            "shangcheng",
        )
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    // A large result is paged by walking the newest rows: same answers as a small one.
    let gen: Vec<tongchou_store::project::GeneratedProject> = (0..3_300)
        .map(|i| tongchou_store::project::GeneratedProject {
            name: format!("批量项目{i:04}"),
            year: 2025 + (i % 2) as i32,
            stage: if i % 3 == 0 {
                Stage::InOperation
            } else {
                Stage::InConstruction
            },
            it_fen: 100_000,
            with_docs: false,
        })
        .collect();
    let gen_ids = db
        .generate_projects(world.actor("wjw"), &gen, 500)
        .await
        .unwrap();
    let big = ListFilter {
        stages: vec![Stage::InConstruction],
        ..all.clone()
    };
    let (page1, total) = db
        .list_projects(&list_scope(world.actor("sjj")), &big)
        .await
        .unwrap();
    assert_eq!(
        total, 2_200,
        "3,300 generated, two in three under construction (dense: at least 2,000 matches)"
    );
    let expected: Vec<i64> = gen_ids
        .iter()
        .rev()
        .copied()
        .filter(|id| (id - gen_ids[0]) % 3 != 0)
        .take(100)
        .collect();
    assert_eq!(
        page1.iter().map(|p| p.id).collect::<Vec<_>>(),
        expected,
        "newest first, only matching rows"
    );
    let (page2, _) = db
        .list_projects(
            &list_scope(world.actor("sjj")),
            &ListFilter {
                page: 2,
                ..big.clone()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        page2.first().map(|p| p.id),
        expected.last().map(|l| gen_ids
            .iter()
            .rev()
            .copied()
            .filter(|id| (id - gen_ids[0]) % 3 != 0 && id < l)
            .next()
            .unwrap())
    );
    let (y, ty) = db
        .list_projects(
            &list_scope(world.actor("sjj")),
            &ListFilter {
                year: Some(2026),
                ..big.clone()
            },
        )
        .await
        .unwrap();
    assert_eq!(ty, 1_100);
    assert!(y
        .iter()
        .all(|p| p.year == 2026 && p.stage == Stage::InConstruction));
    // The monthly sweep creates each month's report obligation once, however often it runs
    // (two at once, as two server processes would).
    let profile = tongchou_domain::profile::Profile::shangcheng();
    let (a, b) = tokio::join!(
        db.sweep_monthly_reports(today, &profile),
        db.sweep_monthly_reports(today, &profile)
    );
    let created = a.unwrap() + b.unwrap();
    let in_construction = db
        .list_projects(
            &list_scope(world.actor("sjs")),
            &ListFilter {
                stages: vec![Stage::InConstruction],
                ..all.clone()
            },
        )
        .await
        .unwrap()
        .1;
    let code = format!("progress_{}", today.strftime("%Y-%m"));
    let mut with_month = 0;
    for p in db
        .list_projects(
            &list_scope(world.actor("sjs")),
            &ListFilter {
                stages: vec![Stage::InConstruction],
                per_page: 500,
                ..all.clone()
            },
        )
        .await
        .unwrap()
        .0
        .iter()
        .take(50)
    {
        let obs = db
            .obligations(tongchou_domain::ProjectId(p.id))
            .await
            .unwrap();
        assert_eq!(obs.iter().filter(|o| o.code == code).count(), 1);
        with_month += 1;
    }
    assert!(with_month > 0 && created as i64 <= in_construction);
    assert_eq!(
        db.sweep_monthly_reports(today, &profile).await.unwrap(),
        0,
        "a third run creates nothing"
    );
    // The chains are intact.
    let n = db.verify_history().await.unwrap().unwrap();
    assert!(n > 3_350, "{n}");
    assert!(db.ping().await);
}

#[tokio::test]
async fn store_contract_sqlite() {
    contract(Backend::Sqlite).await;
}

#[tokio::test]
async fn store_contract_postgres() {
    contract(Backend::Postgres).await;
}

/// Concurrent transitions: every one on its own project succeeds and is durable; of two on the
/// same project exactly one wins (409 for the other) even when both ride in one SQLite group
/// commit, and the failed one leaves nothing behind (its savepoint is rolled back alone).
async fn concurrent_writes(backend: Backend) {
    let Some((db, _url, dir)) = database(backend).await else {
        return;
    };
    let world = seed_world(&db, Some("$argon2id$v=19$m=19456,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")).await.unwrap();
    let st = AppState::new(db.clone(), dir.join("data"));
    let today = tongchou_store::today();
    let gen: Vec<tongchou_store::project::GeneratedProject> = (0..40)
        .map(|i| tongchou_store::project::GeneratedProject {
            name: format!("并发项目{i:02}"),
            year: 2027,
            stage: Stage::Draft,
            it_fen: 100_000,
            with_docs: true,
        })
        .collect();
    let ids: Vec<tongchou_domain::ProjectId> = db
        .generate_projects(world.actor("jyj"), &gen, 100)
        .await
        .unwrap()
        .into_iter()
        .map(tongchou_domain::ProjectId)
        .collect();
    let before = db.verify_history().await.unwrap().unwrap();
    let actor = world.actor("jyj").clone();
    let profile = st.profile();
    // Two contexts of the first project, loaded before either write: both see version v.
    let twin = db.context(ids[0]).await.unwrap();
    // Load every context first, then start every write at once, so that they queue together.
    let mut ctxs = vec![twin.clone()];
    for id in &ids[1..] {
        ctxs.push(db.context(*id).await.unwrap());
    }
    let mut tasks = Vec::new();
    for (n, ctx) in ctxs.into_iter().enumerate() {
        for _ in 0..if n == 0 { 2 } else { 1 } {
            let (db, actor, profile, ctx) =
                (db.clone(), actor.clone(), profile.clone(), ctx.clone());
            // Every fourth project's write fails after it has written (a duplicate score row
            // hits a unique key): only its own savepoint may be rolled back.
            let poisoned = n % 4 == 3;
            tasks.push(tokio::spawn(async move {
                let mut d = decide(
                    &ctx,
                    &actor,
                    Command::Declare {
                        urgent: None,
                        override_reason: Some("并发测试".into()),
                    },
                    &profile,
                    today,
                )
                .unwrap();
                if poisoned {
                    let score = tongchou_domain::lifecycle::Event::PreliminaryScored {
                        department: tongchou_domain::Role::Finance,
                        scores: vec![],
                        total: 80,
                        pass: true,
                    };
                    d.events.push(score.clone());
                    d.events.push(score);
                }
                db.apply(&ctx, &actor, &d, &Default::default(), "shangcheng")
                    .await
                    .map(|p| p.id)
            }));
        }
    }
    let (mut ok, mut conflicts) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(StoreError::Conflict(_)) => conflicts += 1,
            Err(e) => panic!("unexpected error: {e:?}"),
        }
    }
    assert_eq!(
        (ok, conflicts),
        (30, 11),
        "each sound project declared once; the twin and the ten poisoned writes refused"
    );
    for (n, id) in ids.iter().enumerate() {
        let p = db.project(*id).await.unwrap();
        let poisoned = n % 4 == 3;
        assert_eq!(
            p.stage,
            if poisoned {
                Stage::Draft
            } else {
                Stage::ComplianceReview
            },
            "project {n}"
        );
        assert_eq!(
            db.history(*id).await.unwrap().len(),
            if poisoned { 1 } else { 2 },
            "one history entry per declaration, none left by a refused write"
        );
        assert!(
            db.preliminary_scores(*id).await.unwrap().is_empty(),
            "a refused write leaves no row behind"
        );
    }
    let after = db.verify_history().await.unwrap().unwrap();
    assert_eq!(after, before + 30, "every chain intact");
}

#[tokio::test]
async fn concurrent_transitions_all_durable_one_winner_per_project_sqlite() {
    concurrent_writes(Backend::Sqlite).await;
}

#[tokio::test]
async fn concurrent_transitions_all_durable_one_winner_per_project_postgres() {
    concurrent_writes(Backend::Postgres).await;
}
