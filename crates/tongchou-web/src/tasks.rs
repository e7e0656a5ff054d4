//! 挂图作战、对账销号 (SPEC P3; ZJ-plan 四(一)) and plan indicators (SPEC P4; ZJ-plan 一): a
//! project's tasks and milestones (page and API), the cross-project board (作战图) with its Excel
//! export, the indicator catalogue and its report. Rules live in `tongchou_domain::tasks`; every
//! write goes through [`act`] or [`link`] (load, decide, one transaction with the history entry).
use crate::auth::{CurrentUser, MaybeUser};
use crate::error::AppError;
use crate::fields::Fields;
use crate::pages::{layout_for, page_or_error, render, render_status, url_encode, Layout};
use crate::{service, AppState};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;
use tongchou_domain::permission::{can_view_parts, list_scope};
use tongchou_domain::project::Project;
use tongchou_domain::tasks::{
    self, Evidence, IndicatorInput, PlanIndicator, Progress, Task, TaskCommand, TaskInput,
    TaskKind, TaskState,
};
use tongchou_domain::{Actor, Date, ProjectId, UnitId};
use tongchou_store::tasks::{BoardTask, IndicatorLink, TaskFilter};
use tongchou_store::today;

// ---------- input ----------

fn date(f: &Fields, k: &str, what: &str) -> Result<Date, AppError> {
    f.text(k)
        .parse()
        .map_err(|_| AppError::field(k, format!("请填写{what}（YYYY-MM-DD）")))
}

async fn task_input(st: &AppState, p: &Project, f: &Fields) -> Result<TaskInput, AppError> {
    let kind = match f.text("kind").as_str() {
        "" => TaskKind::Task,
        k => TaskKind::parse(k).ok_or_else(|| AppError::field("kind", "请选择任务或里程碑"))?,
    };
    let owner = match f.text("owner_unit").as_str() {
        "" => p.unit_id,
        s => UnitId(
            s.parse()
                .map_err(|_| AppError::field("owner_unit", "请选择责任单位"))?,
        ),
    };
    let owner_unit_name = st
        .db
        .units()
        .await?
        .into_iter()
        .find(|u| u.id == owner)
        .map(|u| u.name)
        .ok_or_else(|| AppError::field("owner_unit", "责任单位不存在"))?;
    Ok(TaskInput {
        kind,
        title: f.text("title"),
        owner_unit_id: owner,
        owner_unit_name,
        owner_person: f.text("owner_person"),
        due: date(f, "due", "完成时限")?,
        indicator: f.text("indicator"),
    })
}

/// The evidence a closing names: an attachment of this project (`attachment`) and/or a
/// reference (`reference`).
async fn evidence(st: &AppState, p: &Project, f: &Fields) -> Result<Evidence, AppError> {
    let attachment = match f.text("attachment").as_str() {
        "" => None,
        s => {
            let aid: i64 = s
                .parse()
                .map_err(|_| AppError::field("attachment", "请选择佐证材料"))?;
            let a = st.db.attachment(p.id, aid).await.map_err(|e| match e {
                tongchou_store::StoreError::NotFound => {
                    AppError::field("attachment", "佐证材料须为本项目已上传的文件")
                }
                e => e.into(),
            })?;
            Some((a.id, a.filename))
        }
    };
    Ok(Evidence {
        attachment,
        reference: f.text("reference"),
    })
}

fn project_profile(
    st: &AppState,
    p: &Project,
) -> (std::sync::Arc<tongchou_domain::profile::Profile>, String) {
    st.profile_and_tag(&p.jurisdiction_path)
}

// ---------- service ----------

/// Run one task action (`add` without a task) on a project: load, decide, write.
pub async fn act(
    st: &AppState,
    actor: &Actor,
    id: ProjectId,
    task: Option<i64>,
    action: &str,
    f: &Fields,
) -> Result<Task, AppError> {
    let p = service::visible_project(st, actor, id).await?;
    let t = match task {
        Some(tid) => Some(st.db.task(p.id.0, tid).await?),
        None => None,
    };
    if let (Some(t), Some(v)) = (&t, f.version()?) {
        if v != t.version {
            return Err(AppError::Conflict("任务已被他人修改，请刷新后重试".into()));
        }
    }
    let cmd = match (action, &t) {
        ("add", None) => TaskCommand::Add(task_input(st, &p, f).await?),
        ("edit", Some(_)) => TaskCommand::Edit(task_input(st, &p, f).await?),
        ("close", Some(_)) => TaskCommand::Close {
            evidence: evidence(st, &p, f).await?,
            note: f.text("note"),
        },
        ("confirm", Some(_)) => TaskCommand::Confirm {
            note: f.text("note"),
        },
        ("reject", Some(_)) => TaskCommand::Reject {
            reason: f.text("reason"),
        },
        _ => return Err(AppError::NotFound),
    };
    let (profile, tag) = project_profile(st, &p);
    let d = tasks::decide(&p, t.as_ref(), actor, cmd, &profile, today())?;
    Ok(st
        .db
        .apply_task(&p, actor, &d, t.as_ref().map(|t| t.version), &tag)
        .await?)
}

/// Link a project to an indicator (`note` Some) or unlink it (None).
pub async fn link(
    st: &AppState,
    actor: &Actor,
    id: ProjectId,
    indicator: i64,
    note: Option<&str>,
) -> Result<(), AppError> {
    let p = service::visible_project(st, actor, id).await?;
    let ind = st.db.indicator(indicator).await.map_err(|e| match e {
        tongchou_store::StoreError::NotFound => AppError::field("indicator", "请选择规划指标"),
        e => e.into(),
    })?;
    let summary = match note {
        Some(n) => tasks::decide_link(actor, &p, &ind, n)?,
        None => {
            // The same permission as linking; the note does not matter.
            tasks::decide_link(actor, &p, &ind, "取消")?;
            format!(
                "取消关联规划指标“{}”（{} 年 {}）",
                ind.input.name, ind.input.year, ind.input.target
            )
        }
    };
    let (_, tag) = project_profile(st, &p);
    st.db
        .link_indicator(&p, actor, indicator, note, &summary, &tag)
        .await?;
    Ok(())
}

// ---------- JSON ----------

pub fn task_json(t: &Task, today: Date) -> Value {
    let mut v = serde_json::to_value(t).unwrap_or(Value::Null);
    v["kind_label"] = json!(t.input.kind.label());
    v["state_label"] = json!(t.state.label());
    v["overdue"] = json!(t.overdue(today));
    v["days_overdue"] = json!(t.days_overdue(today));
    v
}

fn body_fields(body: &Bytes) -> Result<Fields, AppError> {
    if body.is_empty() {
        return Ok(Fields::default());
    }
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| AppError::BadRequest(format!("请求体不是有效的 JSON：{e}")))?;
    Fields::from_json(&v)
}

fn bearer_only(user: &CurrentUser) -> Result<(), AppError> {
    if user.csrf.is_some() {
        return Err(AppError::Forbidden(
            "接口写操作请使用 Authorization: Bearer 令牌".into(),
        ));
    }
    Ok(())
}

/// `GET /api/v1/projects/{id}/tasks`
pub async fn api_list(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Value>, AppError> {
    let p = service::visible_project(&st, &user.actor, ProjectId(id)).await?;
    let today = today();
    let list = st.db.tasks_of(p.id.0).await?;
    let (profile, _) = project_profile(&st, &p);
    Ok(Json(json!({
        "project_id": p.id.0,
        "project_version": p.version,
        "progress": Progress::of(&list, today),
        "may_manage": tasks::may_manage(&user.actor, &p),
        "may_confirm": tasks::may_confirm(&user.actor, &p, &profile),
        "cite": tasks::cite_board().to_string(),
        "tasks": list.iter().map(|t| task_json(t, today)).collect::<Vec<_>>(),
        "indicators": st.db.project_links(p.id.0).await?,
    })))
}

/// `POST /api/v1/projects/{id}/tasks`
pub async fn api_add(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), AppError> {
    bearer_only(&user)?;
    let f = body_fields(&body)?;
    let t = act(&st, &user.actor, ProjectId(id), None, "add", &f).await?;
    Ok((StatusCode::CREATED, Json(task_json(&t, today()))))
}

/// `POST /api/v1/projects/{id}/tasks/{tid}/{action}` (edit, close, confirm, reject)
pub async fn api_act(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((id, tid, action)): Path<(i64, i64, String)>,
    body: Bytes,
) -> Result<Json<Value>, AppError> {
    bearer_only(&user)?;
    let f = body_fields(&body)?;
    let t = act(&st, &user.actor, ProjectId(id), Some(tid), &action, &f).await?;
    Ok(Json(task_json(&t, today())))
}

/// `POST /api/v1/projects/{id}/indicators` {indicator, note}
pub async fn api_link(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Json<Value>, AppError> {
    bearer_only(&user)?;
    let f = body_fields(&body)?;
    let ind = f
        .text("indicator")
        .parse()
        .map_err(|_| AppError::field("indicator", "请选择规划指标"))?;
    link(&st, &user.actor, ProjectId(id), ind, Some(&f.text("note"))).await?;
    Ok(Json(
        json!({ "indicators": st.db.project_links(id).await? }),
    ))
}

/// `POST /api/v1/projects/{id}/indicators/{iid}/unlink`
pub async fn api_unlink(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((id, iid)): Path<(i64, i64)>,
) -> Result<Json<Value>, AppError> {
    bearer_only(&user)?;
    link(&st, &user.actor, ProjectId(id), iid, None).await?;
    Ok(Json(
        json!({ "indicators": st.db.project_links(id).await? }),
    ))
}

// ---------- the cross-project board (作战图) ----------

fn board_filter(
    actor: &Actor,
    q: &HashMap<String, String>,
    juris: &[(i64, String, String)],
) -> Result<TaskFilter, AppError> {
    let num = |k: &str| -> Result<Option<i64>, AppError> {
        match q.get(k).map(|s| s.trim()).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => s
                .parse()
                .map(Some)
                .map_err(|_| AppError::field(k, "须为编号")),
        }
    };
    let jurisdiction_path = match num("jurisdiction")? {
        None => None,
        Some(j) => Some(
            juris
                .iter()
                .find(|(id, _, _)| *id == j)
                .map(|(_, _, path)| path.clone())
                .filter(|p| actor.covers(p) || p.is_empty())
                .ok_or_else(|| AppError::field("jurisdiction", "不在本辖区内"))?,
        ),
    };
    let state = match q.get("state").map(String::as_str) {
        None | Some("") => None,
        Some(s) => Some(TaskState::parse(s).ok_or_else(|| AppError::field("state", "未知的状态"))?),
    };
    Ok(TaskFilter {
        jurisdiction_path,
        unit: num("unit")?.map(UnitId),
        state,
        overdue: matches!(
            q.get("overdue").map(String::as_str),
            Some("1" | "yes" | "on" | "true")
        ),
        project: num("project")?,
    })
}

/// The jurisdictions the actor covers: (id, name, path).
async fn covered_jurisdictions(
    st: &AppState,
    actor: &Actor,
) -> Result<Vec<(i64, String, String)>, AppError> {
    Ok(st
        .db
        .jurisdictions()
        .await?
        .into_iter()
        .filter(|j| actor.covers(&j.path))
        .map(|j| (j.id.0, j.name, j.path))
        .collect())
}

fn board_task_json(b: &BoardTask, today: Date) -> Value {
    let mut v = task_json(&b.task, today);
    v["project_name"] = json!(b.project_name);
    v["project_code"] = json!(b.project_code);
    v["project_unit_name"] = json!(b.project_unit_name);
    v["jurisdiction_name"] = json!(b.jurisdiction_name);
    v
}

/// `GET /api/v1/tasks`: the board across the projects the actor may see (filters: jurisdiction,
/// unit, state, overdue, project; page, per_page), by due date.
pub async fn api_board(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, AppError> {
    let juris = covered_jurisdictions(&st, &user.actor).await?;
    let f = board_filter(&user.actor, &q, &juris)?;
    let per: i64 = q
        .get("per_page")
        .and_then(|s| s.parse().ok())
        .unwrap_or(100)
        .clamp(1, 1000);
    let page: i64 = q
        .get("page")
        .and_then(|s| s.parse().ok())
        .unwrap_or(1)
        .max(1);
    let today = today();
    let (items, total) = st
        .db
        .board_tasks(&list_scope(&user.actor), &f, today, per, (page - 1) * per)
        .await?;
    Ok(Json(json!({
        "total": total,
        "page": page,
        "items": items.iter().map(|b| board_task_json(b, today)).collect::<Vec<_>>(),
    })))
}

#[derive(Template)]
#[template(path = "tasks_board.html")]
struct BoardPage {
    layout: Layout,
    items: Vec<BoardTask>,
    total: i64,
    page: i64,
    pages: i64,
    q: HashMap<String, String>,
    query_base: String,
    jurisdictions: Vec<(i64, String, String)>,
    units: Vec<(i64, String)>,
    states: Vec<(&'static str, &'static str)>,
    today: Date,
    cite: String,
}

impl BoardPage {
    fn sel(&self, k: &str, v: &str) -> bool {
        self.q.get(k).is_some_and(|x| x == v)
    }
    fn overdue(&self, t: &Task) -> bool {
        t.overdue(self.today)
    }
    fn days_overdue(&self, t: &Task) -> i64 {
        t.days_overdue(self.today)
    }
}

/// `GET /tasks`
pub async fn board_page(
    State(st): State<AppState>,
    MaybeUser(u): MaybeUser,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(user) = u else {
        return Redirect::to("/login").into_response();
    };
    let r = async {
        let jurisdictions = covered_jurisdictions(&st, &user.actor).await?;
        let f = board_filter(&user.actor, &q, &jurisdictions)?;
        let per = 50i64;
        let page: i64 = q
            .get("page")
            .and_then(|s| s.parse().ok())
            .unwrap_or(1)
            .max(1);
        let today = today();
        let (items, total) = st
            .db
            .board_tasks(&list_scope(&user.actor), &f, today, per, (page - 1) * per)
            .await?;
        let mut parts: Vec<String> = q
            .iter()
            .filter(|(k, v)| !v.is_empty() && k.as_str() != "page")
            .map(|(k, v)| format!("{k}={}", url_encode(v)))
            .collect();
        parts.sort();
        let units = st
            .db
            .units()
            .await?
            .into_iter()
            .filter(|u| {
                jurisdictions
                    .iter()
                    .any(|(j, _, _)| *j == u.jurisdiction_id.0)
            })
            .map(|u| (u.id.0, u.name))
            .collect();
        Ok(render(&BoardPage {
            layout: layout_for(&st, Some(&user), "tasks").await,
            items,
            total,
            page,
            pages: ((total + per - 1) / per).max(1),
            q,
            query_base: parts.join("&"),
            jurisdictions,
            units,
            states: TaskState::ALL
                .iter()
                .map(|s| (s.code(), s.label()))
                .collect(),
            today,
            cite: tasks::cite_board().to_string(),
        }))
    }
    .await;
    page_or_error(&st, &user, r).await
}

fn xlsx_response(bytes: Vec<u8>, name: &str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// `GET /tasks.xlsx`: the board (same scope and filters) as an Excel workbook.
pub async fn board_export(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    use rust_xlsxwriter::{Format, Workbook};
    let juris = covered_jurisdictions(&st, &user.actor).await?;
    let f = board_filter(&user.actor, &q, &juris)?;
    let today = today();
    let (items, _) = st
        .db
        .board_tasks(&list_scope(&user.actor), &f, today, 5000, 0)
        .await?;
    let xl = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.to_string());
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet().set_name("作战图").map_err(xl)?;
    let heads = [
        "项目编号",
        "项目名称",
        "地区",
        "建设单位",
        "类型",
        "任务/里程碑",
        "责任单位",
        "责任人",
        "完成时限",
        "完成标志",
        "状态",
        "逾期天数",
        "佐证",
        "销号人",
        "销号日期",
        "对账人",
        "对账日期",
        "退回理由",
    ];
    for (c, h) in heads.iter().enumerate() {
        ws.write_with_format(0, c as u16, *h, &bold).map_err(xl)?;
    }
    for (i, b) in items.iter().enumerate() {
        let r = i as u32 + 1;
        let t = &b.task;
        let ev = t
            .evidence
            .as_ref()
            .map(|e| {
                let mut s = e
                    .attachment
                    .as_ref()
                    .map(|a| a.1.clone())
                    .unwrap_or_default();
                if !e.reference.is_empty() {
                    if !s.is_empty() {
                        s.push('；');
                    }
                    s.push_str(&e.reference);
                }
                s
            })
            .unwrap_or_default();
        let cells: [String; 18] = [
            b.project_code.clone(),
            b.project_name.clone(),
            b.jurisdiction_name.clone(),
            b.project_unit_name.clone(),
            t.input.kind.label().into(),
            t.input.title.clone(),
            t.input.owner_unit_name.clone(),
            t.input.owner_person.clone(),
            t.input.due.to_string(),
            t.input.indicator.clone(),
            t.state.label().into(),
            String::new(),
            ev,
            t.closed_by.clone().unwrap_or_default(),
            t.closed_on.map(|d| d.to_string()).unwrap_or_default(),
            t.confirmed_by.clone().unwrap_or_default(),
            t.confirmed_on.map(|d| d.to_string()).unwrap_or_default(),
            t.reject_reason.clone().unwrap_or_default(),
        ];
        for (c, v) in cells.iter().enumerate() {
            if c == 11 {
                ws.write(r, c as u16, t.days_overdue(today) as f64)
                    .map_err(xl)?;
            } else {
                ws.write(r, c as u16, v.as_str()).map_err(xl)?;
            }
        }
    }
    ws.set_column_width(1, 32).map_err(xl)?;
    ws.set_column_width(5, 32).map_err(xl)?;
    ws.set_column_width(9, 32).map_err(xl)?;
    let bytes = wb.save_to_buffer().map_err(xl)?;
    Ok(xlsx_response(bytes, &format!("tasks-{today}.xlsx")))
}

// ---------- 我的待办 ----------

/// What 我的待办 lists of the boards: for the competent authority, closings awaiting its 对账
/// (on projects it handles); for a unit, its open items that are late, due within 7 days or were
/// sent back. (project id, task id, project name, task title, what, note)
pub async fn todos(
    st: &AppState,
    a: &Actor,
) -> Result<Vec<(i64, i64, String, String, String, String)>, AppError> {
    let today = today();
    let scope = list_scope(a);
    let mut out = vec![];
    if a.has(tongchou_domain::Role::Authority) {
        let f = TaskFilter {
            state: Some(TaskState::Closed),
            ..Default::default()
        };
        let (items, _) = st.db.board_tasks(&scope, &f, today, 60, 0).await?;
        let mut handled: HashMap<i64, bool> = HashMap::new();
        for b in items {
            let pid = b.task.project_id;
            let here = match handled.get(&pid) {
                Some(h) => *h,
                None => {
                    let p = st.db.project(ProjectId(pid)).await?;
                    let h = tasks::may_confirm(a, &p, &st.profile_for(&p.jurisdiction_path));
                    handled.insert(pid, h);
                    h
                }
            };
            if here {
                let t = &b.task;
                out.push((
                    pid,
                    t.id,
                    b.project_name,
                    t.input.title.clone(),
                    "对账确认".to_string(),
                    format!(
                        "{} {} 销号",
                        t.closed_by.clone().unwrap_or_default(),
                        t.closed_on.map(|d| d.to_string()).unwrap_or_default()
                    ),
                ));
            }
        }
    }
    if a.has(tongchou_domain::Role::Unit) {
        let f = TaskFilter {
            unit: Some(a.unit_id),
            state: Some(TaskState::Open),
            ..Default::default()
        };
        let soon = today
            .checked_add(jiff::Span::new().days(7))
            .unwrap_or(today);
        let (items, _) = st.db.board_tasks(&scope, &f, today, 200, 0).await?;
        for b in items {
            let t = &b.task;
            if t.input.owner_unit_id != a.unit_id {
                continue;
            }
            let note = if let Some(r) = &t.reject_reason {
                format!("对账退回：{r}")
            } else if t.overdue(today) {
                format!("已逾期 {} 天（{}）", t.days_overdue(today), t.input.due)
            } else if t.input.due <= soon {
                format!("{} 前完成", t.input.due)
            } else {
                continue;
            };
            out.push((
                t.project_id,
                t.id,
                b.project_name.clone(),
                t.input.title.clone(),
                "销号（须有佐证）".to_string(),
                note,
            ));
        }
    }
    Ok(out)
}

// ---------- the project's page ----------

#[derive(Template)]
#[template(path = "tasks.html")]
struct ProjectTasksPage {
    layout: Layout,
    p: Project,
    tasks: Vec<Task>,
    progress: Progress,
    may_manage: bool,
    may_confirm: bool,
    units: Vec<(i64, String)>,
    attachments: Vec<(i64, String)>,
    links: Vec<IndicatorLink>,
    indicators: Vec<PlanIndicator>,
    today: Date,
    cite: String,
    goals_cite: String,
    /// (action, task id, message, field) of a refused form
    error: Option<(String, i64, String, String)>,
    v: HashMap<String, String>,
    closable: Vec<i64>,
    zero: i64,
}

impl ProjectTasksPage {
    fn err(&self, action: &str, task: &i64) -> String {
        match &self.error {
            Some((a, t, m, _)) if a == action && t == task => m.clone(),
            _ => String::new(),
        }
    }
    fn val(&self, action: &str, task: &i64, k: &str) -> String {
        if self.err(action, task).is_empty() {
            return String::new();
        }
        self.v.get(k).cloned().unwrap_or_default()
    }
    fn may_close(&self, t: &Task) -> bool {
        t.state == TaskState::Open && self.closable.contains(&t.id)
    }
    fn is_owner(&self, t: &Task, unit: &i64) -> bool {
        t.input.owner_unit_id.0 == *unit
    }
    fn is_project_unit(&self, unit: &i64) -> bool {
        self.p.unit_id.0 == *unit
    }
    fn may_decide(&self, t: &Task) -> bool {
        t.state == TaskState::Closed && self.may_confirm
    }
    fn overdue(&self, t: &Task) -> bool {
        t.overdue(self.today)
    }
    fn days_overdue(&self, t: &Task) -> i64 {
        t.days_overdue(self.today)
    }
    fn task_val(&self, t: &Task, k: &str) -> String {
        if !self.err("edit", &t.id).is_empty() {
            return self.v.get(k).cloned().unwrap_or_default();
        }
        match k {
            "title" => t.input.title.clone(),
            "owner_person" => t.input.owner_person.clone(),
            "due" => t.input.due.to_string(),
            "indicator" => t.input.indicator.clone(),
            _ => String::new(),
        }
    }
    fn linked(&self, i: &PlanIndicator) -> bool {
        self.links.iter().any(|l| l.indicator_id == i.id)
    }
    fn indicator_name(&self, id: &i64) -> String {
        self.indicators
            .iter()
            .find(|i| i.id == *id)
            .map(|i| format!("{}（{} 年 {}）", i.input.name, i.input.year, i.input.target))
            .unwrap_or_default()
    }
}

fn flash_label(a: &str) -> Option<&'static str> {
    Some(match a {
        "add" => "新增任务/里程碑",
        "edit" => "修改任务/里程碑",
        "close" => "销号（待对账）",
        "confirm" => "对账确认",
        "reject" => "对账退回",
        "link" => "关联规划指标",
        "unlink" => "取消关联规划指标",
        _ => return None,
    })
}

async fn render_project(
    st: &AppState,
    user: &CurrentUser,
    id: ProjectId,
    error: Option<(String, i64, AppError, Fields)>,
    flash: Option<String>,
) -> Result<Response, AppError> {
    let p = service::visible_project(st, &user.actor, id).await?;
    let (profile, _) = project_profile(st, &p);
    let list = st.db.tasks_of(p.id.0).await?;
    let today = today();
    let actor = &user.actor;
    let closable = list
        .iter()
        .filter(|t| tasks::may_close(actor, t))
        .map(|t| t.id)
        .collect();
    let may_manage = tasks::may_manage(actor, &p);
    let units = if may_manage {
        st.db
            .units()
            .await?
            .into_iter()
            .map(|u| (u.id.0, format!("{}（{}）", u.name, u.jurisdiction_name)))
            .collect()
    } else {
        vec![]
    };
    let attachments = st
        .db
        .attachments(p.id)
        .await?
        .into_iter()
        .map(|a| (a.id, a.filename))
        .collect();
    let indicators = st
        .db
        .indicators()
        .await?
        .into_iter()
        .filter(|i| tasks::indicator_applies(i, &p.jurisdiction_path))
        .collect();
    let mut layout = layout_for(st, Some(user), "tasks").await;
    layout.flash = flash;
    let status = error
        .as_ref()
        .map(|(_, _, e, _)| e.status())
        .unwrap_or(StatusCode::OK);
    let (error, v) = match error {
        Some((a, t, e, f)) => {
            let field = e.field_name().unwrap_or("").to_string();
            (
                Some((a, t, e.body().message, field)),
                f.0.into_iter().collect(),
            )
        }
        None => (None, HashMap::new()),
    };
    Ok(render_status(
        status,
        &ProjectTasksPage {
            layout,
            progress: Progress::of(&list, today),
            may_confirm: tasks::may_confirm(actor, &p, &profile),
            may_manage,
            tasks: list,
            units,
            attachments,
            links: st.db.project_links(p.id.0).await?,
            indicators,
            today,
            cite: tasks::cite_board().to_string(),
            goals_cite: tasks::cite_goals().to_string(),
            error,
            v,
            closable,
            zero: 0,
            p,
        },
    ))
}

/// `GET /projects/{id}/tasks`
pub async fn project_page(
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
        .and_then(|a| flash_label(a))
        .map(|l| format!("已完成：{l}，并记入项目历史"));
    let r = render_project(&st, &user, ProjectId(id), None, flash).await;
    page_or_error(&st, &user, r).await
}

/// A refused form re-shows the page with the message beside it; anything else is the error page.
async fn after(
    st: &AppState,
    user: &CurrentUser,
    id: i64,
    action: &str,
    task: i64,
    r: Result<(), AppError>,
    fields: Fields,
) -> Response {
    let out = match r {
        Ok(()) => {
            return Redirect::to(&format!(
                "/projects/{id}/tasks?done={}#tasks",
                url_encode(action)
            ))
            .into_response()
        }
        Err(
            e @ (AppError::Unprocessable { .. } | AppError::Conflict(_) | AppError::Forbidden(_)),
        ) => {
            render_project(
                st,
                user,
                ProjectId(id),
                Some((action.to_string(), task, e, fields)),
                None,
            )
            .await
        }
        Err(e) => Err(e),
    };
    page_or_error(st, user, out).await
}

/// `POST /projects/{id}/tasks` (add)
pub async fn page_add(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(f);
    let r = async {
        user.check_csrf(fields.get("_csrf"))?;
        act(&st, &user.actor, ProjectId(id), None, "add", &fields).await?;
        Ok(())
    }
    .await;
    after(&st, &user, id, "add", 0, r, fields).await
}

/// `POST /projects/{id}/tasks/{tid}/{action}` (multipart: a closing may carry its file, stored
/// as a document of the project with the upload's size and type limits).
pub async fn page_act(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((id, tid, action)): Path<(i64, i64, String)>,
    mp: Multipart,
) -> Response {
    let mut fields = Fields::default();
    let r = async {
        let (_, filename, bytes, f) = crate::api::read_upload(mp).await?;
        fields = f;
        user.check_csrf(fields.get("_csrf"))?;
        if action == "close" && !bytes.is_empty() {
            // Ask first with the file as if stored: a refused closing stores nothing.
            let p = service::visible_project(&st, &user.actor, ProjectId(id)).await?;
            let t = st.db.task(p.id.0, tid).await?;
            let (profile, _) = project_profile(&st, &p);
            tasks::decide(
                &p,
                Some(&t),
                &user.actor,
                TaskCommand::Close {
                    evidence: Evidence {
                        attachment: Some((0, filename.clone())),
                        reference: String::new(),
                    },
                    note: String::new(),
                },
                &profile,
                today(),
            )?;
            let doc_date = crate::fields::attach_date(&fields)?;
            let aid =
                service::attach_evidence(&st, &user.actor, &p, &filename, &bytes, doc_date).await?;
            fields.0.retain(|(k, _)| k != "attachment");
            fields.0.push(("attachment".into(), aid.to_string()));
        }
        act(&st, &user.actor, ProjectId(id), Some(tid), &action, &fields).await?;
        Ok(())
    }
    .await;
    after(&st, &user, id, &action, tid, r, fields).await
}

/// `POST /projects/{id}/indicators` (link) and `/projects/{id}/indicators/{iid}/unlink`
pub async fn page_link(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(f);
    let r = async {
        user.check_csrf(fields.get("_csrf"))?;
        let ind = fields
            .text("indicator")
            .parse()
            .map_err(|_| AppError::field("indicator", "请选择规划指标"))?;
        link(
            &st,
            &user.actor,
            ProjectId(id),
            ind,
            Some(&fields.text("note")),
        )
        .await
    }
    .await;
    after(&st, &user, id, "link", 0, r, fields).await
}

pub async fn page_unlink(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((id, iid)): Path<(i64, i64)>,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(f);
    let r = async {
        user.check_csrf(fields.get("_csrf"))?;
        link(&st, &user.actor, ProjectId(id), iid, None).await
    }
    .await;
    after(&st, &user, id, "unlink", 0, r, fields).await
}

// ---------- plan indicators: catalogue and report ----------

/// One indicator of the report with the projects the reader may see and their task progress.
pub struct IndicatorReport {
    pub ind: PlanIndicator,
    pub projects: Vec<(IndicatorLink, Progress)>,
}

async fn report(st: &AppState, actor: &Actor) -> Result<Vec<IndicatorReport>, AppError> {
    let today = today();
    let links: Vec<IndicatorLink> = st
        .db
        .indicator_links()
        .await?
        .into_iter()
        .filter(|l| {
            can_view_parts(
                actor,
                UnitId(l.unit_id),
                &l.jurisdiction_path,
                l.declared,
                l.stage,
            )
        })
        .collect();
    let ids: Vec<i64> = links.iter().map(|l| l.project_id).collect();
    let progress = st.db.task_progress(&ids, today).await?;
    Ok(st
        .db
        .indicators()
        .await?
        .into_iter()
        .filter(|i| tasks::can_view_indicator(actor, i))
        .map(|ind| IndicatorReport {
            projects: links
                .iter()
                .filter(|l| l.indicator_id == ind.id)
                .map(|l| {
                    (
                        l.clone(),
                        progress.get(&l.project_id).copied().unwrap_or_default(),
                    )
                })
                .collect(),
            ind,
        })
        .collect())
}

fn indicator_input(f: &Fields) -> Result<IndicatorInput, AppError> {
    let i = IndicatorInput {
        name: f.text("name"),
        target: f.text("target"),
        year: f
            .text("year")
            .parse()
            .map_err(|_| AppError::field("year", "请填写目标年度（如 2022）"))?,
        cite: f.text("cite"),
        note: f.text("note"),
    };
    tasks::check_indicator(&i)?;
    Ok(i)
}

fn need_maintainer(actor: &Actor) -> Result<(), AppError> {
    if tasks::may_maintain_indicators(actor) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "只有省级、市级主管部门可以维护规划指标".into(),
        ))
    }
}

/// Add an indicator, import the plan's (`import`), or change one (`edit`, with `id` and `version`).
pub async fn indicator_act(
    st: &AppState,
    actor: &Actor,
    action: &str,
    f: &Fields,
) -> Result<u64, AppError> {
    need_maintainer(actor)?;
    match action {
        "import" => Ok(st
            .db
            .add_indicators(actor, &tasks::zj_plan_indicators())
            .await?),
        "add" => {
            let i = indicator_input(f)?;
            let n = st
                .db
                .add_indicators(actor, std::slice::from_ref(&i))
                .await?;
            if n == 0 {
                return Err(AppError::Conflict(
                    "本辖区已有同名、同年度、同目标值的指标".into(),
                ));
            }
            Ok(n)
        }
        "edit" => {
            let id: i64 = f
                .text("id")
                .parse()
                .map_err(|_| AppError::field("id", "请指定指标"))?;
            let ind = st.db.indicator(id).await?;
            if !actor.covers(&ind.jurisdiction_path) {
                return Err(AppError::Forbidden("只能修改本辖区维护的指标".into()));
            }
            let version = f.version()?.unwrap_or(ind.version);
            let i = indicator_input(f)?;
            st.db.update_indicator(actor, id, version, &i).await?;
            Ok(1)
        }
        _ => Err(AppError::NotFound),
    }
}

fn report_json(r: &[IndicatorReport]) -> Value {
    json!(r
        .iter()
        .map(|x| json!({
            "indicator": x.ind,
            "projects": x.projects.iter().map(|(l, p)| json!({
                "project_id": l.project_id, "project_name": l.project_name, "project_code": l.project_code,
                "unit_name": l.unit_name, "stage": l.stage, "stage_label": l.stage.label(), "note": l.note,
                "progress": p, "percent": p.percent(),
            })).collect::<Vec<_>>(),
        }))
        .collect::<Vec<_>>())
}

/// `GET /api/v1/indicators`: the catalogue the reader sees, each with its linked projects and
/// their task progress (reporting only).
pub async fn api_indicators(
    State(st): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, AppError> {
    let r = report(&st, &user.actor).await?;
    Ok(Json(json!({
        "cite": tasks::cite_goals().to_string(),
        "may_maintain": tasks::may_maintain_indicators(&user.actor),
        "items": report_json(&r),
    })))
}

/// `POST /api/v1/indicators/{action}` (add, import, edit)
pub async fn api_indicator_act(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(action): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, AppError> {
    bearer_only(&user)?;
    let f = body_fields(&body)?;
    let n = indicator_act(&st, &user.actor, &action, &f).await?;
    let r = report(&st, &user.actor).await?;
    Ok(Json(json!({ "changed": n, "items": report_json(&r) })))
}

#[derive(Template)]
#[template(path = "indicators.html")]
struct IndicatorsPage {
    layout: Layout,
    items: Vec<IndicatorReport>,
    may_maintain: bool,
    cite: String,
    error: Option<(String, String, String)>,
    v: HashMap<String, String>,
}

impl IndicatorsPage {
    fn err(&self, action: &str) -> String {
        match &self.error {
            Some((a, m, _)) if a == action => m.clone(),
            _ => String::new(),
        }
    }
    fn val(&self, k: &str) -> String {
        self.v.get(k).cloned().unwrap_or_default()
    }
}

async fn render_indicators(
    st: &AppState,
    user: &CurrentUser,
    error: Option<(String, AppError, Fields)>,
    flash: Option<String>,
) -> Result<Response, AppError> {
    let mut layout = layout_for(st, Some(user), "indicators").await;
    layout.flash = flash;
    let status = error
        .as_ref()
        .map(|(_, e, _)| e.status())
        .unwrap_or(StatusCode::OK);
    let (error, v) = match error {
        Some((a, e, f)) => (
            Some((
                a,
                e.body().message,
                e.field_name().unwrap_or("").to_string(),
            )),
            f.0.into_iter().collect(),
        ),
        None => (None, HashMap::new()),
    };
    Ok(render_status(
        status,
        &IndicatorsPage {
            layout,
            items: report(st, &user.actor).await?,
            may_maintain: tasks::may_maintain_indicators(&user.actor),
            cite: tasks::cite_goals().to_string(),
            error,
            v,
        },
    ))
}

/// `GET /indicators`
pub async fn indicators_page(
    State(st): State<AppState>,
    MaybeUser(u): MaybeUser,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(user) = u else {
        return Redirect::to("/login").into_response();
    };
    let flash = q
        .get("done")
        .map(|n| format!("已保存（{n} 项），并记入指标历史"));
    let r = render_indicators(&st, &user, None, flash).await;
    page_or_error(&st, &user, r).await
}

/// `POST /indicators/{action}`
pub async fn indicators_submit(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(action): Path<String>,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(f);
    let r = async {
        user.check_csrf(fields.get("_csrf"))?;
        indicator_act(&st, &user.actor, &action, &fields).await
    }
    .await;
    let out = match r {
        Ok(n) => return Redirect::to(&format!("/indicators?done={n}")).into_response(),
        Err(
            e @ (AppError::Unprocessable { .. } | AppError::Conflict(_) | AppError::Forbidden(_)),
        ) => render_indicators(&st, &user, Some((action, e, fields)), None).await,
        Err(e) => Err(e),
    };
    page_or_error(&st, &user, out).await
}

/// `GET /indicators.xlsx`: per indicator, the linked projects and their task progress.
pub async fn indicators_export(
    State(st): State<AppState>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    use rust_xlsxwriter::{Format, Workbook};
    let r = report(&st, &user.actor).await?;
    let xl = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.to_string());
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet().set_name("规划指标").map_err(xl)?;
    let heads = [
        "指标",
        "目标值",
        "目标年度",
        "维护地区",
        "出处",
        "项目编号",
        "项目名称",
        "建设单位",
        "阶段",
        "贡献说明",
        "任务数",
        "已对账销号",
        "待对账",
        "逾期",
        "完成率(%)",
    ];
    for (c, h) in heads.iter().enumerate() {
        ws.write_with_format(0, c as u16, *h, &bold).map_err(xl)?;
    }
    let mut row = 1u32;
    for x in &r {
        let lead = [
            x.ind.input.name.clone(),
            x.ind.input.target.clone(),
            x.ind.input.year.to_string(),
            x.ind.jurisdiction_name.clone(),
            x.ind.input.cite.clone(),
        ];
        let empty = (
            IndicatorLink {
                indicator_id: 0,
                project_id: 0,
                project_name: String::new(),
                project_code: String::new(),
                unit_id: 0,
                unit_name: String::new(),
                jurisdiction_path: String::new(),
                declared: false,
                stage: tongchou_domain::Stage::Draft,
                note: String::new(),
                linked_by: String::new(),
                linked_at: String::new(),
            },
            Progress::default(),
        );
        let rows: Vec<&(IndicatorLink, Progress)> = if x.projects.is_empty() {
            vec![&empty]
        } else {
            x.projects.iter().collect()
        };
        for (l, p) in rows {
            for (c, v) in lead.iter().enumerate() {
                ws.write(row, c as u16, v.as_str()).map_err(xl)?;
            }
            if l.project_id != 0 {
                ws.write(row, 5, l.project_code.as_str()).map_err(xl)?;
                ws.write(row, 6, l.project_name.as_str()).map_err(xl)?;
                ws.write(row, 7, l.unit_name.as_str()).map_err(xl)?;
                ws.write(row, 8, l.stage.label()).map_err(xl)?;
                ws.write(row, 9, l.note.as_str()).map_err(xl)?;
                ws.write(row, 10, p.total as f64).map_err(xl)?;
                ws.write(row, 11, p.confirmed as f64).map_err(xl)?;
                ws.write(row, 12, p.closed as f64).map_err(xl)?;
                ws.write(row, 13, p.overdue as f64).map_err(xl)?;
                ws.write(row, 14, p.percent() as f64).map_err(xl)?;
            }
            row += 1;
        }
    }
    ws.set_column_width(0, 30).map_err(xl)?;
    ws.set_column_width(6, 32).map_err(xl)?;
    let bytes = wb.save_to_buffer().map_err(xl)?;
    Ok(xlsx_response(
        bytes,
        &format!("indicators-{}.xlsx", today()),
    ))
}

pub fn routes(upload_limit: axum::extract::DefaultBodyLimit) -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/tasks", get(board_page))
        .route("/tasks.xlsx", get(board_export))
        .route("/projects/{id}/tasks", get(project_page).post(page_add))
        .route(
            "/projects/{id}/tasks/{tid}/{action}",
            post(page_act).layer(upload_limit),
        )
        .route("/projects/{id}/indicators", post(page_link))
        .route("/projects/{id}/indicators/{iid}/unlink", post(page_unlink))
        .route("/indicators", get(indicators_page))
        .route("/indicators.xlsx", get(indicators_export))
        .route("/indicators/{action}", post(indicators_submit))
        .route("/api/v1/tasks", get(api_board))
        .route("/api/v1/projects/{id}/tasks", get(api_list).post(api_add))
        .route("/api/v1/projects/{id}/tasks/{tid}/{action}", post(api_act))
        .route("/api/v1/projects/{id}/indicators", post(api_link))
        .route(
            "/api/v1/projects/{id}/indicators/{iid}/unlink",
            post(api_unlink),
        )
        .route("/api/v1/indicators", get(api_indicators))
        .route("/api/v1/indicators/{action}", post(api_indicator_act))
}

/// The OpenAPI paths of this module.
pub fn openapi_paths(doc: &mut Value) {
    use crate::openapi::err;
    let id =
        json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } });
    let tid =
        json!({ "name": "tid", "in": "path", "required": true, "schema": { "type": "integer" } });
    let action = json!({ "name": "action", "in": "path", "required": true, "schema": { "enum": tasks::ACTIONS } });
    let body = |d: &str| json!({ "required": true, "content": { "application/json": { "schema": { "type": "object", "description": d, "additionalProperties": true } } } });
    let paths = json!({
        "/api/v1/tasks": { "get": {
            "summary": "挂图作战（作战图）：当前用户可见项目的任务和里程碑，按完成时限排序。筛选：jurisdiction 地区编号、unit 单位编号（责任单位或建设单位）、state（open/closed/confirmed）、overdue=1 仅逾期、project；page、per_page（浙江省数字政府系统建设方案 四（一））",
            "responses": { "200": { "description": "{total, page, items:[任务，含 project_name、overdue、days_overdue]}" } } } },
        "/api/v1/projects/{id}/tasks": {
            "get": { "summary": "项目的任务和里程碑、完成进度、关联的规划指标", "parameters": [id.clone()],
                "responses": { "200": { "description": "{project_id, project_version, progress, may_manage, may_confirm, tasks, indicators}" }, "404": err("不存在或无权查看") } },
            "post": { "summary": "新增任务或里程碑（本项目建设单位）", "parameters": [id.clone()],
                "requestBody": body("kind（task/milestone）、title、owner_unit 责任单位编号（默认本单位）、owner_person 责任人、due 完成时限 YYYY-MM-DD、indicator 完成标志"),
                "responses": { "201": { "description": "任务" }, "403": err("非本项目建设单位"), "404": err("不存在或无权查看"), "422": err("输入不符") } } },
        "/api/v1/projects/{id}/tasks/{tid}/{action}": { "post": {
            "summary": "edit 修改（建设单位，仅推进中）；close 销号（责任单位；须有佐证：attachment 本项目附件编号或 reference 文号/链接，否则 422 code=rule，依据 四（一））；confirm 对账确认、reject 对账退回（须填 reason，退回后重新推进）由办理本项目的主管部门操作。version 可选（乐观锁）",
            "parameters": [id.clone(), tid, action],
            "requestBody": body("见 summary；note 说明"),
            "responses": { "200": { "description": "任务" }, "403": err("无权操作"), "404": err("不存在或无权查看"), "409": err("状态不允许或并发冲突"), "422": err("无佐证或输入不符") } } },
        "/api/v1/projects/{id}/indicators": { "post": {
            "summary": "项目关联规划指标（仅用于统计报告，不作为任何审批条件；建设单位），须说明贡献",
            "parameters": [id.clone()], "requestBody": body("indicator 指标编号、note 贡献说明"),
            "responses": { "200": { "description": "{indicators}" }, "403": err("非本项目建设单位"), "422": err("输入不符") } } },
        "/api/v1/projects/{id}/indicators/{iid}/unlink": { "post": { "summary": "取消关联规划指标", "parameters": [id],
            "responses": { "200": { "description": "{indicators}" } } } },
        "/api/v1/indicators": { "get": {
            "summary": "规划指标目录及报告：每项指标的目标值、年度、出处，关联项目及其任务进度（浙江省数字政府系统建设方案 一）",
            "responses": { "200": { "description": "{cite, may_maintain, items:[{indicator, projects:[{project_id, project_name, note, progress, percent}]}]}" } } } },
        "/api/v1/indicators/{action}": { "post": {
            "summary": "维护规划指标（省级、市级主管部门）：add 新增（name、target、year、cite、note）；import 导入建设方案所列指标；edit 修改（id、version 及同上字段）",
            "parameters": [{ "name": "action", "in": "path", "required": true, "schema": { "enum": ["add", "import", "edit"] } }],
            "requestBody": body("见 summary"),
            "responses": { "200": { "description": "{changed, items}" }, "403": err("非省级、市级主管部门"), "409": err("已存在或并发冲突"), "422": err("输入不符") } } }
    });
    if let (Some(p), Some(new)) = (doc["paths"].as_object_mut(), paths.as_object()) {
        for (k, v) in new {
            p.insert(k.clone(), v.clone());
        }
    }
}
