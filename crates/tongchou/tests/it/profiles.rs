//! A profile per jurisdiction (SPEC §3): each project decided under the profile of its
//! jurisdiction (inherited from the parent where it has none of its own), recorded as `code@vN`;
//! only an administrator covering a jurisdiction chooses or edits its profile.
use crate::support::{Backend, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn put(app: &TestApp, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
    let r = app
        .client
        .put(format!("{}{path}", app.base))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("put");
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn history_tags(app: &TestApp, token: &str, id: i64) -> Vec<String> {
    let (s, h) = app
        .get(token, &format!("/api/v1/projects/{id}/history"))
        .await;
    assert_eq!(s, StatusCode::OK, "{h}");
    h["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["profile_code"].as_str().unwrap().to_string())
        .collect()
}

// SPEC §3: "a jurisdiction without one inherits its parent's" (越城区 has none: 绍兴市's applies;
// Shaoxing art.39: 各区、县（市）……可参照本办法执行).
async fn inherits(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let sx_unit = app.token("sxjyj").await;
    let sc_unit = app.token("jyj").await;

    let (s, v) = app.get(&sx_unit, "/api/v1/profile").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["in_force"]["jurisdiction_name"], "越城区");
    assert_eq!(v["in_force"]["profile_code"], "shaoxing");
    assert_eq!(v["in_force"]["own"], false);
    assert_eq!(v["in_force"]["source"], "继承自绍兴市");
    assert_eq!(v["profile"]["document"], "绍兴市市级政务信息化项目管理办法");
    let (_, v) = app.get(&sc_unit, "/api/v1/profile").await;
    assert_eq!(v["in_force"]["profile_code"], "shangcheng");
    assert_eq!(v["in_force"]["source"], "本级选定");

    // Each project is decided and recorded under its own jurisdiction's profile.
    let sx = app.draft(&sx_unit, "越城区智慧校园").await;
    let sc = app.draft(&sc_unit, "上城区智慧校园").await;
    assert_eq!(history_tags(&app, &sx_unit, sx).await, ["shaoxing@v1"]);
    assert_eq!(history_tags(&app, &sc_unit, sc).await, ["shangcheng@v1"]);
    let (_, p) = app.get(&sx_unit, &format!("/api/v1/projects/{sx}")).await;
    assert_eq!(p["profile"]["code"], "shaoxing");
    // Declaring cites Shaoxing's article, not Shangcheng's.
    let (s, v) = app.act(&sx_unit, sx, "declare", json!({})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["message"].as_str().unwrap().contains("第九条"), "{v}");

    // The 政策规则 page says which profile is in force and where it is inherited from.
    let (cookie, _) = app.page_session("sxjyj").await;
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
    assert!(html.contains("绍兴市市级政务信息化项目管理"), "{html}");
    assert!(html.contains("继承自绍兴市"));
    assert!(
        html.contains("市发改委"),
        "Shaoxing's own names for the roles"
    );
    for step in ["1. 初审", "2. 专家论证", "3. 领导小组审查", "4. 发改委批复"] {
        assert!(html.contains(step), "the review path in order: {step}");
    }
    assert!(html.contains("依据：绍兴市市级政务信息化项目管理办法 第三十条"));
    // ZJ-share (seed 000): the shared-application parameters with their articles.
    assert!(html.contains("一地创新、全省共享") && html.contains("三(五) 入选发布"));
    assert!(html.contains("取消其项目主体资格") && html.contains("三(七) 交付验收"));
}

#[tokio::test]
async fn jurisdiction_without_its_own_profile_uses_its_parents_sqlite() {
    inherits(Backend::Sqlite).await;
}

#[tokio::test]
async fn jurisdiction_without_its_own_profile_uses_its_parents_postgres() {
    inherits(Backend::Postgres).await;
}

// SPEC §3: only an administrator of that jurisdiction (or above) chooses or edits its profile;
// a profile change applies to new decisions, past ones keep the version they were made under.
async fn choose(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let sx_admin = app.token("sxadmin").await;
    let sc_admin = app.token("admin").await;
    let shangcheng = app.world.actor("sjj").jurisdiction_id.0;
    let yuecheng = app.world.actor("sxjyj").jurisdiction_id.0;
    let shaoxing = app.world.actor("sxadmin").jurisdiction_id.0;

    // Shaoxing's administrator may not touch Shangcheng's choice: 403, nothing changes.
    let before = app.st.db.profile_choices().await.unwrap().len();
    let (s, v) = put(
        &app,
        &sx_admin,
        &format!("/api/v1/jurisdictions/{shangcheng}/profile"),
        json!({"profile_code": "shaoxing", "note": "越权"}),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(v["code"], "forbidden");
    // Nor may Shangcheng's district administrator choose for the city of Shaoxing or above it.
    let (s, _) = put(
        &app,
        &sc_admin,
        &format!("/api/v1/jurisdictions/{shaoxing}/profile"),
        json!({"profile_code": "quzhou", "note": "越权"}),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(app.st.db.profile_choices().await.unwrap().len(), before);
    assert_eq!(
        app.st
            .profile_for(&app.world.actor("sjj").jurisdiction_path)
            .code,
        "shangcheng"
    );
    // Nor edit the Shangcheng profile's text.
    let (cookie, csrf) = app.page_session("sxadmin").await;
    let mut p = (*app.st.profile()).clone();
    p.trial_run_days = 10;
    let r = app
        .client
        .post(format!("{}/settings/profile", app.base))
        .header("cookie", &cookie)
        .form(&[
            ("_csrf", csrf.as_str()),
            ("code", "shangcheng"),
            ("text", p.to_toml().as_str()),
            ("note", "越权"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.st.profile_tag(), "shangcheng@v1");
    assert_eq!(app.st.profile().trial_run_days, 30);

    // Bad input: an unknown profile or no reason is a 422 on the field, nothing changes.
    let path = format!("/api/v1/jurisdictions/{yuecheng}/profile");
    let (s, v) = put(
        &app,
        &sx_admin,
        &path,
        json!({"profile_code": "nowhere", "note": "x"}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["fields"][0]["field"], "profile_code");
    let (s, v) = put(&app, &sx_admin, &path, json!({"profile_code": "quzhou"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["fields"][0]["field"], "note");
    assert_eq!(app.st.db.profile_choices().await.unwrap().len(), before);

    // Shaoxing's administrator chooses for a district below: new decisions follow it, the
    // past keeps its version.
    let unit = app.token("sxjyj").await;
    let id = app.draft(&unit, "越城区数字教育").await;
    let (s, v) = put(
        &app,
        &sx_admin,
        &path,
        json!({"profile_code": "quzhou", "note": "测试：改用衢州规则"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["source"], "本级选定");
    let (s, _) = app
        .upload(
            &unit,
            id,
            "declaration_form",
            "申报表.pdf",
            crate::support::pdf(),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let tags = history_tags(&app, &unit, id).await;
    assert_eq!(tags.first().unwrap(), "shaoxing@v1", "{tags:?}");
    assert_eq!(tags.last().unwrap(), "quzhou@v1", "{tags:?}");
    // Back to inheriting the city's.
    let (s, v) = put(
        &app,
        &sx_admin,
        &path,
        json!({"profile_code": "", "note": "恢复沿用市级"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["profile_code"], "shaoxing");
    assert_eq!(v["source"], "继承自绍兴市");
    // Another process sees the choice.
    let other = tongchou_web::AppState::new(app.st.db.clone(), std::env::temp_dir());
    other.load_profile().await.unwrap();
    assert_eq!(
        other
            .profile_for(&app.world.actor("sxjyj").jurisdiction_path)
            .code,
        "shaoxing"
    );
}

#[tokio::test]
async fn only_an_administrator_covering_the_jurisdiction_chooses_its_profile_sqlite() {
    choose(Backend::Sqlite).await;
}

#[tokio::test]
async fn only_an_administrator_covering_the_jurisdiction_chooses_its_profile_postgres() {
    choose(Backend::Postgres).await;
}

fn all(items: &[tongchou_domain::profile::CheckItem]) -> Vec<String> {
    items.iter().map(|i| i.code.clone()).collect()
}

async fn stage_label(app: &TestApp, token: &str, id: i64) -> (String, String) {
    let (s, v) = app.get(token, &format!("/api/v1/projects/{id}")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    (
        v["stage"].as_str().unwrap().to_string(),
        v["stage_label"].as_str().unwrap().to_string(),
    )
}

// Shaoxing's own path, as its real roles: 初审 with one-time notification (art.12), 专家论证 on
// necessity, feasibility, completeness and cost (art.13), the leading group's review opinion
// (art.14), the DRC's approval (art.4); the contract filed within 5 working days (art.16); the
// data catalogue within 10 working days of initial acceptance (art.30).
async fn shaoxing_path(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let p = tongchou_domain::profile::Profile::shaoxing();
    let unit = app.token("sxjyj").await;
    let xgb = app.token("sxxgb").await;
    // 第八条: declared with next year's plan, in the round 市信管办 opened.
    let today = tongchou_store::today();
    let (s, v) = app
        .post(
            &xgb,
            "/api/v1/rounds",
            json!({"plan_year": today.year() as i64 + 1, "opens_on": today.to_string(), "closes_on": today.to_string(), "note": "随年度投资计划申报"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = app.draft(&unit, "越城区教育数字大脑").await;
    for kind in ["declaration_form", "feasibility_report"] {
        assert_eq!(
            app.upload(&unit, id, kind, "材料.pdf", crate::support::pdf())
                .await
                .0,
            StatusCode::CREATED
        );
    }
    let (s, v) = app.act(&unit, id, "declare", json!({})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        stage_label(&app, &unit, id).await,
        ("compliance_review".into(), "初审".into())
    );

    // Art.12: incomplete → returned with every missing item listed at once.
    let mut some = all(&p.compliance_checklist);
    some.retain(|c| c != "performance_goals" && c != "catalogue");
    let (s, v) = app
        .act(
            &xgb,
            id,
            "compliance_review",
            json!({"check": some, "problems": ["概算表未分列非信息化内容"], "opinion": "材料不齐，一次性告知"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["stage"], "returned");
    let (_, h) = app
        .get(&unit, &format!("/api/v1/projects/{id}/history"))
        .await;
    let last = h["items"].as_array().unwrap().last().unwrap().clone();
    let summary = last["summary"].as_str().unwrap();
    assert!(
        summary.contains("一次性告知问题 3 项")
            && summary.contains("绩效目标")
            && summary.contains("信息资源目录")
            && summary.contains("概算表未分列"),
        "{summary}"
    );
    assert_eq!(last["profile_code"], "shaoxing@v1");
    let (s, v) = app
        .act(&unit, id, "request_rereview", json!({"note": "已补正"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // Complete → 受理, straight to 专家论证 (no department scoring on this path).
    let (s, v) = app
        .act(
            &xgb,
            id,
            "compliance_review",
            json!({"check": all(&p.compliance_checklist), "opinion": "材料齐全，予以受理"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        stage_label(&app, &unit, id).await,
        ("expert_review".into(), "专家论证".into())
    );

    // Art.13: the 信管办 convenes the experts.
    let ids: Vec<i64> = ["sxzj1", "sxzj2", "sxzj3"]
        .iter()
        .map(|n| app.world.actor(n).user_id.0)
        .collect();
    let (s, v) = app
        .act(&xgb, id, "form_panel", json!({"member": ids, "meeting_date": tongchou_store::today().to_string(), "place": "市大数据局"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    for (n, amount) in [
        ("sxzj1", "900000"),
        ("sxzj2", "920000"),
        ("sxzj3", "880000"),
    ] {
        let t = app.token(n).await;
        let (s, v) = app
            .act(&t, id, "panel_opinion", json!({"score": 86, "pass": true, "opinion": "必要、可行、完整，经费基本合理", "suggested_amount": amount}))
            .await;
        assert_eq!(s, StatusCode::OK, "{n}: {v}");
    }
    let (s, v) = app
        .act(
            &xgb,
            id,
            "conclude_panel",
            json!({"opinion": "论证通过", "date": tongchou_store::today().to_string()}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::OK,
        "no revised-report uploads on this path: {v}"
    );
    assert_eq!(
        stage_label(&app, &unit, id).await,
        ("re_examination".into(), "领导小组审查".into())
    );

    // Art.14: the leading group's review opinion — not the 信管办's to give.
    let (s, v) = app
        .act(
            &xgb,
            id,
            "re_examine",
            json!({"pass": true, "final_amount": "880000", "opinion": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let lg = app.token("sxldxz").await;
    let (s, v) = app
        .act(&lg, id, "re_examine", json!({"pass": true, "final_amount": "880000", "opinion": "规划合理、资源共享、确有必要、资金合理、安全可控"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        stage_label(&app, &unit, id).await,
        ("approval_meeting".into(), "发改委批复".into())
    );

    // Art.4: the DRC approves (the leading group cannot).
    let doc = json!({"approve": true, "doc_date": tongchou_store::today().to_string(), "opinion": "同意立项"});
    let (s, _) = app.act(&lg, id, "approve", doc.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let drc = app.token("sxfgw").await;
    let (s, v) = app.act(&drc, id, "approve", doc).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["stage"], "approved");
    assert_eq!(v["approved_amount"], "880000.00");
    assert!(
        v["approval_no"].as_str().unwrap().starts_with("绍发改〔"),
        "{v}"
    );

    // Budget (art.21: the approved price is the budget), procurement, contract.
    let fin = app.token("sxczj").await;
    let (s, v) = app
        .act(
            &fin,
            id,
            "budget",
            json!({"fiscal_year": 2027, "amount": "880000"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let today = tongchou_store::today().to_string();
    let (s, v) = app
        .act(
            &unit,
            id,
            "start_procurement",
            json!({"method": "open_tender", "ceiling": "880000", "doc_date": today}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let contract = json!({"project_name": "越城区教育数字大脑", "supplier": "绍兴数智科技有限公司", "amount": "850000", "signed_date": today,
        "period_months": 6, "maintenance_years": 2, "check": all(&p.contract_clauses),
        "supervisor": "绍兴诚信工程监理有限公司", "supervision_signed_date": today, "supervision_fee": "20000"});
    let (s, v) = app.act(&unit, id, "sign_contract", contract).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, ob) = app
        .get(&unit, &format!("/api/v1/projects/{id}/obligations"))
        .await;
    let filing = ob["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["code"] == "file_contract")
        .cloned()
        .expect("contract filing");
    assert!(
        filing["cite"].as_str().unwrap().contains("第十六条"),
        "{filing}"
    );

    // Initial acceptance → the data catalogue is due within 10 working days (art.30).
    let (s, v) = app
        .act(
            &unit,
            id,
            "form_panel",
            json!({"member": ids, "meeting_date": today, "place": "建设单位"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    for n in ["sxzj1", "sxzj2", "sxzj3"] {
        let t = app.token(n).await;
        let (s, v) = app
            .act(
                &t,
                id,
                "panel_opinion",
                json!({"score": 90, "pass": true, "opinion": "同意初验"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let (s, v) = app
        .act(
            &unit,
            id,
            "conclude_panel",
            json!({"opinion": "初验通过", "date": today}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let cal = app.st.db.calendar().await.unwrap();
    let (_, ob) = app
        .get(&unit, &format!("/api/v1/projects/{id}/obligations"))
        .await;
    let cat = ob["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["code"] == "data_catalogue")
        .cloned()
        .expect("data catalogue obligation");
    assert_eq!(
        cat["due"],
        cal.add_working_days(tongchou_store::today(), 10)
            .date
            .to_string()
    );
    assert!(cat["cite"].as_str().unwrap().contains("第三十条"), "{cat}");
    assert_eq!(cat["state"], "open");
    let (s, _) = app
        .upload(
            &unit,
            id,
            "data_catalogue",
            "目录.pdf",
            crate::support::pdf(),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, ob) = app
        .get(&unit, &format!("/api/v1/projects/{id}/obligations"))
        .await;
    let cat = ob["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["code"] == "data_catalogue")
        .cloned()
        .unwrap();
    assert_eq!(cat["state"], "fulfilled", "{cat}");
    // Every decision recorded under Shaoxing's rules.
    assert!(history_tags(&app, &unit, id)
        .await
        .iter()
        .all(|t| t == "shaoxing@v1"));
}

#[tokio::test]
async fn shaoxing_project_walks_initial_check_experts_leading_group_and_drc_sqlite() {
    shaoxing_path(Backend::Sqlite).await;
}

#[tokio::test]
async fn shaoxing_project_walks_initial_check_experts_leading_group_and_drc_postgres() {
    shaoxing_path(Backend::Postgres).await;
}

async fn obligation(app: &TestApp, token: &str, id: i64, code: &str) -> Value {
    let (_, ob) = app
        .get(token, &format!("/api/v1/projects/{id}/obligations"))
        .await;
    ob["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["code"] == code)
        .cloned()
        .unwrap_or(Value::Null)
}

// Quzhou's own path, as its real roles: one parallel joint review by its departments (三(二)1),
// the 决策咨询意见 with the approved estimate price, the leading group's approval, the DRC's
// preliminary-design approval within 3 days and the review centre's price opinion (三(二)2);
// final acceptance no earlier than 3 months after initial acceptance (三(三)5).
async fn quzhou_path(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let p = tongchou_domain::profile::Profile::quzhou();
    let unit = app.token("qzwjw").await;
    let sjj = app.token("qzsjj").await;
    let id = app.draft(&unit, "柯城区健康大脑").await;
    for kind in ["declaration_form", "feasibility_report"] {
        assert_eq!(
            app.upload(&unit, id, kind, "方案.pdf", crate::support::pdf())
                .await
                .0,
            StatusCode::CREATED
        );
    }
    let (s, v) = app.act(&unit, id, "declare", json!({})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        stage_label(&app, &unit, id).await,
        ("preliminary_review".into(), "并联审核".into())
    );
    // 并联审核: every department of the fixed list gives its opinion before the conclusion.
    let (s, v) = app
        .act(
            &sjj,
            id,
            "preliminary_decide",
            json!({"pass": true, "opinion": "通过"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let msg = v["message"].as_str().unwrap();
    assert!(
        msg.contains("市营商办") && msg.contains("市监管办") && msg.contains("业务需求单位"),
        "{v}"
    );
    let scores = json!({"score_necessity": 20, "score_intensive": 16, "score_technical": 16, "score_sharing": 12, "score_security": 8, "score_cost": 8, "pass": true, "opinion": "同意"});
    for who in [
        "qzsjj", "qzwxb", "qzysb", "qzfgw", "qzczj", "qzjgb", "qzpszx",
    ] {
        let t = app.token(who).await;
        let (s, v) = app.act(&t, id, "preliminary_score", scores.clone()).await;
        assert_eq!(s, StatusCode::OK, "{who}: {v}");
    }
    // The requesting unit (业务需求单位) states and confirms its needs.
    let (s, v) = app
        .act(
            &unit,
            id,
            "confirm_needs",
            json!({"statement": "全区健康数据汇聚与监测预警需求已在方案中列明，确认"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app
        .act(
            &sjj,
            id,
            "preliminary_decide",
            json!({"pass": true, "opinion": "并联审核通过"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        stage_label(&app, &unit, id).await,
        ("re_examination".into(), "决策咨询意见（核定概算价）".into())
    );
    let (s, v) = app
        .act(&sjj, id, "re_examine", json!({"pass": true, "final_amount": "920000", "opinion": "形成决策咨询意见，概算价92万元"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        stage_label(&app, &unit, id).await,
        ("approval_meeting".into(), "领导小组审定".into())
    );
    let lg = app.token("qzldxz").await;
    let approve = json!({"approve": true, "doc_date": tongchou_store::today().to_string(), "opinion": "审定同意"});
    // 三(二)2: no approval without the 项目代码 (classified projects excepted).
    let (s, v) = app.act(&lg, id, "approve", approve.clone()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let msg = v["message"].as_str().unwrap();
    assert!(msg.contains("项目代码") && msg.contains("三(二)2"), "{msg}");
    assert_eq!(stage_label(&app, &unit, id).await.0, "approval_meeting");
    let (s, v) = app
        .act(
            &unit,
            id,
            "set_project_code",
            json!({"project_code": "2027-330802-65-01-000001"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app.act(&lg, id, "approve", approve).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["approved_amount"], "920000.00");

    // The DRC's preliminary-design approval within 3 (calendar) days, by the DRC.
    let cal = app.st.db.calendar().await.unwrap();
    let design = obligation(&app, &unit, id, "design_approval").await;
    assert_eq!(
        design["due"],
        cal.add_days(tongchou_store::today(), 3).date.to_string(),
        "{design}"
    );
    assert_eq!(design["owner"], "drc", "{design}");
    assert!(design["cite"].as_str().unwrap().contains("三(二)2"));
    let (s, _) = app
        .upload(
            &unit,
            id,
            "design_approval",
            "批复.pdf",
            crate::support::pdf(),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "not the unit's document");
    let drc = app.token("qzfgw").await;
    let (s, v) = app
        .upload(
            &drc,
            id,
            "design_approval",
            "批复.pdf",
            crate::support::pdf(),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(
        obligation(&app, &unit, id, "design_approval").await["state"],
        "fulfilled"
    );
    let centre = app.token("qzpszx").await;
    let (s, v) = app
        .upload(
            &centre,
            id,
            "price_opinion",
            "价格评审意见书.pdf",
            crate::support::pdf(),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");

    // Money, procurement, contract (supervision only encouraged here: 三(三)2).
    let fin = app.token("qzczj").await;
    let (s, v) = app
        .act(
            &fin,
            id,
            "budget",
            json!({"fiscal_year": 2027, "amount": "920000"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let today = tongchou_store::today().to_string();
    let (s, v) = app
        .act(
            &unit,
            id,
            "start_procurement",
            json!({"method": "open_tender", "ceiling": "920000", "doc_date": today}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app
        .act(&unit, id, "sign_contract", json!({"project_name": "柯城区健康大脑", "supplier": "衢州数智科技有限公司", "amount": "900000", "signed_date": today,
            "period_months": 6, "maintenance_years": 2, "check": all(&p.contract_clauses)}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // Initial acceptance by the unit's panel; the final application waits 3 months.
    let ids: Vec<i64> = ["qzzj1", "qzzj2", "qzzj3"]
        .iter()
        .map(|n| app.world.actor(n).user_id.0)
        .collect();
    let (s, v) = app
        .act(
            &unit,
            id,
            "form_panel",
            json!({"member": ids, "meeting_date": today, "place": "建设单位"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    for n in ["qzzj1", "qzzj2", "qzzj3"] {
        let t = app.token(n).await;
        let (s, v) = app
            .act(
                &t,
                id,
                "panel_opinion",
                json!({"score": 90, "pass": true, "opinion": "同意初验"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let (s, v) = app
        .act(
            &unit,
            id,
            "conclude_panel",
            json!({"opinion": "全部模块初验通过", "date": today}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    for kind in ["trial_run_report", "test_report"] {
        assert_eq!(
            app.upload(&unit, id, kind, "r.pdf", crate::support::pdf())
                .await
                .0,
            StatusCode::CREATED
        );
    }
    let apply = json!({"check": all(&p.acceptance_conditions)});
    let (s, v) = app.act(&unit, id, "apply_acceptance", apply.clone()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let msg = v["message"].as_str().unwrap();
    assert!(msg.contains("3个月") && msg.contains("三(三)5"), "{msg}");
    // Two months and a bit later: still too early (a hard minimum).
    let start = tongchou_domain::lifecycle::add_days(tongchou_store::today(), -70);
    app.st
        .db
        .execute_raw(&format!(
            "UPDATE projects SET initial_acceptance_date = '{start}' WHERE id = {id}"
        ))
        .await
        .unwrap();
    let (s, _) = app.act(&unit, id, "apply_acceptance", apply.clone()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let start = tongchou_domain::lifecycle::add_months(
        tongchou_domain::lifecycle::add_days(tongchou_store::today(), -1),
        0,
    );
    let start = start.checked_sub(jiff::Span::new().months(3)).unwrap();
    app.st
        .db
        .execute_raw(&format!(
            "UPDATE projects SET initial_acceptance_date = '{start}' WHERE id = {id}"
        ))
        .await
        .unwrap();
    let (s, v) = app.act(&unit, id, "apply_acceptance", apply).await;
    assert_eq!(s, StatusCode::OK, "three months after: {v}");
    assert!(history_tags(&app, &unit, id)
        .await
        .iter()
        .all(|t| t == "quzhou@v1"));
}

#[tokio::test]
async fn quzhou_project_walks_joint_review_leading_group_drc_and_waits_three_months_sqlite() {
    quzhou_path(Backend::Sqlite).await;
}

#[tokio::test]
async fn quzhou_project_walks_joint_review_leading_group_drc_and_waits_three_months_postgres() {
    quzhou_path(Backend::Postgres).await;
}

/// The demo world (`serve --demo`) walks projects along Shaoxing's and Quzhou's own paths, each
/// recorded under its city's profile, next to the Shangcheng demo.
#[tokio::test]
async fn demo_walks_projects_along_each_citys_path() {
    let Some((db, _url, dir)) = crate::support::database(Backend::Sqlite).await else {
        return;
    };
    let st = tongchou_web::AppState::new(db, dir.join("data"));
    let world = tongchou_testkit::seed_demo(&st, tongchou_store::today())
        .await
        .expect("demo");
    let f = tongchou_store::project::ListFilter {
        per_page: 500,
        page: 1,
        ..Default::default()
    };
    let mut seen = std::collections::BTreeMap::new();
    for (who, code) in [
        ("sxadmin", "shaoxing"),
        ("qzadmin", "quzhou"),
        ("admin", "shangcheng"),
    ] {
        let scope = tongchou_domain::permission::list_scope(world.actor(who));
        let (items, _) = st.db.list_projects(&scope, &f).await.unwrap();
        assert!(!items.is_empty(), "{who}");
        for i in items {
            let h = st
                .db
                .history(tongchou_domain::ProjectId(i.id))
                .await
                .unwrap();
            assert!(
                h.iter()
                    .all(|e| e.profile_code.starts_with(&format!("{code}@"))),
                "{} under {code}",
                i.name
            );
            seen.insert(i.name.clone(), i.stage);
        }
    }
    use tongchou_domain::Stage;
    assert_eq!(seen["越城区智慧教育云平台"], Stage::Approved);
    assert_eq!(seen["越城区校园安全物联感知"], Stage::ExpertReview);
    assert_eq!(seen["越城区教育督导数字化"], Stage::Returned);
    assert_eq!(seen["柯城区健康大脑"], Stage::Approved);
    assert_eq!(seen["柯城区基层医疗数字化"], Stage::PreliminaryReview);
    // Shaoxing 第十一条: the urgent mid-year task passed the 初审 after finance confirmed its fund
    // source; the demo rounds are on /rounds for 上城区 and 绍兴市 (SPEC A1).
    assert_eq!(seen["越城区校园防汛应急指挥"], Stage::ExpertReview);
    let rounds = st
        .db
        .rounds_under("/")
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.jurisdiction_name)
        .collect::<Vec<_>>();
    assert!(
        rounds.contains(&"上城区".to_string()) && rounds.contains(&"绍兴市".to_string()),
        "{rounds:?}"
    );
}

// SPEC §3 (a profile is data, stored with its version history) and issue 3 "a profile change
// applies to new obligations; what was already decided keeps its rules": a deployment whose
// stored shipped profile was never edited by an administrator receives this release's shipped
// rules (Shaoxing 第八条、第十一条 rounds and the urgent mid-year task) as a NEW version noted
// 系统升级; a profile an administrator edited is left alone; a restart adds nothing.
async fn shipped_upgrade(backend: Backend) {
    use tongchou_domain::profile::Profile;
    let Some((db, _url, dir)) = crate::support::database(backend).await else {
        return;
    };
    let system = tongchou_domain::Actor {
        user_id: tongchou_domain::UserId(0),
        name: "统筹平台（系统）".into(),
        unit_id: tongchou_domain::UnitId(0),
        unit_name: "统筹平台".into(),
        jurisdiction_id: tongchou_domain::JurisdictionId(0),
        jurisdiction_path: "/".into(),
        roles: vec![],
    };
    let admin = tongchou_domain::Actor {
        user_id: tongchou_domain::UserId(7),
        name: "市管理员".into(),
        ..system.clone()
    };
    // What an earlier release shipped: without the round and mid-year rules.
    let old = |mut p: Profile| {
        p.declaration_rounds = None;
        p.mid_year_exception = None;
        p.to_toml()
    };
    db.save_profile(
        &system,
        "shaoxing",
        &old(Profile::shaoxing()),
        "随系统发布的初始版本",
    )
    .await
    .unwrap();
    db.save_profile(
        &system,
        "quzhou",
        &old(Profile::quzhou()),
        "随系统发布的初始版本",
    )
    .await
    .unwrap();
    let mut edited = Profile::quzhou();
    edited.declaration_rounds = None;
    edited.mid_year_exception = None;
    edited.notice_days = 7;
    db.save_profile(&admin, "quzhou", &edited.to_toml(), "管理员调整公示期")
        .await
        .unwrap();

    let st = tongchou_web::AppState::new(db.clone(), dir.join("data"));
    st.load_profile().await.unwrap();
    let sx = db.profile_versions("shaoxing").await.unwrap();
    assert_eq!(sx.len(), 2, "{sx:?}");
    assert_eq!(sx[0].version, 2);
    assert!(sx[0].note.contains("系统升级"), "{sx:?}");
    assert_eq!(
        db.latest_profile("shaoxing").await.unwrap().unwrap().1,
        Profile::shaoxing().to_toml(),
        "the new version is this release's shipped text"
    );
    let (v, p) = st.profiles.get_code("shaoxing").unwrap();
    assert_eq!(v, 2);
    assert!(p.declaration_rounds.is_some() && p.mid_year_exception.is_some());
    // The administrator's own edit stays in force, untouched.
    let qz = db.profile_versions("quzhou").await.unwrap();
    assert_eq!(qz.len(), 2, "{qz:?}");
    assert_eq!(qz[0].note, "管理员调整公示期");
    let (v, p) = st.profiles.get_code("quzhou").unwrap();
    assert_eq!((v, p.notice_days), (2, 7));
    assert!(p.mid_year_exception.is_none());
    // Never stored before: saved as its first version.
    assert_eq!(db.profile_versions("shangcheng").await.unwrap().len(), 1);
    // A restart (or a second process) adds no further version.
    let again = tongchou_web::AppState::new(db.clone(), dir.join("data"));
    again.load_profile().await.unwrap();
    st.load_profile().await.unwrap();
    assert_eq!(db.profile_versions("shaoxing").await.unwrap().len(), 2);
    assert_eq!(db.profile_versions("quzhou").await.unwrap().len(), 2);
    assert_eq!(
        db.profile_versions("shangcheng").await.unwrap().len(),
        1,
        "a stored shipped text reads back unchanged: no upgrade loop"
    );
}

#[tokio::test]
async fn an_unedited_shipped_profile_is_upgraded_as_a_new_version_an_edited_one_kept_sqlite() {
    shipped_upgrade(Backend::Sqlite).await;
}

#[tokio::test]
async fn an_unedited_shipped_profile_is_upgraded_as_a_new_version_an_edited_one_kept_postgres() {
    shipped_upgrade(Backend::Postgres).await;
}
