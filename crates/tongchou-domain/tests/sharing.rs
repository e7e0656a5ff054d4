//! The provincial shared-application mechanism (ZJ-share, seed 000) as a stored profile:
//! written as TOML, validated whole, edited only from the province.

mod support;

use support::*;
use tongchou_domain::profile::{can_edit_sharing_rules, SharingRules};
use tongchou_domain::Role;

const ZJ: &str = "浙江省数字政府系统“一地创新、全省共享”应用建设机制";

// ZJ-share 三(五) 入选发布, 三(七) 交付验收: the shipped rules survive a store/load round trip
// with their citations.
#[test]
fn zj_share_rules_round_trip_through_toml_with_citations() {
    let r = SharingRules::zj_share();
    let back = SharingRules::from_toml(&r.to_toml()).unwrap();
    assert_eq!(back, r);
    assert_eq!(back.cancel_cite.document, ZJ);
    assert_eq!(back.cancel_cite.article, "三(七) 交付验收");
    assert_eq!(back.max_subjects(3), Some(3));
}

// ZJ-share 三(五) (第三类原则上项目主体不超过3家) and 三(七) (超过规定期限3个月): an edit is
// validated whole, every problem listed, nothing applied.
#[test]
fn zj_share_edit_with_a_missing_class_and_zero_months_is_refused_whole() {
    let mut r = SharingRules::zj_share();
    r.class_limits.retain(|l| l.class != 3);
    r.cancel_after_missed_delivery_months = 0;
    r.cancel_cite.article = " ".into();
    let errs = SharingRules::from_toml(&r.to_toml()).unwrap_err();
    assert!(errs.iter().any(|e| e.contains("第3类")), "{errs:?}");
    assert!(
        errs.iter()
            .any(|e| e.contains("cancel_after_missed_delivery_months")),
        "{errs:?}"
    );
    assert!(errs.iter().any(|e| e.contains("cancel_cite")), "{errs:?}");
    assert!(SharingRules::from_toml("notice_working_days = [").is_err());
}

// [product] the provincial mechanism is edited by an administrator covering the province only.
#[test]
fn only_a_province_administrator_edits_zj_share_rules() {
    assert!(can_edit_sharing_rules(&actor(
        90,
        "省管理员",
        1,
        "/1/",
        &[Role::Admin]
    )));
    assert!(!can_edit_sharing_rules(&actor(
        91,
        "市管理员",
        2,
        "/1/2/",
        &[Role::Admin]
    )));
    assert!(!can_edit_sharing_rules(&actor(
        92,
        "省主管",
        1,
        "/1/",
        &[Role::Authority]
    )));
}
