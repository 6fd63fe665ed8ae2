//! The seven things a reply can do (design.md, Strategies), and how much of a request
//! each one holds back.

use serde::{Deserialize, Serialize};

/// What the reply does with the user's request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// Passed on unchanged.
    Answer,
    /// Passed on with guidance: help with the safe part, add the safety note that matters.
    AnswerWithCare,
    /// Passed on with guidance to answer and correct a false premise.
    Correct,
    /// Nacre serves the legitimate need and leaves out the risky detail.
    Redirect,
    /// Nacre answers with empathy, a safety question and crisis resources.
    Support,
    /// Nacre says a calm no, why, and offers a lawful alternative.
    Decline,
    /// Nacre gives nothing and leaves nothing to negotiate.
    Deter,
}

impl Strategy {
    /// Every strategy, from the most to the least permissive.
    pub const ALL: [Strategy; 7] =
        [Self::Answer, Self::AnswerWithCare, Self::Correct, Self::Redirect, Self::Support, Self::Decline, Self::Deter];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Answer => "answer",
            Self::AnswerWithCare => "answer_with_care",
            Self::Correct => "correct",
            Self::Redirect => "redirect",
            Self::Support => "support",
            Self::Decline => "decline",
            Self::Deter => "deter",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    /// How much of the request is held back: 0 all of it passes, 1 it passes with
    /// guidance, 2 Nacre engages without the risky detail, 3 refused, 4 refused and closed.
    pub fn restraint(self) -> u8 {
        match self {
            Self::Answer => 0,
            Self::AnswerWithCare | Self::Correct => 1,
            Self::Redirect | Self::Support => 2,
            Self::Decline => 3,
            Self::Deter => 4,
        }
    }

    /// Whether the message goes on to the host assistant (otherwise Nacre answers itself).
    pub fn passes_on(self) -> bool {
        self.restraint() <= 1
    }

    /// Whether the request was refused outright.
    pub fn refuses(self) -> bool {
        self.restraint() >= 3
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_order_agree() {
        for (i, s) in Strategy::ALL.into_iter().enumerate() {
            assert_eq!(s.index(), i);
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{}\"", s.as_str()));
        }
        let restraint: Vec<u8> = Strategy::ALL.iter().map(|s| s.restraint()).collect();
        assert!(restraint.windows(2).all(|w| w[0] <= w[1]), "ALL runs from permissive to restrained");
    }
}
