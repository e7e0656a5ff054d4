//! Issue 6 "every table exports to Excel": walk the pages holding tables as the people who read
//! them, follow each page's export link and check the workbook (status 200, xlsx content type,
//! a real workbook, and for the generic export the header row of every sheet equal to the
//! header row of the page's table).
use crate::support::{Backend, TestApp};
use reqwest::StatusCode;
use tongchou_domain::{ProjectId, Stage};
use tongchou_store::today;
use tongchou_web::tables::{header_rows, tables};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn every_table_exports(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    // Data for the tables: a project walked into construction (obligations, history, money).
    let jyj = app.token("jyj").await;
    let id = app.draft(&jyj, "表格导出核对项目（学校安全）").await;
    let walker = tongchou_testkit::Walker::new(&app.st, &app.world, today());
    walker
        .walk(ProjectId(id), "jyj", Stage::InConstruction)
        .await
        .unwrap();
    let project = format!("/projects/{id}");
    let pages: &[(&str, &[&str])] = &[
        (
            "jyj",
            &[
                "/",
                "/projects",
                &project,
                "/inbox",
                "/calendar",
                "/demand",
                "/applications",
                "/market",
                "/competitions",
                "/library",
                "/catalogues",
            ],
        ),
        (
            "sjj",
            &[
                "/",
                "/projects",
                &project,
                "/statistics",
                "/rounds",
                "/ledger",
                "/demand/stats",
                "/cloud",
            ],
        ),
        (
            "admin",
            &[
                "/settings",
                "/settings/calendar",
                "/settings/outbox",
                "/settings/profile",
                "/settings/sharing",
                "/settings/cloud",
                "/settings/population",
            ],
        ),
    ];
    let mut checked = 0;
    for (who, paths) in pages {
        let token = app.token(who).await;
        for path in paths.iter() {
            let r = app
                .client
                .get(format!("{}{path}", app.base))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            if r.status() != StatusCode::OK {
                continue;
            }
            let html = r.text().await.unwrap();
            if std::env::var("DUMP_PAGES").is_ok() {
                let _ = std::fs::write(
                    format!("/tmp/d-page-{who}-{}.html", path.replace('/', "_")),
                    &html,
                );
            }
            let page_tables = tables(&html);
            if page_tables.is_empty() {
                continue;
            }
            // The page links an export (its own, or the generic one of its tables).
            let Some(href) = html
                .split("href=\"")
                .skip(1)
                .map(|s| s.split('"').next().unwrap_or("").replace("&amp;", "&"))
                .find(|h| h.contains(".xlsx") && !h.contains("template"))
            else {
                panic!("{who} {path}: a page with a table and no Excel export");
            };
            let r = app
                .client
                .get(format!("{}{href}", app.base))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK, "{who} {path} → {href}");
            assert_eq!(
                r.headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok()),
                Some(XLSX),
                "{who} {href}"
            );
            let bytes = r.bytes().await.unwrap();
            assert!(bytes.starts_with(b"PK"), "{who} {href}: a workbook");
            let sheets = header_rows(&bytes);
            assert!(!sheets.is_empty(), "{who} {href}: sheets");
            if html.contains("导出 Excel（本页各表）") {
                // The generic export: one sheet per table, header rows as shown.
                assert_eq!(sheets.len(), page_tables.len(), "{who} {href}");
                for (t, (name, head)) in page_tables.iter().zip(&sheets) {
                    assert_eq!(Some(head), t.rows.first(), "{who} {href} sheet {name}");
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 10, "pages with tables checked: {checked}");
    // Without a login the export is not given (the page's own permission check).
    let r = app
        .client
        .get(format!("{}/projects.xlsx", app.base))
        .send()
        .await
        .unwrap();
    assert_ne!(r.status(), StatusCode::OK);
    let r = app
        .client
        .get(format!("{}/inbox.xlsx", app.base))
        .send()
        .await
        .unwrap();
    assert!(
        r.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            != Some(XLSX),
        "no workbook without login"
    );
}

#[tokio::test]
async fn every_table_exports_to_excel_sqlite() {
    every_table_exports(Backend::Sqlite).await;
}

#[tokio::test]
async fn every_table_exports_to_excel_postgres() {
    every_table_exports(Backend::Postgres).await;
}
