//! Server-rendered pages (zh-CN). Every form posts with its CSRF token; an error re-shows the
//! page with the user's input and the message beside the field.
use crate::api::{file_response, read_upload, ListQuery};
use crate::auth::{clear_cookie, login as do_login, session_cookie, CurrentUser, MaybeUser};
use crate::error::AppError;
use crate::fields::{project_input, Fields};
use crate::service;
use crate::AppState;
use askama::Template;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use std::collections::HashMap;
use tongchou_domain::lifecycle::{action_label, available_actions, todo_stages};
use tongchou_domain::permission::{list_scope, todo_scope};
use tongchou_domain::profile::{Profile, SupervisionMode, ATTACHMENT_KINDS};
use tongchou_domain::project::{
    procurement_method_label, BuildKind, Category, Funding, ProjectContext, PROCUREMENT_METHODS,
};
use tongchou_domain::{Actor, ProjectId, Role, Stage};
use tongchou_store::project::{
    AttachmentRow, ContractRow, HistoryEntry, ListFilter, PanelRow, ProcurementRow, ProgressRow,
    ProjectListItem, ScoreRow,
};
use tongchou_store::user::UnitRow;

/// What the base layout shows.
pub struct Layout {
    pub user_name: String,
    pub unit_name: String,
    pub jurisdiction_name: String,
    pub roles_label: String,
    pub csrf: String,
    pub nav: String,
    pub logged_in: bool,
    pub flash: Option<String>,
    pub todo_count: i64,
    pub inbox_unread: i64,
}

async fn layout(st: &AppState, user: &CurrentUser, nav: &str, flash: Option<String>) -> Layout {
    let a = &user.actor;
    let jname = st
        .db
        .jurisdiction(a.jurisdiction_id)
        .await
        .map(|j| j.name)
        .unwrap_or_default();
    let f = ListFilter {
        stages: todo_stages(a),
        per_page: 1,
        page: 1,
        ..Default::default()
    };
    let todo_count = if f.stages.is_empty() {
        0
    } else {
        st.db.count_projects(&todo_scope(a), &f).await.unwrap_or(0)
    };
    Layout {
        user_name: a.name.clone(),
        unit_name: a.unit_name.clone(),
        jurisdiction_name: jname,
        roles_label: a
            .roles
            .iter()
            .map(|r| {
                st.profile_for(&a.jurisdiction_path)
                    .role_name(*r)
                    .to_string()
            })
            .collect::<Vec<_>>()
            .join("、"),
        csrf: user.csrf.clone().unwrap_or_default(),
        nav: nav.into(),
        logged_in: true,
        flash,
        todo_count,
        inbox_unread: st
            .db
            .inbox(a, 100)
            .await
            .map(|v| v.iter().filter(|n| !n.read).count() as i64)
            .unwrap_or(0),
    }
}

/// The layout for a page that also works logged out.
pub async fn layout_for(st: &AppState, user: Option<&CurrentUser>, nav: &str) -> Layout {
    match user {
        Some(u) => layout(st, u, nav, None).await,
        None => {
            let mut l = logged_out_layout();
            l.nav = nav.into();
            l
        }
    }
}

/// A readable Chinese error page (or the login redirect for 401).
/// The page a handler rendered, or the error page for what went wrong (logged in users).
pub async fn page_or_error(
    st: &AppState,
    user: &CurrentUser,
    r: Result<Response, AppError>,
) -> Response {
    match r {
        Ok(r) => r,
        Err(e) => error_page(st, Some(user), e).await,
    }
}

pub async fn error_page(st: &AppState, user: Option<&CurrentUser>, e: AppError) -> Response {
    page_error(st, user, e).await
}

fn logged_out_layout() -> Layout {
    Layout {
        user_name: String::new(),
        unit_name: String::new(),
        jurisdiction_name: String::new(),
        roles_label: String::new(),
        csrf: String::new(),
        nav: String::new(),
        logged_in: false,
        flash: None,
        todo_count: 0,
        inbox_unread: 0,
    }
}

pub fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => AppError::Internal(format!("template: {e}")).into_response(),
    }
}

pub fn render_status<T: Template>(status: StatusCode, t: &T) -> Response {
    let mut r = render(t);
    *r.status_mut() = status;
    r
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    title: String,
    message: String,
}

/// A page-side error: log-in redirect for 401, otherwise a readable Chinese page.
pub(crate) async fn page_error(st: &AppState, user: Option<&CurrentUser>, e: AppError) -> Response {
    if matches!(e, AppError::Unauthorized) {
        return Redirect::to("/login").into_response();
    }
    let status = e.status();
    if let AppError::Internal(d) = &e {
        tracing::error!(detail = %d, "internal error");
    }
    let title = match status.as_u16() {
        403 => "无权操作",
        404 => "未找到",
        409 => "无法执行",
        413 => "文件过大",
        422 => "输入有误",
        500 => "系统错误",
        _ => "请求有误",
    };
    let layout = match user {
        Some(u) => layout(st, u, "", None).await,
        None => logged_out_layout(),
    };
    render_status(
        status,
        &ErrorPage {
            layout,
            title: title.into(),
            message: e.body().message,
        },
    )
}

pub async fn not_found(State(st): State<AppState>, MaybeUser(u): MaybeUser) -> Response {
    page_error(&st, u.as_ref(), AppError::NotFound).await
}

pub async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/app.css"),
    )
        .into_response()
}

// ---------- login ----------

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    username: String,
    error: Option<String>,
}

pub async fn login_form(MaybeUser(u): MaybeUser) -> Response {
    if u.is_some() {
        return Redirect::to("/").into_response();
    }
    render(&LoginPage {
        layout: logged_out_layout(),
        username: String::new(),
        error: None,
    })
}

#[derive(serde::Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

pub async fn login(State(st): State<AppState>, Form(f): Form<LoginForm>) -> Response {
    match do_login(&st, &f.username, &f.password).await {
        Ok((token, _)) => (
            [(
                header::SET_COOKIE,
                session_cookie(&token, st.secure_cookies),
            )],
            Redirect::to("/"),
        )
            .into_response(),
        Err(e) => {
            let msg = e.body().message;
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &LoginPage {
                    layout: logged_out_layout(),
                    username: f.username,
                    error: Some(msg),
                },
            )
        }
    }
}

pub async fn logout(
    State(st): State<AppState>,
    user: CurrentUser,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(f);
    if let Err(e) = user.check_csrf(fields.get("_csrf")) {
        return page_error(&st, Some(&user), e).await;
    }
    if let Some(t) = &user.session_token {
        let _ = st.db.delete_session(t).await;
    }
    (
        [(header::SET_COOKIE, clear_cookie())],
        Redirect::to("/login"),
    )
        .into_response()
}

// ---------- to-do ----------

pub struct TodoItem {
    /// The earliest open obligation: (title, due, days-left label, status).
    pub next_due: Option<(String, String, String, tongchou_domain::obligation::Status)>,
    pub id: i64,
    pub code: String,
    pub name: String,
    pub unit_name: String,
    pub stage: Stage,
    pub stage_since: String,
    pub actions: Vec<&'static str>,
}

#[derive(Template)]
#[template(path = "todo.html")]
struct TodoPage {
    layout: Layout,
    items: Vec<TodoItem>,
    recent: Vec<ProjectListItem>,
    /// shared-application competitions waiting for this user: (id, title, what, note)
    competition_todos: Vec<(i64, String, String, String)>,
    /// 挂图作战 items waiting for this user: (project, task, project name, title, what, note)
    task_todos: Vec<(i64, i64, String, String, String, String)>,
}

pub async fn todo(State(st): State<AppState>, MaybeUser(u): MaybeUser) -> Response {
    let Some(user) = u else {
        return Redirect::to("/login").into_response();
    };
    match todo_inner(&st, &user).await {
        Ok(r) => r,
        Err(e) => page_error(&st, Some(&user), e).await,
    }
}

async fn todo_inner(st: &AppState, user: &CurrentUser) -> Result<Response, AppError> {
    let a = &user.actor;
    let scope = list_scope(a);
    let items = todo_items(st, a).await?;
    let (recent, _) = st
        .db
        .list_projects(
            &scope,
            &ListFilter {
                per_page: 8,
                page: 1,
                ..Default::default()
            },
        )
        .await?;
    Ok(render(&TodoPage {
        layout: layout(st, user, "todo", None).await,
        items,
        recent,
        competition_todos: crate::market::todos(st, a).await?,
        task_todos: crate::tasks::todos(st, a).await?,
    }))
}

/// What 我的待办 lists for an actor: projects waiting for one of their actions, the earliest open
/// obligation first (also what the daily digest e-mail carries).
pub async fn todo_items(st: &AppState, a: &Actor) -> Result<Vec<TodoItem>, AppError> {
    let stages = todo_stages(a);
    let mut items = Vec::new();
    if !stages.is_empty() {
        let f = ListFilter {
            stages,
            per_page: 60,
            page: 1,
            ..Default::default()
        };
        let (cands, _) = st.db.list_projects(&todo_scope(a), &f).await?;
        for c in cands {
            let ctx = st.db.context(ProjectId(c.id)).await?;
            let actions: Vec<&'static str> =
                available_actions(&ctx, a, &st.profile_for(&ctx.project.jurisdiction_path))
                    .into_iter()
                    .filter(|x| {
                        // Forms that are always open are not to-dos.
                        !matches!(
                            *x,
                            "attach"
                                | "edit"
                                | "add_payment_batch"
                                | "prefile_payment"
                                | "submit_change"
                                | "apply_termination"
                        ) && !(*x == "set_project_code"
                            && (ctx.project.extra.project_code.is_some()
                                || ctx.project.extra.classified))
                    })
                    .collect();
            if !actions.is_empty() {
                items.push(TodoItem {
                    next_due: None,
                    id: c.id,
                    code: c.code,
                    name: c.name,
                    unit_name: c.unit_name,
                    stage: c.stage,
                    stage_since: c.stage_since,
                    actions,
                });
            }
        }
    }
    // Changes and terminations waiting for the authority, in any stage.
    if a.has(Role::Authority) {
        for pid in st
            .db
            .pending_money_decisions(&a.jurisdiction_path, 60)
            .await?
        {
            if items.iter().any(|i| i.id == pid) {
                continue;
            }
            let ctx = st.db.context(ProjectId(pid)).await?;
            if !tongchou_domain::permission::can_view(a, &ctx.project, false) {
                continue;
            }
            let actions: Vec<&'static str> =
                available_actions(&ctx, a, &st.profile_for(&ctx.project.jurisdiction_path))
                    .into_iter()
                    .filter(|x| {
                        matches!(
                            *x,
                            "file_change"
                                | "review_change"
                                | "change_expert_review"
                                | "file_termination"
                        )
                    })
                    .collect();
            if !actions.is_empty() {
                let p = ctx.project;
                items.push(TodoItem {
                    next_due: None,
                    id: p.id.0,
                    code: p.code,
                    name: p.input.name,
                    unit_name: p.unit_name,
                    stage: p.stage,
                    stage_since: p.stage_since,
                    actions,
                });
            }
        }
    }
    // Default-rule overrides waiting for this approver's sign-off (SPEC §0), in any stage.
    for pid in st
        .db
        .pending_override_projects(&a.jurisdiction_path, &a.roles, 60)
        .await?
    {
        let ctx = st.db.context(ProjectId(pid)).await?;
        if !tongchou_domain::permission::can_view(a, &ctx.project, false) {
            continue;
        }
        if !available_actions(&ctx, a, &st.profile_for(&ctx.project.jurisdiction_path))
            .contains(&"review_override")
        {
            continue;
        }
        if let Some(i) = items.iter_mut().find(|i| i.id == pid) {
            if !i.actions.contains(&"review_override") {
                i.actions.push("review_override");
            }
            continue;
        }
        let p = ctx.project;
        items.push(TodoItem {
            next_due: None,
            id: p.id.0,
            code: p.code,
            name: p.input.name,
            unit_name: p.unit_name,
            stage: p.stage,
            stage_since: p.stage_since,
            actions: vec!["review_override"],
        });
    }
    // Duties of the unit's systems in operation (yearly 等保测评, catalogue fixes, vulnerability
    // fixes) due within 30 days.
    if a.has(Role::Unit) {
        let until = tongchou_domain::lifecycle::add_days(tongchou_store::today(), 30);
        for (pid, code) in st.db.operation_duties(a.unit_id, until).await? {
            let action = if code.starts_with(tongchou_domain::operation::ASSESSMENT_PREFIX) {
                "record_security"
            } else if code.starts_with(tongchou_domain::operation::VULN_PREFIX) {
                "fix_vuln"
            } else {
                "catalogue_fixed"
            };
            if let Some(i) = items.iter_mut().find(|i| i.id == pid) {
                if !i.actions.contains(&action) {
                    i.actions.push(action);
                }
                continue;
            }
            let p = st.db.project(ProjectId(pid)).await?;
            items.push(TodoItem {
                next_due: None,
                id: p.id.0,
                code: p.code,
                name: p.input.name,
                unit_name: p.unit_name,
                stage: p.stage,
                stage_since: p.stage_since,
                actions: vec![action],
            });
        }
    }
    // Order by the earliest open obligation (what is due first comes first), then newest.
    let today = tongchou_store::today();
    let ids: Vec<i64> = items.iter().map(|i| i.id).collect();
    for o in st.db.next_open_obligations(&ids).await? {
        if let Some(i) = items.iter_mut().find(|i| i.id == o.project_id) {
            let status = tongchou_domain::obligation::status(&o.state, o.due, None, today);
            i.next_due = Some((
                o.title.clone(),
                o.due.to_string(),
                days_left_label(o.due, today),
                status,
            ));
        }
    }
    items.sort_by(|a, b| match (&a.next_due, &b.next_due) {
        (Some(x), Some(y)) => x.1.cmp(&y.1),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => b.id.cmp(&a.id),
    });
    Ok(items)
}

// ---------- list ----------

#[derive(Template)]
#[template(path = "projects.html")]
struct ListPage {
    layout: Layout,
    items: Vec<ProjectListItem>,
    total: i64,
    page: u32,
    pages: u32,
    q: HashMap<String, String>,
    query_base: String,
    stages: Vec<Stage>,
    units: Vec<UnitRow>,
    can_create: bool,
    /// The declaration round open today over the actor's jurisdiction (A1).
    round: Option<tongchou_domain::round::DeclarationRound>,
}

fn query_string(q: &HashMap<String, String>) -> String {
    let mut parts: Vec<String> = q
        .iter()
        .filter(|(k, v)| !v.is_empty() && k.as_str() != "page")
        .map(|(k, v)| format!("{}={}", k, url_encode(v)))
        .collect();
    parts.sort();
    parts.join("&")
}

pub fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn list_query(q: &HashMap<String, String>) -> ListQuery {
    ListQuery {
        stage: q.get("stage").cloned(),
        phase: q.get("phase").cloned(),
        year: q.get("year").cloned(),
        unit: q.get("unit").cloned(),
        q: q.get("q").cloned(),
        page: q.get("page").cloned(),
        per_page: q.get("per_page").cloned(),
    }
}

pub async fn list(
    State(st): State<AppState>,
    MaybeUser(u): MaybeUser,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(user) = u else {
        return Redirect::to("/login").into_response();
    };
    let r: Result<Response, AppError> = async {
        let f = list_query(&q).filter(50)?;
        let (items, total) = st.db.list_projects(&list_scope(&user.actor), &f).await?;
        let pages = ((total as u32).div_ceil(f.per_page)).max(1);
        let nav = match q.get("phase").map(String::as_str) {
            Some("review") => "review",
            Some("build") => "build",
            Some("accept") => "accept",
            _ => "projects",
        };
        let units = st
            .db
            .units()
            .await?
            .into_iter()
            .filter(|u| u.kind == "construction")
            .collect();
        Ok(render(&ListPage {
            layout: layout(&st, &user, nav, None).await,
            items,
            total,
            page: f.page,
            pages,
            query_base: query_string(&q),
            q,
            stages: Stage::ALL.to_vec(),
            units,
            can_create: user.actor.has(Role::Unit),
            round: crate::rounds::open_over(&st, &user.actor.jurisdiction_path).await?,
        }))
    }
    .await;
    match r {
        Ok(r) => r,
        Err(e) => page_error(&st, Some(&user), e).await,
    }
}

/// CSV export of the same list (UTF-8 with BOM so that Excel reads the Chinese).
pub async fn export_csv(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let mut f = list_query(&q).filter(500)?;
    f.per_page = 500;
    let scope = list_scope(&user.actor);
    let mut out = String::from(
        "\u{feff}项目编号,项目名称,年度,建设单位,阶段,信息化投资(元),立项金额(元),更新时间\n",
    );
    let esc = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    loop {
        let (items, _) = st.db.list_projects(&scope, &f).await?;
        for i in &items {
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{}\n",
                esc(&i.code),
                esc(&i.name),
                i.year,
                esc(&i.unit_name),
                i.stage.label(),
                i.it_amount,
                i.approved_amount.map(|a| a.to_string()).unwrap_or_default(),
                esc(&i.updated_at)
            ));
        }
        if items.len() < f.per_page as usize || f.page >= 200 {
            break;
        }
        f.page += 1;
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"projects.csv\"",
            ),
        ],
        out,
    )
        .into_response())
}

// ---------- create / edit ----------

#[derive(Template)]
#[template(path = "project_form.html")]
struct FormPage {
    layout: Layout,
    title: String,
    action: String,
    v: HashMap<String, String>,
    errors: HashMap<String, String>,
    error: Option<String>,
    build_kinds: Vec<(&'static str, &'static str)>,
    categories: Vec<(&'static str, &'static str)>,
    fundings: Vec<(&'static str, &'static str)>,
    major_tasks: Vec<(String, String)>,
    gov_functions: Vec<(String, String)>,
    version: i64,
}

impl FormPage {
    fn val(&self, k: &str) -> String {
        self.v.get(k).cloned().unwrap_or_default()
    }
    fn err(&self, k: &str) -> String {
        self.errors.get(k).cloned().unwrap_or_default()
    }
}

/// The profile's 重大任务 and 政府职能 lists (ZJ-plan 二) for the project form.
pub(crate) fn taxonomies(st: &AppState, actor: &tongchou_domain::Actor) -> Taxonomies {
    let p = st.profile_for(&actor.jurisdiction_path);
    let l = |v: &[tongchou_domain::profile::CheckItem]| {
        v.iter()
            .map(|i| (i.code.clone(), i.text.clone()))
            .collect::<Vec<_>>()
    };
    (l(&p.major_tasks), l(&p.gov_functions))
}

pub(crate) type Taxonomies = (Vec<(String, String)>, Vec<(String, String)>);

fn form_page(
    (major_tasks, gov_functions): Taxonomies,
    layout: Layout,
    title: &str,
    action: String,
    v: HashMap<String, String>,
    e: Option<AppError>,
    version: i64,
) -> FormPage {
    let mut errors = HashMap::new();
    let mut error = None;
    if let Some(e) = e {
        if let AppError::Unprocessable { fields, .. } = &e {
            for f in fields {
                errors.insert(f.field.clone(), f.message.clone());
            }
        }
        error = Some(e.body().message);
    }
    FormPage {
        layout,
        title: title.into(),
        action,
        v,
        errors,
        error,
        build_kinds: BuildKind::ALL
            .iter()
            .map(|k| (k.code(), k.label()))
            .collect(),
        categories: Category::ALL
            .iter()
            .map(|k| (k.code(), k.label()))
            .collect(),
        fundings: Funding::ALL.iter().map(|k| (k.code(), k.label())).collect(),
        major_tasks,
        gov_functions,
        version,
    }
}

pub async fn new_form(State(st): State<AppState>, MaybeUser(u): MaybeUser) -> Response {
    let Some(user) = u else {
        return Redirect::to("/login").into_response();
    };
    if !user.actor.has(Role::Unit) {
        return page_error(
            &st,
            Some(&user),
            AppError::Forbidden("只有项目建设单位可以创建项目".into()),
        )
        .await;
    }
    let mut v = HashMap::new();
    v.insert(
        "year".to_string(),
        (tongchou_store::today().year() + 1).to_string(),
    );
    render(&form_page(
        taxonomies(&st, &user.actor),
        layout(&st, &user, "projects", None).await,
        "新建项目申报",
        "/projects".into(),
        v,
        None,
        0,
    ))
}

fn fields_map(f: &Fields) -> HashMap<String, String> {
    let mut m: HashMap<String, String> = HashMap::new();
    for (k, v) in &f.0 {
        m.entry(k.clone())
            .and_modify(|e| {
                e.push('\n');
                e.push_str(v)
            })
            .or_insert_with(|| v.clone());
    }
    m
}

pub async fn create(
    State(st): State<AppState>,
    user: CurrentUser,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(f);
    let r = async {
        user.check_csrf(fields.get("_csrf"))?;
        let input = project_input(&fields)?;
        service::create_project(&st, &user.actor, &input).await
    }
    .await;
    match r {
        Ok(p) => Redirect::to(&format!("/projects/{}", p.id)).into_response(),
        Err(e @ AppError::Unprocessable { .. }) => {
            let l = layout(&st, &user, "projects", None).await;
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &form_page(
                    taxonomies(&st, &user.actor),
                    l,
                    "新建项目申报",
                    "/projects".into(),
                    fields_map(&fields),
                    Some(e),
                    0,
                ),
            )
        }
        Err(e) => page_error(&st, Some(&user), e).await,
    }
}

fn project_values(ctx: &ProjectContext) -> HashMap<String, String> {
    let i = &ctx.project.input;
    let mut v = HashMap::new();
    v.insert("name".into(), i.name.clone());
    v.insert("year".into(), i.year.to_string());
    v.insert("build_kind".into(), i.build_kind.code().into());
    v.insert("category".into(), i.category.code().into());
    v.insert("it_amount".into(), i.it_amount.to_string());
    v.insert("non_it_amount".into(), i.non_it_amount.to_string());
    v.insert("security_amount".into(), i.security_amount.to_string());
    v.insert("funding".into(), i.funding.code().into());
    v.insert("summary".into(), i.summary.clone());
    v.insert("participants".into(), i.participants.join("\n"));
    v.insert("responsible_person".into(), i.responsible_person.clone());
    v.insert(
        "major_task".into(),
        i.major_task.clone().unwrap_or_default(),
    );
    v.insert(
        "gov_function".into(),
        i.gov_function.clone().unwrap_or_default(),
    );
    v
}

pub async fn edit_form(
    State(st): State<AppState>,
    MaybeUser(u): MaybeUser,
    Path(id): Path<i64>,
) -> Response {
    let Some(user) = u else {
        return Redirect::to("/login").into_response();
    };
    match service::visible_context(&st, &user.actor, ProjectId(id)).await {
        Ok(ctx) => {
            if !available_actions(
                &ctx,
                &user.actor,
                &st.profile_for(&ctx.project.jurisdiction_path),
            )
            .contains(&"edit")
            {
                return page_error(
                    &st,
                    Some(&user),
                    AppError::Forbidden("当前阶段或角色不能修改申报信息".into()),
                )
                .await;
            }
            let l = layout(&st, &user, "projects", None).await;
            render(&form_page(
                taxonomies(&st, &user.actor),
                l,
                "修改申报信息",
                format!("/projects/{id}/edit"),
                project_values(&ctx),
                None,
                ctx.project.version,
            ))
        }
        Err(e) => page_error(&st, Some(&user), e).await,
    }
}

pub async fn edit(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(f);
    let r = async {
        user.check_csrf(fields.get("_csrf"))?;
        service::act(&st, &user.actor, ProjectId(id), "edit", &fields).await
    }
    .await;
    match r {
        Ok(p) => Redirect::to(&format!("/projects/{}", p.id)).into_response(),
        Err(e @ AppError::Unprocessable { .. }) => {
            let l = layout(&st, &user, "projects", None).await;
            let version = fields.version().ok().flatten().unwrap_or(0);
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &form_page(
                    taxonomies(&st, &user.actor),
                    l,
                    "修改申报信息",
                    format!("/projects/{id}/edit"),
                    fields_map(&fields),
                    Some(e),
                    version,
                ),
            )
        }
        Err(e) => page_error(&st, Some(&user), e).await,
    }
}

// ---------- show ----------

pub struct Expert {
    pub id: i64,
    pub name: String,
    pub unit_name: String,
    pub own_unit: bool,
}

#[derive(Template)]
#[template(path = "project.html")]
struct ShowPage {
    layout: Layout,
    ctx: ProjectContext,
    /// The declaration round open today over the project's jurisdiction (A1).
    round: Option<tongchou_domain::round::DeclarationRound>,
    profile: Profile,
    actions: Vec<&'static str>,
    history: Vec<HistoryEntry>,
    attachments: Vec<AttachmentRow>,
    scores: Vec<ScoreRow>,
    panels: Vec<PanelRow>,
    contract: Option<ContractRow>,
    procurement: Option<ProcurementRow>,
    progress: Vec<ProgressRow>,
    obligations: Vec<tongchou_store::project::ObligationRow>,
    today_date: tongchou_domain::Date,
    experts: Vec<Expert>,
    kinds: Vec<(&'static str, &'static str)>,
    methods: Vec<(&'static str, &'static str)>,
    today: String,
    this_month: String,
    /// The action whose form failed, its message, its field and the input to re-show.
    failed: String,
    error: Option<String>,
    error_field: String,
    /// Every field's own message when several were refused at once (一次性告知).
    error_fields: Vec<tongchou_domain::project::FieldError>,
    v: HashMap<String, String>,
    csrf: String,
    /// Payments card, changes, termination, overrun (see `money_card.html`).
    money: MoneyCard,
    /// Ids of the overrides pending this user's sign-off.
    my_overrides: Vec<i64>,
    /// 重复建设比对: the most similar projects (before and during the compliance review).
    similar: Vec<tongchou_domain::similarity::Similar>,
    /// Library items this project implements and the application it upgrades (需求库链).
    demand_links: Vec<(String, String)>,
    /// 挂图作战: the project's tasks and milestones (see `tasks_card.html`).
    tasks: Vec<tongchou_domain::tasks::Task>,
}

/// What the money card of the project page shows.
pub struct MoneyCard {
    pub s: tongchou_domain::funds::Summary,
    pub unit_overruns: i64,
    pub reasons: Vec<(String, String)>,
}

impl ShowPage {
    /// A 重大任务 / 政府职能 code's name in the profile (ZJ-plan 二); none: 未标注.
    fn taxon(&self, items: &[tongchou_domain::profile::CheckItem], code: Option<&str>) -> String {
        match code {
            None | Some("") => "未标注".into(),
            Some(c) => items
                .iter()
                .find(|i| i.code == c)
                .map(|i| i.text.clone())
                .unwrap_or_else(|| c.to_string()),
        }
    }
}

impl ShowPage {
    /// Quzhou 三(三)5: the earliest final-acceptance application and, once past, how many days
    /// the project has waited beyond it (flagged on the page, never blocked).
    fn final_wait(&self) -> Option<(tongchou_domain::Date, i64)> {
        if !matches!(self.ctx.project.stage, Stage::TrialRun) {
            return None;
        }
        let earliest =
            tongchou_domain::lifecycle::final_acceptance_earliest(&self.ctx, &self.profile)?;
        let late = (self.today_date - earliest).get_days() as i64;
        Some((earliest, late))
    }
    fn show_similar(&self) -> bool {
        matches!(
            self.ctx.project.stage,
            Stage::Draft | Stage::Returned | Stage::ComplianceReview
        )
    }
    fn likely_duplicates(&self) -> usize {
        self.similar.iter().filter(|s| s.likely_duplicate()).count()
    }
    fn likely_threshold(&self) -> u32 {
        tongchou_domain::similarity::LIKELY_DUPLICATE
    }
    fn duplicate_cite(&self) -> String {
        tongchou_domain::lifecycle::duplicate_cite().to_string()
    }
    fn marked(&self, text: &str, matched: &[String]) -> Vec<(String, bool)> {
        tongchou_domain::similarity::highlight(text, matched)
    }
    fn ms(&self) -> &tongchou_domain::funds::Summary {
        &self.money.s
    }
    fn f(&self) -> &tongchou_domain::funds::FundsState {
        &self.ctx.funds
    }
    /// The profile's change threshold (项目变更), e.g. "15%".
    fn change_max(&self) -> String {
        self.bp_pct(&self.profile.change_filing_max_cut_bp)
            .replace(".00%", "%")
    }
    fn bp_pct(&self, bp: &i64) -> String {
        format!("{}.{:02}%", bp / 100, bp % 100)
    }
    fn ratio_pct(&self, bp: &u32) -> String {
        format!("{}.{:02}%", bp / 100, bp % 100)
    }
    fn batch_cap(&self, bp: &u32) -> String {
        tongchou_domain::funds::share_of(self.money.s.position.contracted, *bp).grouped()
    }
    fn batch_used(&self, no: &u32) -> String {
        self.ctx.funds.batch_committed(*no).grouped()
    }
    fn reason_label(&self, code: &str) -> String {
        tongchou_domain::funds::termination_reason_label(&self.profile, code)
            .unwrap_or("")
            .to_string()
    }
    fn has_money(&self) -> bool {
        self.ctx.contract.is_some()
            || !self.ctx.funds.changes.is_empty()
            || self.ctx.funds.termination.is_some()
            || self.actions.iter().any(|a| {
                matches!(
                    *a,
                    "submit_change"
                        | "apply_termination"
                        | "file_change"
                        | "review_change"
                        | "change_expert_review"
                        | "file_termination"
                )
            })
    }
    fn ob_status(
        &self,
        o: &tongchou_store::project::ObligationRow,
    ) -> tongchou_domain::obligation::Status {
        tongchou_domain::obligation::status(&o.state, o.due, o.fulfilled_on, self.today_date)
    }
    fn ob_left(&self, o: &tongchou_store::project::ObligationRow) -> String {
        days_left_label(o.due, self.today_date)
    }
    fn p(&self) -> &tongchou_domain::project::Project {
        &self.ctx.project
    }
    fn om_stop_cite(&self) -> tongchou_domain::profile::Citation {
        tongchou_domain::evaluation::om_stop_cite()
    }
    fn can(&self, a: &str) -> bool {
        self.actions.contains(&a)
    }
    fn indicators(&self) -> Vec<tongchou_domain::evaluation::Indicator> {
        self.profile
            .evaluation
            .active()
            .map(|s| s.indicators.clone())
            .unwrap_or_default()
    }
    fn checker_kinds(&self) -> Vec<(&'static str, &'static str)> {
        tongchou_domain::evaluation::CHECKER_KINDS.to_vec()
    }
    fn checker_kind(&self, code: &str) -> &'static str {
        tongchou_domain::evaluation::checker_kind_label(code)
    }
    /// The declaration bars of the unit (A6), shown before it declares.
    fn eligibility_bars(&self) -> Vec<tongchou_domain::evaluation::Bar> {
        tongchou_domain::evaluation::bars(
            &self.ctx.eligibility,
            self.ctx.project.input.build_kind,
            &self.profile.evaluation,
            self.today_date,
        )
    }
    fn this_year(&self) -> i16 {
        self.today_date.year()
    }
    fn role_of(&self, r: &Role) -> &str {
        self.profile.role_name(*r)
    }
    fn mine(&self, id: &i64) -> bool {
        self.my_overrides.contains(id)
    }
    fn open(&self, a: &str) -> bool {
        self.failed == a
    }
    fn val(&self, k: &str) -> String {
        self.v.get(k).cloned().unwrap_or_default()
    }
    fn checked(&self, k: &str, code: &str) -> bool {
        self.v.get(k).is_some_and(|v| v.lines().any(|l| l == code))
    }
    fn field_error(&self, a: &str, k: &str) -> String {
        if self.failed == a && self.error_fields.len() > 1 {
            self.error_fields
                .iter()
                .find(|f| f.field == k)
                .map(|f| f.message.clone())
                .unwrap_or_default()
        } else if self.failed == a && self.error_field == k {
            self.error.clone().unwrap_or_default()
        } else {
            String::new()
        }
    }
    fn stage_label(&self, code: &str) -> &str {
        Stage::parse(code)
            .map(|s| self.profile.stage_name(s))
            .unwrap_or("")
    }
    fn stage_phase(&self, code: &str) -> &'static str {
        Stage::parse(code).map(|s| s.phase()).unwrap_or("")
    }
    fn action_name(&self, code: &str) -> &'static str {
        action_label(code)
    }
    fn task_overdue(&self, t: &tongchou_domain::tasks::Task) -> bool {
        t.overdue(self.today_date)
    }
    fn kind_label(&self, code: &str) -> &'static str {
        tongchou_domain::profile::attachment_kind_label(code).unwrap_or("附件")
    }
    fn role_label(&self, code: &str) -> &str {
        Role::parse(code)
            .map(|r| self.profile.role_name(r))
            .unwrap_or("")
    }
    fn purpose_label(&self, code: &str) -> &'static str {
        tongchou_domain::project::PanelPurpose::parse(code)
            .map(|p| p.label())
            .unwrap_or("专家组")
    }
    fn method_label(&self, code: &str) -> &'static str {
        procurement_method_label(code).unwrap_or("")
    }
    /// The procurement methods the profile counts as government procurement (工程监理).
    fn gov_methods(&self) -> String {
        self.profile
            .supervision
            .government_procurement_methods
            .iter()
            .map(|m| procurement_method_label(m).unwrap_or(m.as_str()))
            .collect::<Vec<_>>()
            .join("、")
    }
    fn panel_is_expert_review(&self) -> bool {
        self.ctx.project.stage == Stage::ExpertReview
    }
    fn short_hash(&self, h: &str) -> String {
        h.chars().take(16).collect()
    }
    fn size_label(&self, n: &i64) -> String {
        if *n >= 1024 * 1024 {
            format!("{:.1} MB", *n as f64 / 1048576.0)
        } else {
            format!("{} KB", (*n + 1023) / 1024)
        }
    }
}

async fn show_page(
    st: &AppState,
    user: &CurrentUser,
    id: ProjectId,
    failed: Option<(&str, AppError, Fields)>,
    flash: Option<String>,
) -> Result<Response, AppError> {
    let ctx = service::visible_context(st, &user.actor, id).await?;
    let actions = available_actions(
        &ctx,
        &user.actor,
        &st.profile_for(&ctx.project.jurisdiction_path),
    );
    let units: HashMap<i64, String> = st
        .db
        .units()
        .await?
        .into_iter()
        .map(|u| (u.id.0, u.name))
        .collect();
    let experts = if actions.contains(&"form_panel") {
        st.db
            .experts()
            .await?
            .into_iter()
            .map(|c| Expert {
                id: c.user_id.0,
                name: c.name,
                unit_name: units.get(&c.unit_id.0).cloned().unwrap_or_default(),
                own_unit: c.unit_id == ctx.project.unit_id,
            })
            .collect()
    } else {
        Vec::new()
    };
    let today = tongchou_store::today();
    let money = MoneyCard {
        s: tongchou_domain::funds::summary(&ctx, today),
        unit_overruns: st.db.unit_overruns(ctx.project.unit_id).await?,
        reasons: st
            .profile_for(&ctx.project.jurisdiction_path)
            .termination_reasons
            .iter()
            .map(|i| (i.code.clone(), i.text.clone()))
            .collect(),
    };
    let (failed_action, error, error_field, error_fields, v, status) = match failed {
        Some((a, e, f)) => (
            a.to_string(),
            Some(e.body().message),
            e.field_name().unwrap_or("").to_string(),
            e.body().fields,
            fields_map(&f),
            e.status(),
        ),
        None => (
            String::new(),
            None,
            String::new(),
            vec![],
            HashMap::new(),
            StatusCode::OK,
        ),
    };
    let my_overrides = tongchou_domain::overrides::pending_for(&ctx, &user.actor)
        .iter()
        .map(|o| o.id)
        .collect();
    let similar = if matches!(
        ctx.project.stage,
        Stage::Draft | Stage::Returned | Stage::ComplianceReview
    ) {
        service::similar_to(st, &user.actor, &ctx.project).await?
    } else {
        Vec::new()
    };
    let page = ShowPage {
        round: crate::rounds::open_over(st, &ctx.project.jurisdiction_path).await?,
        similar,
        layout: layout(st, user, "projects", flash).await,
        history: st.db.history(id).await?,
        attachments: st.db.attachments(id).await?,
        scores: st.db.preliminary_scores(id).await?,
        panels: st.db.panels(id).await?,
        contract: st.db.contract(id).await?,
        procurement: st.db.procurement(id).await?,
        progress: st.db.progress_reports(id).await?,
        obligations: st.db.obligations(id).await?,
        today_date: today,
        profile: (*st.profile_for(&ctx.project.jurisdiction_path)).clone(),
        actions,
        ctx,
        experts,
        kinds: ATTACHMENT_KINDS.to_vec(),
        methods: PROCUREMENT_METHODS.to_vec(),
        today: today.to_string(),
        this_month: today.strftime("%Y-%m").to_string(),
        failed: failed_action,
        error,
        error_field,
        error_fields,
        v,
        csrf: user.csrf.clone().unwrap_or_default(),
        money,
        my_overrides,
        demand_links: crate::demand::project_links(st, id.0).await,
        tasks: st.db.tasks_of(id.0).await?,
    };
    Ok(render_status(status, &page))
}

pub async fn show(
    State(st): State<AppState>,
    MaybeUser(u): MaybeUser,
    Path(id): Path<i64>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(user) = u else {
        return Redirect::to("/login").into_response();
    };
    let flash = q
        .get("done")
        .map(|a| format!("已完成：{}", action_label(a)));
    match show_page(&st, &user, ProjectId(id), None, flash).await {
        Ok(r) => r,
        Err(e) => page_error(&st, Some(&user), e).await,
    }
}

pub async fn act(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((id, action)): Path<(i64, String)>,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(f);
    let r = async {
        user.check_csrf(fields.get("_csrf"))?;
        service::act(&st, &user.actor, ProjectId(id), &action, &fields).await
    }
    .await;
    match r {
        Ok(_) => {
            Redirect::to(&format!("/projects/{id}?done={}", url_encode(&action))).into_response()
        }
        Err(
            e @ (AppError::Unprocessable { .. } | AppError::Conflict(_) | AppError::Forbidden(_)),
        ) => {
            let action: &str = crate::fields::ACTIONS
                .iter()
                .find(|a| **a == action)
                .copied()
                .unwrap_or("");
            match show_page(&st, &user, ProjectId(id), Some((action, e, fields)), None).await {
                Ok(r) => r,
                Err(e) => page_error(&st, Some(&user), e).await,
            }
        }
        Err(e) => page_error(&st, Some(&user), e).await,
    }
}

pub async fn upload(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    mp: Multipart,
) -> Response {
    let r = async {
        let (kind, filename, bytes, fields) = read_upload(mp).await?;
        user.check_csrf(fields.get("_csrf"))?;
        service::attach(
            &st,
            &user.actor,
            ProjectId(id),
            &kind,
            &filename,
            &bytes,
            &fields,
        )
        .await
    }
    .await;
    match r {
        Ok(_) => Redirect::to(&format!("/projects/{id}?done=attach")).into_response(),
        Err(e) => match show_page(
            &st,
            &user,
            ProjectId(id),
            Some(("attach", e, Fields::default())),
            None,
        )
        .await
        {
            Ok(r) => r,
            Err(e) => page_error(&st, Some(&user), e).await,
        },
    }
}

pub async fn download(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((id, aid)): Path<(i64, i64)>,
) -> Response {
    match service::download(&st, &user.actor, ProjectId(id), aid).await {
        Ok((a, bytes)) => file_response(&a, bytes),
        Err(e) => page_error(&st, Some(&user), e).await,
    }
}

// ---------- approval document ----------

#[derive(Template)]
#[template(path = "approval.html")]
struct ApprovalPage {
    layout: Layout,
    ctx: ProjectContext,
    issuers: String,
    cite: String,
    doc_date: String,
}

pub async fn approval_doc(
    State(st): State<AppState>,
    MaybeUser(u): MaybeUser,
    Path(id): Path<i64>,
) -> Response {
    let Some(user) = u else {
        return Redirect::to("/login").into_response();
    };
    let r = async {
        let ctx = service::visible_context(&st, &user.actor, ProjectId(id)).await?;
        if ctx.project.approval_no.is_none() {
            return Err(AppError::NotFound);
        }
        let doc_date = ctx
            .project
            .approval_date
            .map(|d| d.strftime("%Y年%-m月%-d日").to_string())
            .unwrap_or_default();
        Ok(render(&ApprovalPage {
            layout: layout(&st, &user, "projects", None).await,
            issuers: st
                .profile_for(&ctx.project.jurisdiction_path)
                .approval_issuers
                .join("　"),
            cite: st
                .profile_for(&ctx.project.jurisdiction_path)
                .approval_cite
                .to_string(),
            doc_date,
            ctx,
        }))
    }
    .await;
    match r {
        Ok(r) => r,
        Err(e) => page_error(&st, Some(&user), e).await,
    }
}

// ---------- settings: API tokens ----------

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    layout: Layout,
    actor: Actor,
    roles: String,
    tokens: Vec<(i64, String, String)>,
    new_token: Option<String>,
    /// The e-mail address notifications and the daily digest go to.
    email: String,
    email_error: String,
    is_admin: bool,
}

pub async fn settings(
    State(st): State<AppState>,
    MaybeUser(u): MaybeUser,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(user) = u else {
        return Redirect::to("/login").into_response();
    };
    let flash =
        (q.get("email").map(String::as_str) == Some("saved")).then(|| "邮箱已保存".to_string());
    settings_page(&st, &user, None, None, flash).await
}

/// 设置 again with the address the user typed and the message beside the field (422).
pub async fn settings_with_email_error(
    st: &AppState,
    user: &CurrentUser,
    input: String,
    message: String,
) -> Response {
    let mut r = settings_page(st, user, None, Some((input, message)), None).await;
    if r.status() == StatusCode::OK {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    r
}

async fn settings_page(
    st: &AppState,
    user: &CurrentUser,
    new_token: Option<String>,
    email_input: Option<(String, String)>,
    flash: Option<String>,
) -> Response {
    let r: Result<Response, AppError> = async {
        let tokens = st.db.api_tokens(user.actor.user_id).await?;
        let (email, email_error) = match email_input {
            Some(x) => x,
            None => (
                st.db
                    .user_email(user.actor.user_id)
                    .await?
                    .unwrap_or_default(),
                String::new(),
            ),
        };
        Ok(render(&SettingsPage {
            layout: layout(st, user, "settings", flash).await,
            roles: user
                .actor
                .roles
                .iter()
                .map(|r| {
                    st.profile_for(&user.actor.jurisdiction_path)
                        .role_name(*r)
                        .to_string()
                })
                .collect::<Vec<_>>()
                .join("、"),
            actor: user.actor.clone(),
            tokens,
            new_token,
            email,
            email_error,
            is_admin: tongchou_domain::notify::can_manage_outbox(&user.actor),
        }))
    }
    .await;
    match r {
        Ok(r) => r,
        Err(e) => page_error(st, Some(user), e).await,
    }
}

pub async fn create_token(
    State(st): State<AppState>,
    user: CurrentUser,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(f);
    if let Err(e) = user.check_csrf(fields.get("_csrf")) {
        return page_error(&st, Some(&user), e).await;
    }
    let name: String = Some(fields.text("name"))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "API 令牌".into())
        .chars()
        .take(60)
        .collect();
    let token = crate::auth::new_api_token();
    if let Err(e) = st
        .db
        .create_api_token(user.actor.user_id, &name, &token)
        .await
    {
        return page_error(&st, Some(&user), e.into()).await;
    }
    settings_page(&st, &user, Some(token), None, None).await
}

pub async fn revoke_token(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(tid): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(f);
    if let Err(e) = user.check_csrf(fields.get("_csrf")) {
        return page_error(&st, Some(&user), e).await;
    }
    match st.db.revoke_api_token(user.actor.user_id, tid).await {
        Ok(()) => Redirect::to("/settings").into_response(),
        Err(e) => page_error(&st, Some(&user), e.into()).await,
    }
}

impl TodoPage {
    fn label(&self, a: &str) -> &'static str {
        action_label(a)
    }
    /// Where an action's form is: the project page, or its 运行系统 page.
    fn href(&self, id: &i64, a: &str) -> String {
        if tongchou_domain::operation::ACTIONS.contains(&a) {
            format!("/projects/{id}/operation")
        } else {
            format!("/projects/{id}#act-{a}")
        }
    }
}

impl ListPage {
    fn phases(&self) -> Vec<(&'static str, &'static str)> {
        vec![
            ("draft", "申报"),
            ("review", "评审"),
            ("build", "立项与实施"),
            ("accept", "验收"),
            ("run", "运行"),
            ("ended", "已结束"),
        ]
    }
    fn is(&self, k: &str, v: &str) -> bool {
        self.q.get(k).is_some_and(|x| x == v)
    }
    fn get(&self, k: &str) -> String {
        self.q.get(k).cloned().unwrap_or_default()
    }
}

/// "还剩 3 天" / "今天到期" / "逾期 2 天".
pub fn days_left_label(due: tongchou_domain::Date, today: tongchou_domain::Date) -> String {
    let n = tongchou_domain::obligation::days_left(due, today);
    match n {
        0 => "今天到期".into(),
        n if n > 0 => format!("还剩 {n} 天"),
        n => format!("逾期 {} 天", -n),
    }
}

// ---------- inbox and the deadline sweep ----------

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    layout: Layout,
    items: Vec<tongchou_store::project::NotificationRow>,
    can_sweep: bool,
    /// Delivery counts per notification, channel and state.
    states: Vec<(i64, String, String, i64)>,
}

impl InboxPage {
    fn states_of(&self, id: &i64) -> Vec<String> {
        crate::notify::states_label(&self.states, *id)
    }
}

pub async fn inbox(
    State(st): State<AppState>,
    MaybeUser(u): MaybeUser,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(user) = u else {
        return Redirect::to("/login").into_response();
    };
    let r: Result<Response, AppError> = async {
        let items = st.db.inbox(&user.actor, 200).await?;
        let ids: Vec<i64> = items.iter().map(|n| n.id).collect();
        let states = st.db.delivery_states(&ids).await?;
        let flash = q.get("swept").map(|s| format!("已检查期限：{s}"));
        let page = InboxPage {
            layout: layout(&st, &user, "inbox", flash).await,
            items,
            can_sweep: can_sweep(&user.actor),
            states,
        };
        // Seen once shown.
        st.db.mark_inbox_read(&user.actor).await?;
        Ok(render(&page))
    }
    .await;
    match r {
        Ok(r) => r,
        Err(e) => page_error(&st, Some(&user), e).await,
    }
}

fn can_sweep(a: &Actor) -> bool {
    a.has(Role::Authority) || a.has(Role::Admin)
}

/// Run the deadline sweep now (authority or administrator).
pub async fn sweep_now(
    State(st): State<AppState>,
    user: CurrentUser,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    let r: Result<Response, AppError> = async {
        user.check_csrf(f.get("_csrf"))?;
        if !can_sweep(&user.actor) {
            return Err(AppError::Forbidden(
                "只有主管部门或系统管理员可以立即检查期限".into(),
            ));
        }
        let (reports, proposed) = service::sweep(&st).await?;
        let msg = format!("新增月报期限 {reports} 项，提请处理 {proposed} 项");
        Ok(Redirect::to(&format!("/inbox?swept={}", url_encode(&msg))).into_response())
    }
    .await;
    match r {
        Ok(r) => r,
        Err(e) => page_error(&st, Some(&user), e).await,
    }
}

// ---------- the policy profile, as officials read it ----------

#[derive(Template)]
#[template(path = "profile.html")]
struct ProfilePage {
    layout: Layout,
    profile: Profile,
    /// The profile shown: in force for the viewer's jurisdiction, or another asked for by code.
    mine: crate::profiles::InForce,
    showing_mine: bool,
    /// The jurisdictions the viewer's covers and their profiles.
    jurisdictions: Vec<crate::profiles::InForce>,
    /// Profiles that may be chosen (code, name).
    choices: Vec<(String, String)>,
    can_choose: bool,
    history: Vec<tongchou_store::profile::ProfileChoice>,
    /// The provincial shared-application mechanism (ZJ-share), the stored version in force.
    sharing: tongchou_domain::profile::SharingRules,
    /// Its version (0: shipped) and whether the viewer may edit it.
    sharing_version: i64,
    can_edit_sharing: bool,
}

impl ProfilePage {
    fn role(&self, r: &Role) -> &str {
        self.profile.role_name(*r)
    }
    /// The review path: (step name, who acts, citation).
    fn path(&self) -> Vec<(String, String, String)> {
        let p = &self.profile;
        p.review_path
            .iter()
            .map(|s| {
                let (who, cite) = match s {
                    Stage::ComplianceReview => {
                        (p.role_name(Role::Authority).to_string(), &p.compliance_cite)
                    }
                    Stage::PreliminaryReview => (
                        p.preliminary_scorers
                            .iter()
                            .map(|r| p.role_name(*r))
                            .collect::<Vec<_>>()
                            .join("、"),
                        &p.preliminary_cite,
                    ),
                    Stage::ExpertReview => (
                        format!("{}组织专家组", p.role_name(Role::Authority)),
                        &p.expert_cite,
                    ),
                    Stage::ReExamination => (
                        p.role_name(p.re_examination_role).to_string(),
                        &p.re_examination_cite,
                    ),
                    _ => (p.role_name(p.approval_role).to_string(), &p.approval_cite),
                };
                (p.stage_name(*s).to_string(), who, cite.to_string())
            })
            .collect()
    }
    fn kind_name(&self, code: &str) -> &'static str {
        tongchou_domain::profile::attachment_kind_label(code).unwrap_or("文件")
    }
    fn kind(&self, code: &str) -> &'static str {
        tongchou_domain::profile::attachment_kind_label(code).unwrap_or("材料")
    }
    fn gov_methods(&self) -> String {
        self.profile
            .supervision
            .government_procurement_methods
            .iter()
            .map(|m| procurement_method_label(m).unwrap_or(m.as_str()))
            .collect::<Vec<_>>()
            .join("、")
    }
    fn batches_pct(&self) -> String {
        self.pct(&(self.profile.payment_batches_max_bp as i64))
    }
    /// Basis points as a percentage ("15%", "12.50%").
    fn pct(&self, bp: &i64) -> String {
        if bp % 100 == 0 {
            format!("{}%", bp / 100)
        } else {
            format!("{}.{:02}%", bp / 100, bp % 100)
        }
    }
    fn money_rules(&self) -> Vec<(String, tongchou_domain::profile::Citation)> {
        tongchou_domain::funds::rules(&self.profile)
    }
    fn operation_rules(&self) -> Vec<(String, tongchou_domain::profile::Citation)> {
        tongchou_domain::operation::rules()
    }
    fn evaluation_rules(&self) -> Vec<(String, tongchou_domain::profile::Citation)> {
        tongchou_domain::evaluation::rules(&self.profile)
    }
}

/// 政策规则: the profile in force for the viewer's jurisdiction (and where it is inherited
/// from), or `?code=` another; the jurisdictions covered and their profiles.
pub async fn profile_page(
    State(st): State<AppState>,
    MaybeUser(u): MaybeUser,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(user) = u else {
        return Redirect::to("/login").into_response();
    };
    let r: Result<Response, AppError> = async {
        let mine = crate::profiles::mine(&st, &user.actor).await?;
        let asked = q.get("code").filter(|c| !c.is_empty());
        let (profile, showing_mine) = match asked {
            Some(c) if *c != mine.profile_code => match st.profiles.get_code(c) {
                Some((_, p)) => (p, false),
                None => return Err(AppError::NotFound),
            },
            _ => (st.profile_for(&mine.path), true),
        };
        let jurisdictions = crate::profiles::covered(&st, &user.actor).await?;
        let can_choose = user.actor.has(Role::Admin);
        let history = if can_choose {
            let ids: Vec<i64> = jurisdictions.iter().map(|j| j.jurisdiction_id).collect();
            st.db
                .profile_choices()
                .await?
                .into_iter()
                .filter(|c| ids.contains(&c.jurisdiction_id))
                .take(20)
                .collect()
        } else {
            vec![]
        };
        let choices = st
            .profiles
            .codes()
            .into_iter()
            .filter_map(|c| st.profiles.get_code(&c).map(|(_, p)| (c, p.name.clone())))
            .collect();
        let (sharing_version, sharing) = crate::sharing::current(&st).await?;
        Ok(render(&ProfilePage {
            layout: layout(&st, &user, "profile", q.get("flash").cloned()).await,
            profile: (*profile).clone(),
            mine,
            showing_mine,
            jurisdictions,
            choices,
            can_choose,
            history,
            sharing,
            sharing_version,
            can_edit_sharing: tongchou_domain::profile::can_edit_sharing_rules(&user.actor),
        }))
    }
    .await;
    match r {
        Ok(r) => r,
        Err(e) => page_error(&st, Some(&user), e).await,
    }
}

// ---------- profile editing (administrators) ----------

#[derive(Template)]
#[template(path = "profile_admin.html")]
struct ProfileAdminPage {
    layout: Layout,
    code: String,
    name: String,
    text: String,
    note: String,
    errors: Vec<String>,
    version: i64,
    versions: Vec<tongchou_store::profile::ProfileVersion>,
    used_by: Vec<String>,
}

/// Whether the actor may edit profile `code` (an administrator covering every jurisdiction that
/// chose it, SPEC §3), with the names of those jurisdictions.
fn may_edit_profile(st: &AppState, actor: &Actor, code: &str) -> Result<Vec<String>, AppError> {
    let assignments = st.profiles.assignments();
    let users: Vec<&tongchou_domain::profile::Assignment> = assignments
        .iter()
        .filter(|a| a.profile_code == code)
        .collect();
    let paths: Vec<&str> = users.iter().map(|a| a.jurisdiction_path.as_str()).collect();
    if !tongchou_domain::permission::can_edit_profile(actor, &paths) {
        return Err(AppError::Forbidden(
            "只有选用该规则的各辖区（或其上级）的系统管理员可以修改政策规则".into(),
        ));
    }
    Ok(users.iter().map(|a| a.jurisdiction_name.clone()).collect())
}

async fn profile_admin_page(
    st: &AppState,
    user: &CurrentUser,
    code: &str,
    text: Option<String>,
    note: String,
    errors: Vec<String>,
    flash: Option<String>,
) -> Result<Response, AppError> {
    let Some((version, profile)) = st.profiles.get_code(code) else {
        return Err(AppError::NotFound);
    };
    let used_by = may_edit_profile(st, &user.actor, code)?;
    let versions = st.db.profile_versions(&profile.code).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render_status(
        status,
        &ProfileAdminPage {
            layout: layout(st, user, "profile", flash).await,
            code: profile.code.clone(),
            name: profile.name.clone(),
            text: text.unwrap_or_else(|| profile.to_toml()),
            note,
            errors,
            version,
            versions,
            used_by,
        },
    ))
}

/// `GET /settings/profile?code=`: edit a profile (default: the one in force for the viewer).
pub async fn profile_admin(
    State(st): State<AppState>,
    MaybeUser(u): MaybeUser,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(user) = u else {
        return Redirect::to("/login").into_response();
    };
    let code = match q.get("code").filter(|c| !c.is_empty()) {
        Some(c) => c.clone(),
        None => st.profile_for(&user.actor.jurisdiction_path).code.clone(),
    };
    match profile_admin_page(&st, &user, &code, None, String::new(), vec![], None).await {
        Ok(r) => r,
        Err(e) => page_error(&st, Some(&user), e).await,
    }
}

/// Save a new profile version: validated whole; on any error nothing is applied.
pub async fn profile_save(
    State(st): State<AppState>,
    user: CurrentUser,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    let r: Result<Response, AppError> = async {
        user.check_csrf(f.get("_csrf"))?;
        if !user.actor.has(Role::Admin) {
            return Err(AppError::Forbidden("只有系统管理员可以修改政策规则".into()));
        }
        let text = f.get("text").unwrap_or("").to_string();
        let note = f.text("note");
        let code = match f.get("code").filter(|c| !c.is_empty()) {
            Some(c) => c.to_string(),
            None => st.profile_for(&user.actor.jurisdiction_path).code.clone(),
        };
        let Some((_, current)) = st.profiles.get_code(&code) else {
            return Err(AppError::NotFound);
        };
        may_edit_profile(&st, &user.actor, &code)?;
        let mut errors = match Profile::from_toml(&text) {
            Ok(p) if p.code != current.code => {
                vec![format!("code 不能修改（应为 {}）", current.code)]
            }
            Ok(_) => vec![],
            Err(e) => e,
        };
        if note.is_empty() {
            errors.push("请填写修改说明（依据和原因）".into());
        }
        if !errors.is_empty() {
            return profile_admin_page(&st, &user, &code, Some(text), note, errors, None).await;
        }
        let p = Profile::from_toml(&text).map_err(|e| AppError::Internal(e.join("; ")))?;
        let v = st
            .db
            .save_profile(&user.actor, &p.code, &text, &note)
            .await?;
        st.profiles.set(v, p);
        profile_admin_page(
            &st,
            &user,
            &code,
            None,
            String::new(),
            vec![],
            Some(format!(
                "已保存为第 {v} 版，自即日起的新决定按此执行；此前的决定仍按当时的版本"
            )),
        )
        .await
    }
    .await;
    match r {
        Ok(r) => r,
        Err(e) => page_error(&st, Some(&user), e).await,
    }
}
