//! 原则性规定的例外 Default-rule overrides (SPEC §0): written with the decision that records them
//! (inside [`Db::apply`]'s transaction), signed off or objected to by the approver the profile
//! names, listed on 我的待办 and the progress board.
use crate::project::{bind_all, Bind, ListFilter};
use crate::{Db, Result, StoreError};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;
use tongchou_domain::lifecycle::Event;
use tongchou_domain::overrides::{OverrideRecord, OverrideState};
use tongchou_domain::permission::ListScope;
use tongchou_domain::{Actor, ProjectId, Role};

type Tx = sqlx::AnyConnection;

const COLS: &str = "o.id, o.rule, o.rule_text, o.reason, o.approver, o.state, o.requested_by_name, o.requested_at, o.decided_by_name, o.decided_at, o.decision_reason";

pub(crate) fn record(r: &AnyRow) -> Result<OverrideRecord> {
    let approver: String = r.try_get("approver")?;
    let state: String = r.try_get("state")?;
    Ok(OverrideRecord {
        id: r.try_get("id")?,
        rule: r.try_get("rule")?,
        rule_text: r.try_get("rule_text")?,
        reason: r.try_get("reason")?,
        approver: Role::parse(&approver)
            .ok_or_else(|| StoreError::Other(format!("corrupt approver {approver}")))?,
        state: OverrideState::parse(&state)
            .ok_or_else(|| StoreError::Other(format!("corrupt override state {state}")))?,
        requested_by_name: r.try_get("requested_by_name")?,
        requested_at: r.try_get("requested_at")?,
        decided_by_name: r.try_get("decided_by_name")?,
        decided_at: r.try_get("decided_at")?,
        decision_reason: r.try_get("decision_reason")?,
    })
}

/// One row of the board's override list.
#[derive(Debug, Clone, Serialize)]
pub struct OverrideBoardRow {
    pub project_id: i64,
    pub project_name: String,
    pub unit_name: String,
    /// The project's jurisdiction (whose profile names the approver).
    #[serde(skip)]
    pub jurisdiction_path: String,
    #[serde(flatten)]
    pub record: OverrideRecord,
}

/// Filter of the board's override list.
#[derive(Debug, Clone, Default)]
pub struct OverrideFilter {
    pub state: Option<OverrideState>,
    pub rule: Option<String>,
}

impl Db {
    /// The overrides of a project, oldest first.
    pub async fn project_overrides(&self, id: ProjectId) -> Result<Vec<OverrideRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLS} FROM overrides o WHERE o.project_id = $1 ORDER BY o.id"
        ))
        .bind(id.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(record).collect()
    }

    /// Projects under `jurisdiction_path` with an override pending one of `roles` (for 我的待办;
    /// most recent first).
    pub async fn pending_override_projects(
        &self,
        jurisdiction_path: &str,
        roles: &[Role],
        limit: i64,
    ) -> Result<Vec<i64>> {
        if roles.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = (0..roles.len()).map(|i| format!("${}", i + 3)).collect();
        let sql = format!(
            "SELECT p.id FROM projects p WHERE p.jurisdiction_path LIKE $1 AND EXISTS \
             (SELECT 1 FROM overrides o WHERE o.project_id = p.id AND o.state = 'pending' AND o.approver IN ({})) \
             ORDER BY p.id DESC LIMIT $2",
            marks.join(", ")
        );
        let mut q = sqlx::query(&sql)
            .bind(format!("{jurisdiction_path}%"))
            .bind(limit);
        for r in roles {
            q = q.bind(r.code());
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| Ok(r.try_get::<i64, _>("id")?))
            .collect()
    }

    /// Overrides of the projects the board shows (same scope and filter), newest first.
    pub async fn board_overrides(
        &self,
        scope: &ListScope,
        f: &ListFilter,
        of: &OverrideFilter,
        limit: i64,
    ) -> Result<Vec<OverrideBoardRow>> {
        let Some((w, mut binds)) = Self::list_where(scope, f, false) else {
            return Ok(Vec::new());
        };
        let mut extra = String::new();
        if let Some(s) = of.state {
            binds.push(Bind::S(s.code().into()));
            extra.push_str(&format!(" AND o.state = ${}", binds.len()));
        }
        if let Some(r) = &of.rule {
            binds.push(Bind::S(r.clone()));
            extra.push_str(&format!(" AND o.rule = ${}", binds.len()));
        }
        let sql = format!(
            "SELECT {COLS}, p.id AS project_id, p.name AS project_name, n.name AS unit_name, p.jurisdiction_path \
             FROM overrides o JOIN projects p ON p.id = o.project_id JOIN units n ON n.id = p.unit_id \
             WHERE {w}{extra} ORDER BY o.id DESC LIMIT {}",
            limit.clamp(1, 1000)
        );
        let rows = bind_all(sqlx::query(&sql), &binds)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(OverrideBoardRow {
                    project_id: r.try_get("project_id")?,
                    project_name: r.try_get("project_name")?,
                    unit_name: r.try_get("unit_name")?,
                    jurisdiction_path: r.try_get("jurisdiction_path")?,
                    record: record(r)?,
                })
            })
            .collect()
    }
}

/// Write the rows of an override event (inside `Db::apply`'s transaction).
pub(crate) async fn apply_event(
    tx: &mut Tx,
    project: i64,
    actor: &Actor,
    e: &Event,
    now: &str,
) -> Result<()> {
    match e {
        Event::OverrideRecorded {
            rule,
            reason,
            cite,
            approver,
            text,
        } => {
            sqlx::query(
                "INSERT INTO overrides (project_id, rule, rule_text, reason, cite, approver, state, requested_by, requested_by_name, requested_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, $9)",
            )
            .bind(project)
            .bind(rule)
            .bind(text)
            .bind(reason)
            .bind(cite.to_string())
            .bind(approver.unwrap_or(Role::Authority).code())
            .bind(actor.user_id.0)
            .bind(&actor.name)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        Event::OverrideReviewed {
            id, agree, opinion, ..
        } => {
            let state = if *agree {
                OverrideState::SignedOff
            } else {
                OverrideState::Objected
            };
            let n = sqlx::query(
                "UPDATE overrides SET state = $1, decided_by = $2, decided_by_name = $3, decided_at = $4, decision_reason = $5 \
                 WHERE id = $6 AND project_id = $7 AND state = 'pending'",
            )
            .bind(state.code())
            .bind(actor.user_id.0)
            .bind(&actor.name)
            .bind(now)
            .bind(opinion)
            .bind(id)
            .bind(project)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict("该例外已审批".into()));
            }
        }
        _ => {}
    }
    Ok(())
}
