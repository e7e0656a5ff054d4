//! One error type for every handler: a clear `{code, message}` with the right status for the API,
//! a readable Chinese page for the browser. A 500 shows nothing internal and logs the detail.
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tongchou_domain::lifecycle::Refusal;
use tongchou_domain::project::FieldError;
use tongchou_store::StoreError;

#[derive(Debug)]
pub enum AppError {
    /// 400: the request itself is malformed.
    BadRequest(String),
    /// 401: not logged in.
    Unauthorized,
    /// 403
    Forbidden(String),
    /// 404 (also for what the actor may not see)
    NotFound,
    /// 409: wrong stage, or a concurrent change
    Conflict(String),
    /// 422: input or a rule of the regulation; `field` names the input when there is one.
    Unprocessable {
        code: &'static str,
        message: String,
        fields: Vec<FieldError>,
    },
    /// 413
    TooLarge(String),
    /// 500, detail logged only.
    Internal(String),
}

#[derive(Serialize)]
pub struct ErrorBody {
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn body(&self) -> ErrorBody {
        let (code, message, fields) = match self {
            AppError::BadRequest(m) => ("bad_request", m.clone(), vec![]),
            AppError::Unauthorized => ("unauthorized", "请先登录".to_string(), vec![]),
            AppError::Forbidden(m) => ("forbidden", m.clone(), vec![]),
            AppError::NotFound => ("not_found", "项目不存在或无权查看".to_string(), vec![]),
            AppError::Conflict(m) => ("conflict", m.clone(), vec![]),
            AppError::Unprocessable {
                code,
                message,
                fields,
            } => (*code, message.clone(), fields.clone()),
            AppError::TooLarge(m) => ("too_large", m.clone(), vec![]),
            AppError::Internal(_) => (
                "internal",
                "服务器内部错误，请稍后重试；如持续出现请联系管理员".to_string(),
                vec![],
            ),
        };
        ErrorBody {
            code,
            message,
            fields,
        }
    }

    pub fn invalid(fields: Vec<FieldError>) -> AppError {
        let message = fields
            .iter()
            .map(|f| f.message.clone())
            .collect::<Vec<_>>()
            .join("；");
        AppError::Unprocessable {
            code: "invalid",
            message,
            fields,
        }
    }

    pub fn field(field: &str, message: impl Into<String>) -> AppError {
        AppError::invalid(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    /// The field the error is about, if any (for showing it beside the input).
    pub fn field_name(&self) -> Option<&str> {
        match self {
            AppError::Unprocessable { fields, .. } => fields.first().map(|f| f.field.as_str()),
            _ => None,
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict(m) => {
                tracing::info!(detail = %m, "conflict");
                AppError::Conflict(if m.is_ascii() {
                    "数据已被他人修改或已存在，请刷新后重试".into()
                } else {
                    m
                })
            }
            StoreError::Other(m) => AppError::Internal(m),
        }
    }
}

impl From<Refusal> for AppError {
    fn from(r: Refusal) -> Self {
        let message = r.to_string();
        match r {
            Refusal::NotVisible => AppError::NotFound,
            Refusal::Forbidden(m) => AppError::Forbidden(m),
            Refusal::WrongStage { .. } => AppError::Conflict(message),
            Refusal::Rule { .. } => AppError::Unprocessable {
                code: "rule",
                message,
                fields: vec![],
            },
            Refusal::NeedsOverride { .. } => AppError::Unprocessable {
                code: "override_required",
                message,
                fields: vec![FieldError {
                    field: "override_reason".into(),
                    message: "请填写理由".into(),
                }],
            },
            Refusal::Invalid { field, message: m } => AppError::Unprocessable {
                code: "invalid",
                message,
                fields: vec![FieldError { field, message: m }],
            },
            Refusal::InvalidFields { fields } => AppError::Unprocessable {
                code: "invalid",
                message,
                fields,
            },
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        (self.status(), axum::Json(self.body())).into_response()
    }
}
