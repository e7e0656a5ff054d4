//! Exact precomputed aggregates for the statistics (P5) at 1,000,000 projects (issue 6 Speed).
//!
//! Three tables hold counts and sums the statistics page reads instead of grouping the projects,
//! their histories and their obligations on every request:
//! - `agg_projects`: projects and their declared / approved money per jurisdiction × declared ×
//!   approved × one dimension (`dim`: year, category, build kind, major task, function, stage)
//!   and its value — a project counts once in each dimension, so the table stays small (a few
//!   thousand rows at 1,000,000 projects) and each chart is one indexed range;
//! - `agg_stage_days`: a histogram of the days each stage lasted (from the history), per
//!   jurisdiction × declared × stage, so the median is exact;
//! - `agg_open_obligations`: open obligations per jurisdiction × unit × due date, and
//!   `agg_open_obligations_month` the same per due month (overdue = due before today, counted at
//!   read time: whole months before this one from the monthly table, this month's days from the
//!   daily one).
//!
//! They are kept in the transaction of every change: [`sync_project`] is called by every write
//! path that changes a project row or appends to its history (it compares the project with its
//! last contribution, kept in `agg_project_state`, and applies the difference, so it is exact
//! whatever the change was), and [`obligation_deltas`] by every statement that opens or closes
//! an obligation. Deltas are applied in key order so concurrent writers lock cells in one order.
//! [`Db::rebuild_aggregates`] recomputes everything (after bulk generation, by the CLI
//! `tongchou aggregates rebuild`), [`Db::check_aggregates`] compares them with a direct count.
use crate::db::Backend;
use crate::{Db, Result, StoreError};
use sqlx::any::AnyRow;
use sqlx::{Executor, Row};
use std::collections::BTreeMap;

type Tx = sqlx::AnyConnection;

/// The cell of `agg_projects` a project counts in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct ProjectKey {
    pub jurisdiction_id: i64,
    pub year: i64,
    pub category: String,
    pub build_kind: String,
    pub major_task: String,
    pub gov_function: String,
    pub stage: String,
    pub declared: i64,
    pub approved: i64,
}

/// What one project contributes to the aggregates.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Contribution {
    key: ProjectKey,
    declared_fen: i64,
    approved_fen: i64,
    /// (stage, days) of every stage the project has left, from its history.
    spans: Vec<(String, i64)>,
}

/// Cells of `agg_projects`: (jurisdiction, dim, declared, approved, value) → n, declared fen,
/// approved fen.
type ProjectCells = BTreeMap<(i64, &'static str, i64, i64, String), (i64, i64, i64)>;

/// The dimensions of `agg_projects`.
pub(crate) const DIMS: [&str; 6] = [
    "year",
    "category",
    "build_kind",
    "major_task",
    "gov_function",
    "stage",
];

impl ProjectKey {
    fn value(&self, dim: &str) -> String {
        match dim {
            "year" => self.year.to_string(),
            "category" => self.category.clone(),
            "build_kind" => self.build_kind.clone(),
            "major_task" => self.major_task.clone(),
            "gov_function" => self.gov_function.clone(),
            _ => self.stage.clone(),
        }
    }
}

/// Add `sign` × the contribution to the project cells (one per dimension).
fn add_cells(cells: &mut ProjectCells, c: &Contribution, sign: i64) {
    for dim in DIMS {
        let k = &c.key;
        let e = cells
            .entry((k.jurisdiction_id, dim, k.declared, k.approved, k.value(dim)))
            .or_default();
        e.0 += sign;
        e.1 += sign * c.declared_fen;
        e.2 += sign * c.approved_fen;
    }
}
/// Cells of `agg_stage_days`: (jurisdiction, declared, stage, days) → n.
type SpanCells = BTreeMap<(i64, i64, String, i64), i64>;
/// Cells of `agg_open_obligations`: (jurisdiction, unit, due) → n.
type ObligationCells = BTreeMap<(i64, i64, String), i64>;

const PROJECT_KEY_COLS: &str =
    "id, jurisdiction_id, year, category, build_kind, major_task, gov_function, stage, declared, \
     approved_fen, it_fen + non_it_fen AS declared_fen";

fn key_from(r: &AnyRow) -> Result<(ProjectKey, i64, i64)> {
    let approved: Option<i64> = r.try_get("approved_fen")?;
    Ok((
        ProjectKey {
            jurisdiction_id: r.try_get("jurisdiction_id")?,
            year: r.try_get("year")?,
            category: r.try_get("category")?,
            build_kind: r.try_get("build_kind")?,
            major_task: r.try_get("major_task")?,
            gov_function: r.try_get("gov_function")?,
            stage: r.try_get("stage")?,
            declared: r.try_get("declared")?,
            approved: approved.is_some() as i64,
        },
        r.try_get("declared_fen")?,
        approved.unwrap_or(0),
    ))
}

/// The days each stage lasted for one project, from its history in order: a stage is entered by
/// an entry that changes stage and left by the next one that changes stage (entries keeping the
/// stage are skipped; days counted between the calendar days of the two entries).
pub(crate) fn spans_of<'a>(
    entries: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>,
) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    let mut cur: Option<(&str, jiff::civil::Date)> = None;
    for (from, to, at) in entries {
        let Ok(day) = at.get(..10).unwrap_or("").parse::<jiff::civil::Date>() else {
            continue;
        };
        if from == to {
            continue;
        }
        if let Some((stage, since)) = cur {
            if stage == from {
                let days = (day - since).get_days() as i64;
                out.push((stage.to_string(), days.max(0)));
            }
        }
        cur = Some((to, day));
    }
    out
}

fn encode_spans(spans: &[(String, i64)]) -> String {
    spans
        .iter()
        .map(|(s, d)| format!("{s}:{d}"))
        .collect::<Vec<_>>()
        .join(",")
}

fn decode_spans(s: &str) -> Vec<(String, i64)> {
    s.split(',')
        .filter(|p| !p.is_empty())
        .filter_map(|p| {
            let (st, d) = p.rsplit_once(':')?;
            Some((st.to_string(), d.parse().ok()?))
        })
        .collect()
}

/// `VALUES ($1, …, $k), ($k+1, …)` for `rows` rows of `k` columns: each aggregate upsert is one
/// statement per change, whatever the number of cells it touches (a lifecycle transition moves a
/// project out of six dimension cells and into six others), so the writer's statement count —
/// what a SQLite transition costs — stays small.
fn values_list(rows: usize, k: usize) -> String {
    let mut s = String::with_capacity(rows * k * 5);
    for r in 0..rows {
        if r > 0 {
            s.push_str(", ");
        }
        s.push('(');
        for c in 0..k {
            if c > 0 {
                s.push_str(", ");
            }
            s.push_str(&format!("${}", r * k + c + 1));
        }
        s.push(')');
    }
    s
}

/// Rows per multi-row upsert (well under both databases' bound-parameter limits).
const UPSERT_CHUNK: usize = 200;

async fn upsert_projects(tx: &mut Tx, cells: &ProjectCells) -> Result<()> {
    let rows: Vec<_> = cells
        .iter()
        .filter(|(_, (n, d, a))| *n != 0 || *d != 0 || *a != 0)
        .collect();
    for chunk in rows.chunks(UPSERT_CHUNK) {
        let sql = format!(
            "INSERT INTO agg_projects (jurisdiction_id, dim, declared, approved, value, n, declared_fen, approved_fen) \
             VALUES {} \
             ON CONFLICT (jurisdiction_id, dim, declared, approved, value) DO UPDATE SET \
             n = agg_projects.n + excluded.n, declared_fen = agg_projects.declared_fen + excluded.declared_fen, \
             approved_fen = agg_projects.approved_fen + excluded.approved_fen",
            values_list(chunk.len(), 8)
        );
        let mut q = sqlx::query(&sql);
        for ((j, dim, declared, approved, value), (n, d, a)) in chunk {
            q = q
                .bind(*j)
                .bind(*dim)
                .bind(*declared)
                .bind(*approved)
                .bind(value.as_str())
                .bind(*n)
                .bind(*d)
                .bind(*a);
        }
        q.execute(&mut *tx).await?;
    }
    Ok(())
}

async fn upsert_spans(tx: &mut Tx, cells: &SpanCells) -> Result<()> {
    let rows: Vec<_> = cells.iter().filter(|(_, n)| **n != 0).collect();
    for chunk in rows.chunks(UPSERT_CHUNK) {
        let sql = format!(
            "INSERT INTO agg_stage_days (jurisdiction_id, declared, stage, days, n) VALUES {} \
             ON CONFLICT (jurisdiction_id, declared, stage, days) DO UPDATE SET n = agg_stage_days.n + excluded.n",
            values_list(chunk.len(), 5)
        );
        let mut q = sqlx::query(&sql);
        for ((j, decl, stage, days), n) in chunk {
            q = q
                .bind(*j)
                .bind(*decl)
                .bind(stage.as_str())
                .bind(*days)
                .bind(**n);
        }
        q.execute(&mut *tx).await?;
    }
    Ok(())
}

async fn upsert_obligations(tx: &mut Tx, cells: &ObligationCells) -> Result<()> {
    let mut months: ObligationCells = ObligationCells::new();
    for ((j, unit, due), n) in cells {
        *months
            .entry((*j, *unit, due.get(..7).unwrap_or(due).to_string()))
            .or_default() += n;
    }
    for (table, key, cells) in [
        ("agg_open_obligations_month", "month", &months),
        ("agg_open_obligations", "due", cells),
    ] {
        let rows: Vec<_> = cells.iter().filter(|(_, n)| **n != 0).collect();
        for chunk in rows.chunks(UPSERT_CHUNK) {
            let sql = format!(
                "INSERT INTO {table} (jurisdiction_id, unit_id, {key}, n) VALUES {} \
                 ON CONFLICT (jurisdiction_id, unit_id, {key}) DO UPDATE SET n = {table}.n + excluded.n",
                values_list(chunk.len(), 4)
            );
            let mut q = sqlx::query(&sql);
            for ((j, unit, k), n) in chunk {
                q = q.bind(*j).bind(*unit).bind(k.as_str()).bind(**n);
            }
            q.execute(&mut *tx).await?;
        }
    }
    Ok(())
}

/// Bring the aggregates up to date with project `id` inside the caller's transaction: read the
/// project and its history, compare with its last contribution and apply the difference. Every
/// write path that changes a project row or appends to its history calls this before commit.
pub(crate) async fn sync_project(tx: &mut Tx, id: i64) -> Result<()> {
    let Some(r) = sqlx::query(&format!(
        "SELECT {PROJECT_KEY_COLS} FROM projects WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(());
    };
    let (key, declared_fen, approved_fen) = key_from(&r)?;
    let hist = sqlx::query(
        "SELECT from_stage, to_stage, at FROM history WHERE project_id = $1 ORDER BY seq",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let mut h = Vec::with_capacity(hist.len());
    for r in &hist {
        h.push((
            r.try_get::<String, _>("from_stage")?,
            r.try_get::<String, _>("to_stage")?,
            r.try_get::<String, _>("at")?,
        ));
    }
    let new = Contribution {
        key,
        declared_fen,
        approved_fen,
        spans: spans_of(
            h.iter()
                .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str())),
        ),
    };
    let old = match sqlx::query(
        "SELECT jurisdiction_id, year, category, build_kind, major_task, gov_function, stage, declared, approved, \
         declared_fen, approved_fen, spans FROM agg_project_state WHERE project_id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    {
        None => None,
        Some(r) => Some(Contribution {
            key: ProjectKey {
                jurisdiction_id: r.try_get("jurisdiction_id")?,
                year: r.try_get("year")?,
                category: r.try_get("category")?,
                build_kind: r.try_get("build_kind")?,
                major_task: r.try_get("major_task")?,
                gov_function: r.try_get("gov_function")?,
                stage: r.try_get("stage")?,
                declared: r.try_get("declared")?,
                approved: r.try_get("approved")?,
            },
            declared_fen: r.try_get("declared_fen")?,
            approved_fen: r.try_get("approved_fen")?,
            spans: decode_spans(&r.try_get::<String, _>("spans")?),
        }),
    };
    if old.as_ref() == Some(&new) {
        return Ok(());
    }
    let mut cells = ProjectCells::new();
    let mut spans = SpanCells::new();
    if let Some(o) = &old {
        add_cells(&mut cells, o, -1);
        for (s, d) in &o.spans {
            *spans
                .entry((o.key.jurisdiction_id, o.key.declared, s.clone(), *d))
                .or_default() -= 1;
        }
    }
    add_cells(&mut cells, &new, 1);
    for (s, d) in &new.spans {
        *spans
            .entry((new.key.jurisdiction_id, new.key.declared, s.clone(), *d))
            .or_default() += 1;
    }
    upsert_projects(tx, &cells).await?;
    upsert_spans(tx, &spans).await?;
    let k = &new.key;
    sqlx::query(
        "INSERT INTO agg_project_state (project_id, jurisdiction_id, year, category, build_kind, major_task, gov_function, stage, declared, approved, \
         declared_fen, approved_fen, spans) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
         ON CONFLICT (project_id) DO UPDATE SET jurisdiction_id = excluded.jurisdiction_id, year = excluded.year, category = excluded.category, \
         build_kind = excluded.build_kind, major_task = excluded.major_task, gov_function = excluded.gov_function, stage = excluded.stage, \
         declared = excluded.declared, approved = excluded.approved, declared_fen = excluded.declared_fen, approved_fen = excluded.approved_fen, \
         spans = excluded.spans",
    )
    .bind(id)
    .bind(k.jurisdiction_id)
    .bind(k.year)
    .bind(&k.category)
    .bind(&k.build_kind)
    .bind(&k.major_task)
    .bind(&k.gov_function)
    .bind(&k.stage)
    .bind(k.declared)
    .bind(k.approved)
    .bind(new.declared_fen)
    .bind(new.approved_fen)
    .bind(encode_spans(&new.spans))
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Apply open-obligation changes of projects inside the caller's transaction: `changes` lists
/// (project, due date, +1 opened / −1 closed).
pub(crate) async fn obligation_deltas(tx: &mut Tx, changes: &[(i64, String, i64)]) -> Result<()> {
    if changes.is_empty() {
        return Ok(());
    }
    let mut where_: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    let mut ids: Vec<i64> = changes.iter().map(|c| c.0).collect();
    ids.sort_unstable();
    ids.dedup();
    for chunk in ids.chunks(500) {
        let list = chunk
            .iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",");
        for r in sqlx::query(&format!(
            "SELECT id, jurisdiction_id, unit_id FROM projects WHERE id IN ({list})"
        ))
        .fetch_all(&mut *tx)
        .await?
        {
            where_.insert(
                r.try_get("id")?,
                (r.try_get("jurisdiction_id")?, r.try_get("unit_id")?),
            );
        }
    }
    let mut cells = ObligationCells::new();
    for (pid, due, d) in changes {
        let (j, u) = where_
            .get(pid)
            .copied()
            .ok_or_else(|| StoreError::Other(format!("obligation of unknown project {pid}")))?;
        *cells.entry((j, u, due.clone())).or_default() += d;
    }
    upsert_obligations(tx, &cells).await
}

/// What a rebuild did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct RebuildReport {
    pub projects: u64,
    /// Rows of `agg_projects` (one per jurisdiction × dimension value × declared × approved).
    pub project_cells: u64,
    pub stage_day_cells: u64,
    pub obligation_cells: u64,
}

/// Everything the aggregates should hold, computed from the base tables.
#[derive(Default)]
struct Expected {
    projects: ProjectCells,
    spans: SpanCells,
    obligations: ObligationCells,
    count: u64,
}

/// The next chunk of projects after id `last`, each with its contribution (from its row and
/// its history); `None` when there are no more.
async fn next_chunk(tx: &mut Tx, last: i64) -> Result<Option<(i64, Vec<(i64, Contribution)>)>> {
    const CHUNK: i64 = 5_000;
    let rows = sqlx::query(&format!(
        "SELECT {PROJECT_KEY_COLS} FROM projects WHERE id > $1 ORDER BY id LIMIT {CHUNK}"
    ))
    .bind(last)
    .fetch_all(&mut *tx)
    .await?;
    let Some(lr) = rows.last() else {
        return Ok(None);
    };
    let hi: i64 = lr.try_get("id")?;
    let hist = sqlx::query(
        "SELECT project_id, from_stage, to_stage, at FROM history WHERE project_id > $1 AND project_id <= $2 ORDER BY project_id, seq",
    )
    .bind(last)
    .bind(hi)
    .fetch_all(&mut *tx)
    .await?;
    let mut by_project: BTreeMap<i64, Vec<(String, String, String)>> = BTreeMap::new();
    for h in &hist {
        by_project
            .entry(h.try_get("project_id")?)
            .or_default()
            .push((
                h.try_get("from_stage")?,
                h.try_get("to_stage")?,
                h.try_get("at")?,
            ));
    }
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: i64 = r.try_get("id")?;
        let (key, declared_fen, approved_fen) = key_from(r)?;
        let spans = by_project
            .get(&id)
            .map(|v| {
                spans_of(
                    v.iter()
                        .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str())),
                )
            })
            .unwrap_or_default();
        out.push((
            id,
            Contribution {
                key,
                declared_fen,
                approved_fen,
                spans,
            },
        ));
    }
    Ok(Some((hi, out)))
}

fn add_contribution(e: &mut Expected, c: &Contribution) {
    add_cells(&mut e.projects, c, 1);
    for (s, d) in &c.spans {
        *e.spans
            .entry((c.key.jurisdiction_id, c.key.declared, s.clone(), *d))
            .or_default() += 1;
    }
    e.count += 1;
}

async fn expected_obligations(tx: &mut Tx) -> Result<ObligationCells> {
    let mut out = ObligationCells::new();
    for r in sqlx::query(
        "SELECT p.jurisdiction_id, p.unit_id, o.due, CAST(COUNT(*) AS BIGINT) AS n FROM obligations o JOIN projects p ON p.id = o.project_id \
         WHERE o.state = 'open' GROUP BY p.jurisdiction_id, p.unit_id, o.due",
    )
    .fetch_all(&mut *tx)
    .await?
    {
        out.insert(
            (
                r.try_get("jurisdiction_id")?,
                r.try_get("unit_id")?,
                r.try_get("due")?,
            ),
            r.try_get("n")?,
        );
    }
    Ok(out)
}

async fn insert_states(tx: &mut Tx, states: &[(i64, Contribution)]) -> Result<()> {
    const ROWS: usize = 200;
    for chunk in states.chunks(ROWS) {
        let mut sql = String::from(
            "INSERT INTO agg_project_state (project_id, jurisdiction_id, year, category, build_kind, major_task, gov_function, stage, declared, approved, \
             declared_fen, approved_fen, spans) VALUES ",
        );
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push(',');
            }
            sql.push('(');
            for c in 0..13 {
                if c > 0 {
                    sql.push(',');
                }
                sql.push_str(&format!("${}", i * 13 + c + 1));
            }
            sql.push(')');
        }
        let mut q = sqlx::query(&sql);
        for (id, c) in chunk {
            let k = &c.key;
            q = q
                .bind(*id)
                .bind(k.jurisdiction_id)
                .bind(k.year)
                .bind(k.category.clone())
                .bind(k.build_kind.clone())
                .bind(k.major_task.clone())
                .bind(k.gov_function.clone())
                .bind(k.stage.clone())
                .bind(k.declared)
                .bind(k.approved)
                .bind(c.declared_fen)
                .bind(c.approved_fen)
                .bind(encode_spans(&c.spans));
        }
        q.execute(&mut *tx).await?;
    }
    Ok(())
}

impl Db {
    /// Recompute every aggregate from the projects, their histories and their obligations, in
    /// one transaction (SQLite: under the write lock; PostgreSQL: the aggregate tables locked,
    /// so a concurrent change waits and then applies its delta on the rebuilt state).
    pub async fn rebuild_aggregates(&self) -> Result<RebuildReport> {
        let (_write, mut tx) = self.begin_write().await?;
        if self.backend() == Backend::Postgres {
            tx.execute(
                "LOCK TABLE agg_project_state, agg_projects, agg_stage_days, agg_open_obligations, agg_open_obligations_month IN EXCLUSIVE MODE",
            )
            .await?;
        }
        for t in [
            "agg_project_state",
            "agg_projects",
            "agg_stage_days",
            "agg_open_obligations",
            "agg_open_obligations_month",
        ] {
            tx.execute(format!("DELETE FROM {t}").as_str()).await?;
        }
        let mut e = Expected::default();
        // Walk in chunks; each chunk's states are written before the next is read.
        let mut last = 0i64;
        while let Some((hi, chunk)) = next_chunk(&mut tx, last).await? {
            for (_, c) in &chunk {
                add_contribution(&mut e, c);
            }
            insert_states(&mut tx, &chunk).await?;
            last = hi;
        }
        e.obligations = expected_obligations(&mut tx).await?;
        upsert_projects(&mut tx, &e.projects).await?;
        upsert_spans(&mut tx, &e.spans).await?;
        upsert_obligations(&mut tx, &e.obligations).await?;
        tx.commit().await?;
        Ok(RebuildReport {
            projects: e.count,
            project_cells: e.projects.len() as u64,
            stage_day_cells: e.spans.len() as u64,
            obligation_cells: e.obligations.len() as u64,
        })
    }

    /// Compare the aggregates with a direct count of the base tables; the differences found
    /// (empty: exact). Read-only.
    pub async fn check_aggregates(&self) -> Result<Vec<String>> {
        let mut conn = self.pool.acquire().await?;
        let tx: &mut Tx = &mut conn;
        let mut e = Expected::default();
        let mut last = 0i64;
        while let Some((hi, chunk)) = next_chunk(tx, last).await? {
            for (_, c) in &chunk {
                add_contribution(&mut e, c);
            }
            last = hi;
        }
        e.obligations = expected_obligations(tx).await?;
        let mut diffs = Vec::new();
        let mut got_p = ProjectCells::new();
        for r in sqlx::query(
            "SELECT jurisdiction_id, dim, declared, approved, value, n, declared_fen, approved_fen FROM agg_projects",
        )
        .fetch_all(&mut *tx)
        .await?
        {
            let dim: String = r.try_get("dim")?;
            let Some(dim) = DIMS.iter().find(|d| **d == dim) else {
                diffs.push(format!("agg_projects: unknown dimension {dim}"));
                continue;
            };
            let k = (
                r.try_get("jurisdiction_id")?,
                *dim,
                r.try_get("declared")?,
                r.try_get("approved")?,
                r.try_get("value")?,
            );
            let v: (i64, i64, i64) = (
                r.try_get("n")?,
                r.try_get("declared_fen")?,
                r.try_get("approved_fen")?,
            );
            if v != (0, 0, 0) {
                got_p.insert(k, v);
            }
        }
        e.projects.retain(|_, v| *v != (0, 0, 0));
        for (k, v) in &e.projects {
            if got_p.get(k) != Some(v) {
                diffs.push(format!(
                    "agg_projects {k:?}: expected {v:?}, stored {:?}",
                    got_p.get(k)
                ));
            }
        }
        for (k, v) in &got_p {
            if !e.projects.contains_key(k) {
                diffs.push(format!(
                    "agg_projects {k:?}: expected nothing, stored {v:?}"
                ));
            }
        }
        let mut got_s = SpanCells::new();
        for r in sqlx::query(
            "SELECT jurisdiction_id, declared, stage, days, n FROM agg_stage_days WHERE n <> 0",
        )
        .fetch_all(&mut *tx)
        .await?
        {
            got_s.insert(
                (
                    r.try_get("jurisdiction_id")?,
                    r.try_get("declared")?,
                    r.try_get("stage")?,
                    r.try_get("days")?,
                ),
                r.try_get("n")?,
            );
        }
        if got_s != e.spans {
            diffs.push(format!(
                "agg_stage_days: expected {} cells, stored {} cells, differing",
                e.spans.len(),
                got_s.len()
            ));
        }
        let mut got_o = ObligationCells::new();
        for r in sqlx::query(
            "SELECT jurisdiction_id, unit_id, due, n FROM agg_open_obligations WHERE n <> 0",
        )
        .fetch_all(&mut *tx)
        .await?
        {
            got_o.insert(
                (
                    r.try_get("jurisdiction_id")?,
                    r.try_get("unit_id")?,
                    r.try_get("due")?,
                ),
                r.try_get("n")?,
            );
        }
        let mut want_m = ObligationCells::new();
        for ((j, u, due), n) in &e.obligations {
            *want_m
                .entry((*j, *u, due.get(..7).unwrap_or(due).to_string()))
                .or_default() += n;
        }
        let mut got_m = ObligationCells::new();
        for r in sqlx::query(
            "SELECT jurisdiction_id, unit_id, month, n FROM agg_open_obligations_month WHERE n <> 0",
        )
        .fetch_all(&mut *tx)
        .await?
        {
            got_m.insert(
                (
                    r.try_get("jurisdiction_id")?,
                    r.try_get("unit_id")?,
                    r.try_get("month")?,
                ),
                r.try_get("n")?,
            );
        }
        if got_m != want_m {
            diffs.push(format!(
                "agg_open_obligations_month: expected {} cells, stored {} cells, differing",
                want_m.len(),
                got_m.len()
            ));
        }
        if got_o != e.obligations {
            diffs.push(format!(
                "agg_open_obligations: expected {:?}, stored {:?}",
                e.obligations.iter().take(20).collect::<Vec<_>>(),
                got_o.iter().take(20).collect::<Vec<_>>()
            ));
        }
        Ok(diffs)
    }
}
