//! Policy profiles as data: every saved version kept, the newest in force. A decision records
//! the version it was made under (`code@vN` in its history entry), so editing a profile never
//! rewrites what was decided.
use crate::{now_text, Db, Result};
use serde::Serialize;
use sqlx::Row;
use tongchou_domain::Actor;

#[derive(Debug, Clone, Serialize)]
pub struct ProfileVersion {
    pub version: i64,
    pub note: String,
    pub created_by_name: String,
    pub created_at: String,
}

impl Db {
    /// The newest version of a profile: (version, TOML text).
    pub async fn latest_profile(&self, code: &str) -> Result<Option<(i64, String)>> {
        let r = sqlx::query(
            "SELECT version, body FROM profiles WHERE code = $1 ORDER BY version DESC LIMIT 1",
        )
        .bind(code)
        .fetch_optional(&self.pool)
        .await?;
        r.map(|r| Ok((r.try_get("version")?, r.try_get("body")?)))
            .transpose()
    }

    /// Just the newest version number (cheap: for noticing another process's edit).
    pub async fn latest_profile_version(&self, code: &str) -> Result<i64> {
        let r = sqlx::query(
            "SELECT version FROM profiles WHERE code = $1 ORDER BY version DESC LIMIT 1",
        )
        .bind(code)
        .fetch_optional(&self.pool)
        .await?;
        Ok(r.map(|r| r.try_get("version")).transpose()?.unwrap_or(0))
    }

    /// Save a validated profile text as the next version; returns it. A concurrent save of the
    /// same version is a Conflict (unique code + version).
    pub async fn save_profile(
        &self,
        actor: &Actor,
        code: &str,
        body: &str,
        note: &str,
    ) -> Result<i64> {
        let (_write, mut tx) = self.begin_write().await?;
        let v: i64 = sqlx::query(
            "SELECT version FROM profiles WHERE code = $1 ORDER BY version DESC LIMIT 1",
        )
        .bind(code)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.try_get("version"))
        .transpose()?
        .unwrap_or(0);
        sqlx::query("INSERT INTO profiles (code, version, body, note, created_by, created_by_name, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(code)
            .bind(v + 1)
            .bind(body)
            .bind(note)
            .bind(actor.user_id.0)
            .bind(&actor.name)
            .bind(now_text())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(v + 1)
    }

    pub async fn profile_versions(&self, code: &str) -> Result<Vec<ProfileVersion>> {
        let rows = sqlx::query("SELECT version, note, created_by_name, created_at FROM profiles WHERE code = $1 ORDER BY version DESC").bind(code).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(ProfileVersion {
                    version: r.try_get("version")?,
                    note: r.try_get("note")?,
                    created_by_name: r.try_get("created_by_name")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }
}
