//! 云租赁费分摊计算 (SPEC M6; Shaoxing art.23): the calculator page and API, the population table
//! (administrators, every change logged), and a computed table stored with a project (a history
//! entry through the one apply path).
use crate::auth::{CurrentUser, MaybeUser};
use crate::error::AppError;
use crate::fields::Fields;
use crate::pages::{error_page, layout_for, render_status, Layout};
use crate::{service, AppState};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;
use tongchou_domain::cost_sharing::{
    compute, record, County, Params, Plan, RegulatoryRule, SharingKind,
};
use tongchou_domain::permission::can_edit_money_settings;
use tongchou_domain::project::ProjectContext;
use tongchou_domain::{ProjectId, Yuan};
use tongchou_store::exports::{ChangeRow, PopulationRow, StoredPlan};

pub const RULE_KEY: &str = "cost.regulatory_rule";

/// The parameters in force (Shaoxing's numbers; the rule for a county count ≠ 6 as set).
pub async fn params(st: &AppState) -> Result<Params, AppError> {
    let mut p = Params::default();
    if let Some(r) = st
        .db
        .money_setting(RULE_KEY)
        .await?
        .and_then(|v| RegulatoryRule::parse(&v))
    {
        p.regulatory_rule = r;
    }
    Ok(p)
}

fn default_population_year() -> i32 {
    tongchou_store::today().year() as i32 - 1
}

/// Compute a table from the calculator's fields (page form or API JSON): `kind`, `total`,
/// `city_name`, `city_share`, `population_year`, optionally `county`/`population` lists (else
/// the population table of that year).
pub async fn compute_from(st: &AppState, f: &Fields) -> Result<Plan, AppError> {
    let kind = SharingKind::parse(&f.text("kind"))
        .ok_or_else(|| AppError::field("kind", "请选择项目类别（民生类或审批监管类）"))?;
    let total = Yuan::parse(&f.text("total"))
        .map_err(|e| AppError::field("total", format!("政务云年租赁费：{e}")))?;
    let city_share = match f.text("city_share") {
        s if s.is_empty() => None,
        s => Some(
            Yuan::parse(&s)
                .map_err(|e| AppError::field("city_share", format!("市级承担部分：{e}")))?,
        ),
    };
    let year = match f.text("population_year") {
        s if s.is_empty() => default_population_year(),
        s => s
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or_else(|| AppError::field("population_year", "人口年度须为四位年份"))?,
    };
    let names = f.all("county");
    let counties: Vec<County> = if names.iter().any(|n| !n.trim().is_empty()) {
        let pops = f.all("population");
        if pops.len() != names.len() {
            return Err(AppError::field("population", "区县与人口数须一一对应"));
        }
        let mut out = Vec::new();
        for (n, p) in names.iter().zip(pops) {
            let population = if p.trim().is_empty() {
                0
            } else {
                p.trim()
                    .replace([',', '，'], "")
                    .parse::<i64>()
                    .map_err(|_| AppError::field("population", format!("{n} 的人口数须为整数")))?
            };
            out.push(County {
                name: n.trim().to_string(),
                population,
            });
        }
        out
    } else {
        st.db.counties(year as i64).await?
    };
    if counties.is_empty() {
        return Err(AppError::field(
            "counties",
            format!("人口表中没有 {year} 年的区、县（市）数据，请管理员先在 设置 → 人口表 录入"),
        ));
    }
    let city_name = match f.text("city_name") {
        s if s.is_empty() => "市级".to_string(),
        s => s.chars().take(40).collect(),
    };
    compute(
        kind,
        total,
        &city_name,
        city_share,
        &counties,
        Some(year),
        &params(st).await?,
    )
    .map_err(
        |tongchou_domain::cost_sharing::CostError::Invalid { field, message }| {
            AppError::field(&field, message)
        },
    )
}

/// Store a table with a project: a history entry through the one apply path.
pub async fn save(
    st: &AppState,
    user: &CurrentUser,
    id: ProjectId,
    plan: Plan,
) -> Result<tongchou_domain::project::Project, AppError> {
    let project = service::visible_project(st, &user.actor, id).await?;
    let ctx = ProjectContext::new(project);
    let decision = record(&ctx.project, &user.actor, plan)?;
    Ok(st
        .db
        .apply(
            &ctx,
            &user.actor,
            &decision,
            &Default::default(),
            &st.profile_tag_for(&ctx.project.jurisdiction_path),
        )
        .await?)
}

// ---------- page ----------

#[derive(Template)]
#[template(path = "cost.html")]
struct CostPage {
    layout: Layout,
    v: HashMap<String, String>,
    error: Option<String>,
    error_field: String,
    plan: Option<Plan>,
    rule: RegulatoryRule,
    populations: Vec<PopulationRow>,
    stored: Vec<StoredPlan>,
    project_name: String,
}

impl CostPage {
    fn val(&self, k: &str) -> String {
        self.v.get(k).cloned().unwrap_or_default()
    }
    fn is(&self, k: &str, v: &str) -> bool {
        self.v.get(k).is_some_and(|x| x == v)
    }
    fn err(&self, k: &str) -> String {
        if self.error_field == k {
            self.error.clone().unwrap_or_default()
        } else {
            String::new()
        }
    }
}

async fn cost_page(
    st: &AppState,
    user: &CurrentUser,
    mut v: HashMap<String, String>,
    plan: Option<Plan>,
    error: Option<AppError>,
    flash: Option<String>,
) -> Result<Response, AppError> {
    let year = v
        .get("population_year")
        .and_then(|y| y.parse::<i64>().ok())
        .unwrap_or(default_population_year() as i64);
    v.entry("population_year".into())
        .or_insert_with(|| year.to_string());
    let (stored, project_name) = match v.get("project").and_then(|p| p.trim().parse::<i64>().ok()) {
        Some(pid) => match service::visible_project(st, &user.actor, ProjectId(pid)).await {
            Ok(p) => (st.db.cost_plans(p.id).await?, p.input.name),
            Err(_) => (vec![], String::new()),
        },
        None => (vec![], String::new()),
    };
    let mut layout = layout_for(st, Some(user), "cost").await;
    layout.flash = flash;
    let status = error.as_ref().map(|e| e.status()).unwrap_or(StatusCode::OK);
    Ok(render_status(
        status,
        &CostPage {
            layout,
            v,
            error_field: error
                .as_ref()
                .and_then(|e| e.field_name().map(str::to_string))
                .unwrap_or_default(),
            error: error.map(|e| e.body().message),
            plan,
            rule: params(st).await?.regulatory_rule,
            populations: st.db.populations(Some(year)).await?,
            stored,
            project_name,
        },
    ))
}

pub async fn page(
    State(st): State<AppState>,
    MaybeUser(u): MaybeUser,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(user) = u else {
        return Redirect::to("/login").into_response();
    };
    match cost_page(&st, &user, q, None, None, None).await {
        Ok(r) => r,
        Err(e) => error_page(&st, Some(&user), e).await,
    }
}

/// `POST /cost-sharing`: compute (op=compute) or compute and store with the project (op=save).
pub async fn submit(
    State(st): State<AppState>,
    user: CurrentUser,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(f);
    let mut v: HashMap<String, String> = HashMap::new();
    for (k, val) in &fields.0 {
        if k != "county" && k != "population" {
            v.insert(k.clone(), val.clone());
        }
    }
    let r: Result<(Plan, Option<String>), AppError> = async {
        user.check_csrf(fields.get("_csrf"))?;
        let plan = compute_from(&st, &fields).await?;
        if fields.text("op") == "save" {
            let pid = fields
                .text("project")
                .parse::<i64>()
                .map_err(|_| AppError::field("project", "请填写要保存到的项目 ID"))?;
            let p = save(&st, &user, ProjectId(pid), plan.clone()).await?;
            return Ok((
                plan,
                Some(format!(
                    "分摊方案已保存到项目「{}」并记入历史",
                    p.input.name
                )),
            ));
        }
        Ok((plan, None))
    }
    .await;
    let out = match r {
        Ok((plan, flash)) => cost_page(&st, &user, v, Some(plan), None, flash).await,
        Err(e @ (AppError::Unprocessable { .. } | AppError::Conflict(_))) => {
            cost_page(&st, &user, v, None, Some(e), None).await
        }
        Err(e) => Err(e),
    };
    match out {
        Ok(r) => r,
        Err(e) => error_page(&st, Some(&user), e).await,
    }
}

// ---------- API ----------

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

/// `POST /api/v1/cost-sharing/calculate`
pub async fn api_calculate(
    State(st): State<AppState>,
    _user: CurrentUser,
    body: Bytes,
) -> Result<Json<Value>, AppError> {
    let plan = compute_from(&st, &json_fields(&body)?).await?;
    Ok(Json(json!({ "plan": plan, "sum": plan.sum() })))
}

/// `POST /api/v1/projects/{id}/cost-sharing`: compute and store with the project.
pub async fn api_save(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), AppError> {
    api_write(&user)?;
    let fields = json_fields(&body)?;
    if let Some(v) = fields.version()? {
        let p = service::visible_project(&st, &user.actor, ProjectId(id)).await?;
        if p.version != v {
            return Err(AppError::Conflict("项目已被他人修改，请刷新后重试".into()));
        }
    }
    let plan = compute_from(&st, &fields).await?;
    let p = save(&st, &user, ProjectId(id), plan.clone()).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "plan": plan, "project_version": p.version })),
    ))
}

/// `GET /api/v1/projects/{id}/cost-sharing`: the tables stored with the project, newest first.
pub async fn api_list(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Value>, AppError> {
    let p = service::visible_project(&st, &user.actor, ProjectId(id)).await?;
    Ok(Json(json!({ "items": st.db.cost_plans(p.id).await? })))
}

/// `GET /api/v1/populations?year=`
pub async fn api_populations(
    State(st): State<AppState>,
    _user: CurrentUser,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, AppError> {
    let year = match q.get("year").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => None,
        Some(y) => Some(
            y.parse::<i64>()
                .map_err(|_| AppError::field("year", "年度须为整数"))?,
        ),
    };
    Ok(Json(json!({ "items": st.db.populations(year).await? })))
}

/// Parse "区县,人口" lines (人口 empty or 删除 → remove).
fn parse_population_lines(text: &str) -> Result<Vec<(String, Option<i64>)>, Vec<String>> {
    let mut out = Vec::new();
    let mut errs = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let parts: Vec<&str> = line.splitn(2, [',', '，', '\t']).map(str::trim).collect();
        let (name, pop) = (parts[0], parts.get(1).copied().unwrap_or(""));
        if name.is_empty() || name.chars().count() > 40 {
            errs.push(format!("第 {} 行：区县名称须为 1–40 个字", i + 1));
            continue;
        }
        if pop.is_empty() || pop == "删除" {
            out.push((name.to_string(), None));
            continue;
        }
        match pop.replace([',', '，', ' '], "").parse::<i64>() {
            Ok(n) if n > 0 => out.push((name.to_string(), Some(n))),
            _ => errs.push(format!("第 {} 行：{name} 的常住人口须为正整数", i + 1)),
        }
    }
    if out.is_empty() && errs.is_empty() {
        errs.push("请至少填写一行：区县,常住人口".into());
    }
    if errs.is_empty() {
        Ok(out)
    } else {
        Err(errs)
    }
}

/// `POST /api/v1/populations {year, rows: ["越城区,1000000", …], note}` (administrators).
pub async fn api_set_populations(
    State(st): State<AppState>,
    user: CurrentUser,
    body: Bytes,
) -> Result<Json<Value>, AppError> {
    api_write(&user)?;
    if !can_edit_money_settings(&user.actor) {
        return Err(AppError::Forbidden("只有系统管理员可以维护人口表".into()));
    }
    let f = json_fields(&body)?;
    let year = f
        .text("year")
        .parse::<i64>()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .ok_or_else(|| AppError::field("year", "年度须为四位年份"))?;
    let entries = parse_population_lines(&f.all("rows").join("\n"))
        .map_err(|e| AppError::field("rows", e.join("；")))?;
    let n = st
        .db
        .set_populations(&user.actor, year, &entries, &f.text("note"))
        .await?;
    Ok(Json(
        json!({ "changed": n, "items": st.db.populations(Some(year)).await? }),
    ))
}

// ---------- population admin ----------

#[derive(Template)]
#[template(path = "population_admin.html")]
struct PopulationPage {
    layout: Layout,
    year: String,
    text: String,
    note: String,
    errors: Vec<String>,
    rows: Vec<PopulationRow>,
    changes: Vec<ChangeRow>,
    rule: RegulatoryRule,
    rules: Vec<RegulatoryRule>,
}

async fn population_page(
    st: &AppState,
    user: &CurrentUser,
    year: String,
    text: String,
    note: String,
    errors: Vec<String>,
    flash: Option<String>,
) -> Result<Response, AppError> {
    if !can_edit_money_settings(&user.actor) {
        return Err(AppError::Forbidden("只有系统管理员可以维护人口表".into()));
    }
    let mut layout = layout_for(st, Some(user), "settings").await;
    layout.flash = flash;
    let mut changes = st.db.population_changes().await?;
    changes.extend(st.db.settings_changes("cost.").await?);
    changes.sort_by(|a, b| b.at.cmp(&a.at));
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render_status(
        status,
        &PopulationPage {
            layout,
            year,
            text,
            note,
            errors,
            rows: st.db.populations(None).await?,
            changes,
            rule: params(st).await?.regulatory_rule,
            rules: vec![RegulatoryRule::Ratio, RegulatoryRule::PerCounty],
        },
    ))
}

pub async fn population_admin(State(st): State<AppState>, MaybeUser(u): MaybeUser) -> Response {
    let Some(user) = u else {
        return Redirect::to("/login").into_response();
    };
    let year = default_population_year().to_string();
    match population_page(&st, &user, year, String::new(), String::new(), vec![], None).await {
        Ok(r) => r,
        Err(e) => error_page(&st, Some(&user), e).await,
    }
}

/// `POST /settings/population`: figures of a year (op=population) or the regulatory rule (op=rule).
pub async fn population_save(
    State(st): State<AppState>,
    user: CurrentUser,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    let r: Result<Response, AppError> = async {
        user.check_csrf(f.get("_csrf"))?;
        if !can_edit_money_settings(&user.actor) {
            return Err(AppError::Forbidden("只有系统管理员可以维护人口表".into()));
        }
        let year_s = f.text("year");
        let text = f.get("text").unwrap_or("").to_string();
        let note = f.text("note");
        if f.text("op") == "rule" {
            let rule = RegulatoryRule::parse(&f.text("rule"))
                .ok_or_else(|| AppError::field("rule", "请选择规则"))?;
            st.db
                .set_money_setting(
                    &user.actor,
                    RULE_KEY,
                    rule.code(),
                    &format!("审批监管类项目区县数不为 6 时：{}", rule.label()),
                )
                .await?;
            return population_page(
                &st,
                &user,
                year_s,
                text,
                note,
                vec![],
                Some("已保存分摊规则".into()),
            )
            .await;
        }
        let mut errors = Vec::new();
        let year = match year_s.parse::<i64>() {
            Ok(y) if (2000..=2100).contains(&y) => y,
            _ => {
                errors.push("年度须为四位年份".to_string());
                0
            }
        };
        let entries = match parse_population_lines(&text) {
            Ok(e) => e,
            Err(e) => {
                errors.extend(e);
                vec![]
            }
        };
        if !errors.is_empty() {
            return population_page(&st, &user, year_s, text, note, errors, None).await;
        }
        let n = st
            .db
            .set_populations(&user.actor, year, &entries, &note)
            .await?;
        population_page(
            &st,
            &user,
            year_s,
            String::new(),
            String::new(),
            vec![],
            Some(format!("已保存 {year} 年人口表：{n} 处修改")),
        )
        .await
    }
    .await;
    match r {
        Ok(r) => r,
        Err(e) => error_page(&st, Some(&user), e).await,
    }
}
