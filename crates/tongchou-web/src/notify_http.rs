//! Pages and API for notifications leaving the system: one's e-mail address (设置), the
//! administrator's outbox with its retry button, and their API twins. Each pair calls the same
//! function of [`crate::notify`].
use crate::auth::{CurrentUser, MaybeUser};
use crate::error::AppError;
use crate::fields::Fields;
use crate::notify;
use crate::pages::{error_page, layout_for, render_status, url_encode, Layout};
use crate::AppState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;
use tongchou_store::outbox::DeliveryRow;

fn json_body(body: &Bytes) -> Result<Value, AppError> {
    serde_json::from_slice(body)
        .map_err(|e| AppError::BadRequest(format!("请求体不是有效的 JSON：{e}")))
}

fn text_of(v: &Value, key: &str) -> Result<String, AppError> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(AppError::BadRequest(format!("{key} 应为字符串"))),
    }
}

/// The field error of an Unprocessable error, if it names this field.
fn field_error(e: &AppError, field: &str) -> Option<String> {
    match e {
        AppError::Unprocessable { fields, .. } => fields
            .iter()
            .find(|f| f.field == field)
            .map(|f| f.message.clone()),
        _ => None,
    }
}

// ---------- 设置：my e-mail address ----------

/// POST /settings/email: set one's own address; a wrong one re-shows 设置 with the message
/// beside the field.
pub async fn page_set_email(
    State(st): State<AppState>,
    user: CurrentUser,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(f);
    if let Err(e) = user.check_csrf(fields.get("_csrf")) {
        return error_page(&st, Some(&user), e).await;
    }
    let input = fields.text("email");
    match notify::set_email(&st, &user.actor, None, &input).await {
        Ok(_) => Redirect::to("/settings?email=saved").into_response(),
        Err(e) => match field_error(&e, "email") {
            Some(msg) => crate::pages::settings_with_email_error(&st, &user, input, msg).await,
            None => error_page(&st, Some(&user), e).await,
        },
    }
}

/// POST /api/v1/me/email `{"email": "…"}` (empty clears it).
pub async fn api_set_email(
    State(st): State<AppState>,
    user: CurrentUser,
    body: Bytes,
) -> Result<Json<Value>, AppError> {
    let v = json_body(&body)?;
    let email = notify::set_email(&st, &user.actor, None, &text_of(&v, "email")?).await?;
    Ok(Json(json!({ "email": email })))
}

/// POST /api/v1/users/{username}/email `{"email": "…"}`: an administrator sets an account's address.
pub async fn api_set_user_email(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(username): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, AppError> {
    let v = json_body(&body)?;
    let email =
        notify::set_email(&st, &user.actor, Some(&username), &text_of(&v, "email")?).await?;
    Ok(Json(json!({ "username": username, "email": email })))
}

// ---------- the outbox (administrator) ----------

#[derive(Template)]
#[template(path = "outbox.html")]
struct OutboxPage {
    layout: Layout,
    counts: Vec<(String, i64)>,
    rows: Vec<DeliveryRow>,
    filter: String,
    email: String,
    webhook: String,
    form_username: String,
    form_email: String,
    username_error: String,
    email_error: String,
}

impl OutboxPage {
    fn state_label(&self, s: &str) -> &'static str {
        notify::state_label(s)
    }
    fn channel_label(&self, s: &str) -> &'static str {
        notify::channel_label(s)
    }
    fn state_tag(&self, s: &str) -> &'static str {
        match s {
            "sent" => "tag-ok",
            "failed" => "tag-bad",
            _ => "tag-warn",
        }
    }
}

async fn outbox_page(
    st: &AppState,
    user: &CurrentUser,
    filter: &str,
    flash: Option<String>,
    form: (String, String, String, String),
) -> Result<Response, AppError> {
    let (counts, rows) = notify::outbox(st, &user.actor, Some(filter)).await?;
    let mut layout = layout_for(st, Some(user), "settings").await;
    layout.flash = flash;
    let status = if form.2.is_empty() && form.3.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render_status(
        status,
        &OutboxPage {
            layout,
            counts,
            rows,
            filter: filter.to_string(),
            email: st
                .notify
                .smtp
                .as_ref()
                .map(|s| format!("{}（发件人 {}）", s.redacted(), st.notify.mail_from))
                .unwrap_or_else(|| "未配置（TONGCHOU_SMTP_URL）".into()),
            webhook: st
                .notify
                .webhook
                .as_ref()
                .map(|w| w.url.clone())
                .unwrap_or_else(|| "未配置（TONGCHOU_WEBHOOK_URL）".into()),
            form_username: form.0,
            form_email: form.1,
            username_error: form.2,
            email_error: form.3,
        },
    ))
}

/// GET /settings/outbox[?state=failed]
pub async fn page_outbox(
    State(st): State<AppState>,
    MaybeUser(u): MaybeUser,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(user) = u else {
        return Redirect::to("/login").into_response();
    };
    let filter = q.get("state").cloned().unwrap_or_default();
    let flash = q.get("done").cloned();
    match outbox_page(&st, &user, &filter, flash, Default::default()).await {
        Ok(r) => r,
        Err(e) => error_page(&st, Some(&user), e).await,
    }
}

/// POST /settings/outbox/{id}/retry
pub async fn page_retry(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(f);
    let r: Result<Response, AppError> = async {
        user.check_csrf(fields.get("_csrf"))?;
        notify::retry(&st, &user.actor, id).await?;
        Ok(Redirect::to(&format!(
            "/settings/outbox?done={}",
            url_encode(&format!("投递 #{id} 已重新排队，稍后发送"))
        ))
        .into_response())
    }
    .await;
    match r {
        Ok(r) => r,
        Err(e) => error_page(&st, Some(&user), e).await,
    }
}

/// POST /settings/outbox/email: an administrator sets an account's address.
pub async fn page_set_user_email(
    State(st): State<AppState>,
    user: CurrentUser,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(f);
    if let Err(e) = user.check_csrf(fields.get("_csrf")) {
        return error_page(&st, Some(&user), e).await;
    }
    let (username, email) = (fields.text("username"), fields.text("email"));
    let r = match notify::set_email(&st, &user.actor, Some(&username), &email).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/settings/outbox?done={}",
            url_encode(&format!("已设置 {username} 的邮箱"))
        ))
        .into_response()),
        Err(e) => match (field_error(&e, "username"), field_error(&e, "email")) {
            (None, None) => Err(e),
            (u, m) => {
                outbox_page(
                    &st,
                    &user,
                    "",
                    None,
                    (
                        username,
                        email,
                        u.unwrap_or_default(),
                        m.unwrap_or_default(),
                    ),
                )
                .await
            }
        },
    };
    match r {
        Ok(r) => r,
        Err(e) => error_page(&st, Some(&user), e).await,
    }
}

/// GET /api/v1/outbox[?state=failed]
pub async fn api_outbox(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, AppError> {
    let (counts, rows) =
        notify::outbox(&st, &user.actor, q.get("state").map(String::as_str)).await?;
    let counts: serde_json::Map<String, Value> =
        counts.into_iter().map(|(s, n)| (s, json!(n))).collect();
    Ok(Json(json!({ "counts": counts, "items": rows })))
}

/// POST /api/v1/outbox/{id}/retry
pub async fn api_retry(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Value>, AppError> {
    notify::retry(&st, &user.actor, id).await?;
    Ok(Json(json!({ "id": id, "state": "pending" })))
}
