//! `Topic`: the kinds of outside help a reply can point to. The policy decides which
//! topics a reply needs; `compose` looks up the lines and sites for the user's locale.

use crate::taxonomy::Category;
use serde::{Deserialize, Serialize};

/// A kind of help line or official service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    /// Emergency services (police, ambulance).
    Emergency,
    /// Suicide and emotional crisis lines.
    Crisis,
    DomesticAbuse,
    ChildAbuse,
    /// Poison centres and drug helplines.
    PoisonDrugs,
    /// Reporting cybercrime and fraud.
    CybercrimeFraud,
}

impl Topic {
    pub const ALL: [Topic; 6] = [
        Self::Emergency,
        Self::Crisis,
        Self::DomesticAbuse,
        Self::ChildAbuse,
        Self::PoisonDrugs,
        Self::CybercrimeFraud,
    ];

    /// The help that fits a person at risk in this category; crisis lines take anyone
    /// in distress, so they serve the categories without a line of their own.
    pub fn for_person_at_risk(category: Category) -> Topic {
        match category {
            Category::Violence => Self::DomesticAbuse,
            Category::ChildSafety => Self::ChildAbuse,
            Category::Drugs => Self::PoisonDrugs,
            Category::Cyber | Category::FraudCrime => Self::CybercrimeFraud,
            _ => Self::Crisis,
        }
    }
}
