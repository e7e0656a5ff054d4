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
