//! 公开数据 open data, no login (SPEC P5, P6; ZJ-plan 四(三) 定期晾晒): approvals and the
//! applications in operation, as a page, CSV and JSON, published once a day (a row appears the
//! day after its date), with the schema documented on the page and in the JSON.
use crate::auth::MaybeUser;
use crate::error::AppError;
use crate::pages::{error_page, layout_for, render_status, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{json, Value};

/// (field, type, meaning) of each dataset.
pub const APPROVAL_FIELDS: &[(&str, &str, &str)] = &[
    ("code", "string", "项目编号"),
    ("name", "string", "项目名称（与立项文件一致）"),
    ("unit", "string", "项目建设单位"),
    ("jurisdiction", "string", "所属行政区域"),
    ("year", "integer", "项目年度"),
    ("approval_no", "string", "立项文号"),
    ("approval_date", "date (YYYY-MM-DD)", "立项发文日期"),
    (
        "approved_amount",
        "decimal string, 元, 2 places",
        "立项金额（批复的项目预算基准）",
    ),
    ("stage", "string", "当前阶段"),
];
pub const APPLICATION_FIELDS: &[(&str, &str, &str)] = &[
    ("code", "string", "项目编号"),
    ("name", "string", "应用（项目）名称"),
    ("unit", "string", "项目建设单位"),
    ("jurisdiction", "string", "所属行政区域"),
    ("year", "integer", "项目年度"),
    ("approval_no", "string", "立项文号"),
    (
        "in_operation_since",
        "date (YYYY-MM-DD)",
        "通过终验、正式运行的日期",
    ),
];

fn fields(dataset: &str) -> Option<&'static [(&'static str, &'static str, &'static str)]> {
    match dataset {
        "approvals" => Some(APPROVAL_FIELDS),
        "applications" => Some(APPLICATION_FIELDS),
        _ => None,
    }
}

/// What is published today: rows dated before today (the daily publication).
fn published_until() -> tongchou_domain::Date {
    tongchou_store::today()
}

async fn rows(st: &AppState, dataset: &str) -> Result<Vec<Value>, AppError> {
    let until = published_until();
    let v: Vec<Value> = match dataset {
        "approvals" => st
            .db
            .public_approvals(until)
            .await?
            .into_iter()
            .map(|r| serde_json::to_value(r).unwrap_or(Value::Null))
            .collect(),
        "applications" => st
            .db
            .public_applications(until)
            .await?
            .into_iter()
            .map(|r| serde_json::to_value(r).unwrap_or(Value::Null))
            .collect(),
        _ => return Err(AppError::NotFound),
    };
    Ok(v)
}

fn csv_cell(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// `GET /public/open-data/{dataset}.csv|.json`.
pub async fn download(
    State(st): State<AppState>,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    let (dataset, ext) = file.rsplit_once('.').ok_or(AppError::NotFound)?;
    let f = fields(dataset).ok_or(AppError::NotFound)?;
    let items = rows(&st, dataset).await?;
    let published = published_until().to_string();
    match ext {
        "json" => {
            let body = json!({
                "dataset": dataset,
                "published": published,
                "note": "每日发布：收录发布日之前的记录；金额单位为元",
                "fields": f.iter().map(|(n, t, m)| json!({"name": n, "type": t, "description": m})).collect::<Vec<_>>(),
                "items": items,
            });
            Ok((
                [
                    (header::CONTENT_TYPE, "application/json; charset=utf-8"),
                    (header::CACHE_CONTROL, "public, max-age=3600"),
                ],
                serde_json::to_string_pretty(&body)
                    .map_err(|e| AppError::Internal(e.to_string()))?,
            )
                .into_response())
        }
        "csv" => {
            // A BOM so that Excel opens the UTF-8 Chinese text correctly.
            let mut out = String::from("\u{feff}");
            out.push_str(&f.iter().map(|(n, _, _)| *n).collect::<Vec<_>>().join(","));
            out.push_str("\r\n");
            for it in &items {
                let line: Vec<String> = f.iter().map(|(n, _, _)| csv_cell(&it[*n])).collect();
                out.push_str(&line.join(","));
                out.push_str("\r\n");
            }
            Ok((
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{dataset}-{published}.csv\""),
                    ),
                    (header::CACHE_CONTROL, "public, max-age=3600".to_string()),
                ],
                out,
            )
                .into_response())
        }
        _ => Err(AppError::NotFound),
    }
}

#[derive(Template)]
#[template(path = "opendata.html")]
struct OpenDataPage {
    layout: Layout,
    published: String,
    approvals: usize,
    applications: usize,
    approval_fields: &'static [(&'static str, &'static str, &'static str)],
    application_fields: &'static [(&'static str, &'static str, &'static str)],
}

/// `GET /public/open-data`: the datasets, their schema and the links, without login.
pub async fn page(State(st): State<AppState>, MaybeUser(u): MaybeUser) -> Response {
    let r = async {
        let until = published_until();
        Ok::<_, AppError>(render_status(
            StatusCode::OK,
            &OpenDataPage {
                layout: layout_for(&st, u.as_ref(), "opendata").await,
                published: until.to_string(),
                approvals: st.db.public_approvals(until).await?.len(),
                applications: st.db.public_applications(until).await?.len(),
                approval_fields: APPROVAL_FIELDS,
                application_fields: APPLICATION_FIELDS,
            },
        ))
    }
    .await;
    match r {
        Ok(r) => r,
        Err(e) => error_page(&st, u.as_ref(), e).await,
    }
}

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/public/open-data", get(page))
        .route("/public/open-data/{file}", get(download))
}
