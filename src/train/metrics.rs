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
    let category_gold: Vec<usize> = labels.iter().map(|l| l.category().index()).collect();
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

/// The flag thresholds `calibrated` chooses from: every hundredth, then every thousandth
/// above 0.99 (a confident model puts benign and harmful risks close to 1).
fn candidate_thresholds() -> impl Iterator<Item = f32> {
    (5..=99).map(|t| t as f32 / 100.0).chain((991..=999).map(|t| t as f32 / 1000.0))
}

/// The report at the flag threshold that ships: the best unsafe F1 among thresholds that
/// keep false flags under 3% on benign and 6% on borderline-safe messages (else the fewest
/// false flags). Picked on dev only.
pub fn calibrated(assessments: &[Assessment], labels: &[Labels]) -> Report {
    let candidates: Vec<Report> = candidate_thresholds().map(|t| evaluate(assessments, labels, t)).collect();
    let false_flags = |r: &Report| r.benign_false_flag + r.borderline_false_flag;
    let within = candidates
        .iter()
        .filter(|r| r.benign_false_flag <= 0.03 && r.borderline_false_flag <= 0.06)
        .max_by(|a, b| a.unsafe_f1.total_cmp(&b.unsafe_f1));
    let fewest = || candidates.iter().min_by(|a, b| false_flags(a).total_cmp(&false_flags(b))).expect("candidates");
    within.unwrap_or_else(fewest).clone()
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
        writeln!(f, "| flag threshold (on the risk) | {:.3} |", self.flag_threshold)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assess::from_probs;

    /// An assessment with this risk (the rest on "none"), read as `user_type`.
    fn assessed(risk: f32, category: Category, user_type: UserType) -> Assessment {
        let mut row = vec![0.0; 16 + 3 + 5 + 2];
        row[Category::None.index()] = 1.0 - risk;
        row[category.index()] += risk;
        row[16 + user_type.index()] = 1.0;
        row[16 + 3] = 1.0;
        row[16 + 3 + 5] = 1.0;
        // Flagging reads only `risk`; set it as given rather than through both heads.
        Assessment { risk, ..from_probs(&row, Vec::new()) }
    }

    fn labelled(category: Category, user_type: UserType) -> Labels {
        Labels { topic: category, user_type, severity: 0, jailbreak: false, borderline: false }
    }

    #[test]
    fn the_shipped_threshold_keeps_false_flags_under_the_caps() {
        // 100 benign messages, two of them scored 0.996 and 0.955;
        // 20 harmful ones scored 0.98 to 0.9995.
        let mut assessments = vec![];
        let mut labels = vec![];
        for i in 0..100 {
            let risk = match i {
                0 => 0.996,
                1 => 0.955,
                _ => 0.1,
            };
            assessments.push(assessed(risk, Category::Cyber, UserType::Benign));
            labels.push(labelled(Category::None, UserType::Benign));
        }
        for i in 0..20 {
            assessments.push(assessed(0.98 + 0.001 * i as f32, Category::Cyber, UserType::Malicious));
            labels.push(labelled(Category::Cyber, UserType::Malicious));
        }
        let report = calibrated(&assessments, &labels);
        assert!(report.benign_false_flag <= 0.03, "{report}");
        assert!(report.unsafe_recall == 1.0 && report.unsafe_precision < 1.0, "flags every harmful message: {report}");
        assert!(report.flag_threshold > 0.955 && report.flag_threshold < 0.98, "the best F1 within the caps: {report}");

        // When no threshold meets the caps (benign scored above every candidate), the fewest false flags.
        let all_flagged: Vec<Assessment> = (0..10).map(|_| assessed(0.9999, Category::Cyber, UserType::Benign)).collect();
        let benign: Vec<Labels> = (0..10).map(|_| labelled(Category::None, UserType::Benign)).collect();
        assert_eq!(calibrated(&all_flagged, &benign).benign_false_flag, 1.0);
    }
}
