//! The provincial shared-application mechanism (ZJ-share) as a stored, versioned profile: every
//! version kept with who, when and why; the newest is in force.
use crate::profile::ProfileVersion;
use crate::{now_text, Db, Result};
use sqlx::Row;
use tongchou_domain::Actor;

impl Db {
    /// The newest stored version: (version, TOML text); None when only the shipped rules apply.
    pub async fn latest_sharing_rules(&self) -> Result<Option<(i64, String)>> {
        let r =
            sqlx::query("SELECT version, body FROM sharing_rules ORDER BY version DESC LIMIT 1")
                .fetch_optional(&self.pool)
                .await?;
        r.map(|r| Ok((r.try_get("version")?, r.try_get("body")?)))
            .transpose()
    }

    /// Store a new version (validated by the caller); returns its number.
    pub async fn save_sharing_rules(&self, actor: &Actor, body: &str, note: &str) -> Result<i64> {
        let (_write, mut tx) = self.begin_write().await?;
        let v: i64 = sqlx::query("SELECT version FROM sharing_rules ORDER BY version DESC LIMIT 1")
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| r.try_get("version"))
            .transpose()?
            .unwrap_or(0);
        sqlx::query("INSERT INTO sharing_rules (version, body, note, created_by, created_by_name, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
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

    /// Every stored version, newest first.
    pub async fn sharing_rules_versions(&self) -> Result<Vec<ProfileVersion>> {
        let rows = sqlx::query(
            "SELECT version, note, created_by_name, created_at FROM sharing_rules ORDER BY version DESC",
        )
        .fetch_all(&self.pool)
        .await?;
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
