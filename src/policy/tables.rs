//! `Policy`: the payoff tables and the reaction model of `model/policy.json`, parsed and
//! checked. Every number in the file carries a "why"; a file that is incomplete, out of
//! range or unexplained is refused with `POLICY_INVALID`.

use crate::error::{Error, ErrorCode, Result};
use crate::policy::strategy::Strategy;
use crate::taxonomy::{Category, UserType};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a user may do after a reply (design.md, Decision), in table order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reaction {
    Accepts,
    Rephrases,
    Escalates,
    LeavesForUnsafeSource,
    Misuses,
}

impl Reaction {
    pub const ALL: [Reaction; 5] =
        [Self::Accepts, Self::Rephrases, Self::Escalates, Self::LeavesForUnsafeSource, Self::Misuses];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Accepts => "accepts",
            Self::Rephrases => "rephrases",
            Self::Escalates => "escalates",
            Self::LeavesForUnsafeSource => "leaves_for_unsafe_source",
            Self::Misuses => "misuses",
        }
    }
}

/// The decision model: payoffs, reactions, conversation memory and hard-rule thresholds.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub version: String,
    pub(super) alpha: f32,
    pub(super) beta: f32,
    pub(super) gamma: f32,
    /// How much a user type's retention and convenience count, by `UserType::index`.
    pub(super) served: [f32; 3],
    /// Retention(r), by reaction.
    pub(super) retention: [f32; 5],
    /// Cost(s), by strategy.
    pub(super) cost: [f32; 7],
    /// Share of the requested detail a strategy gives, by category then strategy.
    pub(super) exposure: [[f32; 7]; 16],
    /// Harm from content we gave, by user type then reaction.
    pub(super) content_harm: [[f32; 5]; 3],
    /// Harm that follows the reaction whatever we gave, by user type then reaction.
    pub(super) displaced_harm: [[f32; 5]; 3],
    /// P(reaction | strategy, user type), by user type, strategy, reaction.
    pub(super) reactions: [[[f32; 5]; 7]; 3],
    pub(super) category_weight: [f32; 16],
    pub(super) severity_weight: [f32; 5],
    pub(super) jailbreak_shift: f32,
    pub(super) memory: Memory,
    pub(super) thresholds: Thresholds,
}

/// How earlier turns count (the `conversation` section).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Memory {
    pub turns: usize,
    pub decay: f32,
    pub history_weight: f32,
    pub rephrase_similarity: f32,
    pub same_category_probe: f32,
    pub probing_shift: f32,
    /// Share of a vulnerable user's `accepts` that becomes leaving, at full care, for
    /// every strategy but support.
    pub unheard_shift: f32,
    /// Share of `accepts` that becomes `rephrases` at full persistence, by strategy.
    pub retry_shift: [f32; 7],
}

/// Where the hard rules start (the `rules` section).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Thresholds {
    pub likely: f32,
    pub severe: u8,
    pub child_safety: f32,
    pub weapons_cbrne: f32,
    pub crisis_vulnerable: f32,
}

impl Policy {
    /// Parses and checks a policy file.
    pub fn from_json(json: &str) -> Result<Policy> {
        let file: File = serde_json::from_str(json).map_err(|e| invalid(format!("policy.json: {e}")))?;
        file.check()
    }
}

fn invalid(message: String) -> Error {
    Error::new(ErrorCode::PolicyInvalid, message)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Number {
    value: f32,
    why: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PerStrategy<T> {
    answer: T,
    answer_with_care: T,
    correct: T,
    redirect: T,
    support: T,
    decline: T,
    deter: T,
}

impl<T> PerStrategy<T> {
    fn rows(&self) -> [(Strategy, &T); 7] {
        [
            (Strategy::Answer, &self.answer),
            (Strategy::AnswerWithCare, &self.answer_with_care),
            (Strategy::Correct, &self.correct),
            (Strategy::Redirect, &self.redirect),
            (Strategy::Support, &self.support),
            (Strategy::Decline, &self.decline),
            (Strategy::Deter, &self.deter),
        ]
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PerUser<T> {
    benign: T,
    vulnerable: T,
    malicious: T,
}

impl<T> PerUser<T> {
    fn rows(&self) -> [(UserType, &T); 3] {
        [
            (UserType::Benign, &self.benign),
            (UserType::Vulnerable, &self.vulnerable),
            (UserType::Malicious, &self.malicious),
        ]
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PerReaction<T> {
    accepts: T,
    rephrases: T,
    escalates: T,
    leaves_for_unsafe_source: T,
    misuses: T,
}

impl<T> PerReaction<T> {
    fn rows(&self) -> [&T; 5] {
        [&self.accepts, &self.rephrases, &self.escalates, &self.leaves_for_unsafe_source, &self.misuses]
    }
}

/// One row of a matrix: five numbers by reaction and one why for them.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    accepts: f32,
    rephrases: f32,
    escalates: f32,
    leaves_for_unsafe_source: f32,
    misuses: f32,
    why: String,
}

impl Row {
    fn values(&self) -> [f32; 5] {
        [self.accepts, self.rephrases, self.escalates, self.leaves_for_unsafe_source, self.misuses]
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Weights {
    alpha: Number,
    beta: Number,
    gamma: Number,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Harm {
    content: PerUser<Row>,
    displaced: PerUser<Row>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConversationFile {
    memory_turns: Number,
    decay: Number,
    history_weight: Number,
    rephrase_similarity: Number,
    same_category_probe: Number,
    probing_shift: Number,
    unheard_shift: Number,
    retry_shift: PerStrategy<Number>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Rules {
    likely: Number,
    severe: Number,
    child_safety: Number,
    weapons_cbrne: Number,
    crisis_vulnerable: Number,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: String,
    why: String,
    weights: Weights,
    served: PerUser<Number>,
    retention: PerReaction<Number>,
    cost: PerStrategy<Number>,
    exposure: PerStrategy<Number>,
    exposure_by_category: BTreeMap<String, PerStrategy<Number>>,
    harm: Harm,
    reactions: PerUser<PerStrategy<Row>>,
    category_weight: BTreeMap<String, Number>,
    severity_weight: [Number; 5],
    jailbreak_shift: Number,
    conversation: ConversationFile,
    rules: Rules,
}

/// Reads a number that must lie in `[low, high]` and be explained.
fn number(n: &Number, path: &str, low: f32, high: f32) -> Result<f32> {
    if n.why.trim().is_empty() {
        return Err(invalid(format!("{path}: every number needs a why")));
    }
    if !n.value.is_finite() || n.value < low || n.value > high {
        return Err(invalid(format!("{path}: {} is outside [{low}, {high}]", n.value)));
    }
    Ok(n.value)
}

/// Reads an explained row of five numbers in `[low, high]`.
fn row(r: &Row, path: &str, low: f32, high: f32) -> Result<[f32; 5]> {
    if r.why.trim().is_empty() {
        return Err(invalid(format!("{path}: every row needs a why")));
    }
    let values = r.values();
    for (value, reaction) in values.into_iter().zip(Reaction::ALL) {
        if !value.is_finite() || value < low || value > high {
            return Err(invalid(format!("{path}.{}: {value} is outside [{low}, {high}]", reaction.as_str())));
        }
    }
    Ok(values)
}

fn per_strategy(table: &PerStrategy<Number>, path: &str, low: f32, high: f32) -> Result<[f32; 7]> {
    let mut out = [0.0; 7];
    for (s, n) in table.rows() {
        out[s.index()] = number(n, &format!("{path}.{}", s.as_str()), low, high)?;
    }
    Ok(out)
}

fn per_user_rows(table: &PerUser<Row>, path: &str) -> Result<[[f32; 5]; 3]> {
    let mut out = [[0.0; 5]; 3];
    for (t, r) in table.rows() {
        out[t.index()] = row(r, &format!("{path}.{}", t.as_str()), 0.0, 1.0)?;
    }
    Ok(out)
}

/// The categories named in a table, checked against the taxonomy.
fn by_category<'a, T>(table: &'a BTreeMap<String, T>, path: &str) -> Result<Vec<(Category, &'a T)>> {
    table
        .iter()
        .map(|(name, value)| {
            Category::from_name(name)
                .map(|c| (c, value))
                .ok_or_else(|| invalid(format!("{path}: unknown category {name:?}")))
        })
        .collect()
}

impl File {
    fn check(self) -> Result<Policy> {
        if self.version.trim().is_empty() || self.why.trim().is_empty() {
            return Err(invalid("policy.json: version and why must not be empty".into()));
        }
        let mut served = [0.0; 3];
        for (t, n) in self.served.rows() {
            served[t.index()] = number(n, &format!("served.{}", t.as_str()), 0.0, 1.0)?;
        }
        let mut retention = [0.0; 5];
        for ((slot, n), r) in retention.iter_mut().zip(self.retention.rows()).zip(Reaction::ALL) {
            *slot = number(n, &format!("retention.{}", r.as_str()), -1.0, 1.0)?;
        }
        let default_exposure = per_strategy(&self.exposure, "exposure", 0.0, 1.0)?;
        let mut exposure = [default_exposure; 16];
        for (c, table) in by_category(&self.exposure_by_category, "exposure_by_category")? {
            exposure[c.index()] = per_strategy(table, &format!("exposure_by_category.{}", c.as_str()), 0.0, 1.0)?;
        }
        let mut reactions = [[[0.0; 5]; 7]; 3];
        for (t, table) in self.reactions.rows() {
            for (s, r) in table.rows() {
                let path = format!("reactions.{}.{}", t.as_str(), s.as_str());
                let probs = row(r, &path, 0.0, 1.0)?;
                let sum: f32 = probs.iter().sum();
                if (sum - 1.0).abs() > 1e-3 {
                    return Err(invalid(format!("{path}: probabilities sum to {sum}, not 1")));
                }
                reactions[t.index()][s.index()] = probs;
            }
        }
        let named = by_category(&self.category_weight, "category_weight")?;
        if named.len() != Category::ALL.len() {
            return Err(invalid(format!("category_weight: needs all {} categories", Category::ALL.len())));
        }
        let mut category_weight = [0.0; 16];
        for (c, n) in named {
            category_weight[c.index()] = number(n, &format!("category_weight.{}", c.as_str()), 0.0, 1.0)?;
        }
        let mut severity_weight = [0.0; 5];
        for (s, n) in self.severity_weight.iter().enumerate() {
            severity_weight[s] = number(n, &format!("severity_weight[{s}]"), 0.0, 1.0)?;
        }
        let c = &self.conversation;
        let turns = number(&c.memory_turns, "conversation.memory_turns", 1.0, 64.0)?;
        let severe = number(&self.rules.severe, "rules.severe", 0.0, 4.0)?;
        if turns.fract() != 0.0 || severe.fract() != 0.0 {
            return Err(invalid("conversation.memory_turns and rules.severe must be whole numbers".into()));
        }
        Ok(Policy {
            version: self.version,
            alpha: number(&self.weights.alpha, "weights.alpha", 0.0, 100.0)?,
            beta: number(&self.weights.beta, "weights.beta", 0.0, 100.0)?,
            gamma: number(&self.weights.gamma, "weights.gamma", 0.0, 100.0)?,
            served,
            retention,
            cost: per_strategy(&self.cost, "cost", 0.0, 1.0)?,
            exposure,
            content_harm: per_user_rows(&self.harm.content, "harm.content")?,
            displaced_harm: per_user_rows(&self.harm.displaced, "harm.displaced")?,
            reactions,
            category_weight,
            severity_weight,
            jailbreak_shift: number(&self.jailbreak_shift, "jailbreak_shift", 0.0, 1.0)?,
            memory: Memory {
                turns: turns as usize,
                decay: number(&c.decay, "conversation.decay", 0.0, 1.0)?,
                history_weight: number(&c.history_weight, "conversation.history_weight", 0.0, 1.0)?,
                rephrase_similarity: number(&c.rephrase_similarity, "conversation.rephrase_similarity", 0.0, 1.0)?,
                same_category_probe: number(&c.same_category_probe, "conversation.same_category_probe", 0.0, 1.0)?,
                probing_shift: number(&c.probing_shift, "conversation.probing_shift", 0.0, 1.0)?,
                unheard_shift: number(&c.unheard_shift, "conversation.unheard_shift", 0.0, 1.0)?,
                retry_shift: per_strategy(&c.retry_shift, "conversation.retry_shift", 0.0, 1.0)?,
            },
            thresholds: Thresholds {
                likely: number(&self.rules.likely, "rules.likely", 0.0, 1.0)?,
                severe: severe as u8,
                child_safety: number(&self.rules.child_safety, "rules.child_safety", 0.0, 1.0)?,
                weapons_cbrne: number(&self.rules.weapons_cbrne, "rules.weapons_cbrne", 0.0, 1.0)?,
                crisis_vulnerable: number(&self.rules.crisis_vulnerable, "rules.crisis_vulnerable", 0.0, 1.0)?,
            },
        })
    }
}

/// The shipped policy, for tests across the crate.
#[cfg(test)]
pub(crate) fn shipped() -> Policy {
    Policy::from_json(include_str!("../../model/policy.json")).expect("model/policy.json is valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPED: &str = include_str!("../../model/policy.json");

    fn edited(edit: impl FnOnce(&mut serde_json::Value)) -> Result<Policy> {
        let mut value: serde_json::Value = serde_json::from_str(SHIPPED).unwrap();
        edit(&mut value);
        Policy::from_json(&value.to_string())
    }

    fn refusal(edit: impl FnOnce(&mut serde_json::Value)) -> String {
        let err = edited(edit).expect_err("the edited policy must be refused");
        assert_eq!(err.code, ErrorCode::PolicyInvalid);
        err.message
    }

    #[test]
    fn the_shipped_policy_loads() {
        let policy = shipped();
        assert!(!policy.version.is_empty());
        assert_eq!(policy.category_weight[Category::None.index()], 0.0);
        let misinformation = Category::Misinformation.index();
        assert!(
            policy.exposure[misinformation][Strategy::Correct.index()] < policy.exposure[0][Strategy::Correct.index()]
        );
    }

    #[test]
    fn bad_files_are_refused_with_a_clear_reason() {
        assert!(Policy::from_json("{").unwrap_err().message.contains("policy.json"));
        let msg = refusal(|v| v["reactions"]["benign"]["answer"]["accepts"] = 0.5.into());
        assert!(msg.contains("reactions.benign.answer") && msg.contains("sum"), "{msg}");
        let msg = refusal(|v| v["cost"]["deter"]["why"] = "".into());
        assert!(msg.contains("cost.deter") && msg.contains("why"), "{msg}");
        let msg = refusal(|v| v["exposure"]["answer"]["value"] = 1.5.into());
        assert!(msg.contains("exposure.answer"), "{msg}");
        let msg = refusal(|v| v["category_weight"]["nonsense"] = v["category_weight"]["none"].clone());
        assert!(msg.contains("nonsense"), "{msg}");
        let msg = refusal(|v| {
            v["category_weight"].as_object_mut().unwrap().remove("gambling");
        });
        assert!(msg.contains("category_weight"), "{msg}");
        let msg = refusal(|v| v["rules"]["extra"] = 1.into());
        assert!(msg.contains("extra"), "{msg}");
        let msg = refusal(|v| v["conversation"]["memory_turns"]["value"] = 2.5.into());
        assert!(msg.contains("memory_turns"), "{msg}");
    }
}
