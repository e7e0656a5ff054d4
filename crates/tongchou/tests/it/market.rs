//! Issue 5, second half, over HTTP on SQLite and PostgreSQL: a published library item → a
//! competition (揭榜) with the S3 form → bids (market entity, administrative unit with the DRC and
//! finance opinions) → expert scores → shortlist → public notice readable without login (nothing
//! internal) → an objection blocks the announcement until handled → announcement → agreement →
//! delivery → acceptance → market listing → reuse approved → rating → nomination; permissions of
//! every new operation; publiccode-style metadata; catalogues.
use crate::support::{pdf, Backend, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

pub(crate) fn form_body(item: i64, class: u8) -> Value {
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
    // ZJ-share 三（七）: delivery fulfilled by the application, acceptance by the passing
    assert!(
        v["obligations"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["state"] == "fulfilled" && o["fulfilled_on"] == today.to_string()),
        "{v}"
    );

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
    // O2 / publiccode-like metadata: the approved reuse shows in the regions using it
    let pc: Value = app
        .client
        .get(format!("{}/market/{lid}/publiccode.json", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let used = pc["intendedAudience"]["usedBy"].as_array().unwrap();
    assert!(
        used.iter().any(|u| u["unit"] == "区教育局"
            && u["jurisdiction_path"] == app.world.actor("jyj").jurisdiction_path.as_str()),
        "{pc:#}"
    );
    assert!(
        pc["softwareVersion"]
            .as_str()
            .is_some_and(|s| !s.is_empty()),
        "{pc:#}"
    );
    assert!(
        pc["legal"]["license"]
            .as_str()
            .is_some_and(|s| !s.is_empty()),
        "{pc:#}"
    );
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
    // ZJ-share 三（八）: only the best-application list and 争先制 nominations feed 观星台
    let case = json!({"source": format!("listing:{lid}"), "title": "老年助餐：一地创新、全省共享",
        "summary": "刷脸就餐、补贴自动核销。", "results": "两地试点上线，补贴核销准确率 99%。"});
    let (s, v) = app.post(&sjj, "/api/v1/showcase/add", case.clone()).await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not yet on the list: {v}"
    );
    let (s, _) = app
        .post(&jyj, &m("nominate"), json!({"rank": 1, "note": "x"}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = app
        .post(&sjj, &m("nominate"), json!({"rank": 1, "note": "全省推广"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["best"], true);
    let (s, v) = app.post(&sjj, "/api/v1/showcase/add", case).await;
    assert_eq!(
        s,
        StatusCode::CREATED,
        "the listed best application feeds 观星台: {v}"
    );
    let cid = v["id"].as_i64().unwrap();
    let (s, v) = app
        .post(&sjj, "/api/v1/showcase/publish", json!({"id": cid}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, html) = anon_get(&app, "/public/showcase").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("老年助餐：一地创新、全省共享"),
        "on the public 观星台"
    );
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
    // the chain, one click each way: listing ↔ competition (issue 5, D1–D5)
    assert!(
        html.contains(&format!("href=\"/competitions/{id}\"")),
        "listing → competition"
    );
    let comp_html = page(&app, "qtdw", &format!("/competitions/{id}")).await;
    assert!(
        comp_html.contains(&format!("href=\"/market/{lid}\"")),
        "competition → listing"
    );
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
    // they are rows of the obligations table, created by the signing, owed by the subject
    let (s, v) = app
        .get(&lead, &format!("/api/v1/competitions/{id}/obligations"))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let rows = v["items"].as_array().unwrap();
    let row = |code: &str| rows.iter().find(|o| o["code"] == code).cloned().unwrap();
    let subject_unit = app.world.actor("scgs").unit_id.0;
    for code in ["share_delivery", "share_acceptance"] {
        let o = row(code);
        assert_eq!(o["state"], "open", "{o}");
        assert_eq!(o["overdue"], true, "{o}");
        assert_eq!(o["owner_unit_id"], subject_unit, "{o}");
    }
    assert_eq!(row("share_delivery")["due"], delivered_by.to_string());
    assert_eq!(
        row("share_acceptance")["trigger_date"],
        delivered_by.to_string(),
        "the 3 months run from the agreed date"
    );
    assert_eq!(row("share_milestone:1")["owner"], "subject");

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
    // the subject delivers: the delivery obligation is fulfilled, the acceptance one stays open
    let (s, v) = app.post(&me, &act("apply_acceptance"), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let ob = v["obligations"].as_array().unwrap();
    let st = |code: &str| ob.iter().find(|o| o["code"] == code).unwrap()["state"].clone();
    assert_eq!(st("share_delivery"), "fulfilled", "{v}");
    assert_eq!(st("share_acceptance"), "open", "{v}");
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

// ---------------------------------------------------------------------------------------------
// Issue 5, finish: 承接主体, obligations rows, milestones (责任制), the board, 回避 by unit identity
// ---------------------------------------------------------------------------------------------

/// The eight S5 scores of one bid.
pub(crate) fn eight(bid: i64) -> Value {
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
    sc
}

/// A competition of `class` with one market bid from scgs (class 2–3: with the 承接主体
/// declaration), experts assigned and scored, shortlisted, announced; returns its id.
pub(crate) async fn announced(app: &TestApp, class: u8) -> i64 {
    let today = tongchou_store::today();
    let lead = app.token("qtdw").await;
    let sjj = app.token("sjj").await;
    let me = app.token("scgs").await;
    let zj1 = app.token("zj1").await;
    let (_, lib) = app.get(&me, "/api/v1/public/library").await;
    let item = lib["items"][0]["id"].as_i64().expect("a published item");
    let mut form = form_body(item, class);
    form["user_scale"] = json!("全省 90 个县（市、区）");
    form["service_fee"] = json!("按使用量付费");
    let (s, c) = app.post(&lead, "/api/v1/competitions", form).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let id = c["id"].as_i64().unwrap();
    let act = |a: &str| format!("/api/v1/competitions/{id}/actions/{a}");
    let (s, v) = app
        .post(
            &me,
            &act("bid"),
            json!({"kind": "market", "materials": "可研",
                   "credit_code": tongchou_testkit::DEMO_CREDIT_CODE,
                   "conditions": tongchou_testkit::DEMO_PROVIDER_CONDITIONS}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
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
    let (s, _) = app.post(&zj1, &act("score"), eight(bid)).await;
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
    id
}

/// Report a milestone over the API (multipart: milestone, note, file); `token` None: no login.
async fn report(
    app: &TestApp,
    token: Option<&str>,
    id: i64,
    milestone: &str,
    note: &str,
    file: Option<(&str, Vec<u8>)>,
) -> (StatusCode, Value) {
    let mut form = reqwest::multipart::Form::new()
        .text("milestone", milestone.to_string())
        .text("note", note.to_string());
    if let Some((name, bytes)) = file {
        form = form.part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
        );
    }
    let mut r = app
        .client
        .post(format!("{}/api/v1/competitions/{id}/milestones", app.base))
        .multipart(form);
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    let r = r.send().await.expect("report");
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn html(app: &TestApp, cookie: &str, path: &str) -> String {
    app.client
        .get(format!("{}{path}", app.base))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// ZJ-share 三（三）: 采用政府购买服务方式的，项目主体应符合政府购买服务承接主体有关规定 — classes 2
/// and 3 are bought as a service (ZJ-share 二); a bid that does not meet the provider rules is
/// refused (hard rule), over the API and the page.
async fn provider_rules(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let today = tongchou_store::today();
    tongchou_testkit::seed_demand_demo(&app.st, &app.world, today, None)
        .await
        .expect("demand demo");
    let lead = app.token("qtdw").await;
    let me = app.token("scgs").await;
    let jyj = app.token("jyj").await;
    let sjj = app.token("sjj").await;
    let (_, lib) = app.get(&me, "/api/v1/public/library").await;
    let item = lib["items"][0]["id"].as_i64().unwrap();
    let mut form = form_body(item, 2);
    form["user_scale"] = json!("全省 90 个县（市、区）");
    form["service_fee"] = json!("每年每县 5 万元");
    let (s, c) = app.post(&lead, "/api/v1/competitions", form).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let id = c["id"].as_i64().unwrap();
    let act = |a: &str| format!("/api/v1/competitions/{id}/actions/{a}");
    // no declaration: refused, citing the article
    let (s, v) = app
        .post(
            &me,
            &act("bid"),
            json!({"kind": "market", "materials": "可研",
                   "credit_code": tongchou_testkit::DEMO_CREDIT_CODE,
                   "conditions": ["civil_liability", "credit_accounting"]}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["code"], "rule");
    let m = v["message"].as_str().unwrap();
    assert!(m.contains("三（三）") && m.contains("承接主体"), "{m}");
    let (s, v) = app
        .post(
            &me,
            &act("bid"),
            json!({"kind": "market", "materials": "可研", "credit_code": "123",
                   "conditions": tongchou_testkit::DEMO_PROVIDER_CONDITIONS}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["fields"][0]["field"], "credit_code", "{v}");
    // a government department buys, it does not provide (even with both opinions)
    let (s, v) = app
        .post(
            &jyj,
            &act("bid"),
            json!({"kind": "government", "drc_opinion": "同意", "finance_opinion": "同意", "materials": "可研",
                   "credit_code": "11330102MB0000000X", "conditions": tongchou_testkit::DEMO_PROVIDER_CONDITIONS}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["message"].as_str().unwrap().contains("购买主体"), "{v}");
    // ... nor by posing as a market entity (the unit directory knows it is a department)
    let (s, v) = app
        .post(
            &jyj,
            &act("bid"),
            json!({"kind": "market", "materials": "可研",
                   "credit_code": tongchou_testkit::DEMO_CREDIT_CODE, "conditions": tongchou_testkit::DEMO_PROVIDER_CONDITIONS}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["fields"][0]["field"], "kind", "{v}");
    // a consortium with a registered department as member: each member must qualify
    let jyj_unit = app.world.actor("jyj").unit_id.0;
    let (s, v) = app
        .post(
            &me,
            &act("bid"),
            json!({"kind": "market", "materials": "可研", "member_units": [jyj_unit],
                   "credit_code": tongchou_testkit::DEMO_CREDIT_CODE,
                   "conditions": tongchou_testkit::DEMO_PROVIDER_CONDITIONS}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["message"].as_str().unwrap().contains("联合体"), "{v}");
    // the page shows the declaration and refuses beside the form
    let (cookie, csrf) = app.page_session("scgs").await;
    let page = html(&app, &cookie, &format!("/competitions/{id}")).await;
    assert!(
        page.contains("政府购买服务承接主体") && page.contains("name=\"conditions\""),
        "the bid form asks for the declaration"
    );
    let r = app
        .client
        .post(format!("{}/competitions/{id}/act/bid", app.base))
        .header("cookie", &cookie)
        .form(&[
            ("_csrf", csrf.as_str()),
            ("kind", "market"),
            ("materials", "可研"),
            ("credit_code", tongchou_testkit::DEMO_CREDIT_CODE),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("承接主体"));
    // meeting the rules: accepted, the declaration kept with the bid
    let (s, v) = app
        .post(
            &me,
            &act("bid"),
            json!({"kind": "market", "materials": "可研", "members": "宁波某信息公司",
                   "credit_code": tongchou_testkit::DEMO_CREDIT_CODE,
                   "conditions": tongchou_testkit::DEMO_PROVIDER_CONDITIONS}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v["bids"][0]["provider"]["credit_code"],
        tongchou_testkit::DEMO_CREDIT_CODE
    );
    assert_eq!(
        v["bids"][0]["provider"]["conditions"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
    // who may bid is unchanged: the authority does not
    let (s, _) = app
        .post(
            &sjj,
            &act("bid"),
            json!({"kind": "market", "materials": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // class 1 (fiscal) needs no declaration
    let (s, c1) = app
        .post(&lead, "/api/v1/competitions", form_body(item, 1))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, v) = app
        .post(
            &me,
            &format!("/api/v1/competitions/{}/actions/bid", c1["id"]),
            json!({"kind": "market", "materials": "可研"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

#[tokio::test]
async fn purchase_of_service_bid_meets_provider_rules_sqlite() {
    provider_rules(Backend::Sqlite).await;
}

#[tokio::test]
async fn purchase_of_service_bid_meets_provider_rules_postgres() {
    provider_rules(Backend::Postgres).await;
}

/// ZJ-share 三（六）责任制 (and 四 监督 of stage tasks): each agreed milestone is an obligation of
/// its responsible unit and person, overdue on the competition page, in the owner's 我的待办 and
/// counted on the 晾晒台; only the owner reports it done, with evidence, once (history).
async fn milestones_tracked(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let today = tongchou_store::today();
    tongchou_testkit::seed_demand_demo(&app.st, &app.world, today, None)
        .await
        .expect("demand demo");
    let id = announced(&app, 3).await;
    let lead = app.token("qtdw").await;
    let sjj = app.token("sjj").await;
    let me = app.token("scgs").await;
    let act = |a: &str| format!("/api/v1/competitions/{id}/actions/{a}");
    let past = today.checked_sub(jiff::Span::new().days(10)).unwrap();
    let later = today.checked_add(jiff::Span::new().days(60)).unwrap();
    let (s, v) = app
        .post(
            &lead,
            &act("agree"),
            json!({"milestones": format!("完成试点部署|项目主体|{past}|钱伟\n组织两地推广|牵头责任主体|{later}|何佳"),
                   "delivery_date": later.to_string()}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let ms = v["milestone_obligations"].as_array().unwrap().clone();
    // the two agreed milestones, then the class-3 implementation step (三（六）组织实施)
    assert_eq!(ms.len(), 3, "{v}");
    assert_eq!(ms[2]["code"], "share_milestone:step1");
    let subject_unit = app.world.actor("scgs").unit_id.0;
    assert_eq!(ms[0]["owner_unit_id"], subject_unit);
    assert_eq!(ms[0]["person"], "钱伟");
    assert_eq!(ms[0]["overdue"], true);
    assert_eq!(ms[1]["owner_unit_id"], app.world.actor("qtdw").unit_id.0);
    assert_eq!(ms[1]["overdue"], false);
    // the obligations table holds them, with the S7 rows
    let (s, v) = app
        .get(&sjj, &format!("/api/v1/competitions/{id}/obligations"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let codes: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes.len(), 5, "{v}");
    assert!(codes.contains(&"share_delivery") && codes.contains(&"share_milestone:1"));
    // overdue on the page, in the owner's 我的待办, on the board
    let (cookie, csrf) = app.page_session("scgs").await;
    let page = html(&app, &cookie, &format!("/competitions/{id}")).await;
    let report_form = format!("action=\"/competitions/{id}/milestones\"");
    assert!(
        page.contains("协议里程碑（责任制）")
            && page.contains("已逾期")
            && page.contains(&report_form)
            && page.contains("multipart/form-data"),
        "the page shows the overdue milestone and the owner's upload form"
    );
    let todo = html(&app, &cookie, "/").await;
    assert!(
        todo.contains("协议里程碑：完成试点部署") && todo.contains("已逾期"),
        "the owner's 我的待办 lists it"
    );
    let (lead_cookie, _) = app.page_session("qtdw").await;
    let lead_page = html(&app, &lead_cookie, &format!("/competitions/{id}")).await;
    assert!(
        lead_page.matches(&report_form).count() == 1,
        "the lead unit reports only its own milestone"
    );
    let (sjj_cookie, _) = app.page_session("sjj").await;
    let board = html(&app, &sjj_cookie, "/board").await;
    assert!(
        board.contains("共享应用协议义务") && board.contains("协议里程碑：完成试点部署"),
        "the board counts it against its unit"
    );
    let x = app
        .client
        .get(format!("{}/board.xlsx", app.base))
        .header("cookie", &sjj_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(
        x.status(),
        StatusCode::OK,
        "the board workbook carries the sheets"
    );
    assert!(x.bytes().await.unwrap().starts_with(b"PK"));
    // without login: neither the rows nor the report
    let (s, _) = anon_get(&app, &format!("/api/v1/competitions/{id}/obligations")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = report(&app, None, id, "1", "x", Some(("a.pdf", pdf()))).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // only the owner reports
    let (s, _) = report(&app, Some(&sjj), id, "1", "x", Some(("a.pdf", pdf()))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = report(&app, Some(&lead), id, "1", "x", Some(("a.pdf", pdf()))).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "not the lead unit's milestone");
    // the evidence is a document (ZJ-share 三（六）): no file → 422, even with a note
    let (s, v) = app
        .post(
            &me,
            &act("report_milestone"),
            json!({"milestone": 1, "evidence": "试点部署报告"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["message"].as_str().unwrap().contains("三（六）"), "{v}");
    let (s, v) = report(&app, Some(&me), id, "1", "试点部署报告", None).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["message"].as_str().unwrap().contains("佐证材料"), "{v}");
    // too big, wrong type, or content not matching its extension: a clear error, nothing kept
    let big = {
        let mut b = pdf();
        b.resize(1024 * 1024 + 10, b' ');
        b
    };
    let (s, v) = report(&app, Some(&me), id, "1", "", Some(("big.pdf", big))).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{v}");
    assert!(v["message"].as_str().unwrap().contains("上限"), "{v}");
    let (s, v) = report(
        &app,
        Some(&me),
        id,
        "1",
        "",
        Some(("run.exe", b"MZ\x90".to_vec())),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["fields"][0]["field"], "file", "{v}");
    let (s, v) = report(
        &app,
        Some(&me),
        id,
        "1",
        "",
        Some(("fake.pdf", b"not a pdf".to_vec())),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["message"].as_str().unwrap().contains("扩展名"), "{v}");
    let (_, v) = app.get(&lead, &format!("/api/v1/competitions/{id}")).await;
    assert_eq!(
        v["milestone_obligations"][0]["state"], "open",
        "nothing changed: {v}"
    );
    assert!(!v["history"].to_string().contains("报告里程碑完成"));
    // the owner reports on the page, with the document and a note
    let form = reqwest::multipart::Form::new()
        .text("_csrf", csrf.clone())
        .text("milestone", "1")
        .text("note", "试点部署报告 杭科〔2026〕12号")
        .part(
            "file",
            reqwest::multipart::Part::bytes(pdf()).file_name("试点部署报告.pdf"),
        );
    let r = app
        .client
        .post(format!("{}/competitions/{id}/milestones", app.base))
        .header("cookie", &cookie)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (s, _) = report(&app, Some(&me), id, "1", "再报", Some(("a.pdf", pdf()))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "once");
    let (_, v) = app.get(&lead, &format!("/api/v1/competitions/{id}")).await;
    let m = &v["milestone_obligations"][0];
    assert_eq!(m["state"], "fulfilled", "{v}");
    assert_eq!(m["evidence"], "试点部署报告 杭科〔2026〕12号");
    assert_eq!(m["evidence_file"]["filename"], "试点部署报告.pdf", "{m}");
    assert_eq!(m["overdue"], false);
    // the document downloads for those who may see it, not for other units
    let url = m["evidence_url"]
        .as_str()
        .expect("evidence_url")
        .to_string();
    let r = app
        .client
        .get(format!("{}{url}", app.base))
        .bearer_auth(&sjj)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.bytes().await.unwrap().to_vec(), pdf());
    let jyj_token = app.token("jyj").await;
    let r = app
        .client
        .get(format!("{}{url}", app.base))
        .bearer_auth(&jyj_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let oid = m["id"].as_i64().unwrap();
    let r = app
        .client
        .get(format!(
            "{}/competitions/{id}/obligations/{oid}/evidence",
            app.base
        ))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "the subject downloads it on the page"
    );
    assert!(v["history"].to_string().contains("报告里程碑完成"), "{v}");
    // persons and evidence are for the departments and the subject, not other units
    let jyj = app.token("jyj").await;
    let (s, ov) = app
        .get(&jyj, &format!("/api/v1/competitions/{id}/obligations"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let m = ov["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["code"] == "share_milestone:1")
        .cloned()
        .unwrap();
    assert_eq!(m["state"], "fulfilled");
    assert!(
        m["evidence"].is_null() && m["person"].is_null() && m["evidence_file"].is_null(),
        "{m}"
    );
    assert!(v["history"].to_string().contains("逾期完成"), "{v}");
    let todo = html(&app, &cookie, "/").await;
    assert!(!todo.contains("协议里程碑：完成试点部署"));
    let board = html(&app, &sjj_cookie, "/board").await;
    assert!(!board.contains("协议里程碑：完成试点部署"));
    assert!(app.st.db.verify_demand_history().await.unwrap().is_ok());
}

#[tokio::test]
async fn competition_milestones_are_owned_obligations_sqlite() {
    milestones_tracked(Backend::Sqlite).await;
}

#[tokio::test]
async fn competition_milestones_are_owned_obligations_postgres() {
    milestones_tracked(Backend::Postgres).await;
}

/// SPEC §0 + ZJ-share 三（五）原则上: competition overrides on the 晾晒台 honour the board's rule
/// filter and jurisdiction scope, like the projects' overrides.
async fn board_overrides_filtered(backend: Backend) {
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
    let item = lib["items"][0]["id"].as_i64().unwrap();
    let mut form = form_body(item, 1);
    form["title"] = json!("基层减负一表通（揭榜）");
    let (_, c) = app.post(&lead, "/api/v1/competitions", form).await;
    let id = c["id"].as_i64().unwrap();
    let act = |a: &str| format!("/api/v1/competitions/{id}/actions/{a}");
    app.post(
        &me,
        &act("bid"),
        json!({"kind": "market", "materials": "可研"}),
    )
    .await;
    app.post(&jyj, &act("bid"), json!({"kind": "government", "drc_opinion": "同意", "finance_opinion": "同意", "materials": "可研"}))
        .await;
    let uid = |u: &str| app.world.actor(u).user_id.0;
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
        let (s, _) = app.post(&zj1, &act("score"), eight(*b)).await;
        assert_eq!(s, StatusCode::OK);
    }
    let (s, v) = app
        .post(
            &lead,
            &act("shortlist"),
            json!({"bids": bids, "override_reason": "两家分别覆盖城区与山区"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let items = |v: &Value| {
        v["competition_items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    // in scope, no filter / the matching rule: listed
    let (s, v) = app.get(&sjj, "/api/v1/overrides").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(items(&v).len(), 1, "{v}");
    let (_, v) = app
        .get(&sjj, "/api/v1/overrides?ov_rule=shared_subjects_max")
        .await;
    assert_eq!(items(&v).len(), 1, "{v}");
    assert_eq!(
        v["items"].as_array().unwrap().len(),
        0,
        "no project has that rule"
    );
    // another rule: not listed
    let (_, v) = app
        .get(&sjj, "/api/v1/overrides?ov_rule=security_budget_min")
        .await;
    assert_eq!(items(&v).len(), 0, "{v}");
    let (_, v) = app.get(&sjj, "/api/v1/overrides?ov_state=signed_off").await;
    assert_eq!(items(&v).len(), 0, "{v}");
    // the province sees it; another city's district authority does not
    let szb = app.token("szb").await;
    let (_, v) = app.get(&szb, "/api/v1/overrides").await;
    assert_eq!(items(&v).len(), 1, "the province covers the district: {v}");
    let hssjj = app.token("hssjj").await;
    let (_, v) = app.get(&hssjj, "/api/v1/overrides").await;
    assert_eq!(items(&v).len(), 0, "out of 海曙区's scope: {v}");
    // the page: the rule filter offers it, and applies it
    let (cookie, _) = app.page_session("sjj").await;
    let page = html(&app, &cookie, "/board?ov_rule=shared_subjects_max").await;
    assert!(page.contains("基层减负一表通") && page.contains("value=\"shared_subjects_max\""));
    let page = html(&app, &cookie, "/board?ov_rule=maintenance_min_years").await;
    assert!(!page.contains("基层减负一表通"), "filtered out by rule");
    let (cookie, _) = app.page_session("hssjj").await;
    let page = html(&app, &cookie, "/board").await;
    assert!(!page.contains("基层减负一表通"), "filtered out by scope");
    // nor may 海曙区's authority sign it off
    let (_, v) = app.get(&sjj, &format!("/api/v1/competitions/{id}")).await;
    let oid = v["overrides"][0]["id"].as_i64().unwrap();
    let (s, v) = app
        .post(
            &hssjj,
            &act("review_override"),
            json!({"override": oid, "agree": "yes"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    // 我的待办 follows the same scope: the pending override waits for 上城区's authority only
    let todo = html(&app, &cookie, "/").await;
    assert!(!todo.contains("基层减负一表通"), "not 海曙区's to-do");
    let (cookie, _) = app.page_session("sjj").await;
    let todo = html(&app, &cookie, "/").await;
    assert!(
        todo.contains("基层减负一表通") && todo.contains("审批原则性规定的例外"),
        "上城区's authority signs off"
    );
}

#[tokio::test]
async fn board_competition_overrides_honour_rule_and_scope_sqlite() {
    board_overrides_filtered(Backend::Sqlite).await;
}

#[tokio::test]
async fn board_competition_overrides_honour_rule_and_scope_postgres() {
    board_overrides_filtered(Backend::Postgres).await;
}

/// ZJ-share 三（四）回避 by unit identity: a consortium member typed with a differently written
/// name of a registered unit is that unit (its id), so its expert is recused; an unregistered
/// market entity stays a cleaned name; a name several units share must be picked by id.
async fn recusal_by_identity(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let today = tongchou_store::today();
    tongchou_testkit::seed_demand_demo(&app.st, &app.world, today, None)
        .await
        .expect("demand demo");
    let district = app.world.actor("jyj").jurisdiction_id;
    let unit = app
        .st
        .db
        .create_unit(district, "浙江数智科技有限公司", "market")
        .await
        .unwrap();
    let hash = tongchou_web::auth::hash_password(tongchou_testkit::DEMO_PASSWORD);
    let expert = app
        .st
        .db
        .create_user(
            "zj9",
            "沈工（浙江数智科技）",
            unit,
            &[tongchou_domain::Role::Expert],
            &hash,
        )
        .await
        .unwrap();
    let lead = app.token("qtdw").await;
    let me = app.token("scgs").await;
    let (_, lib) = app.get(&me, "/api/v1/public/library").await;
    let item = lib["items"][0]["id"].as_i64().unwrap();
    let (_, c) = app
        .post(&lead, "/api/v1/competitions", form_body(item, 1))
        .await;
    let id = c["id"].as_i64().unwrap();
    let act = |a: &str| format!("/api/v1/competitions/{id}/actions/{a}");
    // written differently: full-width letters, a stray space, 有限责任公司
    let (s, v) = app
        .post(
            &me,
            &act("bid"),
            json!({"kind": "market", "materials": "可研", "members": " 浙江数智科技有限责任公司\n宁波某信息公司"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let members = v["bids"][0]["members"].as_array().unwrap().clone();
    assert_eq!(members[0]["unit_id"], unit.0, "resolved to the unit: {v}");
    assert_eq!(members[0]["name"], "浙江数智科技有限公司");
    assert!(members[1]["unit_id"].is_null(), "unregistered stays a name");
    let uid = |u: &str| app.world.actor(u).user_id.0;
    let (s, v) = app
        .post(
            &lead,
            &act("assign_experts"),
            json!({"experts": [uid("zj1"), uid("zj2"), expert.0]}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["message"].as_str().unwrap().contains("回避"), "{v}");
    // a name two units share must be picked from the directory
    let other_city = app.world.actor("hsmzj").jurisdiction_id;
    app.st
        .db
        .create_unit(other_city, "浙江数智科技有限公司", "market")
        .await
        .unwrap();
    let (_, c2) = app
        .post(&lead, "/api/v1/competitions", form_body(item, 1))
        .await;
    let path = format!("/api/v1/competitions/{}/actions/bid", c2["id"]);
    let (s, v) = app
        .post(
            &me,
            &path,
            json!({"kind": "market", "materials": "可研", "members": "浙江数智科技公司"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["fields"][0]["field"], "members", "{v}");
    let (s, v) = app
        .post(
            &me,
            &path,
            json!({"kind": "market", "materials": "可研", "member_units": [unit.0]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

#[tokio::test]
async fn consortium_recusal_by_unit_identity_sqlite() {
    recusal_by_identity(Backend::Sqlite).await;
}

#[tokio::test]
async fn consortium_recusal_by_unit_identity_postgres() {
    recusal_by_identity(Backend::Postgres).await;
}

async fn page(app: &TestApp, user: &str, path: &str) -> String {
    let (cookie, _) = app.page_session(user).await;
    let r = app
        .client
        .get(format!("{}{path}", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.text().await.unwrap()
}

// ZJ-share 三（五）入选发布: "牵头责任主体与入选项目主体签订协议，入选视同完成项目可行性研究论证" —
// the selected subject's project on the library item declares without a separate feasibility
// report; a unit not selected still needs one. And the chain library item ↔ competition ↔
// project is one click each way (issue 5, D1–D5).
async fn selection_feasibility(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let today = tongchou_store::today();
    tongchou_testkit::seed_demand_demo(&app.st, &app.world, today, None)
        .await
        .expect("demand demo");
    let lead = app.token("qtdw").await;
    let sjj = app.token("sjj").await;
    let jyj = app.token("jyj").await;
    let wjw = app.token("wjw").await;
    let zj1 = app.token("zj1").await;
    let (_, lib) = app.get(&jyj, "/api/v1/public/library").await;
    let item = lib["items"][0]["id"].as_i64().expect("a published item");

    // two drafts on the item: 区教育局 (will be selected) and 区卫生健康局 (not a subject)
    let selected = app.draft(&jyj, "上城区老年助餐服务应用（入选实施）").await;
    let other = app.draft(&wjw, "上城区老年助餐服务应用（未入选）").await;
    for p in [selected, other] {
        let (s, v) = app
            .post(
                &sjj,
                &format!("/api/v1/library/{item}/actions/link_project"),
                json!({ "project": p }),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    for (t, p) in [(&jyj, selected), (&wjw, other)] {
        let (s, v) = app
            .upload(t, p, "declaration_form", "申报表.pdf", pdf())
            .await;
        assert!(s.is_success(), "{v}");
    }
    // before any selection the feasibility report is required
    let (s, v) = app.act(&jyj, selected, "declare", json!({})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(
        v["message"].as_str().unwrap().contains("可行性研究报告"),
        "{v}"
    );

    let (s, c) = app
        .post(&lead, "/api/v1/competitions", form_body(item, 1))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let id = c["id"].as_i64().unwrap();
    let act = |a: &'static str| format!("/api/v1/competitions/{id}/actions/{a}");
    let (s, v) = app
        .post(&jyj, &act("bid"), json!({"kind": "government", "drc_opinion": "同意", "finance_opinion": "资金已落实", "materials": "区教育局申请材料"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, v) = app.get(&lead, &format!("/api/v1/competitions/{id}")).await;
    let bid = v["bids"][0]["id"].as_i64().unwrap();
    let uid = |u: &str| app.world.actor(u).user_id.0;
    let (s, v) = app
        .post(
            &lead,
            &act("assign_experts"),
            json!({"experts": [uid("zj1"), uid("zj2"), uid("zj3")]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app
        .post(
            &zj1,
            &act("score"),
            json!({"bid": bid, "necessity": 9, "feasibility": 8, "architecture": 8, "business": 9,
            "tech_spec": 7, "data_sharing": 8, "security": 8, "investment": 7, "opinion": "可行"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
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
    // announced, agreement not yet signed: not yet the feasibility study
    let (s, v) = app.act(&jyj, selected, "declare", json!({})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = app
        .post(&lead, &act("agree"), json!({"milestones": format!("完成试点部署|subject|{today}"), "delivery_date": today.to_string()}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // the agreement signed: the selected subject's project declares without the report
    let (s, v) = app.act(&jyj, selected, "declare", json!({})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(app.stage(&jyj, selected).await, "compliance_review");
    // a unit that was not selected still owes its feasibility report
    let (s, v) = app.act(&wjw, other, "declare", json!({})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(
        v["message"].as_str().unwrap().contains("可行性研究报告"),
        "{v}"
    );

    // the chain, one click each way: item ↔ competition ↔ project
    let html = page(&app, "qtdw", &format!("/competitions/{id}")).await;
    assert!(
        html.contains(&format!("href=\"/library/{item}\"")),
        "competition → item"
    );
    assert!(
        html.contains(&format!("href=\"/projects/{selected}\"")),
        "competition → project"
    );
    // S6: the class-1 implementation path with its article (ZJ-share 三（六）)
    assert!(html.contains("组建工作专班、细化建设方案") && html.contains("三（六）组织实施"));
    let (_, v) = app.get(&lead, &format!("/api/v1/competitions/{id}")).await;
    assert_eq!(
        v["implementation"]["steps"].as_array().map(|a| a.len()),
        Some(4),
        "{v}"
    );
    let html = page(&app, "qtdw", &format!("/library/{item}")).await;
    assert!(
        html.contains(&format!("href=\"/competitions/{id}\"")),
        "item → competition"
    );
    // a market entity follows the public chain but sees no internal project (ZJ-share 三（三）)
    for path in [format!("/competitions/{id}"), format!("/library/{item}")] {
        let html = page(&app, "scgs", &path).await;
        assert!(html.contains("href=\"/"), "{path}");
        assert!(
            !html.contains(&format!("href=\"/projects/{selected}\"")),
            "{path}"
        );
    }
    let scgs = app.token("scgs").await;
    let (_, v) = app.get(&scgs, &format!("/api/v1/library/{item}")).await;
    assert_eq!(v["projects"].as_array().map(|a| a.len()), Some(0), "{v}");
    let html = page(&app, "jyj", &format!("/projects/{selected}")).await;
    assert!(
        html.contains(&format!("href=\"/competitions/{id}\"")),
        "project → competition"
    );
    assert!(
        html.contains(&format!("href=\"/library/{item}\"")),
        "project → item"
    );
}

#[tokio::test]
async fn selection_counts_as_feasibility_study_and_chain_links_sqlite() {
    selection_feasibility(Backend::Sqlite).await;
}

#[tokio::test]
async fn selection_counts_as_feasibility_study_and_chain_links_postgres() {
    selection_feasibility(Backend::Postgres).await;
}
