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
    /// How likely the message is to need flagging (`Assessment::risk_of`; for a long text,
    /// its riskiest window's, while the rest is read from its last risky window).
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
    /// The risk of a message: the mean of two heads' estimates of it, 1 − P(none) from the
    /// category head and 1 − P(benign) from the user-type head. They read the message from
    /// different sides (the harm topic, the writer), and on dev their mean separates harmful
    /// from benign messages better than either alone (figures in the model card).
    pub fn risk_of(category_probs: &[f32], user_type_probs: &[f32]) -> f32 {
        let topic = 1.0 - category_probs[Category::None.index()];
        let writer = 1.0 - user_type_probs[UserType::Benign.index()];
        ((topic + writer) / 2.0).clamp(0.0, 1.0)
    }

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
