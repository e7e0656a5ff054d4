//! Money during implementation over the API: the payments card's data (position, progress,
//! batches, payments, changes, termination, overrun). The actions themselves go through
//! `POST /api/v1/projects/{id}/actions/{action}` like every other transition.
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::service;
use crate::AppState;
use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Value};
use tongchou_domain::funds::{summary, termination_reason_label};
use tongchou_domain::profile::Profile;
use tongchou_domain::project::ProjectContext;
use tongchou_domain::{Date, ProjectId};

/// The money records and summary of a loaded context, as JSON.
pub fn money_json(ctx: &ProjectContext, profile: &Profile, today: Date) -> Value {
    let f = &ctx.funds;
    let s = summary(ctx, today);
    json!({
        "summary": s,
        "approved_amount": s.position.approved,
        "effective_amount": s.position.effective,
        "contract_amount": s.position.contracted,
        "paid_amount": s.position.paid,
        "batches": f.batches,
        "payments": f.payments,
        "changes": f.changes.iter().map(|c| {
            let mut v = serde_json::to_value(c).unwrap_or(Value::Null);
            v["state_label"] = json!(c.state.label());
            v["route_label"] = json!(c.route.label());
            v
        }).collect::<Vec<_>>(),
        "termination": f.termination.as_ref().map(|t| {
            let mut v = serde_json::to_value(t).unwrap_or(Value::Null);
            v["reason_label"] = json!(termination_reason_label(profile, &t.reason));
            v["state_label"] = json!(t.state.label());
            v
        }),
        "overrun": {
            "contract_end": s.contract_end,
            "overrun": s.overrun,
            "explained_for": f.overrun_explained_for,
            "explanation": f.overrun_explanation,
        },
    })
}

/// `GET /api/v1/projects/{id}/money`: same permission as reading the project.
pub async fn api_money(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Value>, AppError> {
    let ctx = service::visible_context(&st, &user.actor, ProjectId(id)).await?;
    let mut v = money_json(
        &ctx,
        &st.profile_for(&ctx.project.jurisdiction_path),
        tongchou_store::today(),
    );
    v["unit_overruns"] = json!(st.db.unit_overruns(ctx.project.unit_id).await?);
    Ok(Json(v))
}
