//! OCDS 1.1 release package of one project (Open Contracting Data Standard 1.1.5).
//!
//! One release per call, describing the project as it stands: planning (budget = the approved
//! amount, the approval document), tender (the procurement method mapped to the OCDS `method`
//! codelist, the Chinese method kept in `procurementMethodDetails`, value = the ceiling), award
//! and contract (supplier, amount, period), implementation (monthly progress reports as
//! milestones and documents). Its `tag` lists the codelist sections present.
//!
//! The `ocid` is `<prefix>-<project code>`; the prefix is configuration
//! (`TONGCHOU_OCID_PREFIX`, default [`DEFAULT_OCID_PREFIX`]): a publisher registers its own
//! prefix with the Open Contracting Partnership and sets it there.
//!
//! Extension point: payments (`implementation.transactions`) and contract amendments
//! (`contracts[].amendments`) come in as [`Transaction`] and [`Amendment`] values on
//! [`OcdsProject`]; whoever records payments and changes fills them, nothing here changes.
//!
//! Amounts are JSON numbers, as the schema asks: whole yuan as integers, other amounts as the
//! shortest decimal that reads back as the same number, which for an amount in fen below 10¹³
//! yuan is its exact two-place decimal.
use crate::project::{procurement_method_label, Project};
use crate::{Date, Stage, Yuan};
use serde_json::{json, Map, Value};

pub const DEFAULT_OCID_PREFIX: &str = "ocds-tc0000";
pub const OCDS_VERSION: &str = "1.1";
pub const CURRENCY: &str = "CNY";

/// The Chinese procurement method → the OCDS `method` code (closed codelist open / selective /
/// limited / direct), by who may bid under the Government Procurement Law and the Tendering Law:
/// - 公开招标: any supplier may bid → `open`;
/// - 邀请招标: suppliers are first qualified (资格预审), then invited from those qualified → `selective`;
/// - 竞争性谈判、竞争性磋商、询价: the buyer (or experts) chooses the suppliers invited to
///   negotiate or quote → `limited`;
/// - 单一来源: one supplier chosen by the buyer → `direct`;
/// - 小额公共资源交易: small-value purchases on the trading platform with suppliers chosen by the
///   buyer → `limited`.
///
/// Unknown codes → None (the tender then carries the details without a method).
pub fn method_code(method: &str) -> Option<&'static str> {
    match method {
        "open_tender" => Some("open"),
        "invited_tender" => Some("selective"),
        "competitive_negotiation" | "competitive_consultation" | "inquiry" | "small_value" => {
            Some("limited")
        }
        "single_source" => Some("direct"),
        _ => None,
    }
}

/// Procurement as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OcdsProcurement {
    pub method: String,
    pub ceiling: Yuan,
    pub doc_date: Date,
}

/// Contract as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OcdsContract {
    pub supplier: String,
    pub amount: Yuan,
    pub signed_date: Date,
    pub period_months: u32,
}

/// A monthly progress report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OcdsProgress {
    /// YYYY-MM
    pub month: String,
    pub percent: u32,
    pub summary: String,
    /// RFC 3339 time it was submitted.
    pub submitted_at: String,
}

/// Extension point: one payment (→ `contracts[].implementation.transactions`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transaction {
    pub id: String,
    pub date: Date,
    pub amount: Yuan,
    pub payee: String,
    pub description: String,
}

/// Extension point: one contract change (→ `contracts[].amendments`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amendment {
    pub id: String,
    pub date: Date,
    pub rationale: String,
    pub description: String,
}

/// Everything a release is built from.
#[derive(Debug, Clone)]
pub struct OcdsProject<'a> {
    pub project: &'a Project,
    pub procurement: Option<OcdsProcurement>,
    pub contract: Option<OcdsContract>,
    pub progress: Vec<OcdsProgress>,
    pub transactions: Vec<Transaction>,
    pub amendments: Vec<Amendment>,
}

/// The publisher and identifiers of the package.
#[derive(Debug, Clone)]
pub struct OcdsConfig {
    pub ocid_prefix: String,
    pub publisher: String,
    /// RFC 3339 time the package is published (now).
    pub published: String,
}

/// A JSON number for an amount (see the module notes).
pub fn amount_number(y: Yuan) -> Value {
    if y.fen() % 100 == 0 {
        json!(y.fen() / 100)
    } else {
        serde_json::from_str::<Value>(&y.to_string()).unwrap_or(Value::Null)
    }
}

fn value(y: Yuan) -> Value {
    json!({ "amount": amount_number(y), "currency": CURRENCY })
}

/// A civil date as an OCDS date-time (midnight, Asia/Shanghai).
pub fn date_time(d: Date) -> String {
    format!("{d}T00:00:00+08:00")
}

pub fn ocid(prefix: &str, project: &Project) -> String {
    format!("{prefix}-{}", project.code)
}

fn org_id(kind: &str, name: &str) -> String {
    // Stable within the package: the kind and the name (names are unique per jurisdiction).
    format!("{kind}-{name}")
}

/// The release package of one project.
pub fn release_package(p: &OcdsProject, cfg: &OcdsConfig) -> Value {
    let project = p.project;
    let ocid = ocid(&cfg.ocid_prefix, project);
    let buyer_id = format!("unit-{}", project.unit_id);
    let mut tags: Vec<&str> = Vec::new();
    let mut parties = vec![json!({
        "id": buyer_id,
        "name": project.unit_name,
        "roles": ["buyer", "procuringEntity"],
    })];
    let mut release = Map::new();
    release.insert("ocid".into(), json!(ocid));
    release.insert("id".into(), json!(format!("{ocid}-v{}", project.version)));
    release.insert("date".into(), json!(project.updated_at));
    release.insert("initiationType".into(), json!("tender"));
    release.insert("language".into(), json!("zh"));
    release.insert(
        "buyer".into(),
        json!({ "id": buyer_id, "name": project.unit_name }),
    );

    // planning: the approved amount is the budget (M1: the baseline).
    if let Some(approved) = project.approved_amount {
        tags.push("planning");
        let mut planning = json!({
            "rationale": project.input.summary,
            "budget": {
                "id": format!("{ocid}-budget"),
                "description": format!("立项金额（{}年度）", project.input.year),
                "amount": value(approved),
                "project": project.input.name,
                "projectID": project.code,
            },
        });
        if let Some(no) = &project.approval_no {
            let mut doc = json!({
                "id": format!("{ocid}-approval"),
                "documentType": "projectPlan",
                "title": format!("立项批复 {no}"),
                "language": "zh",
            });
            if let Some(d) = project.approval_date {
                doc["datePublished"] = json!(date_time(d));
            }
            planning["documents"] = json!([doc]);
        }
        release.insert("planning".into(), planning);
    }

    // tender
    if let Some(t) = &p.procurement {
        tags.push("tender");
        let mut tender = json!({
            "id": format!("{ocid}-tender"),
            "title": project.input.name,
            "status": if p.contract.is_some() { "complete" } else { "active" },
            "procurementMethodDetails": procurement_method_label(&t.method).unwrap_or(&t.method),
            "value": value(t.ceiling),
            "procuringEntity": { "id": buyer_id, "name": project.unit_name },
            "documents": [{
                "id": format!("{ocid}-tender-notice"),
                "documentType": "tenderNotice",
                "title": "采购文件",
                "datePublished": date_time(t.doc_date),
                "language": "zh",
            }],
        });
        if let Some(code) = method_code(&t.method) {
            tender["procurementMethod"] = json!(code);
        }
        release.insert("tender".into(), tender);
    }

    // award + contract (+ implementation)
    if let Some(c) = &p.contract {
        tags.push("award");
        tags.push("contract");
        let supplier_id = org_id("supplier", &c.supplier);
        parties.push(json!({ "id": supplier_id, "name": c.supplier, "roles": ["supplier"] }));
        let award_id = format!("{ocid}-award-1");
        let end = crate::lifecycle::add_months(c.signed_date, c.period_months);
        let period = json!({ "startDate": date_time(c.signed_date), "endDate": date_time(end) });
        release.insert(
            "awards".into(),
            json!([{
                "id": award_id,
                "title": project.input.name,
                "status": "active",
                "date": date_time(c.signed_date),
                "value": value(c.amount),
                "suppliers": [{ "id": supplier_id, "name": c.supplier }],
                "contractPeriod": period,
            }]),
        );
        // A contract in force until the project is accepted into operation or ends: then it has
        // come to a close (OCDS `terminated`, completion or early termination alike).
        let closed = matches!(project.stage, Stage::InOperation | Stage::Ended);
        let mut contract = json!({
            "id": format!("{ocid}-contract-1"),
            "awardID": award_id,
            "title": project.input.name,
            "status": if closed { "terminated" } else { "active" },
            "period": period,
            "value": value(c.amount),
            "dateSigned": date_time(c.signed_date),
        });
        let mut implementation = Map::new();
        if !p.progress.is_empty() {
            let mut reports = p.progress.clone();
            reports.sort_by(|a, b| a.month.cmp(&b.month));
            implementation.insert(
                "milestones".into(),
                Value::Array(
                    reports
                        .iter()
                        .map(|r| {
                            json!({
                                "id": format!("progress-{}", r.month),
                                "title": format!("{} 月度进度：完成 {}%", r.month, r.percent),
                                "type": "reporting",
                                "description": r.summary,
                                "status": "met",
                                "dateMet": r.submitted_at,
                            })
                        })
                        .collect(),
                ),
            );
            implementation.insert(
                "documents".into(),
                Value::Array(
                    reports
                        .iter()
                        .map(|r| {
                            json!({
                                "id": format!("progress-report-{}", r.month),
                                "documentType": "physicalProgressReport",
                                "title": format!("{} 月度进度报告（完成 {}%）", r.month, r.percent),
                                "description": r.summary,
                                "datePublished": r.submitted_at,
                                "language": "zh",
                            })
                        })
                        .collect(),
                ),
            );
        }
        if !p.transactions.is_empty() {
            implementation.insert(
                "transactions".into(),
                Value::Array(
                    p.transactions
                        .iter()
                        .map(|t| {
                            json!({
                                "id": t.id,
                                "date": date_time(t.date),
                                "value": value(t.amount),
                                "payer": { "id": buyer_id, "name": project.unit_name },
                                "payee": { "id": org_id("supplier", &t.payee), "name": t.payee },
                            })
                        })
                        .collect(),
                ),
            );
        }
        if !implementation.is_empty() {
            tags.push("implementation");
            contract["implementation"] = Value::Object(implementation);
        }
        if !p.amendments.is_empty() {
            contract["amendments"] = Value::Array(
                p.amendments
                    .iter()
                    .map(|a| {
                        json!({
                            "id": a.id,
                            "date": date_time(a.date),
                            "rationale": a.rationale,
                            "description": a.description,
                        })
                    })
                    .collect(),
            );
            tags.push("contractAmendment");
        }
        if closed {
            tags.push("contractTermination");
        }
        release.insert("contracts".into(), json!([contract]));
    }
    if tags.is_empty() {
        // Before approval there is only the declared need: a planning release.
        tags.push("planning");
        release.insert(
            "planning".into(),
            json!({
                "rationale": project.input.summary,
                "budget": {
                    "id": format!("{ocid}-budget"),
                    "description": format!("申报信息化部分投资（{}年度，尚未立项）", project.input.year),
                    "amount": value(project.input.it_amount),
                    "project": project.input.name,
                    "projectID": project.code,
                },
            }),
        );
    }
    release.insert("tag".into(), json!(tags));
    release.insert("parties".into(), Value::Array(parties));
    json!({
        "uri": format!("urn:tongchou:ocds:{ocid}:v{}", project.version),
        "version": OCDS_VERSION,
        "publishedDate": cfg.published,
        "publisher": { "name": cfg.publisher },
        "releases": [Value::Object(release)],
    })
}
