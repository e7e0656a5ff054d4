use crate::Result;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, Executor};
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// A boxed future borrowing the connection a write runs on.
pub(crate) type BoxFut<'c, T> = Pin<Box<dyn Future<Output = T> + Send + 'c>>;

/// Told, after the batch's COMMIT, whether it reached the disk.
type Finish = Box<dyn FnOnce(std::result::Result<(), String>) + Send>;

/// One queued write: runs on the batch's connection inside its own savepoint and says whether it
/// succeeded (kept) or failed (rolled back to the savepoint).
type Job = Box<dyn for<'c> FnOnce(&'c mut AnyConnection) -> BoxFut<'c, (bool, Finish)> + Send>;

/// Most writes one group commit carries.
const MAX_BATCH: usize = 32;

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
    /// SQLite: the group-commit writer. Lifecycle writes queue here; the writer runs whatever
    /// has queued as one transaction, each write in its own savepoint, and answers every caller
    /// only after the one COMMIT (fsync) returned — so no acknowledged write can be lost, and N
    /// concurrent transitions share one disk flush instead of queueing for N.
    writer: Option<mpsc::UnboundedSender<Job>>,
}

/// Held for the life of a write transaction (SQLite only).
pub(crate) type WriteGuard = Option<tokio::sync::OwnedMutexGuard<()>>;

const MIGRATIONS: &[(&str, &str, &str)] = &[
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
        "0006_money",
        include_str!("../migrations/sqlite/0006_money.sql"),
        include_str!("../migrations/postgres/0006_money.sql"),
    ),
    (
        "0007_exports",
        include_str!("../migrations/sqlite/0007_exports.sql"),
        include_str!("../migrations/postgres/0007_exports.sql"),
    ),
    (
        "0007_supervision_overrides",
        include_str!("../migrations/sqlite/0007_supervision_overrides.sql"),
        include_str!("../migrations/postgres/0007_supervision_overrides.sql"),
    ),
    (
        "0008_outbox",
        include_str!("../migrations/sqlite/0008_outbox.sql"),
        include_str!("../migrations/postgres/0008_outbox.sql"),
    ),
    (
        "0009_progress_milestones",
        include_str!("../migrations/sqlite/0009_progress_milestones.sql"),
        include_str!("../migrations/postgres/0009_progress_milestones.sql"),
    ),
    (
        "0010_demand",
        include_str!("../migrations/sqlite/0010_demand.sql"),
        include_str!("../migrations/postgres/0010_demand.sql"),
    ),
    (
        "0011_operation",
        include_str!("../migrations/sqlite/0011_operation.sql"),
        include_str!("../migrations/postgres/0011_operation.sql"),
    ),
    (
        "0012_search",
        include_str!("../migrations/sqlite/0012_search.sql"),
        include_str!("../migrations/postgres/0012_search.sql"),
    ),
    (
        "0013_jurisdiction_profiles",
        include_str!("../migrations/sqlite/0013_jurisdiction_profiles.sql"),
        include_str!("../migrations/postgres/0013_jurisdiction_profiles.sql"),
    ),
    (
        "0014_evaluation",
        include_str!("../migrations/sqlite/0014_evaluation.sql"),
        include_str!("../migrations/postgres/0014_evaluation.sql"),
    ),
    (
        "0015_market",
        include_str!("../migrations/sqlite/0015_market.sql"),
        include_str!("../migrations/postgres/0015_market.sql"),
    ),
    (
        "0016_open_filings_index",
        include_str!("../migrations/sqlite/0016_open_filings_index.sql"),
        include_str!("../migrations/postgres/0016_open_filings_index.sql"),
    ),
    (
        "0017_rounds",
        include_str!("../migrations/sqlite/0017_rounds.sql"),
        include_str!("../migrations/postgres/0017_rounds.sql"),
    ),
    (
        "0018_competition_rest",
        include_str!("../migrations/sqlite/0018_competition_rest.sql"),
        include_str!("../migrations/postgres/0018_competition_rest.sql"),
    ),
    (
        "0019_declaration_fields",
        include_str!("../migrations/sqlite/0019_declaration_fields.sql"),
        include_str!("../migrations/postgres/0019_declaration_fields.sql"),
    ),
    (
        "0020_market_obligations",
        include_str!("../migrations/sqlite/0020_market_obligations.sql"),
        include_str!("../migrations/postgres/0020_market_obligations.sql"),
    ),
    (
        "0021_tasks_indicators_showcase",
        include_str!("../migrations/sqlite/0021_tasks_indicators_showcase.sql"),
        include_str!("../migrations/postgres/0021_tasks_indicators_showcase.sql"),
    ),
    (
        "0023_market_units",
        include_str!("../migrations/sqlite/0023_market_units.sql"),
        include_str!("../migrations/postgres/0023_market_units.sql"),
    ),
    (
        "0025_issue6_audit",
        include_str!("../migrations/sqlite/0025_issue6_audit.sql"),
        include_str!("../migrations/postgres/0025_issue6_audit.sql"),
    ),
    (
        "0022_aggregates",
        include_str!("../migrations/sqlite/0022_aggregates.sql"),
        include_str!("../migrations/postgres/0022_aggregates.sql"),
    ),
    (
        "0026_competition_funds",
        include_str!("../migrations/sqlite/0026_competition_funds.sql"),
        include_str!("../migrations/postgres/0026_competition_funds.sql"),
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
                            // Reads come from a shared memory map of the file instead of a
                            // pread copy into each connection's small page cache.
                            conn.execute("PRAGMA mmap_size=268435456").await?;
                            conn.execute("PRAGMA temp_store=MEMORY").await?;
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
        let writer = match (&write_lock, backend) {
            (Some(lock), Backend::Sqlite) => {
                let (tx, rx) = mpsc::unbounded_channel();
                let batch = std::env::var("TONGCHOU_GROUP_COMMIT_MAX")
                    .ok()
                    .and_then(|v| v.parse::<usize>().ok())
                    .unwrap_or(MAX_BATCH)
                    .max(1);
                tokio::spawn(writer_loop(pool.clone(), lock.clone(), rx, batch));
                Some(tx)
            }
            _ => None,
        };
        Ok(Db {
            pool,
            backend,
            write_lock,
            writer,
        })
    }

    /// Run `f` as one atomic write and return its value once it is durable. On PostgreSQL: its
    /// own transaction. On SQLite: queued to the group-commit writer (see [`Db::writer`]); an
    /// error from `f` rolls back only `f`'s own savepoint. `f` must not commit or roll back.
    pub(crate) async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut AnyConnection) -> BoxFut<'c, Result<T>> + Send + 'static,
    {
        let Some(writer) = &self.writer else {
            let (_write, mut tx) = self.begin_write().await?;
            let v = f(&mut *tx).await?;
            tx.commit().await?;
            return Ok(v);
        };
        let (done_tx, done_rx) = oneshot::channel::<Result<T>>();
        let job: Job = Box::new(move |conn: &mut AnyConnection| {
            Box::pin(async move {
                let r = f(conn).await;
                let ok = r.is_ok();
                let finish: Finish = Box::new(move |committed| {
                    let out = match (r, committed) {
                        (Ok(v), Ok(())) => Ok(v),
                        (Err(e), _) => Err(e),
                        (Ok(_), Err(e)) => Err(crate::StoreError::Other(e)),
                    };
                    let _ = done_tx.send(out);
                });
                (ok, finish)
            }) as BoxFut<'_, (bool, Finish)>
        });
        writer
            .send(job)
            .map_err(|_| crate::StoreError::Other("写入队列已关闭".into()))?;
        done_rx.await.map_err(|_| {
            crate::StoreError::Other("写入未完成（数据库事务失败，详见服务器日志）".into())
        })?
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
        let mut chain_board = false;
        let mut build_aggregates = false;
        for &(name, sqlite, pg) in MIGRATIONS {
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
            if name == "0025_issue6_audit" {
                chain_board = true;
            }
            if name == "0022_aggregates" {
                // Built after the loop: this migration's write guard is still held here.
                build_aggregates = true;
            }
            if name == "0012_search" {
                let n = self.index_missing_projects().await?;
                tracing::info!(projects = n, "duplicate-construction index built");
            }
        }
        // board_history entries written before 0025 get their hash chain (once, after the
        // migration's write lock is released).
        if chain_board {
            let n = self.chain_board_history().await?;
            tracing::info!(entries = n, "board history chained");
        }
        if build_aggregates {
            let r = self.rebuild_aggregates().await?;
            tracing::info!(projects = r.projects, "statistics aggregates built");
        }
        // Applications, listings, 一本账 entries and library items joined the index later
        // (issue 5): index those written before, at every start (a no-op once done).
        for kind in crate::search::OTHER_KINDS {
            let n = self.index_missing(kind).await?;
            if n > 0 {
                tracing::info!(kind, n, "duplicate-construction index extended");
            }
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

/// The SQLite group-commit writer: takes what has queued (at most `max`), runs it as one
/// transaction under the process's write lock, each job in a savepoint, commits once, then
/// answers each job. A failed BEGIN or COMMIT fails every job of the batch; nothing is
/// acknowledged before the COMMIT returned.
async fn writer_loop(
    pool: AnyPool,
    lock: Arc<tokio::sync::Mutex<()>>,
    mut rx: mpsc::UnboundedReceiver<Job>,
    max: usize,
) {
    while let Some(first) = rx.recv().await {
        let _guard = lock.lock().await;
        let mut batch = vec![first];
        while batch.len() < max {
            match rx.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        let mut conn = match pool.acquire().await {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, jobs = batch.len(), "group commit: no connection");
                continue; // dropping the jobs tells their callers the write failed
            }
        };
        if let Err(e) = conn.execute("BEGIN IMMEDIATE").await {
            tracing::error!(error = %e, jobs = batch.len(), "group commit: BEGIN failed");
            continue;
        }
        let single = batch.len() == 1;
        let mut finishes: Vec<Finish> = Vec::with_capacity(batch.len());
        let mut failed: Option<String> = None;
        for job in batch {
            if failed.is_some() {
                drop(job); // its caller is told the write failed
                continue;
            }
            if single {
                // Alone: the transaction is the job's; its error rolls the transaction back.
                let (ok, finish) = job(&mut conn).await;
                if !ok {
                    failed = Some(String::new());
                    if conn.execute("ROLLBACK").await.is_err() {
                        conn.close_on_drop();
                    }
                    finish(Ok(())); // delivers the job's own error
                } else {
                    finishes.push(finish);
                }
                continue;
            }
            if let Err(e) = conn.execute("SAVEPOINT tongchou_write").await {
                failed = Some(e.to_string());
                continue;
            }
            let (ok, finish) = job(&mut conn).await;
            let end = if ok {
                conn.execute("RELEASE tongchou_write").await.map(|_| ())
            } else {
                match conn.execute("ROLLBACK TO tongchou_write").await {
                    Ok(_) => conn.execute("RELEASE tongchou_write").await.map(|_| ()),
                    Err(e) => Err(e),
                }
            };
            match (end, ok) {
                (Ok(()), true) => finishes.push(finish),
                (Ok(()), false) => finish(Ok(())), // rolled back alone: its own error
                (Err(e), _) => {
                    failed = Some(e.to_string());
                    finish(Err(e.to_string()));
                }
            }
        }
        if single && failed.is_some() {
            continue;
        }
        let committed = match failed {
            None => conn
                .execute("COMMIT")
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Some(e) => Err(e),
        };
        if let Err(e) = &committed {
            tracing::error!(error = %e, jobs = finishes.len(), "group commit: batch failed, rolled back");
            if conn.execute("ROLLBACK").await.is_err() {
                conn.close_on_drop();
            }
        }
        for f in finishes {
            f(committed.clone());
        }
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
