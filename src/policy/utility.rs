//! The expected utility of each strategy (design.md, Decision):
//! EU(s) = Σθ P(θ) · Σr P(r | s, θ) · [α·served(θ)·Retention(r) − β·Risk(s, θ, r) − γ·served(θ)·Cost(s)]
//! with Risk = severity factor · Σc P(c)·weight(c)·(exposure(s, c)·content harm(θ, r) + displaced harm(θ, r)).
//! Every term is kept, so the trace can show the arithmetic.

use crate::assessment::Assessment;
use crate::policy::strategy::Strategy;
use crate::policy::tables::{Policy, Reaction};
use crate::taxonomy::{Category, UserType};
use serde::Serialize;
use std::collections::BTreeMap;

/// One strategy's expected utility and its terms.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Utility {
    pub strategy: Strategy,
    /// EU(s): the sum over user types of probability × utility.
    pub expected: f32,
    /// False when a hard rule forbids the strategy.
    pub allowed: bool,
    /// The terms for each user type.
    pub by_user: Vec<UserTerms>,
}

/// The terms of one strategy for one user type.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserTerms {
    pub user: UserType,
    pub probability: f32,
    /// P(r | s, θ, conversation).
    pub reactions: BTreeMap<Reaction, f32>,
    /// Σr P(r)·served(θ)·Retention(r).
    pub retention: f32,
    /// Σr P(r)·Risk(s, θ, r).
    pub risk: f32,
    /// served(θ)·Cost(s).
    pub cost: f32,
    /// α·retention − β·risk − γ·cost.
    pub utility: f32,
}

/// What the message and the conversation contribute to the utility.
pub(super) struct Situation {
    /// P(user type) after the conversation.
    pub user: [f32; 3],
    /// How strongly the user keeps pushing at refused requests, 0 to 1.
    pub persistence: f32,
    /// How recently the user was supported, 0 to 1.
    pub care: f32,
}

impl Policy {
    /// The share of requested detail strategy `s` gives, weighted by category risk:
    /// Σc P(c)·weight(c)·exposure(s, c).
    pub(super) fn weighted_exposure(&self, assessment: &Assessment, s: Strategy) -> f32 {
        Category::ALL
            .into_iter()
            .map(|c| assessment.p_category(c) * self.category_weight[c.index()] * self.exposure[c.index()][s.index()])
            .sum()
    }

    /// P(r | s, θ, conversation): persistence turns part of `accepts` into `rephrases`;
    /// after support, a vulnerable user met with anything else may leave instead.
    fn reaction_probs(&self, s: Strategy, user: UserType, situation: &Situation) -> [f32; 5] {
        let mut probs = self.reactions[user.index()][s.index()];
        let retry = self.memory.retry_shift[s.index()] * situation.persistence * probs[0];
        probs[0] -= retry;
        probs[1] += retry;
        if user == UserType::Vulnerable && s != Strategy::Support {
            let unheard = self.memory.unheard_shift * situation.care * probs[0];
            probs[0] -= unheard;
            probs[3] += unheard;
        }
        probs
    }

    /// The utility of every strategy, in `Strategy::ALL` order (all marked allowed).
    pub(super) fn utilities(&self, assessment: &Assessment, situation: &Situation) -> Vec<Utility> {
        let severity: f32 = assessment.severity_probs.iter().zip(self.severity_weight).map(|(p, w)| p * w).sum();
        let weight: f32 =
            Category::ALL.into_iter().map(|c| assessment.p_category(c) * self.category_weight[c.index()]).sum();
        Strategy::ALL
            .into_iter()
            .map(|s| {
                let exposure = self.weighted_exposure(assessment, s);
                let by_user: Vec<UserTerms> = UserType::ALL
                    .into_iter()
                    .map(|user| {
                        let t = user.index();
                        let probs = self.reaction_probs(s, user, situation);
                        let served = self.served[t];
                        let mut retention = 0.0;
                        let mut risk = 0.0;
                        for (r, p) in probs.iter().enumerate() {
                            retention += p * served * self.retention[r];
                            risk += p
                                * severity
                                * (exposure * self.content_harm[t][r] + weight * self.displaced_harm[t][r]);
                        }
                        let cost = served * self.cost[s.index()];
                        UserTerms {
                            user,
                            probability: situation.user[t],
                            reactions: Reaction::ALL.into_iter().zip(probs).collect(),
                            retention,
                            risk,
                            cost,
                            utility: self.alpha * retention - self.beta * risk - self.gamma * cost,
                        }
                    })
                    .collect();
                let expected = by_user.iter().map(|u| u.probability * u.utility).sum();
                Utility { strategy: s, expected, allowed: true, by_user }
            })
            .collect()
    }
}

/// The strategy with the highest expected utility among those allowed; a tie goes to
/// the more restrained strategy. `None` only if nothing is allowed.
pub(super) fn best(utilities: &[Utility], allowed: impl Fn(Strategy) -> bool) -> Option<Strategy> {
    utilities
        .iter()
        .filter(|u| allowed(u.strategy))
        .fold(None, |best: Option<&Utility>, u| match best {
            Some(b) if b.expected > u.expected => Some(b),
            _ => Some(u),
        })
        .map(|u| u.strategy)
}
