//! The working-day calculator (public, no login) and the administrators' calendar settings.
use crate::auth::{CurrentUser, MaybeUser};
use crate::error::AppError;
use crate::fields::Fields;
use crate::pages::{layout_for, render_status, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use tongchou_domain::calendar::{parse_import, Calendar, Counted, Day, Override};
use tongchou_domain::permission::can_edit_calendar;
use tongchou_domain::Date;

fn parse_date(field: &str, s: &str) -> Result<Date, AppError> {
    s.trim()
        .parse::<Date>()
        .map_err(|_| AppError::field(field, "日期格式应为 YYYY-MM-DD"))
}

fn parse_days(s: &str) -> Result<u32, AppError> {
    s.trim()
        .parse::<u32>()
        .ok()
        .filter(|n| *n <= 3650)
        .ok_or_else(|| AppError::field("days", "工作日数须为 0–3650 的整数"))
}

fn counted_json(from: Date, days: u32, c: &Counted, cal: &Calendar) -> Value {
    let counted_from = tongchou_domain::lifecycle::add_days(from, 1);
    json!({
        "from": from.to_string(),
        "days": days,
        "due": c.date.to_string(),
        "counted_from": counted_from.to_string(),
        "due_weekday": weekday_cn(c.date),
        "due_reason": cal.day(c.date).reason.label(),
        "rule": "自触发日次日起算，期限末日计入；周末、法定节假日不计，调休上班日计入",
        "unknown_years": c.unknown_years,
        "warning": c.warning(),
    })
}

fn day_json(d: &Day) -> Value {
    json!({
        "date": d.date.to_string(),
        "working": d.working,
        "weekday": weekday_cn(d.date),
        "reason": d.reason.label(),
        "detail": d.reason,
        "known": d.known,
        "note": if d.known { Value::Null } else { json!(format!("{} 年的节假日安排尚未录入，按周一至周五为工作日推算", d.date.year())) },
    })
}

pub fn weekday_cn(d: Date) -> &'static str {
    use jiff::civil::Weekday::*;
    match d.weekday() {
        Monday => "星期一",
        Tuesday => "星期二",
        Wednesday => "星期三",
        Thursday => "星期四",
        Friday => "星期五",
        Saturday => "星期六",
        Sunday => "星期日",
    }
}

#[derive(Deserialize)]
pub struct AddQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    days: String,
}

/// `GET /api/v1/calendar/add-working-days?from=YYYY-MM-DD&days=N`
pub async fn api_add_working_days(
    State(st): State<AppState>,
    Query(q): Query<AddQuery>,
) -> Result<Json<Value>, AppError> {
    let from = parse_date("from", &q.from)?;
    let days = parse_days(&q.days)?;
    let cal = st.db.calendar().await?;
    let c = cal.add_working_days(from, days);
    Ok(Json(counted_json(from, days, &c, &cal)))
}

/// `GET /api/v1/calendar/days/YYYY-MM-DD`
pub async fn api_day(
    State(st): State<AppState>,
    Path(date): Path<String>,
) -> Result<Json<Value>, AppError> {
    let d = parse_date("date", &date)?;
    let cal = st.db.calendar().await?;
    Ok(Json(day_json(&cal.day(d))))
}

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    layout: Layout,
    from: String,
    days: String,
    date: String,
    result: Option<Value>,
    day: Option<Value>,
    error: Option<String>,
    month: Vec<Vec<Option<Day>>>,
    month_title: String,
}

impl CalendarPage {
    fn s(&self, v: &Option<Value>, k: &str) -> String {
        v.as_ref()
            .and_then(|v| v.get(k))
            .map(|x| {
                x.as_str()
                    .map(String::from)
                    .unwrap_or_else(|| x.to_string())
            })
            .unwrap_or_default()
    }
    fn b(&self, v: &Option<Value>, k: &str) -> bool {
        v.as_ref()
            .and_then(|v| v.get(k))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }
    fn label(&self, d: &Day) -> String {
        d.reason.label()
    }
}

/// The month grid (weeks of Monday..Sunday) around a date.
fn month_grid(cal: &Calendar, around: Date) -> (String, Vec<Vec<Option<Day>>>) {
    let first = Date::new(around.year(), around.month(), 1).unwrap_or(around);
    let lead = first.weekday().to_monday_zero_offset() as usize;
    let mut cells: Vec<Option<Day>> = vec![None; lead];
    for i in 0..first.days_in_month() as i64 {
        cells.push(Some(
            cal.day(tongchou_domain::lifecycle::add_days(first, i)),
        ));
    }
    while cells.len() % 7 != 0 {
        cells.push(None);
    }
    (
        format!("{} 年 {} 月", around.year(), around.month()),
        cells.chunks(7).map(|w| w.to_vec()).collect(),
    )
}

pub async fn page(
    State(st): State<AppState>,
    MaybeUser(u): MaybeUser,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let cal = match st.db.calendar().await {
        Ok(c) => c,
        Err(e) => return AppError::from(e).into_response(),
    };
    let today = tongchou_store::today();
    let from = q.get("from").cloned().unwrap_or_else(|| today.to_string());
    let days = q.get("days").cloned().unwrap_or_else(|| "5".into());
    let date = q.get("date").cloned().unwrap_or_default();
    let mut error = None;
    let mut result = None;
    let mut day = None;
    let mut around = today;
    if q.contains_key("from") {
        match (parse_date("from", &from), parse_days(&days)) {
            (Ok(f), Ok(n)) => {
                let c = cal.add_working_days(f, n);
                around = c.date;
                result = Some(counted_json(f, n, &c, &cal));
            }
            (Err(e), _) | (_, Err(e)) => error = Some(e.body().message),
        }
    }
    if !date.is_empty() {
        match parse_date("date", &date) {
            Ok(d) => {
                around = d;
                day = Some(day_json(&cal.day(d)));
            }
            Err(e) => error = Some(e.body().message),
        }
    }
    let (month_title, month) = month_grid(&cal, around);
    let layout = layout_for(&st, u.as_ref(), "calendar").await;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render_status(
        status,
        &CalendarPage {
            layout,
            from,
            days,
            date,
            result,
            day,
            error,
            month,
            month_title,
        },
    )
}

#[derive(Template)]
#[template(path = "calendar_admin.html")]
struct AdminPage {
    layout: Layout,
    days: Vec<Override>,
    years: Vec<(i64, String)>,
    changes: Vec<tongchou_store::calendar::CalendarChange>,
    text: String,
    year: String,
    note: String,
    errors: Vec<String>,
}

async fn admin_page(
    st: &AppState,
    user: &CurrentUser,
    text: String,
    year: String,
    note: String,
    errors: Vec<String>,
    flash: Option<String>,
) -> Result<Response, AppError> {
    if !can_edit_calendar(&user.actor) {
        return Err(AppError::Forbidden("只有系统管理员可以维护工作日历".into()));
    }
    let (days, years) = st.db.calendar_entries().await?;
    let changes = st.db.calendar_changes().await?;
    let mut layout = layout_for(st, Some(user), "settings").await;
    layout.flash = flash;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render_status(
        status,
        &AdminPage {
            layout,
            days,
            years,
            changes,
            text,
            year,
            note,
            errors,
        },
    ))
}

pub async fn admin(State(st): State<AppState>, MaybeUser(u): MaybeUser) -> Response {
    let Some(user) = u else {
        return Redirect::to("/login").into_response();
    };
    match admin_page(
        &st,
        &user,
        String::new(),
        String::new(),
        String::new(),
        vec![],
        None,
    )
    .await
    {
        Ok(r) => r,
        Err(e) => crate::pages::error_page(&st, Some(&user), e).await,
    }
}

/// Import days (and optionally declare a year complete). Nothing is written unless every line parses.
pub async fn import(
    State(st): State<AppState>,
    user: CurrentUser,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    import_fields(st, user, Fields(f)).await
}

/// The same import from an uploaded file (CSV or text, UTF-8, one day a line, as pasted):
/// e.g. next year's schedule prepared from the State Council's notice.
pub async fn import_file(
    State(st): State<AppState>,
    user: CurrentUser,
    mp: axum::extract::Multipart,
) -> Response {
    let (_, _, bytes, mut f) = match crate::api::read_upload(mp).await {
        Ok(x) => x,
        Err(e) => return crate::pages::error_page(&st, Some(&user), e).await,
    };
    let text = match String::from_utf8(bytes) {
        Ok(t) => t.trim_start_matches('\u{feff}').replace("\r\n", "\n"),
        Err(_) => {
            return crate::pages::error_page(
                &st,
                Some(&user),
                AppError::field("file", "文件须为 UTF-8 编码的文本（CSV）"),
            )
            .await
        }
    };
    f.0.retain(|(k, _)| k != "text");
    f.0.push(("text".into(), text));
    import_fields(st, user, f).await
}

async fn import_fields(st: AppState, user: CurrentUser, f: Fields) -> Response {
    let r: Result<Response, AppError> = async {
        user.check_csrf(f.get("_csrf"))?;
        if !can_edit_calendar(&user.actor) {
            return Err(AppError::Forbidden("只有系统管理员可以维护工作日历".into()));
        }
        let text = f.get("text").unwrap_or("").to_string();
        let year_s = f.text("year");
        let note = f.text("note");
        let mut errors = Vec::new();
        let days = match parse_import(&text) {
            Ok(d) => d,
            Err(e) => {
                errors = e;
                vec![]
            }
        };
        let year = if year_s.is_empty() {
            None
        } else {
            match year_s.parse::<i16>() {
                Ok(y) if (2000..=2100).contains(&y) => Some(y),
                _ => {
                    errors.push("年度须为 2000–2100 的整数".into());
                    None
                }
            }
        };
        if let Some(y) = year {
            if let Some(o) = days.iter().find(|o| o.date.year() != y) {
                errors.push(format!("{} 不属于 {y} 年", o.date));
            }
            if note.is_empty() {
                errors.push("声明整年安排时请注明依据（如国务院办公厅通知文号）".into());
            }
        }
        if days.is_empty() && year.is_none() && errors.is_empty() {
            errors.push("请至少填写一天，或声明一个年度".into());
        }
        if !errors.is_empty() {
            return admin_page(&st, &user, text, year_s, note, errors, None).await;
        }
        let summary = match year {
            Some(y) => format!("录入 {y} 年节假日安排（{} 天），依据：{note}", days.len()),
            None => format!("更正 {} 天", days.len()),
        };
        st.db
            .set_calendar(
                &user.actor,
                &days,
                year.map(|y| (y, note.clone())),
                &summary,
            )
            .await?;
        admin_page(
            &st,
            &user,
            String::new(),
            String::new(),
            String::new(),
            vec![],
            Some(format!("已保存：{summary}")),
        )
        .await
    }
    .await;
    match r {
        Ok(r) => r,
        Err(e) => crate::pages::error_page(&st, Some(&user), e).await,
    }
}
