//! The lifecycle over HTTP as the real roles, permissions, concurrency, bad input, tampering.
use crate::support::{pdf, project_body, Backend, TestApp};
use reqwest::StatusCode;
use serde_json::json;
use tongchou_store::today;

fn all(items: &[tongchou_domain::profile::CheckItem]) -> Vec<String> {
    items.iter().map(|i| i.code.clone()).collect()
}

/// Walk one project from draft to operation as each role would (SPEC §2; Shangcheng 第五章–第八章),
/// including a failed compliance review with its one re-review.
async fn lifecycle(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let p = app.st.profile().clone();
    let unit = app.token("jyj").await;
    let auth = app.token("sjj").await;
    let id = app.draft(&unit, "上城区智慧教育一张图").await;
    assert_eq!(app.stage(&unit, id).await, "draft");

    // Declaring without the declaration form and feasibility report is refused with the article.
    let (s, v) = app.act(&unit, id, "declare", json!({})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(
        v["message"].as_str().unwrap().contains("第五章 项目申报"),
        "{v}"
    );
    for kind in ["declaration_form", "feasibility_report"] {
        let (s, v) = app.upload(&unit, id, kind, "材料.pdf", pdf()).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    let (s, v) = app.act(&unit, id, "declare", json!({})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["stage"], "compliance_review");

    // V1: returned with all problems at once, one re-review.
    let mut some = all(&p.compliance_checklist);
    some.remove(0);
    let (s, v) = app
        .act(
            &auth,
            id,
            "compliance_review",
            json!({"check": some, "problems": ["缺少街道调研报告"], "opinion": "退回修改"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["stage"], "returned");
    let (_, h) = app
        .get(&unit, &format!("/api/v1/projects/{id}/history"))
        .await;
    let last = h["items"].as_array().unwrap().last().unwrap().clone();
    assert!(
        last["summary"]
            .as_str()
            .unwrap()
            .contains("缺少街道调研报告"),
        "{last}"
    );
    assert!(
        last["summary"].as_str().unwrap().contains("申报表"),
        "all problems listed at once: {last}"
    );
    let (s, v) = app
        .act(&unit, id, "request_rereview", json!({"note": "已补充"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app
        .act(
            &auth,
            id,
            "compliance_review",
            json!({"check": all(&p.compliance_checklist), "opinion": "复审通过"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["stage"], "preliminary_review");

    // V2: five departments score, then the authority decides.
    let scores = json!({"score_necessity": 20, "score_intensive": 16, "score_technical": 16, "score_sharing": 12, "score_security": 8, "score_cost": 8, "pass": true, "opinion": "同意"});
    let (s, v) = app
        .act(
            &auth,
            id,
            "preliminary_decide",
            json!({"pass": true, "opinion": "通过"}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "decision before all scores: {v}"
    );
    for who in ["sjj", "fgj", "czj", "wxb", "xcb"] {
        let t = app.token(who).await;
        let (s, v) = app.act(&t, id, "preliminary_score", scores.clone()).await;
        assert_eq!(s, StatusCode::OK, "{who}: {v}");
    }
    let (s, v) = app
        .act(
            &auth,
            id,
            "preliminary_decide",
            json!({"pass": true, "opinion": "通过"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["stage"], "expert_review");

    // V3 + V6: panel of ≥ 3 (odd), no expert of the unit's own unit.
    let w = &app.world;
    let ids = |names: &[&str]| {
        names
            .iter()
            .map(|n| w.actor(n).user_id.0)
            .collect::<Vec<_>>()
    };
    let (s, v) = app.act(&auth, id, "form_panel", json!({"member": ids(&["zj1", "zj2", "zj6"]), "meeting_date": today().to_string(), "place": "会议室"})).await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "own-unit expert must be refused: {v}"
    );
    assert!(v["message"].as_str().unwrap().contains("回避"), "{v}");
    let (s, v) = app.act(&auth, id, "form_panel", json!({"member": ids(&["zj1", "zj2"]), "meeting_date": today().to_string(), "place": "会议室"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "two experts: {v}");
    let (s, v) = app.act(&auth, id, "form_panel", json!({"member": ids(&["zj1", "zj2", "zj3"]), "meeting_date": today().to_string(), "place": "会议室"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let zj4 = app.token("zj4").await;
    let (s, _) = app.get(&zj4, &format!("/api/v1/projects/{id}")).await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "an expert not on the panel does not see the project"
    );
    for (n, amount) in [("zj1", "900000"), ("zj2", "950000"), ("zj3", "880000")] {
        let t = app.token(n).await;
        let (s, v) = app.act(&t, id, "panel_opinion", json!({"score": 85, "pass": true, "opinion": "方案可行", "suggested_amount": amount})).await;
        assert_eq!(s, StatusCode::OK, "{n}: {v}");
    }
    let (s, v) = app
        .act(
            &auth,
            id,
            "conclude_panel",
            json!({"opinion": "通过", "date": today().to_string()}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "revised report etc. missing: {v}"
    );
    for kind in [
        "revised_report",
        "revision_list",
        "presentation",
        "final_report",
    ] {
        assert_eq!(
            app.upload(&unit, id, kind, "x.pdf", pdf()).await.0,
            StatusCode::CREATED
        );
    }
    let (s, v) = app
        .act(
            &auth,
            id,
            "conclude_panel",
            json!({"opinion": "通过", "date": today().to_string()}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["stage"], "re_examination");
    assert_eq!(
        v["suggested_amount"], "900000.00",
        "median of the experts' suggestions"
    );

    // V4, V5: final amount ≤ suggestion; the joint meeting issues the numbered document.
    let (s, _) = app
        .act(
            &auth,
            id,
            "re_examine",
            json!({"pass": true, "final_amount": "950000", "opinion": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, v) = app
        .act(
            &auth,
            id,
            "re_examine",
            json!({"pass": true, "final_amount": "880000", "opinion": "同意"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let lg = app.token("lxhy").await;
    let (s, v) = app
        .act(
            &lg,
            id,
            "approve",
            json!({"approve": true, "doc_date": today().to_string(), "opinion": "通过"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["stage"], "approved");
    assert_eq!(v["approved_amount"], "880000.00");
    let no = v["approval_no"].as_str().unwrap();
    assert!(no.starts_with("上数资〔") && no.ends_with("号"), "{no}");
    let page = app
        .client
        .get(format!("{}/projects/{id}/approval", app.base))
        .bearer_auth(&unit)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.text().await.unwrap().contains(no),
        "printable approval document carries its number"
    );

    // Shangcheng 项目实施: procurement within 6 calendar months of the approval document, the
    // last day moved off a rest day.
    let cal = app.st.db.calendar().await.unwrap();
    let (_, ob) = app
        .get(&unit, &format!("/api/v1/projects/{id}/obligations"))
        .await;
    let proc_ob = ob["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["code"] == "procurement")
        .cloned()
        .expect("procurement obligation");
    assert_eq!(proc_ob["due"], cal.add_months(today(), 6).date.to_string());
    assert_eq!(proc_ob["state"], "open");

    // Money: budget, procurement and contract never above the approved amount (M1, M5).
    let fin = app.token("czj").await;
    let (s, _) = app
        .act(
            &fin,
            id,
            "budget",
            json!({"fiscal_year": 2027, "amount": "880000.01"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, v) = app
        .act(
            &fin,
            id,
            "budget",
            json!({"fiscal_year": 2027, "amount": "880000"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, _) = app
        .act(
            &unit,
            id,
            "start_procurement",
            json!({"method": "open_tender", "ceiling": "900000", "doc_date": today().to_string()}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, v) = app
        .act(
            &unit,
            id,
            "start_procurement",
            json!({"method": "open_tender", "ceiling": "880000", "doc_date": today().to_string()}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let contract = json!({"project_name": "上城区智慧教育一张图", "supplier": "浙江数智科技有限公司", "amount": "860000", "signed_date": today().to_string(),
        "period_months": 6, "maintenance_years": 2, "check": all(&p.contract_clauses)});
    let mut wrong_name = contract.clone();
    wrong_name["project_name"] = json!("智慧教育平台");
    let (s, v) = app.act(&unit, id, "sign_contract", wrong_name).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(v["message"].as_str().unwrap().contains("不一致"), "{v}");
    // 工程监理 (Shangcheng 第六章 项目实施): open tender is government procurement, so the
    // contract filing needs the separately tendered supervision contract…
    let (s, v) = app.act(&unit, id, "sign_contract", contract.clone()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["code"], "rule", "{v}");
    assert!(
        v["message"].as_str().unwrap().contains("工程监理制")
            && v["message"].as_str().unwrap().contains("工程监理"),
        "{v}"
    );
    // …whose fee fits inside the investment: 860,000 + 20,000.01 > 880,000 approved.
    let mut contract = contract;
    contract["supervisor"] = json!("浙江诚信工程监理咨询有限公司");
    contract["supervision_signed_date"] = json!(today().to_string());
    contract["supervision_fee"] = json!("20000.01");
    let (s, v) = app.act(&unit, id, "sign_contract", contract.clone()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("监理费用纳入项目总投资预算"),
        "{v}"
    );
    contract["supervision_fee"] = json!("一万");
    let (s, v) = app.act(&unit, id, "sign_contract", contract.clone()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["fields"][0]["field"], "supervision_fee", "{v}");
    let (_, before) = app.get(&unit, &format!("/api/v1/projects/{id}")).await;
    assert_eq!(before["stage"], "procurement", "refusals change nothing");
    assert_eq!(before["supervision_rule"]["required"], true, "{before}");
    contract["supervision_fee"] = json!("20000");
    let (s, v) = app.act(&unit, id, "sign_contract", contract).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["stage"], "in_construction");
    let (_, pj) = app.get(&unit, &format!("/api/v1/projects/{id}")).await;
    assert_eq!(
        pj["contract"]["supervision"]["company"], "浙江诚信工程监理咨询有限公司",
        "{pj}"
    );
    assert_eq!(pj["contract"]["supervision"]["fee"], "20000.00", "{pj}");
    let (cookie, _) = app.page_session("jyj").await;
    let page = app
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
        page.contains("工程监理")
            && page.contains("浙江诚信工程监理咨询有限公司，监理费用 20,000.00"),
        "the project page shows the supervision contract"
    );
    let month = today().strftime("%Y-%m").to_string();
    let (s, v) = app
        .act(
            &unit,
            id,
            "report_progress",
            json!({"month": month, "percent": 50, "summary": "完成主要功能开发"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // C1–C4: initial acceptance panel by the unit, trial run, application, acceptance.
    let (s, v) = app.act(&unit, id, "form_panel", json!({"member": ids(&["zj1", "zj2", "zj3"]), "meeting_date": today().to_string(), "place": "建设单位"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    for n in ["zj1", "zj2", "zj3"] {
        let t = app.token(n).await;
        assert_eq!(
            app.act(
                &t,
                id,
                "panel_opinion",
                json!({"score": 90, "pass": true, "opinion": "同意初验"})
            )
            .await
            .0,
            StatusCode::OK
        );
    }
    let (s, v) = app
        .act(
            &unit,
            id,
            "conclude_panel",
            json!({"opinion": "初验通过", "date": today().to_string()}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["stage"], "trial_run");
    for kind in ["trial_run_report", "test_report"] {
        assert_eq!(
            app.upload(&unit, id, kind, "r.pdf", pdf()).await.0,
            StatusCode::CREATED
        );
    }
    let (s, v) = app
        .act(
            &unit,
            id,
            "apply_acceptance",
            json!({"check": all(&p.acceptance_conditions)}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "trial run of 30 days not over: {v}"
    );
    assert!(v["message"].as_str().unwrap().contains("30"), "{v}");
    // Thirty days later (the initial acceptance date moved back, as if time had passed).
    let back = tongchou_domain::lifecycle::add_days(today(), -30).to_string();
    app.st
        .db
        .execute_raw(&format!(
            "UPDATE projects SET initial_acceptance_date = '{back}' WHERE id = {id}"
        ))
        .await
        .unwrap();
    let (s, v) = app
        .act(
            &unit,
            id,
            "apply_acceptance",
            json!({"check": all(&p.acceptance_conditions)}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app
        .act(
            &auth,
            id,
            "review_acceptance_application",
            json!({"agree": true, "opinion": "同意验收"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app.act(&auth, id, "form_panel", json!({"member": ids(&["zj3", "zj4", "zj5"]), "meeting_date": today().to_string(), "place": "区数据资源局"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    for n in ["zj3", "zj4", "zj5"] {
        let t = app.token(n).await;
        assert_eq!(
            app.act(
                &t,
                id,
                "panel_opinion",
                json!({"score": 88, "pass": true, "opinion": "验收合格"})
            )
            .await
            .0,
            StatusCode::OK
        );
    }
    let (s, v) = app
        .act(
            &auth,
            id,
            "conclude_panel",
            json!({"opinion": "验收合格", "date": today().to_string()}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["stage"], "in_operation");

    // The timeline: who, when, from which stage to which, with opinions.
    let (s, h) = app
        .get(
            &app.token("sjs").await,
            &format!("/api/v1/projects/{id}/history"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "audit reads the history");
    let items = h["items"].as_array().unwrap();
    assert!(items.len() > 30, "{}", items.len());
    assert!(items
        .iter()
        .any(|e| e["from_stage"] == "trial_run" && e["to_stage"] == "acceptance_applied"));
    assert!(
        items
            .iter()
            .any(|e| e["actor_name"].as_str().unwrap().contains("区财政局")
                && e["action"] == "budget")
    );
    assert_eq!(
        app.st.db.verify_history().await.unwrap(),
        Ok(items.len() as u64)
    );
}

#[tokio::test]
async fn lifecycle_draft_to_operation_over_http_sqlite() {
    lifecycle(Backend::Sqlite).await;
}

#[tokio::test]
async fn lifecycle_draft_to_operation_over_http_postgres() {
    lifecycle(Backend::Postgres).await;
}

/// Permission matrix (SPEC §1): each role × each operation → allowed or refused, on the stage
/// where the operation belongs.
#[tokio::test]
async fn permission_matrix_roles_by_operation() {
    let Some(app) = TestApp::start(Backend::Sqlite).await else {
        return;
    };
    let jyj = app.token("jyj").await;
    let draft = app.draft(&jyj, "本单位草稿项目").await;
    // Another unit's draft is invisible; departments do not see undeclared drafts; audit does.
    let expect_view = [
        ("jyj", 200),
        ("wjw", 404),
        ("sjj", 404),
        ("czj", 404),
        ("zj1", 404),
        ("sjs", 200),
        ("lxhy", 404),
    ];
    for (who, code) in expect_view {
        let t = app.token(who).await;
        let (s, _) = app.get(&t, &format!("/api/v1/projects/{draft}")).await;
        assert_eq!(s.as_u16(), code, "{who} viewing another unit's draft");
    }
    // List scopes agree with single reads.
    let (_, l) = app.get(&app.token("wjw").await, "/api/v1/projects").await;
    assert_eq!(l["total"], 0, "another unit lists none of jyj's drafts");
    let (_, l) = app.get(&app.token("sjs").await, "/api/v1/projects").await;
    assert_eq!(l["total"], 1, "audit lists everything");

    // Who may do what: (user, action, body, expected status) on a declared project.
    for kind in ["declaration_form", "feasibility_report"] {
        app.upload(&jyj, draft, kind, "a.pdf", pdf()).await;
    }
    let (s, _) = app
        .act(&app.token("wjw").await, draft, "declare", json!({}))
        .await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "another unit cannot declare (cannot even see)"
    );
    let (s, _) = app
        .act(&app.token("sjs").await, draft, "declare", json!({}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "audit changes nothing");
    let (s, _) = app.act(&jyj, draft, "declare", json!({})).await;
    assert_eq!(s, StatusCode::OK);
    let checks: Vec<String> = app
        .st
        .profile()
        .compliance_checklist
        .iter()
        .map(|i| i.code.clone())
        .collect();
    let body = json!({"check": checks, "opinion": "ok"});
    for (who, code) in [
        ("jyj", 403),
        ("czj", 403),
        ("fgj", 403),
        ("lxhy", 403),
        ("sjs", 403),
        ("wjw", 404),
        ("zj1", 404),
    ] {
        let t = app.token(who).await;
        let (s, v) = app.act(&t, draft, "compliance_review", body.clone()).await;
        assert_eq!(s.as_u16(), code, "{who} compliance review: {v}");
    }
    // Wrong stage is a 409 with the reason in Chinese.
    let (s, v) = app
        .act(
            &app.token("lxhy").await,
            draft,
            "approve",
            json!({"approve": true, "doc_date": today().to_string(), "opinion": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(v["message"].as_str().unwrap().contains("当前阶段"), "{v}");
    let (s, _) = app
        .act(&app.token("sjj").await, draft, "compliance_review", body)
        .await;
    assert_eq!(s, StatusCode::OK, "the authority reviews");
    // Only a scoring department scores the preliminary review.
    let scores = json!({"score_necessity": 20, "score_intensive": 16, "score_technical": 16, "score_sharing": 12, "score_security": 8, "score_cost": 8, "pass": true, "opinion": "同意"});
    for (who, code) in [
        ("jyj", 403),
        ("sjs", 403),
        ("lxhy", 403),
        ("czj", 200),
        ("czj", 422),
    ] {
        let (s, v) = app
            .act(
                &app.token(who).await,
                draft,
                "preliminary_score",
                scores.clone(),
            )
            .await;
        assert_eq!(s.as_u16(), code, "{who} preliminary score: {v}");
    }
    // Unauthenticated API use is a 401 with the JSON error shape.
    let r = app
        .client
        .get(format!("{}/api/v1/projects", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["code"], "unauthorized");
}

/// Two reviewers act on the same stage at once: exactly one succeeds, the other gets 409.
async fn concurrent(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let jyj = app.token("jyj").await;
    let id = app.draft(&jyj, "并发测试项目").await;
    for kind in ["declaration_form", "feasibility_report"] {
        app.upload(&jyj, id, kind, "a.pdf", pdf()).await;
    }
    app.act(&jyj, id, "declare", json!({})).await;
    let a = app.token("sjj").await;
    let b = app.token("sjj").await;
    let checks: Vec<String> = app
        .st
        .profile()
        .compliance_checklist
        .iter()
        .map(|i| i.code.clone())
        .collect();
    let version = app.get(&a, &format!("/api/v1/projects/{id}")).await.1["version"]
        .as_i64()
        .unwrap();
    let pass = json!({"check": checks, "opinion": "通过", "version": version});
    let fail = json!({"check": [], "opinion": "退回", "version": version});
    let (r1, r2) = tokio::join!(
        app.act(&a, id, "compliance_review", pass),
        app.act(&b, id, "compliance_review", fail)
    );
    let mut codes = [r1.0.as_u16(), r2.0.as_u16()];
    codes.sort();
    assert_eq!(codes, [200, 409], "{r1:?} {r2:?}");
    let (_, h) = app.get(&a, &format!("/api/v1/projects/{id}/history")).await;
    let reviews = h["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "compliance_review")
        .count();
    assert_eq!(reviews, 1, "no lost or double write");
}

#[tokio::test]
async fn concurrent_reviewers_one_success_one_conflict_sqlite() {
    concurrent(Backend::Sqlite).await;
}

#[tokio::test]
async fn concurrent_reviewers_one_success_one_conflict_postgres() {
    concurrent(Backend::Postgres).await;
}

/// Bad input gets a clear error and changes nothing.
#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing() {
    let Some(app) = TestApp::start(Backend::Sqlite).await else {
        return;
    };
    let jyj = app.token("jyj").await;
    let r = app
        .client
        .post(format!("{}/api/v1/projects", app.base))
        .bearer_auth(&jyj)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let mut body = project_body("有效名称项目");
    body["it_amount"] = json!("12.345");
    body["funding"] = json!("");
    let (s, v) = app.post(&jyj, "/api/v1/projects", body).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = v["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"it_amount") && fields.contains(&"funding"),
        "{v}"
    );
    let (_, l) = app.get(&jyj, "/api/v1/projects").await;
    assert_eq!(l["total"], 0, "nothing created");
    let id = app.draft(&jyj, "上传校验项目").await;
    let (s, v) = app
        .upload(
            &jyj,
            id,
            "feasibility_report",
            "report.pdf",
            b"MZ\x90\x00 not a pdf".to_vec(),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, _) = app
        .upload(&jyj, id, "feasibility_report", "run.exe", b"MZ".to_vec())
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = app
        .upload(
            &jyj,
            id,
            "feasibility_report",
            "big.pdf",
            [b"%PDF".to_vec(), vec![0u8; 2 * 1024 * 1024]].concat(),
        )
        .await;
    assert!(
        s == StatusCode::PAYLOAD_TOO_LARGE || s == StatusCode::BAD_REQUEST,
        "{s}"
    );
    // Re-uploading keeps the old version.
    app.upload(&jyj, id, "feasibility_report", "v1.pdf", pdf())
        .await;
    let (s, v) = app
        .upload(
            &jyj,
            id,
            "feasibility_report",
            "v2.pdf",
            tongchou_testkit::tiny_pdf("v2"),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let versions: Vec<i64> = v["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, vec![2, 1]);
    // Only those allowed download.
    let aid = v["attachments"][1]["id"].as_i64().unwrap();
    let r = app
        .client
        .get(format!(
            "{}/api/v1/projects/{id}/attachments/{aid}",
            app.base
        ))
        .bearer_auth(&jyj)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.bytes().await.unwrap().to_vec(), pdf());
    let other = app.token("wjw").await;
    let r = app
        .client
        .get(format!(
            "{}/api/v1/projects/{id}/attachments/{aid}",
            app.base
        ))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // A stale version is a 409.
    let (s, _) = app
        .act(&jyj, id, "withdraw", json!({"reason": "x", "version": 1}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
}

/// Forms need the session's CSRF token; cookies are HttpOnly and SameSite.
#[tokio::test]
async fn page_forms_require_csrf_and_session_cookie_is_httponly() {
    let Some(app) = TestApp::start(Backend::Sqlite).await else {
        return;
    };
    let r = app
        .client
        .post(format!("{}/login", app.base))
        .form(&[
            ("username", "jyj"),
            ("password", tongchou_testkit::DEMO_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let session = cookie.split(';').next().unwrap().to_string();
    let body = project_body("CSRF 测试项目");
    let mut form: Vec<(String, String)> = body
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v.as_str().map(String::from).unwrap_or(v.to_string()),
            )
        })
        .collect();
    form.retain(|(k, _)| k != "participants");
    let r = app
        .client
        .post(format!("{}/projects", app.base))
        .header("cookie", &session)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "no CSRF token");
    let page = app
        .client
        .get(format!("{}/projects/new", app.base))
        .header("cookie", &session)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = page
        .split("name=\"_csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    form.push(("_csrf".into(), csrf));
    let r = app
        .client
        .post(format!("{}/projects", app.base))
        .header("cookie", &session)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let wrong = app
        .client
        .post(format!("{}/login", app.base))
        .form(&[("username", "jyj"), ("password", "wrong")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.text().await.unwrap().contains("用户名或密码错误"));
}

/// The binary's `audit verify` passes on an intact chain and fails, naming the entry, after a
/// history row is changed directly in the database.
#[tokio::test]
async fn tampered_history_fails_audit_verify() {
    let Some(app) = TestApp::start(Backend::Sqlite).await else {
        return;
    };
    let jyj = app.token("jyj").await;
    let id = app.draft(&jyj, "篡改检测项目").await;
    app.upload(&jyj, id, "feasibility_report", "a.pdf", pdf())
        .await;
    let bin = env!("CARGO_BIN_EXE_tongchou");
    let ok = std::process::Command::new(bin)
        .args(["audit", "verify", "--database-url", &app.db_url])
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    app.st
        .db
        .execute_raw(&format!(
            "UPDATE history SET summary = '已篡改' WHERE project_id = {id} AND seq = 1"
        ))
        .await
        .unwrap();
    let bad = std::process::Command::new(bin)
        .args(["audit", "verify", "--database-url", &app.db_url])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains(&format!("project {id} history entry 1")),
        "{err}"
    );
}

/// OpenAPI document, Swagger UI and health check.
#[tokio::test]
async fn openapi_swagger_and_healthz_answer() {
    let Some(app) = TestApp::start(Backend::Sqlite).await else {
        return;
    };
    let r = app
        .client
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: serde_json::Value = app
        .client
        .get(format!("{}/api/v1/openapi.json", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["openapi"], "3.1.0");
    assert!(v["paths"]["/api/v1/projects/{id}/actions/{action}"]["post"].is_object());
    let r = app
        .client
        .get(format!("{}/api/docs/", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

/// The working-day calculator needs no login; API, page and CLI agree (SPEC §0: 工作日 counted
/// from the day after the trigger, last day included, holidays and make-up days per the State
/// Council's schedule).
async fn calendar_calculator_api_page_and_cli_agree_on_national_day_2025(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let r = app
        .client
        .get(format!(
            "{}/api/v1/calendar/add-working-days?from=2025-09-29&days=5",
            app.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["due"], "2025-10-13");
    assert_eq!(v["from"], "2025-09-29");
    assert_eq!(v["days"], 5);
    let r = app
        .client
        .get(format!("{}/api/v1/calendar/days/2025-01-26", app.base))
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        v["working"], true,
        "Sunday 2025-01-26 is a Spring Festival make-up workday: {v}"
    );
    assert!(v["reason"].as_str().unwrap().contains("春节"));
    let r = app
        .client
        .get(format!("{}/api/v1/calendar/days/2025-13-01", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = app
        .client
        .get(format!("{}/calendar?from=2025-09-29&days=5", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("截止日：2025-10-13"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tongchou"))
        .args([
            "calendar",
            "add-working-days",
            "2025-09-29",
            "5",
            "--database-url",
            &app.db_url,
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "2025-10-13");
}

/// Only an administrator corrects the calendar; a year it does not know is flagged until an
/// administrator enters it, and every change is recorded.
async fn calendar_unknown_year_is_flagged_until_an_administrator_enters_it(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let v: serde_json::Value = app
        .client
        .get(format!(
            "{}/api/v1/calendar/add-working-days?from=2026-12-28&days=5",
            app.base
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(v["warning"].as_str().unwrap().contains("2027"), "{v}");
    let text = "2027-01-01,休,元旦\n2027-01-02,休,元旦\n2027-01-04,班,元旦";
    let (cookie, csrf) = app.page_session("sjj").await;
    let r = app
        .client
        .post(format!("{}/settings/calendar", app.base))
        .header("cookie", &cookie)
        .form(&[
            ("_csrf", csrf.as_str()),
            ("text", text),
            ("year", "2027"),
            ("note", "测试通知"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "not an administrator");
    let (cookie, csrf) = app.page_session("admin").await;
    let r = app
        .client
        .post(format!("{}/settings/calendar", app.base))
        .header("cookie", &cookie)
        .form(&[
            ("_csrf", csrf.as_str()),
            ("text", "2027-01-01,休,元旦\nbad line"),
            ("year", "2027"),
            ("note", "测试通知"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a bad line saves nothing"
    );
    assert!(r.text().await.unwrap().contains("第 2 行"));
    let v: serde_json::Value = app
        .client
        .get(format!("{}/api/v1/calendar/days/2027-01-01", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["working"], true, "unchanged after the refused import");
    let r = app
        .client
        .post(format!("{}/settings/calendar", app.base))
        .header("cookie", &cookie)
        .form(&[
            ("_csrf", csrf.as_str()),
            ("text", text),
            ("year", "2027"),
            ("note", "测试通知"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("录入 2027 年节假日安排") && body.contains("系统管理员"),
        "the change is recorded with who made it"
    );
    let v: serde_json::Value = app
        .client
        .get(format!("{}/api/v1/calendar/days/2027-01-04", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["working"], true);
    assert_eq!(v["known"], true);
    let v: serde_json::Value = app
        .client
        .get(format!(
            "{}/api/v1/calendar/add-working-days?from=2026-12-31&days=1",
            app.base
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        v["due"], "2027-01-04",
        "New Year off, Monday 4th a make-up day in this test schedule"
    );
    // Or by importing a file (UTF-8 CSV with a BOM and CRLF, as spreadsheets save it), recorded too.
    let form = reqwest::multipart::Form::new()
        .text("_csrf", csrf.clone())
        .text("year", "2028")
        .text("note", "测试通知（文件）")
        .part(
            "file",
            reqwest::multipart::Part::bytes(
                "\u{feff}2028-01-01,休,元旦\r\n2028-01-03,休,元旦\r\n"
                    .as_bytes()
                    .to_vec(),
            )
            .file_name("2028.csv"),
        );
    let r = app
        .client
        .post(format!("{}/settings/calendar/file", app.base))
        .header("cookie", &cookie)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("录入 2028 年节假日安排"));
    let w: serde_json::Value = app
        .client
        .get(format!("{}/api/v1/calendar/days/2028-01-03", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        w["working"], false,
        "Monday 2028-01-03 off per the imported file: {w}"
    );
    // 2026-12-31 itself lies after the built-in data: still flagged until 2026's tail is declared.
    assert!(v["unknown_years"]
        .as_array()
        .unwrap()
        .iter()
        .all(|y| y != 2027));
}

/// 晾晒台 (SPEC P1; ZJ-plan 四(三)): units ranked by overdue obligations, projects with days in
/// stage and overdue counts, exportable to Excel.
async fn board_ranks_units_by_overdue_obligations_and_exports_excel(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let walker = tongchou_testkit::Walker::new(&app.st, &app.world, today());
    let mut ids = Vec::new();
    for (unit, name) in [
        ("jyj", "晾晒测试项目甲"),
        ("wjw", "晾晒测试项目乙"),
        ("wjw", "晾晒测试项目丙"),
    ] {
        let t = app.token(unit).await;
        let id = app.draft(&t, name).await;
        walker
            .walk(
                tongchou_domain::ProjectId(id),
                unit,
                tongchou_domain::Stage::Budgeted,
            )
            .await
            .unwrap();
        ids.push(id);
    }
    // 区卫生健康局's two projects missed the 6-month procurement deadline.
    app.st.db.execute_raw(&format!("UPDATE obligations SET due = '2026-01-05' WHERE code = 'procurement' AND project_id IN ({}, {})", ids[1], ids[2])).await.unwrap();
    let (cookie, _) = app.page_session("sjj").await;
    let page = app
        .client
        .get(format!("{}/board", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let first_unit = page.split("单位排名").nth(1).unwrap();
    let (a, b) = (
        first_unit.find("区卫生健康局").unwrap(),
        first_unit.find("区教育局").unwrap(),
    );
    assert!(a < b, "the unit with overdue obligations ranks first");
    assert!(page.contains("晾晒测试项目乙"));
    let x = app
        .client
        .get(format!("{}/board.xlsx", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(x.status(), StatusCode::OK);
    assert!(x.headers()["content-type"]
        .to_str()
        .unwrap()
        .contains("spreadsheetml"));
    assert!(
        x.bytes().await.unwrap().starts_with(b"PK"),
        "an .xlsx (zip) workbook"
    );
    let rows = app
        .st
        .db
        .board_units(
            &tongchou_domain::permission::list_scope(app.world.actor("sjj")),
            &Default::default(),
            today(),
        )
        .await
        .unwrap();
    let health = rows.iter().find(|r| r.unit_name == "区卫生健康局").unwrap();
    assert_eq!(
        (health.projects, health.overdue, health.overdue_projects),
        (2, 2, 2)
    );
    // Filterable by jurisdiction (within the reader's), year and unit (issue 3 晾晒台).
    let get = |who: &'static str, q: String| {
        let app = &app;
        async move {
            let (cookie, _) = app.page_session(who).await;
            let r = app
                .client
                .get(format!("{}/board?{q}", app.base))
                .header("cookie", &cookie)
                .send()
                .await
                .unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    let shangcheng = app.world.actor("jyj").jurisdiction_id.0;
    let haishu = app.world.actor("hssjj").jurisdiction_id.0;
    let (s, p) = get("szb", format!("jurisdiction={shangcheng}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        p.contains("晾晒测试项目乙"),
        "the province reads 上城区's board"
    );
    assert!(
        p.contains("name=\"jurisdiction\""),
        "the filter is on the page"
    );
    let (s, p) = get("szb", format!("jurisdiction={haishu}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        !p.contains("晾晒测试项目乙"),
        "海曙区 has none of 上城区's projects"
    );
    let (s, _) = get("sjj", format!("jurisdiction={haishu}")).await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a jurisdiction outside the reader's is refused"
    );
    let (_, p) = get("sjj", "year=1999".into()).await;
    assert!(!p.contains("晾晒测试项目乙") && !p.contains("晾晒测试项目甲"));
    let jyj_unit = app.world.actor("jyj").unit_id.0;
    let (_, p) = get("sjj", format!("unit={jyj_unit}")).await;
    assert!(p.contains("晾晒测试项目甲") && !p.contains("晾晒测试项目乙"));
    let (cookie, _) = app.page_session("szb").await;
    let x = app
        .client
        .get(format!("{}/board.xlsx?jurisdiction={haishu}", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(x.status(), StatusCode::OK, "the filtered board exports");
}

/// A missed deadline's consequence is proposed to the authority once, however many sweeps run
/// (two at once, as two server processes would), and nothing irreversible happens until the
/// authority confirms; a waiver is recorded with its reason (Shangcheng 第六章 项目实施: 6个月内
/// 未完成采购的…取消相应立项指标).
async fn consequences(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let walker = tongchou_testkit::Walker::new(&app.st, &app.world, today());
    let unit = app.token("jyj").await;
    let mut ids = Vec::new();
    for name in ["逾期采购项目甲", "逾期采购项目乙"] {
        let id = app.draft(&unit, name).await;
        walker
            .walk(
                tongchou_domain::ProjectId(id),
                "jyj",
                tongchou_domain::Stage::Budgeted,
            )
            .await
            .unwrap();
        ids.push(id);
    }
    app.st.db.execute_raw(&format!("UPDATE obligations SET due = '2026-01-05' WHERE code = 'procurement' AND project_id IN ({}, {})", ids[0], ids[1])).await.unwrap();
    // Two server processes: each its own connection pool and profile cache on one database.
    let other_db = tongchou_store::Db::connect(&app.db_url, None)
        .await
        .unwrap();
    let other = tongchou_web::AppState::new(other_db, std::env::temp_dir());
    other.load_profile().await.unwrap();
    let (a, b) = tokio::join!(
        tongchou_web::service::sweep(&app.st),
        tongchou_web::service::sweep(&other)
    );
    let proposed = a.unwrap().1 + b.unwrap().1;
    assert_eq!(proposed, 2, "one proposal per missed deadline");
    assert_eq!(
        tongchou_web::service::sweep(&app.st).await.unwrap().1,
        0,
        "a later sweep proposes nothing again"
    );
    for id in &ids {
        let (_, h) = app
            .get(&unit, &format!("/api/v1/projects/{id}/history"))
            .await;
        let n = h["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "propose_consequence")
            .count();
        assert_eq!(n, 1, "recorded once in the history");
        assert_eq!(
            app.stage(&unit, *id).await,
            "budgeted",
            "nothing happens by itself"
        );
    }
    let inbox = app.st.db.inbox(app.world.actor("sjj"), 50).await.unwrap();
    assert_eq!(inbox.len(), 2, "the authority is told");
    assert!(app
        .st
        .db
        .inbox(app.world.actor("jyj"), 50)
        .await
        .unwrap()
        .is_empty());
    let auth = app.token("sjj").await;
    let (s, _) = app
        .act(
            &unit,
            ids[0],
            "confirm_consequence",
            json!({"obligation": "procurement", "reason": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "only the authority decides");
    let (s, v) = app
        .act(
            &auth,
            ids[0],
            "confirm_consequence",
            json!({"obligation": "procurement", "reason": "逾期未完成采购，经研究取消立项指标"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["stage"], "ended");
    assert!(v["ended_reason"]
        .as_str()
        .unwrap()
        .contains("取消相应立项指标"));
    let (s, v) = app
        .act(
            &auth,
            ids[1],
            "waive_consequence",
            json!({"obligation": "procurement", "reason": ""}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a waiver needs its reason: {v}"
    );
    let (s, v) = app
        .act(
            &auth,
            ids[1],
            "waive_consequence",
            json!({"obligation": "procurement", "reason": "采购已挂网，因投诉暂停，同意延期"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["stage"], "budgeted");
    let (s, _) = app
        .act(
            &auth,
            ids[1],
            "confirm_consequence",
            json!({"obligation": "procurement", "reason": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "already decided");
    assert_eq!(
        tongchou_web::service::sweep(&app.st).await.unwrap().1,
        0,
        "a waived consequence is not proposed again"
    );
}

#[tokio::test]
async fn missed_deadline_consequence_proposed_once_and_decided_by_the_authority_sqlite() {
    consequences(Backend::Sqlite).await;
}

#[tokio::test]
async fn missed_deadline_consequence_proposed_once_and_decided_by_the_authority_postgres() {
    consequences(Backend::Postgres).await;
}

/// Every rule the system enforces is shown with its citation, so officials can check it against
/// the text (SPEC §3).
async fn profile_page_shows_each_rule_with_its_citation(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let (cookie, _) = app.page_session("jyj").await;
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
    assert!(page.contains("依据：上城区电子政务项目管理办法（征求意见稿） 第五章 项目申报"));
    assert!(page.contains("立项发文后 6 个月内完成采购"));
    for item in &app.st.profile().contract_clauses {
        assert!(page.contains(&item.text), "{}", item.text);
    }
}

/// Profiles are data (SPEC §3): an administrator saves a new version, validated whole; it
/// applies to new decisions, and what was decided keeps the version it was decided under.
async fn profile_edit_applies_to_new_decisions_and_never_rewrites_past_ones(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let walker = tongchou_testkit::Walker::new(&app.st, &app.world, today());
    let unit = app.token("jyj").await;
    let id = app.draft(&unit, "规则版本测试项目").await;
    walker
        .walk(
            tongchou_domain::ProjectId(id),
            "jyj",
            tongchou_domain::Stage::TrialRun,
        )
        .await
        .unwrap();
    for kind in ["trial_run_report", "test_report"] {
        app.upload(&unit, id, kind, "r.pdf", pdf()).await;
    }
    let back = tongchou_domain::lifecycle::add_days(today(), -25).to_string();
    app.st
        .db
        .execute_raw(&format!(
            "UPDATE projects SET initial_acceptance_date = '{back}' WHERE id = {id}"
        ))
        .await
        .unwrap();
    let conds: Vec<String> = app
        .st
        .profile()
        .acceptance_conditions
        .iter()
        .map(|i| i.code.clone())
        .collect();
    let (s, _) = app
        .act(&unit, id, "apply_acceptance", json!({"check": conds}))
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "25 days of trial run < 30 (v1)"
    );

    let (cookie, csrf) = app.page_session("sjj").await;
    let mut p = (*app.st.profile()).clone();
    p.trial_run_days = 20;
    let r = app
        .client
        .post(format!("{}/settings/profile", app.base))
        .header("cookie", &cookie)
        .form(&[
            ("_csrf", csrf.as_str()),
            ("text", p.to_toml().as_str()),
            ("note", "测试"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "only an administrator edits the rules"
    );

    let (cookie, csrf) = app.page_session("admin").await;
    let mut bad = p.clone();
    bad.procurement_months = 0;
    let r = app
        .client
        .post(format!("{}/settings/profile", app.base))
        .header("cookie", &cookie)
        .form(&[
            ("_csrf", csrf.as_str()),
            ("text", bad.to_toml().as_str()),
            ("note", "测试"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("procurement_months"));
    assert_eq!(
        app.st.profile_tag(),
        "shangcheng@v1",
        "an invalid profile changes nothing"
    );

    let r = app
        .client
        .post(format!("{}/settings/profile", app.base))
        .header("cookie", &cookie)
        .form(&[
            ("_csrf", csrf.as_str()),
            ("text", p.to_toml().as_str()),
            ("note", "试运行期调整为20天（测试）"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(app.st.profile_tag(), "shangcheng@v2");
    let (s, v) = app
        .act(&unit, id, "apply_acceptance", json!({"check": conds}))
        .await;
    assert_eq!(s, StatusCode::OK, "20-day trial run under v2: {v}");
    let (_, h) = app
        .get(&unit, &format!("/api/v1/projects/{id}/history"))
        .await;
    let items = h["items"].as_array().unwrap();
    assert_eq!(items.last().unwrap()["profile_code"], "shangcheng@v2");
    assert!(
        items[..items.len() - 1]
            .iter()
            .all(|e| e["profile_code"] == "shangcheng@v1"),
        "past decisions keep v1"
    );
    // A second process notices the new version.
    let other = tongchou_web::AppState::new(app.st.db.clone(), std::env::temp_dir());
    other.refresh_profile().await.unwrap();
    assert_eq!(other.profile().trial_run_days, 20);
}

#[tokio::test]
async fn calendar_calculator_api_page_and_cli_agree_on_national_day_2025_sqlite() {
    calendar_calculator_api_page_and_cli_agree_on_national_day_2025(Backend::Sqlite).await;
}

#[tokio::test]
async fn calendar_calculator_api_page_and_cli_agree_on_national_day_2025_postgres() {
    calendar_calculator_api_page_and_cli_agree_on_national_day_2025(Backend::Postgres).await;
}

#[tokio::test]
async fn calendar_unknown_year_is_flagged_until_an_administrator_enters_it_sqlite() {
    calendar_unknown_year_is_flagged_until_an_administrator_enters_it(Backend::Sqlite).await;
}

#[tokio::test]
async fn calendar_unknown_year_is_flagged_until_an_administrator_enters_it_postgres() {
    calendar_unknown_year_is_flagged_until_an_administrator_enters_it(Backend::Postgres).await;
}

#[tokio::test]
async fn board_ranks_units_by_overdue_obligations_and_exports_excel_sqlite() {
    board_ranks_units_by_overdue_obligations_and_exports_excel(Backend::Sqlite).await;
}

#[tokio::test]
async fn board_ranks_units_by_overdue_obligations_and_exports_excel_postgres() {
    board_ranks_units_by_overdue_obligations_and_exports_excel(Backend::Postgres).await;
}

#[tokio::test]
async fn profile_page_shows_each_rule_with_its_citation_sqlite() {
    profile_page_shows_each_rule_with_its_citation(Backend::Sqlite).await;
}

#[tokio::test]
async fn profile_page_shows_each_rule_with_its_citation_postgres() {
    profile_page_shows_each_rule_with_its_citation(Backend::Postgres).await;
}

#[tokio::test]
async fn profile_edit_applies_to_new_decisions_and_never_rewrites_past_ones_sqlite() {
    profile_edit_applies_to_new_decisions_and_never_rewrites_past_ones(Backend::Sqlite).await;
}

#[tokio::test]
async fn profile_edit_applies_to_new_decisions_and_never_rewrites_past_ones_postgres() {
    profile_edit_applies_to_new_decisions_and_never_rewrites_past_ones(Backend::Postgres).await;
}

// Issue 3 "我的待办": what the user must do, ordered by due date, with days left (the procurement
// duty of Shangcheng 项目实施: 立项发文后6个月内完成采购).
async fn todo_ordered(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let walker = tongchou_testkit::Walker::new(&app.st, &app.world, today());
    let unit = app.token("jyj").await;
    let mut ids = Vec::new();
    for name in ["待办排序项目晚到期", "待办排序项目已逾期"] {
        let id = app.draft(&unit, name).await;
        walker
            .walk(
                tongchou_domain::ProjectId(id),
                "jyj",
                tongchou_domain::Stage::Budgeted,
            )
            .await
            .unwrap();
        ids.push(id);
    }
    let late = tongchou_domain::lifecycle::add_days(today(), -3);
    let soon = tongchou_domain::lifecycle::add_days(today(), 40);
    for (id, due) in [(ids[0], soon), (ids[1], late)] {
        app.st
            .db
            .execute_raw(&format!(
                "UPDATE obligations SET due = '{due}' WHERE code = 'procurement' AND project_id = {id}"
            ))
            .await
            .unwrap();
    }
    let (cookie, _) = app.page_session("jyj").await;
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
    let a = html
        .find("待办排序项目已逾期")
        .expect("overdue project listed");
    let b = html
        .find("待办排序项目晚到期")
        .expect("later project listed");
    assert!(a < b, "the earliest due first");
    assert!(html[a..b].contains("逾期 3 天"), "{}", &html[a..b]);
    assert!(html[b..].contains("还剩 40 天"));
}

#[tokio::test]
async fn my_todo_lists_duties_by_due_date_with_days_left_sqlite() {
    todo_ordered(Backend::Sqlite).await;
}

#[tokio::test]
async fn my_todo_lists_duties_by_due_date_with_days_left_postgres() {
    todo_ordered(Backend::Postgres).await;
}
