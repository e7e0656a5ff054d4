//! 绩效评价普查 (Shaoxing 第三十三条: 主管部门组织普查、重点项目抽查): every project in operation
//! the reader may list, with where its evaluation of the year stands — self-evaluated or not,
//! spot-checked, outcome proposed or confirmed, published.
use crate::project::{bind_all, ListFilter};
use crate::{Db, Result};
use serde::Serialize;
use sqlx::Row;
use tongchou_domain::evaluation::Outcome;
use tongchou_domain::permission::list_scope;
use tongchou_domain::{Actor, Stage};

/// One project of the census.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CensusRow {
    pub project_id: i64,
    pub code: String,
    pub name: String,
    pub unit: String,
    /// The unit's self-evaluation total; None: not self-evaluated yet.
    pub self_total: Option<i64>,
    pub spot_checked: bool,
    pub outcome: Option<String>,
    pub outcome_label: Option<String>,
    pub confirmed: bool,
    pub published: bool,
}

impl Db {
    /// The census of `year` over the projects in operation within the actor's list scope (at
    /// most `limit`), those not self-evaluated first.
    pub async fn evaluation_census(
        &self,
        actor: &Actor,
        year: i32,
        limit: i64,
    ) -> Result<Vec<CensusRow>> {
        let f = ListFilter {
            stages: vec![Stage::InOperation],
            ..Default::default()
        };
        let Some((w, binds)) = Db::list_where(&list_scope(actor), &f, false) else {
            return Ok(Vec::new());
        };
        let sql = format!(
            "SELECT p.id, p.code, p.name, u.name AS unit, e.self_total, e.spot, e.outcome, e.confirmed, e.published \
             FROM projects p JOIN units u ON u.id = p.unit_id \
             LEFT JOIN evaluations e ON e.project_id = p.id AND e.year = ${} \
             WHERE {w} ORDER BY CASE WHEN e.id IS NULL THEN 0 ELSE 1 END, u.name, p.id LIMIT {}",
            binds.len() + 1,
            limit.clamp(1, 5000)
        );
        let rows = bind_all(sqlx::query(&sql), &binds)
            .bind(year as i64)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let outcome: Option<String> = r.try_get("outcome")?;
                Ok(CensusRow {
                    project_id: r.try_get("id")?,
                    code: r.try_get("code")?,
                    name: r.try_get("name")?,
                    unit: r.try_get("unit")?,
                    self_total: r.try_get("self_total")?,
                    spot_checked: r.try_get::<Option<String>, _>("spot")?.is_some(),
                    outcome_label: outcome
                        .as_deref()
                        .and_then(Outcome::parse)
                        .map(|o| o.label().to_string()),
                    outcome,
                    confirmed: r.try_get::<Option<i64>, _>("confirmed")?.unwrap_or(0) != 0,
                    published: r.try_get::<Option<i64>, _>("published")?.unwrap_or(0) != 0,
                })
            })
            .collect()
    }
}
