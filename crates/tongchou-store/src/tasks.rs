//! 挂图作战、对账销号 (SPEC P3), plan indicators (P4), the 晾晒台's daily snapshots (P1) and the
//! 观星台's cases (P2). A task change or an indicator link is one write: the row, the project's
//! version and its hash-chained history entry. Indicators and showcase cases, which belong to no
//! project, record their changes in `board_history` in the same transaction.
use crate::project::{append_history, bind_all, Bind, ProjectListItem, Tx};
use crate::{now_text, Db, Result, StoreError};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;
use tongchou_domain::permission::ListScope;
use tongchou_domain::project::Project;
use tongchou_domain::showcase::{Case, CaseInput, CaseSource};
use tongchou_domain::tasks::{
    Evidence, IndicatorInput, PlanIndicator, Task, TaskDecision, TaskEvent, TaskInput, TaskKind,
    TaskState,
};
use tongchou_domain::{Actor, Date, Stage, UnitId, Yuan};

fn corrupt(what: &str) -> StoreError {
    StoreError::Other(format!("stored value out of range: {what}"))
}

fn date_opt(s: Option<String>) -> Option<Date> {
    s.and_then(|s| s.parse().ok())
}

const TASK_SQL: &str = "SELECT t.id, t.project_id, t.kind, t.title, t.owner_unit_id, u.name AS owner_unit_name, t.owner_person, t.due, \
    t.indicator, t.state, t.evidence_attachment_id, t.evidence_filename, t.evidence_reference, t.closed_note, t.closed_on, t.closed_by, \
    t.confirmed_on, t.confirmed_by, t.reject_reason, t.rejections, t.version FROM project_tasks t JOIN units u ON u.id = t.owner_unit_id";

fn task_from(r: &AnyRow) -> Result<Task> {
    let state =
        TaskState::parse(&r.try_get::<String, _>("state")?).ok_or_else(|| corrupt("state"))?;
    let att: Option<i64> = r.try_get("evidence_attachment_id")?;
    let fname: Option<String> = r.try_get("evidence_filename")?;
    let reference: Option<String> = r.try_get("evidence_reference")?;
    let evidence = if att.is_some() || reference.is_some() {
        Some(Evidence {
            attachment: att.map(|a| (a, fname.unwrap_or_default())),
            reference: reference.unwrap_or_default(),
        })
    } else {
        None
    };
    Ok(Task {
        id: r.try_get("id")?,
        project_id: r.try_get("project_id")?,
        input: TaskInput {
            kind: TaskKind::parse(&r.try_get::<String, _>("kind")?)
                .ok_or_else(|| corrupt("kind"))?,
            title: r.try_get("title")?,
            owner_unit_id: UnitId(r.try_get("owner_unit_id")?),
            owner_unit_name: r.try_get("owner_unit_name")?,
            owner_person: r.try_get("owner_person")?,
            due: r
                .try_get::<String, _>("due")?
                .parse()
                .map_err(|_| corrupt("due"))?,
            indicator: r.try_get("indicator")?,
        },
        state,
        evidence,
        closed_note: r.try_get("closed_note")?,
        closed_on: date_opt(r.try_get("closed_on")?),
        closed_by: r.try_get("closed_by")?,
        confirmed_on: date_opt(r.try_get("confirmed_on")?),
        confirmed_by: r.try_get("confirmed_by")?,
        reject_reason: r.try_get("reject_reason")?,
        rejections: r.try_get("rejections")?,
        version: r.try_get("version")?,
    })
}

/// A task on the cross-project board, with its project.
#[derive(Debug, Clone, Serialize)]
pub struct BoardTask {
    pub task: Task,
    pub project_name: String,
    pub project_code: String,
    pub project_unit_name: String,
    pub jurisdiction_name: String,
}

/// Filters of the cross-project board (作战图).
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    /// Projects in this jurisdiction and below (path prefix).
    pub jurisdiction_path: Option<String>,
    /// The owner unit or the project's unit.
    pub unit: Option<UnitId>,
    pub state: Option<TaskState>,
    pub overdue: bool,
    pub project: Option<i64>,
}

/// One day of the 晾晒台 trend, summed over the units in scope.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TrendPoint {
    pub day: String,
    pub projects: i64,
    pub overdue: i64,
    pub overdue_projects: i64,
    pub slow: i64,
}

/// A case as the public sees it: nothing internal.
#[derive(Debug, Clone, Serialize)]
pub struct PublicCase {
    pub id: i64,
    pub source: CaseSource,
    pub source_label: &'static str,
    pub source_name: String,
    pub owner_name: String,
    pub title: String,
    pub summary: String,
    pub results: String,
    pub published_on: String,
}

/// One entry of `board_history`.
#[derive(Debug, Clone, Serialize)]
pub struct BoardHistoryEntry {
    pub at: String,
    pub actor_name: String,
    pub actor_unit: String,
    pub action: String,
    pub summary: String,
}

/// The hash of one `board_history` entry: SHA-256 over a canonical JSON array of the previous
/// entry's hash and the entry's own content (as `audit::entry_hash` for projects' history).
#[allow(clippy::too_many_arguments)]
pub fn board_entry_hash(
    prev: &str,
    subject: &str,
    subject_id: i64,
    seq: i64,
    at: &str,
    actor: i64,
    actor_name: &str,
    actor_unit: &str,
    action: &str,
    summary: &str,
    payload: &str,
) -> String {
    use sha2::{Digest, Sha256};
    let canonical = serde_json::json!([
        prev, subject, subject_id, seq, at, actor, actor_name, actor_unit, action, summary, payload
    ])
    .to_string();
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

/// Append to `board_history` (indicators and showcase cases): one hash-chained entry per
/// subject (`seq`, `prev_hash`, `hash`), so `audit verify` covers it like the projects' history.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn board_log(
    tx: &mut Tx,
    subject: &str,
    subject_id: i64,
    actor: &Actor,
    action: &str,
    summary: &str,
    payload: &serde_json::Value,
    now: &str,
) -> Result<()> {
    let prev = sqlx::query(
        "SELECT seq, hash FROM board_history WHERE subject = $1 AND subject_id = $2 ORDER BY seq DESC LIMIT 1",
    )
    .bind(subject)
    .bind(subject_id)
    .fetch_optional(&mut *tx)
    .await?;
    let (prev_seq, prev_hash) = match prev {
        Some(r) => (r.try_get::<i64, _>("seq")?, r.try_get::<String, _>("hash")?),
        None => (0, String::new()),
    };
    let seq = prev_seq + 1;
    let payload = payload.to_string();
    let hash = board_entry_hash(
        &prev_hash,
        subject,
        subject_id,
        seq,
        now,
        actor.user_id.0,
        &actor.name,
        &actor.unit_name,
        action,
        summary,
        &payload,
    );
    sqlx::query(
        "INSERT INTO board_history (subject, subject_id, seq, at, actor_id, actor_name, actor_unit, action, summary, payload, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(subject)
    .bind(subject_id)
    .bind(seq)
    .bind(now)
    .bind(actor.user_id.0)
    .bind(&actor.name)
    .bind(&actor.unit_name)
    .bind(action)
    .bind(summary)
    .bind(payload)
    .bind(prev_hash)
    .bind(hash)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

const BOARD_CHAIN_SQL: &str = "SELECT id, subject, subject_id, seq, at, actor_id, actor_name, actor_unit, action, summary, payload, prev_hash, hash \
    FROM board_history ORDER BY subject, subject_id, seq";

fn board_row_hash(r: &AnyRow, prev: &str) -> Result<String> {
    Ok(board_entry_hash(
        prev,
        &r.try_get::<String, _>("subject")?,
        r.try_get("subject_id")?,
        r.try_get("seq")?,
        &r.try_get::<String, _>("at")?,
        r.try_get("actor_id")?,
        &r.try_get::<String, _>("actor_name")?,
        &r.try_get::<String, _>("actor_unit")?,
        &r.try_get::<String, _>("action")?,
        &r.try_get::<String, _>("summary")?,
        &r.try_get::<String, _>("payload")?,
    ))
}

impl Db {
    /// Chain the `board_history` entries written before migration 0025 (no hash yet), in their
    /// order; returns how many were chained. Run once, right after the migration.
    pub async fn chain_board_history(&self) -> Result<u64> {
        let (_write, mut tx) = self.begin_write().await?;
        let rows = sqlx::query(BOARD_CHAIN_SQL).fetch_all(&mut *tx).await?;
        let mut last: Option<(String, i64, String)> = None;
        let mut n = 0u64;
        for r in &rows {
            let subject: String = r.try_get("subject")?;
            let subject_id: i64 = r.try_get("subject_id")?;
            let prev = match &last {
                Some((s, i, h)) if *s == subject && *i == subject_id => h.clone(),
                _ => String::new(),
            };
            let hash = board_row_hash(r, &prev)?;
            sqlx::query("UPDATE board_history SET prev_hash = $1, hash = $2 WHERE id = $3")
                .bind(&prev)
                .bind(&hash)
                .bind(r.try_get::<i64, _>("id")?)
                .execute(&mut *tx)
                .await?;
            last = Some((subject, subject_id, hash));
            n += 1;
        }
        tx.commit().await?;
        Ok(n)
    }

    /// Walk every chain of `board_history` (indicators and showcase cases): Ok(entries checked)
    /// or the first broken entry (`project_id` holds the subject's id, the reason names it).
    pub async fn verify_board_history(
        &self,
    ) -> Result<std::result::Result<u64, crate::audit::Broken>> {
        let rows = sqlx::query(BOARD_CHAIN_SQL).fetch_all(&self.pool).await?;
        let mut last: Option<(String, i64, i64, String)> = None;
        let mut n = 0u64;
        for r in &rows {
            let subject: String = r.try_get("subject")?;
            let subject_id: i64 = r.try_get("subject_id")?;
            let seq: i64 = r.try_get("seq")?;
            let prev_hash: String = r.try_get("prev_hash")?;
            let hash: String = r.try_get("hash")?;
            let (expected_seq, expected_prev) = match &last {
                Some((s, i, q, h)) if *s == subject && *i == subject_id => (q + 1, h.clone()),
                _ => (1, String::new()),
            };
            let broken = |reason: &str| crate::audit::Broken {
                project_id: subject_id,
                seq,
                reason: format!("board {subject} {subject_id} history entry {seq}: {reason}"),
            };
            if seq != expected_seq {
                return Ok(Err(broken(&format!(
                    "sequence gap: expected {expected_seq}"
                ))));
            }
            if prev_hash != expected_prev {
                return Ok(Err(broken("prev_hash does not match the previous entry")));
            }
            if board_row_hash(r, &prev_hash)? != hash {
                return Ok(Err(broken("content does not match its hash")));
            }
            last = Some((subject, subject_id, seq, hash));
            n += 1;
        }
        Ok(Ok(n))
    }
}

/// Bump the project's version (an entry is appended to its history: see `append_history`).
async fn touch_project(tx: &mut Tx, project: i64, now: &str) -> Result<()> {
    let n = sqlx::query("UPDATE projects SET version = version + 1, updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(project)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

const CASE_SQL: &str = "SELECT id, source_kind, source_id, source_name, owner_name, jurisdiction_path, title, summary, results, published, \
    published_on, version FROM showcase_cases";

fn case_from(r: &AnyRow) -> Result<Case> {
    Ok(Case {
        id: r.try_get("id")?,
        source: CaseSource::parse(&r.try_get::<String, _>("source_kind")?)
            .ok_or_else(|| corrupt("source_kind"))?,
        source_id: r.try_get("source_id")?,
        source_name: r.try_get("source_name")?,
        owner_name: r.try_get("owner_name")?,
        jurisdiction_path: r.try_get("jurisdiction_path")?,
        input: CaseInput {
            title: r.try_get("title")?,
            summary: r.try_get("summary")?,
            results: r.try_get("results")?,
        },
        published: r.try_get::<i64, _>("published")? != 0,
        published_on: r.try_get("published_on")?,
        version: r.try_get("version")?,
    })
}

const IND_SQL: &str = "SELECT i.id, i.jurisdiction_id, i.jurisdiction_path, j.name AS jname, i.name, i.target, i.year, i.cite, i.note, i.version \
    FROM plan_indicators i JOIN jurisdictions j ON j.id = i.jurisdiction_id";

fn indicator_from(r: &AnyRow) -> Result<PlanIndicator> {
    Ok(PlanIndicator {
        id: r.try_get("id")?,
        jurisdiction_id: r.try_get("jurisdiction_id")?,
        jurisdiction_path: r.try_get("jurisdiction_path")?,
        jurisdiction_name: r.try_get("jname")?,
        input: IndicatorInput {
            name: r.try_get("name")?,
            target: r.try_get("target")?,
            year: r.try_get::<i64, _>("year")? as i32,
            cite: r.try_get("cite")?,
            note: r.try_get("note")?,
        },
        version: r.try_get("version")?,
    })
}

/// A project linked to an indicator, with what the report shows of it.
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorLink {
    pub indicator_id: i64,
    pub project_id: i64,
    pub project_name: String,
    pub project_code: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub jurisdiction_path: String,
    pub declared: bool,
    pub stage: Stage,
    pub note: String,
    pub linked_by: String,
    pub linked_at: String,
}

impl Db {
    // ---------- tasks ----------

    /// A project's tasks and milestones, by due date.
    pub async fn tasks_of(&self, project: i64) -> Result<Vec<Task>> {
        let rows = sqlx::query(&format!(
            "{TASK_SQL} WHERE t.project_id = $1 ORDER BY t.due, t.id"
        ))
        .bind(project)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(task_from).collect()
    }

    pub async fn task(&self, project: i64, task: i64) -> Result<Task> {
        let r = sqlx::query(&format!("{TASK_SQL} WHERE t.project_id = $1 AND t.id = $2"))
            .bind(project)
            .bind(task)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        task_from(&r)
    }

    /// Record a task decision: the task row (version-checked against `seen`, the version the
    /// decision was made on), the project's version and its history entry, in one transaction.
    pub async fn apply_task(
        &self,
        p: &Project,
        actor: &Actor,
        d: &TaskDecision,
        seen: Option<i64>,
        profile_code: &str,
    ) -> Result<Task> {
        let (pid, stage) = (p.id.0, p.stage);
        let (actor, d, profile_code) = (actor.clone(), d.clone(), profile_code.to_string());
        self.write(move |tx: &mut Tx| {
            Box::pin(async move {
                let now = now_text();
                let conflict =
                    || StoreError::Conflict("任务已被他人修改，请刷新后重试".into());
                let id: i64 = match &d.event {
                    TaskEvent::Added { input } => sqlx::query(
                        "INSERT INTO project_tasks (project_id, kind, title, owner_unit_id, owner_person, due, indicator, state, version, \
                         created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', 1, $8, $9, $9) RETURNING id",
                    )
                    .bind(pid)
                    .bind(input.kind.code())
                    .bind(input.title.trim())
                    .bind(input.owner_unit_id.0)
                    .bind(input.owner_person.trim())
                    .bind(input.due.to_string())
                    .bind(input.indicator.trim())
                    .bind(actor.user_id.0)
                    .bind(&now)
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get("id")?,
                    TaskEvent::Edited { task, input } => {
                        let n = sqlx::query(
                            "UPDATE project_tasks SET kind = $1, title = $2, owner_unit_id = $3, owner_person = $4, due = $5, indicator = $6, \
                             version = version + 1, updated_at = $7 WHERE id = $8 AND project_id = $9 AND version = $10 AND state = 'open'",
                        )
                        .bind(input.kind.code())
                        .bind(input.title.trim())
                        .bind(input.owner_unit_id.0)
                        .bind(input.owner_person.trim())
                        .bind(input.due.to_string())
                        .bind(input.indicator.trim())
                        .bind(&now)
                        .bind(*task)
                        .bind(pid)
                        .bind(seen.unwrap_or(0))
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        if n == 0 {
                            return Err(conflict());
                        }
                        *task
                    }
                    TaskEvent::Closed {
                        task,
                        evidence,
                        note,
                        on,
                        by,
                    } => {
                        let n = sqlx::query(
                            "UPDATE project_tasks SET state = 'closed', evidence_attachment_id = $1, evidence_filename = $2, evidence_reference = $3, \
                             closed_note = $4, closed_on = $5, closed_by = $6, confirmed_on = NULL, confirmed_by = NULL, version = version + 1, updated_at = $7 \
                             WHERE id = $8 AND project_id = $9 AND version = $10 AND state = 'open'",
                        )
                        .bind(evidence.attachment.as_ref().map(|a| a.0))
                        .bind(evidence.attachment.as_ref().map(|a| a.1.clone()))
                        .bind(Some(evidence.reference.clone()).filter(|r| !r.is_empty()))
                        .bind(note)
                        .bind(on.to_string())
                        .bind(by)
                        .bind(&now)
                        .bind(*task)
                        .bind(pid)
                        .bind(seen.unwrap_or(0))
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        if n == 0 {
                            return Err(conflict());
                        }
                        *task
                    }
                    TaskEvent::Confirmed { task, on, by, .. } => {
                        let n = sqlx::query(
                            "UPDATE project_tasks SET state = 'confirmed', confirmed_on = $1, confirmed_by = $2, version = version + 1, updated_at = $3 \
                             WHERE id = $4 AND project_id = $5 AND version = $6 AND state = 'closed'",
                        )
                        .bind(on.to_string())
                        .bind(by)
                        .bind(&now)
                        .bind(*task)
                        .bind(pid)
                        .bind(seen.unwrap_or(0))
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        if n == 0 {
                            return Err(conflict());
                        }
                        *task
                    }
                    TaskEvent::Rejected { task, reason, .. } => {
                        let n = sqlx::query(
                            "UPDATE project_tasks SET state = 'open', reject_reason = $1, rejections = rejections + 1, closed_on = NULL, closed_by = NULL, \
                             version = version + 1, updated_at = $2 WHERE id = $3 AND project_id = $4 AND version = $5 AND state = 'closed'",
                        )
                        .bind(reason)
                        .bind(&now)
                        .bind(*task)
                        .bind(pid)
                        .bind(seen.unwrap_or(0))
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        if n == 0 {
                            return Err(conflict());
                        }
                        *task
                    }
                };
                touch_project(tx, pid, &now).await?;
                let mut payload = serde_json::to_value(&d.event)
                    .map_err(|e| StoreError::Other(e.to_string()))?;
                payload["task"] = serde_json::json!(id);
                append_history(
                    tx,
                    pid,
                    &actor,
                    (d.action, stage, stage),
                    &d.summary,
                    &d.opinion,
                    &payload,
                    &profile_code,
                    &now,
                    None,
                )
                .await?;
                let r = sqlx::query(&format!("{TASK_SQL} WHERE t.id = $1"))
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                task_from(&r)
            }) as crate::db::BoxFut<'_, Result<Task>>
        })
        .await
    }

    /// The cross-project board: tasks of the projects visible within `scope`, filtered, by due
    /// date. Returns (page, total).
    pub async fn board_tasks(
        &self,
        scope: &ListScope,
        f: &TaskFilter,
        today: Date,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<BoardTask>, i64)> {
        let Some((w, mut binds)) = Self::list_where(scope, &Default::default(), false) else {
            return Ok((vec![], 0));
        };
        let mut wh = vec![w];
        fn arg(b: Bind, binds: &mut Vec<Bind>) -> String {
            binds.push(b);
            format!("${}", binds.len())
        }
        if let Some(path) = &f.jurisdiction_path {
            let a = arg(Bind::S(format!("{path}%")), &mut binds);
            wh.push(format!("p.jurisdiction_path LIKE {a}"));
        }
        if let Some(u) = f.unit {
            let a = arg(Bind::I(u.0), &mut binds);
            wh.push(format!("(t.owner_unit_id = {a} OR p.unit_id = {a})"));
        }
        if let Some(s) = f.state {
            let a = arg(Bind::S(s.code().into()), &mut binds);
            wh.push(format!("t.state = {a}"));
        }
        if f.overdue {
            let a = arg(Bind::S(today.to_string()), &mut binds);
            wh.push(format!("t.state = 'open' AND t.due < {a}"));
        }
        if let Some(pid) = f.project {
            let a = arg(Bind::I(pid), &mut binds);
            wh.push(format!("p.id = {a}"));
        }
        let w = wh.join(" AND ");
        let count_sql = format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM project_tasks t JOIN projects p ON p.id = t.project_id WHERE {w}"
        );
        let total: i64 = bind_all(sqlx::query(&count_sql), &binds)
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        if total == 0 {
            return Ok((vec![], 0));
        }
        let sql = format!(
            "SELECT t.id, t.project_id, t.kind, t.title, t.owner_unit_id, u.name AS owner_unit_name, t.owner_person, t.due, \
             t.indicator, t.state, t.evidence_attachment_id, t.evidence_filename, t.evidence_reference, t.closed_note, t.closed_on, t.closed_by, \
             t.confirmed_on, t.confirmed_by, t.reject_reason, t.rejections, t.version, \
             p.name AS project_name, p.code AS project_code, pu.name AS project_unit_name, j.name AS jname \
             FROM project_tasks t JOIN projects p ON p.id = t.project_id JOIN units u ON u.id = t.owner_unit_id \
             JOIN units pu ON pu.id = p.unit_id JOIN jurisdictions j ON j.id = p.jurisdiction_id \
             WHERE {w} ORDER BY t.due, t.id LIMIT {} OFFSET {}",
            limit.clamp(1, 5000),
            offset.max(0)
        );
        let rows = bind_all(sqlx::query(&sql), &binds)
            .fetch_all(&self.pool)
            .await?;
        let items = rows
            .iter()
            .map(|r| {
                Ok(BoardTask {
                    task: task_from(r)?,
                    project_name: r.try_get("project_name")?,
                    project_code: r.try_get("project_code")?,
                    project_unit_name: r.try_get("project_unit_name")?,
                    jurisdiction_name: r.try_get("jname")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((items, total))
    }

    /// Task progress per project: project id → (total, confirmed, closed, overdue).
    pub async fn task_progress(
        &self,
        projects: &[i64],
        today: Date,
    ) -> Result<std::collections::HashMap<i64, tongchou_domain::tasks::Progress>> {
        if projects.is_empty() {
            return Ok(Default::default());
        }
        let ids: Vec<String> = projects.iter().map(|i| i.to_string()).collect();
        let rows = sqlx::query(&format!(
            "SELECT project_id, CAST(COUNT(*) AS BIGINT) AS total, \
             CAST(COALESCE(SUM(CASE WHEN state = 'confirmed' THEN 1 ELSE 0 END), 0) AS BIGINT) AS confirmed, \
             CAST(COALESCE(SUM(CASE WHEN state = 'closed' THEN 1 ELSE 0 END), 0) AS BIGINT) AS closed, \
             CAST(COALESCE(SUM(CASE WHEN state = 'open' AND due < $1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS overdue \
             FROM project_tasks WHERE project_id IN ({}) GROUP BY project_id",
            ids.join(",")
        ))
        .bind(today.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("project_id")?,
                    tongchou_domain::tasks::Progress {
                        total: r.try_get("total")?,
                        confirmed: r.try_get("confirmed")?,
                        closed: r.try_get("closed")?,
                        overdue: r.try_get("overdue")?,
                    },
                ))
            })
            .collect()
    }

    // ---------- plan indicators ----------

    /// Every plan indicator, by year and name (a small catalogue; the caller filters by who reads).
    pub async fn indicators(&self) -> Result<Vec<PlanIndicator>> {
        let rows = sqlx::query(&format!(
            "{IND_SQL} ORDER BY i.year, i.jurisdiction_path, i.id"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(indicator_from).collect()
    }

    pub async fn indicator(&self, id: i64) -> Result<PlanIndicator> {
        let r = sqlx::query(&format!("{IND_SQL} WHERE i.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        indicator_from(&r)
    }

    /// Add indicators to the catalogue of the actor's jurisdiction; one already there (same name,
    /// year and target) is left alone. Returns how many were added.
    pub async fn add_indicators(&self, actor: &Actor, inputs: &[IndicatorInput]) -> Result<u64> {
        let (actor, inputs) = (actor.clone(), inputs.to_vec());
        self.write(move |tx: &mut Tx| {
            Box::pin(async move {
                let now = now_text();
                let mut added: u64 = 0;
                for i in &inputs {
                    let row = sqlx::query(
                        "INSERT INTO plan_indicators (jurisdiction_id, jurisdiction_path, name, target, year, cite, note, version, created_by, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9, $9) ON CONFLICT (jurisdiction_id, name, year, target) DO NOTHING RETURNING id",
                    )
                    .bind(actor.jurisdiction_id.0)
                    .bind(&actor.jurisdiction_path)
                    .bind(i.name.trim())
                    .bind(i.target.trim())
                    .bind(i.year as i64)
                    .bind(i.cite.trim())
                    .bind(i.note.trim())
                    .bind(actor.user_id.0)
                    .bind(&now)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if let Some(r) = row {
                        let id: i64 = r.try_get("id")?;
                        board_log(
                            tx,
                            "indicator",
                            id,
                            &actor,
                            "indicator_add",
                            &format!("新增规划指标“{}”：{} 年 {}", i.name, i.year, i.target),
                            &serde_json::json!(i),
                            &now,
                        )
                        .await?;
                        added += 1;
                    }
                }
                Ok(added)
            }) as crate::db::BoxFut<'_, Result<u64>>
        })
        .await
    }

    /// Change an indicator (version-checked), with its history entry.
    pub async fn update_indicator(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
        input: &IndicatorInput,
    ) -> Result<()> {
        let (actor, i) = (actor.clone(), input.clone());
        self.write(move |tx: &mut Tx| {
            Box::pin(async move {
                let now = now_text();
                let n = sqlx::query(
                    "UPDATE plan_indicators SET name = $1, target = $2, year = $3, cite = $4, note = $5, version = version + 1, updated_at = $6 \
                     WHERE id = $7 AND version = $8",
                )
                .bind(i.name.trim())
                .bind(i.target.trim())
                .bind(i.year as i64)
                .bind(i.cite.trim())
                .bind(i.note.trim())
                .bind(&now)
                .bind(id)
                .bind(version)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if n == 0 {
                    return Err(StoreError::Conflict(
                        "指标已被他人修改，请刷新后重试".into(),
                    ));
                }
                board_log(
                    tx,
                    "indicator",
                    id,
                    &actor,
                    "indicator_edit",
                    &format!("修改规划指标“{}”：{} 年 {}", i.name, i.year, i.target),
                    &serde_json::json!(i),
                    &now,
                )
                .await
            }) as crate::db::BoxFut<'_, Result<()>>
        })
        .await
    }

    /// Link (or, `note` None, unlink) a project and an indicator; the project's history records it.
    pub async fn link_indicator(
        &self,
        p: &Project,
        actor: &Actor,
        indicator: i64,
        note: Option<&str>,
        summary: &str,
        profile_code: &str,
    ) -> Result<()> {
        let (pid, stage) = (p.id.0, p.stage);
        let (actor, note, summary, profile_code) = (
            actor.clone(),
            note.map(str::to_string),
            summary.to_string(),
            profile_code.to_string(),
        );
        self.write(move |tx: &mut Tx| {
            Box::pin(async move {
                let now = now_text();
                let action = match &note {
                    Some(n) => {
                        sqlx::query("DELETE FROM project_indicators WHERE project_id = $1 AND indicator_id = $2")
                            .bind(pid)
                            .bind(indicator)
                            .execute(&mut *tx)
                            .await?;
                        sqlx::query(
                            "INSERT INTO project_indicators (project_id, indicator_id, note, linked_by, linked_at) VALUES ($1, $2, $3, $4, $5)",
                        )
                        .bind(pid)
                        .bind(indicator)
                        .bind(n.trim())
                        .bind(&actor.name)
                        .bind(&now)
                        .execute(&mut *tx)
                        .await?;
                        "indicator_link"
                    }
                    None => {
                        let n = sqlx::query("DELETE FROM project_indicators WHERE project_id = $1 AND indicator_id = $2")
                            .bind(pid)
                            .bind(indicator)
                            .execute(&mut *tx)
                            .await?
                            .rows_affected();
                        if n == 0 {
                            return Err(StoreError::NotFound);
                        }
                        "indicator_unlink"
                    }
                };
                touch_project(tx, pid, &now).await?;
                append_history(
                    tx,
                    pid,
                    &actor,
                    (action, stage, stage),
                    &summary,
                    note.as_deref().unwrap_or(""),
                    &serde_json::json!({ "indicator": indicator, "note": note }),
                    &profile_code,
                    &now,
                    None,
                )
                .await?;
                Ok(())
            }) as crate::db::BoxFut<'_, Result<()>>
        })
        .await
    }

    const LINK_SQL: &'static str = "SELECT l.indicator_id, l.project_id, p.name AS project_name, p.code AS project_code, p.unit_id, n.name AS unit_name, \
        p.jurisdiction_path, p.declared, p.stage, l.note, l.linked_by, l.linked_at \
        FROM project_indicators l JOIN projects p ON p.id = l.project_id JOIN units n ON n.id = p.unit_id";

    fn link_from(r: &AnyRow) -> Result<IndicatorLink> {
        Ok(IndicatorLink {
            indicator_id: r.try_get("indicator_id")?,
            project_id: r.try_get("project_id")?,
            project_name: r.try_get("project_name")?,
            project_code: r.try_get("project_code")?,
            unit_id: r.try_get("unit_id")?,
            unit_name: r.try_get("unit_name")?,
            jurisdiction_path: r.try_get("jurisdiction_path")?,
            declared: r.try_get::<i64, _>("declared")? != 0,
            stage: Stage::parse(&r.try_get::<String, _>("stage")?)
                .ok_or_else(|| corrupt("stage"))?,
            note: r.try_get("note")?,
            linked_by: r.try_get("linked_by")?,
            linked_at: r.try_get("linked_at")?,
        })
    }

    /// The indicators a project links to.
    pub async fn project_links(&self, project: i64) -> Result<Vec<IndicatorLink>> {
        let rows = sqlx::query(&format!(
            "{} WHERE l.project_id = $1 ORDER BY l.indicator_id",
            Self::LINK_SQL
        ))
        .bind(project)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::link_from).collect()
    }

    /// Every link (the caller keeps what the reader may see).
    pub async fn indicator_links(&self) -> Result<Vec<IndicatorLink>> {
        let rows = sqlx::query(&format!(
            "{} ORDER BY l.indicator_id, l.project_id",
            Self::LINK_SQL
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::link_from).collect()
    }

    // ---------- 晾晒台 snapshots ----------

    /// Take today's snapshot of every unit with declared projects: projects by stage, open
    /// overdue obligations, slow projects (in an active stage since before `slow_before`). One
    /// row per (day, unit), kept by the first writer: a second sweep the same day, in this process
    /// or another, inserts nothing. Returns the rows inserted.
    pub async fn take_board_snapshot(&self, today: Date, slow_before: Date) -> Result<u64> {
        // Taken today already (by this process or another): nothing to aggregate.
        if self.snapshot_rows(today).await? > 0 {
            return Ok(0);
        }
        let stage_rows = sqlx::query(
            "SELECT p.unit_id, j.path, p.stage, CAST(COUNT(*) AS BIGINT) AS n, \
             CAST(COALESCE(SUM(CASE WHEN p.stage_since < $1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS slow \
             FROM projects p JOIN units u ON u.id = p.unit_id JOIN jurisdictions j ON j.id = u.jurisdiction_id \
             WHERE p.declared = 1 GROUP BY p.unit_id, j.path, p.stage",
        )
        .bind(slow_before.to_string())
        .fetch_all(&self.pool)
        .await?;
        let overdue_rows = sqlx::query(
            "SELECT p.unit_id, CAST(COUNT(*) AS BIGINT) AS n, CAST(COUNT(DISTINCT o.project_id) AS BIGINT) AS np \
             FROM obligations o JOIN projects p ON p.id = o.project_id WHERE o.state = 'open' AND o.due < $1 GROUP BY p.unit_id",
        )
        .bind(today.to_string())
        .fetch_all(&self.pool)
        .await?;
        #[derive(Default)]
        struct U {
            path: String,
            projects: i64,
            by_stage: std::collections::BTreeMap<String, i64>,
            overdue: i64,
            overdue_projects: i64,
            slow: i64,
        }
        let mut units: std::collections::BTreeMap<i64, U> = Default::default();
        for r in &stage_rows {
            let unit: i64 = r.try_get("unit_id")?;
            let stage =
                Stage::parse(&r.try_get::<String, _>("stage")?).ok_or_else(|| corrupt("stage"))?;
            let n: i64 = r.try_get("n")?;
            let u = units.entry(unit).or_default();
            u.path = r.try_get("path")?;
            u.projects += n;
            u.by_stage.insert(stage.code().to_string(), n);
            if tongchou_domain::tasks::is_active(stage) {
                u.slow += r.try_get::<i64, _>("slow")?;
            }
        }
        for r in &overdue_rows {
            let unit: i64 = r.try_get("unit_id")?;
            if let Some(u) = units.get_mut(&unit) {
                u.overdue = r.try_get("n")?;
                u.overdue_projects = r.try_get("np")?;
            }
        }
        if units.is_empty() {
            return Ok(0);
        }
        let day = today.to_string();
        self.write(move |tx: &mut Tx| {
            Box::pin(async move {
                let now = now_text();
                let mut n = 0;
                for (unit, u) in &units {
                    n += sqlx::query(
                        "INSERT INTO board_snapshots (day, unit_id, jurisdiction_path, projects, by_stage, overdue, overdue_projects, slow, taken_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (day, unit_id) DO NOTHING",
                    )
                    .bind(&day)
                    .bind(*unit)
                    .bind(&u.path)
                    .bind(u.projects)
                    .bind(serde_json::json!(u.by_stage).to_string())
                    .bind(u.overdue)
                    .bind(u.overdue_projects)
                    .bind(u.slow)
                    .bind(&now)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                }
                Ok(n)
            }) as crate::db::BoxFut<'_, Result<u64>>
        })
        .await
    }

    /// The trend: per day since `since`, the snapshots of the units in the jurisdiction at `path`
    /// and below (or of one unit), summed.
    pub async fn board_trend(
        &self,
        path: &str,
        unit: Option<UnitId>,
        since: Date,
    ) -> Result<Vec<TrendPoint>> {
        let mut sql = String::from(
            "SELECT day, CAST(SUM(projects) AS BIGINT) AS projects, CAST(SUM(overdue) AS BIGINT) AS overdue, \
             CAST(SUM(overdue_projects) AS BIGINT) AS overdue_projects, CAST(SUM(slow) AS BIGINT) AS slow \
             FROM board_snapshots WHERE jurisdiction_path LIKE $1 AND day >= $2",
        );
        if unit.is_some() {
            sql.push_str(" AND unit_id = $3");
        }
        sql.push_str(" GROUP BY day ORDER BY day");
        let mut q = sqlx::query(&sql)
            .bind(format!("{path}%"))
            .bind(since.to_string());
        if let Some(u) = unit {
            q = q.bind(u.0);
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(TrendPoint {
                    day: r.try_get("day")?,
                    projects: r.try_get("projects")?,
                    overdue: r.try_get("overdue")?,
                    overdue_projects: r.try_get("overdue_projects")?,
                    slow: r.try_get("slow")?,
                })
            })
            .collect()
    }

    /// How many snapshot rows a day holds (one per unit).
    pub async fn snapshot_rows(&self, day: Date) -> Result<i64> {
        Ok(
            sqlx::query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM board_snapshots WHERE day = $1")
                .bind(day.to_string())
                .fetch_one(&self.pool)
                .await?
                .try_get("n")?,
        )
    }

    /// Slow projects (晾晒进度缓慢项目): visible within `scope`, in an active stage since before
    /// `before`, longest first.
    pub async fn slow_projects(
        &self,
        scope: &ListScope,
        f: &crate::project::ListFilter,
        before: Date,
        limit: i64,
    ) -> Result<Vec<ProjectListItem>> {
        let Some((w, mut binds)) = Self::list_where(scope, f, false) else {
            return Ok(vec![]);
        };
        binds.push(Bind::S(before.to_string()));
        let sql = format!(
            "SELECT p.id, p.code, p.name, p.year, n.name AS unit_name, p.stage, p.it_fen, p.approved_fen, p.updated_at, p.stage_since \
             FROM projects p JOIN units n ON n.id = p.unit_id WHERE {w} AND p.stage_since < ${} ORDER BY p.stage_since, p.id LIMIT {}",
            binds.len(),
            limit.clamp(1, 5000)
        );
        let rows = bind_all(sqlx::query(&sql), &binds)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(ProjectListItem {
                    id: r.try_get("id")?,
                    code: r.try_get("code")?,
                    name: r.try_get("name")?,
                    year: r.try_get("year")?,
                    unit_name: r.try_get("unit_name")?,
                    stage: Stage::parse(&r.try_get::<String, _>("stage")?)
                        .ok_or_else(|| corrupt("stage"))?,
                    it_amount: Yuan::from_fen(r.try_get("it_fen")?),
                    approved_amount: r
                        .try_get::<Option<i64>, _>("approved_fen")?
                        .map(Yuan::from_fen),
                    updated_at: r.try_get("updated_at")?,
                    stage_since: r.try_get("stage_since")?,
                })
            })
            .collect()
    }

    // ---------- 观星台 ----------

    /// Every case (internal view), newest first.
    pub async fn cases(&self) -> Result<Vec<Case>> {
        let rows = sqlx::query(&format!("{CASE_SQL} ORDER BY id DESC"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(case_from).collect()
    }

    pub async fn case(&self, id: i64) -> Result<Case> {
        let r = sqlx::query(&format!("{CASE_SQL} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        case_from(&r)
    }

    /// Published cases only, with only their public columns.
    pub async fn published_cases(&self) -> Result<Vec<PublicCase>> {
        let rows = sqlx::query(
            "SELECT id, source_kind, source_name, owner_name, title, summary, results, published_on \
             FROM showcase_cases WHERE published = 1 ORDER BY published_on DESC, id DESC",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let source = CaseSource::parse(&r.try_get::<String, _>("source_kind")?)
                    .ok_or_else(|| corrupt("source_kind"))?;
                Ok(PublicCase {
                    id: r.try_get("id")?,
                    source,
                    source_label: source.label(),
                    source_name: r.try_get("source_name")?,
                    owner_name: r.try_get("owner_name")?,
                    title: r.try_get("title")?,
                    summary: r.try_get("summary")?,
                    results: r.try_get("results")?,
                    published_on: r
                        .try_get::<Option<String>, _>("published_on")?
                        .unwrap_or_default(),
                })
            })
            .collect()
    }

    /// Choose a case (a draft, unpublished), with its history entry. A source already chosen is
    /// a conflict.
    #[allow(clippy::too_many_arguments)]
    pub async fn create_case(
        &self,
        actor: &Actor,
        source: CaseSource,
        source_id: i64,
        source_name: &str,
        owner_name: &str,
        input: &CaseInput,
    ) -> Result<i64> {
        let (actor, source_name, owner_name, i) = (
            actor.clone(),
            source_name.to_string(),
            owner_name.to_string(),
            input.clone(),
        );
        self.write(move |tx: &mut Tx| {
            Box::pin(async move {
                let now = now_text();
                let exists = sqlx::query(
                    "SELECT id FROM showcase_cases WHERE source_kind = $1 AND source_id = $2",
                )
                .bind(source.code())
                .bind(source_id)
                .fetch_optional(&mut *tx)
                .await?;
                if exists.is_some() {
                    return Err(StoreError::Conflict("该项目或应用已选为典型案例".into()));
                }
                let id: i64 = sqlx::query(
                    "INSERT INTO showcase_cases (source_kind, source_id, source_name, owner_name, jurisdiction_path, title, summary, results, \
                     published, version, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, 1, $9, $10, $10) RETURNING id",
                )
                .bind(source.code())
                .bind(source_id)
                .bind(&source_name)
                .bind(&owner_name)
                .bind(&actor.jurisdiction_path)
                .bind(i.title.trim())
                .bind(i.summary.trim())
                .bind(i.results.trim())
                .bind(actor.user_id.0)
                .bind(&now)
                .fetch_one(&mut *tx)
                .await?
                .try_get("id")?;
                board_log(
                    tx,
                    "case",
                    id,
                    &actor,
                    "case_add",
                    &format!("选为典型案例（{}：{source_name}）：{}", source.label(), i.title.trim()),
                    &serde_json::json!({ "source": source, "source_id": source_id, "input": i }),
                    &now,
                )
                .await?;
                Ok(id)
            }) as crate::db::BoxFut<'_, Result<i64>>
        })
        .await
    }

    /// Edit a case's text, or publish / unpublish it (version-checked), with its history entry.
    pub async fn update_case(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
        input: Option<&CaseInput>,
        publish: Option<(bool, Date)>,
    ) -> Result<()> {
        let (actor, input) = (actor.clone(), input.cloned());
        self.write(move |tx: &mut Tx| {
            Box::pin(async move {
                let now = now_text();
                let (n, action, summary) = match (&input, publish) {
                    (Some(i), _) => (
                        sqlx::query(
                            "UPDATE showcase_cases SET title = $1, summary = $2, results = $3, version = version + 1, updated_at = $4 \
                             WHERE id = $5 AND version = $6",
                        )
                        .bind(i.title.trim())
                        .bind(i.summary.trim())
                        .bind(i.results.trim())
                        .bind(&now)
                        .bind(id)
                        .bind(version)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected(),
                        "case_edit",
                        format!("修改典型案例：{}", i.title.trim()),
                    ),
                    (None, Some((on, day))) => (
                        sqlx::query(
                            "UPDATE showcase_cases SET published = $1, published_on = $2, version = version + 1, updated_at = $3 \
                             WHERE id = $4 AND version = $5 AND published = $6",
                        )
                        .bind(if on { 1i64 } else { 0 })
                        .bind(if on { Some(day.to_string()) } else { None })
                        .bind(&now)
                        .bind(id)
                        .bind(version)
                        .bind(if on { 0i64 } else { 1 })
                        .execute(&mut *tx)
                        .await?
                        .rows_affected(),
                        if on { "case_publish" } else { "case_unpublish" },
                        if on {
                            "在观星台发布".to_string()
                        } else {
                            "从观星台撤下".to_string()
                        },
                    ),
                    (None, None) => return Ok(()),
                };
                if n == 0 {
                    return Err(StoreError::Conflict(
                        "案例已被他人修改，请刷新后重试".into(),
                    ));
                }
                board_log(
                    tx,
                    "case",
                    id,
                    &actor,
                    action,
                    &summary,
                    &serde_json::json!({ "input": input, "publish": publish.map(|p| p.0) }),
                    &now,
                )
                .await
            }) as crate::db::BoxFut<'_, Result<()>>
        })
        .await
    }

    /// The history of an indicator or a case.
    pub async fn board_history(&self, subject: &str, id: i64) -> Result<Vec<BoardHistoryEntry>> {
        let rows = sqlx::query(
            "SELECT at, actor_name, actor_unit, action, summary FROM board_history WHERE subject = $1 AND subject_id = $2 ORDER BY id",
        )
        .bind(subject)
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(BoardHistoryEntry {
                    at: r.try_get("at")?,
                    actor_name: r.try_get("actor_name")?,
                    actor_unit: r.try_get("actor_unit")?,
                    action: r.try_get("action")?,
                    summary: r.try_get("summary")?,
                })
            })
            .collect()
    }
}
