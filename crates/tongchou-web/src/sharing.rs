//! The provincial shared-application mechanism (ZJ-share, seed 000) as a stored, versioned,
//! editable profile: shown on 政策规则 with its citations, edited as TOML by an administrator
//! covering the province, validated whole (never half applied).
use crate::auth::{CurrentUser, MaybeUser};
use crate::error::AppError;
use crate::fields::Fields;
use crate::pages::{layout_for, render_status, Layout};
use crate::AppState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use serde_json::{json, Value};
use tongchou_domain::profile::{can_edit_sharing_rules, SharingRules};
use tongchou_domain::Actor;
use tongchou_store::profile::ProfileVersion;

/// The rules in force: (version, rules); version 0 is the shipped text.
pub async fn current(st: &AppState) -> Result<(i64, SharingRules), AppError> {
    match st.db.latest_sharing_rules().await? {
        Some((v, text)) => SharingRules::from_toml(&text).map(|r| (v, r)).map_err(|e| {
            AppError::Internal(format!("stored sharing rules v{v}: {}", e.join("; ")))
        }),
        None => Ok((0, SharingRules::zj_share())),
    }
}

/// Validate and store a new version. Only an administrator covering the province; every
/// problem is reported at once (422) and nothing is stored.
pub async fn save(st: &AppState, actor: &Actor, text: &str, note: &str) -> Result<i64, AppError> {
    if !can_edit_sharing_rules(actor) {
        return Err(AppError::Forbidden(
            "只有省级系统管理员可以修改全省共享应用机制规则".into(),
        ));
    }
    let rules = SharingRules::from_toml(text).map_err(|errs| {
        AppError::invalid(
            errs.into_iter()
                .map(|m| tongchou_domain::project::FieldError {
                    field: "text".into(),
                    message: m,
                })
                .collect(),
        )
    })?;
    if note.trim().is_empty() {
        return Err(AppError::field("note", "请填写修改说明（依据）"));
    }
    Ok(st
        .db
        .save_sharing_rules(actor, &rules.to_toml(), note.trim())
        .await?)
}

/// `GET /api/v1/sharing-rules`: the rules in force, their version and the version history.
pub async fn api_get(
    State(st): State<AppState>,
    _user: CurrentUser,
) -> Result<Json<Value>, AppError> {
    let (version, rules) = current(&st).await?;
    let versions = st.db.sharing_rules_versions().await?;
    Ok(Json(
        json!({ "version": version, "rules": rules, "toml": rules.to_toml(), "versions": versions }),
    ))
}

/// `PUT /api/v1/sharing-rules` `{"toml": "…", "note": "…"}`.
pub async fn api_put(
    State(st): State<AppState>,
    user: CurrentUser,
    body: Bytes,
) -> Result<Json<Value>, AppError> {
    let v: Value = serde_json::from_slice(&body)
        .map_err(|e| AppError::BadRequest(format!("请求体不是有效的 JSON：{e}")))?;
    let s = |k: &str| -> Result<String, AppError> {
        match v.get(k) {
            None | Some(Value::Null) => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(AppError::BadRequest(format!("{k} 应为字符串"))),
        }
    };
    let version = save(&st, &user.actor, &s("toml")?, &s("note")?).await?;
    let (_, rules) = current(&st).await?;
    Ok(Json(json!({ "version": version, "rules": rules })))
}

#[derive(Template)]
#[template(path = "sharing_admin.html")]
struct AdminPage {
    layout: Layout,
    version: i64,
    text: String,
    note: String,
    errors: Vec<String>,
    versions: Vec<ProfileVersion>,
}

async fn admin_page(
    st: &AppState,
    user: &CurrentUser,
    text: Option<String>,
    note: String,
    errors: Vec<String>,
) -> Result<Response, AppError> {
    if !can_edit_sharing_rules(&user.actor) {
        return Err(AppError::Forbidden(
            "只有省级系统管理员可以修改全省共享应用机制规则".into(),
        ));
    }
    let (version, rules) = current(st).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render_status(
        status,
        &AdminPage {
            layout: layout_for(st, Some(user), "profile").await,
            version,
            text: text.unwrap_or_else(|| rules.to_toml()),
            note,
            errors,
            versions: st.db.sharing_rules_versions().await?,
        },
    ))
}

/// `GET /settings/sharing`
pub async fn page(State(st): State<AppState>, MaybeUser(u): MaybeUser) -> Response {
    let Some(user) = u else {
        return Redirect::to("/login").into_response();
    };
    match admin_page(&st, &user, None, String::new(), vec![]).await {
        Ok(r) => r,
        Err(e) => crate::pages::error_page(&st, Some(&user), e).await,
    }
}

/// `POST /settings/sharing`: validated whole; on errors the form comes back with them.
pub async fn page_save(
    State(st): State<AppState>,
    user: CurrentUser,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    let text = f.get("text").unwrap_or("").to_string();
    let note = f.text("note");
    let r = async {
        user.check_csrf(f.get("_csrf"))?;
        save(&st, &user.actor, &text, &note).await
    }
    .await;
    match r {
        Ok(v) => Redirect::to(&format!(
            "/profile?flash={}#zj-share",
            crate::pages::url_encode(&format!("全省共享应用机制规则已保存为第 {v} 版"))
        ))
        .into_response(),
        Err(AppError::Unprocessable {
            message, fields, ..
        }) => {
            let errors = if fields.is_empty() {
                vec![message]
            } else {
                fields.into_iter().map(|f| f.message).collect()
            };
            match admin_page(&st, &user, Some(text), note, errors).await {
                Ok(r) => r,
                Err(e) => crate::pages::error_page(&st, Some(&user), e).await,
            }
        }
        Err(e) => crate::pages::error_page(&st, Some(&user), e).await,
    }
}

/// The sharing-rules paths of the OpenAPI document.
pub fn openapi_paths(doc: &mut Value) {
    use crate::openapi::err;
    let paths = json!({
        "/api/v1/sharing-rules": {
            "get": {
                "summary": "全省共享应用机制（浙江省数字政府系统“一地创新、全省共享”应用建设机制）规则：现行版本（0 为内置）、规则、TOML 与版本记录",
                "responses": { "200": { "description": "{version, rules, toml, versions}" } } },
            "put": {
                "summary": "修改全省共享应用机制规则（省级系统管理员）：整体校验后保存为新版本，有误则不保存",
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["toml", "note"], "properties": { "toml": { "type": "string" }, "note": { "type": "string" } } } } } },
                "responses": { "200": { "description": "{version, rules}" }, "403": err("非省级系统管理员"), "422": err("规则校验未通过（逐条列出）") } } }
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
