//! 绩效评价普查 (Shaoxing 第三十三条: 主管部门组织普查、重点项目抽查): every project in operation
//! the reader may list, with where its evaluation of the year stands — self-evaluated or not,
//! spot-checked, outcome proposed or confirmed, published.
use crate::project::Tx;
use crate::project::{bind_all, ListFilter};
use crate::{Db, Result};
use serde::Serialize;
use sqlx::Row;
use tongchou_domain::evaluation::{user_rating_score, Outcome};
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
    /// 基层用户评价 of the year: how many ratings, and the indicator's score (ZJ-plan 四(四)).
    pub ratings: i64,
    pub user_rating_score: Option<u32>,
}

/// One user's rating of an application (the unit is shown, not the person).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RatingItem {
    pub unit: String,
    pub stars: i64,
    pub comment: String,
    pub at: String,
}

/// An application's 基层用户评价 of a year.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RatingSummary {
    pub year: i32,
    pub count: i64,
    pub stars_sum: i64,
    /// The indicator's score: the average × 20 (None without a rating).
    pub score: Option<u32>,
    pub items: Vec<RatingItem>,
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
            "SELECT p.id, p.code, p.name, u.name AS unit, e.self_total, e.spot, e.outcome, e.confirmed, e.published, \
             (SELECT COUNT(*) FROM app_ratings r WHERE r.project_id = p.id AND r.year = ${b}) AS n_ratings, \
             (SELECT CAST(COALESCE(SUM(r.stars), 0) AS BIGINT) FROM app_ratings r WHERE r.project_id = p.id AND r.year = ${b}) AS sum_stars \
             FROM projects p JOIN units u ON u.id = p.unit_id \
             LEFT JOIN evaluations e ON e.project_id = p.id AND e.year = ${a} \
             WHERE {w} ORDER BY CASE WHEN e.id IS NULL THEN 0 ELSE 1 END, u.name, p.id LIMIT {limit}",
            a = binds.len() + 1,
            b = binds.len() + 2,
            limit = limit.clamp(1, 5000)
        );
        let rows = bind_all(sqlx::query(&sql), &binds)
            .bind(year as i64)
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
                    ratings: r.try_get("n_ratings")?,
                    user_rating_score: user_rating_score(
                        r.try_get("n_ratings")?,
                        r.try_get("sum_stars")?,
                    ),
                })
            })
            .collect()
    }
}

impl Db {
    /// Record (or replace) the actor's 基层用户评价 of an application for `year`, with its entry in
    /// the hash-chained `board_history` (subject `app_rating`, the project's id) in the same
    /// transaction. The rule (`evaluation::check_rating`) is the caller's.
    pub async fn rate_application(
        &self,
        actor: &Actor,
        project: i64,
        year: i32,
        stars: u32,
        comment: &str,
    ) -> Result<()> {
        let (actor, comment) = (actor.clone(), comment.trim().to_string());
        self.write(move |tx: &mut Tx| {
            Box::pin(async move {
                let now = crate::now_text();
                sqlx::query(
                    "INSERT INTO app_ratings (project_id, year, user_id, unit_id, stars, comment, at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                     ON CONFLICT (project_id, year, user_id) DO UPDATE SET unit_id = excluded.unit_id, stars = excluded.stars, \
                     comment = excluded.comment, at = excluded.at",
                )
                .bind(project)
                .bind(year as i64)
                .bind(actor.user_id.0)
                .bind(actor.unit_id.0)
                .bind(stars as i64)
                .bind(&comment)
                .bind(&now)
                .execute(&mut *tx)
                .await?;
                crate::tasks::board_log(
                    tx,
                    "app_rating",
                    project,
                    &actor,
                    "rate_application",
                    &format!("{} 评价应用：{stars} 星（{year} 年度）", actor.unit_name),
                    &serde_json::json!({"year": year, "stars": stars, "comment": comment}),
                    &now,
                )
                .await
            }) as crate::db::BoxFut<'_, Result<()>>
        })
        .await
    }

    /// An application's ratings of `year`, newest first.
    pub async fn application_ratings(&self, project: i64, year: i32) -> Result<RatingSummary> {
        let rows = sqlx::query(
            "SELECT u.name AS unit, r.stars, r.comment, r.at FROM app_ratings r JOIN units u ON u.id = r.unit_id \
             WHERE r.project_id = $1 AND r.year = $2 ORDER BY r.at DESC, r.user_id",
        )
        .bind(project)
        .bind(year as i64)
        .fetch_all(&self.pool)
        .await?;
        let items: Vec<RatingItem> = rows
            .iter()
            .map(|r| {
                Ok(RatingItem {
                    unit: r.try_get("unit")?,
                    stars: r.try_get("stars")?,
                    comment: r.try_get("comment")?,
                    at: r.try_get("at")?,
                })
            })
            .collect::<Result<_>>()?;
        let count = items.len() as i64;
        let stars_sum = items.iter().map(|i| i.stars).sum();
        Ok(RatingSummary {
            year,
            count,
            stars_sum,
            score: user_rating_score(count, stars_sum),
            items,
        })
    }
}
