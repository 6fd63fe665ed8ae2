//! Quality metrics of assessments against labels: unsafe F1, false-flag rates on benign
//! and borderline-safe messages, user-type and category macro-F1, vulnerable recall,
//! severity and jailbreak scores, confusion matrices. Shared by `train` and `eval`.

use super::dataset::Labels;
use crate::assessment::Assessment;
use crate::taxonomy::{Category, UserType};
use serde::Serialize;
use std::fmt;

/// Every metric of the model card for one labelled set.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub rows: usize,
    pub flag_threshold: f32,
    pub unsafe_precision: f32,
    pub unsafe_recall: f32,
    pub unsafe_f1: f32,
    /// Share of benign messages (nothing to flag) that were flagged.
    pub benign_false_flag: f32,
    /// The same among borderline-safe messages (risky topics, scary words).
    pub borderline_false_flag: f32,
    pub user_type_macro_f1: f32,
    pub vulnerable_recall: f32,
    pub category_macro_f1: f32,
    pub severity_accuracy: f32,
    pub severity_within_one: f32,
    pub jailbreak_f1: f32,
    /// `[gold][predicted]` counts in `UserType::ALL` order.
    pub user_type_confusion: Vec<Vec<usize>>,
    /// `[gold][predicted]` counts in `Category::ALL` order.
    pub category_confusion: Vec<Vec<usize>>,
}

fn ratio(a: usize, b: usize) -> f32 {
    if b == 0 { 0.0 } else { a as f32 / b as f32 }
}

fn f1(tp: usize, fp: usize, fn_: usize) -> f32 {
    let (p, r) = (ratio(tp, tp + fp), ratio(tp, tp + fn_));
    if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) }
}

/// Confusion matrix and macro-F1 over the classes that occur in the gold labels.
fn confusion(gold: &[usize], predicted: &[usize], classes: usize) -> (Vec<Vec<usize>>, f32) {
    let mut matrix = vec![vec![0usize; classes]; classes];
    for (&g, &p) in gold.iter().zip(predicted) {
        matrix[g][p] += 1;
    }
    let present: Vec<usize> = (0..classes).filter(|&c| matrix[c].iter().sum::<usize>() > 0).collect();
    let total: f32 = present
        .iter()
        .map(|&c| {
            let tp = matrix[c][c];
            let fn_ = matrix[c].iter().sum::<usize>() - tp;
            let fp = (0..classes).map(|g| matrix[g][c]).sum::<usize>() - tp;
            f1(tp, fp, fn_)
        })
        .sum();
    (matrix, total / present.len().max(1) as f32)
}

/// Scores `assessments` against `labels` (same order), flagging above `threshold`.
pub fn evaluate(assessments: &[Assessment], labels: &[Labels], threshold: f32) -> Report {
    let flagged: Vec<bool> = assessments.iter().map(|a| a.risk > threshold).collect();
    let count = |f: &dyn Fn(usize) -> bool| (0..labels.len()).filter(|&i| f(i)).count();
    let tp = count(&|i| flagged[i] && labels[i].is_unsafe());
    let fp = count(&|i| flagged[i] && !labels[i].is_unsafe());
    let fn_ = count(&|i| !flagged[i] && labels[i].is_unsafe());
    let benign = count(&|i| labels[i].is_benign());
    let borderline = count(&|i| labels[i].borderline);
    let user_gold: Vec<usize> = labels.iter().map(|l| l.user_type.index()).collect();
    let user_pred: Vec<usize> = assessments.iter().map(|a| a.user_type.index()).collect();
    let (user_type_confusion, user_type_macro_f1) = confusion(&user_gold, &user_pred, UserType::ALL.len());
    let vulnerable = UserType::Vulnerable.index();
    let category_gold: Vec<usize> = labels.iter().map(|l| l.category.index()).collect();
    let category_pred: Vec<usize> = assessments.iter().map(|a| a.category.index()).collect();
    let (category_confusion, category_macro_f1) = confusion(&category_gold, &category_pred, Category::ALL.len());
    let jailbreak = |i: usize| assessments[i].jailbreak > 0.5;
    Report {
        rows: labels.len(),
        flag_threshold: threshold,
        unsafe_precision: ratio(tp, tp + fp),
        unsafe_recall: ratio(tp, tp + fn_),
        unsafe_f1: f1(tp, fp, fn_),
        benign_false_flag: ratio(count(&|i| flagged[i] && labels[i].is_benign()), benign),
        borderline_false_flag: ratio(count(&|i| flagged[i] && labels[i].borderline), borderline),
        user_type_macro_f1,
        vulnerable_recall: ratio(
            user_type_confusion[vulnerable][vulnerable],
            user_type_confusion[vulnerable].iter().sum(),
        ),
        category_macro_f1,
        severity_accuracy: ratio(count(&|i| assessments[i].severity == labels[i].severity), labels.len()),
        severity_within_one: ratio(
            count(&|i| assessments[i].severity.abs_diff(labels[i].severity) <= 1),
            labels.len(),
        ),
        jailbreak_f1: f1(
            count(&|i| jailbreak(i) && labels[i].jailbreak),
            count(&|i| jailbreak(i) && !labels[i].jailbreak),
            count(&|i| !jailbreak(i) && labels[i].jailbreak),
        ),
        user_type_confusion,
        category_confusion,
    }
}

impl Report {
    /// One number to compare checkpoints on dev: the mean of the headline metrics,
    /// with false flags counted against.
    pub fn score(&self) -> f32 {
        (self.unsafe_f1 + self.user_type_macro_f1 + self.vulnerable_recall + self.category_macro_f1)
            / 4.0
            - self.benign_false_flag
            - 0.5 * self.borderline_false_flag
    }
}

fn matrix(f: &mut fmt::Formatter<'_>, names: &[&str], rows: &[Vec<usize>]) -> fmt::Result {
    let used: Vec<usize> = (0..names.len())
        .filter(|&c| rows[c].iter().sum::<usize>() + rows.iter().map(|r| r[c]).sum::<usize>() > 0)
        .collect();
    write!(f, "| gold \\ predicted |")?;
    for &c in &used {
        write!(f, " {} |", names[c])?;
    }
    writeln!(f)?;
    writeln!(f, "|---|{}", "---|".repeat(used.len()))?;
    for &g in &used {
        write!(f, "| {} |", names[g])?;
        for &p in &used {
            write!(f, " {} |", rows[g][p])?;
        }
        writeln!(f)?;
    }
    Ok(())
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "| metric | value |\n|---|---|")?;
        writeln!(f, "| rows | {} |", self.rows)?;
        writeln!(f, "| flag threshold (risk = 1 − P(none)) | {:.3} |", self.flag_threshold)?;
        let rows = [
            ("unsafe precision", self.unsafe_precision),
            ("unsafe recall", self.unsafe_recall),
            ("unsafe F1", self.unsafe_f1),
            ("false-flag rate, benign", self.benign_false_flag),
            ("false-flag rate, borderline-safe", self.borderline_false_flag),
            ("user-type macro-F1", self.user_type_macro_f1),
            ("vulnerable recall", self.vulnerable_recall),
            ("category macro-F1", self.category_macro_f1),
            ("severity accuracy", self.severity_accuracy),
            ("severity within one level", self.severity_within_one),
            ("jailbreak F1", self.jailbreak_f1),
        ];
        for (name, value) in rows {
            writeln!(f, "| {name} | {value:.3} |")?;
        }
        writeln!(f, "\nUser type:\n")?;
        matrix(f, &UserType::ALL.map(UserType::as_str), &self.user_type_confusion)?;
        writeln!(f, "\nCategory:\n")?;
        matrix(f, &Category::ALL.map(Category::as_str), &self.category_confusion)
    }
}
