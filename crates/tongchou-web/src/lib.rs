//! HTTP for Tongchou: server-rendered pages (zh-CN, no JavaScript needed) and the JSON API under
//! `/api/v1`. Handlers parse input, call a service function, and render; rules live in the domain.

pub mod api;
pub mod auth;
pub mod board;
pub mod calendar;
pub mod error;
pub mod fields;
mod openapi;
pub mod pages;
pub mod service;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use std::path::PathBuf;
use std::sync::Arc;
use tongchou_domain::profile::Profile;
use tongchou_store::Db;

/// Shared state of every request.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub profile: Arc<Profile>,
    pub data_dir: PathBuf,
    /// Largest accepted upload in bytes (default 50 MB).
    pub max_upload: u64,
    /// Mark cookies Secure (behind HTTPS).
    pub secure_cookies: bool,
}

impl AppState {
    pub fn new(db: Db, data_dir: PathBuf) -> AppState {
        AppState {
            db,
            profile: Arc::new(Profile::shangcheng()),
            data_dir,
            max_upload: 50 * 1024 * 1024,
            secure_cookies: false,
        }
    }
    /// Where a blob with this content hash lives.
    pub fn blob_path(&self, sha256: &str) -> PathBuf {
        let (a, b) = sha256.split_at(2.min(sha256.len()));
        self.data_dir.join("files").join(a).join(b)
    }
}

pub fn router(state: AppState) -> Router {
    let upload_limit = DefaultBodyLimit::max(state.max_upload as usize + 1024 * 1024);
    Router::new()
        .route("/healthz", get(api::healthz))
        .route("/static/app.css", get(pages::css))
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/logout", post(pages::logout))
        .route("/", get(pages::todo))
        .route("/projects", get(pages::list).post(pages::create))
        .route("/projects.csv", get(pages::export_csv))
        .route("/projects/new", get(pages::new_form))
        .route("/projects/{id}", get(pages::show))
        .route(
            "/projects/{id}/edit",
            get(pages::edit_form).post(pages::edit),
        )
        .route("/projects/{id}/act/{action}", post(pages::act))
        .route(
            "/projects/{id}/attachments",
            post(pages::upload).layer(upload_limit.clone()),
        )
        .route("/projects/{id}/attachments/{aid}", get(pages::download))
        .route("/projects/{id}/approval", get(pages::approval_doc))
        .route("/settings", get(pages::settings))
        .route("/calendar", get(calendar::page))
        .route("/board", get(board::page))
        .route("/inbox", get(pages::inbox))
        .route("/profile", get(pages::profile_page))
        .route("/sweep", post(pages::sweep_now))
        .route("/board.xlsx", get(board::export))
        .route(
            "/settings/calendar",
            get(calendar::admin).post(calendar::import),
        )
        .route(
            "/api/v1/calendar/add-working-days",
            get(calendar::api_add_working_days),
        )
        .route("/api/v1/calendar/days/{date}", get(calendar::api_day))
        .route("/settings/tokens", post(pages::create_token))
        .route("/settings/tokens/{tid}/revoke", post(pages::revoke_token))
        .route("/api/v1/login", post(api::login))
        .route("/api/v1/logout", post(api::logout))
        .route("/api/v1/me", get(api::me))
        .route("/api/v1/projects", get(api::list).post(api::create))
        .route("/api/v1/projects/{id}", get(api::show))
        .route("/api/v1/projects/{id}/history", get(api::history))
        .route("/api/v1/projects/{id}/obligations", get(api::obligations))
        .route("/api/v1/projects/{id}/actions/{action}", post(api::act))
        .route(
            "/api/v1/projects/{id}/attachments",
            post(api::upload).layer(upload_limit),
        )
        .route(
            "/api/v1/projects/{id}/attachments/{aid}",
            get(api::download),
        )
        .route("/api/v1/experts", get(api::experts))
        .route("/api/v1/tokens", post(api::create_token))
        .merge(openapi::routes())
        .fallback(pages::not_found)
        .with_state(state)
}
