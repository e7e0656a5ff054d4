//! Notifications leaving the system (issue 3, **[product]** rules): recipients, addresses,
//! retries, and who may manage them.
use tongchou_domain::notify::{
    after_failure, backoff_ms, can_manage_outbox, can_set_email, receives, validate_email,
    AfterFailure,
};
use tongchou_domain::{Actor, JurisdictionId, Role, UnitId, UserId};

fn actor(id: i64, path: &str, roles: &[Role]) -> Actor {
    Actor {
        user_id: UserId(id),
        name: format!("用户{id}"),
        unit_id: UnitId(id),
        unit_name: "单位".into(),
        jurisdiction_id: JurisdictionId(1),
        jurisdiction_path: path.into(),
        roles: roles.to_vec(),
    }
}

// [product] issue 3: an address goes into SMTP commands and headers; anything that could break
// out of them (CR/LF, spaces, angle brackets) is refused beside the field.
#[test]
fn email_address_is_validated_and_injection_refused() {
    assert_eq!(
        validate_email("  li.ming@Sjj.Example.GOV.cn ").unwrap(),
        Some("li.ming@sjj.example.gov.cn".into())
    );
    assert_eq!(
        validate_email("").unwrap(),
        None,
        "empty clears the address"
    );
    for bad in [
        "no-at-sign",
        "a@b",
        "@example.cn",
        "a@@example.cn",
        "a b@example.cn",
        "a@example.cn\r\nRCPT TO:<x@evil.cn>",
        "<a@example.cn>",
        "a@-x.cn",
        "a@x..cn",
        "张三@example.cn",
    ] {
        assert!(validate_email(bad).is_err(), "{bad:?} must be refused");
    }
}

// [product] issue 3: e-mail goes to the people who see the notification in their 通知 inbox —
// holders of the addressed role in the notification's jurisdiction or one above it.
#[test]
fn notification_recipients_hold_the_role_in_or_above_the_jurisdiction() {
    assert!(receives(
        &[Role::Authority],
        "/1/2/3/",
        Role::Authority,
        "/1/2/3/"
    ));
    assert!(receives(
        &[Role::Authority],
        "/1/2/",
        Role::Authority,
        "/1/2/3/"
    ));
    assert!(!receives(
        &[Role::Unit],
        "/1/2/3/",
        Role::Authority,
        "/1/2/3/"
    ));
    assert!(!receives(
        &[Role::Authority],
        "/1/2/4/",
        Role::Authority,
        "/1/2/3/"
    ));
}

// [product] issue 3: a failed delivery is retried with growing waits, then given up and shown.
#[test]
fn failed_delivery_backs_off_then_gives_up_at_the_limit() {
    assert_eq!(backoff_ms(1, 30_000), 30_000);
    assert_eq!(backoff_ms(2, 30_000), 60_000);
    assert_eq!(backoff_ms(4, 30_000), 240_000);
    assert_eq!(
        backoff_ms(60, 30_000),
        6 * 3600 * 1000,
        "capped at six hours"
    );
    assert_eq!(after_failure(1, 3, 1000), AfterFailure::RetryIn(1000));
    assert_eq!(after_failure(2, 3, 1000), AfterFailure::RetryIn(2000));
    assert_eq!(after_failure(3, 3, 1000), AfterFailure::GiveUp);
}

// [product] issue 3: a user sets their own address; an administrator may set one for accounts of
// their jurisdiction; only administrators see the outbox.
#[test]
fn own_email_or_administrator_of_the_jurisdiction_only() {
    let unit = actor(7, "/1/2/3/", &[Role::Unit]);
    let admin = actor(9, "/1/2/3/", &[Role::Admin]);
    let other_admin = actor(10, "/1/2/4/", &[Role::Admin]);
    assert!(can_set_email(&unit, UserId(7), "/1/2/3/"));
    assert!(!can_set_email(&unit, UserId(8), "/1/2/3/"));
    assert!(can_set_email(&admin, UserId(8), "/1/2/3/"));
    assert!(!can_set_email(&other_admin, UserId(8), "/1/2/3/"));
    assert!(can_manage_outbox(&admin));
    assert!(!can_manage_outbox(&unit));
}
