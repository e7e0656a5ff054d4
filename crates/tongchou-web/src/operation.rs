//! 运行 Systems in operation: the page of a project's systems (cloud resources, security records,
//! vulnerabilities, backup and stop, data catalogue) and its JSON twin. Every action goes
//! through [`act`]: load, ask `operation::decide`, write with `Db::apply` (state, history entry
//! and obligations in one transaction).
use crate::auth::{CurrentUser, MaybeUser};
use crate::error::AppError;
use crate::fields::Fields;
use crate::pages::{layout_for, page_or_error, render_status, url_encode, Layout};
use crate::{service, AppState};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;
use tongchou_domain::operation::{
    self, action_label, CloudKind, OpCommand, OpenAttr, OpsState, RequestState, SecurityKind,
    ShareAttr, System, SystemInput, SystemState, VulnState,
};
use tongchou_domain::project::{Project, ProjectContext};
use tongchou_domain::{Actor, Date, ProjectId, Yuan};
use tongchou_store::project::ObligationRow;
use tongchou_store::today;

// ---------- input ----------

fn text(f: &Fields, k: &str) -> String {
    f.text(k)
}
fn num(f: &Fields, k: &str, what: &str) -> Result<u32, AppError> {
    f.text(k)
        .parse()
        .map_err(|_| AppError::field(k, format!("请填写{what}（正整数）")))
}
fn date(f: &Fields, k: &str, what: &str) -> Result<Date, AppError> {
    f.text(k)
        .parse()
        .map_err(|_| AppError::field(k, format!("请填写{what}（YYYY-MM-DD）")))
}
fn flag(f: &Fields, k: &str) -> bool {
    matches!(f.text(k).as_str(), "yes" | "true" | "on" | "1")
}
fn pick<T: Copy>(
    f: &Fields,
    k: &str,
    what: &str,
    parse: fn(&str) -> Option<T>,
) -> Result<T, AppError> {
    parse(&f.text(k)).ok_or_else(|| AppError::field(k, format!("请选择{what}")))
}

fn system_input(f: &Fields) -> Result<SystemInput, AppError> {
    let om_amount = if f.text("om_amount").is_empty() {
        Yuan::ZERO
    } else {
        Yuan::parse(&f.text("om_amount"))
            .map_err(|e| AppError::field("om_amount", e.to_string()))?
    };
    let level = f
        .text("level")
        .parse::<u8>()
        .ok()
        .filter(|l| (1..=5).contains(l))
        .ok_or_else(|| AppError::field("level", "请选择等保级别（1–5 级）"))?;
    Ok(SystemInput {
        name: text(f, "name"),
        operating_body: text(f, "operating_body"),
        responsible_person: text(f, "responsible_person"),
        om_rules: text(f, "om_rules"),
        om_amount,
        internet_facing: flag(f, "internet_facing"),
        gov_cloud: flag(f, "gov_cloud"),
        level,
        important: flag(f, "important"),
    })
}

/// Turn form or JSON fields into a command.
pub fn parse(action: &str, f: &Fields) -> Result<OpCommand, AppError> {
    let system = || num(f, "system", "信息系统编号");
    Ok(match action {
        "add_system" => OpCommand::AddSystem {
            input: system_input(f)?,
        },
        "edit_system" => OpCommand::EditSystem {
            system: system()?,
            input: system_input(f)?,
        },
        "register_system" => OpCommand::Register {
            system: system()?,
            reference: text(f, "reference"),
            date: date(f, "date", "登记日期")?,
        },
        "request_cloud" => OpCommand::RequestCloud {
            system: system()?,
            kind: pick(f, "kind", "资源类型", CloudKind::parse)?,
            spec: text(f, "spec"),
            quantity: num(f, "quantity", "数量")?,
        },
        "change_cloud" => OpCommand::ChangeCloud {
            system: system()?,
            resource: num(f, "resource", "云资源序号")?,
            spec: text(f, "spec"),
            quantity: num(f, "quantity", "变更后数量")?,
        },
        "release_cloud" => OpCommand::ReleaseCloud {
            system: system()?,
            resource: num(f, "resource", "云资源序号")?,
        },
        "record_security" => OpCommand::RecordSecurity {
            system: system()?,
            kind: pick(f, "kind", "记录类型", SecurityKind::parse)?,
            reference: text(f, "reference"),
            date: date(f, "date", "文件日期")?,
            findings_fixed: flag(f, "findings_fixed"),
            note: text(f, "note"),
        },
        "go_live" => OpCommand::GoLive {
            system: system()?,
            date: date(f, "date", "上线日期")?,
            override_reason: Some(text(f, "override_reason")).filter(|s| !s.is_empty()),
        },
        "report_vuln" => OpCommand::ReportVuln {
            system: system()?,
            description: text(f, "description"),
            found: date(f, "found", "发现日期")?,
            fix_deadline: date(f, "fix_deadline", "修复期限")?,
        },
        "fix_vuln" => OpCommand::FixVuln {
            system: system()?,
            vuln: num(f, "vuln", "隐患序号")?,
            date: date(f, "date", "修复日期")?,
            note: text(f, "note"),
        },
        "vuln_unfixable" => OpCommand::VulnUnfixable {
            system: system()?,
            vuln: num(f, "vuln", "隐患序号")?,
            date: date(f, "date", "关停日期")?,
            note: text(f, "note"),
        },
        "backup_system" => OpCommand::Backup {
            system: system()?,
            date: date(f, "date", "备份日期")?,
            note: text(f, "note"),
        },
        "stop_system" => OpCommand::Stop {
            system: system()?,
            date: date(f, "date", "停用日期")?,
            reason: text(f, "reason"),
        },
        "add_data_resource" => OpCommand::AddData {
            system: system()?,
            name: text(f, "name"),
            unit: text(f, "unit"),
            format: text(f, "format"),
            share: pick(f, "share", "共享属性", ShareAttr::parse)?,
            open: pick(f, "open", "开放属性", OpenAttr::parse)?,
        },
        "catalogue_finding" => OpCommand::CatalogueFinding {
            system: system()?,
            date: date(f, "date", "检查日期")?,
            problems: text(f, "problems"),
        },
        "catalogue_fixed" => OpCommand::CatalogueFixed {
            system: system()?,
            finding: num(f, "finding", "检查意见序号")?,
            date: date(f, "date", "整改完成日期")?,
            note: text(f, "note"),
        },
        "request_data" => OpCommand::RequestData {
            system: system()?,
            resource: num(f, "resource", "数据资源序号")?,
            purpose: text(f, "purpose"),
        },
        "answer_data_request" => OpCommand::AnswerDataRequest {
            system: system()?,
            request: num(f, "request", "申请序号")?,
            agree: match f.text("agree").as_str() {
                "yes" | "true" | "agree" | "1" => true,
                "no" | "false" | "disagree" | "0" => false,
                _ => return Err(AppError::field("agree", "请选择是否同意共享")),
            },
            reason: text(f, "reason"),
        },
        _ => return Err(AppError::NotFound),
    })
}

// ---------- service ----------

/// Run one operation action on a project (the page and the API both come here).
pub async fn act(
    st: &AppState,
    actor: &Actor,
    id: ProjectId,
    action: &str,
    f: &Fields,
) -> Result<(Project, OpsState), AppError> {
    if !operation::ACTIONS.contains(&action) {
        return Err(AppError::NotFound);
    }
    let project = service::visible_project(st, actor, id).await?;
    if let Some(v) = f.version()? {
        if v != project.version {
            return Err(AppError::Conflict("项目已被他人修改，请刷新后重试".into()));
        }
    }
    let cmd = parse(action, f)?;
    let mut ops = st.db.load_ops(id).await?;
    let decision = operation::decide(&project, &ops, actor, cmd, today())?;
    let changes = service::obligation_changes(st, &project, &decision).await?;
    let ctx = ProjectContext::new(project);
    let p = st
        .db
        .apply(&ctx, actor, &decision, &changes, &st.profile_tag())
        .await?;
    operation::apply_all(&mut ops, &decision.events);
    Ok((p, ops))
}

// ---------- JSON ----------

pub fn system_json(s: &System) -> Value {
    let mut v = serde_json::to_value(s).unwrap_or(Value::Null);
    v["state_label"] = json!(s.state.label());
    v["cloud_totals"] = json!(s
        .cloud_totals()
        .iter()
        .map(|t| json!({ "kind": t.kind, "kind_label": t.kind.label(), "items": t.items, "quantity": t.quantity }))
        .collect::<Vec<_>>());
    v["go_live_missing"] = json!(s.go_live_missing());
    v
}

fn ops_json(p: &Project, ops: &OpsState) -> Value {
    json!({
        "project_id": p.id.0,
        "project_version": p.version,
        "stage": p.stage,
        "systems": ops.systems.iter().map(system_json).collect::<Vec<_>>(),
    })
}

/// `GET /api/v1/projects/{id}/operation`: the project's systems (read as the project).
pub async fn api_show(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Value>, AppError> {
    let p = service::visible_project(&st, &user.actor, ProjectId(id)).await?;
    let ops = st.db.load_ops(p.id).await?;
    Ok(Json(ops_json(&p, &ops)))
}

/// `POST /api/v1/projects/{id}/operation/{action}`
pub async fn api_act(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((id, action)): Path<(i64, String)>,
    body: Bytes,
) -> Result<Json<Value>, AppError> {
    if user.csrf.is_some() {
        return Err(AppError::Forbidden(
            "接口写操作请使用 Authorization: Bearer 令牌".into(),
        ));
    }
    let fields = if body.is_empty() {
        Fields::default()
    } else {
        let v: Value = serde_json::from_slice(&body)
            .map_err(|e| AppError::BadRequest(format!("请求体不是有效的 JSON：{e}")))?;
        Fields::from_json(&v)?
    };
    let (p, ops) = act(&st, &user.actor, ProjectId(id), &action, &fields).await?;
    Ok(Json(ops_json(&p, &ops)))
}

// ---------- page ----------

#[derive(Template)]
#[template(path = "operation.html")]
struct OperationPage {
    layout: Layout,
    p: Project,
    ops: OpsState,
    obligations: Vec<ObligationRow>,
    can_run: bool,
    can_find: bool,
    can_request: bool,
    /// (action, system, message, field) of a refused form
    error: Option<(String, u32, String, String)>,
    v: HashMap<String, String>,
    today: String,
    zero: u32,
}

impl OperationPage {
    fn cloud_kinds(&self) -> &'static [CloudKind] {
        CloudKind::ALL
    }
    fn security_kinds(&self) -> &'static [SecurityKind] {
        SecurityKind::ALL
    }
    fn shares(&self) -> &'static [ShareAttr] {
        ShareAttr::ALL
    }
    fn opens(&self) -> &'static [OpenAttr] {
        OpenAttr::ALL
    }
    fn state_tag(&self, s: &System) -> &'static str {
        match s.state {
            SystemState::Pending => "tag-review",
            SystemState::Live => "tag-ok",
            SystemState::ShutDown | SystemState::TakenDown => "tag-bad",
            SystemState::Stopped => "tag-ended",
        }
    }
    fn request_tag(&self, s: &RequestState) -> &'static str {
        match s {
            RequestState::Pending => "tag-review",
            RequestState::Granted => "tag-ok",
            RequestState::Refused => "tag-bad",
        }
    }
    fn vuln_tag(&self, s: &VulnState) -> &'static str {
        match s {
            VulnState::Open => "tag-warn",
            VulnState::Fixed => "tag-ok",
            VulnState::Unfixable => "tag-bad",
        }
    }
    fn yes_no(&self, b: &bool) -> &'static str {
        if *b {
            "是"
        } else {
            "否"
        }
    }
    fn running(&self, s: &System) -> bool {
        !matches!(s.state, SystemState::Stopped | SystemState::TakenDown)
    }
    /// The refusal message for this form (action, system), if it was the one refused.
    fn err(&self, action: &str, system: &u32) -> String {
        match &self.error {
            Some((a, s, m, _)) if a == action && (s == system || *s == 0) => m.clone(),
            _ => String::new(),
        }
    }
    fn label(&self, action: &str) -> &'static str {
        action_label(action).unwrap_or("操作")
    }
    fn err_field(&self) -> String {
        self.error.as_ref().map(|e| e.3.clone()).unwrap_or_default()
    }
    /// The value the refused form sent back, for the form that was refused.
    fn val(&self, action: &str, system: &u32, k: &str) -> String {
        if self.err(action, system).is_empty() {
            return String::new();
        }
        self.v.get(k).cloned().unwrap_or_default()
    }
    /// A system form's value: what a refused submission sent, else the system's current value.
    fn sysval(&self, action: &str, system: &u32, k: &str) -> String {
        if !self.err(action, system).is_empty() {
            return self.v.get(k).cloned().unwrap_or_default();
        }
        let Some(s) = self.ops.system(*system) else {
            return if k == "level" {
                "2".into()
            } else {
                String::new()
            };
        };
        let i = &s.input;
        let yes = |b: bool| if b { "yes".to_string() } else { String::new() };
        match k {
            "name" => i.name.clone(),
            "operating_body" => i.operating_body.clone(),
            "responsible_person" => i.responsible_person.clone(),
            "om_rules" => i.om_rules.clone(),
            "om_amount" => i.om_amount.to_string(),
            "level" => i.level.to_string(),
            "internet_facing" => yes(i.internet_facing),
            "gov_cloud" => yes(i.gov_cloud),
            "important" => yes(i.important),
            _ => String::new(),
        }
    }
    /// A finding's fix deadline as its obligation counts it (a last day on a rest day moves to
    /// the next working day), else the calendar date.
    fn finding_due(&self, system: &u32, f: &operation::CatalogueFinding) -> String {
        let code = f.obligation_code(*system);
        self.obligations
            .iter()
            .find(|o| o.code == code)
            .map(|o| o.due)
            .unwrap_or(f.due)
            .to_string()
    }
    fn ob_state(&self, o: &ObligationRow) -> tongchou_domain::obligation::Status {
        tongchou_domain::obligation::status(&o.state, o.due, o.fulfilled_on, today())
    }
}

async fn render_page(
    st: &AppState,
    user: &CurrentUser,
    id: ProjectId,
    error: Option<(String, AppError, Fields)>,
    flash: Option<String>,
) -> Result<Response, AppError> {
    let p = service::visible_project(st, &user.actor, id).await?;
    let ops = st.db.load_ops(id).await?;
    let obligations = st
        .db
        .obligations(id)
        .await?
        .into_iter()
        .filter(|o| {
            o.code.starts_with(operation::ASSESSMENT_PREFIX)
                || o.code.starts_with(operation::CATALOGUE_PREFIX)
                || o.code.starts_with(operation::VULN_PREFIX)
        })
        .collect();
    let mut layout = layout_for(st, Some(user), "projects").await;
    layout.flash = flash;
    let status = error
        .as_ref()
        .map(|(_, e, _)| e.status())
        .unwrap_or(StatusCode::OK);
    let (error, v) = match error {
        Some((action, e, fields)) => {
            let system = fields.text("system").parse().unwrap_or(0);
            let field = e.field_name().map(str::to_string).unwrap_or_default();
            let v: HashMap<String, String> = fields.0.into_iter().collect();
            (Some((action, system, e.body().message, field)), v)
        }
        None => (None, HashMap::new()),
    };
    Ok(render_status(
        status,
        &OperationPage {
            layout,
            can_run: operation::may_run(&user.actor, &p),
            can_find: operation::may_record_findings(&user.actor, &p),
            can_request: operation::may_request_data(&user.actor, &p),
            p,
            ops,
            obligations,
            error,
            v,
            today: today().to_string(),
            zero: 0,
        },
    ))
}

/// `GET /projects/{id}/operation`
pub async fn page(
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
        .and_then(|a| action_label(a))
        .map(|l| format!("已完成：{l}，并记入项目历史"));
    page_or_error(
        &st,
        &user,
        render_page(&st, &user, ProjectId(id), None, flash).await,
    )
    .await
}

/// `POST /projects/{id}/operation/{action}`
pub async fn submit(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((id, action)): Path<(i64, String)>,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(f);
    let r = async {
        user.check_csrf(fields.get("_csrf"))?;
        act(&st, &user.actor, ProjectId(id), &action, &fields).await
    }
    .await;
    let out = match r {
        Ok(_) => {
            return Redirect::to(&format!(
                "/projects/{id}/operation?done={}",
                url_encode(&action)
            ))
            .into_response()
        }
        Err(
            e @ (AppError::Unprocessable { .. } | AppError::Conflict(_) | AppError::Forbidden(_)),
        ) => render_page(&st, &user, ProjectId(id), Some((action, e, fields)), None).await,
        Err(e) => Err(e),
    };
    page_or_error(&st, &user, out).await
}

pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/projects/{id}/operation", get(page))
        .route("/projects/{id}/operation/{action}", post(submit))
        .route("/api/v1/projects/{id}/operation", get(api_show))
        .route("/api/v1/projects/{id}/operation/{action}", post(api_act))
}

/// The OpenAPI paths of this module.
pub fn openapi_paths(doc: &mut Value) {
    use crate::openapi::err;
    let id =
        json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } });
    let action = json!({ "name": "action", "in": "path", "required": true, "schema": { "enum": operation::ACTIONS } });
    let fields = "字段（与网页表单同名；version 可选，乐观锁）：\
        add_system / edit_system（system 仅修改时）：name 系统名称、operating_body 运维单位、responsible_person 运维责任人、om_rules 运维管理制度、om_amount 年度运维经费（元）、internet_facing 部署于互联网、gov_cloud 使用政务云、level 等保级别 1–5、important 重要信息系统；\
        register_system：system、reference 登记编号、date；\
        request_cloud：system、kind（host/database/storage/security）、spec 规格、quantity；\
        change_cloud：system、resource、spec（可空：不变）、quantity 变更后数量；release_cloud：system、resource；\
        record_security：system、kind（filing 等保备案/assessment 等保测评/crypto 密评/risk_assessment 风险评估/report 安全评估报告/plan 信息安全方案/pentest 渗透测试报告）、reference、date 文件日期、findings_fixed（渗透测试已整改到位）、note；\
        go_live：system、date、override_reason（重要信息系统无密评时的理由）；\
        report_vuln：system、description、found、fix_deadline；fix_vuln / vuln_unfixable：system、vuln、date、note；\
        backup_system：system、date、note；stop_system：system、date、reason；\
        add_data_resource：system、name、unit 责任单位、format、share（unconditional/conditional/none）、open（unconditional/conditional/none）；\
        catalogue_finding（主管部门）：system、date、problems；catalogue_fixed：system、finding、date、note；\
        request_data（其他单位）：system、resource、purpose；answer_data_request：system、request、agree、reason（不予共享时必填）。";
    let paths = json!({
        "/api/v1/projects/{id}/operation": { "get": {
            "summary": "项目的信息系统（运行）：运维单位与经费、公共数据平台登记、云资源及当前合计、安全记录、安全隐患、备份与停用、数据资源目录、目录检查意见；go_live_missing 列出上线前尚缺的材料",
            "parameters": [id.clone()],
            "responses": { "200": { "description": "{project_id, project_version, stage, systems}" }, "404": err("不存在或无权查看") } } },
        "/api/v1/projects/{id}/operation/{action}": { "post": {
            "summary": "信息系统操作（建设单位；catalogue_finding 为主管部门）。未在公共数据平台登记不能申请云资源（绍兴 第二十九条）；上线前的安全材料（第三十六条）；无法修复的隐患关停系统、修复后方可重新上线（第三十七条）；未记录备份不能停用（第十八条）；目录不合规限3个月整改（上城 第九章）",
            "parameters": [id, action],
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "description": fields, "additionalProperties": true } } } },
            "responses": { "200": { "description": "{project_id, project_version, stage, systems}" },
                "403": err("非本项目建设单位（或非主管部门）"), "404": err("不存在或无权查看"), "409": err("阶段不允许或并发冲突"),
                "422": err("输入或规则不符（code=rule 时 message 含依据条款；code=override_required 须填写 override_reason）") } } }
    });
    if let (Some(p), Some(new)) = (doc["paths"].as_object_mut(), paths.as_object()) {
        for (k, v) in new {
            p.insert(k.clone(), v.clone());
        }
    }
}
