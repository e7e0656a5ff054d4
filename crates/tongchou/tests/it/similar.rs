//! 重复建设比对 over HTTP on SQLite and PostgreSQL: a paraphrased declaration finds the existing
//! project (ZJ-share 四; Shangcheng 第一章、第三章; Quzhou 二(二)7; SPEC S9, A7), the reviewer
//! must judge a likely duplicate and a duplicate is not accepted; nobody learns of another
//! unit's draft through the comparison; the index follows edits and is rebuilt for old data.
use crate::support::{pdf, Backend, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tongchou_domain::{ProjectId, Stage};
use tongchou_store::today;

async fn draft_with(app: &TestApp, token: &str, name: &str, summary: &str) -> i64 {
    let mut body = crate::support::project_body(name);
    body["summary"] = json!(summary);
    let (s, v) = app.post(token, "/api/v1/projects", body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_i64().unwrap()
}

fn names(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_string())
        .collect()
}

async fn similar(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let jyj = app.token("jyj").await;
    let wjw = app.token("wjw").await;
    let sjj = app.token("sjj").await;
    // An approved project of 区教育局 (public once approved), and an unrelated one.
    let edu = draft_with(
        &app,
        &jyj,
        "上城区智慧教育“一张图”综合应用",
        "整合全区中小学学籍、师资、校舍数据，建设教育资源一张图和入学一件事应用，实现入学报名零材料。",
    )
    .await;
    let waste = draft_with(
        &app,
        &jyj,
        "上城区垃圾分类全链条监管平台",
        "建设垃圾分类投放、收运、处置全链条数字化监管平台。",
    )
    .await;
    let walker = tongchou_testkit::Walker::new(&app.st, &app.world, today());
    for id in [edu, waste] {
        walker
            .walk(ProjectId(id), "jyj", Stage::Approved)
            .await
            .unwrap();
    }
    // A draft of 区教育局 that nobody else may know of.
    let secret = draft_with(
        &app,
        &jyj,
        "教育一张图入学一件事试点（内部草稿）",
        "学籍 入学 一张图 校舍 师资 内部草稿，尚未申报。",
    )
    .await;

    // 区卫生健康局 drafts a paraphrase of the education project.
    let para = draft_with(
        &app,
        &wjw,
        "上城区教育资源一张图与入学一件事平台",
        "汇聚学籍和师资数据，打造全区教育资源一张图，入学一件事网上办理，报名零材料。",
    )
    .await;
    let (s, v) = app
        .get(&wjw, &format!("/api/v1/projects/{para}/similar"))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let found = names(&v);
    assert_eq!(
        found.first().map(String::as_str),
        Some("上城区智慧教育“一张图”综合应用"),
        "{v:#}"
    );
    let top = &v["items"][0];
    assert_eq!(top["likely_duplicate"], true, "{top}");
    let matched: Vec<&str> = top["matched"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    assert!(
        matched.contains(&"一张图") && matched.contains(&"入学"),
        "{matched:?}"
    );
    assert!(
        !found.iter().any(|n| n.contains("内部草稿")),
        "another unit's draft stays invisible: {found:?}"
    );
    if let Some(w) = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"].as_str().unwrap().contains("垃圾分类"))
    {
        assert_eq!(w["likely_duplicate"], false, "{w}");
    }
    // The unit that owns the draft does see it.
    let (_, v) = app
        .get(&jyj, "/api/v1/similar?name=%E6%95%99%E8%82%B2%E4%B8%80%E5%BC%A0%E5%9B%BE%E5%85%A5%E5%AD%A6%E4%B8%80%E4%BB%B6%E4%BA%8B")
        .await;
    assert!(names(&v).iter().any(|n| n.contains("内部草稿")), "{v:#}");
    let (s, v) = app.get(&jyj, "/api/v1/similar").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    // The draft's page shows the comparison with the matched terms marked.
    let (cookie, _) = app.page_session("wjw").await;
    let html = app
        .client
        .get(format!("{}/projects/{para}", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("重复建设比对") && html.contains("<mark>一张图</mark>"),
        "page shows the marked comparison"
    );
    assert!(!html.contains("内部草稿"));

    // Declared: the reviewer must judge the likely duplicate, and a duplicate is not accepted.
    for kind in ["declaration_form", "feasibility_report"] {
        let (s, v) = app.upload(&wjw, para, kind, "材料.pdf", pdf()).await;
        assert!(s.is_success(), "{v}");
    }
    let (s, v) = app.act(&wjw, para, "declare", json!({})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let all: Vec<String> = app
        .st
        .profile()
        .compliance_checklist
        .iter()
        .map(|i| i.code.clone())
        .collect();
    let (s, v) = app
        .act(
            &sjj,
            para,
            "compliance_review",
            json!({ "check": all, "opinion": "材料齐全" }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["fields"][0]["field"], "duplicate", "{v}");
    assert!(
        v["message"].as_str().unwrap().contains("上城区智慧教育"),
        "{v}"
    );
    assert_eq!(
        app.stage(&sjj, para).await,
        "compliance_review",
        "nothing changed"
    );
    let (s, v) = app
        .act(
            &sjj,
            para,
            "compliance_review",
            json!({ "check": all, "opinion": "材料齐全", "duplicate": "yes" }),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a judgement needs its reason: {v}"
    );
    let (s, v) = app
        .act(
            &sjj,
            para,
            "compliance_review",
            json!({ "check": all, "opinion": "材料齐全", "duplicate": "yes", "duplicate_reason": "与区教育局已立项的教育一张图应用功能重复，应复用" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        app.stage(&sjj, para).await,
        "returned",
        "a duplicate is not accepted"
    );
    let (_, h) = app
        .get(&sjj, &format!("/api/v1/projects/{para}/history"))
        .await;
    let last = h["items"].as_array().unwrap().last().unwrap().clone();
    assert!(
        last["summary"].as_str().unwrap().contains("属于重复建设"),
        "{last}"
    );
    assert!(
        last["payload"].to_string().contains("duplicate_judged"),
        "{last}"
    );

    // Edits move the index: a renamed draft is found by its new words, not its old ones.
    let (s, v) = app
        .act(
            &jyj,
            secret,
            "edit",
            json!({
                "name": "上城区校外培训机构监管应用", "year": 2027, "build_kind": "new", "category": "application",
                "it_amount": "1000000", "non_it_amount": "0", "security_amount": "60000", "funding": "district_fiscal",
                "summary": "校外培训机构资金监管与预警。", "participants": [], "responsible_person": "林晓"
            }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, v) = app
        .get(
            &jyj,
            "/api/v1/similar?name=%E6%A0%A1%E5%A4%96%E5%9F%B9%E8%AE%AD%E7%9B%91%E7%AE%A1",
        )
        .await;
    assert_eq!(
        names(&v).first().map(String::as_str),
        Some("上城区校外培训机构监管应用"),
        "{v:#}"
    );
    let (_, v) = app
        .get(&jyj, &format!("/api/v1/projects/{edu}/similar"))
        .await;
    assert!(
        !names(&v).iter().any(|n| n.contains("内部草稿")),
        "old words no longer point to it: {v:#}"
    );

    // A database that held projects before the index existed gets them all indexed.
    let before = app
        .get(&wjw, &format!("/api/v1/projects/{para}/similar"))
        .await
        .1;
    for t in ["search_terms", "search_docs", "search_df"] {
        app.st
            .db
            .execute_raw(&format!("DELETE FROM {t}"))
            .await
            .unwrap();
    }
    for kind in tongchou_store::search::OTHER_KINDS {
        app.st.db.index_missing(kind).await.unwrap();
    }
    let n = app.st.db.index_missing_projects().await.unwrap();
    assert!(n >= 4, "{n}");
    assert_eq!(
        app.st.db.index_missing_projects().await.unwrap(),
        0,
        "idempotent"
    );
    let after = app
        .get(&wjw, &format!("/api/v1/projects/{para}/similar"))
        .await
        .1;
    assert_eq!(
        before["items"], after["items"],
        "the rebuilt index answers the same"
    );
}

#[tokio::test]
async fn paraphrased_declaration_is_flagged_and_judged_sqlite() {
    similar(Backend::Sqlite).await;
}

#[tokio::test]
async fn paraphrased_declaration_is_flagged_and_judged_postgres() {
    similar(Backend::Postgres).await;
}

fn kinds(v: &Value) -> Vec<(String, String)> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["kind"].as_str().unwrap().to_string(),
                i["name"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A listed need of 区民政局 carried to an included 一本账 entry with a draft library item, as
/// the provincial authority does it; returns (proposal, item).
async fn ledger_with_item(app: &TestApp) -> (i64, i64) {
    let mzj = app.token("mzj").await;
    let sjj = app.token("sjj").await;
    let hz = app.token("hzsjj").await;
    let szb = app.token("szb").await;
    let sgxz = app.token("sgxz").await;
    let (s, n) = app
        .post(
            &mzj,
            "/api/v1/needs",
            json!({"title": "老年助餐服务", "description": "老年人就餐难", "scenario": "社区食堂",
                   "aspects": ["public_frequent"], "list": "scenario"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{n}");
    let need = n["id"].as_i64().unwrap();
    for t in [&sjj, &hz, &szb] {
        let (s, v) = app
            .post(
                t,
                &format!("/api/v1/needs/{need}/actions/endorse"),
                json!({}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let (s, p) = app
        .post(
            &szb,
            "/api/v1/proposals",
            json!({"title": "浙里康养·老年助餐刷脸就餐", "description": "全省统一建设老年食堂刷脸就餐和助餐补贴自动结算", "need": [need]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let pid = p["id"].as_i64().unwrap();
    let pact = |a: &str| format!("/api/v1/proposals/{pid}/actions/{a}");
    let (s, v) = app
        .post(
            &szb,
            &pact("argue"),
            json!({"experts": ["张教授"], "date": "2026-03-20", "opinion": "场景多跨"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app
        .post(
            &sgxz,
            &pact("include"),
            json!({"included": true, "reference": "浙数改办〔2026〕12号", "date": "2026-04-01"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, it) = app
        .post(
            &szb,
            &pact("create_item"),
            json!({"title": "助餐补贴刷脸结算应用", "description": "老年食堂刷脸就餐，助餐补贴按餐自动结算",
                   "criterion": "大场景：康养；小切口：助餐"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{it}");
    (pid, it["id"].as_i64().unwrap())
}

async fn other_kinds(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let mzj = app.token("mzj").await;
    let jyj = app.token("jyj").await;
    let wjw = app.token("wjw").await;
    let sjj = app.token("sjj").await;
    let szb = app.token("szb").await;

    // 区民政局 registers an application (visible to every signed-in unit).
    let (s, a) = app
        .post(
            &mzj,
            "/api/v1/applications",
            json!({"name": "居家养老服务一件事应用",
                   "description": "居家养老服务补贴在线申领，家庭医生签约、助浴、紧急呼叫一键办理。"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let aid = a["id"].as_i64().unwrap();
    let (pid, item) = ledger_with_item(&app).await;

    // 区卫生健康局 drafts a paraphrase of the application: the application is found first, as
    // 应用, linking to its page, and flagged as a likely duplicate.
    let para = draft_with(
        &app,
        &wjw,
        "上城区居家养老一件事服务平台",
        "家庭医生签约、助浴和紧急呼叫一键办理，居家养老服务补贴网上申领。",
    )
    .await;
    let (s, v) = app
        .get(&wjw, &format!("/api/v1/projects/{para}/similar"))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let top = &v["items"][0];
    assert_eq!(
        (top["kind"].as_str(), top["id"].as_i64()),
        (Some("application"), Some(aid)),
        "{v:#}"
    );
    assert_eq!(top["kind_label"], "应用", "{top}");
    assert_eq!(top["href"], format!("/applications/{aid}"), "{top}");
    assert_eq!(top["unit_name"], "区民政局", "{top}");
    assert_eq!(top["likely_duplicate"], true, "{top}");
    let (cookie, _) = app.page_session("wjw").await;
    let html = app
        .client
        .get(format!("{}/projects/{para}", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(&format!("href=\"/applications/{aid}\"")) && html.contains(">应用<"),
        "the project page shows the application as 应用 with its link"
    );

    // The 一本账 entry and the draft library item are for the ledger's readers only; a unit
    // drafting 助餐 finds neither until the item is published.
    let meal = "/api/v1/similar?name=老年食堂刷脸就餐助餐补贴结算&summary=老年助餐刷脸就餐，助餐补贴自动结算";
    let (s, v) = app.get(&szb, meal).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let found = kinds(&v);
    assert!(
        found.iter().any(|(k, _)| k == "ledger") && found.iter().any(|(k, _)| k == "library"),
        "the provincial authority sees both: {found:?}"
    );
    let ledger = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "ledger")
        .unwrap();
    assert_eq!(ledger["href"], format!("/ledger/{pid}"), "{ledger}");
    assert_eq!(ledger["kind_label"], "一本账", "{ledger}");
    let (_, v) = app.get(&jyj, meal).await;
    let found = kinds(&v);
    assert!(
        !found.iter().any(|(k, _)| k == "ledger" || k == "library"),
        "a unit sees no ledger entry and no unpublished item: {found:?}"
    );
    let (s, v) = app
        .post(
            &szb,
            &format!("/api/v1/library/{item}/actions/publish"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, v) = app.get(&jyj, meal).await;
    let found = kinds(&v);
    assert_eq!(
        found.first(),
        Some(&("library".to_string(), "助餐补贴刷脸结算应用".to_string())),
        "a published library item is public: {v:#}"
    );
    assert_eq!(v["items"][0]["kind_label"], "项目库");
    assert_eq!(v["items"][0]["href"], format!("/library/{item}"));
    assert!(!found.iter().any(|(k, _)| k == "ledger"), "{found:?}");

    // The reviewer must judge the likely duplicate application before accepting.
    for kind in ["declaration_form", "feasibility_report"] {
        let (s, v) = app.upload(&wjw, para, kind, "材料.pdf", pdf()).await;
        assert!(s.is_success(), "{v}");
    }
    let (s, v) = app.act(&wjw, para, "declare", json!({})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let all: Vec<String> = app
        .st
        .profile()
        .compliance_checklist
        .iter()
        .map(|i| i.code.clone())
        .collect();
    let (s, v) = app
        .act(
            &sjj,
            para,
            "compliance_review",
            json!({ "check": all, "opinion": "材料齐全" }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["fields"][0]["field"], "duplicate", "{v}");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("[应用] 居家养老服务一件事应用"),
        "{v}"
    );
    assert_eq!(
        app.stage(&sjj, para).await,
        "compliance_review",
        "nothing changed"
    );

    // Editing the application re-indexes it: found by its new words, no longer by its old.
    let act = format!("/api/v1/applications/{aid}/actions/edit");
    let (s, v) = app
        .post(
            &jyj,
            &act,
            json!({"name": "垃圾分类积分兑换应用", "description": "x"}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "another unit may not edit it: {v}"
    );
    let (s, v) = app
        .post(&mzj, &act, json!({"name": "", "description": "x"}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["fields"][0]["field"], "name", "{v}");
    let (s, v) = app
        .post(&mzj, &act, json!({"name": "垃圾分类积分兑换应用", "description": "居民垃圾分类投放积分，积分兑换生活用品。", "version": 99}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let (_, v) = app.get(&mzj, &format!("/api/v1/applications/{aid}")).await;
    assert_eq!(v["name"], "居家养老服务一件事应用", "nothing changed: {v}");
    let (s, v) = app
        .post(&mzj, &act, json!({"name": "垃圾分类积分兑换应用", "description": "居民垃圾分类投放积分，积分兑换生活用品。"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["name"], "垃圾分类积分兑换应用");
    assert!(
        v["history"].to_string().contains("edit_application"),
        "the edit is in the history: {v}"
    );
    let (_, v) = app
        .get(&wjw, &format!("/api/v1/projects/{para}/similar"))
        .await;
    assert!(
        !kinds(&v).iter().any(|(k, _)| k == "application"),
        "old words no longer point to it: {v:#}"
    );
    let (_, v) = app
        .get(
            &wjw,
            "/api/v1/similar?name=垃圾分类积分兑换&summary=垃圾分类投放积分兑换",
        )
        .await;
    assert_eq!(
        kinds(&v).first(),
        Some(&(
            "application".to_string(),
            "垃圾分类积分兑换应用".to_string()
        )),
        "{v:#}"
    );

    // Records written before the index covered them are indexed at start, idempotently.
    let before = app.get(&szb, meal).await.1;
    app.st
        .db
        .execute_raw("DELETE FROM search_terms WHERE kind <> 'project'")
        .await
        .unwrap();
    app.st
        .db
        .execute_raw("DELETE FROM search_docs WHERE kind <> 'project'")
        .await
        .unwrap();
    app.st
        .db
        .execute_raw("DELETE FROM search_df WHERE kind <> 'project'")
        .await
        .unwrap();
    app.st.db.migrate().await.unwrap();
    for kind in tongchou_store::search::OTHER_KINDS {
        assert_eq!(app.st.db.index_missing(kind).await.unwrap(), 0, "{kind}");
    }
    let after = app.get(&szb, meal).await.1;
    assert_eq!(
        before["items"], after["items"],
        "the rebuilt index answers the same"
    );
}

#[tokio::test]
async fn applications_ledger_and_library_items_are_compared_sqlite() {
    other_kinds(Backend::Sqlite).await;
}

#[tokio::test]
async fn applications_ledger_and_library_items_are_compared_postgres() {
    other_kinds(Backend::Postgres).await;
}

async fn listed(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    tongchou_testkit::seed_demand_demo(&app.st, &app.world, today(), None)
        .await
        .expect("demand demo");
    tongchou_testkit::seed_market_demo(&app.st, &app.world, today())
        .await
        .expect("market demo");
    let wjw = app.token("wjw").await;
    let (s, m) = app.get(&wjw, "/api/v1/public/market").await;
    assert_eq!(s, StatusCode::OK, "{m}");
    let l = &m["items"][0];
    let (lid, name, desc) = (
        l["id"].as_i64().unwrap(),
        l["name"].as_str().unwrap().to_string(),
        l["description"].as_str().unwrap_or("").to_string(),
    );
    // A unit drafting the same thing in its own words finds the listed application (public).
    let (s, v) = app
        .get(
            &wjw,
            &format!("/api/v1/similar?name={name}试点&summary={desc}"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let hit = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "listing")
        .unwrap_or_else(|| panic!("the listed application is found: {v:#}"));
    assert_eq!(hit["id"], lid, "{hit}");
    assert_eq!(hit["kind_label"], "应用", "{hit}");
    assert_eq!(hit["href"], format!("/market/{lid}"), "{hit}");
    assert_eq!(hit["likely_duplicate"], true, "{hit}");
}

#[tokio::test]
async fn declaration_finds_a_listed_market_application_sqlite() {
    listed(Backend::Sqlite).await;
}

#[tokio::test]
async fn declaration_finds_a_listed_market_application_postgres() {
    listed(Backend::Postgres).await;
}

fn enc(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

// ZJ-share 四 / SPEC S9, A7: the comparison covers the projects "of the last five years" —
// this calendar year and the four before it; an older one is not shown.
async fn five_years(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let jyj = app.token("jyj").await;
    let this_year = i64::from(today().year());
    let recent = draft_with(
        &app,
        &jyj,
        "上城区古树名木保护监测应用（四年前）",
        "古树名木 一树一档 健康监测 巡查养护",
    )
    .await;
    let old = draft_with(
        &app,
        &jyj,
        "上城区古树名木保护监测应用（五年前）",
        "古树名木 一树一档 健康监测 巡查养护",
    )
    .await;
    for (id, year) in [(recent, this_year - 4), (old, this_year - 5)] {
        app.st
            .db
            .execute_raw(&format!(
                "UPDATE projects SET year = {year} WHERE id = {id}"
            ))
            .await
            .unwrap();
    }
    let (s, v) = app
        .get(
            &jyj,
            &format!("/api/v1/similar?name={}", enc("古树名木保护监测应用")),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let found = names(&v);
    assert!(
        found.iter().any(|n| n.contains("四年前")),
        "a project of four years ago is compared: {v:#}"
    );
    assert!(
        !found.iter().any(|n| n.contains("五年前")),
        "a project of five years ago is outside the last five years: {v:#}"
    );
}

#[tokio::test]
async fn duplicate_check_covers_the_last_five_years_only_sqlite() {
    five_years(Backend::Sqlite).await;
}

#[tokio::test]
async fn duplicate_check_covers_the_last_five_years_only_postgres() {
    five_years(Backend::Postgres).await;
}
