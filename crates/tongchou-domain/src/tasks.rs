//! 挂图作战、对账销号 (SPEC P3; ZJ-plan 四(一)) and plan indicators (SPEC P4; ZJ-plan 一): the
//! rules, without I/O.
//!
//! A project's tasks and milestones each carry an owner (a unit and a person), a due date and an
//! indicator (what "done" measures). The project's unit keeps them; the owner closes one (销号)
//! only with evidence — an uploaded document of the project or a reference (文号、链接、台账编号);
//! the competent authority of the handling level checks it against the ledger (对账) and confirms
//! it, or rejects it with a reason, which reopens it. An open item past its due date is overdue
//! (calendar dates). Every change is one entry of the project's history.
//!
//! Plan indicators are the goals of ZJ-plan 一 with their targets and years, kept by a province or
//! city authority; a project links to them with a note on its contribution, for reporting only —
//! no rule ever blocks on them.
use crate::lifecycle::{acts_here, invalid, Refusal};
use crate::profile::{Citation, Profile};
use crate::project::Project;
use crate::{Actor, Date, Role, Stage, UnitId};
use serde::{Deserialize, Serialize};

/// The seed's own title (ZJ-plan).
pub const ZJ_PLAN: &str = "浙江省数字政府系统建设方案";

/// 挂图作战、对账销号 (ZJ-plan 四(一) 加强组织领导).
pub fn cite_board() -> Citation {
    Citation::new(ZJ_PLAN, "四（一）挂图作战、对账销号")
}
/// 形成指标体系 (ZJ-plan 四(一)) with the goals of 一.
pub fn cite_goals() -> Citation {
    Citation::new(ZJ_PLAN, "一、总体思路和工作目标")
}

/// 任务 or 里程碑.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    Task,
    Milestone,
}

impl TaskKind {
    pub const ALL: [TaskKind; 2] = [TaskKind::Task, TaskKind::Milestone];
    pub fn code(self) -> &'static str {
        match self {
            TaskKind::Task => "task",
            TaskKind::Milestone => "milestone",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            TaskKind::Task => "任务",
            TaskKind::Milestone => "里程碑",
        }
    }
    pub fn parse(s: &str) -> Option<TaskKind> {
        TaskKind::ALL.into_iter().find(|k| k.code() == s)
    }
}

/// Where an item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    /// 推进中 (also after a rejected closing)
    Open,
    /// 已销号，待对账
    Closed,
    /// 已对账销号
    Confirmed,
}

impl TaskState {
    pub const ALL: [TaskState; 3] = [TaskState::Open, TaskState::Closed, TaskState::Confirmed];
    pub fn code(self) -> &'static str {
        match self {
            TaskState::Open => "open",
            TaskState::Closed => "closed",
            TaskState::Confirmed => "confirmed",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            TaskState::Open => "推进中",
            TaskState::Closed => "已销号待对账",
            TaskState::Confirmed => "已对账销号",
        }
    }
    /// CSS tag class.
    pub fn tag(self) -> &'static str {
        match self {
            TaskState::Open => "tag-build",
            TaskState::Closed => "tag-warn",
            TaskState::Confirmed => "tag-ok",
        }
    }
    pub fn parse(s: &str) -> Option<TaskState> {
        TaskState::ALL.into_iter().find(|k| k.code() == s)
    }
}

/// What a task is, as its unit enters it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskInput {
    pub kind: TaskKind,
    pub title: String,
    /// 责任单位
    pub owner_unit_id: UnitId,
    pub owner_unit_name: String,
    /// 责任人
    pub owner_person: String,
    /// 完成时限 (calendar date)
    pub due: Date,
    /// 完成标志 / 指标: what "done" measures
    pub indicator: String,
}

/// The evidence a closing rests on: a document of the project and/or a reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Evidence {
    /// An attachment of the same project (id, file name).
    pub attachment: Option<(i64, String)>,
    /// 文号、链接或台账编号
    pub reference: String,
}

impl Evidence {
    pub fn is_empty(&self) -> bool {
        self.attachment.is_none() && self.reference.trim().is_empty()
    }
}

/// A task or milestone as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    pub id: i64,
    pub project_id: i64,
    pub input: TaskInput,
    pub state: TaskState,
    pub evidence: Option<Evidence>,
    pub closed_note: Option<String>,
    pub closed_on: Option<Date>,
    pub closed_by: Option<String>,
    pub confirmed_on: Option<Date>,
    pub confirmed_by: Option<String>,
    /// The last rejection's reason (kept after reopening, shown until the next closing).
    pub reject_reason: Option<String>,
    pub rejections: i64,
    pub version: i64,
}

impl Task {
    /// Open past its due date (calendar dates: the due day itself is still in time).
    pub fn overdue(&self, today: Date) -> bool {
        self.state == TaskState::Open && self.input.due < today
    }
    pub fn days_overdue(&self, today: Date) -> i64 {
        if self.overdue(today) {
            (today - self.input.due).get_days() as i64
        } else {
            0
        }
    }
}

/// What a user asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskCommand {
    Add(TaskInput),
    Edit(TaskInput),
    /// 销号 by the owner, with evidence.
    Close {
        evidence: Evidence,
        note: String,
    },
    /// 对账确认 by the authority.
    Confirm {
        note: String,
    },
    /// 对账退回 by the authority, with a reason: the item reopens.
    Reject {
        reason: String,
    },
}

impl TaskCommand {
    pub fn code(&self) -> &'static str {
        match self {
            TaskCommand::Add(_) => "task_add",
            TaskCommand::Edit(_) => "task_edit",
            TaskCommand::Close { .. } => "task_close",
            TaskCommand::Confirm { .. } => "task_confirm",
            TaskCommand::Reject { .. } => "task_reject",
        }
    }
}

/// The actions (URL segment → history action code).
pub const ACTIONS: [&str; 4] = ["edit", "close", "confirm", "reject"];

/// The Chinese name of a history action of this module.
pub fn action_label(code: &str) -> Option<&'static str> {
    Some(match code {
        "task_add" => "新增任务/里程碑",
        "task_edit" => "修改任务/里程碑",
        "task_close" => "销号",
        "task_confirm" => "对账确认",
        "task_reject" => "对账退回",
        "indicator_link" => "关联规划指标",
        "indicator_unlink" => "取消关联规划指标",
        _ => return None,
    })
}

/// What happens (recorded as the history entry's payload).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum TaskEvent {
    Added {
        input: TaskInput,
    },
    Edited {
        task: i64,
        input: TaskInput,
    },
    Closed {
        task: i64,
        evidence: Evidence,
        note: String,
        on: Date,
        by: String,
    },
    Confirmed {
        task: i64,
        note: String,
        on: Date,
        by: String,
    },
    Rejected {
        task: i64,
        reason: String,
        by: String,
    },
}

/// A decision: the event, the history action and its line for the timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskDecision {
    pub action: &'static str,
    pub event: TaskEvent,
    pub summary: String,
    pub opinion: String,
}

/// Who keeps the project's tasks: the project's construction unit.
pub fn may_manage(actor: &Actor, p: &Project) -> bool {
    actor.has(Role::Unit) && actor.unit_id == p.unit_id
}

/// Who closes an item: its owner unit's clerk.
pub fn may_close(actor: &Actor, t: &Task) -> bool {
    actor.has(Role::Unit) && actor.unit_id == t.input.owner_unit_id
}

/// Who checks closings against the ledger (对账): the competent authority of the level that
/// handles the project (as for its other decisions, `lifecycle::acts_here`).
pub fn may_confirm(actor: &Actor, p: &Project, profile: &Profile) -> bool {
    if !actor.has(Role::Authority) {
        return false;
    }
    // The authority's own level, not a unit role it might also hold.
    let mut as_authority = actor.clone();
    as_authority.roles.retain(|r| *r != Role::Unit);
    acts_here(&as_authority, p, false, profile)
}

fn check_input(i: &TaskInput) -> Result<(), Refusal> {
    let title = i.title.trim();
    if title.is_empty() {
        return Err(invalid("title", "请填写任务名称"));
    }
    if title.chars().count() > 200 {
        return Err(invalid("title", "任务名称不超过 200 字"));
    }
    if i.owner_person.trim().is_empty() {
        return Err(invalid("owner_person", "请填写责任人"));
    }
    if i.indicator.trim().is_empty() {
        return Err(invalid("indicator", "请填写完成标志（以什么指标衡量完成）"));
    }
    if i.indicator.chars().count() > 1000 {
        return Err(invalid("indicator", "完成标志不超过 1000 字"));
    }
    Ok(())
}

/// Decide a command on a project's task (`task` is None for `Add`).
pub fn decide(
    p: &Project,
    task: Option<&Task>,
    actor: &Actor,
    cmd: TaskCommand,
    profile: &Profile,
    today: Date,
) -> Result<TaskDecision, Refusal> {
    let action = cmd.code();
    if p.stage == Stage::Ended {
        return Err(Refusal::WrongStage {
            stage: p.stage.label(),
            action: "办理任务销号",
        });
    }
    let who = actor.name.clone();
    let state_refusal = |t: &Task, what: &'static str| Refusal::WrongStage {
        stage: t.state.label(),
        action: what,
    };
    match (cmd, task) {
        (TaskCommand::Add(input), _) => {
            if !may_manage(actor, p) {
                return Err(Refusal::Forbidden(format!(
                    "只有本项目的建设单位（{}）可以新增任务和里程碑",
                    p.unit_name
                )));
            }
            check_input(&input)?;
            Ok(TaskDecision {
                action,
                summary: format!(
                    "新增{}“{}”：责任单位 {}，责任人 {}，{} 前完成；完成标志：{}",
                    input.kind.label(),
                    input.title.trim(),
                    input.owner_unit_name,
                    input.owner_person.trim(),
                    input.due,
                    input.indicator.trim()
                ),
                opinion: String::new(),
                event: TaskEvent::Added { input },
            })
        }
        (_, None) => Err(Refusal::NotVisible),
        (TaskCommand::Edit(input), Some(t)) => {
            if !may_manage(actor, p) {
                return Err(Refusal::Forbidden(format!(
                    "只有本项目的建设单位（{}）可以修改任务和里程碑",
                    p.unit_name
                )));
            }
            if t.state != TaskState::Open {
                return Err(state_refusal(t, "修改"));
            }
            check_input(&input)?;
            Ok(TaskDecision {
                action,
                summary: format!(
                    "修改{}“{}”：责任单位 {}，责任人 {}，{} 前完成",
                    input.kind.label(),
                    input.title.trim(),
                    input.owner_unit_name,
                    input.owner_person.trim(),
                    input.due
                ),
                opinion: String::new(),
                event: TaskEvent::Edited { task: t.id, input },
            })
        }
        (TaskCommand::Close { evidence, note }, Some(t)) => {
            if !may_close(actor, t) {
                return Err(Refusal::Forbidden(format!(
                    "只有责任单位（{}）可以销号",
                    t.input.owner_unit_name
                )));
            }
            if t.state != TaskState::Open {
                return Err(state_refusal(t, "销号"));
            }
            if evidence.is_empty() {
                return Err(Refusal::Rule {
                    message: "销号须有佐证材料：请上传文件或填写文号、链接等可核对的依据".into(),
                    cite: cite_board(),
                });
            }
            if evidence.reference.chars().count() > 500 {
                return Err(invalid("reference", "文号或链接不超过 500 字"));
            }
            let what = match (&evidence.attachment, evidence.reference.trim()) {
                (Some((_, f)), "") => format!("佐证材料：{f}"),
                (None, r) => format!("佐证：{r}"),
                (Some((_, f)), r) => format!("佐证材料：{f}；{r}"),
            };
            Ok(TaskDecision {
                action,
                summary: format!(
                    "{}“{}”销号，待对账；{what}",
                    t.input.kind.label(),
                    t.input.title
                ),
                opinion: note.trim().to_string(),
                event: TaskEvent::Closed {
                    task: t.id,
                    evidence: Evidence {
                        reference: evidence.reference.trim().to_string(),
                        ..evidence
                    },
                    note: note.trim().to_string(),
                    on: today,
                    by: who,
                },
            })
        }
        (TaskCommand::Confirm { note }, Some(t)) => {
            if !may_confirm(actor, p, profile) {
                return Err(Refusal::Forbidden(format!(
                    "只有办理本项目的{}可以对账确认",
                    profile.role_name(Role::Authority)
                )));
            }
            if t.state != TaskState::Closed {
                return Err(state_refusal(t, "对账确认"));
            }
            Ok(TaskDecision {
                action,
                summary: format!(
                    "{}“{}”对账确认，销号完成",
                    t.input.kind.label(),
                    t.input.title
                ),
                opinion: note.trim().to_string(),
                event: TaskEvent::Confirmed {
                    task: t.id,
                    note: note.trim().to_string(),
                    on: today,
                    by: who,
                },
            })
        }
        (TaskCommand::Reject { reason }, Some(t)) => {
            if !may_confirm(actor, p, profile) {
                return Err(Refusal::Forbidden(format!(
                    "只有办理本项目的{}可以对账退回",
                    profile.role_name(Role::Authority)
                )));
            }
            if t.state != TaskState::Closed {
                return Err(state_refusal(t, "对账退回"));
            }
            if reason.trim().is_empty() {
                return Err(invalid("reason", "请填写退回理由"));
            }
            Ok(TaskDecision {
                action,
                summary: format!(
                    "{}“{}”对账退回，重新推进：{}",
                    t.input.kind.label(),
                    t.input.title,
                    reason.trim()
                ),
                opinion: reason.trim().to_string(),
                event: TaskEvent::Rejected {
                    task: t.id,
                    reason: reason.trim().to_string(),
                    by: who,
                },
            })
        }
    }
}

/// Apply an event to a stored task (the store writes the same columns).
pub fn apply(t: &mut Task, e: &TaskEvent) {
    match e {
        TaskEvent::Added { input } | TaskEvent::Edited { input, .. } => t.input = input.clone(),
        TaskEvent::Closed {
            evidence,
            note,
            on,
            by,
            ..
        } => {
            t.state = TaskState::Closed;
            t.evidence = Some(evidence.clone());
            t.closed_note = Some(note.clone());
            t.closed_on = Some(*on);
            t.closed_by = Some(by.clone());
        }
        TaskEvent::Confirmed { on, by, .. } => {
            t.state = TaskState::Confirmed;
            t.confirmed_on = Some(*on);
            t.confirmed_by = Some(by.clone());
        }
        TaskEvent::Rejected { reason, .. } => {
            t.state = TaskState::Open;
            t.reject_reason = Some(reason.clone());
            t.rejections += 1;
            t.closed_on = None;
            t.closed_by = None;
        }
    }
}

/// Progress of a set of tasks: (total, confirmed, closed awaiting 对账, overdue).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub total: i64,
    pub confirmed: i64,
    pub closed: i64,
    pub overdue: i64,
}

impl Progress {
    pub fn of<'a>(tasks: impl IntoIterator<Item = &'a Task>, today: Date) -> Progress {
        let mut p = Progress::default();
        for t in tasks {
            p.total += 1;
            match t.state {
                TaskState::Confirmed => p.confirmed += 1,
                TaskState::Closed => p.closed += 1,
                TaskState::Open if t.overdue(today) => p.overdue += 1,
                TaskState::Open => {}
            }
        }
        p
    }
    /// Share confirmed, in whole percent.
    pub fn percent(&self) -> i64 {
        if self.total == 0 {
            0
        } else {
            self.confirmed * 100 / self.total
        }
    }
}

// ---------- plan indicators (P4) ----------

/// A plan indicator as entered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndicatorInput {
    pub name: String,
    /// 目标值, as the plan states it ("85%以上")
    pub target: String,
    /// 目标年度
    pub year: i32,
    /// 出处
    pub cite: String,
    pub note: String,
}

/// A plan indicator as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanIndicator {
    pub id: i64,
    pub jurisdiction_id: i64,
    pub jurisdiction_path: String,
    pub jurisdiction_name: String,
    pub input: IndicatorInput,
    pub version: i64,
}

/// The goals of ZJ-plan 一 with their targets and years.
pub fn zj_plan_indicators() -> Vec<IndicatorInput> {
    let c = format!("{ZJ_PLAN} 一、总体思路和工作目标");
    let ind = |name: &str, target: &str, year: i32, note: &str| IndicatorInput {
        name: name.into(),
        target: target.into(),
        year,
        cite: c.clone(),
        note: note.into(),
    };
    vec![
        ind(
            "数字政府综合应用上线运行",
            "上线运行",
            2021,
            "2021年8月底前",
        ),
        ind(
            "依申请政务服务事项“一网通办”率",
            "85%以上",
            2021,
            "2021年底前",
        ),
        ind("“浙里办”日活跃用户数", "超过240万", 2021, "2021年底前"),
        ind("掌上执法率", "90%以上", 2021, "行政执法“一网通管”全面推进"),
        ind("政务服务“一网通办”", "全面实现", 2022, "2022年底前"),
        ind("“浙里办”日活跃用户数", "超过300万", 2022, "2022年底前"),
        ind("掌上执法率", "95%以上", 2022, "2022年底前"),
    ]
}

/// Who keeps the catalogue: a province or city competent authority.
pub fn may_maintain_indicators(actor: &Actor) -> bool {
    actor.has(Role::Authority) && crate::permission::path_ids(&actor.jurisdiction_path).len() <= 2
}

/// Whether an indicator applies to a jurisdiction: kept at that level or above it.
pub fn indicator_applies(ind: &PlanIndicator, jurisdiction_path: &str) -> bool {
    jurisdiction_path.starts_with(&ind.jurisdiction_path)
}

/// Whether the actor reads an indicator: it applies to the actor's jurisdiction, or the actor's
/// jurisdiction covers where it is kept.
pub fn can_view_indicator(actor: &Actor, ind: &PlanIndicator) -> bool {
    indicator_applies(ind, &actor.jurisdiction_path) || actor.covers(&ind.jurisdiction_path)
}

pub fn check_indicator(i: &IndicatorInput) -> Result<(), Refusal> {
    if i.name.trim().is_empty() {
        return Err(invalid("name", "请填写指标名称"));
    }
    if i.target.trim().is_empty() {
        return Err(invalid("target", "请填写目标值"));
    }
    if !(2000..=2100).contains(&i.year) {
        return Err(invalid("year", "请填写目标年度（如 2022）"));
    }
    if i.cite.trim().is_empty() {
        return Err(invalid("cite", "请填写出处（文件及条款）"));
    }
    Ok(())
}

/// A project links to an indicator (reporting only): its unit, an indicator that applies to the
/// project's jurisdiction, with a note on its contribution.
pub fn decide_link(
    actor: &Actor,
    p: &Project,
    ind: &PlanIndicator,
    note: &str,
) -> Result<String, Refusal> {
    if !may_manage(actor, p) {
        return Err(Refusal::Forbidden(format!(
            "只有本项目的建设单位（{}）可以关联规划指标",
            p.unit_name
        )));
    }
    if !indicator_applies(ind, &p.jurisdiction_path) {
        return Err(invalid("indicator", "该指标不适用于本项目所在地区"));
    }
    if note.trim().is_empty() {
        return Err(invalid("note", "请说明本项目对该指标的贡献"));
    }
    Ok(format!(
        "关联规划指标“{}”（{} 年 {}）：{}",
        ind.input.name,
        ind.input.year,
        ind.input.target,
        note.trim()
    ))
}

// ---------- 晾晒台 (P1) ----------

/// 晾晒台: the board publishes progress and names slow projects (ZJ-plan 四(三)).
pub fn cite_publicity() -> Citation {
    Citation::new(
        ZJ_PLAN,
        "四（三）依托“晾晒台”，定期公布各项目建设进展，通报晾晒进度缓慢项目",
    )
}

/// [product] A project is named slow (进度缓慢) after this many calendar days in one active
/// stage; the plan names slow projects without a number.
pub const SLOW_DAYS_DEFAULT: i64 = 90;

/// Stages of work in progress (the board leaves out drafts, ended projects and systems running).
pub fn is_active(stage: Stage) -> bool {
    !matches!(stage, Stage::Draft | Stage::Ended | Stage::InOperation)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_indicators_carry_targets_and_years() {
        // ZJ-plan 一: 85%以上…“一网通办”；掌上执法率 90%（2021）、95%（2022）
        let all = zj_plan_indicators();
        assert!(all
            .iter()
            .any(|i| i.name.contains("一网通办") && i.target == "85%以上" && i.year == 2021));
        assert!(all
            .iter()
            .any(|i| i.name == "掌上执法率" && i.target == "95%以上" && i.year == 2022));
        for i in &all {
            assert!(check_indicator(i).is_ok(), "{i:?}");
        }
    }
}
