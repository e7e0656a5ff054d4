//! TestApp: a fresh database (SQLite file or PostgreSQL schema), the demo world, and the server
//! on port 0.
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;
use tongchou_store::Db;
use tongchou_testkit::World;
use tongchou_web::AppState;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub base: String,
    pub st: AppState,
    pub world: World,
    pub db_url: String,
    pub client: reqwest::Client,
}

static N: AtomicU32 = AtomicU32::new(0);

fn password_hash() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| tongchou_web::auth::hash_password(tongchou_testkit::DEMO_PASSWORD))
}

/// Record that a backend's tests really ran (checked by scripts/test.sh).
fn mark(backend: Backend) {
    if let Ok(dir) = std::env::var("TONGCHOU_TEST_MARKERS") {
        let name = match backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        };
        let _ = std::fs::write(PathBuf::from(dir).join(name), b"ran");
    }
}

pub fn scratch_dir() -> PathBuf {
    let n = N.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("tongchou-test-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// A database for this test; None for PostgreSQL when TONGCHOU_TEST_PG is not set.
pub async fn database(backend: Backend) -> Option<(Db, String, PathBuf)> {
    let dir = scratch_dir();
    let (db, url) = match backend {
        Backend::Sqlite => {
            let url = format!("sqlite://{}", dir.join("t.db").display());
            (Db::connect(&url, None).await.expect("sqlite"), url)
        }
        Backend::Postgres => {
            let url = std::env::var("TONGCHOU_TEST_PG")
                .ok()
                .filter(|s| !s.is_empty())?;
            let schema = format!(
                "t_{}_{}",
                std::process::id(),
                N.fetch_add(1, Ordering::SeqCst)
            );
            let db = Db::connect(&url, Some(schema.clone()))
                .await
                .expect("TONGCHOU_TEST_PG is set but PostgreSQL is unreachable");
            let sep = if url.contains('?') { "&" } else { "?" };
            (db, format!("{url}{sep}options=-csearch_path%3D{schema}"))
        }
    };
    db.migrate().await.expect("migrate");
    mark(backend);
    Some((db, url, dir))
}

impl TestApp {
    pub async fn start(backend: Backend) -> Option<TestApp> {
        let (db, db_url, dir) = database(backend).await?;
        let world = tongchou_testkit::seed_world(&db, Some(password_hash()))
            .await
            .expect("seed");
        let mut st = AppState::new(db, dir.join("data"));
        st.max_upload = 1024 * 1024;
        st.load_profile().await.expect("profile");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let app = tongchou_web::router(st.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Some(TestApp {
            base: format!("http://{addr}"),
            st,
            world,
            db_url,
            client,
        })
    }

    /// Log in over the API; returns the bearer token.
    pub async fn token(&self, username: &str) -> String {
        let r = self
            .client
            .post(format!("{}/api/v1/login", self.base))
            .json(&json!({"username": username, "password": tongchou_testkit::DEMO_PASSWORD}))
            .send()
            .await
            .expect("login");
        assert_eq!(r.status(), StatusCode::OK, "login {username}");
        r.json::<Value>().await.expect("json")["token"]
            .as_str()
            .expect("token")
            .to_string()
    }

    /// Log in through the login form; returns the session cookie and the page's CSRF token.
    pub async fn page_session(&self, username: &str) -> (String, String) {
        let r = self
            .client
            .post(format!("{}/login", self.base))
            .form(&[
                ("username", username),
                ("password", tongchou_testkit::DEMO_PASSWORD),
            ])
            .send()
            .await
            .expect("login");
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "login {username}");
        let cookie = r.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let page = self
            .client
            .get(format!("{}/settings", self.base))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = page
            .split("name=\"_csrf\" value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        (cookie, csrf)
    }

    pub async fn get(&self, token: &str, path: &str) -> (StatusCode, Value) {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .expect("get");
        let s = r.status();
        (s, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("post");
        let s = r.status();
        (s, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn act(
        &self,
        token: &str,
        id: i64,
        action: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        self.post(
            token,
            &format!("/api/v1/projects/{id}/actions/{action}"),
            body,
        )
        .await
    }

    pub async fn upload(
        &self,
        token: &str,
        id: i64,
        kind: &str,
        filename: &str,
        bytes: Vec<u8>,
    ) -> (StatusCode, Value) {
        let form = reqwest::multipart::Form::new()
            .text("kind", kind.to_string())
            .text("doc_date", tongchou_store::today().to_string())
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(filename.to_string()),
            );
        let r = self
            .client
            .post(format!("{}/api/v1/projects/{id}/attachments", self.base))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .expect("upload");
        let s = r.status();
        (s, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn stage(&self, token: &str, id: i64) -> String {
        let (s, v) = self.get(token, &format!("/api/v1/projects/{id}")).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v["stage"].as_str().unwrap_or("").to_string()
    }

    /// Create a draft as a unit clerk; returns its id.
    pub async fn draft(&self, token: &str, name: &str) -> i64 {
        let (s, v) = self
            .post(token, "/api/v1/projects", project_body(name))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        v["id"].as_i64().expect("id")
    }
}

pub fn project_body(name: &str) -> Value {
    json!({
        "name": name,
        "year": 2027,
        "build_kind": "new",
        "category": "application",
        "it_amount": "1,000,000.00",
        "non_it_amount": "50000",
        "security_amount": "60000",
        "funding": "district_fiscal",
        "summary": "建设全区统一的数字化应用，实现数据共享和业务协同，提升治理效能。",
        "participants": ["区数据资源局"],
        "responsible_person": "林晓"
    })
}

pub fn pdf() -> Vec<u8> {
    tongchou_testkit::tiny_pdf("test")
}
