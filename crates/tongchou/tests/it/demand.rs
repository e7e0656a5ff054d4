//! Issue 5, first half, over HTTP on SQLite and PostgreSQL: a need rolls up district → city →
//! province, becomes a proposal, is argued and included in the 一本账, becomes a published library
//! item readable without login; the chain links both ways on the pages; permissions of every
//! role; applications with versions and the upgrade project's link.
use crate::support::{project_body, Backend, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn need_body(title: &str) -> Value {
    json!({
        "title": title,
        "description": "助餐点分散、补贴核对靠人工",
        "scenario": "社区养老：刷脸就餐、补贴自动核销",
        "aspects": ["public_frequent", "防范化解重大风险需求"],
        "list": "多跨场景清单",
    })
}

async fn page(app: &TestApp, cookie: Option<&str>, path: &str) -> (StatusCode, String) {
    let mut r = app.client.get(format!("{}{path}", app.base));
    if let Some(c) = cookie {
        r = r.header("cookie", c);
    }
    let r = r.send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

async fn form(
    app: &TestApp,
    cookie: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String, String) {
    let r = app
        .client
        .post(format!("{}{path}", app.base))
        .header("cookie", cookie)
        .form(fields)
        .send()
        .await
        .unwrap();
    let s = r.status();
    let loc = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (s, loc, r.text().await.unwrap_or_default())
}

async fn walk(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let mzj = app.token("mzj").await;
    let sjj = app.token("sjj").await;
    let hz = app.token("hzsjj").await;
    let szb = app.token("szb").await;
    let sgxz = app.token("sgxz").await;

    // Bad input: nothing is recorded, every bad field named.
    let (s, v) = app
        .post(
            &mzj,
            "/api/v1/needs",
            json!({"title": "", "description": "x", "scenario": "y", "aspects": [], "list": "?"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let fields: Vec<&str> = v["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["title", "aspects", "list"]);
    let (_, list) = app.get(&mzj, "/api/v1/needs").await;
    assert_eq!(list["total"], 0);

    // The unit submits; the district sees it, the city not yet.
    let (s, n) = app
        .post(&mzj, "/api/v1/needs", need_body("老年助餐服务一件事"))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{n}");
    let id = n["id"].as_i64().unwrap();
    assert_eq!(n["state"], "pending");
    assert_eq!(n["list"], "scenario");
    assert_eq!(n["aspects"], json!(["public_frequent", "major_risk"]));
    let path = format!("/api/v1/needs/{id}");
    assert_eq!(app.get(&hz, &path).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&sjj, &path).await.0, StatusCode::OK);

    // A stale version is a conflict and changes nothing.
    let act = |action: &str| format!("/api/v1/needs/{id}/actions/{action}");
    let (s, v) = app
        .post(&sjj, &act("endorse"), json!({"version": 99}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");

    // District → city → province.
    let (s, v) = app
        .post(
            &sjj,
            &act("endorse"),
            json!({"opinion": "同意报送", "version": 1}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        (v["state"].as_str(), v["level"].as_str()),
        (Some("pending"), Some("市级"))
    );
    let (s, v) = app.get(&hz, &path).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(app.get(&szb, &path).await.0, StatusCode::NOT_FOUND);
    let (s, v) = app.post(&hz, &act("endorse"), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app.post(&szb, &act("endorse"), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["state"], "listed");
    assert_eq!(v["history"].as_array().unwrap().len(), 4);

    // 生成制: no proposal without a source need.
    let (s, v) = app
        .post(
            &szb,
            "/api/v1/proposals",
            json!({"title": "浙里康养", "need": []}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["code"], "rule");
    assert!(v["message"].as_str().unwrap().contains("生成制"), "{v}");
    let (s, p) = app
        .post(
            &szb,
            "/api/v1/proposals",
            json!({"title": "浙里康养·老年助餐", "description": "全省统一建设", "need": [id]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let pid = p["id"].as_i64().unwrap();
    assert_eq!(p["needs"], json!([id]));
    let pact = |a: &str| format!("/api/v1/proposals/{pid}/actions/{a}");

    // The leading group decides only after the expert argumentation.
    let include =
        json!({"included": true, "reference": "浙数改办〔2026〕12号", "date": "2026-04-01"});
    let (s, v) = app.post(&sgxz, &pact("include"), include.clone()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = app
        .post(
            &szb,
            &pact("argue"),
            json!({"experts": ["张教授", "刘工"], "date": "2026-03-20", "opinion": "需求真实、场景多跨"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["state"], "argued");
    let (s, v) = app.post(&sgxz, &pact("include"), include).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["state"], "included");
    assert_eq!(v["reference"], "浙数改办〔2026〕12号");
    assert_eq!(v["decided_on"], "2026-04-01");

    // Library item by “大场景、小切口”, published, readable without login.
    let (s, it) = app
        .post(
            &szb,
            &pact("create_item"),
            json!({"title": "老年助餐服务应用", "description": "刷脸就餐", "criterion": "大场景：康养；小切口：助餐"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{it}");
    let item = it["id"].as_i64().unwrap();
    assert_eq!(it["state"], "draft");
    let (_, public) = page(&app, None, "/public/library").await;
    assert!(
        !public.contains("老年助餐服务应用"),
        "a draft is not public"
    );
    let (s, v) = app
        .post(
            &szb,
            &format!("/api/v1/library/{item}/actions/publish"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["state"], "published");
    let r = app
        .client
        .get(format!("{}/api/v1/public/library", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["items"][0]["title"], "老年助餐服务应用");
    assert!(v["items"][0].get("proposal_id").is_none(), "{v}");
    let (s, public) = page(&app, None, "/public/library").await;
    assert_eq!(s, StatusCode::OK);
    assert!(public.contains("老年助餐服务应用") && public.contains("小切口：助餐"));
    for internal in ["浙数改办", "张教授", "区民政局", "/ledger/", "/demand/"] {
        assert!(!public.contains(internal), "public page leaks {internal}");
    }

    // The chain is one click each way on the pages.
    let (cookie, _) = app.page_session("szb").await;
    let c = Some(cookie.as_str());
    let (s, need_page) = page(&app, c, &format!("/demand/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(need_page.contains(&format!("href=\"/ledger/{pid}\"")));
    let (_, ledger_page) = page(&app, c, &format!("/ledger/{pid}")).await;
    assert!(ledger_page.contains(&format!("href=\"/demand/{id}\"")));
    assert!(ledger_page.contains(&format!("href=\"/library/{item}\"")));
    let (_, item_page) = page(&app, c, &format!("/library/{item}")).await;
    assert!(item_page.contains(&format!("href=\"/ledger/{pid}\"")));

    // A library item links to the project implementing it; the project page links back.
    let project = app.draft(&mzj, "老年助餐服务应用（上城区试点）").await;
    let (s, v) = app
        .post(
            &szb,
            &format!("/api/v1/library/{item}/actions/link_project"),
            json!({"project": project}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["projects"][0]["id"], project);
    let (mcookie, _) = app.page_session("mzj").await;
    let (_, project_page) = page(&app, Some(&mcookie), &format!("/projects/{project}")).await;
    assert!(project_page.contains(&format!("href=\"/library/{item}\"")));
    let (_, item_page) = page(&app, c, &format!("/library/{item}")).await;
    assert!(item_page.contains(&format!("href=\"/projects/{project}\"")));

    // Statistics and their Excel export.
    let (s, st) = app.get(&szb, "/api/v1/needs/stats").await;
    assert_eq!(s, StatusCode::OK, "{st}");
    assert_eq!(st["total"]["listed"], 1);
    assert_eq!(st["by_aspect"][0]["label"], "群众高频需求");
    assert_eq!(st["by_aspect"][0]["listed"], 1);
    assert_eq!(st["by_list"][1]["listed"], 1);
    let r = app
        .client
        .get(format!("{}/demand/stats.xlsx", app.base))
        .bearer_auth(&szb)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .contains("spreadsheetml"));
    assert_eq!(&r.bytes().await.unwrap()[..2], b"PK");
    let (s, stats_page) = page(&app, c, "/demand/stats").await;
    assert_eq!(s, StatusCode::OK);
    assert!(stats_page.contains("推动治理能力和治理体系现代化需求"));

    // Every step is in a verified hash chain.
    let n = app.st.db.verify_demand_history().await.unwrap().unwrap();
    assert_eq!(n, 10, "need 4, proposal 3, library item 3");
    assert!(app.st.db.verify_history().await.unwrap().is_ok());
}

#[tokio::test]
async fn need_rolls_up_to_a_published_library_item_sqlite() {
    walk(Backend::Sqlite).await;
}

#[tokio::test]
async fn need_rolls_up_to_a_published_library_item_postgres() {
    walk(Backend::Postgres).await;
}

async fn permissions(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let mzj = app.token("mzj").await;
    let jyj = app.token("jyj").await;
    let sjj = app.token("sjj").await;
    let sjs = app.token("sjs").await;
    let hs = app.token("hssjj").await;
    let (s, n) = app
        .post(&mzj, "/api/v1/needs", need_body("困难群众主动发现"))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{n}");
    let id = n["id"].as_i64().unwrap();
    let path = format!("/api/v1/needs/{id}");

    // Another unit cannot see it, in the list or directly; nor can another city's authority.
    assert_eq!(app.get(&jyj, &path).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&jyj, "/api/v1/needs").await.1["total"], 0);
    assert_eq!(app.get(&hs, &path).await.0, StatusCode::NOT_FOUND);
    let (jcookie, _) = app.page_session("jyj").await;
    let (s, _) = page(&app, Some(&jcookie), &format!("/demand/{id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // A unit cannot endorse (its own: 403; another's: 404).
    let endorse = format!("{path}/actions/endorse");
    assert_eq!(
        app.post(&mzj, &endorse, json!({})).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post(&jyj, &endorse, json!({})).await.0,
        StatusCode::NOT_FOUND
    );

    // Audit reads everything in its jurisdiction and writes nothing.
    assert_eq!(app.get(&sjs, &path).await.0, StatusCode::OK);
    assert_eq!(
        app.post(&sjs, &endorse, json!({})).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post(&sjs, "/api/v1/needs", need_body("审计提需求"))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post(
            &sjs,
            "/api/v1/proposals",
            json!({"title": "x", "need": [id]})
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post(&sjs, "/api/v1/applications", json!({"name": "x"}))
            .await
            .0,
        StatusCode::FORBIDDEN
    );

    // A district authority makes no proposals; a unit does not read the ledger.
    assert_eq!(
        app.post(
            &sjj,
            "/api/v1/proposals",
            json!({"title": "x", "need": [id]})
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(&mzj, "/api/v1/proposals").await.0,
        StatusCode::FORBIDDEN
    );

    // Declining needs a reason; without one nothing changes.
    let (s, v) = app
        .post(
            &sjj,
            &format!("{path}/actions/decline"),
            json!({"reason": " "}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["fields"][0]["field"], "reason");
    let (_, v) = app.get(&sjj, &path).await;
    assert_eq!(
        (v["state"].as_str(), v["version"].as_i64()),
        (Some("pending"), Some(1))
    );

    // The page form: CSRF required; a missing reason is shown beside the field.
    let (cookie, csrf) = app.page_session("sjj").await;
    let (s, _, _) = form(
        &app,
        &cookie,
        &format!("/demand/{id}/act/decline"),
        &[("reason", "x")],
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, body) = form(
        &app,
        &cookie,
        &format!("/demand/{id}/act/decline"),
        &[("_csrf", &csrf), ("reason", "")],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("不予采纳须说明理由"));
    let (s, loc, _) = form(
        &app,
        &cookie,
        &format!("/demand/{id}/act/decline"),
        &[("_csrf", &csrf), ("reason", "已有全省统建系统")],
    )
    .await;
    assert_eq!(
        (s, loc.as_str()),
        (
            StatusCode::SEE_OTHER,
            format!("/demand/{id}?done=decline").as_str()
        )
    );
    let (_, v) = app.get(&mzj, &path).await;
    assert_eq!(v["state"], "declined");
    assert_eq!(v["decline_reason"], "已有全省统建系统");

    // The unit's page form re-shows its input with the message beside the field.
    let (ucookie, ucsrf) = app.page_session("mzj").await;
    let (s, _, body) = form(
        &app,
        &ucookie,
        "/demand",
        &[
            ("_csrf", &ucsrf),
            ("title", "社区食堂"),
            ("description", "d"),
            ("scenario", "s"),
            ("list", "demand"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("请至少选择一个需求方面") && body.contains("value=\"社区食堂\""));
}

#[tokio::test]
async fn demand_permissions_per_role_sqlite() {
    permissions(Backend::Sqlite).await;
}

#[tokio::test]
async fn demand_permissions_per_role_postgres() {
    permissions(Backend::Postgres).await;
}

async fn versions(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let mzj = app.token("mzj").await;
    let jyj = app.token("jyj").await;
    let sjj = app.token("sjj").await;
    let (s, a) = app
        .post(
            &mzj,
            "/api/v1/applications",
            json!({"name": "社区养老服务平台"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let id = a["id"].as_i64().unwrap();
    let act = |x: &str| format!("/api/v1/applications/{id}/actions/{x}");
    let (s, v) = app
        .post(
            &mzj,
            &act("add_version"),
            json!({"label": "1.0", "released_on": "2024-06-30"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let v1 = v["versions"][0]["id"].as_i64().unwrap();
    // another unit cannot version it
    assert_eq!(
        app.post(&jyj, &act("add_version"), json!({"label": "9"}))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    // 迭代升级须通过绩效评价
    let up = json!({"label": "2.0", "predecessor": v1, "notes": "接入老年助餐"});
    let (s, v) = app.post(&mzj, &act("add_version"), up.clone()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["message"].as_str().unwrap().contains("绩效评价"), "{v}");
    let hs = app.token("hssjj").await;
    assert_eq!(
        app.post(
            &hs,
            &act("evaluate"),
            json!({"version_id": v1, "evaluation": "良好", "passed": true})
        )
        .await
        .0,
        StatusCode::FORBIDDEN,
        "another district's authority does not evaluate"
    );
    let (s, v) = app
        .post(
            &sjj,
            &act("evaluate"),
            json!({"version_id": v1, "evaluation": "良好", "passed": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app.post(&mzj, &act("add_version"), up).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["versions"][1]["predecessor"], v1);

    // Only an upgrade project names the application it upgrades; both pages show the link.
    let new = app.draft(&mzj, "新建项目").await;
    let (s, v) = app
        .post(&mzj, &act("link_project"), json!({"project": new}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let mut body = project_body("社区养老服务平台升级改造");
    body["build_kind"] = json!("upgrade");
    let (s, p) = app.post(&mzj, "/api/v1/projects", body).await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let pid = p["id"].as_i64().unwrap();
    assert_eq!(
        app.post(&jyj, &act("link_project"), json!({"project": pid}))
            .await
            .0,
        StatusCode::UNPROCESSABLE_ENTITY,
        "another unit's project is not visible to it"
    );
    let (s, v) = app
        .post(&mzj, &act("link_project"), json!({"project": pid}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["projects"][0]["id"], pid);
    let (cookie, _) = app.page_session("mzj").await;
    let (_, pp) = page(&app, Some(&cookie), &format!("/projects/{pid}")).await;
    assert!(pp.contains(&format!("href=\"/applications/{id}\"")));
    let (_, ap) = page(&app, Some(&cookie), &format!("/applications/{id}")).await;
    assert!(ap.contains(&format!("href=\"/projects/{pid}\"")));
    assert!(ap.contains("迭代自") && ap.contains("良好"));
    assert!(app.st.db.verify_demand_history().await.unwrap().is_ok());
}

#[tokio::test]
async fn application_versions_and_upgrade_project_link_sqlite() {
    versions(Backend::Sqlite).await;
}

#[tokio::test]
async fn application_versions_and_upgrade_project_link_postgres() {
    versions(Backend::Postgres).await;
}

/// The demo (`serve --demo`) has a dozen needs across aspects, both cities and every level, a
/// ledger entry included by the leading group, a published library item linked to a project and
/// an application with an upgrade version — all through the real service functions.
#[tokio::test]
async fn demo_has_needs_across_levels_a_ledger_entry_and_a_published_item() {
    use tongchou_domain::demand::{can_view_need, Aspect, NeedState, ProposalState};
    let Some((db, _url, dir)) = crate::support::database(Backend::Sqlite).await else {
        return;
    };
    let st = tongchou_web::AppState::new(db, dir.join("data"));
    let world = tongchou_testkit::seed_demo(&st, tongchou_store::today())
        .await
        .expect("demo");
    let all = st.db.needs_for("/", None).await.unwrap();
    assert_eq!(all.len(), 12);
    for a in Aspect::ALL {
        assert!(all.iter().any(|n| n.aspects.contains(&a)), "{a:?}");
    }
    for s in NeedState::ALL {
        assert!(all.iter().any(|n| n.state == s), "{s:?}");
    }
    // each level sees its own share: the province only what came all the way up
    let province = world.actor("szb");
    let seen = all.iter().filter(|n| can_view_need(province, n)).count();
    assert!((3..12).contains(&seen), "province sees {seen}");
    assert!(all.iter().any(|n| can_view_need(world.actor("nbsjj"), n)));
    let ps = st.db.proposals().await.unwrap();
    assert!(ps
        .iter()
        .any(|p| p.state == ProposalState::Included && p.needs.len() == 2));
    let items = st.db.items(true).await.unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(st.db.item_projects(items[0].id).await.unwrap().len(), 1);
    let apps = st.db.applications().await.unwrap();
    let versions = st.db.app_versions(apps[0].id).await.unwrap();
    assert_eq!(versions[1].predecessor, Some(versions[0].id));
    assert!(st.db.verify_demand_history().await.unwrap().is_ok());
}

/// `audit verify` walks the demand chains too: changing a need's history row directly in the
/// database is found and named.
#[tokio::test]
async fn tampered_need_history_fails_audit_verify() {
    let Some(app) = TestApp::start(Backend::Sqlite).await else {
        return;
    };
    let mzj = app.token("mzj").await;
    let sjj = app.token("sjj").await;
    let (_, n) = app
        .post(&mzj, "/api/v1/needs", need_body("篡改检测需求"))
        .await;
    let id = n["id"].as_i64().unwrap();
    let (s, _) = app
        .post(
            &sjj,
            &format!("/api/v1/needs/{id}/actions/endorse"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let bin = env!("CARGO_BIN_EXE_tongchou");
    let run = || {
        std::process::Command::new(bin)
            .args(["audit", "verify", "--database-url", &app.db_url])
            .output()
            .unwrap()
    };
    let ok = run();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("2 demand"));
    app.st
        .db
        .execute_raw(&format!(
            "UPDATE demand_history SET opinion = '已篡改' WHERE kind = 'need' AND entity_id = {id} AND seq = 2"
        ))
        .await
        .unwrap();
    let bad = run();
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains(&format!("need {id} history entry 2")), "{err}");
}

/// The same walk through the page forms (no JavaScript, CSRF on every form): errors are shown
/// beside the field with the input kept, successes redirect to the record.
#[tokio::test]
async fn ledger_library_and_application_page_forms() {
    let Some(app) = TestApp::start(Backend::Sqlite).await else {
        return;
    };
    let mzj = app.token("mzj").await;
    let (_, n) = app.post(&mzj, "/api/v1/needs", need_body("社区助浴")).await;
    let id = n["id"].as_i64().unwrap();
    for who in ["sjj", "hzsjj", "szb"] {
        let t = app.token(who).await;
        let (s, v) = app
            .post(
                &t,
                &format!("/api/v1/needs/{id}/actions/endorse"),
                json!({}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{who}: {v}");
    }
    let (cookie, csrf) = app.page_session("szb").await;
    let (_, ledger) = page(&app, Some(&cookie), "/ledger").await;
    assert!(ledger.contains(&format!("name=\"need\" value=\"{id}\"")));
    let (s, _, body) = form(
        &app,
        &cookie,
        "/ledger",
        &[("_csrf", &csrf), ("title", "浙里助浴")],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("生成制") && body.contains("value=\"浙里助浴\""));
    let ids = id.to_string();
    let (s, loc, _) = form(
        &app,
        &cookie,
        "/ledger",
        &[("_csrf", &csrf), ("title", "浙里助浴"), ("need", &ids)],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let pid: i64 = loc
        .trim_start_matches("/ledger/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let p = format!("/ledger/{pid}/act");
    let (s, _, body) = form(
        &app,
        &cookie,
        &format!("{p}/argue"),
        &[
            ("_csrf", &csrf),
            ("date", "2026-03-20"),
            ("opinion", "可行"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("请填写参加论证的专家") && body.contains("has-error"));
    let (s, _, _) = form(
        &app,
        &cookie,
        &format!("{p}/argue"),
        &[
            ("_csrf", &csrf),
            ("experts", "张教授、刘工"),
            ("date", "2026-03-20"),
            ("opinion", "可行"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (gcookie, gcsrf) = app.page_session("sgxz").await;
    let (s, _, _) = form(
        &app,
        &gcookie,
        &format!("{p}/include"),
        &[
            ("_csrf", &gcsrf),
            ("included", "yes"),
            ("reference", "浙数改办〔2026〕20号"),
            ("date", "2026-04-02"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, loc, _) = form(
        &app,
        &cookie,
        &format!("{p}/create_item"),
        &[
            ("_csrf", &csrf),
            ("title", "社区助浴服务"),
            ("criterion", "大场景康养，小切口助浴"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(loc.starts_with("/library/"), "{loc}");
    let item = loc
        .trim_start_matches("/library/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let (s, _, _) = form(
        &app,
        &cookie,
        &format!("/library/{item}/act/publish"),
        &[("_csrf", &csrf), ("version", "1")],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, public) = page(&app, None, "/public/library").await;
    assert!(public.contains("社区助浴服务"));

    // Applications through the forms.
    let (ucookie, ucsrf) = app.page_session("mzj").await;
    let (s, _, body) = form(
        &app,
        &ucookie,
        "/applications",
        &[("_csrf", &ucsrf), ("name", "")],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("请填写应用名称"));
    let (s, loc, _) = form(
        &app,
        &ucookie,
        "/applications",
        &[("_csrf", &ucsrf), ("name", "助浴预约")],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let a = loc.split('?').next().unwrap().to_string();
    let (s, _, _) = form(
        &app,
        &ucookie,
        &format!("{a}/act/add_version"),
        &[("_csrf", &ucsrf), ("label", "1.0")],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, ap) = page(&app, Some(&ucookie), &a).await;
    assert!(ap.contains("初始版本"));
}
