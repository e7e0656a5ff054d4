//! Money during implementation over HTTP as the real demo roles (区教育局 jyj as the unit,
//! 区数据资源局 sjj as the authority): payment batches, pre-filed and recorded payments, a change
//! within 15% filed, a change over 15% through preliminary and expert review, a change above the
//! approved amount refused, and a termination that freezes the money position — on SQLite and
//! PostgreSQL. Shangcheng 第六章 项目实施; Shaoxing 第二十二条.
use crate::support::{Backend, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tongchou_domain::{ProjectId, Stage, Yuan};
use tongchou_store::today;

fn yuan(v: &Value) -> Yuan {
    Yuan::parse(v.as_str().unwrap_or_else(|| panic!("money as text: {v}"))).unwrap()
}

/// A project of 区教育局 walked through the real transitions to `stage`.
async fn project_at(app: &TestApp, unit: &str, name: &str, stage: Stage) -> i64 {
    let id = app.draft(unit, name).await;
    let walker = tongchou_testkit::Walker::new(&app.st, &app.world, today());
    walker
        .walk(ProjectId(id), "jyj", stage)
        .await
        .expect("walk");
    id
}

async fn money_of(app: &TestApp, token: &str, id: i64) -> Value {
    let (s, v) = app
        .get(token, &format!("/api/v1/projects/{id}/money"))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

async fn actions(app: &TestApp, token: &str, id: i64) -> Vec<String> {
    let (s, v) = app.get(token, &format!("/api/v1/projects/{id}")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect()
}

async fn money(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let unit = app.token("jyj").await;
    let auth = app.token("sjj").await;
    let other = app.token("wjw").await;
    let finance = app.token("czj").await;
    let day = today().to_string();

    // ---- Payments (M5) ------------------------------------------------------------------
    let a = project_at(
        &app,
        &unit,
        "上城区智慧教育资金支付测试项目",
        Stage::InConstruction,
    )
    .await;
    let m = money_of(&app, &unit, a).await;
    let approved = yuan(&m["approved_amount"]);
    let contract = yuan(&m["contract_amount"]);
    assert!(contract <= approved && contract > Yuan::ZERO, "{m}");
    assert_eq!(yuan(&m["paid_amount"]), Yuan::ZERO);

    // Only the project's own unit defines batches and files payments.
    let (s, v) = app
        .act(
            &auth,
            a,
            "add_payment_batch",
            json!({"condition": "合同签订后", "ratio": "30"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, v) = app
        .act(
            &other,
            a,
            "add_payment_batch",
            json!({"condition": "合同签订后", "ratio": "30"}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "another unit may read, not act: {v}"
    );
    // Bad input: a field error, nothing changes.
    let (s, v) = app
        .act(
            &unit,
            a,
            "add_payment_batch",
            json!({"condition": "合同签订后", "ratio": "三成"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["fields"][0]["field"], "ratio", "{v}");
    for (cond, ratio) in [
        ("合同签订后", "30"),
        ("初验通过后", "40"),
        ("验收合格后", "30"),
    ] {
        let (s, v) = app
            .act(
                &unit,
                a,
                "add_payment_batch",
                json!({"condition": cond, "ratio": ratio}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let (s, v) = app
        .act(
            &unit,
            a,
            "add_payment_batch",
            json!({"condition": "追加", "ratio": "1"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["message"].as_str().unwrap().contains("100%"), "{v}");

    // A payment that was never pre-filed cannot be recorded.
    let (s, v) = app
        .act(
            &unit,
            a,
            "record_payment",
            json!({"payment": 1, "paid_date": day, "amount": "1000"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(
        v["message"].as_str().unwrap().contains("资金支付报备单"),
        "{v}"
    );

    // Pre-file the first batch (exactly 30% of the contract), then record it as paid.
    let first = Yuan::from_fen(contract.fen() * 3000 / 10_000);
    let (s, v) = app
        .act(
            &unit,
            a,
            "prefile_payment",
            json!({"batch": 1, "amount": first.to_string(), "planned_date": day}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // One fen more in the same batch is beyond its ratio.
    let (s, v) = app
        .act(
            &unit,
            a,
            "prefile_payment",
            json!({"batch": 1, "amount": "0.01", "planned_date": day}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["message"].as_str().unwrap().contains("30%"), "{v}");
    let (s, v) = app
        .act(&unit, a, "record_payment", json!({"payment": 1, "paid_date": day, "amount": first.to_string(), "voucher": "国库集中支付凭证 2026-0815"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let m = money_of(&app, &auth, a).await;
    assert_eq!(yuan(&m["paid_amount"]), first, "{m}");
    assert_eq!(m["summary"]["payment_progress_bp"], 3000, "{m}");
    assert!(
        m["summary"]["construction_progress"].as_u64().is_some(),
        "{m}"
    );
    assert_eq!(m["payments"][0]["voucher"], "国库集中支付凭证 2026-0815");
    // The rest of the contract, then one fen beyond it: refused.
    let second = Yuan::from_fen(contract.fen() * 4000 / 10_000);
    let (s, v) = app
        .act(
            &unit,
            a,
            "prefile_payment",
            json!({"batch": 2, "amount": second.to_string(), "planned_date": day}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let third = contract.saturating_sub(first).saturating_sub(second);
    let (s, v) = app
        .act(
            &unit,
            a,
            "prefile_payment",
            json!({"batch": 3, "amount": third.to_string(), "planned_date": day}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app
        .act(
            &unit,
            a,
            "prefile_payment",
            json!({"batch": 3, "amount": "0.01", "planned_date": day}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    // The page shows the payments card with both progress figures.
    let (cookie, _csrf) = app.page_session("jyj").await;
    let page = app
        .client
        .get(format!("{}/projects/{a}", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for text in [
        "资金支付与变更",
        "支付进度",
        "建设进度",
        "资金支付报备单与支付",
        "30.00%",
    ] {
        assert!(page.contains(text), "project page lacks {text}");
    }

    // ---- A change within 15% (exactly 15%): the unit files, the authority records it ----------
    let cut15 = Yuan::from_fen(approved.fen() - approved.fen() * 15 / 100);
    let (s, v) = app
        .act(&unit, a, "submit_change", json!({"content": "取消大屏展示模块", "reason": "省级平台已提供同类能力", "new_amount": cut15.to_string()}))
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "cut below what is already committed: {v}"
    );
    // Everything pre-filed is the whole contract (95% of approved) — a 5% cut is below it too,
    // so use project B for the cut and check the over-budget refusal here.
    let (s, v) = app
        .act(&unit, a, "submit_change", json!({"content": "增加移动端", "reason": "需求增加", "new_amount": approved.checked_add(Yuan::from_fen(1)).unwrap().to_string()}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("重新进行项目申报和立项"),
        "{v}"
    );

    let b = project_at(
        &app,
        &unit,
        "上城区教育数据变更测试项目",
        Stage::InConstruction,
    )
    .await;
    let approved_b = yuan(&money_of(&app, &unit, b).await["approved_amount"]);
    let cut15 = Yuan::from_fen(approved_b.fen() - approved_b.fen() * 15 / 100);
    let (s, v) = app
        .act(&unit, b, "submit_change", json!({"content": "取消大屏展示模块", "reason": "省级平台已提供同类能力", "new_amount": cut15.to_string()}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(actions(&app, &auth, b)
        .await
        .contains(&"file_change".to_string()));
    // …and it is on the authority's 我的待办.
    let (sjj_cookie, _) = app.page_session("sjj").await;
    let todo = app
        .client
        .get(format!("{}/", app.base))
        .header("cookie", &sjj_cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        todo.contains("上城区教育数据变更测试项目") && todo.contains("变更备案"),
        "authority's to-do lists the change to file"
    );
    assert!(!actions(&app, &unit, b)
        .await
        .contains(&"submit_change".to_string()));
    let (s, v) = app
        .act(
            &unit,
            b,
            "file_change",
            json!({"change": 1, "opinion": "自行备案"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, v) = app
        .act(
            &auth,
            b,
            "file_change",
            json!({"change": 1, "opinion": "予以备案"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let m = money_of(&app, &unit, b).await;
    assert_eq!(m["changes"][0]["route"], "filing", "{m}");
    assert_eq!(m["changes"][0]["state"], "effective", "{m}");
    // 15% of the approved amount, rounded down to the fen: at most 15%, so still a filing.
    assert!(m["changes"][0]["cut_bp"].as_i64().unwrap() <= 1500, "{m}");
    assert_eq!(yuan(&m["effective_amount"]), cut15);
    assert_eq!(
        yuan(&m["approved_amount"]),
        approved_b,
        "the baseline never changes"
    );
    let (_, p) = app.get(&unit, &format!("/api/v1/projects/{b}")).await;
    assert_eq!(yuan(&p["approved_amount"]), approved_b);

    // ---- A change over 15%: preliminary review, then the expert change review -------------
    let deep = Yuan::from_fen(approved_b.fen() / 2);
    let (s, v) = app
        .act(&unit, b, "submit_change", json!({"content": "压缩为单一模块", "reason": "职能调整", "new_amount": deep.to_string()}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app
        .act(
            &auth,
            b,
            "file_change",
            json!({"change": 2, "opinion": "备案"}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a cut over 15% cannot just be filed: {v}"
    );
    let (s, v) = app
        .act(
            &auth,
            b,
            "review_change",
            json!({"change": 2, "pass": true, "opinion": "部门初审通过，召开变更专家论证会"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        yuan(&money_of(&app, &unit, b).await["effective_amount"]),
        cut15,
        "not yet in effect"
    );
    let (s, v) = app
        .act(
            &auth,
            b,
            "change_expert_review",
            json!({"change": 2, "pass": true, "experts": ["张明"], "date": day, "opinion": "同意"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["fields"][0]["field"], "experts", "{v}");
    let (s, v) = app
        .act(&auth, b, "change_expert_review", json!({"change": 2, "pass": true, "experts": "张明、李华、王芳", "date": day, "opinion": "同意按核减后的方案实施"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let m = money_of(&app, &unit, b).await;
    assert_eq!(m["changes"][1]["route"], "expert_review", "{m}");
    assert_eq!(m["changes"][1]["state"], "effective", "{m}");
    assert_eq!(yuan(&m["effective_amount"]), deep);
    assert_eq!(yuan(&m["approved_amount"]), approved_b);

    // ---- Termination (I7): the unit applies, the authority files, the money position freezes --
    let (s, v) = app
        .act(&unit, b, "apply_termination", json!({"reason": "budget_cut", "progress": "完成 40%", "money": "未支付", "committee": "党组会议纪要", "leader": "副区长批示"}))
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not one of the six reasons: {v}"
    );
    let (s, v) = app
        .act(&unit, b, "apply_termination", json!({"reason": "transfer", "progress": "完成需求调研和部分开发，约 40%", "money": "尚未支付", "committee": "区教育局党组会议纪要〔2026〕9号", "leader": "分管副区长批示同意"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["stage"], "in_construction", "{v}");
    assert!(actions(&app, &auth, b)
        .await
        .contains(&"file_termination".to_string()));
    let (s, v) = app
        .act(
            &finance,
            b,
            "file_termination",
            json!({"agree": true, "opinion": "备案"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, v) = app
        .act(
            &auth,
            b,
            "file_termination",
            json!({"agree": true, "opinion": "予以备案"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["stage"], "ended", "{v}");
    assert!(
        v["ended_reason"].as_str().unwrap().contains("职能划转"),
        "{v}"
    );
    let m = money_of(&app, &auth, b).await;
    let pos = &m["termination"]["position"];
    assert_eq!(yuan(&pos["approved"]), approved_b, "{m}");
    assert_eq!(yuan(&pos["effective"]), deep, "{m}");
    assert_eq!(yuan(&pos["paid"]), Yuan::ZERO, "{m}");
    assert_eq!(m["termination"]["state"], "filed");
    // Frozen: no payment, batch or change afterwards.
    for (action, body) in [
        (
            "add_payment_batch",
            json!({"condition": "x", "ratio": "10"}),
        ),
        (
            "submit_change",
            json!({"content": "x", "reason": "y", "new_amount": "1"}),
        ),
    ] {
        let (s, v) = app.act(&unit, b, action, body).await;
        assert_eq!(s, StatusCode::CONFLICT, "{action}: {v}");
    }
    assert!(actions(&app, &unit, b).await.is_empty());

    // ---- Every step is in the hash-chained history --------------------------------------
    let (_, h) = app
        .get(&auth, &format!("/api/v1/projects/{b}/history"))
        .await;
    let acts: Vec<&str> = h["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in [
        "submit_change",
        "file_change",
        "review_change",
        "change_expert_review",
        "apply_termination",
        "file_termination",
    ] {
        assert!(acts.contains(&a), "{a} in {acts:?}");
    }
    let report = app.st.db.verify_history().await.unwrap();
    assert!(report.is_ok(), "history chains intact: {report:?}");
}

#[tokio::test]
async fn money_payments_changes_termination_over_http_sqlite() {
    money(Backend::Sqlite).await;
}

#[tokio::test]
async fn money_payments_changes_termination_over_http_postgres() {
    money(Backend::Postgres).await;
}

/// A page form with bad input re-shows the form with the message beside the field, and needs the
/// CSRF token (Shangcheng 第六章 项目实施; [product] forms).
#[tokio::test]
async fn money_page_form_shows_error_beside_the_field() {
    let Some(app) = TestApp::start(Backend::Sqlite).await else {
        return;
    };
    let unit = app.token("jyj").await;
    let id = project_at(
        &app,
        &unit,
        "上城区教育支付表单测试项目",
        Stage::InConstruction,
    )
    .await;
    let (cookie, csrf) = app.page_session("jyj").await;
    let post = |form: Vec<(&'static str, String)>| {
        app.client
            .post(format!("{}/projects/{id}/act/add_payment_batch", app.base))
            .header("cookie", &cookie)
            .form(&form)
            .send()
    };
    let r = post(vec![
        ("condition", "合同签订后".into()),
        ("ratio", "30".into()),
    ])
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "no CSRF token");
    let r = post(vec![
        ("_csrf", csrf.clone()),
        ("condition", "合同签订后".into()),
        ("ratio", "三成".into()),
    ])
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains("请填写支付比例"), "error shown");
    assert!(page.contains("value=\"三成\""), "input re-shown");
    let r = post(vec![
        ("_csrf", csrf),
        ("condition", "合同签订后".into()),
        ("ratio", "30".into()),
    ])
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let m = money_of(&app, &unit, id).await;
    assert_eq!(m["batches"][0]["ratio_bp"], 3000, "{m}");
    // 政策规则 lists these rules beside their articles.
    let rules = app
        .client
        .get(format!("{}/profile", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for text in [
        "核减不超过15%（含不核减）",
        "第六章 项目实施（项目变更）",
        "由于不可抗力，造成项目无法完成",
        "第二十二条",
    ] {
        assert!(rules.contains(text), "政策规则 lacks {text}");
    }
    // The API documents each money action and the money read.
    let (_, doc) = app.get(&unit, "/api/v1/openapi.json").await;
    assert!(doc["paths"]["/api/v1/projects/{id}/money"]["get"].is_object());
    let schemas = doc["components"]["schemas"]["MoneyActionFields"]["oneOf"]
        .as_array()
        .unwrap();
    let actions = doc["paths"]["/api/v1/projects/{id}/actions/{action}"]["post"]["parameters"][1]
        ["schema"]["enum"]
        .as_array()
        .unwrap();
    for s in schemas {
        assert!(actions.contains(&s["title"]), "{} is an action", s["title"]);
    }
    assert_eq!(schemas.len(), 10);
}

/// The demo (`serve --demo`) has contracted projects with payment batches and payments, one
/// with a filed change, all through the real transitions.
#[tokio::test]
async fn demo_projects_have_payments_and_a_change() {
    let Some((db, _url, dir)) = crate::support::database(Backend::Sqlite).await else {
        return;
    };
    let st = tongchou_web::AppState::new(db, dir.join("data"));
    let world = tongchou_testkit::seed_demo(&st, today())
        .await
        .expect("demo");
    let scope = tongchou_domain::permission::list_scope(world.actor("sjs"));
    let f = tongchou_store::project::ListFilter {
        per_page: 500,
        page: 1,
        ..Default::default()
    };
    let (items, _) = st.db.list_projects(&scope, &f).await.unwrap();
    let (mut paid, mut changed) = (0, 0);
    let (mut pending, mut signed) = (0, 0);
    for i in items {
        let ctx = st.db.context(ProjectId(i.id)).await.unwrap();
        for o in &ctx.overrides {
            assert_eq!(o.approver, tongchou_domain::Role::Cyber, "{o:?}");
            match o.state {
                tongchou_domain::overrides::OverrideState::Pending => pending += 1,
                tongchou_domain::overrides::OverrideState::SignedOff => signed += 1,
                _ => {}
            }
        }
        if let Some(c) = &ctx.contract {
            assert!(c.supervision.is_some(), "demo contracts have supervision");
        }
        if ctx.funds.paid_total() > Yuan::ZERO {
            paid += 1;
            assert_eq!(ctx.funds.batch_ratio_total_bp(), 10_000);
        }
        if ctx.funds.effective_amount.is_some() {
            changed += 1;
            assert!(ctx.funds.effective_amount < ctx.project.approved_amount);
        }
    }
    assert!(paid >= 3, "{paid} demo projects with payments");
    assert!(changed >= 1, "{changed} demo projects with a change");
    assert!(
        pending >= 1 && signed >= 1,
        "demo overrides: {pending} pending, {signed} signed off"
    );
    assert!(st.db.verify_history().await.unwrap().is_ok());
}

/// I8: a contract period that ran out must be explained before the next monthly report; the
/// overrun is counted for the unit and shown to the scorers of its next declarations
/// (Shangcheng 第六章 项目实施).
async fn overrun(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let unit = app.token("jyj").await;
    let name = "上城区教育超期测试项目";
    let id = project_at(&app, &unit, name, Stage::Procurement).await;
    let clauses: Vec<String> = app
        .st
        .profile()
        .contract_clauses
        .iter()
        .map(|i| i.code.clone())
        .collect();
    let (_, p) = app.get(&unit, &format!("/api/v1/projects/{id}")).await;
    let approved = yuan(&p["approved_amount"]);
    let signed = tongchou_domain::lifecycle::add_days(today(), -80);
    let (s, v) = app
        .act(
            &unit,
            id,
            "sign_contract",
            json!({"project_name": name, "supplier": "浙江数智科技有限公司",
                   "amount": Yuan::from_fen(approved.fen() / 100 * 98).to_string(),
                   "supervisor": "浙江诚信工程监理咨询有限公司", "supervision_fee": Yuan::from_fen(approved.fen() / 100).to_string(),
                   "supervision_signed_date": signed.to_string(),
                   "signed_date": signed.to_string(), "period_months": 1, "maintenance_years": 2, "check": clauses}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let month = today().strftime("%Y-%m").to_string();
    let report = json!({"month": month, "percent": 60, "summary": "联调测试中", "problems": "接口依赖省级平台"});
    let (s, v) = app.act(&unit, id, "report_progress", report.clone()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["message"].as_str().unwrap().contains("超期"), "{v}");
    let m = money_of(&app, &unit, id).await;
    assert_eq!(m["summary"]["overrun"], true, "{m}");
    assert_eq!(m["unit_overruns"], 0, "{m}");
    assert!(actions(&app, &unit, id)
        .await
        .contains(&"explain_overrun".to_string()));
    let (s, v) = app
        .act(&unit, id, "explain_overrun", json!({"explanation": ""}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = app
        .act(
            &unit,
            id,
            "explain_overrun",
            json!({"explanation": "接口联调依赖省级平台排期，预计延期两个月完成"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app.act(&unit, id, "report_progress", report).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let m = money_of(&app, &unit, id).await;
    assert_eq!(m["unit_overruns"], 1, "{m}");
    assert_eq!(
        m["overrun"]["explanation"],
        "接口联调依赖省级平台排期，预计延期两个月完成"
    );
    // The unit's next declaration shows the overrun to the preliminary-review scorers.
    let next = app.draft(&unit, "上城区教育下期申报测试项目").await;
    tongchou_testkit::Walker::new(&app.st, &app.world, today())
        .walk(ProjectId(next), "jyj", Stage::PreliminaryReview)
        .await
        .expect("walk");
    let (cookie, _) = app.page_session("fgj").await;
    let page = app
        .client
        .get(format!("{}/projects/{next}", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("建设单位超期项目：<strong>1</strong> 个"),
        "scorers see the unit's overrun"
    );
}

#[tokio::test]
async fn money_overrun_explained_before_report_and_counted_for_the_unit_sqlite() {
    overrun(Backend::Sqlite).await;
}

#[tokio::test]
async fn money_overrun_explained_before_report_and_counted_for_the_unit_postgres() {
    overrun(Backend::Postgres).await;
}

/// Rules as data (SPEC §3) for money: an administrator lowers the change threshold of
/// Shangcheng 第六章 项目实施（项目变更） from 15% to 10%. A 12% cut submitted before the edit stays a
/// filing (decided under v1); the same cut submitted after it goes to preliminary and expert
/// review (v2), each decision recording the profile version it was made under.
async fn threshold_edit(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let unit = app.token("jyj").await;
    let auth = app.token("sjj").await;
    let id = project_at(
        &app,
        &unit,
        "上城区教育变更阈值测试项目",
        Stage::InConstruction,
    )
    .await;
    let approved = yuan(&money_of(&app, &unit, id).await["approved_amount"]);
    let cut12 = Yuan::from_fen(approved.fen() - approved.fen() * 12 / 100);
    let change = json!({"content": "取消大屏展示模块", "reason": "省级平台已提供同类能力", "new_amount": cut12.to_string()});
    let (s, v) = app.act(&unit, id, "submit_change", change.clone()).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app
        .act(
            &auth,
            id,
            "file_change",
            json!({"change": 1, "opinion": "予以备案"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    let (cookie, csrf) = app.page_session("admin").await;
    let mut p = (*app.st.profile()).clone();
    p.change_filing_max_cut_bp = 1_000;
    let r = app
        .client
        .post(format!("{}/settings/profile", app.base))
        .header("cookie", &cookie)
        .form(&[
            ("_csrf", csrf.as_str()),
            ("text", p.to_toml().as_str()),
            ("note", "变更备案阈值调整为10%（测试）"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(app.st.profile_tag(), "shangcheng@v2");
    // The 政策规则 page states the new number.
    let page = app
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
        page.contains("核减不超过10%"),
        "政策规则 shows the edited threshold"
    );

    let (s, v) = app.act(&unit, id, "submit_change", change).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let m = money_of(&app, &unit, id).await;
    assert_eq!(m["changes"][0]["route"], "filing", "decided under v1: {m}");
    assert_eq!(m["changes"][0]["state"], "effective", "{m}");
    assert_eq!(m["changes"][1]["route"], "expert_review", "v2: {m}");
    assert_eq!(m["changes"][1]["state"], "preliminary_review", "{m}");
    assert!(actions(&app, &auth, id)
        .await
        .contains(&"review_change".to_string()));
    let (_, h) = app
        .get(&unit, &format!("/api/v1/projects/{id}/history"))
        .await;
    let items = h["items"].as_array().unwrap();
    let tags: Vec<(&str, &str)> = items
        .iter()
        .filter(|e| e["action"] == "submit_change")
        .map(|e| {
            (
                e["profile_code"].as_str().unwrap(),
                e["summary"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(tags.len(), 2, "{tags:?}");
    assert_eq!(tags[0].0, "shangcheng@v1");
    assert!(tags[0].1.contains("备案"), "{}", tags[0].1);
    assert_eq!(tags[1].0, "shangcheng@v2");
    assert!(tags[1].1.contains("专家论证"), "{}", tags[1].1);
}

#[tokio::test]
async fn money_profile_edit_changes_the_next_change_and_not_a_decided_one_sqlite() {
    threshold_edit(Backend::Sqlite).await;
}

#[tokio::test]
async fn money_profile_edit_changes_the_next_change_and_not_a_decided_one_postgres() {
    threshold_edit(Backend::Postgres).await;
}

/// SPEC §0: a default rule (维保期一般不少于2年, Shangcheng 第六章 项目实施) goes ahead with a reason;
/// the override waits for the approver the profile names (区数据资源局), who finds it in 我的待办,
/// signs off or objects — a history entry either way — and the 晾晒台 lists it with a filter.
async fn overrides(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let unit = app.token("jyj").await;
    let auth = app.token("sjj").await;
    let finance = app.token("czj").await;
    let name = "上城区教育维保例外测试项目";
    let id = project_at(&app, &unit, name, Stage::Procurement).await;
    let clauses: Vec<String> = app
        .st
        .profile()
        .contract_clauses
        .iter()
        .map(|i| i.code.clone())
        .collect();
    let (_, p) = app.get(&unit, &format!("/api/v1/projects/{id}")).await;
    let approved = yuan(&p["approved_amount"]);
    let day = today().to_string();
    let mut contract = json!({"project_name": name, "supplier": "浙江数智科技有限公司",
        "amount": Yuan::from_fen(approved.fen() / 100 * 95).to_string(), "signed_date": day,
        "supervisor": "浙江诚信工程监理咨询有限公司", "supervision_fee": Yuan::from_fen(approved.fen() / 100 * 2).to_string(),
        "supervision_signed_date": day, "period_months": 6, "maintenance_years": 1, "check": clauses});
    let (s, v) = app.act(&unit, id, "sign_contract", contract.clone()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["code"], "override_required", "{v}");
    assert!(
        v["message"].as_str().unwrap().contains("区数据资源局审批"),
        "{v}"
    );
    contract["override_reason"] = json!("系统一年后并入市级统建平台，由市级统一维保");
    let (s, v) = app.act(&unit, id, "sign_contract", contract).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, p) = app.get(&unit, &format!("/api/v1/projects/{id}")).await;
    let o = &p["overrides"][0];
    assert_eq!(o["rule"], "maintenance_min_years", "{p}");
    assert_eq!(o["approver"], "authority", "{p}");
    assert_eq!(o["state"], "pending", "{p}");
    let oid = o["id"].as_i64().unwrap();

    // Only the named approver signs off: not the unit, not another department.
    for who in [&unit, &finance] {
        let (s, v) = app
            .act(
                who,
                id,
                "review_override",
                json!({"override": oid, "agree": "yes"}),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    }
    // It is on the approver's 我的待办, and on the board with its reason and state.
    let (cookie, csrf) = app.page_session("sjj").await;
    let get_page = |path: String| {
        let c = cookie.clone();
        let url = format!("{}{path}", app.base);
        let client = app.client.clone();
        async move {
            client
                .get(url)
                .header("cookie", c)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let todo = get_page("/".into()).await;
    assert!(
        todo.contains(name) && todo.contains("原则性规定例外审批"),
        "approver's to-do lists the override"
    );
    let board = get_page("/board?ov_state=pending".into()).await;
    assert!(
        board.contains(name) && board.contains("由市级统一维保") && board.contains("待审批"),
        "board lists the pending override"
    );
    let board = get_page("/board?ov_state=signed_off".into()).await;
    assert!(!board.contains("由市级统一维保"), "filtered out");
    let (s, v) = app.get(&auth, "/api/v1/overrides?ov_state=pending").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["project_id"] == id && x["approver_label"] == "区数据资源局"));
    let page = get_page(format!("/projects/{id}")).await;
    assert!(
        page.contains("id=\"act-review_override\"") && page.contains("由市级统一维保"),
        "the approver's project page has the sign-off form"
    );
    let (unit_cookie, _) = app.page_session("jyj").await;
    let unit_page = app
        .client
        .get(format!("{}/projects/{id}", app.base))
        .header("cookie", &unit_cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !unit_page.contains("act-review_override") && unit_page.contains("原则性规定的例外"),
        "the unit sees the override and its state, not the form"
    );
    let (s, v) = app.get(&auth, "/api/v1/overrides?ov_state=maybe").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");

    // An objection needs a reason: the page shows the error beside the field, nothing changes.
    let post = |form: Vec<(&'static str, String)>| {
        app.client
            .post(format!("{}/projects/{id}/act/review_override", app.base))
            .header("cookie", &cookie)
            .form(&form)
            .send()
    };
    let r = post(vec![
        ("_csrf", csrf.clone()),
        ("override", oid.to_string()),
        ("agree", "no".into()),
        ("opinion", "".into()),
    ])
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("请填写异议理由"));
    let r = post(vec![("override", oid.to_string()), ("agree", "yes".into())])
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "no CSRF token");
    let r = post(vec![
        ("_csrf", csrf.clone()),
        ("override", oid.to_string()),
        ("agree", "yes".into()),
        ("opinion", "同意，已核实市级统建计划".into()),
    ])
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, p) = app.get(&unit, &format!("/api/v1/projects/{id}")).await;
    assert_eq!(p["overrides"][0]["state"], "signed_off", "{p}");
    assert_eq!(
        p["stage"], "in_construction",
        "a sign-off does not move the project"
    );
    let (_, h) = app
        .get(&unit, &format!("/api/v1/projects/{id}/history"))
        .await;
    let last = h["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "review_override", "{last}");
    assert!(last["summary"].as_str().unwrap().contains("同意"), "{last}");
    assert_eq!(last["opinion"], "同意，已核实市级统建计划");
    // Once only.
    let (s, v) = app
        .act(
            &auth,
            id,
            "review_override",
            json!({"override": oid, "agree": "no", "opinion": "再议"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let todo = get_page("/".into()).await;
    assert!(!todo.contains("原则性规定例外审批"), "no longer a to-do");
    let board = get_page("/board?ov_state=signed_off&ov_rule=maintenance_min_years".into()).await;
    assert!(
        board.contains("同意，已核实市级统建计划"),
        "board shows the sign-off"
    );

    // A security-budget override at declaration goes to the profile's approver for that rule
    // (区委网信办), who objects with a reason.
    let d = app.draft(&unit, "上城区教育安全预算例外测试项目").await;
    let mut body = crate::support::project_body("上城区教育安全预算例外测试项目");
    body["security_amount"] = json!("10000");
    let (s, v) = app.act(&unit, d, "edit", body).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    for kind in ["declaration_form", "feasibility_report"] {
        app.upload(&unit, d, kind, "a.pdf", crate::support::pdf())
            .await;
    }
    let (s, v) = app
        .act(
            &unit,
            d,
            "declare",
            json!({"override_reason": "安全能力由区统建平台提供"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, p) = app.get(&unit, &format!("/api/v1/projects/{d}")).await;
    assert_eq!(p["overrides"][0]["approver"], "cyber", "{p}");
    let did = p["overrides"][0]["id"].as_i64().unwrap();
    let (s, v) = app
        .act(
            &auth,
            d,
            "review_override",
            json!({"override": did, "agree": "no", "opinion": "x"}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "the authority is not this rule's approver: {v}"
    );
    let cyber = app.token("wxb").await;
    let (s, v) = app
        .act(&cyber, d, "review_override", json!({"override": did, "agree": "no", "opinion": "统建平台未覆盖本系统的数据安全，应补足预算"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, v) = app.get(&auth, "/api/v1/overrides?ov_state=objected").await;
    assert!(
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["project_id"] == d
                && x["decision_reason"] == "统建平台未覆盖本系统的数据安全，应补足预算"),
        "{v}"
    );
}

#[tokio::test]
async fn overrides_signed_off_by_the_named_approver_sqlite() {
    overrides(Backend::Sqlite).await;
}

#[tokio::test]
async fn overrides_signed_off_by_the_named_approver_postgres() {
    overrides(Backend::Postgres).await;
}
