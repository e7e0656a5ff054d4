//! End-to-end in headless Chromium: a unit clerk logs in and takes a project from draft to
//! declared through the pages (no API, no JavaScript of ours).
use crate::support::{scratch_dir, Backend, TestApp};
use crate::webdriver::Driver;

/// Poll until the element's text contains `want` (a click that submits a form navigates
/// asynchronously, so an element found just before the new page loads can go stale).
async fn wait_text(driver: &Driver, css: &str, want: &str) -> String {
    let mut last = String::new();
    for _ in 0..50 {
        if let Ok(t) = driver.text(css).await {
            if t.contains(want) {
                return t;
            }
            last = t;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    last
}

#[tokio::test]
async fn browser_unit_clerk_drafts_uploads_and_declares() {
    let Some(driver) = Driver::start().await else {
        eprintln!("skipped: chromium / chromedriver not installed (scripts/test.sh installs them)");
        return;
    };
    let app = TestApp::start(Backend::Sqlite).await.expect("sqlite app");
    let b = &app.base;
    driver.goto(&format!("{b}/login")).await.unwrap();
    driver.fill("#username", "jyj").await.unwrap();
    driver
        .fill("#password", tongchou_testkit::DEMO_PASSWORD)
        .await
        .unwrap();
    driver
        .click(".login-box button[type=submit]")
        .await
        .unwrap();
    assert!(wait_text(&driver, "h1", "我的待办")
        .await
        .contains("我的待办"));

    driver.goto(&format!("{b}/projects/new")).await.unwrap();
    driver
        .fill("#name", "上城区社区矫正智慧监管平台")
        .await
        .unwrap();
    driver.fill("#year", "2027").await.unwrap();
    driver.select("#build_kind", "new").await.unwrap();
    driver.select("#category", "application").await.unwrap();
    driver.fill("#it_amount", "1200000").await.unwrap();
    driver.fill("#security_amount", "80000").await.unwrap();
    driver.select("#funding", "district_fiscal").await.unwrap();
    driver
        .fill(
            "#summary",
            "建设社区矫正对象电子监管、风险评估和帮扶教育一体化应用。",
        )
        .await
        .unwrap();
    driver.fill("#responsible_person", "林晓").await.unwrap();
    driver
        .click("main .form-actions button[type=submit]")
        .await
        .unwrap();
    assert_eq!(wait_text(&driver, "#stage", "草稿").await, "草稿");

    let dir = scratch_dir();
    for kind in ["declaration_form", "feasibility_report"] {
        let path = dir.join(format!("{kind}.pdf"));
        std::fs::write(&path, tongchou_testkit::tiny_pdf(kind)).unwrap();
        driver.click("#act-attach summary").await.unwrap();
        driver.select("#at-kind", kind).await.unwrap();
        driver
            .type_into("#at-file", path.to_str().unwrap())
            .await
            .unwrap();
        driver
            .click("#act-attach button[type=submit]")
            .await
            .unwrap();
        // The upload posts a form and redirects: wait for the new page.
        let mut src = String::new();
        for _ in 0..50 {
            src = driver.page_source().await.unwrap();
            if src.contains(&format!("{kind}.pdf")) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(
            src.contains(&format!("{kind}.pdf")),
            "uploaded {kind}: {}",
            src.split("<main")
                .nth(1)
                .unwrap_or(&src)
                .chars()
                .take(1500)
                .collect::<String>()
        );
    }
    driver.click("#act-declare summary").await.unwrap();
    driver.click("#declare-submit").await.unwrap();
    assert_eq!(
        wait_text(&driver, "#stage", "合规性审查").await,
        "合规性审查"
    );
    let png = driver.screenshot_png().await.unwrap();
    assert!(png.starts_with(&[0x89, b'P', b'N', b'G']));
    let _ = std::fs::write(std::env::temp_dir().join("tongchou-declared.png"), png);
    driver.quit().await.unwrap();
}
