//! 需求库、一本账、项目库、应用版本: persistence. Every change of a need, proposal, library item
//! or application is written with its version check and its hash-chained `demand_history` entry
//! in one transaction; [`Db::verify_demand_history`] walks those chains (run by `audit verify`).
use crate::audit::Broken;
use crate::{now_text, Db, Result, StoreError};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use tongchou_domain::demand::{
    AppVersion, Application, Aspect, ItemState, LibraryItem, Need, NeedChange, NeedInput,
    NeedState, Proposal, ProposalState,
};
use tongchou_domain::{Actor, Date, UnitId};

type Tx = AnyConnection;

/// The aggregates whose history lives in `demand_history`.
pub const KINDS: [&str; 4] = ["need", "proposal", "item", "application"];

/// One history entry of a need, proposal, library item or application.
#[derive(Debug, Clone, Serialize)]
pub struct DemandHistoryEntry {
    pub seq: i64,
    pub at: String,
    pub actor_name: String,
    pub actor_unit: String,
    pub action: String,
    pub from_state: String,
    pub to_state: String,
    pub summary: String,
    pub opinion: String,
    pub hash: String,
}

/// A short reference to a linked record (id, code or empty, name).
#[derive(Debug, Clone, Serialize)]
pub struct LinkRow {
    pub id: i64,
    pub code: String,
    pub name: String,
}

#[allow(clippy::too_many_arguments)]
pub fn entry_hash(
    prev: &str,
    kind: &str,
    entity: i64,
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
        prev, kind, entity, seq, at, actor, action, from, to, summary, opinion, payload
    ])
    .to_string();
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

/// Append one entry to an aggregate's chain (inside the caller's transaction).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn append(
    tx: &mut Tx,
    kind: &str,
    entity: i64,
    actor: &Actor,
    (action, from, to): (&str, &str, &str),
    summary: &str,
    opinion: &str,
    payload: &serde_json::Value,
    at: &str,
) -> Result<()> {
    let prev = sqlx::query(
        "SELECT seq, hash FROM demand_history WHERE kind = $1 AND entity_id = $2 ORDER BY seq DESC LIMIT 1",
    )
    .bind(kind)
    .bind(entity)
    .fetch_optional(&mut *tx)
    .await?;
    let (prev_seq, prev_hash) = match prev {
        Some(r) => (r.try_get::<i64, _>("seq")?, r.try_get::<String, _>("hash")?),
        None => (0, String::new()),
    };
    let seq = prev_seq + 1;
    let payload = payload.to_string();
    let hash = entry_hash(
        &prev_hash,
        kind,
        entity,
        seq,
        at,
        actor.user_id.0,
        action,
        from,
        to,
        summary,
        opinion,
        &payload,
    );
    sqlx::query(
        "INSERT INTO demand_history (kind, entity_id, seq, at, actor_id, actor_name, actor_unit, action, from_state, to_state, summary, opinion, payload, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(kind)
    .bind(entity)
    .bind(seq)
    .bind(at)
    .bind(actor.user_id.0)
    .bind(&actor.name)
    .bind(&actor.unit_name)
    .bind(action)
    .bind(from)
    .bind(to)
    .bind(summary)
    .bind(opinion)
    .bind(payload)
    .bind(prev_hash)
    .bind(hash)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The version check: exactly one row changed, or someone else won (409).
fn one(rows: u64) -> Result<()> {
    if rows == 1 {
        Ok(())
    } else {
        Err(StoreError::Conflict(
            "该记录已被他人修改，请刷新后重试".into(),
        ))
    }
}

fn date_of(s: Option<String>) -> Option<Date> {
    s.and_then(|s| s.parse().ok())
}

const NEED_SQL: &str = "SELECT d.id, d.title, d.description, d.scenario, d.aspects, d.list_code, d.unit_id, n.name AS unit_name, \
     d.origin_path, d.at_path, d.state, d.merged_into, d.decline_reason, d.version, d.created_at FROM needs d JOIN units n ON n.id = d.unit_id";

fn need_row(r: &AnyRow) -> Result<Need> {
    Ok(Need {
        id: r.try_get("id")?,
        title: r.try_get("title")?,
        description: r.try_get("description")?,
        scenario: r.try_get("scenario")?,
        aspects: Aspect::parse_list(&r.try_get::<String, _>("aspects")?),
        list: r.try_get("list_code")?,
        unit_id: UnitId(r.try_get("unit_id")?),
        unit_name: r.try_get("unit_name")?,
        origin_path: r.try_get("origin_path")?,
        at_path: r.try_get("at_path")?,
        state: NeedState::parse(&r.try_get::<String, _>("state")?)
            .ok_or_else(|| StoreError::Other("bad need state".into()))?,
        merged_into: r.try_get("merged_into")?,
        decline_reason: r.try_get("decline_reason")?,
        version: r.try_get("version")?,
        created_at: r.try_get("created_at")?,
    })
}

const PROPOSAL_SQL: &str = "SELECT id, title, description, state, experts, argued_on, argument_opinion, decision, reference, decided_on, version, created_at FROM proposals";

fn proposal_row(r: &AnyRow) -> Result<Proposal> {
    let experts: String = r.try_get("experts")?;
    Ok(Proposal {
        id: r.try_get("id")?,
        title: r.try_get("title")?,
        description: r.try_get("description")?,
        state: ProposalState::parse(&r.try_get::<String, _>("state")?)
            .ok_or_else(|| StoreError::Other("bad proposal state".into()))?,
        needs: vec![],
        experts: experts
            .split('、')
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        argued_on: date_of(r.try_get("argued_on")?),
        argument_opinion: r.try_get("argument_opinion")?,
        decision: r.try_get("decision")?,
        reference: r.try_get("reference")?,
        decided_on: date_of(r.try_get("decided_on")?),
        version: r.try_get("version")?,
        created_at: r.try_get("created_at")?,
    })
}

const ITEM_SQL: &str = "SELECT id, proposal_id, title, description, criterion, state, published_on, version, created_at FROM library_items";

fn item_row(r: &AnyRow) -> Result<LibraryItem> {
    Ok(LibraryItem {
        id: r.try_get("id")?,
        proposal_id: r.try_get("proposal_id")?,
        title: r.try_get("title")?,
        description: r.try_get("description")?,
        criterion: r.try_get("criterion")?,
        state: ItemState::parse(&r.try_get::<String, _>("state")?)
            .ok_or_else(|| StoreError::Other("bad item state".into()))?,
        published_on: r.try_get("published_on")?,
        version: r.try_get("version")?,
        created_at: r.try_get("created_at")?,
    })
}

const APP_SQL: &str = "SELECT a.id, a.name, a.owner_unit_id, n.name AS unit_name, j.path AS owner_path, a.description, a.version, a.created_at \
     FROM applications a JOIN units n ON n.id = a.owner_unit_id JOIN jurisdictions j ON j.id = n.jurisdiction_id";

fn app_row(r: &AnyRow) -> Result<Application> {
    Ok(Application {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        owner_unit_id: UnitId(r.try_get("owner_unit_id")?),
        owner_unit_name: r.try_get("unit_name")?,
        owner_path: r.try_get("owner_path")?,
        description: r.try_get("description")?,
        version: r.try_get("version")?,
        created_at: r.try_get("created_at")?,
    })
}

fn version_row(r: &AnyRow) -> Result<AppVersion> {
    Ok(AppVersion {
        id: r.try_get("id")?,
        application_id: r.try_get("application_id")?,
        seq: r.try_get("seq")?,
        label: r.try_get("label")?,
        predecessor: r.try_get("predecessor_id")?,
        released_on: date_of(r.try_get("released_on")?),
        notes: r.try_get("notes")?,
        evaluation: r.try_get("evaluation")?,
        evaluation_passed: r
            .try_get::<Option<i64>, _>("evaluation_passed")?
            .map(|v| v != 0),
    })
}

fn links(rows: &[AnyRow]) -> Result<Vec<LinkRow>> {
    rows.iter()
        .map(|r| {
            Ok(LinkRow {
                id: r.try_get("id")?,
                code: r.try_get("code")?,
                name: r.try_get("name")?,
            })
        })
        .collect()
}

impl Db {
    // ---------- needs ----------

    /// Record a new need from the actor's unit, pending at its own jurisdiction.
    pub async fn insert_need(&self, actor: &Actor, input: &NeedInput) -> Result<i64> {
        let now = now_text();
        let (_write, mut tx) = self.begin_write().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO needs (title, description, scenario, aspects, list_code, unit_id, origin_path, at_path, state, version, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, 1, $9, $10, $10) RETURNING id",
        )
        .bind(&input.title)
        .bind(&input.description)
        .bind(&input.scenario)
        .bind(Aspect::join(&input.aspects))
        .bind(&input.list)
        .bind(actor.unit_id.0)
        .bind(&actor.jurisdiction_path)
        .bind(NeedState::Pending.code())
        .bind(actor.user_id.0)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        append(
            &mut tx,
            "need",
            id,
            actor,
            ("submit", "", NeedState::Pending.code()),
            &format!("提交需求「{}」", input.title),
            "",
            &serde_json::json!({
                "aspects": Aspect::join(&input.aspects),
                "list": input.list,
                "at_path": actor.jurisdiction_path,
            }),
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn need(&self, id: i64) -> Result<Need> {
        let r = sqlx::query(&format!("{NEED_SQL} WHERE d.id = $1"))
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        need_row(&r)
    }

    /// Needs submitted inside a jurisdiction path or by a unit (the caller filters by permission).
    pub async fn needs_for(&self, path: &str, unit: Option<UnitId>) -> Result<Vec<Need>> {
        let rows = sqlx::query(&format!(
            "{NEED_SQL} WHERE d.origin_path LIKE $1 OR d.unit_id = $2 ORDER BY d.id DESC"
        ))
        .bind(format!("{path}%"))
        .bind(unit.map(|u| u.0).unwrap_or(-1))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(need_row).collect()
    }

    /// Needs merged into this one (its sources).
    pub async fn merged_sources(&self, id: i64) -> Result<Vec<Need>> {
        let rows = sqlx::query(&format!(
            "{NEED_SQL} WHERE d.merged_into = $1 ORDER BY d.id"
        ))
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(need_row).collect()
    }

    /// Write a review decision on a need (and, for a merge, the target's "merged in" entry).
    pub async fn apply_need_change(
        &self,
        actor: &Actor,
        n: &Need,
        c: &NeedChange,
        target: Option<&Need>,
    ) -> Result<()> {
        let now = now_text();
        let (_write, mut tx) = self.begin_write().await?;
        let rows = sqlx::query(
            "UPDATE needs SET state = $1, at_path = $2, merged_into = $3, decline_reason = $4, version = version + 1, updated_at = $5 \
             WHERE id = $6 AND version = $7",
        )
        .bind(c.to.code())
        .bind(&c.at_path)
        .bind(c.merged_into)
        .bind(&c.decline_reason)
        .bind(&now)
        .bind(n.id)
        .bind(n.version)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        one(rows)?;
        append(
            &mut tx,
            "need",
            n.id,
            actor,
            (c.action, n.state.code(), c.to.code()),
            &c.summary,
            &c.opinion,
            &serde_json::json!({ "at_path": c.at_path, "merged_into": c.merged_into }),
            &now,
        )
        .await?;
        if let Some(t) = target {
            let rows = sqlx::query(
                "UPDATE needs SET version = version + 1, updated_at = $1 WHERE id = $2 AND version = $3 AND state = $4",
            )
            .bind(&now)
            .bind(t.id)
            .bind(t.version)
            .bind(NeedState::Pending.code())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            one(rows)?;
            append(
                &mut tx,
                "need",
                t.id,
                actor,
                ("merged_in", t.state.code(), t.state.code()),
                &format!("并入来源需求 #{}「{}」（{}）", n.id, n.title, n.unit_name),
                &c.opinion,
                &serde_json::json!({ "source": n.id }),
                &now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    // ---------- proposals (一本账) ----------

    pub async fn insert_proposal(
        &self,
        actor: &Actor,
        title: &str,
        description: &str,
        needs: &[i64],
    ) -> Result<i64> {
        let now = now_text();
        let (_write, mut tx) = self.begin_write().await?;
        // 生成制: the sources must still be listed when the proposal is written.
        for n in needs {
            let ok = sqlx::query("SELECT id FROM needs WHERE id = $1 AND state = $2")
                .bind(n)
                .bind(NeedState::Listed.code())
                .fetch_optional(&mut *tx)
                .await?;
            if ok.is_none() {
                return Err(StoreError::Conflict(format!(
                    "需求 #{n} 已不是省级已列入状态，请刷新后重试"
                )));
            }
        }
        let id: i64 = sqlx::query(
            "INSERT INTO proposals (title, description, state, version, created_by, created_at, updated_at) VALUES ($1, $2, $3, 1, $4, $5, $5) RETURNING id",
        )
        .bind(title)
        .bind(description)
        .bind(ProposalState::Proposed.code())
        .bind(actor.user_id.0)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        for n in needs {
            sqlx::query("INSERT INTO proposal_needs (proposal_id, need_id) VALUES ($1, $2)")
                .bind(id)
                .bind(n)
                .execute(&mut *tx)
                .await?;
        }
        crate::search::index_new(
            &mut tx,
            "ledger",
            &[(id, tongchou_domain::similarity::terms(title, description))],
        )
        .await?;
        append(
            &mut tx,
            "proposal",
            id,
            actor,
            ("propose", "", ProposalState::Proposed.code()),
            &format!(
                "由需求 {} 生成项目建议「{title}」",
                needs
                    .iter()
                    .map(|n| format!("#{n}"))
                    .collect::<Vec<_>>()
                    .join("、")
            ),
            "",
            &serde_json::json!({ "needs": needs }),
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn proposal(&self, id: i64) -> Result<Proposal> {
        let r = sqlx::query(&format!("{PROPOSAL_SQL} WHERE id = $1"))
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        let mut p = proposal_row(&r)?;
        p.needs = sqlx::query(
            "SELECT need_id FROM proposal_needs WHERE proposal_id = $1 ORDER BY need_id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| r.try_get::<i64, _>("need_id"))
        .collect::<std::result::Result<_, _>>()?;
        Ok(p)
    }

    pub async fn proposals(&self) -> Result<Vec<Proposal>> {
        let rows = sqlx::query(&format!("{PROPOSAL_SQL} ORDER BY id DESC"))
            .fetch_all(&self.pool)
            .await?;
        let links = sqlx::query("SELECT proposal_id, need_id FROM proposal_needs ORDER BY need_id")
            .fetch_all(&self.pool)
            .await?;
        let mut out = rows.iter().map(proposal_row).collect::<Result<Vec<_>>>()?;
        for l in &links {
            let (p, n): (i64, i64) = (l.try_get("proposal_id")?, l.try_get("need_id")?);
            if let Some(x) = out.iter_mut().find(|x| x.id == p) {
                x.needs.push(n);
            }
        }
        Ok(out)
    }

    /// Proposals citing a need.
    pub async fn proposals_of_need(&self, need: i64) -> Result<Vec<LinkRow>> {
        let rows = sqlx::query(
            "SELECT p.id, '' AS code, p.title AS name FROM proposals p JOIN proposal_needs x ON x.proposal_id = p.id WHERE x.need_id = $1 ORDER BY p.id",
        )
        .bind(need)
        .fetch_all(&self.pool)
        .await?;
        links(&rows)
    }

    pub async fn record_argument(
        &self,
        actor: &Actor,
        p: &Proposal,
        experts: &[String],
        date: Date,
        opinion: &str,
    ) -> Result<()> {
        let now = now_text();
        let experts = experts
            .iter()
            .map(|e| e.trim())
            .filter(|e| !e.is_empty())
            .collect::<Vec<_>>()
            .join("、");
        let (_write, mut tx) = self.begin_write().await?;
        let rows = sqlx::query(
            "UPDATE proposals SET state = $1, experts = $2, argued_on = $3, argument_opinion = $4, version = version + 1, updated_at = $5 WHERE id = $6 AND version = $7",
        )
        .bind(ProposalState::Argued.code())
        .bind(&experts)
        .bind(date.to_string())
        .bind(opinion)
        .bind(&now)
        .bind(p.id)
        .bind(p.version)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        one(rows)?;
        append(
            &mut tx,
            "proposal",
            p.id,
            actor,
            ("argue", p.state.code(), ProposalState::Argued.code()),
            &format!("{date} 专家论证（{experts}）"),
            opinion,
            &serde_json::json!({ "experts": experts, "date": date.to_string() }),
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn record_inclusion(
        &self,
        actor: &Actor,
        p: &Proposal,
        to: ProposalState,
        reference: &str,
        date: Date,
        note: &str,
    ) -> Result<()> {
        let now = now_text();
        let decision = if to == ProposalState::Included {
            "列入全省数字化改革重大应用项目“一本账”"
        } else {
            "不列入"
        };
        let (_write, mut tx) = self.begin_write().await?;
        let rows = sqlx::query(
            "UPDATE proposals SET state = $1, decision = $2, reference = $3, decided_on = $4, version = version + 1, updated_at = $5 WHERE id = $6 AND version = $7",
        )
        .bind(to.code())
        .bind(decision)
        .bind(reference)
        .bind(date.to_string())
        .bind(&now)
        .bind(p.id)
        .bind(p.version)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        one(rows)?;
        append(
            &mut tx,
            "proposal",
            p.id,
            actor,
            ("include", p.state.code(), to.code()),
            &format!("省数字化改革领导小组 {date} 审定：{decision}（{reference}）"),
            note,
            &serde_json::json!({ "decision": decision, "reference": reference, "date": date.to_string() }),
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // ---------- library items (项目库) ----------

    pub async fn insert_item(
        &self,
        actor: &Actor,
        p: &Proposal,
        title: &str,
        description: &str,
        criterion: &str,
    ) -> Result<i64> {
        let now = now_text();
        let (_write, mut tx) = self.begin_write().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO library_items (proposal_id, title, description, criterion, state, version, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $7) RETURNING id",
        )
        .bind(p.id)
        .bind(title)
        .bind(description)
        .bind(criterion)
        .bind(ItemState::Draft.code())
        .bind(actor.user_id.0)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        crate::search::index_new(
            &mut tx,
            "library",
            &[(
                id,
                tongchou_domain::similarity::terms(title, &format!("{description} {criterion}")),
            )],
        )
        .await?;
        append(
            &mut tx,
            "item",
            id,
            actor,
            ("create_item", "", ItemState::Draft.code()),
            &format!(
                "由“一本账”项目 #{}「{}」确定项目库条目「{title}」",
                p.id, p.title
            ),
            criterion,
            &serde_json::json!({ "proposal": p.id }),
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn item(&self, id: i64) -> Result<LibraryItem> {
        let r = sqlx::query(&format!("{ITEM_SQL} WHERE id = $1"))
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        item_row(&r)
    }

    pub async fn items(&self, published_only: bool) -> Result<Vec<LibraryItem>> {
        let rows = sqlx::query(&format!(
            "{ITEM_SQL} WHERE ($1 = 0 OR state = 'published') ORDER BY id DESC"
        ))
        .bind(published_only as i64)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(item_row).collect()
    }

    pub async fn items_of_proposal(&self, proposal: i64) -> Result<Vec<LibraryItem>> {
        let rows = sqlx::query(&format!("{ITEM_SQL} WHERE proposal_id = $1 ORDER BY id"))
            .bind(proposal)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(item_row).collect()
    }

    pub async fn publish_item(&self, actor: &Actor, item: &LibraryItem) -> Result<()> {
        let now = now_text();
        let (_write, mut tx) = self.begin_write().await?;
        let rows = sqlx::query(
            "UPDATE library_items SET state = $1, published_on = $2, version = version + 1, updated_at = $2 WHERE id = $3 AND version = $4",
        )
        .bind(ItemState::Published.code())
        .bind(&now)
        .bind(item.id)
        .bind(item.version)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        one(rows)?;
        append(
            &mut tx,
            "item",
            item.id,
            actor,
            ("publish", item.state.code(), ItemState::Published.code()),
            "纳入数字政府系统应用“项目库”并公开发布",
            "",
            &serde_json::json!({}),
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn link_item_project(
        &self,
        actor: &Actor,
        item: &LibraryItem,
        project: i64,
        project_name: &str,
    ) -> Result<()> {
        let now = now_text();
        let (_write, mut tx) = self.begin_write().await?;
        let rows = sqlx::query(
            "UPDATE library_items SET version = version + 1, updated_at = $1 WHERE id = $2 AND version = $3",
        )
        .bind(&now)
        .bind(item.id)
        .bind(item.version)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        one(rows)?;
        sqlx::query("INSERT INTO library_item_projects (item_id, project_id, linked_by, linked_at) VALUES ($1, $2, $3, $4)")
            .bind(item.id)
            .bind(project)
            .bind(actor.user_id.0)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        append(
            &mut tx,
            "item",
            item.id,
            actor,
            ("link_project", item.state.code(), item.state.code()),
            &format!("关联实施项目 #{project}「{project_name}」"),
            "",
            &serde_json::json!({ "project": project }),
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn item_projects(&self, item: i64) -> Result<Vec<LinkRow>> {
        let rows = sqlx::query(
            "SELECT p.id, p.code, p.name FROM projects p JOIN library_item_projects x ON x.project_id = p.id WHERE x.item_id = $1 ORDER BY p.id",
        )
        .bind(item)
        .fetch_all(&self.pool)
        .await?;
        links(&rows)
    }

    pub async fn items_of_project(&self, project: i64) -> Result<Vec<LinkRow>> {
        let rows = sqlx::query(
            "SELECT i.id, '' AS code, i.title AS name FROM library_items i JOIN library_item_projects x ON x.item_id = i.id WHERE x.project_id = $1 ORDER BY i.id",
        )
        .bind(project)
        .fetch_all(&self.pool)
        .await?;
        links(&rows)
    }

    /// The 揭榜 competitions run on a library item (chain item ↔ competition, one click each way).
    pub async fn item_competitions(&self, item: i64) -> Result<Vec<LinkRow>> {
        let rows = sqlx::query(
            "SELECT id, '' AS code, title AS name FROM competitions WHERE item_id = $1 ORDER BY id",
        )
        .bind(item)
        .fetch_all(&self.pool)
        .await?;
        links(&rows)
    }

    /// The competitions on the library items a project is linked to (project ↔ competition).
    pub async fn project_competitions(&self, project: i64) -> Result<Vec<LinkRow>> {
        let rows = sqlx::query(
            "SELECT c.id, '' AS code, c.title AS name FROM competitions c JOIN library_item_projects x ON x.item_id = c.item_id WHERE x.project_id = $1 ORDER BY c.id",
        )
        .bind(project)
        .fetch_all(&self.pool)
        .await?;
        links(&rows)
    }

    /// The market listings an accepted competition produced (competition ↔ application).
    pub async fn competition_listings(&self, competition: i64) -> Result<Vec<LinkRow>> {
        let rows = sqlx::query(
            "SELECT id, '' AS code, name FROM listings WHERE competition_id = $1 ORDER BY id",
        )
        .bind(competition)
        .fetch_all(&self.pool)
        .await?;
        links(&rows)
    }

    // ---------- applications (迭代制) ----------

    pub async fn insert_application(
        &self,
        actor: &Actor,
        name: &str,
        description: &str,
    ) -> Result<i64> {
        let now = now_text();
        let (_write, mut tx) = self.begin_write().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO applications (name, owner_unit_id, description, version, created_by, created_at, updated_at) VALUES ($1, $2, $3, 1, $4, $5, $5) RETURNING id",
        )
        .bind(name)
        .bind(actor.unit_id.0)
        .bind(description)
        .bind(actor.user_id.0)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        crate::search::index_new(
            &mut tx,
            "application",
            &[(id, tongchou_domain::similarity::terms(name, description))],
        )
        .await?;
        append(
            &mut tx,
            "application",
            id,
            actor,
            ("create_application", "", "registered"),
            &format!("登记应用「{name}」（{}）", actor.unit_name),
            "",
            &serde_json::json!({}),
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn application(&self, id: i64) -> Result<Application> {
        let r = sqlx::query(&format!("{APP_SQL} WHERE a.id = $1"))
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        app_row(&r)
    }

    pub async fn applications(&self) -> Result<Vec<Application>> {
        let rows = sqlx::query(&format!("{APP_SQL} ORDER BY a.id"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(app_row).collect()
    }

    /// Edit an application's name and description (its owner unit), version-checked, with its
    /// history entry and its duplicate-construction index entry in the same transaction.
    pub async fn edit_application(
        &self,
        actor: &Actor,
        app: &Application,
        name: &str,
        description: &str,
    ) -> Result<()> {
        let now = now_text();
        let (_write, mut tx) = self.begin_write().await?;
        let rows = sqlx::query(
            "UPDATE applications SET name = $1, description = $2, version = version + 1, updated_at = $3 WHERE id = $4 AND version = $5",
        )
        .bind(name)
        .bind(description)
        .bind(&now)
        .bind(app.id)
        .bind(app.version)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if rows == 0 {
            return Err(StoreError::Conflict(
                "该应用已被他人修改，请刷新后重试".into(),
            ));
        }
        crate::search::reindex(
            &mut tx,
            "application",
            app.id,
            &tongchou_domain::similarity::terms(name, description),
        )
        .await?;
        append(
            &mut tx,
            "application",
            app.id,
            actor,
            ("edit_application", "registered", "registered"),
            &format!("修改应用「{}」为「{name}」", app.name),
            "",
            &serde_json::json!({ "name": name, "description": description }),
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn app_versions(&self, app: i64) -> Result<Vec<AppVersion>> {
        let rows = sqlx::query(
            "SELECT id, application_id, seq, label, predecessor_id, released_on, notes, evaluation, evaluation_passed FROM application_versions WHERE application_id = $1 ORDER BY seq",
        )
        .bind(app)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(version_row).collect()
    }

    /// Bump the application's version (the optimistic lock of all its changes).
    async fn touch_app(tx: &mut Tx, app: &Application, now: &str) -> Result<()> {
        let rows = sqlx::query(
            "UPDATE applications SET version = version + 1, updated_at = $1 WHERE id = $2 AND version = $3",
        )
        .bind(now)
        .bind(app.id)
        .bind(app.version)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        one(rows)
    }

    pub async fn insert_version(
        &self,
        actor: &Actor,
        app: &Application,
        label: &str,
        predecessor: Option<&AppVersion>,
        released_on: Option<Date>,
        notes: &str,
    ) -> Result<i64> {
        let now = now_text();
        let (_write, mut tx) = self.begin_write().await?;
        Self::touch_app(&mut tx, app, &now).await?;
        let seq: i64 = sqlx::query(
            "SELECT CAST(COALESCE(MAX(seq), 0) AS BIGINT) AS s FROM application_versions WHERE application_id = $1",
        )
        .bind(app.id)
        .fetch_one(&mut *tx)
        .await?
        .try_get("s")?;
        let id: i64 = sqlx::query(
            "INSERT INTO application_versions (application_id, seq, label, predecessor_id, released_on, notes, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(app.id)
        .bind(seq + 1)
        .bind(label)
        .bind(predecessor.map(|p| p.id))
        .bind(released_on.map(|d| d.to_string()))
        .bind(notes)
        .bind(actor.user_id.0)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        let summary = match predecessor {
            Some(p) => format!("登记升级版本 {label}（迭代自 {}）", p.label),
            None => format!("登记初始版本 {label}"),
        };
        append(
            &mut tx,
            "application",
            app.id,
            actor,
            ("add_version", "registered", "registered"),
            &summary,
            notes,
            &serde_json::json!({ "version": id, "label": label, "predecessor": predecessor.map(|p| p.id) }),
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn evaluate_app_version(
        &self,
        actor: &Actor,
        app: &Application,
        v: &AppVersion,
        conclusion: &str,
        passed: bool,
    ) -> Result<()> {
        let now = now_text();
        let (_write, mut tx) = self.begin_write().await?;
        Self::touch_app(&mut tx, app, &now).await?;
        let rows = sqlx::query(
            "UPDATE application_versions SET evaluation = $1, evaluation_passed = $2 WHERE id = $3 AND evaluation IS NULL",
        )
        .bind(conclusion)
        .bind(passed as i64)
        .bind(v.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        one(rows)?;
        append(
            &mut tx,
            "application",
            app.id,
            actor,
            ("evaluate_version", "registered", "registered"),
            &format!(
                "版本 {} 绩效评价：{}（{}）",
                v.label,
                conclusion,
                if passed { "通过" } else { "未通过" }
            ),
            conclusion,
            &serde_json::json!({ "version": v.id, "passed": passed }),
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn link_application_project(
        &self,
        actor: &Actor,
        app: &Application,
        project: i64,
        project_name: &str,
    ) -> Result<()> {
        let now = now_text();
        let (_write, mut tx) = self.begin_write().await?;
        Self::touch_app(&mut tx, app, &now).await?;
        sqlx::query("INSERT INTO application_projects (project_id, application_id, linked_by, linked_at) VALUES ($1, $2, $3, $4)")
            .bind(project)
            .bind(app.id)
            .bind(actor.user_id.0)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        append(
            &mut tx,
            "application",
            app.id,
            actor,
            ("link_project", "registered", "registered"),
            &format!("升级改造项目 #{project}「{project_name}」升级本应用"),
            "",
            &serde_json::json!({ "project": project }),
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn application_of_project(&self, project: i64) -> Result<Option<LinkRow>> {
        let rows = sqlx::query(
            "SELECT a.id, '' AS code, a.name FROM applications a JOIN application_projects x ON x.application_id = a.id WHERE x.project_id = $1",
        )
        .bind(project)
        .fetch_all(&self.pool)
        .await?;
        Ok(links(&rows)?.into_iter().next())
    }

    pub async fn application_projects(&self, app: i64) -> Result<Vec<LinkRow>> {
        let rows = sqlx::query(
            "SELECT p.id, p.code, p.name FROM projects p JOIN application_projects x ON x.project_id = p.id WHERE x.application_id = $1 ORDER BY p.id",
        )
        .bind(app)
        .fetch_all(&self.pool)
        .await?;
        links(&rows)
    }

    // ---------- history ----------

    pub async fn demand_history(&self, kind: &str, id: i64) -> Result<Vec<DemandHistoryEntry>> {
        let rows = sqlx::query(
            "SELECT seq, at, actor_name, actor_unit, action, from_state, to_state, summary, opinion, hash FROM demand_history WHERE kind = $1 AND entity_id = $2 ORDER BY seq",
        )
        .bind(kind)
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(DemandHistoryEntry {
                    seq: r.try_get("seq")?,
                    at: r.try_get("at")?,
                    actor_name: r.try_get("actor_name")?,
                    actor_unit: r.try_get("actor_unit")?,
                    action: r.try_get("action")?,
                    from_state: r.try_get("from_state")?,
                    to_state: r.try_get("to_state")?,
                    summary: r.try_get("summary")?,
                    opinion: r.try_get("opinion")?,
                    hash: r.try_get("hash")?,
                })
            })
            .collect()
    }

    /// Walk every chain of `demand_history`: Ok(entries checked) or the first broken entry
    /// (`project_id` holds the entity id, the reason names its kind).
    pub async fn verify_demand_history(&self) -> Result<std::result::Result<u64, Broken>> {
        let rows = sqlx::query(
            "SELECT kind, entity_id, seq, at, actor_id, action, from_state, to_state, summary, opinion, payload, prev_hash, hash \
             FROM demand_history ORDER BY kind, entity_id, seq",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut last: Option<(String, i64, i64, String)> = None;
        let mut n = 0u64;
        for r in &rows {
            let kind: String = r.try_get("kind")?;
            let entity: i64 = r.try_get("entity_id")?;
            let seq: i64 = r.try_get("seq")?;
            let prev_hash: String = r.try_get("prev_hash")?;
            let hash: String = r.try_get("hash")?;
            let (expected_seq, expected_prev) = match &last {
                Some((k, e, s, h)) if *k == kind && *e == entity => (s + 1, h.clone()),
                _ => (1, String::new()),
            };
            let broken = |reason: &str| Broken {
                project_id: entity,
                seq,
                reason: format!("{kind} {entity} history entry {seq}: {reason}"),
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
                &kind,
                entity,
                seq,
                &r.try_get::<String, _>("at")?,
                r.try_get("actor_id")?,
                &r.try_get::<String, _>("action")?,
                &r.try_get::<String, _>("from_state")?,
                &r.try_get::<String, _>("to_state")?,
                &r.try_get::<String, _>("summary")?,
                &r.try_get::<String, _>("opinion")?,
                &r.try_get::<String, _>("payload")?,
            );
            if computed != hash {
                return Ok(Err(broken("content does not match its hash")));
            }
            last = Some((kind, entity, seq, hash));
            n += 1;
        }
        Ok(Ok(n))
    }
}
