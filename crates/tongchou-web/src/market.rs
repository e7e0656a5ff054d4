//! 揭榜竞争 (S1–S7)、公示与异议 (P6)、应用市场 (O2, S8)、编目 (O1): service functions shared by the
//! pages and the JSON API, the pages (zh-CN, forms with CSRF), the public notice and market pages
//! (no login), the publiccode-style metadata. Rules live in `tongchou_domain::market`.
use crate::auth::{CurrentUser, MaybeUser};
use crate::error::AppError;
use crate::fields::Fields;
use crate::pages::{error_page, layout_for, page_or_error, render_status, Layout};
use crate::AppState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
use tongchou_domain::market::*;
use tongchou_domain::permission::list_scope;
use tongchou_domain::{Actor, Date, Role, UserId};
use tongchou_store::demand::DemandHistoryEntry;
use tongchou_store::market::{NewListing, RatingRow, Transition};

// =============================================================================================
// Service
// =============================================================================================

fn check_version(f: &Fields, current: i64) -> Result<(), AppError> {
    match f.version()? {
        Some(v) if v != current => Err(AppError::Conflict(
            "该记录已被他人修改，请刷新后重试".into(),
        )),
        _ => Ok(()),
    }
}

fn date_field(f: &Fields, k: &str) -> Result<Option<Date>, AppError> {
    let t = f.text(k);
    if t.trim().is_empty() {
        return Ok(None);
    }
    t.trim()
        .parse()
        .map(Some)
        .map_err(|_| AppError::field(k, "日期格式应为 YYYY-MM-DD"))
}

/// An amount in yuan ("1,200.50") as fen; empty: none.
fn fen_field(f: &Fields, k: &str) -> Result<Option<i64>, AppError> {
    let t = f.text(k);
    if t.trim().is_empty() {
        return Ok(None);
    }
    tongchou_domain::Yuan::parse(t.trim())
        .map(|y| Some(y.fen()))
        .map_err(|_| AppError::field(k, "金额格式应为元，最多两位小数"))
}

/// Record a fund use (S10, ZJ-share 四 资金使用监督): the domain decides first (with what is
/// used so far), then the optional evidence document is kept, then the store records it,
/// checking the agreed amount again inside its transaction — a refused record writes nothing.
pub async fn record_fund_use_with(
    st: &AppState,
    actor: &Actor,
    c: &Competition,
    bids: &[Bid],
    f: &Fields,
    file: Option<Upload>,
) -> Result<i64, AppError> {
    let sel: Vec<&Bid> = bids.iter().filter(|b| b.shortlisted).collect();
    let amount = fen_field(f, "amount")?.ok_or_else(|| AppError::field("amount", "请填写金额"))?;
    let used_on = date_field(f, "used_on")?.unwrap_or_else(today);
    let purpose = f.text("purpose");
    let used: i64 = st
        .db
        .competition_fund_uses(c.id)
        .await?
        .iter()
        .map(|u| u.amount_fen)
        .sum();
    record_fund_use(actor, c, &sel, amount, &purpose, used)?;
    let evidence = match file.filter(|u| !u.bytes.is_empty()) {
        Some(file) => Some(crate::service::store_upload(st, &file.filename, &file.bytes).await?),
        None => None,
    };
    let new = tongchou_store::market::NewFundUse {
        amount_fen: amount,
        used_on,
        purpose: &purpose,
        evidence,
    };
    let (a, cc, sel2) = (actor.clone(), c.clone(), sel.clone());
    let p2 = purpose.clone();
    match st
        .db
        .record_competition_fund_use(actor, c, &new, move |used| {
            record_fund_use(&a, &cc, &sel2, amount, &p2, used)
        })
        .await
    {
        Ok(id) => Ok(id),
        Err(tongchou_store::market::FundError::Refused(r)) => Err(r.into()),
        Err(tongchou_store::market::FundError::Store(e)) => Err(e.into()),
    }
}

fn today() -> Date {
    tongchou_store::today()
}

/// The lead unit opens a competition on a published library item.
pub async fn open(st: &AppState, actor: &Actor, f: &Fields) -> Result<i64, AppError> {
    if !can_open_competition(actor) {
        return Err(AppError::Forbidden("只有牵头责任主体可以发起揭榜".into()));
    }
    let item_id: i64 = f
        .text("item")
        .trim_start_matches('#')
        .parse()
        .map_err(|_| AppError::field("item", "请填写项目库条目编号"))?;
    let item = st
        .db
        .item(item_id)
        .await
        .map_err(|_| AppError::field("item", format!("项目库条目 #{item_id} 不存在")))?;
    let scenario = ScenarioKind::parse(&f.text("scenario"))
        .ok_or_else(|| AppError::field("scenario", "请选择场景类型（unveil、pilot、general）"))?;
    let class: u8 = f
        .text("class")
        .trim()
        .parse()
        .ok()
        .filter(|c| (1..=3).contains(c))
        .ok_or_else(|| AppError::field("class", "管理类别应为 1、2 或 3"))?;
    let title = f.text("title");
    open_competition(actor, &item, &title)?;
    let form = parse_form(&|k| f.text(k), class).map_err(AppError::invalid)?;
    Ok(st
        .db
        .insert_competition(actor, item.id, title.trim(), scenario, class, &form)
        .await?)
}

/// The competitions waiting for this user in 我的待办: overrides pending their sign-off
/// (SPEC §0, ZJ-share 三（五）), cancellation proposals, and the competition obligations the
/// user's unit answers for. (id, title, what, note)
pub async fn todos(
    st: &AppState,
    actor: &Actor,
) -> Result<Vec<(i64, String, String, String)>, AppError> {
    let mut out: Vec<(i64, String, String, String)> = vec![];
    if sees_all_bids(actor) {
        // pending one of the user's roles, for competitions in the user's jurisdiction scope
        out.extend(
            st.db
                .board_competition_overrides(
                    board_path(actor).as_deref(),
                    Default::default(),
                    Some("pending"),
                    None,
                    200,
                )
                .await?
                .into_iter()
                .filter(|(_, _, o)| actor.has(o.approver))
                .take(60)
                .map(|(id, title, o)| {
                    (
                        id,
                        title,
                        "审批原则性规定的例外".to_string(),
                        format!("{}（理由：{}）", o.rule_text, o.reason),
                    )
                }),
        );
    }
    if actor.has(Role::LeadUnit) {
        // ZJ-share 三（七）: the sweep's proposals
        for (id, title, due, subject) in st.db.pending_cancel_proposals(actor.unit_id).await? {
            out.push((
                id,
                title,
                "确认或不予取消项目主体资格".into(),
                format!("{subject}超过约定交付日期3个月（{due}）仍未通过验收"),
            ));
        }
    }
    // 责任制 (三（六）) and S7 (三（七）): the open obligations this unit answers for — milestones
    // it owns, delivery and acceptance it owes as subject, and for a lead unit those of the
    // competitions it leads — due within 30 days or overdue.
    let mut sides = vec![];
    if actor.has(Role::LeadUnit) {
        sides.push("lead_unit");
    }
    if can_bid(actor) {
        sides.push("subject");
    }
    let today = today();
    let soon = tongchou_domain::lifecycle::add_days(today, 30);
    for (title, o) in st
        .db
        .competition_duties(actor.unit_id, &sides, actor.has(Role::LeadUnit), soon)
        .await?
    {
        let who = match (&o.owner_unit_name, &o.person) {
            (Some(u), Some(p)) => format!("；责任单位 {u}，责任人 {p}"),
            (Some(u), None) => format!("；责任单位 {u}"),
            _ => String::new(),
        };
        out.push((
            o.competition_id,
            title,
            o.title.clone(),
            format!(
                "{} {}{who}",
                o.due,
                if o.overdue(today) {
                    "已逾期"
                } else {
                    "将到期"
                }
            ),
        ));
    }
    Ok(out)
}

/// Every action on a competition.
pub async fn act(
    st: &AppState,
    actor: &Actor,
    id: i64,
    action: &str,
    f: &Fields,
) -> Result<(), AppError> {
    let c = st.db.competition(id).await?;
    let bids = st.db.bids(id).await?;
    let cal = st.db.calendar().await?;
    let profile = st.profile();
    match action {
        "bid" => {
            // the bidder's own unit in the directory: its legal form decides (ZJ-share 三（三）)
            let me = st.db.unit(actor.unit_id).await.ok();
            let input = BidInput {
                kind: CandidateKind::parse(&f.text("kind")),
                members: members_of(st, f).await?,
                provider: provider_of(f)?,
                bidder_unit_kind: me.as_ref().map(|u| u.kind.clone()).unwrap_or_default(),
                bidder_entity: me.as_ref().map(|u| u.entity),
                drc_opinion: f.text("drc_opinion").trim().to_string(),
                finance_opinion: f.text("finance_opinion").trim().to_string(),
                materials: f.text("materials").trim().to_string(),
            };
            let own = bids.iter().filter(|b| b.unit_id == actor.unit_id).count();
            bid(actor, &c, &input, own)?;
            st.db.insert_bid(actor, &c, &input).await?;
        }
        "assign_experts" => {
            let ids: Vec<UserId> = f
                .all("experts")
                .iter()
                .flat_map(|s| s.split([',', '、', '\n']))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| {
                    s.parse::<i64>()
                        .map(UserId)
                        .map_err(|_| AppError::field("experts", format!("专家编号无效：{s}")))
                })
                .collect::<Result<_, _>>()?;
            let panel = st
                .db
                .panel_candidates(&ids)
                .await
                .map_err(|_| AppError::field("experts", "所选专家不存在或已停用"))?;
            assign_experts(actor, &c, &panel, &bids, &profile)?;
            let panel: Vec<PanelExpert> = panel.into_iter().map(|(e, _)| e).collect();
            st.db.assign_competition_experts(actor, &c, &panel).await?;
        }
        "score" => {
            let b = pick_bid(&bids, f)?;
            let mut scores = vec![];
            for (k, name) in CRITERIA {
                let v = f
                    .text(k)
                    .trim()
                    .parse::<u32>()
                    .map_err(|_| AppError::field(k, format!("请为“{name}”打分（0–10）")))?;
                scores.push(v);
            }
            let panel = st.db.competition_panel(c.id).await?;
            let total = score(actor, &c, &panel, b, &scores)?;
            st.db
                .insert_score(actor, &c, b, &scores, total, f.text("opinion").trim())
                .await?;
        }
        "shortlist" => {
            check_version(f, c.version)?;
            let ids: Vec<i64> = f
                .all("bids")
                .iter()
                .flat_map(|s| s.split(','))
                .filter_map(|s| s.trim().trim_start_matches('#').parse().ok())
                .collect();
            let chosen: Vec<&Bid> = bids.iter().filter(|b| ids.contains(&b.id)).collect();
            if chosen.len() != ids.len() {
                return Err(AppError::field("bids", "所选揭榜不属于本项目"));
            }
            let reason = f.get("override_reason");
            let ov = shortlist(actor, &c, &chosen, &profile, reason)?;
            let from = date_field(f, "notice_from")?.unwrap_or_else(today);
            check_notice_start(from, today())?;
            let until = notice_until(&cal, from, profile.notice_days);
            let names: Vec<&str> = chosen.iter().map(|b| b.unit_name.as_str()).collect();
            let exception = match &ov {
                Some(tongchou_domain::lifecycle::Event::OverrideRecorded {
                    text,
                    approver,
                    ..
                }) => format!(
                    "；例外（{text}），理由见意见，须经{}审批",
                    approver.map(|r| profile.role_name(r)).unwrap_or("主管部门")
                ),
                _ => String::new(),
            };
            st.db
                .competition_transition(
                    actor,
                    &c,
                    CompState::Notice,
                    "shortlist",
                    &format!(
                        "提出拟入选名单：{}；公示期 {from} 至 {until}（{} 日，{}）{exception}",
                        names.join("、"),
                        profile.notice_days,
                        profile.notice_cite
                    ),
                    reason.unwrap_or(""),
                    Transition {
                        notice: Some((from, until)),
                        shortlist: ids,
                        override_event: ov,
                        ..Default::default()
                    },
                )
                .await?;
        }
        "review_override" => {
            let oid: i64 = f
                .text("override")
                .trim_start_matches('#')
                .parse()
                .map_err(|_| AppError::field("override", "请选择例外"))?;
            let ovs = st.db.competition_overrides(id).await?;
            let o = ovs
                .iter()
                .find(|o| o.id == oid)
                .ok_or_else(|| AppError::field("override", "没有该项例外"))?;
            let agree = match f.text("agree").trim() {
                "yes" | "true" | "agree" | "1" => true,
                "no" | "false" | "disagree" | "0" => false,
                _ => return Err(AppError::field("agree", "请选择同意或异议")),
            };
            let opinion = f.text("opinion");
            check_jurisdiction(actor, &c)?;
            let summary = review_override(actor, o, agree, &opinion, &profile)?;
            st.db
                .review_competition_override(actor, &c, o.id, agree, opinion.trim(), &summary)
                .await?;
        }
        "handle_objection" => {
            let oid: i64 = f
                .text("objection")
                .trim_start_matches('#')
                .parse()
                .map_err(|_| AppError::field("objection", "请选择异议"))?;
            let objs = st.db.objections(id).await?;
            let o = objs
                .iter()
                .find(|o| o.id == oid)
                .ok_or_else(|| AppError::field("objection", "没有该异议"))?;
            handle_objection(actor, &c, o, &f.text("reply"))?;
            st.db
                .handle_objection(actor, &c, oid, &f.text("reply"))
                .await?;
        }
        "announce" => {
            check_version(f, c.version)?;
            let open = st
                .db
                .objections(id)
                .await?
                .iter()
                .filter(|o| !o.handled)
                .count();
            announce(actor, &c, today(), open)?;
            st.db
                .competition_transition(
                    actor,
                    &c,
                    CompState::Announced,
                    "announce",
                    "公示完成，发布公告确认项目主体",
                    f.text("note").trim(),
                    Transition {
                        announced_on: Some(today()),
                        ..Default::default()
                    },
                )
                .await?;
        }
        "agree" => {
            check_version(f, c.version)?;
            let milestones = parse_milestones(f)?;
            let delivery = date_field(f, "delivery_date")?.or(c.form.delivery_date);
            let sel: Vec<&Bid> = bids.iter().filter(|b| b.shortlisted).collect();
            let milestones = sign_agreement(actor, &c, &milestones, delivery, &sel)?;
            // S10: the agreed (approved) amount, against which fund use is recorded
            let agreed_fen = fen_field(f, "agreed_amount")?;
            check_agreed_amount(agreed_fen)?;
            // ZJ-share 三（七）: each selected subject owes its own delivery and acceptance
            let subjects: Vec<tongchou_domain::UnitId> = sel.iter().map(|b| b.unit_id).collect();
            let mut new_obligations = delivery
                .map(|d| agreement_obligations(&cal, &milestones, d, &subjects, today()))
                .unwrap_or_default();
            // ZJ-share 三（六）组织实施: the class's steps become the subjects' dated items
            if let Some(d) = delivery {
                let mut dues = vec![];
                for n in 1..=tongchou_domain::market::implementation_steps(c.class).len() {
                    dues.push(date_field(f, &format!("step_due_{n}"))?);
                }
                new_obligations.extend(tongchou_domain::market::implementation_obligations(
                    c.class,
                    &subjects,
                    &dues,
                    d,
                    today(),
                )?);
            }
            st.db
                .competition_transition(
                    actor,
                    &c,
                    CompState::Agreed,
                    "agree",
                    &format!(
                        "牵头责任主体与入选项目主体签订协议（约定交付 {}，里程碑 {} 个）；入选视同完成项目可行性研究论证（{}）",
                        delivery.map(|d| d.to_string()).unwrap_or_default(),
                        milestones.len(),
                        cite_announce()
                    ),
                    f.text("note").trim(),
                    Transition {
                        milestones: Some(milestones),
                        delivery,
                        agreed_fen,
                        new_obligations,
                        ..Default::default()
                    },
                )
                .await?;
        }
        "apply_acceptance" => {
            check_version(f, c.version)?;
            // the subjects still in force; each applies for its own delivery (三（七）)
            let sel: Vec<&Bid> = bids.iter().filter(|b| b.in_force()).collect();
            let obs = st.db.competition_obligations(id).await?;
            let mine = subject_obligation(&obs, actor.unit_id, false);
            apply_acceptance_for(actor, &c, &sel, mine, today())?;
            let code = mine
                .map(|o| o.code.clone())
                .unwrap_or_else(|| OBL_DELIVERY.into());
            st.db
                .competition_transition(
                    actor,
                    &c,
                    CompState::AcceptanceApplied,
                    "apply_acceptance",
                    &format!("项目主体{}按应用交付规范提交验收申请", actor.unit_name),
                    f.text("note").trim(),
                    Transition {
                        fulfil: vec![(code, today())],
                        ..Default::default()
                    },
                )
                .await?;
        }
        "accept" | "reject" => {
            check_version(f, c.version)?;
            accept(actor, &c)?;
            let opinion = f.text("opinion");
            if opinion.trim().is_empty() {
                return Err(AppError::field("opinion", "请填写验收意见"));
            }
            // the subject whose application is decided: named, or the only one waiting
            let obs = st.db.competition_obligations(id).await?;
            let active: Vec<&Bid> = bids.iter().filter(|b| b.in_force()).collect();
            let waiting: Vec<&Bid> = active
                .iter()
                .copied()
                .filter(|b| {
                    subject_obligation(&obs, b.unit_id, false).is_none_or(|o| o.met())
                        && subject_obligation(&obs, b.unit_id, true)
                            .is_none_or(|o| o.state == "open")
                })
                .collect();
            let owner = pick_subject(f, &waiting)?;
            let delivery = subject_obligation(&obs, owner.unit_id, false);
            let acceptance = subject_obligation(&obs, owner.unit_id, true);
            // what the competition becomes: accepted once every subject in force is; otherwise
            // it awaits the others' acceptance (or their delivery)
            let others_waiting = waiting.iter().any(|b| b.unit_id != owner.unit_id);
            let others_open = active.iter().any(|b| {
                b.unit_id != owner.unit_id
                    && subject_obligation(&obs, b.unit_id, true).is_some_and(|o| o.state == "open")
            });
            let several = active.len() > 1;
            let whose = if several {
                format!("（项目主体：{}）", owner.unit_name)
            } else {
                String::new()
            };
            if action == "reject" {
                let to = if others_waiting {
                    CompState::AcceptanceApplied
                } else {
                    CompState::Agreed
                };
                st.db
                    .competition_transition(
                        actor,
                        &c,
                        to,
                        "reject",
                        &format!("验收未通过，退回整改{whose}"),
                        opinion.trim(),
                        Transition {
                            reopen: delivery.map(|o| o.code.clone()).into_iter().collect(),
                            ..Default::default()
                        },
                    )
                    .await?;
            } else {
                let to = if others_waiting {
                    CompState::AcceptanceApplied
                } else if others_open {
                    CompState::Agreed
                } else {
                    CompState::Accepted
                };
                let suppliers = active.len() as i64;
                st.db
                    .competition_transition(
                        actor,
                        &c,
                        to,
                        "accept",
                        &format!("验收通过，应用在全省统一的应用市场上架{whose}"),
                        opinion.trim(),
                        Transition {
                            fulfil: acceptance
                                .map(|o| (o.code.clone(), today()))
                                .into_iter()
                                .collect(),
                            accepted_subject: Some(owner.unit_id),
                            listing: Some(NewListing {
                                name: if several {
                                    format!("{}（{}）", c.title, owner.unit_name)
                                } else {
                                    c.title.clone()
                                },
                                description: c.form.definition.clone(),
                                owner_unit_id: owner.unit_id,
                                class: c.class,
                                version_label: non_empty(f.text("version_label"), "1.0"),
                                licence: non_empty(f.text("licence"), ownership_label(c.class)),
                                contact: non_empty(f.text("contact"), &owner.unit_name),
                                suppliers,
                            }),
                            ..Default::default()
                        },
                    )
                    .await?;
            }
        }
        "waive_cancel" => {
            let reason = f.text("reason");
            waive_cancellation(actor, &c, &reason)?;
            let pending: Vec<&Bid> = {
                let ps = st.db.competition_cancel_proposals(id).await?;
                bids.iter()
                    .filter(|b| {
                        b.shortlisted
                            && ps
                                .iter()
                                .any(|p| p.unit_id == b.unit_id && p.state == "pending")
                    })
                    .collect()
            };
            if pending.is_empty() {
                return Err(AppError::field("reason", "没有待确认的取消提议"));
            }
            let b = pick_subject(f, &pending)?;
            st.db
                .waive_competition_cancel(
                    actor,
                    &c,
                    b.unit_id,
                    reason.trim(),
                    &format!(
                        "牵头责任主体决定不取消项目主体资格（项目主体：{}；{}）",
                        b.unit_name,
                        cite_delivery()
                    ),
                )
                .await?;
        }
        "confirm_cancel" => {
            check_version(f, c.version)?;
            let reason = f.text("reason");
            let obs = st.db.competition_obligations(id).await?;
            let active: Vec<&Bid> = bids.iter().filter(|b| b.in_force()).collect();
            // the subjects whose acceptance is still owed
            let lapsing: Vec<&Bid> = active
                .iter()
                .copied()
                .filter(|b| {
                    subject_obligation(&obs, b.unit_id, true).is_none_or(|o| o.state == "open")
                })
                .collect();
            let b = pick_subject(
                f,
                if lapsing.is_empty() {
                    &active
                } else {
                    &lapsing
                },
            )?;
            let proposals = st.db.competition_cancel_proposals(c.id).await?;
            let proposal = proposals.iter().find(|p| p.unit_id == b.unit_id);
            confirm_subject_cancellation(
                actor,
                &cal,
                &c,
                subject_obligation(&obs, b.unit_id, true),
                today(),
                &reason,
                proposal.map(|p| p.state.as_str()),
            )?;
            // 取消其项目主体资格: this subject; the competition ends only when none is left
            let last = active.len() <= 1;
            let all_others_accepted = active.iter().all(|o| {
                o.unit_id == b.unit_id
                    || subject_obligation(&obs, o.unit_id, true).is_some_and(|x| x.met())
            });
            let to = if last {
                CompState::Cancelled
            } else if all_others_accepted {
                CompState::Accepted
            } else {
                c.state
            };
            st.db
                .competition_transition(
                    actor,
                    &c,
                    to,
                    "confirm_cancel",
                    &format!(
                        "超过约定交付日期3个月未通过验收，牵头责任主体确认取消{}的项目主体资格{}（{}）",
                        b.unit_name,
                        if last { "" } else { "，其他项目主体继续实施" },
                        cite_delivery()
                    ),
                    reason.trim(),
                    Transition {
                        close_open_on: last.then(today),
                        cancel_subject: Some((b.unit_id, today())),
                        ..Default::default()
                    },
                )
                .await?;
        }
        "fund_use" => {
            // S10 (ZJ-share 四): fund use recorded against the agreement, never beyond it
            record_fund_use_with(st, actor, &c, &bids, f, None).await?;
        }
        "question_fund_use" => {
            let fid: i64 = f
                .text("fund_use")
                .trim()
                .trim_start_matches('#')
                .parse()
                .map_err(|_| AppError::field("fund_use", "没有该资金使用记录"))?;
            let uses = st.db.competition_fund_uses(c.id).await?;
            let u = uses
                .iter()
                .find(|u| u.id == fid)
                .ok_or_else(|| AppError::field("fund_use", "没有该资金使用记录"))?;
            let reason = f.text("reason");
            question_fund_use(actor, &c, u, &reason)?;
            if !st
                .db
                .question_competition_fund_use(actor, &c, fid, &reason)
                .await?
            {
                return Err(AppError::Conflict("该记录已被质疑，请刷新".into()));
            }
        }
        "report_milestone" => {
            // evidence is an uploaded document: the multipart form (page) or
            // `POST /api/v1/competitions/{id}/milestones` (API); without a file, refused
            report_milestone_with(st, actor, &c, f, None).await?;
        }
        _ => return Err(AppError::NotFound),
    }
    Ok(())
}

fn non_empty(s: String, d: &str) -> String {
    if s.trim().is_empty() {
        d.to_string()
    } else {
        s.trim().to_string()
    }
}

/// The subject a lead unit's action names (`subject`: its unit id, or its bid as `#bid`), or the
/// only candidate when there is one.
fn pick_subject<'a>(f: &Fields, candidates: &[&'a Bid]) -> Result<&'a Bid, AppError> {
    let key = f.text("subject");
    let key = key.trim();
    if key.is_empty() {
        return match candidates {
            [one] => Ok(one),
            [] => Err(AppError::field("subject", "没有可办理的项目主体")),
            _ => Err(AppError::field(
                "subject",
                format!(
                    "入选项目主体有多家，请指明项目主体（单位编号：{}）",
                    candidates
                        .iter()
                        .map(|b| format!("{} {}", b.unit_id.0, b.unit_name))
                        .collect::<Vec<_>>()
                        .join("、")
                ),
            )),
        };
    }
    let unit: i64 = key
        .trim_start_matches('#')
        .parse()
        .map_err(|_| AppError::field("subject", "项目主体应为单位编号"))?;
    candidates
        .iter()
        .copied()
        .find(|b| b.unit_id.0 == unit)
        .ok_or_else(|| AppError::field("subject", "该单位不是可办理的项目主体"))
}

/// An uploaded evidence file, as read from the multipart form.
pub struct Upload {
    pub filename: String,
    pub bytes: Vec<u8>,
}

/// The responsible unit reports a milestone done with its evidence document (ZJ-share 三（六）
/// 责任制): the domain decides first, then the file is checked (size, type) and kept by content
/// hash, then the obligation is fulfilled with the file and the note — a refused report writes
/// nothing.
pub async fn report_milestone_with(
    st: &AppState,
    actor: &Actor,
    c: &Competition,
    f: &Fields,
    file: Option<Upload>,
) -> Result<(), AppError> {
    let key = f.text("milestone");
    let key = key.trim().trim_start_matches('#');
    let code = if key.starts_with(OBL_MILESTONE_PREFIX) {
        key.to_string()
    } else {
        format!("{OBL_MILESTONE_PREFIX}{key}")
    };
    let obs = st.db.competition_obligations(c.id).await?;
    let o = obs
        .iter()
        .find(|o| o.code == code)
        .ok_or_else(|| AppError::field("milestone", "没有该里程碑"))?;
    let file = file.filter(|u| !u.bytes.is_empty());
    let note = f.text("note");
    let note = if note.trim().is_empty() {
        f.text("evidence")
    } else {
        note
    };
    report_milestone(actor, c, o, file.is_some(), &note)?;
    let Some(file) = file else {
        return Err(AppError::field("file", "请上传佐证材料文件"));
    };
    let (filename, sha) = crate::service::store_upload(st, &file.filename, &file.bytes).await?;
    let doc = EvidenceFile {
        content_type: tongchou_store::project::content_type_of(&filename).to_string(),
        size: file.bytes.len() as i64,
        filename,
        sha256: sha,
    };
    let on = today();
    st.db
        .report_competition_milestone(
            actor,
            c,
            &o.code,
            &doc,
            note.trim(),
            on,
            &format!(
                "{}报告里程碑完成：{}（期限 {}{}；佐证材料：{}；{}）",
                actor.unit_name,
                o.title.trim_start_matches("协议里程碑："),
                o.due,
                if on > o.due { "，逾期完成" } else { "" },
                doc.filename,
                cite_responsibility()
            ),
        )
        .await?;
    Ok(())
}

/// A milestone's evidence document, for those who may see the obligations' details (the
/// departments and the selected subjects).
pub async fn evidence_file(
    st: &AppState,
    actor: &Actor,
    id: i64,
    obligation: i64,
) -> Result<(EvidenceFile, Vec<u8>), AppError> {
    let bids = st.db.bids(id).await?;
    if !sees_obligation_details(actor, &bids) {
        return Err(AppError::Forbidden(
            "佐证材料仅牵头责任主体、主管部门及入选项目主体可查看".into(),
        ));
    }
    let o = st
        .db
        .competition_obligations(id)
        .await?
        .into_iter()
        .find(|o| o.id == obligation)
        .ok_or(AppError::NotFound)?;
    let doc = o.evidence_file.ok_or(AppError::NotFound)?;
    let bytes = tokio::fs::read(st.blob_path(&doc.sha256))
        .await
        .map_err(|e| AppError::Internal(format!("blob {}: {e}", doc.sha256)))?;
    Ok((doc, bytes))
}

fn evidence_response(doc: &EvidenceFile, bytes: Vec<u8>) -> Response {
    let a = tongchou_store::project::AttachmentRow {
        id: 0,
        kind: "milestone_evidence".into(),
        filename: doc.filename.clone(),
        content_type: doc.content_type.clone(),
        size: doc.size,
        sha256: doc.sha256.clone(),
        doc_date: None,
        version: 1,
        uploaded_by: 0,
        uploaded_at: String::new(),
    };
    crate::api::file_response(&a, bytes)
}

fn pick_bid<'a>(bids: &'a [Bid], f: &Fields) -> Result<&'a Bid, AppError> {
    let id: i64 = f
        .text("bid")
        .trim_start_matches('#')
        .parse()
        .map_err(|_| AppError::field("bid", "请选择揭榜"))?;
    bids.iter()
        .find(|b| b.id == id)
        .ok_or_else(|| AppError::field("bid", "没有该揭榜"))
}

/// 联合体成员 by unit identity (SPEC [product] over ZJ-share 三（三）/三（四）): units picked from
/// the unit directory (`member_units`: unit ids), and names typed one a line (`members`), each
/// looked up in the directory by its [`name_key`] (so "有限责任公司", full-width letters or stray
/// spaces find the same unit); a name that matches no unit stays a market entity's cleaned name;
/// one that matches several must be picked from the directory.
async fn members_of(st: &AppState, f: &Fields) -> Result<Vec<Member>, AppError> {
    let ids: Vec<&str> = f
        .all("member_units")
        .into_iter()
        .flat_map(|s| s.split([',', '、', '\n']))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let names: Vec<String> = f
        .all("members")
        .iter()
        .flat_map(|s| s.lines())
        .flat_map(|l| l.split(['、', ',']))
        .map(clean_name)
        .filter(|s| !s.is_empty())
        .collect();
    if ids.is_empty() && names.is_empty() {
        return Ok(vec![]);
    }
    if ids.len() + names.len() > 20 {
        return Err(AppError::field("members", "联合体成员最多 20 个"));
    }
    let units = st.db.units().await?;
    let member = |u: &tongchou_store::user::UnitRow| Member {
        unit_id: Some(u.id),
        name: u.name.clone(),
        unit_kind: u.kind.clone(),
        entity: Some(u.entity),
    };
    let mut out = Vec::new();
    for id in ids {
        let uid: i64 = id
            .trim_start_matches('#')
            .parse()
            .map_err(|_| AppError::field("member_units", format!("单位编号无效：{id}")))?;
        let u = units
            .iter()
            .find(|u| u.id.0 == uid)
            .ok_or_else(|| AppError::field("member_units", format!("单位名录中没有 #{uid}")))?;
        out.push(member(u));
    }
    for n in names {
        if let Some(Ok(uid)) = n.strip_prefix('#').map(|x| x.parse::<i64>()) {
            let u = units
                .iter()
                .find(|u| u.id.0 == uid)
                .ok_or_else(|| AppError::field("members", format!("单位名录中没有 #{uid}")))?;
            out.push(member(u));
            continue;
        }
        let key = name_key(&n);
        let hits: Vec<&tongchou_store::user::UnitRow> =
            units.iter().filter(|u| name_key(&u.name) == key).collect();
        match hits[..] {
            [] => out.push(Member::named(&n)),
            [u] => out.push(member(u)),
            _ => {
                return Err(AppError::field(
                    "members",
                    format!(
                        "“{n}”与单位名录中多个单位同名（{}），请从单位名录中选择",
                        hits.iter()
                            .map(|u| format!("#{} {}（{}）", u.id.0, u.name, u.jurisdiction_name))
                            .collect::<Vec<_>>()
                            .join("、")
                    ),
                ))
            }
        }
    }
    Ok(out)
}

/// The 承接主体 declaration of a purchase-of-service bid (ZJ-share 三（三）): credit code,
/// institution class, whether a social organisation is a 群团组织 on the public payroll, and the
/// conditions declared (`conditions`, repeated or comma-separated codes).
fn provider_of(f: &Fields) -> Result<ProviderDeclaration, AppError> {
    let class = match f.text("institution_class").trim() {
        "" => None,
        s => Some(
            InstitutionClass::parse(s)
                .ok_or_else(|| AppError::field("institution_class", "未知的事业单位类别"))?,
        ),
    };
    Ok(ProviderDeclaration {
        credit_code: f.text("credit_code").trim().to_ascii_uppercase(),
        institution_class: class,
        fiscal_mass_org: matches!(
            f.text("fiscal_mass_org").trim(),
            "yes" | "true" | "on" | "1"
        ),
        conditions: f
            .all("conditions")
            .iter()
            .flat_map(|s| s.split([',', '、']))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
    })
}

/// Milestones as lines "名称|责任方|YYYY-MM-DD[|责任人]" (or JSON objects). 责任方: lead_unit /
/// 牵头责任主体, subject / 项目主体, or a selected subject's unit id (#12) when there are several.
fn parse_milestones(f: &Fields) -> Result<Vec<Milestone>, AppError> {
    let mut out = vec![];
    for line in f.all("milestones").iter().flat_map(|s| s.lines()) {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if line.starts_with('{') {
            let m: Milestone = serde_json::from_str(line)
                .map_err(|_| AppError::field("milestones", "里程碑格式有误"))?;
            out.push(m);
            continue;
        }
        let parts: Vec<&str> = line.split('|').map(str::trim).collect();
        let (title, owner, due, person) = match parts[..] {
            [t, o, d] => (t, o, d, ""),
            [t, o, d, p] => (t, o, d, p),
            _ => {
                return Err(AppError::field(
                    "milestones",
                    "每行：名称|责任方（lead_unit 或 subject）|YYYY-MM-DD|责任人（可选）",
                ))
            }
        };
        let (owner, unit) = match owner {
            "牵头责任主体" | "lead_unit" => ("lead_unit", None),
            "项目主体" | "subject" => ("subject", None),
            o => match o.trim_start_matches('#').parse::<i64>() {
                Ok(u) => ("subject", Some(tongchou_domain::UnitId(u))),
                Err(_) => (o, None),
            },
        };
        out.push(Milestone {
            title: title.into(),
            owner: owner.into(),
            due: due
                .parse()
                .map_err(|_| AppError::field("milestones", format!("里程碑“{title}”的日期有误")))?,
            owner_unit_id: unit,
            person: person.into(),
        });
    }
    Ok(out)
}

/// The public's objection (no login).
pub async fn submit_objection(st: &AppState, id: i64, f: &Fields) -> Result<i64, AppError> {
    let c = st.db.competition(id).await?;
    if c.state == CompState::Open {
        return Err(AppError::NotFound);
    }
    let n = st.db.objections(id).await?.len();
    object(
        &c,
        today(),
        &f.text("name"),
        &f.text("contact"),
        &f.text("text"),
        n,
    )?;
    Ok(st
        .db
        .insert_objection(&c, &f.text("name"), &f.text("contact"), &f.text("text"))
        .await?)
}

pub async fn market_act(
    st: &AppState,
    actor: &Actor,
    id: i64,
    action: &str,
    f: &Fields,
) -> Result<(), AppError> {
    let l = st.db.listing(id).await?;
    check_version(f, l.version)?;
    let reuses = st.db.reuses(id).await?;
    let mine: Vec<&Reuse> = reuses
        .iter()
        .filter(|r| r.unit_id == actor.unit_id)
        .collect();
    match action {
        "request_reuse" => {
            request_reuse(actor, &l, &mine, &f.text("purpose"))?;
            st.db.insert_reuse(actor, &l, &f.text("purpose")).await?;
        }
        "approve_reuse" | "refuse_reuse" => {
            let rid: i64 = f
                .text("reuse")
                .parse()
                .map_err(|_| AppError::field("reuse", "请选择复用申请"))?;
            let r = reuses
                .iter()
                .find(|r| r.id == rid)
                .ok_or_else(|| AppError::field("reuse", "没有该复用申请"))?;
            decide_reuse(actor, &l, r)?;
            st.db
                .decide_reuse(actor, &l, r, action == "approve_reuse")
                .await?;
        }
        "rate" => {
            let stars: i64 = f
                .text("stars")
                .trim()
                .parse()
                .map_err(|_| AppError::field("stars", "评分为 1–5 星"))?;
            rate(actor, &mine, stars, &f.text("review"))?;
            st.db
                .rate_listing(actor, &l, stars, &f.text("review"))
                .await?;
        }
        "nominate" => {
            let rank = match f.text("rank").trim() {
                "" => None,
                s => Some(
                    s.parse()
                        .map_err(|_| AppError::field("rank", "排名为整数"))?,
                ),
            };
            nominate(actor, rank, &f.text("note"))?;
            st.db
                .nominate_listing(actor, &l, rank, &f.text("note"))
                .await?;
        }
        _ => return Err(AppError::NotFound),
    }
    Ok(())
}

// ---------- JSON views ----------

fn public_competition_json(c: &Competition, bids: &[Bid]) -> Value {
    json!({
        "id": c.id,
        "title": c.title,
        "scenario": c.scenario.code(),
        "scenario_label": c.scenario.label(),
        "class": c.class,
        "class_label": class_label(c.class),
        "state": c.state.code(),
        "state_label": c.state.label(),
        "lead_unit": c.lead_unit_name,
        "notice_from": c.notice_from,
        "notice_until": c.notice_until,
        "announced_on": c.announced_on,
        "shortlist": bids.iter().filter(|b| b.shortlisted).map(|b| json!({
            "subject": b.unit_name,
            "kind": b.kind.label(),
            "consortium_members": b.member_names(),
        })).collect::<Vec<_>>(),
        "cite": cite_announce().to_string(),
    })
}

async fn competition_detail(st: &AppState, actor: &Actor, id: i64) -> Result<Value, AppError> {
    let c = st.db.competition(id).await?;
    let bids = st.db.bids(id).await?;
    let cal = st.db.calendar().await?;
    let visible: Vec<&Bid> = bids.iter().filter(|b| can_view_bid(actor, b)).collect();
    let mut v = serde_json::to_value(&c).unwrap_or(Value::Null);
    v["state_label"] = json!(c.state.label());
    // S6: implementation by class (ZJ-share 三（六）)
    v["implementation"] = json!({
        "steps": tongchou_domain::market::implementation_steps(c.class),
        "cite": tongchou_domain::market::cite_implementation().to_string(),
    });
    v["bids"] = json!(visible);
    if sees_all_bids(actor) {
        v["experts"] = json!(st.db.competition_panel(id).await?);
        v["overrides"] = json!(st.db.competition_overrides(id).await?);
    }
    v["cancellation_proposed_after"] = json!(cancellation_due(&cal, &c, today()));
    // S7 (三（七）) and the milestones (三（六）责任制), as the obligations table holds them
    let (s7, ms): (Vec<_>, Vec<_>) = st
        .db
        .competition_obligations(id)
        .await?
        .into_iter()
        .partition(|o| !o.is_milestone());
    let inside = sees_obligation_details(actor, &bids);
    let view = |o: &CompObligationRow| obligation_json(&redacted(o, inside));
    v["obligations"] = json!(s7.iter().map(view).collect::<Vec<_>>());
    v["milestone_obligations"] = json!(ms.iter().map(view).collect::<Vec<_>>());
    // each selected subject's standing (ZJ-share 三（七）: delivery, acceptance, cancellation)
    let rows = st.db.competition_obligations(id).await?;
    v["subjects"] = json!(bids
        .iter()
        .filter(|b| b.shortlisted)
        .map(|b| {
            let st_of =
                |acc: bool| subject_obligation(&rows, b.unit_id, acc).map(|o| o.state.clone());
            json!({"unit_id": b.unit_id.0, "unit_name": b.unit_name, "cancelled_on": b.cancelled_on,
                   "delivery": st_of(false), "acceptance": st_of(true)})
        })
        .collect::<Vec<_>>());
    if sees_all_bids(actor) {
        let ps = st.db.competition_cancel_proposals(id).await?;
        v["cancel_proposal"] = json!(ps.first().map(
            |p| json!({"due_on": p.due_on, "state": p.state, "decided_by": p.decided_by, "reason": p.reason, "unit_id": p.unit_id.0, "unit_name": p.unit_name})
        ));
        v["cancel_proposals"] = json!(ps);
    }
    // S10 fund use (ZJ-share 四): departments and the selected subjects only
    let sel: Vec<&Bid> = bids.iter().filter(|b| b.shortlisted).collect();
    if can_view_fund_use(actor, &sel) {
        v["fund_use"] = fund_use_json(&c, &st.db.competition_fund_uses(id).await?);
    } else {
        v["agreed_fen"] = Value::Null;
    }
    if sees_all_bids(actor) {
        v["objections"] = json!(st.db.objections(id).await?);
        v["history"] = json!(st.db.market_history("competition", id).await?);
    } else {
        v["objections"] = json!(st
            .db
            .objections(id)
            .await?
            .iter()
            .map(|o| json!({"id": o.id, "handled": o.handled}))
            .collect::<Vec<_>>());
    }
    Ok(v)
}

/// The fund-use summary of a competition: used / agreed (fen, percent) and each record.
pub fn fund_use_json(c: &Competition, uses: &[FundUse]) -> Value {
    let used: i64 = uses.iter().map(|u| u.amount_fen).sum();
    let pct = c
        .agreed_fen
        .filter(|a| *a > 0)
        .map(|a| format!("{:.1}", used as f64 * 100.0 / a as f64));
    json!({
        "agreed_fen": c.agreed_fen,
        "used_fen": used,
        "used_pct": pct,
        "questioned": uses.iter().filter(|u| u.questioned).count(),
        "items": uses,
        "cite": cite_fund_use().to_string(),
    })
}

/// Who sees the responsible persons and the evidence of a competition's obligations: the
/// departments that see every bid, and the selected subjects; others see dates and states only.
fn sees_obligation_details(actor: &Actor, bids: &[Bid]) -> bool {
    sees_all_bids(actor)
        || bids
            .iter()
            .any(|b| b.shortlisted && b.unit_id == actor.unit_id)
}

/// The obligation as `inside` may see it (persons and evidence kept or dropped).
fn redacted(o: &CompObligationRow, inside: bool) -> CompObligationRow {
    if inside {
        return o.clone();
    }
    CompObligationRow {
        person: None,
        evidence: None,
        fulfilled_by_name: None,
        evidence_file: None,
        ..o.clone()
    }
}

/// A competition obligation with its standing today.
pub fn obligation_json(o: &CompObligationRow) -> Value {
    let today = today();
    let mut v = json!(o);
    if o.evidence_file.is_some() {
        v["evidence_url"] = json!(format!(
            "/api/v1/competitions/{}/obligations/{}/evidence",
            o.competition_id, o.id
        ));
    }
    v["met"] = json!(o.met());
    v["overdue"] = json!(o.overdue(today));
    v
}

fn listing_json(l: &Listing, reuses: &[Reuse], ratings: &[RatingRow]) -> Value {
    let mut regions: Vec<String> = reuses
        .iter()
        .filter(|r| r.state == ReuseState::Approved)
        .map(|r| r.unit_name.clone())
        .collect();
    regions.dedup();
    json!({
        "id": l.id,
        "name": l.name,
        "description": l.description,
        "owner": l.owner_name,
        "class": l.class,
        "class_label": class_label(l.class),
        "ownership": ownership_label(l.class),
        "pricing": pricing_rule(l.suppliers),
        "version_label": l.version_label,
        "listed_on": l.listed_on.get(..10).unwrap_or(""),
        "reuse_count": l.reuse_count,
        "rating": l.rating,
        "ratings": l.ratings,
        "reviews": ratings,
        "used_by": regions,
        "best": l.best,
        "rank": l.rank,
        "nomination": l.nomination,
        "competition": l.competition_id,
        "version": l.version,
    })
}

/// Machine-readable metadata in the spirit of publiccode.yml.
async fn publiccode(st: &AppState, id: i64) -> Result<Value, AppError> {
    let l = st.db.listing(id).await?;
    let reuses = st.db.reuses(id).await?;
    let used: Vec<Value> = reuses
        .iter()
        .filter(|r| r.state == ReuseState::Approved)
        .map(|r| json!({ "unit": r.unit_name, "jurisdiction_path": r.region }))
        .collect();
    Ok(json!({
        "publiccodeYmlVersion": "0.4",
        "name": l.name,
        "softwareVersion": l.version_label,
        "releaseDate": l.listed_on.get(..10).unwrap_or(""),
        "platforms": ["web"],
        "description": { "zh-CN": { "shortDescription": l.name, "longDescription": l.description } },
        "legal": { "license": l.licence, "mainCopyrightOwner": l.owner_name, "repoOwner": l.owner_name,
                   "ownership": ownership_label(l.class) },
        "maintenance": { "type": "contract", "contacts": [{ "name": l.contact }] },
        "intendedAudience": { "usedBy": used },
        "x-tongchou": { "class": l.class, "pricing": pricing_rule(l.suppliers), "reuseCount": l.reuse_count,
                        "rating": l.rating, "market": format!("/market/{}", l.id) },
    }))
}

/// O1 catalogues: applications (listed and accepted), data resources, cloud resources,
/// components (reusable listed applications).
async fn catalogues(st: &AppState, actor: Option<&Actor>) -> Result<Value, AppError> {
    let listings = st.db.listings("").await?;
    let accepted: Vec<Value> = st
        .db
        .competitions()
        .await?
        .iter()
        .filter(|c| c.state == CompState::Accepted)
        .map(|c| json!({ "competition": c.id, "title": c.title, "class": c.class, "lead_unit": c.lead_unit_name }))
        .collect();
    let mut data = vec![];
    let mut cloud = vec![];
    if let Some(a) = actor.filter(|a| !is_market_entity(a)) {
        let f = tongchou_store::project::ListFilter {
            stages: vec![],
            year: None,
            unit: None,
            q: None,
            page: 1,
            per_page: 500,
        };
        let (projects, _) = st.db.list_projects(&list_scope(a), &f).await?;
        let ids: Vec<i64> = projects.iter().map(|p| p.id).collect();
        for s in st.db.systems_of(&ids).await? {
            for d in &s.system.data {
                data.push(json!({ "system": s.system.input.name, "project": s.project_name, "name": d.name,
                    "unit": d.unit, "format": d.format, "share": d.share.label(), "open": d.open.label() }));
            }
            for r in &s.system.cloud {
                cloud.push(json!({ "system": s.system.input.name, "project": s.project_name, "unit": s.unit_name,
                    "kind": r.kind.label(), "spec": r.spec, "quantity": r.quantity,
                    "requested": r.requested, "released": r.released }));
            }
        }
    }
    Ok(json!({
        "applications": listings.iter().map(|l| json!({ "listing": l.id, "name": l.name, "owner": l.owner_name, "class": l.class, "version": l.version_label })).collect::<Vec<_>>(),
        "accepted_projects": accepted,
        "data_resources": data,
        "cloud_resources": cloud,
        "components": listings.iter().filter(|l| l.reuse_count > 0).map(|l| json!({ "listing": l.id, "name": l.name, "reuse_count": l.reuse_count })).collect::<Vec<_>>(),
    }))
}

// ---------- 晾晒台 (board) ----------

/// The jurisdiction scope of competitions on the board, like the projects' (SPEC P1): audit and
/// administrators see every competition; everyone else those whose lead unit lies in their
/// jurisdiction or below. `None`: all.
fn board_path(actor: &Actor) -> Option<String> {
    let scope = list_scope(actor);
    (!scope.everything).then(|| actor.jurisdiction_path.clone())
}

/// The board's `year` and `unit` filters as they apply to competitions (the year it was
/// opened; a unit that leads it or is a selected subject). Values the board refuses never get
/// here; anything unreadable is no filter.
fn board_filter(q: &HashMap<String, String>) -> tongchou_store::market::BoardCompFilter {
    tongchou_store::market::BoardCompFilter {
        year: q.get("year").and_then(|y| y.trim().parse().ok()),
        unit: q
            .get("unit")
            .and_then(|u| u.trim().parse().ok())
            .map(tongchou_domain::UnitId),
    }
}

/// Competition overrides for the board (SPEC §0, ZJ-share 三（五）), for those who see
/// competitions' internals, with the board's filters — `ov_state`, `ov_rule` — and its
/// jurisdiction scope: (competition id, title, record, approver).
pub async fn board_overrides(
    st: &AppState,
    actor: &Actor,
    q: &HashMap<String, String>,
    limit: i64,
) -> Result<
    Vec<(
        i64,
        String,
        tongchou_domain::overrides::OverrideRecord,
        String,
    )>,
    AppError,
> {
    if !sees_all_bids(actor) {
        return Ok(vec![]);
    }
    let state = q
        .get("ov_state")
        .map(String::as_str)
        .filter(|s| !s.is_empty());
    let rule = q
        .get("ov_rule")
        .map(String::as_str)
        .filter(|s| !s.is_empty());
    let profile = st.profile();
    Ok(st
        .db
        .board_competition_overrides(
            board_path(actor).as_deref(),
            board_filter(q),
            state,
            rule,
            limit,
        )
        .await?
        .into_iter()
        .map(|(id, t, o)| {
            let approver = profile.role_name(o.approver).to_string();
            (id, t, o, approver)
        })
        .collect())
}

/// Competition obligations on the board (责任制, ZJ-share 三（六）; S10 supervision, 四): per
/// responsible unit, open and overdue counts, and the overdue items — for departments and those
/// who see competitions' internals, in the board's jurisdiction scope.
pub async fn board_duties(
    st: &AppState,
    actor: &Actor,
    q: &HashMap<String, String>,
) -> Result<
    (
        Vec<tongchou_store::market::CompDutyBoardRow>,
        Vec<(String, CompObligationRow)>,
    ),
    AppError,
> {
    let scope = list_scope(actor);
    if !(sees_all_bids(actor) || scope.declared || scope.everything) {
        return Ok((vec![], vec![]));
    }
    Ok(st
        .db
        .board_competition_obligations(board_path(actor).as_deref(), board_filter(q), today(), 200)
        .await?)
}

/// The board workbook's sheets for shared applications: the competitions' overrides and their
/// obligations by responsible unit (same filters and scope as the page).
pub async fn board_sheets(
    st: &AppState,
    actor: &Actor,
    q: &HashMap<String, String>,
    wb: &mut rust_xlsxwriter::Workbook,
) -> Result<(), AppError> {
    use rust_xlsxwriter::Format;
    let xl = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.to_string());
    let bold = Format::new().set_bold();
    let ws = wb
        .add_worksheet()
        .set_name("共享应用揭榜例外")
        .map_err(xl)?;
    for (c, h) in [
        "揭榜项目",
        "规则",
        "理由",
        "提出人",
        "提出时间",
        "审批人",
        "状态",
        "审批意见",
    ]
    .iter()
    .enumerate()
    {
        ws.write_with_format(0, c as u16, *h, &bold).map_err(xl)?;
    }
    for (i, (_, title, o, approver)) in board_overrides(st, actor, q, 5_000)
        .await?
        .iter()
        .enumerate()
    {
        let r = i as u32 + 1;
        ws.write(r, 0, title.as_str()).map_err(xl)?;
        ws.write(r, 1, o.rule_text.as_str()).map_err(xl)?;
        ws.write(r, 2, o.reason.as_str()).map_err(xl)?;
        ws.write(r, 3, o.requested_by_name.as_str()).map_err(xl)?;
        ws.write(r, 4, o.requested_at.get(..10).unwrap_or(""))
            .map_err(xl)?;
        ws.write(r, 5, approver.as_str()).map_err(xl)?;
        ws.write(r, 6, o.state.label()).map_err(xl)?;
        ws.write(r, 7, o.decision_reason.as_deref().unwrap_or(""))
            .map_err(xl)?;
    }
    let (units, overdue) = board_duties(st, actor, q).await?;
    let ws = wb
        .add_worksheet()
        .set_name("共享应用协议义务")
        .map_err(xl)?;
    for (c, h) in ["责任单位", "未完成", "已逾期"].iter().enumerate() {
        ws.write_with_format(0, c as u16, *h, &bold).map_err(xl)?;
    }
    for (i, u) in units.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write(r, 0, u.unit_name.as_str()).map_err(xl)?;
        ws.write(r, 1, u.open as f64).map_err(xl)?;
        ws.write(r, 2, u.overdue as f64).map_err(xl)?;
    }
    let base = units.len() as u32 + 2;
    for (c, h) in ["揭榜项目", "逾期义务", "责任单位", "责任人", "期限"]
        .iter()
        .enumerate()
    {
        ws.write_with_format(base, c as u16, *h, &bold)
            .map_err(xl)?;
    }
    for (i, (title, o)) in overdue.iter().enumerate() {
        let r = base + i as u32 + 1;
        ws.write(r, 0, title.as_str()).map_err(xl)?;
        ws.write(r, 1, o.title.as_str()).map_err(xl)?;
        ws.write(r, 2, o.owner_unit_name.as_deref().unwrap_or("项目主体"))
            .map_err(xl)?;
        ws.write(r, 3, o.person.as_deref().unwrap_or(""))
            .map_err(xl)?;
        ws.write(r, 4, o.due.to_string()).map_err(xl)?;
    }
    ws.set_column_width(0, 30).map_err(xl)?;
    ws.set_column_width(1, 40).map_err(xl)?;
    Ok(())
}

// =============================================================================================
// Pages
// =============================================================================================

#[derive(Default)]
pub struct Failed {
    pub action: String,
    pub error: String,
    pub field: String,
}

impl Failed {
    fn from(action: &str, e: &AppError) -> Failed {
        Failed {
            action: action.into(),
            error: e.body().message,
            field: e.field_name().unwrap_or("").into(),
        }
    }
    pub fn msg(&self, action: &str) -> String {
        if self.action == action {
            if self.field.is_empty() {
                self.error.clone()
            } else {
                format!("{}（{}）", self.error, self.field)
            }
        } else {
            String::new()
        }
    }
}

#[derive(Template)]
#[template(path = "market_competitions.html")]
struct CompetitionsPage {
    layout: Layout,
    items: Vec<Competition>,
    can_open: bool,
    failed: Failed,
}

async fn competitions_page(
    st: &AppState,
    user: &CurrentUser,
    failed: Failed,
) -> Result<Response, AppError> {
    let status = if failed.error.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render_status(
        status,
        &CompetitionsPage {
            layout: layout_for(st, Some(user), "competitions").await,
            items: st.db.competitions().await?,
            can_open: can_open_competition(&user.actor),
            failed,
        },
    ))
}

pub async fn competitions_list(State(st): State<AppState>, MaybeUser(u): MaybeUser) -> Response {
    let Some(user) = u else {
        return Redirect::to("/login").into_response();
    };
    page_or_error(
        &st,
        &user,
        competitions_page(&st, &user, Failed::default()).await,
    )
    .await
}

pub async fn competitions_create(
    State(st): State<AppState>,
    user: CurrentUser,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    let r = async {
        user.check_csrf(f.get("_csrf"))?;
        open(&st, &user.actor, &f).await
    }
    .await;
    match r {
        Ok(id) => Redirect::to(&format!("/competitions/{id}")).into_response(),
        Err(e @ (AppError::Unprocessable { .. } | AppError::Forbidden(_))) => {
            let status = e.status();
            match competitions_page(&st, &user, Failed::from("open", &e)).await {
                Ok(mut r) => {
                    *r.status_mut() = status;
                    r
                }
                Err(e) => error_page(&st, Some(&user), e).await,
            }
        }
        Err(e) => error_page(&st, Some(&user), e).await,
    }
}

#[derive(Template)]
#[template(path = "market_competition.html")]
struct CompetitionPage {
    layout: Layout,
    c: Competition,
    /// chain: the projects of its library item and the listings it produced (one click each way)
    projects: Vec<tongchou_store::demand::LinkRow>,
    listings: Vec<tongchou_store::demand::LinkRow>,
    /// S6: the class's implementation steps and their citation (ZJ-share 三（六）)
    implementation: &'static [&'static str],
    implementation_cite: String,
    bids: Vec<Bid>,
    objections: Vec<Objection>,
    history: Vec<DemandHistoryEntry>,
    all: bool,
    lead: bool,
    authority: bool,
    expert: bool,
    bidder: bool,
    cancel_after: Option<Date>,
    /// 评审专家组 (shown to those who see all bids)
    panel: Vec<PanelExpert>,
    /// 原则性规定的例外 of this competition (shown to those who see all bids): the record, the
    /// approver's name, whether the current user may sign off now
    overrides: Vec<(tongchou_domain::overrides::OverrideRecord, String, bool)>,
    /// S7 obligations (due / overdue), rows of the obligations table
    obligations: Vec<CompObligationRow>,
    /// 协议里程碑 as obligations (责任制), with whether the user may report each done
    milestone_rows: Vec<(CompObligationRow, bool)>,
    /// S10 fund use (departments and the selected subjects only): the records, used / agreed
    /// (grouped yuan) and percent, whether the user may record or question
    fund_visible: bool,
    fund_uses: Vec<FundUse>,
    fund_agreed: String,
    fund_used: String,
    fund_pct: String,
    may_record_fund: bool,
    may_question_fund: bool,
    fund_cite: String,
    /// the unit directory for 联合体成员 (bidders only): (id, name, jurisdiction)
    unit_directory: Vec<(i64, String, String)>,
    provider_conditions: Vec<(&'static str, &'static str)>,
    institution_classes: Vec<(&'static str, &'static str)>,
    today: Date,
    /// the sweep's cancellation proposals, one per subject
    cancel_proposals: Vec<tongchou_store::market::CancelProposal>,
    /// the selected subjects with their standing: (bid, delivered, accepted)
    subjects: Vec<(Bid, bool, bool)>,
    /// whether the user's unit, a subject in force, may apply for acceptance
    may_apply: bool,
    /// experts the lead unit may assign (lead unit, open competition only)
    pool: Vec<tongchou_domain::lifecycle::Candidate>,
    criteria: Vec<(&'static str, &'static str)>,
    failed: Failed,
}

impl CompetitionPage {
    fn yuan(&self, fen: &i64) -> String {
        tongchou_domain::Yuan::from_fen(*fen).grouped()
    }
    fn kind_label(&self, k: &CandidateKind) -> &'static str {
        k.label()
    }
    fn score_text(&self, b: &Bid) -> String {
        b.score
            .map(|s| format!("{s:.1}（{} 位专家）", b.scores))
            .unwrap_or_else(|| "—".into())
    }
    fn owner_label(&self, o: &str) -> &'static str {
        if o == "lead_unit" {
            "牵头责任主体"
        } else {
            "项目主体"
        }
    }
    fn overdue(&self, o: &CompObligationRow) -> bool {
        o.overdue(self.today)
    }
    fn milestone_no(&self, o: &CompObligationRow) -> String {
        o.code.trim_start_matches(OBL_MILESTONE_PREFIX).to_string()
    }
    fn purchase_of_service(&self) -> bool {
        is_purchase_of_service(self.c.class)
    }
    fn provider_cite(&self) -> String {
        cite_provider().to_string()
    }
}

async fn competition_page(
    st: &AppState,
    user: &CurrentUser,
    id: i64,
    failed: Failed,
) -> Result<Response, AppError> {
    let a = &user.actor;
    let c = st.db.competition(id).await?;
    let bids = st.db.bids(id).await?;
    let cal = st.db.calendar().await?;
    let all = sees_all_bids(a);
    let subject = bids.iter().any(|b| b.shortlisted && b.unit_id == a.unit_id);
    let panel = st.db.competition_panel(id).await?;
    let on_panel = panel.iter().any(|e| e.user_id == a.user_id);
    let lead = a.has(Role::LeadUnit) && a.unit_id == c.lead_unit_id;
    let pool = if lead && c.state == CompState::Open {
        st.db.experts().await?
    } else {
        vec![]
    };
    let obs = st.db.competition_obligations(id).await?;
    let sel_now: Vec<&Bid> = bids.iter().filter(|b| b.shortlisted).collect();
    let fund_visible = can_view_fund_use(a, &sel_now);
    let fund_uses = if fund_visible {
        st.db.competition_fund_uses(id).await?
    } else {
        vec![]
    };
    let fund_json = fund_use_json(&c, &fund_uses);
    let status = if failed.error.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render_status(
        status,
        &CompetitionPage {
            layout: layout_for(st, Some(user), "competitions").await,
            // a market entity sees only public items, not the internal projects
            projects: if is_market_entity(a) {
                vec![]
            } else {
                st.db.item_projects(c.item_id).await?
            },
            listings: st.db.competition_listings(id).await?,
            implementation: tongchou_domain::market::implementation_steps(c.class),
            implementation_cite: tongchou_domain::market::cite_implementation().to_string(),
            cancel_after: cancellation_due(&cal, &c, today()),
            obligations: obs.iter().filter(|o| !o.is_milestone()).cloned().collect(),
            milestone_rows: obs
                .iter()
                .filter(|o| o.is_milestone())
                .map(|o| {
                    (
                        redacted(o, all || subject),
                        report_milestone(a, &c, o, true, "").is_ok(),
                    )
                })
                .collect(),
            fund_visible,
            fund_agreed: c
                .agreed_fen
                .map(|f| tongchou_domain::Yuan::from_fen(f).grouped())
                .unwrap_or_else(|| "未约定".into()),
            fund_used: tongchou_domain::Yuan::from_fen(
                fund_uses.iter().map(|u| u.amount_fen).sum(),
            )
            .grouped(),
            fund_pct: fund_json["used_pct"].as_str().unwrap_or("—").to_string(),
            may_record_fund: fund_visible && record_fund_use(a, &c, &sel_now, 1, "x", 0).is_ok(),
            may_question_fund: fund_uses
                .iter()
                .any(|u| question_fund_use(a, &c, u, "x").is_ok()),
            fund_cite: cite_fund_use().to_string(),
            fund_uses,
            unit_directory: if can_bid(a) && c.state == CompState::Open {
                st.db
                    .units()
                    .await?
                    .into_iter()
                    .filter(|u| u.id != a.unit_id)
                    .map(|u| (u.id.0, u.name, u.jurisdiction_name))
                    .collect()
            } else {
                vec![]
            },
            provider_conditions: PROVIDER_CONDITIONS.to_vec(),
            institution_classes: InstitutionClass::ALL
                .into_iter()
                .map(|k| (k.code(), k.label()))
                .collect(),
            today: today(),
            cancel_proposals: if all {
                st.db.competition_cancel_proposals(id).await?
            } else {
                vec![]
            },
            subjects: bids
                .iter()
                .filter(|b| b.shortlisted)
                .map(|b| {
                    (
                        b.clone(),
                        subject_obligation(&obs, b.unit_id, false).is_some_and(|o| o.met()),
                        subject_obligation(&obs, b.unit_id, true).is_some_and(|o| o.met()),
                    )
                })
                .collect(),
            may_apply: {
                let sel: Vec<&Bid> = bids.iter().filter(|b| b.in_force()).collect();
                apply_acceptance_for(
                    a,
                    &c,
                    &sel,
                    subject_obligation(&obs, a.unit_id, false),
                    c.delivery_date.unwrap_or_else(today).max(today()),
                )
                .is_ok()
            },
            bids: bids.into_iter().filter(|b| can_view_bid(a, b)).collect(),
            objections: if all {
                st.db.objections(id).await?
            } else {
                vec![]
            },
            history: if all {
                st.db.market_history("competition", id).await?
            } else {
                vec![]
            },
            lead,
            authority: a.has(Role::Authority),
            expert: a.has(Role::Expert) && on_panel,
            panel: if all { panel } else { vec![] },
            overrides: if all {
                let profile = st.profile();
                st.db
                    .competition_overrides(id)
                    .await?
                    .into_iter()
                    .map(|o| {
                        let name = profile.role_name(o.approver).to_string();
                        let may = o.state == tongchou_domain::overrides::OverrideState::Pending
                            && a.has(o.approver);
                        (o, name, may)
                    })
                    .collect()
            } else {
                vec![]
            },
            pool,
            bidder: can_bid(a),
            all,
            c,
            criteria: CRITERIA.to_vec(),
            failed,
        },
    ))
}

pub async fn competition_show(
    State(st): State<AppState>,
    MaybeUser(u): MaybeUser,
    Path(id): Path<i64>,
) -> Response {
    let Some(user) = u else {
        return Redirect::to("/login").into_response();
    };
    page_or_error(
        &st,
        &user,
        competition_page(&st, &user, id, Failed::default()).await,
    )
    .await
}

pub async fn competition_post(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((id, action)): Path<(i64, String)>,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    let r = async {
        user.check_csrf(f.get("_csrf"))?;
        act(&st, &user.actor, id, &action, &f).await
    }
    .await;
    match r {
        Ok(()) => Redirect::to(&format!("/competitions/{id}")).into_response(),
        Err(
            e @ (AppError::Unprocessable { .. } | AppError::Forbidden(_) | AppError::Conflict(_)),
        ) => {
            let status = e.status();
            match competition_page(&st, &user, id, Failed::from(&action, &e)).await {
                Ok(mut r) => {
                    *r.status_mut() = status;
                    r
                }
                Err(e) => error_page(&st, Some(&user), e).await,
            }
        }
        Err(e) => error_page(&st, Some(&user), e).await,
    }
}

#[derive(Template)]
#[template(path = "market_notice.html")]
struct NoticePage {
    layout: Layout,
    c: Competition,
    shortlist: Vec<Bid>,
    in_notice: bool,
    handled: usize,
    received: usize,
    notice_days: u32,
    notice_cite: String,
    done: bool,
    failed: Failed,
}

async fn notice_page(
    st: &AppState,
    u: Option<&CurrentUser>,
    id: i64,
    done: bool,
    failed: Failed,
) -> Result<Response, AppError> {
    let c = st.db.competition(id).await?;
    if c.state == CompState::Open {
        return Err(AppError::NotFound);
    }
    let objs = st.db.objections(id).await?;
    let p = st.profile();
    let status = if failed.error.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render_status(
        status,
        &NoticePage {
            layout: layout_for(st, u, "market").await,
            shortlist: st
                .db
                .bids(id)
                .await?
                .into_iter()
                .filter(|b| b.shortlisted)
                .collect(),
            in_notice: c.state == CompState::Notice && c.notice_until.is_some_and(|d| today() <= d),
            handled: objs.iter().filter(|o| o.handled).count(),
            received: objs.len(),
            notice_days: p.notice_days,
            notice_cite: p.notice_cite.to_string(),
            c,
            done,
            failed,
        },
    ))
}

pub async fn notice_show(
    State(st): State<AppState>,
    MaybeUser(u): MaybeUser,
    Path(id): Path<i64>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    match notice_page(
        &st,
        u.as_ref(),
        id,
        q.contains_key("done"),
        Failed::default(),
    )
    .await
    {
        Ok(r) => r,
        Err(e) => error_page(&st, u.as_ref(), e).await,
    }
}

/// Anonymous forms have no session to bind a token to: refuse cross-site posts by Origin.
fn same_origin(headers: &HeaderMap) -> Result<(), AppError> {
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    match headers.get("origin").and_then(|h| h.to_str().ok()) {
        Some(o) if !o.ends_with(&format!("//{host}")) => {
            Err(AppError::Forbidden("跨站提交被拒绝".into()))
        }
        _ => Ok(()),
    }
}

pub async fn notice_object(
    State(st): State<AppState>,
    MaybeUser(u): MaybeUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    let r = async {
        same_origin(&headers)?;
        submit_objection(&st, id, &f).await
    }
    .await;
    match r {
        Ok(_) => Redirect::to(&format!("/public/notices/{id}?done=1")).into_response(),
        Err(e @ AppError::Unprocessable { .. }) => {
            let status = e.status();
            match notice_page(&st, u.as_ref(), id, false, Failed::from("object", &e)).await {
                Ok(mut r) => {
                    *r.status_mut() = status;
                    r
                }
                Err(e) => error_page(&st, u.as_ref(), e).await,
            }
        }
        Err(e) => error_page(&st, u.as_ref(), e).await,
    }
}

#[derive(Template)]
#[template(path = "market.html")]
struct MarketPage {
    layout: Layout,
    items: Vec<Listing>,
    notices: Vec<Competition>,
    q: String,
}

impl MarketPage {
    fn class_label(&self, c: &u8) -> &'static str {
        class_label(*c)
    }
    fn pricing(&self, n: &i64) -> &'static str {
        pricing_rule(*n)
    }
    fn rating_text(&self, l: &Listing) -> String {
        l.rating
            .map(|r| format!("{r:.1} 星（{} 条）", l.ratings))
            .unwrap_or_else(|| "暂无评价".into())
    }
}

pub async fn market_list(
    State(st): State<AppState>,
    MaybeUser(u): MaybeUser,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let r = async {
        let q = q.get("q").cloned().unwrap_or_default();
        let notices = st
            .db
            .competitions()
            .await?
            .into_iter()
            .filter(|c| c.state == CompState::Notice)
            .collect();
        Ok::<_, AppError>(render_status(
            StatusCode::OK,
            &MarketPage {
                layout: layout_for(&st, u.as_ref(), "market").await,
                items: st.db.listings(&q).await?,
                notices,
                q,
            },
        ))
    }
    .await;
    match r {
        Ok(r) => r,
        Err(e) => error_page(&st, u.as_ref(), e).await,
    }
}

#[derive(Template)]
#[template(path = "market_listing.html")]
struct ListingPage {
    layout: Layout,
    l: Listing,
    reuses: Vec<Reuse>,
    ratings: Vec<RatingRow>,
    used_by: Vec<String>,
    owner: bool,
    can_request: bool,
    can_rate: bool,
    can_nominate: bool,
    history: Vec<DemandHistoryEntry>,
    failed: Failed,
}

impl ListingPage {
    fn class_label(&self) -> &'static str {
        class_label(self.l.class)
    }
    fn ownership(&self) -> &'static str {
        ownership_label(self.l.class)
    }
    fn pricing(&self) -> &'static str {
        pricing_rule(self.l.suppliers)
    }
    fn rating_text(&self) -> String {
        self.l
            .rating
            .map(|r| format!("{r:.1} 星（{} 条）", self.l.ratings))
            .unwrap_or_else(|| "暂无评价".into())
    }
}

async fn listing_page(
    st: &AppState,
    u: Option<&CurrentUser>,
    id: i64,
    failed: Failed,
) -> Result<Response, AppError> {
    let l = st.db.listing(id).await?;
    let reuses = st.db.reuses(id).await?;
    let a = u.map(|u| &u.actor);
    let owner = a.is_some_and(|a| a.unit_id == l.owner_unit_id);
    let mine: Vec<&Reuse> = a
        .map(|a| reuses.iter().filter(|r| r.unit_id == a.unit_id).collect())
        .unwrap_or_default();
    let status = if failed.error.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render_status(
        status,
        &ListingPage {
            layout: layout_for(st, u, "market").await,
            can_request: a.is_some_and(|a| request_reuse(a, &l, &mine, "x").is_ok()),
            can_rate: a.is_some_and(|a| rate(a, &mine, 5, "").is_ok()),
            can_nominate: a.is_some_and(|a| a.has(Role::Authority) || a.has(Role::LeadUnit)),
            used_by: reuses
                .iter()
                .filter(|r| r.state == ReuseState::Approved)
                .map(|r| r.unit_name.clone())
                .collect(),
            reuses: if owner { reuses } else { vec![] },
            ratings: st.db.ratings(id).await?,
            history: if u.is_some() {
                st.db.market_history("listing", id).await?
            } else {
                vec![]
            },
            owner,
            l,
            failed,
        },
    ))
}

pub async fn listing_show(
    State(st): State<AppState>,
    MaybeUser(u): MaybeUser,
    Path(id): Path<i64>,
) -> Response {
    match listing_page(&st, u.as_ref(), id, Failed::default()).await {
        Ok(r) => r,
        Err(e) => error_page(&st, u.as_ref(), e).await,
    }
}

pub async fn listing_post(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((id, action)): Path<(i64, String)>,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    let r = async {
        user.check_csrf(f.get("_csrf"))?;
        market_act(&st, &user.actor, id, &action, &f).await
    }
    .await;
    match r {
        Ok(()) => Redirect::to(&format!("/market/{id}")).into_response(),
        Err(
            e @ (AppError::Unprocessable { .. } | AppError::Forbidden(_) | AppError::Conflict(_)),
        ) => {
            let status = e.status();
            match listing_page(&st, Some(&user), id, Failed::from(&action, &e)).await {
                Ok(mut r) => {
                    *r.status_mut() = status;
                    r
                }
                Err(e) => error_page(&st, Some(&user), e).await,
            }
        }
        Err(e) => error_page(&st, Some(&user), e).await,
    }
}

pub async fn publiccode_json(
    State(st): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Value>, AppError> {
    Ok(Json(publiccode(&st, id).await?))
}

#[derive(Template)]
#[template(path = "catalogues.html")]
struct CataloguesPage {
    layout: Layout,
    cat: Value,
}

impl CataloguesPage {
    fn rows(&self, k: &str) -> Vec<Value> {
        self.cat[k].as_array().cloned().unwrap_or_default()
    }
    fn s(&self, v: &Value, k: &str) -> String {
        match &v[k] {
            Value::String(s) => s.clone(),
            Value::Null => "—".into(),
            o => o.to_string(),
        }
    }
}

pub async fn catalogues_page(State(st): State<AppState>, MaybeUser(u): MaybeUser) -> Response {
    let r = async {
        Ok::<_, AppError>(render_status(
            StatusCode::OK,
            &CataloguesPage {
                layout: layout_for(&st, u.as_ref(), "catalogues").await,
                cat: catalogues(&st, u.as_ref().map(|u| &u.actor)).await?,
            },
        ))
    }
    .await;
    match r {
        Ok(r) => r,
        Err(e) => error_page(&st, u.as_ref(), e).await,
    }
}

// =============================================================================================
// API
// =============================================================================================

fn json_fields(body: &Bytes) -> Result<Fields, AppError> {
    if body.is_empty() {
        return Ok(Fields::default());
    }
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| AppError::BadRequest(format!("请求体不是有效的 JSON：{e}")))?;
    Fields::from_json(&v)
}

fn api_write(user: &CurrentUser) -> Result<(), AppError> {
    if user.csrf.is_some() {
        return Err(AppError::Forbidden(
            "接口写操作请使用 Authorization: Bearer 令牌".into(),
        ));
    }
    Ok(())
}

pub async fn api_competitions(
    State(st): State<AppState>,
    _user: CurrentUser,
) -> Result<Json<Value>, AppError> {
    let mut items = vec![];
    for c in st.db.competitions().await? {
        let bids = st.db.bids(c.id).await?;
        items.push(public_competition_json(&c, &bids));
    }
    Ok(Json(json!({ "total": items.len(), "items": items })))
}

pub async fn api_open(
    State(st): State<AppState>,
    user: CurrentUser,
    body: Bytes,
) -> Result<Response, AppError> {
    api_write(&user)?;
    let id = open(&st, &user.actor, &json_fields(&body)?).await?;
    Ok((
        StatusCode::CREATED,
        Json(competition_detail(&st, &user.actor, id).await?),
    )
        .into_response())
}

pub async fn api_competition(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Value>, AppError> {
    Ok(Json(competition_detail(&st, &user.actor, id).await?))
}

/// `GET /api/v1/competitions/{id}/obligations`: the competition's rows of the obligations table
/// (delivery, 3-month acceptance, milestones with their responsible unit and person).
pub async fn api_competition_obligations(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Value>, AppError> {
    st.db.competition(id).await?;
    let inside = sees_obligation_details(&user.actor, &st.db.bids(id).await?);
    let items: Vec<Value> = st
        .db
        .competition_obligations(id)
        .await?
        .iter()
        .map(|o| obligation_json(&redacted(o, inside)))
        .collect();
    Ok(Json(json!({ "items": items })))
}

pub async fn api_competition_act(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((id, action)): Path<(i64, String)>,
    body: Bytes,
) -> Result<Json<Value>, AppError> {
    api_write(&user)?;
    act(&st, &user.actor, id, &action, &json_fields(&body)?).await?;
    Ok(Json(competition_detail(&st, &user.actor, id).await?))
}

/// Read a multipart milestone report: its fields and the evidence file (if any).
async fn read_report(mp: axum::extract::Multipart) -> Result<(Fields, Option<Upload>), AppError> {
    let (_, filename, bytes, fields) = crate::api::read_upload(mp).await?;
    let file = (!bytes.is_empty()).then_some(Upload { filename, bytes });
    Ok((fields, file))
}

/// `POST /api/v1/competitions/{id}/milestones` (multipart: milestone, note, file): the
/// responsible unit reports a milestone done with its evidence document (三（六）责任制).
pub async fn api_report_milestone(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    mp: axum::extract::Multipart,
) -> Result<Json<Value>, AppError> {
    api_write(&user)?;
    let (f, file) = read_report(mp).await?;
    let c = st.db.competition(id).await?;
    report_milestone_with(&st, &user.actor, &c, &f, file).await?;
    Ok(Json(competition_detail(&st, &user.actor, id).await?))
}

/// `GET /api/v1/competitions/{id}/obligations/{oid}/evidence`: the milestone's evidence document.
pub async fn api_evidence(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((id, oid)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let (doc, bytes) = evidence_file(&st, &user.actor, id, oid).await?;
    Ok(evidence_response(&doc, bytes))
}

/// The page's multipart milestone report (with CSRF).
pub async fn milestone_post(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    mp: axum::extract::Multipart,
) -> Response {
    let r = async {
        let (f, file) = read_report(mp).await?;
        user.check_csrf(f.get("_csrf"))?;
        let c = st.db.competition(id).await?;
        report_milestone_with(&st, &user.actor, &c, &f, file).await
    }
    .await;
    match r {
        Ok(()) => Redirect::to(&format!("/competitions/{id}#milestones")).into_response(),
        Err(
            e @ (AppError::Unprocessable { .. }
            | AppError::Forbidden(_)
            | AppError::Conflict(_)
            | AppError::TooLarge(_)),
        ) => {
            let status = e.status();
            match competition_page(&st, &user, id, Failed::from("report_milestone", &e)).await {
                Ok(mut r) => {
                    *r.status_mut() = status;
                    r
                }
                Err(e) => error_page(&st, Some(&user), e).await,
            }
        }
        Err(e) => error_page(&st, Some(&user), e).await,
    }
}

/// `POST /api/v1/competitions/{id}/fund_uses` (multipart: amount, used_on, purpose, optional
/// file): a fund use with its evidence document (S10, ZJ-share 四).
pub async fn api_fund_use(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    mp: axum::extract::Multipart,
) -> Result<Json<Value>, AppError> {
    api_write(&user)?;
    let (f, file) = read_report(mp).await?;
    let c = st.db.competition(id).await?;
    let bids = st.db.bids(id).await?;
    record_fund_use_with(&st, &user.actor, &c, &bids, &f, file).await?;
    Ok(Json(competition_detail(&st, &user.actor, id).await?))
}

/// The page's multipart fund use (with CSRF).
pub async fn fund_use_post(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    mp: axum::extract::Multipart,
) -> Response {
    let r = async {
        let (f, file) = read_report(mp).await?;
        user.check_csrf(f.get("_csrf"))?;
        let c = st.db.competition(id).await?;
        let bids = st.db.bids(id).await?;
        record_fund_use_with(&st, &user.actor, &c, &bids, &f, file).await
    }
    .await;
    match r {
        Ok(_) => Redirect::to(&format!("/competitions/{id}#fund-use")).into_response(),
        Err(
            e @ (AppError::Unprocessable { .. }
            | AppError::Forbidden(_)
            | AppError::Conflict(_)
            | AppError::TooLarge(_)),
        ) => {
            let status = e.status();
            match competition_page(&st, &user, id, Failed::from("fund_use", &e)).await {
                Ok(mut r) => {
                    *r.status_mut() = status;
                    r
                }
                Err(e) => error_page(&st, Some(&user), e).await,
            }
        }
        Err(e) => error_page(&st, Some(&user), e).await,
    }
}

/// The page's download of a milestone's evidence document.
pub async fn evidence_download(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((id, oid)): Path<(i64, i64)>,
) -> Response {
    match evidence_file(&st, &user.actor, id, oid).await {
        Ok((doc, bytes)) => evidence_response(&doc, bytes),
        Err(e) => error_page(&st, Some(&user), e).await,
    }
}

// ---------- 单位名录的主体类型 (the unit directory's legal forms) ----------

/// An administrator records a unit's legal form (主体类型: 政府部门、事业单位 with its class、社会组织、
/// 市场主体), which the 承接主体 rules of purchase-of-service bids use (ZJ-share 三（三）;
/// 《政府购买服务管理办法》第五、六、八条): fields `entity_kind`, `institution_class`,
/// `fiscal_mass_org`.
pub async fn set_unit_entity(
    st: &AppState,
    actor: &Actor,
    unit: i64,
    f: &Fields,
) -> Result<(), AppError> {
    let u = st.db.unit(tongchou_domain::UnitId(unit)).await?;
    can_edit_unit(actor, &u.jurisdiction_path)?;
    let class = match f.text("institution_class").trim() {
        "" => None,
        c => Some(
            InstitutionClass::parse(c)
                .ok_or_else(|| AppError::field("institution_class", "未知的事业单位类别"))?,
        ),
    };
    let kind = match f.text("entity_kind").trim() {
        "" => None,
        k => Some(
            CandidateKind::parse(k)
                .ok_or_else(|| AppError::field("entity_kind", "未知的主体类型"))?,
        ),
    };
    let mass = matches!(
        f.text("fiscal_mass_org").trim(),
        "yes" | "true" | "on" | "1"
    );
    let e = check_unit_entity(kind, class, mass)?;
    st.db.set_unit_entity(actor, &u, &e).await?;
    Ok(())
}

fn unit_json(u: &tongchou_store::user::UnitRow) -> Value {
    json!({
        "id": u.id.0, "name": u.name, "kind": u.kind, "jurisdiction": u.jurisdiction_name,
        "entity_kind": u.entity.kind.code(), "institution_class": u.entity.institution_class.map(|c| c.code()),
        "fiscal_mass_org": u.entity.fiscal_mass_org, "entity_label": u.entity.label(),
        "entity_recorded": u.entity_recorded,
        "provider_eligible": u.entity.provider_refusal().is_none(),
    })
}

/// `GET /api/v1/units`: the unit directory with each unit's legal form (any signed-in user).
pub async fn api_units(
    State(st): State<AppState>,
    _user: CurrentUser,
) -> Result<Json<Value>, AppError> {
    let items: Vec<Value> = st.db.units().await?.iter().map(unit_json).collect();
    Ok(Json(json!({ "items": items })))
}

/// `POST /api/v1/units/{id}/entity`: an administrator records the unit's legal form.
pub async fn api_set_unit_entity(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Json<Value>, AppError> {
    api_write(&user)?;
    set_unit_entity(&st, &user.actor, id, &json_fields(&body)?).await?;
    Ok(Json(unit_json(
        &st.db.unit(tongchou_domain::UnitId(id)).await?,
    )))
}

#[derive(Template)]
#[template(path = "units.html")]
struct UnitsPage {
    layout: Layout,
    units: Vec<tongchou_store::user::UnitRow>,
    kinds: Vec<(&'static str, &'static str)>,
    classes: Vec<(&'static str, &'static str)>,
    failed: Failed,
    cite: String,
}

impl UnitsPage {
    fn kind_is(&self, u: &tongchou_store::user::UnitRow, code: &str) -> bool {
        u.entity.kind.code() == code
    }
    fn class_is(&self, u: &tongchou_store::user::UnitRow, code: &str) -> bool {
        u.entity.institution_class.is_some_and(|c| c.code() == code)
    }
}

async fn units_page(
    st: &AppState,
    user: &CurrentUser,
    failed: Failed,
) -> Result<Response, AppError> {
    if !user.actor.has(Role::Admin) {
        return Err(AppError::Forbidden(
            "只有系统管理员可以维护单位名录的主体类型".into(),
        ));
    }
    let units = st
        .db
        .units()
        .await?
        .into_iter()
        .filter(|u| {
            u.jurisdiction_path
                .starts_with(&user.actor.jurisdiction_path)
        })
        .collect();
    let status = if failed.error.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render_status(
        status,
        &UnitsPage {
            layout: layout_for(st, Some(user), "settings").await,
            units,
            kinds: CandidateKind::ALL
                .into_iter()
                .map(|k| (k.code(), k.label()))
                .collect(),
            classes: InstitutionClass::ALL
                .into_iter()
                .map(|k| (k.code(), k.label()))
                .collect(),
            failed,
            cite: cite_provider().to_string(),
        },
    ))
}

pub async fn units_show(State(st): State<AppState>, MaybeUser(u): MaybeUser) -> Response {
    let Some(user) = u else {
        return Redirect::to("/login").into_response();
    };
    page_or_error(&st, &user, units_page(&st, &user, Failed::default()).await).await
}

pub async fn units_post(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    let r = async {
        user.check_csrf(f.get("_csrf"))?;
        set_unit_entity(&st, &user.actor, id, &f).await
    }
    .await;
    match r {
        Ok(()) => Redirect::to(&format!("/settings/units#unit-{id}")).into_response(),
        Err(e @ AppError::Unprocessable { .. }) => {
            page_or_error(
                &st,
                &user,
                units_page(&st, &user, Failed::from("unit", &e)).await,
            )
            .await
        }
        Err(e) => error_page(&st, Some(&user), e).await,
    }
}

pub async fn api_public_notice(
    State(st): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Value>, AppError> {
    let c = st.db.competition(id).await?;
    if c.state == CompState::Open {
        return Err(AppError::NotFound);
    }
    let bids = st.db.bids(id).await?;
    let objs = st.db.objections(id).await?;
    let mut v = public_competition_json(&c, &bids);
    v["objections_received"] = json!(objs.len());
    v["objections_handled"] = json!(objs.iter().filter(|o| o.handled).count());
    Ok(Json(v))
}

pub async fn api_public_object(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    same_origin(&headers)?;
    let oid = submit_objection(&st, id, &json_fields(&body)?).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": oid, "message": "异议已收到，牵头责任主体将处理并记录" })),
    )
        .into_response())
}

pub async fn api_public_market(
    State(st): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, AppError> {
    let items = st
        .db
        .listings(q.get("q").map(String::as_str).unwrap_or(""))
        .await?;
    let mut out = vec![];
    for l in &items {
        out.push(listing_json(l, &st.db.reuses(l.id).await?, &[]));
    }
    Ok(Json(json!({ "total": out.len(), "items": out })))
}

pub async fn api_public_listing(
    State(st): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Value>, AppError> {
    let l = st.db.listing(id).await?;
    Ok(Json(listing_json(
        &l,
        &st.db.reuses(id).await?,
        &st.db.ratings(id).await?,
    )))
}

pub async fn api_market_act(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((id, action)): Path<(i64, String)>,
    body: Bytes,
) -> Result<Json<Value>, AppError> {
    api_write(&user)?;
    market_act(&st, &user.actor, id, &action, &json_fields(&body)?).await?;
    let l = st.db.listing(id).await?;
    let reuses = st.db.reuses(id).await?;
    let mut v = listing_json(&l, &reuses, &st.db.ratings(id).await?);
    if user.actor.unit_id == l.owner_unit_id {
        v["requests"] = json!(reuses);
    } else {
        v["requests"] = json!(reuses
            .iter()
            .filter(|r| r.unit_id == user.actor.unit_id)
            .collect::<Vec<_>>());
    }
    Ok(Json(v))
}

pub async fn api_catalogues(
    State(st): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, AppError> {
    Ok(Json(catalogues(&st, Some(&user.actor)).await?))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/competitions",
            get(competitions_list).post(competitions_create),
        )
        .route("/competitions/{id}", get(competition_show))
        .route("/competitions/{id}/act/{action}", post(competition_post))
        .route("/competitions/{id}/milestones", post(milestone_post))
        .route("/competitions/{id}/fund_uses", post(fund_use_post))
        .route("/settings/units", get(units_show))
        .route("/settings/units/{id}", post(units_post))
        .route("/api/v1/units", get(api_units))
        .route("/api/v1/units/{id}/entity", post(api_set_unit_entity))
        .route(
            "/competitions/{id}/obligations/{oid}/evidence",
            get(evidence_download),
        )
        .route(
            "/api/v1/competitions/{id}/milestones",
            post(api_report_milestone),
        )
        .route("/api/v1/competitions/{id}/fund_uses", post(api_fund_use))
        .route(
            "/api/v1/competitions/{id}/obligations/{oid}/evidence",
            get(api_evidence),
        )
        .route("/public/notices/{id}", get(notice_show).post(notice_object))
        .route("/market", get(market_list))
        .route("/market/{id}", get(listing_show))
        .route("/market/{id}/act/{action}", post(listing_post))
        .route("/market/{id}/publiccode.json", get(publiccode_json))
        .route("/catalogues", get(catalogues_page))
        .route("/api/v1/competitions", get(api_competitions).post(api_open))
        .route("/api/v1/competitions/{id}", get(api_competition))
        .route(
            "/api/v1/competitions/{id}/obligations",
            get(api_competition_obligations),
        )
        .route(
            "/api/v1/competitions/{id}/actions/{action}",
            post(api_competition_act),
        )
        .route("/api/v1/public/notices/{id}", get(api_public_notice))
        .route(
            "/api/v1/public/notices/{id}/objections",
            post(api_public_object),
        )
        .route("/api/v1/public/market", get(api_public_market))
        .route("/api/v1/public/market/{id}", get(api_public_listing))
        .route(
            "/api/v1/public/market/{id}/publiccode.json",
            get(publiccode_json),
        )
        .route("/api/v1/market/{id}/actions/{action}", post(api_market_act))
        .route("/api/v1/catalogues", get(api_catalogues))
}

/// The OpenAPI paths of this module.
pub fn openapi_paths(doc: &mut Value) {
    use crate::openapi::err;
    let id =
        json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } });
    let action = |e: &[&str]| json!({ "name": "action", "in": "path", "required": true, "schema": { "enum": e } });
    let body = |desc: &str| json!({ "required": true, "content": { "application/json": { "schema": { "type": "object", "description": desc } } } });
    let paths = json!({
        "/api/v1/competitions": {
            "get": { "summary": "共享应用揭榜（公开部分）", "responses": { "200": { "description": "{items, total}" } } },
            "post": { "summary": "牵头责任主体基于已发布的项目库条目发起揭榜：item、title、scenario（unveil/pilot/general）、class（1–3）与申请书字段（definition、content、necessity、feasibility、construction_mode、tech_spec、financing、qualifications、requirements、delivery_date、acceptance_criteria；第一类另需 budget_estimate、fund_source；第二类另需 user_scale、service_fee）",
                "requestBody": body("见 summary"), "responses": { "201": { "description": "揭榜" }, "403": err("非牵头责任主体"), "422": err("输入或规则不符") } }
        },
        "/api/v1/competitions/{id}": { "get": { "summary": "揭榜详情（揭榜仅本单位可见，部门可见全部；含3个月取消提议；obligations 交付与验收义务，milestone_obligations 协议里程碑；implementation 按类别的组织实施步骤 steps 及依据 cite（三（六）））", "parameters": [id], "responses": { "200": { "description": "揭榜" }, "404": err("不存在") } } },
        "/api/v1/competitions/{id}/obligations": { "get": { "summary": "揭榜的义务（义务表中的行：约定交付、约定交付日期后3个月内通过验收、协议里程碑及其责任单位与责任人、佐证；met、overdue；责任人与佐证仅对部门与入选项目主体可见）", "parameters": [id], "responses": { "200": { "description": "{items}" }, "404": err("不存在") } } },
        "/api/v1/competitions/{id}/actions/{action}": { "post": {
            "summary": "bid 揭榜（kind、member_units 联合体成员单位编号（单位名录）、members 未在名录的市场主体名称（每行一个，与名录同名的自动对应）、drc_opinion、finance_opinion、materials；行政事业单位须附发改和财政意见；第二、三类为政府购买服务，须符合承接主体规定：credit_code 统一社会信用代码、institution_class（事业单位：public_welfare_2 或 business；public_welfare_1 不可）、fiscal_mass_org、conditions 声明的条件 civil_liability、credit_accounting、capability、tax_social_security、no_major_violation）；report_milestone 须上传佐证材料文件，请用 POST /api/v1/competitions/{id}/milestones；assign_experts 牵头责任主体指定评审专家组（experts 用户编号，不少于 3 人且为单数，回避揭榜单位及联合体成员单位）；review_override 审批人同意或异议拟入选名单的例外（override、agree、opinion；异议须写理由）；score 仅限指定专家评分（bid 与 8 项 0–10 分、opinion）；shortlist 拟入选名单并公示（bids、notice_from、override_reason）；handle_objection（objection、reply）；announce 专班发布公告；agree 签订协议（milestones 每行 名称|lead_unit 或 subject 或入选主体单位编号|日期|责任人、delivery_date、step_due_1…n 各实施步骤完成日期（默认约定交付日期，三（六）组织实施）、agreed_amount 协议约定金额（元）；生成交付、验收、里程碑与实施步骤义务）；fund_use 登记资金使用（amount 元、used_on、purpose；带佐证文件请用 POST /api/v1/competitions/{id}/fund_uses）；question_fund_use 牵头责任主体或主管部门质疑（fund_use、reason）；apply_acceptance 入选项目主体各自提交验收申请；accept/reject（subject 项目主体单位编号（多家入选时必填）、opinion、version_label、licence、contact；每家验收通过即上架其应用）；confirm_cancel（subject、reason：取消该项目主体的资格，其他项目主体继续，三（七））；waive_cancel 牵头责任主体不予取消（subject、reason，须有取消提议）",
            "parameters": [id, action(&["bid", "assign_experts", "score", "review_override", "shortlist", "handle_objection", "announce", "agree", "apply_acceptance", "accept", "reject", "confirm_cancel", "waive_cancel", "report_milestone", "fund_use", "question_fund_use"])],
            "requestBody": body("见 summary；version 乐观锁可选"),
            "responses": { "200": { "description": "揭榜" }, "403": err("无权"), "404": err("不存在"), "409": err("阶段不允许或并发冲突"), "422": err("输入或规则不符（override_required：默认规则须填理由）") } } },
        "/api/v1/competitions/{id}/milestones": { "post": { "summary": "里程碑责任单位报告完成（multipart：milestone 序号、file 佐证材料文件（PDF、Office、图片或 zip，大小上限同附件）、note 说明可选；三（六）责任制）", "parameters": [id],
            "requestBody": { "required": true, "content": { "multipart/form-data": { "schema": { "type": "object", "properties": { "milestone": { "type": "string" }, "note": { "type": "string" }, "file": { "type": "string", "format": "binary" } } } } } },
            "responses": { "200": { "description": "揭榜" }, "403": err("非责任单位"), "413": err("文件过大"), "422": err("未附佐证材料或文件类型不符") } } },
        "/api/v1/competitions/{id}/fund_uses": { "post": { "summary": "入选项目主体或牵头责任主体登记资金使用（multipart：amount 元、used_on、purpose、file 佐证材料可选）；累计不得超过协议约定金额（四 相关要求，资金使用监督评估）。质疑：actions/question_fund_use（fund_use、reason）", "parameters": [id],
            "requestBody": { "required": true, "content": { "multipart/form-data": { "schema": { "type": "object", "properties": { "amount": { "type": "string" }, "used_on": { "type": "string", "format": "date" }, "purpose": { "type": "string" }, "file": { "type": "string", "format": "binary" } } } } } },
            "responses": { "200": { "description": "揭榜（含 fund_use 汇总）" }, "403": err("非项目主体或牵头责任主体"), "413": err("文件过大"), "422": err("超过协议约定金额或输入有误") } } },
        "/api/v1/competitions/{id}/obligations/{oid}/evidence": { "get": { "summary": "里程碑佐证材料文件（部门与入选项目主体可下载）", "parameters": [id, { "name": "oid", "in": "path", "required": true, "schema": { "type": "integer" } }],
            "responses": { "200": { "description": "文件" }, "403": err("无权"), "404": err("不存在") } } },
        "/api/v1/units": { "get": { "summary": "单位名录及主体类型（entity_kind 政府部门/事业单位/社会组织/市场主体、institution_class 事业单位类别、fiscal_mass_org、provider_eligible 可否作为政府购买服务承接主体）", "responses": { "200": { "description": "{items}" } } } },
        "/api/v1/units/{id}/entity": { "post": { "summary": "系统管理员登记单位的主体类型（entity_kind government/institution/social/market；institution_class 事业单位必填 public_welfare_1/public_welfare_2/business；fiscal_mass_org 社会组织为财政保障的群团组织）；揭榜第二、三类时据此适用承接主体规定（三（三））", "parameters": [id], "requestBody": body("entity_kind、institution_class、fiscal_mass_org"),
            "responses": { "200": { "description": "单位" }, "403": err("非本辖区系统管理员"), "404": err("不存在"), "422": err("输入有误") } } },
        "/api/v1/public/notices/{id}": { "get": { "summary": "公示（无需登录；不含评分、材料与异议人信息）", "security": [], "parameters": [id], "responses": { "200": { "description": "公示" }, "404": err("未公示") } } },
        "/api/v1/public/notices/{id}/objections": { "post": { "summary": "公示期内提出异议（无需登录；name、contact、text，限长）", "security": [], "parameters": [id], "requestBody": body("name、contact、text"),
            "responses": { "201": { "description": "已收到" }, "403": err("跨站或已达上限"), "422": err("不在公示期或输入有误") } } },
        "/api/v1/public/market": { "get": { "summary": "应用市场（无需登录；q 检索）", "security": [], "parameters": [{ "name": "q", "in": "query", "schema": { "type": "string" } }], "responses": { "200": { "description": "{items, total}" } } } },
        "/api/v1/public/market/{id}": { "get": { "summary": "上架应用（所有方、类别、权属、定价规则、使用地区、评分与评价）", "security": [], "parameters": [id], "responses": { "200": { "description": "应用" }, "404": err("不存在") } } },
        "/api/v1/public/market/{id}/publiccode.json": { "get": { "summary": "机器可读元数据（参照 publiccode.yml）", "security": [], "parameters": [id], "responses": { "200": { "description": "元数据" }, "404": err("不存在") } } },
        "/api/v1/market/{id}/actions/{action}": { "post": { "summary": "request_reuse 申请复用（purpose）；approve_reuse/refuse_reuse 所有方审批（reuse）；rate 已复用单位评价（stars 1–5、review）；nominate 优秀应用与争先制推荐（rank、note）",
            "parameters": [id, action(&["request_reuse", "approve_reuse", "refuse_reuse", "rate", "nominate"])], "requestBody": body("见 summary"),
            "responses": { "200": { "description": "应用" }, "403": err("无权"), "409": err("并发冲突"), "422": err("输入有误") } } },
        "/api/v1/catalogues": { "get": { "summary": "编目：应用、已验收项目、数据资源、云资源、组件（数据与云资源按可见项目）", "responses": { "200": { "description": "编目" } } } }
    });
    if let (Some(p), Some(add)) = (doc["paths"].as_object_mut(), paths.as_object()) {
        for (k, v) in add {
            p.insert(k.clone(), v.clone());
        }
    }
}
