//! 揭榜竞争、公示异议、应用市场: persistence. Every change of a competition or a listing is written
//! with its hash-chained entry in `demand_history` (kinds `competition`, `listing`) in one
//! transaction, so `audit verify` walks these chains with the demand pool's.
use crate::demand::{append, DemandHistoryEntry};
use crate::{now_text, Db, Result, StoreError};
use sqlx::any::AnyRow;
use sqlx::Row;
use tongchou_domain::lifecycle::Event;
use tongchou_domain::market::*;
use tongchou_domain::{Actor, Date, JurisdictionId, UnitId, UserId};

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
    s.and_then(|s| s.get(..10).and_then(|s| s.parse().ok()))
}

const COMP_SQL: &str = "SELECT c.id, c.item_id, c.title, c.scenario, c.class, c.form, c.state, c.lead_unit_id, n.name AS lead_name, \
    (SELECT j.path FROM jurisdictions j WHERE j.id = n.jurisdiction_id) AS lead_path, \
    c.notice_from, c.notice_until, c.announced_on, c.milestones, c.delivery_date, c.agreed_fen, c.version FROM competitions c JOIN units n ON n.id = c.lead_unit_id";

fn comp_row(r: &AnyRow) -> Result<Competition> {
    let bad = |w: &str| StoreError::Other(format!("bad competition {w}"));
    Ok(Competition {
        id: r.try_get("id")?,
        item_id: r.try_get("item_id")?,
        title: r.try_get("title")?,
        scenario: ScenarioKind::parse(&r.try_get::<String, _>("scenario")?)
            .ok_or_else(|| bad("scenario"))?,
        class: r.try_get::<i64, _>("class")? as u8,
        form: serde_json::from_str(&r.try_get::<String, _>("form")?).map_err(|_| bad("form"))?,
        state: CompState::parse(&r.try_get::<String, _>("state")?).ok_or_else(|| bad("state"))?,
        lead_unit_id: UnitId(r.try_get("lead_unit_id")?),
        lead_unit_name: r.try_get("lead_name")?,
        jurisdiction_path: r
            .try_get::<Option<String>, _>("lead_path")?
            .unwrap_or_default(),
        notice_from: date_of(r.try_get("notice_from")?),
        notice_until: date_of(r.try_get("notice_until")?),
        announced_on: date_of(r.try_get("announced_on")?),
        milestones: serde_json::from_str(&r.try_get::<String, _>("milestones")?)
            .map_err(|_| bad("milestones"))?,
        delivery_date: date_of(r.try_get("delivery_date")?),
        agreed_fen: r.try_get("agreed_fen")?,
        version: r.try_get("version")?,
    })
}

const BID_SQL: &str = "SELECT b.id, b.competition_id, b.unit_id, n.name AS unit_name, b.kind, b.members, b.member_refs, b.provider, b.drc_opinion, b.finance_opinion, \
    b.materials, b.shortlisted, b.cancelled_on, (SELECT COUNT(*) FROM bid_scores s WHERE s.bid_id = b.id) AS n_scores, \
    (SELECT CAST(COALESCE(SUM(s.total), 0) AS BIGINT) FROM bid_scores s WHERE s.bid_id = b.id) AS sum_scores FROM bids b JOIN units n ON n.id = b.unit_id";

fn bid_row(r: &AnyRow) -> Result<Bid> {
    let n: i64 = r.try_get("n_scores")?;
    let sum: i64 = r.try_get("sum_scores")?;
    Ok(Bid {
        id: r.try_get("id")?,
        competition_id: r.try_get("competition_id")?,
        unit_id: UnitId(r.try_get("unit_id")?),
        unit_name: r.try_get("unit_name")?,
        kind: CandidateKind::parse(&r.try_get::<String, _>("kind")?)
            .ok_or_else(|| StoreError::Other("bad bid kind".into()))?,
        // Bids from before members referenced units keep their names (compared by name key).
        members: match r.try_get::<Option<String>, _>("member_refs")? {
            Some(j) if !j.is_empty() => serde_json::from_str(&j)
                .map_err(|_| StoreError::Other("bad bid member_refs".into()))?,
            _ => r
                .try_get::<String, _>("members")?
                .split('\n')
                .filter(|s| !s.is_empty())
                .map(Member::named)
                .collect(),
        },
        provider: match r.try_get::<Option<String>, _>("provider")? {
            Some(j) if !j.is_empty() => Some(
                serde_json::from_str(&j)
                    .map_err(|_| StoreError::Other("bad bid provider".into()))?,
            ),
            _ => None,
        },
        drc_opinion: r.try_get("drc_opinion")?,
        finance_opinion: r.try_get("finance_opinion")?,
        materials: r.try_get("materials")?,
        shortlisted: r.try_get::<i64, _>("shortlisted")? != 0,
        cancelled_on: date_of(r.try_get("cancelled_on")?),
        score: (n > 0).then(|| (sum as f64 / n as f64 * 10.0).round() / 10.0),
        scores: n,
    })
}

const LISTING_SQL: &str = "SELECT l.id, l.competition_id, l.name, l.description, l.owner_unit_id, n.name AS owner_name, l.class, l.version_label, \
    l.licence, l.contact, l.suppliers, l.listed_on, l.best, l.rank_no, l.nomination, l.version, \
    (SELECT COUNT(*) FROM reuses r WHERE r.listing_id = l.id AND r.state = 'approved') AS reuse_count, \
    (SELECT COUNT(*) FROM ratings g WHERE g.listing_id = l.id) AS n_ratings, \
    (SELECT CAST(COALESCE(SUM(g.stars), 0) AS BIGINT) FROM ratings g WHERE g.listing_id = l.id) AS sum_stars \
    FROM listings l JOIN units n ON n.id = l.owner_unit_id";

fn listing_row(r: &AnyRow) -> Result<Listing> {
    let n: i64 = r.try_get("n_ratings")?;
    let sum: i64 = r.try_get("sum_stars")?;
    Ok(Listing {
        id: r.try_get("id")?,
        competition_id: r.try_get("competition_id")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        owner_unit_id: UnitId(r.try_get("owner_unit_id")?),
        owner_name: r.try_get("owner_name")?,
        class: r.try_get::<i64, _>("class")? as u8,
        version_label: r.try_get("version_label")?,
        licence: r.try_get("licence")?,
        contact: r.try_get("contact")?,
        suppliers: r.try_get("suppliers")?,
        listed_on: r.try_get("listed_on")?,
        best: r.try_get::<i64, _>("best")? != 0,
        rank: r.try_get("rank_no")?,
        nomination: r.try_get("nomination")?,
        reuse_count: r.try_get("reuse_count")?,
        rating: (n > 0).then(|| (sum as f64 / n as f64 * 10.0).round() / 10.0),
        ratings: n,
        version: r.try_get("version")?,
    })
}

const REUSE_SQL: &str = "SELECT r.id, r.listing_id, r.unit_id, n.name AS unit_name, r.region, r.purpose, r.state, r.at FROM reuses r JOIN units n ON n.id = r.unit_id";

fn reuse_row(r: &AnyRow) -> Result<Reuse> {
    Ok(Reuse {
        id: r.try_get("id")?,
        listing_id: r.try_get("listing_id")?,
        unit_id: UnitId(r.try_get("unit_id")?),
        unit_name: r.try_get("unit_name")?,
        region: r.try_get("region")?,
        purpose: r.try_get("purpose")?,
        state: ReuseState::parse(&r.try_get::<String, _>("state")?)
            .ok_or_else(|| StoreError::Other("bad reuse state".into()))?,
        at: r.try_get("at")?,
    })
}

/// One rating with its review.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RatingRow {
    pub unit_name: String,
    pub stars: i64,
    pub review: String,
    pub at: String,
}

/// What a competition's state change also writes.
#[derive(Debug, Default)]
pub struct Transition {
    pub notice: Option<(Date, Date)>,
    pub announced_on: Option<Date>,
    pub milestones: Option<Vec<Milestone>>,
    pub delivery: Option<Date>,
    /// The agreement's agreed amount in fen (S10).
    pub agreed_fen: Option<i64>,
    pub shortlist: Vec<i64>,
    /// A default-rule override recorded with the change (reason and approver in the history).
    pub override_event: Option<Event>,
    /// Accepted: list the application in the market.
    pub listing: Option<NewListing>,
    /// Obligations the change creates (the agreement: delivery, acceptance, milestones).
    pub new_obligations: Vec<NewCompObligation>,
    /// Obligations the change fulfils: (code, on).
    pub fulfil: Vec<(String, Date)>,
    /// Fulfilled obligations the change reopens (acceptance failed: delivery is owed again).
    pub reopen: Vec<String>,
    /// Cancelled: every open obligation ends (lapsed if past due on this day, else cancelled).
    pub close_open_on: Option<Date>,
    /// One subject's 项目主体资格 cancelled on this day (ZJ-share 三（七）): its bid marked, its
    /// open obligations ended (as `close_open_on` does), its proposal confirmed — the other
    /// subjects go on.
    pub cancel_subject: Option<(UnitId, Date)>,
    /// A subject accepted: a pending proposal to cancel it is moot (`superseded`).
    pub accepted_subject: Option<UnitId>,
}

/// The sweep's proposal to cancel one subject (ZJ-share 三（七）).
#[derive(Debug, Clone, serde::Serialize)]
pub struct CancelProposal {
    pub unit_id: UnitId,
    pub unit_name: String,
    pub due_on: String,
    pub state: String,
    pub decided_by: Option<String>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewListing {
    pub name: String,
    pub description: String,
    pub owner_unit_id: UnitId,
    pub class: u8,
    pub version_label: String,
    pub licence: String,
    pub contact: String,
    pub suppliers: i64,
}

/// The public's stand-in in a history entry (an objection has no account).
fn public_actor(name: &str) -> Actor {
    Actor {
        user_id: UserId(0),
        name: format!("公众：{name}"),
        unit_id: UnitId(0),
        unit_name: "公众".into(),
        jurisdiction_id: JurisdictionId(0),
        jurisdiction_path: "/".into(),
        roles: vec![],
    }
}

const OBL_COLS: &str = "o.id, o.competition_id, o.code, o.title, o.cite, o.trigger_date, o.due, o.owner, o.owner_unit_id, \
    (SELECT u.name FROM units u WHERE u.id = o.owner_unit_id) AS owner_unit_name, o.owner_person, o.state, o.fulfilled_on, o.evidence, o.fulfilled_by_name, \
    o.evidence_filename, o.evidence_content_type, o.evidence_size, o.evidence_sha256";
const OBL_SQL: &str = "SELECT o.id, o.competition_id, o.code, o.title, o.cite, o.trigger_date, o.due, o.owner, o.owner_unit_id, \
    (SELECT u.name FROM units u WHERE u.id = o.owner_unit_id) AS owner_unit_name, o.owner_person, o.state, o.fulfilled_on, o.evidence, o.fulfilled_by_name, \
    o.evidence_filename, o.evidence_content_type, o.evidence_size, o.evidence_sha256 \
    FROM obligations o";
const OBL_SQL_TITLED: &str = "SELECT c.title AS c_title, o.id, o.competition_id, o.code, o.title, o.cite, o.trigger_date, o.due, o.owner, o.owner_unit_id, \
    (SELECT u.name FROM units u WHERE u.id = o.owner_unit_id) AS owner_unit_name, o.owner_person, o.state, o.fulfilled_on, o.evidence, o.fulfilled_by_name, \
    o.evidence_filename, o.evidence_content_type, o.evidence_size, o.evidence_sha256 \
    FROM obligations o JOIN competitions c ON c.id = o.competition_id";

fn obligation_row(r: &AnyRow) -> Result<CompObligationRow> {
    Ok(CompObligationRow {
        id: r.try_get("id")?,
        competition_id: r.try_get("competition_id")?,
        code: r.try_get("code")?,
        title: r.try_get("title")?,
        cite: r.try_get("cite")?,
        trigger_date: r.try_get("trigger_date")?,
        due: date_of(r.try_get("due")?)
            .ok_or_else(|| StoreError::Other("bad obligation due".into()))?,
        owner: r.try_get("owner")?,
        owner_unit_id: r.try_get::<Option<i64>, _>("owner_unit_id")?.map(UnitId),
        owner_unit_name: r.try_get("owner_unit_name")?,
        person: r.try_get("owner_person")?,
        state: r.try_get("state")?,
        fulfilled_on: date_of(r.try_get("fulfilled_on")?),
        evidence: r.try_get("evidence")?,
        fulfilled_by_name: r.try_get("fulfilled_by_name")?,
        evidence_file: match (
            r.try_get::<Option<String>, _>("evidence_filename")?,
            r.try_get::<Option<String>, _>("evidence_sha256")?,
        ) {
            (Some(filename), Some(sha256)) => Some(EvidenceFile {
                filename,
                content_type: r
                    .try_get::<Option<String>, _>("evidence_content_type")?
                    .unwrap_or_else(|| "application/octet-stream".into()),
                size: r.try_get::<Option<i64>, _>("evidence_size")?.unwrap_or(0),
                sha256,
            }),
            _ => None,
        },
    })
}

/// The 晾晒台's year and unit filters as they apply to competitions: the competition's year (the
/// year it was opened) and a unit that leads it or is one of its selected subjects.
#[derive(Debug, Clone, Copy, Default)]
pub struct BoardCompFilter {
    pub year: Option<i32>,
    pub unit: Option<UnitId>,
}

impl BoardCompFilter {
    /// The SQL condition on `c` (numbers only, written in).
    fn sql(&self) -> String {
        let mut s = String::new();
        if let Some(y) = self.year {
            s.push_str(&format!(" AND substr(c.created_at, 1, 4) = '{y:04}'"));
        }
        if let Some(u) = self.unit {
            s.push_str(&format!(
                " AND (c.lead_unit_id = {0} OR EXISTS (SELECT 1 FROM bids fb WHERE fb.competition_id = c.id AND fb.shortlisted = 1 AND fb.unit_id = {0}))",
                u.0
            ));
        }
        s
    }
}

/// One responsible unit's competition obligations on the 晾晒台.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CompDutyBoardRow {
    pub unit_id: Option<UnitId>,
    pub unit_name: String,
    pub open: i64,
    pub overdue: i64,
}

/// The obligations a competition's change creates, fulfils, reopens or ends (inside its
/// transaction). Creating is idempotent (unique per competition and code).
async fn write_comp_obligations(
    tx: &mut sqlx::AnyConnection,
    competition: i64,
    t: &Transition,
    now: &str,
) -> Result<()> {
    for o in &t.new_obligations {
        sqlx::query(
            "INSERT INTO obligations (competition_id, code, title, cite, trigger_date, due, owner, warning, state, fulfilled_on, created_at, owner_unit_id, owner_person) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, 'open', NULL, $8, $9, $10) ON CONFLICT (competition_id, code) DO NOTHING",
        )
        .bind(competition)
        .bind(&o.code)
        .bind(&o.title)
        .bind(o.cite.to_string())
        .bind(o.trigger.to_string())
        .bind(o.due.to_string())
        .bind(&o.owner)
        .bind(now)
        .bind(o.owner_unit_id.map(|u| u.0))
        .bind((!o.person.is_empty()).then(|| o.person.clone()))
        .execute(&mut *tx)
        .await?;
    }
    for (code, on) in &t.fulfil {
        sqlx::query("UPDATE obligations SET state = 'fulfilled', fulfilled_on = $1 WHERE competition_id = $2 AND code = $3 AND state = 'open'")
            .bind(on.to_string())
            .bind(competition)
            .bind(code)
            .execute(&mut *tx)
            .await?;
    }
    for code in &t.reopen {
        sqlx::query("UPDATE obligations SET state = 'open', fulfilled_on = NULL WHERE competition_id = $1 AND code = $2 AND state = 'fulfilled'")
            .bind(competition)
            .bind(code)
            .execute(&mut *tx)
            .await?;
    }
    if let Some(on) = t.close_open_on {
        // ISO dates compare as text in both databases.
        sqlx::query("UPDATE obligations SET state = CASE WHEN due < $2 THEN 'lapsed' ELSE 'cancelled' END WHERE competition_id = $1 AND state = 'open'")
            .bind(competition)
            .bind(on.to_string())
            .execute(&mut *tx)
            .await?;
    }
    if let Some((unit, on)) = t.cancel_subject {
        // that subject's own duties end (rows without an owner unit are a single subject's)
        sqlx::query("UPDATE obligations SET state = CASE WHEN due < $2 THEN 'lapsed' ELSE 'cancelled' END \
                     WHERE competition_id = $1 AND state = 'open' AND owner = 'subject' AND (owner_unit_id = $3 OR owner_unit_id IS NULL)")
            .bind(competition)
            .bind(on.to_string())
            .bind(unit.0)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE bids SET cancelled_on = $1 WHERE competition_id = $2 AND unit_id = $3 AND shortlisted = 1")
            .bind(on.to_string())
            .bind(competition)
            .bind(unit.0)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

impl Db {
    pub async fn insert_competition(
        &self,
        actor: &Actor,
        item_id: i64,
        title: &str,
        scenario: ScenarioKind,
        class: u8,
        form: &AppForm,
    ) -> Result<i64> {
        let now = now_text();
        let (_w, mut tx) = self.begin_write().await?;
        let form_json = serde_json::to_string(form).unwrap_or_default();
        let id: i64 = sqlx::query(
            "INSERT INTO competitions (item_id, title, scenario, class, form, state, lead_unit_id, delivery_date, version, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $10, $10) RETURNING id",
        )
        .bind(item_id)
        .bind(title)
        .bind(scenario.code())
        .bind(class as i64)
        .bind(&form_json)
        .bind(CompState::Open.code())
        .bind(actor.unit_id.0)
        .bind(form.delivery_date.map(|d| d.to_string()))
        .bind(actor.user_id.0)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        append(
            &mut tx,
            "competition",
            id,
            actor,
            ("open", "", CompState::Open.code()),
            &format!(
                "发起揭榜「{title}」（{}，{}）",
                scenario.label(),
                class_label(class)
            ),
            "",
            &serde_json::json!({ "item": item_id, "form": form }),
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn competition(&self, id: i64) -> Result<Competition> {
        let r = sqlx::query(&format!("{COMP_SQL} WHERE c.id = $1"))
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        comp_row(&r)
    }

    pub async fn competitions(&self) -> Result<Vec<Competition>> {
        let rows = sqlx::query(&format!("{COMP_SQL} ORDER BY c.id DESC"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(comp_row).collect()
    }

    pub async fn bids(&self, competition: i64) -> Result<Vec<Bid>> {
        let rows = sqlx::query(&format!(
            "{BID_SQL} WHERE b.competition_id = $1 ORDER BY b.id"
        ))
        .bind(competition)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(bid_row).collect()
    }

    pub async fn insert_bid(&self, actor: &Actor, c: &Competition, b: &BidInput) -> Result<i64> {
        let now = now_text();
        let kind = b.kind.unwrap_or(CandidateKind::Market);
        let names: Vec<String> = b.members.iter().map(|m| m.name.clone()).collect();
        let provider = is_purchase_of_service(c.class).then_some(&b.provider);
        let (_w, mut tx) = self.begin_write().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO bids (competition_id, unit_id, kind, members, drc_opinion, finance_opinion, materials, created_by, created_at, member_refs, provider) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(c.id)
        .bind(actor.unit_id.0)
        .bind(kind.code())
        .bind(names.join("\n"))
        .bind(&b.drc_opinion)
        .bind(&b.finance_opinion)
        .bind(&b.materials)
        .bind(actor.user_id.0)
        .bind(&now)
        .bind(serde_json::to_string(&b.members).unwrap_or_else(|_| "[]".into()))
        .bind(provider.map(|p| serde_json::to_string(p).unwrap_or_default()))
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        append(
            &mut tx,
            "competition",
            c.id,
            actor,
            ("bid", c.state.code(), c.state.code()),
            &format!(
                "{}以{}身份揭榜{}",
                actor.unit_name,
                kind.label(),
                if b.members.is_empty() {
                    String::new()
                } else {
                    format!("（联合体，成员：{}）", names.join("、"))
                }
            ),
            "",
            &serde_json::json!({ "bid": id, "members": b.members, "provider": provider }),
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The expert panel assigned to a competition.
    pub async fn competition_panel(&self, competition: i64) -> Result<Vec<PanelExpert>> {
        let rows = sqlx::query("SELECT user_id, name, unit_id, unit_name FROM competition_experts WHERE competition_id = $1 ORDER BY user_id")
            .bind(competition)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(PanelExpert {
                    user_id: UserId(r.try_get("user_id")?),
                    name: r.try_get("name")?,
                    unit_id: UnitId(r.try_get("unit_id")?),
                    unit_name: r.try_get("unit_name")?,
                })
            })
            .collect()
    }

    /// Look up panel candidates (with their unit and roles) by user id; an unknown or inactive
    /// id is NotFound.
    pub async fn panel_candidates(
        &self,
        ids: &[UserId],
    ) -> Result<Vec<(PanelExpert, Vec<tongchou_domain::Role>)>> {
        let mut out = Vec::new();
        for id in ids {
            let r = sqlx::query("SELECT u.id, u.display_name, u.unit_id, n.name AS unit_name, u.roles FROM users u JOIN units n ON n.id = u.unit_id WHERE u.id = $1 AND u.active = 1")
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await?;
            let Some(r) = r else {
                return Err(StoreError::NotFound);
            };
            out.push((
                PanelExpert {
                    user_id: UserId(r.try_get("id")?),
                    name: r.try_get("display_name")?,
                    unit_id: UnitId(r.try_get("unit_id")?),
                    unit_name: r.try_get("unit_name")?,
                },
                tongchou_domain::Role::parse_list(&r.try_get::<String, _>("roles")?),
            ));
        }
        Ok(out)
    }

    /// Replace the competition's expert panel, with its history entry, in one transaction.
    pub async fn assign_competition_experts(
        &self,
        actor: &Actor,
        c: &Competition,
        panel: &[PanelExpert],
    ) -> Result<()> {
        let now = now_text();
        let (_w, mut tx) = self.begin_write().await?;
        sqlx::query("DELETE FROM competition_experts WHERE competition_id = $1")
            .bind(c.id)
            .execute(&mut *tx)
            .await?;
        for e in panel {
            sqlx::query("INSERT INTO competition_experts (competition_id, user_id, name, unit_id, unit_name, assigned_at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(c.id)
                .bind(e.user_id.0)
                .bind(&e.name)
                .bind(e.unit_id.0)
                .bind(&e.unit_name)
                .bind(&now)
                .execute(&mut *tx)
                .await?;
        }
        let names: Vec<String> = panel
            .iter()
            .map(|e| format!("{}（{}）", e.name, e.unit_name))
            .collect();
        append(
            &mut tx,
            "competition",
            c.id,
            actor,
            ("assign_experts", c.state.code(), c.state.code()),
            &format!("指定评审专家组：{}", names.join("、")),
            "",
            &serde_json::json!({ "experts": panel.iter().map(|e| e.user_id.0).collect::<Vec<_>>() }),
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn insert_score(
        &self,
        actor: &Actor,
        c: &Competition,
        bid: &Bid,
        scores: &[u32],
        total: u32,
        opinion: &str,
    ) -> Result<()> {
        let now = now_text();
        let (_w, mut tx) = self.begin_write().await?;
        sqlx::query("DELETE FROM bid_scores WHERE bid_id = $1 AND expert_id = $2")
            .bind(bid.id)
            .bind(actor.user_id.0)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO bid_scores (bid_id, expert_id, scores, total, opinion, at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(bid.id)
            .bind(actor.user_id.0)
            .bind(serde_json::to_string(scores).unwrap_or_default())
            .bind(total as i64)
            .bind(opinion)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        append(
            &mut tx,
            "competition",
            c.id,
            actor,
            ("score", c.state.code(), c.state.code()),
            &format!("专家评审{}：{} 分（满分 80）", bid.unit_name, total),
            opinion,
            &serde_json::json!({ "bid": bid.id, "scores": scores }),
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Move a competition to `to` with its version check and history entry, plus whatever
    /// the transition also writes, in one transaction. Returns the new listing's id, if any.
    #[allow(clippy::too_many_arguments)]
    pub async fn competition_transition(
        &self,
        actor: &Actor,
        c: &Competition,
        to: CompState,
        action: &str,
        summary: &str,
        opinion: &str,
        t: Transition,
    ) -> Result<Option<i64>> {
        let now = now_text();
        let (_w, mut tx) = self.begin_write().await?;
        let rows = sqlx::query(
            "UPDATE competitions SET state = $1, notice_from = COALESCE($2, notice_from), notice_until = COALESCE($3, notice_until), \
             announced_on = COALESCE($4, announced_on), milestones = COALESCE($5, milestones), delivery_date = COALESCE($6, delivery_date), \
             agreed_fen = COALESCE($10, agreed_fen), version = version + 1, updated_at = $7 WHERE id = $8 AND version = $9",
        )
        .bind(to.code())
        .bind(t.notice.map(|n| n.0.to_string()))
        .bind(t.notice.map(|n| n.1.to_string()))
        .bind(t.announced_on.map(|d| d.to_string()))
        .bind(t.milestones.as_ref().map(|m| serde_json::to_string(m).unwrap_or_default()))
        .bind(t.delivery.map(|d| d.to_string()))
        .bind(&now)
        .bind(c.id)
        .bind(c.version)
        .bind(t.agreed_fen)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        one(rows)?;
        write_comp_obligations(&mut tx, c.id, &t, &now).await?;
        if let Some(unit) = t.accepted_subject {
            sqlx::query("UPDATE competition_cancel_proposals SET state = 'superseded', decided_at = $1 WHERE competition_id = $2 AND unit_id = $3 AND state = 'pending'")
                .bind(&now)
                .bind(c.id)
                .bind(unit.0)
                .execute(&mut *tx)
                .await?;
        }
        if let Some((unit, _)) = t.cancel_subject {
            sqlx::query("UPDATE competition_cancel_proposals SET state = 'confirmed', decided_by_name = $1, decided_at = $2, reason = $3 WHERE competition_id = $4 AND unit_id = $5 AND state = 'pending'")
                .bind(&actor.name)
                .bind(&now)
                .bind(opinion)
                .bind(c.id)
                .bind(unit.0)
                .execute(&mut *tx)
                .await?;
        } else if to == CompState::Cancelled {
            sqlx::query("UPDATE competition_cancel_proposals SET state = 'confirmed', decided_by_name = $1, decided_at = $2, reason = $3 WHERE competition_id = $4 AND state = 'pending'")
                .bind(&actor.name)
                .bind(&now)
                .bind(opinion)
                .bind(c.id)
                .execute(&mut *tx)
                .await?;
        }
        for b in &t.shortlist {
            sqlx::query("UPDATE bids SET shortlisted = 1 WHERE id = $1 AND competition_id = $2")
                .bind(b)
                .bind(c.id)
                .execute(&mut *tx)
                .await?;
        }
        let mut payload = serde_json::json!({
            "cancel_subject": t.cancel_subject.map(|(u, _)| u.0),
            "shortlist": t.shortlist,
            "notice": t.notice.map(|n| [n.0.to_string(), n.1.to_string()]),
            "milestones": t.milestones,
            "delivery": t.delivery.map(|d| d.to_string()),
            "agreed_fen": t.agreed_fen,
        });
        if let Some(Event::OverrideRecorded {
            rule,
            reason,
            cite,
            approver,
            text,
        }) = &t.override_event
        {
            payload["override"] = serde_json::json!({
                "rule": rule, "reason": reason, "cite": cite.to_string(),
                "approver": approver.map(|r| r.code()), "text": text,
            });
            // pending the approver's sign-off (SPEC §0)
            sqlx::query("INSERT INTO competition_overrides (competition_id, rule, rule_text, reason, approver, state, requested_by_name, requested_at) VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7)")
                .bind(c.id)
                .bind(rule)
                .bind(text)
                .bind(reason)
                .bind(approver.unwrap_or(tongchou_domain::Role::Authority).code())
                .bind(&actor.name)
                .bind(&now)
                .execute(&mut *tx)
                .await?;
        }
        let mut listing_id = None;
        if let Some(l) = &t.listing {
            let id: i64 = sqlx::query(
                "INSERT INTO listings (competition_id, name, description, owner_unit_id, class, version_label, licence, contact, suppliers, listed_on, version) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1) RETURNING id",
            )
            .bind(c.id)
            .bind(&l.name)
            .bind(&l.description)
            .bind(l.owner_unit_id.0)
            .bind(l.class as i64)
            .bind(&l.version_label)
            .bind(&l.licence)
            .bind(&l.contact)
            .bind(l.suppliers)
            .bind(&now)
            .fetch_one(&mut *tx)
            .await?
            .try_get("id")?;
            crate::search::index_new(
                &mut tx,
                "listing",
                &[(
                    id,
                    tongchou_domain::similarity::terms(&l.name, &l.description),
                )],
            )
            .await?;
            payload["listing"] = serde_json::json!(id);
            append(
                &mut tx,
                "listing",
                id,
                actor,
                ("list", "", "listed"),
                &format!("验收通过，「{}」在应用市场上架", l.name),
                "",
                &serde_json::json!({ "competition": c.id }),
                &now,
            )
            .await?;
            listing_id = Some(id);
        }
        append(
            &mut tx,
            "competition",
            c.id,
            actor,
            (action, c.state.code(), to.code()),
            summary,
            opinion,
            &payload,
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(listing_id)
    }

    /// The open 3-month acceptance obligations past due (ZJ-share 三（七）) of competitions still
    /// agreed or awaiting acceptance, one per subject (class 3: each subject its own), without a
    /// cancellation proposal for that subject yet: the competition, the obligation's due date and
    /// the subject's unit (an obligation without an owner unit: the selected subject's).
    pub async fn competitions_to_propose_cancel(
        &self,
        today: Date,
    ) -> Result<Vec<(Competition, Date, UnitId)>> {
        let subj = "COALESCE(o.owner_unit_id, (SELECT MIN(b.unit_id) FROM bids b WHERE b.competition_id = c.id AND b.shortlisted = 1), 0)";
        let rows = sqlx::query(&format!(
            "{COMP_SQL} JOIN obligations o ON o.competition_id = c.id AND (o.code = $1 OR o.code LIKE $3) \
             WHERE o.state = 'open' AND o.due < $2 AND c.state IN ('agreed', 'acceptance_applied') \
             AND NOT EXISTS (SELECT 1 FROM competition_cancel_proposals p WHERE p.competition_id = c.id AND p.unit_id = {subj}) ORDER BY o.due, c.id, o.id"
        ).replace("SELECT c.id,", &format!("SELECT o.due AS o_due, {subj} AS o_subject, c.id,")))
        .bind(OBL_ACCEPTANCE)
        .bind(today.to_string())
        .bind(format!("{OBL_ACCEPTANCE}:%"))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let due = date_of(r.try_get("o_due")?)
                    .ok_or_else(|| StoreError::Other("bad obligation due".into()))?;
                Ok((comp_row(r)?, due, UnitId(r.try_get("o_subject")?)))
            })
            .collect()
    }

    /// Competitions agreed before their obligations were rows (older data): those in force
    /// without a delivery obligation row.
    pub async fn competitions_missing_obligations(&self) -> Result<Vec<Competition>> {
        let rows = sqlx::query(&format!(
            "{COMP_SQL} WHERE c.state IN ('agreed', 'acceptance_applied', 'accepted') AND c.delivery_date IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM obligations o WHERE o.competition_id = c.id) ORDER BY c.id"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(comp_row).collect()
    }

    /// Write the obligations of an agreement signed before they were rows (idempotent: unique
    /// per competition and code), fulfilled as far as the competition got; no history entry, as
    /// nothing about the competition changes.
    pub async fn backfill_competition_obligations(
        &self,
        c: &Competition,
        obligations: &[NewCompObligation],
    ) -> Result<()> {
        let now = now_text();
        let (_w, mut tx) = self.begin_write().await?;
        let on = c.delivery_date.unwrap_or_else(crate::today);
        let mut t = Transition {
            new_obligations: obligations.to_vec(),
            ..Default::default()
        };
        if matches!(c.state, CompState::AcceptanceApplied | CompState::Accepted) {
            t.fulfil.push((OBL_DELIVERY.into(), on));
        }
        if c.state == CompState::Accepted {
            t.fulfil.push((OBL_ACCEPTANCE.into(), on));
        }
        write_comp_obligations(&mut tx, c.id, &t, &now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Record the sweep's cancellation proposal once (idempotent: a second call, or a racing
    /// process, records nothing) with its history entry, in one transaction. True if recorded.
    pub async fn propose_competition_cancel(
        &self,
        actor: &Actor,
        c: &Competition,
        due_on: Date,
        subject: UnitId,
        summary: &str,
    ) -> Result<bool> {
        let now = now_text();
        let (_w, mut tx) = self.begin_write().await?;
        let rows = sqlx::query("INSERT INTO competition_cancel_proposals (competition_id, due_on, proposed_at, state, unit_id) VALUES ($1, $2, $3, 'pending', $4) ON CONFLICT (competition_id, unit_id) DO NOTHING")
            .bind(c.id)
            .bind(due_on.to_string())
            .bind(&now)
            .bind(subject.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if rows == 0 {
            return Ok(false);
        }
        append(
            &mut tx,
            "competition",
            c.id,
            actor,
            ("propose_cancel", c.state.code(), c.state.code()),
            summary,
            "",
            &serde_json::json!({ "due_on": due_on.to_string(), "subject": subject.0 }),
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The cancellation proposals of a competition, one per subject, by subject.
    pub async fn competition_cancel_proposals(
        &self,
        competition: i64,
    ) -> Result<Vec<CancelProposal>> {
        let rows = sqlx::query("SELECT p.unit_id, COALESCE(n.name, '项目主体') AS unit_name, p.due_on, p.state, p.decided_by_name, p.reason \
                                FROM competition_cancel_proposals p LEFT JOIN units n ON n.id = p.unit_id WHERE p.competition_id = $1 ORDER BY p.unit_id")
            .bind(competition)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(CancelProposal {
                    unit_id: UnitId(r.try_get("unit_id")?),
                    unit_name: r.try_get("unit_name")?,
                    due_on: r.try_get("due_on")?,
                    state: r.try_get("state")?,
                    decided_by: r.try_get("decided_by_name")?,
                    reason: r.try_get("reason")?,
                })
            })
            .collect()
    }

    /// Pending cancellation proposals of a lead unit's competitions: (id, title, due_on, subject).
    pub async fn pending_cancel_proposals(
        &self,
        lead_unit: UnitId,
    ) -> Result<Vec<(i64, String, String, String)>> {
        let rows = sqlx::query("SELECT c.id, c.title, p.due_on, COALESCE(n.name, '项目主体') AS unit_name FROM competition_cancel_proposals p JOIN competitions c ON c.id = p.competition_id \
                                LEFT JOIN units n ON n.id = p.unit_id WHERE p.state = 'pending' AND c.lead_unit_id = $1 ORDER BY c.id, p.unit_id")
            .bind(lead_unit.0)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("id")?,
                    r.try_get("title")?,
                    r.try_get("due_on")?,
                    r.try_get("unit_name")?,
                ))
            })
            .collect()
    }

    /// The lead unit waives the pending proposal for one subject with its reason (history in
    /// the same tx).
    pub async fn waive_competition_cancel(
        &self,
        actor: &Actor,
        c: &Competition,
        subject: UnitId,
        reason: &str,
        summary: &str,
    ) -> Result<()> {
        let now = now_text();
        let (_w, mut tx) = self.begin_write().await?;
        let rows = sqlx::query("UPDATE competition_cancel_proposals SET state = 'waived', decided_by_name = $1, decided_at = $2, reason = $3 WHERE competition_id = $4 AND unit_id = $5 AND state = 'pending'")
            .bind(&actor.name)
            .bind(&now)
            .bind(reason)
            .bind(c.id)
            .bind(subject.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        one(rows)?;
        append(
            &mut tx,
            "competition",
            c.id,
            actor,
            ("waive_cancel", c.state.code(), c.state.code()),
            summary,
            reason,
            &serde_json::json!({ "subject": subject.0 }),
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The default-rule overrides of a competition, oldest first.
    pub async fn competition_overrides(
        &self,
        competition: i64,
    ) -> Result<Vec<tongchou_domain::overrides::OverrideRecord>> {
        let rows = sqlx::query(
            "SELECT * FROM competition_overrides WHERE competition_id = $1 ORDER BY id",
        )
        .bind(competition)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(crate::overrides::record).collect()
    }

    /// Competition overrides pending one of `roles` (for 我的待办 and the board): the
    /// competition's id and title with each, newest first.
    pub async fn pending_competition_overrides(
        &self,
        roles: &[tongchou_domain::Role],
        limit: i64,
    ) -> Result<Vec<(i64, String, tongchou_domain::overrides::OverrideRecord)>> {
        self.competition_overrides_where(roles, true, limit).await
    }

    /// Every competition override (any state) whose approver is one of `roles`, or all of them
    /// when `roles` is empty, newest first.
    pub async fn competition_overrides_where(
        &self,
        roles: &[tongchou_domain::Role],
        pending_only: bool,
        limit: i64,
    ) -> Result<Vec<(i64, String, tongchou_domain::overrides::OverrideRecord)>> {
        let mut sql = String::from("SELECT o.*, c.title AS c_title FROM competition_overrides o JOIN competitions c ON c.id = o.competition_id WHERE 1 = 1");
        if pending_only {
            sql.push_str(" AND o.state = 'pending'");
        }
        if !roles.is_empty() {
            let marks: Vec<String> = (0..roles.len()).map(|i| format!("${}", i + 2)).collect();
            sql.push_str(&format!(" AND o.approver IN ({})", marks.join(", ")));
        }
        sql.push_str(" ORDER BY o.id DESC LIMIT $1");
        let mut q = sqlx::query(&sql).bind(limit);
        for r in roles {
            q = q.bind(r.code());
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("competition_id")?,
                    r.try_get("c_title")?,
                    crate::overrides::record(r)?,
                ))
            })
            .collect()
    }

    /// The approver signs off or objects to a competition override: the state (only from
    /// pending) and the history entry in one transaction.
    pub async fn review_competition_override(
        &self,
        actor: &Actor,
        c: &Competition,
        override_id: i64,
        agree: bool,
        opinion: &str,
        summary: &str,
    ) -> Result<()> {
        let now = now_text();
        let (_w, mut tx) = self.begin_write().await?;
        let rows = sqlx::query("UPDATE competition_overrides SET state = $1, decided_by_name = $2, decided_at = $3, decision_reason = $4 WHERE id = $5 AND competition_id = $6 AND state = 'pending'")
            .bind(if agree { "signed_off" } else { "objected" })
            .bind(&actor.name)
            .bind(&now)
            .bind(opinion)
            .bind(override_id)
            .bind(c.id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        one(rows)?;
        append(
            &mut tx,
            "competition",
            c.id,
            actor,
            ("review_override", c.state.code(), c.state.code()),
            summary,
            opinion,
            &serde_json::json!({ "override": override_id, "agree": agree }),
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn objections(&self, competition: i64) -> Result<Vec<Objection>> {
        let rows = sqlx::query(
            "SELECT id, name, contact, text, at, handled, reply FROM objections WHERE competition_id = $1 ORDER BY id",
        )
        .bind(competition)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Objection {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    contact: r.try_get("contact")?,
                    text: r.try_get("text")?,
                    at: r.try_get("at")?,
                    handled: r.try_get::<i64, _>("handled")? != 0,
                    reply: r.try_get("reply")?,
                })
            })
            .collect()
    }

    /// Anyone's objection during the notice period (in the competition's chain).
    pub async fn insert_objection(
        &self,
        c: &Competition,
        name: &str,
        contact: &str,
        text: &str,
    ) -> Result<i64> {
        let now = now_text();
        let (_w, mut tx) = self.begin_write().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO objections (competition_id, name, contact, text, at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(c.id)
        .bind(name.trim())
        .bind(contact.trim())
        .bind(text.trim())
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        append(
            &mut tx,
            "competition",
            c.id,
            &public_actor(name.trim()),
            ("object", c.state.code(), c.state.code()),
            &format!("公示期间收到异议 #{id}"),
            text.trim(),
            &serde_json::json!({ "objection": id }),
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn handle_objection(
        &self,
        actor: &Actor,
        c: &Competition,
        objection: i64,
        reply: &str,
    ) -> Result<()> {
        let now = now_text();
        let (_w, mut tx) = self.begin_write().await?;
        let rows = sqlx::query(
            "UPDATE objections SET handled = 1, reply = $1, handled_by = $2, handled_at = $3 WHERE id = $4 AND competition_id = $5 AND handled = 0",
        )
        .bind(reply.trim())
        .bind(actor.user_id.0)
        .bind(&now)
        .bind(objection)
        .bind(c.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        one(rows)?;
        append(
            &mut tx,
            "competition",
            c.id,
            actor,
            ("handle_objection", c.state.code(), c.state.code()),
            &format!("处理异议 #{objection}"),
            reply.trim(),
            &serde_json::json!({ "objection": objection }),
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // ---------- market ----------

    pub async fn listings(&self, q: &str) -> Result<Vec<Listing>> {
        let like = format!("%{}%", q.trim());
        let rows = sqlx::query(&format!(
            "{LISTING_SQL} WHERE l.name LIKE $1 OR l.description LIKE $1 OR n.name LIKE $1 ORDER BY l.best DESC, l.id DESC"
        ))
        .bind(&like)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(listing_row).collect()
    }

    pub async fn listing(&self, id: i64) -> Result<Listing> {
        let r = sqlx::query(&format!("{LISTING_SQL} WHERE l.id = $1"))
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        listing_row(&r)
    }

    pub async fn reuses(&self, listing: i64) -> Result<Vec<Reuse>> {
        let rows = sqlx::query(&format!(
            "{REUSE_SQL} WHERE r.listing_id = $1 ORDER BY r.id"
        ))
        .bind(listing)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(reuse_row).collect()
    }

    pub async fn ratings(&self, listing: i64) -> Result<Vec<RatingRow>> {
        let rows = sqlx::query(
            "SELECT n.name AS unit_name, g.stars, g.review, g.at FROM ratings g JOIN units n ON n.id = g.unit_id WHERE g.listing_id = $1 ORDER BY g.at",
        )
        .bind(listing)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(RatingRow {
                    unit_name: r.try_get("unit_name")?,
                    stars: r.try_get("stars")?,
                    review: r.try_get("review")?,
                    at: r.try_get("at")?,
                })
            })
            .collect()
    }

    /// Bump the listing's version (optimistic lock), run `sql` (its binds, then `now`) and append
    /// the history entry, in one transaction.
    #[allow(clippy::too_many_arguments)]
    async fn listing_change(
        &self,
        actor: &Actor,
        l: &Listing,
        action: &str,
        summary: &str,
        opinion: &str,
        sql: &str,
        binds: Vec<Option<String>>,
    ) -> Result<()> {
        let now = now_text();
        let (_w, mut tx) = self.begin_write().await?;
        let rows =
            sqlx::query("UPDATE listings SET version = version + 1 WHERE id = $1 AND version = $2")
                .bind(l.id)
                .bind(l.version)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        one(rows)?;
        let mut q = sqlx::query(sql);
        for b in &binds {
            q = q.bind(b.clone());
        }
        q = q.bind(now.clone());
        q.execute(&mut *tx).await?;
        append(
            &mut tx,
            "listing",
            l.id,
            actor,
            (action, "listed", "listed"),
            summary,
            opinion,
            &serde_json::json!({ "binds": binds }),
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn insert_reuse(&self, actor: &Actor, l: &Listing, purpose: &str) -> Result<()> {
        self.listing_change(
            actor,
            l,
            "request_reuse",
            &format!("{}申请复用", actor.unit_name),
            purpose,
            "INSERT INTO reuses (listing_id, unit_id, region, purpose, state, at) VALUES (CAST($1 AS BIGINT), CAST($2 AS BIGINT), $3, $4, 'requested', $5)",
            vec![
                Some(l.id.to_string()),
                Some(actor.unit_id.0.to_string()),
                Some(actor.jurisdiction_path.clone()),
                Some(purpose.trim().to_string()),
            ],
        )
        .await
    }

    pub async fn decide_reuse(
        &self,
        actor: &Actor,
        l: &Listing,
        r: &Reuse,
        approve: bool,
    ) -> Result<()> {
        let st = if approve {
            ReuseState::Approved
        } else {
            ReuseState::Refused
        };
        self.listing_change(
            actor,
            l,
            if approve {
                "approve_reuse"
            } else {
                "refuse_reuse"
            },
            &format!("{}{}的复用申请", st.label(), r.unit_name),
            "",
            "UPDATE reuses SET state = $1, decided_at = $3 WHERE id = CAST($2 AS BIGINT)",
            vec![Some(st.code().into()), Some(r.id.to_string())],
        )
        .await
    }

    pub async fn rate_listing(
        &self,
        actor: &Actor,
        l: &Listing,
        stars: i64,
        review: &str,
    ) -> Result<()> {
        self.listing_change(
            actor,
            l,
            "rate",
            &format!("{}评价 {stars} 星", actor.unit_name),
            review,
            "INSERT INTO ratings (listing_id, unit_id, stars, review, at) VALUES (CAST($1 AS BIGINT), CAST($2 AS BIGINT), CAST($3 AS BIGINT), $4, $5) \
             ON CONFLICT (listing_id, unit_id) DO UPDATE SET stars = EXCLUDED.stars, review = EXCLUDED.review, at = EXCLUDED.at",
            vec![
                Some(l.id.to_string()),
                Some(actor.unit_id.0.to_string()),
                Some(stars.to_string()),
                Some(review.trim().to_string()),
            ],
        )
        .await
    }

    pub async fn nominate_listing(
        &self,
        actor: &Actor,
        l: &Listing,
        rank: Option<i64>,
        note: &str,
    ) -> Result<()> {
        self.listing_change(
            actor,
            l,
            "nominate",
            &format!(
                "列入优秀应用榜单并推荐争先制{}",
                rank.map(|r| format!("（排名第 {r}）")).unwrap_or_default()
            ),
            note,
            "UPDATE listings SET best = 1, rank_no = CAST($1 AS BIGINT), nomination = $2, version = version WHERE id = CAST($3 AS BIGINT) AND $4 <> ''",
            vec![
                rank.map(|r| r.to_string()),
                Some(note.trim().to_string()),
                Some(l.id.to_string()),
            ],
        )
        .await
    }

    /// A competition's obligations (S7 and the milestones), by due date.
    pub async fn competition_obligations(
        &self,
        competition: i64,
    ) -> Result<Vec<CompObligationRow>> {
        let rows = sqlx::query(&format!(
            "{OBL_SQL} WHERE o.competition_id = $1 ORDER BY o.due, o.id"
        ))
        .bind(competition)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(obligation_row).collect()
    }

    /// Open competition obligations due by `until` (overdue included) for 我的待办: those the
    /// unit is responsible for, acting for `side` ("lead_unit" or "subject"), plus — for a lead
    /// unit — the S7 obligations of the competitions it leads. With each, the competition's title.
    pub async fn competition_duties(
        &self,
        unit: UnitId,
        sides: &[&str],
        lead: bool,
        until: Date,
    ) -> Result<Vec<(String, CompObligationRow)>> {
        let mut out = Vec::new();
        if sides.is_empty() && !lead {
            return Ok(out);
        }
        let side_sql = if sides.is_empty() {
            "1 = 0".to_string()
        } else {
            let marks: Vec<String> = (0..sides.len()).map(|i| format!("${}", i + 6)).collect();
            format!("o.owner_unit_id = $1 AND o.owner IN ({})", marks.join(", "))
        };
        let sql = format!(
            "{OBL_SQL_TITLED} WHERE o.competition_id IS NOT NULL AND o.state = 'open' AND o.due <= $2 \
             AND c.state IN ('agreed', 'acceptance_applied', 'accepted') \
             AND (({side_sql}) OR ($3 = 1 AND c.lead_unit_id = $1 AND (o.code IN ($4, $5) OR o.code LIKE 'share_delivery:%' OR o.code LIKE 'share_acceptance:%'))) ORDER BY o.due, o.id LIMIT 100"
        );
        let mut q = sqlx::query(&sql)
            .bind(unit.0)
            .bind(until.to_string())
            .bind(if lead { 1i64 } else { 0 })
            .bind(OBL_DELIVERY)
            .bind(OBL_ACCEPTANCE);
        for s in sides {
            q = q.bind(s.to_string());
        }
        for r in q.fetch_all(&self.pool).await? {
            out.push((r.try_get("c_title")?, obligation_row(&r)?));
        }
        Ok(out)
    }

    /// The responsible unit reports a milestone done, with its evidence: the obligation fulfilled
    /// (only from open) and the history entry, in one transaction.
    #[allow(clippy::too_many_arguments)]
    pub async fn report_competition_milestone(
        &self,
        actor: &Actor,
        c: &Competition,
        code: &str,
        file: &EvidenceFile,
        evidence: &str,
        on: Date,
        summary: &str,
    ) -> Result<()> {
        let now = now_text();
        let (_w, mut tx) = self.begin_write().await?;
        let rows = sqlx::query("UPDATE obligations SET state = 'fulfilled', fulfilled_on = $1, evidence = $2, fulfilled_by_name = $3, \
                                evidence_filename = $6, evidence_content_type = $7, evidence_size = $8, evidence_sha256 = $9 WHERE competition_id = $4 AND code = $5 AND state = 'open'")
            .bind(on.to_string())
            .bind((!evidence.is_empty()).then_some(evidence))
            .bind(&actor.name)
            .bind(c.id)
            .bind(code)
            .bind(&file.filename)
            .bind(&file.content_type)
            .bind(file.size)
            .bind(&file.sha256)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        one(rows)?;
        append(
            &mut tx,
            "competition",
            c.id,
            actor,
            ("report_milestone", c.state.code(), c.state.code()),
            summary,
            evidence,
            &serde_json::json!({ "obligation": code, "on": on.to_string(), "document": file }),
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Competition obligations for the 晾晒台, in the board's jurisdiction scope (competitions
    /// whose lead unit lies under `path`; every competition when `path` is None): per responsible
    /// unit, (unit id, unit name, open, overdue), most overdue first; and the overdue ones.
    pub async fn board_competition_obligations(
        &self,
        path: Option<&str>,
        filter: BoardCompFilter,
        today: Date,
        limit: i64,
    ) -> Result<(Vec<CompDutyBoardRow>, Vec<(String, CompObligationRow)>)> {
        let scope = format!(" AND j.path LIKE $2{}", filter.sql());
        let from = format!(
            "FROM obligations o JOIN competitions c ON c.id = o.competition_id JOIN units ln ON ln.id = c.lead_unit_id \
             JOIN jurisdictions j ON j.id = ln.jurisdiction_id LEFT JOIN units ow ON ow.id = o.owner_unit_id \
             WHERE o.state = 'open' AND c.state IN ('agreed', 'acceptance_applied', 'accepted'){scope}"
        );
        let like = format!("{}%", path.unwrap_or(""));
        let rows = sqlx::query(&format!(
            "SELECT o.owner_unit_id, COALESCE(ow.name, '项目主体') AS unit_name, CAST(COUNT(*) AS BIGINT) AS open_n, \
             CAST(SUM(CASE WHEN o.due < $1 THEN 1 ELSE 0 END) AS BIGINT) AS overdue_n {from} \
             GROUP BY o.owner_unit_id, ow.name ORDER BY overdue_n DESC, open_n DESC, unit_name"
        ))
        .bind(today.to_string())
        .bind(&like)
        .fetch_all(&self.pool)
        .await?;
        let units = rows
            .iter()
            .map(|r| {
                Ok(CompDutyBoardRow {
                    unit_id: r.try_get::<Option<i64>, _>("owner_unit_id")?.map(UnitId),
                    unit_name: r.try_get("unit_name")?,
                    open: r.try_get("open_n")?,
                    overdue: r.try_get("overdue_n")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let rows = sqlx::query(&format!(
            "SELECT c.title AS c_title, {OBL_COLS} {from} AND o.due < $1 ORDER BY o.due, o.id LIMIT {}",
            limit.clamp(1, 1000)
        ))
        .bind(today.to_string())
        .bind(&like)
        .fetch_all(&self.pool)
        .await?;
        let mut overdue = Vec::new();
        for r in &rows {
            overdue.push((r.try_get("c_title")?, obligation_row(r)?));
        }
        Ok((units, overdue))
    }

    /// Competition overrides for the 晾晒台, with the board's filters: state, rule, and the
    /// jurisdiction scope (competitions whose lead unit lies under `path`; all when None),
    /// newest first: (competition id, title, record).
    pub async fn board_competition_overrides(
        &self,
        path: Option<&str>,
        filter: BoardCompFilter,
        state: Option<&str>,
        rule: Option<&str>,
        limit: i64,
    ) -> Result<Vec<(i64, String, tongchou_domain::overrides::OverrideRecord)>> {
        let mut sql = format!(
            "SELECT o.*, c.title AS c_title FROM competition_overrides o JOIN competitions c ON c.id = o.competition_id \
             JOIN units n ON n.id = c.lead_unit_id JOIN jurisdictions j ON j.id = n.jurisdiction_id WHERE 1 = 1{}",
            filter.sql()
        );
        let mut binds: Vec<String> = Vec::new();
        if let Some(p) = path {
            binds.push(format!("{p}%"));
            sql.push_str(&format!(" AND j.path LIKE ${}", binds.len()));
        }
        if let Some(s) = state {
            binds.push(s.to_string());
            sql.push_str(&format!(" AND o.state = ${}", binds.len()));
        }
        if let Some(r) = rule {
            binds.push(r.to_string());
            sql.push_str(&format!(" AND o.rule = ${}", binds.len()));
        }
        sql.push_str(&format!(
            " ORDER BY o.id DESC LIMIT {}",
            limit.clamp(1, 1000)
        ));
        let mut q = sqlx::query(&sql);
        for b in &binds {
            q = q.bind(b.clone());
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("competition_id")?,
                    r.try_get("c_title")?,
                    crate::overrides::record(r)?,
                ))
            })
            .collect()
    }

    /// Units that lead a competition or are one of its selected subjects (the 晾晒台's unit
    /// filter offers them).
    pub async fn competition_units(&self) -> Result<Vec<UnitId>> {
        let rows = sqlx::query(
            "SELECT lead_unit_id AS u FROM competitions UNION SELECT unit_id AS u FROM bids WHERE shortlisted = 1",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok(UnitId(r.try_get("u")?))).collect()
    }

    /// Test and demo support only: move a notice period's end (the HTTP tests and the demo's
    /// history cannot wait for the calendar). Not reachable from any route.
    #[doc(hidden)]
    pub async fn shift_notice_until_for_tests(&self, id: i64, until: Date) -> Result<()> {
        sqlx::query("UPDATE competitions SET notice_until = $1 WHERE id = $2")
            .bind(until.to_string())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn market_history(&self, kind: &str, id: i64) -> Result<Vec<DemandHistoryEntry>> {
        self.demand_history(kind, id).await
    }
}

// ------------------------------------------------------------------ fund use (S10)

const FUND_SQL: &str = "SELECT id, competition_id, unit_id, unit_name, amount_fen, used_on, purpose, evidence_filename, evidence_sha256, \
    questioned, question_reason, questioned_by_name, recorded_by_name, recorded_at FROM competition_fund_uses";

fn fund_row(r: &AnyRow) -> Result<FundUse> {
    Ok(FundUse {
        id: r.try_get("id")?,
        competition_id: r.try_get("competition_id")?,
        unit_id: UnitId(r.try_get("unit_id")?),
        unit_name: r.try_get("unit_name")?,
        amount_fen: r.try_get("amount_fen")?,
        used_on: date_of(r.try_get("used_on")?)
            .ok_or_else(|| StoreError::Other("bad fund use date".into()))?,
        purpose: r.try_get("purpose")?,
        evidence_filename: r.try_get("evidence_filename")?,
        evidence_sha256: r.try_get("evidence_sha256")?,
        questioned: r.try_get::<i64, _>("questioned")? != 0,
        question_reason: r.try_get("question_reason")?,
        questioned_by_name: r.try_get("questioned_by_name")?,
        recorded_by_name: r.try_get("recorded_by_name")?,
        recorded_at: r.try_get("recorded_at")?,
    })
}

/// A fund use to record (S10).
pub struct NewFundUse<'a> {
    pub amount_fen: i64,
    pub used_on: Date,
    pub purpose: &'a str,
    /// (filename, sha256) of the evidence document kept by content hash.
    pub evidence: Option<(String, String)>,
}

impl Db {
    /// A competition's recorded fund uses, oldest first.
    pub async fn competition_fund_uses(&self, competition_id: i64) -> Result<Vec<FundUse>> {
        let rows = sqlx::query(&format!(
            "{FUND_SQL} WHERE competition_id = $1 ORDER BY used_on, id"
        ))
        .bind(competition_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(fund_row).collect()
    }

    /// Record a fund use with its history entry in one transaction. The agreed amount is checked
    /// again inside the transaction (`check` gets the amount used so far) so that two concurrent
    /// records cannot together exceed it.
    pub async fn record_competition_fund_use(
        &self,
        actor: &Actor,
        c: &Competition,
        u: &NewFundUse<'_>,
        check: impl FnOnce(i64) -> std::result::Result<(), tongchou_domain::lifecycle::Refusal>,
    ) -> std::result::Result<i64, FundError> {
        let now = now_text();
        let (_w, mut tx) = self.begin_write().await?;
        // serialise writers of this competition (PG: row lock
        // SQLite: the single writer)
        sqlx::query("UPDATE competitions SET updated_at = updated_at WHERE id = $1")
            .bind(c.id)
            .execute(&mut *tx)
            .await?;
        let used: i64 = sqlx::query("SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) AS s FROM competition_fund_uses WHERE competition_id = $1")
            .bind(c.id)
            .fetch_one(&mut *tx)
            .await?
            .try_get("s")?;
        check(used).map_err(FundError::Refused)?;
        let id: i64 = sqlx::query(
            "INSERT INTO competition_fund_uses (competition_id, unit_id, unit_name, amount_fen, used_on, purpose, evidence_filename, evidence_sha256, questioned, recorded_by_name, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $10) RETURNING id",
        )
        .bind(c.id)
        .bind(actor.unit_id.0)
        .bind(&actor.unit_name)
        .bind(u.amount_fen)
        .bind(u.used_on.to_string())
        .bind(u.purpose.trim())
        .bind(u.evidence.as_ref().map(|e| e.0.clone()))
        .bind(u.evidence.as_ref().map(|e| e.1.clone()))
        .bind(&actor.name)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        append(
            &mut tx,
            "competition",
            c.id,
            actor,
            ("fund_use", c.state.code(), c.state.code()),
            &format!(
                "登记资金使用 {} 元（{}，{}）",
                tongchou_domain::Yuan::from_fen(u.amount_fen).grouped(),
                u.used_on,
                u.purpose.trim()
            ),
            "",
            &serde_json::json!({ "fund_use": id, "amount_fen": u.amount_fen, "used_before_fen": used }),
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Mark a fund use questioned with its reason (监督), with its history entry, in one
    /// transaction. False if it was already questioned.
    pub async fn question_competition_fund_use(
        &self,
        actor: &Actor,
        c: &Competition,
        id: i64,
        reason: &str,
    ) -> Result<bool> {
        let now = now_text();
        let (_w, mut tx) = self.begin_write().await?;
        let n = sqlx::query("UPDATE competition_fund_uses SET questioned = 1, question_reason = $1, questioned_by_name = $2 WHERE id = $3 AND competition_id = $4 AND questioned = 0")
            .bind(reason.trim())
            .bind(&actor.name)
            .bind(id)
            .bind(c.id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n != 1 {
            return Ok(false);
        }
        append(
            &mut tx,
            "competition",
            c.id,
            actor,
            ("question_fund_use", c.state.code(), c.state.code()),
            &format!("对资金使用记录 #{id} 提出质疑"),
            reason.trim(),
            &serde_json::json!({ "fund_use": id }),
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}

/// A fund use refused by the rule (checked in the transaction) or a store error.
#[derive(Debug)]
pub enum FundError {
    Refused(tongchou_domain::lifecycle::Refusal),
    Store(StoreError),
}

impl From<StoreError> for FundError {
    fn from(e: StoreError) -> Self {
        FundError::Store(e)
    }
}

impl From<sqlx::Error> for FundError {
    fn from(e: sqlx::Error) -> Self {
        FundError::Store(e.into())
    }
}
