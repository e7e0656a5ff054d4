//! Domain tests for the shared-application competition (揭榜), public notice, the application
//! market (SPEC §2.2 S1–S8, §2.8 O2). Each test cites the article it checks.

mod support;

use support::*;
use tongchou_domain::calendar::Calendar;
use tongchou_domain::demand::{can_view_item, ItemState, LibraryItem};
use tongchou_domain::lifecycle::{Event, Refusal};
use tongchou_domain::market::*;
use tongchou_domain::{Actor, Role, UnitId};

const LEAD_UNIT: i64 = 60;

fn lead() -> Actor {
    actor(60, "牵头责任主体", LEAD_UNIT, "/1/2/3/", &[Role::LeadUnit])
}
fn market_entity() -> Actor {
    actor(
        61,
        "杭州某科技有限公司",
        61,
        "/1/2/3/",
        &[Role::MarketEntity],
    )
}
fn other_company() -> Actor {
    actor(62, "宁波某信息公司", 62, "/1/2/3/", &[Role::MarketEntity])
}

fn competition(class: u8, state: CompState) -> Competition {
    Competition {
        id: 1,
        item_id: 1,
        title: "基层治理“一件事”".into(),
        scenario: ScenarioKind::Unveil,
        class,
        form: AppForm::default(),
        state,
        lead_unit_id: UnitId(LEAD_UNIT),
        lead_unit_name: "牵头责任主体".into(),
        jurisdiction_path: "/1/2/3/".into(),
        notice_from: Some(d(2026, 3, 2)),
        notice_until: Some(d(2026, 3, 8)),
        announced_on: None,
        milestones: vec![],
        delivery_date: Some(d(2026, 6, 30)),
        agreed_fen: None,
        version: 1,
    }
}

fn bid_of(id: i64, unit: i64, members: &[&str]) -> Bid {
    Bid {
        id,
        competition_id: 1,
        unit_id: UnitId(unit),
        unit_name: format!("单位{unit}"),
        kind: CandidateKind::Market,
        members: members.iter().map(|s| Member::named(s)).collect(),
        provider: None,
        drc_opinion: String::new(),
        finance_opinion: String::new(),
        materials: "可研材料".into(),
        shortlisted: false,
        cancelled_on: None,
        score: Some(70.0),
        scores: 3,
    }
}

/// An obligation row as the store would keep it.
fn row_of(id: i64, o: &NewCompObligation) -> CompObligationRow {
    CompObligationRow {
        id,
        competition_id: 1,
        code: o.code.clone(),
        title: o.title.clone(),
        cite: o.cite.to_string(),
        trigger_date: o.trigger.to_string(),
        due: o.due,
        owner: o.owner.clone(),
        owner_unit_id: o.owner_unit_id,
        owner_unit_name: None,
        person: None,
        state: "open".into(),
        fulfilled_on: None,
        evidence: None,
        fulfilled_by_name: None,
        evidence_file: None,
    }
}

fn form_get(class_fields: bool) -> impl Fn(&str) -> String {
    move |k: &str| match k {
        "delivery_date" => "2026-06-30".into(),
        "budget_estimate" if class_fields => "1200000".into(),
        "fund_source" | "user_scale" | "service_fee" if !class_fields => String::new(),
        _ => format!("{k} 内容"),
    }
}

#[test]
fn class_one_form_needs_budget_estimate_and_fund_source() {
    // ZJ-share 二（第一类还需明确投资估算和资金来源）
    let errs = parse_form(&form_get(false), 1).unwrap_err();
    assert!(errs.iter().any(|e| e.field == "budget_estimate"));
    assert!(errs.iter().any(|e| e.field == "fund_source"));
    let f = parse_form(&form_get(true), 1).unwrap();
    assert_eq!(f.budget_estimate.unwrap().fen(), 120_000_000);
}

#[test]
fn class_two_form_needs_user_scale_and_service_fee() {
    // ZJ-share 二（第二类还需明确用户规模和服务收费标准）
    let errs = parse_form(&form_get(false), 2).unwrap_err();
    assert!(errs.iter().any(|e| e.field == "user_scale"));
    assert!(errs.iter().any(|e| e.field == "service_fee"));
    assert!(!errs.iter().any(|e| e.field == "budget_estimate"));
    assert!(parse_form(&form_get(false), 3).is_ok());
}

#[test]
fn consortium_counts_as_one_subject() {
    // ZJ-share 三（五）原则上第一类、第二类项目主体应是一家或者联合体
    let c = competition(1, CompState::Open);
    let consortium = bid_of(1, 70, &["甲公司", "乙研究院", "丙区大数据局"]);
    assert_eq!(consortium.subjects(), 1);
    let r = shortlist(&lead(), &c, &[&consortium], &profile(), None);
    assert_eq!(r, Ok(None), "a consortium of three is one subject");
    let two = bid_of(2, 71, &[]);
    let r = shortlist(&lead(), &c, &[&consortium, &two], &profile(), None);
    assert!(matches!(r, Err(Refusal::NeedsOverride { .. })), "{r:?}");
}

#[test]
fn class_three_more_than_three_subjects_needs_recorded_reason() {
    // ZJ-share 三（五）第三类项目主体不超过3家（原则上：默认规则）
    let c = competition(3, CompState::Open);
    let bids: Vec<Bid> = (1..=4).map(|i| bid_of(i, 70 + i, &[])).collect();
    let three: Vec<&Bid> = bids.iter().take(3).collect();
    assert_eq!(shortlist(&lead(), &c, &three, &profile(), None), Ok(None));
    let four: Vec<&Bid> = bids.iter().collect();
    let r = shortlist(&lead(), &c, &four, &profile(), None);
    match r {
        Err(Refusal::NeedsOverride { cite, .. }) => assert!(cite.article.contains("三（五）")),
        other => panic!("expected a warning, got {other:?}"),
    }
    let r = shortlist(
        &lead(),
        &c,
        &four,
        &profile(),
        Some("四家分别覆盖四个地市试点"),
    );
    match r {
        Ok(Some(Event::OverrideRecorded {
            reason, approver, ..
        })) => {
            assert_eq!(reason, "四家分别覆盖四个地市试点");
            assert!(approver.is_some());
        }
        other => panic!("expected an override, got {other:?}"),
    }
}

#[test]
fn only_the_lead_unit_proposes_the_shortlist() {
    // ZJ-share 三（四）牵头责任主体提出拟入选名单
    let c = competition(1, CompState::Open);
    let b = bid_of(1, 70, &[]);
    let r = shortlist(&authority(), &c, &[&b], &profile(), None);
    assert!(matches!(r, Err(Refusal::Forbidden(_))));
    let unscored = Bid { scores: 0, ..b };
    let r = shortlist(&lead(), &c, &[&unscored], &profile(), None);
    assert!(
        matches!(r, Err(Refusal::Rule { .. })),
        "no expert opinion yet"
    );
}

#[test]
fn market_entity_cannot_see_internal_items() {
    // ZJ-share 三（三）市场主体参与竞争：只见公开事项与本单位的揭榜
    let me = market_entity();
    let draft = LibraryItem {
        id: 1,
        proposal_id: 1,
        title: "内部条目".into(),
        description: String::new(),
        criterion: String::new(),
        state: ItemState::Draft,
        published_on: None,
        version: 1,
        created_at: String::new(),
    };
    assert!(!can_view_item(Some(&me), &draft));
    let published = LibraryItem {
        state: ItemState::Published,
        ..draft
    };
    assert!(can_view_item(Some(&me), &published));
    let mine = bid_of(1, 61, &[]);
    let theirs = bid_of(2, 62, &[]);
    assert!(can_view_bid(&me, &mine));
    assert!(!can_view_bid(&me, &theirs));
    assert!(can_view_bid(&other_company(), &theirs));
    assert!(can_view_bid(&lead(), &theirs));
    assert!(!tongchou_domain::demand::can_view_ledger(&me));
}

#[test]
fn administrative_candidate_needs_drc_and_finance_opinions() {
    // ZJ-share 三（三）项目主体为各级行政事业单位的，事先应征求同级发展改革部门和财政部门意见
    let c = competition(1, CompState::Open);
    let mut input = BidInput {
        kind: Some(CandidateKind::Government),
        members: vec![],
        provider: ProviderDeclaration::default(),
        bidder_unit_kind: String::new(),
        bidder_entity: None,
        drc_opinion: "同意参与".into(),
        finance_opinion: String::new(),
        materials: "可研材料".into(),
    };
    match bid(&unit_clerk(), &c, &input, 0) {
        Err(Refusal::Rule { cite, .. }) => assert!(cite.article.contains("三（三）")),
        other => panic!("expected refusal, got {other:?}"),
    }
    input.kind = Some(CandidateKind::Institution);
    assert!(bid(&unit_clerk(), &c, &input, 0).is_err());
    input.finance_opinion = "资金渠道已明确".into();
    assert_eq!(bid(&unit_clerk(), &c, &input, 0), Ok(()));
    // a market entity needs neither, but cannot pose as an administrative unit
    let m = BidInput {
        kind: Some(CandidateKind::Market),
        materials: "可研材料".into(),
        ..Default::default()
    };
    assert_eq!(bid(&market_entity(), &c, &m, 0), Ok(()));
    let pose = BidInput {
        kind: Some(CandidateKind::Government),
        ..input
    };
    assert!(bid(&market_entity(), &c, &pose, 0).is_err());
}

#[test]
fn notice_page_readable_without_login() {
    // ZJ-share 三（五）拟入选项目主体名单完成公示；SPEC P6 公示无需登录
    let c = competition(1, CompState::Notice);
    assert!(can_view_competition(None, &c));
    // the public sees no bid internals: bids are only for their own unit or departments
    let anonymous_like = actor(99, "公众", 99, "/9/", &[]);
    assert!(!can_view_bid(&anonymous_like, &bid_of(1, 70, &[])));
}

#[test]
fn objection_during_notice_blocks_announcement_until_handled() {
    // ZJ-share 三（五）拟入选项目主体名单完成公示后，数字政府建设专班发布公告
    let c = competition(1, CompState::Notice);
    assert_eq!(
        object(&c, d(2026, 3, 5), "王某", "138xxxx", "材料不实", 0),
        Ok(())
    );
    assert!(object(&c, d(2026, 3, 9), "王某", "138xxxx", "迟到的异议", 0).is_err());
    assert!(object(&c, d(2026, 3, 5), "", "138xxxx", "匿名", 0).is_err());
    let long: String = "长".repeat(2001);
    assert!(object(&c, d(2026, 3, 5), "王某", "138xxxx", &long, 0).is_err());
    assert!(object(
        &c,
        d(2026, 3, 5),
        "王某",
        "138",
        "x",
        OBJECTION_MAX_PER_COMPETITION
    )
    .is_err());
    // during the period: not yet
    assert!(matches!(
        announce(&authority(), &c, d(2026, 3, 8), 0),
        Err(Refusal::Rule { .. })
    ));
    // after it, an open objection blocks
    match announce(&authority(), &c, d(2026, 3, 9), 1) {
        Err(Refusal::Rule { message, cite }) => {
            assert!(message.contains("异议"));
            assert!(cite.article.contains("三（五）"));
        }
        other => panic!("expected refusal, got {other:?}"),
    }
    // handled → announced
    assert_eq!(announce(&authority(), &c, d(2026, 3, 9), 0), Ok(()));
    // another district's authority does not announce it
    let elsewhere = actor(4, "海曙区数据资源局", 21, "/1/2/4/", &[Role::Authority]);
    assert!(matches!(
        announce(&elsewhere, &c, d(2026, 3, 9), 0),
        Err(Refusal::Forbidden(_))
    ));
    assert!(check_jurisdiction(&elsewhere, &c).is_err());
    let city = actor(5, "市数据资源局", 22, "/1/2/", &[Role::Authority]);
    assert_eq!(check_jurisdiction(&city, &c), Ok(()));
    assert!(matches!(
        announce(&lead(), &c, d(2026, 3, 9), 0),
        Err(Refusal::Forbidden(_))
    ));
}

#[test]
fn notice_period_counts_calendar_days_and_rolls_off_a_rest_day() {
    // SPEC §0 calendar periods; ZJ-share 三（五）公示
    let cal = Calendar::builtin();
    // 2026-03-02 (Mon) + 7 days → last day Sun 03-08 → moved to Mon 03-09
    assert_eq!(notice_until(&cal, d(2026, 3, 2), 7), d(2026, 3, 9));
    assert_eq!(notice_until(&cal, d(2026, 3, 3), 3), d(2026, 3, 5));
}

#[test]
fn three_month_cancellation_is_proposed_not_automatic() {
    // ZJ-share 三（七）超过规定期限3个月未通过验收的，取消其项目主体资格
    let cal = Calendar::builtin();
    let c = competition(1, CompState::Agreed);
    assert_eq!(cancellation_due(&cal, &c, d(2026, 9, 30)), None);
    assert!(cancellation_due(&cal, &c, d(2026, 10, 1)).is_some());
    // the state is unchanged until the lead unit confirms
    assert_eq!(c.state, CompState::Agreed);
    assert!(confirm_cancellation(&lead(), &cal, &c, d(2026, 9, 1), "逾期").is_err());
    assert!(matches!(
        confirm_cancellation(&authority(), &cal, &c, d(2026, 10, 1), "逾期"),
        Err(Refusal::Forbidden(_))
    ));
    assert_eq!(
        confirm_cancellation(&lead(), &cal, &c, d(2026, 10, 1), "逾期未验收"),
        Ok(())
    );
    let accepted = competition(1, CompState::Accepted);
    assert_eq!(cancellation_due(&cal, &accepted, d(2027, 1, 1)), None);
}

#[test]
fn waived_cancellation_cannot_be_confirmed_afterwards() {
    // ZJ-share 三（七）: the lead unit decides once; a waived proposal is closed
    let cal = Calendar::builtin();
    let c = competition(1, CompState::Agreed);
    assert_eq!(
        confirm_cancellation_after(&lead(), &cal, &c, d(2026, 10, 1), "逾期", Some("pending")),
        Ok(())
    );
    assert!(matches!(
        confirm_cancellation_after(&lead(), &cal, &c, d(2026, 10, 1), "逾期", Some("waived")),
        Err(Refusal::Rule { .. })
    ));
}

#[test]
fn acceptance_only_after_the_agreed_delivery_date_by_the_subject() {
    // ZJ-share 三（七）项目主体完成建设，向牵头责任主体提交项目验收申请
    let c = competition(1, CompState::Agreed);
    let sel = bid_of(1, 61, &[]);
    assert!(apply_acceptance(&market_entity(), &c, &[&sel], d(2026, 6, 29)).is_err());
    assert_eq!(
        apply_acceptance(&market_entity(), &c, &[&sel], d(2026, 6, 30)),
        Ok(())
    );
    assert!(matches!(
        apply_acceptance(&other_company(), &c, &[&sel], d(2026, 7, 1)),
        Err(Refusal::Forbidden(_))
    ));
}

#[test]
fn pricing_one_supplier_negotiated_two_market() {
    // ZJ-share 三（八）唯一供应商协商定价，2家及以上市场定价
    assert!(pricing_rule(1).starts_with("协商定价"));
    assert!(pricing_rule(2).starts_with("市场定价"));
    assert!(ownership_label(1).contains("国有资产"));
}

#[test]
fn reuse_is_approved_by_the_owner_and_rated_by_the_user() {
    // ZJ-share 三（七）各单位和用户可通过全省统一的应用市场获取使用；SPEC O2 使用与评价记录
    let l = Listing {
        id: 1,
        competition_id: Some(1),
        name: "应用".into(),
        description: String::new(),
        owner_unit_id: UnitId(61),
        owner_name: "杭州某科技有限公司".into(),
        class: 3,
        version_label: "1.0".into(),
        licence: String::new(),
        contact: String::new(),
        suppliers: 1,
        listed_on: String::new(),
        best: false,
        rank: None,
        nomination: None,
        reuse_count: 0,
        rating: None,
        ratings: 0,
        version: 1,
    };
    let user = unit_clerk();
    assert_eq!(request_reuse(&user, &l, &[], "街道使用"), Ok(()));
    assert!(request_reuse(&market_entity(), &l, &[], "x").is_err());
    let r = Reuse {
        id: 1,
        listing_id: 1,
        unit_id: user.unit_id,
        unit_name: user.unit_name.clone(),
        region: "/1/2/3/".into(),
        purpose: "街道使用".into(),
        state: ReuseState::Requested,
        at: String::new(),
    };
    assert!(request_reuse(&user, &l, &[&r], "again").is_err());
    assert!(matches!(
        decide_reuse(&user, &l, &r),
        Err(Refusal::Forbidden(_))
    ));
    assert_eq!(decide_reuse(&market_entity(), &l, &r), Ok(()));
    assert!(rate(&user, &[&r], 5, "好用").is_err(), "not approved yet");
    let ok = Reuse {
        state: ReuseState::Approved,
        ..r
    };
    assert_eq!(rate(&user, &[&ok], 5, "好用"), Ok(()));
    assert!(rate(&user, &[&ok], 6, "").is_err());
    assert!(matches!(
        nominate(&user, Some(1), "优秀"),
        Err(Refusal::Forbidden(_))
    ));
    assert_eq!(nominate(&authority(), Some(1), "全省推广"), Ok(()));
}

#[test]
fn notice_period_is_a_profile_field_with_its_citation() {
    // ZJ-share 三（五）公示（期限由政策规则配置，SPEC §0 日历日计算）
    let p = profile();
    assert_eq!(p.notice_days, 7);
    assert!(p.notice_cite.article.contains("三（五）"));
    let mut bad = p.clone();
    bad.notice_days = 0;
    assert!(tongchou_domain::profile::Profile::from_toml(&bad.to_toml()).is_err());
    // stored profiles from before the field read the default
    let toml = p.to_toml();
    let old: String = toml
        .lines()
        .filter(|l| !l.starts_with("notice_days"))
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(
        tongchou_domain::profile::Profile::from_toml(&old).map(|p| p.notice_days),
        Ok(7)
    );
}

#[test]
fn notice_cannot_start_in_the_past() {
    // ZJ-share 三（五）拟入选项目主体名单完成公示：a backdated start would shorten the period
    assert!(check_notice_start(d(2026, 3, 1), d(2026, 3, 2)).is_err());
    assert_eq!(check_notice_start(d(2026, 3, 2), d(2026, 3, 2)), Ok(()));
}

fn expert(user: i64, unit: i64, unit_name: &str) -> (PanelExpert, Vec<Role>) {
    (
        PanelExpert {
            user_id: tongchou_domain::UserId(user),
            name: format!("专家{user}"),
            unit_id: UnitId(unit),
            unit_name: unit_name.into(),
        },
        vec![Role::Expert],
    )
}

const S5: [u32; 8] = [8, 8, 8, 8, 8, 8, 8, 8];

#[test]
fn competition_panel_is_assigned_by_the_lead_unit_three_or_more_and_odd() {
    // ZJ-share 三（四）评审遴选；SPEC V6 [product]: experts are assigned, not self-selected
    let c = competition(1, CompState::Open);
    let panel: Vec<_> = (0..3).map(|i| expert(70 + i, 90 + i, "专家库")).collect();
    let r = assign_experts(&market_entity(), &c, &panel, &[], &profile());
    assert!(matches!(r, Err(Refusal::Forbidden(_))), "{r:?}");
    let r = assign_experts(&lead(), &c, &panel[..2], &[], &profile());
    assert!(
        matches!(r, Err(Refusal::Rule { .. })),
        "two are too few: {r:?}"
    );
    let four: Vec<_> = (0..4).map(|i| expert(70 + i, 90 + i, "专家库")).collect();
    let r = assign_experts(&lead(), &c, &four, &[], &profile());
    assert!(
        matches!(r, Err(Refusal::Rule { .. })),
        "four is even: {r:?}"
    );
    let mut not_expert = panel.clone();
    not_expert[0].1 = vec![Role::Unit];
    let r = assign_experts(&lead(), &c, &not_expert, &[], &profile());
    assert!(matches!(r, Err(Refusal::Invalid { .. })), "{r:?}");
    assert_eq!(assign_experts(&lead(), &c, &panel, &[], &profile()), Ok(()));
    let scored = bid_of(1, 61, &[]);
    let r = assign_experts(&lead(), &c, &panel, &[scored], &profile());
    assert!(
        matches!(r, Err(Refusal::Rule { .. })),
        "no swap after scoring: {r:?}"
    );
}

#[test]
fn only_assigned_experts_score() {
    // ZJ-share 三（四）评审遴选
    let c = competition(1, CompState::Open);
    let b = bid_of(1, 61, &[]);
    let panel: Vec<PanelExpert> = (0..3).map(|i| expert(70 + i, 90 + i, "专家库").0).collect();
    let outsider = actor(79, "自荐专家", 99, "/1/2/3/", &[Role::Expert]);
    let r = score(&outsider, &c, &panel, &b, &S5);
    assert!(matches!(r, Err(Refusal::Forbidden(_))), "{r:?}");
    let assigned = actor(70, "专家70", 90, "/1/2/3/", &[Role::Expert]);
    assert_eq!(score(&assigned, &c, &panel, &b, &S5), Ok(64));
}

#[test]
fn expert_from_a_candidate_unit_or_consortium_member_is_recused() {
    // ZJ-share 三（四）评审遴选（回避）
    let c = competition(1, CompState::Open);
    let own = bid_of(1, 90, &[]);
    let consortium = bid_of(2, 61, &["浙江某研究院"]);
    let e = expert(70, 90, "区教育局");
    let r = score(
        &actor(70, "专家70", 90, "/1/2/3/", &[Role::Expert]),
        &c,
        &[e.0.clone()],
        &own,
        &S5,
    );
    match r {
        Err(Refusal::Rule { message, .. }) => assert!(message.contains("回避"), "{message}"),
        other => panic!("own unit's bid must be refused: {other:?}"),
    }
    let member = expert(71, 91, "浙江某研究院");
    let r = score(
        &actor(71, "专家71", 91, "/1/2/3/", &[Role::Expert]),
        &c,
        &[member.0.clone()],
        &consortium,
        &S5,
    );
    match r {
        Err(Refusal::Rule { message, .. }) => assert!(message.contains("联合体成员"), "{message}"),
        other => panic!("a consortium member's expert must be refused: {other:?}"),
    }
    // and the lead unit cannot put them on the panel once the bid is in
    let unscored = Bid {
        scores: 0,
        ..consortium
    };
    let panel = vec![member, expert(72, 92, "专家库"), expert(73, 93, "专家库")];
    let r = assign_experts(&lead(), &c, &panel, &[unscored], &profile());
    assert!(matches!(r, Err(Refusal::Rule { .. })), "{r:?}");
}

#[test]
fn shortlist_override_is_signed_off_once_by_the_named_approver() {
    // SPEC §0 原则上 + ZJ-share 三（五）: the over-limit shortlist's override is signed off
    use tongchou_domain::overrides::{OverrideRecord, OverrideState};
    let c = competition(1, CompState::Open);
    let (a, b) = (bid_of(1, 61, &[]), bid_of(2, 62, &[]));
    let ev = shortlist(
        &lead(),
        &c,
        &[&a, &b],
        &profile(),
        Some("两家分别覆盖城区与山区"),
    )
    .unwrap();
    let Some(Event::OverrideRecorded {
        approver: Some(approver),
        rule,
        text,
        ..
    }) = ev
    else {
        panic!("an override event naming its approver: {ev:?}");
    };
    let o = OverrideRecord {
        id: 1,
        rule,
        rule_text: text,
        reason: "两家分别覆盖城区与山区".into(),
        approver,
        state: OverrideState::Pending,
        requested_by_name: "牵头责任主体".into(),
        requested_at: "2026-06-15".into(),
        decided_by_name: None,
        decided_at: None,
        decision_reason: None,
    };
    let r = review_override(&lead(), &o, true, "", &profile());
    assert!(
        matches!(r, Err(Refusal::Forbidden(_))),
        "the proposer does not sign off: {r:?}"
    );
    let approver_actor = actor(80, "审批人", 80, "/1/2/3/", &[approver]);
    let r = review_override(&approver_actor, &o, false, " ", &profile());
    assert!(
        matches!(r, Err(Refusal::Invalid { .. })),
        "an objection needs its reason: {r:?}"
    );
    let summary = review_override(&approver_actor, &o, false, "理由不充分", &profile()).unwrap();
    assert!(summary.contains("异议"), "{summary}");
    assert!(review_override(&approver_actor, &o, true, "", &profile())
        .unwrap()
        .contains("同意"));
    let done = OverrideRecord {
        state: OverrideState::SignedOff,
        ..o
    };
    let r = review_override(&approver_actor, &done, false, "再议", &profile());
    assert!(matches!(r, Err(Refusal::Rule { .. })), "only once: {r:?}");
}

#[test]
fn delivery_and_three_month_acceptance_are_dated_obligations() {
    // ZJ-share 三（七）交付验收：按约定日期交付；交付后3个月仍未通过验收的取消项目主体资格
    let cal = Calendar::builtin();
    let c = competition(1, CompState::Agreed); // delivery 2026-06-30
                                               // the obligations the agreement creates, as rows (what the store keeps)
    let rows: Vec<CompObligationRow> =
        agreement_obligations(&cal, &[], d(2026, 6, 30), &[UnitId(61)], d(2026, 4, 1))
            .into_iter()
            .enumerate()
            .map(|(i, o)| row_of(i as i64 + 1, &o))
            .collect();
    assert_eq!(rows.len(), 2);
    let delivery = subject_obligation(&rows, UnitId(61), false).unwrap();
    let acceptance = subject_obligation(&rows, UnitId(61), true).unwrap();
    assert_eq!(delivery.due, d(2026, 6, 30));
    assert!(!delivery.overdue(d(2026, 6, 15)) && !acceptance.overdue(d(2026, 6, 15)));
    assert!(
        delivery.overdue(d(2026, 7, 1)),
        "not delivered after the agreed date"
    );
    assert!(acceptance.due >= d(2026, 9, 30) && !acceptance.overdue(d(2026, 7, 1)));
    assert!(acceptance.overdue(d(2026, 10, 15)));
    let met = CompObligationRow {
        state: "fulfilled".into(),
        ..delivery.clone()
    };
    assert!(met.met() && !met.overdue(d(2026, 7, 1)));
    assert!(
        subject_obligation(&rows, UnitId(62), false).is_none(),
        "another unit owes nothing"
    );
    // the lead unit may waive the proposed cancellation, with a reason
    assert!(matches!(
        waive_cancellation(&lead(), &c, " "),
        Err(Refusal::Invalid { .. })
    ));
    assert!(matches!(
        waive_cancellation(&market_entity(), &c, "理由"),
        Err(Refusal::Forbidden(_))
    ));
    assert_eq!(
        waive_cancellation(&lead(), &c, "因疫情延误，经协商延期"),
        Ok(())
    );
}

// ------------------------------------------------------------------ issue 5 finish

fn all_conditions() -> Vec<String> {
    PROVIDER_CONDITIONS
        .iter()
        .map(|(c, _)| c.to_string())
        .collect()
}

fn provider_ok() -> ProviderDeclaration {
    ProviderDeclaration {
        credit_code: "91330102MA2H00000H".into(),
        institution_class: None,
        fiscal_mass_org: false,
        conditions: all_conditions(),
    }
}

#[test]
fn purchase_of_service_bid_must_meet_the_provider_rules() {
    // ZJ-share 三（三）采用政府购买服务方式的，项目主体应符合政府购买服务承接主体有关规定（hard: 应）;
    // classes 2 and 3 are bought as a service (ZJ-share 二)
    assert!(!is_purchase_of_service(1));
    assert!(is_purchase_of_service(2) && is_purchase_of_service(3));
    for class in [2, 3] {
        let c = competition(class, CompState::Open);
        let market = BidInput {
            kind: Some(CandidateKind::Market),
            materials: "可研材料".into(),
            provider: provider_ok(),
            ..Default::default()
        };
        assert_eq!(bid(&market_entity(), &c, &market, 0), Ok(()));
        // a declaration missing a supplier condition is refused, citing 三（三）
        let mut short = market.clone();
        short.provider.conditions.pop();
        match bid(&market_entity(), &c, &short, 0) {
            Err(Refusal::Rule { message, cite }) => {
                assert!(cite.article.contains("三（三）"), "{cite:?}");
                assert!(message.contains("没有重大违法记录"), "{message}");
            }
            other => panic!("missing condition must be refused: {other:?}"),
        }
        // a body established by law: a valid 统一社会信用代码
        let mut bad_code = market.clone();
        bad_code.provider.credit_code = "91330102MA2H00000A".into();
        assert!(matches!(
            bid(&market_entity(), &c, &bad_code, 0),
            Err(Refusal::Invalid { .. })
        ));
        // a state organ buys, it does not provide — even with both opinions attached
        let gov = BidInput {
            kind: Some(CandidateKind::Government),
            drc_opinion: "同意".into(),
            finance_opinion: "同意".into(),
            ..market.clone()
        };
        assert!(matches!(
            bid(&unit_clerk(), &c, &gov, 0),
            Err(Refusal::Rule { .. })
        ));
        // 公益一类事业单位 no; 公益二类 yes (with the DRC and finance opinions)
        let mut inst = BidInput {
            kind: Some(CandidateKind::Institution),
            ..gov.clone()
        };
        assert!(matches!(
            bid(&unit_clerk(), &c, &inst, 0),
            Err(Refusal::Invalid { .. })
        ));
        inst.provider.institution_class = Some(InstitutionClass::PublicWelfare1);
        assert!(matches!(
            bid(&unit_clerk(), &c, &inst, 0),
            Err(Refusal::Rule { .. })
        ));
        inst.provider.institution_class = Some(InstitutionClass::PublicWelfare2);
        assert_eq!(bid(&unit_clerk(), &c, &inst, 0), Ok(()));
        // a 群团组织 on the public payroll no
        let mut social = BidInput {
            kind: Some(CandidateKind::Social),
            ..market.clone()
        };
        social.provider.fiscal_mass_org = true;
        assert!(matches!(
            bid(&unit_clerk(), &c, &social, 0),
            Err(Refusal::Rule { .. })
        ));
        social.provider.fiscal_mass_org = false;
        assert_eq!(bid(&unit_clerk(), &c, &social, 0), Ok(()));
        // a consortium with a registered department as member: each member must qualify
        let with_dept = BidInput {
            members: vec![Member {
                unit_id: Some(UnitId(10)),
                name: "区民政局".into(),
                unit_kind: "construction".into(),
                entity: None,
            }],
            ..market.clone()
        };
        assert!(matches!(
            bid(&market_entity(), &c, &with_dept, 0),
            Err(Refusal::Rule { .. })
        ));
    }
    // a registered department cannot pose as a market entity to get round the rule
    let posing = BidInput {
        kind: Some(CandidateKind::Market),
        materials: "可研材料".into(),
        provider: provider_ok(),
        bidder_unit_kind: "construction".into(),
        ..Default::default()
    };
    assert!(matches!(
        bid(&unit_clerk(), &competition(2, CompState::Open), &posing, 0),
        Err(Refusal::Invalid { .. })
    ));
    // class 1 is fiscal investment: no provider declaration needed
    let c1 = competition(1, CompState::Open);
    let plain = BidInput {
        kind: Some(CandidateKind::Market),
        materials: "可研材料".into(),
        ..Default::default()
    };
    assert_eq!(bid(&market_entity(), &c1, &plain, 0), Ok(()));
}

#[test]
fn credit_code_check_character() {
    // GB 32100-2015 统一社会信用代码
    assert!(valid_credit_code("91350100M000100Y43"));
    assert!(valid_credit_code("91330102MA2H00000H"));
    assert!(!valid_credit_code("91350100M000100Y44"));
    assert!(!valid_credit_code("91350100M000100Y4"));
    assert!(!valid_credit_code("91350100M000100I43"));
}

#[test]
fn consortium_recusal_compares_unit_identity_not_spelling() {
    // ZJ-share 三（四）评审遴选（回避）: the same unit written differently is the same unit
    let c = competition(1, CompState::Open);
    let e = expert(71, 91, "浙江数智科技有限公司").0;
    let me = actor(71, "专家71", 91, "/1/2/3/", &[Role::Expert]);
    // a registered member carries the unit id, whatever name it was typed with
    let by_id = Bid {
        members: vec![Member {
            unit_id: Some(UnitId(91)),
            name: "浙江数智科技有限责任公司".into(),
            unit_kind: "market".into(),
            entity: None,
        }],
        ..bid_of(2, 61, &[])
    };
    match score(&me, &c, &[e.clone()], &by_id, &S5) {
        Err(Refusal::Rule { message, .. }) => assert!(message.contains("回避"), "{message}"),
        other => panic!("same unit id must be recused: {other:?}"),
    }
    // a name kept as written (unregistered when bid) is compared by its normalised key
    for written in [
        " 浙江数智科技股份有限公司",
        "浙江数智科技有限责任公司",
        "浙江数智科技　有限公司 ",
    ] {
        let b = bid_of(3, 61, &[written]);
        assert!(conflict(&e, &b).is_some(), "{written} is the expert's unit");
    }
    assert_eq!(
        name_key("ＡＢＣ科技有限公司"),
        name_key("abc科技有限责任公司")
    );
    assert_eq!(name_key(" 浙江　某研究院 "), name_key("浙江某研究院"));
    assert_ne!(name_key("浙江某研究院"), name_key("浙江某设计院"));
    // a different unit with a similar name is not a conflict
    let other = Bid {
        members: vec![Member {
            unit_id: Some(UnitId(92)),
            name: "浙江数智科技有限公司".into(),
            unit_kind: "market".into(),
            entity: None,
        }],
        ..bid_of(4, 61, &[])
    };
    assert_eq!(
        conflict(&e, &other),
        None,
        "registered members are compared by id, not by name"
    );
}

#[test]
fn agreement_creates_delivery_acceptance_and_milestone_obligations() {
    // ZJ-share 三（六）责任制 + 三（七）交付验收: the agreement's milestones each have a responsible
    // unit (and person); delivery and the 3-month acceptance limit are dated from the agreed date
    let cal = Calendar::builtin();
    let c = competition(1, CompState::Announced);
    let sel = bid_of(1, 61, &[]);
    let ms = vec![
        Milestone {
            title: "完成试点部署".into(),
            owner: "subject".into(),
            due: d(2026, 5, 31),
            owner_unit_id: None,
            person: "钱伟".into(),
        },
        Milestone {
            title: "组织验收".into(),
            owner: "lead_unit".into(),
            due: d(2026, 7, 31),
            owner_unit_id: None,
            person: String::new(),
        },
    ];
    let r = sign_agreement(&market_entity(), &c, &ms, Some(d(2026, 6, 30)), &[&sel]);
    assert!(matches!(r, Err(Refusal::Forbidden(_))), "{r:?}");
    let ms = sign_agreement(&lead(), &c, &ms, Some(d(2026, 6, 30)), &[&sel]).unwrap();
    assert_eq!(ms[0].owner_unit_id, Some(UnitId(61)), "the subject's unit");
    assert_eq!(
        ms[1].owner_unit_id,
        Some(UnitId(LEAD_UNIT)),
        "the lead unit"
    );
    // several subjects: a subject milestone names its unit
    let two = bid_of(2, 62, &[]);
    let r = sign_agreement(
        &lead(),
        &c,
        &ms.iter()
            .map(|m| Milestone {
                owner_unit_id: None,
                ..m.clone()
            })
            .collect::<Vec<_>>(),
        Some(d(2026, 6, 30)),
        &[&sel, &two],
    );
    assert!(matches!(r, Err(Refusal::Invalid { .. })), "{r:?}");
    let obs = agreement_obligations(&cal, &ms, d(2026, 6, 30), &[UnitId(61)], d(2026, 4, 1));
    assert_eq!(obs.len(), 4);
    assert_eq!(obs[0].code, OBL_DELIVERY);
    assert_eq!(obs[0].due, d(2026, 6, 30));
    assert_eq!(obs[1].code, OBL_ACCEPTANCE);
    assert_eq!(
        obs[1].trigger,
        d(2026, 6, 30),
        "the 3 months run from the agreed date"
    );
    assert_eq!(obs[1].due, acceptance_limit(&cal, d(2026, 6, 30)));
    assert!(obs[1].due >= d(2026, 9, 30));
    assert_eq!(obs[2].owner_unit_id, Some(UnitId(61)));
    assert_eq!(obs[2].person, "钱伟");
    assert!(obs[2].cite.article.contains("三（六）"));
}

#[test]
fn only_the_owner_reports_a_milestone_done_with_evidence() {
    // ZJ-share 三（六）责任制: the responsible unit reports its milestone, with evidence, once
    let c = competition(1, CompState::Agreed);
    let row = CompObligationRow {
        id: 1,
        competition_id: 1,
        code: format!("{OBL_MILESTONE_PREFIX}1"),
        title: "协议里程碑：完成试点部署".into(),
        cite: cite_responsibility().to_string(),
        trigger_date: "2026-04-01".into(),
        due: d(2026, 5, 31),
        owner: "subject".into(),
        owner_unit_id: Some(UnitId(61)),
        owner_unit_name: Some("杭州某科技有限公司".into()),
        person: Some("钱伟".into()),
        state: "open".into(),
        fulfilled_on: None,
        evidence: None,
        fulfilled_by_name: None,
        evidence_file: None,
    };
    assert!(row.overdue(d(2026, 6, 1)) && !row.overdue(d(2026, 5, 31)));
    assert!(matches!(
        report_milestone(&other_company(), &c, &row, true, "部署报告"),
        Err(Refusal::Forbidden(_))
    ));
    assert!(matches!(
        report_milestone(&lead(), &c, &row, true, "部署报告"),
        Err(Refusal::Forbidden(_))
    ));
    // the evidence is an uploaded document: a note alone is not evidence
    match report_milestone(
        &market_entity(),
        &c,
        &row,
        false,
        "试点部署报告 杭科〔2026〕12号",
    ) {
        Err(Refusal::Rule { cite, .. }) => assert!(cite.article.contains("三（六）")),
        other => panic!("an evidence document is required: {other:?}"),
    }
    assert_eq!(
        report_milestone(&market_entity(), &c, &row, true, ""),
        Ok(())
    );
    assert!(matches!(
        report_milestone(&market_entity(), &c, &row, true, &"长".repeat(2001)),
        Err(Refusal::Invalid { .. })
    ));
    let done = CompObligationRow {
        state: "fulfilled".into(),
        ..row.clone()
    };
    assert!(report_milestone(&market_entity(), &c, &done, true, "再报").is_err());
    let cancelled = competition(1, CompState::Cancelled);
    assert!(report_milestone(&market_entity(), &cancelled, &row, true, "x").is_err());
}

fn entity(kind: CandidateKind, class: Option<InstitutionClass>, mass: bool) -> UnitEntity {
    check_unit_entity(Some(kind), class, mass).unwrap()
}

#[test]
fn the_unit_directory_decides_who_may_provide_a_purchased_service() {
    // ZJ-share 三（三）采用政府购买服务方式的，项目主体应符合政府购买服务承接主体有关规定;
    // 《政府购买服务管理办法》第五、六、八条: 公益二类事业单位 and 社会组织 may provide, 公益一类
    // and state organs may not — as the unit directory records the unit, not as the bid says
    let c = competition(2, CompState::Open);
    let input = |kind: CandidateKind, e: UnitEntity| BidInput {
        kind: Some(kind),
        materials: "可研材料".into(),
        provider: provider_ok(),
        bidder_unit_kind: "institution".into(),
        bidder_entity: Some(e),
        drc_opinion: "同意".into(),
        finance_opinion: "同意".into(),
        ..Default::default()
    };
    let clerk = unit_clerk();
    let pw2 = entity(
        CandidateKind::Institution,
        Some(InstitutionClass::PublicWelfare2),
        false,
    );
    assert_eq!(
        bid(&clerk, &c, &input(CandidateKind::Institution, pw2), 0),
        Ok(())
    );
    let pw1 = entity(
        CandidateKind::Institution,
        Some(InstitutionClass::PublicWelfare1),
        false,
    );
    match bid(&clerk, &c, &input(CandidateKind::Institution, pw1), 0) {
        Err(Refusal::Rule { message, cite }) => {
            assert!(message.contains("公益一类"), "{message}");
            assert!(cite.article.contains("三（三）"));
        }
        other => panic!("公益一类 refused: {other:?}"),
    }
    // the directory's class wins over a declared one: a 公益一类 cannot declare itself 公益二类
    let mut declared = input(CandidateKind::Institution, pw1);
    declared.provider.institution_class = Some(InstitutionClass::PublicWelfare2);
    assert!(matches!(
        bid(&clerk, &c, &declared, 0),
        Err(Refusal::Invalid { .. })
    ));
    let social = entity(CandidateKind::Social, None, false);
    assert_eq!(
        bid(&clerk, &c, &input(CandidateKind::Social, social), 0),
        Ok(())
    );
    let mass = entity(CandidateKind::Social, None, true);
    assert!(matches!(
        bid(&clerk, &c, &input(CandidateKind::Social, mass), 0),
        Err(Refusal::Rule { .. })
    ));
    // a unit cannot bid as another kind than the directory's
    assert!(matches!(
        bid(&clerk, &c, &input(CandidateKind::Market, pw2), 0),
        Err(Refusal::Invalid { .. })
    ));
    let gov = entity(CandidateKind::Government, None, false);
    assert!(matches!(
        bid(&clerk, &c, &input(CandidateKind::Government, gov), 0),
        Err(Refusal::Rule { .. })
    ));
    // class 1 (fiscal investment) is not a purchased service: a 公益一类 may bid
    let c1 = competition(1, CompState::Open);
    assert_eq!(
        bid(&clerk, &c1, &input(CandidateKind::Institution, pw1), 0),
        Ok(())
    );
    // consortium members by their directory entry
    let member = |e: UnitEntity| Member {
        unit_id: Some(UnitId(77)),
        name: "区某单位".into(),
        unit_kind: "institution".into(),
        entity: Some(e),
    };
    let market = BidInput {
        kind: Some(CandidateKind::Market),
        materials: "可研材料".into(),
        provider: provider_ok(),
        ..Default::default()
    };
    let with = |e: UnitEntity| BidInput {
        members: vec![member(e)],
        ..market.clone()
    };
    assert_eq!(bid(&market_entity(), &c, &with(pw2), 0), Ok(()));
    assert_eq!(bid(&market_entity(), &c, &with(social), 0), Ok(()));
    assert!(matches!(
        bid(&market_entity(), &c, &with(pw1), 0),
        Err(Refusal::Rule { .. })
    ));
    // the administrator's entry: a 事业单位 has its class; the flag only for social organisations
    assert!(check_unit_entity(Some(CandidateKind::Institution), None, false).is_err());
    assert!(check_unit_entity(
        Some(CandidateKind::Market),
        Some(InstitutionClass::Business),
        false
    )
    .is_err());
    assert!(check_unit_entity(Some(CandidateKind::Market), None, true).is_err());
    // unrecorded units keep the directory kind's default
    assert_eq!(
        UnitEntity::from_directory("construction", None, None, false).kind,
        CandidateKind::Government
    );
    assert_eq!(
        UnitEntity::from_directory("market", None, None, false).kind,
        CandidateKind::Market
    );
    // only an administrator of the unit's jurisdiction (or above) records it
    let admin = actor(9, "管理员", 20, "/1/2/3/", &[Role::Admin]);
    assert_eq!(can_edit_unit(&admin, "/1/2/3/"), Ok(()));
    assert!(matches!(
        can_edit_unit(&admin, "/1/2/4/"),
        Err(Refusal::Forbidden(_))
    ));
    assert!(matches!(
        can_edit_unit(&lead(), "/1/2/3/"),
        Err(Refusal::Forbidden(_))
    ));
}

#[test]
fn class_three_subjects_each_owe_their_delivery_and_acceptance() {
    // ZJ-share 三（五）第三类项目主体不超过3家; 三（七）超过规定期限3个月未通过验收的，取消其项目主体
    // 资格 — each selected subject owes its own delivery and acceptance, and loses only its own
    let cal = Calendar::builtin();
    let subjects = [UnitId(61), UnitId(62), UnitId(63)];
    let obs = agreement_obligations(&cal, &[], d(2026, 6, 30), &subjects, d(2026, 4, 1));
    assert_eq!(obs.len(), 6, "a delivery and an acceptance per subject");
    for u in subjects {
        let mine: Vec<_> = obs.iter().filter(|o| o.owner_unit_id == Some(u)).collect();
        assert_eq!(mine.len(), 2);
        assert!(mine.iter().all(|o| o.owner == "subject"));
    }
    let codes: std::collections::HashSet<_> = obs.iter().map(|o| o.code.clone()).collect();
    assert_eq!(codes.len(), 6, "codes are unique per competition");
    let mut rows: Vec<CompObligationRow> = obs
        .iter()
        .enumerate()
        .map(|(i, o)| row_of(i as i64 + 1, o))
        .collect();
    assert!(rows.iter().all(|r| r.is_delivery() || r.is_acceptance()));
    // subject 61 delivered and was accepted; 62 delivered; 63 did nothing
    for r in rows.iter_mut() {
        if r.owner_unit_id == Some(UnitId(61))
            || (r.owner_unit_id == Some(UnitId(62)) && r.is_delivery())
        {
            r.state = "fulfilled".into();
        }
    }
    let c = competition(3, CompState::AcceptanceApplied);
    let b63 = bid_of(3, 63, &[]);
    let me63 = actor(63, "第三家", 63, "/1/2/3/", &[Role::MarketEntity]);
    let me62 = actor(62, "第二家", 62, "/1/2/3/", &[Role::MarketEntity]);
    let b62 = bid_of(2, 62, &[]);
    // 63 may still apply while the competition awaits 62's acceptance; 62 not twice
    assert_eq!(
        apply_acceptance_for(
            &me63,
            &c,
            &[&b62, &b63],
            subject_obligation(&rows, UnitId(63), false),
            d(2026, 7, 1)
        ),
        Ok(())
    );
    assert!(apply_acceptance_for(
        &me62,
        &c,
        &[&b62, &b63],
        subject_obligation(&rows, UnitId(62), false),
        d(2026, 7, 1)
    )
    .is_err());
    // after 3 months: 61 (accepted) cannot be cancelled, 63 can — the others go on
    let late = d(2026, 10, 15);
    assert!(matches!(
        confirm_subject_cancellation(
            &lead(),
            &cal,
            &c,
            subject_obligation(&rows, UnitId(61), true),
            late,
            "逾期",
            Some("pending")
        ),
        Err(Refusal::Rule { .. })
    ));
    assert_eq!(
        confirm_subject_cancellation(
            &lead(),
            &cal,
            &c,
            subject_obligation(&rows, UnitId(63), true),
            late,
            "逾期未验收",
            Some("pending")
        ),
        Ok(())
    );
    assert!(confirm_subject_cancellation(
        &lead(),
        &cal,
        &c,
        subject_obligation(&rows, UnitId(63), true),
        d(2026, 9, 1),
        "逾期",
        Some("pending")
    )
    .is_err());
    // one subject keeps the plain codes (agreements signed before stay readable)
    let one = agreement_obligations(&cal, &[], d(2026, 6, 30), &[UnitId(61)], d(2026, 4, 1));
    assert_eq!(one[0].code, OBL_DELIVERY);
    assert_eq!(one[1].code, OBL_ACCEPTANCE);
}

#[test]
fn implementation_steps_follow_the_class() {
    // ZJ-share 三（六）组织实施: class 1 — approval, funds by source, a working group and refined
    // plan, government procurement where required; class 2 — approval, social money, service
    // tender, purchase-of-service agreement; class 3 — the subject funds it.
    use tongchou_domain::market::{cite_implementation, implementation_steps};
    let one = implementation_steps(1).join("；");
    assert!(one.contains("立项审批") && one.contains("工作专班") && one.contains("政府采购"));
    let two = implementation_steps(2).join("；");
    assert!(two.contains("社会资金筹措") && two.contains("政府购买服务协议"));
    assert!(!two.contains("工作专班"));
    let three = implementation_steps(3).join("；");
    assert!(three.contains("项目主体负责落实项目建设资金"));
    assert!(cite_implementation().to_string().contains("三（六）"));
}

/// ZJ-share 三（六）组织实施: the class's steps become dated items owed by each selected subject
/// (class 1: four steps), dated by the agreement (default: the delivery date), never after it.
#[test]
fn implementation_steps_become_subject_obligations_dated_by_the_agreement() {
    let delivery = d(2026, 6, 30);
    let obs = implementation_obligations(
        1,
        &[UnitId(61)],
        &[Some(d(2026, 4, 30))],
        delivery,
        d(2026, 4, 1),
    )
    .unwrap();
    assert_eq!(obs.len(), 4);
    assert_eq!(obs[0].code, format!("{OBL_MILESTONE_PREFIX}step1"));
    assert!(obs[0].title.contains("立项审批"));
    assert_eq!(obs[0].due, d(2026, 4, 30));
    assert_eq!(obs[3].due, delivery, "default: the agreed delivery date");
    assert!(obs
        .iter()
        .all(|o| o.owner == "subject" && o.owner_unit_id == Some(UnitId(61))));
    // class 3 with two subjects: each its own step
    let two =
        implementation_obligations(3, &[UnitId(61), UnitId(62)], &[], delivery, d(2026, 4, 1))
            .unwrap();
    assert_eq!(two.len(), 2);
    assert_ne!(two[0].code, two[1].code);
    // after the delivery date: refused
    let late = implementation_obligations(
        2,
        &[UnitId(61)],
        &[None, Some(d(2026, 7, 1))],
        delivery,
        d(2026, 4, 1),
    );
    assert!(matches!(late, Err(Refusal::Rule { .. })));
}

/// ZJ-share 四 (资金使用监督评估): fund use never beyond the agreed amount (hard); only a selected
/// subject or the lead unit records; another market entity does not see it; the lead unit or the
/// authority questions with a reason.
#[test]
fn fund_use_within_agreed_amount_by_subject_or_lead_unit() {
    let mut c = competition(3, CompState::Agreed);
    let b = Bid {
        shortlisted: true,
        ..bid_of(1, 61, &[])
    };
    let sel = vec![&b];
    let me = market_entity();
    // no agreed amount: nothing to record against
    assert!(record_fund_use(&me, &c, &sel, 100, "开发", 0).is_err());
    c.agreed_fen = Some(10_000);
    assert!(record_fund_use(&me, &c, &sel, 6_000, "开发", 0).is_ok());
    assert!(record_fund_use(&lead(), &c, &sel, 4_000, "部署", 6_000).is_ok());
    assert!(matches!(
        record_fund_use(&me, &c, &sel, 4_001, "部署", 6_000),
        Err(Refusal::Rule { .. })
    ));
    assert!(matches!(
        record_fund_use(&other_company(), &c, &sel, 1, "x", 0),
        Err(Refusal::Forbidden(_))
    ));
    let authority = actor(70, "区数据资源局", 70, "/1/2/3/", &[Role::Authority]);
    assert!(matches!(
        record_fund_use(&authority, &c, &sel, 1, "x", 0),
        Err(Refusal::Forbidden(_))
    ));
    assert!(can_view_fund_use(&me, &sel));
    assert!(can_view_fund_use(&authority, &sel));
    assert!(!can_view_fund_use(&other_company(), &sel));
    let u = FundUse {
        id: 1,
        competition_id: c.id,
        unit_id: UnitId(61),
        unit_name: "杭州某科技有限公司".into(),
        amount_fen: 6_000,
        used_on: d(2026, 5, 1),
        purpose: "开发".into(),
        evidence_filename: None,
        evidence_sha256: None,
        questioned: false,
        question_reason: None,
        questioned_by_name: None,
        recorded_by_name: "陈立".into(),
        recorded_at: String::new(),
    };
    assert!(question_fund_use(&authority, &c, &u, "缺少依据").is_ok());
    assert!(question_fund_use(&lead(), &c, &u, "缺少依据").is_ok());
    assert!(question_fund_use(&lead(), &c, &u, " ").is_err());
    assert!(matches!(
        question_fund_use(&me, &c, &u, "x"),
        Err(Refusal::Forbidden(_))
    ));
}
