//! 公开数据 (SPEC P5, P6; ZJ-plan 四(三) 定期晾晒) over HTTP on SQLite and PostgreSQL: readable
//! without login, approvals published the day after their date, CSV and JSON with the documented
//! fields, and nothing internal (no drafts, opinions, people).
use crate::support::{Backend, TestApp};
use reqwest::StatusCode;
use serde_json::Value;
use tongchou_domain::{ProjectId, Stage};
use tongchou_store::today;

async fn open_data(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let jyj = app.token("jyj").await;
    let approved = app.draft(&jyj, "公开数据测试已立项项目").await;
    let running = app.draft(&jyj, "公开数据测试运行项目").await;
    let _draft = app.draft(&jyj, "公开数据测试草稿项目").await;
    let walker = tongchou_testkit::Walker::new(&app.st, &app.world, today());
    walker
        .walk(ProjectId(approved), "jyj", Stage::Approved)
        .await
        .unwrap();
    walker
        .walk(ProjectId(running), "jyj", Stage::InOperation)
        .await
        .unwrap();
    let anon = reqwest::Client::new();
    let get = |path: String| {
        let anon = anon.clone();
        let base = app.base.clone();
        async move { anon.get(format!("{base}{path}")).send().await.unwrap() }
    };
    let r = get("/public/open-data".into()).await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("approval_no") && html.contains("立项文号"),
        "the schema is on the page"
    );

    let v: Value = get("/public/open-data/approvals.json".into())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["dataset"], "approvals");
    assert_eq!(v["published"], today().to_string());
    let names: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    let p = app.st.db.project(ProjectId(approved)).await.unwrap();
    let dated = p.approval_date.unwrap();
    assert!(
        dated < today(),
        "the walker dates the approval in the past: {dated}"
    );
    assert_eq!(
        names.contains(&"公开数据测试已立项项目"),
        dated < today(),
        "an approval is published the day after its date ({dated}): {names:?}"
    );
    assert!(
        !names.iter().any(|n| n.contains("草稿")),
        "drafts are never published"
    );
    let fields: Vec<&str> = v["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    for item in v["items"].as_array().unwrap() {
        let keys: Vec<&String> = item.as_object().unwrap().keys().collect();
        assert_eq!(
            keys.len(),
            fields.len(),
            "exactly the documented fields: {item}"
        );
    }
    let body = v.to_string();
    assert!(!body.contains("林晓"), "no responsible person");
    assert!(!body.contains("建设全区统一的数字化应用"), "no summaries");

    let apps: Value = get("/public/open-data/applications.json".into())
        .await
        .json()
        .await
        .unwrap();
    let running_p = app.st.db.project(ProjectId(running)).await.unwrap();
    let listed = apps["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["code"] == running_p.code.as_str());
    assert_eq!(
        listed,
        running_p.stage_since.get(..10).unwrap() < today().to_string().as_str()
    );

    let r = get("/public/open-data/approvals.csv".into()).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let csv = r.text().await.unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        format!("\u{feff}{}", fields.join(","))
    );
    assert_eq!(lines.count(), names.len(), "one line a published approval");
    assert_eq!(
        get("/public/open-data/users.json".into()).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get("/public/open-data/approvals.xml".into()).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn open_data_is_public_daily_and_documented_sqlite() {
    open_data(Backend::Sqlite).await;
}

#[tokio::test]
async fn open_data_is_public_daily_and_documented_postgres() {
    open_data(Backend::Postgres).await;
}
