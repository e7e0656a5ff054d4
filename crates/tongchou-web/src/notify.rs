//! Notifications leaving the system: every notification fans out to the outbox (an e-mail per
//! recipient with an address, one signed webhook post), a worker sends what is due with a lease
//! and retries with backoff, and each account with an address gets one digest a day of what
//! 我的待办 shows. The outbox's unique keys make every step safe to re-run.
use crate::error::AppError;
use crate::smtp::{self, SmtpConfig};
use crate::AppState;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::sync::OnceLock;
use std::time::Duration;
use tongchou_domain::notify::{after_failure, receives, validate_email, AfterFailure};
use tongchou_domain::{Date, Role};
use tongchou_store::outbox::{now_ms, DeliveryRow, NewDelivery, Outcome};

/// Where notifications go, from the environment (see README).
#[derive(Clone, Debug)]
pub struct NotifyConfig {
    /// `TONGCHOU_SMTP_URL`; None: no e-mail.
    pub smtp: Option<SmtpConfig>,
    /// `TONGCHOU_MAIL_FROM`.
    pub mail_from: String,
    /// `TONGCHOU_WEBHOOK_URL` and `TONGCHOU_WEBHOOK_SECRET`; None: no webhook.
    pub webhook: Option<WebhookConfig>,
    /// Attempts before a delivery is failed (`TONGCHOU_NOTIFY_MAX_ATTEMPTS`, default 8).
    pub max_attempts: u32,
    /// Wait after the first failure, doubled each time (`TONGCHOU_NOTIFY_RETRY_SECS`, default 60).
    pub retry_base_ms: i64,
    /// Local hour (Asia/Shanghai) from which the daily digest goes out (`TONGCHOU_DIGEST_HOUR`, default 8).
    pub digest_hour: i8,
}

#[derive(Clone)]
pub struct WebhookConfig {
    pub url: String,
    pub secret: String,
}

impl std::fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "WebhookConfig({}, secret ***)", self.url)
    }
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig {
            smtp: None,
            mail_from: String::new(),
            webhook: None,
            max_attempts: 8,
            retry_base_ms: 60_000,
            digest_hour: 8,
        }
    }
}

impl NotifyConfig {
    /// Read and check the settings; a wrong one stops the start with its reason.
    pub fn from_env() -> Result<NotifyConfig, String> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let mut c = NotifyConfig::default();
        if let Some(url) = var("TONGCHOU_SMTP_URL") {
            c.smtp = Some(SmtpConfig::parse(&url)?);
            let from = var("TONGCHOU_MAIL_FROM")
                .ok_or("设置了 TONGCHOU_SMTP_URL 时须同时设置 TONGCHOU_MAIL_FROM（发件地址）")?;
            c.mail_from = validate_email(&from)
                .map_err(|e| format!("TONGCHOU_MAIL_FROM：{e}"))?
                .unwrap_or_default();
        }
        if let Some(url) = var("TONGCHOU_WEBHOOK_URL") {
            let secret = var("TONGCHOU_WEBHOOK_SECRET").ok_or(
                "设置了 TONGCHOU_WEBHOOK_URL 时须同时设置 TONGCHOU_WEBHOOK_SECRET（签名密钥）",
            )?;
            c.webhook = Some(WebhookConfig::new(&url, &secret)?);
        }
        if let Some(n) = var("TONGCHOU_NOTIFY_MAX_ATTEMPTS") {
            c.max_attempts = n
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=100).contains(n))
                .ok_or("TONGCHOU_NOTIFY_MAX_ATTEMPTS 应为 1–100")?;
        }
        if let Some(n) = var("TONGCHOU_NOTIFY_RETRY_SECS") {
            c.retry_base_ms = n
                .parse::<i64>()
                .ok()
                .filter(|n| (1..=86_400).contains(n))
                .ok_or("TONGCHOU_NOTIFY_RETRY_SECS 应为 1–86400")?
                * 1000;
        }
        if let Some(n) = var("TONGCHOU_DIGEST_HOUR") {
            c.digest_hour = n
                .parse::<i8>()
                .ok()
                .filter(|n| (0..=23).contains(n))
                .ok_or("TONGCHOU_DIGEST_HOUR 应为 0–23")?;
        }
        Ok(c)
    }

    /// One line for the start-up log (no password, no secret).
    pub fn describe(&self) -> String {
        format!(
            "email: {}; webhook: {}",
            self.smtp
                .as_ref()
                .map(|s| format!("{} from {}", s.redacted(), self.mail_from))
                .unwrap_or_else(|| "off".into()),
            self.webhook
                .as_ref()
                .map(|w| w.url.clone())
                .unwrap_or_else(|| "off".into())
        )
    }
}

impl WebhookConfig {
    pub fn new(url: &str, secret: &str) -> Result<WebhookConfig, String> {
        let url = url.trim();
        if !url.starts_with("http://") {
            return Err(
                "TONGCHOU_WEBHOOK_URL 应为 http:// 地址（本服务不带 TLS；https 请经内网代理转发）"
                    .into(),
            );
        }
        if secret.len() < 16 {
            return Err("TONGCHOU_WEBHOOK_SECRET 至少 16 个字符".into());
        }
        Ok(WebhookConfig {
            url: url.to_string(),
            secret: secret.to_string(),
        })
    }
}

/// HMAC-SHA256 (RFC 2104) over `sha2`.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(k.map(|b| b ^ 0x36));
    inner.update(message);
    let inner = inner.finalize();
    let mut outer = Sha256::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner);
    outer.finalize().into()
}

/// The `X-Tongchou-Signature` header value for a body.
pub fn signature(secret: &str, body: &[u8]) -> String {
    format!(
        "sha256={}",
        hex::encode(hmac_sha256(secret.as_bytes(), body))
    )
}

fn event_label(event: &str) -> &str {
    match event {
        "consequence_proposed" => "期限已过",
        "digest" => "每日待办摘要",
        _ => "通知",
    }
}

/// Fan every new notification out to the outbox. Idempotent: each delivery has a unique key
/// and the notification is marked in the same transaction.
pub async fn fan_out(st: &AppState) -> Result<u64, AppError> {
    let cfg = st.notify.clone();
    let mut created = 0;
    loop {
        let pending = st.db.notifications_to_fan_out(100).await?;
        if pending.is_empty() {
            return Ok(created);
        }
        let users = if cfg.smtp.is_some() {
            st.db.mail_users().await?
        } else {
            Vec::new()
        };
        for n in &pending {
            let mut out = Vec::new();
            let project = match (&n.project_code, &n.project_name) {
                (Some(c), Some(name)) => format!("项目：{c} {name}\n"),
                _ => String::new(),
            };
            if cfg.smtp.is_some() {
                let role = Role::parse(&n.role);
                for u in &users {
                    if !role.is_some_and(|r| {
                        receives(&u.roles, &u.jurisdiction_path, r, &n.jurisdiction_path)
                    }) {
                        continue;
                    }
                    out.push(NewDelivery {
                        dedupe_key: format!("n{}:email:u{}", n.id, u.id.0),
                        notification_id: Some(n.id),
                        user_id: Some(u.id.0),
                        jurisdiction_path: n.jurisdiction_path.clone(),
                        channel: "email",
                        event: n.event.clone(),
                        recipient: u.email.clone(),
                        subject: format!("【统筹】{}", n.title),
                        payload: format!(
                            "{}，您好：\n\n{}\n\n{}\n{}{}\n\n请登录统筹平台“通知”查看并处理。\n（本邮件由统筹平台自动发送，请勿直接回复。）\n",
                            u.display_name,
                            n.title,
                            n.body,
                            project,
                            n.jurisdiction_name
                                .as_ref()
                                .map(|j| format!("区域：{j}"))
                                .unwrap_or_default(),
                        ),
                    });
                }
            }
            if let Some(w) = &cfg.webhook {
                let body = json!({
                    "id": n.id,
                    "event": n.event,
                    "title": n.title,
                    "body": n.body,
                    "project_id": n.project_id,
                    "project_code": n.project_code,
                    "jurisdiction": n.jurisdiction_name,
                    "jurisdiction_path": n.jurisdiction_path,
                    "created_at": n.created_at,
                });
                out.push(NewDelivery {
                    dedupe_key: format!("n{}:webhook", n.id),
                    notification_id: Some(n.id),
                    user_id: None,
                    jurisdiction_path: n.jurisdiction_path.clone(),
                    channel: "webhook",
                    event: n.event.clone(),
                    recipient: w.url.clone(),
                    subject: n.title.clone(),
                    payload: body.to_string(),
                });
            }
            created += st.db.fan_out(n.id, &out).await?;
        }
    }
}

/// What one delivery run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryReport {
    pub claimed: usize,
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
}

/// This process's name as a lease holder.
fn worker_id() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| {
        use rand::Rng;
        format!(
            "{}-{:08x}",
            std::process::id(),
            rand::thread_rng().gen::<u32>()
        )
    })
}

fn http() -> &'static reqwest::Client {
    static C: OnceLock<reqwest::Client> = OnceLock::new();
    C.get_or_init(|| {
        reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default()
    })
}

/// A claimed batch is leased for ten minutes: at most `CLAIM` deliveries, each given at most
/// `SEND_TIMEOUT`, so a live worker always finishes its batch inside the lease and no other
/// process sends the same delivery meanwhile. A worker that dies leaves its batch to the next
/// claim after the lease (at-least-once: receivers deduplicate on the delivery id / Message-ID).
const LEASE_MS: i64 = 10 * 60 * 1000;
const CLAIM: i64 = 5;
const SEND_TIMEOUT: Duration = Duration::from_secs(90);

/// Send the deliveries due now.
pub async fn deliver_due(st: &AppState) -> Result<DeliveryReport, AppError> {
    deliver_due_at(st, now_ms()).await
}

/// Send the deliveries due at `now` (ms since the epoch; tests move the clock forward).
pub async fn deliver_due_at(st: &AppState, now: i64) -> Result<DeliveryReport, AppError> {
    let mut report = DeliveryReport::default();
    loop {
        let batch = st
            .db
            .claim_deliveries(worker_id(), now, LEASE_MS, CLAIM)
            .await?;
        if batch.is_empty() {
            return Ok(report);
        }
        report.claimed += batch.len();
        for d in batch {
            let result = match tokio::time::timeout(SEND_TIMEOUT, send_one(st, &d)).await {
                Ok(r) => r,
                Err(_) => Err(format!("发送超时（{} 秒）", SEND_TIMEOUT.as_secs())),
            };
            let outcome = match result {
                Ok(()) => {
                    report.sent += 1;
                    Outcome::Sent
                }
                Err(error) => {
                    let attempts = u32::try_from(d.attempts).unwrap_or(u32::MAX);
                    match after_failure(attempts, st.notify.max_attempts, st.notify.retry_base_ms) {
                        AfterFailure::RetryIn(ms) => {
                            report.retried += 1;
                            tracing::info!(delivery = d.id, attempts, %error, "delivery failed, will retry");
                            Outcome::Retry {
                                error,
                                at_ms: now.max(now_ms()) + ms,
                            }
                        }
                        AfterFailure::GiveUp => {
                            report.failed += 1;
                            tracing::warn!(delivery = d.id, attempts, %error, "delivery failed for good");
                            Outcome::Failed { error }
                        }
                    }
                }
            };
            st.db.finish_delivery(d.id, worker_id(), &outcome).await?;
        }
    }
}

async fn send_one(st: &AppState, d: &DeliveryRow) -> Result<(), String> {
    match d.channel.as_str() {
        "email" => {
            let Some(smtp) = &st.notify.smtp else {
                return Err("未配置邮件服务器（TONGCHOU_SMTP_URL）".into());
            };
            let from = st.notify.mail_from.as_str();
            let domain = from.rsplit('@').next().unwrap_or("tongchou.local");
            let message_id = format!("tongchou-delivery-{}@{domain}", d.id);
            smtp::send(
                smtp,
                domain,
                &smtp::Mail {
                    from,
                    from_name: "统筹平台",
                    to: &d.recipient,
                    subject: &d.subject,
                    body: &d.payload,
                    message_id: &message_id,
                },
            )
            .await
        }
        "webhook" => {
            let Some(w) = &st.notify.webhook else {
                return Err("未配置 Webhook（TONGCHOU_WEBHOOK_URL）".into());
            };
            // Sent to the address and signed with the secret in force now (a corrected address
            // takes effect for retries too); `recipient` records where it was first meant to go.
            let r = http()
                .post(&w.url)
                .header("content-type", "application/json")
                .header("x-tongchou-event", &d.event)
                .header("x-tongchou-delivery", d.id.to_string())
                .header(
                    "x-tongchou-signature",
                    signature(&w.secret, d.payload.as_bytes()),
                )
                .body(d.payload.clone())
                .send()
                .await
                .map_err(|e| format!("Webhook 请求失败：{e}"))?;
            let status = r.status();
            if status.is_success() {
                Ok(())
            } else {
                let text: String = r
                    .text()
                    .await
                    .unwrap_or_default()
                    .chars()
                    .take(200)
                    .collect();
                Err(format!(
                    "Webhook 接收方答复 HTTP {}：{text}",
                    status.as_u16()
                ))
            }
        }
        other => Err(format!("未知的投递渠道：{other}")),
    }
}

/// Queue today's digest for every account with an e-mail address that has something on its
/// 我的待办 and has not had today's digest. Returns how many were queued.
pub async fn digest(st: &AppState, day: Date) -> Result<usize, AppError> {
    if st.notify.smtp.is_none() {
        return Ok(0);
    }
    let day_s = day.to_string();
    let mut queued = 0;
    for u in st.db.mail_users().await? {
        if st.db.digest_done(u.id, &day_s).await? {
            continue;
        }
        let actor = match st.db.actor(u.id).await {
            Ok(a) => a,
            Err(tongchou_store::StoreError::NotFound) => continue,
            Err(e) => return Err(e.into()),
        };
        let items = crate::pages::todo_items(st, &actor).await?;
        // Shared applications (ZJ-share 三（五）–（七）): overrides, cancellation proposals and
        // the competition obligations this account's unit answers for.
        let shared = crate::market::todos(st, &actor).await?;
        if items.is_empty() && shared.is_empty() {
            continue;
        }
        let (mut overdue, mut soon) = (0, 0);
        let mut lines = Vec::new();
        for (i, it) in items.iter().enumerate() {
            let actions: Vec<&str> = it
                .actions
                .iter()
                .map(|a| tongchou_domain::lifecycle::action_label(a))
                .collect();
            let due = match &it.next_due {
                Some((title, due, label, status)) => {
                    use tongchou_domain::obligation::Status;
                    match status {
                        Status::Overdue => overdue += 1,
                        Status::DueSoon => soon += 1,
                        _ => {}
                    }
                    format!("\n   期限：{title} {due}（{label}）")
                }
                None => String::new(),
            };
            lines.push(format!(
                "{}. {} {}（{}，{}）\n   待办：{}{due}",
                i + 1,
                it.code,
                it.name,
                it.unit_name,
                it.stage.label(),
                actions.join("、"),
            ));
        }
        for (id, title, what, note) in &shared {
            if note.contains("已逾期") {
                overdue += 1;
            }
            lines.push(format!(
                "{}. 共享应用揭榜 #{id} {title}\n   待办：{what}（{note}）",
                lines.len() + 1
            ));
        }
        let total = items.len() + shared.len();
        let body = format!(
            "{}，您好：\n\n截至 {day_s}，您在统筹平台有 {} 项待办，其中已逾期 {overdue} 项、7 日内到期 {soon} 项：\n\n{}\n\n请登录统筹平台“我的待办”办理。\n（本邮件由统筹平台每日自动发送一次，请勿直接回复。）\n",
            u.display_name,
            total,
            lines.join("\n"),
        );
        let subject = format!(
            "【统筹】{}：{} 项待办（逾期 {overdue} 项）",
            event_label("digest"),
            total
        );
        let delivery = NewDelivery {
            dedupe_key: format!("digest:u{}:{day_s}", u.id.0),
            notification_id: None,
            user_id: Some(u.id.0),
            jurisdiction_path: u.jurisdiction_path.clone(),
            channel: "email",
            event: "digest".into(),
            recipient: u.email.clone(),
            subject,
            payload: body,
        };
        if st
            .db
            .enqueue_digest(u.id, &day_s, total as i64, &delivery)
            .await?
        {
            queued += 1;
        }
    }
    Ok(queued)
}

/// Fan out, then send what is due: what the worker does each round (tests call it directly).
pub async fn run_once(st: &AppState) -> Result<(u64, DeliveryReport), AppError> {
    let created = fan_out(st).await?;
    let report = deliver_due(st).await?;
    Ok((created, report))
}

/// The delivery worker: every 15 seconds fan out and send; once a day after the digest hour,
/// queue the digests. Safe with several server processes (leases and unique keys).
pub fn spawn_worker(st: AppState) {
    tokio::spawn(async move {
        let mut digest_day: Option<Date> = None;
        loop {
            if let Err(e) = run_once(&st).await {
                tracing::warn!(error = ?e, "notification delivery failed");
            }
            let now = jiff::Timestamp::now()
                .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::Offset::constant(8)));
            let today = now.date();
            if now.hour() >= st.notify.digest_hour && digest_day != Some(today) {
                match digest(&st, today).await {
                    Ok(n) => {
                        digest_day = Some(today);
                        if n > 0 {
                            tracing::info!(queued = n, "daily digest");
                        }
                    }
                    Err(e) => tracing::warn!(error = ?e, "daily digest failed"),
                }
            }
            tokio::time::sleep(Duration::from_secs(15)).await;
        }
    });
}

/// Delivery states of a notification, for the 通知 page: "邮件：已发送 2、待发送 1".
pub fn states_label(rows: &[(i64, String, String, i64)], notification: i64) -> Vec<String> {
    let mut out = Vec::new();
    for channel in ["email", "webhook"] {
        let parts: Vec<String> = rows
            .iter()
            .filter(|r| r.0 == notification && r.1 == channel)
            .map(|r| format!("{} {}", state_label(&r.2), r.3))
            .collect();
        if !parts.is_empty() {
            out.push(format!("{}：{}", channel_label(channel), parts.join("、")));
        }
    }
    out
}

pub fn state_label(s: &str) -> &'static str {
    match s {
        "pending" => "待发送",
        "sending" => "发送中",
        "sent" => "已发送",
        "failed" => "发送失败",
        _ => "未知",
    }
}

pub fn channel_label(s: &str) -> &'static str {
    match s {
        "email" => "邮件",
        "webhook" => "Webhook",
        _ => "其他",
    }
}

// ---------- service functions shared by the pages and the API ----------

/// Set an account's e-mail address: the actor's own (`username` None) or, for an administrator,
/// an account of their jurisdiction. Empty input clears it. A wrong address is a 422 naming the
/// field `email`; someone else's account without the right is 403 (404 when unknown).
pub async fn set_email(
    st: &AppState,
    actor: &tongchou_domain::Actor,
    username: Option<&str>,
    input: &str,
) -> Result<Option<String>, AppError> {
    let (user, path) = match username.map(str::trim).filter(|u| !u.is_empty()) {
        None => (actor.user_id, actor.jurisdiction_path.clone()),
        Some(u) => match st.db.user_path_by_username(u).await {
            Ok(x) => x,
            Err(tongchou_store::StoreError::NotFound) => {
                return Err(AppError::Unprocessable {
                    code: "invalid",
                    message: format!("没有用户名为“{u}”的账号"),
                    fields: vec![tongchou_domain::project::FieldError {
                        field: "username".into(),
                        message: "没有这个账号".into(),
                    }],
                })
            }
            Err(e) => return Err(e.into()),
        },
    };
    if !tongchou_domain::notify::can_set_email(actor, user, &path) {
        return Err(AppError::Forbidden(
            "只能设置本人的邮箱；管理员可设置本区域账号的邮箱".into(),
        ));
    }
    let email = validate_email(input).map_err(|m| AppError::Unprocessable {
        code: "invalid",
        message: m.clone(),
        fields: vec![tongchou_domain::project::FieldError {
            field: "email".into(),
            message: m,
        }],
    })?;
    st.db.set_user_email(user, email.as_deref()).await?;
    Ok(email)
}

fn require_outbox(actor: &tongchou_domain::Actor) -> Result<(), AppError> {
    if tongchou_domain::notify::can_manage_outbox(actor) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "只有系统管理员可以查看和重试投递".into(),
        ))
    }
}

/// The outbox of the administrator's jurisdiction: counts per state and the deliveries
/// (`state` filters: pending, sending, sent, failed).
pub async fn outbox(
    st: &AppState,
    actor: &tongchou_domain::Actor,
    state: Option<&str>,
) -> Result<(Vec<(String, i64)>, Vec<DeliveryRow>), AppError> {
    require_outbox(actor)?;
    let state = state.filter(|s| !s.is_empty());
    if let Some(s) = state {
        if !["pending", "sending", "sent", "failed"].contains(&s) {
            return Err(AppError::BadRequest(format!("未知的投递状态：{s}")));
        }
    }
    let counts = st.db.delivery_counts(&actor.jurisdiction_path).await?;
    let rows = st
        .db
        .deliveries(&actor.jurisdiction_path, state, 200)
        .await?;
    Ok((counts, rows))
}

/// Queue a failed delivery again (administrator; 404 outside their jurisdiction, 409 when it
/// is not failed).
pub async fn retry(st: &AppState, actor: &tongchou_domain::Actor, id: i64) -> Result<(), AppError> {
    require_outbox(actor)?;
    st.db.retry_delivery(id, &actor.jurisdiction_path).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4231 test case 2 (key "Jefe"): the signature receivers check is standard HMAC-SHA256.
    #[test]
    fn hmac_sha256_matches_rfc_4231_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    /// RFC 4231 test case 6: a key longer than the block is hashed first.
    #[test]
    fn hmac_sha256_hashes_a_long_key_rfc_4231_case_6() {
        let key = [0xaau8; 131];
        let mac = hmac_sha256(
            &key,
            b"Test Using Larger Than Block-Size Key - Hash Key First",
        );
        assert_eq!(
            hex::encode(mac),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn webhook_needs_http_and_a_real_secret() {
        assert!(WebhookConfig::new("https://x.example/hook", "0123456789abcdef").is_err());
        assert!(WebhookConfig::new("http://x.example/hook", "short").is_err());
        let w = WebhookConfig::new("http://x.example/hook", "0123456789abcdef").unwrap();
        assert!(!format!("{w:?}").contains("0123456789abcdef"));
    }
}
