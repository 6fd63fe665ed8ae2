//! The labelled data set (`data/nacre.jsonl`, schema in data/README.md) read into
//! training examples, with the label mapping the heads learn.

use crate::error::{Error, ErrorCode, Result};
use crate::taxonomy::{Category, UserType};
use serde::Deserialize;

/// One row of the data set as written on disk.
#[derive(Debug, Clone, Deserialize)]
pub struct Row {
    pub text: String,
    pub category: String,
    pub user_type: String,
    pub severity: u8,
    pub jailbreak: u8,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub split: String,
}

/// What the heads should output for one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Labels {
    /// The labelled risk topic, whatever the intent (a nurse asking about overdoses:
    /// `specialized_advice`).
    pub topic: Category,
    pub user_type: UserType,
    pub severity: u8,
    pub jailbreak: bool,
    /// A benign message on a risky topic or with scary words (false flags hurt most here).
    pub borderline: bool,
}

impl Labels {
    /// The harm category: the topic for vulnerable and malicious users, `none` for benign
    /// ones (a nurse asking about overdoses is not a risk to flag).
    pub fn category(&self) -> Category {
        if self.user_type == UserType::Benign { Category::None } else { self.topic }
    }

    /// Whether the message should be flagged.
    pub fn is_unsafe(&self) -> bool {
        self.category() != Category::None
    }

    /// A benign message with nothing to flag.
    pub fn is_benign(&self) -> bool {
        self.user_type == UserType::Benign
    }
}

/// A text with its labels and split.
#[derive(Debug, Clone)]
pub struct Example {
    pub text: String,
    pub labels: Labels,
    pub split: String,
}

impl Row {
    pub fn example(&self) -> Result<Example> {
        let bad = |what: &str| Error::new(ErrorCode::InvalidArgument, format!("{what} in row {:?}", self.text));
        let topic = Category::from_name(&self.category).ok_or_else(|| bad("unknown category"))?;
        let user_type = UserType::from_name(&self.user_type).ok_or_else(|| bad("unknown user_type"))?;
        if self.severity > 4 || self.jailbreak > 1 {
            return Err(bad("severity or jailbreak out of range"));
        }
        let benign = user_type == UserType::Benign;
        Ok(Example {
            text: self.text.clone(),
            labels: Labels {
                topic,
                user_type,
                severity: self.severity,
                jailbreak: self.jailbreak == 1,
                borderline: benign && (topic != Category::None || self.source.contains("borderline")),
            },
            split: self.split.clone(),
        })
    }
}

/// Reads a JSONL file of rows; blank lines are skipped, a bad line is an error naming it.
pub fn read(path: &std::path::Path) -> Result<Vec<Example>> {
    let text = std::fs::read_to_string(path)?;
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            let row: Row = serde_json::from_str(line).map_err(|e| {
                Error::new(ErrorCode::InvalidArgument, format!("{}:{}: {e}", path.display(), i + 1))
            })?;
            row.example()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(category: &str, user_type: &str, source: &str) -> Row {
        Row {
            text: "t".into(),
            category: category.into(),
            user_type: user_type.into(),
            severity: 1,
            jailbreak: 0,
            source: source.into(),
            split: "train".into(),
        }
    }

    #[test]
    fn benign_topics_are_not_harm_but_are_borderline() {
        let nurse = row("self_harm", "benign", "written:borderline_medical").example().unwrap();
        assert_eq!(nurse.labels.category(), Category::None);
        assert!(nurse.labels.borderline && nurse.labels.is_benign() && !nurse.labels.is_unsafe());
        let attack = row("cyber", "malicious", "harmbench").example().unwrap();
        assert_eq!(attack.labels.category(), Category::Cyber);
        assert!(attack.labels.is_unsafe() && !attack.labels.borderline);
        let homonym = row("none", "benign", "written:borderline_homonyms").example().unwrap();
        assert!(homonym.labels.borderline);
        let chat = row("none", "benign", "written:benign_everyday").example().unwrap();
        assert!(!chat.labels.borderline);
    }

    #[test]
    fn bad_labels_are_errors() {
        assert!(row("weather", "benign", "").example().is_err());
        assert!(row("none", "curious", "").example().is_err());
    }
}
