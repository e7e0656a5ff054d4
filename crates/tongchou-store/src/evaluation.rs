//! 绩效评价 yearly evaluations, the zombie-system list and go-live / stop dates (E1–E5, A6), and
//! the statistics the dashboards show (P5). Evaluation rows are written only by [`apply_event`]
//! inside [`Db::apply`]'s transaction; the statistics are exact aggregate queries over indexed
//! columns, scoped like the project list.
use crate::project::{bind_all, ListFilter};
use crate::{Db, Result, StoreError};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;
use tongchou_domain::evaluation::{EligibilityFacts, EvaluationRecord, Outcome, SpotCheck};
use tongchou_domain::lifecycle::Event;
use tongchou_domain::permission::list_scope;
use tongchou_domain::{Actor, Date, UnitId};

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
             JOIN projects p ON p.id = z.project_id JOIN units u ON u.id = z.unit_id WHERE {w} ORDER BY z.listed_on DESC, z.id DESC"
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

    /// The statistics (P5) over the projects the actor may list. Exact: aggregate queries.
    pub async fn statistics(&self, actor: &Actor, today: Date) -> Result<Statistics> {
        let Some((w, binds)) = Db::list_where(&list_scope(actor), &ListFilter::default(), false)
        else {
            return Ok(Statistics::default());
        };
        let binds_ref = &binds;
        let pool = &self.pool;
        let q = |sql: String| async move {
            let rows = bind_all(sqlx::query(&sql), binds_ref)
                .fetch_all(pool)
                .await?;
            stat_rows(&rows)
        };
        let mut s = Statistics::default();
        let approved = "CAST(COUNT(*) AS BIGINT) AS n, CAST(SUM(p.approved_fen) AS BIGINT) AS fen";
        s.by_year = q(format!("SELECT p.year AS label, {approved} FROM projects p WHERE {w} AND p.approved_fen IS NOT NULL GROUP BY p.year ORDER BY p.year")).await?;
        s.by_category = q(format!("SELECT p.category AS label, {approved} FROM projects p WHERE {w} AND p.approved_fen IS NOT NULL GROUP BY p.category ORDER BY p.category")).await?;
        s.by_build_kind = q(format!("SELECT p.build_kind AS label, {approved} FROM projects p WHERE {w} AND p.approved_fen IS NOT NULL GROUP BY p.build_kind ORDER BY p.build_kind")).await?;
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
        s.outcomes = q(format!("SELECT e.outcome AS label, CAST(COUNT(*) AS BIGINT) AS n, CAST(0 AS BIGINT) AS fen FROM evaluations e JOIN projects p ON p.id = e.project_id WHERE {w} AND e.confirmed = 1 GROUP BY e.outcome ORDER BY e.outcome")).await?;
        // Median days per stage, from consecutive history entries of the projects in scope.
        let sql = format!(
            "SELECT h.project_id, h.from_stage, h.to_stage, h.at FROM history h JOIN projects p ON p.id = h.project_id WHERE {w} ORDER BY h.project_id, h.id"
        );
        let rows = bind_all(sqlx::query(&sql), &binds)
            .fetch_all(&self.pool)
            .await?;
        s.stage_days = stage_medians(&rows)?;
        Ok(s)
    }
}

/// Days each stage lasted (entered by one history entry, left by the next that changes stage),
/// as a median per stage code.
fn stage_medians(rows: &[AnyRow]) -> Result<Vec<StatRow>> {
    let mut spans: std::collections::BTreeMap<String, Vec<i64>> = Default::default();
    let mut cur: Option<(i64, String, jiff::civil::Date)> = None;
    for r in rows {
        let pid: i64 = r.try_get("project_id")?;
        let from: String = r.try_get("from_stage")?;
        let to: String = r.try_get("to_stage")?;
        let at: String = r.try_get("at")?;
        let Ok(day) = at.get(..10).unwrap_or("").parse::<jiff::civil::Date>() else {
            continue;
        };
        if from == to {
            continue;
        }
        if let Some((p, stage, since)) = &cur {
            if *p == pid && *stage == from {
                let days = (day - *since).get_days() as i64;
                spans.entry(stage.clone()).or_default().push(days.max(0));
            }
        }
        cur = Some((pid, to, day));
    }
    Ok(spans
        .into_iter()
        .map(|(stage, mut v)| {
            v.sort_unstable();
            let m = if v.len() % 2 == 1 {
                v[v.len() / 2]
            } else {
                (v[v.len() / 2 - 1] + v[v.len() / 2]) / 2
            };
            StatRow {
                label: stage,
                count: v.len() as i64,
                fen: m,
                fen2: 0,
            }
        })
        .collect())
}
