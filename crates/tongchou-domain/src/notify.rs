//! Notifications leaving the system (e-mail, webhook): who receives one, what address is
//! acceptable, and how failed deliveries are retried. No I/O.
use crate::{Actor, Role};

/// An e-mail address as entered on the 设置 page, checked strictly enough that it can go into an
/// SMTP command and a header unchanged: one `@`, a non-empty local part, a dotted domain, no
/// spaces, controls or the characters that delimit SMTP paths and header lists.
/// `Ok(None)` clears the address (empty input).
pub fn validate_email(input: &str) -> Result<Option<String>, String> {
    let s = input.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if s.len() > 254 {
        return Err("电子邮箱地址过长（最多 254 个字符）".into());
    }
    if s.chars().any(|c| {
        c.is_control() || c.is_whitespace() || "<>()[],;:\\\"".contains(c) || !c.is_ascii()
    }) {
        return Err("电子邮箱地址含有不允许的字符".into());
    }
    let mut parts = s.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err("电子邮箱地址应为“名称@域名”的形式".into());
    };
    if local.is_empty() || local.len() > 64 || local.starts_with('.') || local.ends_with('.') {
        return Err("电子邮箱地址“@”前的部分不正确".into());
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2
        || labels.iter().any(|l| {
            l.is_empty()
                || l.len() > 63
                || l.starts_with('-')
                || l.ends_with('-')
                || !l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
    {
        return Err("电子邮箱地址的域名不正确".into());
    }
    Ok(Some(format!("{local}@{}", domain.to_ascii_lowercase())))
}

/// Whether an account receives a notification addressed to `role` within `notification_path`:
/// the same people who see it in their 通知 inbox — holders of the role whose jurisdiction is the
/// notification's or one above it.
pub fn receives(
    roles: &[Role],
    user_jurisdiction_path: &str,
    role: Role,
    notification_path: &str,
) -> bool {
    roles.contains(&role) && notification_path.starts_with(user_jurisdiction_path)
}

/// How long to wait before the next attempt after `attempts` failed ones: `base_ms` doubled each
/// time, at most six hours.
pub fn backoff_ms(attempts: u32, base_ms: i64) -> i64 {
    const CAP: i64 = 6 * 3600 * 1000;
    let shift = attempts.saturating_sub(1).min(20);
    base_ms.saturating_mul(1i64 << shift).min(CAP)
}

/// What happens after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Try again in this many milliseconds.
    RetryIn(i64),
    /// The limit is reached: the delivery is failed and shown to the administrator.
    GiveUp,
}

/// `attempts`: attempts made so far, the failed one included.
pub fn after_failure(attempts: u32, max_attempts: u32, base_ms: i64) -> AfterFailure {
    if attempts >= max_attempts {
        AfterFailure::GiveUp
    } else {
        AfterFailure::RetryIn(backoff_ms(attempts, base_ms))
    }
}

/// Who may see the outbox and retry failed deliveries: an administrator, for their jurisdiction.
pub fn can_manage_outbox(actor: &Actor) -> bool {
    actor.has(Role::Admin)
}

/// Who may set an account's e-mail address: its owner, or an administrator whose jurisdiction
/// covers the account's.
pub fn can_set_email(actor: &Actor, user: crate::UserId, user_jurisdiction_path: &str) -> bool {
    actor.user_id == user || (actor.has(Role::Admin) && actor.covers(user_jurisdiction_path))
}
