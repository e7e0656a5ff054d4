//! Typed declaration and approval facts over HTTP on SQLite and PostgreSQL: Quzhou's joint review
//! with 市监管办 and the requesting unit (三(二)1), the 项目代码 (三(二)2), Shaoxing's urgent mid-year
//! task (第十一条), the built-without-approval bar (Shangcheng 第十章) and the O&M money stop
//! (Shaoxing 第三十四条), each with its permission checks.
use crate::support::{pdf, Backend, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tongchou_store::today;

async fn declarable(app: &TestApp, token: &str, name: &str) -> i64 {
    let id = app.draft(token, name).await;
    for kind in ["declaration_form", "feasibility_report"] {
        let (s, v) = app.upload(token, id, kind, "材料.pdf", pdf()).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    id
}

async fn page(app: &TestApp, cookie: &str, path: &str) -> String {
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

fn msg(v: &Value) -> String {
    v["message"].as_str().unwrap_or("").to_string()
}

// Quzhou 三(二)1 (市智慧办召集业务需求单位、……、市监管办、市评审中心等相关部门……联合评审项目方案……
// 形成《衢州市数字化项目决策咨询意见》)
async fn joint_review(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let unit = app.token("qzwjw").await;
    let sjj = app.token("qzsjj").await;
    let jgb = app.token("qzjgb").await;
    let id = declarable(&app, &unit, "柯城区医保数字化").await;
    let (s, v) = app.act(&unit, id, "declare", json!({})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // 市监管办 sees the declared project and has its turn in the joint review.
    let (s, p) = app.get(&jgb, &format!("/api/v1/projects/{id}")).await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert!(
        p["actions"].to_string().contains("preliminary_score"),
        "{p}"
    );
    let (s, p) = app.get(&unit, &format!("/api/v1/projects/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(p["actions"].to_string().contains("confirm_needs"), "{p}");
    let scores = json!({"score_necessity": 20, "score_intensive": 16, "score_technical": 16, "score_sharing": 12, "score_security": 8, "score_cost": 8, "pass": true, "opinion": "同意"});
    for who in ["qzsjj", "qzwxb", "qzysb", "qzfgw", "qzczj", "qzpszx"] {
        let t = app.token(who).await;
        let (s, v) = app.act(&t, id, "preliminary_score", scores.clone()).await;
        assert_eq!(s, StatusCode::OK, "{who}: {v}");
    }
    let decide = json!({"pass": true, "opinion": "并联审核通过"});
    // Neither the supervision office nor the requesting unit has taken part: no conclusion, so
    // no 决策咨询意见 either.
    let (s, v) = app
        .act(&sjj, id, "preliminary_decide", decide.clone())
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(
        msg(&v).contains("市监管办")
            && msg(&v).contains("业务需求单位")
            && msg(&v).contains("三(二)1"),
        "{v}"
    );
    let (s, v) = app
        .act(
            &sjj,
            id,
            "re_examine",
            json!({"pass": true, "final_amount": "900000", "opinion": "决策咨询意见"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let (s, v) = app.act(&jgb, id, "preliminary_score", scores.clone()).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app
        .act(&sjj, id, "preliminary_decide", decide.clone())
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(
        msg(&v).contains("业务需求单位") && !msg(&v).contains("市监管办"),
        "{v}"
    );
    // Only the requesting unit confirms its needs: a department → 403, an empty statement → 422
    // naming the field.
    let czj = app.token("qzczj").await;
    let (s, v) = app
        .act(&czj, id, "confirm_needs", json!({"statement": "确认"}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, v) = app
        .act(&unit, id, "confirm_needs", json!({"statement": " "}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["fields"][0]["field"], "statement", "{v}");
    let (s, v) = app
        .act(
            &unit,
            id,
            "confirm_needs",
            json!({"statement": "医保结算与监管需求已在方案中逐项列明，确认"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app.act(&sjj, id, "preliminary_decide", decide).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["stage"], "re_examination", "{v}");
    let (_, p) = app.get(&unit, &format!("/api/v1/projects/{id}")).await;
    assert_eq!(
        p["extra"]["needs_statement"], "医保结算与监管需求已在方案中逐项列明，确认",
        "{p}"
    );
    // The history records both as acts of their own.
    let (_, h) = app
        .get(&unit, &format!("/api/v1/projects/{id}/history"))
        .await;
    let h = h.to_string();
    assert!(
        h.contains("confirm_needs") && h.contains("孔峰（市监管办）"),
        "{h}"
    );
}

#[tokio::test]
async fn quzhou_decision_opinion_waits_for_the_supervision_office_and_the_requesting_unit_sqlite() {
    joint_review(Backend::Sqlite).await;
}

#[tokio::test]
async fn quzhou_decision_opinion_waits_for_the_supervision_office_and_the_requesting_unit_postgres()
{
    joint_review(Backend::Postgres).await;
}

// Quzhou 三(二)2 (项目（涉密项目除外）应当通过投资项目在线审批监管平台，并使用在线平台生成的项目代码
// 办理审批手续)
async fn project_code(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let unit = app.token("qzwjw").await;
    let id = declarable(&app, &unit, "柯城区智慧养老").await;
    // The unit enters it (a draft already); the format and the Quzhou region are checked.
    for bad in ["2026-330802-65-01", "2026-330102-65-01-000123"] {
        let (s, v) = app
            .act(&unit, id, "set_project_code", json!({"project_code": bad}))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["fields"][0]["field"], "project_code", "{v}");
    }
    // Another unit's clerk (not even allowed to see the draft), a department: refused.
    let other = app.token("jyj").await;
    let (s, _) = app
        .act(
            &other,
            id,
            "set_project_code",
            json!({"project_code": "2026-330802-65-01-000123"}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = app
        .act(
            &unit,
            id,
            "set_project_code",
            json!({"project_code": "2026-330802-65-01-000123"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, p) = app.get(&unit, &format!("/api/v1/projects/{id}")).await;
    assert_eq!(p["project_code"], "2026-330802-65-01-000123", "{p}");
    assert!(
        p["project_code_rule"].as_str().unwrap().contains("三(二)2"),
        "{p}"
    );
    let sjj = app.token("qzsjj").await;
    let (s, _) = app
        .act(
            &sjj,
            id,
            "set_project_code",
            json!({"project_code": "2026-330802-65-01-000124"}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "a department does not see a draft"
    );
    // Shown on the project page, with its article.
    let (cookie, _) = app.page_session("qzwjw").await;
    let html = page(&app, &cookie, &format!("/projects/{id}")).await;
    assert!(
        html.contains("id=\"project-code\">2026-330802-65-01-000123"),
        "{html}"
    );
    assert!(html.contains("act-set_project_code"), "{html}");
    // And in the ledger export.
    let r = app
        .client
        .get(format!("{}/projects.xlsx", app.base))
        .bearer_auth(&unit)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap().to_vec();
    let rows = tongchou_web::export::read_sheet(&app.st, "台账.xlsx", &bytes).unwrap();
    let col = rows[0].iter().position(|h| h == "项目代码").unwrap();
    assert!(
        rows.iter()
            .any(|r| r.get(col).map(String::as_str) == Some("2026-330802-65-01-000123")),
        "{rows:?}"
    );
    // Declared, the department sees the code; a classified project needs none.
    let (s, v) = app
        .act(
            &unit,
            id,
            "set_project_code",
            json!({"project_code": "", "classified": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, p) = app.get(&unit, &format!("/api/v1/projects/{id}")).await;
    assert_eq!(p["project_code"], Value::Null, "{p}");
    assert_eq!(p["classified"], true, "{p}");
    // Declared: the departments see it, but the code stays the unit's to enter (403).
    let (s, v) = app.act(&unit, id, "declare", json!({})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, p) = app.get(&sjj, &format!("/api/v1/projects/{id}")).await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(p["classified"], true, "{p}");
    let (s, v) = app
        .act(
            &sjj,
            id,
            "set_project_code",
            json!({"project_code": "2026-330802-65-01-000125"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, v) = app
        .act(
            &unit,
            id,
            "set_project_code",
            json!({"project_code": "2026-330802-65-01-000125"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, p) = app.get(&sjj, &format!("/api/v1/projects/{id}")).await;
    assert_eq!(p["project_code"], "2026-330802-65-01-000125", "{p}");
    assert_eq!(p["classified"], false, "{p}");
}

#[tokio::test]
async fn quzhou_project_code_is_a_checked_field_of_the_project_sqlite() {
    project_code(Backend::Sqlite).await;
}

#[tokio::test]
async fn quzhou_project_code_is_a_checked_field_of_the_project_postgres() {
    project_code(Backend::Postgres).await;
}

// Shaoxing 第八条、第十一条 (未列入年度建设计划的，原则上不予安排建设。……急需建设项目，项目建设单位应
// 提供明确依据，专题报市委、市政府同意，经市财政局明确资金来源（原则上在预算内调剂安排），再进入审核环节)
async fn mid_year(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let unit = app.token("sxjyj").await;
    let xgb = app.token("sxxgb").await;
    let czj = app.token("sxczj").await;
    // No round open for Shaoxing in this world: not in the yearly plan.
    let id = declarable(&app, &unit, "越城区防汛应急指挥").await;
    let (s, v) = app.act(&unit, id, "declare", json!({})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    // Shaoxing 第十二条 一次性告知: both missing facts in one answer, each with its own message.
    assert_eq!(v["fields"][0]["field"], "urgent_basis", "{v}");
    assert_eq!(v["fields"][1]["field"], "urgent_consent", "{v}");
    assert!(
        v["fields"][1]["message"]
            .as_str()
            .unwrap()
            .contains("市委、市政府同意"),
        "{v}"
    );
    assert!(msg(&v).contains("第十一条"), "{v}");
    let (s, v) = app
        .act(
            &unit,
            id,
            "declare",
            json!({"urgent_basis": "省防指年中部署的防汛应急任务"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["fields"][0]["field"], "urgent_consent", "{v}");
    // On the page the message sits beside its field.
    let (cookie, csrf) = app.page_session("sxjyj").await;
    let html = page(&app, &cookie, &format!("/projects/{id}")).await;
    assert!(
        html.contains("declare-urgent") && html.contains("第十一条"),
        "{html}"
    );
    let r = app
        .client
        .post(format!("{}/projects/{id}/act/declare", app.base))
        .header("cookie", &cookie)
        .form(&[
            ("_csrf", csrf.as_str()),
            ("urgent_basis", "省防指年中部署的防汛应急任务"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    let at = html.find("id=\"declare-consent\"").expect("consent field");
    assert!(
        html[at..].find("<div class=\"error\">").unwrap() < 400,
        "error beside the consent field"
    );
    // The empty form: both fields marked at once, each with its own message beside it.
    let r = app
        .client
        .post(format!("{}/projects/{id}/act/declare", app.base))
        .header("cookie", &cookie)
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    let b = html.find("id=\"declare-basis\"").expect("basis field");
    let e = b + html[b..].find("<div class=\"error\">").unwrap();
    assert!(e - b < 400, "error beside the basis field");
    assert!(
        html[e..e + 300].contains("明确依据"),
        "{}",
        &html[e..e + 300]
    );
    let c = html.find("id=\"declare-consent\"").expect("consent field");
    let e = c + html[c..].find("<div class=\"error\">").unwrap();
    assert!(e - c < 400, "error beside the consent field");
    assert!(
        html[e..e + 300].contains("市委、市政府同意"),
        "{}",
        &html[e..e + 300]
    );
    assert_eq!(app.stage(&unit, id).await, "draft");
    let (s, v) = app
        .act(
            &unit,
            id,
            "declare",
            json!({"urgent_basis": "省防指年中部署的防汛应急任务", "urgent_consent": "市政府专题会议纪要〔2026〕31号"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["stage"], "compliance_review");
    let (_, p) = app.get(&xgb, &format!("/api/v1/projects/{id}")).await;
    assert_eq!(
        p["extra"]["urgent"]["consent"], "市政府专题会议纪要〔2026〕31号",
        "{p}"
    );
    assert_eq!(
        p["overrides"][0]["rule"], "declaration_outside_round",
        "{p}"
    );
    // The initial check waits for finance (not offered to 市信管办 meanwhile).
    let (_, p) = app.get(&xgb, &format!("/api/v1/projects/{id}")).await;
    assert!(
        !p["actions"].to_string().contains("compliance_review"),
        "{p}"
    );
    let sx = tongchou_domain::profile::Profile::shaoxing();
    let checks: Vec<String> = sx
        .compliance_checklist
        .iter()
        .map(|i| i.code.clone())
        .collect();
    let review = json!({"check": checks, "opinion": "材料齐全，受理"});
    let (s, v) = app.act(&xgb, id, "compliance_review", review.clone()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(
        msg(&v).contains("市财政局明确资金来源") && msg(&v).contains("第十一条"),
        "{v}"
    );
    // The fund source is finance's act: the unit and the authority are refused.
    let body = json!({"source": "2026年部门预算内调剂安排", "opinion": "同意"});
    for t in [&unit, &xgb] {
        let (s, v) = app.act(t, id, "confirm_fund_source", body.clone()).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    }
    let (_, p) = app.get(&czj, &format!("/api/v1/projects/{id}")).await;
    assert!(
        p["actions"].to_string().contains("confirm_fund_source"),
        "{p}"
    );
    let (s, v) = app.act(&czj, id, "confirm_fund_source", body).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, p) = app.get(&unit, &format!("/api/v1/projects/{id}")).await;
    assert_eq!(
        p["extra"]["urgent"]["fund_source"], "2026年部门预算内调剂安排",
        "{p}"
    );
    assert_eq!(
        p["extra"]["urgent"]["fund_source_by"], "谢敏（市财政局）",
        "{p}"
    );
    let (s, v) = app.act(&xgb, id, "compliance_review", review).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["stage"], "expert_review", "{v}");
}

#[tokio::test]
async fn shaoxing_mid_year_task_needs_basis_consent_and_finance_confirmed_fund_source_sqlite() {
    mid_year(Backend::Sqlite).await;
}

#[tokio::test]
async fn shaoxing_mid_year_task_needs_basis_consent_and_finance_confirmed_fund_source_postgres() {
    mid_year(Backend::Postgres).await;
}

// Shangcheng 第十章 (应用建成使用不满两年而停用或未按规定擅自建设项目的单位取消该单位下一年度的项目申报
// 资格)
async fn unapproved(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let unit = app.token("jyj").await;
    let auth = app.token("sjj").await;
    let unit_id = app.world.actor("jyj").unit_id.0;
    let today = today();
    let finding = json!({"unit_id": unit_id, "system_name": "校园访客登记系统", "reference": "上数资督〔2026〕5号", "found_on": today.to_string(), "note": "未经立项自行采购建设"});
    // Only the competent authority covering the unit records it.
    for who in ["jyj", "czj"] {
        let t = app.token(who).await;
        let (s, v) = app
            .post(&t, "/api/v1/unapproved-builds", finding.clone())
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{who}: {v}");
    }
    let sx = app.token("sxxgb").await;
    let (s, v) = app
        .post(&sx, "/api/v1/unapproved-builds", finding.clone())
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let mut bad = finding.clone();
    bad["reference"] = json!(" ");
    let (s, v) = app.post(&auth, "/api/v1/unapproved-builds", bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["fields"][0]["field"], "reference", "{v}");
    let (s, v) = app.get(&unit, "/api/v1/unapproved-builds").await;
    assert_eq!(v["items"], json!([]), "{s} {v}");

    // Before the finding the unit declares freely (inside the round).
    let before = declarable(&app, &unit, "上城区智慧校园一期").await;
    let (s, v) = app.act(&unit, before, "declare", json!({})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app
        .post(&auth, "/api/v1/unapproved-builds", finding.clone())
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["recorded_by_name"], "李静（区数据资源局）", "{v}");
    // Afterwards: refused (hard: a reason does not help), with why and until when.
    let next = today.year() + 1;
    let id = declarable(&app, &unit, "上城区智慧校园二期").await;
    let (s, v) = app
        .act(&unit, id, "declare", json!({"override_reason": "已整改"}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["code"], "rule", "{v}");
    let m = msg(&v);
    assert!(
        m.contains("校园访客登记系统")
            && m.contains("上数资督〔2026〕5号")
            && m.contains(&format!("取消 {next} 年度项目申报资格（至 {next}-12-31）"))
            && m.contains("第十章"),
        "{m}"
    );
    assert_eq!(app.stage(&unit, id).await, "draft");
    // Another unit is not barred.
    let wjw = app.token("wjw").await;
    let other = declarable(&app, &wjw, "上城区健康码升级").await;
    let (s, v) = app.act(&wjw, other, "declare", json!({})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // The unit sees its own finding; another unit does not; the page lists it.
    let (_, v) = app.get(&unit, "/api/v1/unapproved-builds").await;
    assert_eq!(v["items"].as_array().unwrap().len(), 1, "{v}");
    let (_, v) = app.get(&wjw, "/api/v1/unapproved-builds").await;
    assert_eq!(v["items"], json!([]), "{v}");
    let (cookie, csrf) = app.page_session("sjj").await;
    let html = page(&app, &cookie, "/unapproved-builds").await;
    assert!(
        html.contains("校园访客登记系统") && html.contains(&format!("{next} 年度")),
        "{html}"
    );
    // The page form (CSRF) shows a field error beside the field.
    let r = app
        .client
        .post(format!("{}/unapproved-builds", app.base))
        .header("cookie", &cookie)
        .form(&[
            ("_csrf", csrf.as_str()),
            ("unit_id", &unit_id.to_string()),
            ("system_name", "校园安防系统"),
            ("reference", "上数资督〔2026〕6号"),
            ("found_on", "2999-01-01"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("<div class=\"error\">认定日期不能晚于今天</div>"));
}

#[tokio::test]
async fn unit_that_built_without_approval_may_not_declare_until_the_end_of_next_year_sqlite() {
    unapproved(Backend::Sqlite).await;
}

#[tokio::test]
async fn unit_that_built_without_approval_may_not_declare_until_the_end_of_next_year_postgres() {
    unapproved(Backend::Postgres).await;
}

// Shaoxing 第三十四条 (对拒不整改或整改后仍不符合要求的，市信管办暂缓其后续项目审核，市财政局停止拨付
// 项目运维经费)
async fn om_stop(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let unit = app.token("sxjyj").await;
    let xgb = app.token("sxxgb").await;
    let year = today().year() as i64;
    let id = app.draft(&unit, "越城区教育资源平台").await;
    // Setup: the system is in operation (its walk is in `profiles::shaoxing_path`).
    app.st
        .db
        .execute_raw(&format!(
            "UPDATE projects SET stage = 'in_operation', declared = 1, declared_at = '2025-09-25T09:00:00+08:00' WHERE id = {id}"
        ))
        .await
        .unwrap();
    let path = app.world.actor("sxjyj").jurisdiction_path.clone();
    let mut body = serde_json::Map::new();
    for i in &app
        .st
        .profile_for(&path)
        .evaluation
        .active()
        .unwrap()
        .indicators
    {
        body.insert(format!("score_{}", i.code), json!(30));
    }
    body.insert("year".into(), json!(year));
    body.insert("evidence".into(), json!("整改后仍未达到绩效目标"));
    let (s, v) = app
        .act(&unit, id, "self_evaluate", Value::Object(body))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app
        .act(
            &xgb,
            id,
            "propose_outcome",
            json!({"year": year, "outcome": "suspend", "reason": "拒不整改"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app
        .act(
            &xgb,
            id,
            "confirm_outcome",
            json!({"year": year, "agree": "yes", "opinion": "确认"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, p) = app.get(&unit, &format!("/api/v1/projects/{id}")).await;
    assert_eq!(p["om_stop"]["since"], today().to_string(), "{p}");
    assert!(
        p["om_stop"]["cite"]
            .as_str()
            .unwrap()
            .contains("第三十四条"),
        "{p}"
    );
    // Every payment step is refused with the reason and the article.
    for (action, body) in [
        (
            "add_payment_batch",
            json!({"condition": "运维服务满一年", "ratio": "10"}),
        ),
        (
            "prefile_payment",
            json!({"batch": 1, "amount": "10000", "planned_date": today().to_string()}),
        ),
        (
            "record_payment",
            json!({"payment": 1, "paid_date": today().to_string(), "amount": "10000"}),
        ),
    ] {
        let (s, v) = app.act(&unit, id, action, body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{action}: {v}");
        assert!(
            msg(&v).contains("停止拨付") && msg(&v).contains("第三十四条"),
            "{action}: {v}"
        );
    }
    // Shown on the project page; lifted only by the authority, with a reason.
    let (cookie, _) = app.page_session("sxjyj").await;
    let html = page(&app, &cookie, &format!("/projects/{id}")).await;
    assert!(html.contains("id=\"om-stopped\""), "{html}");
    let html = page(&app, &cookie, &format!("/projects/{id}/operation")).await;
    assert!(
        html.contains("id=\"om-stopped\"") && html.contains("第三十四条"),
        "{html}"
    );
    let czj = app.token("sxczj").await;
    for t in [&unit, &czj] {
        let (s, v) = app
            .act(t, id, "lift_om_stop", json!({"reason": "已整改"}))
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    }
    let (s, v) = app
        .act(&xgb, id, "lift_om_stop", json!({"reason": " "}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = app
        .act(
            &xgb,
            id,
            "lift_om_stop",
            json!({"reason": "整改复核合格，恢复拨付"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, p) = app.get(&unit, &format!("/api/v1/projects/{id}")).await;
    assert_eq!(p["om_stop"], Value::Null, "{p}");
    let (_, h) = app
        .get(&unit, &format!("/api/v1/projects/{id}/history"))
        .await;
    let h = h.to_string();
    assert!(
        h.contains("om_stopped") && h.contains("整改复核合格，恢复拨付"),
        "{h}"
    );
    // After lifting, the refusal is gone (the payment step fails for its own reasons only).
    let (_, v) = app
        .act(
            &unit,
            id,
            "add_payment_batch",
            json!({"condition": "运维服务满一年", "ratio": "10"}),
        )
        .await;
    assert!(!msg(&v).contains("停止拨付"), "{v}");
}

#[tokio::test]
async fn confirmed_suspension_stops_om_payments_until_the_authority_lifts_it_sqlite() {
    om_stop(Backend::Sqlite).await;
}

#[tokio::test]
async fn confirmed_suspension_stops_om_payments_until_the_authority_lifts_it_postgres() {
    om_stop(Backend::Postgres).await;
}
