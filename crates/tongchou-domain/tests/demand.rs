//! Domain tests for the demand pool, the 一本账, the project library and application versions
//! (SPEC §2.1 D1, D3–D5). Each test cites the article it checks.

mod support;

use support::*;
use tongchou_domain::demand::*;
use tongchou_domain::lifecycle::Refusal;
use tongchou_domain::project::BuildKind;
use tongchou_domain::{Actor, Role, Stage, UnitId};

const PROVINCE: &str = "/1/";
const OTHER_CITY_DISTRICT: &str = "/1/5/6/";

fn province_authority() -> Actor {
    actor(70, "数字政府建设专班", 50, PROVINCE, &[Role::Authority])
}
fn province_leading_group() -> Actor {
    actor(
        71,
        "省数字化改革领导小组办公室",
        51,
        PROVINCE,
        &[Role::LeadingGroup],
    )
}
fn province_audit() -> Actor {
    actor(72, "省审计厅", 52, PROVINCE, &[Role::Audit])
}

fn need(id: i64) -> Need {
    Need {
        id,
        title: format!("需求{id}"),
        description: "群众办事多头跑".into(),
        scenario: "社区养老服务".into(),
        aspects: vec![Aspect::PublicFrequent],
        list: "demand".into(),
        unit_id: PROJECT_UNIT,
        unit_name: PROJECT_UNIT_NAME.into(),
        origin_path: DISTRICT.into(),
        at_path: DISTRICT.into(),
        state: NeedState::Pending,
        merged_into: None,
        decline_reason: None,
        version: 1,
        created_at: "2026-03-01T09:00:00+08:00".into(),
    }
}

/// Apply a change the way the store does.
fn apply(n: &mut Need, c: &NeedChange) {
    n.state = c.to;
    n.at_path = c.at_path.clone();
    n.merged_into = c.merged_into;
    n.decline_reason = c.decline_reason.clone();
    n.version += 1;
}

fn endorse() -> NeedCommand {
    NeedCommand::Endorse {
        opinion: "同意".into(),
    }
}

fn listed(id: i64) -> Need {
    let mut n = need(id);
    n.state = NeedState::Listed;
    n.at_path = PROVINCE.into();
    n
}

fn proposal(state: ProposalState, needs: Vec<i64>) -> Proposal {
    Proposal {
        id: 1,
        title: "浙里养老".into(),
        description: String::new(),
        state,
        needs,
        experts: vec![],
        argued_on: None,
        argument_opinion: None,
        decision: None,
        reference: None,
        decided_on: None,
        version: 1,
        created_at: String::new(),
    }
}

fn item(state: ItemState) -> LibraryItem {
    LibraryItem {
        id: 1,
        proposal_id: 1,
        title: "浙里养老·助餐".into(),
        description: String::new(),
        criterion: "大场景养老服务，小切口老年助餐".into(),
        state,
        published_on: None,
        version: 1,
        created_at: String::new(),
    }
}

fn refused_rule(r: Result<impl std::fmt::Debug, Refusal>, article: &str) {
    match r {
        Err(Refusal::Rule { cite, .. }) => assert!(
            cite.article.contains(article),
            "cited {cite} instead of {article}"
        ),
        other => panic!("expected a rule refusal citing {article}, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// D1 需求库
// ---------------------------------------------------------------------------------------------

// ZJ-share 三（一） 六个方面、三张清单
#[test]
fn need_names_at_least_one_of_the_six_aspects_and_a_profile_list() {
    let lists = profile().demand_lists;
    assert_eq!(lists.len(), 3, "三张清单");
    let ok = parse_need(
        &RawNeed {
            title: "老年助餐".into(),
            description: "助餐点分散".into(),
            scenario: "社区".into(),
            aspects: vec!["群众高频需求".into(), "major_risk".into()],
            list: "多跨场景清单".into(),
        },
        &lists,
    )
    .unwrap();
    assert_eq!(ok.aspects, vec![Aspect::PublicFrequent, Aspect::MajorRisk]);
    assert_eq!(ok.list, "scenario");
    let errs = parse_need(
        &RawNeed {
            title: "老年助餐".into(),
            description: "助餐点分散".into(),
            scenario: "社区".into(),
            aspects: vec![],
            list: "不存在的清单".into(),
        },
        &lists,
    )
    .unwrap_err();
    let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, vec!["aspects", "list"]);
    assert_eq!(Aspect::ALL.len(), 6);
    assert_eq!(
        Aspect::Governance.label(),
        "推动治理能力和治理体系现代化需求"
    );
}

// Quzhou 三（一）1 实时征集各部门需求: any unit's clerk submits; departments do not
#[test]
fn only_a_units_clerk_submits_a_need() {
    assert!(can_submit_need(&unit_clerk()));
    assert!(!can_submit_need(&authority()));
    assert!(!can_submit_need(&audit()));
}

// ZJ-share 三（一） 逐层逐级; Quzhou 三（一）3 经数据局审核后提交
#[test]
fn endorsed_need_rolls_up_district_city_province() {
    let mut n = need(1);
    let c = decide_need(&n, &authority(), &endorse(), None).unwrap();
    assert_eq!((c.to, c.at_path.as_str()), (NeedState::Pending, CITY));
    apply(&mut n, &c);
    let c = decide_need(&n, &city_authority(), &endorse(), None).unwrap();
    assert_eq!((c.to, c.at_path.as_str()), (NeedState::Pending, PROVINCE));
    apply(&mut n, &c);
    let c = decide_need(&n, &province_authority(), &endorse(), None).unwrap();
    assert_eq!((c.to, c.at_path.as_str()), (NeedState::Listed, PROVINCE));
}

// Quzhou 三（一）3: the city does not see, and cannot act on, what its district still holds
#[test]
fn city_sees_a_need_only_after_the_district_endorsed_it() {
    let mut n = need(1);
    assert!(!can_view_need(&city_authority(), &n));
    assert!(!can_view_need(&province_authority(), &n));
    assert!(can_view_need(&authority(), &n));
    assert_eq!(
        decide_need(&n, &city_authority(), &endorse(), None),
        Err(Refusal::NotVisible)
    );
    let c = decide_need(&n, &authority(), &endorse(), None).unwrap();
    apply(&mut n, &c);
    assert!(can_view_need(&city_authority(), &n));
    assert!(!can_view_need(&province_authority(), &n));
    // the district keeps seeing what it sent up
    assert!(can_view_need(&authority(), &n));
    // a district authority cannot act for the city once it holds the need
    assert!(matches!(
        decide_need(&n, &authority(), &endorse(), None),
        Err(Refusal::Forbidden(_))
    ));
}

// [product] a unit sees its own needs only; audit reads all in its jurisdiction; other
// jurisdictions see nothing
#[test]
fn need_is_visible_to_its_unit_and_audit_not_to_other_units_or_places() {
    let n = need(1);
    assert!(can_view_need(&unit_clerk(), &n));
    assert!(!can_view_need(&other_clerk(), &n));
    assert!(can_view_need(&audit(), &n));
    assert!(can_view_need(&province_audit(), &n));
    assert!(!can_view_need(&outside_authority(), &n));
    let far = actor(
        80,
        "他市区数据局",
        60,
        OTHER_CITY_DISTRICT,
        &[Role::Authority],
    );
    assert!(!can_view_need(&far, &n));
    assert!(!can_view_need(&finance(), &n));
}

// Quzhou 三（一）3: the data bureau reviews; a unit or audit never endorses
#[test]
fn unit_and_audit_cannot_endorse_a_need() {
    let n = need(1);
    assert!(matches!(
        decide_need(&n, &unit_clerk(), &endorse(), None),
        Err(Refusal::Forbidden(_))
    ));
    assert!(matches!(
        decide_need(&n, &audit(), &endorse(), None),
        Err(Refusal::Forbidden(_))
    ));
}

// [product] declining records why (the unit is told)
#[test]
fn decline_needs_a_reason() {
    let n = need(1);
    let r = decide_need(
        &n,
        &authority(),
        &NeedCommand::Decline {
            reason: "  ".into(),
        },
        None,
    );
    assert!(matches!(r, Err(Refusal::Invalid { ref field, .. }) if field == "reason"));
    let c = decide_need(
        &n,
        &authority(),
        &NeedCommand::Decline {
            reason: "已有全省统建系统".into(),
        },
        None,
    )
    .unwrap();
    assert_eq!(c.to, NeedState::Declined);
    assert_eq!(c.decline_reason.as_deref(), Some("已有全省统建系统"));
    // a declined need stays where it was declined: the city never sees it
    let mut d = need(1);
    apply(&mut d, &c);
    assert!(!can_view_need(&city_authority(), &d));
    assert!(matches!(
        decide_need(&d, &authority(), &endorse(), None),
        Err(Refusal::WrongStage { .. })
    ));
}

// ZJ-share 三（二） 深化研究“三张清单”: several needs merge into one, the sources kept
#[test]
fn merge_keeps_the_source_and_needs_a_pending_target_at_the_same_level() {
    let n = need(1);
    let target = need(2);
    let merge = NeedCommand::Merge {
        opinion: "同类需求".into(),
    };
    let c = decide_need(&n, &authority(), &merge, Some(&target)).unwrap();
    assert_eq!((c.to, c.merged_into), (NeedState::Merged, Some(2)));
    assert!(decide_need(&n, &authority(), &merge, Some(&n)).is_err());
    assert!(decide_need(&n, &authority(), &merge, None).is_err());
    let mut higher = need(3);
    higher.at_path = CITY.into();
    assert!(matches!(
        decide_need(&n, &authority(), &merge, Some(&higher)),
        Err(Refusal::Invalid { .. })
    ));
}

// ---------------------------------------------------------------------------------------------
// D3 一本账
// ---------------------------------------------------------------------------------------------

// ZJ-share 三（二） 生成制
#[test]
fn proposal_without_source_need_is_refused() {
    refused_rule(propose(&province_authority(), "浙里养老", &[]), "生成制");
    assert!(propose(&province_authority(), "浙里养老", &[listed(1), listed(2)]).is_ok());
}

// ZJ-share 三（二） 生成制: only needs that came all the way up
#[test]
fn proposal_from_a_need_not_yet_listed_is_refused() {
    let mut n = need(1);
    n.at_path = PROVINCE.into();
    refused_rule(propose(&province_authority(), "浙里养老", &[n]), "生成制");
}

// ZJ-share 三（二） 数字政府建设专班 proposes; not a district or city
#[test]
fn only_the_provincial_authority_makes_proposals() {
    assert!(matches!(
        propose(&city_authority(), "浙里养老", &[listed(1)]),
        Err(Refusal::Forbidden(_))
    ));
    assert!(matches!(
        propose(&province_audit(), "浙里养老", &[listed(1)]),
        Err(Refusal::Forbidden(_))
    ));
}

// ZJ-share 三（二） 组织专家进行研究论证 … 提请省数字化改革领导小组列入“一本帐”
#[test]
fn inclusion_needs_expert_argumentation_first_and_a_reference() {
    let p = proposal(ProposalState::Proposed, vec![1]);
    refused_rule(
        include(
            &p,
            &province_leading_group(),
            true,
            "浙数改〔2026〕1号",
            Some(d(2026, 4, 1)),
        ),
        "生成制",
    );
    assert!(matches!(
        argue(&p, &province_authority(), &[], Some(d(2026, 3, 20)), "必要"),
        Err(Refusal::Invalid { ref field, .. }) if field == "experts"
    ));
    assert!(argue(
        &p,
        &province_authority(),
        &["张教授".into()],
        Some(d(2026, 3, 20)),
        "必要、可行"
    )
    .is_ok());
    let p = proposal(ProposalState::Argued, vec![1]);
    assert!(matches!(
        include(&p, &province_leading_group(), true, " ", Some(d(2026, 4, 1))),
        Err(Refusal::Invalid { ref field, .. }) if field == "reference"
    ));
    assert_eq!(
        include(
            &p,
            &province_leading_group(),
            true,
            "浙数改〔2026〕1号",
            Some(d(2026, 4, 1))
        ),
        Ok(ProposalState::Included)
    );
    assert_eq!(
        include(&p, &province_authority(), false, "", Some(d(2026, 4, 1))),
        Ok(ProposalState::NotIncluded)
    );
    assert!(matches!(
        include(&p, &leading_group(), true, "x", Some(d(2026, 4, 1))),
        Err(Refusal::Forbidden(_))
    ));
}

// ---------------------------------------------------------------------------------------------
// D4 项目库
// ---------------------------------------------------------------------------------------------

// ZJ-share 三（二） 结合“一本账” … 纳入“项目库”
#[test]
fn library_item_comes_only_from_an_included_ledger_entry_with_a_criterion_note() {
    let argued = proposal(ProposalState::Argued, vec![1]);
    refused_rule(
        create_item(&province_authority(), &argued, "助餐", "小切口"),
        "生成制",
    );
    let included = proposal(ProposalState::Included, vec![1]);
    assert!(matches!(
        create_item(&province_authority(), &included, "助餐", " "),
        Err(Refusal::Invalid { ref field, .. }) if field == "criterion"
    ));
    assert!(create_item(
        &province_authority(),
        &included,
        "助餐",
        "大场景养老、小切口助餐"
    )
    .is_ok());
}

// ZJ-share 三（二） 生成制: cannot be published without a ledger entry tracing to needs
#[test]
fn library_item_without_traced_ledger_entry_cannot_be_published() {
    let it = item(ItemState::Draft);
    refused_rule(publish(&province_authority(), &it, None), "生成制");
    let untraced = proposal(ProposalState::Included, vec![]);
    refused_rule(
        publish(&province_authority(), &it, Some(&untraced)),
        "生成制",
    );
    let traced = proposal(ProposalState::Included, vec![1, 2]);
    assert!(publish(&province_authority(), &it, Some(&traced)).is_ok());
    assert!(matches!(
        publish(&city_authority(), &it, Some(&traced)),
        Err(Refusal::Forbidden(_))
    ));
}

// ZJ-share 三（二） 公开发布: published items are public, drafts are internal
#[test]
fn published_item_is_public_draft_is_not() {
    assert!(can_view_item(None, &item(ItemState::Published)));
    assert!(!can_view_item(None, &item(ItemState::Draft)));
    assert!(!can_view_item(Some(&unit_clerk()), &item(ItemState::Draft)));
    assert!(can_view_item(
        Some(&province_audit()),
        &item(ItemState::Draft)
    ));
}

// ---------------------------------------------------------------------------------------------
// D5 迭代制
// ---------------------------------------------------------------------------------------------

fn app() -> Application {
    Application {
        id: 1,
        name: "社区养老服务平台".into(),
        owner_unit_id: PROJECT_UNIT,
        owner_unit_name: PROJECT_UNIT_NAME.into(),
        owner_path: DISTRICT.into(),
        description: String::new(),
        version: 1,
        created_at: String::new(),
    }
}

fn version(id: i64, label: &str, passed: Option<bool>) -> AppVersion {
    AppVersion {
        id,
        application_id: 1,
        seq: id,
        label: label.into(),
        predecessor: None,
        released_on: None,
        notes: String::new(),
        evaluation: passed.map(|_| "良好".into()),
        evaluation_passed: passed,
    }
}

// Shangcheng 项目申报: 迭代升级的业务应用系统，还须通过绩效评价; ZJ-share 四 迭代升级
#[test]
fn upgrade_version_needs_its_predecessors_passed_evaluation() {
    let a = app();
    let clerk = unit_clerk();
    assert!(add_version(&clerk, &a, &[], "1.0", None).is_ok());
    let v1 = version(1, "1.0", None);
    refused_rule(
        add_version(&clerk, &a, std::slice::from_ref(&v1), "2.0", Some(&v1)),
        "项目申报",
    );
    let failed = version(1, "1.0", Some(false));
    refused_rule(
        add_version(
            &clerk,
            &a,
            std::slice::from_ref(&failed),
            "2.0",
            Some(&failed),
        ),
        "项目申报",
    );
    let passed = version(1, "1.0", Some(true));
    assert!(add_version(
        &clerk,
        &a,
        std::slice::from_ref(&passed),
        "2.0",
        Some(&passed)
    )
    .is_ok());
    // an upgrade names its predecessor; a label is used once
    assert!(add_version(&clerk, &a, std::slice::from_ref(&passed), "2.0", None).is_err());
    assert!(add_version(
        &clerk,
        &a,
        std::slice::from_ref(&passed),
        "1.0",
        Some(&passed)
    )
    .is_err());
    // another unit does not version someone else's application
    assert!(matches!(
        add_version(&other_clerk(), &a, &[], "1.0", None),
        Err(Refusal::Forbidden(_))
    ));
}

// Shangcheng 项目申报 (升级): only an upgrade project names the application it upgrades
#[test]
fn only_an_upgrade_project_names_the_application_it_upgrades() {
    let mut ctx = at(Stage::Draft);
    ctx.project.input.build_kind = BuildKind::New;
    refused_rule(link_application(&unit_clerk(), &ctx.project), "项目申报");
    ctx.project.input.build_kind = BuildKind::Upgrade;
    assert!(link_application(&unit_clerk(), &ctx.project).is_ok());
    assert!(matches!(
        link_application(&other_clerk(), &ctx.project),
        Err(Refusal::Forbidden(_))
    ));
    assert_eq!(ctx.project.unit_id, UnitId(PROJECT_UNIT.0));
}

// [product] the authority over the owner unit records the evaluation once, with a conclusion
#[test]
fn evaluation_is_recorded_by_the_authority_once() {
    let v = version(1, "1.0", None);
    assert!(matches!(
        evaluate_version(&unit_clerk(), &app(), &v, "良好"),
        Err(Refusal::Forbidden(_))
    ));
    assert!(evaluate_version(&authority(), &app(), &v, " ").is_err());
    assert!(evaluate_version(&authority(), &app(), &v, "良好").is_ok());
    let done = version(1, "1.0", Some(true));
    assert!(matches!(
        evaluate_version(&authority(), &app(), &done, "优秀"),
        Err(Refusal::WrongStage { .. })
    ));
}
