//! HTTP for Tongchou: server-rendered pages (zh-CN, no JavaScript needed) and the JSON API under
//! `/api/v1`. Handlers parse input, call a service function, and render; rules live in the domain.

pub mod api;
pub mod auth;
pub mod board;
pub mod calendar;
pub mod census;
pub mod cloud;
pub mod cost;
pub mod demand;
pub mod error;
pub mod evaluation;
pub mod export;
pub mod fields;
pub mod market;
pub mod money;
pub mod notify;
pub mod notify_http;
pub mod ocds;
mod openapi;
pub mod opendata;
pub mod operation;
pub mod pages;
pub mod profiles;
pub mod rounds;
pub mod service;
pub mod sharing;
pub mod showcase;
pub mod smtp;
pub mod tables;
pub mod tasks;
pub mod unapproved;

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
    /// The reference profile (Shangcheng, SPEC §2), for what concerns no jurisdiction.
    pub fn profile(&self) -> Arc<Profile> {
        self.profiles.get().1
    }

    /// `code@vN` of the reference profile.
    pub fn profile_tag(&self) -> String {
        let (v, p) = self.profiles.get();
        format!("{}@v{v}", p.code)
    }

    /// The profile in force for a jurisdiction (by its path): its own choice or the nearest
    /// parent's (SPEC §3), else the reference profile; with its version and where it is chosen.
    pub fn profile_in_force(
        &self,
        jurisdiction_path: &str,
    ) -> (
        i64,
        Arc<Profile>,
        Option<tongchou_domain::profile::Assignment>,
    ) {
        self.profiles.in_force(jurisdiction_path)
    }

    /// The profile in force for a jurisdiction (by path).
    pub fn profile_for(&self, jurisdiction_path: &str) -> Arc<Profile> {
        self.profiles.in_force(jurisdiction_path).1
    }

    /// `code@vN` of the profile in force for a jurisdiction: what a decision records.
    pub fn profile_tag_for(&self, jurisdiction_path: &str) -> String {
        let (v, p, _) = self.profiles.in_force(jurisdiction_path);
        format!("{}@v{v}", p.code)
    }

    /// The profile in force for a jurisdiction and its `code@vN`, read together.
    pub fn profile_and_tag(&self, jurisdiction_path: &str) -> (Arc<Profile>, String) {
        let (v, p, _) = self.profiles.in_force(jurisdiction_path);
        let tag = format!("{}@v{v}", p.code);
        (p, tag)
    }

    fn system_actor() -> tongchou_domain::Actor {
        tongchou_domain::Actor {
            user_id: tongchou_domain::UserId(0),
            name: "统筹平台（系统）".into(),
            unit_id: tongchou_domain::UnitId(0),
            unit_name: "统筹平台".into(),
            jurisdiction_id: tongchou_domain::JurisdictionId(0),
            jurisdiction_path: "/".into(),
            roles: vec![],
        }
    }

    /// Load the newest saved version of every profile (saving each shipped one as version 1 on
    /// first start) and the jurisdictions' choices.
    pub async fn load_profile(&self) -> Result<(), String> {
        let heads = self.db.profile_heads().await.map_err(|e| e.to_string())?;
        let mut codes: Vec<String> = Profile::shipped().into_iter().map(|p| p.code).collect();
        for (c, _) in &heads {
            if !codes.contains(c) {
                codes.push(c.clone());
            }
        }
        for code in codes {
            self.upgrade_shipped(&code).await?;
            self.load_one(&code).await?;
        }
        self.load_assignments().await
    }

    /// On start: a shipped profile whose newest stored version is a shipped text no
    /// administrator has edited (saved by the system) gets this release's shipped text as a new
    /// version noted "系统升级", so new rules reach an existing deployment; a profile an
    /// administrator has edited is never touched (their version stays in force). Decisions
    /// already made keep the `code@vN` they recorded. Only at start, not on refresh: a process
    /// of an older release picks the newer version up instead of writing its own back.
    async fn upgrade_shipped(&self, code: &str) -> Result<(), String> {
        let Some(shipped) = Profile::shipped().into_iter().find(|p| p.code == code) else {
            return Ok(());
        };
        let Some((v, body, by)) = self
            .db
            .latest_profile_with_author(code)
            .await
            .map_err(|e| e.to_string())?
        else {
            return Ok(()); // first start: load_one saves version 1
        };
        if by != Self::system_actor().user_id.0 {
            return Ok(());
        }
        let stored = match Profile::from_toml(&body) {
            Ok(p) => p.to_toml(),
            Err(_) => String::new(),
        };
        let text = shipped.to_toml();
        if stored == text {
            return Ok(());
        }
        match self
            .db
            .save_profile(
                &Self::system_actor(),
                code,
                &text,
                &format!("系统升级：随新版本发布的规则（取代未经管理员修改的 v{v}）"),
            )
            .await
        {
            Ok(new) => {
                tracing::info!(code, from = v, to = new, "shipped profile upgraded");
                Ok(())
            }
            // Another process upgraded it at the same moment: theirs is the same text.
            Err(tongchou_store::StoreError::Conflict(_)) => Ok(()),
            Err(e) => Err(e.to_string()),
        }
    }

    async fn load_one(&self, code: &str) -> Result<(), String> {
        match self
            .db
            .latest_profile(code)
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
                let Some(shipped) = Profile::shipped().into_iter().find(|p| p.code == code) else {
                    return Ok(());
                };
                let v = match self
                    .db
                    .save_profile(
                        &Self::system_actor(),
                        code,
                        &shipped.to_toml(),
                        "随系统发布的初始版本",
                    )
                    .await
                {
                    Ok(v) => v,
                    // Another process saved it first: read theirs.
                    Err(tongchou_store::StoreError::Conflict(_)) => {
                        return Box::pin(self.load_one(code)).await
                    }
                    Err(e) => return Err(e.to_string()),
                };
                self.profiles.set(v, shipped);
            }
        }
        Ok(())
    }

    /// Re-read the jurisdictions' choices of profile.
    pub async fn load_assignments(&self) -> Result<(), String> {
        let a = self
            .db
            .profile_assignments()
            .await
            .map_err(|e| e.to_string())?;
        self.profiles.set_assignments(a);
        Ok(())
    }

    /// Pick up versions and choices saved by another process (cheap: two small queries).
    pub async fn refresh_profile(&self) -> Result<(), String> {
        let heads = self.db.profile_heads().await.map_err(|e| e.to_string())?;
        for (code, v) in heads {
            if self.profiles.version_of(&code) != Some(v) {
                self.load_one(&code).await?;
            }
        }
        self.load_assignments().await
    }

    /// Where a blob with this content hash lives.
    pub fn blob_path(&self, sha256: &str) -> PathBuf {
        let (a, b) = sha256.split_at(2.min(sha256.len()));
        self.data_dir.join("files").join(a).join(b)
    }
}

/// The profiles in force (newest version of each, by code) and the jurisdictions' choices;
/// each replaced whole when a new version or choice is saved.
pub struct ProfileCell(std::sync::RwLock<ProfileSet>);

struct ProfileSet {
    by_code: std::collections::HashMap<String, (i64, Arc<Profile>)>,
    assignments: Arc<Vec<tongchou_domain::profile::Assignment>>,
    /// The profile as placed at each choosing jurisdiction (`handled_at` set), by (path, code,
    /// version); rebuilt lazily.
    placed: std::collections::HashMap<(String, String, i64), Arc<Profile>>,
}

impl ProfileCell {
    /// A cell holding `p` (the reference profile until the stored ones are loaded).
    pub fn new(p: Profile, version: i64) -> ProfileCell {
        let mut by_code = std::collections::HashMap::new();
        by_code.insert(p.code.clone(), (version, Arc::new(p)));
        ProfileCell(std::sync::RwLock::new(ProfileSet {
            by_code,
            assignments: Arc::new(vec![]),
            placed: std::collections::HashMap::new(),
        }))
    }
    fn read(&self) -> std::sync::RwLockReadGuard<'_, ProfileSet> {
        match self.0.read() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
    fn write(&self) -> std::sync::RwLockWriteGuard<'_, ProfileSet> {
        match self.0.write() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
    /// The reference profile and its version.
    pub fn get(&self) -> (i64, Arc<Profile>) {
        self.get_code(tongchou_domain::profile::REFERENCE_PROFILE)
            .unwrap_or_else(|| (0, Arc::new(Profile::shangcheng())))
    }
    /// A profile by code, with its version.
    pub fn get_code(&self, code: &str) -> Option<(i64, Arc<Profile>)> {
        self.read().by_code.get(code).cloned()
    }
    pub fn version_of(&self, code: &str) -> Option<i64> {
        self.read().by_code.get(code).map(|(v, _)| *v)
    }
    /// The codes loaded, sorted.
    pub fn codes(&self) -> Vec<String> {
        let mut c: Vec<String> = self.read().by_code.keys().cloned().collect();
        c.sort();
        c
    }
    pub fn set(&self, version: i64, p: Profile) {
        self.write()
            .by_code
            .insert(p.code.clone(), (version, Arc::new(p)));
    }
    pub fn set_assignments(&self, a: Vec<tongchou_domain::profile::Assignment>) {
        self.write().assignments = Arc::new(a);
    }
    pub fn assignments(&self) -> Arc<Vec<tongchou_domain::profile::Assignment>> {
        self.read().assignments.clone()
    }
    /// The profile in force at a jurisdiction path (see [`AppState::profile_in_force`]).
    pub fn in_force(
        &self,
        path: &str,
    ) -> (
        i64,
        Arc<Profile>,
        Option<tongchou_domain::profile::Assignment>,
    ) {
        let g = self.read();
        let chosen = tongchou_domain::profile::in_force(path, &g.assignments).cloned();
        if let Some(a) = chosen {
            if let Some((v, p)) = g.by_code.get(&a.profile_code).cloned() {
                let key = (a.jurisdiction_path.clone(), a.profile_code.clone(), v);
                if let Some(placed) = g.placed.get(&key) {
                    return (v, placed.clone(), Some(a));
                }
                drop(g);
                let mut placed = (*p).clone();
                placed.handled_at = a.jurisdiction_path.clone();
                let placed = Arc::new(placed);
                self.write().placed.insert(key, placed.clone());
                return (v, placed, Some(a));
            }
        }
        drop(g);
        let (v, p) = self.get();
        (v, p, None)
    }
}

pub fn router(state: AppState) -> Router {
    let upload_limit = DefaultBodyLimit::max(state.max_upload as usize + 1024 * 1024);
    let app = Router::new()
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
        .route("/settings/profile/choose", post(profiles::page_choose))
        .route("/api/v1/profile", get(profiles::api_mine))
        .route("/rounds", get(rounds::page).post(rounds::page_open))
        .route(
            "/unapproved-builds",
            get(unapproved::page).post(unapproved::page_record),
        )
        .route(
            "/settings/sharing",
            get(sharing::page).post(sharing::page_save),
        )
        .route(
            "/api/v1/sharing-rules",
            get(sharing::api_get).put(sharing::api_put),
        )
        .route(
            "/api/v1/rounds",
            get(rounds::api_list).post(rounds::api_open),
        )
        .route(
            "/api/v1/unapproved-builds",
            get(unapproved::api_list).post(unapproved::api_record),
        )
        .route("/api/v1/jurisdictions/profiles", get(profiles::api_list))
        .route(
            "/api/v1/jurisdictions/{id}/profile",
            axum::routing::put(profiles::api_choose),
        )
        .route("/sweep", post(pages::sweep_now))
        .route("/board.xlsx", get(board::export))
        .route("/api/v1/board/trend", get(board::api_trend))
        .route("/statistics", get(evaluation::page))
        .route("/statistics.xlsx", get(evaluation::export))
        .route("/public/evaluations", get(evaluation::public_page))
        .route("/api/v1/statistics", get(evaluation::api_stats))
        .route("/api/v1/zombie-systems", get(evaluation::api_zombies))
        .route("/api/v1/public/evaluations", get(evaluation::api_public))
        .route(
            "/settings/calendar",
            get(calendar::admin).post(calendar::import),
        )
        .route("/settings/calendar/file", post(calendar::import_file))
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
        .merge(tasks::routes(upload_limit.clone()))
        .merge(showcase::routes())
        .merge(export::routes(upload_limit))
        .merge(demand::routes())
        .merge(market::routes())
        .merge(operation::routes())
        .merge(opendata::routes())
        .merge(census::routes())
        .merge(openapi::routes())
        .fallback(pages::not_found)
        .with_state(state);
    // Issue 6: every table exports to Excel (`<page>.xlsx`), with a link on its page. Around
    // the whole router (before routing), so the export can render the page it comes from.
    Router::new()
        .fallback_service(app)
        .layer(axum::middleware::from_fn(tables::layer))
}
