//! 绩效评价 over HTTP (SPEC §2.9 E2–E4, A6, P5): self-evaluation → spot check → outcome → zombie
//! list → a later declaration by the unit warned; the public results page; the statistics equal a
//! direct count.
use crate::support::{pdf, Backend, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tongchou_domain::{ProjectId, Stage};
use tongchou_store::today;

fn scores(app: &TestApp, v: u32) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    for i in &app.st.profile().evaluation.active().unwrap().indicators {
        m.insert(format!("score_{}", i.code), json!(v));
    }
    m
}

async fn evaluation(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let unit = app.token("jyj").await;
    let auth = app.token("sjj").await;
    let year = today().year() as i64;
    let id = app.draft(&unit, "上城区校园一卡通应用").await;
    tongchou_testkit::Walker::new(&app.st, &app.world, today())
        .walk(ProjectId(id), "jyj", Stage::InOperation)
        .await
        .unwrap();

    // The project page offers the self-evaluation form; a missing score is shown beside its field.
    let (cookie, csrf) = app.page_session("jyj").await;
    let get_page = |path: String, cookie: String| {
        let c = app.client.clone();
        async move {
            c.get(path)
                .header("cookie", cookie)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let page = get_page(format!("{}/projects/{id}", app.base), cookie.clone()).await;
    assert!(
        page.contains("act-self_evaluate") && page.contains("应用使用情况"),
        "form shown"
    );
    let r = app
        .client
        .post(format!("{}/projects/{id}/act/self_evaluate", app.base))
        .header("cookie", &cookie)
        .form(&[
            ("_csrf", csrf.as_str()),
            ("year", &year.to_string()),
            ("evidence", "说明"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("请为“应用使用情况”评分"));

    // Shaoxing art.33 普查: the authority's census lists every project in operation in its
    // scope with the year's evaluation; not yet self-evaluated here. Units do not see it.
    let census = |v: &Value| {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["project_id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("project {id} in the census: {v}"))
    };
    let (s, v) = app.get(&auth, "/api/v1/evaluations/census").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["year"], year, "{v}");
    let row = census(&v);
    assert!(
        row["self_total"].is_null() && row["spot_checked"] == false,
        "{row}"
    );
    let (s, _) = app.get(&unit, "/api/v1/evaluations/census").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = app.get(&auth, "/api/v1/evaluations/census?year=abc").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");

    // ZJ-plan 四(四) 基层用户评价: the users of the application (other units of its district) rate
    // it once a year each; not the unit that built it, not the city, not experts; 1–5 stars.
    let ratings = format!("/api/v1/projects/{id}/ratings");
    let wjw = app.token("wjw").await;
    let mzj = app.token("mzj").await;
    let (s, v) = app
        .post(&wjw, &ratings, json!({"stars": 5, "comment": "查询方便"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        (v["count"].as_i64(), v["score"].as_i64()),
        (Some(1), Some(100)),
        "{v}"
    );
    let (s, v) = app.post(&wjw, &ratings, json!({"stars": 4})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        (v["count"].as_i64(), v["score"].as_i64()),
        (Some(1), Some(80)),
        "replaced: {v}"
    );
    let (s, v) = app
        .post(&mzj, &ratings, json!({"stars": 2, "comment": "数据更新慢"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        (v["count"].as_i64(), v["score"].as_i64()),
        (Some(2), Some(60)),
        "{v}"
    );
    let (s, v) = app.post(&mzj, &ratings, json!({"stars": 9})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["fields"][0]["field"], "stars", "{v}");
    for who in ["jyj", "hzsjj", "sjs"] {
        let t = app.token(who).await;
        let (s, v) = app.post(&t, &ratings, json!({"stars": 5})).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{who}: {v}");
    }
    let zj = app.token("zj1").await;
    let (s, _) = app.post(&zj, &ratings, json!({"stars": 5})).await;
    assert!(
        matches!(s, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{s}"
    );
    let (s, v) = app.get(&unit, &ratings).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        (v["count"].as_i64(), v["may_rate"].as_bool()),
        (Some(2), Some(false)),
        "{v}"
    );
    assert!(app.st.db.verify_board_history().await.unwrap().is_ok());
    // The page (no JavaScript; CSRF on the form).
    let (mzj_cookie, mzj_csrf) = app.page_session("mzj").await;
    let html = get_page(
        format!("{}/projects/{id}/ratings", app.base),
        mzj_cookie.clone(),
    )
    .await;
    assert!(
        html.contains("区卫生健康局")
            && html.contains("60 分")
            && html.contains("四(四)")
            && html.contains("name=\"_csrf\""),
        "{html}"
    );
    let r = app
        .client
        .post(format!("{}/projects/{id}/ratings", app.base))
        .header("cookie", &mzj_cookie)
        .form(&[("stars", "3")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "no CSRF token, nothing recorded"
    );
    let r = app
        .client
        .post(format!("{}/projects/{id}/ratings", app.base))
        .header("cookie", &mzj_cookie)
        .form(&[
            ("_csrf", mzj_csrf.as_str()),
            ("stars", "3"),
            ("comment", ""),
        ])
        .send()
        .await
        .unwrap();
    assert!(
        r.status().is_success() || r.status().is_redirection(),
        "{}",
        r.status()
    );
    let (_, v) = app.get(&unit, &ratings).await;
    assert_eq!(v["score"], 70, "(4 + 3) / 2 × 20: {v}");

    // Shaoxing art.33: the unit self-evaluates; the authority spot-checks by a third party.
    let mut body = scores(&app, 30);
    body.insert("year".into(), json!(year));
    body.insert("evidence".into(), json!("内部佐证：月活仅 12 人"));
    let (s, v) = app
        .act(&auth, id, "self_evaluate", Value::Object(body.clone()))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, v) = app
        .act(
            &unit,
            id,
            "self_evaluate",
            json!({"year": year, "evidence": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(
        v["fields"][0]["field"]
            .as_str()
            .unwrap()
            .starts_with("score_"),
        "{v}"
    );
    let (s, v) = app
        .act(&unit, id, "self_evaluate", Value::Object(body))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let mut spot = scores(&app, 20);
    spot.insert("year".into(), json!(year));
    spot.insert("by_kind".into(), json!("third_party"));
    spot.insert("checker".into(), json!("保密评估机构甲"));
    spot.insert("result".into(), json!("内部抽查意见：基本无人使用"));
    let (s, v) = app.act(&auth, id, "spot_check", Value::Object(spot)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, v) = app.get(&auth, "/api/v1/evaluations/census").await;
    let row = census(&v);
    assert_eq!(
        (row["self_total"].as_i64(), row["spot_checked"].as_bool()),
        (Some(30), Some(true)),
        "{row}"
    );
    assert_eq!(
        (row["ratings"].as_i64(), row["user_rating_score"].as_i64()),
        (Some(2), Some(70)),
        "the users' ratings in the census: {row}"
    );
    let (auth_cookie, _) = app.page_session("sjj").await;
    let html = get_page(format!("{}/evaluations/census", app.base), auth_cookie).await;
    assert!(
        html.contains("上城区校园一卡通应用")
            && html.contains("第三十三条")
            && html.contains("已抽查"),
        "{html}"
    );

    // E3/E4: the outcome is proposed, then confirmed; a zombie system enters the list.
    let (s, v) = app
        .act(
            &auth,
            id,
            "propose_outcome",
            json!({"year": year, "outcome": "continue", "reason": "x"}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a score of 20 is not 继续运行: {v}"
    );
    let (s, v) = app
        .act(
            &auth,
            id,
            "propose_outcome",
            json!({"year": year, "outcome": "zombie", "reason": "长期无人使用"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app
        .act(
            &auth,
            id,
            "confirm_outcome",
            json!({"year": year, "agree": "yes"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app.get(&auth, "/api/v1/zombie-systems").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v.as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v[0]["project_id"], id);
    let (s, _) = app.get(&unit, "/api/v1/zombie-systems").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, h) = app
        .get(&unit, &format!("/api/v1/projects/{id}/history"))
        .await;
    let text = h.to_string();
    assert!(
        text.contains("confirm_outcome") && text.contains("spot_check"),
        "{h}"
    );

    // Published results: public, no login, nothing internal.
    let r = reqwest::get(format!("{}/public/evaluations", app.base))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        !r.text().await.unwrap().contains("上城区校园一卡通应用"),
        "not yet published"
    );
    let (s, v) = app
        .act(&auth, id, "publish_evaluation", json!({"year": year}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let r = reqwest::get(format!("{}/public/evaluations", app.base))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("上城区校园一卡通应用") && html.contains("列入僵尸系统名单"),
        "{html}"
    );
    for secret in ["内部佐证", "保密评估机构甲", "内部抽查意见", "林晓", "李静"]
    {
        assert!(!html.contains(secret), "public page leaks {secret}");
    }
    let r = reqwest::get(format!("{}/api/v1/public/evaluations", app.base))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let pubj: Value = r.json().await.unwrap();
    assert_eq!(pubj[0]["score"], 20);
    for secret in ["内部佐证", "保密评估机构甲", "内部抽查意见"] {
        assert!(!pubj.to_string().contains(secret));
    }
    // A draft never shows there.
    let draft = app.draft(&unit, "上城区智慧食堂应用").await;

    // A6 / Quzhou 二(二)9: the unit's next declaration is warned with until when; with a reason it goes ahead.
    for kind in ["declaration_form", "feasibility_report"] {
        let (s, v) = app.upload(&unit, draft, kind, "材料.pdf", pdf()).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    let page = get_page(format!("{}/projects/{draft}", app.base), cookie.clone()).await;
    assert!(
        page.contains("bar-zombie_bar") && page.contains("僵尸系统"),
        "the bar shows before declaring"
    );
    let (s, v) = app.act(&unit, draft, "declare", json!({})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["code"], "override_required", "{v}");
    let until = tongchou_domain::lifecycle::add_months(today(), 24).to_string();
    let msg = v["message"].as_str().unwrap();
    assert!(
        msg.contains("僵尸系统") && msg.contains(&until) && msg.contains("二(二)9"),
        "{v}"
    );
    assert_eq!(app.stage(&unit, draft).await, "draft");
    let (s, v) = app
        .act(
            &unit,
            draft,
            "declare",
            json!({"override_reason": "市级统一部署的急需项目"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["stage"], "compliance_review");
    let r = reqwest::get(format!("{}/public/evaluations", app.base))
        .await
        .unwrap();
    assert!(!r.text().await.unwrap().contains("上城区智慧食堂应用"));

    // P5: the statistics equal a direct count.
    let (s, st) = app.get(&auth, "/api/v1/statistics").await;
    assert_eq!(s, StatusCode::OK, "{st}");
    assert_eq!(
        st["outcomes"],
        json!([{"label": "zombie", "count": 1, "fen": 0, "fen2": 0}])
    );
    let (_, list) = app.get(&auth, "/api/v1/projects?per_page=500").await;
    let items = list["items"].as_array().expect("items");
    let approved: Vec<&Value> = items
        .iter()
        .filter(|p| !p["approved_amount"].is_null())
        .collect();
    let counted: i64 = st["by_year"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["count"].as_i64().unwrap())
        .sum();
    assert_eq!(counted, approved.len() as i64, "{st}");
    let declared: i64 = st["approval"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["count"].as_i64().unwrap())
        .sum();
    assert_eq!(
        declared,
        items.iter().filter(|p| p["stage"] != "draft").count() as i64,
        "{st}"
    );
    let (sjj_cookie, _) = app.page_session("sjj").await;
    let html = get_page(format!("{}/statistics", app.base), sjj_cookie).await;
    assert!(
        html.contains("<svg")
            && html.contains("僵尸系统名单")
            && html.contains("上城区校园一卡通应用"),
        "{html}"
    );
    assert!(html.contains("立项率"), "the approval chart has its table");
    let (_, doc) = app.get(&auth, "/api/v1/openapi.json").await;
    for path in [
        "/api/v1/statistics",
        "/api/v1/zombie-systems",
        "/api/v1/public/evaluations",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} documented");
    }
    let (s, _) = app.get(&unit, "/api/v1/statistics").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // P5 by jurisdiction: the province authority sees its cities and drills into one; a
    // district authority may not read its city's statistics (only its own and below).
    let szb = app.token("szb").await;
    let (s, prov) = app.get(&szb, "/api/v1/statistics").await;
    assert_eq!(s, StatusCode::OK, "{prov}");
    let cities: Vec<i64> = prov["by_jurisdiction"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["jurisdiction_id"].as_i64())
        .collect();
    assert!(!cities.is_empty(), "{prov}");
    let (s, city) = app
        .get(
            &szb,
            &format!("/api/v1/statistics?jurisdiction={}", cities[0]),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{city}");
    assert_eq!(city["scope"]["jurisdiction_id"], cities[0]);
    assert!(
        city["scope"]["parent"].is_array(),
        "the way back up: {city}"
    );
    let (s, v) = app
        .get(
            &auth,
            &format!("/api/v1/statistics?jurisdiction={}", cities[0]),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, _) = app
        .get(&auth, "/api/v1/statistics?jurisdiction=999999")
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (szb_cookie, _) = app.page_session("szb").await;
    let html = get_page(format!("{}/statistics", app.base), szb_cookie).await;
    assert!(
        html.contains(&format!("/statistics?j={}", cities[0]))
            && html.contains("按重大任务")
            && html.contains("共享应用复用"),
        "drill-down links and the new charts"
    );
    let r = app
        .client
        .get(format!("{}/statistics.xlsx", app.base))
        .bearer_auth(&auth)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));
}

#[tokio::test]
async fn evaluation_zombie_and_eligibility_over_http_sqlite() {
    evaluation(Backend::Sqlite).await;
}

#[tokio::test]
async fn evaluation_zombie_and_eligibility_over_http_postgres() {
    evaluation(Backend::Postgres).await;
}

/// Demo data: every demo system in operation has a published evaluation; one is a zombie system.
#[tokio::test]
async fn demo_systems_in_operation_are_evaluated_and_one_is_a_zombie() {
    let Some((db, _url, dir)) = crate::support::database(Backend::Sqlite).await else {
        return;
    };
    let st = tongchou_web::AppState::new(db, dir.join("data"));
    let world = tongchou_testkit::seed_demo(&st, today())
        .await
        .expect("demo");
    let zombies = st.db.zombie_list(world.actor("sjj")).await.unwrap();
    assert_eq!(zombies.len(), 1, "{zombies:?}");
    let published = st.db.published_results(1000).await.unwrap();
    assert!(published.len() >= 3, "{published:?}");
    assert!(published.iter().any(|r| r.outcome == "best"));
    let s = st.db.statistics(world.actor("sjj"), today()).await.unwrap();
    let n: i64 = s.outcomes.iter().map(|r| r.count).sum();
    assert_eq!(n as usize, published.len());
}

/// P5: after a pseudo-random sequence of transitions, every statistic equals a direct count of
/// the projects and obligations (exact aggregates, no drift).
async fn statistics_equal_a_direct_count(backend: Backend, seed: u64) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let jyj = app.token("jyj").await;
    let walker = tongchou_testkit::Walker::new(&app.st, &app.world, today());
    let targets = [
        Stage::Draft,
        Stage::ComplianceReview,
        Stage::Returned,
        Stage::Approved,
        Stage::Budgeted,
        Stage::InConstruction,
        Stage::InOperation,
        Stage::Ended,
    ];
    let units = ["jyj", "wjw", "mzj", "cgj"];
    let mut x = seed;
    let mut ids = Vec::new();
    for i in 0..8 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let unit = units[(x >> 33) as usize % units.len()];
        let token = if unit == "jyj" {
            jyj.clone()
        } else {
            app.token(unit).await
        };
        // ZJ-plan 二（二）: some projects carry a major task and a function, some not (未标注).
        let name = format!("统计核对项目{seed}-{i}");
        let mut body = crate::support::project_body(&name);
        let tasks = ["", "livelihood", "efficiency", "safety"];
        body["major_task"] = json!(tasks[(x >> 20) as usize % tasks.len()]);
        body["gov_function"] = json!(["", "service", "social"][(x >> 24) as usize % 3]);
        let (s, v) = app.post(&token, "/api/v1/projects", body.clone()).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let id = v["id"].as_i64().unwrap();
        if (x >> 30) % 2 == 0 {
            // An edit of the draft moves it to other cells (task, money).
            body["major_task"] = json!(tasks[(x >> 36) as usize % tasks.len()]);
            body["it_amount"] = json!("1,234,567.89");
            let (s, v) = app.act(&token, id, "edit", body).await;
            assert_eq!(s, StatusCode::OK, "{v}");
        }
        let target = targets[(x >> 40) as usize % targets.len()];
        if target != Stage::Draft {
            walker.walk(ProjectId(id), unit, target).await.unwrap();
        }
        ids.push(id);
    }
    let sjj = app.world.actor("sjj");
    let s = app.st.db.statistics(sjj, today()).await.unwrap();
    let mut by_year: std::collections::BTreeMap<String, (i64, i64)> = Default::default();
    let mut declared: std::collections::BTreeMap<String, (i64, i64, i64)> = Default::default();
    let mut overdue: std::collections::BTreeMap<String, i64> = Default::default();
    for id in &ids {
        let p = app.st.db.project(ProjectId(*id)).await.unwrap();
        let y = p.input.year.to_string();
        if let Some(a) = p.approved_amount {
            let e = by_year.entry(y.clone()).or_default();
            e.0 += 1;
            e.1 += a.fen();
        }
        if p.declared_at.is_some() {
            let e = declared.entry(y).or_default();
            e.0 += 1;
            e.1 += p.input.it_amount.fen() + p.input.non_it_amount.fen();
            e.2 += p.approved_amount.map(|a| a.fen()).unwrap_or(0);
        }
        let n = app
            .st
            .db
            .obligations(ProjectId(*id))
            .await
            .unwrap()
            .iter()
            .filter(|o| o.state == "open" && o.due < today())
            .count() as i64;
        if n > 0 {
            *overdue.entry(p.unit_name.clone()).or_default() += n;
        }
    }
    let got: std::collections::BTreeMap<String, (i64, i64)> = s
        .by_year
        .iter()
        .map(|r| (r.label.clone(), (r.count, r.fen)))
        .collect();
    assert_eq!(got, by_year, "seed {seed}");
    let got: std::collections::BTreeMap<String, (i64, i64, i64)> = s
        .approval
        .iter()
        .map(|r| (r.label.clone(), (r.count, r.fen, r.fen2)))
        .collect();
    assert_eq!(got, declared, "seed {seed}");
    let got: std::collections::BTreeMap<String, i64> = s
        .overdue_by_unit
        .iter()
        .map(|r| (r.label.clone(), r.count))
        .collect();
    assert_eq!(got, overdue, "seed {seed}");
    let approved: i64 = by_year.values().map(|v| v.0).sum();
    assert_eq!(s.by_category.iter().map(|r| r.count).sum::<i64>(), approved);
    assert_eq!(
        s.by_build_kind.iter().map(|r| r.count).sum::<i64>(),
        approved
    );
    assert_eq!(
        s.by_major_task.iter().map(|r| r.count).sum::<i64>(),
        approved
    );
    assert_eq!(s.by_function.iter().map(|r| r.count).sum::<i64>(), approved);
    assert_eq!(
        s.by_jurisdiction.iter().map(|r| r.count).sum::<i64>(),
        approved
    );
    // Obligations opened by the sweep are counted too (monthly progress reports).
    // Two months ago too, so overdue obligations lie in earlier months (the monthly cells) as
    // well as in this one (the daily cells).
    for back in [2, 0] {
        let day = tongchou_domain::lifecycle::add_months(today(), 0)
            .checked_sub(jiff::Span::new().months(back))
            .unwrap();
        app.st
            .db
            .sweep_monthly_reports(day, &app.st.profile())
            .await
            .unwrap();
    }
    // Issue 6: the aggregates equal a direct count of the base tables in every dimension
    // (year, jurisdiction, major task, function, category, build kind, approval, overdue by
    // unit, stage medians, outcomes, reuse), for viewers of every level and for a drill-down.
    assert_stats_exact(&app, &format!("seed {seed}")).await;
}

/// Every statistic read from the aggregates equals the direct count, for the district, city and
/// province authorities, the auditor (drafts counted) and the drill-down into each child.
async fn assert_stats_exact(app: &TestApp, why: &str) {
    let diffs = app.st.db.check_aggregates().await.unwrap();
    assert!(diffs.is_empty(), "{why}: {diffs:?}");
    for who in ["sjj", "sjs", "hzsjj", "szb"] {
        let a = app.world.actor(who);
        let agg = app.st.db.statistics(a, today()).await.unwrap();
        let direct = app.st.db.statistics_direct(a, today(), None).await.unwrap();
        assert_eq!(
            serde_json::to_value(&agg).unwrap(),
            serde_json::to_value(&direct).unwrap(),
            "{why}: {who}"
        );
        for child in agg.by_jurisdiction.iter().filter_map(|r| r.jurisdiction_id) {
            let j = Some(tongchou_domain::JurisdictionId(child));
            let agg = app.st.db.statistics_of(a, today(), j).await.unwrap();
            let direct = app.st.db.statistics_direct(a, today(), j).await.unwrap();
            assert_eq!(
                serde_json::to_value(&agg).unwrap(),
                serde_json::to_value(&direct).unwrap(),
                "{why}: {who} drilling into {child}"
            );
        }
    }
}

#[tokio::test]
async fn statistics_equal_a_direct_count_sqlite() {
    for seed in [1, 7] {
        statistics_equal_a_direct_count(Backend::Sqlite, seed).await;
    }
}

#[tokio::test]
async fn statistics_equal_a_direct_count_postgres() {
    statistics_equal_a_direct_count(Backend::Postgres, 3).await;
}

/// Shangcheng 第九章 and 第十章 over HTTP: a low performer not fixed in time is forcibly retired
/// only with the district leader's approval; the application stopped within two years of going
/// live, so the unit's next declaration is refused until the end of next year.
async fn forced_retirement_bars_next_year(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let unit = app.token("wjw").await;
    let auth = app.token("sjj").await;
    let year = today().year() as i64;
    let id = app.draft(&unit, "上城区健康档案查询应用").await;
    tongchou_testkit::Walker::new(&app.st, &app.world, today())
        .walk(ProjectId(id), "wjw", Stage::InOperation)
        .await
        .unwrap();
    // The application runs with cloud resources (registered first, Shaoxing art.29).
    let day = today().to_string();
    for (action, body) in [
        (
            "add_system",
            json!({"name": "健康档案查询", "operating_body": "某运维公司", "responsible_person": "王运维",
                              "om_rules": "运维制度", "om_amount": "50000", "internet_facing": false, "gov_cloud": false,
                              "level": 1, "important": false}),
        ),
        (
            "register_system",
            json!({"system": 1, "reference": "SC-XT-2026-0099", "date": day}),
        ),
        (
            "request_cloud",
            json!({"system": 1, "kind": "host", "spec": "4核8G", "quantity": 2}),
        ),
        ("go_live", json!({"system": 1, "date": day})),
    ] {
        let (s, v) = app
            .post(
                &unit,
                &format!("/api/v1/projects/{id}/operation/{action}"),
                body,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{action}: {v}");
    }
    let rectify_by = tongchou_domain::lifecycle::add_days(today(), 30).to_string();
    for (y, outcome) in [(year - 1, "rectify"), (year, "retire")] {
        let mut body = scores(&app, 30);
        body.insert("year".into(), json!(y));
        body.insert("evidence".into(), json!("使用量低"));
        let (s, v) = app
            .act(&unit, id, "self_evaluate", Value::Object(body))
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, v) = app
            .act(
                &auth,
                id,
                "propose_outcome",
                json!({"year": y, "outcome": outcome, "rectify_by": rectify_by, "reason": "低绩"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        if outcome == "retire" {
            let (s, v) = app
                .act(
                    &auth,
                    id,
                    "confirm_outcome",
                    json!({"year": y, "agree": "yes"}),
                )
                .await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
            assert!(v["message"].as_str().unwrap().contains("分管领导"), "{v}");
            assert_eq!(
                app.stage(&unit, id).await,
                "in_operation",
                "nothing changed"
            );
        }
        let (s, v) = app
            .act(&auth, id, "confirm_outcome", json!({"year": y, "agree": "yes", "leader": "分管副区长", "leader_date": today().to_string()}))
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let (_, ob) = app
        .get(&unit, &format!("/api/v1/projects/{id}/obligations"))
        .await;
    assert!(
        ob.to_string()
            .contains(&format!("evaluation_rectify_{}", year - 1)),
        "{ob}"
    );
    assert_eq!(app.stage(&unit, id).await, "ended");
    // 强制淘汰: the application is taken down, its cloud released (Shangcheng 第九章).
    let (s, v) = app
        .get(&unit, &format!("/api/v1/projects/{id}/operation"))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let sys = &v["systems"][0];
    assert_eq!(sys["state"], "taken_down", "{v}");
    assert!(sys["cloud_totals"].as_array().unwrap().is_empty(), "{v}");
    assert!(app.st.db.verify_history().await.unwrap().is_ok());
    let draft = app.draft(&unit, "上城区健康档案查询应用（二期）").await;
    for kind in ["declaration_form", "feasibility_report"] {
        app.upload(&unit, draft, kind, "材料.pdf", pdf()).await;
    }
    let (s, v) = app
        .act(
            &unit,
            draft,
            "declare",
            json!({"override_reason": "硬性规定不接受理由"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let msg = v["message"].as_str().unwrap();
    assert!(
        msg.contains("第十章") && msg.contains(&format!("{}-12-31", year + 1)),
        "{v}"
    );
    assert_eq!(app.stage(&unit, draft).await, "draft");
}

#[tokio::test]
async fn forced_retirement_bars_next_year_sqlite() {
    forced_retirement_bars_next_year(Backend::Sqlite).await;
}

#[tokio::test]
async fn forced_retirement_bars_next_year_postgres() {
    forced_retirement_bars_next_year(Backend::Postgres).await;
}
