//! Systems in operation over HTTP as the real demo roles (区教育局 jyj runs its systems, 区数据资源局
//! sjj records catalogue findings, 区审计局 sjs reads): registration before cloud (Shaoxing
//! art.29), cloud request and change, security records and going live (art.36), the yearly 等保
//! assessment obligation (Shangcheng 第六章 项目实施), a vulnerability that shuts the system down
//! until fixed (art.37), stop only after backup with all cloud released (art.18), and the data
//! catalogue's 3-month fix window ending in a take-down the authority confirms (Shangcheng 第九章)
//! — on SQLite and PostgreSQL, every step on the project's hash-chained history.
use crate::support::{Backend, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tongchou_domain::{ProjectId, Stage};
use tongchou_store::today;

async fn project_in_operation(app: &TestApp, unit: &str, name: &str) -> i64 {
    let id = app.draft(unit, name).await;
    let walker = tongchou_testkit::Walker::new(&app.st, &app.world, today());
    walker
        .walk(ProjectId(id), "jyj", Stage::InOperation)
        .await
        .expect("walk");
    id
}

async fn op(app: &TestApp, token: &str, id: i64, action: &str, body: Value) -> (StatusCode, Value) {
    app.post(
        token,
        &format!("/api/v1/projects/{id}/operation/{action}"),
        body,
    )
    .await
}

#[track_caller]
fn ok(r: (StatusCode, Value)) -> Value {
    assert_eq!(r.0, StatusCode::OK, "{}", r.1);
    r.1
}

#[track_caller]
fn refused(r: (StatusCode, Value), status: StatusCode, contains: &str) {
    assert_eq!(r.0, status, "{}", r.1);
    let m = r.1["message"].as_str().unwrap_or("");
    assert!(m.contains(contains), "expected “{contains}” in: {m}");
}

fn system(v: &Value, no: i64) -> &Value {
    v["systems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["no"] == no)
        .unwrap_or_else(|| panic!("system {no} in {v}"))
}

async fn obligations(app: &TestApp, token: &str, id: i64) -> Vec<Value> {
    let (s, v) = app
        .get(token, &format!("/api/v1/projects/{id}/obligations"))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["items"].as_array().cloned().unwrap_or_default()
}

async fn operation(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let unit = app.token("jyj").await;
    let auth = app.token("sjj").await;
    let audit = app.token("sjs").await;
    let other = app.token("wjw").await;
    let day = today().to_string();
    let id = project_in_operation(&app, &unit, "上城区智慧教育运行管理测试项目").await;

    // ---- The system and its operating body (Shaoxing art.20) ------------------------------
    let sys = json!({
        "name": "智慧教育一张图", "operating_body": "杭州某运维服务有限公司", "responsible_person": "陈运维",
        "om_rules": "《智慧教育一张图运行维护管理制度》", "om_amount": "180000",
        "internet_facing": true, "gov_cloud": true, "level": 3, "important": false,
    });
    refused(
        op(&app, &auth, id, "add_system", sys.clone()).await,
        StatusCode::FORBIDDEN,
        "建设单位",
    );
    refused(
        op(&app, &other, id, "add_system", sys.clone()).await,
        StatusCode::FORBIDDEN,
        "建设单位",
    );
    let mut bad = sys.clone();
    bad["level"] = json!(7);
    let (s, v) = op(&app, &unit, id, "add_system", bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["fields"][0]["field"], "level", "{v}");
    let v = ok(op(&app, &unit, id, "add_system", sys.clone()).await);
    assert_eq!(system(&v, 1)["state"], "pending");
    assert_eq!(system(&v, 1)["input"]["om_amount"], "180000.00");
    // A stale version is a conflict, and nothing changes.
    let stale = v["project_version"].as_i64().unwrap() - 1;
    let (s, _) = op(&app, &unit, id, "add_data_resource", json!({"version": stale, "system": 1, "name": "学籍", "unit": "区教育局", "format": "库表", "share": "conditional", "open": "none"})).await;
    assert_eq!(s, StatusCode::CONFLICT);
    // Audit reads; another unit reads (approved projects are public) but cannot write.
    let (s, v) = app
        .get(&audit, &format!("/api/v1/projects/{id}/operation"))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        system(&v, 1)["input"]["operating_body"],
        "杭州某运维服务有限公司"
    );
    refused(
        op(
            &app,
            &audit,
            id,
            "backup_system",
            json!({"system": 1, "date": day, "note": "x"}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "建设单位",
    );

    // Another unit's draft is invisible: 404, not 403.
    let draft = app.draft(&unit, "上城区教育草稿可见性测试").await;
    let (s, _) = app
        .get(&other, &format!("/api/v1/projects/{draft}/operation"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = op(&app, &other, draft, "add_system", sys.clone()).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Before construction the unit records no system (409).
    let (s, _) = op(&app, &unit, draft, "add_system", sys.clone()).await;
    assert_eq!(s, StatusCode::CONFLICT);

    // ---- Cloud only after registration (art.29) ------------------------------------------
    let host = json!({"system": 1, "kind": "host", "spec": "8核16G", "quantity": 2});
    refused(
        op(&app, &unit, id, "request_cloud", host.clone()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "第二十九条",
    );
    ok(op(
        &app,
        &unit,
        id,
        "register_system",
        json!({"system": 1, "reference": "SC-XT-2026-0031", "date": day}),
    )
    .await);
    ok(op(&app, &unit, id, "request_cloud", host).await);
    ok(op(
        &app,
        &unit,
        id,
        "request_cloud",
        json!({"system": 1, "kind": "database", "spec": "RDS MySQL 4核8G", "quantity": 1}),
    )
    .await);
    let v = ok(op(
        &app,
        &unit,
        id,
        "change_cloud",
        json!({"system": 1, "resource": 1, "quantity": 4}),
    )
    .await);
    let totals = system(&v, 1)["cloud_totals"].as_array().unwrap().clone();
    assert_eq!(totals.len(), 2, "{totals:?}");
    assert_eq!(
        (totals[0]["kind"].as_str(), totals[0]["quantity"].as_i64()),
        (Some("host"), Some(4))
    );

    // ---- Going live needs the security papers (art.36) ----------------------------------
    refused(
        op(
            &app,
            &unit,
            id,
            "go_live",
            json!({"system": 1, "date": day}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "第三十六条",
    );
    for (kind, reference) in [
        ("report", "安全评估报告2026-01"),
        ("plan", "信息安全方案V1.0"),
        ("filing", "33010299999-26001"),
    ] {
        ok(op(
            &app,
            &unit,
            id,
            "record_security",
            json!({"system": 1, "kind": kind, "reference": reference, "date": day}),
        )
        .await);
    }
    let v = ok(op(
        &app,
        &unit,
        id,
        "go_live",
        json!({"system": 1, "date": day}),
    )
    .await);
    assert_eq!(system(&v, 1)["state"], "live");
    // Level 3: the yearly assessment is due a year after going live (no assessment yet).
    let obs = obligations(&app, &unit, id).await;
    let djcp = obs
        .iter()
        .find(|o| o["code"].as_str().unwrap_or("").starts_with("djcp-1-"))
        .unwrap_or_else(|| panic!("yearly assessment obligation in {obs:?}"));
    assert!(djcp["due"].as_str().unwrap() > day.as_str());
    assert_eq!(djcp["state"], "open");
    // The assessment fulfils it and opens next year's.
    ok(op(&app, &unit, id, "record_security", json!({"system": 1, "kind": "assessment", "reference": "等保测评报告 DJCP-2026-118", "date": day})).await);
    let obs = obligations(&app, &unit, id).await;
    let djcps: Vec<&Value> = obs
        .iter()
        .filter(|o| o["code"].as_str().unwrap_or("").starts_with("djcp-1-"))
        .collect();
    assert_eq!(djcps.len(), 2, "{djcps:?}");
    assert!(djcps.iter().any(|o| o["state"] == "fulfilled"));
    assert!(djcps.iter().any(|o| o["state"] == "open"));

    // ---- A vulnerability that cannot be fixed shuts it down (art.37) ---------------------
    ok(op(&app, &unit, id, "report_vuln", json!({"system": 1, "description": "Struts2 远程代码执行漏洞", "found": day, "fix_deadline": day})).await);
    // The fix deadline is a dated duty of the unit (art.37 及时修复), met by the shutdown below.
    let vuln_duty = |obs: &[Value]| {
        obs.iter()
            .find(|o| o["code"] == "vuln-fix-1-1")
            .cloned()
            .unwrap_or_else(|| panic!("vulnerability fix obligation in {obs:?}"))
    };
    let o = vuln_duty(&obligations(&app, &unit, id).await);
    assert_eq!(
        (o["state"].as_str(), o["due"].as_str()),
        (Some("open"), Some(day.as_str())),
        "{o}"
    );
    let v = ok(op(
        &app,
        &unit,
        id,
        "vuln_unfixable",
        json!({"system": 1, "vuln": 1, "date": day, "note": "框架已停止维护"}),
    )
    .await);
    assert_eq!(system(&v, 1)["state"], "shut_down");
    let o = vuln_duty(&obligations(&app, &unit, id).await);
    assert_eq!(o["state"], "fulfilled", "the shutdown meets art.37: {o}");
    refused(
        op(
            &app,
            &unit,
            id,
            "go_live",
            json!({"system": 1, "date": day}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "第三十七条",
    );
    ok(op(
        &app,
        &unit,
        id,
        "fix_vuln",
        json!({"system": 1, "vuln": 1, "date": day, "note": "迁移至新框架并复测通过"}),
    )
    .await);
    let v = ok(op(
        &app,
        &unit,
        id,
        "go_live",
        json!({"system": 1, "date": day}),
    )
    .await);
    assert_eq!(system(&v, 1)["state"], "live");

    // ---- Stop: backup first, then everything released (art.18) --------------------------
    let stop = json!({"system": 1, "date": day, "reason": "并入区一体化教育平台，系统停用"});
    refused(
        op(&app, &unit, id, "stop_system", stop.clone()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "第十八条",
    );
    ok(op(
        &app,
        &unit,
        id,
        "backup_system",
        json!({"system": 1, "date": day, "note": "全量数据备份至政务云备份存储"}),
    )
    .await);
    let v = ok(op(&app, &unit, id, "stop_system", stop).await);
    let s1 = system(&v, 1);
    assert_eq!(s1["state"], "stopped");
    assert!(s1["cloud_totals"].as_array().unwrap().is_empty());
    assert!(s1["cloud"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| !c["released"].is_null()));
    let obs = obligations(&app, &unit, id).await;
    assert!(
        !obs.iter().any(
            |o| o["code"].as_str().unwrap_or("").starts_with("djcp-1-") && o["state"] == "open"
        ),
        "the stopped system's assessments end with it: {obs:?}"
    );

    // ---- Data catalogue: finding, 3-month window, take-down proposed and confirmed -------
    let mut sys2 = sys.clone();
    sys2["name"] = json!("入学一件事");
    sys2["internet_facing"] = json!(false);
    sys2["level"] = json!(2);
    ok(op(&app, &unit, id, "add_system", sys2).await);
    ok(op(&app, &unit, id, "add_data_resource", json!({"system": 2, "name": "新生入学报名信息", "unit": "区教育局", "format": "结构化（库表）", "share": "conditional", "open": "none"})).await);
    // Another unit requests it through the platform (art.31); the unit answers.
    let req = json!({"system": 2, "resource": 1, "purpose": "区卫健局新生儿预防接种入学查验"});
    refused(
        op(&app, &unit, id, "request_data", req.clone()).await,
        StatusCode::FORBIDDEN,
        "其他单位",
    );
    let v = ok(op(&app, &other, id, "request_data", req).await);
    assert_eq!(system(&v, 2)["requests"][0]["state"], "pending");
    let (s, v) = op(
        &app,
        &unit,
        id,
        "answer_data_request",
        json!({"system": 2, "request": 1, "agree": false}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["fields"][0]["field"], "reason");
    let v = ok(op(
        &app,
        &unit,
        id,
        "answer_data_request",
        json!({"system": 2, "request": 1, "agree": true}),
    )
    .await);
    assert_eq!(system(&v, 2)["requests"][0]["state"], "granted");
    let finding =
        json!({"system": 2, "date": day, "problems": "目录未挂接共享接口，共享属性与实际不符"});
    refused(
        op(&app, &unit, id, "catalogue_finding", finding.clone()).await,
        StatusCode::FORBIDDEN,
        "主管部门",
    );
    ok(op(&app, &auth, id, "catalogue_finding", finding).await);
    let obs = obligations(&app, &unit, id).await;
    let fix = obs
        .iter()
        .find(|o| o["code"] == "catalogue-fix-2-1")
        .unwrap_or_else(|| panic!("catalogue obligation in {obs:?}"));
    assert!(fix["cite"].as_str().unwrap().contains("第九章"), "{fix}");
    // Three months pass without a fix (backdated here): the sweep proposes the take-down.
    app.st
        .db
        .execute_raw(&format!(
            "UPDATE obligations SET due = '2000-01-03' WHERE project_id = {id} AND code = 'catalogue-fix-2-1'"
        ))
        .await
        .unwrap();
    // The overdue fix is on the unit's to-do list, linking to the systems page.
    let (cookie, _) = app.page_session("jyj").await;
    let todo = app
        .client
        .get(format!("{}/", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        todo.contains(&format!("/projects/{id}/operation")) && todo.contains("数据目录整改完成"),
        "unit's to-do lists the catalogue fix"
    );
    tongchou_web::service::sweep(&app.st).await.expect("sweep");
    let (s, hist) = app
        .get(&auth, &format!("/api/v1/projects/{id}/history"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        hist.to_string().contains("予以下架"),
        "proposal in the history"
    );
    let v = ok(app
        .act(
            &auth,
            id,
            "confirm_consequence",
            json!({"obligation": "catalogue-fix-2-1", "reason": "逾期未整改，予以下架"}),
        )
        .await);
    assert_eq!(v["stage"], "in_operation", "the project goes on: {v}");
    let (_, v) = app
        .get(&unit, &format!("/api/v1/projects/{id}/operation"))
        .await;
    assert_eq!(system(&v, 2)["state"], "taken_down");
    let obs = obligations(&app, &unit, id).await;
    let fix = obs
        .iter()
        .find(|o| o["code"] == "catalogue-fix-2-1")
        .unwrap();
    assert_eq!(fix["state"], "lapsed", "{fix}");
    refused(
        op(
            &app,
            &unit,
            id,
            "report_vuln",
            json!({"system": 2, "description": "x", "found": day, "fix_deadline": day}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "已下架",
    );

    // ---- Every step is on the hash-chained history ---------------------------------------
    let (_, hist) = app
        .get(&audit, &format!("/api/v1/projects/{id}/history"))
        .await;
    let text = hist.to_string();
    for action in [
        "add_system",
        "register_system",
        "request_cloud",
        "change_cloud",
        "record_security",
        "go_live",
        "vuln_unfixable",
        "fix_vuln",
        "backup_system",
        "stop_system",
        "request_data",
        "answer_data_request",
        "catalogue_finding",
    ] {
        assert!(
            text.contains(&format!("\"{action}\"")),
            "history lacks {action}"
        );
    }
    assert!(matches!(app.st.db.verify_history().await.unwrap(), Ok(n) if n > 0));
}

#[tokio::test]
async fn operation_system_walk_sqlite() {
    operation(Backend::Sqlite).await;
}

#[tokio::test]
async fn operation_system_walk_postgres() {
    operation(Backend::Postgres).await;
}

/// The page: readable, CSRF-checked forms, a refused rule shown beside the form with its article.
async fn page(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let unit = app.token("jyj").await;
    let id = project_in_operation(&app, &unit, "上城区校园安全运行管理页面测试").await;
    let (cookie, csrf) = app.page_session("jyj").await;
    let post = |action: &'static str, form: Vec<(&'static str, String)>| {
        let cookie = cookie.clone();
        let client = app.client.clone();
        let url = format!("{}/projects/{id}/operation/{action}", app.base);
        async move {
            client
                .post(url)
                .header("cookie", cookie)
                .form(&form)
                .send()
                .await
                .unwrap()
        }
    };
    let fields = |csrf: &str| {
        vec![
            ("_csrf", csrf.to_string()),
            ("name", "校园安全预警".to_string()),
            ("operating_body", "区教育技术中心".to_string()),
            ("responsible_person", "王老师".to_string()),
            ("om_rules", "运维值班与巡检制度".to_string()),
            ("om_amount", "96000".to_string()),
            ("level", "2".to_string()),
        ]
    };
    // Without the CSRF token nothing is recorded.
    let r = post("add_system", fields("wrong")).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = post("add_system", fields(&csrf)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // The edit form is prefilled from the system and saves a new operating body.
    let mut edit = fields(&csrf);
    edit.push(("system", "1".into()));
    edit[2] = ("operating_body", "杭州某运维服务有限公司".into());
    let r = post("edit_system", edit).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = post(
        "request_cloud",
        vec![
            ("_csrf", csrf.clone()),
            ("system", "1".into()),
            ("kind", "host".into()),
            ("spec", "4核8G".into()),
            ("quantity", "1".into()),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("第二十九条") && body.contains("申请云资源"),
        "refusal shown with its article"
    );
    let page = app
        .client
        .get(format!("{}/projects/{id}/operation", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for text in [
        "信息系统运行管理",
        "校园安全预警",
        "杭州某运维服务有限公司",
        "运维值班与巡检制度</textarea>",
        "<option value=\"2\" selected>",
        "96,000.00",
        "未登记",
        "系统上线",
        "系统备份与停用",
    ] {
        assert!(page.contains(text), "page lacks {text}");
    }
    let (s, _) = app.get(&unit, "/api/v1/openapi.json").await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn operation_page_sqlite() {
    page(Backend::Sqlite).await;
}

#[tokio::test]
async fn operation_page_postgres() {
    page(Backend::Postgres).await;
}

/// The demo (`serve --demo`) gives its projects in operation systems with cloud resources,
/// security records and a data catalogue, through the real transitions.
#[tokio::test]
async fn demo_projects_in_operation_have_systems() {
    let Some((db, _url, dir)) = crate::support::database(Backend::Sqlite).await else {
        return;
    };
    let st = tongchou_web::AppState::new(db, dir.join("data"));
    let world = tongchou_testkit::seed_demo(&st, today())
        .await
        .expect("demo");
    let scope = tongchou_domain::permission::list_scope(world.actor("sjs"));
    let f = tongchou_store::project::ListFilter {
        stages: vec![Stage::InOperation],
        per_page: 500,
        page: 1,
        ..Default::default()
    };
    let (items, _) = st.db.list_projects(&scope, &f).await.unwrap();
    assert!(!items.is_empty());
    let mut with_finding = 0;
    for i in items {
        let ops = st.db.load_ops(ProjectId(i.id)).await.unwrap();
        assert!(!ops.systems.is_empty(), "{} has systems", i.id);
        let s = &ops.systems[0];
        assert_eq!(s.state, tongchou_domain::operation::SystemState::Live);
        assert!(s.registration.is_some() && !s.cloud_totals().is_empty() && !s.data.is_empty());
        if s.open_finding().is_some() {
            with_finding += 1;
        }
    }
    assert!(
        with_finding >= 1,
        "a catalogue under rectification in the demo"
    );
    assert!(st.db.verify_history().await.unwrap().is_ok());
}

// ZJ-share 二、三（八）/ SPEC O1, O2: the data-resource catalogue is filled from the systems of
// accepted projects in operation, each resource with its name, responsible unit, format, share and
// open attributes; internal catalogues are not shown to a market entity.
async fn catalogues(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let unit = app.token("jyj").await;
    let auth = app.token("sjj").await;
    let id = project_in_operation(&app, &unit, "上城区学籍管理系统（编目）").await;
    let sys = json!({
        "name": "学籍管理系统", "operating_body": "杭州某运维服务有限公司", "responsible_person": "陈运维",
        "om_rules": "《学籍管理系统运行维护管理制度》", "om_amount": "80000",
        "internet_facing": false, "gov_cloud": true, "level": 2, "important": false,
    });
    ok(op(&app, &unit, id, "add_system", sys).await);
    ok(op(&app, &unit, id, "add_data_resource", json!({"system": 1, "name": "中小学学籍信息", "unit": "区教育局", "format": "结构化（库表）", "share": "conditional", "open": "none"})).await);
    let (s, v) = app.get(&auth, "/api/v1/catalogues").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let d = v["data_resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "中小学学籍信息")
        .unwrap_or_else(|| panic!("data resource catalogued: {v}"))
        .clone();
    assert_eq!(d["unit"], "区教育局", "{d}");
    assert_eq!(d["format"], "结构化（库表）", "{d}");
    assert_eq!(d["system"], "学籍管理系统", "{d}");
    assert!(d["share"].as_str().is_some_and(|s| !s.is_empty()), "{d}");
    assert!(d["open"].as_str().is_some_and(|s| !s.is_empty()), "{d}");
    // a market entity sees only the public catalogues
    let company = app.token("scgs").await;
    let (s, v) = app.get(&company, "/api/v1/catalogues").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["data_resources"].as_array().unwrap().len(), 0, "{v}");
}

#[tokio::test]
async fn data_resource_catalogue_is_filled_from_projects_in_operation_sqlite() {
    catalogues(Backend::Sqlite).await;
}

#[tokio::test]
async fn data_resource_catalogue_is_filled_from_projects_in_operation_postgres() {
    catalogues(Backend::Postgres).await;
}
