//! `GET /api/v1/projects/{id}/ocds`: the project as an OCDS 1.1 release package (same permission
//! as reading the project). The mapping is `tongchou_domain::ocds`; this file loads the records.
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::service;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use tongchou_domain::ocds::{
    release_package, Amendment, OcdsConfig, OcdsContract, OcdsProcurement, OcdsProgress,
    OcdsProject, Transaction,
};
use tongchou_domain::ProjectId;

/// Extension point for payments (issue 4, payments): each recorded payment of the project as an
/// OCDS transaction. Until payments are recorded there are none.
pub async fn ocds_transactions(st: &AppState, id: ProjectId) -> Result<Vec<Transaction>, AppError> {
    let payee = st
        .db
        .contract(id)
        .await?
        .map(|c| c.supplier)
        .unwrap_or_default();
    Ok(st
        .db
        .project_payments(id)
        .await?
        .into_iter()
        .filter_map(|p| {
            let date = p.paid_date.as_deref()?.parse().ok()?;
            Some(Transaction {
                id: format!("payment-{}", p.no),
                date,
                amount: p.paid_amount?,
                payee: payee.clone(),
                description: format!(
                    "第 {} 期支付（报备单第 {} 号）{}{}",
                    p.batch,
                    p.no,
                    p.batch_condition
                        .as_deref()
                        .map(|c| format!("：{c}"))
                        .unwrap_or_default(),
                    if p.voucher.is_empty() {
                        String::new()
                    } else {
                        format!("，凭证 {}", p.voucher)
                    }
                ),
            })
        })
        .collect())
}

/// Extension point for change requests (issue 4, changes): each approved change of the contract
/// as an OCDS amendment. Until changes are recorded there are none.
pub async fn ocds_amendments(st: &AppState, id: ProjectId) -> Result<Vec<Amendment>, AppError> {
    Ok(st
        .db
        .project_changes(id)
        .await?
        .into_iter()
        .filter(|c| c.state == "effective")
        .filter_map(|c| {
            Some(Amendment {
                id: format!("change-{}", c.no),
                date: c.updated_at.get(..10)?.parse().ok()?,
                rationale: c.reason,
                description: format!(
                    "{}（项目金额由立项批复的 {} 元调整为 {} 元）",
                    c.content,
                    c.baseline.grouped(),
                    c.new_amount.grouped()
                ),
            })
        })
        .collect())
}

/// The release package of a project the actor may see.
pub async fn package(st: &AppState, user: &CurrentUser, id: ProjectId) -> Result<Value, AppError> {
    let project = service::visible_project(st, &user.actor, id).await?;
    let procurement = st.db.procurement(id).await?.and_then(|p| {
        Some(OcdsProcurement {
            method: p.method,
            ceiling: p.ceiling,
            doc_date: p.doc_date.parse().ok()?,
        })
    });
    let contract = st.db.contract(id).await?.and_then(|c| {
        Some(OcdsContract {
            supplier: c.supplier,
            amount: c.amount,
            signed_date: c.signed_date.parse().ok()?,
            period_months: c.period_months.clamp(0, 1200) as u32,
        })
    });
    let progress = st
        .db
        .progress_reports(id)
        .await?
        .into_iter()
        .map(|r| OcdsProgress {
            month: r.month,
            percent: r.percent.clamp(0, 100) as u32,
            summary: r.summary,
            submitted_at: r.submitted_at,
        })
        .collect();
    let input = OcdsProject {
        project: &project,
        procurement,
        contract,
        progress,
        transactions: ocds_transactions(st, id).await?,
        amendments: ocds_amendments(st, id).await?,
    };
    let jname = st
        .db
        .jurisdiction(project.jurisdiction_id)
        .await
        .map(|j| j.name)
        .unwrap_or_default();
    let cfg = OcdsConfig {
        ocid_prefix: st.ocid_prefix.clone(),
        publisher: format!("{jname}政务信息化项目管理平台（统筹）"),
        published: tongchou_store::now_text(),
    };
    Ok(release_package(&input, &cfg))
}

pub async fn api(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let v = package(&st, &user, ProjectId(id)).await?;
    Ok((
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        serde_json::to_string_pretty(&v).map_err(|e| AppError::Internal(e.to_string()))?,
    )
        .into_response())
}
