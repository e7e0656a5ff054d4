//! HTTP for Tongchou: server-rendered pages (zh-CN, no JavaScript needed) and the JSON API under
//! `/api/v1`. Handlers parse input, call a service function, and render; rules live in the domain.

pub mod api;
pub mod auth;
pub mod board;
pub mod calendar;
pub mod cloud;
pub mod cost;
pub mod demand;
pub mod error;
pub mod export;
pub mod fields;
pub mod market;
pub mod money;
pub mod notify;
pub mod notify_http;
pub mod ocds;
mod openapi;
pub mod operation;
pub mod pages;
pub mod service;
pub mod smtp;

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
    /// The policy profile in force (newest saved version), shared by every request.
    pub profiles: Arc<ProfileCell>,
    pub data_dir: PathBuf,
    /// Largest accepted upload in bytes (default 50 MB).
    pub max_upload: u64,
    /// Mark cookies Secure (behind HTTPS).
    pub secure_cookies: bool,
    /// OCDS ocid prefix (`TONGCHOU_OCID_PREFIX`).
    pub ocid_prefix: String,
    /// Where notifications go besides the inbox (e-mail, webhook); off by default.
    pub notify: Arc<notify::NotifyConfig>,
}

impl AppState {
    pub fn new(db: Db, data_dir: PathBuf) -> AppState {
        AppState {
            db,
            profiles: Arc::new(ProfileCell::new(Profile::shangcheng(), 0)),
            data_dir,
            max_upload: 50 * 1024 * 1024,
            secure_cookies: false,
            ocid_prefix: tongchou_domain::ocds::DEFAULT_OCID_PREFIX.into(),
            notify: Arc::new(notify::NotifyConfig::default()),
        }
    }
    /// The profile in force now.
    pub fn profile(&self) -> Arc<Profile> {
        self.profiles.get().1
    }

    /// `code@vN`: what a decision records as the rules it was made under.
    pub fn profile_tag(&self) -> String {
        let (v, p) = self.profiles.get();
        format!("{}@v{v}", p.code)
    }

    /// Load the newest saved profile (saving the shipped one as version 1 on first start).
    pub async fn load_profile(&self) -> Result<(), String> {
        let code = self.profile().code.clone();
        match self
            .db
            .latest_profile(&code)
            .await
            .map_err(|e| e.to_string())?
        {
            Some((v, body)) => {
                let p = Profile::from_toml(&body).map_err(|e| {
                    format!("stored profile {code} v{v} is invalid: {}", e.join("; "))
                })?;
                self.profiles.set(v, p);
            }
            None => {
                let shipped = Profile::shangcheng();
                let system = tongchou_domain::Actor {
                    user_id: tongchou_domain::UserId(0),
                    name: "统筹平台（系统）".into(),
                    unit_id: tongchou_domain::UnitId(0),
                    unit_name: "统筹平台".into(),
                    jurisdiction_id: tongchou_domain::JurisdictionId(0),
                    jurisdiction_path: "/".into(),
                    roles: vec![],
                };
                let v = self
                    .db
                    .save_profile(&system, &code, &shipped.to_toml(), "随系统发布的初始版本")
                    .await
                    .map_err(|e| e.to_string())?;
                self.profiles.set(v, shipped);
            }
        }
        Ok(())
    }

    /// Pick up a version saved by another process (cheap: one indexed query).
    pub async fn refresh_profile(&self) -> Result<(), String> {
        let code = self.profile().code.clone();
        let latest = self
            .db
            .latest_profile_version(&code)
            .await
            .map_err(|e| e.to_string())?;
        if latest != self.profiles.get().0 {
            self.load_profile().await?;
        }
        Ok(())
    }

    /// Where a blob with this content hash lives.
    pub fn blob_path(&self, sha256: &str) -> PathBuf {
        let (a, b) = sha256.split_at(2.min(sha256.len()));
        self.data_dir.join("files").join(a).join(b)
    }
}

/// The profile in force and its version; replaced whole when a new version is saved.
pub struct ProfileCell(std::sync::RwLock<(i64, Arc<Profile>)>);

impl ProfileCell {
    pub fn new(p: Profile, version: i64) -> ProfileCell {
        ProfileCell(std::sync::RwLock::new((version, Arc::new(p))))
    }
    pub fn get(&self) -> (i64, Arc<Profile>) {
        match self.0.read() {
            Ok(g) => (g.0, g.1.clone()),
            Err(poisoned) => {
                let g = poisoned.into_inner();
                (g.0, g.1.clone())
            }
        }
    }
    pub fn set(&self, version: i64, p: Profile) {
        let mut g = match self.0.write() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        *g = (version, Arc::new(p));
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
        .route(
            "/settings/profile",
            get(pages::profile_admin).post(pages::profile_save),
        )
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
        .route("/settings/email", post(notify_http::page_set_email))
        .route("/settings/outbox", get(notify_http::page_outbox))
        .route(
            "/settings/outbox/email",
            post(notify_http::page_set_user_email),
        )
        .route("/settings/outbox/{id}/retry", post(notify_http::page_retry))
        .route("/api/v1/me/email", post(notify_http::api_set_email))
        .route(
            "/api/v1/users/{username}/email",
            post(notify_http::api_set_user_email),
        )
        .route("/api/v1/outbox", get(notify_http::api_outbox))
        .route("/api/v1/outbox/{id}/retry", post(notify_http::api_retry))
        .route("/settings/tokens", post(pages::create_token))
        .route("/settings/tokens/{tid}/revoke", post(pages::revoke_token))
        .route("/api/v1/login", post(api::login))
        .route("/api/v1/logout", post(api::logout))
        .route("/api/v1/me", get(api::me))
        .route("/api/v1/projects", get(api::list).post(api::create))
        .route("/api/v1/projects/{id}", get(api::show))
        .route("/api/v1/projects/{id}/history", get(api::history))
        .route("/api/v1/projects/{id}/similar", get(api::similar))
        .route("/api/v1/similar", get(api::similar_text))
        .route("/api/v1/projects/{id}/obligations", get(api::obligations))
        .route("/api/v1/projects/{id}/actions/{action}", post(api::act))
        .route("/api/v1/projects/{id}/money", get(money::api_money))
        .route("/api/v1/overrides", get(board::api_overrides))
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
        .merge(export::routes(upload_limit))
        .merge(demand::routes())
        .merge(market::routes())
        .merge(operation::routes())
        .merge(openapi::routes())
        .fallback(pages::not_found)
        .with_state(state)
}
