//! Open data (SPEC P5/P6; ZJ-plan 四(三) 定期晾晒): published approvals and the applications that
//! passed final acceptance, for anyone. Only public facts: no drafts, no opinions, no people.
use crate::{Db, Result};
use serde::Serialize;
use sqlx::Row;
use tongchou_domain::{Date, Stage, Yuan};

/// One approval (立项) as published.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PublicApproval {
    pub code: String,
    pub name: String,
    pub unit: String,
    pub jurisdiction: String,
    pub year: i32,
    pub approval_no: String,
    pub approval_date: String,
    /// 立项金额（元）, two decimals.
    pub approved_amount: String,
    /// Stage now, in Chinese.
    pub stage: String,
}

/// One application in operation after final acceptance, as published.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PublicApplication {
    pub code: String,
    pub name: String,
    pub unit: String,
    pub jurisdiction: String,
    pub year: i32,
    pub approval_no: String,
    /// The day it entered operation (final acceptance passed).
    pub in_operation_since: String,
}

impl Db {
    /// Approvals issued before `published_until` (the publication runs daily: what was approved
    /// up to yesterday), newest first.
    pub async fn public_approvals(&self, published_until: Date) -> Result<Vec<PublicApproval>> {
        let rows = sqlx::query(
            "SELECT p.code, p.name, n.name AS unit, j.name AS jurisdiction, p.year, p.approval_no, p.approval_date, p.approved_fen, p.stage \
             FROM projects p JOIN units n ON n.id = p.unit_id JOIN jurisdictions j ON j.id = p.jurisdiction_id \
             WHERE p.approval_no IS NOT NULL AND p.approval_date IS NOT NULL AND p.approval_date < $1 \
             ORDER BY p.approval_date DESC, p.id DESC LIMIT 100000",
        )
        .bind(published_until.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PublicApproval {
                    code: r.try_get("code")?,
                    name: r.try_get("name")?,
                    unit: r.try_get("unit")?,
                    jurisdiction: r.try_get("jurisdiction")?,
                    year: r.try_get::<i64, _>("year")? as i32,
                    approval_no: r.try_get("approval_no")?,
                    approval_date: r.try_get("approval_date")?,
                    approved_amount: Yuan::from_fen(
                        r.try_get::<Option<i64>, _>("approved_fen")?.unwrap_or(0),
                    )
                    .to_string(),
                    stage: Stage::parse(&r.try_get::<String, _>("stage")?)
                        .map(|s| s.label().to_string())
                        .unwrap_or_default(),
                })
            })
            .collect()
    }

    /// Applications that passed final acceptance and run (stage 运行), entered operation before
    /// `published_until`, newest first.
    pub async fn public_applications(
        &self,
        published_until: Date,
    ) -> Result<Vec<PublicApplication>> {
        let rows = sqlx::query(
            "SELECT p.code, p.name, n.name AS unit, j.name AS jurisdiction, p.year, p.approval_no, p.stage_since \
             FROM projects p JOIN units n ON n.id = p.unit_id JOIN jurisdictions j ON j.id = p.jurisdiction_id \
             WHERE p.stage = $1 AND p.stage_since < $2 ORDER BY p.stage_since DESC, p.id DESC LIMIT 100000",
        )
        .bind(Stage::InOperation.code())
        .bind(published_until.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let since: String = r.try_get("stage_since")?;
                Ok(PublicApplication {
                    code: r.try_get("code")?,
                    name: r.try_get("name")?,
                    unit: r.try_get("unit")?,
                    jurisdiction: r.try_get("jurisdiction")?,
                    year: r.try_get::<i64, _>("year")? as i32,
                    approval_no: r
                        .try_get::<Option<String>, _>("approval_no")?
                        .unwrap_or_default(),
                    in_operation_since: since.get(..10).unwrap_or("").to_string(),
                })
            })
            .collect()
    }
}
