//! A profile per jurisdiction (SPEC §3): which profile is in force where, where it is inherited
//! from, and an administrator's choice for a jurisdiction their own covers.
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::fields::Fields;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use serde::Serialize;
use serde_json::{json, Value};
use tongchou_domain::permission::can_choose_profile;
use tongchou_domain::{Actor, JurisdictionId};

/// One jurisdiction and the profile in force there.
#[derive(Debug, Clone, Serialize)]
pub struct InForce {
    pub jurisdiction_id: i64,
    pub jurisdiction_name: String,
    pub level: String,
    pub path: String,
    pub profile_code: String,
    pub profile_name: String,
    pub version: i64,
    /// Its own choice (`true`) or inherited.
    pub own: bool,
    /// 本级选定 / 继承自 X / 未选定，适用参考配置.
    pub source: String,
}

/// The profile in force at a jurisdiction and where it comes from.
pub fn in_force(st: &AppState, id: i64, name: &str, level: &str, path: &str) -> InForce {
    let (v, p, a) = st.profile_in_force(path);
    let own = a.as_ref().is_some_and(|a| a.jurisdiction_path == path);
    let source = match &a {
        Some(_) if own => "本级选定".to_string(),
        Some(a) => format!("继承自{}", a.jurisdiction_name),
        None => "各级均未选定，适用参考配置".to_string(),
    };
    InForce {
        jurisdiction_id: id,
        jurisdiction_name: name.into(),
        level: level.into(),
        path: path.into(),
        profile_code: p.code.clone(),
        profile_name: p.name.clone(),
        version: v,
        own,
        source,
    }
}

/// Every jurisdiction the actor's covers, with the profile in force there.
pub async fn covered(st: &AppState, actor: &Actor) -> Result<Vec<InForce>, AppError> {
    Ok(st
        .db
        .jurisdictions()
        .await?
        .iter()
        .filter(|j| actor.covers(&j.path))
        .map(|j| in_force(st, j.id.0, &j.name, &j.level, &j.path))
        .collect())
}

/// The profile in force for the actor's own jurisdiction.
pub async fn mine(st: &AppState, actor: &Actor) -> Result<InForce, AppError> {
    let j = st.db.jurisdiction(actor.jurisdiction_id).await?;
    Ok(in_force(st, j.id.0, &j.name, &j.level, &j.path))
}

/// Choose (or, with an empty code, stop choosing: inherit the parent's) the profile of a
/// jurisdiction. Only an administrator covering it; an unknown code is a 422; nothing changes
/// on refusal.
pub async fn choose(
    st: &AppState,
    actor: &Actor,
    jurisdiction: i64,
    code: &str,
    note: &str,
) -> Result<InForce, AppError> {
    let j = match st.db.jurisdiction(JurisdictionId(jurisdiction)).await {
        Ok(j) => j,
        Err(tongchou_store::StoreError::NotFound) => return Err(AppError::NotFound),
        Err(e) => return Err(e.into()),
    };
    if !actor.covers(&j.path) && !actor.has(tongchou_domain::Role::Admin) {
        return Err(AppError::NotFound);
    }
    if !can_choose_profile(actor, &j.path) {
        return Err(AppError::Forbidden(
            "只有本辖区（或上级）的系统管理员可以选定该辖区的政策规则".into(),
        ));
    }
    let code = code.trim();
    if !code.is_empty() && st.profiles.get_code(code).is_none() {
        return Err(AppError::field(
            "profile_code",
            format!(
                "没有编码为 {code} 的政策规则（可选：{}）",
                st.profiles.codes().join("、")
            ),
        ));
    }
    if note.trim().is_empty() {
        return Err(AppError::field("note", "请填写选定理由（依据）"));
    }
    st.db.choose_profile(actor, j.id, code, note.trim()).await?;
    st.load_assignments().await.map_err(AppError::Internal)?;
    Ok(in_force(st, j.id.0, &j.name, &j.level, &j.path))
}

fn text_of(v: &Value, key: &str) -> Result<String, AppError> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(AppError::BadRequest(format!("{key} 应为字符串"))),
    }
}

/// `GET /api/v1/profile`: the profile in force for the caller's jurisdiction, where it comes
/// from, and the whole profile.
pub async fn api_mine(
    State(st): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, AppError> {
    let f = mine(&st, &user.actor).await?;
    let p = st.profile_for(&f.path);
    Ok(Json(json!({ "in_force": f, "profile": *p })))
}

/// `GET /api/v1/jurisdictions/profiles`: every jurisdiction the caller's covers.
pub async fn api_list(
    State(st): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, AppError> {
    Ok(Json(json!({ "items": covered(&st, &user.actor).await? })))
}

/// `PUT /api/v1/jurisdictions/{id}/profile` `{"profile_code": "shaoxing", "note": "…"}`
/// (empty code: inherit the parent's).
pub async fn api_choose(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Json<Value>, AppError> {
    let v: Value = serde_json::from_slice(&body)
        .map_err(|e| AppError::BadRequest(format!("请求体不是有效的 JSON：{e}")))?;
    let f = choose(
        &st,
        &user.actor,
        id,
        &text_of(&v, "profile_code")?,
        &text_of(&v, "note")?,
    )
    .await?;
    Ok(Json(json!(f)))
}

/// `POST /settings/profile/choose` (page form).
pub async fn page_choose(
    State(st): State<AppState>,
    user: CurrentUser,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    let r = async {
        user.check_csrf(f.get("_csrf"))?;
        let id: i64 = f
            .get("jurisdiction_id")
            .unwrap_or("")
            .parse()
            .map_err(|_| AppError::field("jurisdiction_id", "请选择辖区"))?;
        choose(
            &st,
            &user.actor,
            id,
            f.get("profile_code").unwrap_or(""),
            &f.text("note"),
        )
        .await
    }
    .await;
    match r {
        Ok(x) => Redirect::to(&format!(
            "/profile?flash={}",
            crate::pages::url_encode(&format!(
                "{}：{}（{}）",
                x.jurisdiction_name, x.profile_name, x.source
            ))
        ))
        .into_response(),
        Err(e) => crate::pages::page_error(&st, Some(&user), e).await,
    }
}
