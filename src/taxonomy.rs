//! Nacre's risk taxonomy (design.md): 15 risk categories plus `none`, and the three
//! kinds of user the paper distinguishes. The order of each enum is the order of the
//! model's output heads and must not change without a new model.

use serde::{Deserialize, Serialize};

/// A risk category. `Category::ALL[i]` is the category of head output `i`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    None,
    SelfHarm,
    Violence,
    WeaponsCbrne,
    Cyber,
    FraudCrime,
    Drugs,
    Sexual,
    ChildSafety,
    HateHarassment,
    Privacy,
    Misinformation,
    SpecializedAdvice,
    IntellectualProperty,
    Gambling,
    ExtremismCults,
}

impl Category {
    pub const ALL: [Category; 16] = [
        Self::None,
        Self::SelfHarm,
        Self::Violence,
        Self::WeaponsCbrne,
        Self::Cyber,
        Self::FraudCrime,
        Self::Drugs,
        Self::Sexual,
        Self::ChildSafety,
        Self::HateHarassment,
        Self::Privacy,
        Self::Misinformation,
        Self::SpecializedAdvice,
        Self::IntellectualProperty,
        Self::Gambling,
        Self::ExtremismCults,
    ];

    /// The snake_case name used in data files, JSON and JavaScript.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::SelfHarm => "self_harm",
            Self::Violence => "violence",
            Self::WeaponsCbrne => "weapons_cbrne",
            Self::Cyber => "cyber",
            Self::FraudCrime => "fraud_crime",
            Self::Drugs => "drugs",
            Self::Sexual => "sexual",
            Self::ChildSafety => "child_safety",
            Self::HateHarassment => "hate_harassment",
            Self::Privacy => "privacy",
            Self::Misinformation => "misinformation",
            Self::SpecializedAdvice => "specialized_advice",
            Self::IntellectualProperty => "intellectual_property",
            Self::Gambling => "gambling",
            Self::ExtremismCults => "extremism_cults",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == name)
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// Who is likely asking (Oyster's θb, θs, θm). `UserType::ALL[i]` is head output `i`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserType {
    Benign,
    Vulnerable,
    Malicious,
}

impl UserType {
    pub const ALL: [UserType; 3] = [Self::Benign, Self::Vulnerable, Self::Malicious];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Benign => "benign",
            Self::Vulnerable => "vulnerable",
            Self::Malicious => "malicious",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_in_head_order() {
        for (i, c) in Category::ALL.into_iter().enumerate() {
            assert_eq!(c.index(), i);
            assert_eq!(Category::from_name(c.as_str()), Some(c));
            assert_eq!(serde_json::to_string(&c).unwrap(), format!("\"{}\"", c.as_str()));
        }
        for (i, t) in UserType::ALL.into_iter().enumerate() {
            assert_eq!(t.index(), i);
            assert_eq!(UserType::from_name(t.as_str()), Some(t));
        }
    }
}
