//! 绩效评价普查 (Shaoxing 第三十三条: 建设单位自评，主管部门组织普查、重点项目抽查): the page and
//! API listing every project in operation within the reader's scope with its evaluation of the
//! year — not yet self-evaluated first — so the authority sees the whole census and picks the
//! key projects to spot-check. Also 基层用户评价 (ZJ-plan 四(四)): the users of an application in
//! operation rate it (`/projects/{id}/ratings`), the average feeding the census and the indicator.
use crate::auth::{CurrentUser, MaybeUser};
use crate::error::AppError;
use crate::fields::Fields;
use crate::pages::{error_page, layout_for, render, Layout};
use crate::service::visible_project;
use crate::AppState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Redirect, Response};
use std::collections::HashMap;
use tongchou_domain::evaluation::{can_view_statistics, check_rating, user_rating_cite};
use tongchou_domain::project::Project;
use tongchou_domain::ProjectId;
use tongchou_store::census::{CensusRow, RatingSummary};

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

#[derive(Template)]
#[template(path = "ratings.html")]
struct RatingsPage {
    layout: Layout,
    p: Project,
    summary: RatingSummary,
    may_rate: bool,
    csrf: String,
    error: String,
    stars: String,
    comment: String,
    cite: String,
}

/// Rate the application for this year: the rule first, then the write.
async fn rate(st: &AppState, user: &CurrentUser, id: i64, f: &Fields) -> Result<(), AppError> {
    let p = visible_project(st, &user.actor, ProjectId(id)).await?;
    let stars: u32 = f
        .get("stars")
        .map(str::trim)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| AppError::field("stars", "请选择 1–5 星"))?;
    let comment = f.get("comment").unwrap_or("").trim().to_string();
    check_rating(&user.actor, &p, stars, &comment)?;
    let year = tongchou_store::today().year() as i32;
    st.db
        .rate_application(&user.actor, id, year, stars, &comment)
        .await?;
    Ok(())
}

async fn summary(
    st: &AppState,
    user: &CurrentUser,
    id: i64,
) -> Result<(Project, RatingSummary, bool), AppError> {
    let p = visible_project(st, &user.actor, ProjectId(id)).await?;
    let year = tongchou_store::today().year() as i32;
    let s = st.db.application_ratings(id, year).await?;
    // Who may rate: asked with a valid rating, so only the actor and the project decide.
    let may = check_rating(&user.actor, &p, 5, "").is_ok();
    Ok((p, s, may))
}

async fn render_ratings(
    st: &AppState,
    user: &CurrentUser,
    id: i64,
    error: Option<(AppError, &Fields)>,
) -> Result<Response, AppError> {
    let (p, summary, may_rate) = summary(st, user, id).await?;
    let status = error
        .as_ref()
        .map(|(e, _)| e.status())
        .unwrap_or(StatusCode::OK);
    let (message, stars, comment) = match &error {
        Some((e, f)) => (
            e.body().message,
            f.get("stars").unwrap_or("").to_string(),
            f.get("comment").unwrap_or("").to_string(),
        ),
        None => Default::default(),
    };
    let mut r = render(&RatingsPage {
        layout: layout_for(st, Some(user), "projects").await,
        p,
        summary,
        may_rate,
        csrf: user.csrf.clone().unwrap_or_default(),
        error: message,
        stars,
        comment,
        cite: user_rating_cite().to_string(),
    });
    *r.status_mut() = status;
    Ok(r)
}

/// GET /projects/{id}/ratings
pub async fn ratings_page(
    State(st): State<AppState>,
    MaybeUser(u): MaybeUser,
    Path(id): Path<i64>,
) -> Response {
    let Some(user) = u else {
        return Redirect::to("/login").into_response();
    };
    let r = render_ratings(&st, &user, id, None).await;
    crate::pages::page_or_error(&st, &user, r).await
}

/// POST /projects/{id}/ratings (form, CSRF)
pub async fn ratings_submit(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    let r = async {
        user.check_csrf(f.get("_csrf"))?;
        rate(&st, &user, id, &f).await
    }
    .await;
    let out = match r {
        Ok(()) => return Redirect::to(&format!("/projects/{id}/ratings")).into_response(),
        Err(e @ (AppError::Unprocessable { .. } | AppError::Conflict(_))) => {
            render_ratings(&st, &user, id, Some((e, &f))).await
        }
        Err(e) => Err(e),
    };
    crate::pages::page_or_error(&st, &user, out).await
}

fn summary_json(s: &RatingSummary, may_rate: bool) -> serde_json::Value {
    let mut v = serde_json::json!(s);
    v["may_rate"] = serde_json::json!(may_rate);
    v["cite"] = serde_json::json!(user_rating_cite().to_string());
    v
}

/// GET /api/v1/projects/{id}/ratings
pub async fn api_ratings(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<serde_json::Value>, AppError> {
    let (_, s, may) = summary(&st, &user, id).await?;
    Ok(Json(summary_json(&s, may)))
}

/// POST /api/v1/projects/{id}/ratings {stars, comment}
pub async fn api_rate(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Json<serde_json::Value>, AppError> {
    if user.csrf.is_some() {
        return Err(AppError::Forbidden(
            "接口写操作请使用 Authorization: Bearer 令牌".into(),
        ));
    }
    let v: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| AppError::BadRequest(format!("请求体不是有效的 JSON：{e}")))?;
    let f = Fields::from_json(&v)?;
    rate(&st, &user, id, &f).await?;
    let (_, s, may) = summary(&st, &user, id).await?;
    Ok(Json(summary_json(&s, may)))
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
                "422": err("年度不合法") } } },
        "/api/v1/projects/{id}/ratings": {
            "get": { "summary": "基层用户评价（浙江省数字政府建设方案 四(四)）：当年的评分（单位、星级、意见）、人数、平均折算的指标得分（平均星级×20）、本人可否评价",
                "responses": { "200": { "description": "{year, count, stars_sum, score, items:[{unit, stars, comment, at}], may_rate, cite}" }, "404": err("无权查看") } },
            "post": { "summary": "评价运行中的应用（应用所在辖区及下级的使用单位；建设单位、专家、市场主体不可）：stars 1–5、comment（≤500 字）；每人每年一条，再次评价即更新",
                "responses": { "200": { "description": "同 GET" }, "403": err("不是使用单位"), "409": err("应用未在运行"), "422": err("星级或意见不合法") } } }
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
        .route(
            "/projects/{id}/ratings",
            get(ratings_page).post(ratings_submit),
        )
        .route(
            "/api/v1/projects/{id}/ratings",
            get(api_ratings).post(api_rate),
        )
}
