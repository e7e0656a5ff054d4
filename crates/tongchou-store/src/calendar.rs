//! Administrators' calendar entries: days set off or on, years declared known, and the
//! append-only record of every change.
use crate::{now_text, Db, Result};
use serde::Serialize;
use sqlx::Row;
use tongchou_domain::calendar::{Calendar, Override};
use tongchou_domain::{Actor, Date};

#[derive(Debug, Clone, Serialize)]
pub struct CalendarChange {
    pub at: String,
    pub actor_name: String,
    pub summary: String,
}

impl Db {
    /// The calendar as administrators left it (built-in data plus their entries).
    pub async fn calendar(&self) -> Result<Calendar> {
        let days = sqlx::query("SELECT day, working, name FROM calendar_days ORDER BY day")
            .fetch_all(&self.pool)
            .await?;
        let mut overrides = Vec::new();
        for r in &days {
            let Ok(date) = r.try_get::<String, _>("day")?.parse::<Date>() else {
                continue;
            };
            overrides.push(Override {
                date,
                working: r.try_get::<i64, _>("working")? == 1,
                name: r.try_get("name")?,
            });
        }
        let years = sqlx::query("SELECT year FROM calendar_years ORDER BY year")
            .fetch_all(&self.pool)
            .await?;
        let known = years
            .iter()
            .map(|r| r.try_get::<i64, _>("year").map(|y| y as i16))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Calendar::with_overrides(overrides, known))
    }

    /// Entries and declared years, for the settings page.
    pub async fn calendar_entries(&self) -> Result<(Vec<Override>, Vec<(i64, String)>)> {
        let cal_days =
            sqlx::query("SELECT day, working, name FROM calendar_days ORDER BY day DESC")
                .fetch_all(&self.pool)
                .await?;
        let mut days = Vec::new();
        for r in &cal_days {
            if let Ok(date) = r.try_get::<String, _>("day")?.parse::<Date>() {
                days.push(Override {
                    date,
                    working: r.try_get::<i64, _>("working")? == 1,
                    name: r.try_get("name")?,
                });
            }
        }
        let years = sqlx::query("SELECT year, note FROM calendar_years ORDER BY year DESC")
            .fetch_all(&self.pool)
            .await?;
        let years = years
            .iter()
            .map(|r| Ok((r.try_get("year")?, r.try_get("note")?)))
            .collect::<Result<Vec<_>>>()?;
        Ok((days, years))
    }

    /// Set days (replacing earlier entries for the same dates) and, optionally, declare a year's
    /// schedule complete; one transaction with its change record.
    pub async fn set_calendar(
        &self,
        actor: &Actor,
        days: &[Override],
        declare_year: Option<(i16, String)>,
        summary: &str,
    ) -> Result<()> {
        let now = now_text();
        let (_write, mut tx) = self.begin_write().await?;
        for o in days {
            sqlx::query("DELETE FROM calendar_days WHERE day = $1")
                .bind(o.date.to_string())
                .execute(&mut *tx)
                .await?;
            sqlx::query("INSERT INTO calendar_days (day, working, name, set_by, set_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(o.date.to_string())
                .bind(o.working as i64)
                .bind(&o.name)
                .bind(actor.user_id.0)
                .bind(&now)
                .execute(&mut *tx)
                .await?;
        }
        if let Some((year, note)) = &declare_year {
            sqlx::query("DELETE FROM calendar_years WHERE year = $1")
                .bind(*year as i64)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO calendar_years (year, note, set_by, set_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(*year as i64)
            .bind(note)
            .bind(actor.user_id.0)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        }
        let payload = serde_json::json!({ "days": days, "declare_year": declare_year.as_ref().map(|(y, n)| (y, n)) });
        sqlx::query("INSERT INTO calendar_changes (at, actor_id, actor_name, summary, payload) VALUES ($1, $2, $3, $4, $5)")
            .bind(&now)
            .bind(actor.user_id.0)
            .bind(&actor.name)
            .bind(summary)
            .bind(payload.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn calendar_changes(&self) -> Result<Vec<CalendarChange>> {
        let rows = sqlx::query(
            "SELECT at, actor_name, summary FROM calendar_changes ORDER BY id DESC LIMIT 200",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(CalendarChange {
                    at: r.try_get("at")?,
                    actor_name: r.try_get("actor_name")?,
                    summary: r.try_get("summary")?,
                })
            })
            .collect()
    }
}
