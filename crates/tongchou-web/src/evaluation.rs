//! 绩效评价 pages and API: the public results page (no login, published results only), the
//! statistics page (P5) with server-rendered SVG charts, each with its table and an Excel export,
//! and the zombie-system list (E4). The evaluation actions themselves go through the generic
//! project action routes (`service::act`).
use crate::auth::{CurrentUser, MaybeUser};
use crate::error::AppError;
use crate::pages::{error_page, layout_for, render, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Json, Redirect, Response};
use tongchou_domain::evaluation::{can_view_statistics, may_view_statistics_of, Outcome};
use tongchou_domain::profile::Profile;
use tongchou_domain::project::{BuildKind, Category};
use tongchou_domain::JurisdictionId;
use tongchou_domain::{Stage, Yuan};
use tongchou_store::evaluation::{
    PublishedResult, ReuseRow, StatRow, StatScope, Statistics, ZombieRow,
};

/// One bar of a chart and row of its table.
pub struct ChartRow {
    pub label: String,
    pub value: i64,
    pub shown: String,
    /// Where the row drills down to (the by-jurisdiction chart).
    pub link: Option<String>,
}

/// A chart: a title, its rows and the unit of the values.
pub struct Chart {
    pub id: &'static str,
    pub title: &'static str,
    pub value_head: &'static str,
    /// 依据: the article the chart reports on.
    pub cite: &'static str,
    pub rows: Vec<ChartRow>,
}

fn row(label: String, value: i64, shown: String) -> ChartRow {
    ChartRow {
        label,
        value,
        shown,
        link: None,
    }
}

impl Chart {
    /// Horizontal bars as SVG (no JavaScript); labels escaped; a row with a drill-down target
    /// is a link.
    pub fn svg(&self) -> String {
        let max = self.rows.iter().map(|r| r.value).max().unwrap_or(0).max(1);
        let h = 24 * self.rows.len().max(1) + 8;
        let mut s = format!(
            "<svg class=\"chart\" role=\"img\" aria-label=\"{}\" viewBox=\"0 0 640 {h}\" width=\"100%\" xmlns=\"http://www.w3.org/2000/svg\">",
            esc(self.title)
        );
        for (i, r) in self.rows.iter().enumerate() {
            let y = 4 + i * 24;
            let w = (r.value as f64 / max as f64 * 360.0)
                .round()
                .max(if r.value > 0 { 1.0 } else { 0.0 });
            let bar = format!(
                "<text x=\"150\" y=\"{}\" text-anchor=\"end\" font-size=\"12\">{}</text><rect x=\"156\" y=\"{y}\" width=\"{w}\" height=\"18\" fill=\"#2f6fb0\"></rect><text x=\"{}\" y=\"{}\" font-size=\"12\">{}</text>",
                y + 14,
                esc(&trunc(&r.label, 12)),
                160.0 + w,
                y + 14,
                esc(&r.shown)
            );
            match &r.link {
                Some(href) => s.push_str(&format!("<a href=\"{}\">{bar}</a>", esc(href))),
                None => s.push_str(&bar),
            }
        }
        if self.rows.is_empty() {
            s.push_str("<text x=\"10\" y=\"20\" font-size=\"12\">暂无数据</text>");
        }
        s.push_str("</svg>");
        s
    }
}

fn trunc(s: &str, n: usize) -> String {
    if s.chars().count() > n {
        format!("{}…", s.chars().take(n).collect::<String>())
    } else {
        s.into()
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn wan(fen: i64) -> String {
    Yuan::from_fen(fen).wan().to_string()
}

fn money_rows(rows: &[StatRow], label: impl Fn(&str) -> String) -> Vec<ChartRow> {
    rows.iter()
        .map(|r| {
            row(
                label(&r.label),
                r.fen,
                format!("{} 万元（{} 个）", wan(r.fen), r.count),
            )
        })
        .collect()
}

/// A taxonomy code's name in the profile (重大任务, 政府职能); "" is 未标注.
fn taxon(items: &[tongchou_domain::profile::CheckItem], code: &str) -> String {
    if code.is_empty() {
        return "未标注".into();
    }
    items
        .iter()
        .find(|i| i.code == code)
        .map(|i| i.text.clone())
        .unwrap_or_else(|| code.to_string())
}

fn reuse_rows(rows: &[ReuseRow], link: impl Fn(&ReuseRow) -> Option<String>) -> Vec<ChartRow> {
    rows.iter()
        .map(|r| ChartRow {
            label: r.label.clone(),
            value: r.requests,
            shown: format!("申请 {} 次，同意 {} 次", r.requests, r.approved),
            link: link(r),
        })
        .collect()
}

/// The charts of the statistics page, in order; taxonomy names from `profile`.
pub fn charts(s: &Statistics, profile: &Profile) -> Vec<Chart> {
    let approved_of = |y: &str| {
        s.approved_count
            .iter()
            .find(|(l, _)| l == y)
            .map(|(_, n)| *n)
            .unwrap_or(0)
    };
    let p5 = "依据：浙江省数字政府系统建设方案 四（三）；SPEC P5";
    vec![
        Chart {
            id: "by_year",
            title: "立项投资（按年度）",
            value_head: "立项金额（分）",
            cite: p5,
            rows: money_rows(&s.by_year, |l| format!("{l} 年度")),
        },
        Chart {
            id: "by_jurisdiction",
            title: "立项投资（按辖区）",
            value_head: "立项金额（分）",
            cite: "点击下级辖区查看其统计（逐级穿透）",
            rows: s
                .by_jurisdiction
                .iter()
                .map(|r| ChartRow {
                    label: r.label.clone(),
                    value: r.fen,
                    shown: format!("{} 万元（{} 个）", wan(r.fen), r.count),
                    link: r.jurisdiction_id.map(|j| format!("/statistics?j={j}")),
                })
                .collect(),
        },
        Chart {
            id: "by_major_task",
            title: "立项投资（按重大任务）",
            value_head: "立项金额（分）",
            cite: "依据：浙江省数字政府系统建设方案 二（二）12个方面重大任务",
            rows: money_rows(&s.by_major_task, |l| taxon(&profile.major_tasks, l)),
        },
        Chart {
            id: "by_function",
            title: "立项投资（按政府职能）",
            value_head: "立项金额（分）",
            cite: "依据：浙江省数字政府系统建设方案 二 五大职能",
            rows: money_rows(&s.by_function, |l| taxon(&profile.gov_functions, l)),
        },
        Chart {
            id: "by_category",
            title: "立项投资（按项目类别）",
            value_head: "立项金额（分）",
            cite: p5,
            rows: money_rows(&s.by_category, |l| {
                Category::parse(l)
                    .map(|c| c.label().to_string())
                    .unwrap_or(l.into())
            }),
        },
        Chart {
            id: "by_build_kind",
            title: "立项投资（按建设类型）",
            value_head: "立项金额（分）",
            cite: p5,
            rows: money_rows(&s.by_build_kind, |l| {
                BuildKind::parse(l)
                    .map(|c| c.label().to_string())
                    .unwrap_or(l.into())
            }),
        },
        Chart {
            id: "approval",
            title: "申报与立项：立项率和核减金额（按年度）",
            value_head: "立项率（‰）",
            cite: p5,
            rows: s
                .approval
                .iter()
                .map(|r| {
                    let n = approved_of(&r.label);
                    let rate = if r.count > 0 { n * 1000 / r.count } else { 0 };
                    row(
                        format!("{} 年度", r.label),
                        rate,
                        format!(
                            "申报 {} 个 / 立项 {} 个，立项率 {}.{}%；申报 {} 万元，立项 {} 万元",
                            r.count,
                            n,
                            rate / 10,
                            rate % 10,
                            wan(r.fen),
                            wan(r.fen2)
                        ),
                    )
                })
                .collect(),
        },
        Chart {
            id: "stage_days",
            title: "各阶段停留天数（中位数）",
            value_head: "中位天数",
            cite: p5,
            rows: s
                .stage_days
                .iter()
                .map(|r| {
                    row(
                        Stage::parse(&r.label)
                            .map(|st| st.label().to_string())
                            .unwrap_or(r.label.clone()),
                        r.fen,
                        format!("{} 天（{} 次）", r.fen, r.count),
                    )
                })
                .collect(),
        },
        Chart {
            id: "overdue",
            title: "逾期未完成事项（按单位）",
            value_head: "逾期事项",
            cite: p5,
            rows: s
                .overdue_by_unit
                .iter()
                .map(|r| row(r.label.clone(), r.count, format!("{} 项", r.count)))
                .collect(),
        },
        Chart {
            id: "reuse_by_listing",
            title: "共享应用复用（按应用）",
            value_head: "复用申请",
            cite: "依据：数字政府系统“一地创新、全省共享”机制实施办法（试行）",
            rows: reuse_rows(&s.reuse_by_listing, |r| Some(format!("/market/{}", r.id))),
        },
        Chart {
            id: "reuse_by_jurisdiction",
            title: "共享应用复用（按申请单位所在辖区）",
            value_head: "复用申请",
            cite: "依据：数字政府系统“一地创新、全省共享”机制实施办法（试行）",
            rows: reuse_rows(&s.reuse_by_jurisdiction, |r| {
                (r.id != s.scope.jurisdiction_id).then(|| format!("/statistics?j={}", r.id))
            }),
        },
        Chart {
            id: "outcomes",
            title: "绩效评价结果",
            value_head: "系统数",
            cite: p5,
            rows: s
                .outcomes
                .iter()
                .map(|r| {
                    row(
                        Outcome::parse(&r.label)
                            .map(|o| o.label().to_string())
                            .unwrap_or(r.label.clone()),
                        r.count,
                        format!("{} 个", r.count),
                    )
                })
                .collect(),
        },
    ]
}

/// `?j=<jurisdiction id>` (page, Excel) or `?jurisdiction=` (API): a jurisdiction at or below
/// the viewer's (drill-down).
#[derive(Debug, Default, serde::Deserialize)]
pub struct StatsQuery {
    #[serde(default, alias = "jurisdiction")]
    pub j: Option<i64>,
}

#[derive(Template)]
#[template(path = "statistics.html")]
struct StatsPage {
    layout: Layout,
    charts: Vec<Chart>,
    zombies: Vec<ZombieRow>,
    today: String,
    scope: StatScope,
    xlsx: String,
}

async fn load(
    st: &AppState,
    user: &CurrentUser,
    q: &StatsQuery,
) -> Result<(Statistics, Vec<ZombieRow>), AppError> {
    if !can_view_statistics(&user.actor) {
        return Err(AppError::Forbidden(
            "统计分析仅向主管部门、职能部门和领导开放".into(),
        ));
    }
    let root = match q.j {
        None => None,
        Some(j) => {
            let row = st.db.jurisdiction(JurisdictionId(j)).await?;
            if !may_view_statistics_of(&user.actor, &row.path) {
                return Err(AppError::Forbidden("只能查看本辖区及下级辖区的统计".into()));
            }
            Some(row.id)
        }
    };
    let s = st
        .db
        .statistics_of(&user.actor, tongchou_store::today(), root)
        .await?;
    let z = st.db.zombie_list(&user.actor).await?;
    Ok((s, z))
}

/// GET /statistics
pub async fn page(
    State(st): State<AppState>,
    MaybeUser(u): MaybeUser,
    Query(q): Query<StatsQuery>,
) -> Response {
    let Some(user) = u else {
        return Redirect::to("/login").into_response();
    };
    match load(&st, &user, &q).await {
        Ok((s, zombies)) => render(&StatsPage {
            layout: layout_for(&st, Some(&user), "statistics").await,
            charts: charts(&s, &st.profile_for(&user.actor.jurisdiction_path)),
            zombies,
            today: tongchou_store::today().to_string(),
            xlsx: match q.j {
                Some(j) => format!("/statistics.xlsx?j={j}"),
                None => "/statistics.xlsx".into(),
            },
            scope: s.scope,
        }),
        Err(e) => error_page(&st, Some(&user), e).await,
    }
}

/// GET /api/v1/statistics
pub async fn api_stats(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<StatsQuery>,
) -> Result<Json<Statistics>, AppError> {
    Ok(Json(load(&st, &user, &q).await?.0))
}

/// GET /api/v1/zombie-systems
pub async fn api_zombies(
    State(st): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Vec<ZombieRow>>, AppError> {
    Ok(Json(load(&st, &user, &StatsQuery::default()).await?.1))
}

/// GET /statistics.xlsx: every chart's table, one sheet each, and the zombie list.
pub async fn export(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<StatsQuery>,
) -> Result<Response, AppError> {
    use rust_xlsxwriter::{Format, Workbook};
    let (s, zombies) = load(&st, &user, &q).await?;
    let profile = st.profile_for(&user.actor.jurisdiction_path);
    let xl = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.to_string());
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    for (i, c) in charts(&s, &profile).iter().enumerate() {
        let ws = wb
            .add_worksheet()
            .set_name(format!(
                "{}{}",
                i + 1,
                trunc(c.title, 20).replace(['（', '）', '：', '/'], "")
            ))
            .map_err(xl)?;
        ws.write_with_format(0, 0, "项", &bold).map_err(xl)?;
        ws.write_with_format(0, 1, c.value_head, &bold)
            .map_err(xl)?;
        ws.write_with_format(0, 2, "说明", &bold).map_err(xl)?;
        for (r, row) in c.rows.iter().enumerate() {
            let r = r as u32 + 1;
            ws.write(r, 0, &row.label).map_err(xl)?;
            ws.write(r, 1, row.value as f64).map_err(xl)?;
            ws.write(r, 2, &row.shown).map_err(xl)?;
        }
        ws.set_column_width(0, 24).map_err(xl)?;
        ws.set_column_width(2, 60).map_err(xl)?;
    }
    let ws = wb.add_worksheet().set_name("僵尸系统名单").map_err(xl)?;
    for (c, h) in ["系统", "建设单位", "评价年度", "列入日期"]
        .iter()
        .enumerate()
    {
        ws.write_with_format(0, c as u16, *h, &bold).map_err(xl)?;
    }
    for (i, z) in zombies.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write(r, 0, &z.system).map_err(xl)?;
        ws.write(r, 1, &z.unit).map_err(xl)?;
        ws.write(r, 2, z.year as f64).map_err(xl)?;
        ws.write(r, 3, &z.listed_on).map_err(xl)?;
    }
    let bytes = wb.save_to_buffer().map_err(xl)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"statistics.xlsx\"",
            ),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "evaluation_public.html")]
struct PublicPage {
    layout: Layout,
    results: Vec<PublishedResult>,
}

/// GET /public/evaluations — readable without login; published results only.
pub async fn public_page(State(st): State<AppState>, MaybeUser(u): MaybeUser) -> Response {
    match st.db.published_results(1000).await {
        Ok(results) => render(&PublicPage {
            layout: layout_for(&st, u.as_ref(), "public").await,
            results,
        }),
        Err(e) => error_page(&st, u.as_ref(), e.into()).await,
    }
}

/// GET /api/v1/public/evaluations
pub async fn api_public(
    State(st): State<AppState>,
) -> Result<Json<Vec<PublishedResult>>, AppError> {
    Ok(Json(st.db.published_results(1000).await?))
}

/// The evaluation and statistics paths of the OpenAPI document, and the fields of the
/// evaluation actions (which go through `/api/v1/projects/{id}/actions/{action}`).
pub fn openapi_paths(doc: &mut serde_json::Value) {
    use crate::openapi::err;
    use serde_json::json;
    let paths = json!({
        "/api/v1/statistics": { "get": {
            "summary": "统计分析（本辖区或下级辖区，精确统计：读取随每次变更在同一事务中维护的预汇总）：立项投资按年度、辖区（下级辖区可穿透）、重大任务、政府职能、类别、建设类型；按年度的申报与立项（立项率、申报与立项金额，差额即核减）；各阶段停留天数中位数；逾期事项按单位；共享应用复用（按应用、按辖区）；绩效评价结果。金额单位为分",
            "parameters": [ { "name": "jurisdiction", "in": "query", "required": false, "schema": { "type": "integer" }, "description": "下级辖区 id（穿透）；缺省为本辖区" } ],
            "responses": { "200": { "description": "{scope, by_year, by_jurisdiction, by_major_task, by_function, by_category, by_build_kind, approval, approved_count, overdue_by_unit, outcomes, stage_days}：每项为 [{label, count, fen, fen2, jurisdiction_id?}]；major_task / function 的 label 为政策规则中的 code，空为未标注；reuse_by_listing、reuse_by_jurisdiction 为 [{label, id, requests, approved}]" }, "403": err("建设单位、专家不可见；辖区不在本辖区之内"), "404": err("无此辖区") } } },
        "/api/v1/zombie-systems": { "get": {
            "summary": "僵尸系统名单（由绩效评价结果形成；衢州市 二(二)9：列入单位原则上2年内不得申报）",
            "responses": { "200": { "description": "[{project_id, system, unit, year, listed_on}]" }, "403": err("建设单位、专家不可见") } } },
        "/api/v1/public/evaluations": { "get": {
            "summary": "已公布的绩效评价结果（无需登录；仅年度、项目编号、应用名称、建设单位、得分、评价结果）",
            "security": [],
            "responses": { "200": { "description": "[{year, project_code, system, unit, score, outcome, outcome_label}]" } } } }
    });
    if let (Some(dst), Some(src)) = (
        doc.get_mut("paths").and_then(|p| p.as_object_mut()),
        paths.as_object(),
    ) {
        for (k, v) in src {
            dst.insert(k.clone(), v.clone());
        }
    }
    let fields = json!({
        "description": "绩效评价操作的字段（按 action 取其一）。评分字段为 score_<指标 code>，每项 0–100 的整数，指标见政策规则 evaluation.systems 中施行的体系",
        "oneOf": [
            { "title": "self_evaluate", "type": "object", "required": ["year", "evidence"], "properties": { "year": { "type": "integer" }, "evidence": { "type": "string", "description": "自评说明及佐证" } }, "additionalProperties": { "type": "integer", "description": "score_<code>" } },
            { "title": "spot_check", "type": "object", "required": ["year", "by_kind", "checker", "result"], "properties": { "year": { "type": "integer" }, "by_kind": { "enum": ["expert", "third_party", "finance"] }, "checker": { "type": "string" }, "result": { "type": "string" } }, "additionalProperties": { "type": "integer" } },
            { "title": "propose_outcome", "type": "object", "required": ["year", "outcome", "reason"], "properties": { "year": { "type": "integer" }, "outcome": { "enum": ["continue", "rectify", "best", "zombie", "retire", "suspend"] }, "rectify_by": { "type": "string", "format": "date" }, "reason": { "type": "string" } } },
            { "title": "confirm_outcome", "type": "object", "required": ["year", "agree"], "properties": { "year": { "type": "integer" }, "agree": { "type": "boolean" }, "leader": { "type": "string", "description": "强制淘汰：批准的分管区领导" }, "leader_date": { "type": "string", "format": "date" }, "opinion": { "type": "string" } } },
            { "title": "publish_evaluation", "type": "object", "required": ["year"], "properties": { "year": { "type": "integer" } } },
            { "title": "report_rectification", "type": "object", "required": ["year", "note"], "properties": { "year": { "type": "integer" }, "note": { "type": "string", "description": "整改情况" } } }
        ]
    });
    if let Some(s) = doc
        .pointer_mut("/components/schemas")
        .and_then(|s| s.as_object_mut())
    {
        s.insert("EvaluationActionFields".into(), fields);
    }
}
