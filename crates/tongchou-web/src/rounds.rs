//! 集中申报期 Declaration rounds (SPEC A1): the competent authority opens a round for a
//! jurisdiction it covers (year declared for, opening and closing date); declarations outside
//! any round are supplementary (增补), a default rule (see `tongchou_domain::round`).
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
use tongchou_domain::round::{self, DeclarationRound};
use tongchou_domain::{Actor, Date, JurisdictionId, Role};

/// The rounds the actor sees (their jurisdiction, the levels above and, for a covering
/// official, the levels below), newest first, and the one open today for their jurisdiction.
pub async fn visible(
    st: &AppState,
    actor: &Actor,
) -> Result<(Vec<DeclarationRound>, Option<DeclarationRound>), AppError> {
    let mut all = st.db.rounds_over(&actor.jurisdiction_path).await?.rounds;
    if !actor.has(Role::Unit) || actor.roles.len() > 1 {
        for r in st.db.rounds_under(&actor.jurisdiction_path).await? {
            if !all.iter().any(|x| x.id == r.id) {
                all.push(r);
            }
        }
    }
    all.retain(|r| round::can_see_rounds(actor, &r.jurisdiction_path));
    all.sort_by(|a, b| b.id.cmp(&a.id));
    let today = tongchou_store::today();
    let open = all
        .iter()
        .find(|r| actor.jurisdiction_path.starts_with(&r.jurisdiction_path) && r.is_open(today))
        .cloned();
    Ok((all, open))
}

/// The round open today over a jurisdiction path, if any (shown on the project page and list).
pub async fn open_over(st: &AppState, path: &str) -> Result<Option<DeclarationRound>, AppError> {
    Ok(st
        .db
        .rounds_over(path)
        .await?
        .open_on(tongchou_store::today())
        .cloned())
}

fn date_of(field: &str, s: &str, what: &str) -> Result<Date, AppError> {
    s.trim()
        .parse::<Date>()
        .map_err(|_| AppError::field(field, format!("{what}应为日期（YYYY-MM-DD）")))
}

/// Open a round: only the competent authority covering the jurisdiction; validated whole,
/// nothing recorded on refusal.
pub async fn open(
    st: &AppState,
    actor: &Actor,
    jurisdiction: Option<i64>,
    plan_year: &str,
    opens_on: &str,
    closes_on: &str,
    note: &str,
) -> Result<DeclarationRound, AppError> {
    let jid = jurisdiction.unwrap_or(actor.jurisdiction_id.0);
    let j = match st.db.jurisdiction(JurisdictionId(jid)).await {
        Ok(j) => j,
        Err(tongchou_store::StoreError::NotFound) => return Err(AppError::NotFound),
        Err(e) => return Err(e.into()),
    };
    if !round::can_see_rounds(actor, &j.path) {
        return Err(AppError::NotFound);
    }
    if !round::can_open_round(actor, &j.path) {
        return Err(AppError::Forbidden(
            "只有本辖区（或上级）的主管部门可以组织集中申报".into(),
        ));
    }
    let plan_year: i32 = plan_year
        .trim()
        .parse()
        .map_err(|_| AppError::field("plan_year", "请填写申报年度（如 2027）"))?;
    let opens = date_of("opens_on", opens_on, "开始日期")?;
    let closes = date_of("closes_on", closes_on, "截止日期")?;
    round::validate(plan_year, opens, closes)?;
    if note.chars().count() > 2000 {
        return Err(AppError::field("note", "说明不超过 2000 字"));
    }
    let id = st
        .db
        .open_round(actor, j.id, plan_year, opens, closes, note.trim())
        .await?;
    let rounds = st.db.rounds_under(&j.path).await?;
    rounds
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| AppError::Internal("round not found after insert".into()))
}

fn text_of(v: &Value, key: &str) -> Result<String, AppError> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        Some(_) => Err(AppError::BadRequest(format!("{key} 应为字符串"))),
    }
}

/// `GET /api/v1/rounds`: the rounds the caller sees and the one open today.
pub async fn api_list(
    State(st): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, AppError> {
    let (items, open) = visible(&st, &user.actor).await?;
    Ok(Json(json!({ "items": items, "open": open })))
}

/// `POST /api/v1/rounds` `{"jurisdiction_id"?, "plan_year", "opens_on", "closes_on", "note"?}`.
pub async fn api_open(
    State(st): State<AppState>,
    user: CurrentUser,
    body: Bytes,
) -> Result<(StatusCode, Json<DeclarationRound>), AppError> {
    let v: Value = serde_json::from_slice(&body)
        .map_err(|e| AppError::BadRequest(format!("请求体不是有效的 JSON：{e}")))?;
    let jid = match v.get("jurisdiction_id") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => Some(
            n.as_i64()
                .ok_or_else(|| AppError::BadRequest("jurisdiction_id 应为整数".into()))?,
        ),
        Some(_) => return Err(AppError::BadRequest("jurisdiction_id 应为整数".into())),
    };
    let r = open(
        &st,
        &user.actor,
        jid,
        &text_of(&v, "plan_year")?,
        &text_of(&v, "opens_on")?,
        &text_of(&v, "closes_on")?,
        &text_of(&v, "note")?,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(r)))
}

#[derive(Template)]
#[template(path = "rounds.html")]
struct RoundsPage {
    layout: Layout,
    rounds: Vec<DeclarationRound>,
    open: Option<DeclarationRound>,
    can_open: bool,
    jurisdictions: Vec<(i64, String)>,
    values: Vec<(String, String)>,
    errors: Vec<(String, String)>,
    message: String,
}

impl RoundsPage {
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
}

async fn page_with(
    st: &AppState,
    user: &CurrentUser,
    values: Vec<(String, String)>,
    error: Option<AppError>,
    flash: Option<String>,
) -> Result<Response, AppError> {
    let (rounds, open) = visible(st, &user.actor).await?;
    let jurisdictions: Vec<(i64, String)> = st
        .db
        .jurisdictions()
        .await?
        .into_iter()
        .filter(|j| round::can_open_round(&user.actor, &j.path))
        .map(|j| (j.id.0, j.name))
        .collect();
    let mut layout = layout_for(st, Some(user), "profile").await;
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
        &RoundsPage {
            layout,
            rounds,
            open,
            can_open: !jurisdictions.is_empty(),
            jurisdictions,
            values,
            errors,
            message,
        },
    ))
}

/// `GET /rounds`
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

/// `POST /rounds` (page form): on a field error the form comes back with the message beside it.
pub async fn page_open(
    State(st): State<AppState>,
    user: CurrentUser,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    let r = async {
        user.check_csrf(f.get("_csrf"))?;
        let jid = match f.get("jurisdiction_id").map(str::trim) {
            None | Some("") => None,
            Some(s) => Some(
                s.parse::<i64>()
                    .map_err(|_| AppError::field("jurisdiction_id", "请选择辖区"))?,
            ),
        };
        open(
            &st,
            &user.actor,
            jid,
            &f.text("plan_year"),
            &f.text("opens_on"),
            &f.text("closes_on"),
            &f.text("note"),
        )
        .await
    }
    .await;
    match r {
        Ok(x) => Redirect::to(&format!(
            "/rounds?flash={}",
            crate::pages::url_encode(&format!("{}：{}", x.jurisdiction_name, x.label()))
        ))
        .into_response(),
        Err(e @ AppError::Unprocessable { .. }) => {
            let values = [
                "jurisdiction_id",
                "plan_year",
                "opens_on",
                "closes_on",
                "note",
            ]
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

/// The round paths of the OpenAPI document.
pub fn openapi_paths(doc: &mut Value) {
    use crate::openapi::err;
    let paths = json!({
        "/api/v1/rounds": {
            "get": {
                "summary": "集中申报期（上城区 第五章 项目申报：每年9月底组织集中申报下一年度项目）：本辖区及上级辖区的申报期，open 为今日开放的申报期（无则为 null，此时申报为增补项目，须说明理由，经政策规则指定的审批人同意）",
                "responses": { "200": { "description": "{items: [{id, jurisdiction_id, jurisdiction_name, plan_year, opens_on, closes_on, note, opened_by_name, opened_at}], open}" } } },
            "post": {
                "summary": "组织集中申报（主管部门）：申报年度、开始日期、截止日期；jurisdiction_id 缺省为本辖区",
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["plan_year", "opens_on", "closes_on"], "properties": {
                    "jurisdiction_id": { "type": "integer" }, "plan_year": { "type": "integer" }, "opens_on": { "type": "string", "format": "date" }, "closes_on": { "type": "string", "format": "date" }, "note": { "type": "string" } } } } } },
                "responses": { "201": { "description": "记录的申报期" }, "400": err("请求体无效"), "403": err("非主管部门"), "404": err("辖区不存在或不可见"), "422": err("日期或年度不合规（fields 指明字段）") } } }
    });
    if let (Some(dst), Some(src)) = (
        doc.get_mut("paths").and_then(|p| p.as_object_mut()),
        paths.as_object(),
    ) {
        for (k, v) in src {
            dst.insert(k.clone(), v.clone());
        }
    }
    // 分模块初验 goes through `/api/v1/projects/{id}/actions/accept_module`.
    let fields = json!({
        "title": "accept_module",
        "description": "分模块初验（衢州市 三(三)5：大型项目可分模块、分功能、分阶段进行初验；全部功能模块完成初验3个月后方可提出竣工验收申请）。政策规则未允许分模块初验的（上城区：整体立项，整体验收）返回 422",
        "type": "object",
        "required": ["module", "date", "panel", "opinion"],
        "properties": {
            "module": { "type": "string", "description": "模块名称" },
            "date": { "type": "string", "format": "date", "description": "初验日期（不早于上一模块）" },
            "panel": { "type": "array", "items": { "type": "string" }, "description": "初验专家组（人数按政策规则，如 3 人以上单数）" },
            "last": { "type": "boolean", "description": "最后一个模块：全部功能模块完成初验，开始试运行" },
            "opinion": { "type": "string" }
        }
    });
    if let Some(s) = doc
        .pointer_mut("/components/schemas")
        .and_then(|s| s.as_object_mut())
    {
        s.insert("ModuleAcceptanceFields".into(), fields);
    }
}
