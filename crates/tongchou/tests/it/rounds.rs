//! Declaration rounds (SPEC A1; Shangcheng 第五章 项目申报; Shaoxing 第八条、第十一条): the
//! authority opens a round for its jurisdiction; a declaration outside any open round is a
//! supplementary declaration (增补) that needs a reason and is pending the approver the profile
//! names; inside an open round it goes ahead.
use crate::support::{pdf, Backend, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn declarable(app: &TestApp, unit: &str, name: &str) -> i64 {
    let id = app.draft(unit, name).await;
    for kind in ["declaration_form", "feasibility_report"] {
        let (s, v) = app.upload(unit, id, kind, "材料.pdf", pdf()).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    id
}

async fn rounds(app: &TestApp, token: &str) -> Value {
    let (s, v) = app.get(token, "/api/v1/rounds").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

// Shangcheng 第五章 项目申报 (每年9月底，由区数据资源局组织集中申报下一年度项目；在非项目集中
// 申报期内，原则上不新增申报，确因紧急任务需要，以增补项目形式，一事一议)
async fn declaration_rounds(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let unit = app.token("jyj").await;
    let auth = app.token("sjj").await;
    let other_city = app.token("sxxgb").await;
    let shangcheng = app.world.actor("sjj").jurisdiction_id.0;
    let today = tongchou_store::today();

    // The demo world: 区数据资源局 has opened the round the demo declarations fall in.
    let v = rounds(&app, &unit).await;
    assert_eq!(v["items"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["open"]["jurisdiction_name"], "上城区", "{v}");
    assert_eq!(v["open"]["opened_by_name"], "李静（区数据资源局）", "{v}");

    // Only the competent authority covering the jurisdiction opens a round; bad dates are a 422
    // naming the field; nothing is recorded on refusal.
    let last_sept = json!({"plan_year": today.year() as i64, "opens_on": format!("{}-09-20", today.year() - 1), "closes_on": format!("{}-09-30", today.year() - 1), "note": "集中申报"});
    let (s, v) = app.post(&unit, "/api/v1/rounds", last_sept.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let mut body = last_sept.clone();
    body["jurisdiction_id"] = json!(shangcheng);
    let (s, v) = app.post(&other_city, "/api/v1/rounds", body).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let mut bad = last_sept.clone();
    bad["closes_on"] = json!(format!("{}-09-01", today.year() - 1));
    let (s, v) = app.post(&auth, "/api/v1/rounds", bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["fields"][0]["field"], "closes_on", "{v}");
    let (s, v) = app
        .post(
            &auth,
            "/api/v1/rounds",
            json!({"plan_year": "明年", "opens_on": "2026-09-20", "closes_on": "2026-09-30"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["fields"][0]["field"], "plan_year", "{v}");
    assert_eq!(
        rounds(&app, &auth).await["items"].as_array().unwrap().len(),
        1
    );

    let (s, v) = app.post(&auth, "/api/v1/rounds", last_sept).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["jurisdiction_name"], "上城区", "{v}");
    let v = rounds(&app, &unit).await;
    assert_eq!(v["items"].as_array().unwrap().len(), 2, "{v}");

    // Inside the open round a declaration goes ahead without any override.
    let on_time = declarable(&app, &unit, "上城区年度项目").await;
    let (s, v) = app.act(&unit, on_time, "declare", json!({})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, p) = app.get(&unit, &format!("/api/v1/projects/{on_time}")).await;
    assert_eq!(p["overrides"], json!([]), "{p}");

    // Another city keeps its own rounds: none for Shaoxing in this world.
    assert_eq!(rounds(&app, &other_city).await["items"], json!([]));
}

// Shangcheng 第五章 项目申报: the profile says the jurisdiction declares in rounds, so where no round
// was ever opened (宁波市海曙区, inheriting the reference profile) a declaration is a supplementary
// declaration (增补): refused without a reason, with one it goes ahead pending the authority's
// sign-off. Quzhou collects needs at any time (三(一)1): no round, no override.
async fn no_round_recorded(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let hs = app.token("hsmzj").await;
    assert_eq!(rounds(&app, &hs).await["items"], json!([]));
    let late = declarable(&app, &hs, "海曙区增补项目").await;
    let (s, v) = app.act(&hs, late, "declare", json!({})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["code"], "override_required", "{v}");
    let msg = v["message"].as_str().unwrap();
    assert!(
        msg.contains("不在集中申报期内") && msg.contains("尚未开放集中申报期"),
        "{msg}"
    );
    assert!(msg.contains("第五章 项目申报"), "{msg}");
    assert_eq!(app.stage(&hs, late).await, "draft");
    let (s, v) = app
        .act(
            &hs,
            late,
            "declare",
            json!({"override_reason": "区委临时部署的紧急任务"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, p) = app.get(&hs, &format!("/api/v1/projects/{late}")).await;
    let o = &p["overrides"][0];
    assert_eq!(o["rule"], "declaration_outside_round", "{p}");
    assert_eq!(o["approver"], "authority", "{p}");
    assert_eq!(o["state"], "pending", "{p}");

    let qz = app.token("qzwjw").await;
    let id = declarable(&app, &qz, "柯城区随时申报项目").await;
    let (s, v) = app.act(&qz, id, "declare", json!({})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, p) = app.get(&qz, &format!("/api/v1/projects/{id}")).await;
    assert_eq!(p["overrides"], json!([]), "{p}");
}

#[tokio::test]
async fn declaration_with_no_round_ever_opened_is_supplementary_where_the_profile_declares_in_rounds_sqlite(
) {
    no_round_recorded(Backend::Sqlite).await;
}

#[tokio::test]
async fn declaration_with_no_round_ever_opened_is_supplementary_where_the_profile_declares_in_rounds_postgres(
) {
    no_round_recorded(Backend::Postgres).await;
}

#[tokio::test]
async fn declaration_outside_round_needs_reason_inside_goes_ahead_sqlite() {
    declaration_rounds(Backend::Sqlite).await;
}

#[tokio::test]
async fn declaration_outside_round_needs_reason_inside_goes_ahead_postgres() {
    declaration_rounds(Backend::Postgres).await;
}

// Shangcheng 第五章 项目申报: the authority's round form (CSRF; errors beside the field) and the
// open round shown on the list and the project page.
async fn round_pages(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let unit = app.token("jyj").await;
    let (cookie, csrf) = app.page_session("sjj").await;
    let today = tongchou_store::today();
    let page = |path: &str| {
        let c = app
            .client
            .get(format!("{}{path}", app.base))
            .header("cookie", &cookie);
        async move {
            let r = c.send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    let (s, html) = page("/rounds").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("组织集中申报"), "{html}");
    assert!(html.contains("第五章 项目申报"), "{html}");

    let post = |form: Vec<(&'static str, String)>| {
        let c = app
            .client
            .post(format!("{}/rounds", app.base))
            .header("cookie", &cookie)
            .form(&form);
        async move {
            let r = c.send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    // Without the CSRF token: refused, nothing recorded.
    let (s, _) = post(vec![
        ("plan_year", "2027".into()),
        ("opens_on", today.to_string()),
        ("closes_on", today.to_string()),
    ])
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // A closing date before the opening date: the message beside the field.
    let (s, html) = post(vec![
        ("_csrf", csrf.clone()),
        ("plan_year", (today.year() + 1).to_string()),
        ("opens_on", today.to_string()),
        ("closes_on", "2000-01-01".into()),
    ])
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("<div class=\"error\">截止日期不能早于开始日期</div>"),
        "{html}"
    );
    // Only the demo world's round is recorded.
    assert_eq!(
        rounds(&app, &unit).await["items"].as_array().unwrap().len(),
        1
    );

    let id = app.draft(&unit, "上城区页面项目").await;
    let (_, p) = app.get(&unit, &format!("/api/v1/projects/{id}")).await;
    assert_eq!(p["stage"], "draft", "{p}");

    let (s, _) = post(vec![
        ("_csrf", csrf.clone()),
        ("plan_year", (today.year() + 1).to_string()),
        ("opens_on", today.to_string()),
        ("closes_on", today.to_string()),
        ("note", "年度集中申报".into()),
    ])
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let label = format!("{}年度集中申报（{today} 至 {today}）", today.year() + 1);
    let (_, html) = page("/rounds").await;
    assert!(html.contains(&label), "{html}");
    let (_, html) = page("/projects").await;
    assert!(html.contains(&label), "{html}");
    // The unit sees the open round on its draft (a draft is visible to its own unit only).
    let (unit_cookie, _) = app.page_session("jyj").await;
    let html = app
        .client
        .get(format!("{}/projects/{id}", app.base))
        .header("cookie", &unit_cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("集中申报期"), "{html}");
    assert!(html.contains(&label), "{html}");
}

#[tokio::test]
async fn round_form_shows_errors_beside_fields_and_the_open_round_sqlite() {
    round_pages(Backend::Sqlite).await;
}

#[tokio::test]
async fn round_form_shows_errors_beside_fields_and_the_open_round_postgres() {
    round_pages(Backend::Postgres).await;
}

// Quzhou 三(三)5 (大型项目可分模块、分功能、分阶段进行初验；项目全部功能模块完成初验3个月后
// 提出竣工验收申请); Shangcheng 第八章 项目验收 (整体立项，整体验收).
async fn module_acceptance(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let p = tongchou_domain::profile::Profile::quzhou();
    let unit = app.token("qzwjw").await;
    let sc_unit = app.token("jyj").await;
    let today = tongchou_store::today();
    let id = app.draft(&unit, "柯城区城市大脑（分模块）").await;
    let sc = app.draft(&sc_unit, "上城区整体验收项目").await;
    // Setup: both projects in construction (the walk there is in `profiles::quzhou_path`).
    app.st
        .db
        .execute_raw(&format!(
            "UPDATE projects SET stage = 'in_construction' WHERE id IN ({id}, {sc})"
        ))
        .await
        .unwrap();

    // Shangcheng: one initial acceptance of the whole project.
    let (s, v) = app
        .act(&sc_unit, sc, "accept_module", json!({"module": "门户", "date": today.to_string(), "panel": ["甲", "乙", "丙"], "opinion": "通过"}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("整体立项，整体验收"),
        "{v}"
    );

    // Quzhou: a panel of 2 is refused beside the field; nothing changes.
    let (s, v) = app
        .act(&unit, id, "accept_module", json!({"module": "统一门户", "date": today.to_string(), "panel": ["甲", "乙"], "opinion": "通过"}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["fields"][0]["field"], "panel", "{v}");
    let (s, v) = app
        .act(&unit, id, "accept_module", json!({"module": "统一门户", "date": today.to_string(), "panel": ["甲", "乙", "丙"], "opinion": "通过"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(app.stage(&unit, id).await, "in_construction");
    let (s, v) = app
        .act(&unit, id, "accept_module", json!({"module": "数据中台", "date": today.to_string(), "panel": ["甲", "乙", "丙", "丁", "戊"], "opinion": "通过", "last": true}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(app.stage(&unit, id).await, "trial_run");

    // Backdate: the first module 5 months ago, the last (and the initial acceptance) 2 months
    // ago: final acceptance still refused, counted from the LAST module.
    let ago = |m: i64| today.checked_sub(jiff::Span::new().months(m)).unwrap();
    let (first, last) = (ago(5), ago(2));
    for sql in [
        format!("UPDATE module_acceptances SET accepted_on = '{first}' WHERE project_id = {id} AND module = '统一门户'"),
        format!("UPDATE module_acceptances SET accepted_on = '{last}' WHERE project_id = {id} AND module = '数据中台'"),
        format!("UPDATE projects SET initial_acceptance_date = '{last}' WHERE id = {id}"),
    ] {
        app.st.db.execute_raw(&sql).await.unwrap();
    }
    for kind in ["trial_run_report", "test_report"] {
        assert_eq!(
            app.upload(&unit, id, kind, "r.pdf", pdf()).await.0,
            StatusCode::CREATED
        );
    }
    let all: Vec<&str> = p
        .acceptance_conditions
        .iter()
        .map(|c| c.code.as_str())
        .collect();
    let apply = json!({ "check": all });
    let (s, v) = app.act(&unit, id, "apply_acceptance", apply.clone()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["message"].as_str().unwrap().contains("三(三)5"), "{v}");
    // Four months after the last module: allowed, and the long wait flagged on the page.
    let last = ago(4);
    for sql in [
        format!("UPDATE module_acceptances SET accepted_on = '{last}' WHERE project_id = {id} AND module = '数据中台'"),
        format!("UPDATE projects SET initial_acceptance_date = '{last}' WHERE id = {id}"),
    ] {
        app.st.db.execute_raw(&sql).await.unwrap();
    }
    // Past the earliest date: the long wait is flagged on the page, never blocked.
    let (cookie, _) = app.page_session("qzwjw").await;
    let html = app
        .client
        .get(format!("{}/projects/{id}", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("id=\"final-wait\"") && html.contains("尚未申请"),
        "{html}"
    );
    let (s, v) = app.act(&unit, id, "apply_acceptance", apply).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, h) = app
        .get(&unit, &format!("/api/v1/projects/{id}/history"))
        .await;
    let actions: Vec<&str> = h["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions.iter().filter(|a| **a == "accept_module").count(),
        2,
        "{h}"
    );
    // The project page lists the modules with their dates and panels, citing the article.
    let html = app
        .client
        .get(format!("{}/projects/{id}", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("分模块初验")
            && html.contains("统一门户")
            && html.contains(&first.to_string()),
        "{html}"
    );
    assert!(html.contains("三(三)5"), "{html}");
}

#[tokio::test]
async fn quzhou_accepts_module_by_module_and_waits_after_the_last_sqlite() {
    module_acceptance(Backend::Sqlite).await;
}

#[tokio::test]
async fn quzhou_accepts_module_by_module_and_waits_after_the_last_postgres() {
    module_acceptance(Backend::Postgres).await;
}

// ZJ-share (seed 000) as a stored, versioned profile: shown with citations on 政策规则, edited
// by an administrator covering the province, validated whole.
async fn sharing_rules(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let province_unit = app.world.actor("szb").unit_id;
    app.st
        .db
        .create_user(
            "provadmin",
            "省级系统管理员",
            province_unit,
            &[tongchou_domain::Role::Admin],
            &tongchou_web::auth::hash_password(tongchou_testkit::DEMO_PASSWORD),
        )
        .await
        .unwrap();
    let prov = app.token("provadmin").await;
    let city = app.token("sxadmin").await;
    let (s, v) = app.get(&city, "/api/v1/sharing-rules").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["version"], 0, "{v}");
    assert_eq!(v["rules"]["cancel_after_missed_delivery_months"], 3, "{v}");
    let text = v["toml"].as_str().unwrap().to_string();

    let put = |token: String, body: Value| {
        let c = app
            .client
            .put(format!("{}/api/v1/sharing-rules", app.base))
            .bearer_auth(token)
            .json(&body);
        async move {
            let r = c.send().await.unwrap();
            let s = r.status();
            (s, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let edited = text.replace("notice_working_days = 5", "notice_working_days = 7");
    assert_ne!(edited, text);
    // A city administrator may not; a broken edit is refused whole; nothing stored.
    let (s, v) = put(city.clone(), json!({"toml": edited, "note": "公示期调整"})).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let broken = edited.replace(
        "cancel_after_missed_delivery_months = 3",
        "cancel_after_missed_delivery_months = 0",
    );
    let (s, v) = put(prov.clone(), json!({"toml": broken, "note": "错误示例"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(
        v.to_string()
            .contains("cancel_after_missed_delivery_months"),
        "{v}"
    );
    let (s, v) = put(prov.clone(), json!({"toml": edited, "note": ""})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(
        app.get(&city, "/api/v1/sharing-rules").await.1["version"],
        0
    );

    let (s, v) = put(
        prov.clone(),
        json!({"toml": edited, "note": "依据省级通知，公示期调整为7个工作日"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["version"], 1, "{v}");
    let (_, v) = app.get(&city, "/api/v1/sharing-rules").await;
    assert_eq!(v["version"], 1, "{v}");
    assert_eq!(v["rules"]["notice_working_days"], 7, "{v}");
    assert_eq!(v["versions"][0]["created_by_name"], "省级系统管理员", "{v}");

    // 政策规则 shows the stored version with its citations.
    let (cookie, _) = app.page_session("sxadmin").await;
    let html = app
        .client
        .get(format!("{}/profile", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("第 1 版") && html.contains("公示 7 个工作日"),
        "{html}"
    );
    assert!(html.contains("三(七) 交付验收"), "{html}");
}

#[tokio::test]
async fn zj_share_rules_are_stored_versioned_and_edited_from_the_province_sqlite() {
    sharing_rules(Backend::Sqlite).await;
}

#[tokio::test]
async fn zj_share_rules_are_stored_versioned_and_edited_from_the_province_postgres() {
    sharing_rules(Backend::Postgres).await;
}
