//! Payment batches, payments, change requests, termination and overrun (the `funds` records of a
//! project): loaded into `ProjectContext::funds`, written by `Db::apply` in its transaction.
use crate::{Db, Result, StoreError};
use sqlx::any::AnyRow;
use sqlx::Row;
use tongchou_domain::funds::{
    ChangeRequest, ChangeRoute, ChangeState, FundsState, MoneyPosition, Payment, PaymentBatch,
    Termination, TerminationState,
};
use tongchou_domain::lifecycle::Event;
use tongchou_domain::project::ProjectContext;
use tongchou_domain::{Actor, Date, UnitId, Yuan};

pub(crate) type Tx = sqlx::AnyConnection;

fn corrupt(what: &str) -> StoreError {
    StoreError::Other(format!("stored value out of range: {what}"))
}

fn date(r: &AnyRow, col: &str) -> Result<Date> {
    r.try_get::<String, _>(col)?
        .parse()
        .map_err(|_| corrupt(col))
}

fn date_opt(r: &AnyRow, col: &str) -> Result<Option<Date>> {
    Ok(r.try_get::<Option<String>, _>(col)?
        .and_then(|s| s.parse().ok()))
}

fn fen_opt(r: &AnyRow, col: &str) -> Result<Option<Yuan>> {
    Ok(r.try_get::<Option<i64>, _>(col)?.map(Yuan::from_fen))
}

fn u32_of(r: &AnyRow, col: &str) -> Result<u32> {
    u32::try_from(r.try_get::<i64, _>(col)?).map_err(|_| corrupt(col))
}

impl Db {
    /// Load the money records of the project into `ctx.funds` (as of `today`).
    pub async fn load_funds(&self, ctx: &mut ProjectContext, today: Date) -> Result<()> {
        let id = ctx.project.id.0;
        let mut f = FundsState {
            as_of: Some(today),
            ..Default::default()
        };
        let r = sqlx::query(
            "SELECT p.effective_fen, \
             (SELECT c.period_months FROM contracts c WHERE c.project_id = p.id ORDER BY c.id DESC LIMIT 1) AS period_months, \
             (SELECT r.percent FROM progress_reports r WHERE r.project_id = p.id ORDER BY r.month DESC LIMIT 1) AS latest_progress \
             FROM projects p WHERE p.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        f.effective_amount = fen_opt(&r, "effective_fen")?;
        f.contract_period_months = r
            .try_get::<Option<i64>, _>("period_months")?
            .map(|m| m as u32);
        f.latest_progress = r
            .try_get::<Option<i64>, _>("latest_progress")?
            .map(|m| m as u32);
        for r in sqlx::query(
            "SELECT seq_no, condition_text, ratio_bp FROM payment_batches WHERE project_id = $1 ORDER BY seq_no",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        {
            f.batches.push(PaymentBatch {
                no: u32_of(&r, "seq_no")?,
                condition: r.try_get("condition_text")?,
                ratio_bp: u32_of(&r, "ratio_bp")?,
            });
        }
        for r in sqlx::query(
            "SELECT seq_no, batch_no, amount_fen, planned_date, paid_date, paid_fen, voucher FROM payments WHERE project_id = $1 ORDER BY seq_no",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        {
            f.payments.push(Payment {
                no: u32_of(&r, "seq_no")?,
                batch: u32_of(&r, "batch_no")?,
                amount: Yuan::from_fen(r.try_get("amount_fen")?),
                planned_date: date(&r, "planned_date")?,
                paid_date: date_opt(&r, "paid_date")?,
                paid_amount: fen_opt(&r, "paid_fen")?,
                voucher: r.try_get("voucher")?,
            });
        }
        for r in sqlx::query(
            "SELECT seq_no, content, reason, new_fen, baseline_fen, cut_fen, cut_bp, route, main_content, state \
             FROM change_requests WHERE project_id = $1 ORDER BY seq_no",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        {
            f.changes.push(ChangeRequest {
                no: u32_of(&r, "seq_no")?,
                content: r.try_get("content")?,
                reason: r.try_get("reason")?,
                new_amount: Yuan::from_fen(r.try_get("new_fen")?),
                baseline: Yuan::from_fen(r.try_get("baseline_fen")?),
                cut: Yuan::from_fen(r.try_get("cut_fen")?),
                cut_bp: r.try_get("cut_bp")?,
                route: ChangeRoute::parse(&r.try_get::<String, _>("route")?)
                    .ok_or_else(|| corrupt("route"))?,
                main_content: r.try_get::<i64, _>("main_content")? == 1,
                state: ChangeState::parse(&r.try_get::<String, _>("state")?)
                    .ok_or_else(|| corrupt("change state"))?,
            });
        }
        if let Some(r) = sqlx::query(
            "SELECT reason, progress, money, committee, leader, state, approved_fen, effective_fen, contracted_fen, paid_fen \
             FROM terminations WHERE project_id = $1 ORDER BY id DESC LIMIT 1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        {
            let position = match fen_opt(&r, "approved_fen")? {
                Some(approved) => Some(MoneyPosition {
                    approved,
                    effective: fen_opt(&r, "effective_fen")?.unwrap_or(approved),
                    contracted: fen_opt(&r, "contracted_fen")?.unwrap_or_default(),
                    paid: fen_opt(&r, "paid_fen")?.unwrap_or_default(),
                }),
                None => None,
            };
            f.termination = Some(Termination {
                reason: r.try_get("reason")?,
                progress: r.try_get("progress")?,
                money: r.try_get("money")?,
                committee: r.try_get("committee")?,
                leader: r.try_get("leader")?,
                state: TerminationState::parse(&r.try_get::<String, _>("state")?)
                    .ok_or_else(|| corrupt("termination state"))?,
                position,
            });
        }
        if let Some(r) = sqlx::query(
            "SELECT contract_end, explanation FROM overruns WHERE project_id = $1 ORDER BY id DESC LIMIT 1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        {
            f.overrun_explained_for = Some(date(&r, "contract_end")?);
            f.overrun_explanation = Some(r.try_get("explanation")?);
        }
        ctx.funds = f;
        Ok(())
    }

    /// Projects under `jurisdiction_path` waiting for the authority on money: an open change
    /// request or a termination to file (for 我的待办; most recent first).
    pub async fn pending_money_decisions(
        &self,
        jurisdiction_path: &str,
        limit: i64,
    ) -> Result<Vec<i64>> {
        let rows = sqlx::query(
            "SELECT p.id FROM projects p WHERE p.jurisdiction_path LIKE $1 AND p.stage <> 'ended' AND (\
             EXISTS (SELECT 1 FROM change_requests c WHERE c.project_id = p.id AND c.state IN ('awaiting_filing', 'preliminary_review', 'expert_review')) \
             OR EXISTS (SELECT 1 FROM terminations t WHERE t.project_id = p.id AND t.state = 'applied')) \
             ORDER BY p.id DESC LIMIT $2",
        )
        .bind(format!("{jurisdiction_path}%"))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok(r.try_get::<i64, _>("id")?))
            .collect()
    }

    /// How many of the unit's projects overran their contract period (I8: counted in the unit's
    /// next declaration scores).
    pub async fn unit_overruns(&self, unit: UnitId) -> Result<i64> {
        let r = sqlx::query(
            "SELECT CAST(COUNT(DISTINCT project_id) AS BIGINT) AS n FROM overruns WHERE unit_id = $1",
        )
        .bind(unit.0)
        .fetch_one(&self.pool)
        .await?;
        Ok(r.try_get("n")?)
    }
}

/// Write the rows of a money event (inside `Db::apply`'s transaction). Returns false for events
/// of other modules.
pub(crate) async fn apply_event(
    tx: &mut Tx,
    id: i64,
    actor: &Actor,
    e: &Event,
    now: &str,
) -> Result<bool> {
    match e {
        Event::PaymentBatchAdded {
            no,
            condition,
            ratio_bp,
        } => {
            sqlx::query("INSERT INTO payment_batches (project_id, seq_no, condition_text, ratio_bp, created_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(id)
                .bind(*no as i64)
                .bind(condition)
                .bind(*ratio_bp as i64)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        Event::PaymentPrefiled {
            no,
            batch,
            amount,
            planned_date,
        } => {
            sqlx::query(
                "INSERT INTO payments (project_id, seq_no, batch_no, amount_fen, planned_date, prefiled_by, prefiled_at, voucher) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, '')",
            )
            .bind(id)
            .bind(*no as i64)
            .bind(*batch as i64)
            .bind(amount.fen())
            .bind(planned_date.to_string())
            .bind(actor.user_id.0)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        Event::PaymentRecorded {
            no,
            paid_date,
            amount,
            voucher,
        } => {
            let n = sqlx::query(
                "UPDATE payments SET paid_date = $1, paid_fen = $2, voucher = $3, paid_by = $4, paid_at = $5 \
                 WHERE project_id = $6 AND seq_no = $7 AND paid_fen IS NULL",
            )
            .bind(paid_date.to_string())
            .bind(amount.fen())
            .bind(voucher)
            .bind(actor.user_id.0)
            .bind(now)
            .bind(id)
            .bind(*no as i64)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict("该笔支付已登记".into()));
            }
        }
        Event::ChangeSubmitted {
            no,
            content,
            reason,
            new_amount,
            baseline,
            cut,
            cut_bp,
            route,
            main_content,
            state,
        } => {
            sqlx::query(
                "INSERT INTO change_requests (project_id, seq_no, content, reason, new_fen, baseline_fen, cut_fen, cut_bp, route, main_content, \
                 state, experts, submitted_by, submitted_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, '[]', $12, $13, $13)",
            )
            .bind(id)
            .bind(*no as i64)
            .bind(content)
            .bind(reason)
            .bind(new_amount.fen())
            .bind(baseline.fen())
            .bind(cut.fen())
            .bind(*cut_bp)
            .bind(route.code())
            .bind(*main_content as i64)
            .bind(state.code())
            .bind(actor.user_id.0)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        Event::ChangeDecided {
            no,
            state,
            experts,
            review_date,
            ..
        } => {
            sqlx::query(
                "UPDATE change_requests SET state = $1, experts = $2, review_date = COALESCE($3, review_date), updated_at = $4 \
                 WHERE project_id = $5 AND seq_no = $6",
            )
            .bind(state.code())
            .bind(serde_json::to_string(experts).unwrap_or_else(|_| "[]".into()))
            .bind(review_date.map(|d| d.to_string()))
            .bind(now)
            .bind(id)
            .bind(*no as i64)
            .execute(&mut *tx)
            .await?;
        }
        Event::TerminationApplied {
            reason,
            progress,
            money,
            committee,
            leader,
        } => {
            sqlx::query(
                "INSERT INTO terminations (project_id, reason, progress, money, committee, leader, state, applied_by, applied_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'applied', $7, $8)",
            )
            .bind(id)
            .bind(reason)
            .bind(progress)
            .bind(money)
            .bind(committee)
            .bind(leader)
            .bind(actor.user_id.0)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        Event::TerminationFiled { position } => {
            sqlx::query(
                "UPDATE terminations SET state = 'filed', decided_by = $1, decided_at = $2, approved_fen = $3, effective_fen = $4, \
                 contracted_fen = $5, paid_fen = $6 WHERE project_id = $7 AND state = 'applied'",
            )
            .bind(actor.user_id.0)
            .bind(now)
            .bind(position.approved.fen())
            .bind(position.effective.fen())
            .bind(position.contracted.fen())
            .bind(position.paid.fen())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        Event::TerminationReturned => {
            sqlx::query(
                "UPDATE terminations SET state = 'returned', decided_by = $1, decided_at = $2 WHERE project_id = $3 AND state = 'applied'",
            )
            .bind(actor.user_id.0)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        Event::OverrunExplained {
            contract_end,
            explanation,
        } => {
            sqlx::query(
                "INSERT INTO overruns (project_id, unit_id, contract_end, explanation, recorded_by, recorded_at) \
                 SELECT p.id, p.unit_id, $2, $3, $4, $5 FROM projects p WHERE p.id = $1",
            )
            .bind(id)
            .bind(contract_end.to_string())
            .bind(explanation)
            .bind(actor.user_id.0)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        _ => return Ok(false),
    }
    Ok(true)
}
