//! 绩效评价 yearly evaluations, the zombie-system list and go-live / stop dates (E1–E5, A6), and
//! the statistics the dashboards show (P5). Evaluation rows are written only by [`apply_event`]
//! inside [`Db::apply`]'s transaction; the statistics are exact aggregate queries over indexed
//! columns, scoped like the project list.
use crate::project::{bind_all, ListFilter};
use crate::{Db, Result, StoreError};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::BTreeMap;
use tongchou_domain::evaluation::{EligibilityFacts, EvaluationRecord, Outcome, SpotCheck};
use tongchou_domain::lifecycle::Event;
use tongchou_domain::permission::list_scope;
use tongchou_domain::permission::path_ids;
use tongchou_domain::{Actor, Date, JurisdictionId, UnitId};

type Tx = sqlx::AnyConnection;

/// 未按规定擅自建设 a finding against a unit (Shangcheng 第十章), as listed.
#[derive(Debug, Clone, Serialize)]
pub struct UnapprovedBuildRow {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub jurisdiction_name: String,
    pub jurisdiction_path: String,
    pub system_name: String,
    pub reference: String,
    pub found_on: String,
    pub note: String,
    pub recorded_by_name: String,
    pub recorded_at: String,
}

fn json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Other(e.to_string()))
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Other(format!("stored {what} is corrupt"))
}

fn date_opt(r: &AnyRow, col: &str) -> Result<Option<Date>> {
    let s: Option<String> = r.try_get(col)?;
    s.map(|s| s.parse::<Date>().map_err(|_| corrupt(col)))
        .transpose()
}

/// Write what an evaluation event changes (called from the project's `apply_event`).
pub(crate) async fn apply_event(
    tx: &mut Tx,
    id: i64,
    actor: &Actor,
    e: &Event,
    now: &str,
) -> Result<()> {
    match e {
        Event::FinalAccepted { date } => {
            sqlx::query(
                "INSERT INTO system_lives (project_id, unit_id, live_on) SELECT id, unit_id, $2 FROM projects WHERE id = $1 \
                 ON CONFLICT (project_id) DO UPDATE SET live_on = excluded.live_on, stopped_on = NULL",
            )
            .bind(id)
            .bind(date.to_string())
            .execute(&mut *tx)
            .await?;
        }
        Event::SelfEvaluated {
            year,
            system,
            scores,
            total,
            evidence,
        } => {
            sqlx::query(
                "INSERT INTO evaluations (project_id, unit_id, year, system, self_scores, self_total, evidence, created_by, created_at) \
                 SELECT id, unit_id, $2, $3, $4, $5, $6, $7, $8 FROM projects WHERE id = $1",
            )
            .bind(id)
            .bind(*year as i64)
            .bind(system.as_str())
            .bind(json(scores)?)
            .bind(*total as i64)
            .bind(evidence.as_str())
            .bind(actor.user_id.0)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        Event::SpotChecked { year, check } => {
            sqlx::query("UPDATE evaluations SET spot = $3 WHERE project_id = $1 AND year = $2")
                .bind(id)
                .bind(*year as i64)
                .bind(json(check)?)
                .execute(&mut *tx)
                .await?;
        }
        Event::OutcomeProposed {
            year,
            outcome,
            rectify_by,
            reason,
        } => {
            sqlx::query("UPDATE evaluations SET outcome = $3, rectify_by = $4, outcome_reason = $5, confirmed = 0 WHERE project_id = $1 AND year = $2")
                .bind(id)
                .bind(*year as i64)
                .bind(outcome.code())
                .bind(rectify_by.map(|d| d.to_string()))
                .bind(reason.as_str())
                .execute(&mut *tx)
                .await?;
        }
        Event::OutcomeReturned { year } => {
            sqlx::query("UPDATE evaluations SET outcome = NULL, rectify_by = NULL, outcome_reason = '' WHERE project_id = $1 AND year = $2")
                .bind(id)
                .bind(*year as i64)
                .execute(&mut *tx)
                .await?;
        }
        Event::OutcomeConfirmed {
            year,
            outcome,
            leader,
            leader_date,
            on,
            ..
        } => {
            sqlx::query("UPDATE evaluations SET confirmed = 1, confirmed_on = $3, leader = $4, leader_date = $5 WHERE project_id = $1 AND year = $2")
                .bind(id)
                .bind(*year as i64)
                .bind(on.to_string())
                .bind(leader.clone())
                .bind(leader_date.map(|d| d.to_string()))
                .execute(&mut *tx)
                .await?;
            match outcome {
                // E4: the zombie-system list is kept from outcomes.
                Outcome::Zombie => {
                    sqlx::query(
                        "INSERT INTO zombie_systems (project_id, unit_id, system_name, year, listed_on, created_at) \
                         SELECT id, unit_id, name, $2, $3, $4 FROM projects WHERE id = $1",
                    )
                    .bind(id)
                    .bind(*year as i64)
                    .bind(on.to_string())
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                // 强制淘汰: the application stops (read by the 第十章 bar).
                Outcome::Retire => {
                    sqlx::query(
                        "INSERT INTO system_lives (project_id, unit_id, live_on, stopped_on) SELECT id, unit_id, $2, $2 FROM projects WHERE id = $1 \
                         ON CONFLICT (project_id) DO UPDATE SET stopped_on = excluded.stopped_on",
                    )
                    .bind(id)
                    .bind(on.to_string())
                    .execute(&mut *tx)
                    .await?;
                }
                _ => {}
            }
        }
        Event::EvaluationRectified { year, note } => {
            sqlx::query("UPDATE evaluations SET rectified_note = $3, rectified_on = $4 WHERE project_id = $1 AND year = $2")
                .bind(id)
                .bind(*year as i64)
                .bind(note.as_str())
                .bind(now.get(..10).unwrap_or(now))
                .execute(&mut *tx)
                .await?;
        }
        Event::EvaluationPublished { year } => {
            sqlx::query("UPDATE evaluations SET published = 1, published_at = $3 WHERE project_id = $1 AND year = $2")
                .bind(id)
                .bind(*year as i64)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        _ => {}
    }
    Ok(())
}

fn record_from(r: &AnyRow) -> Result<EvaluationRecord> {
    let scores: String = r.try_get("self_scores")?;
    let spot: Option<String> = r.try_get("spot")?;
    let outcome: Option<String> = r.try_get("outcome")?;
    Ok(EvaluationRecord {
        year: r.try_get::<i64, _>("year")? as i32,
        system: r.try_get("system")?,
        self_scores: serde_json::from_str(&scores).map_err(|_| corrupt("self_scores"))?,
        self_total: r.try_get::<i64, _>("self_total")? as u32,
        evidence: r.try_get("evidence")?,
        spot: spot
            .map(|s| serde_json::from_str::<SpotCheck>(&s).map_err(|_| corrupt("spot")))
            .transpose()?,
        outcome: outcome
            .map(|o| Outcome::parse(&o).ok_or_else(|| corrupt("outcome")))
            .transpose()?,
        rectify_by: date_opt(r, "rectify_by")?,
        outcome_reason: r.try_get("outcome_reason")?,
        confirmed: r.try_get::<i64, _>("confirmed")? == 1,
        leader: r.try_get("leader")?,
        published: r.try_get::<i64, _>("published")? == 1,
        rectified: r.try_get("rectified_note")?,
    })
}

/// A published result, as the public page shows it: nothing internal (no evidence, no expert
/// or checker opinions, no names of people).
#[derive(Debug, Clone, Serialize)]
pub struct PublishedResult {
    pub year: i32,
    pub project_code: String,
    pub system: String,
    pub unit: String,
    pub score: u32,
    pub outcome: String,
    pub outcome_label: String,
}

/// An entry of the zombie-system list.
#[derive(Debug, Clone, Serialize)]
pub struct ZombieRow {
    pub project_id: i64,
    pub system: String,
    pub unit: String,
    pub year: i32,
    pub listed_on: String,
}

/// One bar of a chart / row of its table.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StatRow {
    pub label: String,
    pub count: i64,
    /// Money in fen (0 where the chart counts only).
    pub fen: i64,
    /// A second money figure (the approved amount beside the declared one).
    pub fen2: i64,
    /// The jurisdiction a row stands for (the by-jurisdiction rows: the drill-down target).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jurisdiction_id: Option<i64>,
}

/// Reuse of a shared application (S8, ZJ-share): requests and approvals.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ReuseRow {
    pub label: String,
    /// The listing (per application) or the jurisdiction (per jurisdiction) the row stands for.
    pub id: i64,
    pub requests: i64,
    pub approved: i64,
}

/// The jurisdiction the statistics cover (it and everything below it).
#[derive(Debug, Clone, Serialize, Default, PartialEq, Eq)]
pub struct StatScope {
    pub jurisdiction_id: i64,
    pub name: String,
    /// The parent, when it is within the viewer's own scope (the way back up).
    pub parent: Option<(i64, String)>,
    /// Whether drafts are counted (auditors and administrators see them; departments see
    /// declared projects only, like the project list).
    pub drafts: bool,
}

/// The numbers behind the statistics page (P5), each exact.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Statistics {
    /// Approved investment by project year.
    pub by_year: Vec<StatRow>,
    /// Approved investment by category (code).
    pub by_category: Vec<StatRow>,
    /// Approved investment by build kind (code).
    pub by_build_kind: Vec<StatRow>,
    /// Declared vs approved: count = declared, fen = declared amount, fen2 = approved amount,
    /// per project year.
    pub approval: Vec<StatRow>,
    /// Approved projects per year (for the approval rate).
    pub approved_count: Vec<(String, i64)>,
    /// Overdue open obligations by unit.
    pub overdue_by_unit: Vec<StatRow>,
    /// Confirmed evaluation outcomes (code).
    pub outcomes: Vec<StatRow>,
    /// Median days spent in a stage (code), from the history.
    pub stage_days: Vec<StatRow>,
    /// What is counted.
    pub scope: StatScope,
    /// Approved investment by child jurisdiction of the scope (the scope's own projects as
    /// 本级); `jurisdiction_id` set on each child row for the drill-down.
    pub by_jurisdiction: Vec<StatRow>,
    /// Approved investment by major task (code of the profile's `major_tasks`; "" = 未标注).
    pub by_major_task: Vec<StatRow>,
    /// Approved investment by function (code of the profile's `gov_functions`; "" = 未标注).
    pub by_function: Vec<StatRow>,
    /// Reuse requests and approvals per listed application, by units in scope.
    pub reuse_by_listing: Vec<ReuseRow>,
    /// Reuse requests and approvals per child jurisdiction of the requesting unit.
    pub reuse_by_jurisdiction: Vec<ReuseRow>,
}

fn stat_rows(rows: &[AnyRow]) -> Result<Vec<StatRow>> {
    rows.iter()
        .map(|r| {
            Ok(StatRow {
                label: match r.try_get::<String, _>("label") {
                    Ok(s) => s,
                    Err(_) => r.try_get::<i64, _>("label")?.to_string(),
                },
                count: r.try_get("n")?,
                fen: r.try_get::<Option<i64>, _>("fen")?.unwrap_or(0),
                fen2: r
                    .try_get::<Option<i64>, _>("fen2")
                    .ok()
                    .flatten()
                    .unwrap_or(0),
                jurisdiction_id: None,
            })
        })
        .collect()
}

impl Db {
    /// The project's evaluations, oldest year first.
    pub async fn evaluations(&self, project: i64) -> Result<Vec<EvaluationRecord>> {
        let rows = sqlx::query("SELECT * FROM evaluations WHERE project_id = $1 ORDER BY year")
            .bind(project)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(record_from).collect()
    }

    /// What the declaration bars (A6) read about a unit: zombie entries since `since`, stops
    /// since last year, overdue filing duties (备案, the project records) of its projects of
    /// earlier years, and the latest confirmed evaluation of each of its systems.
    pub async fn eligibility_facts(
        &self,
        unit: UnitId,
        project: i64,
        project_year: i32,
        today: Date,
        zombie_years: u32,
    ) -> Result<EligibilityFacts> {
        let mut f = EligibilityFacts::default();
        let since = tongchou_domain::lifecycle::add_months(today, 0)
            .checked_sub(jiff::Span::new().years(zombie_years as i64))
            .unwrap_or(today);
        for r in sqlx::query("SELECT system_name, listed_on FROM zombie_systems WHERE unit_id = $1 AND listed_on > $2 ORDER BY listed_on")
            .bind(unit.0)
            .bind(since.to_string())
            .fetch_all(&self.pool)
            .await?
        {
            f.zombies.push((
                r.try_get("system_name")?,
                date_opt(&r, "listed_on")?.ok_or_else(|| corrupt("listed_on"))?,
            ));
        }
        let stops_since = format!("{}-01-01", today.year() - 1);
        for r in sqlx::query(
            "SELECT p.name, l.live_on, l.stopped_on FROM system_lives l JOIN projects p ON p.id = l.project_id \
             WHERE l.unit_id = $1 AND l.stopped_on IS NOT NULL AND l.stopped_on >= $2",
        )
        .bind(unit.0)
        .bind(stops_since)
        .fetch_all(&self.pool)
        .await?
        {
            f.stops.push((
                r.try_get("name")?,
                date_opt(&r, "live_on")?.ok_or_else(|| corrupt("live_on"))?,
                date_opt(&r, "stopped_on")?.ok_or_else(|| corrupt("stopped_on"))?,
            ));
        }
        for r in sqlx::query(
            "SELECT p.name, o.title, o.due FROM projects p JOIN obligations o ON o.project_id = p.id \
             WHERE p.unit_id = $1 AND p.id <> $2 AND p.year < $3 AND o.state = 'open' AND o.due < $4 AND o.owner = 'unit' AND substr(o.code, 1, 5) = 'file_' \
             ORDER BY o.due LIMIT 20",
        )
        .bind(unit.0)
        .bind(project)
        .bind(project_year as i64)
        .bind(today.to_string())
        .fetch_all(&self.pool)
        .await?
        {
            f.unfinished.push((
                r.try_get("name")?,
                r.try_get("title")?,
                date_opt(&r, "due")?.ok_or_else(|| corrupt("due"))?,
            ));
        }
        let rows = sqlx::query(
            "SELECT e.project_id, p.name, e.year, e.outcome FROM evaluations e JOIN projects p ON p.id = e.project_id \
             WHERE e.unit_id = $1 AND e.confirmed = 1 AND p.stage = 'in_operation' ORDER BY e.project_id, e.year DESC",
        )
        .bind(unit.0)
        .fetch_all(&self.pool)
        .await?;
        let mut last = None;
        for r in &rows {
            let pid: i64 = r.try_get("project_id")?;
            if last == Some(pid) {
                continue;
            }
            last = Some(pid);
            let outcome: String = r.try_get("outcome")?;
            let outcome = Outcome::parse(&outcome).ok_or_else(|| corrupt("outcome"))?;
            let name: String = r.try_get("name")?;
            if outcome == Outcome::Suspend {
                f.suspended
                    .push((name.clone(), r.try_get::<i64, _>("year")? as i32));
            }
            if !outcome.passed() {
                f.unpassed.push((name, outcome));
            }
        }
        // Shangcheng 第十章: 未按规定擅自建设项目 — findings since the start of last year (the
        // bar runs to the end of the year after the finding).
        for r in sqlx::query(
            "SELECT system_name, reference, found_on FROM unapproved_builds WHERE unit_id = $1 AND found_on >= $2 ORDER BY found_on, id",
        )
        .bind(unit.0)
        .bind(format!("{}-01-01", today.year() - 1))
        .fetch_all(&self.pool)
        .await?
        {
            f.unapproved.push((
                r.try_get("system_name")?,
                date_opt(&r, "found_on")?.ok_or_else(|| corrupt("found_on"))?,
                r.try_get("reference")?,
            ));
        }
        Ok(f)
    }

    /// Record the competent authority's finding that a unit built a system without approval
    /// (Shangcheng 第十章 未按规定擅自建设): append-only, with who and when (validated by the
    /// caller).
    pub async fn record_unapproved_build(
        &self,
        actor: &Actor,
        unit: UnitId,
        system_name: &str,
        reference: &str,
        found_on: Date,
        note: &str,
    ) -> Result<i64> {
        let (_write, mut tx) = self.begin_write().await?;
        let r = sqlx::query(
            "INSERT INTO unapproved_builds (unit_id, system_name, reference, found_on, note, recorded_by, recorded_by_name, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(unit.0)
        .bind(system_name)
        .bind(reference)
        .bind(found_on.to_string())
        .bind(note)
        .bind(actor.user_id.0)
        .bind(&actor.name)
        .bind(crate::now_text())
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = r.try_get("id")?;
        tx.commit().await?;
        Ok(id)
    }

    /// The findings of units in jurisdictions at or below `path` (and, with `unit`, only that
    /// unit's), newest first.
    pub async fn unapproved_builds(
        &self,
        path: &str,
        unit: Option<UnitId>,
    ) -> Result<Vec<UnapprovedBuildRow>> {
        let rows = sqlx::query(
            "SELECT b.id, b.unit_id, n.name AS unit_name, j.name AS jname, j.path, b.system_name, b.reference, b.found_on, b.note, b.recorded_by_name, b.recorded_at \
             FROM unapproved_builds b JOIN units n ON n.id = b.unit_id JOIN jurisdictions j ON j.id = n.jurisdiction_id \
             WHERE j.path LIKE $1 AND ($2 = 0 OR b.unit_id = $2) ORDER BY b.found_on DESC, b.id DESC",
        )
        .bind(format!("{path}%"))
        .bind(unit.map(|u| u.0).unwrap_or(0))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(UnapprovedBuildRow {
                    id: r.try_get("id")?,
                    unit_id: r.try_get("unit_id")?,
                    unit_name: r.try_get("unit_name")?,
                    jurisdiction_name: r.try_get("jname")?,
                    jurisdiction_path: r.try_get("path")?,
                    system_name: r.try_get("system_name")?,
                    reference: r.try_get("reference")?,
                    found_on: r.try_get("found_on")?,
                    note: r.try_get("note")?,
                    recorded_by_name: r.try_get("recorded_by_name")?,
                    recorded_at: r.try_get("recorded_at")?,
                })
            })
            .collect()
    }

    /// Published evaluation results (the public page), newest year first.
    pub async fn published_results(&self, limit: i64) -> Result<Vec<PublishedResult>> {
        let rows = sqlx::query(
            "SELECT e.year, e.self_total, e.spot, e.outcome, p.code, p.name, u.name AS unit FROM evaluations e \
             JOIN projects p ON p.id = e.project_id JOIN units u ON u.id = p.unit_id \
             WHERE e.published = 1 AND e.confirmed = 1 ORDER BY e.year DESC, p.code LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let spot: Option<String> = r.try_get("spot")?;
                let score = match spot {
                    Some(s) => {
                        serde_json::from_str::<SpotCheck>(&s)
                            .map_err(|_| corrupt("spot"))?
                            .total
                    }
                    None => r.try_get::<i64, _>("self_total")? as u32,
                };
                let o: String = r.try_get("outcome")?;
                let outcome = Outcome::parse(&o).ok_or_else(|| corrupt("outcome"))?;
                Ok(PublishedResult {
                    year: r.try_get::<i64, _>("year")? as i32,
                    project_code: r.try_get("code")?,
                    system: r.try_get("name")?,
                    unit: r.try_get("unit")?,
                    score,
                    outcome: outcome.code().into(),
                    outcome_label: outcome.label().into(),
                })
            })
            .collect()
    }

    /// The zombie-system list (E4), newest first; scoped like the project list.
    pub async fn zombie_list(&self, actor: &Actor) -> Result<Vec<ZombieRow>> {
        let Some((w, binds)) = Db::list_where(&list_scope(actor), &ListFilter::default(), false)
        else {
            return Ok(Vec::new());
        };
        let sql = format!(
            "SELECT z.project_id, z.system_name, z.year, z.listed_on, u.name AS unit FROM zombie_systems z \
             CROSS JOIN projects p JOIN units u ON u.id = z.unit_id WHERE p.id = z.project_id AND {w} ORDER BY z.listed_on DESC, z.id DESC"
        );
        let rows = bind_all(sqlx::query(&sql), &binds)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(ZombieRow {
                    project_id: r.try_get("project_id")?,
                    system: r.try_get("system_name")?,
                    unit: r.try_get("unit")?,
                    year: r.try_get::<i64, _>("year")? as i32,
                    listed_on: r.try_get("listed_on")?,
                })
            })
            .collect()
    }

    /// The statistics (P5) over the projects the actor may list, read from the precomputed
    /// aggregates (exact; see [`crate::aggregates`]).
    pub async fn statistics(&self, actor: &Actor, today: Date) -> Result<Statistics> {
        self.statistics_of(actor, today, None).await
    }

    /// The statistics of `root` (a jurisdiction at or below the actor's, checked by the caller
    /// with the domain's `may_view_statistics_of`; `None`: the actor's own) and everything
    /// below it. Departments count declared projects, auditors and administrators also drafts,
    /// like the project list; an actor whose list also holds its own unit's or its panels'
    /// projects is answered by the direct count.
    pub async fn statistics_of(
        &self,
        actor: &Actor,
        today: Date,
        root: Option<JurisdictionId>,
    ) -> Result<Statistics> {
        let Some(ctx) = self.stat_ctx(actor, root).await? else {
            return Ok(Statistics::default());
        };
        let scope = list_scope(actor);
        if scope.own_unit.is_some() || scope.panels_of.is_some() {
            return self.statistics_direct_in(actor, &ctx, today, true).await;
        }
        let jin = ctx.jin("jurisdiction_id");
        let decl = if ctx.scope.drafts {
            "declared IN (0, 1)"
        } else {
            "declared = 1"
        };
        let pool = &self.pool;
        let q = |sql: String| async move {
            let rows = sqlx::query(&sql).fetch_all(pool).await?;
            stat_rows(&rows)
        };
        let mut s = Statistics {
            scope: ctx.scope.clone(),
            ..Default::default()
        };
        let approved = "CAST(SUM(n) AS BIGINT) AS n, CAST(SUM(approved_fen) AS BIGINT) AS fen";
        let by = |dim: &str| {
            format!("SELECT value AS label, {approved} FROM agg_projects WHERE {jin} AND dim = '{dim}' AND {decl} AND approved = 1 \
                     GROUP BY value HAVING SUM(n) <> 0 ORDER BY value")
        };
        s.by_year = q(by("year")).await?;
        s.by_category = q(by("category")).await?;
        s.by_build_kind = q(by("build_kind")).await?;
        s.by_major_task = q(by("major_task")).await?;
        s.by_function = q(by("gov_function")).await?;
        let per_j = q(format!("SELECT jurisdiction_id AS label, {approved} FROM agg_projects WHERE {jin} AND dim = 'year' AND {decl} AND approved = 1 \
                     GROUP BY jurisdiction_id HAVING SUM(n) <> 0")).await?;
        s.by_jurisdiction = ctx.roll_up(per_j);
        s.approval = q(format!(
            "SELECT value AS label, CAST(SUM(n) AS BIGINT) AS n, CAST(SUM(declared_fen) AS BIGINT) AS fen, CAST(SUM(approved_fen) AS BIGINT) AS fen2 \
             FROM agg_projects WHERE {jin} AND dim = 'year' AND declared = 1 GROUP BY value HAVING SUM(n) <> 0 ORDER BY value"
        ))
        .await?;
        s.approved_count = q(format!(
            "SELECT value AS label, CAST(SUM(n) AS BIGINT) AS n, CAST(0 AS BIGINT) AS fen FROM agg_projects \
             WHERE {jin} AND dim = 'year' AND declared = 1 AND approved = 1 GROUP BY value HAVING SUM(n) <> 0 ORDER BY value"
        ))
        .await?
        .into_iter()
        .map(|r| (r.label, r.count))
        .collect();
        // Overdue = due before today: whole months before this one from the monthly cells, this
        // month's first days from the daily cells (both a few rows per unit).
        let ajin = ctx.jin("a.jurisdiction_id");
        let month_start = format!("{}-01", &today.to_string()[..7]);
        s.overdue_by_unit = stat_rows(
            &sqlx::query(&format!(
                "SELECT u.name AS label, CAST(SUM(x.n) AS BIGINT) AS n, CAST(0 AS BIGINT) AS fen FROM ( \
                 SELECT a.unit_id, SUM(a.n) AS n FROM agg_open_obligations_month a WHERE {ajin} AND a.month < $1 GROUP BY a.unit_id \
                 UNION ALL SELECT a.unit_id, SUM(a.n) AS n FROM agg_open_obligations a WHERE {ajin} AND a.due >= $2 AND a.due < $3 GROUP BY a.unit_id \
                 ) x JOIN units u ON u.id = x.unit_id GROUP BY u.name HAVING SUM(x.n) <> 0 ORDER BY n DESC, u.name LIMIT 30"
            ))
            .bind(&today.to_string()[..7])
            .bind(&month_start)
            .bind(today.to_string())
            .fetch_all(&self.pool)
            .await?,
        )?;
        let pw = format!("{} AND p.{decl}", ctx.jin("p.jurisdiction_id"));
        s.outcomes = self.outcome_rows(&pw).await?;
        let mut hist: BTreeMap<String, BTreeMap<i64, i64>> = BTreeMap::new();
        for r in sqlx::query(&format!(
            "SELECT stage, days, CAST(SUM(n) AS BIGINT) AS n FROM agg_stage_days WHERE {jin} AND {decl} GROUP BY stage, days"
        ))
        .fetch_all(&self.pool)
        .await?
        {
            let n: i64 = r.try_get("n")?;
            if n != 0 {
                *hist
                    .entry(r.try_get("stage")?)
                    .or_default()
                    .entry(r.try_get("days")?)
                    .or_default() += n;
            }
        }
        s.stage_days = medians(&hist);
        (s.reuse_by_listing, s.reuse_by_jurisdiction) = self.reuse_rows(&ctx).await?;
        Ok(s)
    }

    /// The same statistics counted directly from the projects, histories and obligations (no
    /// aggregates): the reference the aggregates are checked against, and the answer for
    /// actors whose list is not a jurisdiction scope.
    pub async fn statistics_direct(
        &self,
        actor: &Actor,
        today: Date,
        root: Option<JurisdictionId>,
    ) -> Result<Statistics> {
        let Some(ctx) = self.stat_ctx(actor, root).await? else {
            return Ok(Statistics::default());
        };
        let scope = list_scope(actor);
        let by_list = scope.own_unit.is_some() || scope.panels_of.is_some();
        self.statistics_direct_in(actor, &ctx, today, by_list).await
    }

    async fn statistics_direct_in(
        &self,
        actor: &Actor,
        ctx: &StatCtx,
        today: Date,
        by_list: bool,
    ) -> Result<Statistics> {
        let (w, binds) = if by_list {
            let Some((w, binds)) =
                Db::list_where(&list_scope(actor), &ListFilter::default(), false)
            else {
                return Ok(Statistics::default());
            };
            (format!("{w} AND {}", ctx.jin("p.jurisdiction_id")), binds)
        } else {
            let decl = if ctx.scope.drafts {
                "p.declared IN (0, 1)"
            } else {
                "p.declared = 1"
            };
            (
                format!("{} AND {decl}", ctx.jin("p.jurisdiction_id")),
                Vec::new(),
            )
        };
        let binds_ref = &binds;
        let pool = &self.pool;
        let q = |sql: String| async move {
            let rows = bind_all(sqlx::query(&sql), binds_ref)
                .fetch_all(pool)
                .await?;
            stat_rows(&rows)
        };
        let mut s = Statistics {
            scope: ctx.scope.clone(),
            ..Default::default()
        };
        let approved = "CAST(COUNT(*) AS BIGINT) AS n, CAST(SUM(p.approved_fen) AS BIGINT) AS fen";
        let by = |col: &str| {
            format!("SELECT p.{col} AS label, {approved} FROM projects p WHERE {w} AND p.approved_fen IS NOT NULL GROUP BY p.{col} ORDER BY p.{col}")
        };
        s.by_year = q(by("year")).await?;
        s.by_category = q(by("category")).await?;
        s.by_build_kind = q(by("build_kind")).await?;
        s.by_major_task = q(by("major_task")).await?;
        s.by_function = q(by("gov_function")).await?;
        let per_j = q(by("jurisdiction_id")).await?;
        s.by_jurisdiction = ctx.roll_up(per_j);
        s.approval = q(format!(
            "SELECT p.year AS label, CAST(COUNT(*) AS BIGINT) AS n, CAST(SUM(p.it_fen + p.non_it_fen) AS BIGINT) AS fen, \
             CAST(SUM(COALESCE(p.approved_fen, 0)) AS BIGINT) AS fen2 FROM projects p WHERE {w} AND p.declared = 1 GROUP BY p.year ORDER BY p.year"
        ))
        .await?;
        s.approved_count = q(format!("SELECT p.year AS label, CAST(COUNT(*) AS BIGINT) AS n, CAST(0 AS BIGINT) AS fen FROM projects p WHERE {w} AND p.declared = 1 AND p.approved_fen IS NOT NULL GROUP BY p.year ORDER BY p.year"))
            .await?
            .into_iter()
            .map(|r| (r.label, r.count))
            .collect();
        let n = binds.len();
        s.overdue_by_unit = {
            let sql = format!(
                "SELECT u.name AS label, CAST(COUNT(*) AS BIGINT) AS n, CAST(0 AS BIGINT) AS fen FROM obligations o JOIN projects p ON p.id = o.project_id \
                 JOIN units u ON u.id = p.unit_id WHERE {w} AND o.state = 'open' AND o.due < ${} GROUP BY u.name ORDER BY n DESC, u.name LIMIT 30",
                n + 1
            );
            let rows = bind_all(sqlx::query(&sql), &binds)
                .bind(today.to_string())
                .fetch_all(&self.pool)
                .await?;
            stat_rows(&rows)?
        };
        s.outcomes = if by_list {
            q(format!("SELECT e.outcome AS label, CAST(COUNT(*) AS BIGINT) AS n, CAST(0 AS BIGINT) AS fen FROM evaluations e JOIN projects p ON p.id = e.project_id WHERE {w} AND e.confirmed = 1 GROUP BY e.outcome ORDER BY e.outcome")).await?
        } else {
            self.outcome_rows(&w).await?
        };
        // Median days per stage, from the history entries of the projects in scope.
        let sql = format!(
            "SELECT h.project_id, h.from_stage, h.to_stage, h.at FROM history h JOIN projects p ON p.id = h.project_id WHERE {w} ORDER BY h.project_id, h.seq"
        );
        let rows = bind_all(sqlx::query(&sql), &binds)
            .fetch_all(&self.pool)
            .await?;
        s.stage_days = stage_medians(&rows)?;
        (s.reuse_by_listing, s.reuse_by_jurisdiction) = self.reuse_rows(ctx).await?;
        Ok(s)
    }

    /// Confirmed evaluation outcomes of the projects matching `w` (no binds).
    async fn outcome_rows(&self, w: &str) -> Result<Vec<StatRow>> {
        // Evaluations first (few), then their projects (CROSS JOIN keeps that order in SQLite).
        let rows = sqlx::query(&format!("SELECT e.outcome AS label, CAST(COUNT(*) AS BIGINT) AS n, CAST(0 AS BIGINT) AS fen FROM evaluations e CROSS JOIN projects p WHERE p.id = e.project_id AND {w} AND e.confirmed = 1 GROUP BY e.outcome ORDER BY e.outcome"))
            .fetch_all(&self.pool)
            .await?;
        stat_rows(&rows)
    }

    /// Reuse of shared applications by units in scope: per listing and per child jurisdiction
    /// (read only from the market's tables).
    async fn reuse_rows(&self, ctx: &StatCtx) -> Result<(Vec<ReuseRow>, Vec<ReuseRow>)> {
        let uj = ctx.jin("u.jurisdiction_id");
        let counts = "CAST(COUNT(*) AS BIGINT) AS requests, CAST(SUM(CASE WHEN r.state = 'approved' THEN 1 ELSE 0 END) AS BIGINT) AS approved";
        let mut per_listing = Vec::new();
        for r in sqlx::query(&format!(
            "SELECT l.id, l.name, {counts} FROM reuses r JOIN listings l ON l.id = r.listing_id JOIN units u ON u.id = r.unit_id \
             WHERE {uj} GROUP BY l.id, l.name ORDER BY requests DESC, l.id LIMIT 50"
        ))
        .fetch_all(&self.pool)
        .await?
        {
            per_listing.push(ReuseRow {
                label: r.try_get("name")?,
                id: r.try_get("id")?,
                requests: r.try_get("requests")?,
                approved: r.try_get("approved")?,
            });
        }
        let mut per_j: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
        for r in sqlx::query(&format!(
            "SELECT u.jurisdiction_id, {counts} FROM reuses r JOIN units u ON u.id = r.unit_id WHERE {uj} GROUP BY u.jurisdiction_id"
        ))
        .fetch_all(&self.pool)
        .await?
        {
            let child = ctx.child_of(r.try_get("jurisdiction_id")?);
            let e = per_j.entry(child).or_default();
            e.0 += r.try_get::<i64, _>("requests")?;
            e.1 += r.try_get::<i64, _>("approved")?;
        }
        let per_j = per_j
            .into_iter()
            .map(|(j, (requests, approved))| ReuseRow {
                label: ctx.label_of(j),
                id: j,
                requests,
                approved,
            })
            .collect();
        Ok((per_listing, per_j))
    }

    async fn stat_ctx(
        &self,
        actor: &Actor,
        root: Option<JurisdictionId>,
    ) -> Result<Option<StatCtx>> {
        let scope = list_scope(actor);
        let root_id = root.unwrap_or(actor.jurisdiction_id);
        let all = self.jurisdictions().await?;
        let Some(rootj) = all.iter().find(|j| j.id == root_id) else {
            return Err(StoreError::NotFound);
        };
        if !rootj.path.starts_with(&actor.jurisdiction_path) {
            return Ok(None);
        }
        let depth = path_ids(&rootj.path).len();
        let parent = path_ids(&rootj.path)
            .get(depth.wrapping_sub(2))
            .copied()
            .filter(|_| depth >= 2 && rootj.id != actor.jurisdiction_id)
            .and_then(|pid| all.iter().find(|j| j.id.0 == pid))
            .map(|j| (j.id.0, j.name.clone()));
        let mut child = BTreeMap::new();
        let mut names = BTreeMap::new();
        for j in all.iter().filter(|j| j.path.starts_with(&rootj.path)) {
            let ids = path_ids(&j.path);
            let c = ids.get(depth).copied().unwrap_or(rootj.id.0);
            child.insert(j.id.0, c);
            names.insert(j.id.0, j.name.clone());
        }
        Ok(Some(StatCtx {
            scope: StatScope {
                jurisdiction_id: rootj.id.0,
                name: rootj.name.clone(),
                parent,
                drafts: scope.everything,
            },
            child,
            names,
        }))
    }
}

/// The jurisdictions the statistics cover.
struct StatCtx {
    scope: StatScope,
    /// Every jurisdiction in scope → the child of the root it lies under (the root itself for
    /// the root).
    child: BTreeMap<i64, i64>,
    names: BTreeMap<i64, String>,
}

impl StatCtx {
    /// `col IN (every jurisdiction in scope)` (integers read from the database).
    fn jin(&self, col: &str) -> String {
        let ids: Vec<String> = self.child.keys().map(|i| i.to_string()).collect();
        format!("{col} IN ({})", ids.join(","))
    }

    fn child_of(&self, j: i64) -> i64 {
        self.child
            .get(&j)
            .copied()
            .unwrap_or(self.scope.jurisdiction_id)
    }

    fn label_of(&self, j: i64) -> String {
        let name = self.names.get(&j).cloned().unwrap_or_default();
        if j == self.scope.jurisdiction_id {
            format!("{name}（本级）")
        } else {
            name
        }
    }

    /// Rows per jurisdiction (label = id) summed per child of the root; children carry their
    /// id for the drill-down, the root's own row does not.
    fn roll_up(&self, rows: Vec<StatRow>) -> Vec<StatRow> {
        let mut sum: BTreeMap<i64, (i64, i64, i64)> = BTreeMap::new();
        for r in rows {
            let j: i64 = r.label.parse().unwrap_or(0);
            let e = sum.entry(self.child_of(j)).or_default();
            e.0 += r.count;
            e.1 += r.fen;
            e.2 += r.fen2;
        }
        let mut out: Vec<StatRow> = sum
            .into_iter()
            .map(|(j, (count, fen, fen2))| StatRow {
                label: self.label_of(j),
                count,
                fen,
                fen2,
                jurisdiction_id: (j != self.scope.jurisdiction_id).then_some(j),
            })
            .collect();
        out.sort_by(|a, b| b.fen.cmp(&a.fen).then(a.label.cmp(&b.label)));
        out
    }
}

/// The exact median per stage of a histogram stage → days → count, as rows (label = stage,
/// count = spans, fen = median days; the mean of the two middle values, rounded down, when
/// the count is even).
fn medians(hist: &BTreeMap<String, BTreeMap<i64, i64>>) -> Vec<StatRow> {
    let kth = |h: &BTreeMap<i64, i64>, k: i64| -> i64 {
        let mut seen = 0;
        for (d, n) in h {
            seen += n;
            if seen > k {
                return *d;
            }
        }
        0
    };
    hist.iter()
        .filter_map(|(stage, h)| {
            let total: i64 = h.values().sum();
            if total <= 0 {
                return None;
            }
            let m = if total % 2 == 1 {
                kth(h, total / 2)
            } else {
                (kth(h, total / 2 - 1) + kth(h, total / 2)) / 2
            };
            Some(StatRow {
                label: stage.clone(),
                count: total,
                fen: m,
                fen2: 0,
                jurisdiction_id: None,
            })
        })
        .collect()
}

/// Days each stage lasted, from the history rows of several projects in (project, seq) order,
/// as a median per stage code (the direct count).
fn stage_medians(rows: &[AnyRow]) -> Result<Vec<StatRow>> {
    let mut hist: BTreeMap<String, BTreeMap<i64, i64>> = BTreeMap::new();
    let mut i = 0;
    while i < rows.len() {
        let pid: i64 = rows[i].try_get("project_id")?;
        let mut entries = Vec::new();
        while i < rows.len() && rows[i].try_get::<i64, _>("project_id")? == pid {
            entries.push((
                rows[i].try_get::<String, _>("from_stage")?,
                rows[i].try_get::<String, _>("to_stage")?,
                rows[i].try_get::<String, _>("at")?,
            ));
            i += 1;
        }
        for (stage, days) in crate::aggregates::spans_of(
            entries
                .iter()
                .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str())),
        ) {
            *hist.entry(stage).or_default().entry(days).or_default() += 1;
        }
    }
    Ok(medians(&hist))
}
