//! The CSA decision (design.md, Decision): from an `Assessment` and the conversation so
//! far to a `Decision` (strategy, resources to offer, reasoning trace). The payoffs and
//! the reaction model are data (`model/policy.json`); this module is the arithmetic and
//! the hard rules around it.

mod conversation;
mod decide;
mod guideline;
mod intent;
mod rules;
mod strategy;
mod tables;
mod topic;
mod trace;
mod utility;
pub mod words;

#[cfg(test)]
mod properties;
#[cfg(test)]
pub(crate) mod testing;

pub use conversation::{Context, Conversation, Turn};
pub use decide::Decision;
pub use guideline::Guideline;
pub use intent::Form;
pub use rules::Rule;
pub use strategy::Strategy;
pub use tables::{Policy, Reaction};
pub use topic::Topic;
pub use trace::{DecidedBy, Need, RiskIntent, SafetyStrategy, Strategies, Trace, UsefulnessStrategy, UserNeeds};
pub use utility::{UserTerms, Utility};

#[cfg(test)]
pub(crate) use tables::shipped;
