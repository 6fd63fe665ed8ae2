//! Fitting the heads on frozen sentence vectors with burn's autodiff on the CPU:
//! class-weighted cross-entropy on every head, AdamW, seeded shuffling, early
//! stopping on the dev score.

use super::dataset::Labels;
use super::metrics::{Report, evaluate};
use crate::assess::{from_probs, head_probs};
use crate::model::{CATEGORIES, Heads, HeadsConfig, JAILBREAK, SEVERITIES, USER_TYPES};
use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamWConfig, GradientsParams};
use burn::tensor::{Device, Int, Tensor, TensorData};

/// Sentence vectors (row-major, `width` wide) with their labels.
pub struct Split<'a> {
    pub features: &'a [f32],
    pub width: usize,
    pub labels: &'a [Labels],
}

/// Knobs of one training run.
#[derive(Debug, Clone)]
pub struct Recipe {
    pub seed: u64,
    pub hidden: usize,
    pub learning_rate: f64,
    pub batch: usize,
    pub max_epochs: usize,
    pub patience: usize,
}

impl Default for Recipe {
    fn default() -> Self {
        Self { seed: 17, hidden: 256, learning_rate: 2e-3, batch: 64, max_epochs: 80, patience: 10 }
    }
}

/// A small deterministic generator (xorshift64*) for shuffling.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, (self.next() % (i as u64 + 1)) as usize);
        }
    }
}

/// Inverse square-root frequency weights, normalized to mean 1 over the classes seen;
/// a class never seen gets 1 (it has no targets, and burn wants every weight positive).
fn class_weights(targets: impl Iterator<Item = usize>, classes: usize) -> Vec<f32> {
    let mut counts = vec![0usize; classes];
    targets.for_each(|t| counts[t] += 1);
    let raw: Vec<f32> = counts.iter().map(|&c| if c == 0 { 0.0 } else { 1.0 / (c as f32).sqrt() }).collect();
    let seen = counts.iter().filter(|&&c| c > 0).count().max(1) as f32;
    let mean = raw.iter().sum::<f32>() / seen;
    raw.iter().map(|w| if *w == 0.0 { 1.0 } else { w / mean }).collect()
}

fn targets(labels: &[&Labels], device: &Device, f: impl Fn(&Labels) -> usize) -> Tensor<1, Int> {
    let values: Vec<i64> = labels.iter().map(|l| f(l) as i64).collect();
    Tensor::from_data(TensorData::new(values, [labels.len()]), device)
}

/// Head probabilities for every row of a split, as assessments.
pub fn predict(heads: &Heads, split: &Split, device: &Device) -> Vec<crate::Assessment> {
    let rows = split.labels.len();
    let x = Tensor::<2>::from_data(TensorData::new(split.features.to_vec(), [rows, split.width]), device);
    let probs = head_probs(heads, x).into_data().try_to_vec::<f32>().expect("f32 probabilities");
    let width = CATEGORIES + USER_TYPES + SEVERITIES + JAILBREAK;
    probs.chunks(width).map(|row| from_probs(row, Vec::new())).collect()
}

/// Trains heads on `train`, keeping the epoch with the best dev score. Returns the
/// heads (on a plain CPU device), the dev report of that epoch and the epochs run.
pub fn fit(train: &Split, dev: &Split, recipe: &Recipe, log: &mut dyn FnMut(&str)) -> (Heads, Report, usize) {
    let plain = Device::flex();
    let device = plain.clone().autodiff();
    device.seed(recipe.seed);
    let config = HeadsConfig { input: train.width, hidden: recipe.hidden };
    let mut heads = Heads::new(&config, &device);
    let mut optimizer = AdamWConfig::new().with_weight_decay(1e-4).init();
    let weights = |f: fn(&Labels) -> usize, classes| class_weights(train.labels.iter().map(f), classes);
    let loss_of = |w: Vec<f32>| CrossEntropyLossConfig::new().with_weights(Some(w)).init(&device);
    let category_loss = loss_of(weights(|l| l.category.index(), CATEGORIES));
    let user_loss = loss_of(weights(|l| l.user_type.index(), USER_TYPES));
    let severity_loss = loss_of(weights(|l| l.severity as usize, SEVERITIES));
    let jailbreak_loss = loss_of(weights(|l| l.jailbreak as usize, JAILBREAK));
    let mut rng = Rng(recipe.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut order: Vec<usize> = (0..train.labels.len()).collect();
    let mut best = (f32::MIN, heads.valid(), None::<Report>, 0usize);
    let mut epoch = 0;
    while epoch < recipe.max_epochs && epoch - best.3 <= recipe.patience {
        epoch += 1;
        rng.shuffle(&mut order);
        for chunk in order.chunks(recipe.batch) {
            let mut x = Vec::with_capacity(chunk.len() * train.width);
            for &i in chunk {
                x.extend_from_slice(&train.features[i * train.width..(i + 1) * train.width]);
            }
            let labels: Vec<&Labels> = chunk.iter().map(|&i| &train.labels[i]).collect();
            let x = Tensor::<2>::from_data(TensorData::new(x, [chunk.len(), train.width]), &device);
            let logits = heads.forward(x);
            let loss = category_loss.forward(logits.category, targets(&labels, &device, |l| l.category.index()))
                + user_loss.forward(logits.user_type, targets(&labels, &device, |l| l.user_type.index()))
                + severity_loss.forward(logits.severity, targets(&labels, &device, |l| l.severity as usize)) * 0.5
                + jailbreak_loss.forward(logits.jailbreak, targets(&labels, &device, |l| l.jailbreak as usize)) * 0.5;
            let grads = GradientsParams::from_grads(loss.backward(), &heads);
            heads = optimizer.step(recipe.learning_rate, heads, grads);
        }
        let valid = heads.valid();
        let report = evaluate(&predict(&valid, dev, &plain), dev.labels, 0.5);
        let score = report.score();
        log(&format!(
            "epoch {epoch:3}: dev score {score:.4} (unsafe F1 {:.3}, user F1 {:.3}, vulnerable recall {:.3}, category F1 {:.3}, benign FF {:.3}, borderline FF {:.3})",
            report.unsafe_f1, report.user_type_macro_f1, report.vulnerable_recall, report.category_macro_f1,
            report.benign_false_flag, report.borderline_false_flag
        ));
        if score > best.0 {
            best = (score, valid, Some(report), epoch);
        }
    }
    (best.1, best.2.expect("at least one epoch"), epoch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shuffling_is_deterministic_and_a_permutation() {
        let mut a: Vec<usize> = (0..50).collect();
        let mut b = a.clone();
        Rng(7).shuffle(&mut a);
        Rng(7).shuffle(&mut b);
        assert_eq!(a, b);
        assert_ne!(a, (0..50).collect::<Vec<_>>());
        a.sort();
        assert_eq!(a, (0..50).collect::<Vec<_>>());
    }

    #[test]
    fn rare_classes_weigh_more() {
        let w = class_weights([0, 0, 0, 0, 1].into_iter(), 3);
        assert!(w[1] > w[0]);
        assert_eq!(w[2], 1.0);
    }
}
