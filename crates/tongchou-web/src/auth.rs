//! Who is asking: session cookie (pages, with CSRF on every form) or bearer token (API).
//! Passwords are argon2; session and API tokens are random and stored only as hashes.
use crate::error::AppError;
use crate::AppState;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use rand::RngCore;
use tongchou_domain::Actor;

pub const COOKIE: &str = "tongchou_session";
/// Personal API tokens start with this, so a bearer is looked up in one place only.
pub const API_TOKEN_PREFIX: &str = "tcp_";
const SESSION_HOURS: i64 = 12;

pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .unwrap_or_default()
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A new personal API token.
pub fn new_api_token() -> String {
    format!("{API_TOKEN_PREFIX}{}", random_token())
}

/// A random token, 32 bytes hex.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (k == name).then(|| v.to_string())
        })
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    v.strip_prefix("Bearer ").map(|t| t.trim().to_string())
}

/// The logged-in actor. `csrf` is Some for a cookie session (forms must echo it), None for a
/// bearer token (no ambient authority, so no CSRF risk).
#[derive(Clone)]
pub struct CurrentUser {
    pub actor: Actor,
    pub csrf: Option<String>,
    pub session_token: Option<String>,
}

impl CurrentUser {
    /// Check the CSRF token of a form post made with a cookie session.
    pub fn check_csrf(&self, sent: Option<&str>) -> Result<(), AppError> {
        match &self.csrf {
            None => Ok(()),
            Some(expected) if sent == Some(expected.as_str()) => Ok(()),
            Some(_) => Err(AppError::Forbidden(
                "表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试".into(),
            )),
        }
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(t) = bearer(&parts.headers) {
            // A bearer is either a personal API token or an API session token.
            if let Some(actor) = st.db.api_token_actor(&t).await? {
                return Ok(CurrentUser {
                    actor,
                    csrf: None,
                    session_token: None,
                });
            }
            if let Some((actor, _)) = st.db.session(&t).await? {
                return Ok(CurrentUser {
                    actor,
                    csrf: None,
                    session_token: Some(t),
                });
            }
            return Err(AppError::Unauthorized);
        }
        if let Some(t) = cookie_value(&parts.headers, COOKIE) {
            if let Some((actor, csrf)) = st.db.session(&t).await? {
                return Ok(CurrentUser {
                    actor,
                    csrf: Some(csrf),
                    session_token: Some(t),
                });
            }
        }
        Err(AppError::Unauthorized)
    }
}

/// Optional variant for pages that work logged out.
pub struct MaybeUser(pub Option<CurrentUser>);

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Self::Rejection> {
        match CurrentUser::from_request_parts(parts, st).await {
            Ok(u) => Ok(MaybeUser(Some(u))),
            Err(AppError::Unauthorized) => Ok(MaybeUser(None)),
            Err(e) => Err(e),
        }
    }
}

/// Check a username and password; on success create a session and return (token, csrf).
pub async fn login(
    st: &AppState,
    username: &str,
    password: &str,
) -> Result<(String, String), AppError> {
    let user = st.db.user_by_username(username.trim()).await?;
    let ok = match &user {
        Some(u) if u.active => verify_password(password, &u.password_hash),
        _ => {
            // Spend the same time on unknown accounts as on a wrong password, so that the
            // response time does not tell which usernames exist.
            static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
            let _ = verify_password(
                password,
                DUMMY.get_or_init(|| hash_password("tongchou-dummy-password")),
            );
            false
        }
    };
    let user = match (ok, user) {
        (true, Some(u)) => u,
        _ => {
            tracing::info!(username = %username.trim(), "login failed");
            return Err(AppError::Unprocessable {
                code: "login_failed",
                message: "用户名或密码错误".into(),
                fields: vec![],
            });
        }
    };
    let token = random_token();
    let csrf = random_token();
    let expires = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_hours(SESSION_HOURS))
        .map_err(|e| AppError::Internal(e.to_string()))?
        .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::Offset::constant(8)))
        .strftime("%Y-%m-%dT%H:%M:%S%.3f%:z")
        .to_string();
    st.db
        .create_session(user.id, &token, &csrf, &expires)
        .await?;
    tracing::info!(user = user.id.0, "login");
    Ok((token, csrf))
}

pub fn session_cookie(token: &str, secure: bool) -> String {
    format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        SESSION_HOURS * 3600,
        if secure { "; Secure" } else { "" }
    )
}

pub fn clear_cookie() -> String {
    format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
}
