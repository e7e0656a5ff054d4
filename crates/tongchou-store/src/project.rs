//! The project aggregate: create, load with the records a rule needs, apply a decision with its
//! history entry (one transaction, version-checked), list within a permission scope.
use crate::audit::entry_hash;
use crate::{now_text, Db, Result, StoreError};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;
use tongchou_domain::lifecycle::{Decision, Event, Needs};
use tongchou_domain::obligation::Changes;
use tongchou_domain::permission::{approved_stages, path_ids, ListScope};
use tongchou_domain::project::{
    BuildKind, Category, Contract, Funding, Panel, PanelMember, PanelOpinion, PanelPurpose,
    PreliminaryScore, Procurement, Project, ProjectContext, ProjectExtra, ProjectInput,
    SupervisionContract, UrgentTask,
};
use tongchou_domain::{
    Actor, Date, JurisdictionId, PanelId, ProjectId, Role, Stage, UnitId, UserId, Yuan,
};

pub(crate) const PROJECT_COLS: &str = "p.id, p.code, p.unit_id, n.name AS unit_name, p.jurisdiction_id, p.jurisdiction_path, p.name, p.year, \
    p.build_kind, p.category, p.it_fen, p.non_it_fen, p.security_fen, p.funding, p.summary, p.participants, p.responsible_person, \
    p.stage, p.version, p.rereviews_used, p.suggested_fen, p.final_fen, p.approved_fen, p.approval_no, p.approval_date, p.budget_fen, \
    p.fiscal_year, p.initial_acceptance_date, p.rectify_due, p.ended_reason, p.declared_at, p.created_by, p.created_at, p.updated_at, \
    p.stage_since, p.project_code, CAST(p.classified AS BIGINT) AS classified, p.needs_statement, p.urgent_basis, p.urgent_consent, \
    p.fund_source, p.fund_source_by, p.fund_source_on, p.om_stopped_on, p.om_stop_reason, p.major_task, p.gov_function";

fn date_opt(s: Option<String>) -> Option<Date> {
    s.and_then(|s| s.parse().ok())
}

fn yuan_opt(f: Option<i64>) -> Option<Yuan> {
    f.map(Yuan::from_fen)
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Other(format!("stored value out of range: {what}"))
}

fn date_req(r: &AnyRow, col: &str) -> Result<Date> {
    r.try_get::<String, _>(col)?
        .parse()
        .map_err(|_| corrupt(col))
}

pub(crate) fn project_from(r: &AnyRow) -> Result<Project> {
    let participants: String = r.try_get("participants")?;
    Ok(Project {
        id: ProjectId(r.try_get("id")?),
        code: r.try_get("code")?,
        unit_id: UnitId(r.try_get("unit_id")?),
        unit_name: r.try_get("unit_name")?,
        jurisdiction_id: JurisdictionId(r.try_get("jurisdiction_id")?),
        jurisdiction_path: r.try_get("jurisdiction_path")?,
        input: ProjectInput {
            name: r.try_get("name")?,
            year: r.try_get::<i64, _>("year")? as i32,
            build_kind: BuildKind::parse(&r.try_get::<String, _>("build_kind")?)
                .ok_or_else(|| corrupt("build_kind"))?,
            category: Category::parse(&r.try_get::<String, _>("category")?)
                .ok_or_else(|| corrupt("category"))?,
            it_amount: Yuan::from_fen(r.try_get("it_fen")?),
            non_it_amount: Yuan::from_fen(r.try_get("non_it_fen")?),
            security_amount: Yuan::from_fen(r.try_get("security_fen")?),
            funding: Funding::parse(&r.try_get::<String, _>("funding")?)
                .ok_or_else(|| corrupt("funding"))?,
            summary: r.try_get("summary")?,
            participants: serde_json::from_str(&participants).unwrap_or_default(),
            responsible_person: r.try_get("responsible_person")?,
            major_task: Some(r.try_get::<String, _>("major_task")?).filter(|s| !s.is_empty()),
            gov_function: Some(r.try_get::<String, _>("gov_function")?).filter(|s| !s.is_empty()),
        },
        stage: Stage::parse(&r.try_get::<String, _>("stage")?).ok_or_else(|| corrupt("stage"))?,
        version: r.try_get("version")?,
        rereviews_used: r.try_get::<i64, _>("rereviews_used")? as u32,
        suggested_amount: yuan_opt(r.try_get("suggested_fen")?),
        final_amount: yuan_opt(r.try_get("final_fen")?),
        approved_amount: yuan_opt(r.try_get("approved_fen")?),
        approval_no: r.try_get("approval_no")?,
        approval_date: date_opt(r.try_get("approval_date")?),
        budget_amount: yuan_opt(r.try_get("budget_fen")?),
        fiscal_year: r
            .try_get::<Option<i64>, _>("fiscal_year")?
            .map(|y| y as i32),
        initial_acceptance_date: date_opt(r.try_get("initial_acceptance_date")?),
        rectify_due: date_opt(r.try_get("rectify_due")?),
        ended_reason: r.try_get("ended_reason")?,
        declared_at: r.try_get("declared_at")?,
        created_by: UserId(r.try_get("created_by")?),
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        stage_since: r.try_get("stage_since")?,
        extra: extra_from(r)?,
        history_head: (
            r.try_get::<Option<i64>, _>("last_seq")?.unwrap_or(0),
            r.try_get::<Option<String>, _>("last_hash")?
                .unwrap_or_default(),
        ),
    })
}

/// The typed facts of the project row (migration 0019).
fn extra_from(r: &AnyRow) -> Result<ProjectExtra> {
    let basis: Option<String> = r.try_get("urgent_basis")?;
    let om_on: Option<String> = r.try_get("om_stopped_on")?;
    Ok(ProjectExtra {
        project_code: r.try_get("project_code")?,
        classified: r.try_get::<i64, _>("classified")? != 0,
        needs_statement: r.try_get("needs_statement")?,
        urgent: match basis {
            Some(basis) => Some(UrgentTask {
                basis,
                consent: r
                    .try_get::<Option<String>, _>("urgent_consent")?
                    .unwrap_or_default(),
                fund_source: r.try_get("fund_source")?,
                fund_source_by: r.try_get("fund_source_by")?,
                fund_source_on: date_opt(r.try_get("fund_source_on")?),
            }),
            None => None,
        },
        om_stopped: match date_opt(om_on) {
            Some(d) => Some((
                d,
                r.try_get::<Option<String>, _>("om_stop_reason")?
                    .unwrap_or_default(),
            )),
            None => None,
        },
    })
}

/// The project columns for `UPDATE … RETURNING` (no join there: the unit name is filled in by
/// the caller, the history head after the new entry is appended).
fn returning_cols() -> String {
    PROJECT_COLS
        .replace("n.name AS unit_name", "'' AS unit_name")
        .replace("p.", "")
        + ", 0 AS last_seq, '' AS last_hash"
}

/// The history head of a project, as columns of a project query.
pub(crate) const HEAD_COLS: &str = "(SELECT h.seq FROM history h WHERE h.project_id = p.id ORDER BY h.seq DESC LIMIT 1) AS last_seq, \
    (SELECT h.hash FROM history h WHERE h.project_id = p.id ORDER BY h.seq DESC LIMIT 1) AS last_hash";

/// One row of the timeline.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryEntry {
    pub seq: i64,
    pub at: String,
    pub actor_id: i64,
    pub actor_name: String,
    pub actor_unit: String,
    pub action: String,
    pub from_stage: String,
    pub to_stage: String,
    pub summary: String,
    pub opinion: String,
    pub payload: serde_json::Value,
    pub profile_code: String,
    pub hash: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AttachmentRow {
    pub id: i64,
    pub kind: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub doc_date: Option<String>,
    pub version: i64,
    pub uploaded_by: i64,
    pub uploaded_at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScoreRow {
    pub department: String,
    pub user_id: i64,
    pub scores: serde_json::Value,
    pub total: i64,
    pub pass: bool,
    pub opinion: String,
    pub at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PanelRow {
    pub id: i64,
    pub purpose: String,
    pub meeting_date: String,
    pub place: String,
    pub concluded: bool,
    pub pass: Option<bool>,
    pub suggested_amount: Option<Yuan>,
    pub concluded_on: Option<String>,
    pub members: Vec<PanelMemberRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PanelMemberRow {
    pub expert_id: i64,
    pub name: String,
    pub score: Option<i64>,
    pub pass: Option<bool>,
    pub opinion: Option<String>,
    pub suggested_amount: Option<Yuan>,
    pub submitted_at: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ContractRow {
    pub supplier: String,
    pub amount: Yuan,
    pub signed_date: String,
    pub period_months: i64,
    pub maintenance_years: i64,
    pub recorded_at: String,
    /// 工程监理合同 filed with the contract (SPEC I5).
    pub supervision: Option<SupervisionContract>,
}

/// The supervision columns of a `contracts` row.
fn supervision_from(r: &sqlx::any::AnyRow) -> Result<Option<SupervisionContract>> {
    let Some(company) = r.try_get::<Option<String>, _>("supervisor")? else {
        return Ok(None);
    };
    Ok(Some(SupervisionContract {
        company,
        fee: Yuan::from_fen(
            r.try_get::<Option<i64>, _>("supervision_fee_fen")?
                .unwrap_or(0),
        ),
        signed_date: date_req(r, "supervision_signed_date")?,
    }))
}

#[derive(Debug, Clone, Serialize)]
pub struct ProcurementRow {
    pub method: String,
    pub ceiling: Yuan,
    pub doc_date: String,
    pub recorded_at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProgressRow {
    pub month: String,
    pub percent: i64,
    pub summary: String,
    /// 里程碑 milestones reached that month, one a line
    pub milestones: String,
    pub problems: String,
    pub submitted_at: String,
}

/// One unit on the progress board.
#[derive(Debug, Clone, Serialize)]
pub struct UnitBoardRow {
    pub unit_name: String,
    pub projects: i64,
    /// Open overdue obligations.
    pub overdue: i64,
    /// Open 挂图作战 items past their due date (tasks and milestones).
    pub overdue_tasks: i64,
    /// Projects with an overdue obligation or an overdue item.
    pub overdue_projects: i64,
}

/// Filters of the project list.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub stages: Vec<Stage>,
    pub year: Option<i32>,
    pub unit: Option<UnitId>,
    pub q: Option<String>,
    pub page: u32,
    pub per_page: u32,
}

/// A project in a list.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectListItem {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub year: i64,
    pub unit_name: String,
    pub stage: Stage,
    pub it_amount: Yuan,
    pub approved_amount: Option<Yuan>,
    pub updated_at: String,
    pub stage_since: String,
}

pub(crate) enum Bind {
    I(i64),
    S(String),
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// Bind a list query's arguments in order.
pub(crate) fn bind_all<'q>(mut q: AnyQuery<'q>, binds: &'q [Bind]) -> AnyQuery<'q> {
    for b in binds {
        q = match b {
            Bind::I(i) => q.bind(*i),
            Bind::S(s) => q.bind(s.as_str()),
        };
    }
    q
}

/// What a write runs on: a transaction's connection (or a savepoint of a group commit).
pub(crate) type Tx = sqlx::AnyConnection;

/// A value for a project column set by an event.
enum Val {
    I(i64),
    S(String),
    /// A SQL expression over the row itself (no bind).
    Raw(&'static str),
}

/// The project columns an event sets (other tables are written by `apply_event`).
fn project_sets(e: &Event, now: &str) -> Vec<(&'static str, Val)> {
    match e {
        Event::Edited { input } => vec![
            ("name", Val::S(input.name.clone())),
            ("year", Val::I(input.year as i64)),
            ("build_kind", Val::S(input.build_kind.code().into())),
            ("category", Val::S(input.category.code().into())),
            ("it_fen", Val::I(input.it_amount.fen())),
            ("non_it_fen", Val::I(input.non_it_amount.fen())),
            ("security_fen", Val::I(input.security_amount.fen())),
            ("funding", Val::S(input.funding.code().into())),
            ("summary", Val::S(input.summary.clone())),
            (
                "major_task",
                Val::S(input.major_task.clone().unwrap_or_default()),
            ),
            (
                "gov_function",
                Val::S(input.gov_function.clone().unwrap_or_default()),
            ),
            (
                "participants",
                Val::S(serde_json::to_string(&input.participants).unwrap_or_else(|_| "[]".into())),
            ),
            (
                "responsible_person",
                Val::S(input.responsible_person.clone()),
            ),
        ],
        Event::Declared => vec![("declared_at", Val::S(now.into())), ("declared", Val::I(1))],
        Event::UrgentTaskRecorded { basis, consent } => vec![
            ("urgent_basis", Val::S(basis.clone())),
            ("urgent_consent", Val::S(consent.clone())),
        ],
        Event::NeedsConfirmed { statement } => {
            vec![("needs_statement", Val::S(statement.clone()))]
        }
        Event::ProjectCodeSet { code, classified } => vec![
            (
                "project_code",
                match code {
                    Some(c) => Val::S(c.clone()),
                    None => Val::Raw("NULL"),
                },
            ),
            ("classified", Val::I(*classified as i64)),
        ],
        Event::FundSourceConfirmed { source, by, on } => vec![
            ("fund_source", Val::S(source.clone())),
            ("fund_source_by", Val::S(by.clone())),
            ("fund_source_on", Val::S(on.to_string())),
        ],
        Event::OmStopped { on, reason } => vec![
            ("om_stopped_on", Val::S(on.to_string())),
            ("om_stop_reason", Val::S(reason.clone())),
        ],
        Event::OmStopLifted { .. } => vec![
            ("om_stopped_on", Val::Raw("NULL")),
            ("om_stop_reason", Val::Raw("NULL")),
        ],
        Event::RereviewRequested => vec![("rereviews_used", Val::Raw("rereviews_used + 1"))],
        Event::PanelConcluded {
            purpose: PanelPurpose::ExpertReview,
            suggested_amount: Some(s),
            ..
        } => vec![("suggested_fen", Val::I(s.fen()))],
        Event::FinalAmountFixed { amount } => vec![("final_fen", Val::I(amount.fen()))],
        Event::ApprovalIssued {
            doc_no,
            seq,
            doc_date,
            amount,
        } => vec![
            ("approved_fen", Val::I(amount.fen())),
            ("approval_no", Val::S(doc_no.clone())),
            ("approval_seq", Val::I(*seq)),
            ("approval_date", Val::S(doc_date.to_string())),
        ],
        Event::BudgetArranged {
            fiscal_year,
            amount,
        } => vec![
            ("budget_fen", Val::I(amount.fen())),
            ("fiscal_year", Val::I(*fiscal_year as i64)),
        ],
        Event::InitialAccepted { date } => {
            vec![("initial_acceptance_date", Val::S(date.to_string()))]
        }
        Event::RectificationOrdered { due } => vec![("rectify_due", Val::S(due.to_string()))],
        Event::Ended { reason } => vec![("ended_reason", Val::S(reason.clone()))],
        // A change took effect: the effective amount, beside the untouched baseline (M1).
        Event::ChangeDecided {
            effective_amount: Some(a),
            ..
        } => vec![("effective_fen", Val::I(a.fen()))],
        _ => vec![],
    }
}

impl Db {
    /// Create a draft and its first history entry.
    pub async fn create_project(
        &self,
        actor: &Actor,
        input: &ProjectInput,
        profile_code: &str,
    ) -> Result<Project> {
        let now = now_text();
        let (_write, mut tx) = self.begin_write().await?;
        let id = insert_draft(&mut tx, actor, input, profile_code, &now).await?;
        tx.commit().await?;
        self.project(ProjectId(id)).await
    }

    pub async fn project(&self, id: ProjectId) -> Result<Project> {
        let r = sqlx::query(&format!("SELECT {PROJECT_COLS}, {HEAD_COLS} FROM projects p JOIN units n ON n.id = p.unit_id WHERE p.id = $1"))
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        project_from(&r)
    }

    /// The project with the kinds of attachment it has, in one query (what most rules read).
    pub async fn project_with_attachments(&self, id: ProjectId) -> Result<ProjectContext> {
        let kinds: Vec<String> = tongchou_domain::profile::ATTACHMENT_KINDS
            .iter()
            .map(|(k, _)| format!("CASE WHEN EXISTS (SELECT 1 FROM attachments a WHERE a.project_id = p.id AND a.kind = '{k}') THEN 1 ELSE 0 END AS k_{k}"))
            .collect();
        let r = sqlx::query(&format!("SELECT {PROJECT_COLS}, {HEAD_COLS}, {} FROM projects p JOIN units n ON n.id = p.unit_id WHERE p.id = $1", kinds.join(", ")))
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut ctx = ProjectContext::new(project_from(&r)?);
        for (k, _) in tongchou_domain::profile::ATTACHMENT_KINDS {
            if r.try_get::<i64, _>(format!("k_{k}").as_str())? == 1 {
                ctx.attachment_kinds.push(k.to_string());
            }
        }
        Ok(ctx)
    }

    /// The 揭榜 competition on one of the project's library items that selected the project's
    /// unit (a shortlisted bid, not cancelled) and whose agreement is signed: 入选视同完成项目
    /// 可行性研究论证 (ZJ-share 三（五）).
    pub async fn selected_by_competition(&self, project: i64, unit: i64) -> Result<Option<i64>> {
        let r = sqlx::query(
            "SELECT c.id FROM competitions c JOIN library_item_projects x ON x.item_id = c.item_id \
             JOIN bids b ON b.competition_id = c.id \
             WHERE x.project_id = $1 AND b.unit_id = $2 AND b.shortlisted = 1 AND b.cancelled_on IS NULL \
             AND c.state IN ('agreed', 'acceptance_applied', 'accepted') ORDER BY c.id",
        )
        .bind(project)
        .bind(unit)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match r {
            Some(r) => Some(r.try_get("id")?),
            None => None,
        })
    }

    /// Whether the user sits (or sat) on any panel of the project.
    /// Modules initially accepted one by one (Quzhou 三(三)5), oldest first.
    pub async fn module_acceptances(
        &self,
        id: ProjectId,
    ) -> Result<Vec<tongchou_domain::project::ModuleAcceptance>> {
        let rows = sqlx::query(
            "SELECT module, accepted_on, panel, CAST(last_module AS BIGINT) AS last_module FROM module_acceptances WHERE project_id = $1 ORDER BY accepted_on, id",
        )
        .bind(id.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let date: String = r.try_get("accepted_on")?;
                let panel: String = r.try_get("panel")?;
                Ok(tongchou_domain::project::ModuleAcceptance {
                    module: r.try_get("module")?,
                    date: date
                        .parse()
                        .map_err(|e| StoreError::Other(format!("module_acceptances: {e}")))?,
                    panel: panel.lines().map(String::from).collect(),
                    last: r.try_get::<i64, _>("last_module")? != 0,
                })
            })
            .collect()
    }

    pub async fn on_panel(&self, project: ProjectId, user: UserId) -> Result<bool> {
        let r = sqlx::query(
            "SELECT 1 AS x FROM panels pa JOIN panel_members pm ON pm.panel_id = pa.id WHERE pa.project_id = $1 AND pm.expert_id = $2",
        )
        .bind(project.0)
        .bind(user.0)
        .fetch_optional(&self.pool)
        .await?;
        Ok(r.is_some())
    }

    /// Load the project with everything a transition needs.
    pub async fn context(&self, id: ProjectId) -> Result<ProjectContext> {
        let mut ctx = ProjectContext::new(self.project(id).await?);
        self.load_parts(&mut ctx, Needs::ALL).await?;
        Ok(ctx)
    }

    /// Load into `ctx` the records named by `needs` (see `lifecycle::needs`).
    pub async fn load_parts(&self, ctx: &mut ProjectContext, needs: Needs) -> Result<()> {
        let id = ctx.project.id.0;
        if needs.attachments {
            let kinds = sqlx::query("SELECT DISTINCT kind FROM attachments WHERE project_id = $1")
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
            ctx.attachment_kinds = kinds
                .iter()
                .map(|r| r.try_get("kind"))
                .collect::<Result<_, _>>()?;
            ctx.selected_by_competition = self
                .selected_by_competition(id, ctx.project.unit_id.0)
                .await?;
        }
        if needs.scores {
            let scores = sqlx::query("SELECT department, user_id, total, pass FROM preliminary_scores WHERE project_id = $1")
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
            ctx.preliminary_scores.clear();
            for r in &scores {
                ctx.preliminary_scores.push(PreliminaryScore {
                    department: Role::parse(&r.try_get::<String, _>("department")?)
                        .ok_or_else(|| corrupt("department"))?,
                    user_id: UserId(r.try_get("user_id")?),
                    total: r.try_get::<i64, _>("total")? as u32,
                    pass: r.try_get::<i64, _>("pass")? == 1,
                });
            }
        }
        if needs.panel {
            ctx.open_panel = self.open_panel(id).await?;
        }
        if needs.procurement {
            let pr = sqlx::query("SELECT method, ceiling_fen, doc_date FROM procurements WHERE project_id = $1 ORDER BY id DESC")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
            ctx.procurement = match pr {
                Some(r) => Some(Procurement {
                    method: r.try_get("method")?,
                    ceiling: Yuan::from_fen(r.try_get("ceiling_fen")?),
                    doc_date: date_req(&r, "doc_date")?,
                }),
                None => None,
            };
        }
        if needs.contract {
            let c = sqlx::query("SELECT supplier, amount_fen, signed_date, supervisor, supervision_fee_fen, supervision_signed_date FROM contracts WHERE project_id = $1 ORDER BY id DESC")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
            ctx.contract = match c {
                Some(r) => Some(Contract {
                    supplier: r.try_get("supplier")?,
                    amount: Yuan::from_fen(r.try_get("amount_fen")?),
                    signed_date: date_req(&r, "signed_date")?,
                    supervision: supervision_from(&r)?,
                }),
                None => None,
            };
        }
        if needs.months {
            let months = sqlx::query("SELECT month FROM progress_reports WHERE project_id = $1")
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
            ctx.reported_months = months
                .iter()
                .map(|r| r.try_get("month"))
                .collect::<Result<_, _>>()?;
        }
        if needs.consequences {
            let rows = sqlx::query("SELECT obligation, consequence FROM consequences WHERE project_id = $1 AND state = 'pending' ORDER BY id")
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
            ctx.pending_consequences = rows
                .iter()
                .map(|r| Ok((r.try_get("obligation")?, r.try_get("consequence")?)))
                .collect::<Result<_>>()?;
        }
        if needs.funds {
            self.load_funds(ctx, crate::today()).await?;
        }
        if needs.overrides {
            ctx.overrides = self.project_overrides(ctx.project.id).await?;
        }
        if needs.evaluations {
            ctx.evaluations = self.evaluations(id).await?;
        }
        if needs.eligibility {
            // Zombie entries of the longest bar a profile may set (10 years); the domain
            // applies the profile's own length.
            ctx.eligibility = self
                .eligibility_facts(
                    ctx.project.unit_id,
                    id,
                    ctx.project.input.year,
                    crate::today(),
                    10,
                )
                .await?;
        }
        if needs.eligibility {
            ctx.rounds = self.rounds_over(&ctx.project.jurisdiction_path).await?;
        }
        if needs.panel || needs.attachments {
            ctx.modules = self.module_acceptances(ctx.project.id).await?;
        }
        if needs.approval_seq {
            // ORDER BY … LIMIT 1 rather than MAX(): both databases walk the index from its end.
            let seq: i64 = match sqlx::query(
                "SELECT approval_seq FROM projects WHERE jurisdiction_id = $1 AND approval_seq IS NOT NULL ORDER BY approval_seq DESC LIMIT 1",
            )
            .bind(ctx.project.jurisdiction_id.0)
            .fetch_optional(&self.pool)
            .await?
            {
                Some(r) => r.try_get("approval_seq")?,
                None => 0,
            };
            ctx.next_approval_seq = seq + 1;
        }
        Ok(())
    }

    async fn open_panel(&self, project: i64) -> Result<Option<Panel>> {
        let Some(r) = sqlx::query(
            "SELECT id, purpose, meeting_date FROM panels WHERE project_id = $1 AND concluded = 0",
        )
        .bind(project)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let pid: i64 = r.try_get("id")?;
        let members = sqlx::query("SELECT expert_id, name, unit_id, score, pass, opinion, suggested_fen FROM panel_members WHERE panel_id = $1 ORDER BY expert_id")
            .bind(pid)
            .fetch_all(&self.pool)
            .await?;
        let mut ms = Vec::new();
        for m in &members {
            let opinion = match m.try_get::<Option<i64>, _>("score")? {
                None => None,
                Some(s) => Some(PanelOpinion {
                    score: s as u32,
                    pass: m.try_get::<Option<i64>, _>("pass")? == Some(1),
                    opinion: m
                        .try_get::<Option<String>, _>("opinion")?
                        .unwrap_or_default(),
                    suggested_amount: yuan_opt(m.try_get("suggested_fen")?),
                }),
            };
            ms.push(PanelMember {
                user_id: UserId(m.try_get("expert_id")?),
                name: m.try_get("name")?,
                unit_id: UnitId(m.try_get("unit_id")?),
                opinion,
            });
        }
        Ok(Some(Panel {
            id: PanelId(pid),
            purpose: PanelPurpose::parse(&r.try_get::<String, _>("purpose")?)
                .ok_or_else(|| corrupt("purpose"))?,
            meeting_date: date_req(&r, "meeting_date")?,
            members: ms,
            concluded: false,
        }))
    }

    /// Apply a decision: version check, state, records and history in one transaction.
    /// A concurrent change since `ctx` was loaded → `Conflict`.
    pub async fn apply(
        &self,
        ctx: &ProjectContext,
        actor: &Actor,
        d: &Decision,
        obligations: &Changes,
        profile_code: &str,
    ) -> Result<Project> {
        let p = &ctx.project;
        let id = p.id.0;
        let now = now_text();
        let prev = p.history_head.clone();
        // The version check comes first: it locks the row (PostgreSQL) or runs under the write lock (SQLite).
        let stage_since = if d.to != d.from {
            now.clone()
        } else {
            p.stage_since.clone()
        };
        // One UPDATE: the version check, the new stage and every project column the events set.
        let mut sets = vec![
            ("stage", Val::S(d.to.code().into())),
            ("updated_at", Val::S(now.clone())),
            ("stage_since", Val::S(stage_since)),
        ];
        let mut guard = String::new();
        for e in &d.events {
            sets.extend(project_sets(e, &now));
            if matches!(e, Event::ApprovalIssued { .. }) {
                // The approved amount is the immutable baseline (M1): set once, never overwritten.
                guard.push_str(" AND approved_fen IS NULL");
            }
        }
        let mut sql = String::from("UPDATE projects SET version = version + 1");
        let mut n_binds = 0;
        for (col, v) in &sets {
            match v {
                Val::Raw(expr) => sql.push_str(&format!(", {col} = {expr}")),
                _ => {
                    n_binds += 1;
                    sql.push_str(&format!(", {col} = ${n_binds}"));
                }
            }
        }
        sql.push_str(&format!(
            " WHERE id = ${} AND version = ${}{guard} RETURNING {}",
            n_binds + 1,
            n_binds + 2,
            returning_cols()
        ));
        let version = p.version;
        let unit_name = p.unit_name.clone();
        let open_panel = ctx.open_panel.as_ref().map(|p| p.id.0);
        let (actor, d, obligations, profile_code) = (
            actor.clone(),
            d.clone(),
            obligations.clone(),
            profile_code.to_string(),
        );
        // Runs as one atomic write (on SQLite inside the group commit, see `Db::write`).
        self.write(move |tx: &mut Tx| {
            Box::pin(async move {
                let mut q = sqlx::query(&sql);
                for (_, v) in &sets {
                    q = match v {
                        Val::I(i) => q.bind(*i),
                        Val::S(s) => q.bind(s.clone()),
                        Val::Raw(_) => q,
                    };
                }
                let Some(row) = q.bind(id).bind(version).fetch_optional(&mut *tx).await? else {
                    return Err(StoreError::Conflict(
                        "项目已被他人修改，请刷新后重试".into(),
                    ));
                };
                let mut updated = project_from(&row)?;
                updated.unit_name = unit_name;
                for e in &d.events {
                    apply_event(tx, id, &actor, e, open_panel, &now).await?;
                }
                let payload = serde_json::to_value(&d.events)
                    .map_err(|e| StoreError::Other(e.to_string()))?;
                let head = append_history(
                    tx,
                    id,
                    &actor,
                    (&d.action, d.from, d.to),
                    &d.summary,
                    &d.opinion,
                    &payload,
                    &profile_code,
                    &now,
                    Some(prev),
                )
                .await?;
                write_obligations(tx, id, &obligations, &now).await?;
                // Issue 6: the statistics aggregates, in this transaction.
                crate::aggregates::sync_project(tx, id).await?;
                updated.history_head = head;
                Ok(updated)
            }) as crate::db::BoxFut<'_, Result<Project>>
        })
        .await
    }

    pub async fn history(&self, id: ProjectId) -> Result<Vec<HistoryEntry>> {
        let rows = sqlx::query(
            "SELECT seq, at, actor_id, actor_name, actor_unit, action, from_stage, to_stage, summary, opinion, payload, profile_code, hash \
             FROM history WHERE project_id = $1 ORDER BY seq",
        )
        .bind(id.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(HistoryEntry {
                    seq: r.try_get("seq")?,
                    at: r.try_get("at")?,
                    actor_id: r.try_get("actor_id")?,
                    actor_name: r.try_get("actor_name")?,
                    actor_unit: r.try_get("actor_unit")?,
                    action: r.try_get("action")?,
                    from_stage: r.try_get("from_stage")?,
                    to_stage: r.try_get("to_stage")?,
                    summary: r.try_get("summary")?,
                    opinion: r.try_get("opinion")?,
                    payload: serde_json::from_str(&r.try_get::<String, _>("payload")?)
                        .unwrap_or(serde_json::Value::Null),
                    profile_code: r.try_get("profile_code")?,
                    hash: r.try_get("hash")?,
                })
            })
            .collect()
    }

    pub async fn attachments(&self, id: ProjectId) -> Result<Vec<AttachmentRow>> {
        let rows = sqlx::query(&format!(
            "{ATTACHMENT_SQL} WHERE project_id = $1 ORDER BY kind, version DESC"
        ))
        .bind(id.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(attachment_from).collect()
    }

    pub async fn attachment(&self, project: ProjectId, attachment: i64) -> Result<AttachmentRow> {
        let r = sqlx::query(&format!(
            "{ATTACHMENT_SQL} WHERE project_id = $1 AND id = $2"
        ))
        .bind(project.0)
        .bind(attachment)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        attachment_from(&r)
    }

    pub async fn preliminary_scores(&self, id: ProjectId) -> Result<Vec<ScoreRow>> {
        let rows = sqlx::query("SELECT department, user_id, scores, total, pass, opinion, at FROM preliminary_scores WHERE project_id = $1 ORDER BY id")
            .bind(id.0)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(ScoreRow {
                    department: r.try_get("department")?,
                    user_id: r.try_get("user_id")?,
                    scores: serde_json::from_str(&r.try_get::<String, _>("scores")?)
                        .unwrap_or_default(),
                    total: r.try_get("total")?,
                    pass: r.try_get::<i64, _>("pass")? == 1,
                    opinion: r.try_get("opinion")?,
                    at: r.try_get("at")?,
                })
            })
            .collect()
    }

    pub async fn panels(&self, id: ProjectId) -> Result<Vec<PanelRow>> {
        let rows = sqlx::query(
            "SELECT id, purpose, meeting_date, place, concluded, pass, suggested_fen, concluded_on FROM panels WHERE project_id = $1 ORDER BY id",
        )
        .bind(id.0)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for r in &rows {
            let pid: i64 = r.try_get("id")?;
            let ms = sqlx::query(
                "SELECT expert_id, name, score, pass, opinion, suggested_fen, submitted_at FROM panel_members WHERE panel_id = $1 ORDER BY expert_id",
            )
            .bind(pid)
            .fetch_all(&self.pool)
            .await?;
            let members = ms
                .iter()
                .map(|m| {
                    Ok(PanelMemberRow {
                        expert_id: m.try_get("expert_id")?,
                        name: m.try_get("name")?,
                        score: m.try_get("score")?,
                        pass: m.try_get::<Option<i64>, _>("pass")?.map(|v| v == 1),
                        opinion: m.try_get("opinion")?,
                        suggested_amount: yuan_opt(m.try_get("suggested_fen")?),
                        submitted_at: m.try_get("submitted_at")?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            out.push(PanelRow {
                id: pid,
                purpose: r.try_get("purpose")?,
                meeting_date: r.try_get("meeting_date")?,
                place: r.try_get("place")?,
                concluded: r.try_get::<i64, _>("concluded")? == 1,
                pass: r.try_get::<Option<i64>, _>("pass")?.map(|v| v == 1),
                suggested_amount: yuan_opt(r.try_get("suggested_fen")?),
                concluded_on: r.try_get("concluded_on")?,
                members,
            });
        }
        Ok(out)
    }

    pub async fn contract(&self, id: ProjectId) -> Result<Option<ContractRow>> {
        let r = sqlx::query(
            "SELECT supplier, amount_fen, signed_date, period_months, maintenance_years, recorded_at, supervisor, supervision_fee_fen, supervision_signed_date FROM contracts WHERE project_id = $1 ORDER BY id DESC",
        )
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?;
        r.map(|r| {
            Ok(ContractRow {
                supplier: r.try_get("supplier")?,
                amount: Yuan::from_fen(r.try_get("amount_fen")?),
                signed_date: r.try_get("signed_date")?,
                period_months: r.try_get("period_months")?,
                maintenance_years: r.try_get("maintenance_years")?,
                recorded_at: r.try_get("recorded_at")?,
                supervision: supervision_from(&r)?,
            })
        })
        .transpose()
    }

    pub async fn procurement(&self, id: ProjectId) -> Result<Option<ProcurementRow>> {
        let r = sqlx::query("SELECT method, ceiling_fen, doc_date, recorded_at FROM procurements WHERE project_id = $1 ORDER BY id DESC")
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?;
        r.map(|r| {
            Ok(ProcurementRow {
                method: r.try_get("method")?,
                ceiling: Yuan::from_fen(r.try_get("ceiling_fen")?),
                doc_date: r.try_get("doc_date")?,
                recorded_at: r.try_get("recorded_at")?,
            })
        })
        .transpose()
    }

    pub async fn progress_reports(&self, id: ProjectId) -> Result<Vec<ProgressRow>> {
        let rows = sqlx::query("SELECT month, percent, summary, milestones, problems, submitted_at FROM progress_reports WHERE project_id = $1 ORDER BY month DESC")
            .bind(id.0)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(ProgressRow {
                    month: r.try_get("month")?,
                    percent: r.try_get("percent")?,
                    summary: r.try_get("summary")?,
                    milestones: r.try_get("milestones")?,
                    problems: r.try_get("problems")?,
                    submitted_at: r.try_get("submitted_at")?,
                })
            })
            .collect()
    }

    /// The WHERE clause (and its binds) of a scoped, filtered project list: None when the scope
    /// is empty. The visibility sets are the same as `permission::can_view`.
    pub(crate) fn list_where(
        scope: &ListScope,
        f: &ListFilter,
        dense: bool,
    ) -> Option<(String, Vec<Bind>)> {
        let mut binds: Vec<Bind> = Vec::new();
        let mut arg = |b: Bind| {
            binds.push(b);
            format!("${}", binds.len())
        };
        // The actor's jurisdiction column: everything at and below it (integer equality, indexed).
        let jcol = match scope.jurisdiction_depth {
            0 | 1 => "p.province_id",
            2 => "p.city_id",
            _ => "p.district_id",
        };
        // A dense result (many matches) is paged fastest by walking the primary key from the
        // newest row and stopping at the page's end. `+ 0` and `|| ''` (valid in SQLite and
        // PostgreSQL alike) keep the planner from scanning a scope index (even by skip-scan)
        // and sorting every match instead.
        let (jcol, ucol, dcol, scol, ycol) = if dense {
            (
                format!("({jcol} + 0)"),
                "(p.unit_id + 0)",
                "(p.declared + 0)",
                "(p.stage || '')",
                "(p.year + 0)",
            )
        } else {
            (
                jcol.to_string(),
                "p.unit_id",
                "p.declared",
                "p.stage",
                "p.year",
            )
        };
        let approved: Vec<String> = approved_stages()
            .iter()
            .map(|s| format!("'{}'", s.code()))
            .collect();
        let mut vis = Vec::new();
        if let Some(u) = scope.own_unit {
            vis.push(format!("{ucol} = {}", arg(Bind::I(u.0))));
        }
        if scope.everything {
            vis.push(format!(
                "({jcol} = {} AND {dcol} IN (0, 1))",
                arg(Bind::I(scope.jurisdiction.0))
            ));
        } else if scope.declared {
            vis.push(format!(
                "({jcol} = {} AND {dcol} = 1)",
                arg(Bind::I(scope.jurisdiction.0))
            ));
        } else if scope.approved {
            vis.push(format!(
                "({jcol} = {} AND {dcol} = 1 AND {scol} IN ({}))",
                arg(Bind::I(scope.jurisdiction.0)),
                approved.join(",")
            ));
        }
        if let Some(e) = scope.panels_of {
            vis.push(format!(
                "p.id IN (SELECT pa.project_id FROM panels pa JOIN panel_members pm ON pm.panel_id = pa.id WHERE pm.expert_id = {})",
                arg(Bind::I(e.0))
            ));
        }
        if vis.is_empty() {
            return None;
        }
        let mut where_ = vec![format!("({})", vis.join(" OR "))];
        if !f.stages.is_empty() {
            let stages: Vec<String> = f.stages.iter().map(|s| format!("'{}'", s.code())).collect();
            where_.push(format!("{scol} IN ({})", stages.join(",")));
        }
        if let Some(y) = f.year {
            where_.push(format!("{ycol} = {}", arg(Bind::I(y as i64))));
        }
        if let Some(u) = f.unit {
            where_.push(format!("p.unit_id = {}", arg(Bind::I(u.0))));
        }
        if let Some(q) = f.q.as_ref().map(|q| q.trim()).filter(|q| !q.is_empty()) {
            let a = arg(Bind::S(format!("%{}%", q.replace(['%', '_'], ""))));
            where_.push(format!("(p.name LIKE {a} OR p.code LIKE {a})"));
        }
        Some((where_.join(" AND "), binds))
    }

    /// 晾晒台: per unit within the scope and filter, projects, open overdue obligations, open
    /// overdue 挂图作战 items (tasks and milestones past their due date, ZJ-plan 四(一)/(三)) and
    /// the projects that have either, worst first (obligations + tasks).
    pub async fn board_units(
        &self,
        scope: &ListScope,
        f: &ListFilter,
        today: Date,
    ) -> Result<Vec<UnitBoardRow>> {
        let Some((w, binds)) = Self::list_where(scope, f, false) else {
            return Ok(Vec::new());
        };
        let n = binds.len();
        let sql = format!(
            "SELECT n.name AS unit_name, CAST(COUNT(*) AS BIGINT) AS projects, \
             CAST(COALESCE(SUM(x.ob), 0) AS BIGINT) AS overdue, \
             CAST(COALESCE(SUM(x.tk), 0) AS BIGINT) AS overdue_tasks, \
             CAST(COALESCE(SUM(CASE WHEN x.ob + x.tk > 0 THEN 1 ELSE 0 END), 0) AS BIGINT) AS overdue_projects \
             FROM (SELECT p.unit_id, \
                 (SELECT COUNT(*) FROM obligations o WHERE o.project_id = p.id AND o.state = 'open' AND o.due < ${a}) AS ob, \
                 (SELECT COUNT(*) FROM project_tasks t WHERE t.project_id = p.id AND t.state = 'open' AND t.due < ${b}) AS tk \
               FROM projects p WHERE {w}) x JOIN units n ON n.id = x.unit_id \
             GROUP BY n.name ORDER BY (COALESCE(SUM(x.ob), 0) + COALESCE(SUM(x.tk), 0)) DESC, \
             COALESCE(SUM(CASE WHEN x.ob + x.tk > 0 THEN 1 ELSE 0 END), 0) DESC, n.name",
            a = n + 1,
            b = n + 2
        );
        let q = bind_all(sqlx::query(&sql), &binds);
        let rows = q
            .bind(today.to_string())
            .bind(today.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(UnitBoardRow {
                    unit_name: r.try_get("unit_name")?,
                    projects: r.try_get("projects")?,
                    overdue: r.try_get("overdue")?,
                    overdue_tasks: r.try_get("overdue_tasks")?,
                    overdue_projects: r.try_get("overdue_projects")?,
                })
            })
            .collect()
    }

    /// Open overdue obligations per project (for a page of projects).
    pub async fn overdue_counts(
        &self,
        projects: &[i64],
        today: Date,
    ) -> Result<std::collections::HashMap<i64, i64>> {
        if projects.is_empty() {
            return Ok(Default::default());
        }
        let ids: Vec<String> = projects.iter().map(|i| i.to_string()).collect();
        let rows = sqlx::query(&format!(
            "SELECT project_id, CAST(COUNT(*) AS BIGINT) AS n FROM obligations WHERE state = 'open' AND due < $1 AND project_id IN ({}) GROUP BY project_id",
            ids.join(",")
        ))
        .bind(today.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("project_id")?, r.try_get("n")?)))
            .collect()
    }

    /// How many projects a scoped, filtered list holds.
    pub async fn count_projects(&self, scope: &ListScope, f: &ListFilter) -> Result<i64> {
        let Some((w, binds)) = Self::list_where(scope, f, false) else {
            return Ok(0);
        };
        let sql = format!("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM projects p WHERE {w}");
        let q = bind_all(sqlx::query(&sql), &binds);
        Ok(q.fetch_one(&self.pool).await?.try_get("n")?)
    }

    /// Projects visible within `scope` (the same sets as `permission::can_view`), filtered,
    /// newest first. Returns (page, total).
    pub async fn list_projects(
        &self,
        scope: &ListScope,
        f: &ListFilter,
    ) -> Result<(Vec<ProjectListItem>, i64)> {
        let total = self.count_projects(scope, f).await?;
        if total == 0 {
            return Ok((Vec::new(), 0));
        }
        // Many matches and an early page: walk the newest rows (see `list_where`).
        let dense = total >= 2_000 && f.page <= 20;
        let Some((w, binds)) = Self::list_where(scope, f, dense) else {
            return Ok((Vec::new(), 0));
        };
        let per = f.per_page.clamp(1, 500) as i64;
        let offset = (f.page.max(1) as i64 - 1) * per;
        // Deferred join: pick the page's ids first (from the covering index when the result is
        // sparse), then fetch those rows.
        let list_sql = format!(
            "SELECT p.id, p.code, p.name, p.year, n.name AS unit_name, p.stage, p.it_fen, p.approved_fen, p.updated_at, p.stage_since \
             FROM projects p JOIN units n ON n.id = p.unit_id \
             WHERE p.id IN (SELECT p.id FROM projects p WHERE {w} ORDER BY p.id DESC LIMIT {per} OFFSET {offset}) ORDER BY p.id DESC"
        );
        let lq = bind_all(sqlx::query(&list_sql), &binds);
        let rows = lq.fetch_all(&self.pool).await?;
        let items = rows
            .iter()
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
                    approved_amount: yuan_opt(r.try_get("approved_fen")?),
                    updated_at: r.try_get("updated_at")?,
                    stage_since: r.try_get("stage_since")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((items, total))
    }
}

const ATTACHMENT_SQL: &str = "SELECT id, kind, filename, content_type, size, sha256, doc_date, version, uploaded_by, uploaded_at FROM attachments";

fn attachment_from(r: &AnyRow) -> Result<AttachmentRow> {
    Ok(AttachmentRow {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        filename: r.try_get("filename")?,
        content_type: r.try_get("content_type")?,
        size: r.try_get("size")?,
        sha256: r.try_get("sha256")?,
        doc_date: r.try_get("doc_date")?,
        version: r.try_get("version")?,
        uploaded_by: r.try_get("uploaded_by")?,
        uploaded_at: r.try_get("uploaded_at")?,
    })
}

async fn apply_event(
    tx: &mut Tx,
    id: i64,
    actor: &Actor,
    e: &Event,
    open_panel: Option<i64>,
    now: &str,
) -> Result<()> {
    match e {
        // Project columns: written by the one UPDATE in `apply` (see `project_sets`).
        // The text changed: its terms in the duplicate-construction index follow, in this
        // transaction.
        Event::Edited { input } => {
            crate::search::reindex(
                tx,
                "project",
                id,
                &tongchou_domain::similarity::terms(&input.name, &input.summary),
            )
            .await?;
        }
        // 分模块初验 (Quzhou 三(三)5): the module, its date and panel.
        Event::ModuleAccepted {
            module,
            date,
            panel,
            last,
        } => {
            sqlx::query(
                "INSERT INTO module_acceptances (project_id, module, accepted_on, panel, last_module, recorded_by, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(module)
            .bind(date.to_string())
            .bind(panel.join("\n"))
            .bind(*last as i32)
            .bind(actor.user_id.0)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        Event::Declared
        | Event::UrgentTaskRecorded { .. }
        | Event::NeedsConfirmed { .. }
        | Event::ProjectCodeSet { .. }
        | Event::FundSourceConfirmed { .. }
        | Event::OmStopped { .. }
        | Event::OmStopLifted { .. }
        | Event::RereviewRequested
        | Event::FinalAmountFixed { .. }
        | Event::ApprovalIssued { .. }
        | Event::BudgetArranged { .. }
        | Event::InitialAccepted { .. }
        | Event::RectificationOrdered { .. }
        | Event::Ended { .. } => {}
        // Kept in the history payload only.
        Event::ComplianceChecked { .. }
        | Event::AcceptanceApplied { .. }
        | Event::DuplicateJudged { .. } => {}
        // Default-rule overrides and their sign-off.
        Event::OverrideRecorded { .. } | Event::OverrideReviewed { .. } => {
            crate::overrides::apply_event(tx, id, actor, e, now).await?;
        }
        Event::PreliminaryScored {
            department,
            scores,
            total,
            pass,
        } => {
            sqlx::query(
                "INSERT INTO preliminary_scores (project_id, department, user_id, scores, total, pass, opinion, at) VALUES ($1, $2, $3, $4, $5, $6, '', $7)",
            )
            .bind(id)
            .bind(department.code())
            .bind(actor.user_id.0)
            .bind(serde_json::to_string(scores).unwrap_or_default())
            .bind(*total as i64)
            .bind(*pass as i64)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        Event::PanelFormed {
            purpose,
            members,
            meeting_date,
            place,
        } => {
            let pid: i64 = sqlx::query(
                "INSERT INTO panels (project_id, purpose, meeting_date, place, formed_by, formed_at, concluded) VALUES ($1, $2, $3, $4, $5, $6, 0) RETURNING id",
            )
            .bind(id)
            .bind(purpose.code())
            .bind(meeting_date.to_string())
            .bind(place)
            .bind(actor.user_id.0)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?
            .try_get("id")?;
            for m in members {
                sqlx::query("INSERT INTO panel_members (panel_id, expert_id, name, unit_id) VALUES ($1, $2, $3, $4)")
                    .bind(pid)
                    .bind(m.user_id.0)
                    .bind(&m.name)
                    .bind(m.unit_id.0)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        Event::PanelOpinionGiven { expert, opinion } => {
            let pid = open_panel.ok_or_else(|| StoreError::Conflict("专家组已结束".into()))?;
            let n = sqlx::query(
                "UPDATE panel_members SET score = $1, pass = $2, opinion = $3, suggested_fen = $4, submitted_at = $5 \
                 WHERE panel_id = $6 AND expert_id = $7 AND score IS NULL",
            )
            .bind(opinion.score as i64)
            .bind(opinion.pass as i64)
            .bind(&opinion.opinion)
            .bind(opinion.suggested_amount.map(|y| y.fen()))
            .bind(now)
            .bind(pid)
            .bind(expert.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict("专家意见已提交".into()));
            }
        }
        Event::PanelConcluded {
            pass,
            suggested_amount,
            date,
            ..
        } => {
            let pid = open_panel.ok_or_else(|| StoreError::Conflict("专家组已结束".into()))?;
            sqlx::query("UPDATE panels SET concluded = 1, pass = $1, conclusion = $2, suggested_fen = $3, concluded_on = $4 WHERE id = $5")
                .bind(*pass as i64)
                .bind(if *pass { "通过" } else { "不通过" })
                .bind(suggested_amount.map(|y| y.fen()))
                .bind(date.to_string())
                .bind(pid)
                .execute(&mut *tx)
                .await?;
        }
        Event::ProcurementRecorded {
            method,
            ceiling,
            doc_date,
        } => {
            sqlx::query("INSERT INTO procurements (project_id, method, ceiling_fen, doc_date, recorded_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(id)
                .bind(method)
                .bind(ceiling.fen())
                .bind(doc_date.to_string())
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        Event::ContractSigned {
            supplier,
            amount,
            signed_date,
            period_months,
            maintenance_years,
            clauses,
            supervision,
        } => {
            sqlx::query(
                "INSERT INTO contracts (project_id, supplier, amount_fen, signed_date, period_months, maintenance_years, clauses, recorded_at, supervisor, supervision_fee_fen, supervision_signed_date) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(id)
            .bind(supplier)
            .bind(amount.fen())
            .bind(signed_date.to_string())
            .bind(*period_months as i64)
            .bind(*maintenance_years as i64)
            .bind(serde_json::to_string(clauses).unwrap_or_default())
            .bind(now)
            .bind(supervision.as_ref().map(|s| s.company.clone()))
            .bind(supervision.as_ref().map(|s| s.fee.fen()))
            .bind(supervision.as_ref().map(|s| s.signed_date.to_string()))
            .execute(&mut *tx)
            .await?;
        }
        Event::ProgressReported {
            month,
            percent,
            summary,
            milestones,
            problems,
        } => {
            sqlx::query("INSERT INTO progress_reports (project_id, month, percent, summary, milestones, problems, submitted_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(id)
                .bind(month)
                .bind(*percent as i64)
                .bind(summary)
                .bind(milestones)
                .bind(problems)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        Event::ConsequenceProposed {
            obligation,
            consequence,
        } => {
            sqlx::query(
                "INSERT INTO consequences (project_id, obligation, consequence, state, proposed_at) VALUES ($1, $2, $3, 'pending', $4)",
            )
            .bind(id)
            .bind(obligation)
            .bind(consequence)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            // Addressed to the competent authority over the project's jurisdiction.
            sqlx::query(
                "INSERT INTO notifications (project_id, role, jurisdiction_path, title, body, created_at, event) \
                 SELECT p.id, 'authority', p.jurisdiction_path, $2, $3, $4, 'consequence_proposed' FROM projects p WHERE p.id = $1",
            )
            .bind(id)
            .bind("期限已过，请确认处理")
            .bind(consequence)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        Event::ConsequenceConfirmed { obligation } => {
            sqlx::query("UPDATE consequences SET state = 'confirmed', decided_at = $1, decided_by = $2 WHERE project_id = $3 AND obligation = $4 AND state = 'pending'")
                .bind(now)
                .bind(actor.user_id.0)
                .bind(id)
                .bind(obligation)
                .execute(&mut *tx)
                .await?;
        }
        Event::ConsequenceWaived { obligation, reason } => {
            sqlx::query("UPDATE consequences SET state = 'waived', decided_at = $1, decided_by = $2, reason = $3 WHERE project_id = $4 AND obligation = $5 AND state = 'pending'")
                .bind(now)
                .bind(actor.user_id.0)
                .bind(reason)
                .bind(id)
                .bind(obligation)
                .execute(&mut *tx)
                .await?;
        }
        // Payments, changes, termination, overrun.
        Event::PaymentBatchAdded { .. }
        | Event::PaymentPrefiled { .. }
        | Event::PaymentRecorded { .. }
        | Event::ChangeSubmitted { .. }
        | Event::ChangeDecided { .. }
        | Event::TerminationApplied { .. }
        | Event::TerminationFiled { .. }
        | Event::TerminationReturned
        | Event::OverrunExplained { .. } => {
            crate::funds::apply_event(tx, id, actor, e, now).await?;
        }
        Event::Operation { op } => crate::operation::apply_op(tx, id, op, now).await?,
        Event::FinalAccepted { .. }
        | Event::SelfEvaluated { .. }
        | Event::SpotChecked { .. }
        | Event::OutcomeProposed { .. }
        | Event::OutcomeConfirmed { .. }
        | Event::OutcomeReturned { .. }
        | Event::EvaluationPublished { .. }
        | Event::EvaluationRectified { .. } => {
            crate::evaluation::apply_event(tx, id, actor, e, now).await?;
        }
        Event::CostSharingPlanned { plan } => {
            sqlx::query(
                "INSERT INTO cost_sharing_plans (project_id, kind, total_fen, plan, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind(plan.kind.code())
            .bind(plan.total.fen())
            .bind(serde_json::to_string(plan).map_err(|e| StoreError::Other(e.to_string()))?)
            .bind(actor.user_id.0)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        Event::Attached {
            kind,
            filename,
            sha256,
            size,
            doc_date,
        } => {
            let v: i64 = sqlx::query("SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) AS v FROM attachments WHERE project_id = $1 AND kind = $2")
                .bind(id)
                .bind(kind)
                .fetch_one(&mut *tx)
                .await?
                .try_get("v")?;
            sqlx::query(
                "INSERT INTO attachments (project_id, kind, filename, content_type, size, sha256, doc_date, version, uploaded_by, uploaded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(id)
            .bind(kind)
            .bind(filename)
            .bind(content_type_of(filename))
            .bind(*size)
            .bind(sha256)
            .bind(doc_date.map(|d| d.to_string()))
            .bind(v + 1)
            .bind(actor.user_id.0)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
    }
    Ok(())
}

/// Content type by extension, for the download header.
pub fn content_type_of(filename: &str) -> &'static str {
    let ext = filename
        .rsplit('.')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "pdf" => "application/pdf",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "ppt" => "application/vnd.ms-powerpoint",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "ofd" => "application/ofd",
        "wps" => "application/vnd.ms-works",
        _ => "application/octet-stream",
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn append_history(
    tx: &mut Tx,
    project: i64,
    actor: &Actor,
    (action, from, to): (&str, Stage, Stage),
    summary: &str,
    opinion: &str,
    payload: &serde_json::Value,
    profile_code: &str,
    at: &str,
    known_prev: Option<(i64, String)>,
) -> Result<(i64, String)> {
    // The previous entry: known by the caller (read after the context; valid because the
    // version check in this transaction fails if anything was appended since), or read here.
    let (prev_seq, prev_hash) = match known_prev {
        Some(p) => p,
        None => {
            let prev = sqlx::query(
                "SELECT seq, hash FROM history WHERE project_id = $1 ORDER BY seq DESC LIMIT 1",
            )
            .bind(project)
            .fetch_optional(&mut *tx)
            .await?;
            match prev {
                Some(r) => (r.try_get::<i64, _>("seq")?, r.try_get::<String, _>("hash")?),
                None => (0, String::new()),
            }
        }
    };
    let seq = prev_seq + 1;
    let payload_text = payload.to_string();
    let hash = entry_hash(
        &prev_hash,
        project,
        seq,
        at,
        actor.user_id.0,
        action,
        from.code(),
        to.code(),
        summary,
        opinion,
        &payload_text,
    );
    sqlx::query(
        "INSERT INTO history (project_id, seq, at, actor_id, actor_name, actor_unit, action, from_stage, to_stage, summary, opinion, payload, \
         profile_code, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(project)
    .bind(seq)
    .bind(at)
    .bind(actor.user_id.0)
    .bind(&actor.name)
    .bind(&actor.unit_name)
    .bind(action)
    .bind(from.code())
    .bind(to.code())
    .bind(summary)
    .bind(opinion)
    .bind(payload_text)
    .bind(profile_code)
    .bind(prev_hash)
    .bind(&hash)
    .execute(&mut *tx)
    .await?;
    Ok((seq, hash))
}

/// What the benchmark generator inserts.
/// The summary of every generated project.
const BENCH_SUMMARY: &str = "基准测试生成的项目，用于测量列表、详情和状态变更的性能。";

pub struct GeneratedProject {
    pub name: String,
    pub year: i32,
    pub stage: Stage,
    pub it_fen: i64,
    /// Give it the two declaration documents, so that `declare` succeeds.
    pub with_docs: bool,
}

impl Db {
    /// Bulk-insert projects with a first hash-chained history entry each (benchmark data only),
    /// in transactions of `batch` rows.
    pub async fn generate_projects(
        &self,
        actor: &Actor,
        items: &[GeneratedProject],
        batch: usize,
    ) -> Result<Vec<i64>> {
        let r = sqlx::query("SELECT j.id, j.path FROM units n JOIN jurisdictions j ON j.id = n.jurisdiction_id WHERE n.id = $1")
            .bind(actor.unit_id.0)
            .fetch_one(&self.pool)
            .await?;
        let (jid, path): (i64, String) = (r.try_get("id")?, r.try_get("path")?);
        let mut ids = Vec::with_capacity(items.len());
        for chunk in items.chunks(batch.max(1)) {
            let mut docs = Vec::with_capacity(chunk.len());
            let (_write, mut tx) = self.begin_write().await?;
            let now = now_text();
            for g in chunk {
                let n = ids.len() + 1;
                let declared: Option<&str> = if g.stage == Stage::Draft {
                    None
                } else {
                    Some(&now)
                };
                let id: i64 = sqlx::query(
                    "INSERT INTO projects (code, unit_id, jurisdiction_id, jurisdiction_path, name, year, build_kind, category, it_fen, \
                     non_it_fen, security_fen, funding, summary, participants, responsible_person, stage, version, rereviews_used, created_by, \
                     created_at, updated_at, stage_since, declared_at, declared, province_id, city_id, district_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, 'upgrade', 'application', $7, 0, $8, 'district_fiscal', $9, '[]', '基准测试', $10, 1, 0, $11, $12, $12, $12, $13, $14, $15, $16, $17) RETURNING id",
                )
                .bind(format!("BENCH-{}-{n:07}", g.year))
                .bind(actor.unit_id.0)
                .bind(jid)
                .bind(&path)
                .bind(&g.name)
                .bind(g.year as i64)
                .bind(g.it_fen)
                .bind(g.it_fen / 20)
                .bind(BENCH_SUMMARY)
                .bind(g.stage.code())
                .bind(actor.user_id.0)
                .bind(&now)
                .bind(declared)
                .bind(declared.is_some() as i64)
                .bind(level(&path, 0))
                .bind(level(&path, 1))
                .bind(level(&path, 2))
                .fetch_one(&mut *tx)
                .await?
                .try_get("id")?;
                let payload = serde_json::json!([{ "event": "generated" }]);
                append_history(
                    &mut tx,
                    id,
                    actor,
                    ("create", Stage::Draft, g.stage),
                    &format!("生成：{}", g.name),
                    "",
                    &payload,
                    "shangcheng",
                    &now,
                    None,
                )
                .await?;
                if g.with_docs {
                    for kind in ["declaration_form", "feasibility_report"] {
                        sqlx::query(
                            "INSERT INTO attachments (project_id, kind, filename, content_type, size, sha256, doc_date, version, uploaded_by, uploaded_at) \
                             VALUES ($1, $2, 'bench.pdf', 'application/pdf', 10, 'bench', NULL, 1, $3, $4)",
                        )
                        .bind(id)
                        .bind(kind)
                        .bind(actor.user_id.0)
                        .bind(&now)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                ids.push(id);
                docs.push((
                    id,
                    tongchou_domain::similarity::terms(&g.name, BENCH_SUMMARY),
                ));
            }
            crate::search::index_new(&mut tx, "project", &docs).await?;
            tx.commit().await?;
        }
        // Bulk generation: the statistics aggregates are rebuilt once at the end.
        self.rebuild_aggregates().await?;
        Ok(ids)
    }
}

/// The jurisdiction id at `depth` (0 province, 1 city, 2 district) of a path `/1/2/3/`.
fn level(path: &str, depth: usize) -> Option<i64> {
    path_ids(path).get(depth).copied()
}

/// Obligations created, fulfilled or cancelled by a decision, in its transaction.
async fn write_obligations(tx: &mut Tx, project: i64, c: &Changes, now: &str) -> Result<()> {
    // (project, due, +1 opened / -1 closed) for the open-obligation aggregate (issue 6).
    let mut deltas: Vec<(i64, String, i64)> = Vec::new();
    for o in &c.new {
        let inserted = sqlx::query(
            "INSERT INTO obligations (project_id, code, title, cite, trigger_date, due, owner, warning, state, fulfilled_on, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', NULL, $9) ON CONFLICT (project_id, code) DO NOTHING RETURNING due",
        )
        .bind(project)
        .bind(&o.code)
        .bind(&o.title)
        .bind(o.cite.to_string())
        .bind(o.trigger.to_string())
        .bind(o.due.to_string())
        .bind(o.owner.code())
        .bind(o.warning.clone())
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(r) = inserted {
            deltas.push((project, r.try_get("due")?, 1));
        }
    }
    let mut closed = Vec::new();
    for (code, on) in &c.fulfil {
        closed.extend(sqlx::query("UPDATE obligations SET state = 'fulfilled', fulfilled_on = $1 WHERE project_id = $2 AND code = $3 AND state = 'open' RETURNING due")
            .bind(on.to_string())
            .bind(project)
            .bind(code)
            .fetch_all(&mut *tx)
            .await?);
    }
    for (prefix, on) in c.lapse_prefix.iter().chain(c.also_lapse.iter()) {
        // ISO dates compare as text in both databases.
        closed.extend(sqlx::query("UPDATE obligations SET state = CASE WHEN due < $3 THEN 'lapsed' ELSE 'cancelled' END WHERE project_id = $1 AND state = 'open' AND code LIKE $2 RETURNING due")
            .bind(project)
            .bind(format!("{prefix}%"))
            .bind(on.to_string())
            .fetch_all(&mut *tx)
            .await?);
    }
    if c.cancel_all {
        closed.extend(
            sqlx::query(
                "UPDATE obligations SET state = 'cancelled' WHERE project_id = $1 AND state = 'open' RETURNING due",
            )
            .bind(project)
            .fetch_all(&mut *tx)
            .await?,
        );
    }
    for r in &closed {
        deltas.push((project, r.try_get("due")?, -1));
    }
    crate::aggregates::obligation_deltas(tx, &deltas).await
}

/// An obligation as stored.
#[derive(Debug, Clone, Serialize)]
pub struct ObligationRow {
    pub project_id: i64,
    pub code: String,
    pub title: String,
    pub cite: String,
    pub trigger_date: String,
    pub due: Date,
    pub owner: String,
    pub warning: Option<String>,
    pub state: String,
    pub fulfilled_on: Option<Date>,
}

fn obligation_from(r: &AnyRow) -> Result<ObligationRow> {
    Ok(ObligationRow {
        project_id: r.try_get("project_id")?,
        code: r.try_get("code")?,
        title: r.try_get("title")?,
        cite: r.try_get("cite")?,
        trigger_date: r.try_get("trigger_date")?,
        due: date_req(r, "due")?,
        owner: r.try_get("owner")?,
        warning: r.try_get("warning")?,
        state: r.try_get("state")?,
        fulfilled_on: date_opt(r.try_get("fulfilled_on")?),
    })
}

const OBLIGATION_COLS: &str =
    "project_id, code, title, cite, trigger_date, due, owner, warning, state, fulfilled_on";

impl Db {
    /// A project's obligations, by due date.
    pub async fn obligations(&self, project: ProjectId) -> Result<Vec<ObligationRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {OBLIGATION_COLS} FROM obligations WHERE project_id = $1 ORDER BY due, id"
        ))
        .bind(project.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(obligation_from).collect()
    }

    /// The earliest open obligation of each of these projects.
    pub async fn next_open_obligations(&self, projects: &[i64]) -> Result<Vec<ObligationRow>> {
        if projects.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = projects.iter().map(|i| i.to_string()).collect();
        let rows = sqlx::query(&format!(
            "SELECT {OBLIGATION_COLS} FROM obligations WHERE state = 'open' AND project_id IN ({}) ORDER BY due, id",
            ids.join(",")
        ))
        .fetch_all(&self.pool)
        .await?;
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for r in &rows {
            let o = obligation_from(r)?;
            if seen.insert(o.project_id) {
                out.push(o);
            }
        }
        Ok(out)
    }

    /// Create this month's progress-report obligation for every project in construction that
    /// lacks it. Idempotent (unique per project and month), safe with several processes.
    pub async fn sweep_monthly_reports(
        &self,
        today: Date,
        profile: &tongchou_domain::profile::Profile,
    ) -> Result<u64> {
        self.sweep_monthly_reports_of(today, profile, None).await
    }

    /// Projects in construction with their jurisdiction path (to sweep each under its
    /// jurisdiction's profile).
    pub async fn in_construction_paths(&self) -> Result<Vec<(i64, String)>> {
        let rows = sqlx::query(
            "SELECT id, jurisdiction_path FROM projects WHERE stage = 'in_construction' ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("jurisdiction_path")?)))
            .collect()
    }

    /// [`Db::sweep_monthly_reports`] for these projects only (those under `profile`).
    pub async fn sweep_monthly_reports_of(
        &self,
        today: Date,
        profile: &tongchou_domain::profile::Profile,
        ids: Option<&[i64]>,
    ) -> Result<u64> {
        let only = match ids {
            None => String::new(),
            Some([]) => return Ok(0),
            Some(ids) => format!(
                " AND p.id IN ({})",
                ids.iter()
                    .map(|i| i.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        };
        let o = tongchou_domain::obligation::monthly_report(today, profile);
        let (_write, mut tx) = self.begin_write().await?;
        let rows = sqlx::query(&format!(
            "INSERT INTO obligations (project_id, code, title, cite, trigger_date, due, owner, warning, state, fulfilled_on, created_at) \
             SELECT p.id, $1, $2, $3, $4, $5, 'unit', NULL, 'open', NULL, $6 FROM projects p WHERE p.stage = 'in_construction'{only} \
             ON CONFLICT (project_id, code) DO NOTHING RETURNING project_id, due",
        ))
        .bind(&o.code)
        .bind(&o.title)
        .bind(o.cite.to_string())
        .bind(o.trigger.to_string())
        .bind(o.due.to_string())
        .bind(now_text())
        .fetch_all(&mut *tx)
        .await?;
        let mut deltas = Vec::with_capacity(rows.len());
        for r in &rows {
            deltas.push((r.try_get("project_id")?, r.try_get("due")?, 1));
        }
        crate::aggregates::obligation_deltas(&mut tx, &deltas).await?;
        tx.commit().await?;
        Ok(rows.len() as u64)
    }
}

/// A notification in someone's inbox.
#[derive(Debug, Clone, Serialize)]
pub struct NotificationRow {
    pub id: i64,
    pub project_id: Option<i64>,
    pub title: String,
    pub body: String,
    pub created_at: String,
    pub read: bool,
}

impl Db {
    /// Open obligations past their due date that carry a consequence and have none proposed yet.
    pub async fn overdue_without_proposal(
        &self,
        today: Date,
        codes: &[&str],
    ) -> Result<Vec<(i64, String)>> {
        let list: Vec<String> = codes
            .iter()
            .map(|c| format!("'{}'", c.replace('\'', "")))
            .collect();
        let rows = sqlx::query(&format!(
            "SELECT o.project_id, o.code FROM obligations o WHERE o.state = 'open' AND o.due < $1 AND o.code IN ({}) \
             AND NOT EXISTS (SELECT 1 FROM consequences c WHERE c.project_id = o.project_id AND c.obligation = o.code) ORDER BY o.due",
            list.join(",")
        ))
        .bind(today.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("project_id")?, r.try_get("code")?)))
            .collect()
    }

    /// Notifications addressed to the actor's roles within their jurisdiction, newest first.
    pub async fn inbox(&self, actor: &Actor, limit: i64) -> Result<Vec<NotificationRow>> {
        let roles: Vec<String> = actor
            .roles
            .iter()
            .map(|r| format!("'{}'", r.code()))
            .collect();
        if roles.is_empty() {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(&format!(
            "SELECT n.id, n.project_id, n.title, n.body, n.created_at, \
             CASE WHEN EXISTS (SELECT 1 FROM notification_reads r WHERE r.notification_id = n.id AND r.user_id = $1) THEN 1 ELSE 0 END AS is_read \
             FROM notifications n WHERE n.role IN ({}) AND n.jurisdiction_path LIKE $2 ORDER BY n.id DESC LIMIT {}",
            roles.join(","),
            limit.clamp(1, 500)
        ))
        .bind(actor.user_id.0)
        .bind(format!("{}%", actor.jurisdiction_path))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(NotificationRow {
                    id: r.try_get("id")?,
                    project_id: r.try_get("project_id")?,
                    title: r.try_get("title")?,
                    body: r.try_get("body")?,
                    created_at: r.try_get("created_at")?,
                    read: r.try_get::<i64, _>("is_read")? == 1,
                })
            })
            .collect()
    }

    /// Mark every notification of the inbox read for this user.
    pub async fn mark_inbox_read(&self, actor: &Actor) -> Result<()> {
        let unread: Vec<i64> = self
            .inbox(actor, 500)
            .await?
            .into_iter()
            .filter(|n| !n.read)
            .map(|n| n.id)
            .collect();
        let (_write, mut tx) = self.begin_write().await?;
        for id in unread {
            sqlx::query("INSERT INTO notification_reads (notification_id, user_id, read_at) VALUES ($1, $2, $3) ON CONFLICT (notification_id, user_id) DO NOTHING")
                .bind(id)
                .bind(actor.user_id.0)
                .bind(now_text())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Insert a draft and its first history entry inside `tx` (one declaration, or every row of an
/// imported workbook in one transaction).
pub(crate) async fn insert_draft(
    tx: &mut Tx,
    actor: &Actor,
    input: &ProjectInput,
    profile_code: &str,
    now: &str,
) -> Result<i64> {
    let now = now.to_string();
    let r = sqlx::query("SELECT j.id, j.path FROM units n JOIN jurisdictions j ON j.id = n.jurisdiction_id WHERE n.id = $1")
        .bind(actor.unit_id.0)
        .fetch_one(&mut *tx)
        .await?;
    let (jid, path): (i64, String) = (r.try_get("id")?, r.try_get("path")?);
    let n: i64 = sqlx::query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM projects WHERE jurisdiction_id = $1 AND year = $2")
        .bind(jid)
        .bind(input.year as i64)
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
    let code = format!("ZW-{}-{:02}-{:05}", input.year, jid, n + 1);
    let id: i64 = sqlx::query(
        "INSERT INTO projects (code, unit_id, jurisdiction_id, jurisdiction_path, name, year, build_kind, category, it_fen, \
         non_it_fen, security_fen, funding, summary, participants, responsible_person, stage, version, rereviews_used, created_by, \
         created_at, updated_at, stage_since, province_id, city_id, district_id, major_task, gov_function) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 1, 0, $17, $18, $18, $18, $19, $20, $21, $22, $23) RETURNING id",
    )
    .bind(&code)
    .bind(actor.unit_id.0)
    .bind(jid)
    .bind(&path)
    .bind(&input.name)
    .bind(input.year as i64)
    .bind(input.build_kind.code())
    .bind(input.category.code())
    .bind(input.it_amount.fen())
    .bind(input.non_it_amount.fen())
    .bind(input.security_amount.fen())
    .bind(input.funding.code())
    .bind(&input.summary)
    .bind(serde_json::to_string(&input.participants).unwrap_or_else(|_| "[]".into()))
    .bind(&input.responsible_person)
    .bind(Stage::Draft.code())
    .bind(actor.user_id.0)
    .bind(&now)
    .bind(level(&path, 0))
    .bind(level(&path, 1))
    .bind(level(&path, 2))
    .bind(input.major_task.clone().unwrap_or_default())
    .bind(input.gov_function.clone().unwrap_or_default())
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    let payload = serde_json::json!([{ "event": "created", "input": input }]);
    let summary = format!("创建项目草稿：{}", input.name);
    append_history(
        tx,
        id,
        actor,
        ("create", Stage::Draft, Stage::Draft),
        &summary,
        "",
        &payload,
        profile_code,
        &now,
        None,
    )
    .await?;
    crate::aggregates::sync_project(tx, id).await?;
    crate::search::index_new(
        tx,
        "project",
        &[(
            id,
            tongchou_domain::similarity::terms(&input.name, &input.summary),
        )],
    )
    .await?;
    Ok(id)
}
