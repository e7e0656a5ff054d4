//! Policy profiles as data: every saved version kept, the newest in force. A decision records
//! the version it was made under (`code@vN` in its history entry), so editing a profile never
//! rewrites what was decided.
use crate::{now_text, Db, Result};
use serde::Serialize;
use sqlx::Row;
use tongchou_domain::profile::Assignment;
use tongchou_domain::{Actor, JurisdictionId};

#[derive(Debug, Clone, Serialize)]
pub struct ProfileVersion {
    pub version: i64,
    pub note: String,
    pub created_by_name: String,
    pub created_at: String,
}

/// One choice of profile for a jurisdiction (empty code: inherit the parent's).
#[derive(Debug, Clone, Serialize)]
pub struct ProfileChoice {
    pub jurisdiction_id: i64,
    pub jurisdiction_name: String,
    pub profile_code: String,
    pub note: String,
    pub set_by_name: String,
    pub set_at: String,
}

impl Db {
    /// Every jurisdiction's own choice in force (the newest row per jurisdiction, empty codes
    /// left out): what [`tongchou_domain::profile::in_force`] resolves inheritance over.
    pub async fn profile_assignments(&self) -> Result<Vec<Assignment>> {
        let rows = sqlx::query(
            "SELECT c.jurisdiction_id, c.profile_code, j.path, j.name FROM jurisdiction_profiles c \
             JOIN jurisdictions j ON j.id = c.jurisdiction_id ORDER BY c.id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut latest: std::collections::BTreeMap<i64, Assignment> = Default::default();
        for r in &rows {
            let jid: i64 = r.try_get("jurisdiction_id")?;
            latest.insert(
                jid,
                Assignment {
                    jurisdiction_path: r.try_get("path")?,
                    jurisdiction_name: r.try_get("name")?,
                    profile_code: r.try_get("profile_code")?,
                },
            );
        }
        Ok(latest
            .into_values()
            .filter(|a| !a.profile_code.is_empty())
            .collect())
    }

    /// Record a jurisdiction's choice (empty `code`: inherit the parent's). Kept with who, when
    /// and why; the newest is in force.
    pub async fn choose_profile(
        &self,
        actor: &Actor,
        jurisdiction: JurisdictionId,
        code: &str,
        note: &str,
    ) -> Result<()> {
        let (_write, mut tx) = self.begin_write().await?;
        sqlx::query("INSERT INTO jurisdiction_profiles (jurisdiction_id, profile_code, note, set_by, set_by_name, set_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(jurisdiction.0)
            .bind(code)
            .bind(note)
            .bind(actor.user_id.0)
            .bind(&actor.name)
            .bind(now_text())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every choice ever made for jurisdictions, newest first.
    pub async fn profile_choices(&self) -> Result<Vec<ProfileChoice>> {
        let rows = sqlx::query(
            "SELECT c.jurisdiction_id, j.name, c.profile_code, c.note, c.set_by_name, c.set_at \
             FROM jurisdiction_profiles c JOIN jurisdictions j ON j.id = c.jurisdiction_id ORDER BY c.id DESC",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ProfileChoice {
                    jurisdiction_id: r.try_get("jurisdiction_id")?,
                    jurisdiction_name: r.try_get("name")?,
                    profile_code: r.try_get("profile_code")?,
                    note: r.try_get("note")?,
                    set_by_name: r.try_get("set_by_name")?,
                    set_at: r.try_get("set_at")?,
                })
            })
            .collect()
    }

    /// The newest version number of every stored profile (one query, for the refresh).
    pub async fn profile_heads(&self) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query("SELECT code, MAX(version) AS v FROM profiles GROUP BY code")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("code")?, r.try_get("v")?)))
            .collect()
    }

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

    /// The newest version of a profile with who saved it: (version, TOML text, saved by user id;
    /// 0 is the system, i.e. a shipped text no administrator has edited).
    pub async fn latest_profile_with_author(
        &self,
        code: &str,
    ) -> Result<Option<(i64, String, i64)>> {
        let r = sqlx::query(
            "SELECT version, body, created_by FROM profiles WHERE code = $1 ORDER BY version DESC LIMIT 1",
        )
        .bind(code)
        .fetch_optional(&self.pool)
        .await?;
        r.map(|r| {
            Ok((
                r.try_get("version")?,
                r.try_get("body")?,
                r.try_get("created_by")?,
            ))
        })
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
