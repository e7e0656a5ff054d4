//! 云服务采购 (SPEC M7; ZJ-share 三(八); Shaoxing art.24): the approved provider list
//! (administrators), and per budget unit a running yearly total of cloud purchases that decides
//! whether a purchase is the unit's own or goes through government procurement.
use crate::auth::{CurrentUser, MaybeUser};
use crate::error::AppError;
use crate::fields::Fields;
use crate::pages::{error_page, layout_for, render_status, Layout};
use crate::AppState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;
use tongchou_domain::cloud::{check_provider, default_threshold, route, CloudError, Routing};
use tongchou_domain::permission::{
    can_edit_money_settings, can_record_cloud_purchase, can_view_all_cloud_purchases,
};
use tongchou_domain::{Actor, Yuan};
use tongchou_store::exports::{ChangeRow, ProviderRow, PurchaseRow};

pub const THRESHOLD_KEY: &str = "cloud.threshold_fen";

/// The 政府采购限额标准 in force.
pub async fn threshold(st: &AppState) -> Result<Yuan, AppError> {
    Ok(st
        .db
        .money_setting(THRESHOLD_KEY)
        .await?
        .and_then(|v| v.parse::<i64>().ok())
        .map(Yuan::from_fen)
        .unwrap_or_else(default_threshold))
}

fn cloud_err(e: CloudError) -> AppError {
    let CloudError::Invalid { field, message } = e;
    AppError::field(&field, message)
}

fn this_year() -> i64 {
    tongchou_store::today().year() as i64
}

fn year_of(f: &Fields) -> Result<i64, AppError> {
    match f.text("year") {
        s if s.is_empty() => Ok(this_year()),
        s => s
            .parse::<i64>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or_else(|| AppError::field("year", "年度须为四位年份")),
    }
}

/// Find the provider (by id or name) on the approved list.
async fn provider(st: &AppState, f: &Fields) -> Result<ProviderRow, AppError> {
    let key = f.text("provider");
    if key.is_empty() {
        return Err(AppError::field(
            "provider",
            "请从入围名录中选择政务云服务提供商",
        ));
    }
    let list = st.db.cloud_providers().await?;
    let found = list
        .into_iter()
        .find(|p| p.id.to_string() == key || p.name == key);
    let ok = found.as_ref().is_some_and(|p| p.active);
    check_provider(&key, ok).map_err(cloud_err)?;
    found.ok_or_else(|| AppError::field("provider", "提供商不存在"))
}

/// Record a purchase for the actor's unit (or only say how it would be routed: `dry_run`).
pub async fn record(
    st: &AppState,
    actor: &Actor,
    f: &Fields,
    dry_run: bool,
) -> Result<(Option<i64>, Routing), AppError> {
    if !can_record_cloud_purchase(actor) {
        return Err(AppError::Forbidden(
            "只有预算单位（项目建设单位）可以登记本单位的云服务采购".into(),
        ));
    }
    let year = year_of(f)?;
    let p = provider(st, f).await?;
    let amount =
        Yuan::parse(&f.text("amount")).map_err(|e| AppError::field("amount", e.to_string()))?;
    let description: String = f.text("description").chars().take(500).collect();
    let threshold = threshold(st).await?;
    if dry_run {
        let before = st.db.cloud_total(actor.unit_id, year).await?;
        return Ok((None, route(before, amount, threshold).map_err(cloud_err)?));
    }
    if description.is_empty() {
        return Err(AppError::field("description", "请填写采购内容"));
    }
    match st
        .db
        .record_cloud_purchase(actor, year, p.id, amount, &description, |before| {
            route(before, amount, threshold)
        })
        .await?
    {
        Ok((id, r)) => Ok((Some(id), r)),
        Err(e) => Err(cloud_err(e)),
    }
}

async fn purchases_for(
    st: &AppState,
    actor: &Actor,
    year: i64,
) -> Result<Vec<PurchaseRow>, AppError> {
    if can_view_all_cloud_purchases(actor) {
        Ok(st
            .db
            .cloud_purchases(None, &actor.jurisdiction_path, year)
            .await?)
    } else if actor.has(tongchou_domain::Role::Unit) {
        Ok(st
            .db
            .cloud_purchases(Some(actor.unit_id), &actor.jurisdiction_path, year)
            .await?)
    } else {
        Ok(vec![])
    }
}

// ---------- page ----------

#[derive(Template)]
#[template(path = "cloud.html")]
struct CloudPage {
    layout: Layout,
    year: i64,
    providers: Vec<ProviderRow>,
    purchases: Vec<PurchaseRow>,
    threshold: Yuan,
    own_total: Yuan,
    can_record: bool,
    all_units: bool,
    v: HashMap<String, String>,
    error: Option<String>,
    result: Option<Routing>,
}

impl CloudPage {
    fn val(&self, k: &str) -> String {
        self.v.get(k).cloned().unwrap_or_default()
    }
}

async fn cloud_page(
    st: &AppState,
    user: &CurrentUser,
    year: i64,
    v: HashMap<String, String>,
    error: Option<AppError>,
    result: Option<Routing>,
) -> Result<Response, AppError> {
    let a = &user.actor;
    let status = error.as_ref().map(|e| e.status()).unwrap_or(StatusCode::OK);
    let page = CloudPage {
        layout: layout_for(st, Some(user), "cloud").await,
        year,
        providers: st
            .db
            .cloud_providers()
            .await?
            .into_iter()
            .filter(|p| p.active)
            .collect(),
        purchases: purchases_for(st, a, year).await?,
        threshold: threshold(st).await?,
        own_total: st.db.cloud_total(a.unit_id, year).await?,
        can_record: can_record_cloud_purchase(a),
        all_units: can_view_all_cloud_purchases(a),
        v,
        error: error.map(|e| e.body().message),
        result,
    };
    Ok(render_status(status, &page))
}

pub async fn page(
    State(st): State<AppState>,
    MaybeUser(u): MaybeUser,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(user) = u else {
        return Redirect::to("/login").into_response();
    };
    let r = async {
        let year = year_of(&Fields(q.clone().into_iter().collect()))?;
        cloud_page(&st, &user, year, q, None, None).await
    }
    .await;
    match r {
        Ok(r) => r,
        Err(e) => error_page(&st, Some(&user), e).await,
    }
}

pub async fn submit(
    State(st): State<AppState>,
    user: CurrentUser,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(f);
    let v: HashMap<String, String> = fields.0.iter().cloned().collect();
    let year = year_of(&fields).unwrap_or_else(|_| this_year());
    let r = async {
        user.check_csrf(fields.get("_csrf"))?;
        record(&st, &user.actor, &fields, fields.text("op") == "check").await
    }
    .await;
    let out = match r {
        Ok((_, routing)) => cloud_page(&st, &user, year, HashMap::new(), None, Some(routing)).await,
        Err(e @ (AppError::Unprocessable { .. } | AppError::Conflict(_))) => {
            cloud_page(&st, &user, year, v, Some(e), None).await
        }
        Err(e) => Err(e),
    };
    match out {
        Ok(r) => r,
        Err(e) => error_page(&st, Some(&user), e).await,
    }
}

// ---------- admin ----------

#[derive(Template)]
#[template(path = "cloud_admin.html")]
struct AdminPage {
    layout: Layout,
    providers: Vec<ProviderRow>,
    threshold: Yuan,
    changes: Vec<ChangeRow>,
    error: Option<String>,
}

async fn admin_page(
    st: &AppState,
    user: &CurrentUser,
    error: Option<AppError>,
    flash: Option<String>,
) -> Result<Response, AppError> {
    if !can_edit_money_settings(&user.actor) {
        return Err(AppError::Forbidden(
            "只有系统管理员可以维护政务云服务提供商名录".into(),
        ));
    }
    let mut layout = layout_for(st, Some(user), "settings").await;
    layout.flash = flash;
    let status = error.as_ref().map(|e| e.status()).unwrap_or(StatusCode::OK);
    Ok(render_status(
        status,
        &AdminPage {
            layout,
            providers: st.db.cloud_providers().await?,
            threshold: threshold(st).await?,
            changes: st.db.settings_changes("cloud.").await?,
            error: error.map(|e| e.body().message),
        },
    ))
}

pub async fn admin(State(st): State<AppState>, MaybeUser(u): MaybeUser) -> Response {
    let Some(user) = u else {
        return Redirect::to("/login").into_response();
    };
    match admin_page(&st, &user, None, None).await {
        Ok(r) => r,
        Err(e) => error_page(&st, Some(&user), e).await,
    }
}

/// One admin change: add/activate (op=add), remove (op=remove), threshold (op=threshold).
pub async fn admin_change(st: &AppState, actor: &Actor, f: &Fields) -> Result<String, AppError> {
    if !can_edit_money_settings(actor) {
        return Err(AppError::Forbidden(
            "只有系统管理员可以维护政务云服务提供商名录".into(),
        ));
    }
    match f.text("op").as_str() {
        "add" | "remove" => {
            let name: String = f.text("name");
            if name.is_empty() || name.chars().count() > 100 {
                return Err(AppError::field("name", "请填写提供商名称（不超过 100 字）"));
            }
            let add = f.text("op") == "add";
            st.db.set_cloud_provider(actor, &name, add).await?;
            Ok(if add {
                format!("已将 {name} 列入名录")
            } else {
                format!("已将 {name} 移出名录")
            })
        }
        "threshold" => {
            let t = Yuan::parse(&f.text("threshold"))
                .map_err(|e| AppError::field("threshold", e.to_string()))?;
            if t == Yuan::ZERO {
                return Err(AppError::field("threshold", "限额须大于 0"));
            }
            let note = f.text("note");
            st.db
                .set_money_setting(
                    actor,
                    THRESHOLD_KEY,
                    &t.fen().to_string(),
                    &format!(
                        "政府采购限额标准（云服务）设为 {} 元{}",
                        t.grouped(),
                        if note.is_empty() {
                            String::new()
                        } else {
                            format!("，依据：{note}")
                        }
                    ),
                )
                .await?;
            Ok(format!("限额已设为 {} 元", t.grouped()))
        }
        _ => Err(AppError::BadRequest("未知的操作".into())),
    }
}

pub async fn admin_save(
    State(st): State<AppState>,
    user: CurrentUser,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    let r = async {
        user.check_csrf(f.get("_csrf"))?;
        admin_change(&st, &user.actor, &f).await
    }
    .await;
    let out = match r {
        Ok(msg) => admin_page(&st, &user, None, Some(msg)).await,
        Err(e @ AppError::Unprocessable { .. }) => admin_page(&st, &user, Some(e), None).await,
        Err(e) => Err(e),
    };
    match out {
        Ok(r) => r,
        Err(e) => error_page(&st, Some(&user), e).await,
    }
}

// ---------- API ----------

fn json_fields(body: &Bytes) -> Result<Fields, AppError> {
    if body.is_empty() {
        return Ok(Fields::default());
    }
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| AppError::BadRequest(format!("请求体不是有效的 JSON：{e}")))?;
    Fields::from_json(&v)
}

fn api_write(user: &CurrentUser) -> Result<(), AppError> {
    if user.csrf.is_some() {
        return Err(AppError::Forbidden(
            "接口写操作请使用 Authorization: Bearer 令牌".into(),
        ));
    }
    Ok(())
}

/// `GET /api/v1/cloud/providers`
pub async fn api_providers(
    State(st): State<AppState>,
    _user: CurrentUser,
) -> Result<Json<Value>, AppError> {
    Ok(Json(json!({
        "items": st.db.cloud_providers().await?,
        "threshold": threshold(&st).await?,
    })))
}

/// `POST /api/v1/cloud/providers {op: add|remove|threshold, name?, threshold?}` (administrators).
pub async fn api_admin(
    State(st): State<AppState>,
    user: CurrentUser,
    body: Bytes,
) -> Result<Json<Value>, AppError> {
    api_write(&user)?;
    let msg = admin_change(&st, &user.actor, &json_fields(&body)?).await?;
    Ok(Json(json!({
        "message": msg,
        "items": st.db.cloud_providers().await?,
        "threshold": threshold(&st).await?,
    })))
}

/// `GET /api/v1/cloud/purchases?year=`
pub async fn api_purchases(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, AppError> {
    let year = year_of(&Fields(q.into_iter().collect()))?;
    let a = &user.actor;
    Ok(Json(json!({
        "year": year,
        "items": purchases_for(&st, a, year).await?,
        "unit_total": st.db.cloud_total(a.unit_id, year).await?,
        "threshold": threshold(&st).await?,
    })))
}

/// `POST /api/v1/cloud/purchases {provider, amount, description, year?}` (`?dry_run=true`: route only).
pub async fn api_record(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), AppError> {
    api_write(&user)?;
    let dry = matches!(
        q.get("dry_run").map(String::as_str),
        Some("true" | "1" | "yes")
    );
    let (id, r) = record(&st, &user.actor, &json_fields(&body)?, dry).await?;
    Ok((
        if dry {
            StatusCode::OK
        } else {
            StatusCode::CREATED
        },
        Json(json!({
            "id": id,
            "route": r.route,
            "route_label": r.route.label(),
            "before": r.before,
            "cumulative": r.cumulative,
            "threshold": r.threshold,
            "reason": r.reason,
        })),
    ))
}
