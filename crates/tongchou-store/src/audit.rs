//! The tamper-evident history: each entry's hash covers the previous entry's hash and the
//! entry's own content (SHA-256 over a canonical JSON array). `verify_history` walks every chain.
use crate::{Db, Result};
use sha2::{Digest, Sha256};
use sqlx::Row;

#[allow(clippy::too_many_arguments)]
pub fn entry_hash(
    prev: &str,
    project: i64,
    seq: i64,
    at: &str,
    actor: i64,
    action: &str,
    from: &str,
    to: &str,
    summary: &str,
    opinion: &str,
    payload: &str,
) -> String {
    let canonical = serde_json::json!([
        prev, project, seq, at, actor, action, from, to, summary, opinion, payload
    ])
    .to_string();
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

/// The first broken entry found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    pub project_id: i64,
    pub seq: i64,
    pub reason: String,
}

impl std::fmt::Display for Broken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "project {} history entry {}: {}",
            self.project_id, self.seq, self.reason
        )
    }
}

impl Db {
    /// Walk every project's history chain: Ok(number of entries checked) or the first broken entry.
    pub async fn verify_history(&self) -> Result<std::result::Result<u64, Broken>> {
        let rows = sqlx::query(
            "SELECT project_id, seq, at, actor_id, action, from_stage, to_stage, summary, opinion, payload, prev_hash, hash \
             FROM history ORDER BY project_id, seq",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut last: Option<(i64, i64, String)> = None;
        let mut n = 0u64;
        for r in &rows {
            let project: i64 = r.try_get("project_id")?;
            let seq: i64 = r.try_get("seq")?;
            let prev_hash: String = r.try_get("prev_hash")?;
            let hash: String = r.try_get("hash")?;
            let (expected_seq, expected_prev) = match &last {
                Some((p, s, h)) if *p == project => (s + 1, h.clone()),
                _ => (1, String::new()),
            };
            let broken = |reason: &str| Broken {
                project_id: project,
                seq,
                reason: reason.into(),
            };
            if seq != expected_seq {
                return Ok(Err(broken(&format!(
                    "sequence gap: expected {expected_seq}"
                ))));
            }
            if prev_hash != expected_prev {
                return Ok(Err(broken("prev_hash does not match the previous entry")));
            }
            let computed = entry_hash(
                &prev_hash,
                project,
                seq,
                &r.try_get::<String, _>("at")?,
                r.try_get("actor_id")?,
                &r.try_get::<String, _>("action")?,
                &r.try_get::<String, _>("from_stage")?,
                &r.try_get::<String, _>("to_stage")?,
                &r.try_get::<String, _>("summary")?,
                &r.try_get::<String, _>("opinion")?,
                &r.try_get::<String, _>("payload")?,
            );
            if computed != hash {
                return Ok(Err(broken("content does not match its hash")));
            }
            last = Some((project, seq, hash));
            n += 1;
        }
        Ok(Ok(n))
    }
}
