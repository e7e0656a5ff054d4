//! The synthetic province of the dashboard benchmark (issue 6): projects spread over every unit
//! of the seeded world, each with a hash-chained history walking it to its stage on plausible
//! dates, approved amounts, major tasks and functions, and open obligations — bulk-inserted in
//! multi-row statements; the statistics aggregates are then rebuilt once by the caller.
use crate::db::Backend;
use crate::{Db, Result};
use sqlx::{Executor, Row};
use tongchou_domain::Stage;

/// The stages a synthetic project walks through, in order (a simplified review path).
const PATH: [Stage; 9] = [
    Stage::Draft,
    Stage::ComplianceReview,
    Stage::ExpertReview,
    Stage::ApprovalMeeting,
    Stage::Approved,
    Stage::Budgeted,
    Stage::InConstruction,
    Stage::TrialRun,
    Stage::InOperation,
];

const CATEGORIES: [&str; 4] = ["application", "data", "security", "network"];
const KINDS: [&str; 4] = ["new", "upgrade", "upgrade", "maintenance"];
const TASKS: [&str; 13] = [
    "",
    "epidemic",
    "innovation",
    "industry",
    "dual_circulation",
    "business_env",
    "urbanization",
    "rural",
    "regional",
    "ecology",
    "livelihood",
    "safety",
    "efficiency",
];
const FUNCTIONS: [&str; 6] = ["", "economy", "market", "social", "service", "environment"];

fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51afd7ed558ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ceb3fe1a85ec53);
    x ^ (x >> 33)
}

/// What the generator made.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct SyntheticReport {
    pub projects: u64,
    pub history: u64,
    pub obligations: u64,
    pub units: u64,
}

impl Db {
    /// Generate `n` synthetic projects over every unit (batches of `batch` projects per
    /// transaction). Benchmark data only: the caller rebuilds the aggregates once after it
    /// ([`Db::rebuild_aggregates`]).
    pub async fn generate_province(&self, n: usize, batch: usize) -> Result<SyntheticReport> {
        let units: Vec<(i64, i64, String)> = sqlx::query(
            "SELECT n.id, j.id AS jid, j.path FROM units n JOIN jurisdictions j ON j.id = n.jurisdiction_id ORDER BY n.id",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("jid")?, r.try_get("path")?)))
        .collect::<Result<_>>()?;
        let creator: i64 = sqlx::query("SELECT CAST(MIN(id) AS BIGINT) AS id FROM users")
            .fetch_one(&self.pool)
            .await?
            .try_get("id")?;
        let mut next_id: i64 =
            sqlx::query("SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) AS id FROM projects")
                .fetch_one(&self.pool)
                .await?
                .try_get("id")?;
        let mut rep = SyntheticReport {
            units: units.len() as u64,
            ..Default::default()
        };
        let now = crate::now_text();
        let level =
            |path: &str, d: usize| tongchou_domain::permission::path_ids(path).get(d).copied();
        let mut i = 0usize;
        while i < n {
            let end = (i + batch.max(1)).min(n);
            let mut projects: Vec<Vec<Val>> = Vec::with_capacity(end - i);
            let mut history: Vec<Vec<Val>> = Vec::new();
            let mut obligations: Vec<Vec<Val>> = Vec::new();
            for k in i..end {
                next_id += 1;
                let id = next_id;
                let h = mix(k as u64 + 1);
                let (unit, jid, path) = &units[(h % units.len() as u64) as usize];
                let year = 2020 + ((h >> 8) % 7) as i64;
                let last = ((h >> 12) % PATH.len() as u64) as usize;
                let stage = PATH[last];
                let it_fen = 5_000_000 + ((h >> 16) % 20_000) as i64 * 10_000;
                let approved = stage.is_approved_or_later();
                let approved_fen = approved.then(|| it_fen / 100 * (85 + ((h >> 20) % 15) as i64));
                let task = TASKS[((h >> 24) % TASKS.len() as u64) as usize];
                let func = FUNCTIONS[((h >> 28) % FUNCTIONS.len() as u64) as usize];
                // History: created on a day of the year, then each stage lasts 3–120 days.
                let mut day = jiff::civil::date(year as i16 - 1, 1, 1)
                    .checked_add(jiff::Span::new().days(((h >> 32) % 330) as i64))
                    .unwrap_or(jiff::civil::date(2020, 1, 1));
                let at = |d: jiff::civil::Date| format!("{d}T10:00:00.000+08:00");
                let mut entries = vec![("create", Stage::Draft, Stage::Draft, at(day))];
                for s in 1..=last {
                    let stay = 3 + (mix(h ^ s as u64) % 118) as i64;
                    day = day.checked_add(jiff::Span::new().days(stay)).unwrap_or(day);
                    entries.push(("transition", PATH[s - 1], PATH[s], at(day)));
                }
                let mut prev = String::new();
                for (seq, (action, from, to, at)) in entries.iter().enumerate() {
                    let seq = seq as i64 + 1;
                    let summary = format!("合成：{} → {}", from.label(), to.label());
                    let hash = crate::audit::entry_hash(
                        &prev,
                        id,
                        seq,
                        at,
                        creator,
                        action,
                        from.code(),
                        to.code(),
                        &summary,
                        "",
                        "[]",
                    );
                    history.push(vec![
                        Val::I(id),
                        Val::I(seq),
                        Val::S(at.clone()),
                        Val::I(creator),
                        Val::S((*action).into()),
                        Val::S(from.code().into()),
                        Val::S(to.code().into()),
                        Val::S(summary),
                        Val::S(prev.clone()),
                        Val::S(hash.clone()),
                    ]);
                    prev = hash;
                }
                let declared = (last > 0) as i64;
                projects.push(vec![
                    Val::I(id),
                    Val::S(format!("SYN-{year}-{id:07}")),
                    Val::I(*unit),
                    Val::I(*jid),
                    Val::S(path.clone()),
                    Val::S(format!("合成项目{id:07}")),
                    Val::I(year),
                    Val::S(KINDS[((h >> 36) % 4) as usize].into()),
                    Val::S(CATEGORIES[((h >> 40) % 4) as usize].into()),
                    Val::I(it_fen),
                    Val::I(it_fen / 20),
                    Val::S(stage.code().into()),
                    Val::I(creator),
                    Val::S(entries.last().map(|e| e.3.clone()).unwrap_or_default()),
                    Val::I(declared),
                    Val::O(level(path, 0)),
                    Val::O(level(path, 1)),
                    Val::O(level(path, 2)),
                    Val::O(approved_fen),
                    Val::S(task.into()),
                    Val::S(func.into()),
                ]);
                // Open obligations: procurement after approval, progress reports in construction.
                if matches!(
                    stage,
                    Stage::Approved | Stage::Budgeted | Stage::InConstruction
                ) {
                    let due = day
                        .checked_add(jiff::Span::new().days(30 + ((h >> 44) % 150) as i64))
                        .unwrap_or(day);
                    obligations.push(vec![
                        Val::I(id),
                        Val::S(if stage == Stage::InConstruction {
                            "progress_synthetic".into()
                        } else {
                            "procurement".into()
                        }),
                        Val::S(due.to_string()),
                        Val::S(day.to_string()),
                    ]);
                }
            }
            let (_write, mut tx) = self.begin_write().await?;
            insert_rows(
                &mut tx,
                "INSERT INTO projects (id, code, unit_id, jurisdiction_id, jurisdiction_path, name, year, build_kind, category, it_fen, \
                 security_fen, stage, created_by, stage_since, declared, province_id, city_id, district_id, approved_fen, major_task, gov_function, \
                 non_it_fen, funding, summary, participants, responsible_person, version, rereviews_used, created_at, updated_at, declared_at) VALUES ",
                &projects,
                &format!("0, 'district_fiscal', '合成的项目，用于测量统计分析的性能。', '[]', '基准', 1, 0, '{now}', '{now}', '{now}'"),
            )
            .await?;
            insert_rows(
                &mut tx,
                "INSERT INTO history (project_id, seq, at, actor_id, action, from_stage, to_stage, summary, prev_hash, hash, \
                 actor_name, actor_unit, opinion, payload, profile_code) VALUES ",
                &history,
                "'基准', '基准', '', '[]', 'shangcheng'",
            )
            .await?;
            insert_rows(
                &mut tx,
                "INSERT INTO obligations (project_id, code, due, trigger_date, title, cite, owner, warning, state, fulfilled_on, created_at) VALUES ",
                &obligations,
                &format!("'合成事项', '上城区电子政务项目管理办法（征求意见稿）', 'unit', NULL, 'open', NULL, '{now}'"),
            )
            .await?;
            tx.commit().await?;
            rep.projects += projects.len() as u64;
            rep.history += history.len() as u64;
            rep.obligations += obligations.len() as u64;
            i = end;
        }
        if self.backend() == Backend::Postgres {
            self.pool
                .execute("SELECT setval(pg_get_serial_sequence('projects', 'id'), (SELECT MAX(id) FROM projects))")
                .await?;
        }
        Ok(rep)
    }
}

enum Val {
    I(i64),
    O(Option<i64>),
    S(String),
}

/// Multi-row INSERT of `rows` (same width), each row followed by the constant `tail` values.
async fn insert_rows(
    tx: &mut sqlx::AnyConnection,
    head: &str,
    rows: &[Vec<Val>],
    tail: &str,
) -> Result<()> {
    let Some(first) = rows.first() else {
        return Ok(());
    };
    let width = first.len();
    let per = (30_000 / width).clamp(1, 1000);
    for chunk in rows.chunks(per) {
        let mut sql = String::from(head);
        for r in 0..chunk.len() {
            if r > 0 {
                sql.push(',');
            }
            sql.push('(');
            for c in 0..width {
                sql.push_str(&format!("${},", r * width + c + 1));
            }
            sql.push_str(tail);
            sql.push(')');
        }
        let mut q = sqlx::query(&sql);
        for row in chunk {
            for v in row {
                q = match v {
                    Val::I(i) => q.bind(*i),
                    Val::O(o) => q.bind(*o),
                    Val::S(s) => q.bind(s.as_str()),
                };
            }
        }
        q.execute(&mut *tx).await?;
    }
    Ok(())
}
