//! Fixtures for the domain tests: the demo actors of a Shangcheng-like district, a project
//! context at any stage, well-formed commands, and `apply`, which updates an in-memory context
//! from a decision's events the way the store would.
#![allow(dead_code)]

use tongchou_domain::lifecycle::{
    add_days, add_months, decide, Candidate, Checks, Command, Decision, Event, Refusal,
};
use tongchou_domain::profile::{CheckItem, Profile};
use tongchou_domain::project::{
    BuildKind, Category, Contract, Funding, Panel, PanelMember, PanelOpinion, PanelPurpose,
    PreliminaryScore, Procurement, Project, ProjectContext, ProjectInput, SupervisionContract,
};
use tongchou_domain::{
    Actor, Date, JurisdictionId, PanelId, ProjectId, Role, Stage, UnitId, UserId, Yuan,
};

/// 上城区 (district 3 of city 2 of province 1).
pub const DISTRICT: &str = "/1/2/3/";
/// A sibling district of the same city.
pub const OTHER_DISTRICT: &str = "/1/2/4/";
/// The city above both districts.
pub const CITY: &str = "/1/2/";

pub const PROJECT_UNIT: UnitId = UnitId(10);
pub const PROJECT_UNIT_NAME: &str = "区民政局";
pub const OTHER_UNIT: UnitId = UnitId(11);
pub const NAME: &str = "上城区基层治理数字化平台";

pub fn d(y: i16, m: i8, day: i8) -> Date {
    Date::new(y, m, day).unwrap()
}

pub fn yuan(n: i64) -> Yuan {
    Yuan::from_yuan(n)
}

pub fn profile() -> Profile {
    Profile::shangcheng()
}

/// The default "today" for unit tests.
pub fn today() -> Date {
    d(2026, 6, 15)
}

// ---------------------------------------------------------------------------------------------
// Actors
// ---------------------------------------------------------------------------------------------

pub fn actor(user: i64, name: &str, unit: i64, path: &str, roles: &[Role]) -> Actor {
    let jurisdiction = path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Actor {
        user_id: UserId(user),
        name: name.into(),
        unit_id: UnitId(unit),
        unit_name: format!("单位{unit}"),
        jurisdiction_id: JurisdictionId(jurisdiction),
        jurisdiction_path: path.into(),
        roles: roles.to_vec(),
    }
}

/// Clerk of the project's own unit.
pub fn unit_clerk() -> Actor {
    actor(1, "张经办", PROJECT_UNIT.0, DISTRICT, &[Role::Unit])
}
/// Clerk of another unit in the same district.
pub fn other_clerk() -> Actor {
    actor(2, "李经办", OTHER_UNIT.0, DISTRICT, &[Role::Unit])
}
pub fn authority() -> Actor {
    actor(3, "区数据资源局王", 20, DISTRICT, &[Role::Authority])
}
pub fn finance() -> Actor {
    actor(4, "区财政局赵", 21, DISTRICT, &[Role::Finance])
}
pub fn drc() -> Actor {
    actor(5, "区发改经信局钱", 22, DISTRICT, &[Role::Drc])
}
pub fn cyber() -> Actor {
    actor(6, "区委网信办孙", 23, DISTRICT, &[Role::Cyber])
}
pub fn xinchuang() -> Actor {
    actor(7, "区信创办周", 24, DISTRICT, &[Role::Xinchuang])
}
pub fn leading_group() -> Actor {
    actor(8, "联席会议吴", 25, DISTRICT, &[Role::LeadingGroup])
}
pub fn audit() -> Actor {
    actor(9, "区审计局郑", 26, DISTRICT, &[Role::Audit])
}
/// Expert `n` (1..=5), each of a different unit, none of them the project's.
pub fn expert(n: i64) -> Actor {
    let names = ["", "专家甲", "专家乙", "专家丙", "专家丁", "专家戊"];
    actor(
        100 + n,
        names[n as usize],
        30 + n,
        DISTRICT,
        &[Role::Expert],
    )
}
/// An expert who works in the project's own unit (must be recused).
pub fn own_unit_expert() -> Actor {
    actor(150, "专家己", PROJECT_UNIT.0, DISTRICT, &[Role::Expert])
}
/// The competent authority of a sibling district.
pub fn outside_authority() -> Actor {
    actor(60, "邻区数据局", 40, OTHER_DISTRICT, &[Role::Authority])
}
/// The city's competent authority (covers the district).
pub fn city_authority() -> Actor {
    actor(61, "市数据局", 41, CITY, &[Role::Authority])
}

/// The departments that score the preliminary review, in the profile's order.
pub fn scorers() -> Vec<Actor> {
    vec![authority(), drc(), finance(), cyber(), xinchuang()]
}

pub fn candidate(a: &Actor) -> Candidate {
    Candidate {
        user_id: a.user_id,
        name: a.name.clone(),
        unit_id: a.unit_id,
        roles: a.roles.clone(),
    }
}

pub fn candidates(experts: &[Actor]) -> Vec<Candidate> {
    experts.iter().map(candidate).collect()
}

// ---------------------------------------------------------------------------------------------
// Projects
// ---------------------------------------------------------------------------------------------

/// A new application project: 1,000,000 yuan IT, 60,000 yuan security (6 %).
pub fn input() -> ProjectInput {
    ProjectInput {
        name: NAME.into(),
        year: 2027,
        build_kind: BuildKind::New,
        category: Category::Application,
        it_amount: yuan(1_000_000),
        non_it_amount: Yuan::ZERO,
        security_amount: yuan(60_000),
        funding: Funding::DistrictFiscal,
        summary: "建设基层治理数字化平台，整合街道社区事件处置流程。".into(),
        participants: vec![],
        responsible_person: "张三".into(),
        major_task: None,
        gov_function: None,
    }
}

pub const SUGGESTED: i64 = 900_000;
pub const FINAL: i64 = 800_000;
pub const CEILING: i64 = 780_000;
pub const CONTRACT: i64 = 750_000;

pub fn approval_date() -> Date {
    d(2026, 1, 20)
}
pub fn procurement_date() -> Date {
    d(2026, 2, 10)
}
pub fn contract_date() -> Date {
    d(2026, 3, 5)
}
pub fn initial_acceptance_date() -> Date {
    d(2026, 5, 1)
}
pub fn rectify_due() -> Date {
    d(2026, 8, 15)
}

fn project(stage: Stage) -> Project {
    Project {
        id: ProjectId(1),
        code: "SC-2027-0001".into(),
        unit_id: PROJECT_UNIT,
        unit_name: PROJECT_UNIT_NAME.into(),
        jurisdiction_id: JurisdictionId(3),
        jurisdiction_path: DISTRICT.into(),
        input: input(),
        stage,
        version: 1,
        rereviews_used: 0,
        suggested_amount: None,
        final_amount: None,
        approved_amount: None,
        approval_no: None,
        approval_date: None,
        budget_amount: None,
        fiscal_year: None,
        initial_acceptance_date: None,
        rectify_due: None,
        ended_reason: None,
        declared_at: None,
        created_by: UserId(1),
        created_at: "2025-09-20T09:00:00+08:00".into(),
        updated_at: "2025-09-20T09:00:00+08:00".into(),
        stage_since: "2025-09-20T09:00:00+08:00".into(),
        extra: Default::default(),
        history_head: Default::default(),
    }
}

/// Position of a stage on the main line, for building a consistent context.
fn rank(s: Stage) -> u8 {
    match s {
        Stage::Draft => 0,
        Stage::ComplianceReview | Stage::Returned | Stage::Ended => 1,
        Stage::PreliminaryReview => 2,
        Stage::ExpertReview => 3,
        Stage::ReExamination => 4,
        Stage::ApprovalMeeting => 5,
        Stage::Approved => 6,
        Stage::Budgeted => 7,
        Stage::Procurement => 8,
        Stage::InConstruction => 9,
        Stage::TrialRun => 10,
        Stage::AcceptanceApplied | Stage::Accepting => 11,
        Stage::Rectifying => 12,
        Stage::InOperation => 13,
    }
}

/// A context as the store would load it for a project that reached `stage` along the main line
/// (no open panel; attach one with [`with_panel`]).
pub fn at(stage: Stage) -> ProjectContext {
    let r = rank(stage);
    let mut ctx = ProjectContext::new(project(stage));
    let p = &mut ctx.project;
    ctx.attachment_kinds = vec!["declaration_form".into(), "feasibility_report".into()];
    // Shangcheng declares in rounds (第五章 项目申报): the round of the demo year is open today.
    ctx.rounds = tongchou_domain::round::RoundFacts {
        rounds: vec![tongchou_domain::round::DeclarationRound {
            id: 9,
            jurisdiction_id: 3,
            jurisdiction_name: "上城区".into(),
            jurisdiction_path: "/1/2/3/".into(),
            plan_year: 2026,
            opens_on: d(2025, 9, 1),
            closes_on: d(2026, 12, 31),
            note: "测试用集中申报期".into(),
            opened_by_name: "区数据资源局".into(),
            opened_at: "2026-01-01T09:00:00".into(),
        }],
    };
    if r >= 1 {
        p.declared_at = Some("2025-09-28T10:00:00+08:00".into());
    }
    if stage == Stage::Ended {
        p.ended_reason = Some("建设单位撤回：不再建设".into());
    }
    if r >= 3 {
        for (a, role) in scorers().iter().zip(profile().preliminary_scorers) {
            ctx.preliminary_scores.push(PreliminaryScore {
                department: role,
                user_id: a.user_id,
                total: 80,
                pass: true,
            });
        }
        ctx.attachment_kinds.extend(
            ["revised_report", "revision_list", "presentation"]
                .into_iter()
                .map(String::from),
        );
    }
    if r >= 4 {
        p.suggested_amount = Some(yuan(SUGGESTED));
        ctx.attachment_kinds.push("final_report".into());
    }
    if r >= 5 {
        p.final_amount = Some(yuan(FINAL));
    }
    if r >= 6 {
        p.approved_amount = Some(yuan(FINAL));
        p.approval_no = Some("上数资〔2026〕1号".into());
        p.approval_date = Some(approval_date());
        ctx.next_approval_seq = 2;
    }
    if r >= 7 {
        p.budget_amount = Some(yuan(FINAL));
        p.fiscal_year = Some(2026);
    }
    if r >= 8 {
        ctx.procurement = Some(Procurement {
            method: "open_tender".into(),
            ceiling: yuan(CEILING),
            doc_date: procurement_date(),
        });
        ctx.attachment_kinds.push("procurement_doc".into());
    }
    if r >= 9 {
        ctx.contract = Some(Contract {
            supplier: "杭州某科技有限公司".into(),
            amount: yuan(CONTRACT),
            signed_date: contract_date(),
            supervision: Some(supervision()),
        });
        ctx.attachment_kinds.push("contract_doc".into());
        ctx.reported_months = vec!["2026-03".into(), "2026-04".into()];
    }
    if r >= 10 {
        p.initial_acceptance_date = Some(initial_acceptance_date());
        ctx.attachment_kinds.extend(
            ["initial_acceptance", "trial_run_report", "test_report"]
                .into_iter()
                .map(String::from),
        );
    }
    if r >= 12 {
        p.rectify_due = Some(rectify_due());
    }
    ctx
}

/// Put an open panel of these experts (no opinions yet) on the context.
pub fn with_panel(
    mut ctx: ProjectContext,
    purpose: PanelPurpose,
    experts: &[Actor],
) -> ProjectContext {
    ctx.open_panel = Some(Panel {
        id: PanelId(7),
        purpose,
        meeting_date: d(2026, 6, 10),
        members: experts
            .iter()
            .map(|e| PanelMember {
                user_id: e.user_id,
                name: e.name.clone(),
                unit_id: e.unit_id,
                opinion: None,
            })
            .collect(),
        concluded: false,
    });
    ctx
}

/// Record an opinion of a panel member directly on the context.
pub fn give(ctx: &mut ProjectContext, expert: &Actor, pass: bool, suggested: Option<i64>) {
    let panel = ctx.open_panel.as_mut().expect("open panel");
    let m = panel
        .members
        .iter_mut()
        .find(|m| m.user_id == expert.user_id)
        .expect("member");
    m.opinion = Some(opinion(pass, suggested));
}

pub fn opinion(pass: bool, suggested: Option<i64>) -> PanelOpinion {
    PanelOpinion {
        score: if pass { 85 } else { 50 },
        pass,
        opinion: if pass {
            "方案合理，同意通过".into()
        } else {
            "方案不成熟，不同意".into()
        },
        suggested_amount: suggested.map(yuan),
    }
}

pub fn three_experts() -> Vec<Actor> {
    vec![expert(1), expert(2), expert(3)]
}

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

pub fn all_true(items: &[CheckItem]) -> Checks {
    items.iter().map(|i| (i.code.clone(), true)).collect()
}

pub fn with_false(items: &[CheckItem], codes: &[&str]) -> Checks {
    items
        .iter()
        .map(|i| (i.code.clone(), !codes.contains(&i.code.as_str())))
        .collect()
}

pub fn compliance(checks: Checks, problems: &[&str]) -> Command {
    Command::ComplianceReview {
        checks,
        problems: problems.iter().map(|s| s.to_string()).collect(),
        opinion: "合规性审查意见".into(),
        duplicate: None,
    }
}

pub fn compliance_pass() -> Command {
    compliance(all_true(&profile().compliance_checklist), &[])
}

pub fn full_scores() -> Vec<(String, u32)> {
    profile()
        .preliminary_table
        .iter()
        .map(|i| (i.code.clone(), i.max - 2))
        .collect()
}

pub fn score_cmd(pass: bool) -> Command {
    Command::PreliminaryScore {
        scores: full_scores(),
        pass,
        opinion: "同意".into(),
    }
}

pub fn form_panel(purpose: PanelPurpose, members: &[Actor]) -> Command {
    Command::FormPanel {
        purpose,
        members: candidates(members),
        // Early enough that every conclusion date the tests use comes after the meeting.
        meeting_date: jiff::civil::date(2020, 1, 6),
        place: "区数据资源局第一会议室".into(),
    }
}

pub fn conclude(date: Date) -> Command {
    Command::ConcludePanel {
        opinion: "专家组意见".into(),
        suggested_amount: None,
        date,
    }
}

pub fn re_examine(amount: i64) -> Command {
    Command::ReExamine {
        pass: true,
        final_amount: Some(yuan(amount)),
        opinion: "复核通过".into(),
    }
}

pub fn approve(doc_date: Date) -> Command {
    Command::Approve {
        approve: true,
        doc_date,
        opinion: "同意立项".into(),
    }
}

pub fn budget(amount: Yuan) -> Command {
    Command::Budget {
        fiscal_year: 2026,
        amount,
        opinion: "安排预算".into(),
    }
}

pub fn procure(ceiling: Yuan, doc_date: Date) -> Command {
    Command::StartProcurement {
        method: "open_tender".into(),
        ceiling,
        doc_date,
    }
}

pub struct ContractArgs {
    pub name: String,
    pub amount: Yuan,
    pub signed: Date,
    pub maintenance_years: u32,
    pub clauses: Checks,
    pub override_reason: Option<String>,
    pub supervision: Option<SupervisionContract>,
}

/// The supervision contract filed with the contract (I5): 20,000 of the 50,000 left between the
/// contract (750,000) and the approved amount (800,000).
pub fn supervision() -> SupervisionContract {
    SupervisionContract {
        company: "浙江某工程监理有限公司".into(),
        fee: yuan(20_000),
        signed_date: contract_date(),
    }
}

impl Default for ContractArgs {
    fn default() -> Self {
        ContractArgs {
            name: NAME.into(),
            amount: yuan(CONTRACT),
            signed: contract_date(),
            maintenance_years: 3,
            clauses: all_true(&profile().contract_clauses),
            override_reason: None,
            supervision: Some(supervision()),
        }
    }
}

pub fn sign(a: ContractArgs) -> Command {
    Command::SignContract {
        project_name: a.name,
        supplier: "杭州某科技有限公司".into(),
        amount: a.amount,
        signed_date: a.signed,
        period_months: 8,
        maintenance_years: a.maintenance_years,
        clauses: a.clauses,
        override_reason: a.override_reason,
        // Supervision signed with the contract.
        supervision: a.supervision.map(|s| SupervisionContract {
            signed_date: a.signed,
            ..s
        }),
    }
}

pub fn report(month: &str) -> Command {
    Command::ReportProgress {
        month: month.into(),
        percent: 40,
        summary: "完成需求调研和原型设计".into(),
        milestones: "完成原型设计评审".into(),
        problems: String::new(),
    }
}

pub fn apply_acceptance_cmd() -> Command {
    Command::ApplyAcceptance {
        conditions: all_true(&profile().acceptance_conditions),
    }
}

pub fn attach(kind: &str) -> Command {
    Command::Attach {
        kind: kind.into(),
        filename: format!("{kind}.pdf"),
        sha256: "ab".repeat(32),
        size: 1024,
        doc_date: None,
    }
}

/// One instance of every command, each well-formed for the stage where it belongs.
pub fn every_command() -> Vec<Command> {
    vec![
        Command::Edit { input: input() },
        Command::Declare {
            urgent: None,
            override_reason: Some("理由".into()),
        },
        Command::Withdraw {
            reason: "不再建设".into(),
        },
        compliance_pass(),
        Command::RequestRereview {
            note: "已修改".into(),
        },
        Command::EndDeclaration {
            reason: "未申请复审".into(),
        },
        score_cmd(true),
        Command::PreliminaryDecide {
            pass: true,
            opinion: "通过".into(),
        },
        form_panel(PanelPurpose::ExpertReview, &three_experts()),
        Command::PanelOpinion {
            opinion: opinion(true, Some(SUGGESTED)),
        },
        conclude(today()),
        re_examine(FINAL),
        approve(today()),
        budget(yuan(FINAL)),
        procure(yuan(CEILING), today()),
        sign(ContractArgs::default()),
        report("2026-06"),
        apply_acceptance_cmd(),
        Command::ReviewAcceptanceApplication {
            agree: true,
            opinion: "同意".into(),
        },
        Command::Reapply {
            note: "已整改".into(),
        },
        attach("other"),
        Command::ConfirmNeeds {
            statement: "需求确认".into(),
        },
        Command::SetProjectCode {
            code: "2026-330802-65-01-000001".into(),
            classified: false,
        },
        Command::ConfirmFundSource {
            source: "预算内调剂".into(),
            opinion: String::new(),
        },
        Command::LiftOmStop {
            reason: "整改合格".into(),
        },
    ]
}

// ---------------------------------------------------------------------------------------------
// Deciding and applying
// ---------------------------------------------------------------------------------------------

pub fn run(ctx: &ProjectContext, actor: &Actor, cmd: Command) -> Result<Decision, Refusal> {
    decide(ctx, actor, cmd, &profile(), today())
}

pub fn run_on(
    ctx: &ProjectContext,
    actor: &Actor,
    cmd: Command,
    on: Date,
) -> Result<Decision, Refusal> {
    decide(ctx, actor, cmd, &profile(), on)
}

/// Decide and apply; panics on a refusal.
pub fn step(ctx: &mut ProjectContext, actor: &Actor, cmd: Command, on: Date) -> Decision {
    let dec = decide(ctx, actor, cmd.clone(), &profile(), on)
        .unwrap_or_else(|e| panic!("{} refused: {e:?}", cmd.code()));
    apply(ctx, actor, &dec);
    dec
}

/// Apply a decision to the in-memory context the way the store does: the stage, then every
/// event's effect on the project and its records.
pub fn apply(ctx: &mut ProjectContext, actor: &Actor, dec: &Decision) {
    assert_eq!(ctx.project.stage, dec.from, "decision from a stale stage");
    ctx.project.stage = dec.to;
    ctx.project.version += 1;
    for e in &dec.events {
        match e {
            Event::Edited { input } => ctx.project.input = input.clone(),
            Event::Declared => {
                ctx.project.declared_at = Some("declared".into());
            }
            Event::OverrideRecorded { .. } | Event::OverrideReviewed { .. } => {
                tongchou_domain::overrides::apply(ctx, e, &actor.name)
            }
            Event::ComplianceChecked { .. } => {}
            Event::RereviewRequested => ctx.project.rereviews_used += 1,
            Event::PreliminaryScored {
                department,
                total,
                pass,
                ..
            } => ctx.preliminary_scores.push(PreliminaryScore {
                department: *department,
                user_id: actor.user_id,
                total: *total,
                pass: *pass,
            }),
            Event::PanelFormed {
                purpose,
                members,
                meeting_date,
                ..
            } => {
                ctx.open_panel = Some(Panel {
                    id: PanelId(ctx.project.version),
                    purpose: *purpose,
                    meeting_date: *meeting_date,
                    members: members
                        .iter()
                        .map(|c| PanelMember {
                            user_id: c.user_id,
                            name: c.name.clone(),
                            unit_id: c.unit_id,
                            opinion: None,
                        })
                        .collect(),
                    concluded: false,
                })
            }
            Event::PanelOpinionGiven { expert, opinion } => {
                let panel = ctx.open_panel.as_mut().expect("opinion without a panel");
                let m = panel
                    .members
                    .iter_mut()
                    .find(|m| m.user_id == *expert)
                    .expect("opinion from a non-member");
                m.opinion = Some(opinion.clone());
            }
            Event::PanelConcluded {
                purpose,
                suggested_amount,
                ..
            } => {
                if *purpose == PanelPurpose::ExpertReview && suggested_amount.is_some() {
                    ctx.project.suggested_amount = *suggested_amount;
                }
                ctx.open_panel = None;
            }
            Event::FinalAmountFixed { amount } => ctx.project.final_amount = Some(*amount),
            Event::ApprovalIssued {
                doc_no,
                doc_date,
                amount,
                ..
            } => {
                ctx.project.approved_amount = Some(*amount);
                ctx.project.approval_no = Some(doc_no.clone());
                ctx.project.approval_date = Some(*doc_date);
                ctx.next_approval_seq += 1;
            }
            Event::BudgetArranged {
                fiscal_year,
                amount,
            } => {
                ctx.project.budget_amount = Some(*amount);
                ctx.project.fiscal_year = Some(*fiscal_year);
            }
            Event::ProcurementRecorded {
                method,
                ceiling,
                doc_date,
            } => {
                ctx.procurement = Some(Procurement {
                    method: method.clone(),
                    ceiling: *ceiling,
                    doc_date: *doc_date,
                })
            }
            Event::ContractSigned {
                supplier,
                amount,
                signed_date,
                supervision,
                ..
            } => {
                ctx.contract = Some(Contract {
                    supplier: supplier.clone(),
                    amount: *amount,
                    signed_date: *signed_date,
                    supervision: supervision.clone(),
                })
            }
            Event::ProgressReported { month, .. } => ctx.reported_months.push(month.clone()),
            Event::InitialAccepted { date } => ctx.project.initial_acceptance_date = Some(*date),
            Event::AcceptanceApplied { .. } | Event::CostSharingPlanned { .. } => {}
            Event::RectificationOrdered { due } => ctx.project.rectify_due = Some(*due),
            Event::Ended { reason } => ctx.project.ended_reason = Some(reason.clone()),
            Event::ConsequenceProposed {
                obligation,
                consequence,
            } => ctx
                .pending_consequences
                .push((obligation.clone(), consequence.clone())),
            Event::ConsequenceConfirmed { obligation }
            | Event::ConsequenceWaived { obligation, .. } => {
                ctx.pending_consequences.retain(|(o, _)| o != obligation)
            }
            Event::Attached { kind, .. } => {
                if !ctx.attachment_kinds.contains(kind) {
                    ctx.attachment_kinds.push(kind.clone());
                }
            }
            // Payments, changes, termination, overrun: the domain's own model of the records.
            other => tongchou_domain::funds::apply(ctx, other),
        }
    }
}

/// Calendar helpers re-exported for the tests.
pub fn plus_days(d: Date, n: i64) -> Date {
    add_days(d, n)
}
pub fn plus_months(d: Date, n: u32) -> Date {
    add_months(d, n)
}
