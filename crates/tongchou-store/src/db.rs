use crate::Result;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A handle to the database: cheap to clone, shared by every request.
#[derive(Clone)]
pub struct Db {
    pub(crate) pool: AnyPool,
    backend: Backend,
    /// SQLite allows one writer at a time. Writers of this process queue here and are woken the
    /// moment the previous one commits, instead of polling SQLite's busy handler (which sleeps
    /// in growing steps). SQLite is the one-process deployment; PostgreSQL has no such lock.
    write_lock: Option<Arc<tokio::sync::Mutex<()>>>,
}

/// Held for the life of a write transaction (SQLite only).
pub(crate) type WriteGuard = Option<tokio::sync::OwnedMutexGuard<()>>;

const MIGRATIONS: [(&str, &str, &str); 6] = [
    (
        "0001_core",
        include_str!("../migrations/sqlite/0001_core.sql"),
        include_str!("../migrations/postgres/0001_core.sql"),
    ),
    (
        "0002_calendar",
        include_str!("../migrations/sqlite/0002_calendar.sql"),
        include_str!("../migrations/postgres/0002_calendar.sql"),
    ),
    (
        "0003_obligations",
        include_str!("../migrations/sqlite/0003_obligations.sql"),
        include_str!("../migrations/postgres/0003_obligations.sql"),
    ),
    (
        "0004_consequences",
        include_str!("../migrations/sqlite/0004_consequences.sql"),
        include_str!("../migrations/postgres/0004_consequences.sql"),
    ),
    (
        "0005_profiles",
        include_str!("../migrations/sqlite/0005_profiles.sql"),
        include_str!("../migrations/postgres/0005_profiles.sql"),
    ),
    (
        "0007_exports",
        include_str!("../migrations/sqlite/0007_exports.sql"),
        include_str!("../migrations/postgres/0007_exports.sql"),
    ),
];

impl Db {
    /// Connect to `sqlite://path` or `postgres://…`. `schema`: a PostgreSQL schema to use
    /// (created if missing), for isolated tests.
    pub async fn connect(url: &str, schema: Option<String>) -> Result<Db> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(crate::StoreError::Other(format!(
                "不支持的数据库地址（应为 sqlite:// 或 postgres://）：{}",
                redact(url)
            )));
        };
        let url = if backend == Backend::Sqlite && !url.contains("mode=") {
            format!("{url}{}mode=rwc", if url.contains('?') { "&" } else { "?" })
        } else {
            url.to_string()
        };
        if backend == Backend::Postgres {
            if let Some(s) = &schema {
                let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&url).await?;
                conn.execute(
                    format!("CREATE SCHEMA IF NOT EXISTS \"{}\"", s.replace('"', "")).as_str(),
                )
                .await?;
            }
        }
        let opts = AnyConnectOptions::from_str(&url)?;
        let max = if backend == Backend::Sqlite { 8 } else { 16 };
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .acquire_timeout(Duration::from_secs(15))
            .after_connect(move |conn, _| {
                let schema = schema.clone();
                Box::pin(async move {
                    match backend {
                        Backend::Sqlite => {
                            // WAL with synchronous=FULL: an acknowledged transition survives power loss.
                            conn.execute("PRAGMA journal_mode=WAL").await?;
                            conn.execute("PRAGMA synchronous=FULL").await?;
                            conn.execute("PRAGMA foreign_keys=ON").await?;
                            conn.execute("PRAGMA busy_timeout=15000").await?;
                        }
                        Backend::Postgres => {
                            if let Some(s) = schema {
                                conn.execute(
                                    format!("SET search_path TO \"{}\"", s.replace('"', ""))
                                        .as_str(),
                                )
                                .await?;
                            }
                        }
                    }
                    Ok(())
                })
            })
            .connect_with(opts)
            .await?;
        let write_lock =
            (backend == Backend::Sqlite).then(|| Arc::new(tokio::sync::Mutex::new(())));
        Ok(Db {
            pool,
            backend,
            write_lock,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Begin a write transaction; keep the returned guard alive until commit. On SQLite the
    /// writers of this process queue on an async lock, then take SQLite's write lock at once
    /// (BEGIN IMMEDIATE), so a transaction never fails on a stale read snapshot.
    pub(crate) async fn begin_write(
        &self,
    ) -> Result<(WriteGuard, sqlx::Transaction<'static, sqlx::Any>)> {
        Ok(match (&self.write_lock, self.backend) {
            (Some(lock), _) => {
                let guard = lock.clone().lock_owned().await;
                (Some(guard), self.pool.begin_with("BEGIN IMMEDIATE").await?)
            }
            (None, Backend::Sqlite) => (None, self.pool.begin_with("BEGIN IMMEDIATE").await?),
            (None, Backend::Postgres) => (None, self.pool.begin().await?),
        })
    }

    /// Apply pending migrations (same names on both backends).
    pub async fn migrate(&self) -> Result<()> {
        self.pool
            .execute("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
            .await?;
        for (name, sqlite, pg) in MIGRATIONS {
            let done: Option<(String,)> =
                sqlx::query_as("SELECT name FROM schema_migrations WHERE name = $1")
                    .bind(name)
                    .fetch_optional(&self.pool)
                    .await?;
            if done.is_some() {
                continue;
            }
            let sql = match self.backend {
                Backend::Sqlite => sqlite,
                Backend::Postgres => pg,
            };
            let (_write, mut tx) = self.begin_write().await?;
            for stmt in sql.split(';').map(str::trim).filter(|s| !s.is_empty()) {
                tx.execute(stmt).await?;
            }
            sqlx::query("INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)")
                .bind(name)
                .bind(crate::now_text())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            tracing::info!(migration = name, "migration applied");
        }
        Ok(())
    }

    /// Refresh the query planner's statistics (SQLite: `PRAGMA optimize`, cheap, run at start
    /// and after bulk loads; PostgreSQL: `ANALYZE`).
    pub async fn optimize(&self, full: bool) -> Result<()> {
        match (self.backend, full) {
            (Backend::Sqlite, true) => self.pool.execute("ANALYZE").await?,
            (Backend::Sqlite, false) => self.pool.execute("PRAGMA optimize").await?,
            (Backend::Postgres, _) => self.pool.execute("ANALYZE").await?,
        };
        Ok(())
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    /// Raw ceiling for the benchmark: one single-row insert transaction, same durability.
    pub async fn raw_insert(&self, v: i64) -> Result<()> {
        let (_write, mut tx) = self.begin_write().await?;
        sqlx::query("INSERT INTO bench_raw (v, at) VALUES ($1, $2)")
            .bind(v)
            .bind(crate::now_text())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn prepare_raw_bench(&self) -> Result<()> {
        let ddl = match self.backend {
            Backend::Sqlite => "CREATE TABLE IF NOT EXISTS bench_raw (id INTEGER PRIMARY KEY, v BIGINT NOT NULL, at TEXT NOT NULL)",
            Backend::Postgres => "CREATE TABLE IF NOT EXISTS bench_raw (id BIGSERIAL PRIMARY KEY, v BIGINT NOT NULL, at TEXT NOT NULL)",
        };
        self.pool.execute(ddl).await?;
        Ok(())
    }

    /// Run a statement (tests and tools only: tamper tests, schema drops).
    pub async fn execute_raw(&self, sql: &str) -> Result<u64> {
        Ok(self.pool.execute(sql).await?.rows_affected())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Hide the password in a database URL before it reaches a log.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}
