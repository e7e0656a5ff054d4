//! The duplicate-construction index (重复建设比对, SPEC S9/A7): an inverted index of the terms of
//! every project's name and summary (kind `project`), and of the registered applications, the
//! market listings, the 一本账 entries and the library items ([`OTHER_KINDS`], issue 5), kept in the database and written in the same transaction
//! as the project (so it is exact across restarts, processes and both backends), with each
//! term's document frequency maintained beside it. Scoring is the domain's
//! ([`tongchou_domain::similarity`]); this module only stores and fetches numbers.
use crate::project::Tx;
use crate::{Db, Result};
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};
use tongchou_domain::similarity::{self, Similar};
use tongchou_domain::{Actor, Stage, UnitId};

/// The document-count row of a kind in `search_df`.
const DOCS: &str = "#docs";
/// Rows per multi-row INSERT (4 binds a row stays far below both backends' limits).
const ROWS_PER_INSERT: usize = 500;

/// Terms of a project document.
pub type Terms = BTreeMap<String, u32>;

/// Add new documents (never indexed before) to the index: their terms, the document
/// frequencies and the document count, in the caller's transaction.
pub(crate) async fn index_new(tx: &mut Tx, kind: &str, docs: &[(i64, Terms)]) -> Result<()> {
    if docs.is_empty() {
        return Ok(());
    }
    let mut df: BTreeMap<&str, i64> = BTreeMap::new();
    let mut rows: Vec<(i64, &str, u32)> = Vec::new();
    for (id, terms) in docs {
        for (t, tf) in terms {
            rows.push((*id, t.as_str(), *tf));
            *df.entry(t.as_str()).or_insert(0) += 1;
        }
    }
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let mut sql = String::from("INSERT INTO search_terms (kind, doc_id, term, tf) VALUES ");
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "($1, ${}, ${}, ${})",
                3 * i + 2,
                3 * i + 3,
                3 * i + 4
            ));
        }
        let mut q = sqlx::query(&sql).bind(kind);
        for (id, t, tf) in chunk {
            q = q.bind(*id).bind(*t).bind(*tf as i64);
        }
        q.execute(&mut *tx).await?;
    }
    let mut sql = String::from("INSERT INTO search_docs (kind, doc_id, terms) VALUES ");
    for (i, _) in docs.iter().enumerate() {
        if i > 0 {
            sql.push(',');
        }
        sql.push_str(&format!("($1, ${}, ${})", 2 * i + 2, 2 * i + 3));
    }
    let mut q = sqlx::query(&sql).bind(kind);
    for (id, terms) in docs {
        q = q.bind(*id).bind(terms.len() as i64);
    }
    q.execute(&mut *tx).await?;
    df.insert(DOCS, docs.len() as i64);
    bump_df(tx, kind, &df).await
}

/// Re-index one document whose text changed: only the terms that came or went move the
/// document frequencies.
pub(crate) async fn reindex(tx: &mut Tx, kind: &str, id: i64, terms: &Terms) -> Result<()> {
    let old: BTreeSet<String> =
        sqlx::query("SELECT term FROM search_terms WHERE kind = $1 AND doc_id = $2")
            .bind(kind)
            .bind(id)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>("term"))
            .collect::<std::result::Result<_, _>>()?;
    let known: bool = sqlx::query("SELECT doc_id FROM search_docs WHERE kind = $1 AND doc_id = $2")
        .bind(kind)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .is_some();
    if !known {
        return index_new(tx, kind, &[(id, terms.clone())]).await;
    }
    sqlx::query("DELETE FROM search_terms WHERE kind = $1 AND doc_id = $2")
        .bind(kind)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let mut df: BTreeMap<&str, i64> = BTreeMap::new();
    for t in &old {
        if !terms.contains_key(t) {
            df.insert(t.as_str(), -1);
        }
    }
    for t in terms.keys() {
        if !old.contains(t) {
            df.insert(t.as_str(), 1);
        }
    }
    for chunk in terms.iter().collect::<Vec<_>>().chunks(ROWS_PER_INSERT) {
        let mut sql = String::from("INSERT INTO search_terms (kind, doc_id, term, tf) VALUES ");
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!("($1, $2, ${}, ${})", 2 * i + 3, 2 * i + 4));
        }
        let mut q = sqlx::query(&sql).bind(kind).bind(id);
        for (t, tf) in chunk {
            q = q.bind(t.as_str()).bind(**tf as i64);
        }
        q.execute(&mut *tx).await?;
    }
    sqlx::query("UPDATE search_docs SET terms = $3 WHERE kind = $1 AND doc_id = $2")
        .bind(kind)
        .bind(id)
        .bind(terms.len() as i64)
        .execute(&mut *tx)
        .await?;
    bump_df(tx, kind, &df).await
}

/// Add `delta` to each term's document frequency, in term order (two transactions touching the
/// same terms lock them in the same order, so PostgreSQL never deadlocks on them).
async fn bump_df(tx: &mut Tx, kind: &str, delta: &BTreeMap<&str, i64>) -> Result<()> {
    let rows: Vec<(&&str, &i64)> = delta.iter().filter(|(_, d)| **d != 0).collect();
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let mut sql = String::from("INSERT INTO search_df (kind, term, df) VALUES ");
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!("($1, ${}, ${})", 2 * i + 2, 2 * i + 3));
        }
        sql.push_str(" ON CONFLICT (kind, term) DO UPDATE SET df = search_df.df + excluded.df");
        let mut q = sqlx::query(&sql).bind(kind);
        for (t, d) in chunk {
            q = q.bind(**t).bind(**d);
        }
        q.execute(&mut *tx).await?;
    }
    Ok(())
}

impl Db {
    /// Build the index for every project not in it yet (after the migration that created it,
    /// on a database that already held projects). Idempotent.
    pub async fn index_missing_projects(&self) -> Result<u64> {
        let mut done = 0u64;
        loop {
            let rows = sqlx::query(
                "SELECT p.id, p.name, p.summary FROM projects p WHERE NOT EXISTS \
                 (SELECT 1 FROM search_docs d WHERE d.kind = 'project' AND d.doc_id = p.id) ORDER BY p.id LIMIT 1000",
            )
            .fetch_all(&self.pool)
            .await?;
            if rows.is_empty() {
                return Ok(done);
            }
            let mut docs = Vec::with_capacity(rows.len());
            for r in &rows {
                let name: String = r.try_get("name")?;
                let summary: String = r.try_get("summary")?;
                docs.push((
                    r.try_get::<i64, _>("id")?,
                    similarity::terms(&name, &summary),
                ));
            }
            let (_write, mut tx) = self.begin_write().await?;
            index_new(&mut tx, "project", &docs).await?;
            tx.commit().await?;
            done += docs.len() as u64;
        }
    }

    /// The projects most like a text (a name and a summary), best first, at most `limit`,
    /// among those of the last five years (`min_year` on) that the actor may know of: what it
    /// may read, and approved projects anywhere (public, P6). `exclude`: the project itself.
    pub async fn similar_projects(
        &self,
        actor: &Actor,
        name: &str,
        summary: &str,
        exclude: Option<i64>,
        min_year: i32,
        limit: usize,
    ) -> Result<Vec<Similar>> {
        let Some((plan, hits)) = self.search_hits("project", name, summary).await? else {
            return Ok(Vec::new());
        };
        let hits: Vec<_> = hits.into_iter().filter(|h| Some(h.0) != exclude).collect();
        if hits.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = hits.iter().map(|h| h.0.to_string()).collect();
        let rows = sqlx::query(&format!(
            "SELECT p.id, p.code, p.name, p.year, p.stage, p.unit_id, p.jurisdiction_path, p.declared, n.name AS unit_name, d.terms \
             FROM projects p JOIN units n ON n.id = p.unit_id JOIN search_docs d ON d.kind = 'project' AND d.doc_id = p.id \
             WHERE p.id IN ({})",
            ids.join(",")
        ))
        .fetch_all(&self.pool)
        .await?;
        let mut found: Vec<Similar> = Vec::new();
        for r in &rows {
            let id: i64 = r.try_get("id")?;
            let year = r.try_get::<i64, _>("year")? as i32;
            let Some(stage) = Stage::parse(&r.try_get::<String, _>("stage")?) else {
                continue;
            };
            let visible = tongchou_domain::permission::can_view_parts(
                actor,
                UnitId(r.try_get("unit_id")?),
                &r.try_get::<String, _>("jurisdiction_path")?,
                r.try_get::<i64, _>("declared")? == 1,
                stage,
            ) || stage.is_approved_or_later();
            if year < min_year || !visible {
                continue;
            }
            let Some((_, w, m)) = hits.iter().find(|h| h.0 == id) else {
                continue;
            };
            found.push(Similar {
                kind: "project".into(),
                id,
                code: r.try_get("code")?,
                name: r.try_get("name")?,
                unit_name: r.try_get("unit_name")?,
                year,
                stage_label: stage.label().into(),
                score: similarity::score(
                    *w,
                    plan.total_weight,
                    *m as usize,
                    plan.terms,
                    r.try_get::<i64, _>("terms")?.max(0) as usize,
                ),
                matched: Vec::new(),
            });
        }
        found.sort_by(|a, b| b.score.cmp(&a.score).then(b.id.cmp(&a.id)));
        found.truncate(limit);
        if found.is_empty() {
            return Ok(found);
        }
        self.attach_matched("project", &plan, &mut found).await?;
        Ok(found)
    }

    /// The documents of a kind most like a text: the query plan and, per document, the summed
    /// weight and the number of matched terms (at most 60, the heaviest first). `None` when the
    /// text has nothing to look up.
    async fn search_hits(
        &self,
        kind: &str,
        name: &str,
        summary: &str,
    ) -> Result<Option<(similarity::QueryPlan, Vec<(i64, i64, i64)>)>> {
        let query = similarity::terms(name, summary);
        if query.is_empty() {
            return Ok(None);
        }
        // A term's weight comes from the whole index, every kind together: the corpus of a kind
        // may hold a handful of records (a new province's applications), where its own document
        // frequencies would make every shared term worthless.
        let mut keys: Vec<&str> = query.keys().map(String::as_str).collect();
        keys.push(DOCS);
        let ph: Vec<String> = (0..keys.len()).map(|i| format!("${}", i + 1)).collect();
        let kinds: Vec<String> = std::iter::once("project")
            .chain(OTHER_KINDS.iter().copied())
            .map(|k| format!("'{k}'"))
            .collect();
        let sql = format!(
            "SELECT term, df FROM search_df WHERE kind IN ({}) AND term IN ({})",
            kinds.join(","),
            ph.join(",")
        );
        let mut q = sqlx::query(&sql);
        for k in &keys {
            q = q.bind(*k);
        }
        let mut df: BTreeMap<String, i64> = BTreeMap::new();
        for r in q.fetch_all(&self.pool).await? {
            *df.entry(r.try_get("term")?).or_insert(0) += r.try_get::<i64, _>("df")?;
        }
        let docs = df.remove(DOCS).unwrap_or(0);
        let plan = similarity::query_plan(&query, docs, &df);
        let weights = &plan.lookup;
        if weights.is_empty() {
            return Ok(None);
        }
        // Sum the weights of the matched terms per document (weights are computed integers, so
        // they are written into the SQL; the terms are bound).
        let mut case = String::from("CASE t.term");
        let mut ph = Vec::new();
        for (i, (_, w)) in weights.iter().enumerate() {
            case.push_str(&format!(" WHEN ${} THEN {w}", i + 2));
            ph.push(format!("${}", i + 2));
        }
        case.push_str(" ELSE 0 END");
        let sql = format!(
            "SELECT t.doc_id, CAST(SUM({case}) AS BIGINT) AS w, CAST(COUNT(*) AS BIGINT) AS m \
             FROM search_terms t WHERE t.kind = $1 AND t.term IN ({}) GROUP BY t.doc_id ORDER BY w DESC, t.doc_id DESC LIMIT 60",
            ph.join(",")
        );
        let mut q = sqlx::query(&sql).bind(kind);
        for (t, _) in weights {
            q = q.bind(t.as_str());
        }
        let hits: Vec<(i64, i64, i64)> = q
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("doc_id")?, r.try_get("w")?, r.try_get("m")?)))
            .collect::<Result<_>>()?;
        Ok(Some((plan, hits)))
    }

    /// Fill in the matched terms of the shown candidates of a kind, the weightiest first.
    async fn attach_matched(
        &self,
        kind: &str,
        plan: &similarity::QueryPlan,
        found: &mut [Similar],
    ) -> Result<()> {
        let weights = &plan.lookup;
        if found.is_empty() || weights.is_empty() {
            return Ok(());
        }
        let ids: Vec<String> = found.iter().map(|s| s.id.to_string()).collect();
        let ph: Vec<String> = (0..weights.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT doc_id, term FROM search_terms WHERE kind = $1 AND doc_id IN ({}) AND term IN ({})",
            ids.join(","),
            ph.join(",")
        );
        let mut q = sqlx::query(&sql).bind(kind);
        for (t, _) in weights {
            q = q.bind(t.as_str());
        }
        let rank: BTreeMap<&str, usize> = weights
            .iter()
            .enumerate()
            .map(|(i, (t, _))| (t.as_str(), i))
            .collect();
        for r in q.fetch_all(&self.pool).await? {
            let id: i64 = r.try_get("doc_id")?;
            let term: String = r.try_get("term")?;
            if let Some(s) = found.iter_mut().find(|s| s.id == id) {
                s.matched.push(term);
            }
        }
        for s in found.iter_mut() {
            s.matched
                .sort_by_key(|t| rank.get(t.as_str()).copied().unwrap_or(usize::MAX));
        }
        Ok(())
    }

    /// Build the index for every record of a non-project kind ([`OTHER_KINDS`]) not in it yet
    /// (records written before the index covered them). Idempotent and cheap when nothing is
    /// missing, so it runs at every start.
    pub async fn index_missing(&self, kind: &str) -> Result<u64> {
        let Some(src) = source(kind) else {
            return Ok(0);
        };
        let mut done = 0u64;
        loop {
            let rows = sqlx::query(&format!(
                "SELECT x.id, {} AS a, {} AS b FROM {} x WHERE NOT EXISTS \
                 (SELECT 1 FROM search_docs d WHERE d.kind = $1 AND d.doc_id = x.id) ORDER BY x.id LIMIT 1000",
                src.name, src.text, src.table
            ))
            .bind(kind)
            .fetch_all(&self.pool)
            .await?;
            if rows.is_empty() {
                return Ok(done);
            }
            let mut docs = Vec::with_capacity(rows.len());
            for r in &rows {
                let a: String = r.try_get("a")?;
                let b: String = r.try_get("b")?;
                docs.push((r.try_get::<i64, _>("id")?, similarity::terms(&a, &b)));
            }
            let (_write, mut tx) = self.begin_write().await?;
            index_new(&mut tx, kind, &docs).await?;
            tx.commit().await?;
            done += docs.len() as u64;
        }
    }

    /// The applications, market listings, 一本账 entries and library items most like a text,
    /// best first, at most `limit` of each kind, among those of the last five years (`min_year`
    /// on) that the actor may see: registered applications and listed ones (public), published
    /// library items (public), and the ledger and unpublished items only for the ledger's
    /// readers ([`tongchou_domain::demand::can_view_ledger`]).
    pub async fn similar_others(
        &self,
        actor: &Actor,
        name: &str,
        summary: &str,
        min_year: i32,
        limit: usize,
    ) -> Result<Vec<Similar>> {
        let ledger_reader = tongchou_domain::demand::can_view_ledger(actor);
        let mut all = Vec::new();
        for kind in OTHER_KINDS {
            let Some(src) = source(kind) else { continue };
            let Some((plan, hits)) = self.search_hits(kind, name, summary).await? else {
                continue;
            };
            if hits.is_empty() {
                continue;
            }
            let ids: Vec<String> = hits.iter().map(|h| h.0.to_string()).collect();
            let rows = sqlx::query(&format!(
                "SELECT x.id, {} AS a, {} AS unit_name, {} AS state, x.{} AS at, d.terms FROM {} x {} \
                 JOIN search_docs d ON d.kind = $1 AND d.doc_id = x.id WHERE x.id IN ({})",
                src.name,
                src.unit,
                src.state,
                src.at,
                src.table,
                src.join,
                ids.join(",")
            ))
            .bind(*kind)
            .fetch_all(&self.pool)
            .await?;
            let mut found: Vec<Similar> = Vec::new();
            for r in &rows {
                let id: i64 = r.try_get("id")?;
                let state: String = r.try_get("state")?;
                let at: String = r.try_get("at")?;
                let year: i32 = at.get(..4).and_then(|y| y.parse().ok()).unwrap_or(0);
                let (visible, label) = match *kind {
                    "application" => (true, "已登记".to_string()),
                    "listing" => (true, "已上架".to_string()),
                    "ledger" => (
                        ledger_reader,
                        tongchou_domain::demand::ProposalState::parse(&state)
                            .map(|s| s.label().to_string())
                            .unwrap_or(state.clone()),
                    ),
                    _ => {
                        let st = tongchou_domain::demand::ItemState::parse(&state);
                        (
                            ledger_reader
                                || st == Some(tongchou_domain::demand::ItemState::Published),
                            st.map(|s| s.label().to_string()).unwrap_or(state.clone()),
                        )
                    }
                };
                if year < min_year || !visible {
                    continue;
                }
                let Some((_, w, m)) = hits.iter().find(|h| h.0 == id) else {
                    continue;
                };
                found.push(Similar {
                    kind: (*kind).into(),
                    id,
                    code: format!("{}-{id}", src.code),
                    name: r.try_get("a")?,
                    unit_name: r.try_get("unit_name")?,
                    year,
                    stage_label: label,
                    score: similarity::score(
                        *w,
                        plan.total_weight,
                        *m as usize,
                        plan.terms,
                        r.try_get::<i64, _>("terms")?.max(0) as usize,
                    ),
                    matched: Vec::new(),
                });
            }
            found.sort_by(|a, b| b.score.cmp(&a.score).then(b.id.cmp(&a.id)));
            found.truncate(limit);
            self.attach_matched(kind, &plan, &mut found).await?;
            all.extend(found);
        }
        Ok(all)
    }
}

/// The kinds indexed beside projects (issue 5): registered applications, market listings,
/// 一本账 proposals and library items.
pub const OTHER_KINDS: &[&str] = &["application", "listing", "ledger", "library"];

/// Where a kind's records live: the table, the SQL of its name, of its text, of its owner
/// unit's name (with the joins needed), of its state, its date column and its display prefix.
struct Source {
    table: &'static str,
    name: &'static str,
    text: &'static str,
    join: &'static str,
    unit: &'static str,
    state: &'static str,
    at: &'static str,
    code: &'static str,
}

fn source(kind: &str) -> Option<Source> {
    Some(match kind {
        "application" => Source {
            table: "applications",
            name: "x.name",
            text: "x.description",
            join: "JOIN units n ON n.id = x.owner_unit_id",
            unit: "n.name",
            state: "'registered'",
            at: "created_at",
            code: "YY",
        },
        "listing" => Source {
            table: "listings",
            name: "x.name",
            text: "x.description",
            join: "JOIN units n ON n.id = x.owner_unit_id",
            unit: "n.name",
            state: "'listed'",
            at: "listed_on",
            code: "SC",
        },
        "ledger" => Source {
            table: "proposals",
            name: "x.title",
            text: "x.description",
            join: "JOIN users u ON u.id = x.created_by JOIN units n ON n.id = u.unit_id",
            unit: "n.name",
            state: "x.state",
            at: "created_at",
            code: "YBZ",
        },
        "library" => Source {
            table: "library_items",
            name: "x.title",
            text: "x.description || ' ' || x.criterion",
            join: "JOIN users u ON u.id = x.created_by JOIN units n ON n.id = u.unit_id",
            unit: "n.name",
            state: "x.state",
            at: "created_at",
            code: "XMK",
        },
        _ => return None,
    })
}
