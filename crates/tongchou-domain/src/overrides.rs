//! 原则性规定的例外 Default-rule overrides (SPEC §0). A default rule (原则上/一般) lets an action go
//! ahead only with a recorded reason; the override is then pending the sign-off of the approver
//! the profile names for that rule ([`crate::profile::DefaultRule::approver`]). The approver signs
//! off or objects (with a reason); either way a history entry. Pure rules, like `funds`.
use crate::lifecycle::{invalid, need_text, Command, Decision, Event, Refusal};
use crate::profile::Profile;
use crate::project::ProjectContext;
use crate::{Actor, Role};
use serde::{Deserialize, Serialize};

/// Where an override stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OverrideState {
    /// 待审批 waiting for the approver.
    Pending,
    /// 已同意 the approver signed off.
    SignedOff,
    /// 有异议 the approver objected, with a reason.
    Objected,
}

impl OverrideState {
    pub const ALL: [OverrideState; 3] = [
        OverrideState::Pending,
        OverrideState::SignedOff,
        OverrideState::Objected,
    ];
    pub fn code(self) -> &'static str {
        match self {
            OverrideState::Pending => "pending",
            OverrideState::SignedOff => "signed_off",
            OverrideState::Objected => "objected",
        }
    }
    pub fn parse(s: &str) -> Option<OverrideState> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            OverrideState::Pending => "待审批",
            OverrideState::SignedOff => "已同意",
            OverrideState::Objected => "有异议",
        }
    }
    /// CSS tag class (existing styles).
    pub fn tag(self) -> &'static str {
        match self {
            OverrideState::Pending => "tag-warn",
            OverrideState::SignedOff => "tag-ok",
            OverrideState::Objected => "tag-bad",
        }
    }
}

/// One recorded override of a project, as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverrideRecord {
    pub id: i64,
    /// Rule code (see [`crate::profile::DEFAULT_RULE_CODES`]).
    pub rule: String,
    pub rule_text: String,
    pub reason: String,
    /// Who signs off: the approver the profile named when the override was recorded.
    pub approver: Role,
    pub state: OverrideState,
    pub requested_by_name: String,
    pub requested_at: String,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<String>,
    pub decision_reason: Option<String>,
}

/// Answer a default rule: without a reason → [`Refusal::NeedsOverride`] (the warning); with one →
/// the override event, pending the sign-off of the approver the profile names for `code`.
pub(crate) fn answer(
    profile: &Profile,
    code: &str,
    message: String,
    fallback: &crate::profile::Citation,
    reason: Option<&str>,
) -> Result<Event, Refusal> {
    let rule = profile.default_rule(code);
    let cite = rule
        .map(|r| r.cite.clone())
        .unwrap_or_else(|| fallback.clone());
    match reason.map(str::trim).filter(|r| !r.is_empty()) {
        Some(reason) => {
            if reason.chars().count() > 2000 {
                return Err(invalid("override_reason", "理由不超过 2000 字"));
            }
            Ok(Event::OverrideRecorded {
                rule: code.into(),
                reason: reason.into(),
                cite,
                approver: Some(rule.map(|r| r.approver).unwrap_or(Role::Authority)),
                text: rule
                    .map(|r| r.text.clone())
                    .unwrap_or_else(|| message.clone()),
            })
        }
        None => Err(Refusal::NeedsOverride {
            rule: code.into(),
            message: match rule {
                Some(r) => format!("{message}；例外须经{}审批", profile.role_name(r.approver)),
                None => message,
            },
            cite,
        }),
    }
}

/// Decide `review_override` (see [`crate::lifecycle::decide`], which checked visibility).
pub fn decide(
    ctx: &ProjectContext,
    actor: &Actor,
    cmd: Command,
    profile: &Profile,
) -> Result<Decision, Refusal> {
    let Command::ReviewOverride { id, agree, opinion } = cmd else {
        return Err(invalid("action", "不支持的操作"));
    };
    let o = ctx
        .overrides
        .iter()
        .find(|o| o.id == id)
        .ok_or_else(|| invalid("override", "没有该项例外"))?;
    if !actor.has(o.approver) {
        return Err(Refusal::Forbidden(format!(
            "该例外须由{}审批",
            profile.role_name(o.approver)
        )));
    }
    if o.state != OverrideState::Pending {
        return Err(crate::lifecycle::rule(
            format!("该例外已{}", o.state.label()),
            &crate::profile::Citation::new("统筹平台规则", "原则性规定的例外经审批人审批一次"),
        ));
    }
    let opinion = opinion.trim().to_string();
    if !agree {
        need_text("opinion", &opinion, "异议理由")?;
    } else if opinion.chars().count() > 5000 {
        return Err(invalid("opinion", "审批意见不超过 5000 字"));
    }
    let who = profile.role_name(o.approver);
    let summary = if agree {
        format!(
            "{who}同意原则性规定的例外：{}（理由：{}）",
            o.rule_text, o.reason
        )
    } else {
        format!(
            "{who}对原则性规定的例外提出异议：{}（理由：{}）",
            o.rule_text, o.reason
        )
    };
    let from = ctx.project.stage;
    Ok(Decision {
        action: "review_override".into(),
        from,
        to: from,
        events: vec![Event::OverrideReviewed {
            id,
            rule: o.rule.clone(),
            agree,
            opinion: opinion.clone(),
        }],
        summary,
        opinion,
    })
}

/// Pending overrides the actor is the approver of.
pub fn pending_for<'a>(ctx: &'a ProjectContext, actor: &Actor) -> Vec<&'a OverrideRecord> {
    ctx.overrides
        .iter()
        .filter(|o| o.state == OverrideState::Pending && actor.has(o.approver))
        .collect()
}

/// `review_override` is open to the approver of a pending override.
pub fn available(ctx: &ProjectContext, actor: &Actor, out: &mut Vec<&'static str>) {
    if !pending_for(ctx, actor).is_empty() {
        out.push("review_override");
    }
}

/// How an event of this module changes the loaded records (the store writes the same rows).
pub fn apply(ctx: &mut ProjectContext, e: &Event, actor_name: &str) {
    if let Event::OverrideRecorded {
        rule,
        reason,
        approver,
        text,
        ..
    } = e
    {
        let id = ctx.overrides.iter().map(|o| o.id).max().unwrap_or(0) + 1;
        ctx.overrides.push(OverrideRecord {
            id,
            rule: rule.clone(),
            rule_text: text.clone(),
            reason: reason.clone(),
            approver: approver.unwrap_or(Role::Authority),
            state: OverrideState::Pending,
            requested_by_name: actor_name.into(),
            requested_at: String::new(),
            decided_by_name: None,
            decided_at: None,
            decision_reason: None,
        });
    }
    if let Event::OverrideReviewed {
        id, agree, opinion, ..
    } = e
    {
        if let Some(o) = ctx.overrides.iter_mut().find(|o| o.id == *id) {
            o.state = if *agree {
                OverrideState::SignedOff
            } else {
                OverrideState::Objected
            };
            o.decided_by_name = Some(actor_name.into());
            o.decision_reason = Some(opinion.clone());
        }
    }
}
