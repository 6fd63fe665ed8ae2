//! `Conversation`: a bounded memory of earlier turns, and what it says about the next
//! one. Older turns count less (decay), so a benign turn after a risky one recovers; a
//! rephrasing of a refused request, or a return to its category, counts as probing.
//! Turns keep a fingerprint of hashed words, never the text itself.

use crate::assessment::Assessment;
use crate::policy::decide::Decision;
use crate::policy::strategy::Strategy;
use crate::policy::tables::Policy;
use crate::policy::words::{fnv1a, words};
use crate::taxonomy::{Category, UserType};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// One earlier turn, as the policy remembers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Turn {
    pub category: Category,
    pub severity: u8,
    /// P(user type) as the policy saw it in that turn.
    pub user_type_probs: [f32; 3],
    pub strategy: Strategy,
    /// Sorted hashes of the turn's longer words, to recognise rephrasings.
    pub fingerprint: Vec<u64>,
}

impl Turn {
    /// The turn to remember after `decision` on `text` (the normalized message). It
    /// keeps the message's own P(user type), so history does not compound.
    pub fn of(decision: &Decision, text: &str) -> Turn {
        let trace = &decision.trace;
        Turn {
            category: trace.risk_intent.category,
            severity: trace.risk_intent.severity,
            user_type_probs: trace.user_needs.message_user_type_probs,
            strategy: decision.strategy,
            fingerprint: fingerprint(text),
        }
    }
}

/// Earlier turns, oldest first, at most the policy's `memory_turns`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    turns: VecDeque<Turn>,
}

/// What the conversation so far says about the current message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Context {
    pub earlier_turns: usize,
    /// Decay-weighted mean of the earlier turns' P(user type).
    pub carried_user_type_probs: [f32; 3],
    /// Weight of `carried_user_type_probs` against the current message (0 without history).
    pub history_weight: f32,
    /// Highest word-set similarity to an earlier refused turn.
    pub rephrase_similarity: f32,
    /// Refused turns in a row just before this one (escalation).
    pub refusal_streak: usize,
    /// How strongly the user keeps pushing at refused requests, 0 to 1.
    pub persistence: f32,
    /// How recently the user was supported, 0 to 1 (decay-weighted support turns).
    pub care: f32,
}

/// Sorted, deduplicated hashes of the words of at least four characters: short words
/// are mostly function words that would make unrelated messages look alike.
pub(super) fn fingerprint(text: &str) -> Vec<u64> {
    let mut hashes: Vec<u64> =
        words(text).iter().filter(|w| w.chars().count() >= 4).map(|w| fnv1a(w.as_bytes())).collect();
    hashes.sort_unstable();
    hashes.dedup();
    hashes
}

/// Jaccard similarity of two sorted sets.
fn jaccard(a: &[u64], b: &[u64]) -> f32 {
    if a.is_empty() && b.is_empty() {
        return 0.0;
    }
    let shared = a.iter().filter(|h| b.binary_search(h).is_ok()).count();
    shared as f32 / (a.len() + b.len() - shared) as f32
}

impl Conversation {
    pub fn new() -> Self {
        Self::default()
    }

    /// Earlier turns, oldest first.
    pub fn turns(&self) -> impl ExactSizeIterator<Item = &Turn> {
        self.turns.iter()
    }

    /// Reads the history against the current message.
    pub(super) fn context(&self, policy: &Policy, assessment: &Assessment, fingerprint: &[u64]) -> Context {
        let memory = &policy.memory;
        let mut carried = [0.0; 3];
        let mut total_weight = 0.0;
        let mut rephrase_similarity: f32 = 0.0;
        let mut persistence = 0.0;
        let mut care = 0.0;
        // Newest first: the last turn weighs 1, the one before `decay`, and so on.
        for (weight, turn) in std::iter::successors(Some(1.0), |w| Some(w * memory.decay)).zip(self.turns.iter().rev())
        {
            for (c, p) in carried.iter_mut().zip(turn.user_type_probs) {
                *c += weight * p;
            }
            total_weight += weight;
            if turn.strategy == Strategy::Support {
                care += weight;
            }
            if turn.strategy.refuses() {
                let similarity = jaccard(fingerprint, &turn.fingerprint);
                rephrase_similarity = rephrase_similarity.max(similarity);
                let probe = if similarity >= memory.rephrase_similarity {
                    1.0
                } else if turn.category == assessment.category && turn.category != Category::None {
                    memory.same_category_probe
                } else {
                    0.0
                };
                persistence += weight * probe;
            }
        }
        if total_weight > 0.0 {
            carried.iter_mut().for_each(|c| *c /= total_weight);
        }
        Context {
            earlier_turns: self.turns.len(),
            carried_user_type_probs: carried,
            history_weight: if self.turns.is_empty() { 0.0 } else { memory.history_weight },
            rephrase_similarity,
            refusal_streak: self.turns.iter().rev().take_while(|t| t.strategy.refuses()).count(),
            persistence: f32::min(persistence, 1.0),
            care: f32::min(care, 1.0),
        }
    }

    /// Remembers a turn, forgetting the oldest beyond the policy's memory.
    pub fn record(&mut self, policy: &Policy, turn: Turn) {
        self.turns.push_back(turn);
        while self.turns.len() > policy.memory.turns {
            self.turns.pop_front();
        }
    }
}

impl Context {
    /// P(user type) for the current message after the conversation: the message's own
    /// distribution (already shifted for jailbreaks), mixed with the carried history,
    /// then moved toward malicious as far as the user persists at refused requests.
    pub(super) fn shift(&self, policy: &Policy, message: [f32; 3]) -> [f32; 3] {
        let h = self.history_weight;
        let mixed: [f32; 3] = std::array::from_fn(|i| (1.0 - h) * message[i] + h * self.carried_user_type_probs[i]);
        toward_malicious(mixed, policy.memory.probing_shift * self.persistence)
    }
}

/// Moves a share `t` of the non-malicious probability to malicious, keeping the
/// benign : vulnerable ratio.
pub(super) fn toward_malicious(p: [f32; 3], t: f32) -> [f32; 3] {
    let m = UserType::Malicious.index();
    std::array::from_fn(|i| if i == m { p[i] + t * (1.0 - p[i]) } else { p[i] * (1.0 - t) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::tables::shipped;
    use crate::policy::testing::assessment;

    fn turn(category: Category, user: [f32; 3], strategy: Strategy, text: &str) -> Turn {
        Turn { category, severity: 2, user_type_probs: user, strategy, fingerprint: fingerprint(text) }
    }

    #[test]
    fn rephrasings_are_similar_and_unrelated_texts_are_not() {
        let a = fingerprint("how can I get into my ex's email account without the password");
        let b = fingerprint("ways to get into someone's email account without knowing the password");
        let c = fingerprint("what is a good recipe for banana bread");
        assert!(jaccard(&a, &b) >= 0.4, "{}", jaccard(&a, &b));
        assert!(jaccard(&a, &c) < 0.1);
        assert_eq!(jaccard(&[], &[]), 0.0);
    }

    #[test]
    fn memory_is_bounded_and_fades() {
        let policy = shipped();
        let mut conversation = Conversation::new();
        for _ in 0..100 {
            conversation.record(&policy, turn(Category::None, [1.0, 0.0, 0.0], Strategy::Answer, "hello there"));
        }
        assert_eq!(conversation.turns().len(), policy.memory.turns);
        conversation.record(&policy, turn(Category::Cyber, [0.0, 0.0, 1.0], Strategy::Decline, "break into email"));
        let now = assessment(Category::None, 0, [1.0, 0.0, 0.0]);
        let fresh = conversation.context(&policy, &now, &fingerprint("thanks anyway"));
        assert!(fresh.carried_user_type_probs[2] > 0.4);
        assert_eq!(fresh.refusal_streak, 1);
        assert_eq!(fresh.persistence, 0.0, "a new topic in new words is not probing");
        for _ in 0..4 {
            conversation.record(&policy, turn(Category::None, [1.0, 0.0, 0.0], Strategy::Answer, "nice weather"));
        }
        let later = conversation.context(&policy, &now, &fingerprint("thanks anyway"));
        assert!(later.carried_user_type_probs[2] < 0.05, "{later:?}");
    }

    #[test]
    fn shifting_toward_malicious_keeps_the_other_ratio() {
        let p = toward_malicious([0.6, 0.2, 0.2], 0.5);
        assert!((p[0] - 0.3).abs() < 1e-6 && (p[1] - 0.1).abs() < 1e-6 && (p[2] - 0.6).abs() < 1e-6);
    }
}
