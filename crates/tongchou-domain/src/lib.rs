//! Tongchou's rules, apart from all I/O: ids, money, stages and the transitions between them,
//! who may see and do what, and the policy profile the rules are read from.
//!
//! Every transition is [`lifecycle::decide`]: given the project as it stands (with the records the
//! rule needs), the actor, the command, the profile and today's date, it returns the events to
//! record or a [`lifecycle::Refusal`] with the reason in Chinese and the article it comes from.

pub mod calendar;
pub mod cloud;
pub mod cost_sharing;
pub mod demand;
pub mod evaluation;
pub mod funds;
pub mod ids;
pub mod ledger;
pub mod lifecycle;
pub mod market;
pub mod money;
pub mod notify;
pub mod obligation;
pub mod ocds;
pub mod operation;
pub mod overrides;
pub mod permission;
pub mod profile;
pub mod project;
pub mod role;
pub mod round;
pub mod showcase;
pub mod similarity;
pub mod stage;
pub mod tasks;

pub use ids::*;
pub use money::Yuan;
pub use role::{Actor, Role};
pub use stage::Stage;

/// A civil date in Asia/Shanghai.
pub type Date = jiff::civil::Date;
