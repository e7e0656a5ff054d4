//! Ledger and contract exports, the declaration import, the population table, stored
//! cost-sharing plans, money settings and cloud purchases — one SQL text for both backends.
use crate::project::{bind_all, insert_draft, project_from, ListFilter, HEAD_COLS, PROJECT_COLS};
use crate::{now_text, Db, Result, StoreError};
use serde::Serialize;
use sqlx::Row;
use tongchou_domain::cloud::{Route, Routing};
use tongchou_domain::cost_sharing::{County, Plan};
use tongchou_domain::permission::ListScope;
use tongchou_domain::project::{Project, ProjectInput};
use tongchou_domain::{Actor, ProjectId, UnitId, Yuan};

/// A contract in the contract ledger.
#[derive(Debug, Clone, Serialize)]
pub struct ContractLedgerRow {
    pub project_id: i64,
    pub project_code: String,
    pub project_name: String,
    pub unit_name: String,
    pub supplier: String,
    pub amount: Yuan,
    pub approved_amount: Option<Yuan>,
    pub signed_date: String,
    pub period_months: i64,
    pub maintenance_years: i64,
    pub recorded_at: String,
}

/// A pre-filed payment (资金支付报备单) in the payment ledger, paid or not yet.
#[derive(Debug, Clone, Serialize)]
pub struct PaymentLedgerRow {
    pub project_id: i64,
    pub project_code: String,
    pub project_name: String,
    pub unit_name: String,
    pub supplier: Option<String>,
    pub contract_amount: Option<Yuan>,
    pub no: i64,
    pub batch: i64,
    pub batch_condition: Option<String>,
    pub batch_ratio_bp: Option<i64>,
    pub amount: Yuan,
    pub planned_date: String,
    pub paid_date: Option<String>,
    pub paid_amount: Option<Yuan>,
    pub voucher: String,
}

const PAYMENT_SQL: &str = "SELECT p.id AS project_id, p.code, p.name, n.name AS unit_name, \
     (SELECT c.supplier FROM contracts c WHERE c.project_id = p.id ORDER BY c.id DESC LIMIT 1) AS supplier, \
     (SELECT c.amount_fen FROM contracts c WHERE c.project_id = p.id ORDER BY c.id DESC LIMIT 1) AS contract_fen, \
     y.seq_no, y.batch_no, b.condition_text, b.ratio_bp, y.amount_fen, y.planned_date, y.paid_date, y.paid_fen, y.voucher \
     FROM payments y JOIN projects p ON p.id = y.project_id JOIN units n ON n.id = p.unit_id \
     LEFT JOIN payment_batches b ON b.project_id = y.project_id AND b.seq_no = y.batch_no";

fn payment_row(r: &sqlx::any::AnyRow) -> Result<PaymentLedgerRow> {
    Ok(PaymentLedgerRow {
        project_id: r.try_get("project_id")?,
        project_code: r.try_get("code")?,
        project_name: r.try_get("name")?,
        unit_name: r.try_get("unit_name")?,
        supplier: r.try_get("supplier")?,
        contract_amount: r
            .try_get::<Option<i64>, _>("contract_fen")?
            .map(Yuan::from_fen),
        no: r.try_get("seq_no")?,
        batch: r.try_get("batch_no")?,
        batch_condition: r.try_get("condition_text")?,
        batch_ratio_bp: r.try_get("ratio_bp")?,
        amount: Yuan::from_fen(r.try_get("amount_fen")?),
        planned_date: r.try_get("planned_date")?,
        paid_date: r.try_get("paid_date")?,
        paid_amount: r.try_get::<Option<i64>, _>("paid_fen")?.map(Yuan::from_fen),
        voucher: r.try_get("voucher")?,
    })
}

/// An effective or pending change request, for OCDS amendments.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeLedgerRow {
    pub no: i64,
    pub content: String,
    pub reason: String,
    pub new_amount: Yuan,
    pub baseline: Yuan,
    pub state: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PopulationRow {
    pub year: i64,
    pub county: String,
    pub population: i64,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChangeRow {
    pub at: String,
    pub actor_name: String,
    pub summary: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct StoredPlan {
    pub id: i64,
    pub recorded_at: String,
    pub plan: Plan,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProviderRow {
    pub id: i64,
    pub name: String,
    pub active: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct PurchaseRow {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub year: i64,
    pub seq: i64,
    pub provider: String,
    pub amount: Yuan,
    pub cumulative: Yuan,
    pub threshold: Yuan,
    pub route: String,
    pub description: String,
    pub recorded_by_name: String,
    pub recorded_at: String,
}

impl Db {
    /// Whole projects of one page of a scoped, filtered list (the ledger export), newest first.
    pub async fn list_full_projects(
        &self,
        scope: &ListScope,
        f: &ListFilter,
    ) -> Result<Vec<Project>> {
        let Some((w, binds)) = Self::list_where(scope, f, false) else {
            return Ok(Vec::new());
        };
        let per = f.per_page.clamp(1, 500) as i64;
        let offset = (f.page.max(1) as i64 - 1) * per;
        let sql = format!(
            "SELECT {PROJECT_COLS}, {HEAD_COLS} FROM projects p JOIN units n ON n.id = p.unit_id \
             WHERE p.id IN (SELECT p.id FROM projects p WHERE {w} ORDER BY p.id DESC LIMIT {per} OFFSET {offset}) ORDER BY p.id DESC"
        );
        let rows = bind_all(sqlx::query(&sql), &binds)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(project_from).collect()
    }

    /// Contracts of the projects in a scoped, filtered list (latest contract per project).
    pub async fn list_contracts(
        &self,
        scope: &ListScope,
        f: &ListFilter,
    ) -> Result<Vec<ContractLedgerRow>> {
        let Some((w, binds)) = Self::list_where(scope, f, false) else {
            return Ok(Vec::new());
        };
        let sql = format!(
            "SELECT p.id AS project_id, p.code, p.name, n.name AS unit_name, p.approved_fen, c.supplier, c.amount_fen, c.signed_date, \
             c.period_months, c.maintenance_years, c.recorded_at \
             FROM contracts c JOIN projects p ON p.id = c.project_id JOIN units n ON n.id = p.unit_id \
             WHERE c.id = (SELECT MAX(c2.id) FROM contracts c2 WHERE c2.project_id = p.id) AND {w} \
             ORDER BY p.id DESC LIMIT 20000"
        );
        let rows = bind_all(sqlx::query(&sql), &binds)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(ContractLedgerRow {
                    project_id: r.try_get("project_id")?,
                    project_code: r.try_get("code")?,
                    project_name: r.try_get("name")?,
                    unit_name: r.try_get("unit_name")?,
                    supplier: r.try_get("supplier")?,
                    amount: Yuan::from_fen(r.try_get("amount_fen")?),
                    approved_amount: r
                        .try_get::<Option<i64>, _>("approved_fen")?
                        .map(Yuan::from_fen),
                    signed_date: r.try_get("signed_date")?,
                    period_months: r.try_get("period_months")?,
                    maintenance_years: r.try_get("maintenance_years")?,
                    recorded_at: r.try_get("recorded_at")?,
                })
            })
            .collect()
    }

    /// The payments (pre-filed and paid) of the projects a scoped, filtered list holds, in
    /// project order, each with its batch and the contract it is paid from.
    pub async fn list_payments(
        &self,
        scope: &ListScope,
        f: &ListFilter,
    ) -> Result<Vec<PaymentLedgerRow>> {
        let Some((w, binds)) = Self::list_where(scope, f, false) else {
            return Ok(Vec::new());
        };
        let sql = format!(
            "SELECT p.id AS project_id, p.code, p.name, n.name AS unit_name,              (SELECT c.supplier FROM contracts c WHERE c.project_id = p.id ORDER BY c.id DESC LIMIT 1) AS supplier,              (SELECT c.amount_fen FROM contracts c WHERE c.project_id = p.id ORDER BY c.id DESC LIMIT 1) AS contract_fen,              y.seq_no, y.batch_no, b.condition_text, b.ratio_bp, y.amount_fen, y.planned_date, y.paid_date, y.paid_fen, y.voucher              FROM payments y JOIN projects p ON p.id = y.project_id JOIN units n ON n.id = p.unit_id              LEFT JOIN payment_batches b ON b.project_id = y.project_id AND b.seq_no = y.batch_no              WHERE {w} ORDER BY p.id DESC, y.seq_no LIMIT 50000"
        );
        let rows = bind_all(sqlx::query(&sql), &binds)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(payment_row).collect()
    }

    /// One project's payments (pre-filed and paid), in order.
    pub async fn project_payments(&self, id: ProjectId) -> Result<Vec<PaymentLedgerRow>> {
        let sql = format!("{PAYMENT_SQL} WHERE p.id = $1 ORDER BY y.seq_no");
        let rows = sqlx::query(&sql).bind(id.0).fetch_all(&self.pool).await?;
        rows.iter().map(payment_row).collect()
    }

    /// A project's change requests, oldest first.
    pub async fn project_changes(&self, id: ProjectId) -> Result<Vec<ChangeLedgerRow>> {
        let rows = sqlx::query(
            "SELECT seq_no, content, reason, new_fen, baseline_fen, state, updated_at FROM change_requests WHERE project_id = $1 ORDER BY seq_no",
        )
        .bind(id.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ChangeLedgerRow {
                    no: r.try_get("seq_no")?,
                    content: r.try_get("content")?,
                    reason: r.try_get("reason")?,
                    new_amount: Yuan::from_fen(r.try_get("new_fen")?),
                    baseline: Yuan::from_fen(r.try_get("baseline_fen")?),
                    state: r.try_get("state")?,
                    updated_at: r.try_get("updated_at")?,
                })
            })
            .collect()
    }

    /// Create every draft of an import in one transaction, each with its history entry: all
    /// or nothing.
    pub async fn create_projects(
        &self,
        actor: &Actor,
        inputs: &[ProjectInput],
        profile_code: &str,
    ) -> Result<Vec<ProjectId>> {
        let now = now_text();
        let (_write, mut tx) = self.begin_write().await?;
        let mut ids = Vec::with_capacity(inputs.len());
        for input in inputs {
            ids.push(ProjectId(
                insert_draft(&mut tx, actor, input, profile_code, &now).await?,
            ));
        }
        tx.commit().await?;
        Ok(ids)
    }

    // ---------- population table (M6) ----------

    pub async fn populations(&self, year: Option<i64>) -> Result<Vec<PopulationRow>> {
        let rows = match year {
            Some(y) => sqlx::query("SELECT year, county, population, updated_at FROM populations WHERE year = $1 ORDER BY county")
                .bind(y)
                .fetch_all(&self.pool)
                .await?,
            None => sqlx::query("SELECT year, county, population, updated_at FROM populations ORDER BY year DESC, county")
                .fetch_all(&self.pool)
                .await?,
        };
        rows.iter()
            .map(|r| {
                Ok(PopulationRow {
                    year: r.try_get("year")?,
                    county: r.try_get("county")?,
                    population: r.try_get("population")?,
                    updated_at: r.try_get("updated_at")?,
                })
            })
            .collect()
    }

    /// The counties of a year as the calculator reads them.
    pub async fn counties(&self, year: i64) -> Result<Vec<County>> {
        Ok(self
            .populations(Some(year))
            .await?
            .into_iter()
            .map(|r| County {
                name: r.county,
                population: r.population,
            })
            .collect())
    }

    /// Set (population Some) or remove (None) counties' figures of a year, every change logged.
    pub async fn set_populations(
        &self,
        actor: &Actor,
        year: i64,
        entries: &[(String, Option<i64>)],
        note: &str,
    ) -> Result<usize> {
        let now = now_text();
        let (_write, mut tx) = self.begin_write().await?;
        let mut changed = 0;
        for (county, new) in entries {
            let old: Option<i64> =
                sqlx::query("SELECT population FROM populations WHERE year = $1 AND county = $2")
                    .bind(year)
                    .bind(county)
                    .fetch_optional(&mut *tx)
                    .await?
                    .map(|r| r.try_get("population"))
                    .transpose()?;
            if old == *new {
                continue;
            }
            match new {
                Some(n) if old.is_some() => {
                    sqlx::query("UPDATE populations SET population = $1, updated_by = $2, updated_at = $3 WHERE year = $4 AND county = $5")
                        .bind(*n)
                        .bind(actor.user_id.0)
                        .bind(&now)
                        .bind(year)
                        .bind(county)
                        .execute(&mut *tx)
                        .await?;
                }
                Some(n) => {
                    sqlx::query("INSERT INTO populations (year, county, population, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5)")
                        .bind(year)
                        .bind(county)
                        .bind(*n)
                        .bind(actor.user_id.0)
                        .bind(&now)
                        .execute(&mut *tx)
                        .await?;
                }
                None => {
                    sqlx::query("DELETE FROM populations WHERE year = $1 AND county = $2")
                        .bind(year)
                        .bind(county)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            sqlx::query(
                "INSERT INTO population_changes (year, county, old_population, new_population, note, changed_by, changed_by_name, changed_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(year)
            .bind(county)
            .bind(old)
            .bind(*new)
            .bind(note)
            .bind(actor.user_id.0)
            .bind(&actor.name)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
            changed += 1;
        }
        tx.commit().await?;
        Ok(changed)
    }

    pub async fn population_changes(&self) -> Result<Vec<ChangeRow>> {
        let rows = sqlx::query(
            "SELECT year, county, old_population, new_population, note, changed_by_name, changed_at FROM population_changes ORDER BY id DESC LIMIT 200",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let old: Option<i64> = r.try_get("old_population")?;
                let new: Option<i64> = r.try_get("new_population")?;
                let show =
                    |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_else(|| "（无）".into());
                let note: String = r.try_get("note")?;
                Ok(ChangeRow {
                    at: r.try_get("changed_at")?,
                    actor_name: r.try_get("changed_by_name")?,
                    summary: format!(
                        "{} 年 {}：{} → {}{}",
                        r.try_get::<i64, _>("year")?,
                        r.try_get::<String, _>("county")?,
                        show(old),
                        show(new),
                        if note.is_empty() {
                            String::new()
                        } else {
                            format!("（{note}）")
                        }
                    ),
                })
            })
            .collect()
    }

    /// Sharing plans stored with a project, newest first.
    pub async fn cost_plans(&self, project: ProjectId) -> Result<Vec<StoredPlan>> {
        let rows = sqlx::query(
            "SELECT id, plan, recorded_at FROM cost_sharing_plans WHERE project_id = $1 ORDER BY id DESC",
        )
        .bind(project.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(StoredPlan {
                    id: r.try_get("id")?,
                    recorded_at: r.try_get("recorded_at")?,
                    plan: serde_json::from_str(&r.try_get::<String, _>("plan")?)
                        .map_err(|e| StoreError::Other(e.to_string()))?,
                })
            })
            .collect()
    }

    // ---------- settings (cloud threshold, regulatory rule) ----------

    pub async fn money_setting(&self, key: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query("SELECT value FROM money_settings WHERE key = $1")
                .bind(key)
                .fetch_optional(&self.pool)
                .await?
                .map(|r| r.try_get("value"))
                .transpose()?,
        )
    }

    /// Set a setting and log the change (area, summary) in one transaction.
    pub async fn set_money_setting(
        &self,
        actor: &Actor,
        key: &str,
        value: &str,
        summary: &str,
    ) -> Result<()> {
        let now = now_text();
        let (_write, mut tx) = self.begin_write().await?;
        let n = sqlx::query("UPDATE money_settings SET value = $1, updated_by = $2, updated_by_name = $3, updated_at = $4 WHERE key = $5")
            .bind(value)
            .bind(actor.user_id.0)
            .bind(&actor.name)
            .bind(&now)
            .bind(key)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            sqlx::query("INSERT INTO money_settings (key, value, updated_by, updated_by_name, updated_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(key)
                .bind(value)
                .bind(actor.user_id.0)
                .bind(&actor.name)
                .bind(&now)
                .execute(&mut *tx)
                .await?;
        }
        log_change(&mut tx, actor, key, summary, &now).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn settings_changes(&self, area_prefix: &str) -> Result<Vec<ChangeRow>> {
        let rows = sqlx::query(
            "SELECT summary, changed_by_name, changed_at FROM settings_changes WHERE area LIKE $1 ORDER BY id DESC LIMIT 200",
        )
        .bind(format!("{area_prefix}%"))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ChangeRow {
                    at: r.try_get("changed_at")?,
                    actor_name: r.try_get("changed_by_name")?,
                    summary: r.try_get("summary")?,
                })
            })
            .collect()
    }

    // ---------- cloud providers and purchases (M7) ----------

    pub async fn cloud_providers(&self) -> Result<Vec<ProviderRow>> {
        let rows =
            sqlx::query("SELECT id, name, active FROM cloud_providers ORDER BY active DESC, name")
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|r| {
                Ok(ProviderRow {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    active: r.try_get::<i64, _>("active")? != 0,
                })
            })
            .collect()
    }

    /// Add a provider to the list, or set an existing one active/inactive; logged.
    pub async fn set_cloud_provider(&self, actor: &Actor, name: &str, active: bool) -> Result<()> {
        let now = now_text();
        let (_write, mut tx) = self.begin_write().await?;
        let n = sqlx::query("UPDATE cloud_providers SET active = $1 WHERE name = $2")
            .bind(active as i64)
            .bind(name)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            sqlx::query("INSERT INTO cloud_providers (name, active, added_by, added_at) VALUES ($1, $2, $3, $4)")
                .bind(name)
                .bind(active as i64)
                .bind(actor.user_id.0)
                .bind(&now)
                .execute(&mut *tx)
                .await?;
        }
        let summary = if active {
            format!("{name} 列入入围政务云服务提供商名录")
        } else {
            format!("{name} 移出入围政务云服务提供商名录")
        };
        log_change(&mut tx, actor, "cloud.provider", &summary, &now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The unit's cloud purchases of a year so far (fen).
    pub async fn cloud_total(&self, unit: UnitId, year: i64) -> Result<Yuan> {
        let fen: i64 = sqlx::query("SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) AS s FROM cloud_purchases WHERE unit_id = $1 AND year = $2")
            .bind(unit.0)
            .bind(year)
            .fetch_one(&self.pool)
            .await?
            .try_get("s")?;
        Ok(Yuan::from_fen(fen))
    }

    /// Record a purchase. `decide` is given the unit's total so far *as read inside the write
    /// transaction* and returns the routing; a concurrent purchase of the same unit and year
    /// takes the same sequence number and fails on the unique key (→ 409, retry).
    pub async fn record_cloud_purchase<F, E>(
        &self,
        actor: &Actor,
        year: i64,
        provider_id: i64,
        amount: Yuan,
        description: &str,
        decide: F,
    ) -> Result<std::result::Result<(i64, Routing), E>>
    where
        F: FnOnce(Yuan) -> std::result::Result<Routing, E>,
    {
        let now = now_text();
        let (_write, mut tx) = self.begin_write().await?;
        let r = sqlx::query("SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) AS s, CAST(COUNT(*) AS BIGINT) AS n FROM cloud_purchases WHERE unit_id = $1 AND year = $2")
            .bind(actor.unit_id.0)
            .bind(year)
            .fetch_one(&mut *tx)
            .await?;
        let (sum, n): (i64, i64) = (r.try_get("s")?, r.try_get("n")?);
        let routing = match decide(Yuan::from_fen(sum)) {
            Ok(r) => r,
            Err(e) => return Ok(Err(e)),
        };
        let id: i64 = sqlx::query(
            "INSERT INTO cloud_purchases (unit_id, year, seq, provider_id, amount_fen, cumulative_fen, threshold_fen, route, description, recorded_by, recorded_by_name, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        )
        .bind(actor.unit_id.0)
        .bind(year)
        .bind(n + 1)
        .bind(provider_id)
        .bind(amount.fen())
        .bind(routing.cumulative.fen())
        .bind(routing.threshold.fen())
        .bind(routing.route.code())
        .bind(description)
        .bind(actor.user_id.0)
        .bind(&actor.name)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        tx.commit().await?;
        Ok(Ok((id, routing)))
    }

    /// Purchases of a year, of one unit or (None) of every unit in a jurisdiction path.
    pub async fn cloud_purchases(
        &self,
        unit: Option<UnitId>,
        jurisdiction_path: &str,
        year: i64,
    ) -> Result<Vec<PurchaseRow>> {
        let sql = "SELECT c.id, c.unit_id, n.name AS unit_name, c.year, c.seq, v.name AS provider, c.amount_fen, c.cumulative_fen, c.threshold_fen, \
             c.route, c.description, c.recorded_by_name, c.recorded_at FROM cloud_purchases c JOIN units n ON n.id = c.unit_id \
             JOIN jurisdictions j ON j.id = n.jurisdiction_id JOIN cloud_providers v ON v.id = c.provider_id \
             WHERE c.year = $1 AND j.path LIKE $2 AND ($3 = 0 OR c.unit_id = $3) ORDER BY n.name, c.seq";
        let rows = sqlx::query(sql)
            .bind(year)
            .bind(format!("{jurisdiction_path}%"))
            .bind(unit.map(|u| u.0).unwrap_or(0))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(PurchaseRow {
                    id: r.try_get("id")?,
                    unit_id: r.try_get("unit_id")?,
                    unit_name: r.try_get("unit_name")?,
                    year: r.try_get("year")?,
                    seq: r.try_get("seq")?,
                    provider: r.try_get("provider")?,
                    amount: Yuan::from_fen(r.try_get("amount_fen")?),
                    cumulative: Yuan::from_fen(r.try_get("cumulative_fen")?),
                    threshold: Yuan::from_fen(r.try_get("threshold_fen")?),
                    route: Route::parse(&r.try_get::<String, _>("route")?)
                        .map(|r| r.label().to_string())
                        .unwrap_or_default(),
                    description: r.try_get("description")?,
                    recorded_by_name: r.try_get("recorded_by_name")?,
                    recorded_at: r.try_get("recorded_at")?,
                })
            })
            .collect()
    }
}

async fn log_change(
    tx: &mut crate::project::Tx,
    actor: &Actor,
    area: &str,
    summary: &str,
    now: &str,
) -> Result<()> {
    sqlx::query("INSERT INTO settings_changes (area, summary, changed_by, changed_by_name, changed_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(area)
        .bind(summary)
        .bind(actor.user_id.0)
        .bind(&actor.name)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    Ok(())
}
