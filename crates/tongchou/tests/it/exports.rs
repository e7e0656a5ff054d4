//! Issue 4, second half, over HTTP on SQLite and PostgreSQL: the ledger and contract Excel
//! exports, the declaration import (round trip and bad files), the OCDS release package checked
//! against the OCDS 1.1.5 schema, the cost-sharing calculator and stored plan, cloud purchasing.
use crate::support::{project_body, Backend, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::HashSet;
use tongchou_domain::{ProjectId, Stage};
use tongchou_store::today;

const XLSX_MIME: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn get_bytes(app: &TestApp, token: &str, path: &str) -> (StatusCode, String, Vec<u8>) {
    let r = app
        .client
        .get(format!("{}{path}", app.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let s = r.status();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (s, ct, r.bytes().await.unwrap().to_vec())
}

async fn import(
    app: &TestApp,
    token: &str,
    filename: &str,
    bytes: Vec<u8>,
    dry_run: bool,
) -> (StatusCode, Value) {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name(filename.to_string()),
    );
    let r = app
        .client
        .post(format!(
            "{}/api/v1/projects/import{}",
            app.base,
            if dry_run { "?dry_run=true" } else { "" }
        ))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn total(app: &TestApp, token: &str) -> i64 {
    let (s, v) = app.get(token, "/api/v1/projects").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["total"].as_i64().unwrap()
}

fn draft_body(name: &str, it: &str) -> Value {
    let mut b = project_body(name);
    b["it_amount"] = json!(it);
    b["participants"] = json!(["区数据资源局", "区民政局"]);
    b
}

/// A workbook with the template's headers (optionally changed) and the given rows.
fn workbook(headers: &[&str], rows: &[Vec<Value>]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in headers.iter().enumerate() {
        ws.write(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            let (r, c) = (r as u32 + 1, c as u16);
            match v {
                Value::Number(n) => ws.write(r, c, n.as_f64().unwrap()).map(|_| ()),
                Value::String(s) => ws.write(r, c, s.as_str()).map(|_| ()),
                _ => Ok(()),
            }
            .unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

fn template_headers() -> Vec<&'static str> {
    tongchou_domain::ledger::IMPORT_COLUMNS
        .iter()
        .map(|c| c.header)
        .collect()
}

fn good_row(name: &str) -> Vec<Value> {
    vec![
        json!(name),
        json!(2027),
        json!("新建"),
        json!("业务应用类"),
        json!(1_000_000.5),
        json!(0),
        json!(60_000),
        json!("区级财政资金"),
        json!("林晓"),
        json!("区民政局"),
        json!("建设全区统一的数字化应用，实现数据共享和业务协同。"),
    ]
}

/// Ledger export (Excel, the list's filters and scope) → import back as drafts: the same columns,
/// the same values to the fen, one transaction, a history entry each (SPEC issue 4 exports).
async fn round_trip(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let jyj = app.token("jyj").await;
    let wjw = app.token("wjw").await;
    let a = app.draft(&jyj, "台账往返测试项目甲").await;
    let (s, v) = app
        .post(
            &jyj,
            "/api/v1/projects",
            draft_body("台账往返测试项目乙", "2,345,678.91"),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let b = v["id"].as_i64().unwrap();
    app.draft(&wjw, "其他单位的草稿").await;

    let (s, ct, xlsx) = get_bytes(&app, &jyj, "/projects.xlsx").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(ct, XLSX_MIME);
    assert!(xlsx.starts_with(b"PK"));
    // The list's filter applies: a keyword keeps one project.
    let (_, _, one) = get_bytes(&app, &jyj, "/projects.xlsx?q=%E4%B9%99").await;
    let (s, v) = import(&app, &jyj, "台账.xlsx", one, true).await;
    assert_eq!((s, v["count"].as_i64()), (StatusCode::OK, Some(1)), "{v}");
    assert_eq!(v["rows"][0]["name"], "台账往返测试项目乙");

    // Dry run: exactly the unit's own two drafts (another unit's draft is not in its ledger).
    let (s, v) = import(&app, &jyj, "台账.xlsx", xlsx.clone(), true).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["count"], 2, "{v}");
    assert_eq!(total(&app, &jyj).await, 2, "a dry run imports nothing");

    let (s, v) = import(&app, &jyj, "台账.xlsx", xlsx, false).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["count"], 2);
    assert_eq!(total(&app, &jyj).await, 4);
    let new_ids: Vec<i64> = v["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_i64().unwrap())
        .collect();
    for id in &new_ids {
        let imported = app.st.db.project(ProjectId(*id)).await.unwrap();
        let src = if imported.input.name.ends_with('甲') {
            a
        } else {
            b
        };
        let src = app.st.db.project(ProjectId(src)).await.unwrap();
        assert_eq!(
            imported.input, src.input,
            "every imported column equals the exported one"
        );
        assert_eq!(imported.stage, Stage::Draft);
        assert_eq!(imported.unit_id, src.unit_id);
        let h = app.st.db.history(ProjectId(*id)).await.unwrap();
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].action, "create");
    }
    // The contract ledger: a contracted project with its supplier and amount, in scope only.
    let walker = tongchou_testkit::Walker::new(&app.st, &app.world, today());
    walker
        .walk(ProjectId(a), "jyj", Stage::InConstruction)
        .await
        .unwrap();
    let (s, ct, c) = get_bytes(&app, &jyj, "/contracts.xlsx").await;
    assert_eq!((s, ct.as_str()), (StatusCode::OK, XLSX_MIME));
    assert!(c.starts_with(b"PK"));
    let rows = app
        .st
        .db
        .list_contracts(
            &tongchou_domain::permission::list_scope(app.world.actor("jyj")),
            &Default::default(),
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].project_id, a);
    // The list's filters apply to the contract ledger too.
    let none = app
        .st
        .db
        .list_contracts(
            &tongchou_domain::permission::list_scope(app.world.actor("jyj")),
            &tongchou_store::project::ListFilter {
                year: Some(2099),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(none.is_empty());
}

#[tokio::test]
async fn ledger_exports_to_excel_and_imports_back_sqlite() {
    round_trip(Backend::Sqlite).await;
}

#[tokio::test]
async fn ledger_exports_to_excel_and_imports_back_postgres() {
    round_trip(Backend::Postgres).await;
}

/// Bad files import nothing and say why in Chinese: text in a money cell (row and column named),
/// wrong columns, not an .xlsx, too large; the page shows the same errors and a good file goes
/// through preview → confirm.
async fn bad_files(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let jyj = app.token("jyj").await;
    let h = template_headers();

    let mut bad = good_row("导入错误测试二");
    bad[4] = json!("一百万元");
    let file = workbook(&h, &[good_row("导入错误测试一"), bad]);
    let (s, v) = import(&app, &jyj, "申报.xlsx", file, false).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["code"], "invalid_rows");
    let msgs: Vec<&str> = v["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        msgs,
        vec!["第 3 行「信息化部分投资（元）」：金额格式不正确：请填写数字，例如 1200000 或 1200000.50"]
    );
    assert!(v["message"].as_str().unwrap().contains("未导入任何项目"));

    let mut wrong = h.clone();
    wrong[4] = "总投资（万元）";
    let (s, v) = import(
        &app,
        &jyj,
        "申报.xlsx",
        workbook(&wrong, &[good_row("导入错误测试三")]),
        false,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("「总投资（万元）」不是导入模板的列"),
        "{v}"
    );

    let (s, v) = import(&app, &jyj, "申报.csv", b"a,b\n1,2\n".to_vec(), false).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["message"].as_str().unwrap().contains(".xlsx"), "{v}");
    let (s, v) = import(
        &app,
        &jyj,
        "伪装.xlsx",
        tongchou_testkit::tiny_pdf("x"),
        false,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = import(
        &app,
        &jyj,
        "坏的.xlsx",
        b"PK\x03\x04not really a zip".to_vec(),
        false,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["message"].as_str().unwrap().contains("无法读取"), "{v}");

    // Over the upload limit (1 MB in tests): refused before anything is parsed.
    let mut big = b"PK\x03\x04".to_vec();
    big.resize(app.st.max_upload as usize + 1, b'x');
    let (s, v) = import(&app, &jyj, "大文件.xlsx", big, false).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{v}");
    assert!(v["message"].as_str().unwrap().contains("MB"), "{v}");
    // Far over it (80 MB): the body limit stops the upload.
    let huge = vec![b'x'; 80 * 1024 * 1024];
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(huge).file_name("巨大.xlsx"),
    );
    let r = app
        .client
        .post(format!("{}/api/v1/projects/import", app.base))
        .bearer_auth(&jyj)
        .multipart(form)
        .send()
        .await;
    if let Ok(r) = r {
        // The server may also close the connection while the client still sends.
        assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    }
    assert_eq!(total(&app, &jyj).await, 0, "no bad file imported anything");

    // Only a unit clerk imports declarations.
    let sjj = app.token("sjj").await;
    let (s, _) = import(
        &app,
        &sjj,
        "申报.xlsx",
        workbook(&h, &[good_row("部门导入")]),
        false,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // Pages: the template downloads; a bad file shows row and column; a good one previews, then
    // imports on confirm (CSRF on both forms).
    let (s, ct, t) = get_bytes(&app, &jyj, "/projects/import/template.xlsx").await;
    assert_eq!((s, ct.as_str()), (StatusCode::OK, XLSX_MIME));
    let (s, v) = import(&app, &jyj, "模板.xlsx", t, true).await;
    assert_eq!(
        (s, v["count"].as_i64()),
        (StatusCode::OK, Some(1)),
        "the template's example row is valid: {v}"
    );
    let (cookie, csrf) = app.page_session("jyj").await;
    let page_upload = |bytes: Vec<u8>, csrf: String| {
        let form = reqwest::multipart::Form::new().text("_csrf", csrf).part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name("申报.xlsx"),
        );
        app.client
            .post(format!("{}/projects/import", app.base))
            .header("cookie", &cookie)
            .multipart(form)
            .send()
    };
    let mut bad = good_row("页面导入二");
    bad[1] = json!("明年");
    let r = page_upload(workbook(&h, &[good_row("页面导入一"), bad]), csrf.clone())
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("第 3 行「项目年度」"), "{html}");
    assert!(html.contains("未导入任何项目"));
    let r = page_upload(workbook(&h, &[good_row("页面导入一")]), "wrong".into())
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "CSRF checked on the upload"
    );
    let r = page_upload(
        workbook(&h, &[good_row("页面导入一"), good_row("页面导入二")]),
        csrf.clone(),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("全部检查通过") && html.contains("1,000,000.50"),
        "{html}"
    );
    assert_eq!(total(&app, &jyj).await, 0, "a preview imports nothing");
    let token = html
        .split("name=\"token\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let r = app
        .client
        .post(format!("{}/projects/import/confirm", app.base))
        .header("cookie", &cookie)
        .form(&[("_csrf", csrf.as_str()), ("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("已导入 2 个项目草稿"));
    assert_eq!(total(&app, &jyj).await, 2);
}

#[tokio::test]
async fn bad_import_files_give_clear_errors_and_import_nothing_sqlite() {
    bad_files(Backend::Sqlite).await;
}

#[tokio::test]
async fn bad_import_files_give_clear_errors_and_import_nothing_postgres() {
    bad_files(Backend::Postgres).await;
}

// ---------------------------------------------------------------------------------------------
// OCDS: a small checker of the OCDS 1.1.5 schema (no network)
// ---------------------------------------------------------------------------------------------

fn standard(file: &str) -> String {
    let path = format!(
        "{}/../../../shared/standards/ocds-1.1.5/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn codelist(file: &str) -> HashSet<String> {
    standard(file)
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .map(str::to_string)
        .collect()
}

struct Checker {
    release: Value,
    tags: HashSet<String>,
    methods: HashSet<String>,
    initiation: HashSet<String>,
    errors: Vec<String>,
}

impl Checker {
    fn new() -> Checker {
        Checker {
            release: serde_json::from_str(&standard("dereferenced-release-schema.json")).unwrap(),
            tags: codelist("codelist-releaseTag.csv"),
            methods: codelist("codelist-method.csv"),
            initiation: codelist("codelist-initiationType.csv"),
            errors: Vec::new(),
        }
    }

    fn type_ok(t: &str, v: &Value) -> bool {
        match t {
            "null" => v.is_null(),
            "string" => v.is_string(),
            "number" => v.is_number(),
            "integer" => v.is_i64() || v.is_u64(),
            "boolean" => v.is_boolean(),
            "array" => v.is_array(),
            "object" => v.is_object(),
            _ => true,
        }
    }

    /// Walk the value with its schema: types, `required` lists, enums (closed codelists), the
    /// open codelists we claim to follow (releaseTag), date-time formats, deprecated fields and
    /// unknown properties (a misspelt field would otherwise pass silently).
    fn check(&mut self, s: &Value, v: &Value, path: &str) {
        if let Some(r) = s.get("$ref").and_then(Value::as_str) {
            assert!(r.ends_with("release-schema.json"), "unexpected $ref {r}");
            let release = self.release.clone();
            return self.check(&release, v, path);
        }
        // Deprecated in the version we publish (1.1) or before; "deprecatedVersion 1.2" notes
        // in the 1.1.5 files announce a later change and do not apply.
        if let Some(d) = s.get("deprecated") {
            let since = d["deprecatedVersion"].as_str().unwrap_or("0");
            if since <= tongchou_domain::ocds::OCDS_VERSION {
                self.errors
                    .push(format!("{path}: deprecated since {since}"));
            }
        }
        if let Some(t) = s.get("type") {
            let ok = match t {
                Value::String(t) => Self::type_ok(t, v),
                Value::Array(ts) => ts.iter().any(|t| Self::type_ok(t.as_str().unwrap(), v)),
                _ => true,
            };
            if !ok {
                self.errors.push(format!("{path}: {v} is not of type {t}"));
            }
        }
        if let Some(e) = s.get("enum").and_then(Value::as_array) {
            if !e.contains(v) {
                self.errors.push(format!("{path}: {v} not in the codelist"));
            }
        }
        let cl = s.get("codelist").and_then(Value::as_str);
        let check_code = |set: &HashSet<String>, v: &Value, errors: &mut Vec<String>| {
            if let Some(x) = v.as_str() {
                if !set.contains(x) {
                    errors.push(format!("{path}: {x} not in {cl:?}"));
                }
            }
        };
        match cl {
            Some("releaseTag.csv") => {
                for t in v.as_array().into_iter().flatten() {
                    check_code(&self.tags, t, &mut self.errors);
                }
            }
            Some("method.csv") => check_code(&self.methods, v, &mut self.errors),
            Some("initiationType.csv") => check_code(&self.initiation, v, &mut self.errors),
            _ => {}
        }
        if s.get("format").and_then(Value::as_str) == Some("date-time") {
            if let Some(x) = v.as_str() {
                if x.parse::<jiff::Timestamp>().is_err() {
                    self.errors
                        .push(format!("{path}: {x} is not an RFC 3339 date-time"));
                }
            }
        }
        if let Some(n) = s.get("minItems").and_then(Value::as_u64) {
            if v.as_array().is_some_and(|a| (a.len() as u64) < n) {
                self.errors.push(format!("{path}: fewer than {n} items"));
            }
        }
        if s.get("uniqueItems") == Some(&Value::Bool(true)) {
            if let Some(a) = v.as_array() {
                let set: HashSet<String> = a.iter().map(|x| x.to_string()).collect();
                if set.len() != a.len() {
                    self.errors.push(format!("{path}: items not unique"));
                }
            }
        }
        if let Some(o) = v.as_object() {
            for r in s
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let k = r.as_str().unwrap();
                if !o.contains_key(k) {
                    self.errors
                        .push(format!("{path}: required field {k} missing"));
                }
            }
            let props = s.get("properties").and_then(Value::as_object);
            for (k, sub) in o {
                match props.and_then(|p| p.get(k)) {
                    Some(ps) => self.check(ps, sub, &format!("{path}/{k}")),
                    None => self
                        .errors
                        .push(format!("{path}/{k}: not a field of the schema")),
                }
            }
        }
        if let (Some(items), Some(a)) = (s.get("items"), v.as_array()) {
            for (i, x) in a.iter().enumerate() {
                self.check(items, x, &format!("{path}/{i}"));
            }
        }
    }

    fn package(&mut self, v: &Value) -> Vec<String> {
        let schema: Value = serde_json::from_str(&standard("release-package-schema.json")).unwrap();
        self.errors.clear();
        self.check(&schema, v, "");
        std::mem::take(&mut self.errors)
    }
}

/// The checker itself catches what it should: a missing required field, a code outside a closed
/// codelist, an unknown tag, a misspelt field.
#[test]
fn ocds_checker_catches_schema_errors() {
    let mut c = Checker::new();
    let bad = json!({
        "version": "1.1",
        "releases": [{
            "ocid": "ocds-x-1", "id": "1", "date": "2026-01-01T00:00:00+08:00",
            "tag": ["planning", "notATag"], "initiationType": "tender",
            "tender": {"procurementMethod": "negotiated", "valeu": {}},
        }]
    });
    let errs = c.package(&bad);
    let all = errs.join("\n");
    assert!(all.contains("notATag"), "{all}");
    assert!(all.contains("procurementMethod"), "{all}");
    assert!(all.contains("tender: required field id missing"), "{all}");
    assert!(all.contains("valeu: not a field"), "{all}");
}

/// OCDS release package per project: valid against the OCDS 1.1.5 release (package) schema at
/// every stage it reaches, with the Chinese method mapped, the same permission as reading the
/// project (SPEC issue 4: OCDS 1.1 release package).
async fn ocds(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let jyj = app.token("jyj").await;
    let draft = app.draft(&jyj, "开放合同数据测试草稿").await;
    let built = app.draft(&jyj, "开放合同数据测试项目").await;
    let walker = tongchou_testkit::Walker::new(&app.st, &app.world, today());
    walker
        .walk(ProjectId(built), "jyj", Stage::InConstruction)
        .await
        .unwrap();
    let done = app.draft(&jyj, "开放合同数据测试已验收项目").await;
    walker
        .walk(ProjectId(done), "jyj", Stage::InOperation)
        .await
        .unwrap();
    let mut checker = Checker::new();
    for id in [draft, built, done] {
        let (s, v) = app.get(&jyj, &format!("/api/v1/projects/{id}/ocds")).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let errs = checker.package(&v);
        assert!(errs.is_empty(), "project {id}: {errs:#?}\n{v:#}");
    }
    let (_, v) = app
        .get(&jyj, &format!("/api/v1/projects/{built}/ocds"))
        .await;
    let r = &v["releases"][0];
    let p = app.st.db.project(ProjectId(built)).await.unwrap();
    assert_eq!(r["ocid"], format!("ocds-tc0000-{}", p.code));
    assert_eq!(
        r["tag"],
        json!(["planning", "tender", "award", "contract", "implementation"])
    );
    assert_eq!(
        r["planning"]["budget"]["amount"]["amount"],
        json!(p.approved_amount.unwrap().fen() / 100)
    );
    assert_eq!(r["planning"]["budget"]["amount"]["currency"], "CNY");
    let proc = app
        .st
        .db
        .procurement(ProjectId(built))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        r["tender"]["procurementMethodDetails"],
        tongchou_domain::project::procurement_method_label(&proc.method).unwrap()
    );
    assert_eq!(
        r["tender"]["procurementMethod"],
        tongchou_domain::ocds::method_code(&proc.method).unwrap()
    );
    let c = app.st.db.contract(ProjectId(built)).await.unwrap().unwrap();
    assert_eq!(r["awards"][0]["suppliers"][0]["name"], c.supplier.as_str());
    assert_eq!(r["contracts"][0]["awardID"], r["awards"][0]["id"]);
    let reports = app.st.db.progress_reports(ProjectId(built)).await.unwrap();
    assert!(!reports.is_empty());
    assert_eq!(
        r["contracts"][0]["implementation"]["milestones"]
            .as_array()
            .unwrap()
            .len(),
        reports.len()
    );
    // Same permission as the project: another unit's draft is 404, audit reads it.
    let (s, _) = app
        .get(
            &app.token("wjw").await,
            &format!("/api/v1/projects/{draft}/ocds"),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app
        .get(
            &app.token("sjs").await,
            &format!("/api/v1/projects/{draft}/ocds"),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, v) = app
        .get(&jyj, &format!("/api/v1/projects/{done}/ocds"))
        .await;
    assert_eq!(v["releases"][0]["contracts"][0]["status"], "terminated");
    let (_, doc) = app.get(&jyj, "/api/v1/openapi.json").await;
    assert!(doc["paths"]["/api/v1/projects/{id}/ocds"]["get"].is_object());
}

#[tokio::test]
async fn ocds_release_package_validates_against_the_schema_sqlite() {
    ocds(Backend::Sqlite).await;
}

#[tokio::test]
async fn ocds_release_package_validates_against_the_schema_postgres() {
    ocds(Backend::Postgres).await;
}

// ---------------------------------------------------------------------------------------------
// Cost sharing (M6) and cloud purchasing (M7)
// ---------------------------------------------------------------------------------------------

/// Shaoxing art.23 end to end: the administrator keeps the population table (logged); anyone
/// computes; the project's unit stores the table with the project as a history entry.
async fn cost_sharing(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let admin = app.token("admin").await;
    let jyj = app.token("jyj").await;
    let rows =
        json!({"year": 2025, "rows": ["甲区,300000", "乙县,100000"], "note": "2025 年统计公报"});
    let (s, _) = app.post(&jyj, "/api/v1/populations", rows.clone()).await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "only administrators edit the table"
    );
    let (s, v) = app.post(&admin, "/api/v1/populations", rows).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["changed"], 2);
    let (s, v) = app
        .post(
            &admin,
            "/api/v1/populations",
            json!({"year": 2025, "rows": ["乙县,一万"]}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");

    let calc = json!({"kind": "livelihood", "total": "5,000,000.01", "city_share": "1000000", "population_year": 2025});
    let (s, v) = app
        .post(&jyj, "/api/v1/cost-sharing/calculate", calc.clone())
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["plan"]["plan_required"], true);
    let amounts: HashSet<(String, String)> = v["plan"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["party"].as_str().unwrap().to_string(),
                r["amount"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expect: HashSet<(String, String)> = [
        ("市级", "1000000.00"),
        ("甲区", "3000000.01"),
        ("乙县", "1000000.00"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(
        amounts, expect,
        "3:1 by population; the odd fen to the larger remainder"
    );
    assert_eq!(v["sum"], "5000000.01");
    let (s, v) = app
        .post(
            &jyj,
            "/api/v1/cost-sharing/calculate",
            json!({"kind": "livelihood", "total": "100"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["fields"][0]["field"], "city_share");

    let id = app.draft(&jyj, "全市统一基层治理平台").await;
    let (s, v) = app
        .post(
            &app.token("wjw").await,
            &format!("/api/v1/projects/{id}/cost-sharing"),
            calc.clone(),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "another unit cannot see the draft: {v}"
    );
    let (s, v) = app
        .post(&jyj, &format!("/api/v1/projects/{id}/cost-sharing"), calc)
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (_, list) = app
        .get(&jyj, &format!("/api/v1/projects/{id}/cost-sharing"))
        .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["plan"]["total"], "5000000.01");
    let (_, h) = app
        .get(&jyj, &format!("/api/v1/projects/{id}/history"))
        .await;
    let last = h["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "cost_sharing");
    assert!(
        last["summary"]
            .as_str()
            .unwrap()
            .contains("甲区 3,000,000.01 元"),
        "{last}"
    );
    assert!(
        app.st.db.verify_history().await.unwrap().is_ok(),
        "history chain intact"
    );

    // Pages: calculator (CSRF), admin table with its change log.
    let (cookie, csrf) = app.page_session("jyj").await;
    let post = |csrf: &str| {
        app.client
            .post(format!("{}/cost-sharing", app.base))
            .header("cookie", &cookie)
            .form(&[
                ("_csrf", csrf),
                ("op", "compute"),
                ("kind", "regulatory"),
                ("total", "6000000"),
                ("population_year", "2025"),
            ])
            .send()
    };
    assert_eq!(post("bad").await.unwrap().status(), StatusCode::FORBIDDEN);
    let html = post(&csrf).await.unwrap().text().await.unwrap();
    assert!(
        html.contains("区县数") || html.contains("不一致"),
        "2 counties, not 6: {html}"
    );
    assert!(
        html.contains("2,400,000.00") && html.contains("1,800,000.00"),
        "{html}"
    );
    let (acookie, _) = app.page_session("admin").await;
    let html = app
        .client
        .get(format!("{}/settings/population", app.base))
        .header("cookie", &acookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("2025 年 甲区：（无） → 300000（2025 年统计公报）"),
        "{html}"
    );
}

#[tokio::test]
async fn cost_sharing_population_table_calculator_and_stored_plan_sqlite() {
    cost_sharing(Backend::Sqlite).await;
}

#[tokio::test]
async fn cost_sharing_population_table_calculator_and_stored_plan_postgres() {
    cost_sharing(Backend::Postgres).await;
}

/// ZJ-share 三(八) and Shaoxing art.24 end to end: approved providers only; a unit's yearly
/// cumulative total below the threshold → own purchase, reaching it → government procurement.
async fn cloud(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let admin = app.token("admin").await;
    let jyj = app.token("jyj").await;
    let (s, _) = app
        .post(
            &jyj,
            "/api/v1/cloud/providers",
            json!({"op": "add", "name": "自选云"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    for body in [
        json!({"op": "add", "name": "政务云甲"}),
        json!({"op": "add", "name": "政务云乙"}),
        json!({"op": "remove", "name": "政务云乙"}),
        json!({"op": "threshold", "threshold": "1000000", "note": "限额标准"}),
    ] {
        let (s, v) = app.post(&admin, "/api/v1/cloud/providers", body).await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let (_, v) = app.get(&jyj, "/api/v1/cloud/providers").await;
    assert_eq!(v["threshold"], "1000000.00");

    let buy = |provider: &str, amount: &str| json!({"provider": provider, "amount": amount, "description": "云主机租赁", "year": 2026});
    let (s, v) = app
        .post(&jyj, "/api/v1/cloud/purchases", buy("政务云乙", "100"))
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "removed from the list: {v}"
    );
    assert!(v["message"].as_str().unwrap().contains("第二十四条"));
    let mut routes = Vec::new();
    for amount in ["600000", "399999.99", "0.01", "5000"] {
        let (s, v) = app
            .post(&jyj, "/api/v1/cloud/purchases", buy("政务云甲", amount))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        routes.push((
            v["route"].as_str().unwrap().to_string(),
            v["cumulative"].as_str().unwrap().to_string(),
        ));
    }
    assert_eq!(
        routes,
        vec![
            ("own".to_string(), "600000.00".to_string()),
            ("own".to_string(), "999999.99".to_string()),
            ("government".to_string(), "1000000.00".to_string()),
            ("government".to_string(), "1005000.00".to_string()),
        ]
    );
    // Another unit's total is its own.
    let wjw = app.token("wjw").await;
    let (s, v) = app
        .post(
            &wjw,
            "/api/v1/cloud/purchases?dry_run=true",
            buy("政务云甲", "5000"),
        )
        .await;
    assert_eq!(
        (s, v["route"].as_str()),
        (StatusCode::OK, Some("own")),
        "{v}"
    );
    let (_, v) = app.get(&wjw, "/api/v1/cloud/purchases?year=2026").await;
    assert_eq!(
        v["items"].as_array().unwrap().len(),
        0,
        "a unit sees its own purchases"
    );
    let (_, v) = app
        .get(&app.token("czj").await, "/api/v1/cloud/purchases?year=2026")
        .await;
    assert_eq!(
        v["items"].as_array().unwrap().len(),
        4,
        "finance sees every unit's"
    );
    let (s, _) = app
        .post(
            &app.token("czj").await,
            "/api/v1/cloud/purchases",
            buy("政务云甲", "1"),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "finance does not buy for a unit");

    // Concurrent purchases of one unit: each recorded cumulative total is the running sum in
    // recording order (a race is refused with 409, never counted twice).
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let (client, base, t) = (app.client.clone(), app.base.clone(), wjw.clone());
        tasks.push(tokio::spawn(async move {
            client
                .post(format!("{base}/api/v1/cloud/purchases"))
                .bearer_auth(t)
                .json(&json!({"provider": "政务云甲", "amount": "300000", "description": "并发", "year": 2026}))
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    let mut created = 0;
    for t in tasks {
        let s = t.await.unwrap();
        assert!(s == StatusCode::CREATED || s == StatusCode::CONFLICT, "{s}");
        created += (s == StatusCode::CREATED) as i64;
    }
    assert!(created >= 1);
    let (_, v) = app.get(&wjw, "/api/v1/cloud/purchases?year=2026").await;
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len() as i64, created);
    for (i, p) in items.iter().enumerate() {
        let expect = 300_000 * (i as i64 + 1);
        assert_eq!(p["cumulative"], format!("{expect}.00"), "{p}");
        let route = if expect < 1_000_000 {
            "单位自行采购"
        } else {
            "依法依规实行政府采购"
        };
        assert_eq!(p["route"], route);
    }

    // The page shows the unit's running total and records with CSRF.
    let (cookie, csrf) = app.page_session("jyj").await;
    let html = app
        .client
        .get(format!("{}/cloud?year=2026", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("1,005,000.00") && html.contains("依法依规实行政府采购"),
        "{html}"
    );
    let r = app
        .client
        .post(format!("{}/cloud", app.base))
        .header("cookie", &cookie)
        .form(&[
            ("_csrf", csrf.as_str()),
            ("op", "check"),
            ("year", "2026"),
            ("provider", "政务云甲"),
            ("amount", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("达到政府采购限额标准"));
}

#[tokio::test]
async fn cloud_purchases_route_by_the_units_yearly_total_sqlite() {
    cloud(Backend::Sqlite).await;
}

#[tokio::test]
async fn cloud_purchases_route_by_the_units_yearly_total_postgres() {
    cloud(Backend::Postgres).await;
}

// ---------------------------------------------------------------------------------------------
// Payments and changes in the open-contracting data and the payment ledger.

/// M5 and I6 reach the exports: each recorded payment is an OCDS transaction of the contract
/// (paid to the supplier, dated the day it was paid), each change that took effect an OCDS
/// amendment; the payment ledger (.xlsx) lists every pre-filed payment with its batch, the paid
/// amount and the running total against the contract (Shangcheng 第六章 项目实施, 项目变更).
async fn payments_in_exports(backend: Backend) {
    let Some(app) = TestApp::start(backend).await else {
        return;
    };
    let jyj = app.token("jyj").await;
    let id = app.draft(&jyj, "资金支付开放数据测试项目").await;
    let walker = tongchou_testkit::Walker::new(&app.st, &app.world, today());
    walker
        .walk(ProjectId(id), "jyj", Stage::InConstruction)
        .await
        .unwrap();
    walker.money(ProjectId(id), "jyj", true).await.unwrap();
    let ctx = app.st.db.context(ProjectId(id)).await.unwrap();
    let contract = ctx.contract.clone().unwrap();
    let paid: Vec<_> = ctx
        .funds
        .payments
        .iter()
        .filter(|p| p.paid_amount.is_some())
        .collect();
    assert_eq!(paid.len(), 1, "the walker pays the first batch");
    assert!(
        ctx.funds.effective_amount.is_some(),
        "the walker files a change"
    );

    let (s, v) = app.get(&jyj, &format!("/api/v1/projects/{id}/ocds")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let errs = Checker::new().package(&v);
    assert!(errs.is_empty(), "{errs:#?}\n{v:#}");
    let c = &v["releases"][0]["contracts"][0];
    let tx = c["implementation"]["transactions"].as_array().unwrap();
    assert_eq!(tx.len(), 1, "{c:#}");
    assert_eq!(
        tx[0]["value"]["amount"].as_f64(),
        Some(paid[0].paid_amount.unwrap().fen() as f64 / 100.0),
        "{tx:#?}"
    );
    assert_eq!(tx[0]["payee"]["name"], contract.supplier.as_str());
    assert_eq!(
        tx[0]["date"].as_str().unwrap().get(..10).unwrap(),
        paid[0].paid_date.unwrap().to_string()
    );
    let am = c["amendments"].as_array().unwrap();
    assert_eq!(am.len(), 1, "{c:#}");
    assert!(am[0]["description"]
        .as_str()
        .unwrap()
        .contains(&ctx.funds.effective_amount.unwrap().grouped()));

    let (s, ct, bytes) = get_bytes(&app, &jyj, "/payments.xlsx").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(ct, XLSX_MIME);
    let rows = tongchou_web::export::read_sheet(&app.st, "资金支付台账.xlsx", &bytes).unwrap();
    assert_eq!(rows[0][0], "项目编号");
    assert_eq!(rows[0][12], "实际支付金额（元）");
    let mine: Vec<&Vec<String>> = rows
        .iter()
        .skip(1)
        .filter(|r| r[0] == ctx.project.code)
        .collect();
    assert_eq!(mine.len(), ctx.funds.payments.len(), "{rows:?}");
    let paid_yuan = paid[0].paid_amount.unwrap();
    let as_fen = |s: &str| (s.parse::<f64>().unwrap() * 100.0).round() as i64;
    assert_eq!(
        as_fen(&mine[0][12]),
        paid_yuan.fen(),
        "paid amount as a number"
    );
    assert_eq!(as_fen(&mine[0][13]), paid_yuan.fen(), "running total");
    assert_eq!(mine[0][3], contract.supplier);
    // Filters of the list apply: another year's filter leaves this project out.
    let (_, _, none) = get_bytes(&app, &jyj, "/payments.xlsx?year=1999").await;
    let rows = tongchou_web::export::read_sheet(&app.st, "x.xlsx", &none).unwrap();
    assert!(rows.iter().skip(1).all(|r| r[0] != ctx.project.code));
    // Only the signed-in: no token, no ledger.
    let r = app
        .client
        .get(format!("{}/payments.xlsx", app.base))
        .send()
        .await
        .unwrap();
    assert_ne!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn payments_and_changes_reach_ocds_and_the_payment_ledger_sqlite() {
    payments_in_exports(Backend::Sqlite).await;
}

#[tokio::test]
async fn payments_and_changes_reach_ocds_and_the_payment_ledger_postgres() {
    payments_in_exports(Backend::Postgres).await;
}
