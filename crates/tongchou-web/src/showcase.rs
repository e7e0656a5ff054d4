//! 观星台 showcase (SPEC P2, E5; ZJ-plan 四(三); Quzhou 四): the authority's page to choose,
//! edit, publish and unpublish typical demonstration cases, and the public page (no login) that
//! shows published cases only — title, summary, results, the project or application and its
//! unit; nothing internal (no drafts, no opinions, no persons).
use crate::auth::{CurrentUser, MaybeUser};
use crate::error::AppError;
use crate::fields::Fields;
use crate::pages::{error_page, layout_for, page_or_error, render, render_status, Layout};
use crate::{service, AppState};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;
use tongchou_domain::permission::list_scope;
use tongchou_domain::showcase::{self, Case, CaseInput, CaseSource};
use tongchou_domain::{Actor, ProjectId, Stage};
use tongchou_store::project::ListFilter;
use tongchou_store::tasks::{BoardHistoryEntry, PublicCase};
use tongchou_store::today;

fn input(f: &Fields) -> Result<CaseInput, AppError> {
    let i = CaseInput {
        title: f.text("title"),
        summary: f.text("summary"),
        results: f.text("results"),
    };
    showcase::check_input(&i)?;
    Ok(i)
}

fn need_curator(actor: &Actor) -> Result<(), AppError> {
    if showcase::may_curate(actor) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "只有项目主管部门可以选定和发布典型示范案例".into(),
        ))
    }
}

/// Run one showcase action: `add` (source, source_id or source=project:ID, title, summary,
/// results), `edit` (id, version, title, summary, results), `publish`, `unpublish` (id, version).
/// Returns the case's id.
pub async fn act(st: &AppState, actor: &Actor, action: &str, f: &Fields) -> Result<i64, AppError> {
    need_curator(actor)?;
    if action == "add" {
        let raw = f.text("source");
        let (kind, sid) = match raw.split_once(':') {
            Some((k, id)) => (k.to_string(), id.to_string()),
            None => (raw.clone(), f.text("source_id")),
        };
        let source =
            CaseSource::parse(&kind).ok_or_else(|| AppError::field("source", "请选择案例来源"))?;
        let sid: i64 = sid
            .parse()
            .map_err(|_| AppError::field("source", "请选择案例来源"))?;
        let (name, owner) = match source {
            CaseSource::Project => {
                let p = service::visible_project(st, actor, ProjectId(sid)).await?;
                showcase::project_eligible(p.stage)?;
                (p.input.name, p.unit_name)
            }
            CaseSource::Listing => {
                let l = st.db.listing(sid).await.map_err(|e| match e {
                    tongchou_store::StoreError::NotFound => {
                        AppError::field("source", "应用市场中没有该应用")
                    }
                    e => e.into(),
                })?;
                showcase::listing_eligible(l.best, l.nomination.is_some())?;
                (l.name, l.owner_name)
            }
        };
        let i = input(f)?;
        return Ok(st
            .db
            .create_case(actor, source, sid, &name, &owner, &i)
            .await?);
    }
    let id: i64 = f
        .text("id")
        .parse()
        .map_err(|_| AppError::field("id", "请指定案例"))?;
    let c = st.db.case(id).await?;
    if !showcase::may_publish(actor, &c) {
        return Err(AppError::NotFound);
    }
    let version = f.version()?.unwrap_or(c.version);
    match action {
        "edit" => {
            let i = input(f)?;
            st.db
                .update_case(actor, id, version, Some(&i), None)
                .await?
        }
        "publish" | "unpublish" => {
            let on = action == "publish";
            if c.published == on {
                return Err(AppError::Conflict(if on {
                    "该案例已在观星台发布".into()
                } else {
                    "该案例尚未发布".into()
                }));
            }
            st.db
                .update_case(actor, id, version, None, Some((on, today())))
                .await?
        }
        _ => return Err(AppError::NotFound),
    }
    Ok(id)
}

/// The cases this curator keeps (chosen within their jurisdiction), drafts included.
async fn my_cases(st: &AppState, actor: &Actor) -> Result<Vec<Case>, AppError> {
    Ok(st
        .db
        .cases()
        .await?
        .into_iter()
        .filter(|c| showcase::may_publish(actor, c))
        .collect())
}

fn case_json(c: &Case) -> Value {
    let mut v = serde_json::to_value(c).unwrap_or(Value::Null);
    v["source_label"] = json!(c.source.label());
    v
}

/// `GET /api/v1/showcase`: the curator's cases, drafts included.
pub async fn api_list(
    State(st): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, AppError> {
    need_curator(&user.actor)?;
    let cases = my_cases(&st, &user.actor).await?;
    Ok(Json(
        json!({ "items": cases.iter().map(case_json).collect::<Vec<_>>() }),
    ))
}

/// `POST /api/v1/showcase/{action}`
pub async fn api_act(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(action): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), AppError> {
    if user.csrf.is_some() {
        return Err(AppError::Forbidden(
            "接口写操作请使用 Authorization: Bearer 令牌".into(),
        ));
    }
    let f = if body.is_empty() {
        Fields::default()
    } else {
        let v: Value = serde_json::from_slice(&body)
            .map_err(|e| AppError::BadRequest(format!("请求体不是有效的 JSON：{e}")))?;
        Fields::from_json(&v)?
    };
    let id = act(&st, &user.actor, &action, &f).await?;
    let c = st.db.case(id).await?;
    let status = if action == "add" {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let mut v = case_json(&c);
    v["history"] = json!(st.db.board_history("case", id).await?);
    Ok((status, Json(v)))
}

/// `GET /api/v1/public/showcase` (no login): published cases, public fields only.
pub async fn api_public(State(st): State<AppState>) -> Result<Json<Value>, AppError> {
    let items = st.db.published_cases().await?;
    Ok(Json(json!({
        "cite": showcase::cite_showcase().to_string(),
        "items": items,
    })))
}

#[derive(Template)]
#[template(path = "showcase_public.html")]
struct PublicPage {
    layout: Layout,
    items: Vec<PublicCase>,
    cite: String,
    cite2: String,
    can_curate: bool,
}

/// `GET /public/showcase` (no login)
pub async fn public_page(State(st): State<AppState>, MaybeUser(u): MaybeUser) -> Response {
    match st.db.published_cases().await {
        Ok(items) => render(&PublicPage {
            layout: layout_for(&st, u.as_ref(), "showcase").await,
            items,
            cite: showcase::cite_showcase().to_string(),
            cite2: showcase::cite_promotion().to_string(),
            can_curate: u.as_ref().is_some_and(|u| showcase::may_curate(&u.actor)),
        }),
        Err(e) => error_page(&st, u.as_ref(), e.into()).await,
    }
}

#[derive(Template)]
#[template(path = "showcase.html")]
struct AdminPage {
    layout: Layout,
    cases: Vec<(Case, Vec<BoardHistoryEntry>)>,
    /// (value "project:ID" / "listing:ID", label)
    candidates: Vec<(String, String)>,
    cite: String,
    error: Option<(String, String)>,
    v: HashMap<String, String>,
}

impl AdminPage {
    fn err(&self, action: &str) -> String {
        match &self.error {
            Some((a, m)) if a == action => m.clone(),
            _ => String::new(),
        }
    }
    fn val(&self, k: &str) -> String {
        self.v.get(k).cloned().unwrap_or_default()
    }
}

async fn render_admin(
    st: &AppState,
    user: &CurrentUser,
    error: Option<(String, AppError, Fields)>,
    flash: Option<String>,
) -> Result<Response, AppError> {
    need_curator(&user.actor)?;
    let mut cases = vec![];
    for c in my_cases(st, &user.actor).await? {
        let h = st.db.board_history("case", c.id).await?;
        cases.push((c, h));
    }
    let chosen = |k: CaseSource, id: i64| {
        cases
            .iter()
            .any(|(c, _)| c.source == k && c.source_id == id)
    };
    let mut candidates = vec![];
    let f = ListFilter {
        stages: vec![Stage::InOperation],
        per_page: 200,
        page: 1,
        ..Default::default()
    };
    let (projects, _) = st.db.list_projects(&list_scope(&user.actor), &f).await?;
    for p in projects {
        if !chosen(CaseSource::Project, p.id) {
            candidates.push((
                format!("project:{}", p.id),
                format!("已验收项目：{}（{}）", p.name, p.unit_name),
            ));
        }
    }
    for l in st.db.listings("").await? {
        if (l.best || l.nomination.is_some()) && !chosen(CaseSource::Listing, l.id) {
            candidates.push((
                format!("listing:{}", l.id),
                format!(
                    "{}：{}（{}）",
                    if l.best {
                        "最佳应用"
                    } else {
                        "争先制推荐"
                    },
                    l.name,
                    l.owner_name
                ),
            ));
        }
    }
    let mut layout = layout_for(st, Some(user), "showcase").await;
    layout.flash = flash;
    let status = error
        .as_ref()
        .map(|(_, e, _)| e.status())
        .unwrap_or(StatusCode::OK);
    let (error, v) = match error {
        Some((a, e, f)) => (Some((a, e.body().message)), f.0.into_iter().collect()),
        None => (None, HashMap::new()),
    };
    Ok(render_status(
        status,
        &AdminPage {
            layout,
            cases,
            candidates,
            cite: showcase::cite_showcase().to_string(),
            error,
            v,
        },
    ))
}

/// `GET /showcase` (competent authority)
pub async fn admin_page(
    State(st): State<AppState>,
    MaybeUser(u): MaybeUser,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(user) = u else {
        return Redirect::to("/login").into_response();
    };
    let flash = q.get("done").map(|a| {
        format!(
            "已完成：{}，并记入案例历史",
            match a.as_str() {
                "add" => "选定案例",
                "edit" => "修改案例",
                "publish" => "在观星台发布",
                "unpublish" => "从观星台撤下",
                _ => "操作",
            }
        )
    });
    let r = render_admin(&st, &user, None, flash).await;
    page_or_error(&st, &user, r).await
}

/// `POST /showcase/{action}`
pub async fn submit(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(action): Path<String>,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(f);
    let r = async {
        user.check_csrf(fields.get("_csrf"))?;
        act(&st, &user.actor, &action, &fields).await
    }
    .await;
    let out = match r {
        Ok(id) => {
            return Redirect::to(&format!("/showcase?done={action}#case-{id}")).into_response()
        }
        Err(e @ (AppError::Unprocessable { .. } | AppError::Conflict(_))) => {
            render_admin(&st, &user, Some((action, e, fields)), None).await
        }
        Err(e) => Err(e),
    };
    page_or_error(&st, &user, out).await
}

pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/showcase", get(admin_page))
        .route("/showcase/{action}", post(submit))
        .route("/public/showcase", get(public_page))
        .route("/api/v1/public/showcase", get(api_public))
        .route("/api/v1/showcase", get(api_list))
        .route("/api/v1/showcase/{action}", post(api_act))
}

pub fn openapi_paths(doc: &mut Value) {
    use crate::openapi::err;
    let paths = json!({
        "/api/v1/public/showcase": { "get": { "security": [],
            "summary": "观星台（无需登录）：已发布的典型示范案例，仅标题、简介、建设成效、来源项目或应用及其单位、发布日期（浙江省数字政府系统建设方案 四（三））",
            "responses": { "200": { "description": "{cite, items:[{id, source, source_label, source_name, owner_name, title, summary, results, published_on}]}" } } } },
        "/api/v1/showcase": { "get": { "summary": "本辖区选定的典型案例（含未发布；主管部门）",
            "responses": { "200": { "description": "{items}" }, "403": err("非主管部门") } } },
        "/api/v1/showcase/{action}": { "post": {
            "summary": "add 选定案例（source=project 已验收投入运行的项目 或 listing 最佳应用榜单/争先制推荐的应用，source_id，title、summary、results）；edit 修改（id、version、title、summary、results）；publish 发布、unpublish 撤下（id、version）。每次变更记入案例历史",
            "parameters": [{ "name": "action", "in": "path", "required": true, "schema": { "enum": ["add", "edit", "publish", "unpublish"] } }],
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "additionalProperties": true } } } },
            "responses": { "200": { "description": "案例及其历史" }, "201": { "description": "案例及其历史" }, "403": err("非主管部门"), "404": err("不存在或不在本辖区"), "409": err("已选定、已发布或并发冲突"), "422": err("来源不符合条件（code=rule）或输入不符") } } }
    });
    if let (Some(p), Some(new)) = (doc["paths"].as_object_mut(), paths.as_object()) {
        for (k, v) in new {
            p.insert(k.clone(), v.clone());
        }
    }
}
