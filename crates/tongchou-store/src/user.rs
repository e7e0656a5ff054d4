//! Jurisdictions, units, accounts, sessions and API tokens.
use crate::{now_text, Db, Result, StoreError};
use sha2::{Digest, Sha256};
use sqlx::Row;
use tongchou_domain::lifecycle::Candidate;
use tongchou_domain::{Actor, JurisdictionId, Role, UnitId, UserId};

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub unit_id: UnitId,
    pub roles: Vec<Role>,
    pub password_hash: String,
    pub active: bool,
}

#[derive(Debug, Clone)]
pub struct UnitRow {
    pub id: UnitId,
    pub name: String,
    pub kind: String,
    pub jurisdiction_id: JurisdictionId,
    pub jurisdiction_name: String,
    pub jurisdiction_path: String,
    /// 主体类型 (legal form) as recorded by an administrator, or the directory kind's default.
    pub entity: tongchou_domain::market::UnitEntity,
    /// Whether an administrator recorded the legal form (else the default).
    pub entity_recorded: bool,
}

#[derive(Debug, Clone)]
pub struct JurisdictionRow {
    pub id: JurisdictionId,
    pub name: String,
    pub level: String,
    pub path: String,
    pub profile_code: String,
}

const ACTOR_SQL: &str = "SELECT u.id, u.display_name, u.roles, n.id AS unit_id, n.name AS unit_name, j.id AS jid, j.path \
     FROM users u JOIN units n ON n.id = u.unit_id JOIN jurisdictions j ON j.id = n.jurisdiction_id";

const ACTOR_SQL_CSRF: &str = "SELECT u.id, u.display_name, u.roles, n.id AS unit_id, n.name AS unit_name, j.id AS jid, j.path, s.csrf \
     FROM users u JOIN units n ON n.id = u.unit_id JOIN jurisdictions j ON j.id = n.jurisdiction_id";

fn actor_from(row: &sqlx::any::AnyRow) -> Result<Actor> {
    Ok(Actor {
        user_id: UserId(row.try_get("id")?),
        name: row.try_get("display_name")?,
        unit_id: UnitId(row.try_get("unit_id")?),
        unit_name: row.try_get("unit_name")?,
        jurisdiction_id: JurisdictionId(row.try_get("jid")?),
        jurisdiction_path: row.try_get("path")?,
        roles: Role::parse_list(&row.try_get::<String, _>("roles")?),
    })
}

impl Db {
    pub async fn create_jurisdiction(
        &self,
        parent: Option<JurisdictionId>,
        name: &str,
        level: &str,
        profile: &str,
    ) -> Result<JurisdictionId> {
        let parent_path = match parent {
            Some(p) => sqlx::query("SELECT path FROM jurisdictions WHERE id = $1")
                .bind(p.0)
                .fetch_one(&self.pool)
                .await?
                .try_get::<String, _>("path")?,
            None => "/".to_string(),
        };
        let (_write, mut tx) = self.begin_write().await?;
        let id: i64 = sqlx::query("INSERT INTO jurisdictions (parent_id, name, level, path, profile_code) VALUES ($1, $2, $3, $4, $5) RETURNING id")
            .bind(parent.map(|p| p.0))
            .bind(name)
            .bind(level)
            .bind(format!("{parent_path}pending-{name}/"))
            .bind(profile)
            .fetch_one(&mut *tx)
            .await?
            .try_get("id")?;
        sqlx::query("UPDATE jurisdictions SET path = $1 WHERE id = $2")
            .bind(format!("{parent_path}{id}/"))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        // Its own profile, if given (empty: inherit the parent's).
        if !profile.is_empty() {
            sqlx::query("INSERT INTO jurisdiction_profiles (jurisdiction_id, profile_code, note, set_by, set_by_name, set_at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(id)
                .bind(profile)
                .bind("设立时选定")
                .bind(0_i64)
                .bind("统筹平台（系统）")
                .bind(now_text())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(JurisdictionId(id))
    }

    pub async fn jurisdiction(&self, id: JurisdictionId) -> Result<JurisdictionRow> {
        let r = sqlx::query(
            "SELECT id, name, level, path, profile_code FROM jurisdictions WHERE id = $1",
        )
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(JurisdictionRow {
            id: JurisdictionId(r.try_get("id")?),
            name: r.try_get("name")?,
            level: r.try_get("level")?,
            path: r.try_get("path")?,
            profile_code: r.try_get("profile_code")?,
        })
    }

    pub async fn jurisdictions(&self) -> Result<Vec<JurisdictionRow>> {
        let rows = sqlx::query(
            "SELECT id, name, level, path, profile_code FROM jurisdictions ORDER BY path",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(JurisdictionRow {
                    id: JurisdictionId(r.try_get("id")?),
                    name: r.try_get("name")?,
                    level: r.try_get("level")?,
                    path: r.try_get("path")?,
                    profile_code: r.try_get("profile_code")?,
                })
            })
            .collect()
    }

    pub async fn create_unit(
        &self,
        jurisdiction: JurisdictionId,
        name: &str,
        kind: &str,
    ) -> Result<UnitId> {
        let (_write, mut tx) = self.begin_write().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO units (jurisdiction_id, name, kind) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(jurisdiction.0)
        .bind(name)
        .bind(kind)
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        tx.commit().await?;
        Ok(UnitId(id))
    }

    pub async fn units(&self) -> Result<Vec<UnitRow>> {
        let rows = sqlx::query("SELECT n.id, n.name, n.kind, n.entity_kind, n.institution_class, n.fiscal_mass_org, j.id AS jid, j.name AS jname, j.path AS jpath \
                                FROM units n JOIN jurisdictions j ON j.id = n.jurisdiction_id ORDER BY n.id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get("kind")?;
                let entity_kind: Option<String> = r.try_get("entity_kind")?;
                let class: Option<String> = r.try_get("institution_class")?;
                Ok(UnitRow {
                    id: UnitId(r.try_get("id")?),
                    name: r.try_get("name")?,
                    entity: tongchou_domain::market::UnitEntity::from_directory(
                        &kind,
                        entity_kind.as_deref(),
                        class.as_deref(),
                        r.try_get::<i64, _>("fiscal_mass_org")? != 0,
                    ),
                    entity_recorded: entity_kind.is_some(),
                    kind,
                    jurisdiction_id: JurisdictionId(r.try_get("jid")?),
                    jurisdiction_name: r.try_get("jname")?,
                    jurisdiction_path: r.try_get("jpath")?,
                })
            })
            .collect()
    }

    /// One unit of the directory.
    pub async fn unit(&self, id: UnitId) -> Result<UnitRow> {
        self.units()
            .await?
            .into_iter()
            .find(|u| u.id == id)
            .ok_or(crate::StoreError::NotFound)
    }

    /// A unit's legal form as initial directory data (set up with the unit, as `create_unit`
    /// is: no history entry). Changes later go through [`Db::set_unit_entity`].
    pub async fn init_unit_entity(
        &self,
        unit: UnitId,
        e: &tongchou_domain::market::UnitEntity,
    ) -> Result<()> {
        let (_w, mut tx) = self.begin_write().await?;
        sqlx::query("UPDATE units SET entity_kind = $1, institution_class = $2, fiscal_mass_org = $3 WHERE id = $4")
            .bind(e.kind.code())
            .bind(e.institution_class.map(|c| c.code()))
            .bind(if e.fiscal_mass_org { 1i64 } else { 0 })
            .bind(unit.0)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// An administrator records a unit's legal form (主体类型, ZJ-share 三（三）承接主体): the
    /// directory row and its history entry (chain `unit`) in one transaction.
    pub async fn set_unit_entity(
        &self,
        actor: &tongchou_domain::Actor,
        unit: &UnitRow,
        e: &tongchou_domain::market::UnitEntity,
    ) -> Result<()> {
        let now = crate::now_text();
        let (_w, mut tx) = self.begin_write().await?;
        sqlx::query("UPDATE units SET entity_kind = $1, institution_class = $2, fiscal_mass_org = $3 WHERE id = $4")
            .bind(e.kind.code())
            .bind(e.institution_class.map(|c| c.code()))
            .bind(if e.fiscal_mass_org { 1i64 } else { 0 })
            .bind(unit.id.0)
            .execute(&mut *tx)
            .await?;
        crate::demand::append(
            &mut tx,
            "unit",
            unit.id.0,
            actor,
            ("set_entity", unit.entity.kind.code(), e.kind.code()),
            &format!(
                "单位名录：{}的主体类型由「{}」改为「{}」",
                unit.name,
                unit.entity.label(),
                e.label()
            ),
            "",
            &serde_json::json!({ "entity": e }),
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Create an account; `password_hash` is an argon2 PHC string made by the caller.
    pub async fn create_user(
        &self,
        username: &str,
        display_name: &str,
        unit: UnitId,
        roles: &[Role],
        password_hash: &str,
    ) -> Result<UserId> {
        let (_write, mut tx) = self.begin_write().await?;
        let id: i64 = sqlx::query("INSERT INTO users (username, display_name, unit_id, roles, password_hash, active, created_at) VALUES ($1, $2, $3, $4, $5, 1, $6) RETURNING id")
            .bind(username)
            .bind(display_name)
            .bind(unit.0)
            .bind(Role::join(roles))
            .bind(password_hash)
            .bind(now_text())
            .fetch_one(&mut *tx)
            .await?
            .try_get("id")?;
        tx.commit().await?;
        Ok(UserId(id))
    }

    pub async fn user_by_username(&self, username: &str) -> Result<Option<UserRow>> {
        let r = sqlx::query("SELECT id, username, display_name, unit_id, roles, password_hash, active FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(&self.pool)
            .await?;
        r.map(|r| {
            Ok(UserRow {
                id: UserId(r.try_get("id")?),
                username: r.try_get("username")?,
                display_name: r.try_get("display_name")?,
                unit_id: UnitId(r.try_get("unit_id")?),
                roles: Role::parse_list(&r.try_get::<String, _>("roles")?),
                password_hash: r.try_get("password_hash")?,
                active: r.try_get::<i64, _>("active")? == 1,
            })
        })
        .transpose()
    }

    pub async fn actor(&self, user: UserId) -> Result<Actor> {
        let r = sqlx::query(&format!("{ACTOR_SQL} WHERE u.id = $1 AND u.active = 1"))
            .bind(user.0)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        actor_from(&r)
    }

    /// Store a new session (the token itself is never stored, only its hash).
    pub async fn create_session(
        &self,
        user: UserId,
        token: &str,
        csrf: &str,
        expires_at: &str,
    ) -> Result<()> {
        let (_write, mut tx) = self.begin_write().await?;
        sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(hash_token(token))
            .bind(user.0)
            .bind(csrf)
            .bind(now_text())
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The actor and CSRF token of a live session.
    pub async fn session(&self, token: &str) -> Result<Option<(Actor, String)>> {
        let r = sqlx::query(&format!(
            "{ACTOR_SQL_CSRF} JOIN sessions s ON s.user_id = u.id WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active = 1"
        ))
        .bind(hash_token(token))
        .bind(now_text())
        .fetch_optional(&self.pool)
        .await?;
        r.map(|r| Ok((actor_from(&r)?, r.try_get("csrf")?)))
            .transpose()
    }

    pub async fn delete_session(&self, token: &str) -> Result<()> {
        let (_write, mut tx) = self.begin_write().await?;
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(hash_token(token))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn create_api_token(&self, user: UserId, name: &str, token: &str) -> Result<()> {
        let (_write, mut tx) = self.begin_write().await?;
        sqlx::query("INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4)")
            .bind(user.0)
            .bind(name)
            .bind(hash_token(token))
            .bind(now_text())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn api_token_actor(&self, token: &str) -> Result<Option<Actor>> {
        let r = sqlx::query(&format!("{ACTOR_SQL} JOIN api_tokens t ON t.user_id = u.id WHERE t.token_hash = $1 AND u.active = 1"))
            .bind(hash_token(token))
            .fetch_optional(&self.pool)
            .await?;
        r.map(|r| actor_from(&r)).transpose()
    }

    /// Tokens of a user: (id, name, created_at).
    pub async fn api_tokens(&self, user: UserId) -> Result<Vec<(i64, String, String)>> {
        let rows = sqlx::query(
            "SELECT id, name, created_at FROM api_tokens WHERE user_id = $1 ORDER BY id",
        )
        .bind(user.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("id")?,
                    r.try_get("name")?,
                    r.try_get("created_at")?,
                ))
            })
            .collect()
    }

    pub async fn revoke_api_token(&self, user: UserId, id: i64) -> Result<()> {
        let (_write, mut tx) = self.begin_write().await?;
        sqlx::query("DELETE FROM api_tokens WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user.0)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Experts available for panels in (or above) a jurisdiction path.
    pub async fn experts(&self) -> Result<Vec<Candidate>> {
        let rows = sqlx::query("SELECT u.id, u.display_name, u.unit_id, u.roles FROM users u WHERE u.active = 1 AND u.roles LIKE '%expert%' ORDER BY u.id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Candidate {
                    user_id: UserId(r.try_get("id")?),
                    name: r.try_get("display_name")?,
                    unit_id: UnitId(r.try_get("unit_id")?),
                    roles: Role::parse_list(&r.try_get::<String, _>("roles")?),
                })
            })
            .collect()
    }

    /// Look up panel candidates by id; an unknown or inactive id is NotFound.
    pub async fn candidates(&self, ids: &[UserId]) -> Result<Vec<Candidate>> {
        let mut out = Vec::new();
        for id in ids {
            let r = sqlx::query(
                "SELECT id, display_name, unit_id, roles FROM users WHERE id = $1 AND active = 1",
            )
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?;
            match r {
                Some(r) => out.push(Candidate {
                    user_id: UserId(r.try_get("id")?),
                    name: r.try_get("display_name")?,
                    unit_id: UnitId(r.try_get("unit_id")?),
                    roles: Role::parse_list(&r.try_get::<String, _>("roles")?),
                }),
                None => return Err(StoreError::NotFound),
            }
        }
        Ok(out)
    }
}
