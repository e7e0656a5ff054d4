//! Domain tests of issue 4's second half: cost sharing (Shaoxing art.23), cloud purchasing
//! (ZJ-share 三(八), Shaoxing art.24), the ledger import sheet, and the OCDS mapping.
//! Each test names the article (or **[product]** rule) it checks.

mod support;

use proptest::prelude::*;
use support::*;
use tongchou_domain::cloud::{check_provider, route, Route};
use tongchou_domain::cost_sharing::{
    apportion, compute, record, County, Params, RegulatoryRule, SharingKind,
};
use tongchou_domain::ledger::{number_text, parse_sheet, IMPORT_COLUMNS};
use tongchou_domain::lifecycle::{Event, Refusal};
use tongchou_domain::ocds::{
    method_code, release_package, OcdsConfig, OcdsContract, OcdsProcurement, OcdsProgress,
    OcdsProject, Transaction,
};
use tongchou_domain::project::PROCUREMENT_METHODS;
use tongchou_domain::{Stage, Yuan};

fn shaoxing_counties() -> Vec<County> {
    [
        ("越城区", 1_100_000),
        ("柯桥区", 1_150_000),
        ("上虞区", 830_000),
        ("诸暨市", 1_220_000),
        ("嵊州市", 680_000),
        ("新昌县", 440_000),
    ]
    .into_iter()
    .map(|(n, p)| County {
        name: n.into(),
        population: p,
    })
    .collect()
}

fn fen(rows: &tongchou_domain::cost_sharing::Plan) -> Vec<i64> {
    rows.rows.iter().map(|r| r.amount.fen()).collect()
}

// ---------------------------------------------------------------------------------------------
// Cost sharing (M6)
// ---------------------------------------------------------------------------------------------

/// Shaoxing art.23: 审批监管类…按市县 4:6 比例方式进行分摊，各区、县（市）分摊政务云租赁费的 10%.
#[test]
fn regulatory_project_splits_city_40_percent_and_each_of_six_counties_10_percent() {
    let plan = compute(
        SharingKind::Regulatory,
        yuan(6_000_000),
        "绍兴市本级",
        None,
        &shaoxing_counties(),
        Some(2025),
        &Params::default(),
    )
    .unwrap();
    assert_eq!(plan.rows[0].party, "绍兴市本级");
    assert_eq!(plan.rows[0].amount, yuan(2_400_000));
    for r in &plan.rows[1..] {
        assert_eq!(r.amount, yuan(600_000), "{}", r.party);
        assert_eq!(r.bp, 1000);
    }
    assert_eq!(plan.sum(), plan.total);
}

/// Shaoxing art.23: 直接面向基层涉及民生类项目，各区、县（市）按上年常住人口比例方式进行分摊 (the
/// city states its own share in the plan; the counties split the rest by population).
#[test]
fn livelihood_project_splits_the_rest_by_last_years_resident_population() {
    let counties = vec![
        County {
            name: "甲区".into(),
            population: 300_000,
        },
        County {
            name: "乙县".into(),
            population: 100_000,
        },
    ];
    let plan = compute(
        SharingKind::Livelihood,
        yuan(5_000_000),
        "市级",
        Some(yuan(1_000_000)),
        &counties,
        Some(2025),
        &Params::default(),
    )
    .unwrap();
    assert_eq!(fen(&plan), vec![100_000_000, 300_000_000, 100_000_000]);
    assert_eq!(plan.population_year, Some(2025));
    assert!(plan.rows[1].basis.contains("300,000"));
}

/// Shaoxing art.23: the plan states the city's own share — a livelihood plan without it, or with a
/// city share above the rent, or a county without population figures, is refused.
#[test]
fn livelihood_plan_needs_the_city_share_and_every_countys_population() {
    let p = Params::default();
    let c = shaoxing_counties();
    let e = compute(
        SharingKind::Livelihood,
        yuan(5_000_000),
        "市级",
        None,
        &c,
        None,
        &p,
    )
    .unwrap_err();
    assert!(e.to_string().contains("市级承担部分"), "{e}");
    let e = compute(
        SharingKind::Livelihood,
        yuan(100),
        "市级",
        Some(yuan(101)),
        &c,
        None,
        &p,
    )
    .unwrap_err();
    assert!(e.to_string().contains("不能超过"), "{e}");
    let mut c2 = c.clone();
    c2[2].population = 0;
    let e = compute(
        SharingKind::Livelihood,
        yuan(100),
        "市级",
        Some(Yuan::ZERO),
        &c2,
        None,
        &p,
    )
    .unwrap_err();
    assert!(e.to_string().contains("上虞区"), "{e}");
}

/// Shaoxing art.23: 政务云年租赁费在 500 万元及以上的 … 应同步制定分摊方案 (at 5,000,000.00 exactly:
/// required; one fen below: not required).
#[test]
fn sharing_plan_required_from_exactly_5_million_yuan_a_year() {
    let p = Params::default();
    let c = shaoxing_counties();
    let at = compute(
        SharingKind::Regulatory,
        yuan(5_000_000),
        "市级",
        None,
        &c,
        None,
        &p,
    )
    .unwrap();
    assert!(at.plan_required);
    let below = compute(
        SharingKind::Regulatory,
        Yuan::from_fen(499_999_999),
        "市级",
        None,
        &c,
        None,
        &p,
    )
    .unwrap();
    assert!(!below.plan_required);
    assert!(below.notes[0].contains("不强制"));
}

/// [product] Exact money: shares are whole fen summing to the total. 100.00 yuan over three equal
/// counties is 33.34 + 33.33 + 33.33 — the one leftover fen goes to the largest remainder, ties to
/// the party listed first.
#[test]
fn shares_sum_exactly_and_the_last_fen_goes_to_the_largest_remainder() {
    assert_eq!(
        apportion(10_000, &[1, 1, 1]).unwrap(),
        vec![3334, 3333, 3333]
    );
    // Remainders decide, not order: 5 fen at 1:2 → 1.67/3.33 → 2 and 3.
    assert_eq!(apportion(5, &[1, 2]).unwrap(), vec![2, 3]);
    assert_eq!(apportion(7, &[3, 3, 4]).unwrap(), vec![2, 2, 3]);
    // Regulatory, 6 counties, 1,000,000.01 yuan: the city's 40% of an odd fen.
    let plan = compute(
        SharingKind::Regulatory,
        Yuan::from_fen(100_000_001),
        "市级",
        None,
        &shaoxing_counties(),
        None,
        &Params::default(),
    )
    .unwrap();
    assert_eq!(plan.sum(), Yuan::from_fen(100_000_001));
    // Exact: city 40,000,000.4 fen, each county 10,000,000.1 fen → the fen goes to the city.
    assert_eq!(plan.rows[0].amount, Yuan::from_fen(40_000_001));
    assert!(plan.rows[1..]
        .iter()
        .all(|r| r.amount == Yuan::from_fen(10_000_000)));
}

/// Shaoxing art.23 with a county count ≠ 6: 4:6 and "10% each" disagree; the parameter says which
/// wins (default: the 4:6 ratio, counties splitting 60% equally).
#[test]
fn county_count_other_than_six_follows_the_configured_rule() {
    let five: Vec<County> = shaoxing_counties().into_iter().take(5).collect();
    let mut p = Params::default();
    let ratio = compute(
        SharingKind::Regulatory,
        yuan(1_000_000),
        "市级",
        None,
        &five,
        None,
        &p,
    )
    .unwrap();
    assert_eq!(ratio.rows[0].amount, yuan(400_000));
    assert!(ratio.rows[1..].iter().all(|r| r.amount == yuan(120_000)));
    assert!(ratio.notes.iter().any(|n| n.contains("5 个而非 6 个")));
    p.regulatory_rule = RegulatoryRule::PerCounty;
    let per = compute(
        SharingKind::Regulatory,
        yuan(1_000_000),
        "市级",
        None,
        &five,
        None,
        &p,
    )
    .unwrap();
    assert_eq!(per.rows[0].amount, yuan(500_000));
    assert!(per.rows[1..].iter().all(|r| r.amount == yuan(100_000)));
    // Eleven counties at 10% each would exceed the whole rent.
    let eleven: Vec<County> = (0..11)
        .map(|i| County {
            name: format!("县{i}"),
            population: 1,
        })
        .collect();
    assert!(compute(
        SharingKind::Regulatory,
        yuan(100),
        "市级",
        None,
        &eleven,
        None,
        &p
    )
    .is_err());
}

/// Shaoxing art.23 (方案…牵头的市级部门…负责落实): the project's own unit or the authority stores
/// the table with the project, as a history entry that does not change the stage; others may not.
#[test]
fn a_plan_is_stored_with_the_project_by_its_unit_or_the_authority_only() {
    let ctx = at(Stage::ComplianceReview);
    let plan = compute(
        SharingKind::Regulatory,
        yuan(6_000_000),
        "市级",
        None,
        &shaoxing_counties(),
        None,
        &Params::default(),
    )
    .unwrap();
    let d = record(&ctx.project, &unit_clerk(), plan.clone()).unwrap();
    assert_eq!((d.from, d.to), (ctx.project.stage, ctx.project.stage));
    assert!(
        matches!(&d.events[0], Event::CostSharingPlanned { plan: p } if p.total == yuan(6_000_000))
    );
    assert!(d.summary.contains("6,000,000.00"));
    assert!(record(&ctx.project, &authority(), plan.clone()).is_ok());
    assert!(matches!(
        record(&ctx.project, &other_clerk(), plan.clone()),
        Err(Refusal::Forbidden(_))
    ));
    assert!(matches!(
        record(&at(Stage::Ended).project, &unit_clerk(), plan),
        Err(Refusal::WrongStage { .. })
    ));
}

proptest! {
    /// [product] No rounding ever loses or invents a fen, and no share is more than one fen away
    /// from its exact value.
    #[test]
    fn apportioned_shares_always_sum_to_the_total(
        total in 0i64..1_000_000_000_000,
        weights in proptest::collection::vec(1u128..5_000_000, 1..12),
    ) {
        let shares = apportion(total, &weights).unwrap();
        prop_assert_eq!(shares.iter().sum::<i64>(), total);
        let wsum: u128 = weights.iter().sum();
        for (s, w) in shares.iter().zip(&weights) {
            let exact_floor = (total as u128 * w / wsum) as i64;
            prop_assert!(*s == exact_floor || *s == exact_floor + 1);
        }
    }

    /// [product] An amount written to a spreadsheet cell as a number reads back to the same fen.
    #[test]
    fn money_cells_read_back_to_the_same_fen(fen in 0i64..1_000_000_000_000_000) {
        let cell = fen as f64 / 100.0;
        prop_assert_eq!(Yuan::parse(&number_text(cell)).unwrap().fen(), fen);
    }
}

// ---------------------------------------------------------------------------------------------
// Cloud purchasing (M7)
// ---------------------------------------------------------------------------------------------

/// ZJ-share 三(八): 年度累计云计算服务采购金额未达到政府采购限额标准的，实行单位自行采购.
#[test]
fn cloud_purchase_keeping_the_yearly_total_below_the_threshold_is_the_units_own() {
    let r = route(yuan(600_000), Yuan::from_fen(39_999_999), yuan(1_000_000)).unwrap();
    assert_eq!(r.route, Route::Own);
    assert_eq!(r.cumulative, Yuan::from_fen(99_999_999));
    assert!(r.reason.contains("三（八）"), "{}", r.reason);
}

/// ZJ-share 三(八): 达到政府采购限额标准的，依法依规实行政府采购 — reaching the threshold exactly
/// counts, and the cumulative total includes the year's earlier purchases.
#[test]
fn cloud_purchase_reaching_the_threshold_with_earlier_purchases_goes_to_government_procurement() {
    let exactly = route(yuan(600_000), yuan(400_000), yuan(1_000_000)).unwrap();
    assert_eq!(exactly.route, Route::Government);
    assert_eq!(exactly.cumulative, yuan(1_000_000));
    // Small on its own, but the year's total is past the threshold.
    let small = route(yuan(1_200_000), yuan(1), yuan(1_000_000)).unwrap();
    assert_eq!(small.route, Route::Government);
    assert!(route(Yuan::ZERO, Yuan::ZERO, yuan(1)).is_err());
}

/// Shaoxing art.24: 从入围的政务云服务提供商名录中确定租赁服务提供商.
#[test]
fn cloud_provider_off_the_approved_list_is_refused() {
    assert!(check_provider("阿里云", true).is_ok());
    let e = check_provider("某未入围云", false).unwrap_err();
    assert!(e.to_string().contains("第二十四条"), "{e}");
}

// ---------------------------------------------------------------------------------------------
// Ledger import sheet
// ---------------------------------------------------------------------------------------------

fn header() -> Vec<String> {
    IMPORT_COLUMNS
        .iter()
        .map(|c| c.header.to_string())
        .collect()
}

fn example_row() -> Vec<String> {
    IMPORT_COLUMNS
        .iter()
        .map(|c| c.example.to_string())
        .collect()
}

/// [product] The template's example row is a valid draft (the same parsing as the draft form,
/// Shangcheng 项目申报), with the Chinese choice labels read as their codes.
#[test]
fn template_example_row_parses_as_a_draft() {
    let inputs = parse_sheet(&[header(), example_row()]).unwrap();
    assert_eq!(inputs.len(), 1);
    assert_eq!(inputs[0].it_amount, yuan(1_200_000));
    assert_eq!(inputs[0].participants, vec!["区民政局", "区卫生健康局"]);
}

/// [product] Every bad cell is reported with its row and column, in Chinese, and nothing is
/// returned to import.
#[test]
fn import_reports_each_bad_cell_with_row_and_column_and_imports_nothing() {
    let mut bad = example_row();
    bad[4] = "一百万".into(); // 信息化部分投资（元）
    bad[2] = "新造".into(); // 建设性质
    let mut short = example_row();
    short[0] = "项目".into();
    let errs = parse_sheet(&[header(), example_row(), bad, short]).unwrap_err();
    let text: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
    assert!(
        text.iter()
            .any(|t| t.starts_with("第 3 行「信息化部分投资（元）」：金额格式不正确")),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|t| t.starts_with("第 3 行「建设性质」：「新造」不是可选值")),
        "{text:?}"
    );
    assert!(
        text.iter().any(|t| t.starts_with("第 4 行「项目名称」")),
        "{text:?}"
    );
    assert_eq!(errs.len(), 3, "{text:?}");
}

/// [product] A sheet whose headers are not the template's is refused as a whole: unknown columns
/// and missing required ones are named.
#[test]
fn import_with_wrong_headers_names_the_columns_and_imports_nothing() {
    let mut h = header();
    h[4] = "总投资（万元）".into();
    let errs = parse_sheet(&[h, example_row()]).unwrap_err();
    let text: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
    assert!(
        text.iter()
            .any(|t| t.contains("「总投资（万元）」不是导入模板的列")),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|t| t.contains("缺少必填列：信息化部分投资（元）")),
        "{text:?}"
    );
    assert!(parse_sheet(&[]).is_err());
    assert!(parse_sheet(&[header()]).is_err(), "no data rows");
}

/// [product] An exported ledger imports back: its extra columns (编号、阶段、立项金额…) are ignored,
/// column order does not matter, and half-width brackets in headers are accepted.
#[test]
fn ledger_columns_are_ignored_and_order_does_not_matter() {
    let mut h = vec!["项目编号".to_string(), "阶段".to_string()];
    h.extend(
        header()
            .into_iter()
            .rev()
            .map(|x| x.replace('（', "(").replace('）', ")")),
    );
    let mut row = vec!["ZW-2027-03-00001".to_string(), "草稿".to_string()];
    row.extend(example_row().into_iter().rev());
    let inputs = parse_sheet(&[h, row]).unwrap();
    assert_eq!(inputs[0].name, IMPORT_COLUMNS[0].example);
}

// ---------------------------------------------------------------------------------------------
// OCDS
// ---------------------------------------------------------------------------------------------

/// [product] Every Chinese procurement method maps to a code of OCDS's closed `method` codelist.
#[test]
fn every_procurement_method_maps_to_the_ocds_method_codelist() {
    for (code, _) in PROCUREMENT_METHODS {
        let m = method_code(code).unwrap_or_else(|| panic!("{code} unmapped"));
        assert!(
            ["open", "selective", "limited", "direct"].contains(&m),
            "{code} → {m}"
        );
    }
    assert_eq!(method_code("open_tender"), Some("open"));
    assert_eq!(method_code("single_source"), Some("direct"));
}

/// [product] The release carries the sections present and tags them from the releaseTag codelist;
/// payments come in through the transaction extension point with exact amounts.
#[test]
fn ocds_release_tags_the_sections_present_and_takes_transactions() {
    let ctx = at(Stage::InConstruction);
    let cfg = OcdsConfig {
        ocid_prefix: "ocds-abc123".into(),
        publisher: "测试".into(),
        published: "2026-05-01T10:00:00+08:00".into(),
    };
    let input = OcdsProject {
        project: &ctx.project,
        procurement: Some(OcdsProcurement {
            method: "competitive_consultation".into(),
            ceiling: yuan(CEILING),
            doc_date: procurement_date(),
        }),
        contract: Some(OcdsContract {
            supplier: "浙江某科技有限公司".into(),
            amount: yuan(CONTRACT),
            signed_date: contract_date(),
            period_months: 6,
        }),
        progress: vec![OcdsProgress {
            month: "2026-04".into(),
            percent: 30,
            summary: "完成需求分析".into(),
            submitted_at: "2026-04-18T09:00:00+08:00".into(),
        }],
        transactions: vec![Transaction {
            id: "pay-1".into(),
            date: d(2026, 4, 20),
            amount: Yuan::from_fen(22_500_050),
            payee: "浙江某科技有限公司".into(),
            description: "首付款".into(),
        }],
        amendments: vec![],
    };
    let v = release_package(&input, &cfg);
    let r = &v["releases"][0];
    assert_eq!(r["ocid"], format!("ocds-abc123-{}", ctx.project.code));
    assert_eq!(
        r["tag"],
        serde_json::json!(["planning", "tender", "award", "contract", "implementation"])
    );
    assert_eq!(r["tender"]["procurementMethod"], "limited");
    assert_eq!(r["tender"]["procurementMethodDetails"], "竞争性磋商");
    assert_eq!(r["tender"]["value"]["amount"], serde_json::json!(CEILING));
    assert_eq!(r["contracts"][0]["status"], "active");
    let t = &r["contracts"][0]["implementation"]["transactions"][0];
    assert_eq!(t["value"]["amount"].to_string(), "225000.5");
    assert_eq!(
        r["contracts"][0]["period"]["endDate"],
        format!(
            "{}T00:00:00+08:00",
            tongchou_domain::lifecycle::add_months(contract_date(), 6)
        )
    );
}

/// [product] Once the project runs in operation (accepted) or has ended, its contract has come to
/// a close: OCDS contract status `terminated` and the `contractTermination` tag.
#[test]
fn ocds_contract_of_an_accepted_project_is_closed() {
    let ctx = at(Stage::InOperation);
    let cfg = OcdsConfig {
        ocid_prefix: "ocds-abc123".into(),
        publisher: "测试".into(),
        published: "2026-05-01T10:00:00+08:00".into(),
    };
    let input = OcdsProject {
        project: &ctx.project,
        procurement: None,
        contract: Some(OcdsContract {
            supplier: "浙江某科技有限公司".into(),
            amount: yuan(CONTRACT),
            signed_date: contract_date(),
            period_months: 6,
        }),
        progress: vec![],
        transactions: vec![],
        amendments: vec![],
    };
    let v = release_package(&input, &cfg);
    let r = &v["releases"][0];
    assert_eq!(r["contracts"][0]["status"], "terminated");
    assert!(r["tag"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!("contractTermination")));
}
