//! 需求库 (D1)、一本账 (D3)、项目库 (D4)、应用版本 (D5): service functions shared by the pages and
//! the JSON API, the pages (zh-CN, forms with CSRF), the API, the public library page and the
//! statistics (table and Excel). Rules live in `tongchou_domain::demand`.
use crate::auth::{CurrentUser, MaybeUser};
use crate::error::AppError;
use crate::fields::Fields;
use crate::pages::{error_page, layout_for, page_or_error, render_status, Layout};
use crate::AppState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Form, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use tongchou_domain::demand::*;
use tongchou_domain::lifecycle::Refusal;
use tongchou_domain::profile::CheckItem;
use tongchou_domain::{Actor, Date, ProjectId};
use tongchou_store::demand::{DemandHistoryEntry, LinkRow};

// =============================================================================================
// Service
// =============================================================================================

fn check_version(f: &Fields, current: i64) -> Result<(), AppError> {
    match f.version()? {
        Some(v) if v != current => Err(AppError::Conflict(
            "该记录已被他人修改，请刷新后重试".into(),
        )),
        _ => Ok(()),
    }
}

fn id_field(f: &Fields, k: &str, what: &str) -> Result<i64, AppError> {
    f.text(k)
        .trim_start_matches('#')
        .parse::<i64>()
        .map_err(|_| AppError::field(k, format!("请填写{what}编号")))
}

fn date_or_error(f: &Fields, k: &str) -> Result<Option<Date>, AppError> {
    let t = f.text(k);
    if t.is_empty() {
        return Ok(None);
    }
    t.parse()
        .map(Some)
        .map_err(|_| AppError::field(k, "日期格式应为 YYYY-MM-DD"))
}

/// A unit's clerk submits a need.
pub async fn submit_need(st: &AppState, actor: &Actor, f: &Fields) -> Result<i64, AppError> {
    if !can_submit_need(actor) {
        return Err(AppError::Forbidden(
            "只有项目建设单位的经办人可以提交需求".into(),
        ));
    }
    let raw = RawNeed {
        title: f.text("title"),
        description: f.text("description"),
        scenario: f.text("scenario"),
        aspects: f.all("aspects").iter().map(|s| s.to_string()).collect(),
        list: f.text("list"),
    };
    let input = parse_need(&raw, &st.profile().demand_lists).map_err(AppError::invalid)?;
    Ok(st.db.insert_need(actor, &input).await?)
}

/// The need, if the actor may see it; anything else is 404.
pub async fn visible_need(st: &AppState, actor: &Actor, id: i64) -> Result<Need, AppError> {
    let n = st.db.need(id).await?;
    if !can_view_need(actor, &n) {
        return Err(AppError::NotFound);
    }
    Ok(n)
}

pub async fn visible_needs(st: &AppState, actor: &Actor) -> Result<Vec<Need>, AppError> {
    Ok(st
        .db
        .needs_for(&actor.jurisdiction_path, Some(actor.unit_id))
        .await?
        .into_iter()
        .filter(|n| can_view_need(actor, n))
        .collect())
}

/// endorse / decline / merge.
pub async fn need_act(
    st: &AppState,
    actor: &Actor,
    id: i64,
    action: &str,
    f: &Fields,
) -> Result<(), AppError> {
    let n = visible_need(st, actor, id).await?;
    check_version(f, n.version)?;
    let (cmd, target) = match action {
        "endorse" => (
            NeedCommand::Endorse {
                opinion: f.text("opinion"),
            },
            None,
        ),
        "decline" => (
            NeedCommand::Decline {
                reason: f.text("reason"),
            },
            None,
        ),
        "merge" => {
            let into = id_field(f, "into", "合并到的需求")?;
            let t = st
                .db
                .need(into)
                .await
                .ok()
                .filter(|t| can_view_need(actor, t))
                .ok_or_else(|| AppError::field("into", "合并到的需求不存在或无权查看"))?;
            (
                NeedCommand::Merge {
                    opinion: f.text("opinion"),
                },
                Some(t),
            )
        }
        _ => return Err(AppError::NotFound),
    };
    let change = decide_need(&n, actor, &cmd, target.as_ref())?;
    st.db
        .apply_need_change(actor, &n, &change, target.as_ref())
        .await?;
    Ok(())
}

fn ledger_reader(actor: &Actor) -> Result<(), AppError> {
    if can_view_ledger(actor) {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

pub async fn create_proposal(st: &AppState, actor: &Actor, f: &Fields) -> Result<i64, AppError> {
    if !is_provincial_authority(actor) {
        return Err(Refusal::Forbidden(
            "只有省级数字政府建设专班（省级主管部门）可以提出重大应用项目建议".into(),
        )
        .into());
    }
    let mut sources = Vec::new();
    for s in f.all("need") {
        let s = s.trim().trim_start_matches('#');
        if s.is_empty() {
            continue;
        }
        let id: i64 = s
            .parse()
            .map_err(|_| AppError::field("need", format!("来源需求编号 {s} 无效")))?;
        let n = st
            .db
            .need(id)
            .await
            .ok()
            .filter(|n| can_view_need(actor, n))
            .ok_or_else(|| AppError::field("need", format!("需求 #{id} 不存在或无权查看")))?;
        if !sources.iter().any(|x: &Need| x.id == n.id) {
            sources.push(n);
        }
    }
    let title = f.text("title");
    propose(actor, &title, &sources)?;
    let ids: Vec<i64> = sources.iter().map(|n| n.id).collect();
    Ok(st
        .db
        .insert_proposal(actor, &title, &f.text("description"), &ids)
        .await?)
}

pub async fn visible_proposal(st: &AppState, actor: &Actor, id: i64) -> Result<Proposal, AppError> {
    ledger_reader(actor)?;
    Ok(st.db.proposal(id).await?)
}

/// argue / include / create_item (returns the new item's id).
pub async fn proposal_act(
    st: &AppState,
    actor: &Actor,
    id: i64,
    action: &str,
    f: &Fields,
) -> Result<Option<i64>, AppError> {
    let p = visible_proposal(st, actor, id).await?;
    check_version(f, p.version)?;
    match action {
        "argue" => {
            let experts: Vec<String> = f
                .all("experts")
                .iter()
                .flat_map(|s| s.split(['、', ',', '，', '\n']))
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            let date = date_or_error(f, "date")?;
            let opinion = f.text("opinion");
            argue(&p, actor, &experts, date, &opinion)?;
            st.db
                .record_argument(
                    actor,
                    &p,
                    &experts,
                    date.unwrap_or_else(tongchou_store::today),
                    &opinion,
                )
                .await?;
            Ok(None)
        }
        "include" => {
            let included = match f.text("included").as_str() {
                "yes" | "true" | "1" => true,
                "no" | "false" | "0" => false,
                _ => {
                    return Err(AppError::field(
                        "included",
                        "请选择审定结果（列入或不列入）",
                    ))
                }
            };
            let date = date_or_error(f, "date")?;
            let reference = f.text("reference");
            let to = include(&p, actor, included, &reference, date)?;
            st.db
                .record_inclusion(
                    actor,
                    &p,
                    to,
                    &reference,
                    date.unwrap_or_else(tongchou_store::today),
                    &f.text("note"),
                )
                .await?;
            Ok(None)
        }
        "create_item" => {
            let title = f.text("title");
            let criterion = f.text("criterion");
            create_item(actor, &p, &title, &criterion)?;
            Ok(Some(
                st.db
                    .insert_item(actor, &p, &title, &f.text("description"), &criterion)
                    .await?,
            ))
        }
        _ => Err(AppError::NotFound),
    }
}

pub async fn visible_item(
    st: &AppState,
    actor: Option<&Actor>,
    id: i64,
) -> Result<LibraryItem, AppError> {
    let it = st.db.item(id).await?;
    if !can_view_item(actor, &it) {
        return Err(AppError::NotFound);
    }
    Ok(it)
}

/// publish / link_project.
pub async fn item_act(
    st: &AppState,
    actor: &Actor,
    id: i64,
    action: &str,
    f: &Fields,
) -> Result<(), AppError> {
    let it = visible_item(st, Some(actor), id).await?;
    check_version(f, it.version)?;
    match action {
        "publish" => {
            let p = st.db.proposal(it.proposal_id).await.ok();
            publish(actor, &it, p.as_ref())?;
            st.db.publish_item(actor, &it).await?;
        }
        "link_project" => {
            let pid = id_field(f, "project", "实施项目")?;
            let project = st
                .db
                .project(ProjectId(pid))
                .await
                .map_err(|_| AppError::field("project", format!("项目 #{pid} 不存在")))?;
            link_item_project(actor, &it, &project)?;
            if st
                .db
                .item_projects(it.id)
                .await?
                .iter()
                .any(|l| l.id == pid)
            {
                return Err(AppError::field("project", "该项目已关联"));
            }
            st.db
                .link_item_project(actor, &it, pid, &project.input.name)
                .await?;
        }
        _ => return Err(AppError::NotFound),
    }
    Ok(())
}

pub async fn create_app(st: &AppState, actor: &Actor, f: &Fields) -> Result<i64, AppError> {
    if !can_create_application(actor) {
        return Err(AppError::Forbidden(
            "只有项目建设单位或主管部门可以登记本单位的应用".into(),
        ));
    }
    let name = f.text("name");
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::field("name", "请填写应用名称（不超过 100 字）"));
    }
    Ok(st
        .db
        .insert_application(actor, &name, &f.text("description"))
        .await?)
}

/// edit / add_version / evaluate / link_project.
pub async fn app_act(
    st: &AppState,
    actor: &Actor,
    id: i64,
    action: &str,
    f: &Fields,
) -> Result<(), AppError> {
    let app = st.db.application(id).await?;
    check_version(f, app.version)?;
    let versions = st.db.app_versions(id).await?;
    match action {
        "edit" => {
            // The owner unit keeps its application's name and description true; the
            // duplicate-construction index follows in the same transaction (SPEC S9, A7).
            if !can_maintain_application(actor, &app) {
                return Err(AppError::Forbidden(
                    "只有应用的责任单位可以修改应用信息".into(),
                ));
            }
            let name = f.text("name");
            if name.is_empty() || name.chars().count() > 100 {
                return Err(AppError::field("name", "请填写应用名称（不超过 100 字）"));
            }
            let description = f.text("description");
            if description.chars().count() > 5000 {
                return Err(AppError::field("description", "应用简介不超过 5000 字"));
            }
            st.db
                .edit_application(actor, &app, &name, &description)
                .await?;
        }
        "add_version" => {
            let pred = match f.text("predecessor") {
                s if s.is_empty() => None,
                s => Some(
                    versions
                        .iter()
                        .find(|v| v.id.to_string() == s || v.label == s)
                        .ok_or_else(|| AppError::field("predecessor", "前一版本不存在"))?,
                ),
            };
            let label = f.text("label");
            add_version(actor, &app, &versions, &label, pred)?;
            let released = date_or_error(f, "released_on")?;
            st.db
                .insert_version(actor, &app, &label, pred, released, &f.text("notes"))
                .await?;
        }
        "evaluate" => {
            let vid = f.text("version_id");
            let v = versions
                .iter()
                .find(|v| v.id.to_string() == vid || v.label == vid)
                .ok_or_else(|| AppError::field("version_id", "请选择要评价的版本"))?;
            let conclusion = f.text("evaluation");
            evaluate_version(actor, &app, v, &conclusion)?;
            let passed = matches!(f.text("passed").as_str(), "yes" | "true" | "1");
            st.db
                .evaluate_app_version(actor, &app, v, &conclusion, passed)
                .await?;
        }
        "link_project" => {
            let pid = id_field(f, "project", "升级改造项目")?;
            let project = crate::service::visible_project(st, actor, ProjectId(pid))
                .await
                .map_err(|_| AppError::field("project", format!("项目 #{pid} 不存在或无权查看")))?;
            link_application(actor, &project)?;
            if st.db.application_of_project(pid).await?.is_some() {
                return Err(AppError::field("project", "该项目已指明所升级的应用"));
            }
            st.db
                .link_application_project(actor, &app, pid, &project.input.name)
                .await?;
        }
        _ => return Err(AppError::NotFound),
    }
    Ok(())
}

/// The links shown on a project page: library items it implements, the application it upgrades.
pub async fn project_links(st: &AppState, project: i64) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for l in st.db.items_of_project(project).await.unwrap_or_default() {
        out.push((format!("/library/{}", l.id), format!("项目库：{}", l.name)));
    }
    for c in st
        .db
        .project_competitions(project)
        .await
        .unwrap_or_default()
    {
        out.push((
            format!("/competitions/{}", c.id),
            format!("揭榜：{}", c.name),
        ));
    }
    if let Ok(Some(a)) = st.db.application_of_project(project).await {
        out.push((
            format!("/applications/{}", a.id),
            format!("升级应用：{}", a.name),
        ));
    }
    out
}

// ---------- statistics ----------

/// One row of a statistics table: counts by state and the total.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StatRow {
    pub label: String,
    pub pending: i64,
    pub listed: i64,
    pub declined: i64,
    pub merged: i64,
    pub total: i64,
}

impl StatRow {
    fn new(label: String) -> StatRow {
        StatRow {
            label,
            pending: 0,
            listed: 0,
            declined: 0,
            merged: 0,
            total: 0,
        }
    }
    fn add(&mut self, s: NeedState) {
        match s {
            NeedState::Pending => self.pending += 1,
            NeedState::Listed => self.listed += 1,
            NeedState::Declined => self.declined += 1,
            NeedState::Merged => self.merged += 1,
        }
        self.total += 1;
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Stats {
    pub by_aspect: Vec<StatRow>,
    pub by_list: Vec<StatRow>,
    pub by_jurisdiction: Vec<StatRow>,
    pub total: StatRow,
}

pub async fn stats(st: &AppState, actor: &Actor) -> Result<Stats, AppError> {
    let needs = visible_needs(st, actor).await?;
    let names: HashMap<String, String> = st
        .db
        .jurisdictions()
        .await?
        .into_iter()
        .map(|j| (j.path, j.name))
        .collect();
    let lists = st.profile().demand_lists.clone();
    let mut by_aspect: Vec<StatRow> = Aspect::ALL
        .iter()
        .map(|a| StatRow::new(a.label().into()))
        .collect();
    let mut by_list: Vec<StatRow> = lists.iter().map(|l| StatRow::new(l.text.clone())).collect();
    let mut by_j: BTreeMap<String, StatRow> = BTreeMap::new();
    let mut total = StatRow::new("合计".into());
    for n in &needs {
        for a in &n.aspects {
            if let Some(i) = Aspect::ALL.iter().position(|x| x == a) {
                by_aspect[i].add(n.state);
            }
        }
        match lists.iter().position(|l| l.code == n.list) {
            Some(i) => by_list[i].add(n.state),
            None => {
                let mut r = StatRow::new(n.list.clone());
                r.add(n.state);
                by_list.push(r);
            }
        }
        by_j.entry(n.origin_path.clone())
            .or_insert_with(|| {
                StatRow::new(
                    names
                        .get(&n.origin_path)
                        .cloned()
                        .unwrap_or_else(|| n.origin_path.clone()),
                )
            })
            .add(n.state);
        total.add(n.state);
    }
    Ok(Stats {
        by_aspect,
        by_list,
        by_jurisdiction: by_j.into_values().collect(),
        total,
    })
}

// ---------- JSON shapes ----------

fn list_label(lists: &[CheckItem], code: &str) -> String {
    lists
        .iter()
        .find(|l| l.code == code)
        .map(|l| l.text.clone())
        .unwrap_or_else(|| code.to_string())
}

fn need_json(n: &Need, lists: &[CheckItem]) -> Value {
    let mut v = serde_json::to_value(n).unwrap_or(Value::Null);
    v["state_label"] = json!(n.state.label());
    v["list_label"] = json!(list_label(lists, &n.list));
    v["aspect_labels"] = json!(n.aspects.iter().map(|a| a.label()).collect::<Vec<_>>());
    v["level"] = json!(level_label(&n.at_path));
    v
}

fn proposal_json(p: &Proposal) -> Value {
    let mut v = serde_json::to_value(p).unwrap_or(Value::Null);
    v["state_label"] = json!(p.state.label());
    v
}

fn item_json(i: &LibraryItem) -> Value {
    let mut v = serde_json::to_value(i).unwrap_or(Value::Null);
    v["state_label"] = json!(i.state.label());
    v
}

// =============================================================================================
// Pages
// =============================================================================================

/// What a page re-shows after a failed form: which form, the message, the field and the input.
#[derive(Default)]
pub struct FormState {
    pub action: String,
    pub error: Option<String>,
    pub field: String,
    pub v: HashMap<String, String>,
    pub multi: HashMap<String, Vec<String>>,
}

impl FormState {
    fn failed(action: &str, e: &AppError, f: &Fields) -> FormState {
        let mut multi: HashMap<String, Vec<String>> = HashMap::new();
        for (k, v) in &f.0 {
            multi.entry(k.clone()).or_default().push(v.clone());
        }
        FormState {
            action: action.into(),
            error: Some(e.body().message),
            field: e.field_name().unwrap_or("").to_string(),
            v: f.0.iter().cloned().collect(),
            multi,
        }
    }
    pub fn val(&self, k: &str) -> String {
        self.v.get(k).cloned().unwrap_or_default()
    }
    pub fn has(&self, k: &str, value: &str) -> bool {
        self.multi
            .get(k)
            .is_some_and(|v| v.iter().any(|x| x == value))
    }
    /// The message beside field `k` of form `action`.
    pub fn err(&self, action: &str, k: &str) -> String {
        if self.action == action && self.field == k {
            self.error.clone().unwrap_or_default()
        } else {
            String::new()
        }
    }
    pub fn open(&self, action: &str) -> bool {
        self.action == action
    }
}

fn short(h: &str) -> &str {
    h.get(..12).unwrap_or(h)
}

/// Re-render on a user error (422/409/403), otherwise the error page.
async fn after_post(
    st: &AppState,
    user: &CurrentUser,
    r: Result<Response, AppError>,
    rerender: impl std::future::Future<Output = Result<Response, AppError>>,
) -> Response {
    match r {
        Ok(resp) => resp,
        Err(AppError::Unprocessable { .. } | AppError::Conflict(_) | AppError::Forbidden(_)) => {
            match rerender.await {
                Ok(r) => r,
                Err(e) => error_page(st, Some(user), e).await,
            }
        }
        Err(e) => error_page(st, Some(user), e).await,
    }
}

fn status_of(_form: &FormState, e: Option<&AppError>) -> StatusCode {
    e.map(|e| e.status()).unwrap_or(StatusCode::OK)
}

// ---------- 需求库 ----------

#[derive(Template)]
#[template(path = "demand_needs.html")]
struct NeedsPage {
    layout: Layout,
    needs: Vec<Need>,
    lists: Vec<CheckItem>,
    aspects: Vec<Aspect>,
    can_submit: bool,
    state: String,
    form: FormState,
}

impl NeedsPage {
    fn list_label(&self, code: &str) -> String {
        list_label(&self.lists, code)
    }
}

async fn needs_page(
    st: &AppState,
    user: &CurrentUser,
    state: String,
    form: FormState,
    e: Option<&AppError>,
) -> Result<Response, AppError> {
    let mut needs = visible_needs(st, &user.actor).await?;
    if let Some(s) = NeedState::parse(&state) {
        needs.retain(|n| n.state == s);
    }
    let page = NeedsPage {
        layout: layout_for(st, Some(user), "demand").await,
        needs,
        lists: st.profile().demand_lists.clone(),
        aspects: Aspect::ALL.to_vec(),
        can_submit: can_submit_need(&user.actor),
        state,
        form,
    };
    Ok(render_status(status_of(&page.form, e), &page))
}

pub async fn needs_list(
    State(st): State<AppState>,
    MaybeUser(u): MaybeUser,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(user) = u else {
        return Redirect::to("/login").into_response();
    };
    let state = q.get("state").cloned().unwrap_or_default();
    page_or_error(
        &st,
        &user,
        needs_page(&st, &user, state, FormState::default(), None).await,
    )
    .await
}

pub async fn needs_submit(
    State(st): State<AppState>,
    user: CurrentUser,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    let r = async {
        user.check_csrf(f.get("_csrf"))?;
        let id = submit_need(&st, &user.actor, &f).await?;
        Ok(Redirect::to(&format!("/demand/{id}?done=submit")).into_response())
    }
    .await;
    match r {
        Err(e @ AppError::Unprocessable { .. }) => {
            let form = FormState::failed("submit", &e, &f);
            page_or_error(
                &st,
                &user,
                needs_page(&st, &user, String::new(), form, Some(&e)).await,
            )
            .await
        }
        Ok(r) => r,
        Err(e) => error_page(&st, Some(&user), e).await,
    }
}

#[derive(Template)]
#[template(path = "demand_need.html")]
struct NeedPage {
    layout: Layout,
    n: Need,
    list: String,
    level: String,
    can_review: bool,
    siblings: Vec<Need>,
    sources: Vec<Need>,
    merged_into: Option<Need>,
    proposals: Vec<LinkRow>,
    history: Vec<DemandHistoryEntry>,
    form: FormState,
}

impl NeedPage {
    fn short_hash<'a>(&self, h: &'a str) -> &'a str {
        short(h)
    }
    fn action_name(&self, a: &str) -> &'static str {
        need_action_label(a)
    }
}

async fn need_page(
    st: &AppState,
    user: &CurrentUser,
    id: i64,
    form: FormState,
    e: Option<&AppError>,
    flash: Option<String>,
) -> Result<Response, AppError> {
    let a = &user.actor;
    let n = visible_need(st, a, id).await?;
    let can_review = n.state == NeedState::Pending
        && a.has(tongchou_domain::Role::Authority)
        && a.jurisdiction_path == n.at_path;
    let siblings = if can_review {
        visible_needs(st, a)
            .await?
            .into_iter()
            .filter(|x| x.id != n.id && x.state == NeedState::Pending && x.at_path == n.at_path)
            .collect()
    } else {
        vec![]
    };
    let merged_into = match n.merged_into {
        Some(t) => st.db.need(t).await.ok().filter(|t| can_view_need(a, t)),
        None => None,
    };
    let mut layout = layout_for(st, Some(user), "demand").await;
    layout.flash = flash;
    let page = NeedPage {
        layout,
        list: list_label(&st.profile().demand_lists, &n.list),
        level: level_label(&n.at_path).into(),
        can_review,
        siblings,
        sources: st.db.merged_sources(n.id).await?,
        merged_into,
        proposals: if can_view_ledger(a) {
            st.db.proposals_of_need(n.id).await?
        } else {
            vec![]
        },
        history: st.db.demand_history("need", n.id).await?,
        n,
        form,
    };
    Ok(render_status(status_of(&page.form, e), &page))
}

fn done_flash(q: &HashMap<String, String>) -> Option<String> {
    q.get("done")
        .map(|a| format!("已完成：{}", need_action_label(a)))
}

pub async fn need_show(
    State(st): State<AppState>,
    MaybeUser(u): MaybeUser,
    Path(id): Path<i64>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(user) = u else {
        return Redirect::to("/login").into_response();
    };
    page_or_error(
        &st,
        &user,
        need_page(&st, &user, id, FormState::default(), None, done_flash(&q)).await,
    )
    .await
}

pub async fn need_post(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((id, action)): Path<(i64, String)>,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    let r = async {
        user.check_csrf(f.get("_csrf"))?;
        need_act(&st, &user.actor, id, &action, &f).await?;
        Ok(Redirect::to(&format!("/demand/{id}?done={action}")).into_response())
    }
    .await;
    let e = r
        .as_ref()
        .err()
        .map(|e| (FormState::failed(&action, e, &f), e.status()));
    let rerender = async {
        let (form, status) = e.unwrap_or_default_pair();
        let mut resp = need_page(&st, &user, id, form, None, None).await?;
        *resp.status_mut() = status;
        Ok(resp)
    };
    after_post(&st, &user, r, rerender).await
}

/// Helper for re-rendering: the failed form and its status.
trait PairDefault {
    fn unwrap_or_default_pair(self) -> (FormState, StatusCode);
}
impl PairDefault for Option<(FormState, StatusCode)> {
    fn unwrap_or_default_pair(self) -> (FormState, StatusCode) {
        self.unwrap_or((FormState::default(), StatusCode::OK))
    }
}

// ---------- statistics ----------

#[derive(Template)]
#[template(path = "demand_stats.html")]
struct StatsPage {
    layout: Layout,
    s: Stats,
    tables: Vec<(String, String, Vec<StatRow>)>,
}

pub async fn stats_page(State(st): State<AppState>, MaybeUser(u): MaybeUser) -> Response {
    let Some(user) = u else {
        return Redirect::to("/login").into_response();
    };
    let r = async {
        let s = stats(&st, &user.actor).await?;
        Ok::<_, AppError>(render_status(
            StatusCode::OK,
            &StatsPage {
                layout: layout_for(&st, Some(&user), "demand_stats").await,
                tables: vec![
                    ("按需求方面".into(), "需求方面".into(), s.by_aspect.clone()),
                    (
                        "按清单（三张清单）".into(),
                        "清单".into(),
                        s.by_list.clone(),
                    ),
                    (
                        "按辖区".into(),
                        "提出单位所在辖区".into(),
                        s.by_jurisdiction.clone(),
                    ),
                ],
                s,
            },
        ))
    }
    .await;
    page_or_error(&st, &user, r).await
}

pub async fn stats_xlsx(
    State(st): State<AppState>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    use rust_xlsxwriter::{Format, Workbook};
    let s = stats(&st, &user.actor).await?;
    let xl = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.to_string());
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    for (name, first, rows) in [
        ("按需求方面", "需求方面", &s.by_aspect),
        ("按清单", "清单", &s.by_list),
        ("按辖区", "提出单位所在辖区", &s.by_jurisdiction),
    ] {
        let ws = wb.add_worksheet().set_name(name).map_err(xl)?;
        for (c, h) in [first, "待审核", "省级已列入", "未采纳", "已合并", "合计"]
            .iter()
            .enumerate()
        {
            ws.write_with_format(0, c as u16, *h, &bold).map_err(xl)?;
        }
        for (i, r) in rows.iter().chain(std::iter::once(&s.total)).enumerate() {
            let row = i as u32 + 1;
            ws.write(row, 0, &r.label).map_err(xl)?;
            for (c, v) in [r.pending, r.listed, r.declined, r.merged, r.total]
                .iter()
                .enumerate()
            {
                ws.write(row, c as u16 + 1, *v as f64).map_err(xl)?;
            }
        }
        ws.set_column_width(0, 36).map_err(xl)?;
    }
    let bytes = wb.save_to_buffer().map_err(xl)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"demand-stats-{}.xlsx\"",
                    tongchou_store::today()
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}

// ---------- 一本账 ----------

#[derive(Template)]
#[template(path = "ledger.html")]
struct LedgerPage {
    layout: Layout,
    proposals: Vec<Proposal>,
    listed: Vec<Need>,
    can_propose: bool,
    form: FormState,
}

async fn ledger_page(
    st: &AppState,
    user: &CurrentUser,
    form: FormState,
    e: Option<&AppError>,
) -> Result<Response, AppError> {
    let a = &user.actor;
    if !can_view_ledger(a) {
        return Err(AppError::Forbidden(
            "“一本账”由主管部门、领导小组、审计和管理员查看".into(),
        ));
    }
    let can_propose = is_provincial_authority(a);
    let listed = if can_propose {
        visible_needs(st, a)
            .await?
            .into_iter()
            .filter(|n| n.state == NeedState::Listed)
            .collect()
    } else {
        vec![]
    };
    let page = LedgerPage {
        layout: layout_for(st, Some(user), "ledger").await,
        proposals: st.db.proposals().await?,
        listed,
        can_propose,
        form,
    };
    Ok(render_status(status_of(&page.form, e), &page))
}

pub async fn ledger_list(State(st): State<AppState>, MaybeUser(u): MaybeUser) -> Response {
    let Some(user) = u else {
        return Redirect::to("/login").into_response();
    };
    page_or_error(
        &st,
        &user,
        ledger_page(&st, &user, FormState::default(), None).await,
    )
    .await
}

pub async fn ledger_create(
    State(st): State<AppState>,
    user: CurrentUser,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    let r = async {
        user.check_csrf(f.get("_csrf"))?;
        let id = create_proposal(&st, &user.actor, &f).await?;
        Ok(Redirect::to(&format!("/ledger/{id}?done=propose")).into_response())
    }
    .await;
    match r {
        Err(e @ AppError::Unprocessable { .. }) => {
            let form = FormState::failed("propose", &e, &f);
            page_or_error(&st, &user, ledger_page(&st, &user, form, Some(&e)).await).await
        }
        Ok(r) => r,
        Err(e) => error_page(&st, Some(&user), e).await,
    }
}

#[derive(Template)]
#[template(path = "ledger_proposal.html")]
struct ProposalPage {
    layout: Layout,
    p: Proposal,
    needs: Vec<Need>,
    hidden_needs: usize,
    items: Vec<LibraryItem>,
    provincial: bool,
    can_include: bool,
    today: String,
    history: Vec<DemandHistoryEntry>,
    form: FormState,
}

impl ProposalPage {
    fn short_hash<'a>(&self, h: &'a str) -> &'a str {
        short(h)
    }
    fn action_name(&self, a: &str) -> &'static str {
        need_action_label(a)
    }
}

async fn proposal_page(
    st: &AppState,
    user: &CurrentUser,
    id: i64,
    form: FormState,
    flash: Option<String>,
) -> Result<Response, AppError> {
    let a = &user.actor;
    let p = visible_proposal(st, a, id).await?;
    let mut needs = Vec::new();
    for n in &p.needs {
        if let Ok(n) = st.db.need(*n).await {
            if can_view_need(a, &n) {
                needs.push(n);
            }
        }
    }
    let provincial = is_provincial_authority(a);
    let mut layout = layout_for(st, Some(user), "ledger").await;
    layout.flash = flash;
    let page = ProposalPage {
        layout,
        hidden_needs: p.needs.len() - needs.len(),
        needs,
        items: st.db.items_of_proposal(p.id).await?,
        provincial,
        can_include: tongchou_domain::permission::path_ids(&a.jurisdiction_path).len() == 1
            && (a.has(tongchou_domain::Role::Authority)
                || a.has(tongchou_domain::Role::LeadingGroup)),
        today: tongchou_store::today().to_string(),
        history: st.db.demand_history("proposal", p.id).await?,
        p,
        form,
    };
    Ok(render_status(StatusCode::OK, &page))
}

pub async fn proposal_show(
    State(st): State<AppState>,
    MaybeUser(u): MaybeUser,
    Path(id): Path<i64>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(user) = u else {
        return Redirect::to("/login").into_response();
    };
    page_or_error(
        &st,
        &user,
        proposal_page(&st, &user, id, FormState::default(), done_flash(&q)).await,
    )
    .await
}

pub async fn proposal_post(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((id, action)): Path<(i64, String)>,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    let r = async {
        user.check_csrf(f.get("_csrf"))?;
        Ok(
            match proposal_act(&st, &user.actor, id, &action, &f).await? {
                Some(item) => Redirect::to(&format!("/library/{item}?done=create_item")),
                None => Redirect::to(&format!("/ledger/{id}?done={action}")),
            }
            .into_response(),
        )
    }
    .await;
    let e = r
        .as_ref()
        .err()
        .map(|e| (FormState::failed(&action, e, &f), e.status()));
    let rerender = async {
        let (form, status) = e.unwrap_or_default_pair();
        let mut resp = proposal_page(&st, &user, id, form, None).await?;
        *resp.status_mut() = status;
        Ok(resp)
    };
    after_post(&st, &user, r, rerender).await
}

// ---------- 项目库 ----------

#[derive(Template)]
#[template(path = "library.html")]
struct LibraryPage {
    layout: Layout,
    items: Vec<LibraryItem>,
    public: bool,
}

pub async fn library_list(State(st): State<AppState>, MaybeUser(u): MaybeUser) -> Response {
    let Some(user) = u else {
        return Redirect::to("/login").into_response();
    };
    let r = async {
        let all = can_view_ledger(&user.actor);
        Ok::<_, AppError>(render_status(
            StatusCode::OK,
            &LibraryPage {
                layout: layout_for(&st, Some(&user), "library").await,
                items: st.db.items(!all).await?,
                public: false,
            },
        ))
    }
    .await;
    page_or_error(&st, &user, r).await
}

/// The public library: published items only, nothing internal, no login.
pub async fn library_public(State(st): State<AppState>, MaybeUser(u): MaybeUser) -> Response {
    let r = async {
        Ok::<_, AppError>(render_status(
            StatusCode::OK,
            &LibraryPage {
                layout: layout_for(&st, u.as_ref(), "library").await,
                items: st.db.items(true).await?,
                public: true,
            },
        ))
    }
    .await;
    match r {
        Ok(r) => r,
        Err(e) => error_page(&st, u.as_ref(), e).await,
    }
}

#[derive(Template)]
#[template(path = "library_item.html")]
struct ItemPage {
    layout: Layout,
    it: LibraryItem,
    proposal: Option<Proposal>,
    projects: Vec<LinkRow>,
    /// 揭榜 run on the item (chain item ↔ competition)
    competitions: Vec<LinkRow>,
    provincial: bool,
    can_link: bool,
    history: Vec<DemandHistoryEntry>,
    form: FormState,
}

impl ItemPage {
    fn short_hash<'a>(&self, h: &'a str) -> &'a str {
        short(h)
    }
    fn action_name(&self, a: &str) -> &'static str {
        need_action_label(a)
    }
}

async fn item_page(
    st: &AppState,
    user: &CurrentUser,
    id: i64,
    form: FormState,
    flash: Option<String>,
) -> Result<Response, AppError> {
    let a = &user.actor;
    let it = visible_item(st, Some(a), id).await?;
    let proposal = if can_view_ledger(a) {
        st.db.proposal(it.proposal_id).await.ok()
    } else {
        None
    };
    let mut layout = layout_for(st, Some(user), "library").await;
    layout.flash = flash;
    let page = ItemPage {
        layout,
        proposal,
        // a market entity sees only public items, not the internal projects (ZJ-share 三（三）)
        projects: if tongchou_domain::market::is_market_entity(a) {
            vec![]
        } else {
            st.db.item_projects(it.id).await?
        },
        competitions: st.db.item_competitions(it.id).await?,
        provincial: is_provincial_authority(a),
        can_link: a.has(tongchou_domain::Role::Authority) && it.state == ItemState::Published,
        history: st.db.demand_history("item", it.id).await?,
        it,
        form,
    };
    Ok(render_status(StatusCode::OK, &page))
}

pub async fn item_show(
    State(st): State<AppState>,
    MaybeUser(u): MaybeUser,
    Path(id): Path<i64>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(user) = u else {
        return Redirect::to("/login").into_response();
    };
    page_or_error(
        &st,
        &user,
        item_page(&st, &user, id, FormState::default(), done_flash(&q)).await,
    )
    .await
}

pub async fn item_post(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((id, action)): Path<(i64, String)>,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    let r = async {
        user.check_csrf(f.get("_csrf"))?;
        item_act(&st, &user.actor, id, &action, &f).await?;
        Ok(Redirect::to(&format!("/library/{id}?done={action}")).into_response())
    }
    .await;
    let e = r
        .as_ref()
        .err()
        .map(|e| (FormState::failed(&action, e, &f), e.status()));
    let rerender = async {
        let (form, status) = e.unwrap_or_default_pair();
        let mut resp = item_page(&st, &user, id, form, None).await?;
        *resp.status_mut() = status;
        Ok(resp)
    };
    after_post(&st, &user, r, rerender).await
}

// ---------- 应用 ----------

#[derive(Template)]
#[template(path = "applications.html")]
struct AppsPage {
    layout: Layout,
    apps: Vec<Application>,
    can_create: bool,
    form: FormState,
}

async fn apps_page(
    st: &AppState,
    user: &CurrentUser,
    form: FormState,
    e: Option<&AppError>,
) -> Result<Response, AppError> {
    let page = AppsPage {
        layout: layout_for(st, Some(user), "applications").await,
        apps: st.db.applications().await?,
        can_create: can_create_application(&user.actor),
        form,
    };
    Ok(render_status(status_of(&page.form, e), &page))
}

pub async fn apps_list(State(st): State<AppState>, MaybeUser(u): MaybeUser) -> Response {
    let Some(user) = u else {
        return Redirect::to("/login").into_response();
    };
    page_or_error(
        &st,
        &user,
        apps_page(&st, &user, FormState::default(), None).await,
    )
    .await
}

pub async fn apps_create(
    State(st): State<AppState>,
    user: CurrentUser,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    let r = async {
        user.check_csrf(f.get("_csrf"))?;
        let id = create_app(&st, &user.actor, &f).await?;
        Ok(Redirect::to(&format!("/applications/{id}?done=create_application")).into_response())
    }
    .await;
    match r {
        Err(e @ AppError::Unprocessable { .. }) => {
            let form = FormState::failed("create", &e, &f);
            page_or_error(&st, &user, apps_page(&st, &user, form, Some(&e)).await).await
        }
        Ok(r) => r,
        Err(e) => error_page(&st, Some(&user), e).await,
    }
}

#[derive(Template)]
#[template(path = "application.html")]
struct AppPage {
    layout: Layout,
    app: Application,
    versions: Vec<AppVersion>,
    latest: Option<i64>,
    projects: Vec<LinkRow>,
    can_maintain: bool,
    can_evaluate: bool,
    can_link: bool,
    history: Vec<DemandHistoryEntry>,
    form: FormState,
}

impl AppPage {
    fn short_hash<'a>(&self, h: &'a str) -> &'a str {
        short(h)
    }
    fn action_name(&self, a: &str) -> &'static str {
        need_action_label(a)
    }
    fn is_latest(&self, v: &AppVersion) -> bool {
        self.latest == Some(v.id)
    }
    fn eval_label(&self, v: &AppVersion) -> &'static str {
        match v.evaluation_passed {
            Some(true) => "绩效评价通过",
            Some(false) => "绩效评价未通过",
            None => "未评价",
        }
    }
    fn label_of(&self, id: &Option<i64>) -> String {
        id.and_then(|i| self.versions.iter().find(|v| v.id == i))
            .map(|v| v.label.clone())
            .unwrap_or_default()
    }
}

async fn app_page(
    st: &AppState,
    user: &CurrentUser,
    id: i64,
    form: FormState,
    flash: Option<String>,
) -> Result<Response, AppError> {
    let a = &user.actor;
    let app = st.db.application(id).await?;
    let versions = st.db.app_versions(id).await?;
    let mut layout = layout_for(st, Some(user), "applications").await;
    layout.flash = flash;
    let page = AppPage {
        layout,
        latest: versions.last().map(|v| v.id),
        versions,
        projects: st.db.application_projects(id).await?,
        can_maintain: can_maintain_application(a, &app),
        can_evaluate: a.has(tongchou_domain::Role::Authority) && a.covers(&app.owner_path),
        can_link: a.has(tongchou_domain::Role::Unit),
        history: st.db.demand_history("application", id).await?,
        app,
        form,
    };
    Ok(render_status(StatusCode::OK, &page))
}

pub async fn app_show(
    State(st): State<AppState>,
    MaybeUser(u): MaybeUser,
    Path(id): Path<i64>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(user) = u else {
        return Redirect::to("/login").into_response();
    };
    page_or_error(
        &st,
        &user,
        app_page(&st, &user, id, FormState::default(), done_flash(&q)).await,
    )
    .await
}

pub async fn app_post(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((id, action)): Path<(i64, String)>,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    let r = async {
        user.check_csrf(f.get("_csrf"))?;
        app_act(&st, &user.actor, id, &action, &f).await?;
        let done = if action == "evaluate" {
            "evaluate_version"
        } else {
            action.as_str()
        };
        Ok(Redirect::to(&format!("/applications/{id}?done={done}")).into_response())
    }
    .await;
    let e = r
        .as_ref()
        .err()
        .map(|e| (FormState::failed(&action, e, &f), e.status()));
    let rerender = async {
        let (form, status) = e.unwrap_or_default_pair();
        let mut resp = app_page(&st, &user, id, form, None).await?;
        *resp.status_mut() = status;
        Ok(resp)
    };
    after_post(&st, &user, r, rerender).await
}

// =============================================================================================
// API
// =============================================================================================

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

async fn need_detail(st: &AppState, actor: &Actor, id: i64) -> Result<Value, AppError> {
    let n = visible_need(st, actor, id).await?;
    let lists = st.profile().demand_lists.clone();
    let mut v = need_json(&n, &lists);
    v["sources"] = json!(st
        .db
        .merged_sources(n.id)
        .await?
        .iter()
        .map(|s| need_json(s, &lists))
        .collect::<Vec<_>>());
    v["proposals"] = json!(if can_view_ledger(actor) {
        st.db.proposals_of_need(n.id).await?
    } else {
        vec![]
    });
    v["history"] = json!(st.db.demand_history("need", n.id).await?);
    Ok(v)
}

/// `GET /api/v1/needs?state=`
pub async fn api_needs(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, AppError> {
    let mut needs = visible_needs(&st, &user.actor).await?;
    if let Some(s) = q.get("state").and_then(|s| NeedState::parse(s)) {
        needs.retain(|n| n.state == s);
    }
    let lists = st.profile().demand_lists.clone();
    Ok(Json(json!({
        "items": needs.iter().map(|n| need_json(n, &lists)).collect::<Vec<_>>(),
        "total": needs.len(),
    })))
}

/// `POST /api/v1/needs {title, description, scenario, aspects: [...], list}`
pub async fn api_submit_need(
    State(st): State<AppState>,
    user: CurrentUser,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), AppError> {
    api_write(&user)?;
    let id = submit_need(&st, &user.actor, &json_fields(&body)?).await?;
    Ok((
        StatusCode::CREATED,
        Json(need_detail(&st, &user.actor, id).await?),
    ))
}

pub async fn api_need(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Value>, AppError> {
    Ok(Json(need_detail(&st, &user.actor, id).await?))
}

pub async fn api_need_act(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((id, action)): Path<(i64, String)>,
    body: Bytes,
) -> Result<Json<Value>, AppError> {
    api_write(&user)?;
    need_act(&st, &user.actor, id, &action, &json_fields(&body)?).await?;
    // After sending it up, the actor may still see it (its own level); if not, say what happened.
    match need_detail(&st, &user.actor, id).await {
        Ok(v) => Ok(Json(v)),
        Err(AppError::NotFound) => Ok(Json(json!({ "id": id, "done": action }))),
        Err(e) => Err(e),
    }
}

pub async fn api_stats(
    State(st): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, AppError> {
    Ok(Json(json!(stats(&st, &user.actor).await?)))
}

async fn proposal_detail(st: &AppState, actor: &Actor, id: i64) -> Result<Value, AppError> {
    let p = visible_proposal(st, actor, id).await?;
    let mut v = proposal_json(&p);
    v["items"] = json!(st
        .db
        .items_of_proposal(p.id)
        .await?
        .iter()
        .map(item_json)
        .collect::<Vec<_>>());
    v["history"] = json!(st.db.demand_history("proposal", p.id).await?);
    Ok(v)
}

pub async fn api_proposals(
    State(st): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, AppError> {
    if !can_view_ledger(&user.actor) {
        return Err(AppError::Forbidden(
            "“一本账”由主管部门、领导小组、审计和管理员查看".into(),
        ));
    }
    let ps = st.db.proposals().await?;
    Ok(Json(json!({
        "items": ps.iter().map(proposal_json).collect::<Vec<_>>(),
        "total": ps.len(),
    })))
}

/// `POST /api/v1/proposals {title, description, need: [ids]}`
pub async fn api_create_proposal(
    State(st): State<AppState>,
    user: CurrentUser,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), AppError> {
    api_write(&user)?;
    let id = create_proposal(&st, &user.actor, &json_fields(&body)?).await?;
    Ok((
        StatusCode::CREATED,
        Json(proposal_detail(&st, &user.actor, id).await?),
    ))
}

pub async fn api_proposal(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Value>, AppError> {
    Ok(Json(proposal_detail(&st, &user.actor, id).await?))
}

pub async fn api_proposal_act(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((id, action)): Path<(i64, String)>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), AppError> {
    api_write(&user)?;
    match proposal_act(&st, &user.actor, id, &action, &json_fields(&body)?).await? {
        Some(item) => Ok((
            StatusCode::CREATED,
            Json(item_detail(&st, Some(&user.actor), item).await?),
        )),
        None => Ok((
            StatusCode::OK,
            Json(proposal_detail(&st, &user.actor, id).await?),
        )),
    }
}

async fn item_detail(st: &AppState, actor: Option<&Actor>, id: i64) -> Result<Value, AppError> {
    let it = visible_item(st, actor, id).await?;
    let mut v = item_json(&it);
    // a market entity sees only public items, not the internal projects (ZJ-share 三（三）)
    let internal = actor.is_some_and(|a| !tongchou_domain::market::is_market_entity(a));
    v["projects"] = json!(if internal {
        st.db.item_projects(it.id).await?
    } else {
        vec![]
    });
    v["history"] = json!(st.db.demand_history("item", it.id).await?);
    Ok(v)
}

pub async fn api_items(
    State(st): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, AppError> {
    let items = st.db.items(!can_view_ledger(&user.actor)).await?;
    Ok(Json(json!({
        "items": items.iter().map(item_json).collect::<Vec<_>>(),
        "total": items.len(),
    })))
}

pub async fn api_item(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Value>, AppError> {
    Ok(Json(item_detail(&st, Some(&user.actor), id).await?))
}

pub async fn api_item_act(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((id, action)): Path<(i64, String)>,
    body: Bytes,
) -> Result<Json<Value>, AppError> {
    api_write(&user)?;
    item_act(&st, &user.actor, id, &action, &json_fields(&body)?).await?;
    Ok(Json(item_detail(&st, Some(&user.actor), id).await?))
}

/// `GET /api/v1/public/library`: published items, no login, nothing internal.
pub async fn api_public_library(State(st): State<AppState>) -> Result<Json<Value>, AppError> {
    let items = st.db.items(true).await?;
    Ok(Json(json!({
        "items": items.iter().map(|i| json!({
            "id": i.id,
            "title": i.title,
            "description": i.description,
            "criterion": i.criterion,
            "published_on": i.published_on.as_deref().and_then(|s| s.get(..10)),
        })).collect::<Vec<_>>(),
        "total": items.len(),
    })))
}

async fn app_detail(st: &AppState, id: i64) -> Result<Value, AppError> {
    let app = st.db.application(id).await?;
    let mut v = serde_json::to_value(&app).unwrap_or(Value::Null);
    v["versions"] = json!(st.db.app_versions(id).await?);
    v["projects"] = json!(st.db.application_projects(id).await?);
    v["history"] = json!(st.db.demand_history("application", id).await?);
    Ok(v)
}

pub async fn api_apps(
    State(st): State<AppState>,
    _user: CurrentUser,
) -> Result<Json<Value>, AppError> {
    let apps = st.db.applications().await?;
    Ok(Json(json!({ "items": apps, "total": apps.len() })))
}

pub async fn api_create_app(
    State(st): State<AppState>,
    user: CurrentUser,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), AppError> {
    api_write(&user)?;
    let id = create_app(&st, &user.actor, &json_fields(&body)?).await?;
    Ok((StatusCode::CREATED, Json(app_detail(&st, id).await?)))
}

pub async fn api_app(
    State(st): State<AppState>,
    _user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Value>, AppError> {
    Ok(Json(app_detail(&st, id).await?))
}

pub async fn api_app_act(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((id, action)): Path<(i64, String)>,
    body: Bytes,
) -> Result<Json<Value>, AppError> {
    api_write(&user)?;
    app_act(&st, &user.actor, id, &action, &json_fields(&body)?).await?;
    Ok(Json(app_detail(&st, id).await?))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/demand", get(needs_list).post(needs_submit))
        .route("/demand/stats", get(stats_page))
        .route("/demand/stats.xlsx", get(stats_xlsx))
        .route("/demand/{id}", get(need_show))
        .route("/demand/{id}/act/{action}", post(need_post))
        .route("/ledger", get(ledger_list).post(ledger_create))
        .route("/ledger/{id}", get(proposal_show))
        .route("/ledger/{id}/act/{action}", post(proposal_post))
        .route("/library", get(library_list))
        .route("/library/{id}", get(item_show))
        .route("/library/{id}/act/{action}", post(item_post))
        .route("/public/library", get(library_public))
        .route("/applications", get(apps_list).post(apps_create))
        .route("/applications/{id}", get(app_show))
        .route("/applications/{id}/act/{action}", post(app_post))
        .route("/api/v1/needs", get(api_needs).post(api_submit_need))
        .route("/api/v1/needs/stats", get(api_stats))
        .route("/api/v1/needs/{id}", get(api_need))
        .route("/api/v1/needs/{id}/actions/{action}", post(api_need_act))
        .route(
            "/api/v1/proposals",
            get(api_proposals).post(api_create_proposal),
        )
        .route("/api/v1/proposals/{id}", get(api_proposal))
        .route(
            "/api/v1/proposals/{id}/actions/{action}",
            post(api_proposal_act),
        )
        .route("/api/v1/library", get(api_items))
        .route("/api/v1/library/{id}", get(api_item))
        .route("/api/v1/library/{id}/actions/{action}", post(api_item_act))
        .route("/api/v1/public/library", get(api_public_library))
        .route("/api/v1/applications", get(api_apps).post(api_create_app))
        .route("/api/v1/applications/{id}", get(api_app))
        .route(
            "/api/v1/applications/{id}/actions/{action}",
            post(api_app_act),
        )
}

/// The OpenAPI paths of this module.
pub fn openapi_paths(doc: &mut Value) {
    use crate::openapi::err;
    let id =
        json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } });
    let action = |e: &[&str]| json!({ "name": "action", "in": "path", "required": true, "schema": { "enum": e } });
    let body = |desc: &str| json!({ "required": true, "content": { "application/json": { "schema": { "type": "object", "description": desc } } } });
    let aspects: Vec<&str> = Aspect::ALL.iter().map(|a| a.code()).collect();
    let paths = json!({
        "/api/v1/needs": {
            "get": { "summary": "需求库：当前用户可见的需求（本单位的；数据主管部门：已逐级报送到本级的；审计：辖区内全部）", "parameters": [{ "name": "state", "in": "query", "schema": { "enum": ["pending", "listed", "declined", "merged"] } }], "responses": { "200": { "description": "{items, total}" } } },
            "post": { "summary": "建设单位提交需求（随时可提）", "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["title", "description", "scenario", "aspects", "list"], "properties": {
                "title": { "type": "string" }, "description": { "type": "string" }, "scenario": { "type": "string" },
                "aspects": { "type": "array", "items": { "enum": aspects }, "description": "六个方面（代码或中文名）" },
                "list": { "type": "string", "description": "三张清单之一（政策规则 demand_lists 的 code 或名称）" } } } } } },
                "responses": { "201": { "description": "需求" }, "403": err("非建设单位"), "422": err("输入有误") } }
        },
        "/api/v1/needs/stats": { "get": { "summary": "需求统计：按需求方面、清单、辖区与状态计数", "responses": { "200": { "description": "{by_aspect, by_list, by_jurisdiction, total}" } } } },
        "/api/v1/needs/{id}": { "get": { "summary": "需求详情（含合并来源、引用它的项目建议、哈希链历史）", "parameters": [id], "responses": { "200": { "description": "需求" }, "404": err("不存在或无权查看") } } },
        "/api/v1/needs/{id}/actions/{action}": { "post": { "summary": "数据主管部门审核：endorse 同意（报送上一级，省级则列入）、decline 不予采纳（reason 必填）、merge 合并（into 目标需求编号）",
            "parameters": [id, action(&["endorse", "decline", "merge"])], "requestBody": body("opinion、reason、into、version（乐观锁，可选）"),
            "responses": { "200": { "description": "需求" }, "403": err("非本级数据主管部门"), "404": err("不存在或无权查看"), "409": err("状态不允许或并发冲突"), "422": err("输入有误") } } },
        "/api/v1/proposals": {
            "get": { "summary": "“一本账”：重大应用项目建议及其审定结果", "responses": { "200": { "description": "{items, total}" }, "404": err("无权查看") } },
            "post": { "summary": "省级主管部门由已列入的需求生成项目建议（生成制：至少一个来源需求）", "requestBody": body("title、description、need（来源需求编号数组）"),
                "responses": { "201": { "description": "项目建议" }, "403": err("非省级主管部门"), "422": err("无来源需求或来源未列入") } }
        },
        "/api/v1/proposals/{id}": { "get": { "summary": "项目建议详情", "parameters": [id], "responses": { "200": { "description": "项目建议" }, "404": err("不存在或无权查看") } } },
        "/api/v1/proposals/{id}/actions/{action}": { "post": { "summary": "argue 专家论证（experts 数组、date、opinion）；include 领导小组审定（included 是/否、reference 文号、date、note）；create_item 纳入项目库（title、description、criterion “大场景、小切口”说明，返回 201 与条目）",
            "parameters": [id, action(&["argue", "include", "create_item"])], "requestBody": body("见 summary"),
            "responses": { "200": { "description": "项目建议" }, "201": { "description": "项目库条目" }, "403": err("无权"), "409": err("状态不允许"), "422": err("输入或规则不符") } } },
        "/api/v1/library": { "get": { "summary": "项目库（部门可见未发布条目；其他用户只见已发布）", "responses": { "200": { "description": "{items, total}" } } } },
        "/api/v1/library/{id}": { "get": { "summary": "项目库条目（含关联的实施项目）", "parameters": [id], "responses": { "200": { "description": "条目" }, "404": err("不存在或无权查看") } } },
        "/api/v1/library/{id}/actions/{action}": { "post": { "summary": "publish 公开发布（须有可追溯到需求的“一本账”条目）；link_project 关联实施项目（project 项目编号）",
            "parameters": [id, action(&["publish", "link_project"])], "requestBody": body("project、version"),
            "responses": { "200": { "description": "条目" }, "403": err("无权"), "409": err("状态不允许"), "422": err("规则不符") } } },
        "/api/v1/public/library": { "get": { "summary": "公开的项目库（无需登录）", "security": [], "responses": { "200": { "description": "{items, total}" } } } },
        "/api/v1/applications": {
            "get": { "summary": "应用及其所属单位", "responses": { "200": { "description": "{items, total}" } } },
            "post": { "summary": "登记本单位的应用", "requestBody": body("name、description"), "responses": { "201": { "description": "应用" }, "403": err("无权"), "422": err("输入有误") } }
        },
        "/api/v1/applications/{id}": { "get": { "summary": "应用详情：版本历史（升级版本指向前一版本）、升级它的项目", "parameters": [id], "responses": { "200": { "description": "应用" }, "404": err("不存在") } } },
        "/api/v1/applications/{id}/actions/{action}": { "post": { "summary": "edit 责任单位修改应用名称与简介（name、description，重复建设比对索引随之更新）；add_version 登记版本（label、predecessor 前一版本编号或版本号、released_on、notes；升级须前一版本已通过绩效评价）；evaluate 主管部门登记绩效评价（version_id、evaluation、passed）；link_project 升级改造项目指明所升级的应用（project）",
            "parameters": [id, action(&["add_version", "evaluate", "link_project"])], "requestBody": body("见 summary"),
            "responses": { "200": { "description": "应用" }, "403": err("无权"), "409": err("并发冲突"), "422": err("输入或规则不符") } } }
    });
    if let (Some(p), Some(add)) = (doc["paths"].as_object_mut(), paths.as_object()) {
        for (k, v) in add {
            p.insert(k.clone(), v.clone());
        }
    }
}
