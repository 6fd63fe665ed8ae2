//! Fitting with burn's autodiff on the CPU: the top encoder layers (fine-tuned from their
//! pretrained weights) and the heads, on cached token states of the frozen lower layers,
//! to an objective (here the class-weighted cross-entropy on every head; `distill` brings
//! its own). AdamW (a small learning rate for the layers, a larger one for the heads),
//! seeded length-bucketed batches, early stopping on the dev score at the flag threshold
//! calibrated on dev (the metrics as they ship), optionally with the running mean of the
//! epochs' weights as a candidate too.

use super::dataset::Labels;
use super::metrics::calibrated;
use super::states::States;
use crate::assess::from_probs;
use crate::model::{Batch, CATEGORIES, Heads, JAILBREAK, Layer, Logits, SEVERITIES, USER_TYPES, pool};
use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::nn::loss::{CrossEntropyLoss, CrossEntropyLossConfig};
use burn::optim::{AdamWConfig, GradientsParams};
use burn::tensor::{Device, Int, Tensor, TensorData};

/// Some texts of the cached states with their labels.
pub struct Split<'a> {
    pub states: &'a States,
    pub rows: Vec<usize>,
    pub labels: Vec<Labels>,
}

/// What is trained: the top encoder layers and the heads on their pooled output.
#[derive(Module, Debug)]
pub(crate) struct Tuned {
    pub(crate) top: Vec<Layer>,
    pub(crate) heads: Heads,
}

impl Tuned {
    /// Logits of every head from the frozen layers' token states.
    pub(crate) fn logits(&self, states: Tensor<3>, batch: &Batch) -> Logits {
        self.forward(states, batch).1
    }

    /// The pooled sentence vectors and the logits of every head.
    pub(crate) fn forward(&self, states: Tensor<3>, batch: &Batch) -> (Tensor<2>, Logits) {
        let pooled = top_pooled(&self.top, states, batch);
        (pooled.clone(), self.heads.forward(pooled))
    }
}

/// What a fit minimizes.
pub(crate) trait Objective {
    /// The loss of one batch: the train texts at positions `chunk` of the fit's train rows.
    fn loss(&self, tuned: &Tuned, states: Tensor<3>, batch: &Batch, chunk: &[usize]) -> Tensor<1>;
}

/// Class-weighted cross-entropy on every head (severity and jailbreak count half), with
/// class weights from the labels it was made with. The category head learns the topic
/// or the harm category, as the heads read it (`HeadsConfig::topic`).
pub(crate) struct Supervised {
    labels: Vec<Labels>,
    category_of: fn(&Labels) -> usize,
    category: CrossEntropyLoss,
    user_type: CrossEntropyLoss,
    severity: CrossEntropyLoss,
    jailbreak: CrossEntropyLoss,
}

impl Supervised {
    /// The objective for train rows with these labels (in train-row order).
    pub(crate) fn new(labels: Vec<Labels>, topic: bool, device: &Device) -> Self {
        let loss = |f: fn(&Labels) -> usize, classes| {
            let weights = class_weights(labels.iter().map(f), classes);
            CrossEntropyLossConfig::new().with_weights(Some(weights)).init(device)
        };
        let category_of: fn(&Labels) -> usize = if topic { |l| l.topic.index() } else { |l| l.category().index() };
        Self {
            category_of,
            category: loss(category_of, CATEGORIES),
            user_type: loss(|l| l.user_type.index(), USER_TYPES),
            severity: loss(|l| l.severity as usize, SEVERITIES),
            jailbreak: loss(|l| l.jailbreak as usize, JAILBREAK),
            labels,
        }
    }

    /// The loss of `logits` (one row per label) against `labels`.
    pub(crate) fn hard_loss(&self, logits: Logits, labels: &[&Labels]) -> Tensor<1> {
        let device = logits.category.device();
        self.category.forward(logits.category, targets(labels, &device, self.category_of))
            + self.user_type.forward(logits.user_type, targets(labels, &device, |l| l.user_type.index()))
            + self.severity.forward(logits.severity, targets(labels, &device, |l| l.severity as usize)) * 0.5
            + self.jailbreak.forward(logits.jailbreak, targets(labels, &device, |l| l.jailbreak as usize)) * 0.5
    }
}

impl Objective for Supervised {
    fn loss(&self, tuned: &Tuned, states: Tensor<3>, batch: &Batch, chunk: &[usize]) -> Tensor<1> {
        let labels: Vec<&Labels> = chunk.iter().map(|&i| &self.labels[i]).collect();
        self.hard_loss(tuned.logits(states, batch), &labels)
    }
}

/// The top layers' pooled, normalized output for the frozen layers' token states.
fn top_pooled(top: &[Layer], states: Tensor<3>, batch: &Batch) -> Tensor<2> {
    pool(top.iter().fold(states, |x, layer| layer.forward(x, batch.padding())), batch)
}

/// The pooled output of `top` (not trained) for every text of `states`, as one-token states.
pub(crate) fn pooled(top: &[Layer], states: &States, device: &Device) -> States {
    let texts = states.texts();
    let mut order: Vec<usize> = (0..texts).collect();
    order.sort_by_key(|&i| states.len(i));
    let mut rows: Vec<Vec<f32>> = vec![Vec::new(); texts];
    for chunk in order.chunks(64) {
        let (x, batch) = states.batch(chunk, device);
        let vectors = top_pooled(top, x, &batch).into_data().try_to_vec::<f32>().expect("f32 vectors");
        let width = vectors.len() / chunk.len();
        for (&i, vector) in chunk.iter().zip(vectors.chunks(width)) {
            rows[i] = vector.to_vec();
        }
    }
    let width = rows.first().map_or(0, Vec::len);
    States::from_vectors(rows.concat(), width)
}

/// Knobs of one training run: first the heads alone on the pooled output of the
/// untouched encoder (cheap: a few one-second epochs), then the top layers and the heads together.
#[derive(Debug, Clone)]
pub struct Recipe {
    pub seed: u64,
    pub hidden: usize,
    /// Train the category head as a topic head (`HeadsConfig::topic`).
    pub topic: bool,
    /// How many of the encoder's top layers are fine-tuned (0: heads only).
    pub tuned_layers: usize,
    pub heads: Stage,
    pub joint: Stage,
}

/// Knobs of one training stage.
#[derive(Debug, Clone)]
pub struct Stage {
    pub learning_rate: f64,
    pub layer_learning_rate: f64,
    pub batch: usize,
    pub max_epochs: usize,
    pub patience: usize,
    /// Both learning rates fall linearly from their value to zero over `max_epochs`
    /// (false: constant).
    pub decay: bool,
    /// From this epoch on (0: never), the mean of the weights at the end of each epoch so far
    /// is a candidate beside the epoch's own weights (stochastic weight averaging).
    pub average_from: usize,
}

impl Default for Recipe {
    fn default() -> Self {
        Self {
            seed: 17,
            hidden: 256,
            topic: false,
            // Three tuned layers (run 18): category F1 +3.4 on dev over two (run 16); four
            // epochs of about 10 minutes each on 2 cores (49.8 min in all with cold caches).
            tuned_layers: 3,
            // A short warm-up of the heads: heads trained alone to convergence (run 6: 41 epochs)
            // made the joint stage end worse on dev on every metric than 4 epochs did (run 4).
            heads: Stage { learning_rate: 2e-3, layer_learning_rate: 0.0, batch: 64, max_epochs: 4, patience: 10, decay: false, average_from: 0 },
            // Four joint epochs: with two tuned layers run 9 rose at every one of six; with three
            // an epoch takes half as long again, and run 18 still rose at its fourth.
            joint: Stage { learning_rate: 2e-4, layer_learning_rate: 5e-5, batch: 32, max_epochs: 4, patience: 2, decay: false, average_from: 0 },
        }
    }
}

/// A small deterministic generator (xorshift64*) for shuffling and augmenting.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub(crate) fn shuffle<T>(&mut self, items: &mut [T]) {
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

/// The factor on the learning rates at `step` (from 0) of `steps`: 1, or falling linearly
/// towards 0 when decaying.
fn rate_scale(decay: bool, step: usize, steps: usize) -> f64 {
    if decay { 1.0 - step as f64 / steps as f64 } else { 1.0 }
}

/// Batches of positions `0..lens.len()` of similar length (little padding), in a seeded order.
fn batches(lens: &[usize], size: usize, rng: &mut Rng) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..lens.len()).collect();
    rng.shuffle(&mut order);
    for pool in order.chunks_mut(size * 16) {
        pool.sort_by_key(|&i| lens[i]);
    }
    let mut batches: Vec<Vec<usize>> = order.chunks(size).map(<[usize]>::to_vec).collect();
    rng.shuffle(&mut batches);
    batches
}

/// Head probabilities for every text of a split, as assessments (in split order).
pub(crate) fn predict(tuned: &Tuned, split: &Split, device: &Device) -> Vec<crate::Assessment> {
    let width = CATEGORIES + USER_TYPES + SEVERITIES + JAILBREAK;
    let mut order: Vec<usize> = (0..split.rows.len()).collect();
    order.sort_by_key(|&i| split.states.len(split.rows[i]));
    let mut out = vec![None; order.len()];
    for chunk in order.chunks(64) {
        let rows: Vec<usize> = chunk.iter().map(|&i| split.rows[i]).collect();
        let (states, batch) = split.states.batch(&rows, device);
        let probs = tuned.heads.probs(tuned.logits(states, &batch)).into_data().try_to_vec::<f32>().expect("f32 probabilities");
        for (&i, row) in chunk.iter().zip(probs.chunks(width)) {
            out[i] = Some(from_probs(row, Vec::new()));
        }
    }
    out.into_iter().map(|a| a.expect("every row predicted")).collect()
}

/// The float weights of a module, each flattened, in visiting order.
struct Flattened(Vec<Tensor<1>>);

impl ModuleVisitor for Flattened {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let weights = param.val();
        let count = weights.shape().num_elements();
        self.0.push(weights.reshape([count]));
    }
}

/// Moves each float weight of a module `fraction` of the way towards the matching weight of another.
struct Towards {
    targets: std::vec::IntoIter<Tensor<1>>,
    fraction: f64,
}

impl ModuleMapper for Towards {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let target = self.targets.next().expect("both modules have the same weights");
        let fraction = self.fraction;
        param.map(|weights| {
            let target = target.reshape(weights.shape());
            weights.clone() + (target - weights) * fraction
        })
    }
}

/// The running mean `mean` of `count - 1` models, with `next` added: the mean of `count`.
fn add_to_mean(mean: Tuned, next: &Tuned, count: usize) -> Tuned {
    let mut flattened = Flattened(Vec::new());
    next.visit(&mut flattened);
    mean.map(&mut Towards { targets: flattened.0.into_iter(), fraction: 1.0 / count as f64 })
}

/// What a fit kept: the model (without autodiff), the epochs run and which candidate it is
/// ("epoch 3", "mean of epochs 2-4").
pub(crate) struct Fitted {
    pub(crate) tuned: Tuned,
    pub(crate) epochs: usize,
    pub(crate) kept: String,
}

/// Trains `tuned` (made on `device`, an autodiff device) on texts `train_rows` of
/// `train_states` to `objective`, keeping the candidate (an epoch's weights, or their running
/// mean from `recipe.average_from`) with the best dev score.
#[allow(clippy::too_many_arguments)]
pub(crate) fn fit(
    mut tuned: Tuned,
    (train_states, train_rows): (&States, &[usize]),
    dev: &Split,
    objective: &dyn Objective,
    recipe: &Stage,
    seed: u64,
    device: &Device,
    log: &mut dyn FnMut(&str),
) -> Fitted {
    let plain = Device::flex();
    let mut layer_optimizer = AdamWConfig::new().with_weight_decay(1e-2).init();
    let mut head_optimizer = AdamWConfig::new().with_weight_decay(1e-4).init();
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let lens: Vec<usize> = train_rows.iter().map(|&i| train_states.len(i)).collect();
    // Epoch 0 is the model as given: a stage that only makes it worse keeps it unchanged.
    let valid = tuned.valid();
    let initial = calibrated(&predict(&valid, dev, &plain), &dev.labels);
    log(&format!("epoch   0: dev score {:.4}", initial.score()));
    let mut best = (initial.score(), valid, 0usize, "epoch 0".to_string());
    let mut mean: Option<Tuned> = None;
    let steps = (recipe.max_epochs * lens.len().div_ceil(recipe.batch)).max(1);
    let (mut epoch, mut step) = (0, 0);
    while epoch < recipe.max_epochs && epoch - best.2 <= recipe.patience {
        epoch += 1;
        let started = std::time::Instant::now();
        for chunk in batches(&lens, recipe.batch, &mut rng) {
            let scale = rate_scale(recipe.decay, step, steps);
            step += 1;
            let rows: Vec<usize> = chunk.iter().map(|&i| train_rows[i]).collect();
            let (states, batch) = train_states.batch(&rows, device);
            let mut grads = objective.loss(&tuned, states, &batch, &chunk).backward();
            let head_grads = GradientsParams::from_module(&mut grads, &tuned.heads);
            let layer_grads = GradientsParams::from_module(&mut grads, &tuned.top);
            let Tuned { top, heads } = tuned;
            tuned = Tuned {
                top: layer_optimizer.step(recipe.layer_learning_rate * scale, top, layer_grads),
                heads: head_optimizer.step(recipe.learning_rate * scale, heads, head_grads),
            };
        }
        let valid = tuned.valid();
        let report = calibrated(&predict(&valid, dev, &plain), &dev.labels);
        let score = report.score();
        log(&format!(
            "epoch {epoch:3} ({:.0} s): dev score {score:.4} (threshold {:.3}: unsafe F1 {:.3}, user F1 {:.3}, vulnerable recall {:.3}, category F1 {:.3}, benign FF {:.3}, borderline FF {:.3})",
            started.elapsed().as_secs_f32(),
            report.flag_threshold,
            report.unsafe_f1, report.user_type_macro_f1, report.vulnerable_recall, report.category_macro_f1,
            report.benign_false_flag, report.borderline_false_flag
        ));
        if recipe.average_from > 0 && epoch >= recipe.average_from {
            let count = epoch + 1 - recipe.average_from;
            let averaged = match mean.take() {
                Some(mean) => add_to_mean(mean, &valid, count),
                None => valid.clone(),
            };
            if count > 1 {
                let report = calibrated(&predict(&averaged, dev, &plain), &dev.labels);
                let kept = format!("mean of epochs {}-{epoch}", recipe.average_from);
                log(&format!("{kept}: dev score {:.4} (threshold {:.3})", report.score(), report.flag_threshold));
                if report.score() > best.0 {
                    best = (report.score(), averaged.clone(), epoch, kept);
                }
            }
            mean = Some(averaged);
        }
        if score > best.0 {
            best = (score, valid, epoch, format!("epoch {epoch}"));
        }
    }
    log(&format!("kept {}", best.3));
    Fitted { tuned: best.1, epochs: epoch, kept: best.3 }
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
    fn batches_cover_every_row_once_and_group_similar_lengths() {
        let lens: Vec<usize> = (0..1000).map(|i| (i * 37) % 200 + 1).collect();
        let batches = batches(&lens, 32, &mut Rng(3));
        assert!(batches.iter().all(|b| !b.is_empty() && b.len() <= 32));
        let mut seen: Vec<usize> = batches.concat();
        seen.sort();
        assert_eq!(seen, (0..1000).collect::<Vec<_>>());
        let spread = |b: &Vec<usize>| b.iter().map(|&i| lens[i]).max().unwrap() - b.iter().map(|&i| lens[i]).min().unwrap();
        let mean_spread = batches.iter().map(spread).sum::<usize>() as f32 / batches.len() as f32;
        assert!(mean_spread < 40.0, "batches mix lengths: mean spread {mean_spread}");
    }

    #[test]
    fn decaying_rates_fall_linearly_from_one_and_stay_positive() {
        let scales: Vec<f64> = (0..4).map(|s| rate_scale(true, s, 4)).collect();
        assert_eq!(scales, vec![1.0, 0.75, 0.5, 0.25]);
        assert!((0..4).all(|s| rate_scale(false, s, 4) == 1.0));
    }

    #[test]
    fn the_running_mean_of_models_is_the_mean_of_their_weights() {
        use crate::model::HeadsConfig;
        let device = Device::flex();
        let config = HeadsConfig { input: 8, hidden: 4, topic: false };
        let models: Vec<Tuned> = (0..3).map(|_| Tuned { top: Vec::new(), heads: Heads::new(&config, &device) }).collect();
        let flat = |m: &Tuned| -> Vec<f32> {
            m.heads.weights().unwrap().into_iter().flat_map(|(_, w)| w.values).collect()
        };
        let mean = models[1..].iter().enumerate().fold(models[0].clone(), |mean, (i, next)| add_to_mean(mean, next, i + 2));
        let expected: Vec<f32> =
            (0..flat(&models[0]).len()).map(|j| models.iter().map(|m| flat(m)[j]).sum::<f32>() / 3.0).collect();
        assert_ne!(flat(&models[0]), flat(&models[1]), "the models differ");
        for (got, want) in flat(&mean).iter().zip(&expected) {
            assert!((got - want).abs() < 1e-5, "{got} against {want}");
        }
    }

    #[test]
    fn rare_classes_weigh_more() {
        let w = class_weights([0, 0, 0, 0, 1].into_iter(), 3);
        assert!(w[1] > w[0]);
        assert_eq!(w[2], 1.0);
    }
}
