//! 集中申报期 Declaration rounds (SPEC A1): the competent authority opens a round for the year
//! declared for, with an opening and a closing date (Shangcheng 项目申报: 每年9月底组织集中申报
//! 下一年度项目). A declaration inside an open round goes ahead; outside any round it is a
//! supplementary declaration (增补), a default rule (原则上) answered with a reason and the
//! approver the profile names (`declaration_outside_round`). Pure rules, without I/O.
use crate::lifecycle::{invalid, Refusal};
use crate::{Actor, Date, Role};
use serde::{Deserialize, Serialize};

/// The rule code of a declaration outside any open round (see `profile::DEFAULT_RULE_CODES`).
pub const OUTSIDE_ROUND: &str = "declaration_outside_round";

/// One round as stored: every opening is kept (who, when), never rewritten.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclarationRound {
    pub id: i64,
    pub jurisdiction_id: i64,
    pub jurisdiction_name: String,
    pub jurisdiction_path: String,
    /// The year declared for (下一年度).
    pub plan_year: i32,
    pub opens_on: Date,
    pub closes_on: Date,
    pub note: String,
    pub opened_by_name: String,
    pub opened_at: String,
}

impl DeclarationRound {
    /// Open on `today` (both ends included).
    pub fn is_open(&self, today: Date) -> bool {
        self.opens_on <= today && today <= self.closes_on
    }
    /// "2027年度集中申报（2026-09-20 至 2026-09-30）".
    pub fn label(&self) -> String {
        format!(
            "{}年度集中申报（{} 至 {}）",
            self.plan_year, self.opens_on, self.closes_on
        )
    }
}

/// The rounds a project's declaration reads: those of its jurisdiction and the levels above.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundFacts {
    /// Every round recorded for the project's jurisdiction or above, newest first. Empty: no
    /// round recorded; checked only where the profile declares in rounds.
    pub rounds: Vec<DeclarationRound>,
}

impl RoundFacts {
    /// The round open on `today`, if any (the newest opened wins).
    pub fn open_on(&self, today: Date) -> Option<&DeclarationRound> {
        self.rounds.iter().find(|r| r.is_open(today))
    }
    /// Whether a declaration on `today` is a supplementary declaration (增补): none is open and
    /// either the profile says the jurisdiction declares in rounds (`in_rounds`, even when no
    /// round was ever recorded) or rounds are kept for it.
    pub fn outside_round(&self, today: Date, in_rounds: bool) -> bool {
        (in_rounds || !self.rounds.is_empty()) && self.open_on(today).is_none()
    }
}

/// Who opens a round for a jurisdiction: the competent authority covering it (区数据资源局).
pub fn can_open_round(actor: &Actor, jurisdiction_path: &str) -> bool {
    actor.has(Role::Authority) && actor.covers(jurisdiction_path)
}

/// Whether the actor sees the rounds of a jurisdiction (anyone in or under it, or covering it).
pub fn can_see_rounds(actor: &Actor, jurisdiction_path: &str) -> bool {
    actor.covers(jurisdiction_path) || actor.jurisdiction_path.starts_with(jurisdiction_path)
}

/// Validate a round to open: the plan year is the opening year or the next, the closing date
/// not before the opening date, at most a year long. Errors name the field.
pub fn validate(plan_year: i32, opens_on: Date, closes_on: Date) -> Result<(), Refusal> {
    if closes_on < opens_on {
        return Err(invalid("closes_on", "截止日期不能早于开始日期"));
    }
    if opens_on.saturating_add(jiff::Span::new().years(1)) < closes_on {
        return Err(invalid("closes_on", "集中申报期不超过一年"));
    }
    let y = opens_on.year() as i32;
    if plan_year != y && plan_year != y + 1 {
        return Err(invalid(
            "plan_year",
            format!("申报年度应为开始日期所在年度或下一年度（{y} 或 {}）", y + 1),
        ));
    }
    Ok(())
}
