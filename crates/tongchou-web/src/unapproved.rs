//! 未按规定擅自建设 Systems built without approval (Shangcheng 第十章; SPEC A6, I10): the
//! competent authority records its finding against a unit (system, reference, date); the unit
//! may not declare until the end of the following year (the bar is read at declaration, see
//! `tongchou_domain::evaluation::bars`). Findings are append-only, each with who and when.
use crate::auth::{CurrentUser, MaybeUser};
use crate::error::AppError;
use crate::fields::Fields;
use crate::pages::{layout_for, render_status, Layout};
use crate::AppState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use serde_json::{json, Value};
use tongchou_domain::evaluation::{can_record_unapproved_build, validate_unapproved_build};
use tongchou_domain::{Actor, Date, Role, UnitId};
use tongchou_store::evaluation::UnapprovedBuildRow;

/// The findings the actor sees: a unit its own; audit, administrators and departments those of
/// the units in their jurisdiction and below.
pub async fn visible(st: &AppState, actor: &Actor) -> Result<Vec<UnapprovedBuildRow>, AppError> {
    let official = tongchou_domain::permission::DEPARTMENT_ROLES
        .iter()
        .chain(&[Role::Audit, Role::Admin])
        .any(|r| actor.has(*r));
    if official {
        Ok(st
            .db
            .unapproved_builds(&actor.jurisdiction_path, None)
            .await?)
    } else if actor.has(Role::Unit) {
        Ok(st.db.unapproved_builds("/", Some(actor.unit_id)).await?)
    } else {
        Ok(vec![])
    }
}

/// The units the actor may record a finding against (construction units it covers).
async fn recordable_units(st: &AppState, actor: &Actor) -> Result<Vec<(i64, String)>, AppError> {
    if !actor.has(Role::Authority) {
        return Ok(vec![]);
    }
    let paths: std::collections::HashMap<i64, String> = st
        .db
        .jurisdictions()
        .await?
        .into_iter()
        .map(|j| (j.id.0, j.path))
        .collect();
    Ok(st
        .db
        .units()
        .await?
        .into_iter()
        .filter(|u| u.kind.starts_with("construction"))
        .filter(|u| {
            paths
                .get(&u.jurisdiction_id.0)
                .is_some_and(|p| can_record_unapproved_build(actor, p))
        })
        .map(|u| (u.id.0, format!("{}（{}）", u.name, u.jurisdiction_name)))
        .collect())
}

/// Record a finding: only the competent authority covering the unit; validated whole, nothing
/// recorded on refusal.
pub async fn record(
    st: &AppState,
    actor: &Actor,
    unit: &str,
    system_name: &str,
    reference: &str,
    found_on: &str,
    note: &str,
) -> Result<UnapprovedBuildRow, AppError> {
    let unit: i64 = unit
        .trim()
        .parse()
        .map_err(|_| AppError::field("unit_id", "请选择建设单位"))?;
    let units = st.db.units().await?;
    let Some(u) = units.iter().find(|u| u.id.0 == unit) else {
        return Err(AppError::NotFound);
    };
    let j = st.db.jurisdiction(u.jurisdiction_id).await?;
    if !actor.covers(&j.path) {
        return Err(AppError::NotFound);
    }
    if !can_record_unapproved_build(actor, &j.path) {
        return Err(AppError::Forbidden(
            "只有本辖区（或上级）的主管部门可以认定未按规定擅自建设".into(),
        ));
    }
    let found: Date = found_on
        .trim()
        .parse()
        .map_err(|_| AppError::field("found_on", "认定日期应为日期（YYYY-MM-DD）"))?;
    validate_unapproved_build(system_name, reference, found, tongchou_store::today())?;
    if note.chars().count() > 2000 {
        return Err(AppError::field("note", "说明不超过 2000 字"));
    }
    let id = st
        .db
        .record_unapproved_build(
            actor,
            UnitId(unit),
            system_name.trim(),
            reference.trim(),
            found,
            note.trim(),
        )
        .await?;
    st.db
        .unapproved_builds(&j.path, Some(UnitId(unit)))
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| AppError::Internal("finding not found after insert".into()))
}

fn text_of(v: &Value, key: &str) -> Result<String, AppError> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        Some(_) => Err(AppError::BadRequest(format!("{key} 应为字符串"))),
    }
}

/// `GET /api/v1/unapproved-builds`
pub async fn api_list(
    State(st): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, AppError> {
    Ok(Json(json!({ "items": visible(&st, &user.actor).await? })))
}

/// `POST /api/v1/unapproved-builds` `{"unit_id", "system_name", "reference", "found_on", "note"?}`.
pub async fn api_record(
    State(st): State<AppState>,
    user: CurrentUser,
    body: Bytes,
) -> Result<(StatusCode, Json<UnapprovedBuildRow>), AppError> {
    let v: Value = serde_json::from_slice(&body)
        .map_err(|e| AppError::BadRequest(format!("请求体不是有效的 JSON：{e}")))?;
    let r = record(
        &st,
        &user.actor,
        &text_of(&v, "unit_id")?,
        &text_of(&v, "system_name")?,
        &text_of(&v, "reference")?,
        &text_of(&v, "found_on")?,
        &text_of(&v, "note")?,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(r)))
}

#[derive(Template)]
#[template(path = "unapproved.html")]
struct UnapprovedPage {
    layout: Layout,
    items: Vec<UnapprovedBuildRow>,
    units: Vec<(i64, String)>,
    values: Vec<(String, String)>,
    errors: Vec<(String, String)>,
    message: String,
}

impl UnapprovedPage {
    fn val(&self, k: &str) -> &str {
        self.values
            .iter()
            .find(|(a, _)| a == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
    fn err(&self, k: &str) -> &str {
        self.errors
            .iter()
            .find(|(a, _)| a == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
    /// The year a finding bars (the one after it) — shown beside each row.
    fn barred_year(&self, found_on: &str) -> String {
        found_on
            .get(..4)
            .and_then(|y| y.parse::<i32>().ok())
            .map(|y| format!("{} 年度", y + 1))
            .unwrap_or_default()
    }
}

async fn page_with(
    st: &AppState,
    user: &CurrentUser,
    values: Vec<(String, String)>,
    error: Option<AppError>,
    flash: Option<String>,
) -> Result<Response, AppError> {
    let items = visible(st, &user.actor).await?;
    let units = recordable_units(st, &user.actor).await?;
    let mut layout = layout_for(st, Some(user), "statistics").await;
    layout.flash = flash;
    let (status, errors, message) = match error {
        None => (StatusCode::OK, vec![], String::new()),
        Some(AppError::Unprocessable {
            message, fields, ..
        }) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            fields.into_iter().map(|f| (f.field, f.message)).collect(),
            message,
        ),
        Some(e) => return Err(e),
    };
    Ok(render_status(
        status,
        &UnapprovedPage {
            layout,
            items,
            units,
            values,
            errors,
            message,
        },
    ))
}

/// `GET /unapproved-builds`
pub async fn page(
    State(st): State<AppState>,
    MaybeUser(u): MaybeUser,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let Some(user) = u else {
        return Redirect::to("/login").into_response();
    };
    match page_with(&st, &user, vec![], None, q.get("flash").cloned()).await {
        Ok(r) => r,
        Err(e) => crate::pages::error_page(&st, Some(&user), e).await,
    }
}

/// `POST /unapproved-builds` (page form): on a field error the form comes back with the message
/// beside the field.
pub async fn page_record(
    State(st): State<AppState>,
    user: CurrentUser,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    let r = async {
        user.check_csrf(f.get("_csrf"))?;
        record(
            &st,
            &user.actor,
            &f.text("unit_id"),
            &f.text("system_name"),
            &f.text("reference"),
            &f.text("found_on"),
            &f.text("note"),
        )
        .await
    }
    .await;
    match r {
        Ok(x) => Redirect::to(&format!(
            "/unapproved-builds?flash={}",
            crate::pages::url_encode(&format!("已记录：{}“{}”", x.unit_name, x.system_name))
        ))
        .into_response(),
        Err(e @ AppError::Unprocessable { .. }) => {
            let values = ["unit_id", "system_name", "reference", "found_on", "note"]
                .iter()
                .map(|k| (k.to_string(), f.text(k)))
                .collect();
            match page_with(&st, &user, values, Some(e), None).await {
                Ok(r) => r,
                Err(e) => crate::pages::error_page(&st, Some(&user), e).await,
            }
        }
        Err(e) => crate::pages::error_page(&st, Some(&user), e).await,
    }
}

/// The paths of the OpenAPI document.
pub fn openapi_paths(doc: &mut Value) {
    use crate::openapi::err;
    let paths = json!({
        "/api/v1/unapproved-builds": {
            "get": {
                "summary": "未按规定擅自建设的认定记录（上城区 第十章：取消该单位下一年度的项目申报资格）：建设单位看本单位的，主管、职能部门、审计和管理员看本辖区及以下的",
                "responses": { "200": { "description": "{items: [{id, unit_id, unit_name, jurisdiction_name, system_name, reference, found_on, note, recorded_by_name, recorded_at}]}" } } },
            "post": {
                "summary": "认定未按规定擅自建设（主管部门，限本辖区及以下的建设单位）；此后至认定次年年底，该单位提交申报被拒绝并说明原因",
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["unit_id", "system_name", "reference", "found_on"], "properties": {
                    "unit_id": { "type": "integer" }, "system_name": { "type": "string" }, "reference": { "type": "string", "description": "认定文号或检查记录" }, "found_on": { "type": "string", "format": "date" }, "note": { "type": "string" } } } } } },
                "responses": { "201": { "description": "记录的认定" }, "400": err("请求体无效"), "403": err("非主管部门"), "404": err("单位不存在或不在本辖区"), "422": err("字段不合规（fields 指明字段）") } } }
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
