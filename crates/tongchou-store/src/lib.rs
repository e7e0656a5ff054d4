//! Persistence for Tongchou: one [`Db`] handle over SQLite or PostgreSQL, one SQL text for both
//! (`$1` placeholders, integers and text only: money as integer fen, dates as ISO text).
//! Every change of a project's state goes through [`Db::apply`], which checks the version,
//! writes the new state and appends the hash-chained history entry in one transaction.

pub mod aggregates;
pub mod audit;
pub mod calendar;
pub mod census;
mod db;
pub mod demand;
pub mod evaluation;
pub mod exports;
pub mod funds;
pub mod market;
pub mod opendata;
pub mod operation;
pub mod outbox;
pub mod overrides;
pub mod profile;
pub mod project;
pub mod rounds;
pub mod search;
pub mod sharing;
pub mod synthetic;
pub mod tasks;
pub mod user;

pub use db::{redact as db_redact, Backend, Db};

/// Store errors: the web layer maps them to 404 / 409 / 500.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A concurrent change won, or a unique key was taken.
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("database error: {0}")]
    Other(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(d) => {
                let msg = d.message().to_string();
                let code = d.code().map(|c| c.to_string()).unwrap_or_default();
                // unique violation (PG 23505, SQLite 2067/1555), serialization/lock conflicts
                if code == "23505"
                    || code == "2067"
                    || code == "1555"
                    || msg.contains("UNIQUE constraint")
                {
                    StoreError::Conflict(msg)
                } else if code == "40001"
                    || code == "40P01"
                    || code == "5"
                    || code == "517"
                    || msg.contains("database is locked")
                {
                    StoreError::Conflict(msg)
                } else {
                    StoreError::Other(format!("{code} {msg}"))
                }
            }
            _ => StoreError::Other(e.to_string()),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Now, as RFC 3339 text in Asia/Shanghai (+08:00; mainland China has no daylight saving).
pub fn now_text() -> String {
    let ts = jiff::Timestamp::now();
    let off = jiff::tz::Offset::constant(8);
    ts.to_zoned(jiff::tz::TimeZone::fixed(off))
        .strftime("%Y-%m-%dT%H:%M:%S%.3f%:z")
        .to_string()
}

/// Today's civil date in Asia/Shanghai.
pub fn today() -> jiff::civil::Date {
    let off = jiff::tz::Offset::constant(8);
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::fixed(off))
        .date()
}
