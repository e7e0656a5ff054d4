//! JSON API under `/api/v1`: the same service functions as the pages.
use crate::auth::{login as do_login, CurrentUser};
use crate::error::AppError;
use crate::fields::{project_input, Fields};
use crate::service;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use tongchou_domain::lifecycle::available_actions;
use tongchou_domain::permission::list_scope;
use tongchou_domain::project::ProjectContext;
use tongchou_domain::{ProjectId, Stage, UnitId};
use tongchou_store::project::ListFilter;

/// Parse a JSON body ourselves so that bad JSON is a clear 400, not a framework default.
fn json_body(body: &Bytes) -> Result<Value, AppError> {
    serde_json::from_slice(body)
        .map_err(|e| AppError::BadRequest(format!("请求体不是有效的 JSON：{e}")))
}

pub async fn healthz(State(st): State<AppState>) -> Response {
    if st.db.ping().await {
        (StatusCode::OK, Json(json!({"status": "ok"}))).into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "database unreachable"})),
        )
            .into_response()
    }
}

pub async fn login(State(st): State<AppState>, body: Bytes) -> Result<Json<Value>, AppError> {
    let v = json_body(&body)?;
    let username = v
        .get("username")
        .and_then(Value::as_str)
        .ok_or_else(|| AppError::field("username", "请填写用户名"))?;
    let password = v
        .get("password")
        .and_then(Value::as_str)
        .ok_or_else(|| AppError::field("password", "请填写密码"))?;
    let (token, _csrf) = do_login(&st, username, password).await?;
    let (actor, _) = st.db.session(&token).await?.ok_or(AppError::Unauthorized)?;
    Ok(Json(json!({ "token": token, "user": actor })))
}

pub async fn logout(State(st): State<AppState>, user: CurrentUser) -> Result<StatusCode, AppError> {
    if let Some(t) = &user.session_token {
        st.db.delete_session(t).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

pub async fn me(user: CurrentUser) -> Json<Value> {
    Json(
        json!({ "user": user.actor, "roles": user.actor.roles.iter().map(|r| r.label()).collect::<Vec<_>>() }),
    )
}

pub fn project_json(st: &AppState, ctx: &ProjectContext, user: &CurrentUser) -> Value {
    let mut v = serde_json::to_value(&ctx.project).unwrap_or(Value::Null);
    let (pv, profile, _) = st.profile_in_force(&ctx.project.jurisdiction_path);
    if let Some(o) = v.as_object_mut() {
        o.insert(
            "profile".into(),
            json!({ "code": profile.code, "version": pv, "name": profile.name }),
        );
        o.insert(
            "stage_label".into(),
            json!(profile.stage_name(ctx.project.stage)),
        );
        o.insert(
            "actions".into(),
            json!(available_actions(ctx, &user.actor, &profile)),
        );
        o.insert("attachments".into(), json!(ctx.attachment_kinds));
        // 项目代码 (Quzhou 三(二)2), 涉密, and whether the profile requires the code.
        let x = &ctx.project.extra;
        o.insert("project_code".into(), json!(x.project_code));
        o.insert("classified".into(), json!(x.classified));
        o.insert(
            "project_code_rule".into(),
            json!(profile.project_code_cite.as_ref().map(|c| c.to_string())),
        );
        // Shaoxing 第三十四条: the system's O&M money stopped (since, why) until lifted.
        o.insert(
            "om_stop".into(),
            json!(x.om_stopped.as_ref().map(|(since, reason)| json!({
                "since": since.to_string(),
                "reason": reason,
                "cite": tongchou_domain::evaluation::om_stop_cite().to_string(),
            }))),
        );
        // 采购 and 合同 with its 工程监理合同 (SPEC I5), and whether the profile requires one.
        o.insert("procurement".into(), json!(ctx.procurement));
        // 原则性规定的例外 with their approver and sign-off state (SPEC §0).
        o.insert(
            "overrides".into(),
            json!(ctx
                .overrides
                .iter()
                .map(|x| {
                    let mut v = json!(x);
                    v["state_label"] = json!(x.state.label());
                    v["approver_label"] = json!(profile.role_name(x.approver));
                    v
                })
                .collect::<Vec<_>>()),
        );
        o.insert("contract".into(), json!(ctx.contract));
        let sup = &profile.supervision;
        let method = ctx.procurement.as_ref().map(|p| p.method.as_str());
        o.insert(
            "supervision_rule".into(),
            json!({
                "mode": sup.mode,
                "label": sup.mode.label(),
                "applies": method.is_some_and(|m| sup.applies(m)),
                "required": method.is_some_and(|m| sup.required(m)),
                "cite": sup.cite.to_string(),
            }),
        );
        o.insert(
            "money".into(),
            crate::money::money_json(ctx, &profile, tongchou_store::today()),
        );
    }
    v
}

/// The project as it stands after an action (GET the project for the actions now open).
pub fn project_state_json(p: &tongchou_domain::project::Project) -> Value {
    let mut v = serde_json::to_value(p).unwrap_or(Value::Null);
    v["stage_label"] = json!(p.stage.label());
    v
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    pub stage: Option<String>,
    pub phase: Option<String>,
    pub year: Option<String>,
    pub unit: Option<String>,
    pub q: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

impl ListQuery {
    pub fn filter(&self, default_per_page: u32) -> Result<ListFilter, AppError> {
        let num = |s: &Option<String>, f: &str| -> Result<Option<i64>, AppError> {
            match s.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(v) => v
                    .parse()
                    .map(Some)
                    .map_err(|_| AppError::field(f, "须为整数")),
            }
        };
        let mut stages = Vec::new();
        if let Some(s) = self.stage.as_deref().filter(|s| !s.is_empty()) {
            stages.push(Stage::parse(s).ok_or_else(|| AppError::field("stage", "未知的阶段"))?);
        }
        if let Some(ph) = self.phase.as_deref().filter(|s| !s.is_empty()) {
            let of_phase: Vec<Stage> = Stage::ALL.into_iter().filter(|s| s.phase() == ph).collect();
            if of_phase.is_empty() {
                return Err(AppError::field("phase", "未知的环节"));
            }
            stages.extend(of_phase);
        }
        Ok(ListFilter {
            stages,
            year: num(&self.year, "year")?.map(|y| y as i32),
            unit: num(&self.unit, "unit")?.map(UnitId),
            q: self.q.clone(),
            page: num(&self.page, "page")?.unwrap_or(1).clamp(1, 1_000_000) as u32,
            per_page: num(&self.per_page, "per_page")?
                .unwrap_or(default_per_page as i64)
                .clamp(1, 500) as u32,
        })
    }
}

pub async fn list(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> Result<Json<Value>, AppError> {
    let f = q.filter(100)?;
    let (items, total) = st.db.list_projects(&list_scope(&user.actor), &f).await?;
    let items: Vec<Value> = items
        .into_iter()
        .map(|i| {
            let label = i.stage.label();
            let mut v = serde_json::to_value(i).unwrap_or(Value::Null);
            v["stage_label"] = json!(label);
            v
        })
        .collect();
    Ok(Json(
        json!({ "items": items, "total": total, "page": f.page, "per_page": f.per_page }),
    ))
}

pub async fn create(
    State(st): State<AppState>,
    user: CurrentUser,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let fields = Fields::from_json(&json_body(&body)?)?;
    let input = project_input(&fields)?;
    let p = service::create_project(&st, &user.actor, &input).await?;
    let ctx = st.db.context(p.id).await?;
    Ok((StatusCode::CREATED, Json(project_json(&st, &ctx, &user))))
}

pub async fn show(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Value>, AppError> {
    let ctx = service::visible_context(&st, &user.actor, ProjectId(id)).await?;
    Ok(Json(project_json(&st, &ctx, &user)))
}

/// `GET /api/v1/projects/{id}/similar`: 重复建设比对 for a project the user may see.
pub async fn similar(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Value>, AppError> {
    let p = service::visible_project(&st, &user.actor, ProjectId(id)).await?;
    let items = service::similar_to(&st, &user.actor, &p).await?;
    Ok(Json(similar_json(items)))
}

#[derive(serde::Deserialize)]
pub struct SimilarQuery {
    pub name: Option<String>,
    pub summary: Option<String>,
}

/// `GET /api/v1/similar?name=…&summary=…`: the same check for a text not yet saved (a unit
/// drafting a declaration).
pub async fn similar_text(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<SimilarQuery>,
) -> Result<Json<Value>, AppError> {
    let name = q.name.unwrap_or_default();
    let summary = q.summary.unwrap_or_default();
    if name.trim().is_empty() && summary.trim().is_empty() {
        return Err(AppError::field("name", "请填写项目名称或建设内容"));
    }
    if name.chars().count() > 200 || summary.chars().count() > 5000 {
        return Err(AppError::field(
            "summary",
            "名称不超过 200 字，建设内容不超过 5000 字",
        ));
    }
    let items = service::similar_text(&st, &user.actor, &name, &summary, None).await?;
    Ok(Json(similar_json(items)))
}

fn similar_json(items: Vec<tongchou_domain::similarity::Similar>) -> Value {
    let items: Vec<Value> = items
        .into_iter()
        .map(|s| {
            let likely = s.likely_duplicate();
            let (label, href) = (s.kind_label(), s.href());
            let mut v = serde_json::to_value(s).unwrap_or(Value::Null);
            v["likely_duplicate"] = json!(likely);
            v["kind_label"] = json!(label);
            v["href"] = json!(href);
            v
        })
        .collect();
    json!({
        "items": items,
        "likely_threshold": tongchou_domain::similarity::LIKELY_DUPLICATE,
        "cite": tongchou_domain::lifecycle::duplicate_cite().to_string(),
    })
}

pub async fn history(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Value>, AppError> {
    service::visible_context(&st, &user.actor, ProjectId(id)).await?;
    let h = st.db.history(ProjectId(id)).await?;
    Ok(Json(json!({ "items": h })))
}

pub async fn obligations(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Value>, AppError> {
    service::visible_project(&st, &user.actor, ProjectId(id)).await?;
    let today = tongchou_store::today();
    let items: Vec<Value> = st
        .db
        .obligations(ProjectId(id))
        .await?
        .into_iter()
        .map(|o| {
            let status =
                tongchou_domain::obligation::status(&o.state, o.due, o.fulfilled_on, today);
            let mut v = serde_json::to_value(&o).unwrap_or(Value::Null);
            v["status"] = json!(status);
            v["status_label"] = json!(status.label());
            v["days_left"] = json!(tongchou_domain::obligation::days_left(o.due, today));
            v
        })
        .collect();
    Ok(Json(json!({ "items": items })))
}

pub async fn act(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((id, action)): Path<(i64, String)>,
    body: Bytes,
) -> Result<Json<Value>, AppError> {
    if user.csrf.is_some() {
        // Cookie sessions must send the CSRF token in a header for API writes.
        return Err(AppError::Forbidden(
            "接口写操作请使用 Authorization: Bearer 令牌".into(),
        ));
    }
    let fields = if body.is_empty() {
        Fields::default()
    } else {
        Fields::from_json(&json_body(&body)?)?
    };
    let p = service::act(&st, &user.actor, ProjectId(id), &action, &fields).await?;
    Ok(Json(project_state_json(&p)))
}

/// Read a multipart upload: (kind, filename, bytes, other fields).
pub async fn read_upload(mut mp: Multipart) -> Result<(String, String, Vec<u8>, Fields), AppError> {
    let mut kind = String::new();
    let mut filename = String::new();
    let mut bytes = Vec::new();
    let mut fields = Vec::new();
    while let Some(field) = mp.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            filename = field.file_name().unwrap_or("").to_string();
            bytes = field.bytes().await.map_err(multipart_error)?.to_vec();
        } else {
            let text = field.text().await.map_err(multipart_error)?;
            if name == "kind" {
                kind = text.clone();
            }
            fields.push((name, text));
        }
    }
    Ok((kind, filename, bytes, Fields(fields)))
}

/// A body over the upload limit is a 413 (the error's status says so; its text does not).
fn multipart_error(e: axum::extract::multipart::MultipartError) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::TooLarge("文件超过上传大小上限".into())
    } else {
        upload_error(e.body_text())
    }
}

fn upload_error(detail: String) -> AppError {
    if detail.contains("length limit") || detail.contains("too large") {
        AppError::TooLarge("文件超过上传大小上限".into())
    } else {
        AppError::BadRequest(format!("上传格式不正确：{detail}"))
    }
}

pub async fn upload(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    mp: Multipart,
) -> Result<(StatusCode, Json<Value>), AppError> {
    if user.csrf.is_some() {
        return Err(AppError::Forbidden(
            "接口写操作请使用 Authorization: Bearer 令牌".into(),
        ));
    }
    let (kind, filename, bytes, fields) = read_upload(mp).await?;
    let p = service::attach(
        &st,
        &user.actor,
        ProjectId(id),
        &kind,
        &filename,
        &bytes,
        &fields,
    )
    .await?;
    let atts = st.db.attachments(p.id).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "project_version": p.version, "attachments": atts })),
    ))
}

pub fn file_response(a: &tongchou_store::project::AttachmentRow, bytes: Vec<u8>) -> Response {
    let encoded: String = a
        .filename
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    (
        [
            (header::CONTENT_TYPE, a.content_type.clone()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename*=UTF-8''{encoded}"),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        bytes,
    )
        .into_response()
}

pub async fn download(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((id, aid)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let (a, bytes) = service::download(&st, &user.actor, ProjectId(id), aid).await?;
    Ok(file_response(&a, bytes))
}

pub async fn experts(
    State(st): State<AppState>,
    _user: CurrentUser,
) -> Result<Json<Value>, AppError> {
    Ok(Json(json!({ "items": st.db.experts().await? })))
}

pub async fn create_token(
    State(st): State<AppState>,
    user: CurrentUser,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), AppError> {
    if user.csrf.is_some() {
        return Err(AppError::Forbidden(
            "接口写操作请使用 Authorization: Bearer 令牌".into(),
        ));
    }
    let v = if body.is_empty() {
        json!({})
    } else {
        json_body(&body)?
    };
    let name = v
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("API 令牌")
        .trim()
        .chars()
        .take(60)
        .collect::<String>();
    let token = crate::auth::new_api_token();
    st.db
        .create_api_token(user.actor.user_id, &name, &token)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "token": token, "name": name })),
    ))
}
