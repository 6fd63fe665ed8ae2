//! `Assessment`: what the model concluded about one message. Produced by `assess`,
//! consumed by `policy`; a plain value that tests can also build by hand.

use crate::normalize::Change;
use crate::taxonomy::{Category, UserType};
use serde::{Deserialize, Serialize};

/// The model's judgement of one message, as probabilities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    /// The most likely category.
    pub category: Category,
    /// P(category), indexed by `Category::index()`; sums to 1.
    pub category_probs: [f32; 16],
    /// 1 − P(none): how likely the message touches any risk category.
    pub risk: f32,
    /// The most likely kind of user.
    pub user_type: UserType,
    /// P(benign), P(vulnerable), P(malicious); sums to 1.
    pub user_type_probs: [f32; 3],
    /// The most likely severity, 0 (none) to 4 (imminent danger to life).
    pub severity: u8,
    /// P(severity = 0..=4); sums to 1.
    pub severity_probs: [f32; 5],
    /// P(the message is a jailbreak or prompt-injection attempt).
    pub jailbreak: f32,
    /// Input tokens that weighed most in the judgement, most important first.
    pub evidence: Vec<String>,
    /// What normalization undid (obfuscation is itself a signal).
    pub changes: Vec<Change>,
}

impl Assessment {
    pub fn p_category(&self, category: Category) -> f32 {
        self.category_probs[category.index()]
    }

    pub fn p_user(&self, user: UserType) -> f32 {
        self.user_type_probs[user.index()]
    }

    /// Expected severity, Σ s·P(s).
    pub fn expected_severity(&self) -> f32 {
        self.severity_probs.iter().enumerate().map(|(s, p)| s as f32 * p).sum()
    }
}
