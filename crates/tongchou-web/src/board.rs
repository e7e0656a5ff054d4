//! 晾晒台 progress board (SPEC P1; ZJ-plan 四(三)): every project's stage, days in stage and
//! overdue obligations; units ranked by overdue obligations; filterable; exportable to Excel.
use crate::api::ListQuery;
use crate::auth::{CurrentUser, MaybeUser};
use crate::error::AppError;
use crate::pages::{error_page, layout_for, render, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;
use tongchou_domain::overrides::OverrideState;
use tongchou_domain::permission::list_scope;
use tongchou_domain::{Date, Stage};
use tongchou_store::overrides::{OverrideBoardRow, OverrideFilter};
use tongchou_store::project::{ListFilter, ProjectListItem, UnitBoardRow};
use tongchou_store::tasks::TrendPoint;

/// An override on the board, with its approver in the profile's words.
pub struct BoardOverride {
    pub row: OverrideBoardRow,
    pub approver: String,
}

pub struct BoardRow {
    pub item: ProjectListItem,
    pub days_in_stage: i64,
    pub overdue: i64,
}

#[derive(Template)]
#[template(path = "board.html")]
struct BoardPage {
    layout: Layout,
    units: Vec<UnitBoardRow>,
    rows: Vec<BoardRow>,
    total: i64,
    page: u32,
    pages: u32,
    q: HashMap<String, String>,
    query_base: String,
    unit_options: Vec<(i64, String)>,
    /// The jurisdictions the reader covers (filter).
    jurisdiction_options: Vec<(i64, String)>,
    today: String,
    /// 原则性规定的例外 (SPEC §0), filtered by `ov_state` and `ov_rule`.
    overrides: Vec<BoardOverride>,
    override_states: Vec<(&'static str, &'static str)>,
    override_rules: Vec<(String, String)>,
    /// 共享应用揭榜的例外 (SPEC §0, ZJ-share 三（五）): (competition id, title, record, approver),
    /// for those who see competitions' internals, with the board's override filters and scope.
    competition_overrides: Vec<(
        i64,
        String,
        tongchou_domain::overrides::OverrideRecord,
        String,
    )>,
    /// 共享应用协议义务 (责任制, ZJ-share 三（六）): per responsible unit, and the overdue ones.
    duty_units: Vec<tongchou_store::market::CompDutyBoardRow>,
    duty_overdue: Vec<(String, tongchou_domain::market::CompObligationRow)>,
    /// 趋势: the daily snapshots in scope (ZJ-plan 四(三) 定期公布), as a server-rendered chart
    /// and the table of its numbers.
    trend: Vec<TrendPoint>,
    trend_svg: String,
    /// 进度缓慢项目: in an active stage longer than `slow_days`.
    slow: Vec<BoardRow>,
    slow_days: i64,
    slow_cite: String,
}

impl BoardPage {
    fn sel(&self, k: &str, v: &str) -> bool {
        self.q.get(k).is_some_and(|x| x == v)
    }
    fn get(&self, k: &str) -> String {
        self.q.get(k).cloned().unwrap_or_default()
    }
}

fn list_query(q: &HashMap<String, String>) -> ListQuery {
    ListQuery {
        stage: q.get("stage").cloned(),
        phase: q.get("phase").cloned(),
        year: q.get("year").cloned(),
        unit: q.get("unit").cloned(),
        q: None,
        page: q.get("page").cloned(),
        per_page: q.get("per_page").cloned(),
    }
}

/// The board's override filter (`ov_state`, `ov_rule`); unknown values are a field error.
fn override_filter(q: &HashMap<String, String>) -> Result<OverrideFilter, AppError> {
    let state = match q.get("ov_state").map(String::as_str) {
        None | Some("") => None,
        Some(s) => Some(
            OverrideState::parse(s).ok_or_else(|| AppError::field("ov_state", "未知的审批状态"))?,
        ),
    };
    let rule = q.get("ov_rule").filter(|r| !r.is_empty()).cloned();
    if let Some(r) = &rule {
        if !tongchou_domain::profile::DEFAULT_RULE_CODES.contains(&r.as_str())
            && r != tongchou_domain::market::SUBJECTS_OVERRIDE_RULE
        {
            return Err(AppError::field("ov_rule", "未知的原则性规定"));
        }
    }
    Ok(OverrideFilter { state, rule })
}

/// The overrides of the projects in the board's scope and filter.
async fn board_overrides(
    st: &AppState,
    user: &CurrentUser,
    f: &ListFilter,
    q: &HashMap<String, String>,
    limit: i64,
) -> Result<Vec<BoardOverride>, AppError> {
    let of = override_filter(q)?;
    let mut f = f.clone();
    // Overrides stay on the board whatever stage their project reached, unless a stage or
    // phase was asked for.
    if q.get("phase").is_none_or(|p| p.is_empty()) && q.get("stage").is_none_or(|p| p.is_empty()) {
        f.stages.clear();
    }
    Ok(st
        .db
        .board_overrides(&list_scope(&user.actor), &f, &of, limit)
        .await?
        .into_iter()
        .map(|row| BoardOverride {
            approver: st
                .profile_for(&row.jurisdiction_path)
                .role_name(row.record.approver)
                .to_string(),
            row,
        })
        .collect())
}

/// `GET /api/v1/overrides`: the board's override list as JSON (same scope and filters:
/// phase, year, unit, ov_state, ov_rule).
pub async fn api_overrides(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<HashMap<String, String>>,
) -> Result<axum::Json<serde_json::Value>, AppError> {
    let f = list_query(&q).filter(500)?;
    let items: Vec<serde_json::Value> = board_overrides(&st, &user, &f, &q, 1000)
        .await?
        .into_iter()
        .map(|o| {
            let mut v = serde_json::json!(o.row);
            v["state_label"] = serde_json::json!(o.row.record.state.label());
            v["approver_label"] = serde_json::json!(o.approver);
            v
        })
        .collect();
    // 共享应用揭榜的例外, same override filters and jurisdiction scope (ZJ-share 三（五）)
    let competition_items: Vec<serde_json::Value> =
        crate::market::board_overrides(&st, &user.actor, &q, 1000)
            .await?
            .into_iter()
            .map(|(id, title, o, approver)| {
                let mut v = serde_json::json!(o);
                v["competition_id"] = serde_json::json!(id);
                v["competition_title"] = serde_json::json!(title);
                v["state_label"] = serde_json::json!(o.state.label());
                v["approver_label"] = serde_json::json!(approver);
                v
            })
            .collect();
    Ok(axum::Json(
        serde_json::json!({ "items": items, "competition_items": competition_items }),
    ))
}

fn days_since(stamp: &str, today: Date) -> i64 {
    stamp
        .get(..10)
        .and_then(|d| d.parse::<Date>().ok())
        .map(|d| (today - d).get_days() as i64)
        .unwrap_or(0)
}

/// The 晾晒台 filtered by jurisdiction (SPEC P1, issue 3 "filterable by jurisdiction, year,
/// unit"): the reader as seen from a jurisdiction they cover — the same visibility rules, only
/// over that jurisdiction and below. A jurisdiction outside the reader's is a field error. Below
/// the reader's own jurisdiction their own unit's projects (which lie at their level) are not
/// added. The returned actor is only used for scoping the board's queries.
async fn board_user(
    st: &AppState,
    user: &CurrentUser,
    q: &HashMap<String, String>,
) -> Result<CurrentUser, AppError> {
    let Some(j) = q
        .get("jurisdiction")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    else {
        return Ok(user.clone());
    };
    let id: i64 = j
        .parse()
        .map_err(|_| AppError::field("jurisdiction", "须为编号"))?;
    let jur = st
        .db
        .jurisdictions()
        .await?
        .into_iter()
        .find(|r| r.id.0 == id && user.actor.covers(&r.path))
        .ok_or_else(|| AppError::field("jurisdiction", "不在本辖区内"))?;
    let mut u = user.clone();
    if jur.id != user.actor.jurisdiction_id {
        u.actor.jurisdiction_id = jur.id;
        u.actor.jurisdiction_path = jur.path;
        u.actor.unit_id = tongchou_domain::UnitId(-1);
    }
    Ok(u)
}

/// The jurisdictions the reader covers, for the filter: (id, name).
async fn jurisdiction_options(
    st: &AppState,
    user: &CurrentUser,
) -> Result<Vec<(i64, String)>, AppError> {
    Ok(st
        .db
        .jurisdictions()
        .await?
        .into_iter()
        .filter(|r| user.actor.covers(&r.path))
        .map(|r| (r.id.0, r.name))
        .collect())
}

async fn rows(
    st: &AppState,
    user: &CurrentUser,
    f: &ListFilter,
    today: Date,
) -> Result<(Vec<BoardRow>, i64), AppError> {
    let (items, total) = st.db.list_projects(&list_scope(&user.actor), f).await?;
    let ids: Vec<i64> = items.iter().map(|i| i.id).collect();
    let overdue = st.db.overdue_counts(&ids, today).await?;
    let rows = items
        .into_iter()
        .map(|item| BoardRow {
            days_in_stage: days_since(&item.stage_since, today),
            overdue: overdue.get(&item.id).copied().unwrap_or(0),
            item,
        })
        .collect();
    Ok((rows, total))
}

fn active_stages(f: &mut ListFilter) {
    // The board is about work in progress: ended and running projects only when asked for.
    if f.stages.is_empty() {
        f.stages = Stage::ALL
            .into_iter()
            .filter(|s| !matches!(s, Stage::Ended | Stage::InOperation | Stage::Draft))
            .collect();
    }
}

pub async fn page(
    State(st): State<AppState>,
    MaybeUser(u): MaybeUser,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(user) = u else {
        return Redirect::to("/login").into_response();
    };
    let r: Result<Response, AppError> = async {
        let today = tongchou_store::today();
        let mut f = list_query(&q).filter(100)?;
        active_stages(&mut f);
        let bu = board_user(&st, &user, &q).await?;
        let units = st.db.board_units(&list_scope(&bu.actor), &f, today).await?;
        let (rows, total) = rows(&st, &bu, &f, today).await?;
        let overrides = board_overrides(&st, &bu, &f, &q, 200).await?;
        // Competitions' overrides and obligations: same filters and jurisdiction scope.
        let competition_overrides =
            crate::market::board_overrides(&st, &user.actor, &q, 200).await?;
        let (duty_units, duty_overdue) = crate::market::board_duties(&st, &user.actor, &q).await?;
        let trend = trend_points(&st, &bu, &q, today).await?;
        let slow = slow_rows(&st, &bu, &f, today, 50).await?;
        let jurisdiction_options = jurisdiction_options(&st, &user).await?;
        let pages = ((total as u32).div_ceil(f.per_page)).max(1);
        let mut parts: Vec<String> = q
            .iter()
            .filter(|(k, v)| !v.is_empty() && k.as_str() != "page")
            .map(|(k, v)| format!("{k}={}", crate::pages::url_encode(v)))
            .collect();
        parts.sort();
        // construction units, and the units of the competitions (lead unit or subject)
        let comp_units = st.db.competition_units().await?;
        let unit_options = st
            .db
            .units()
            .await?
            .into_iter()
            .filter(|u| u.kind == "construction" || comp_units.contains(&u.id))
            .map(|u| (u.id.0, u.name))
            .collect();
        Ok(render(&BoardPage {
            layout: layout_for(&st, Some(&user), "board").await,
            units,
            rows,
            total,
            page: f.page,
            pages,
            query_base: parts.join("&"),
            q,
            unit_options,
            jurisdiction_options,
            today: today.to_string(),
            overrides,
            competition_overrides,
            duty_units,
            duty_overdue,
            trend_svg: trend_svg(&trend),
            trend,
            slow,
            slow_days: tongchou_domain::tasks::SLOW_DAYS_DEFAULT,
            slow_cite: tongchou_domain::tasks::cite_publicity().to_string(),
            override_states: OverrideState::ALL
                .into_iter()
                .map(|s| (s.code(), s.label()))
                .collect(),
            override_rules: st
                .profile()
                .default_rules
                .iter()
                .map(|r| (r.code.clone(), r.text.clone()))
                .chain(std::iter::once((
                    tongchou_domain::market::SUBJECTS_OVERRIDE_RULE.to_string(),
                    tongchou_domain::market::SUBJECTS_OVERRIDE_TEXT.to_string(),
                )))
                .collect(),
        }))
    }
    .await;
    match r {
        Ok(r) => r,
        Err(e) => error_page(&st, Some(&user), e).await,
    }
}

/// The same board as an Excel workbook: a sheet of units and a sheet of projects.
pub async fn export(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    use rust_xlsxwriter::{Format, Workbook};
    let today = tongchou_store::today();
    let mut f = list_query(&q).filter(500)?;
    active_stages(&mut f);
    f.per_page = 500;
    f.page = 1;
    let bu = board_user(&st, &user, &q).await?;
    let units = st.db.board_units(&list_scope(&bu.actor), &f, today).await?;
    let xl = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.to_string());
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet().set_name("单位排名").map_err(xl)?;
    for (c, h) in [
        "排名",
        "单位",
        "项目数",
        "逾期义务",
        "逾期任务",
        "有逾期的项目",
    ]
    .iter()
    .enumerate()
    {
        ws.write_with_format(0, c as u16, *h, &bold).map_err(xl)?;
    }
    for (i, u) in units.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write(r, 0, r).map_err(xl)?;
        ws.write(r, 1, &u.unit_name).map_err(xl)?;
        ws.write(r, 2, u.projects as f64).map_err(xl)?;
        ws.write(r, 3, u.overdue as f64).map_err(xl)?;
        ws.write(r, 4, u.overdue_tasks as f64).map_err(xl)?;
        ws.write(r, 5, u.overdue_projects as f64).map_err(xl)?;
    }
    ws.set_column_width(1, 24).map_err(xl)?;
    let ws = wb.add_worksheet().set_name("项目").map_err(xl)?;
    for (c, h) in [
        "项目编号",
        "项目名称",
        "年度",
        "建设单位",
        "阶段",
        "本阶段天数",
        "逾期事项",
        "信息化投资(元)",
        "立项金额(元)",
    ]
    .iter()
    .enumerate()
    {
        ws.write_with_format(0, c as u16, *h, &bold).map_err(xl)?;
    }
    let mut r = 1u32;
    loop {
        let (page, _) = rows(&st, &bu, &f, today).await?;
        for b in &page {
            ws.write(r, 0, &b.item.code).map_err(xl)?;
            ws.write(r, 1, &b.item.name).map_err(xl)?;
            ws.write(r, 2, b.item.year as f64).map_err(xl)?;
            ws.write(r, 3, &b.item.unit_name).map_err(xl)?;
            ws.write(r, 4, b.item.stage.label()).map_err(xl)?;
            ws.write(r, 5, b.days_in_stage as f64).map_err(xl)?;
            ws.write(r, 6, b.overdue as f64).map_err(xl)?;
            ws.write(r, 7, b.item.it_amount.to_string()).map_err(xl)?;
            ws.write(
                r,
                8,
                b.item
                    .approved_amount
                    .map(|a| a.to_string())
                    .unwrap_or_default(),
            )
            .map_err(xl)?;
            r += 1;
        }
        if page.len() < f.per_page as usize || r > 20_000 {
            break;
        }
        f.page += 1;
    }
    ws.set_column_width(1, 40).map_err(xl)?;
    // 原则性规定的例外 (SPEC §0), same scope and filters.
    let ws = wb.add_worksheet().set_name("原则性规定例外").map_err(xl)?;
    for (c, h) in [
        "项目名称",
        "建设单位",
        "规则",
        "理由",
        "提出人",
        "提出时间",
        "审批人",
        "状态",
        "审批意见",
    ]
    .iter()
    .enumerate()
    {
        ws.write_with_format(0, c as u16, *h, &bold).map_err(xl)?;
    }
    for (i, o) in board_overrides(&st, &bu, &f, &q, 5_000)
        .await?
        .iter()
        .enumerate()
    {
        let r = i as u32 + 1;
        let x = &o.row.record;
        ws.write(r, 0, &o.row.project_name).map_err(xl)?;
        ws.write(r, 1, &o.row.unit_name).map_err(xl)?;
        ws.write(r, 2, &x.rule_text).map_err(xl)?;
        ws.write(r, 3, &x.reason).map_err(xl)?;
        ws.write(r, 4, &x.requested_by_name).map_err(xl)?;
        ws.write(r, 5, x.requested_at.get(..10).unwrap_or(""))
            .map_err(xl)?;
        ws.write(r, 6, o.approver.as_str()).map_err(xl)?;
        ws.write(r, 7, x.state.label()).map_err(xl)?;
        ws.write(r, 8, x.decision_reason.as_deref().unwrap_or(""))
            .map_err(xl)?;
    }
    ws.set_column_width(0, 40).map_err(xl)?;
    // 共享应用: the competitions' overrides and obligations, same filters and scope.
    crate::market::board_sheets(&st, &user.actor, &q, &mut wb).await?;
    // 趋势 and 进度缓慢项目 (ZJ-plan 四(三)): the numbers behind the chart.
    let ws = wb.add_worksheet().set_name("逾期趋势").map_err(xl)?;
    for (c, h) in ["日期", "项目数", "逾期事项", "有逾期的项目", "进度缓慢项目"]
        .iter()
        .enumerate()
    {
        ws.write_with_format(0, c as u16, *h, &bold).map_err(xl)?;
    }
    for (i, t) in trend_points(&st, &bu, &q, today).await?.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write(r, 0, t.day.as_str()).map_err(xl)?;
        ws.write(r, 1, t.projects as f64).map_err(xl)?;
        ws.write(r, 2, t.overdue as f64).map_err(xl)?;
        ws.write(r, 3, t.overdue_projects as f64).map_err(xl)?;
        ws.write(r, 4, t.slow as f64).map_err(xl)?;
    }
    let ws = wb.add_worksheet().set_name("进度缓慢项目").map_err(xl)?;
    for (c, h) in [
        "项目编号",
        "项目名称",
        "建设单位",
        "阶段",
        "本阶段天数",
        "逾期事项",
    ]
    .iter()
    .enumerate()
    {
        ws.write_with_format(0, c as u16, *h, &bold).map_err(xl)?;
    }
    for (i, b) in slow_rows(&st, &bu, &f, today, 5_000)
        .await?
        .iter()
        .enumerate()
    {
        let r = i as u32 + 1;
        ws.write(r, 0, &b.item.code).map_err(xl)?;
        ws.write(r, 1, &b.item.name).map_err(xl)?;
        ws.write(r, 2, &b.item.unit_name).map_err(xl)?;
        ws.write(r, 3, b.item.stage.label()).map_err(xl)?;
        ws.write(r, 4, b.days_in_stage as f64).map_err(xl)?;
        ws.write(r, 5, b.overdue as f64).map_err(xl)?;
    }
    ws.set_column_width(1, 40).map_err(xl)?;
    let bytes = wb.save_to_buffer().map_err(xl)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"board-{today}.xlsx\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

// ---------- trends and slow projects (ZJ-plan 四(三)) ----------

/// Days of trend shown.
const TREND_DAYS: i64 = 90;

/// Whose snapshots the actor's trend sums: the departments, audit and administrators see their
/// jurisdiction (or the unit they filter by); anyone else their own unit.
fn trend_scope(
    user: &CurrentUser,
    q: &HashMap<String, String>,
) -> (String, Option<tongchou_domain::UnitId>) {
    let a = &user.actor;
    let wide = tongchou_domain::permission::DEPARTMENT_ROLES
        .iter()
        .any(|r| a.has(*r))
        || a.has(tongchou_domain::Role::Audit)
        || a.has(tongchou_domain::Role::Admin);
    if wide {
        let unit = q
            .get("unit")
            .and_then(|u| u.parse().ok())
            .map(tongchou_domain::UnitId);
        (a.jurisdiction_path.clone(), unit)
    } else {
        (a.jurisdiction_path.clone(), Some(a.unit_id))
    }
}

async fn trend_points(
    st: &AppState,
    user: &CurrentUser,
    q: &HashMap<String, String>,
    today: Date,
) -> Result<Vec<TrendPoint>, AppError> {
    let (path, unit) = trend_scope(user, q);
    let since = today
        .checked_sub(jiff::Span::new().days(TREND_DAYS))
        .unwrap_or(today);
    Ok(st.db.board_trend(&path, unit, since).await?)
}

/// Projects in scope and filter that have stayed in an active stage longer than the threshold.
async fn slow_rows(
    st: &AppState,
    user: &CurrentUser,
    f: &ListFilter,
    today: Date,
    limit: i64,
) -> Result<Vec<BoardRow>, AppError> {
    let before = today
        .checked_sub(jiff::Span::new().days(tongchou_domain::tasks::SLOW_DAYS_DEFAULT))
        .unwrap_or(today);
    let mut f = f.clone();
    f.stages.retain(|s| tongchou_domain::tasks::is_active(*s));
    if f.stages.is_empty() {
        return Ok(vec![]);
    }
    let items = st
        .db
        .slow_projects(&list_scope(&user.actor), &f, before, limit)
        .await?;
    let ids: Vec<i64> = items.iter().map(|i| i.id).collect();
    let overdue = st.db.overdue_counts(&ids, today).await?;
    Ok(items
        .into_iter()
        .map(|item| BoardRow {
            days_in_stage: days_since(&item.stage_since, today),
            overdue: overdue.get(&item.id).copied().unwrap_or(0),
            item,
        })
        .collect())
}

/// The overdue trend as an SVG line chart (no JavaScript): overdue obligations per day, with
/// slow projects as a second line; each point carries its numbers as a tooltip.
pub fn trend_svg(points: &[TrendPoint]) -> String {
    use std::fmt::Write;
    let (w, h, left, right, top, bottom) = (720.0_f64, 200.0_f64, 44.0, 16.0, 14.0, 28.0);
    let max = points
        .iter()
        .map(|p| p.overdue.max(p.slow))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let n = points.len();
    let x = |i: usize| {
        if n <= 1 {
            left + (w - left - right) / 2.0
        } else {
            left + (w - left - right) * i as f64 / (n - 1) as f64
        }
    };
    let y = |v: i64| top + (h - top - bottom) * (1.0 - v as f64 / max);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="trend" viewBox="0 0 {w} {h}" role="img" aria-labelledby="trend-title" xmlns="http://www.w3.org/2000/svg"><title id="trend-title">逾期事项趋势（最近 {n} 次快照）</title>"#
    );
    for k in 0..=2 {
        let v = (max as i64 * k + 1) / 2;
        let v = if k == 2 {
            max as i64
        } else if k == 0 {
            0
        } else {
            v
        };
        let yy = y(v);
        let _ = write!(
            s,
            r##"<line x1="{left}" y1="{yy:.1}" x2="{}" y2="{yy:.1}" stroke="#e3e7ee"/><text x="{}" y="{:.1}" font-size="11" text-anchor="end" fill="#5b6472">{v}</text>"##,
            w - right,
            left - 6.0,
            yy + 4.0
        );
    }
    if let (Some(first), Some(last)) = (points.first(), points.last()) {
        let _ = write!(
            s,
            r##"<text x="{left}" y="{}" font-size="11" fill="#5b6472">{}</text><text x="{}" y="{}" font-size="11" text-anchor="end" fill="#5b6472">{}</text>"##,
            h - 8.0,
            first.day,
            w - right,
            h - 8.0,
            last.day
        );
    }
    for (color, dash, get) in [
        (
            "#b42318",
            "",
            (|p: &TrendPoint| p.overdue) as fn(&TrendPoint) -> i64,
        ),
        ("#1d4c8a", r#" stroke-dasharray="6 4""#, |p: &TrendPoint| {
            p.slow
        }),
    ] {
        let pts: Vec<String> = points
            .iter()
            .enumerate()
            .map(|(i, p)| format!("{:.1},{:.1}", x(i), y(get(p))))
            .collect();
        if n > 1 {
            let _ = write!(
                s,
                r#"<polyline fill="none" stroke="{color}" stroke-width="2"{dash} points="{}"/>"#,
                pts.join(" ")
            );
        }
    }
    for (i, p) in points.iter().enumerate() {
        let _ = write!(
            s,
            r##"<circle cx="{:.1}" cy="{:.1}" r="3" fill="#b42318"><title>{}：逾期事项 {}，有逾期的项目 {}，进度缓慢项目 {}</title></circle>"##,
            x(i),
            y(p.overdue),
            p.day,
            p.overdue,
            p.overdue_projects,
            p.slow
        );
    }
    s.push_str("</svg>");
    s
}

/// `GET /api/v1/board/trend`: the daily snapshots in the reader's scope (unit filter for
/// departments), the slow-project threshold and the slow projects.
pub async fn api_trend(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<HashMap<String, String>>,
) -> Result<axum::Json<serde_json::Value>, AppError> {
    let today = tongchou_store::today();
    let mut f = list_query(&q).filter(500)?;
    active_stages(&mut f);
    let points = trend_points(&st, &user, &q, today).await?;
    let slow: Vec<serde_json::Value> = slow_rows(&st, &user, &f, today, 500)
        .await?
        .into_iter()
        .map(|b| {
            serde_json::json!({
                "id": b.item.id, "code": b.item.code, "name": b.item.name, "unit_name": b.item.unit_name,
                "stage": b.item.stage, "stage_label": b.item.stage.label(), "days_in_stage": b.days_in_stage, "overdue": b.overdue,
            })
        })
        .collect();
    Ok(axum::Json(serde_json::json!({
        "points": points,
        "slow_days": tongchou_domain::tasks::SLOW_DAYS_DEFAULT,
        "cite": tongchou_domain::tasks::cite_publicity().to_string(),
        "slow_projects": slow,
    })))
}

pub fn openapi_paths(doc: &mut serde_json::Value) {
    use crate::openapi::err;
    let paths = serde_json::json!({
        "/api/v1/board/trend": { "get": {
            "summary": "晾晒台趋势：每日快照（每个单位每天一条，定时任务生成）按日汇总的项目数、逾期事项、有逾期的项目、进度缓慢项目；进度缓慢项目名单（在建阶段停留超过 slow_days 天）。主管等部门看本辖区（可按 unit 筛选），建设单位看本单位（浙江省数字政府系统建设方案 四（三））",
            "responses": { "200": { "description": "{points:[{day, projects, overdue, overdue_projects, slow}], slow_days, cite, slow_projects}" }, "401": err("未登录") } } }
    });
    if let (Some(p), Some(new)) = (doc["paths"].as_object_mut(), paths.as_object()) {
        for (k, v) in new {
            p.insert(k.clone(), v.clone());
        }
    }
}
