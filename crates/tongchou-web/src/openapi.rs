//! The OpenAPI 3.1 description of `/api/v1`, written by hand from the routes, and Swagger UI.
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use utoipa_swagger_ui::SwaggerUi;

pub(crate) fn err(desc: &str) -> Value {
    json!({ "description": desc, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
}

pub fn document() -> Value {
    let actions = crate::fields::ACTIONS;
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
                    "responsible_person": { "type": "string" } } },
                "Project": { "type": "object", "description": "项目，含 stage、stage_label、version、actions（当前用户可执行的操作）" },
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
                        { "title": "apply_termination", "type": "object", "required": ["reason", "progress", "money", "committee", "leader"], "properties": { "reason": { "enum": tongchou_domain::funds::TERMINATION_REASONS.iter().map(|(c, _)| *c).collect::<Vec<_>>() }, "progress": { "type": "string" }, "money": { "type": "string" }, "committee": { "type": "string" }, "leader": { "type": "string" } } },
                        { "title": "file_termination", "type": "object", "required": ["agree", "opinion"], "properties": { "agree": { "type": "boolean" }, "opinion": { "type": "string" } } },
                        { "title": "explain_overrun", "type": "object", "required": ["explanation"], "properties": { "explanation": { "type": "string" } } }
                    ] },
                "ActionFields": { "type": "object", "description": "操作字段（与网页表单同名）。数组表示重复字段；布尔值为 yes/no。常用：version（乐观锁）、opinion、pass、check（检查项代码数组）、problems、score_<code>、member（专家用户编号数组）、meeting_date、place、score、suggested_amount、date、final_amount、approve、doc_date、fiscal_year、amount、method、ceiling、project_name、supplier、signed_date、period_months、maintenance_years、override_reason、month、percent、summary、agree、note、reason。资金与实施：add_payment_batch（condition 支付条件、ratio 比例%）；prefile_payment（batch 分期序号、amount、planned_date）；record_payment（payment 报备单序号、paid_date、amount、voucher 可选）；submit_change（content、reason、new_amount、main_content 是否变更主要建设内容、override_reason 采购前变更的理由）；file_change（change、opinion）；review_change（change、pass、opinion）；change_expert_review（change、pass、experts 专家姓名数组、date、opinion）；apply_termination（reason 六种情形之一：force_majeure、content_changed、ineffective、overdue_or_loss、transfer、other；progress、money、committee 党委（党组）会议纪要、leader 分管区领导批示）；file_termination（agree、opinion）；explain_overrun（explanation）。",
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
            "/api/v1/projects/{id}/history": { "get": { "summary": "项目时间线（哈希链）", "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }], "responses": { "200": { "description": "历史记录" }, "404": err("不存在或无权查看") } } },
            "/api/v1/projects/{id}/actions/{action}": { "post": { "summary": "执行生命周期操作",
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }, { "name": "action", "in": "path", "required": true, "schema": { "enum": actions } }],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "anyOf": [{ "$ref": "#/components/schemas/ActionFields" }, { "$ref": "#/components/schemas/MoneyActionFields" }] } } } },
                "responses": { "200": { "description": "操作后的项目" }, "403": err("角色或单位无权"), "404": err("不存在或无权查看"), "409": err("当前阶段不允许或并发冲突"), "422": err("输入或规则不符") } } },
            "/api/v1/projects/{id}/attachments": { "post": { "summary": "上传附件（multipart：kind、doc_date、file）",
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }],
                "requestBody": { "content": { "multipart/form-data": { "schema": { "type": "object", "properties": { "kind": { "type": "string" }, "doc_date": { "type": "string", "format": "date" }, "file": { "type": "string", "format": "binary" } } } } } },
                "responses": { "201": { "description": "已上传" }, "413": err("文件过大"), "422": err("类型不符") } } },
            "/api/v1/projects/{id}/attachments/{aid}": { "get": { "summary": "下载附件", "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }, { "name": "aid", "in": "path", "required": true, "schema": { "type": "integer" } }], "responses": { "200": { "description": "文件" }, "404": err("不存在或无权查看") } } },
            "/api/v1/experts": { "get": { "summary": "专家库（主管部门与建设单位组建专家组用）", "responses": { "200": { "description": "专家列表" } } } },
            "/api/v1/tokens": { "post": { "summary": "创建个人 API 令牌", "requestBody": { "content": { "application/json": { "schema": { "type": "object", "properties": { "name": { "type": "string" } } } } } }, "responses": { "201": { "description": "{token}（只显示一次）" } } } }
        }
    });
    crate::export::openapi_paths(&mut doc);
    crate::operation::openapi_paths(&mut doc);
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
