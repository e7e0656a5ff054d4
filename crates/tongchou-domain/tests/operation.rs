//! Domain tests of systems in operation (`operation`): cloud resources, security records and
//! going live, vulnerabilities, stopping, the data catalogue and its fix window. Each test cites
//! the article it checks.

mod support;

use support::*;
use tongchou_domain::calendar::Calendar;
use tongchou_domain::lifecycle::{decide, propose_consequence, Command, Decision, Event, Refusal};
use tongchou_domain::obligation::changes;
use tongchou_domain::operation::{
    self, apply_all, CloudKind, OpCommand, OpEvent, OpsState, SecurityKind, ShareAttr, SystemInput,
    SystemState,
};
use tongchou_domain::project::ProjectContext;
use tongchou_domain::{Actor, Date, Stage, Yuan};

const SC: &str = "上城区电子政务项目管理办法（征求意见稿）";
const SHAOXING: &str = "绍兴市市级政务信息化项目管理办法";

type Outcome = Result<Decision, Refusal>;

#[track_caller]
fn ok(r: Outcome) -> Decision {
    r.unwrap_or_else(|e| panic!("expected success, got {e:?}"))
}

#[track_caller]
fn rule(r: Outcome, document: &str, article: &str) -> String {
    match r {
        Err(Refusal::Rule { message, cite }) => {
            assert_eq!(
                (cite.document.as_str(), cite.article.as_str()),
                (document, article)
            );
            message
        }
        other => panic!("expected Rule ({article}), got {other:?}"),
    }
}

fn system(level: u8, internet: bool, gov_cloud: bool, important: bool) -> SystemInput {
    SystemInput {
        name: "基层治理四平台".into(),
        operating_body: "杭州某运维服务有限公司".into(),
        responsible_person: "陈运维".into(),
        om_rules: "《基层治理四平台运行维护管理制度》".into(),
        om_amount: Yuan::from_yuan(180_000),
        internet_facing: internet,
        gov_cloud,
        level,
        important,
    }
}

/// A project in operation with its systems, applying decisions the way the store does.
struct World {
    ctx: ProjectContext,
    ops: OpsState,
}

impl World {
    fn new(input: SystemInput) -> World {
        let mut w = World {
            ctx: at(Stage::InOperation),
            ops: OpsState::default(),
        };
        w.run(&unit_clerk(), OpCommand::AddSystem { input });
        w
    }
    fn try_run(&self, actor: &Actor, cmd: OpCommand) -> Outcome {
        operation::decide(&self.ctx.project, &self.ops, actor, cmd, today())
    }
    #[track_caller]
    fn run(&mut self, actor: &Actor, cmd: OpCommand) -> Decision {
        let d = ok(self.try_run(actor, cmd));
        apply_all(&mut self.ops, &d.events);
        d
    }
    fn sys(&self) -> &operation::System {
        &self.ops.systems[0]
    }
    fn register(&mut self) {
        self.run(
            &unit_clerk(),
            OpCommand::Register {
                system: 1,
                reference: "SX-XT-2026-0012".into(),
                date: d(2026, 6, 1),
            },
        );
    }
    fn security(&mut self, kind: SecurityKind, date: Date, fixed: bool) -> Decision {
        self.run(
            &unit_clerk(),
            OpCommand::RecordSecurity {
                system: 1,
                kind,
                reference: format!("{}-001", kind.code()),
                date,
                findings_fixed: fixed,
                note: String::new(),
            },
        )
    }
    fn go_live(&self) -> Outcome {
        self.try_run(
            &unit_clerk(),
            OpCommand::GoLive {
                system: 1,
                date: today(),
                override_reason: None,
            },
        )
    }
}

fn request_host() -> OpCommand {
    OpCommand::RequestCloud {
        system: 1,
        kind: CloudKind::Host,
        spec: "8核16G".into(),
        quantity: 2,
    }
}

fn obligations_of(d: &Decision, ctx: &ProjectContext) -> tongchou_domain::obligation::Changes {
    changes(&ctx.project, d, &profile(), &Calendar::builtin(), today())
}

// Shaoxing art.20: 运行管理实行项目建设单位负责制 — the unit names the operating body, its rules
// and O&M money; another unit, or the authority, cannot.
#[test]
fn only_the_building_unit_records_its_systems_and_audit_only_reads() {
    let w = World::new(system(2, false, true, false));
    assert_eq!(w.sys().input.operating_body, "杭州某运维服务有限公司");
    assert_eq!(w.sys().state, SystemState::Pending);
    for a in [authority(), audit()] {
        assert!(matches!(
            w.try_run(&a, request_host()),
            Err(Refusal::Forbidden(_))
        ));
    }
    assert!(matches!(
        w.try_run(
            &other_clerk(),
            OpCommand::AddSystem {
                input: system(1, false, false, false)
            }
        ),
        Err(Refusal::NotVisible) | Err(Refusal::Forbidden(_))
    ));
    let mut bad = system(6, false, false, false);
    bad.operating_body = " ".into();
    assert!(matches!(
        w.try_run(&unit_clerk(), OpCommand::AddSystem { input: bad }),
        Err(Refusal::Invalid { .. })
    ));
}

// Shaoxing art.29: 项目建设单位应在申请云资源前，通过“绍兴市公共数据平台”完成信息系统登记.
#[test]
fn cloud_request_before_registration_is_refused() {
    let mut w = World::new(system(2, false, true, false));
    let m = rule(
        w.try_run(&unit_clerk(), request_host()),
        SHAOXING,
        "第二十九条",
    );
    assert!(m.contains("登记"), "{m}");
    w.register();
    w.run(&unit_clerk(), request_host());
    assert_eq!(w.sys().cloud.len(), 1);
}

// Shaoxing art.18: 及时申请增加或减配云资源 — changes up and down, release; the totals count
// what is in use.
#[test]
fn cloud_changes_up_and_down_and_release_update_the_totals() {
    let mut w = World::new(system(2, false, true, false));
    w.register();
    w.run(&unit_clerk(), request_host());
    w.run(
        &unit_clerk(),
        OpCommand::RequestCloud {
            system: 1,
            kind: CloudKind::Storage,
            spec: "对象存储 TB".into(),
            quantity: 10,
        },
    );
    let up = w.run(
        &unit_clerk(),
        OpCommand::ChangeCloud {
            system: 1,
            resource: 1,
            spec: String::new(),
            quantity: 4,
        },
    );
    assert!(up.summary.contains("增加"), "{}", up.summary);
    let down = w.run(
        &unit_clerk(),
        OpCommand::ChangeCloud {
            system: 1,
            resource: 1,
            spec: String::new(),
            quantity: 3,
        },
    );
    assert!(down.summary.contains("减配"), "{}", down.summary);
    let totals = w.sys().cloud_totals();
    assert_eq!(totals.len(), 2);
    assert_eq!((totals[0].kind, totals[0].quantity), (CloudKind::Host, 3));
    w.run(
        &unit_clerk(),
        OpCommand::ReleaseCloud {
            system: 1,
            resource: 2,
        },
    );
    assert_eq!(w.sys().cloud_totals().len(), 1);
    assert!(matches!(
        w.try_run(
            &unit_clerk(),
            OpCommand::ReleaseCloud {
                system: 1,
                resource: 2
            }
        ),
        Err(Refusal::Invalid { .. })
    ));
}

// Shaoxing art.36: 使用市级政务云平台的项目，上线前必须提供信息系统安全评估报告及信息安全方案.
#[test]
fn going_live_without_security_report_is_refused() {
    let mut w = World::new(system(1, false, true, false));
    let m = rule(w.go_live(), SHAOXING, "第三十六条");
    assert!(
        m.contains("安全评估报告") && m.contains("信息安全方案"),
        "{m}"
    );
    w.security(SecurityKind::Report, d(2026, 6, 1), false);
    let m = rule(w.go_live(), SHAOXING, "第三十六条");
    assert!(
        !m.contains("安全评估报告") && m.contains("信息安全方案"),
        "{m}"
    );
    w.security(SecurityKind::Plan, d(2026, 6, 1), false);
    let d1 = ok(w.go_live());
    apply_all(&mut w.ops, &d1.events);
    assert_eq!(w.sys().state, SystemState::Live);
}

// Shaoxing art.36: 部署于互联网或等保二级及以上的系统，上线前还需提交等级保护测评备案证明或安全
// 渗透测试报告，并已根据报告整改到位.
#[test]
fn internet_facing_system_needs_filing_or_fixed_pentest_before_going_live() {
    let mut w = World::new(system(1, true, false, false));
    rule(w.go_live(), SHAOXING, "第三十六条");
    w.security(SecurityKind::Pentest, d(2026, 6, 2), false);
    let m = rule(w.go_live(), SHAOXING, "第三十六条");
    assert!(
        m.contains("渗透测试"),
        "a pen-test with findings not fixed is not enough: {m}"
    );
    w.security(SecurityKind::Pentest, d(2026, 6, 10), true);
    ok(w.go_live());
    // Level 2 (not on the internet): the 等保 filing proof also does.
    let mut w = World::new(system(2, false, false, false));
    rule(w.go_live(), SHAOXING, "第三十六条");
    w.security(SecurityKind::Filing, d(2026, 5, 20), false);
    ok(w.go_live());
}

// Shangcheng 第六章 项目实施: 网络安全等级第三级（含）以上的项目系统应当每年开展一次等保测评 —
// due one year after the last assessment (calendar period, SPEC §0), fulfilled by the next.
#[test]
fn level_three_assessment_obligation_is_due_a_year_after_the_last() {
    let mut w = World::new(system(3, false, false, false));
    let d1 = w.security(SecurityKind::Assessment, d(2026, 3, 16), false);
    let c = obligations_of(&d1, &w.ctx);
    assert_eq!(c.new.len(), 1);
    let o = &c.new[0];
    assert_eq!(o.due, d(2027, 3, 16));
    assert_eq!(o.cite.document, SC);
    assert!(o.title.contains("每年"));
    let code = o.code.clone();
    // The next assessment fulfils it and opens the following year's.
    let d2 = w.security(SecurityKind::Assessment, d(2026, 6, 10), false);
    let c = obligations_of(&d2, &w.ctx);
    assert_eq!(c.fulfil, vec![(code, d(2026, 6, 10))]);
    assert_eq!(c.new[0].due, d(2027, 6, 10));
    // A level-2 system has no yearly assessment duty.
    let mut w2 = World::new(system(2, false, false, false));
    let d3 = w2.security(SecurityKind::Assessment, d(2026, 3, 16), false);
    assert!(obligations_of(&d3, &w2.ctx).new.is_empty());
}

// Shangcheng 第六章 项目实施: a level-3 system going live without an assessment yet gets its first
// yearly assessment due a year after going live.
#[test]
fn level_three_system_going_live_opens_its_first_yearly_assessment() {
    let mut w = World::new(system(3, false, false, false));
    w.security(SecurityKind::Filing, d(2026, 6, 1), false);
    let dec = ok(w.go_live());
    let c = obligations_of(&dec, &w.ctx);
    assert_eq!(c.new.len(), 1);
    assert_eq!(c.new[0].due, d(2027, 6, 15));
    let first = c.new[0].code.clone();
    apply_all(&mut w.ops, &dec.events);
    // An assessment the same day fulfils it and opens a distinct next one.
    let a = w.security(SecurityKind::Assessment, today(), false);
    let c = obligations_of(&a, &w.ctx);
    assert_eq!(c.fulfil, vec![(first.clone(), today())]);
    assert_ne!(c.new[0].code, first);
}

// Shangcheng 第六章 项目实施: 重要信息系统应当开展商用密码应用安全性评估 — no date in the text, so a
// default rule: going live without a 密评 needs a recorded reason.
#[test]
fn important_system_without_crypto_assessment_goes_live_only_with_a_reason() {
    let w = World::new(system(1, false, false, true));
    match w.go_live() {
        Err(Refusal::NeedsOverride { rule, cite, .. }) => {
            assert_eq!(rule, "crypto_assessment");
            assert_eq!(cite.document, SC);
        }
        other => panic!("expected NeedsOverride, got {other:?}"),
    }
    let dec = ok(w.try_run(
        &unit_clerk(),
        OpCommand::GoLive {
            system: 1,
            date: today(),
            override_reason: Some("密评已委托，下月出具报告".into()),
        },
    ));
    assert!(dec
        .events
        .iter()
        .any(|e| matches!(e, Event::OverrideRecorded { .. })));
    let mut w = World::new(system(1, false, false, true));
    w.security(SecurityKind::Crypto, d(2026, 6, 1), false);
    ok(w.go_live());
}

// Shaoxing art.37: 若存在安全隐患和系统漏洞，应及时修复。安全隐患消除后，方可重新上线运行；若无法
// 修复，系统应予关停.
#[test]
fn unfixable_vulnerability_shuts_the_system_down_until_the_fix_is_recorded() {
    let mut w = World::new(system(1, false, false, false));
    let live = ok(w.go_live());
    apply_all(&mut w.ops, &live.events);
    w.run(
        &unit_clerk(),
        OpCommand::ReportVuln {
            system: 1,
            description: "Struts2 远程代码执行".into(),
            found: d(2026, 6, 1),
            fix_deadline: d(2026, 6, 8),
        },
    );
    w.run(
        &unit_clerk(),
        OpCommand::VulnUnfixable {
            system: 1,
            vuln: 1,
            date: d(2026, 6, 9),
            note: "框架已停止维护".into(),
        },
    );
    assert_eq!(w.sys().state, SystemState::ShutDown);
    let m = rule(w.go_live(), SHAOXING, "第三十七条");
    assert!(m.contains("Struts2"), "{m}");
    w.run(
        &unit_clerk(),
        OpCommand::FixVuln {
            system: 1,
            vuln: 1,
            date: d(2026, 6, 14),
            note: "升级框架至新版本".into(),
        },
    );
    let back = ok(w.go_live());
    assert!(back.summary.contains("重新上线"));
    apply_all(&mut w.ops, &back.events);
    assert_eq!(w.sys().state, SystemState::Live);
}

// Shaoxing art.37: 若存在安全隐患和系统漏洞，应及时修复 — the fix deadline the unit records is a
// dated duty (overdue on the boards, on the unit's to-do list); the fix meets it, so does the
// shutdown of a system whose vulnerability cannot be fixed; stopping the system ends it.
#[test]
fn vulnerability_fix_is_an_obligation_due_by_its_deadline() {
    let report = |w: &mut World, what: &str| {
        w.run(
            &unit_clerk(),
            OpCommand::ReportVuln {
                system: 1,
                description: what.into(),
                found: d(2026, 6, 1),
                fix_deadline: d(2026, 6, 8),
            },
        )
    };
    let mut w = World::new(system(1, false, false, false));
    let live = ok(w.go_live());
    apply_all(&mut w.ops, &live.events);
    let dec = report(&mut w, "弱口令");
    let c = obligations_of(&dec, &w.ctx);
    assert_eq!(c.new.len(), 1, "{c:?}");
    let o = &c.new[0];
    assert_eq!(
        (o.code.as_str(), o.due, o.trigger),
        ("vuln-fix-1-1", d(2026, 6, 8), d(2026, 6, 1))
    );
    assert_eq!(
        (o.cite.document.as_str(), o.cite.article.as_str()),
        (SHAOXING, "第三十七条")
    );
    assert!(o.title.contains("弱口令"), "{}", o.title);
    // Fixed (late): the duty is fulfilled on the fix date.
    let fix = w.run(
        &unit_clerk(),
        OpCommand::FixVuln {
            system: 1,
            vuln: 1,
            date: d(2026, 6, 10),
            note: "已修改口令策略".into(),
        },
    );
    assert_eq!(
        obligations_of(&fix, &w.ctx).fulfil,
        vec![("vuln-fix-1-1".to_string(), d(2026, 6, 10))]
    );
    // Unfixable: the shutdown meets the rule, the duty is fulfilled too.
    report(&mut w, "Struts2 远程代码执行");
    let shut = w.run(
        &unit_clerk(),
        OpCommand::VulnUnfixable {
            system: 1,
            vuln: 2,
            date: d(2026, 6, 9),
            note: "框架已停止维护".into(),
        },
    );
    assert_eq!(
        obligations_of(&shut, &w.ctx).fulfil,
        vec![("vuln-fix-1-2".to_string(), d(2026, 6, 9))]
    );
    // A stopped system's open vulnerability fixes end with it.
    let mut w = World::new(system(1, false, false, false));
    let live = ok(w.go_live());
    apply_all(&mut w.ops, &live.events);
    report(&mut w, "目录遍历");
    w.run(
        &unit_clerk(),
        OpCommand::Backup {
            system: 1,
            date: today(),
            note: "全量备份".into(),
        },
    );
    let stop = w.run(
        &unit_clerk(),
        OpCommand::Stop {
            system: 1,
            date: today(),
            reason: "系统停用".into(),
        },
    );
    assert!(
        obligations_of(&stop, &w.ctx)
            .also_lapse
            .contains(&("vuln-fix-1-".to_string(), today())),
        "{:?}",
        obligations_of(&stop, &w.ctx)
    );
}

// Shaoxing art.18: 系统停用后，项目建设单位应做好系统备份工作，及时关停系统，并注销使用云资源.
#[test]
fn stop_refused_without_backup_and_releases_all_cloud() {
    let mut w = World::new(system(2, false, true, false));
    w.register();
    w.run(&unit_clerk(), request_host());
    w.run(&unit_clerk(), request_host());
    let stop = || OpCommand::Stop {
        system: 1,
        date: today(),
        reason: "职能划转，系统停用".into(),
    };
    let m = rule(w.try_run(&unit_clerk(), stop()), SHAOXING, "第十八条");
    assert!(m.contains("备份"), "{m}");
    w.run(
        &unit_clerk(),
        OpCommand::Backup {
            system: 1,
            date: today(),
            note: "全量备份至政务云备份存储".into(),
        },
    );
    let dec = w.run(&unit_clerk(), stop());
    let released = dec
        .events
        .iter()
        .filter(|e| {
            matches!(
                e,
                Event::Operation {
                    op: OpEvent::CloudReleased { .. }
                }
            )
        })
        .count();
    assert_eq!(released, 2);
    assert_eq!(w.sys().state, SystemState::Stopped);
    assert!(w.sys().cloud_totals().is_empty());
    // A stopped system takes no new cloud.
    assert!(matches!(
        w.try_run(&unit_clerk(), request_host()),
        Err(Refusal::Invalid { .. })
    ));
}

// Shangcheng 第九章: 对不按照数据共享规范要求共享目录资源的建设单位，应在3个月内完成整改，未完成
// 整改的，予以下架 — the authority records the finding; a 3-month obligation; overdue → a
// proposal to the authority; confirmed → the system is taken down, the project goes on.
#[test]
fn catalogue_fix_window_is_three_months_then_take_down_is_proposed() {
    let mut w = World::new(system(2, false, false, false));
    w.run(
        &unit_clerk(),
        OpCommand::AddData {
            system: 1,
            name: "网格事件数据".into(),
            unit: "区社会治理中心".into(),
            format: "结构化（库表）".into(),
            share: ShareAttr::Conditional,
            open: operation::OpenAttr::None,
        },
    );
    let finding = || OpCommand::CatalogueFinding {
        system: 1,
        date: d(2026, 3, 2),
        problems: "目录未挂接共享接口".into(),
    };
    assert!(matches!(
        w.try_run(&unit_clerk(), finding()),
        Err(Refusal::Forbidden(_))
    ));
    let dec = w.run(&authority(), finding());
    let c = obligations_of(&dec, &w.ctx);
    assert_eq!(c.new.len(), 1);
    assert_eq!(c.new[0].due, d(2026, 6, 2));
    assert_eq!(c.new[0].cite.article, "第九章 项目绩效与审计");
    let code = c.new[0].code.clone();
    // Past the window the sweep proposes the take-down; the authority confirms it.
    let mut ctx = w.ctx.clone();
    let prop = propose_consequence(&ctx, &code).expect("a consequence for the catalogue");
    assert!(prop.summary.contains("下架"));
    ctx.pending_consequences
        .push((code.clone(), operation::take_down_consequence().into()));
    let conf = ok(decide(
        &ctx,
        &authority(),
        Command::ConfirmConsequence {
            obligation: code.clone(),
            reason: "逾期未整改".into(),
        },
        &profile(),
        today(),
    ));
    assert_eq!(conf.to, Stage::InOperation, "the project is not ended");
    assert_eq!(
        obligations_of(&conf, &w.ctx).lapse_prefix,
        Some(("catalogue-fix-1-".to_string(), today())),
        "the unmet fix duty ends with the take-down"
    );
    apply_all(&mut w.ops, &conf.events);
    assert_eq!(w.sys().state, SystemState::TakenDown);
}

// Shangcheng 第九章: the unit's fix within the window fulfils the obligation.
#[test]
fn catalogue_fixed_in_time_fulfils_the_obligation() {
    let mut w = World::new(system(2, false, false, false));
    w.run(
        &authority(),
        OpCommand::CatalogueFinding {
            system: 1,
            date: d(2026, 5, 6),
            problems: "共享属性标注错误".into(),
        },
    );
    let dec = w.run(
        &unit_clerk(),
        OpCommand::CatalogueFixed {
            system: 1,
            finding: 1,
            date: d(2026, 6, 1),
            note: "已更正共享属性".into(),
        },
    );
    let c = obligations_of(&dec, &w.ctx);
    assert_eq!(
        c.fulfil,
        vec![("catalogue-fix-1-1".to_string(), d(2026, 6, 1))]
    );
}

// [product] systems are recorded from construction on; not before the project is built.
#[test]
fn systems_cannot_be_recorded_before_construction() {
    let ctx = at(Stage::Approved);
    let r = operation::decide(
        &ctx.project,
        &OpsState::default(),
        &unit_clerk(),
        OpCommand::AddSystem {
            input: system(1, false, false, false),
        },
        today(),
    );
    assert!(matches!(r, Err(Refusal::WrongStage { .. })));
}

// Shaoxing art.31: 项目建设单位如需共享其他单位的数据，应通过公共数据平台申请数据资源、接口;
// art.26: 共享为原则，不共享为例外 — unconditional resources are granted on request, conditional
// ones answered by the providing unit (a refusal says why), “不予共享” ones cannot be requested.
#[test]
fn other_units_request_data_through_the_platform() {
    let mut w = World::new(system(2, false, false, false));
    for (name, share) in [
        ("学校基础信息", ShareAttr::Unconditional),
        ("学生学籍信息", ShareAttr::Conditional),
        ("心理健康档案", ShareAttr::None),
    ] {
        w.run(
            &unit_clerk(),
            OpCommand::AddData {
                system: 1,
                name: name.into(),
                unit: "区教育局".into(),
                format: "库表".into(),
                share,
                open: operation::OpenAttr::None,
            },
        );
    }
    let req = |resource: u32| OpCommand::RequestData {
        system: 1,
        resource,
        purpose: "入学一件事联办核验".into(),
    };
    assert!(matches!(
        w.try_run(&unit_clerk(), req(1)),
        Err(Refusal::Forbidden(_))
    ));
    w.run(&other_clerk(), req(1));
    assert_eq!(w.sys().requests[0].state, operation::RequestState::Granted);
    w.run(&other_clerk(), req(2));
    assert_eq!(w.sys().requests[1].state, operation::RequestState::Pending);
    let m = rule(w.try_run(&other_clerk(), req(3)), SHAOXING, "第二十六条");
    assert!(m.contains("不予共享"), "{m}");
    let answer = |agree: bool, reason: &str| OpCommand::AnswerDataRequest {
        system: 1,
        request: 2,
        agree,
        reason: reason.into(),
    };
    assert!(matches!(
        w.try_run(&other_clerk(), answer(true, "")),
        Err(Refusal::Forbidden(_))
    ));
    assert!(matches!(
        w.try_run(&unit_clerk(), answer(false, " ")),
        Err(Refusal::Invalid { field, .. }) if field == "reason"
    ));
    w.run(
        &unit_clerk(),
        answer(false, "涉及未成年人个人信息，请改用核验接口"),
    );
    assert_eq!(w.sys().requests[1].state, operation::RequestState::Refused);
}

// Shangcheng 第九章: 对低绩且未按期整改的应用 … 给予强制淘汰 — the retired project's running
// systems are taken down with their cloud released; a stopped one is left as it is.
#[test]
fn forced_retirement_takes_the_running_systems_down_and_releases_their_cloud() {
    let mut w = World::new(system(1, false, false, false));
    w.register();
    w.run(&unit_clerk(), request_host());
    let live = ok(w.go_live());
    apply_all(&mut w.ops, &live.events);
    let events = operation::retirement_events(&w.ops, today());
    assert_eq!(events.len(), 2, "{events:?}");
    apply_all(&mut w.ops, &events);
    assert_eq!(w.sys().state, SystemState::TakenDown);
    assert!(w.sys().cloud_totals().is_empty());
    assert!(operation::retirement_events(&w.ops, today()).is_empty());
}
