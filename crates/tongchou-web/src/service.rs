//! Service functions shared by the pages and the API: load, ask the domain, write.
//! Neither a page handler nor its API twin holds a rule of its own.
use crate::error::AppError;
use crate::fields::{parse_action, Fields, Parsed};
use crate::AppState;
use sha2::{Digest, Sha256};
use tongchou_domain::lifecycle::{decide, needs, Command};
use tongchou_domain::permission::can_view;
use tongchou_domain::project::{Project, ProjectContext, ProjectInput};
use tongchou_domain::{Actor, ProjectId, Role};
use tongchou_store::today;

/// The project, if the actor may see it; anything else is 404.
pub async fn visible_project(
    st: &AppState,
    actor: &Actor,
    id: ProjectId,
) -> Result<Project, AppError> {
    let project = st.db.project(id).await?;
    let on_panel = actor.has(Role::Expert) && st.db.on_panel(id, actor.user_id).await?;
    if !can_view(actor, &project, on_panel) {
        return Err(AppError::NotFound);
    }
    Ok(project)
}

/// The project with every record a page shows, if the actor may see it.
pub async fn visible_context(
    st: &AppState,
    actor: &Actor,
    id: ProjectId,
) -> Result<ProjectContext, AppError> {
    let mut ctx = ProjectContext::new(visible_project(st, actor, id).await?);
    st.db
        .load_parts(&mut ctx, tongchou_domain::lifecycle::Needs::ALL)
        .await?;
    Ok(ctx)
}

pub async fn create_project(
    st: &AppState,
    actor: &Actor,
    input: &ProjectInput,
) -> Result<Project, AppError> {
    if !actor.has(Role::Unit) {
        return Err(AppError::Forbidden("只有项目建设单位可以创建项目".into()));
    }
    Ok(st
        .db
        .create_project(actor, input, &st.profile_tag_for(&actor.jurisdiction_path))
        .await?)
}

/// Run one action on a project. `fields` carries the input (and optionally the `version` the
/// client saw: a different current version is a 409). Only the records the rule reads are loaded.
pub async fn act(
    st: &AppState,
    actor: &Actor,
    id: ProjectId,
    action: &str,
    fields: &Fields,
) -> Result<Project, AppError> {
    let mut ctx = st.db.project_with_attachments(id).await?;
    let on_panel = actor.has(Role::Expert) && st.db.on_panel(id, actor.user_id).await?;
    if !can_view(actor, &ctx.project, on_panel) {
        return Err(AppError::NotFound);
    }
    let project = &ctx.project;
    if let Some(v) = fields.version()? {
        if v != project.version {
            return Err(AppError::Conflict("项目已被他人修改，请刷新后重试".into()));
        }
    }

    let cmd = match parse_action(action, fields, &st.profile_for(&project.jurisdiction_path))? {
        Parsed::Command(c) => c,
        Parsed::FormPanel {
            members,
            meeting_date,
            place,
        } => {
            let candidates = st.db.candidates(&members).await.map_err(|e| match e {
                tongchou_store::StoreError::NotFound => {
                    AppError::field("member", "所选专家不存在或已停用")
                }
                other => other.into(),
            })?;
            let purpose = match ctx.project.stage {
                tongchou_domain::Stage::InConstruction => {
                    tongchou_domain::project::PanelPurpose::InitialAcceptance
                }
                tongchou_domain::Stage::Accepting => {
                    tongchou_domain::project::PanelPurpose::FinalAcceptance
                }
                _ => tongchou_domain::project::PanelPurpose::ExpertReview,
            };
            Command::FormPanel {
                purpose,
                members: candidates,
                meeting_date,
                place,
            }
        }
    };
    // The attachment kinds came with the project.
    let parts = tongchou_domain::lifecycle::Needs {
        attachments: false,
        ..needs(cmd.code())
    };
    st.db.load_parts(&mut ctx, parts).await?;
    if matches!(cmd, Command::Declare { .. }) {
        // 入选视同完成项目可行性研究论证 (ZJ-share 三（五）)
        ctx.selected_by_competition = st
            .db
            .selected_by_competition(ctx.project.id.0, ctx.project.unit_id.0)
            .await?;
    }
    if matches!(cmd, Command::ComplianceReview { .. }) {
        ctx.similar = similar_to(st, actor, &ctx.project).await?;
    }
    run(st, actor, &ctx, cmd).await
}

/// How many similar items are shown and weighed (重复建设比对).
pub const SIMILAR_SHOWN: usize = 5;

/// The projects, applications, listings, 一本账 entries and library items most like this
/// project, of the last five years, that the actor may know of (ZJ-share 四; Shangcheng
/// 第一章、第三章; SPEC S9, A7).
pub async fn similar_to(
    st: &AppState,
    actor: &Actor,
    p: &Project,
) -> Result<Vec<tongchou_domain::similarity::Similar>, AppError> {
    similar_text(st, actor, &p.input.name, &p.input.summary, Some(p.id.0)).await
}

/// The same comparison for a text (a declaration being drafted): every kind merged by score,
/// the best [`SIMILAR_SHOWN`]. `exclude`: the project itself.
pub async fn similar_text(
    st: &AppState,
    actor: &Actor,
    name: &str,
    summary: &str,
    exclude: Option<i64>,
) -> Result<Vec<tongchou_domain::similarity::Similar>, AppError> {
    // "the last five years": this calendar year and the four before it (S9, A7).
    let min_year = today().year() as i32 - 4;
    let mut all = st
        .db
        .similar_projects(actor, name, summary, exclude, min_year, SIMILAR_SHOWN)
        .await?;
    all.extend(
        st.db
            .similar_others(actor, name, summary, min_year, SIMILAR_SHOWN)
            .await?,
    );
    all.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then_with(|| (a.kind != "project").cmp(&(b.kind != "project")))
            .then(b.id.cmp(&a.id))
    });
    all.truncate(SIMILAR_SHOWN);
    Ok(all)
}

async fn run(
    st: &AppState,
    actor: &Actor,
    ctx: &ProjectContext,
    cmd: Command,
) -> Result<Project, AppError> {
    // One snapshot: the rules decided under are the ones recorded (`code@vN`).
    let (profile, tag) = st.profile_and_tag(&ctx.project.jurisdiction_path);
    let mut decision = decide(ctx, actor, cmd, &profile, today())?;
    // 强制淘汰 confirmed: the application is taken down with the project (Shangcheng 第九章).
    let retired = decision.events.iter().any(|e| {
        matches!(
            e,
            tongchou_domain::lifecycle::Event::OutcomeConfirmed {
                outcome: tongchou_domain::evaluation::Outcome::Retire,
                ..
            }
        )
    });
    if retired {
        let ops = st.db.load_ops(ctx.project.id).await?;
        decision
            .events
            .extend(tongchou_domain::operation::retirement_events(&ops, today()));
    }
    let changes = obligation_changes_under(st, &ctx.project, &decision, &profile).await?;
    Ok(st.db.apply(ctx, actor, &decision, &changes, &tag).await?)
}

/// Allowed upload types: extension and the file's first bytes must agree.
fn check_upload(filename: &str, bytes: &[u8]) -> Result<(), AppError> {
    let ext = filename
        .rsplit('.')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let ok = match ext.as_str() {
        "pdf" => bytes.starts_with(b"%PDF"),
        "png" => bytes.starts_with(&[0x89, b'P', b'N', b'G']),
        "jpg" | "jpeg" => bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
        "docx" | "xlsx" | "pptx" | "ofd" | "zip" => bytes.starts_with(b"PK\x03\x04"),
        "doc" | "xls" | "ppt" | "wps" => bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]),
        _ => return Err(AppError::field(
            "file",
            "只接受 PDF、Office 文档（doc/docx/xls/xlsx/ppt/pptx/wps/ofd）、图片（png/jpg）或 zip",
        )),
    };
    if !ok {
        return Err(AppError::field("file", "文件内容与扩展名不符"));
    }
    Ok(())
}

fn clean_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let s: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(120)
        .collect();
    if s.trim().is_empty() {
        "附件".into()
    } else {
        s
    }
}

/// Store an uploaded file by content hash under the data dir and record it on the project.
/// Re-uploading a kind adds a new version; old versions stay.
pub async fn attach(
    st: &AppState,
    actor: &Actor,
    id: ProjectId,
    kind: &str,
    filename: &str,
    bytes: &[u8],
    fields: &Fields,
) -> Result<Project, AppError> {
    let project = visible_project(st, actor, id).await?;
    let ctx = ProjectContext::new(project);
    if bytes.is_empty() {
        return Err(AppError::field("file", "请选择要上传的文件"));
    }
    if bytes.len() as u64 > st.max_upload {
        return Err(AppError::TooLarge(format!(
            "文件超过 {} MB 上限",
            st.max_upload / 1024 / 1024
        )));
    }
    let filename = clean_filename(filename);
    check_upload(&filename, bytes)?;
    let sha = hex::encode(Sha256::digest(bytes));
    let cmd = Command::Attach {
        kind: kind.to_string(),
        filename: filename.clone(),
        sha256: sha.clone(),
        size: bytes.len() as i64,
        doc_date: crate::fields::attach_date(fields)?,
    };
    // Ask the domain first: a refused upload writes nothing.
    let (profile, tag) = st.profile_and_tag(&ctx.project.jurisdiction_path);
    let decision = decide(&ctx, actor, cmd, &profile, today())?;
    write_blob(st, &sha, bytes).await?;
    // An upload may fulfil a duty (e.g. the data catalogue, Shaoxing art.30).
    let changes = obligation_changes_under(st, &ctx.project, &decision, &profile).await?;
    Ok(st.db.apply(&ctx, actor, &decision, &changes, &tag).await?)
}

/// Check an uploaded document as a project attachment is checked (not empty, the size limit,
/// an allowed type whose first bytes agree with its extension) and keep it by content hash:
/// (the cleaned filename, its SHA-256). Nothing is kept when the check fails.
pub async fn store_upload(
    st: &AppState,
    filename: &str,
    bytes: &[u8],
) -> Result<(String, String), AppError> {
    if bytes.is_empty() {
        return Err(AppError::field("file", "请选择要上传的文件"));
    }
    if bytes.len() as u64 > st.max_upload {
        return Err(AppError::TooLarge(format!(
            "文件超过 {} MB 上限",
            st.max_upload / 1024 / 1024
        )));
    }
    let filename = clean_filename(filename);
    check_upload(&filename, bytes)?;
    let sha = hex::encode(Sha256::digest(bytes));
    write_blob(st, &sha, bytes).await?;
    Ok((filename, sha))
}

/// Keep a file under the data dir by its content hash (written once).
async fn write_blob(st: &AppState, sha: &str, bytes: &[u8]) -> Result<(), AppError> {
    let path = st.blob_path(sha);
    if !path.exists() {
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(|e| AppError::Internal(e.to_string()))?;
        }
        let tmp = path.with_extension("part");
        tokio::fs::write(&tmp, bytes)
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        tokio::fs::rename(&tmp, &path)
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
    }
    Ok(())
}

/// Evidence for closing a task (销号, ZJ-plan 四(一)), uploaded by the task's owner unit: kept
/// as a document (其他材料) of the project with every upload's size and type limits and its
/// history entry. Who may upload it is the task rule's (`tasks::may_close`), checked by the
/// caller. Returns the new attachment's id.
pub async fn attach_evidence(
    st: &AppState,
    actor: &Actor,
    project: &Project,
    filename: &str,
    bytes: &[u8],
    doc_date: Option<tongchou_domain::Date>,
) -> Result<i64, AppError> {
    if bytes.is_empty() {
        return Err(AppError::field("file", "请选择要上传的文件"));
    }
    if bytes.len() as u64 > st.max_upload {
        return Err(AppError::TooLarge(format!(
            "文件超过 {} MB 上限",
            st.max_upload / 1024 / 1024
        )));
    }
    if doc_date.is_some_and(|d| d > today()) {
        return Err(AppError::field("doc_date", "文件日期不能晚于今天"));
    }
    let filename = clean_filename(filename);
    check_upload(&filename, bytes)?;
    let sha = hex::encode(Sha256::digest(bytes));
    let path = st.blob_path(&sha);
    if !path.exists() {
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(|e| AppError::Internal(e.to_string()))?;
        }
        let tmp = path.with_extension("part");
        tokio::fs::write(&tmp, bytes)
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        tokio::fs::rename(&tmp, &path)
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
    }
    let decision = tongchou_domain::lifecycle::Decision {
        action: "attach".into(),
        from: project.stage,
        to: project.stage,
        events: vec![tongchou_domain::lifecycle::Event::Attached {
            kind: "other".into(),
            filename: filename.clone(),
            sha256: sha.clone(),
            size: bytes.len() as i64,
            doc_date,
        }],
        summary: format!("上传销号佐证材料：{filename}"),
        opinion: String::new(),
    };
    let ctx = ProjectContext::new(project.clone());
    let tag = st.profile_tag_for(&project.jurisdiction_path);
    let p = st
        .db
        .apply(&ctx, actor, &decision, &Default::default(), &tag)
        .await?;
    st.db
        .attachments(p.id)
        .await?
        .into_iter()
        .filter(|a| a.kind == "other" && a.sha256 == sha && a.uploaded_by == actor.user_id.0)
        .map(|a| a.id)
        .max()
        .ok_or_else(|| AppError::Internal("uploaded evidence not found".into()))
}

/// Read an attachment the actor may see.
pub async fn download(
    st: &AppState,
    actor: &Actor,
    id: ProjectId,
    attachment: i64,
) -> Result<(tongchou_store::project::AttachmentRow, Vec<u8>), AppError> {
    visible_context(st, actor, id).await?;
    let a = st.db.attachment(id, attachment).await?;
    let bytes = tokio::fs::read(st.blob_path(&a.sha256))
        .await
        .map_err(|e| AppError::Internal(format!("blob {}: {e}", a.sha256)))?;
    Ok((a, bytes))
}

/// The obligations a decision creates, fulfils or cancels (the calendar is read only when a
/// dated duty is counted).
pub async fn obligation_changes(
    st: &AppState,
    project: &Project,
    decision: &tongchou_domain::lifecycle::Decision,
) -> Result<tongchou_domain::obligation::Changes, AppError> {
    let profile = st.profile_for(&project.jurisdiction_path);
    obligation_changes_under(st, project, decision, &profile).await
}

/// [`obligation_changes`] under a given profile (the one the decision was made under).
pub async fn obligation_changes_under(
    st: &AppState,
    project: &Project,
    decision: &tongchou_domain::lifecycle::Decision,
    profile: &tongchou_domain::profile::Profile,
) -> Result<tongchou_domain::obligation::Changes, AppError> {
    use tongchou_domain::obligation::{changes, needs_calendar};
    let cal = if needs_calendar(decision) {
        st.db.calendar().await?
    } else {
        tongchou_domain::calendar::Calendar::builtin()
    };
    Ok(changes(project, decision, profile, &cal, today()))
}

/// The platform itself, as the actor of what the sweep records.
pub fn system_actor(project: &Project) -> Actor {
    Actor {
        user_id: tongchou_domain::UserId(0),
        name: "统筹平台（系统）".into(),
        unit_id: tongchou_domain::UnitId(0),
        unit_name: "统筹平台".into(),
        jurisdiction_id: project.jurisdiction_id,
        jurisdiction_path: project.jurisdiction_path.clone(),
        roles: vec![],
    }
}

/// The deadline sweep: this month's report obligations, and a proposal to the authority for
/// each missed deadline that carries a consequence (recorded in the project's history, decided
/// by the authority; nothing irreversible happens here). Idempotent; with several processes a
/// proposal is recorded once (unique per obligation, and the version check).
pub async fn sweep(st: &AppState) -> Result<(u64, usize), AppError> {
    let today = today();
    // 晾晒台: today's snapshot per unit (once a day, whichever process sweeps first; ZJ-plan 四(三)).
    let slow_before = today
        .checked_sub(jiff::Span::new().days(tongchou_domain::tasks::SLOW_DAYS_DEFAULT))
        .unwrap_or(today);
    // A failed snapshot is retried at the next sweep and never holds up the deadline duties.
    if let Err(e) = st.db.take_board_snapshot(today, slow_before).await {
        tracing::warn!(error = %e, "board snapshot failed");
    }
    // Each project under its jurisdiction's profile.
    let mut by_code: std::collections::BTreeMap<
        String,
        (std::sync::Arc<tongchou_domain::profile::Profile>, Vec<i64>),
    > = Default::default();
    for (id, path) in st.db.in_construction_paths().await? {
        let p = st.profile_for(&path);
        by_code
            .entry(p.code.clone())
            .or_insert_with(|| (p.clone(), vec![]))
            .1
            .push(id);
    }
    let mut reports = 0;
    for (profile, ids) in by_code.values() {
        reports += st
            .db
            .sweep_monthly_reports_of(today, profile, Some(ids))
            .await?;
    }
    let mut proposed = 0;
    let mut overdue = st
        .db
        .overdue_without_proposal(today, &["procurement", "funding", "rectification"])
        .await?;
    // A data catalogue not fixed within its 3 months: the take-down is proposed (Shangcheng 第九章).
    overdue.extend(
        st.db
            .overdue_with_prefix(today, tongchou_domain::operation::CATALOGUE_PREFIX)
            .await?,
    );
    for (pid, code) in overdue {
        let mut ctx = ProjectContext::new(st.db.project(ProjectId(pid)).await?);
        st.db
            .load_parts(
                &mut ctx,
                tongchou_domain::lifecycle::Needs {
                    consequences: true,
                    ..Default::default()
                },
            )
            .await?;
        let Some(decision) = tongchou_domain::lifecycle::propose_consequence(&ctx, &code) else {
            continue;
        };
        let actor = system_actor(&ctx.project);
        match st
            .db
            .apply(
                &ctx,
                &actor,
                &decision,
                &Default::default(),
                &st.profile_tag_for(&ctx.project.jurisdiction_path),
            )
            .await
        {
            Ok(_) => proposed += 1,
            Err(tongchou_store::StoreError::Conflict(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    // A shared-application subject not passed 3 months after the agreed delivery date: the
    // cancellation is proposed to the lead unit once (ZJ-share 三（七）), who confirms or waives,
    // from the open acceptance obligation past its due date (obligations table).
    let cal = st.db.calendar().await?;
    // Agreements signed before their obligations were rows gain them (idempotent).
    for c in st.db.competitions_missing_obligations().await? {
        let Some(d) = c.delivery_date else { continue };
        let bids = st.db.bids(c.id).await?;
        let sel: Vec<_> = bids.iter().filter(|b| b.shortlisted).collect();
        let subject = match sel[..] {
            [one] => Some(one.unit_id),
            _ => None,
        };
        let mut ms = c.milestones.clone();
        for m in &mut ms {
            if m.owner_unit_id.is_none() {
                m.owner_unit_id = if m.owner == "lead_unit" {
                    Some(c.lead_unit_id)
                } else {
                    subject
                };
            }
        }
        let signed = c.announced_on.unwrap_or(d);
        let subjects: Vec<_> = subject.into_iter().collect();
        let obs = tongchou_domain::market::agreement_obligations(&cal, &ms, d, &subjects, signed);
        st.db.backfill_competition_obligations(&c, &obs).await?;
    }
    for (c, limit, subject) in st.db.competitions_to_propose_cancel(today).await? {
        let actor = Actor {
            user_id: tongchou_domain::UserId(0),
            name: "统筹平台（系统）".into(),
            unit_id: tongchou_domain::UnitId(0),
            unit_name: "统筹平台".into(),
            jurisdiction_id: tongchou_domain::JurisdictionId(0),
            jurisdiction_path: "/".into(),
            roles: vec![],
        };
        let name = st
            .db
            .unit(subject)
            .await
            .map(|u| u.name)
            .unwrap_or_else(|_| "项目主体".into());
        let summary = format!(
            "{name}超过约定交付日期3个月（{limit}）仍未通过验收，提请牵头责任主体确认是否取消其项目主体资格（{}）",
            tongchou_domain::market::cite_delivery()
        );
        if st
            .db
            .propose_competition_cancel(&actor, &c, limit, subject, &summary)
            .await?
        {
            proposed += 1;
        }
    }
    Ok((reports, proposed))
}
