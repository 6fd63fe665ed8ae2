//! The reasoning trace of a decision (Oyster's structured chain): user needs, risk
//! intent, guideline applied, safety and usefulness strategies, plus the full table of
//! expected utilities and what decided. Every field is computed from the assessment,
//! the text's surface, the conversation and the policy's arithmetic.

use crate::policy::conversation::Context;
use crate::policy::guideline::Guideline;
use crate::policy::intent::Form;
use crate::policy::rules::Rule;
use crate::policy::strategy::Strategy;
use crate::policy::topic::Topic;
use crate::policy::utility::Utility;
use crate::taxonomy::{Category, UserType};
use serde::Serialize;

/// Why the policy reached its decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trace {
    pub user_needs: UserNeeds,
    pub risk_intent: RiskIntent,
    pub guideline: Guideline,
    pub strategies: Strategies,
    /// EU of every strategy with all its terms, in `Strategy::ALL` order.
    pub utilities: Vec<Utility>,
    pub decided_by: DecidedBy,
    pub conversation: Context,
    pub policy_version: String,
}

/// Node 1: who is likely asking and what they need.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserNeeds {
    pub need: Need,
    /// The most likely user type after the conversation.
    pub likely_user: UserType,
    /// P(user type) after the conversation: what the utility used.
    pub user_type_probs: [f32; 3],
    /// P(user type) from this message alone, after the jailbreak shift.
    pub message_user_type_probs: [f32; 3],
}

/// What the user most plausibly wants from this turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Need {
    /// To know or understand something.
    Information,
    /// To have something done or made.
    Task,
    /// To be listened to.
    ToBeHeard,
    /// Care and safety.
    Support,
    /// A capability to cause harm.
    HarmfulCapability,
}

impl Need {
    /// The need that follows from the likely user and the form of the message.
    pub fn of(user: UserType, form: Form) -> Need {
        match (user, form) {
            (UserType::Vulnerable, _) => Self::Support,
            (UserType::Malicious, _) => Self::HarmfulCapability,
            (UserType::Benign, Form::Inquiry) => Self::Information,
            (UserType::Benign, Form::Directive) => Self::Task,
            (UserType::Benign, Form::Declarative) => Self::ToBeHeard,
        }
    }
}

/// Node 2: the risk the message carries and how it is put.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskIntent {
    pub form: Form,
    pub aggressive: bool,
    pub surface_aggression: f32,
    pub category: Category,
    /// The assessment's risk (`Assessment::risk_of`).
    pub risk: f32,
    pub severity: u8,
    pub expected_severity: f32,
    pub jailbreak: f32,
    /// Normalization had to undo a disguise (invisible characters, look-alike forms).
    pub obfuscated: bool,
}

/// Node 4: what the reply withholds and adds, and what it still serves.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Strategies {
    pub safety: SafetyStrategy,
    pub usefulness: UsefulnessStrategy,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SafetyStrategy {
    /// Hard rules that held.
    pub rules: Vec<Rule>,
    /// What the reply leaves out, if anything.
    pub withhold: Option<&'static str>,
    /// Help the reply points to.
    pub resources: Vec<Topic>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UsefulnessStrategy {
    /// The need the reply still serves, if any.
    pub serve: Option<&'static str>,
    /// Share of the requested detail given in the top category, 0 to 1.
    pub exposure: f32,
    /// The host assistant answers (otherwise Nacre answers itself).
    pub handed_on: bool,
}

/// What fixed the strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum DecidedBy {
    /// The strategy with the highest expected utility was allowed.
    ExpectedUtility,
    /// A hard rule forbade the strategy with the highest expected utility.
    Rule { rule: Rule, overruled: Strategy },
}

impl Strategies {
    /// The safety and usefulness sides of `strategy` under `guideline`.
    pub fn of(
        strategy: Strategy,
        guideline: &Guideline,
        exposure: f32,
        rules: Vec<Rule>,
        resources: Vec<Topic>,
    ) -> Self {
        let risky = guideline.category != Category::None;
        let serve = match strategy {
            Strategy::Answer => Some("the request as asked"),
            Strategy::Support => Some("the person's safety and a way to reach people who can help"),
            Strategy::Deter => None,
            _ => Some(guideline.help_with),
        };
        Strategies {
            safety: SafetyStrategy {
                rules,
                withhold: (risky && exposure < 1.0).then_some(guideline.leave_out),
                resources,
            },
            usefulness: UsefulnessStrategy { serve, exposure, handed_on: strategy.passes_on() },
        }
    }
}
