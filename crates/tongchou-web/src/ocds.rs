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
pub async fn ocds_transactions(
    _st: &AppState,
    _id: ProjectId,
) -> Result<Vec<Transaction>, AppError> {
    Ok(Vec::new())
}

/// Extension point for change requests (issue 4, changes): each approved change of the contract
/// as an OCDS amendment. Until changes are recorded there are none.
pub async fn ocds_amendments(_st: &AppState, _id: ProjectId) -> Result<Vec<Amendment>, AppError> {
    Ok(Vec::new())
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
