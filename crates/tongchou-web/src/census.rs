//! 绩效评价普查 (Shaoxing 第三十三条: 建设单位自评，主管部门组织普查、重点项目抽查): the page and
//! API listing every project in operation within the reader's scope with its evaluation of the
//! year — not yet self-evaluated first — so the authority sees the whole census and picks the
//! key projects to spot-check.
use crate::auth::{CurrentUser, MaybeUser};
use crate::error::AppError;
use crate::pages::{error_page, layout_for, render, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Json, Redirect, Response};
use std::collections::HashMap;
use tongchou_domain::evaluation::can_view_statistics;
use tongchou_store::census::CensusRow;

#[derive(Template)]
#[template(path = "census.html")]
struct CensusPage {
    layout: Layout,
    year: i32,
    rows: Vec<CensusRow>,
    missing: usize,
    spot_checked: usize,
}

fn year_of(q: &HashMap<String, String>) -> Result<i32, AppError> {
    match q.get("year").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(tongchou_store::today().year() as i32),
        Some(y) => y
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or_else(|| AppError::field("year", "年度应为 2000–2100 的整数")),
    }
}

async fn load(
    st: &AppState,
    user: &CurrentUser,
    q: &HashMap<String, String>,
) -> Result<(i32, Vec<CensusRow>), AppError> {
    if !can_view_statistics(&user.actor) {
        return Err(AppError::Forbidden(
            "绩效评价普查仅向主管部门、职能部门和领导开放".into(),
        ));
    }
    let year = year_of(q)?;
    Ok((
        year,
        st.db.evaluation_census(&user.actor, year, 2000).await?,
    ))
}

/// GET /evaluations/census?year=
pub async fn page(
    State(st): State<AppState>,
    MaybeUser(u): MaybeUser,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(user) = u else {
        return Redirect::to("/login").into_response();
    };
    match load(&st, &user, &q).await {
        Ok((year, rows)) => render(&CensusPage {
            layout: layout_for(&st, Some(&user), "census").await,
            year,
            missing: rows.iter().filter(|r| r.self_total.is_none()).count(),
            spot_checked: rows.iter().filter(|r| r.spot_checked).count(),
            rows,
        }),
        Err(e) => error_page(&st, Some(&user), e).await,
    }
}

/// GET /api/v1/evaluations/census?year=
pub async fn api(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<serde_json::Value>, AppError> {
    let (year, rows) = load(&st, &user, &q).await?;
    Ok(Json(serde_json::json!({
        "year": year,
        "cite": "绍兴市市级政务信息化项目管理办法 第三十三条",
        "items": rows,
    })))
}

pub fn openapi_paths(doc: &mut serde_json::Value) {
    use crate::openapi::err;
    use serde_json::json;
    let paths = json!({
        "/api/v1/evaluations/census": { "get": {
            "summary": "绩效评价普查（绍兴 第三十三条）：本辖区运行中的项目及其当年评价进度（未自评的在前）",
            "parameters": [{ "name": "year", "in": "query", "schema": { "type": "integer" }, "description": "年度，默认当年" }],
            "responses": {
                "200": { "description": "{year, cite, items: [{project_id, code, name, unit, self_total, spot_checked, outcome, outcome_label, confirmed, published}]}" },
                "403": err("建设单位、专家不可见"),
                "422": err("年度不合法") } } }
    });
    if let (Some(dst), Some(src)) = (
        doc.get_mut("paths").and_then(|p| p.as_object_mut()),
        paths.as_object(),
    ) {
        for (k, v) in src {
            dst.insert(k.clone(), v.clone());
        }
    }
}

pub fn routes() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/evaluations/census", get(page))
        .route("/api/v1/evaluations/census", get(api))
}
