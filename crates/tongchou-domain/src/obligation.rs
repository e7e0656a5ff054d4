//! Obligations: every dated duty becomes an obligation when its trigger happens, counted the way
//! the regulation counts it (SPEC §0: 工作日 only where the text says so; calendar months
//! elsewhere, a last day on a rest day moving to the next working day), and is fulfilled by the
//! action that satisfies it. [`changes`] is a pure function of a decision.
use crate::calendar::{Calendar, Counted};
use crate::lifecycle::{Decision, Event};
use crate::profile::{Citation, Profile};
use crate::project::{Funding, Project};
use crate::{Date, Role};
use serde::{Deserialize, Serialize};

/// A new obligation on the project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewObligation {
    /// Unique per project, e.g. `procurement`, `progress_2026-11`.
    pub code: String,
    pub title: String,
    pub cite: Citation,
    pub trigger: Date,
    pub due: Date,
    /// Who must act.
    pub owner: Role,
    /// Set when the count crossed a year the calendar does not know.
    pub warning: Option<String>,
}

/// What a decision does to the project's obligations.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Changes {
    pub new: Vec<NewObligation>,
    /// (code, fulfilled on)
    pub fulfil: Vec<(String, Date)>,
    /// Every open obligation is cancelled (the project ended).
    pub cancel_all: bool,
    /// Open obligations whose code starts with this prefix end with the duty (monthly reports
    /// when construction ends): those already due before the date lapse unmet, later ones are
    /// cancelled.
    pub lapse_prefix: Option<(String, Date)>,
    /// Further prefixes that lapse as `lapse_prefix` does (a stopped system's assessments and
    /// its vulnerabilities' fixes).
    #[serde(default)]
    pub also_lapse: Vec<(String, Date)>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.new.is_empty()
            && self.fulfil.is_empty()
            && !self.cancel_all
            && self.lapse_prefix.is_none()
            && self.also_lapse.is_empty()
    }
}

/// How an obligation stands today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 待办, more than a week left
    Due,
    /// 即将到期, a week or less
    DueSoon,
    /// 已逾期
    Overdue,
    /// 按期完成
    Fulfilled,
    /// 逾期完成
    FulfilledLate,
    /// 已取消 (the project ended)
    Cancelled,
    /// 未履行 (the duty ended unmet, e.g. a monthly report never sent)
    Missed,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Due => "待办",
            Status::DueSoon => "即将到期",
            Status::Overdue => "已逾期",
            Status::Fulfilled => "按期完成",
            Status::FulfilledLate => "逾期完成",
            Status::Cancelled => "已取消",
            Status::Missed => "未履行",
        }
    }
    /// The tag colour class.
    pub fn tag(self) -> &'static str {
        match self {
            Status::Due => "tag-review",
            Status::DueSoon => "tag-warn",
            Status::Overdue | Status::FulfilledLate | Status::Missed => "tag-bad",
            Status::Fulfilled => "tag-ok",
            Status::Cancelled => "tag-ended",
        }
    }
}

/// Days left until `due` (negative when overdue).
pub fn days_left(due: Date, today: Date) -> i64 {
    (due - today).get_days() as i64
}

/// Stored states of an obligation.
pub const OPEN: &str = "open";
pub const FULFILLED: &str = "fulfilled";
pub const CANCELLED: &str = "cancelled";
pub const LAPSED: &str = "lapsed";

/// The status of an obligation from its stored state, due date and fulfilment.
pub fn status(state: &str, due: Date, fulfilled_on: Option<Date>, today: Date) -> Status {
    match (state, fulfilled_on) {
        (CANCELLED, _) => Status::Cancelled,
        (LAPSED, _) => Status::Missed,
        (_, Some(f)) if f <= due => Status::Fulfilled,
        (_, Some(_)) => Status::FulfilledLate,
        _ if today > due => Status::Overdue,
        _ if days_left(due, today) <= 7 => Status::DueSoon,
        _ => Status::Due,
    }
}

fn obligation(
    code: impl Into<String>,
    title: impl Into<String>,
    cite: &Citation,
    trigger: Date,
    due: Counted,
    owner: Role,
) -> NewObligation {
    NewObligation {
        code: code.into(),
        title: title.into(),
        cite: cite.clone(),
        trigger,
        warning: due.warning(),
        due: due.date,
        owner,
    }
}

/// The monthly progress report for the month of `d`: due on the profile's day of that month,
/// the day itself included ("每月20日前").
pub fn monthly_report(d: Date, profile: &Profile) -> NewObligation {
    let due = Calendar::day_of_month(d, profile.progress_report_day as i8);
    let month = d.strftime("%Y-%m").to_string();
    NewObligation {
        code: format!("progress_{month}"),
        title: format!(
            "报送 {month} 建设进度（{}日前）",
            profile.progress_report_day
        ),
        cite: profile.progress_cite.clone(),
        trigger: Date::new(d.year(), d.month(), 1).unwrap_or(d),
        due,
        owner: Role::Unit,
        warning: None,
    }
}

fn next_month(d: Date) -> Date {
    crate::lifecycle::add_months(Date::new(d.year(), d.month(), 1).unwrap_or(d), 1)
}

/// Whether [`changes`] needs the calendar for this decision (most transitions create no dated duty).
pub fn needs_calendar(d: &Decision) -> bool {
    d.events.iter().any(|e| {
        matches!(
            e,
            Event::ApprovalIssued { .. }
                | Event::ProcurementRecorded { .. }
                | Event::ContractSigned { .. }
                | Event::InitialAccepted { .. }
                | Event::RectificationOrdered { .. }
                | Event::Operation { .. }
                | Event::FinalAccepted { .. }
                | Event::OutcomeConfirmed { .. }
        )
    })
}

/// What a decision does to obligations. `today` is the day it is recorded.
pub fn changes(
    project: &Project,
    d: &Decision,
    profile: &Profile,
    cal: &Calendar,
    today: Date,
) -> Changes {
    let mut c = Changes::default();
    let filing = |code: &str, what: &str, doc_date: Date, c: &mut Changes| {
        // Filing within 5 working days of the document's own date; recording it here is the filing.
        let due = cal.add_working_days(doc_date, 5);
        c.new.push(obligation(
            code,
            format!("{what}生成后5个工作日内备案"),
            profile
                .filing_cite
                .as_ref()
                .unwrap_or(&profile.procurement_cite),
            doc_date,
            due,
            Role::Unit,
        ));
        c.fulfil.push((code.to_string(), today));
    };
    for e in &d.events {
        match e {
            Event::ApprovalIssued { doc_date, .. } => {
                // Documents due from other departments within N days (Quzhou 三(二)2).
                for doc in &profile.after_approval {
                    if let Some(days) = doc.days {
                        let label =
                            crate::profile::attachment_kind_label(&doc.kind).unwrap_or("文件");
                        c.new.push(obligation(
                            doc.kind.clone(),
                            format!(
                                "{}在受理后{days}天内出具{label}",
                                profile.role_name(doc.issuer)
                            ),
                            &doc.cite,
                            *doc_date,
                            cal.add_days(*doc_date, days),
                            doc.issuer,
                        ));
                    }
                }
                let due = cal.add_months(*doc_date, profile.procurement_months);
                c.new.push(obligation(
                    "procurement",
                    format!(
                        "立项发文后{}个月内完成采购（签订合同），逾期由主管部门取消立项指标",
                        profile.procurement_months
                    ),
                    &profile.procurement_cite,
                    *doc_date,
                    due,
                    Role::Unit,
                ));
                if project.input.funding != Funding::DistrictFiscal {
                    let due = cal.add_months(*doc_date, 24);
                    c.new.push(obligation(
                        "funding",
                        "非区级财政性资金项目立项文件有效期两年：两年内落实资金，否则取消立项指标",
                        &Citation::new(&profile.document, "第六章 项目预算"),
                        *doc_date,
                        due,
                        Role::Unit,
                    ));
                }
            }
            Event::BudgetArranged { .. } => c.fulfil.push(("funding".into(), today)),
            Event::ProcurementRecorded { doc_date, .. } => {
                filing("file_procurement", "采购文件", *doc_date, &mut c)
            }
            Event::ContractSigned { signed_date, .. } => {
                c.fulfil.push(("procurement".into(), *signed_date));
                filing("file_contract", "合同文件", *signed_date, &mut c);
                // Monthly reports start with the month the contract is signed.
                let first = monthly_report(*signed_date, profile);
                let first = if first.due < *signed_date {
                    monthly_report(next_month(*signed_date), profile)
                } else {
                    first
                };
                c.new.push(first);
            }
            Event::ProgressReported { month, .. } => {
                c.fulfil.push((format!("progress_{month}"), today));
                if let Ok(m) = format!("{month}-01").parse::<Date>() {
                    c.new.push(monthly_report(next_month(m), profile));
                }
            }
            Event::InitialAccepted { date } => {
                filing("file_initial_acceptance", "初验材料", *date, &mut c);
                // Shaoxing art.30: catalogue the system and collect its data within 10 working
                // days of initial acceptance (missed: no O&M money).
                if let Some(duty) = &profile.catalogue {
                    c.new.push(obligation(
                        "data_catalogue",
                        format!(
                            "初步验收完成{}个工作日内完成信息系统目录编制及数据归集（未完成的不再安排运行维护经费）",
                            duty.working_days
                        ),
                        &duty.cite,
                        *date,
                        cal.add_working_days(*date, duty.working_days),
                        Role::Unit,
                    ));
                }
                // SPEC §2.7 C2, the wait before the acceptance application: Shangcheng 第八章
                // 初验通过后开展不少于30天的试运行 (calendar days); Quzhou 三(三)5 全部功能模块完成
                // 初验3个月后…提出竣工验收申请 (calendar months, from the last module). Applying
                // earlier is refused (lifecycle); the due date is the first day the application
                // may be made, so a long wait shows as overdue — flagged, never blocked.
                if profile.trial_run_days > 0 {
                    let n = profile.trial_run_days;
                    c.new.push(obligation(
                        "trial_run",
                        format!("初验通过后开展不少于{n}天的试运行，期满且运行正常后提出验收申请"),
                        &profile.acceptance_cite,
                        *date,
                        cal.add_days(*date, n),
                        Role::Unit,
                    ));
                }
                if let Some(m) = profile.final_wait_months {
                    c.new.push(obligation(
                        "final_acceptance_wait",
                        format!("全部功能模块完成初验{m}个月后提出竣工验收申请（不得提前）"),
                        &profile.acceptance_cite,
                        *date,
                        cal.add_months(*date, m),
                        Role::Unit,
                    ));
                }
                // Monthly reports end with construction: any still open were not sent.
                c.lapse_prefix = Some(("progress_".into(), *date));
            }
            Event::RectificationOrdered { due } => {
                let due = cal.next_working_day(*due);
                c.new.push(obligation(
                    "rectification",
                    format!(
                        "验收不合格：{}个月内整改并再提请验收",
                        profile.rectify_months
                    ),
                    &profile.acceptance_cite,
                    today,
                    due,
                    Role::Unit,
                ));
            }
            // The upload is the fulfilment: the data catalogue (Shaoxing art.30), a document a
            // department issues after the approval (Quzhou 三(二)2).
            Event::Attached { kind, doc_date, .. }
                if kind == "data_catalogue"
                    || profile.after_approval.iter().any(|d| &d.kind == kind) =>
            {
                c.fulfil.push((kind.clone(), doc_date.unwrap_or(today)))
            }
            Event::Ended { .. } => c.cancel_all = true,
            Event::Operation { op } => crate::operation::obligation_changes(op, cal, today, &mut c),
            // Quzhou 三(四): 在项目终验完成正式运行1年后 … 绩效评价 (a profile parameter).
            Event::FinalAccepted { date } => {
                // Shangcheng 第六章 项目实施: 终验材料…生成后的5个工作日内…备案 (SPEC I2).
                filing("file_final_acceptance", "终验材料", *date, &mut c);
                if let Some(m) = profile.evaluation.first_due_months {
                    let due = cal.add_months(*date, m);
                    c.new.push(obligation(
                        "evaluation_first",
                        format!("终验完成正式运行{m}个月后开展首次绩效评价（建设单位自评）"),
                        &profile.evaluation.first_due_cite,
                        *date,
                        due,
                        Role::Unit,
                    ));
                }
            }
            Event::SelfEvaluated { .. } => c.fulfil.push(("evaluation_first".into(), today)),
            // Shaoxing art.34: 对没有实现项目建设目标的，督促项目建设单位限期整改.
            Event::OutcomeConfirmed {
                year,
                outcome: crate::evaluation::Outcome::Rectify,
                rectify_by: Some(by),
                ..
            } => {
                c.new.push(obligation(
                    &format!("evaluation_rectify_{year}"),
                    format!("{year} 年度绩效评价限期整改：{by} 前完成整改并报送整改情况"),
                    &Citation::new("绍兴市市级政务信息化项目管理办法", "第三十四条"),
                    today,
                    cal.next_working_day(*by),
                    Role::Unit,
                ));
            }
            Event::EvaluationRectified { year, .. } => {
                c.fulfil.push((format!("evaluation_rectify_{year}"), today))
            }
            _ => {}
        }
    }
    if d.action == "reapply" {
        c.fulfil.push(("rectification".into(), today));
    }
    if d.action == "apply_acceptance" {
        c.fulfil.push(("trial_run".into(), today));
        c.fulfil.push(("final_acceptance_wait".into(), today));
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    use crate::lifecycle::{Decision, Event};
    use crate::project::{BuildKind, Category, ProjectInput};
    use crate::{JurisdictionId, ProjectId, Stage, UnitId, UserId, Yuan};

    fn project(funding: Funding) -> Project {
        Project {
            id: ProjectId(1),
            code: "T".into(),
            unit_id: UnitId(1),
            unit_name: "区教育局".into(),
            jurisdiction_id: JurisdictionId(3),
            jurisdiction_path: "/1/2/3/".into(),
            input: ProjectInput {
                name: "测试项目".into(),
                year: 2026,
                build_kind: BuildKind::New,
                category: Category::Application,
                it_amount: Yuan::from_yuan(1_000_000),
                non_it_amount: Yuan::ZERO,
                security_amount: Yuan::from_yuan(60_000),
                funding,
                summary: "测试".into(),
                participants: vec![],
                responsible_person: "测试".into(),
                major_task: None,
                gov_function: None,
            },
            stage: Stage::ApprovalMeeting,
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
            created_at: String::new(),
            updated_at: String::new(),
            stage_since: String::new(),
            extra: Default::default(),
            history_head: Default::default(),
        }
    }

    fn decision(action: &str, events: Vec<Event>) -> Decision {
        Decision {
            action: action.into(),
            from: Stage::ApprovalMeeting,
            to: Stage::Approved,
            events,
            summary: String::new(),
            opinion: String::new(),
        }
    }

    // Shangcheng 第六章 项目实施: 立项发文后6个月内未完成采购的…取消相应立项指标; calendar months,
    // last day off a rest day (Civil Code art. 203).
    #[test]
    fn approval_creates_six_month_procurement_obligation_rolled_off_national_day() {
        let cal = Calendar::builtin();
        let p = project(Funding::DistrictFiscal);
        let dec = decision(
            "approve",
            vec![Event::ApprovalIssued {
                doc_no: "x".into(),
                seq: 1,
                doc_date: d("2026-04-01"),
                amount: Yuan::from_yuan(1),
            }],
        );
        let c = changes(&p, &dec, &Profile::shangcheng(), &cal, d("2026-04-01"));
        assert_eq!(
            c.new.len(),
            1,
            "district fiscal money: no two-year funding obligation"
        );
        let o = &c.new[0];
        assert_eq!(o.code, "procurement");
        assert!(
            o.due > d("2026-10-01") && cal.is_working(o.due),
            "2026-10-01 is National Day: {}",
            o.due
        );
        assert!(o.cite.article.contains("项目实施"));
    }

    // Shangcheng 第六章 项目预算: 非区级财政性资金投资建设的项目立项文件有效期两年
    #[test]
    fn non_district_money_creates_two_year_funding_obligation_fulfilled_by_budget() {
        let cal = Calendar::builtin();
        let p = project(Funding::HigherTransfer);
        let d1 = decision(
            "approve",
            vec![Event::ApprovalIssued {
                doc_no: "x".into(),
                seq: 1,
                doc_date: d("2025-03-03"),
                amount: Yuan::from_yuan(1),
            }],
        );
        let c = changes(&p, &d1, &Profile::shangcheng(), &cal, d("2025-03-03"));
        let f = c
            .new
            .iter()
            .find(|o| o.code == "funding")
            .expect("funding obligation");
        assert_eq!(f.due, d("2027-03-03"));
        assert!(f.warning.is_some(), "2027's schedule is not built in");
        let d2 = decision(
            "budget",
            vec![Event::BudgetArranged {
                fiscal_year: 2025,
                amount: Yuan::from_yuan(1),
            }],
        );
        assert_eq!(
            changes(&p, &d2, &Profile::shangcheng(), &cal, d("2025-06-01")).fulfil,
            vec![("funding".to_string(), d("2025-06-01"))]
        );
    }

    // Shangcheng 第六章 项目实施: 合同文件…生成后的5个工作日内…备案
    #[test]
    fn contract_recorded_after_five_working_days_is_fulfilled_late() {
        let cal = Calendar::builtin();
        let p = project(Funding::DistrictFiscal);
        let ev = Event::ContractSigned {
            supplier: "s".into(),
            amount: Yuan::from_yuan(1),
            signed_date: d("2025-09-29"),
            period_months: 6,
            maintenance_years: 2,
            clauses: vec![],
            supervision: None,
        };
        let c = changes(
            &p,
            &decision("sign_contract", vec![ev]),
            &Profile::shangcheng(),
            &cal,
            d("2025-10-14"),
        );
        let filing = c.new.iter().find(|o| o.code == "file_contract").unwrap();
        assert_eq!(
            filing.due,
            d("2025-10-13"),
            "five working days across National Day 2025"
        );
        assert!(c
            .fulfil
            .contains(&("file_contract".to_string(), d("2025-10-14"))));
        assert_eq!(
            status(
                FULFILLED,
                filing.due,
                Some(d("2025-10-14")),
                d("2025-10-14")
            ),
            Status::FulfilledLate
        );
        assert!(
            c.fulfil
                .contains(&("procurement".to_string(), d("2025-09-29"))),
            "signing completes procurement"
        );
        let report = c
            .new
            .iter()
            .find(|o| o.code.starts_with("progress_"))
            .unwrap();
        assert_eq!(
            report.code, "progress_2025-10",
            "signed after the 20th: the first report is next month's"
        );
        assert_eq!(report.due, d("2025-10-20"));
    }

    // Shangcheng 项目实施: monthly reports run "while in construction"; reports still open when
    // construction ends were not sent and lapse (shown as 未履行, no longer due).
    #[test]
    fn initial_acceptance_files_within_five_working_days_and_lapses_open_reports() {
        let cal = Calendar::builtin();
        let c = changes(
            &project(Funding::DistrictFiscal),
            &decision(
                "conclude_panel",
                vec![Event::InitialAccepted {
                    date: d("2026-01-30"),
                }],
            ),
            &Profile::shangcheng(),
            &cal,
            d("2026-01-30"),
        );
        assert_eq!(
            c.lapse_prefix,
            Some(("progress_".to_string(), d("2026-01-30")))
        );
        let filing = c
            .new
            .iter()
            .find(|o| o.code == "file_initial_acceptance")
            .unwrap();
        // 2026: Spring Festival Feb 15–23 off, Feb 14 (Sat) and Feb 28 (Sat) make-up days.
        assert_eq!(filing.due, cal.add_working_days(d("2026-01-30"), 5).date);
        assert!(filing.due >= d("2026-02-06"));
    }

    #[test]
    fn an_ended_project_cancels_its_open_obligations() {
        let cal = Calendar::builtin();
        let c = changes(
            &project(Funding::DistrictFiscal),
            &decision("withdraw", vec![Event::Ended { reason: "x".into() }]),
            &Profile::shangcheng(),
            &cal,
            d("2026-01-05"),
        );
        assert!(c.cancel_all);
    }

    #[test]
    fn status_follows_due_date_and_fulfilment() {
        let due = d("2026-03-20");
        assert_eq!(status(OPEN, due, None, d("2026-03-01")), Status::Due);
        assert_eq!(status(OPEN, due, None, d("2026-03-13")), Status::DueSoon);
        assert_eq!(
            status(OPEN, due, None, d("2026-03-20")),
            Status::DueSoon,
            "the last day is still in time"
        );
        assert_eq!(status(OPEN, due, None, d("2026-03-21")), Status::Overdue);
        assert_eq!(status(LAPSED, due, None, d("2026-04-01")), Status::Missed);
        assert_eq!(
            status(FULFILLED, due, Some(d("2026-03-20")), d("2026-04-01")),
            Status::Fulfilled
        );
        assert_eq!(
            status(FULFILLED, due, Some(d("2026-03-21")), d("2026-04-01")),
            Status::FulfilledLate
        );
        assert_eq!(
            status(CANCELLED, due, None, d("2026-04-01")),
            Status::Cancelled
        );
        assert_eq!(days_left(due, d("2026-03-18")), 2);
    }

    // Shangcheng 第八章: 项目初验通过后开展不少于30天的试运行 — calendar days; 2025-10-05 falls in
    // National Day 2025 (Oct 1–8 off), so the first day to apply is the next working day.
    #[test]
    fn initial_acceptance_starts_a_thirty_day_trial_run_fulfilled_by_the_application() {
        let cal = Calendar::builtin();
        let p = project(Funding::DistrictFiscal);
        let c = changes(
            &p,
            &decision(
                "conclude_panel",
                vec![Event::InitialAccepted {
                    date: d("2025-09-05"),
                }],
            ),
            &Profile::shangcheng(),
            &cal,
            d("2025-09-05"),
        );
        let t = c.new.iter().find(|o| o.code == "trial_run").unwrap();
        assert_eq!(t.due, d("2025-10-09"));
        assert!(t.title.contains("不少于30天"));
        assert!(t.cite.article.contains("第八章"), "{}", t.cite);
        assert!(
            !c.new.iter().any(|o| o.code == "final_acceptance_wait"),
            "Shangcheng sets no months-long wait"
        );
        let a = changes(
            &p,
            &decision("apply_acceptance", vec![]),
            &Profile::shangcheng(),
            &cal,
            d("2025-10-10"),
        );
        assert!(a
            .fulfil
            .contains(&("trial_run".to_string(), d("2025-10-10"))));
    }

    // Quzhou 三(三)5: 项目全部功能模块完成初验3个月后,业主单位…提出竣工验收申请 — calendar months;
    // 2026-02-17 is in Spring Festival 2026 (Feb 15–23 off): the first day is Feb 24.
    #[test]
    fn quzhou_final_acceptance_application_waits_three_months_after_the_last_module() {
        let cal = Calendar::builtin();
        let c = changes(
            &project(Funding::DistrictFiscal),
            &decision(
                "accept_module",
                vec![Event::InitialAccepted {
                    date: d("2025-11-17"),
                }],
            ),
            &Profile::quzhou(),
            &cal,
            d("2025-11-17"),
        );
        let w = c
            .new
            .iter()
            .find(|o| o.code == "final_acceptance_wait")
            .unwrap();
        assert_eq!(w.due, d("2026-02-24"));
        assert!(w.cite.article.contains("三(三)5"), "{}", w.cite);
        assert!(
            !c.new.iter().any(|o| o.code == "trial_run"),
            "Quzhou sets no trial-run days"
        );
    }

    // Shangcheng 第六章 项目实施: 采购文件、合同文件、初验材料、终验材料等…生成后的5个工作日内…备案;
    // recording the final acceptance is the filing. 2026-09-30 + 5 working days crosses National
    // Day 2026.
    #[test]
    fn final_acceptance_materials_are_filed_within_five_working_days() {
        let cal = Calendar::builtin();
        let c = changes(
            &project(Funding::DistrictFiscal),
            &decision(
                "conclude_panel",
                vec![Event::FinalAccepted {
                    date: d("2026-09-30"),
                }],
            ),
            &Profile::shangcheng(),
            &cal,
            d("2026-10-12"),
        );
        let f = c
            .new
            .iter()
            .find(|o| o.code == "file_final_acceptance")
            .unwrap();
        assert_eq!(f.due, cal.add_working_days(d("2026-09-30"), 5).date);
        assert!(f.due > d("2026-10-07"), "{}", f.due);
        assert!(c
            .fulfil
            .contains(&("file_final_acceptance".to_string(), d("2026-10-12"))));
    }

    // Shangcheng 项目实施: 每月20日前报送 — the 20th included; a contract signed after the 20th
    // starts with next month's report.
    #[test]
    fn monthly_report_is_due_on_the_twentieth() {
        let p = Profile::shangcheng();
        let o = monthly_report(d("2026-02-03"), &p);
        assert_eq!(o.code, "progress_2026-02");
        assert_eq!(o.due, d("2026-02-20"));
    }
}
