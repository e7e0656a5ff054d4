//! Issue 5: S6 implementation steps by class as tracked dated items (ZJ-share 三（六）组织实施)
//! and S10 supervision of fund use (ZJ-share 四 相关要求: 对“一地创新、全省共享”应用项目进展、
//! 阶段任务、资金使用等情况要开展监督评估工作).
use crate::market::{announced, html};
use crate::support::{pdf, Backend, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn seeded(backend: Backend) -> Option<TestApp> {
    let app = TestApp::start(backend).await?;
    tongchou_testkit::seed_demand_demo(&app.st, &app.world, tongchou_store::today(), None)
        .await
        .expect("demand demo");
    Some(app)
}

fn steps_of(v: &Value) -> Vec<Value> {
    v["milestone_obligations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["code"].as_str().unwrap().contains(":step"))
        .cloned()
        .collect()
}

/// ZJ-share 三（六）组织实施: once the agreement is signed, the class's steps (class 1: 立项审批,
/// 资金申请, 工作专班/细化方案, 政府采购) are the subject's tracked items, each dated by the lead unit
/// in the agreement (default: the agreed delivery date, never after it), overdue on the page, in
/// the subject's 我的待办 and on the 晾晒台, fulfilled only by the subject reporting it done.
async fn steps_tracked(backend: Backend) {
    let Some(app) = seeded(backend).await else {
        return;
    };
    let today = tongchou_store::today();
    let id = announced(&app, 1).await;
    let lead = app.token("qtdw").await;
    let me = app.token("scgs").await;
    let act = |a: &str| format!("/api/v1/competitions/{id}/actions/{a}");
    let past = today.checked_sub(jiff::Span::new().days(5)).unwrap();
    let later = today.checked_add(jiff::Span::new().days(60)).unwrap();
    let too_late = today.checked_add(jiff::Span::new().days(61)).unwrap();
    // a step dated after the agreed delivery: refused, nothing signed
    let (s, v) = app
        .post(
            &lead,
            &act("agree"),
            json!({"milestones": format!("完成试点部署|subject|{later}"),
                   "delivery_date": later.to_string(), "step_due_3": too_late.to_string()}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["message"].as_str().unwrap().contains("三（六）"), "{v}");
    let (_, v) = app.get(&lead, &format!("/api/v1/competitions/{id}")).await;
    assert_eq!(v["state"], "announced", "nothing changed: {v}");
    assert!(steps_of(&v).is_empty());
    // signed: four dated steps owed by the subject
    let (s, v) = app
        .post(
            &lead,
            &act("agree"),
            json!({"milestones": format!("完成试点部署|subject|{later}"),
                   "delivery_date": later.to_string(), "step_due_1": past.to_string()}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let steps = steps_of(&v);
    assert_eq!(steps.len(), 4, "class 1 has four steps: {v}");
    let subject_unit = app.world.actor("scgs").unit_id.0;
    for st in &steps {
        assert_eq!(st["owner"], "subject");
        assert_eq!(st["owner_unit_id"], subject_unit);
    }
    let first = steps
        .iter()
        .find(|o| o["code"] == "share_milestone:step1")
        .unwrap();
    assert!(first["title"]
        .as_str()
        .unwrap()
        .contains("电子政务项目立项审批"));
    assert_eq!(first["due"], past.to_string());
    assert_eq!(first["overdue"], true);
    let fourth = steps
        .iter()
        .find(|o| o["code"] == "share_milestone:step4")
        .unwrap();
    assert_eq!(
        fourth["due"],
        later.to_string(),
        "default: the delivery date"
    );
    assert!(fourth["title"].as_str().unwrap().contains("政府采购"));
    assert_eq!(fourth["overdue"], false);
    // overdue on the page, in the subject's 我的待办 and on the board
    let (cookie, _) = app.page_session("scgs").await;
    let page = html(&app, &cookie, &format!("/competitions/{id}")).await;
    assert!(
        page.contains("组织实施：按项目属地原则完成电子政务项目立项审批")
            && page.contains("已逾期")
    );
    let todo = html(&app, &cookie, "/").await;
    assert!(
        todo.contains("组织实施：按项目属地原则完成电子政务项目立项审批"),
        "the subject's 我的待办 lists the step"
    );
    let (sjj_cookie, _) = app.page_session("sjj").await;
    let board = html(&app, &sjj_cookie, "/board").await;
    assert!(
        board.contains("组织实施：按项目属地原则完成电子政务项目立项审批"),
        "the board counts the overdue step"
    );
    // only the subject reports it done (with a document)
    let report = |token: String| {
        let form = reqwest::multipart::Form::new()
            .text("milestone", "step1")
            .text("note", "立项批复 杭政〔2026〕3号")
            .part(
                "file",
                reqwest::multipart::Part::bytes(pdf()).file_name("lx.pdf"),
            );
        app.client
            .post(format!("{}/api/v1/competitions/{id}/milestones", app.base))
            .bearer_auth(token)
            .multipart(form)
            .send()
    };
    let r = report(lead.clone()).await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "the lead unit does not");
    let r = report(me.clone()).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let (_, v) = app.get(&lead, &format!("/api/v1/competitions/{id}")).await;
    let first = steps_of(&v)
        .into_iter()
        .find(|o| o["code"] == "share_milestone:step1")
        .unwrap();
    assert_eq!(first["state"], "fulfilled", "{first}");
    assert_eq!(first["overdue"], false);
}

#[tokio::test]
async fn implementation_steps_are_dated_tracked_items_sqlite() {
    steps_tracked(Backend::Sqlite).await;
}

#[tokio::test]
async fn implementation_steps_are_dated_tracked_items_postgres() {
    steps_tracked(Backend::Postgres).await;
}

/// ZJ-share 四: 资金使用 of a shared application is supervised — the subject (or the lead unit)
/// records each use against the agreed amount (hard: never beyond it, nothing recorded when
/// refused), departments and the subject see it (not another market entity), the lead unit or
/// the authority questions a use with a reason; history entries; the page exports to Excel.
async fn fund_use(backend: Backend) {
    let Some(app) = seeded(backend).await else {
        return;
    };
    let today = tongchou_store::today();
    let id = announced(&app, 3).await;
    let lead = app.token("qtdw").await;
    let sjj = app.token("sjj").await;
    let me = app.token("scgs").await;
    let zj1 = app.token("zj1").await;
    let act = |a: &str| format!("/api/v1/competitions/{id}/actions/{a}");
    let later = today.checked_add(jiff::Span::new().days(60)).unwrap();
    // before the agreement: nothing to record against
    let (s, _) = app
        .post(
            &me,
            &act("fund_use"),
            json!({"amount": "1", "purpose": "x"}),
        )
        .await;
    assert_ne!(s, StatusCode::OK);
    let (s, v) = app
        .post(
            &lead,
            &act("agree"),
            json!({"milestones": format!("完成试点部署|subject|{later}"),
                   "delivery_date": later.to_string(), "agreed_amount": "100,000.00"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["fund_use"]["agreed_fen"], 10_000_000);
    // the subject records a use
    let (s, v) = app
        .post(
            &me,
            &act("fund_use"),
            json!({"amount": "60000", "used_on": today.to_string(), "purpose": "开发人员费用"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["fund_use"]["used_fen"], 6_000_000);
    assert_eq!(v["fund_use"]["used_pct"], "60.0");
    // beyond the agreed amount: refused, citing the article, nothing recorded
    let (_, before) = app.get(&lead, &format!("/api/v1/competitions/{id}")).await;
    let (s, v) = app
        .post(
            &me,
            &act("fund_use"),
            json!({"amount": "40000.01", "purpose": "服务器租用"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["message"].as_str().unwrap().contains("四"), "{v}");
    let (_, after) = app.get(&lead, &format!("/api/v1/competitions/{id}")).await;
    assert_eq!(after["fund_use"], before["fund_use"], "nothing changed");
    assert_eq!(after["history"], before["history"], "no history entry");
    // wrong roles: the authority and an expert do not record
    for t in [&sjj, &zj1] {
        let (s, v) = app
            .post(t, &act("fund_use"), json!({"amount": "1", "purpose": "x"}))
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    }
    // the lead unit records up to exactly the agreed amount
    let (s, v) = app
        .post(
            &lead,
            &act("fund_use"),
            json!({"amount": "39999", "purpose": "试点地区部署"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // the subject records the last yuan on the page, with its evidence document
    let (cookie, csrf) = app.page_session("scgs").await;
    let form = reqwest::multipart::Form::new()
        .text("_csrf", csrf.clone())
        .text("amount", "1")
        .text("purpose", "差旅")
        .part(
            "file",
            reqwest::multipart::Part::bytes(pdf()).file_name("fp.pdf"),
        );
    let r = app
        .client
        .post(format!("{}/competitions/{id}/fund_uses", app.base))
        .header("cookie", &cookie)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_redirection(), "{}", r.status());
    let form = reqwest::multipart::Form::new()
        .text("_csrf", csrf)
        .text("amount", "0.01")
        .text("purpose", "超出");
    let r = app
        .client
        .post(format!("{}/competitions/{id}/fund_uses", app.base))
        .header("cookie", &cookie)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "one fen too many"
    );
    assert!(r.text().await.unwrap().contains("不得超过协议约定金额"));
    let (_, v) = app.get(&lead, &format!("/api/v1/competitions/{id}")).await;
    assert_eq!(v["fund_use"]["used_fen"], 10_000_000);
    assert_eq!(v["fund_use"]["used_pct"], "100.0");
    assert_eq!(v["fund_use"]["items"].as_array().unwrap().len(), 3);
    assert_eq!(v["fund_use"]["items"][2]["evidence_filename"], "fp.pdf");
    let first = v["fund_use"]["items"][0]["id"].as_i64().unwrap();
    assert!(v["history"].to_string().contains("登记资金使用"));
    // supervision: the subject may not question, the authority may, with a reason, once
    let (s, _) = app
        .post(
            &me,
            &act("question_fund_use"),
            json!({"fund_use": first, "reason": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = app
        .post(&sjj, &act("question_fund_use"), json!({"fund_use": first}))
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a reason is required: {v}"
    );
    let (s, v) = app
        .post(
            &sjj,
            &act("question_fund_use"),
            json!({"fund_use": first, "reason": "人员费用缺少考勤依据"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["fund_use"]["items"][0]["questioned"], true);
    assert_eq!(v["fund_use"]["questioned"], 1);
    assert!(v["history"].to_string().contains("人员费用缺少考勤依据"));
    let (s, _) = app
        .post(
            &lead,
            &act("question_fund_use"),
            json!({"fund_use": first, "reason": "again"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "once");
    // the subject sees it; the page shows the summary and exports to Excel
    let (_, v) = app.get(&me, &format!("/api/v1/competitions/{id}")).await;
    assert_eq!(v["fund_use"]["used_fen"], 10_000_000);
    let (sjj_cookie, _) = app.page_session("sjj").await;
    let page = html(&app, &sjj_cookie, &format!("/competitions/{id}")).await;
    assert!(
        page.contains("资金使用（监督评估）")
            && page.contains("100,000.00")
            && page.contains("100.0%")
            && page.contains("人员费用缺少考勤依据"),
        "the page summarises used / agreed"
    );
    let x = app
        .client
        .get(format!("{}/competitions/{id}.xlsx", app.base))
        .header("cookie", &sjj_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(x.status(), StatusCode::OK);
    assert!(x.bytes().await.unwrap().starts_with(b"PK"));
    // another market entity (not the subject) sees none of it; nor the public
    let district = app.world.actor("jyj").jurisdiction_id;
    let unit = app
        .st
        .db
        .create_unit(district, "浙江另一科技有限公司", "market")
        .await
        .unwrap();
    let hash = tongchou_web::auth::hash_password(tongchou_testkit::DEMO_PASSWORD);
    app.st
        .db
        .create_user(
            "scgs2",
            "赵敏（另一市场主体）",
            unit,
            &[tongchou_domain::Role::MarketEntity],
            &hash,
        )
        .await
        .unwrap();
    let other = app.token("scgs2").await;
    let (s, v) = app.get(&other, &format!("/api/v1/competitions/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(v["fund_use"].is_null(), "{v}");
    assert!(v["agreed_fen"].is_null(), "{v}");
    assert!(!v.to_string().contains("开发人员费用"));
    let (other_cookie, _) = app.page_session("scgs2").await;
    let page = html(&app, &other_cookie, &format!("/competitions/{id}")).await;
    assert!(!page.contains("资金使用（监督评估）") && !page.contains("开发人员费用"));
    let (s, _) = app
        .post(
            &other,
            &act("fund_use"),
            json!({"amount": "1", "purpose": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let r = app
        .client
        .get(format!("{}/api/v1/public/notices/{id}", app.base))
        .send()
        .await
        .unwrap();
    let body = r.text().await.unwrap();
    assert!(!body.contains("开发人员费用") && !body.contains("10000000"));
}

#[tokio::test]
async fn fund_use_supervised_against_agreed_amount_sqlite() {
    fund_use(Backend::Sqlite).await;
}

#[tokio::test]
async fn fund_use_supervised_against_agreed_amount_postgres() {
    fund_use(Backend::Postgres).await;
}
