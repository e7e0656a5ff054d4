//! Systems in operation (`op_systems`): loaded into `OpsState`, and each operation event applied
//! with the domain's own `operation::apply` inside `Db::apply`'s transaction (never committed
//! here: on SQLite the write runs inside the group commit).
use crate::{Db, Result, StoreError};
use sqlx::any::AnyRow;
use sqlx::Row;
use tongchou_domain::operation::{apply, OpEvent, OpsState, System};
use tongchou_domain::{Date, ProjectId};

pub(crate) type Tx = sqlx::AnyConnection;

fn body_of(r: &AnyRow) -> Result<System> {
    let body: String = r.try_get("body")?;
    serde_json::from_str(&body).map_err(|e| StoreError::Other(format!("op_systems body: {e}")))
}

/// A system with the project it belongs to (lists across projects).
#[derive(Debug, Clone, serde::Serialize)]
pub struct SystemRow {
    pub project_id: i64,
    pub project_name: String,
    pub unit_name: String,
    pub system: System,
}

impl Db {
    /// The systems of a project, in the order they were recorded.
    pub async fn load_ops(&self, project: ProjectId) -> Result<OpsState> {
        let rows =
            sqlx::query("SELECT body FROM op_systems WHERE project_id = $1 ORDER BY system_no")
                .bind(project.0)
                .fetch_all(&self.pool)
                .await?;
        Ok(OpsState {
            systems: rows.iter().map(body_of).collect::<Result<_>>()?,
        })
    }

    /// Systems of the given projects (already filtered by the caller's visibility).
    pub async fn systems_of(&self, projects: &[i64]) -> Result<Vec<SystemRow>> {
        if projects.is_empty() {
            return Ok(vec![]);
        }
        let ids: Vec<String> = projects.iter().map(|i| i.to_string()).collect();
        let rows = sqlx::query(&format!(
            "SELECT s.project_id, s.body, p.name, u.name AS unit_name FROM op_systems s \
             JOIN projects p ON p.id = s.project_id JOIN units u ON u.id = p.unit_id \
             WHERE s.project_id IN ({}) ORDER BY s.project_id, s.system_no",
            ids.join(",")
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SystemRow {
                    project_id: r.try_get("project_id")?,
                    project_name: r.try_get("name")?,
                    unit_name: r.try_get("unit_name")?,
                    system: body_of(r)?,
                })
            })
            .collect()
    }

    /// Open obligations whose code starts with `prefix`, past their due date, with no
    /// consequence proposed yet (the catalogue fix window).
    pub async fn overdue_with_prefix(
        &self,
        today: Date,
        prefix: &str,
    ) -> Result<Vec<(i64, String)>> {
        let rows = sqlx::query(
            "SELECT o.project_id, o.code FROM obligations o WHERE o.state = 'open' AND o.due < $1 AND o.code LIKE $2 \
             AND NOT EXISTS (SELECT 1 FROM consequences c WHERE c.project_id = o.project_id AND c.obligation = o.code) ORDER BY o.due",
        )
        .bind(today.to_string())
        .bind(format!("{prefix}%"))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("project_id")?, r.try_get("code")?)))
            .collect()
    }
}

impl Db {
    /// Open operation duties (yearly 等保测评, catalogue fixes) of a unit's projects due by
    /// `until` (overdue included): (project id, obligation code), earliest first.
    pub async fn operation_duties(
        &self,
        unit: tongchou_domain::UnitId,
        until: Date,
    ) -> Result<Vec<(i64, String)>> {
        let rows = sqlx::query(
            "SELECT o.project_id, o.code FROM obligations o JOIN projects p ON p.id = o.project_id \
             WHERE p.unit_id = $1 AND o.state = 'open' AND o.due <= $2 AND (o.code LIKE $3 OR o.code LIKE $4 OR o.code LIKE $5) \
             ORDER BY o.due LIMIT 60",
        )
        .bind(unit.0)
        .bind(until.to_string())
        .bind(format!("{}%", tongchou_domain::operation::ASSESSMENT_PREFIX))
        .bind(format!("{}%", tongchou_domain::operation::CATALOGUE_PREFIX))
        .bind(format!("{}%", tongchou_domain::operation::VULN_PREFIX))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("project_id")?, r.try_get("code")?)))
            .collect()
    }
}

/// Apply one operation event to its system's row (inside `Db::apply`'s transaction).
pub(crate) async fn apply_op(tx: &mut Tx, project: i64, op: &OpEvent, now: &str) -> Result<()> {
    let no = op.system() as i64;
    let existing =
        sqlx::query("SELECT body FROM op_systems WHERE project_id = $1 AND system_no = $2")
            .bind(project)
            .bind(no)
            .fetch_optional(&mut *tx)
            .await?;
    let mut s = match (&existing, op) {
        (Some(r), OpEvent::SystemAdded { .. }) => {
            let _ = r;
            return Err(StoreError::Conflict(
                "信息系统编号已被占用，请刷新后重试".into(),
            ));
        }
        (Some(r), _) => body_of(r)?,
        (None, OpEvent::SystemAdded { system, input }) => System::new(*system, input.clone()),
        (None, _) => return Err(StoreError::NotFound),
    };
    apply(&mut s, op);
    let body = serde_json::to_string(&s).map_err(|e| StoreError::Other(e.to_string()))?;
    let i = &s.input;
    let sql = if existing.is_some() {
        "UPDATE op_systems SET name = $3, state = $4, level = $5, internet_facing = $6, important = $7, \
         operating_body = $8, om_fen = $9, body = $10, updated_at = $11 WHERE project_id = $1 AND system_no = $2"
    } else {
        "INSERT INTO op_systems (project_id, system_no, name, state, level, internet_facing, important, operating_body, om_fen, body, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    };
    sqlx::query(sql)
        .bind(project)
        .bind(no)
        .bind(i.name.clone())
        .bind(s.state.code())
        .bind(i.level as i64)
        .bind(i.internet_facing as i64)
        .bind(i.important as i64)
        .bind(i.operating_body.clone())
        .bind(i.om_amount.fen())
        .bind(body)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    Ok(())
}
