//! Issue 5, polish, over HTTP on SQLite and PostgreSQL: the unit directory's legal forms decide
//! the 承接主体 rules (ZJ-share 三（三）), class-3 subjects each owe and lose their own delivery
//! and acceptance (三（五）、三（七）), and the 晾晒台's year and unit filters reach competitions.
use crate::market::{eight, form_body, html};
use crate::support::{Backend, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Open a competition of `class` on the first published item; returns its id.
async fn open(app: &TestApp, class: u8, title: &str) -> i64 {
    let lead = app.token("qtdw").await;
    let me = app.token("scgs").await;
    let (_, lib) = app.get(&me, "/api/v1/public/library").await;
    let item = lib["items"][0]["id"].as_i64().expect("a published item");
    let mut form = form_body(item, class);
    form["title"] = json!(title);
    form["user_scale"] = json!("全省 90 个县（市、区）");
    form["service_fee"] = json!("按使用量付费");
    let (s, c) = app.post(&lead, "/api/v1/competitions", form).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    c["id"].as_i64().unwrap()
}

/// A purchase-of-service bid of `kind` (with the 承接主体 declaration and, for an institution,
/// the DRC and finance opinions).
fn provider_bid(kind: &str) -> Value {
    json!({"kind": kind, "materials": "可研", "drc_opinion": "同意", "finance_opinion": "同意",
           "credit_code": tongchou_testkit::DEMO_CREDIT_CODE,
           "conditions": tongchou_testkit::DEMO_PROVIDER_CONDITIONS})
}

/// ZJ-share 三（三）采用政府购买服务方式的，项目主体应符合政府购买服务承接主体有关规定;
/// 《政府购买服务管理办法》（财政部令第102号）第五、六、八条: the unit directory records each unit's
/// legal form (an administrator sets it); a 公益二类事业单位 and a 社会组织 may bid on a purchased
/// service, a 公益一类事业单位 may not, and nobody bids as another kind than the directory's.
async fn directory_kinds(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let today = tongchou_store::today();
    tongchou_testkit::seed_demand_demo(&app.st, &app.world, today, None)
        .await
        .expect("demand demo");
    let id = open(&app, 2, "社区养老服务购买（揭榜）").await;
    let act = format!("/api/v1/competitions/{id}/actions/bid");
    let sjzx = app.token("sjzx").await;
    let dag = app.token("dag").await;
    let szxh = app.token("szxh").await;
    // the directory as the demo recorded it
    let (s, v) = app.get(&sjzx, "/api/v1/units").await;
    assert_eq!(s, StatusCode::OK);
    let unit = |v: &Value, name: &str| {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["name"] == name)
            .cloned()
            .unwrap()
    };
    assert_eq!(
        unit(&v, "区大数据发展中心")["institution_class"],
        "public_welfare_2"
    );
    assert_eq!(unit(&v, "区档案馆")["provider_eligible"], false);
    assert_eq!(unit(&v, "区数字经济协会")["entity_kind"], "social");
    assert_eq!(unit(&v, "区教育局")["entity_kind"], "government");
    // 公益二类: may bid; the class comes from the directory, not from the bid
    let (s, v) = app.post(&sjzx, &act, provider_bid("institution")).await;
    assert_eq!(s, StatusCode::OK, "公益二类事业单位 may provide: {v}");
    // 公益一类: refused, citing the rule
    let (s, v) = app.post(&dag, &act, provider_bid("institution")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["message"].as_str().unwrap().contains("公益一类"), "{v}");
    // declaring another class or posing as a market entity does not get round it
    let mut declared = provider_bid("institution");
    declared["institution_class"] = json!("public_welfare_2");
    let (s, v) = app.post(&dag, &act, declared).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = app.post(&dag, &act, provider_bid("market")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["message"].as_str().unwrap().contains("单位名录"), "{v}");
    // a social organisation: may bid
    let (s, v) = app.post(&szxh, &act, provider_bid("social")).await;
    assert_eq!(s, StatusCode::OK, "社会组织 may provide: {v}");
    // only an administrator of the unit's jurisdiction records the legal form
    let dag_unit = app.world.actor("dag").unit_id.0;
    let path = format!("/api/v1/units/{dag_unit}/entity");
    let pw2 = json!({"entity_kind": "institution", "institution_class": "public_welfare_2"});
    let sjj = app.token("sjj").await;
    let (s, _) = app.post(&sjj, &path, pw2.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "not an administrator");
    let sxadmin = app.token("sxadmin").await;
    let (s, _) = app.post(&sxadmin, &path, pw2.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "another city's administrator");
    let admin = app.token("admin").await;
    let (s, v) = app
        .post(&admin, &path, json!({"entity_kind": "institution"}))
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a 事业单位 needs its class: {v}"
    );
    let (s, v) = app.post(&admin, &path, pw2).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["provider_eligible"], true, "{v}");
    // re-classified 公益二类 by the administrator: now it may bid
    let (s, v) = app.post(&dag, &act, provider_bid("institution")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // the page: the administrator flags the association as a fiscal 群团组织
    let (cookie, csrf) = app.page_session("admin").await;
    let page = html(&app, &cookie, "/settings/units").await;
    assert!(page.contains("区数字经济协会") && page.contains("公益二类事业单位"));
    assert!(html(&app, &cookie, "/settings")
        .await
        .contains("/settings/units"));
    let szxh_unit = app.world.actor("szxh").unit_id.0;
    let r = app
        .client
        .post(format!("{}/settings/units/{szxh_unit}", app.base))
        .header("cookie", &cookie)
        .form(&[
            ("_csrf", csrf.as_str()),
            ("entity_kind", "social"),
            ("institution_class", ""),
            ("fiscal_mass_org", "yes"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, v) = app.get(&admin, "/api/v1/units").await;
    assert_eq!(unit(&v, "区数字经济协会")["provider_eligible"], false);
    // it no longer qualifies as a provider (a fresh competition)
    let id2 = open(&app, 3, "基层治理按需购买（揭榜）").await;
    let (s, v) = app
        .post(
            &szxh,
            &format!("/api/v1/competitions/{id2}/actions/bid"),
            provider_bid("social"),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["message"].as_str().unwrap().contains("群团组织"), "{v}");
    // a clerk's page is refused
    let (cookie, _) = app.page_session("jyj").await;
    let r = app
        .client
        .get(format!("{}/settings/units", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // each change is in the hash-chained history
    assert!(app.st.db.verify_demand_history().await.unwrap().is_ok());
    let h = app.st.db.market_history("unit", dag_unit).await.unwrap();
    assert!(h.iter().any(|e| e.summary.contains("公益二类")), "{h:?}");
}

#[tokio::test]
async fn unit_directory_kinds_decide_provider_rules_sqlite() {
    directory_kinds(Backend::Sqlite).await;
}

#[tokio::test]
async fn unit_directory_kinds_decide_provider_rules_postgres() {
    directory_kinds(Backend::Postgres).await;
}

/// ZJ-share 三（五）第三类项目主体不超过3家; 三（七）项目主体…向牵头责任主体提交项目验收申请…超过
/// 规定期限3个月未通过验收的，取消其项目主体资格: with three subjects, each owes its own delivery and
/// acceptance (its own 我的待办, the page, the board), is accepted and listed on its own, and a
/// lapse cancels that subject only — the others go on.
async fn class_three_subjects(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let today = tongchou_store::today();
    tongchou_testkit::seed_demand_demo(&app.st, &app.world, today, None)
        .await
        .expect("demand demo");
    let id = open(&app, 3, "社区智治按需购买（揭榜）").await;
    let act = |a: &str| format!("/api/v1/competitions/{id}/actions/{a}");
    let lead = app.token("qtdw").await;
    let sjj = app.token("sjj").await;
    let zj1 = app.token("zj1").await;
    let scgs = app.token("scgs").await;
    let sjzx = app.token("sjzx").await;
    let szxh = app.token("szxh").await;
    for (t, kind) in [(&scgs, "market"), (&sjzx, "institution"), (&szxh, "social")] {
        let (s, v) = app.post(t, &act("bid"), provider_bid(kind)).await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let uid = |u: &str| app.world.actor(u).user_id.0;
    let unit = |u: &str| app.world.actor(u).unit_id.0;
    let (s, _) = app
        .post(
            &lead,
            &act("assign_experts"),
            json!({"experts": [uid("zj1"), uid("zj2"), uid("zj3")]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, v) = app.get(&lead, &format!("/api/v1/competitions/{id}")).await;
    let bids: Vec<i64> = v["bids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_i64().unwrap())
        .collect();
    assert_eq!(bids.len(), 3);
    for b in &bids {
        let (s, _) = app.post(&zj1, &act("score"), eight(*b)).await;
        assert_eq!(s, StatusCode::OK);
    }
    let (s, v) = app
        .post(&lead, &act("shortlist"), json!({"bids": bids}))
        .await;
    assert_eq!(s, StatusCode::OK, "class 3: up to 3 subjects: {v}");
    app.st
        .db
        .shift_notice_until_for_tests(id, today.yesterday().unwrap())
        .await
        .unwrap();
    let (s, v) = app.post(&sjj, &act("announce"), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let agreed = today.checked_sub(jiff::Span::new().days(130)).unwrap();
    let later = today.checked_add(jiff::Span::new().days(60)).unwrap();
    let (s, v) = app
        .post(
            &lead,
            &act("agree"),
            json!({"milestones": format!("组织推广|lead_unit|{later}"), "delivery_date": agreed.to_string()}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // a delivery and an acceptance obligation per subject, owned by its unit
    let s7 = v["obligations"].as_array().unwrap().clone();
    assert_eq!(s7.len(), 6, "{v}");
    for u in ["scgs", "sjzx", "szxh"] {
        let mine: Vec<&Value> = s7
            .iter()
            .filter(|o| o["owner_unit_id"] == unit(u))
            .collect();
        assert_eq!(mine.len(), 2, "{u}: {v}");
        assert!(mine
            .iter()
            .all(|o| o["overdue"] == true && o["owner"] == "subject"));
    }
    // each subject's 我的待办 lists its own two, the lead unit's all six
    for u in ["sjzx", "szxh", "scgs"] {
        let (cookie, _) = app.page_session(u).await;
        let todo = html(&app, &cookie, "/").await;
        assert_eq!(
            todo.matches("按协议约定日期交付").count(),
            1,
            "{u}'s own delivery only"
        );
    }
    let (lead_cookie, _) = app.page_session("qtdw").await;
    let todo = html(&app, &lead_cookie, "/").await;
    assert_eq!(todo.matches("按协议约定日期交付").count(), 3);
    // the page names the responsible unit; the board counts each against its unit
    let page = html(&app, &lead_cookie, &format!("/competitions/{id}")).await;
    assert!(page.contains("区大数据发展中心") && page.contains("区数字经济协会"));
    let (sjj_cookie, _) = app.page_session("sjj").await;
    let board = html(&app, &sjj_cookie, "/board").await;
    let duties = board
        .split("共享应用协议义务")
        .nth(1)
        .expect("the board's duties card");
    assert!(
        duties.contains("区大数据发展中心")
            && duties.contains("区数字经济协会")
            && duties.contains("杭州某科技有限公司"),
        "each subject on the board"
    );
    // the market entity applies and is accepted on its own: listed; the others go on
    let (s, v) = app.post(&scgs, &act("apply_acceptance"), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["state"], "acceptance_applied");
    let (s, _) = app.post(&scgs, &act("apply_acceptance"), json!({})).await;
    assert_eq!(s, StatusCode::CONFLICT, "once");
    let (s, v) = app
        .post(
            &lead,
            &act("accept"),
            json!({"opinion": "通过", "subject": unit("sjzx")}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "sjzx has not applied: {v}"
    );
    let (s, v) = app
        .post(&lead, &act("accept"), json!({"opinion": "通过"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v["state"], "agreed",
        "two subjects still owe acceptance: {v}"
    );
    let st = |v: &Value, u: &str, k: &str| {
        v["subjects"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["unit_id"] == unit(u))
            .unwrap()[k]
            .clone()
    };
    assert_eq!(st(&v, "scgs", "acceptance"), "fulfilled");
    assert_eq!(st(&v, "sjzx", "acceptance"), "open");
    let (_, m) = app.get(&sjj, "/api/v1/public/market?q=社区智治").await;
    assert_eq!(m["items"].as_array().unwrap().len(), 1, "{m}");
    // the sweep proposes the lapsed subjects only, one proposal each
    tongchou_web::service::sweep(&app.st).await.unwrap();
    tongchou_web::service::sweep(&app.st).await.unwrap();
    let (_, v) = app.get(&lead, &format!("/api/v1/competitions/{id}")).await;
    let ps = v["cancel_proposals"].as_array().unwrap().clone();
    assert_eq!(ps.len(), 2, "{v}");
    assert!(ps
        .iter()
        .all(|p| p["state"] == "pending" && p["unit_id"] != unit("scgs")));
    let todo = html(&app, &lead_cookie, "/").await;
    assert_eq!(todo.matches("确认或不予取消项目主体资格").count(), 2);
    // 取消其项目主体资格: the lead unit names the subject; only that one is cancelled
    let (s, v) = app
        .post(
            &lead,
            &act("confirm_cancel"),
            json!({"reason": "逾期未验收"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "which subject: {v}");
    let (s, v) = app
        .post(
            &lead,
            &act("confirm_cancel"),
            json!({"reason": "逾期未验收", "subject": unit("szxh")}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["state"], "agreed", "the competition goes on: {v}");
    assert!(st(&v, "szxh", "cancelled_on").is_string(), "{v}");
    assert_eq!(st(&v, "szxh", "acceptance"), "lapsed");
    assert_eq!(st(&v, "sjzx", "acceptance"), "open", "not the others'");
    assert!(st(&v, "sjzx", "cancelled_on").is_null());
    assert_eq!(st(&v, "scgs", "acceptance"), "fulfilled");
    let ps = v["cancel_proposals"].as_array().unwrap();
    let p = |u: &str| ps.iter().find(|p| p["unit_id"] == unit(u)).unwrap()["state"].clone();
    assert_eq!(p("szxh"), "confirmed");
    assert_eq!(p("sjzx"), "pending");
    // the cancelled subject can no longer apply; the remaining one applies and is accepted
    let (s, _) = app.post(&szxh, &act("apply_acceptance"), json!({})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = app.post(&sjzx, &act("apply_acceptance"), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app
        .post(&lead, &act("accept"), json!({"opinion": "通过"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v["state"], "accepted",
        "every subject in force accepted: {v}"
    );
    let ps = v["cancel_proposals"].as_array().unwrap();
    assert_eq!(
        ps.iter().find(|p| p["unit_id"] == unit("sjzx")).unwrap()["state"],
        "superseded",
        "an accepted subject's proposal lapses"
    );
    let (_, m) = app.get(&sjj, "/api/v1/public/market?q=社区智治").await;
    let owners: Vec<&str> = m["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["owner"].as_str().unwrap())
        .collect();
    assert_eq!(owners.len(), 2, "{m}");
    assert!(owners.contains(&"区大数据发展中心") && owners.contains(&"杭州某科技有限公司"));
    let todo = html(&app, &lead_cookie, "/").await;
    assert!(!todo.contains("确认或不予取消项目主体资格"));
    assert!(app.st.db.verify_demand_history().await.unwrap().is_ok());
}

#[tokio::test]
async fn class_three_subjects_owe_and_lose_their_own_subjecthood_sqlite() {
    class_three_subjects(Backend::Sqlite).await;
}

#[tokio::test]
async fn class_three_subjects_owe_and_lose_their_own_subjecthood_postgres() {
    class_three_subjects(Backend::Postgres).await;
}

/// SPEC (晾晒台) over ZJ-share 四（监督评估）: the board's year and unit filters apply to the
/// competitions' overrides and obligations too — year = the year the competition was opened,
/// unit = its lead unit or a selected subject.
async fn board_year_unit(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let today = tongchou_store::today();
    tongchou_testkit::seed_demand_demo(&app.st, &app.world, today, None)
        .await
        .expect("demand demo");
    let id = open(&app, 1, "基层减负一表通（揭榜）").await;
    let act = |a: &str| format!("/api/v1/competitions/{id}/actions/{a}");
    let lead = app.token("qtdw").await;
    let sjj = app.token("sjj").await;
    let me = app.token("scgs").await;
    let jyj = app.token("jyj").await;
    let zj1 = app.token("zj1").await;
    app.post(
        &me,
        &act("bid"),
        json!({"kind": "market", "materials": "可研"}),
    )
    .await;
    app.post(&jyj, &act("bid"), json!({"kind": "government", "drc_opinion": "同意", "finance_opinion": "同意", "materials": "可研"}))
        .await;
    let uid = |u: &str| app.world.actor(u).user_id.0;
    let unit = |u: &str| app.world.actor(u).unit_id.0;
    app.post(
        &lead,
        &act("assign_experts"),
        json!({"experts": [uid("zj1"), uid("zj2"), uid("zj3")]}),
    )
    .await;
    let (_, v) = app.get(&lead, &format!("/api/v1/competitions/{id}")).await;
    let bids: Vec<i64> = v["bids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_i64().unwrap())
        .collect();
    for b in &bids {
        app.post(&zj1, &act("score"), eight(*b)).await;
    }
    // two subjects on a class-1 competition: the override waits on the board
    let (s, v) = app
        .post(
            &lead,
            &act("shortlist"),
            json!({"bids": bids, "override_reason": "两家分别覆盖城区与山区"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let n = |v: &Value| v["competition_items"].as_array().map_or(0, Vec::len);
    let year = today.year();
    for (q, want, why) in [
        (format!("year={year}"), 1, "opened this year"),
        (format!("year={}", year - 1), 0, "another year"),
        (format!("unit={}", unit("qtdw")), 1, "the lead unit"),
        (format!("unit={}", unit("jyj")), 1, "a selected subject"),
        (format!("unit={}", unit("wjw")), 0, "an unrelated unit"),
    ] {
        let (s, v) = app.get(&sjj, &format!("/api/v1/overrides?{q}")).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(n(&v), want, "{why} ({q}): {v}");
    }
    // the obligations card on the page, with the same filters
    app.st
        .db
        .shift_notice_until_for_tests(id, today.yesterday().unwrap())
        .await
        .unwrap();
    let past = today.checked_sub(jiff::Span::new().days(10)).unwrap();
    let (_, v) = app.get(&sjj, &format!("/api/v1/competitions/{id}")).await;
    let oid = v["overrides"][0]["id"].as_i64().unwrap();
    let (s, v) = app
        .post(
            &sjj,
            &act("review_override"),
            json!({"override": oid, "agree": "yes"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app.post(&sjj, &act("announce"), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app
        .post(
            &lead,
            &act("agree"),
            json!({"milestones": format!("完成试点部署|lead_unit|{past}"), "delivery_date": past.to_string()}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (cookie, _) = app.page_session("sjj").await;
    let shown =
        |page: &str| page.contains("共享应用协议义务") && page.contains("协议里程碑：完成试点部署");
    let board = html(&app, &cookie, "/board").await;
    assert!(shown(&board));
    assert!(
        board.contains(&format!("<option value=\"{}\"", unit("scgs")))
            && board.contains(&format!("<option value=\"{}\"", unit("qtdw"))),
        "the unit filter offers the competitions' subject and lead unit"
    );
    assert!(shown(
        &html(&app, &cookie, &format!("/board?year={year}")).await
    ));
    assert!(!shown(
        &html(&app, &cookie, &format!("/board?year={}", year - 1)).await
    ));
    assert!(shown(
        &html(&app, &cookie, &format!("/board?unit={}", unit("scgs"))).await
    ));
    assert!(!shown(
        &html(&app, &cookie, &format!("/board?unit={}", unit("wjw"))).await
    ));
}

#[tokio::test]
async fn board_year_and_unit_filters_apply_to_competitions_sqlite() {
    board_year_unit(Backend::Sqlite).await;
}

#[tokio::test]
async fn board_year_and_unit_filters_apply_to_competitions_postgres() {
    board_year_unit(Backend::Postgres).await;
}
