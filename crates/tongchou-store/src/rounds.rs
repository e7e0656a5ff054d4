//! 集中申报期 Declaration rounds (SPEC A1): opened by the competent authority as data of its
//! jurisdiction, every opening kept with who and when.
use crate::{now_text, Db, Result, StoreError};
use sqlx::Row;
use tongchou_domain::round::{DeclarationRound, RoundFacts};
use tongchou_domain::{Actor, JurisdictionId};

const COLS: &str = "r.id, r.jurisdiction_id, j.name, j.path, CAST(r.plan_year AS BIGINT) AS plan_year, r.opens_on, r.closes_on, r.note, r.opened_by_name, r.opened_at";

fn row(r: &sqlx::any::AnyRow) -> Result<DeclarationRound> {
    let date = |c: &str| -> Result<tongchou_domain::Date> {
        let t: String = r.try_get(c)?;
        t.parse()
            .map_err(|e| StoreError::Other(format!("declaration_rounds.{c}: {e}")))
    };
    Ok(DeclarationRound {
        id: r.try_get("id")?,
        jurisdiction_id: r.try_get("jurisdiction_id")?,
        jurisdiction_name: r.try_get("name")?,
        jurisdiction_path: r.try_get("path")?,
        plan_year: r.try_get::<i64, _>("plan_year")? as i32,
        opens_on: date("opens_on")?,
        closes_on: date("closes_on")?,
        note: r.try_get("note")?,
        opened_by_name: r.try_get("opened_by_name")?,
        opened_at: r.try_get("opened_at")?,
    })
}

impl Db {
    /// Record a round opened by the actor for a jurisdiction (validated by the caller).
    pub async fn open_round(
        &self,
        actor: &Actor,
        jurisdiction: JurisdictionId,
        plan_year: i32,
        opens_on: tongchou_domain::Date,
        closes_on: tongchou_domain::Date,
        note: &str,
    ) -> Result<i64> {
        let (_write, mut tx) = self.begin_write().await?;
        let r = sqlx::query(
            "INSERT INTO declaration_rounds (jurisdiction_id, plan_year, opens_on, closes_on, note, opened_by, opened_by_name, opened_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(jurisdiction.0)
        .bind(plan_year as i64)
        .bind(opens_on.to_string())
        .bind(closes_on.to_string())
        .bind(note)
        .bind(actor.user_id.0)
        .bind(&actor.name)
        .bind(now_text())
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = r.try_get("id")?;
        tx.commit().await?;
        Ok(id)
    }

    /// The rounds of the jurisdiction at `path` and of the levels above it, newest first.
    pub async fn rounds_over(&self, path: &str) -> Result<RoundFacts> {
        let rows = sqlx::query(&format!(
            "SELECT {COLS} FROM declaration_rounds r JOIN jurisdictions j ON j.id = r.jurisdiction_id \
             WHERE $1 LIKE j.path || '%' ORDER BY r.id DESC"
        ))
        .bind(path)
        .fetch_all(&self.pool)
        .await?;
        Ok(RoundFacts {
            rounds: rows.iter().map(row).collect::<Result<_>>()?,
        })
    }

    /// Every round recorded for jurisdictions at or below `path`, newest first.
    pub async fn rounds_under(&self, path: &str) -> Result<Vec<DeclarationRound>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLS} FROM declaration_rounds r JOIN jurisdictions j ON j.id = r.jurisdiction_id \
             WHERE j.path LIKE $1 ORDER BY r.id DESC"
        ))
        .bind(format!("{path}%"))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(row).collect()
    }
}
