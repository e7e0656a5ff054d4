//! The OpenAPI 3.1 description of `/api/v1`, written by hand from the routes, and Swagger UI.
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use utoipa_swagger_ui::SwaggerUi;

pub(crate) fn err(desc: &str) -> Value {
    json!({ "description": desc, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
}

pub fn document() -> Value {
    let actions = crate::fields::ACTIONS.to_vec();
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "统筹 Tongchou API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "政务信息化项目全生命周期管理接口。认证：POST /api/v1/login 取得 token，或在“设置”中创建个人 API 令牌；请求头 Authorization: Bearer <token>。错误统一为 {code, message, fields?}：400 请求格式错误，401 未登录，403 无权操作，404 不存在或无权查看，409 阶段不允许或并发冲突，422 输入或规则不符（code=rule 时 message 含依据条款；code=override_required 表示“原则上”规则，需填写 override_reason）。"
        },
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
            "schemas": {
                "Error": { "type": "object", "required": ["code", "message"], "properties": {
                    "code": { "type": "string" }, "message": { "type": "string" },
                    "fields": { "type": "array", "items": { "type": "object", "properties": { "field": { "type": "string" }, "message": { "type": "string" } } } } } },
                "ProjectInput": { "type": "object", "required": ["name", "year", "build_kind", "category", "it_amount", "funding", "summary", "responsible_person"], "properties": {
                    "name": { "type": "string" }, "year": { "type": ["integer", "string"] },
                    "build_kind": { "enum": ["new", "extension", "upgrade", "maintenance"] },
                    "category": { "enum": ["application", "network", "data", "security", "outsourced", "maintenance_renewal"] },
                    "it_amount": { "type": "string", "description": "信息化部分投资，元，最多两位小数" },
                    "non_it_amount": { "type": "string" }, "security_amount": { "type": "string" },
                    "funding": { "enum": ["district_fiscal", "higher_transfer", "social_capital"] },
                    "summary": { "type": "string" }, "participants": { "type": "array", "items": { "type": "string" } },
                    "responsible_person": { "type": "string" },
                    "major_task": { "type": "string", "description": "重大任务（可选）：政策规则 major_tasks 的 code（浙江省数字政府系统建设方案 二（二）12个方面重大任务）；空为未标注" },
                    "gov_function": { "type": "string", "description": "政府职能（可选）：政策规则 gov_functions 的 code（五大职能）；空为未标注" } } },
                "Project": { "type": "object", "description": "项目，含 stage、stage_label、version、actions（当前用户可执行的操作）、procurement（采购方式、最高限价、采购文件日期）、contract（承建单位、合同金额、签订日期，supervision 为工程监理合同）、supervision_rule（政策规则的工程监理要求：mode=required/encouraged/off，applies/required 按本项目采购方式判断，cite 依据条款）", "properties": {
                    "contract": { "type": ["object", "null"], "properties": { "supplier": { "type": "string" }, "amount": { "type": "string" }, "signed_date": { "type": "string", "format": "date" }, "supervision": { "$ref": "#/components/schemas/SupervisionContract" } } },
                    "supervision_rule": { "type": "object", "properties": { "mode": { "enum": ["required", "encouraged", "off"] }, "label": { "type": "string" }, "applies": { "type": "boolean" }, "required": { "type": "boolean" }, "cite": { "type": "string" } } } } },
                "ReviewOverrideFields": { "title": "review_override", "type": "object", "required": ["override", "agree"], "description": "原则性规定的例外审批（政策规则 default_rules 指定的审批人）", "properties": { "override": { "type": "integer", "description": "例外编号（项目详情 overrides[].id）" }, "agree": { "type": "boolean", "description": "true 同意；false 提出异议（须填写 opinion）" }, "opinion": { "type": "string" } } },
                "SupervisionContract": { "type": ["object", "null"], "description": "工程监理合同（上城区：纳入政府采购的项目实行工程监理制，项目监理独立招标，监理费用纳入项目总投资预算；衢州：鼓励）", "properties": { "company": { "type": "string", "description": "监理单位（不能是承建单位）" }, "fee": { "type": "string", "description": "监理费用，元；合同金额与监理费用合计不超过立项金额" }, "signed_date": { "type": "string", "format": "date" } } },
                "MoneyActionFields": {
                    "description": "资金与实施操作的字段（按 action 取其一；金额为元，最多两位小数，以字符串提交）",
                    "oneOf": [
                        { "title": "add_payment_batch", "type": "object", "required": ["condition", "ratio"], "properties": { "condition": { "type": "string", "description": "支付条件" }, "ratio": { "type": "string", "description": "比例（%），最多两位小数" } } },
                        { "title": "prefile_payment", "type": "object", "required": ["batch", "amount", "planned_date"], "properties": { "batch": { "type": "integer" }, "amount": { "type": "string" }, "planned_date": { "type": "string", "format": "date" } } },
                        { "title": "record_payment", "type": "object", "required": ["payment", "paid_date", "amount"], "properties": { "payment": { "type": "integer", "description": "报备单序号" }, "paid_date": { "type": "string", "format": "date" }, "amount": { "type": "string" }, "voucher": { "type": "string" } } },
                        { "title": "submit_change", "type": "object", "required": ["content", "reason", "new_amount"], "properties": { "content": { "type": "string" }, "reason": { "type": "string" }, "new_amount": { "type": "string" }, "main_content": { "type": "boolean" }, "override_reason": { "type": "string", "description": "立项后、采购前变更的理由" } } },
                        { "title": "file_change", "type": "object", "required": ["change"], "properties": { "change": { "type": "integer" }, "opinion": { "type": "string" } } },
                        { "title": "review_change", "type": "object", "required": ["change", "pass", "opinion"], "properties": { "change": { "type": "integer" }, "pass": { "type": "boolean" }, "opinion": { "type": "string" } } },
                        { "title": "change_expert_review", "type": "object", "required": ["change", "pass", "experts", "date", "opinion"], "properties": { "change": { "type": "integer" }, "pass": { "type": "boolean" }, "experts": { "type": "array", "items": { "type": "string" } }, "date": { "type": "string", "format": "date" }, "opinion": { "type": "string" } } },
                        { "title": "apply_termination", "type": "object", "required": ["reason", "progress", "money", "committee", "leader"], "properties": { "reason": { "type": "string", "description": format!("撤销或终止的情形：现行政策规则 termination_reasons 中的 code（上城区：{}）", tongchou_domain::profile::Profile::shangcheng().termination_reasons.iter().map(|i| i.code.as_str()).collect::<Vec<_>>().join("、")) }, "progress": { "type": "string" }, "money": { "type": "string" }, "committee": { "type": "string" }, "leader": { "type": "string" } } },
                        { "title": "file_termination", "type": "object", "required": ["agree", "opinion"], "properties": { "agree": { "type": "boolean" }, "opinion": { "type": "string" } } },
                        { "title": "explain_overrun", "type": "object", "required": ["explanation"], "properties": { "explanation": { "type": "string" } } }
                    ] },
                "DeclarationActionFields": {
                    "description": "申报与审批事实的操作字段（按 action 取其一）。declare 在绍兴“未列入年度建设计划”时须另填 urgent_basis（明确依据）和 urgent_consent（市委、市政府同意的文号或纪要），提交后由市财政局 confirm_fund_source 明确资金来源再进入初审（绍兴 第十一条）；项目详情返回 project_code、classified、project_code_rule、om_stop 和 extra。",
                    "oneOf": [
                        { "title": "declare", "type": "object", "properties": { "override_reason": { "type": "string" }, "urgent_basis": { "type": "string", "description": "年中急需建设项目的明确依据（绍兴 第十一条）" }, "urgent_consent": { "type": "string", "description": "市委、市政府同意（文号或会议纪要）" } } },
                        { "title": "confirm_needs", "type": "object", "required": ["statement"], "description": "业务需求单位在并联审核中说明并确认需求（衢州 三(二)1；未确认不能作出并联审核结论）", "properties": { "statement": { "type": "string" } } },
                        { "title": "set_project_code", "type": "object", "description": "建设单位填报投资项目在线审批监管平台的项目代码（衢州 三(二)2，立项审定前必填；涉密项目除外）", "properties": { "project_code": { "type": "string", "pattern": "^[0-9]{4}-[0-9]{6}-[0-9]{2}-[0-9]{2}-[0-9]{6}$", "example": "2024-330802-65-01-123456" }, "classified": { "type": "boolean", "description": "涉密项目，无需项目代码" } } },
                        { "title": "confirm_fund_source", "type": "object", "required": ["source"], "description": "财政部门明确年中急需建设项目的资金来源（绍兴 第十一条）", "properties": { "source": { "type": "string" }, "opinion": { "type": "string" } } },
                        { "title": "lift_om_stop", "type": "object", "required": ["reason"], "description": "主管部门恢复拨付已停止的运维经费（绍兴 第三十四条）", "properties": { "reason": { "type": "string" } } }
                    ] },
                "ActionFields": { "type": "object", "description": "操作字段（与网页表单同名）。数组表示重复字段；布尔值为 yes/no。常用：version（乐观锁）、opinion、pass、check（检查项代码数组）、problems、score_<code>、member（专家用户编号数组）、meeting_date、place、score、suggested_amount、date、final_amount、approve、doc_date、fiscal_year、amount、method、ceiling、project_name、supplier、signed_date、period_months、maintenance_years、override_reason、supervisor、supervision_fee、supervision_signed_date（sign_contract 的工程监理合同：监理单位、监理费用、签订日期；政策规则要求监理的政府采购项目必填）、month、percent、summary、agree、note、reason。资金与实施：add_payment_batch（condition 支付条件、ratio 比例%）；prefile_payment（batch 分期序号、amount、planned_date）；record_payment（payment 报备单序号、paid_date、amount、voucher 可选）；submit_change（content、reason、new_amount、main_content 是否变更主要建设内容、override_reason 采购前变更的理由）；file_change（change、opinion）；review_change（change、pass、opinion）；change_expert_review（change、pass、experts 专家姓名数组、date、opinion）；apply_termination（reason 政策规则所列情形之一，上城区六种：force_majeure、content_changed、ineffective、overdue_or_loss、transfer、other；progress、money、committee 党委（党组）会议纪要、leader 分管区领导批示）；file_termination（agree、opinion）；explain_overrun（explanation）。原则性规定的例外：review_override（override 例外编号、agree 同意 yes／异议 no、opinion 意见，异议须填写理由；仅政策规则为该规则指定的审批人可操作，项目详情的 overrides 列出例外及其状态）。",
                    "additionalProperties": true }
            }
        },
        "security": [{ "bearer": [] }],
        "paths": {
            "/healthz": { "get": { "summary": "数据库可达时返回 200", "security": [], "responses": { "200": { "description": "ok" }, "503": { "description": "数据库不可达" } } } },
            "/api/v1/login": { "post": { "summary": "登录，取得会话 token", "security": [],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["username", "password"], "properties": { "username": { "type": "string" }, "password": { "type": "string" } } } } } },
                "responses": { "200": { "description": "{token, user}" }, "422": err("用户名或密码错误") } } },
            "/api/v1/logout": { "post": { "summary": "注销当前会话 token", "responses": { "204": { "description": "已注销" } } } },
            "/api/v1/me": { "get": { "summary": "当前用户", "responses": { "200": { "description": "用户、单位、辖区、角色" }, "401": err("未登录") } } },
            "/api/v1/projects": {
                "get": { "summary": "项目列表（按权限范围）", "parameters": [
                    { "name": "stage", "in": "query", "schema": { "type": "string" } }, { "name": "phase", "in": "query", "schema": { "enum": ["draft", "review", "build", "accept", "run", "ended"] } },
                    { "name": "year", "in": "query", "schema": { "type": "integer" } }, { "name": "unit", "in": "query", "schema": { "type": "integer" } },
                    { "name": "q", "in": "query", "schema": { "type": "string" } }, { "name": "page", "in": "query", "schema": { "type": "integer" } }, { "name": "per_page", "in": "query", "schema": { "type": "integer", "maximum": 500 } } ],
                    "responses": { "200": { "description": "{items, total, page, per_page}" } } },
                "post": { "summary": "建设单位创建项目草稿", "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ProjectInput" } } } },
                    "responses": { "201": { "description": "已创建", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Project" } } } }, "403": err("非建设单位"), "422": err("输入有误") } }
            },
            "/api/v1/projects/{id}": { "get": { "summary": "项目详情", "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }],
                "responses": { "200": { "description": "项目", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Project" } } } }, "404": err("不存在或无权查看") } } },
            "/api/v1/projects/{id}/money": { "get": { "summary": "资金与实施：立项金额（基线）、变更后金额、合同金额、已支付、支付进度与建设进度、支付分期、资金支付报备单、变更申请、撤销或终止（冻结的资金状况）、超期说明及本单位超期项目数", "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }], "responses": { "200": { "description": "{summary, batches, payments, changes, termination, overrun, unit_overruns}" }, "404": err("不存在或无权查看") } } },
            "/api/v1/overrides": { "get": { "summary": "原则性规定的例外（晾晒台同一范围）：项目、规则、理由、审批人、状态；competition_items 共享应用揭榜的例外（同一筛选 ov_state、ov_rule 与辖区范围）", "parameters": [
                    { "name": "ov_state", "in": "query", "schema": { "enum": ["pending", "signed_off", "objected"] } }, { "name": "ov_rule", "in": "query", "schema": { "enum": ["security_budget_min", "maintenance_min_years", "no_change_before_procurement"] } },
                    { "name": "phase", "in": "query", "schema": { "type": "string" } }, { "name": "year", "in": "query", "schema": { "type": "integer" } }, { "name": "unit", "in": "query", "schema": { "type": "integer" } } ],
                    "responses": { "200": { "description": "{items: [{project_id, project_name, unit_name, id, rule, rule_text, reason, approver, approver_label, state, state_label, requested_by_name, requested_at, decided_by_name, decided_at, decision_reason}]}" }, "422": err("筛选条件有误") } } },
            "/api/v1/projects/{id}/similar": { "get": { "summary": "重复建设比对：与本项目最相似的近五年应用、应用市场上架应用、一本账、项目库条目和项目（相似度 0–100，共同关键词，疑似重复标记）", "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }], "responses": { "200": { "description": "{items:[{kind(project|application|listing|ledger|library),kind_label,href,id,code,name,unit_name,year,stage_label,score,matched,likely_duplicate}], likely_threshold, cite}" }, "404": err("不存在或无权查看") } } },
            "/api/v1/similar": { "get": { "summary": "重复建设比对：为尚未保存的名称与建设内容查找相似的应用、一本账、项目库条目和项目", "parameters": [{ "name": "name", "in": "query", "schema": { "type": "string" } }, { "name": "summary", "in": "query", "schema": { "type": "string" } }], "responses": { "200": { "description": "同上" }, "422": err("未填写名称或内容，或过长") } } },
            "/api/v1/projects/{id}/history": { "get": { "summary": "项目时间线（哈希链）", "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }], "responses": { "200": { "description": "历史记录" }, "404": err("不存在或无权查看") } } },
            "/api/v1/projects/{id}/actions/{action}": { "post": { "summary": "执行生命周期操作",
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }, { "name": "action", "in": "path", "required": true, "schema": { "enum": actions } }],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "anyOf": [{ "$ref": "#/components/schemas/ActionFields" }, { "$ref": "#/components/schemas/MoneyActionFields" }, { "$ref": "#/components/schemas/DeclarationActionFields" }, { "$ref": "#/components/schemas/EvaluationActionFields" }, { "$ref": "#/components/schemas/ReviewOverrideFields" }] } } } },
                "responses": { "200": { "description": "操作后的项目" }, "403": err("角色或单位无权"), "404": err("不存在或无权查看"), "409": err("当前阶段不允许或并发冲突"), "422": err("输入或规则不符") } } },
            "/api/v1/projects/{id}/attachments": { "post": { "summary": "上传附件（multipart：kind、doc_date、file）",
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }],
                "requestBody": { "content": { "multipart/form-data": { "schema": { "type": "object", "properties": { "kind": { "type": "string" }, "doc_date": { "type": "string", "format": "date" }, "file": { "type": "string", "format": "binary" } } } } } },
                "responses": { "201": { "description": "已上传" }, "413": err("文件过大"), "422": err("类型不符") } } },
            "/api/v1/projects/{id}/attachments/{aid}": { "get": { "summary": "下载附件", "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }, { "name": "aid", "in": "path", "required": true, "schema": { "type": "integer" } }], "responses": { "200": { "description": "文件" }, "404": err("不存在或无权查看") } } },
            "/api/v1/experts": { "get": { "summary": "专家库（主管部门与建设单位组建专家组用）", "responses": { "200": { "description": "专家列表" } } } },
            "/api/v1/tokens": { "post": { "summary": "创建个人 API 令牌", "requestBody": { "content": { "application/json": { "schema": { "type": "object", "properties": { "name": { "type": "string" } } } } } }, "responses": { "201": { "description": "{token}（只显示一次）" } } } },
            "/api/v1/me/email": { "post": { "summary": "设置本人接收通知和每日待办摘要的电子邮箱（空字符串清除）",
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["email"], "properties": { "email": { "type": "string" } } } } } },
                "responses": { "200": { "description": "{email}" }, "422": err("邮箱格式不正确（fields 指明 email）") } } },
            "/api/v1/users/{username}/email": { "post": { "summary": "系统管理员设置本区域账号的电子邮箱",
                "parameters": [{ "name": "username", "in": "path", "required": true, "schema": { "type": "string" } }],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["email"], "properties": { "email": { "type": "string" } } } } } },
                "responses": { "200": { "description": "{username, email}" }, "403": err("非本人且非本区域管理员"), "422": err("邮箱格式不正确或账号不存在") } } },
            "/api/v1/outbox": { "get": { "summary": "通知投递记录（系统管理员，本区域）：邮件和 Webhook 的状态、尝试次数、最近错误",
                "parameters": [{ "name": "state", "in": "query", "schema": { "enum": ["pending", "sending", "sent", "failed"] } }],
                "responses": { "200": { "description": "{counts: {状态: 数量}, items: [投递]}" }, "403": err("仅系统管理员") } } },
            "/api/v1/outbox/{id}/retry": { "post": { "summary": "重试发送失败的投递（系统管理员）",
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }],
                "responses": { "200": { "description": "{id, state: pending}" }, "403": err("仅系统管理员"), "404": err("不存在或不在本区域"), "409": err("该投递不是发送失败状态") } } }
        }
    });
    crate::export::openapi_paths(&mut doc);
    crate::demand::openapi_paths(&mut doc);
    crate::market::openapi_paths(&mut doc);
    crate::operation::openapi_paths(&mut doc);
    crate::evaluation::openapi_paths(&mut doc);
    crate::census::openapi_paths(&mut doc);
    crate::rounds::openapi_paths(&mut doc);
    crate::unapproved::openapi_paths(&mut doc);
    crate::sharing::openapi_paths(&mut doc);
    crate::tasks::openapi_paths(&mut doc);
    crate::showcase::openapi_paths(&mut doc);
    crate::board::openapi_paths(&mut doc);
    doc
}

async fn openapi_json() -> Json<Value> {
    Json(document())
}

pub fn routes() -> Router<crate::AppState> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi_json))
        .merge(
            SwaggerUi::new("/api/docs")
                .external_url_unchecked("/api/v1/openapi-ui.json", document()),
        )
}
