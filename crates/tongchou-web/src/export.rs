//! Excel exports of the project ledger (台账) and of contracts, with the filters and the
//! permission scope of the project list; the declaration import template; the import itself
//! (upload → every row checked → preview → confirm, all or nothing).
use crate::api::{read_upload, ListQuery};
use crate::auth::{CurrentUser, MaybeUser};
use crate::error::AppError;
use crate::pages::{error_page, layout_for, render_status, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::{Form, Multipart, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use tongchou_domain::ledger::{number_text, parse_sheet_rows, SheetError, IMPORT_COLUMNS};
use tongchou_domain::permission::{can_import_declarations, list_scope};
use tongchou_domain::project::{FieldError, ProjectInput};
use tongchou_domain::Yuan;
use tongchou_store::project::ListFilter;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/// Rows an export holds at most (the list's own paging stops there too).
const MAX_EXPORT_ROWS: u32 = 20_000;

fn xl(e: XlsxError) -> AppError {
    AppError::Internal(e.to_string())
}

fn list_query(q: &HashMap<String, String>) -> ListQuery {
    ListQuery {
        stage: q.get("stage").cloned(),
        phase: q.get("phase").cloned(),
        year: q.get("year").cloned(),
        unit: q.get("unit").cloned(),
        q: q.get("q").cloned(),
        page: None,
        per_page: None,
    }
}

fn xlsx_response(bytes: Vec<u8>, filename: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, XLSX.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{}\"; filename*=UTF-8''{}",
                    filename.chars().filter(char::is_ascii).collect::<String>(),
                    crate::pages::url_encode(filename)
                ),
            ),
        ],
        bytes,
    )
        .into_response()
}

fn money(y: Yuan) -> f64 {
    // The cell holds a number (Excel's own double); the fen amount is exact to well beyond a
    // yuan figure's 15 significant digits, and import reads it back to the same fen.
    y.fen() as f64 / 100.0
}

struct Formats {
    head: Format,
    money: Format,
    int: Format,
    pct: Format,
}

fn formats() -> Formats {
    Formats {
        head: Format::new()
            .set_bold()
            .set_background_color(rust_xlsxwriter::Color::RGB(0xE8EEF7))
            .set_border(rust_xlsxwriter::FormatBorder::Thin),
        money: Format::new().set_num_format("#,##0.00"),
        int: Format::new().set_num_format("0"),
        pct: Format::new().set_num_format("0.00%"),
    }
}

fn heads(ws: &mut Worksheet, f: &Formats, cols: &[(&str, f64)]) -> Result<(), AppError> {
    for (c, (h, w)) in cols.iter().enumerate() {
        ws.write_with_format(0, c as u16, *h, &f.head).map_err(xl)?;
        ws.set_column_width(c as u16, *w).map_err(xl)?;
    }
    ws.set_freeze_panes(1, 0).map_err(xl)?;
    Ok(())
}

/// The ledger's columns (the import template's are a subset with the same headers).
const LEDGER_COLS: [(&str, f64); 20] = [
    ("项目编号", 20.0),
    ("项目名称", 36.0),
    ("项目年度", 9.0),
    ("建设单位", 18.0),
    ("阶段", 12.0),
    ("建设性质", 10.0),
    ("项目类型", 16.0),
    ("信息化部分投资（元）", 18.0),
    ("非信息化部分投资（元）", 18.0),
    ("网络数据安全预算（元）", 18.0),
    ("总投资（元）", 18.0),
    ("资金来源", 16.0),
    ("项目责任人", 10.0),
    ("跨部门参与单位", 24.0),
    ("项目概述", 48.0),
    ("立项金额（元）", 18.0),
    ("立项文号", 20.0),
    ("预算金额（元）", 18.0),
    ("更新时间", 18.0),
    // 全国投资项目在线审批监管平台的项目代码, or 涉密 (Quzhou 三(二)2).
    ("项目代码", 26.0),
];

/// `GET /projects.xlsx`: the ledger of what the user may see, with the list page's filters.
pub async fn ledger(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let mut f: ListFilter = list_query(&q).filter(500)?;
    f.per_page = 500;
    f.page = 1;
    let scope = list_scope(&user.actor);
    let fm = formats();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("项目台账").map_err(xl)?;
    heads(ws, &fm, &LEDGER_COLS)?;
    let mut r = 1u32;
    loop {
        let page = st.db.list_full_projects(&scope, &f).await?;
        for p in &page {
            let i = &p.input;
            ws.write(r, 0, &p.code).map_err(xl)?;
            ws.write(r, 1, &i.name).map_err(xl)?;
            ws.write_with_format(r, 2, i.year, &fm.int).map_err(xl)?;
            ws.write(r, 3, &p.unit_name).map_err(xl)?;
            ws.write(r, 4, p.stage.label()).map_err(xl)?;
            ws.write(r, 5, i.build_kind.label()).map_err(xl)?;
            ws.write(r, 6, i.category.label()).map_err(xl)?;
            ws.write_with_format(r, 7, money(i.it_amount), &fm.money)
                .map_err(xl)?;
            ws.write_with_format(r, 8, money(i.non_it_amount), &fm.money)
                .map_err(xl)?;
            ws.write_with_format(r, 9, money(i.security_amount), &fm.money)
                .map_err(xl)?;
            ws.write_with_format(r, 10, money(i.total()), &fm.money)
                .map_err(xl)?;
            ws.write(r, 11, i.funding.label()).map_err(xl)?;
            ws.write(r, 12, &i.responsible_person).map_err(xl)?;
            ws.write(r, 13, i.participants.join("、")).map_err(xl)?;
            ws.write(r, 14, &i.summary).map_err(xl)?;
            if let Some(a) = p.approved_amount {
                ws.write_with_format(r, 15, money(a), &fm.money)
                    .map_err(xl)?;
            }
            if let Some(no) = &p.approval_no {
                ws.write(r, 16, no).map_err(xl)?;
            }
            if let Some(b) = p.budget_amount {
                ws.write_with_format(r, 17, money(b), &fm.money)
                    .map_err(xl)?;
            }
            ws.write(
                r,
                18,
                p.updated_at.get(..16).unwrap_or("").replace('T', " "),
            )
            .map_err(xl)?;
            match (&p.extra.project_code, p.extra.classified) {
                (Some(c), _) => {
                    ws.write(r, 19, c).map_err(xl)?;
                }
                (None, true) => {
                    ws.write(r, 19, "涉密项目").map_err(xl)?;
                }
                _ => {}
            }
            r += 1;
        }
        if page.len() < f.per_page as usize || r > MAX_EXPORT_ROWS {
            break;
        }
        f.page += 1;
    }
    ws.autofilter(
        0,
        0,
        r.saturating_sub(1).max(1),
        LEDGER_COLS.len() as u16 - 1,
    )
    .map_err(xl)?;
    let bytes = wb.save_to_buffer().map_err(xl)?;
    Ok(xlsx_response(
        bytes,
        &format!("项目台账-{}.xlsx", tongchou_store::today()),
    ))
}

/// `GET /contracts.xlsx`: the contracts of the projects the user may see, same filters.
pub async fn contracts(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let f: ListFilter = list_query(&q).filter(500)?;
    let rows = st.db.list_contracts(&list_scope(&user.actor), &f).await?;
    let fm = formats();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("合同台账").map_err(xl)?;
    let cols = [
        ("项目编号", 20.0),
        ("项目名称", 36.0),
        ("建设单位", 18.0),
        ("供应商", 28.0),
        ("合同金额（元）", 18.0),
        ("立项金额（元）", 18.0),
        ("合同占立项金额", 14.0),
        ("签订日期", 12.0),
        ("建设周期（月）", 12.0),
        ("维保期（年）", 10.0),
        ("备案时间", 18.0),
    ];
    heads(ws, &fm, &cols)?;
    for (i, c) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write(r, 0, &c.project_code).map_err(xl)?;
        ws.write(r, 1, &c.project_name).map_err(xl)?;
        ws.write(r, 2, &c.unit_name).map_err(xl)?;
        ws.write(r, 3, &c.supplier).map_err(xl)?;
        ws.write_with_format(r, 4, money(c.amount), &fm.money)
            .map_err(xl)?;
        if let Some(a) = c.approved_amount {
            ws.write_with_format(r, 5, money(a), &fm.money)
                .map_err(xl)?;
            if a.fen() > 0 {
                ws.write_with_format(r, 6, c.amount.fen() as f64 / a.fen() as f64, &fm.pct)
                    .map_err(xl)?;
            }
        }
        ws.write(r, 7, &c.signed_date).map_err(xl)?;
        ws.write_with_format(r, 8, c.period_months as f64, &fm.int)
            .map_err(xl)?;
        ws.write_with_format(r, 9, c.maintenance_years as f64, &fm.int)
            .map_err(xl)?;
        ws.write(
            r,
            10,
            c.recorded_at.get(..16).unwrap_or("").replace('T', " "),
        )
        .map_err(xl)?;
    }
    let bytes = wb.save_to_buffer().map_err(xl)?;
    Ok(xlsx_response(
        bytes,
        &format!("合同台账-{}.xlsx", tongchou_store::today()),
    ))
}

/// `GET /payments.xlsx`: every pre-filed payment (资金支付报备单) of the projects the user may
/// see, same filters: batch and its condition, pre-filed and paid amounts and dates, and the
/// running total paid against the contract (M5, Shangcheng 第六章 项目实施).
pub async fn payments(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let f: ListFilter = list_query(&q).filter(500)?;
    let rows = st.db.list_payments(&list_scope(&user.actor), &f).await?;
    let fm = formats();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("资金支付台账").map_err(xl)?;
    let cols = [
        ("项目编号", 20.0),
        ("项目名称", 36.0),
        ("建设单位", 18.0),
        ("供应商", 28.0),
        ("合同金额（元）", 18.0),
        ("报备单序号", 10.0),
        ("支付分期", 10.0),
        ("支付条件", 28.0),
        ("分期比例", 10.0),
        ("报备金额（元）", 18.0),
        ("计划支付日期", 12.0),
        ("实际支付日期", 12.0),
        ("实际支付金额（元）", 18.0),
        ("累计已付（元）", 18.0),
        ("累计已付占合同", 14.0),
        ("支付凭证", 20.0),
    ];
    heads(ws, &fm, &cols)?;
    let mut running = (0i64, 0i64); // (project, paid fen so far)
    for (i, p) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        if running.0 != p.project_id {
            running = (p.project_id, 0);
        }
        ws.write(r, 0, &p.project_code).map_err(xl)?;
        ws.write(r, 1, &p.project_name).map_err(xl)?;
        ws.write(r, 2, &p.unit_name).map_err(xl)?;
        ws.write(r, 3, p.supplier.as_deref().unwrap_or(""))
            .map_err(xl)?;
        if let Some(c) = p.contract_amount {
            ws.write_with_format(r, 4, money(c), &fm.money)
                .map_err(xl)?;
        }
        ws.write_with_format(r, 5, p.no as f64, &fm.int)
            .map_err(xl)?;
        ws.write_with_format(r, 6, p.batch as f64, &fm.int)
            .map_err(xl)?;
        ws.write(r, 7, p.batch_condition.as_deref().unwrap_or(""))
            .map_err(xl)?;
        if let Some(bp) = p.batch_ratio_bp {
            ws.write_with_format(r, 8, bp as f64 / 10_000.0, &fm.pct)
                .map_err(xl)?;
        }
        ws.write_with_format(r, 9, money(p.amount), &fm.money)
            .map_err(xl)?;
        ws.write(r, 10, &p.planned_date).map_err(xl)?;
        if let (Some(d), Some(a)) = (&p.paid_date, p.paid_amount) {
            running.1 += a.fen();
            ws.write(r, 11, d).map_err(xl)?;
            ws.write_with_format(r, 12, money(a), &fm.money)
                .map_err(xl)?;
        }
        ws.write_with_format(r, 13, running.1 as f64 / 100.0, &fm.money)
            .map_err(xl)?;
        if let Some(c) = p.contract_amount.filter(|c| c.fen() > 0) {
            ws.write_with_format(r, 14, running.1 as f64 / c.fen() as f64, &fm.pct)
                .map_err(xl)?;
        }
        ws.write(r, 15, &p.voucher).map_err(xl)?;
    }
    ws.autofilter(0, 0, (rows.len() as u32).max(1), cols.len() as u16 - 1)
        .map_err(xl)?;
    let bytes = wb.save_to_buffer().map_err(xl)?;
    Ok(xlsx_response(
        bytes,
        &format!("资金支付台账-{}.xlsx", tongchou_store::today()),
    ))
}

/// The import template: the columns with one example row, and a sheet explaining each column.
pub fn template_bytes() -> Result<Vec<u8>, AppError> {
    let fm = formats();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("年度申报导入").map_err(xl)?;
    let cols: Vec<(&str, f64)> = IMPORT_COLUMNS
        .iter()
        .map(|c| (c.header, if c.field == "summary" { 48.0 } else { 20.0 }))
        .collect();
    heads(ws, &fm, &cols)?;
    for (j, c) in IMPORT_COLUMNS.iter().enumerate() {
        let j = j as u16;
        match c.field {
            "year" => {
                ws.write_with_format(1, j, c.example.parse::<f64>().unwrap_or(0.0), &fm.int)
                    .map_err(xl)?;
            }
            "it_amount" | "non_it_amount" | "security_amount" => {
                let y = Yuan::parse(c.example).unwrap_or_default();
                ws.write_with_format(1, j, money(y), &fm.money)
                    .map_err(xl)?;
            }
            _ => {
                ws.write(1, j, c.example).map_err(xl)?;
            }
        }
    }
    let help = wb.add_worksheet().set_name("填写说明").map_err(xl)?;
    heads(
        help,
        &fm,
        &[
            ("列名", 24.0),
            ("是否必填", 10.0),
            ("填写要求与可选值", 80.0),
        ],
    )?;
    for (i, c) in IMPORT_COLUMNS.iter().enumerate() {
        let r = i as u32 + 1;
        help.write(r, 0, c.header).map_err(xl)?;
        help.write(r, 1, if c.required { "必填" } else { "选填" })
            .map_err(xl)?;
        help.write(r, 2, c.help).map_err(xl)?;
    }
    let n = IMPORT_COLUMNS.len() as u32 + 2;
    for (k, line) in [
        "每行一个项目，导入后为本单位的项目草稿，可在项目页继续修改、上传材料后申报。",
        "请勿修改第一个工作表的表头；示例行（第 2 行）请替换为实际项目或删除。",
        "金额单位为元，可带两位小数；任何一行有错误时整个文件都不导入，并逐行逐列列出错误。",
        "从“项目台账”导出的文件也可直接导入（编号、阶段、立项金额等列会被忽略）。",
    ]
    .iter()
    .enumerate()
    {
        help.write(n + k as u32, 0, *line).map_err(xl)?;
    }
    wb.save_to_buffer().map_err(xl)
}

pub async fn template(_user: CurrentUser) -> Result<Response, AppError> {
    Ok(xlsx_response(template_bytes()?, "年度申报导入模板.xlsx"))
}

// ---------- import ----------

/// Why an import did not happen.
pub enum ImportError {
    /// The file itself (type, size, unreadable): nothing was parsed.
    File(AppError),
    /// Rows with errors: nothing is imported.
    Sheet(Vec<SheetError>),
}

impl From<AppError> for ImportError {
    fn from(e: AppError) -> Self {
        ImportError::File(e)
    }
}

impl ImportError {
    pub fn into_app_error(self) -> AppError {
        match self {
            ImportError::File(e) => e,
            ImportError::Sheet(errs) => AppError::Unprocessable {
                code: "invalid_rows",
                message: format!(
                    "文件有 {} 处错误，未导入任何项目：{}",
                    errs.len(),
                    errs.iter()
                        .take(5)
                        .map(|e| e.to_string())
                        .collect::<Vec<_>>()
                        .join("；")
                ),
                fields: errs
                    .iter()
                    .map(|e| FieldError {
                        field: if e.row == 0 {
                            "file".into()
                        } else {
                            format!("第{}行/{}", e.row, e.column)
                        },
                        message: e.to_string(),
                    })
                    .collect(),
            },
        }
    }
}

/// Cell text as a form would carry it.
fn cell_text(d: &calamine::Data) -> String {
    use calamine::Data;
    match d {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => if *b { "是" } else { "否" }.into(),
        Data::DateTime(dt) => number_text(dt.as_f64()),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// Check the file and read its first sheet into rows of cell text.
pub fn read_sheet(
    st: &AppState,
    filename: &str,
    bytes: &[u8],
) -> Result<Vec<Vec<String>>, AppError> {
    use calamine::Reader;
    if bytes.is_empty() {
        return Err(AppError::field("file", "请选择要导入的 .xlsx 文件"));
    }
    if bytes.len() as u64 > st.max_upload {
        return Err(AppError::TooLarge(format!(
            "文件超过 {} MB 上限，未导入任何项目",
            st.max_upload / 1024 / 1024
        )));
    }
    let ext = filename
        .rsplit('.')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    if ext != "xlsx" || !bytes.starts_with(b"PK\x03\x04") {
        return Err(AppError::field(
            "file",
            "只接受 Excel .xlsx 文件（请使用系统提供的导入模板；.xls、.csv 请先另存为 .xlsx）",
        ));
    }
    let unreadable = |e: String| {
        tracing::info!(detail = %e, "unreadable import");
        AppError::field("file", "无法读取该文件：不是有效的 .xlsx 工作簿")
    };
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec()))
            .map_err(|e: calamine::XlsxError| unreadable(e.to_string()))?;
    let range = match wb.worksheet_range_at(0) {
        Some(r) => r.map_err(|e| unreadable(e.to_string()))?,
        None => return Err(AppError::field("file", "工作簿中没有工作表")),
    };
    let mut rows: Vec<Vec<String>> = Vec::new();
    if let Some((r0, c0)) = range.start() {
        // Keep Excel's row numbers: rows before the used range are empty.
        for _ in 0..r0 {
            rows.push(Vec::new());
        }
        for row in range.rows() {
            let mut cells = vec![String::new(); c0 as usize];
            cells.extend(row.iter().map(cell_text));
            rows.push(cells);
        }
    }
    Ok(rows)
}

/// Read and check a workbook: the drafts it would create, or every error.
pub fn parse_import(
    st: &AppState,
    filename: &str,
    bytes: &[u8],
) -> Result<Vec<ProjectInput>, ImportError> {
    Ok(parse_import_rows(st, filename, bytes)?
        .into_iter()
        .map(|(_, i)| i)
        .collect())
}

/// [`parse_import`] with each draft's row number in the sheet.
pub fn parse_import_rows(
    st: &AppState,
    filename: &str,
    bytes: &[u8],
) -> Result<Vec<(usize, ProjectInput)>, ImportError> {
    let rows = read_sheet(st, filename, bytes)?;
    parse_sheet_rows(&rows).map_err(ImportError::Sheet)
}

fn may_import(user: &CurrentUser) -> Result<(), AppError> {
    if can_import_declarations(&user.actor) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "只有项目建设单位可以导入年度申报".into(),
        ))
    }
}

/// Import every row as a draft of the uploader's unit, in one transaction.
pub async fn import_rows(
    st: &AppState,
    user: &CurrentUser,
    inputs: &[ProjectInput],
) -> Result<Vec<tongchou_domain::ProjectId>, AppError> {
    may_import(user)?;
    Ok(st
        .db
        .create_projects(
            &user.actor,
            inputs,
            &st.profile_tag_for(&user.actor.jurisdiction_path),
        )
        .await?)
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    layout: Layout,
    errors: Vec<SheetError>,
    file_error: Option<String>,
    preview: Vec<(usize, ProjectInput)>,
    token: String,
    filename: String,
    imported: Vec<(i64, String)>,
}

fn import_page(layout: Layout) -> ImportPage {
    ImportPage {
        layout,
        errors: vec![],
        file_error: None,
        preview: vec![],
        token: String::new(),
        filename: String::new(),
        imported: vec![],
    }
}

pub async fn import_form(State(st): State<AppState>, MaybeUser(u): MaybeUser) -> Response {
    let Some(user) = u else {
        return Redirect::to("/login").into_response();
    };
    if let Err(e) = may_import(&user) {
        return error_page(&st, Some(&user), e).await;
    }
    let page = import_page(layout_for(&st, Some(&user), "projects").await);
    render_status(StatusCode::OK, &page)
}

/// Where an uploaded workbook waits between preview and confirm (content-addressed).
fn pending_path(st: &AppState, sha: &str) -> std::path::PathBuf {
    st.data_dir.join("imports").join(sha)
}

/// Previewed files never confirmed are removed after a day.
async fn forget_stale_imports(st: &AppState) {
    let Ok(mut dir) = tokio::fs::read_dir(st.data_dir.join("imports")).await else {
        return;
    };
    let day = std::time::Duration::from_secs(24 * 3600);
    while let Ok(Some(e)) = dir.next_entry().await {
        let old = e
            .metadata()
            .await
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > day);
        if old {
            let _ = tokio::fs::remove_file(e.path()).await;
        }
    }
}

/// `POST /projects/import` (multipart): check every row; errors, or the preview to confirm.
pub async fn import_upload(
    State(st): State<AppState>,
    user: CurrentUser,
    mp: Multipart,
) -> Response {
    let layout = layout_for(&st, Some(&user), "projects").await;
    let mut page = import_page(layout);
    let r: Result<(), ImportError> = async {
        let (_, filename, bytes, fields) = read_upload(mp).await?;
        user.check_csrf(fields.get("_csrf"))?;
        may_import(&user)?;
        page.filename = filename.clone();
        let inputs = parse_import_rows(&st, &filename, &bytes)?;
        let sha = hex::encode(Sha256::digest(&bytes));
        let path = pending_path(&st, &sha);
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(|e| AppError::Internal(e.to_string()))?;
        }
        tokio::fs::write(&path, &bytes)
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        forget_stale_imports(&st).await;
        page.preview = inputs;
        page.token = sha;
        Ok(())
    }
    .await;
    match r {
        Ok(()) => render_status(StatusCode::OK, &page),
        Err(ImportError::Sheet(errs)) => {
            page.errors = errs;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(ImportError::File(
            e @ (AppError::Unprocessable { .. } | AppError::TooLarge(_) | AppError::BadRequest(_)),
        )) => {
            let status = e.status();
            page.file_error = Some(e.body().message);
            render_status(status, &page)
        }
        Err(ImportError::File(e)) => error_page(&st, Some(&user), e).await,
    }
}

/// `POST /projects/import/confirm`: re-read the previewed file, check it again, import it all.
pub async fn import_confirm(
    State(st): State<AppState>,
    user: CurrentUser,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let fields = crate::fields::Fields(f);
    let layout = layout_for(&st, Some(&user), "projects").await;
    let mut page = import_page(layout);
    let r: Result<(), ImportError> = async {
        user.check_csrf(fields.get("_csrf"))?;
        may_import(&user)?;
        let sha = fields.text("token");
        if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(AppError::field("token", "导入凭据无效，请重新上传文件").into());
        }
        let path = pending_path(&st, &sha);
        let bytes = tokio::fs::read(&path)
            .await
            .map_err(|_| AppError::field("token", "待导入的文件已失效，请重新上传"))?;
        let inputs = parse_import(&st, "import.xlsx", &bytes)?;
        let ids = import_rows(&st, &user, &inputs).await?;
        let _ = tokio::fs::remove_file(&path).await;
        page.imported = ids
            .into_iter()
            .zip(inputs)
            .map(|(id, i)| (id.0, i.name))
            .collect();
        Ok(())
    }
    .await;
    match r {
        Ok(()) => {
            page.layout.flash = Some(format!("已导入 {} 个项目草稿", page.imported.len()));
            render_status(StatusCode::OK, &page)
        }
        Err(ImportError::Sheet(errs)) => {
            page.errors = errs;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(ImportError::File(e @ AppError::Unprocessable { .. })) => {
            page.file_error = Some(e.body().message);
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(ImportError::File(e)) => error_page(&st, Some(&user), e).await,
    }
}

/// `POST /api/v1/projects/import` (multipart `file`; `?dry_run=true` checks only).
pub async fn api_import(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<HashMap<String, String>>,
    mp: Multipart,
) -> Result<(StatusCode, Json<Value>), AppError> {
    if user.csrf.is_some() {
        return Err(AppError::Forbidden(
            "接口写操作请使用 Authorization: Bearer 令牌".into(),
        ));
    }
    may_import(&user)?;
    let (_, filename, bytes, _) = read_upload(mp).await?;
    let inputs = parse_import(&st, &filename, &bytes).map_err(ImportError::into_app_error)?;
    let dry = matches!(
        q.get("dry_run").map(String::as_str),
        Some("true" | "1" | "yes")
    );
    if dry {
        return Ok((
            StatusCode::OK,
            Json(json!({ "dry_run": true, "count": inputs.len(), "rows": inputs })),
        ));
    }
    let ids = import_rows(&st, &user, &inputs).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "count": ids.len(), "ids": ids })),
    ))
}

/// The routes of this second half (exports, import, OCDS, cost sharing, cloud), merged
/// into the main router.
pub fn routes(upload_limit: axum::extract::DefaultBodyLimit) -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/projects.xlsx", get(ledger))
        .route("/contracts.xlsx", get(contracts))
        .route("/payments.xlsx", get(payments))
        .route(
            "/projects/import",
            get(import_form).post(import_upload).layer(upload_limit),
        )
        .route("/projects/import/template.xlsx", get(template))
        .route("/projects/import/confirm", post(import_confirm))
        .route(
            "/api/v1/projects/import",
            post(api_import).layer(upload_limit),
        )
        .route("/api/v1/projects/import/template.xlsx", get(template))
        .route("/api/v1/projects/{id}/ocds", get(crate::ocds::api))
        .route(
            "/cost-sharing",
            get(crate::cost::page).post(crate::cost::submit),
        )
        .route(
            "/settings/population",
            get(crate::cost::population_admin).post(crate::cost::population_save),
        )
        .route(
            "/api/v1/cost-sharing/calculate",
            post(crate::cost::api_calculate),
        )
        .route(
            "/api/v1/projects/{id}/cost-sharing",
            get(crate::cost::api_list).post(crate::cost::api_save),
        )
        .route(
            "/api/v1/populations",
            get(crate::cost::api_populations).post(crate::cost::api_set_populations),
        )
        .route("/cloud", get(crate::cloud::page).post(crate::cloud::submit))
        .route(
            "/settings/cloud",
            get(crate::cloud::admin).post(crate::cloud::admin_save),
        )
        .route(
            "/api/v1/cloud/providers",
            get(crate::cloud::api_providers).post(crate::cloud::api_admin),
        )
        .route(
            "/api/v1/cloud/purchases",
            get(crate::cloud::api_purchases).post(crate::cloud::api_record),
        )
}

/// The OpenAPI description of these routes (added to the main document).
pub fn openapi_paths(doc: &mut Value) {
    use crate::openapi::err;
    let id =
        json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } });
    let obj = |desc: &str| json!({ "required": true, "content": { "application/json": { "schema": { "type": "object", "description": desc } } } });
    let file = json!({ "content": { "multipart/form-data": { "schema": { "type": "object", "properties": { "file": { "type": "string", "format": "binary" } } } } } });
    let paths = json!({
        "/api/v1/projects/import": { "post": {
            "summary": "导入年度申报（.xlsx，模板见 /api/v1/projects/import/template.xlsx）：任何一行有错误时不导入任何项目，fields 逐行逐列列出错误；dry_run=true 只检查",
            "parameters": [{ "name": "dry_run", "in": "query", "schema": { "type": "boolean" } }],
            "requestBody": file,
            "responses": { "200": { "description": "{dry_run, count, rows}" }, "201": { "description": "{count, ids}：在一个事务中导入为本单位草稿" },
                "403": err("非建设单位"), "413": err("文件过大"), "422": err("不是 .xlsx、表头不符或行内错误（code=invalid_rows）") } } },
        "/api/v1/projects/import/template.xlsx": { "get": { "summary": "年度申报导入模板（含示例行与填写说明）", "responses": { "200": { "description": "xlsx" } } } },
        "/api/v1/projects/{id}/ocds": { "get": {
            "summary": "项目的 OCDS 1.1 release package（planning、tender、award、contract、implementation）；ocid 前缀由 TONGCHOU_OCID_PREFIX 配置",
            "parameters": [id], "responses": { "200": { "description": "release package" }, "404": err("不存在或无权查看") } } },
        "/api/v1/cost-sharing/calculate": { "post": {
            "summary": "政务云租赁费分摊计算（绍兴 第二十三条）：kind=livelihood|regulatory、total、city_share（民生类）、population_year、可选 county/population 数组（否则取人口表）",
            "requestBody": obj("计算条件"), "responses": { "200": { "description": "{plan, sum}：各方金额精确到分，合计等于年租赁费" }, "422": err("输入有误") } } },
        "/api/v1/projects/{id}/cost-sharing": {
            "get": { "summary": "项目已保存的分摊表", "parameters": [id], "responses": { "200": { "description": "{items}" }, "404": err("不存在或无权查看") } },
            "post": { "summary": "计算并保存分摊表到项目（记入项目历史）：本项目建设单位或主管部门", "parameters": [id], "requestBody": obj("同计算条件，可带 version"),
                "responses": { "201": { "description": "{plan, project_version}" }, "403": err("无权"), "404": err("不存在或无权查看"), "409": err("阶段或并发冲突"), "422": err("输入有误") } } },
        "/api/v1/populations": {
            "get": { "summary": "常住人口表", "parameters": [{ "name": "year", "in": "query", "schema": { "type": "integer" } }], "responses": { "200": { "description": "{items}" } } },
            "post": { "summary": "维护常住人口表（管理员；每次修改留痕）", "requestBody": obj("{year, rows: [\"区县,人口\"…], note}"), "responses": { "200": { "description": "{changed, items}" }, "403": err("非管理员"), "422": err("输入有误") } } },
        "/api/v1/cloud/providers": {
            "get": { "summary": "入围政务云服务提供商名录与政府采购限额", "responses": { "200": { "description": "{items, threshold}" } } },
            "post": { "summary": "维护名录或限额（管理员）：op=add|remove（name）或 op=threshold（threshold、note）", "requestBody": obj("{op, name?, threshold?, note?}"), "responses": { "200": { "description": "{message, items, threshold}" }, "403": err("非管理员"), "422": err("输入有误") } } },
        "/api/v1/cloud/purchases": {
            "get": { "summary": "云服务采购登记（本单位；财政、主管部门、审计、管理员看本辖区各单位）", "parameters": [{ "name": "year", "in": "query", "schema": { "type": "integer" } }], "responses": { "200": { "description": "{year, items, unit_total, threshold}" } } },
            "post": { "summary": "登记本单位一笔云服务采购：年度累计（含本次）低于限额为单位自行采购，达到或超过为政府采购（一地创新、全省共享 三（八））；dry_run=true 只判断",
                "parameters": [{ "name": "dry_run", "in": "query", "schema": { "type": "boolean" } }],
                "requestBody": obj("{provider（名录中的编号或名称）, amount, description, year?}"),
                "responses": { "201": { "description": "{id, route, route_label, before, cumulative, threshold, reason}" }, "403": err("非预算单位"), "409": err("并发登记冲突，请重试"), "422": err("不在名录或输入有误") } } }
    });
    if let (Some(p), Some(mine)) = (doc["paths"].as_object_mut(), paths.as_object()) {
        for (k, v) in mine {
            p.insert(k.clone(), v.clone());
        }
    }
}
