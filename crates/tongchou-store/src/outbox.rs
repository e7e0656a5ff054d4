//! The notification outbox: each notification fans out to deliveries (e-mail per recipient, one
//! webhook post), each with a unique key so that a re-run never delivers twice; a worker claims due
//! deliveries with a lease (one UPDATE … RETURNING, safe with several server processes) and records
//! the outcome. Also the users' e-mail addresses and the once-a-day digest.
use crate::{now_text, Db, Result, StoreError};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;
use tongchou_domain::{Role, UserId};

/// Milliseconds since the Unix epoch (lease and retry times are compared as integers).
pub fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// A delivery as stored.
#[derive(Debug, Clone, Serialize)]
pub struct DeliveryRow {
    pub id: i64,
    pub notification_id: Option<i64>,
    pub user_id: Option<i64>,
    pub channel: String,
    pub event: String,
    pub recipient: String,
    pub subject: String,
    /// E-mail: the text body; webhook: the exact JSON body that is signed and posted.
    pub payload: String,
    pub state: String,
    pub attempts: i64,
    pub next_attempt_ms: i64,
    pub last_error: Option<String>,
    pub created_at: String,
    pub sent_at: Option<String>,
}

const DELIVERY_COLS: &str = "id, notification_id, user_id, channel, event, recipient, subject, payload, state, attempts, next_attempt_ms, last_error, created_at, sent_at";

fn delivery_from(r: &AnyRow) -> Result<DeliveryRow> {
    Ok(DeliveryRow {
        id: r.try_get("id")?,
        notification_id: r.try_get("notification_id")?,
        user_id: r.try_get("user_id")?,
        channel: r.try_get("channel")?,
        event: r.try_get("event")?,
        recipient: r.try_get("recipient")?,
        subject: r.try_get("subject")?,
        payload: r.try_get("payload")?,
        state: r.try_get("state")?,
        attempts: r.try_get("attempts")?,
        next_attempt_ms: r.try_get("next_attempt_ms")?,
        last_error: r.try_get("last_error")?,
        created_at: r.try_get("created_at")?,
        sent_at: r.try_get("sent_at")?,
    })
}

/// A notification not yet fanned out, with what its messages show.
#[derive(Debug, Clone, Serialize)]
pub struct PendingNotification {
    pub id: i64,
    pub event: String,
    pub role: String,
    pub jurisdiction_path: String,
    pub jurisdiction_name: Option<String>,
    pub project_id: Option<i64>,
    pub project_code: Option<String>,
    pub project_name: Option<String>,
    pub title: String,
    pub body: String,
    pub created_at: String,
}

/// An active account with an e-mail address.
#[derive(Debug, Clone)]
pub struct MailUser {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub roles: Vec<Role>,
    pub jurisdiction_path: String,
}

/// A delivery to create.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub dedupe_key: String,
    pub notification_id: Option<i64>,
    pub user_id: Option<i64>,
    pub jurisdiction_path: String,
    pub channel: &'static str,
    pub event: String,
    pub recipient: String,
    pub subject: String,
    pub payload: String,
}

/// How a claimed delivery ended.
#[derive(Debug, Clone)]
pub enum Outcome {
    Sent,
    /// Failed; try again at this time (ms).
    Retry {
        error: String,
        at_ms: i64,
    },
    /// Failed for good (the attempt limit is reached).
    Failed {
        error: String,
    },
}

async fn insert_delivery(tx: &mut sqlx::AnyConnection, d: &NewDelivery, now: &str) -> Result<u64> {
    Ok(sqlx::query(
        "INSERT INTO deliveries (dedupe_key, notification_id, user_id, jurisdiction_path, channel, event, recipient, subject, payload, state, attempts, next_attempt_ms, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', 0, $10, $11) ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(&d.dedupe_key)
    .bind(d.notification_id)
    .bind(d.user_id)
    .bind(&d.jurisdiction_path)
    .bind(d.channel)
    .bind(&d.event)
    .bind(&d.recipient)
    .bind(&d.subject)
    .bind(&d.payload)
    .bind(now_ms())
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected())
}

impl Db {
    /// Notifications not yet fanned out, oldest first.
    pub async fn notifications_to_fan_out(&self, limit: i64) -> Result<Vec<PendingNotification>> {
        let rows = sqlx::query(&format!(
            "SELECT n.id, n.event, n.role, n.jurisdiction_path, j.name AS jname, n.project_id, p.code, p.name, n.title, n.body, n.created_at \
             FROM notifications n LEFT JOIN jurisdictions j ON j.path = n.jurisdiction_path LEFT JOIN projects p ON p.id = n.project_id \
             WHERE n.fanned_out = 0 ORDER BY n.id LIMIT {}",
            limit.clamp(1, 1000)
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PendingNotification {
                    id: r.try_get("id")?,
                    event: r.try_get("event")?,
                    role: r.try_get("role")?,
                    jurisdiction_path: r.try_get("jurisdiction_path")?,
                    jurisdiction_name: r.try_get("jname")?,
                    project_id: r.try_get("project_id")?,
                    project_code: r.try_get("code")?,
                    project_name: r.try_get("name")?,
                    title: r.try_get("title")?,
                    body: r.try_get("body")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    /// Active accounts with an e-mail address.
    pub async fn mail_users(&self) -> Result<Vec<MailUser>> {
        let rows = sqlx::query(
            "SELECT u.id, u.username, u.display_name, u.email, u.roles, j.path FROM users u JOIN units n ON n.id = u.unit_id \
             JOIN jurisdictions j ON j.id = n.jurisdiction_id WHERE u.active = 1 AND u.email IS NOT NULL AND u.email <> '' ORDER BY u.id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(MailUser {
                    id: UserId(r.try_get("id")?),
                    username: r.try_get("username")?,
                    display_name: r.try_get("display_name")?,
                    email: r.try_get("email")?,
                    roles: Role::parse_list(&r.try_get::<String, _>("roles")?),
                    jurisdiction_path: r.try_get("path")?,
                })
            })
            .collect()
    }

    /// Record a notification's deliveries and mark it fanned out, in one transaction. A delivery
    /// whose key exists already is skipped, so a re-run (or a second process) adds nothing.
    /// Returns how many deliveries were created.
    pub async fn fan_out(&self, notification: i64, deliveries: &[NewDelivery]) -> Result<u64> {
        let (_write, mut tx) = self.begin_write().await?;
        let now = now_text();
        let mut n = 0;
        for d in deliveries {
            n += insert_delivery(&mut tx, d, &now).await?;
        }
        sqlx::query("UPDATE notifications SET fanned_out = 1 WHERE id = $1")
            .bind(notification)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Claim up to `limit` due deliveries for `owner` until `now + lease_ms`: pending ones whose
    /// time has come, and sending ones whose lease ran out (a worker died). One UPDATE …
    /// RETURNING; the state condition is repeated outside the subquery so that, on PostgreSQL, a
    /// row claimed meanwhile by another process is re-checked and skipped.
    pub async fn claim_deliveries(
        &self,
        owner: &str,
        now: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<DeliveryRow>> {
        let due = "((state = 'pending' AND next_attempt_ms <= $3) OR (state = 'sending' AND lease_until_ms < $3))";
        let sql = format!(
            "UPDATE deliveries SET state = 'sending', lease_owner = $1, lease_until_ms = $2, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM deliveries WHERE {due} ORDER BY next_attempt_ms, id LIMIT {}) AND {due} \
             RETURNING {DELIVERY_COLS}",
            limit.clamp(1, 500)
        );
        let (_write, mut tx) = self.begin_write().await?;
        let rows = sqlx::query(&sql)
            .bind(owner)
            .bind(now + lease_ms)
            .bind(now)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        let mut out: Vec<DeliveryRow> = rows.iter().map(delivery_from).collect::<Result<_>>()?;
        out.sort_by_key(|d| d.id);
        Ok(out)
    }

    /// Record the outcome of an attempt. Only the lease holder may (a worker whose lease ran out
    /// and was overtaken changes nothing). Returns whether it was recorded.
    pub async fn finish_delivery(&self, id: i64, owner: &str, outcome: &Outcome) -> Result<bool> {
        let (_write, mut tx) = self.begin_write().await?;
        let q = match outcome {
            Outcome::Sent => sqlx::query(
                "UPDATE deliveries SET state = 'sent', sent_at = $3, lease_owner = NULL, lease_until_ms = NULL, last_error = NULL \
                 WHERE id = $1 AND lease_owner = $2 AND state = 'sending'",
            )
            .bind(id)
            .bind(owner)
            .bind(now_text()),
            Outcome::Retry { error, at_ms } => sqlx::query(
                "UPDATE deliveries SET state = 'pending', next_attempt_ms = $3, last_error = $4, lease_owner = NULL, lease_until_ms = NULL \
                 WHERE id = $1 AND lease_owner = $2 AND state = 'sending'",
            )
            .bind(id)
            .bind(owner)
            .bind(*at_ms)
            .bind(error.clone()),
            Outcome::Failed { error } => sqlx::query(
                "UPDATE deliveries SET state = 'failed', last_error = $3, lease_owner = NULL, lease_until_ms = NULL \
                 WHERE id = $1 AND lease_owner = $2 AND state = 'sending'",
            )
            .bind(id)
            .bind(owner)
            .bind(error.clone()),
        };
        let n = q.execute(&mut *tx).await?.rows_affected();
        tx.commit().await?;
        Ok(n == 1)
    }

    /// Put a failed delivery back in the queue (an administrator's retry): due now, attempts
    /// counted afresh. NotFound outside `jurisdiction_path`; Conflict when it is not failed.
    pub async fn retry_delivery(&self, id: i64, jurisdiction_path: &str) -> Result<()> {
        let (_write, mut tx) = self.begin_write().await?;
        let state: Option<String> =
            sqlx::query("SELECT state FROM deliveries WHERE id = $1 AND jurisdiction_path LIKE $2")
                .bind(id)
                .bind(format!("{jurisdiction_path}%"))
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| r.try_get("state"))
                .transpose()?;
        match state.as_deref() {
            None => return Err(StoreError::NotFound),
            Some("failed") => {}
            Some(_) => return Err(StoreError::Conflict("只有发送失败的投递可以重试".into())),
        }
        sqlx::query(
            "UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_ms = $2 WHERE id = $1 AND state = 'failed'",
        )
        .bind(id)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deliveries within a jurisdiction, newest first; `state` filters when given.
    pub async fn deliveries(
        &self,
        jurisdiction_path: &str,
        state: Option<&str>,
        limit: i64,
    ) -> Result<Vec<DeliveryRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {DELIVERY_COLS} FROM deliveries WHERE jurisdiction_path LIKE $1 AND ($2 = '' OR state = $2) ORDER BY id DESC LIMIT {}",
            limit.clamp(1, 1000)
        ))
        .bind(format!("{jurisdiction_path}%"))
        .bind(state.unwrap_or("").to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(delivery_from).collect()
    }

    /// Count of deliveries per state within a jurisdiction.
    pub async fn delivery_counts(&self, jurisdiction_path: &str) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query(
            "SELECT state, COUNT(*) AS n FROM deliveries WHERE jurisdiction_path LIKE $1 GROUP BY state ORDER BY state",
        )
        .bind(format!("{jurisdiction_path}%"))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("state")?, r.try_get("n")?)))
            .collect()
    }

    /// Per notification: (notification id, channel, state, count), for the 通知 page.
    pub async fn delivery_states(
        &self,
        notifications: &[i64],
    ) -> Result<Vec<(i64, String, String, i64)>> {
        if notifications.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = notifications.iter().map(|i| i.to_string()).collect();
        let rows = sqlx::query(&format!(
            "SELECT notification_id, channel, state, COUNT(*) AS n FROM deliveries WHERE notification_id IN ({}) \
             GROUP BY notification_id, channel, state ORDER BY notification_id, channel, state",
            ids.join(",")
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("notification_id")?,
                    r.try_get("channel")?,
                    r.try_get("state")?,
                    r.try_get("n")?,
                ))
            })
            .collect()
    }

    /// An account's e-mail address.
    pub async fn user_email(&self, user: UserId) -> Result<Option<String>> {
        let r = sqlx::query("SELECT email FROM users WHERE id = $1")
            .bind(user.0)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(r.try_get("email")?)
    }

    /// An account by username: (id, jurisdiction path).
    pub async fn user_path_by_username(&self, username: &str) -> Result<(UserId, String)> {
        let r = sqlx::query(
            "SELECT u.id, j.path FROM users u JOIN units n ON n.id = u.unit_id JOIN jurisdictions j ON j.id = n.jurisdiction_id WHERE u.username = $1",
        )
        .bind(username)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok((UserId(r.try_get("id")?), r.try_get("path")?))
    }

    /// Set (or with None clear) an account's e-mail address; validated by the caller.
    pub async fn set_user_email(&self, user: UserId, email: Option<&str>) -> Result<()> {
        let (_write, mut tx) = self.begin_write().await?;
        let n = sqlx::query("UPDATE users SET email = $1 WHERE id = $2")
            .bind(email.map(str::to_string))
            .bind(user.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Whether the digest of this day was already made for this account.
    pub async fn digest_done(&self, user: UserId, day: &str) -> Result<bool> {
        Ok(
            sqlx::query("SELECT 1 AS x FROM digests WHERE user_id = $1 AND day = $2")
                .bind(user.0)
                .bind(day)
                .fetch_optional(&self.pool)
                .await?
                .is_some(),
        )
    }

    /// Record the day's digest for an account and queue its e-mail, once: UNIQUE (user_id, day)
    /// makes a second call (another process, a re-run) a no-op. Returns whether it was queued.
    pub async fn enqueue_digest(
        &self,
        user: UserId,
        day: &str,
        items: i64,
        delivery: &NewDelivery,
    ) -> Result<bool> {
        let (_write, mut tx) = self.begin_write().await?;
        let now = now_text();
        let n = sqlx::query(
            "INSERT INTO digests (user_id, day, delivery_id, items, created_at) VALUES ($1, $2, NULL, $3, $4) ON CONFLICT (user_id, day) DO NOTHING",
        )
        .bind(user.0)
        .bind(day)
        .bind(items)
        .bind(&now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        insert_delivery(&mut tx, delivery, &now).await?;
        sqlx::query(
            "UPDATE digests SET delivery_id = (SELECT id FROM deliveries WHERE dedupe_key = $1) WHERE user_id = $2 AND day = $3",
        )
        .bind(&delivery.dedupe_key)
        .bind(user.0)
        .bind(day)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}
