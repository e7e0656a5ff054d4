//! Issue 5, second half, over HTTP on SQLite and PostgreSQL: a published library item → a
//! competition (揭榜) with the S3 form → bids (market entity, administrative unit with the DRC and
//! finance opinions) → expert scores → shortlist → public notice readable without login (nothing
//! internal) → an objection blocks the announcement until handled → announcement → agreement →
//! delivery → acceptance → market listing → reuse approved → rating → nomination; permissions of
//! every new operation; publiccode-style metadata; catalogues.
use crate::support::{Backend, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn form_body(item: i64, class: u8) -> Value {
    json!({
        "item": item, "title": "老年助餐服务应用（揭榜）", "scenario": "unveil", "class": class,
        "definition": "刷脸就餐、补贴自动核销的老年助餐应用", "content": "助餐点管理、补贴核销、子女查看",
        "necessity": "两地需求一致，避免重复建设", "feasibility": "已有试点", "construction_mode": "揭榜挂帅",
        "tech_spec": "接入一体化数字资源系统", "financing": "省级统筹", "qualifications": "具备养老服务信息化经验",
        "requirements": "先在上城区、海曙区试点", "delivery_date": tongchou_store::today().to_string(),
        "acceptance_criteria": "两地试点上线、核销准确率 99%",
        "budget_estimate": "1200000", "fund_source": "省级数字化改革专项资金"
    })
}

async fn anon_get(app: &TestApp, path: &str) -> (StatusCode, String) {
    let r = app
        .client
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

async fn anon_post(app: &TestApp, path: &str, body: Value) -> (StatusCode, Value) {
    let r = app
        .client
        .post(format!("{}{path}", app.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn walk(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let today = tongchou_store::today();
    tongchou_testkit::seed_demand_demo(&app.st, &app.world, today, None)
        .await
        .expect("demand demo");
    let lead = app.token("qtdw").await;
    let sjj = app.token("sjj").await;
    let me = app.token("scgs").await;
    let jyj = app.token("jyj").await;
    let wjw = app.token("wjw").await;
    let zj1 = app.token("zj1").await;

    let (s, lib) = app.get(&me, "/api/v1/public/library").await;
    assert_eq!(s, StatusCode::OK);
    let item = lib["items"][0]["id"].as_i64().expect("a published item");

    // S1–S3: the form; class-1 fields required; only the lead unit opens
    let mut bad = form_body(item, 1);
    bad["budget_estimate"] = json!("");
    let (s, v) = app.post(&lead, "/api/v1/competitions", bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["fields"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["field"] == "budget_estimate"));
    let (s, _) = app
        .post(&jyj, "/api/v1/competitions", form_body(item, 1))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, c) = app
        .post(&lead, "/api/v1/competitions", form_body(item, 1))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let id = c["id"].as_i64().unwrap();
    let act = |a: &'static str| format!("/api/v1/competitions/{id}/actions/{a}");

    // notice page does not exist before the shortlist
    let (s, _) = anon_get(&app, &format!("/public/notices/{id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // S4: bids
    let (s, v) = app
        .post(
            &me,
            &act("bid"),
            json!({"kind": "government", "materials": "可研"}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a market entity cannot pose as a department: {v}"
    );
    let (s, v) = app
        .post(&me, &act("bid"), json!({"kind": "market", "members": "宁波某信息公司\n浙江某研究院", "materials": "联合体可研材料：内部报价 88 万"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app
        .post(
            &jyj,
            &act("bid"),
            json!({"kind": "government", "drc_opinion": "同意", "materials": "区教育局可研"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["code"], "rule");
    assert!(v["message"].as_str().unwrap().contains("三（三）"));
    let (s, _) = app
        .post(&jyj, &act("bid"), json!({"kind": "government", "drc_opinion": "同意", "finance_opinion": "资金已落实", "materials": "区教育局可研"}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app
        .post(
            &sjj,
            &act("bid"),
            json!({"kind": "government", "materials": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "the authority does not bid");

    // a market entity sees its own bid only, and nothing internal
    let (_, v) = app.get(&me, &format!("/api/v1/competitions/{id}")).await;
    assert_eq!(v["bids"].as_array().unwrap().len(), 1);
    assert!(v.get("history").is_none());
    let (_, v) = app.get(&lead, &format!("/api/v1/competitions/{id}")).await;
    let bids = v["bids"].as_array().unwrap().clone();
    assert_eq!(bids.len(), 2);
    let market_bid = bids.iter().find(|b| b["kind"] == "market").unwrap()["id"]
        .as_i64()
        .unwrap();
    let unit_bid = bids.iter().find(|b| b["kind"] == "government").unwrap()["id"]
        .as_i64()
        .unwrap();
    let (s, _) = app.get(&me, "/api/v1/proposals").await;
    assert_ne!(s, StatusCode::OK, "the ledger is internal");
    let (_, v) = app.get(&me, "/api/v1/library").await;
    assert!(v["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["state"] == "published"));
    let (_, v) = app.get(&me, "/api/v1/projects").await;
    assert_eq!(v["total"], 0, "no internal projects: {v}");

    // S5: expert scores
    let scores = |bid: i64| {
        json!({"bid": bid, "necessity": 9, "feasibility": 8, "architecture": 8, "business": 9,
        "tech_spec": 7, "data_sharing": 8, "security": 8, "investment": 7, "opinion": "方案可行"})
    };
    let (s, _) = app.post(&me, &act("score"), scores(market_bid)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // ZJ-share 三（四）: experts are assigned by the lead unit, not self-selected; 回避 holds
    let (s, v) = app.post(&zj1, &act("score"), scores(market_bid)).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "not yet assigned: {v}");
    let uid = |u: &str| app.world.actor(u).user_id.0;
    let (s, _) = app
        .post(
            &sjj,
            &act("assign_experts"),
            json!({"experts": [uid("zj1"), uid("zj2"), uid("zj3")]}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "only the lead unit assigns");
    let (s, v) = app
        .post(
            &lead,
            &act("assign_experts"),
            json!({"experts": [uid("zj1"), uid("zj2")]}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "three or more: {v}");
    let (s, v) = app
        .post(
            &lead,
            &act("assign_experts"),
            json!({"experts": [uid("zj1"), uid("zj2"), uid("zj6")]}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["message"].as_str().unwrap().contains("回避"), "{v}");
    let (s, v) = app
        .post(
            &lead,
            &act("assign_experts"),
            json!({"experts": [uid("zj1"), uid("zj2"), uid("zj3")]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, v) = app.get(&lead, &format!("/api/v1/competitions/{id}")).await;
    assert_eq!(v["experts"].as_array().unwrap().len(), 3, "{v}");
    assert!(v["history"].to_string().contains("指定评审专家组"), "{v}");
    let zj4 = app.token("zj4").await;
    let (s, _) = app.post(&zj4, &act("score"), scores(market_bid)).await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "an expert not on the panel does not score"
    );
    let mut over = scores(market_bid);
    over["security"] = json!(11);
    let (s, _) = app.post(&zj1, &act("score"), over).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    for b in [market_bid, unit_bid] {
        let (s, v) = app.post(&zj1, &act("score"), scores(b)).await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }

    // shortlist: class 1 → one subject (a consortium is one); two needs a reason
    let (s, v) = app
        .post(
            &lead,
            &act("shortlist"),
            json!({"bids": [market_bid, unit_bid]}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["code"], "override_required");
    let (s, v) = app
        .post(
            &lead,
            &act("shortlist"),
            json!({"bids": [market_bid], "notice_from": today.yesterday().unwrap().to_string()}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no backdated notice: {v}"
    );
    let (s, _) = app
        .post(&sjj, &act("shortlist"), json!({"bids": [market_bid]}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = app
        .post(
            &lead,
            &act("shortlist"),
            json!({"bids": [market_bid], "notice_from": today.to_string()}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["state"], "notice");

    // the notice: public, no login, nothing internal
    let (s, html) = anon_get(&app, &format!("/public/notices/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("拟入选项目主体名单公示"));
    assert!(html.contains("杭州某科技有限公司"));
    assert!(
        html.contains("宁波某信息公司"),
        "consortium members are public"
    );
    assert!(!html.contains("内部报价"), "materials stay internal");
    assert!(!html.contains("区教育局可研"));
    assert!(!html.contains("方案可行"), "expert opinions stay internal");
    let (s, v) = anon_post(&app, &format!("/api/v1/public/notices/{id}"), json!({})).await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED, "{v}");
    let r = app
        .client
        .get(format!("{}/api/v1/public/notices/{id}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["shortlist"].as_array().unwrap().len(), 1);
    assert!(v["shortlist"][0].get("materials").is_none());

    // an objection from anyone; size-limited
    let long = "长".repeat(2001);
    let (s, _) = anon_post(
        &app,
        &format!("/api/v1/public/notices/{id}/objections"),
        json!({"name": "王某", "contact": "138", "text": long}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, v) = anon_post(
        &app,
        &format!("/api/v1/public/notices/{id}/objections"),
        json!({"name": "王某", "contact": "13800000000", "text": "该公司无养老服务案例"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let oid = v["id"].as_i64().unwrap();
    let (_, v) = app.get(&me, &format!("/api/v1/competitions/{id}")).await;
    assert!(
        v["objections"][0].get("contact").is_none(),
        "an objector's contact is not shown to bidders"
    );

    let r = app
        .client
        .post(format!("{}/public/notices/{id}", app.base))
        .form(&[
            ("name", "王某"),
            ("contact", "138"),
            ("text", long.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().await.unwrap().contains("不超过 2000 字"),
        "the message beside the form"
    );
    let r = app
        .client
        .post(format!("{}/public/notices/{id}", app.base))
        .header("origin", "https://evil.example")
        .form(&[("name", "王某"), ("contact", "138"), ("text", "跨站")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "cross-site posts refused"
    );

    // the period ends (the test cannot wait); the open objection still blocks
    app.st
        .db
        .shift_notice_until_for_tests(id, today.yesterday().unwrap())
        .await
        .unwrap();
    let (s, v) = app.post(&sjj, &act("announce"), json!({})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["message"].as_str().unwrap().contains("异议"));
    let (s, _) = app
        .post(
            &jyj,
            &act("handle_objection"),
            json!({"objection": oid, "reply": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // the page: a readable message beside the form for the public, CSRF for the lead unit
    let r = app
        .client
        .post(format!("{}/public/notices/{id}", app.base))
        .form(&[
            ("name", "王某"),
            ("contact", "138"),
            ("text", long.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().await.unwrap().contains("只能在公示期内提出异议"),
        "the period has ended"
    );
    let (cookie, csrf) = app.page_session("qtdw").await;
    let r = app
        .client
        .get(format!("{}/competitions/{id}", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("该公司无养老服务案例"),
        "the lead unit sees the objection"
    );
    let reply = "经核实，联合体成员浙江某研究院有养老服务案例，异议不成立";
    let oid_s = oid.to_string();
    let r = app
        .client
        .post(format!(
            "{}/competitions/{id}/act/handle_objection",
            app.base
        ))
        .header("cookie", &cookie)
        .form(&[("objection", oid_s.as_str()), ("reply", reply)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "no CSRF token");
    let r = app
        .client
        .post(format!(
            "{}/competitions/{id}/act/handle_objection",
            app.base
        ))
        .header("cookie", &cookie)
        .form(&[
            ("_csrf", csrf.as_str()),
            ("objection", oid_s.as_str()),
            ("reply", reply),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (s, _) = app.post(&lead, &act("announce"), json!({})).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "the task force announces");
    let (s, v) = app.post(&sjj, &act("announce"), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // agreement with milestones and owners; selection counts as the feasibility study
    let (s, _) = app
        .post(
            &lead,
            &act("agree"),
            json!({"milestones": "", "delivery_date": today.to_string()}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, v) = app
        .post(&lead, &act("agree"), json!({"milestones": format!("完成试点部署|subject|{today}\n组织验收|lead_unit|{today}"), "delivery_date": today.to_string()}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["milestones"].as_array().unwrap().len(), 2);
    assert!(v["history"].as_array().unwrap().iter().any(|h| h["summary"]
        .as_str()
        .unwrap()
        .contains("视同完成项目可行性研究论证")));

    // delivery and acceptance
    let (s, _) = app.post(&jyj, &act("apply_acceptance"), json!({})).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "not the selected subject");
    let (s, v) = app.post(&me, &act("apply_acceptance"), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, _) = app
        .post(&me, &act("accept"), json!({"opinion": "通过"}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = app
        .post(
            &lead,
            &act("accept"),
            json!({"opinion": "两地试点运行正常，验收通过"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["state"], "accepted");

    // listed automatically; public market and metadata
    let r = app
        .client
        .get(format!("{}/api/v1/public/market?q=助餐", app.base))
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["total"], 1, "{v}");
    let lid = v["items"][0]["id"].as_i64().unwrap();
    assert_eq!(v["items"][0]["pricing"], "协商定价（唯一供应商）");
    assert!(v["items"][0]["ownership"]
        .as_str()
        .unwrap()
        .contains("国有资产"));
    let (s, html) = anon_get(&app, "/market").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("老年助餐服务应用（揭榜）"));
    let r = app
        .client
        .get(format!("{}/market/{lid}/publiccode.json", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let pc: Value = r.json().await.unwrap();
    assert_eq!(pc["name"], "老年助餐服务应用（揭榜）");
    assert_eq!(pc["legal"]["mainCopyrightOwner"], "杭州某科技有限公司");

    // reuse: a unit asks, the owner approves, counted; the user rates; nominations
    let m = |a: &'static str| format!("/api/v1/market/{lid}/actions/{a}");
    let (s, _) = app
        .post(&me, &m("request_reuse"), json!({"purpose": "自用"}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = app
        .post(
            &jyj,
            &m("request_reuse"),
            json!({"purpose": "学校食堂老年助餐"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let rid = v["requests"][0]["id"].as_i64().unwrap();
    let (s, _) = app.post(&jyj, &m("rate"), json!({"stars": 5})).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "not approved yet");
    let (s, _) = app
        .post(&wjw, &m("approve_reuse"), json!({"reuse": rid}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = app
        .post(&me, &m("approve_reuse"), json!({"reuse": rid}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["reuse_count"], 1);
    let (s, v) = app
        .post(
            &jyj,
            &m("rate"),
            json!({"stars": 5, "review": "核销准确，老人满意"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["rating"], 5.0);
    let (s, _) = app.post(&wjw, &m("rate"), json!({"stars": 1})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app
        .post(&jyj, &m("nominate"), json!({"rank": 1, "note": "x"}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = app
        .post(&sjj, &m("nominate"), json!({"rank": 1, "note": "全省推广"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["best"], true);
    let (s, v) = app
        .post(
            &sjj,
            &m("nominate"),
            json!({"rank": 1, "note": "全省推广", "version": 1}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");

    // the listing's page: public, and the owner's page shows the requests with CSRF forms
    let (s, html) = anon_get(&app, &format!("/market/{lid}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("协商定价") && html.contains("区教育局") && html.contains("核销准确"));
    assert!(
        !html.contains("学校食堂老年助餐"),
        "reuse requests are the owner's"
    );
    let (cookie, _) = app.page_session("scgs").await;
    let r = app
        .client
        .get(format!("{}/market/{lid}", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("学校食堂老年助餐"));
    let r = app
        .client
        .get(format!("{}/competitions/{id}", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("本单位的揭榜"));
    assert!(!html.contains("区教育局可研") && !html.contains("该公司无养老服务案例"));

    // catalogues
    let (s, v) = app.get(&sjj, "/api/v1/catalogues").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["applications"].as_array().unwrap().len(), 1);
    assert_eq!(v["components"].as_array().unwrap().len(), 1);
    let (s, html) = anon_get(&app, "/catalogues").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("数据资源编目"));

    // nothing is writable without login
    let r = app
        .client
        .post(format!("{}/api/v1/competitions/{id}/actions/bid", app.base))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // the chains verify
    assert!(app.st.db.verify_demand_history().await.unwrap().is_ok());
}

#[tokio::test]
async fn market_walk_sqlite() {
    walk(Backend::Sqlite).await;
}

#[tokio::test]
async fn market_walk_postgres() {
    walk(Backend::Postgres).await;
}

/// ZJ-share 三（五）原则上 + SPEC §0: an over-limit shortlist goes ahead with a recorded reason and
/// waits for the named approver (the authority here), who sees it in 我的待办 and signs off or
/// objects with a reason, once; a history entry either way.
async fn override_signed_off(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let today = tongchou_store::today();
    tongchou_testkit::seed_demand_demo(&app.st, &app.world, today, None)
        .await
        .expect("demand demo");
    let lead = app.token("qtdw").await;
    let sjj = app.token("sjj").await;
    let me = app.token("scgs").await;
    let jyj = app.token("jyj").await;
    let zj1 = app.token("zj1").await;
    let (_, lib) = app.get(&me, "/api/v1/public/library").await;
    let item = lib["items"][0]["id"].as_i64().expect("a published item");
    let (s, c) = app
        .post(&lead, "/api/v1/competitions", form_body(item, 1))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let id = c["id"].as_i64().unwrap();
    let act = |a: &'static str| format!("/api/v1/competitions/{id}/actions/{a}");
    let (s, _) = app
        .post(
            &me,
            &act("bid"),
            json!({"kind": "market", "materials": "可研"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app
        .post(&jyj, &act("bid"), json!({"kind": "government", "drc_opinion": "同意", "finance_opinion": "资金已落实", "materials": "区教育局可研"}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let uid = |u: &str| app.world.actor(u).user_id.0;
    let (s, v) = app
        .post(
            &lead,
            &act("assign_experts"),
            json!({"experts": [uid("zj1"), uid("zj2"), uid("zj3")]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, v) = app.get(&lead, &format!("/api/v1/competitions/{id}")).await;
    let bids: Vec<i64> = v["bids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_i64().unwrap())
        .collect();
    for b in &bids {
        let mut sc = json!({"bid": b, "opinion": "可行"});
        for k in [
            "necessity",
            "feasibility",
            "architecture",
            "business",
            "tech_spec",
            "data_sharing",
            "security",
            "investment",
        ] {
            sc[k] = json!(8);
        }
        let (s, v) = app.post(&zj1, &act("score"), sc).await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let (s, v) = app
        .post(&lead, &act("shortlist"), json!({"bids": bids, "override_reason": "两家分别覆盖城区与山区", "version": v["version"]}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, v) = app.get(&sjj, &format!("/api/v1/competitions/{id}")).await;
    let ov = &v["overrides"][0];
    assert_eq!(ov["state"], "pending", "{v}");
    let oid = ov["id"].as_i64().unwrap();

    // in the approver's 我的待办
    let (cookie, _) = app.page_session("sjj").await;
    let html = app
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
        html.contains("审批原则性规定的例外") && html.contains(&format!("/competitions/{id}")),
        "todo lists the override"
    );

    let (s, _) = app
        .post(
            &lead,
            &act("review_override"),
            json!({"override": oid, "agree": "yes"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "the proposer does not sign off");
    let (s, v) = app
        .post(
            &sjj,
            &act("review_override"),
            json!({"override": oid, "agree": "no"}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an objection needs its reason: {v}"
    );
    let (s, v) = app
        .post(
            &sjj,
            &act("review_override"),
            json!({"override": oid, "agree": "no", "opinion": "山区可由一家覆盖"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, _) = app
        .post(
            &sjj,
            &act("review_override"),
            json!({"override": oid, "agree": "yes"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "only once");
    let (_, v) = app.get(&sjj, &format!("/api/v1/competitions/{id}")).await;
    assert_eq!(v["overrides"][0]["state"], "objected", "{v}");
    assert!(v["history"].to_string().contains("提出异议"), "{v}");
    let html = app
        .client
        .get(format!("{}/", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("审批原则性规定的例外"), "no longer pending");
    // the 晾晒台 overrides list shows it with its outcome
    let html = app
        .client
        .get(format!("{}/board", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("共享应用揭榜的例外") && html.contains("山区可由一家覆盖"),
        "board lists the competition override"
    );
    assert!(app.st.db.verify_demand_history().await.unwrap().is_ok());
}

#[tokio::test]
async fn competition_override_signed_off_sqlite() {
    override_signed_off(Backend::Sqlite).await;
}

#[tokio::test]
async fn competition_override_signed_off_postgres() {
    override_signed_off(Backend::Postgres).await;
}

/// ZJ-share 三（七）: the agreed delivery date and the 3-month acceptance limit are dated
/// obligations of the competition (due / overdue on its page and in the lead unit's 我的待办);
/// the deadline sweep proposes the cancellation to the lead unit once, who waives it with a reason.
async fn s7_obligations(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let today = tongchou_store::today();
    tongchou_testkit::seed_demand_demo(&app.st, &app.world, today, None)
        .await
        .expect("demand demo");
    let lead = app.token("qtdw").await;
    let sjj = app.token("sjj").await;
    let me = app.token("scgs").await;
    let zj1 = app.token("zj1").await;
    let (_, lib) = app.get(&me, "/api/v1/public/library").await;
    let item = lib["items"][0]["id"].as_i64().expect("a published item");
    let (s, c) = app
        .post(&lead, "/api/v1/competitions", form_body(item, 1))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let id = c["id"].as_i64().unwrap();
    let act = |a: &'static str| format!("/api/v1/competitions/{id}/actions/{a}");
    let (s, _) = app
        .post(
            &me,
            &act("bid"),
            json!({"kind": "market", "materials": "可研"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let uid = |u: &str| app.world.actor(u).user_id.0;
    let (s, _) = app
        .post(
            &lead,
            &act("assign_experts"),
            json!({"experts": [uid("zj1"), uid("zj2"), uid("zj3")]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, v) = app.get(&lead, &format!("/api/v1/competitions/{id}")).await;
    let bid = v["bids"][0]["id"].as_i64().unwrap();
    let mut sc = json!({"bid": bid, "opinion": "可行"});
    for k in [
        "necessity",
        "feasibility",
        "architecture",
        "business",
        "tech_spec",
        "data_sharing",
        "security",
        "investment",
    ] {
        sc[k] = json!(8);
    }
    let (s, _) = app.post(&zj1, &act("score"), sc).await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = app
        .post(&lead, &act("shortlist"), json!({"bids": [bid]}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    app.st
        .db
        .shift_notice_until_for_tests(id, today.yesterday().unwrap())
        .await
        .unwrap();
    let (s, v) = app.post(&sjj, &act("announce"), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let delivered_by = today.checked_sub(jiff::Span::new().days(130)).unwrap();
    let (s, v) = app
        .post(&lead, &act("agree"), json!({"milestones": format!("完成试点部署|subject|{delivered_by}"), "delivery_date": delivered_by.to_string()}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // both obligations overdue on the competition
    let (_, v) = app.get(&lead, &format!("/api/v1/competitions/{id}")).await;
    let ob = v["obligations"].as_array().unwrap();
    assert_eq!(ob.len(), 2, "{v}");
    assert!(ob.iter().all(|o| o["overdue"] == true), "{v}");
    assert!(
        v["cancel_proposal"].is_null(),
        "nothing proposed before the sweep"
    );

    // the sweep proposes once, however many times it runs
    tongchou_web::service::sweep(&app.st).await.unwrap();
    tongchou_web::service::sweep(&app.st).await.unwrap();
    let (_, v) = app.get(&lead, &format!("/api/v1/competitions/{id}")).await;
    assert_eq!(v["cancel_proposal"]["state"], "pending", "{v}");
    assert_eq!(v["state"], "agreed", "proposed, not automatic");
    assert_eq!(
        v["history"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h["action"] == "propose_cancel")
            .count(),
        1,
        "{v}"
    );

    // in the lead unit's 我的待办
    let (cookie, _) = app.page_session("qtdw").await;
    let page = |path: &'static str| {
        let r = app
            .client
            .get(format!("{}{path}", app.base))
            .header("cookie", &cookie);
        async move { r.send().await.unwrap().text().await.unwrap() }
    };
    let html = page("/").await;
    assert!(
        html.contains("确认或不予取消项目主体资格") && html.contains("已逾期"),
        "todo shows the proposal and the overdue obligation"
    );
    let r = app
        .client
        .get(format!("{}/competitions/{id}", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    assert!(
        html.contains("交付与验收义务")
            && html.contains("已逾期")
            && html.contains("act/waive_cancel"),
        "the competition page shows the obligations and the waive form"
    );

    // the lead unit waives with a reason, once
    let (s, _) = app
        .post(&sjj, &act("waive_cancel"), json!({"reason": "x"}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = app
        .post(&lead, &act("waive_cancel"), json!({"reason": " "}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = app
        .post(
            &lead,
            &act("waive_cancel"),
            json!({"reason": "试点地区疫情延误，协商延期一个月"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, _) = app
        .post(&lead, &act("waive_cancel"), json!({"reason": "再次"}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    tongchou_web::service::sweep(&app.st).await.unwrap();
    let (_, v) = app.get(&lead, &format!("/api/v1/competitions/{id}")).await;
    assert_eq!(
        v["cancel_proposal"]["state"], "waived",
        "a waived proposal is not re-proposed: {v}"
    );
    assert!(
        v["history"].to_string().contains("不取消项目主体资格"),
        "{v}"
    );
    let html = page("/").await;
    assert!(!html.contains("确认或不予取消项目主体资格"));
    assert!(app.st.db.verify_demand_history().await.unwrap().is_ok());
}

#[tokio::test]
async fn competition_s7_obligations_sqlite() {
    s7_obligations(Backend::Sqlite).await;
}

#[tokio::test]
async fn competition_s7_obligations_postgres() {
    s7_obligations(Backend::Postgres).await;
}
