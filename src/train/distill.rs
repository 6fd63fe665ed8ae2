//! `nacre distill`: a small student from the shipped teacher. The student keeps chosen
//! teacher layers (layer dropping) over a pruned vocabulary; its top layers and heads are
//! trained on the train split and seeded variants of it to match the teacher's softened
//! heads (KL at a temperature, scaled by its square) and pooled vector (cosine), plus the
//! hard labels where there are any (and, if weighted, the teacher's unsoftened risk). Model
//! selection and the flag threshold use dev only.

use super::augment;
use super::dataset::{Example, Labels};
use super::fit::{Objective, Split, Stage, Supervised, Tuned, fit};
use super::metrics::Report;
use super::states::States;
use super::student::{self, Shape};
use super::targets::Targets;
use super::views::views;
use super::vocab::{self, Coverage};
use super::calibrate;
use crate::artifact::Artifact;
use crate::error::{Error, ErrorCode, Result};
use crate::model::{Batch, Encoder, EncoderConfig, Heads, HeadsConfig, Logits};
use crate::taxonomy::Category;
use crate::{BackendRequest, Calibration, Nacre};
use burn::tensor::activation::{log_softmax, softmax};
use burn::tensor::{Device, Int, Tensor, TensorData};
use serde_json::json;
use std::path::Path;

/// Knobs of one distillation run.
#[derive(Debug, Clone)]
pub struct DistillRecipe {
    pub seed: u64,
    /// The student's network: which teacher layers, window length, feed-forward width.
    pub shape: Shape,
    /// How many of the student's top layers are trained (the rest and the embeddings stay as the teacher's).
    pub trained_layers: usize,
    /// Tokens the pruned vocabulary keeps, special tokens included.
    pub vocabulary: usize,
    pub temperature: f32,
    /// Weight of the cosine loss to the teacher's pooled vector.
    pub cosine_weight: f32,
    /// Weight of the hard-label cross-entropy on labelled rows.
    pub hard_weight: f32,
    /// Weight of the cross-entropy to the teacher's risk (1 − P(none), unsoftened): the
    /// number the flag is set on.
    pub risk_weight: f32,
    pub stage: Stage,
}

impl Default for DistillRecipe {
    fn default() -> Self {
        Self {
            seed: 17,
            shape: Shape { layers: vec![0, 5], max_len: 128, intermediate_size: None },
            trained_layers: 1,
            vocabulary: 6_000,
            temperature: 2.0,
            cosine_weight: 1.0,
            hard_weight: 1.0,
            risk_weight: 0.0,
            stage: Stage { learning_rate: 2e-4, layer_learning_rate: 1e-4, batch: 32, max_epochs: 3, patience: 2, decay: false, average_from: 0 },
        }
    }
}

/// What a distillation run produced.
pub struct Distilled {
    /// What distillation made (`student::trained_file`): `nacre pack --student` assembles
    /// the shipped student from it, the base encoder and the policy.
    pub file: Vec<u8>,
    pub dev: Report,
    pub epochs: usize,
}

/// The distillation objective over the fit's train rows (the targets' rows, in order).
struct Distillation<'a> {
    targets: &'a Targets,
    /// Labels of each train row that has them.
    labels: &'a [Option<Labels>],
    supervised: Supervised,
    recipe: &'a DistillRecipe,
}

/// Binary cross-entropy of the student's risk (1 − P(none)) against the teacher's, mean over rows.
fn risk_loss(student: Tensor<2>, teacher: Tensor<2>) -> Tensor<1> {
    let none = Category::None.index();
    let safe = |logits: Tensor<2>| softmax(logits, 1).narrow(1, none, 1).clamp(1e-6, 1.0 - 1e-6);
    let (target, p) = (safe(teacher), safe(student));
    let (log_safe, log_risky) = (p.clone().log(), p.neg().add_scalar(1.0).log());
    (target.clone() * log_safe + target.neg().add_scalar(1.0) * log_risky).mean().neg()
}

/// KL divergence of the student's softened distribution from the teacher's, mean over rows.
fn soft_loss(student: Tensor<2>, teacher: Tensor<2>, temperature: f32) -> Tensor<1> {
    let rows = student.dims()[0] as f32;
    let target = softmax(teacher.div_scalar(temperature), 1);
    let log_student = log_softmax(student.div_scalar(temperature), 1);
    (target.clone() * (target.clamp_min(1e-12).log() - log_student)).sum().div_scalar(rows)
}

fn select(logits: Logits, rows: Tensor<1, Int>) -> Logits {
    Logits {
        category: logits.category.select(0, rows.clone()),
        user_type: logits.user_type.select(0, rows.clone()),
        severity: logits.severity.select(0, rows.clone()),
        jailbreak: logits.jailbreak.select(0, rows),
    }
}

impl Objective for Distillation<'_> {
    fn loss(&self, tuned: &Tuned, states: Tensor<3>, batch: &Batch, chunk: &[usize]) -> Tensor<1> {
        let (pooled, logits) = tuned.forward(states, batch);
        let device = pooled.device();
        let (teacher, teacher_pooled) = self.targets.batch(chunk, &device);
        let t = self.recipe.temperature;
        let soft = soft_loss(logits.category.clone(), teacher.category.clone(), t)
            + soft_loss(logits.user_type.clone(), teacher.user_type, t)
            + soft_loss(logits.severity.clone(), teacher.severity, t) * 0.5
            + soft_loss(logits.jailbreak.clone(), teacher.jailbreak, t) * 0.5;
        // Both vectors are L2-normalized: cosine distance is 1 − their dot product.
        let cosine = (pooled * teacher_pooled).sum_dim(1).mean().neg().add_scalar(1.0);
        let mut loss = soft * (t * t) + cosine * self.recipe.cosine_weight;
        if self.recipe.risk_weight > 0.0 {
            loss = loss + risk_loss(logits.category.clone(), teacher.category) * self.recipe.risk_weight;
        }
        let labelled: Vec<(i64, &Labels)> =
            chunk.iter().enumerate().filter_map(|(j, &i)| self.labels[i].as_ref().map(|l| (j as i64, l))).collect();
        if labelled.is_empty() {
            return loss;
        }
        let rows = Tensor::from_data(TensorData::new(labelled.iter().map(|(j, _)| *j).collect(), [labelled.len()]), &device);
        let labels: Vec<&Labels> = labelled.iter().map(|(_, l)| *l).collect();
        loss + self.supervised.hard_loss(select(logits, rows), &labels) * self.recipe.hard_weight
    }
}

/// Distills `teacher` (whose file is `teacher_bytes`) on the `train` split of `examples`
/// and seeded variants of it; selects and calibrates on `dev`. The student starts from the
/// teacher's layers and heads, or from `from`, a student's trained file (what an earlier
/// run wrote, with the same vocabulary and layers), to go on distilling it.
pub fn distill(
    teacher: &Nacre,
    teacher_bytes: &[u8],
    examples: &[Example],
    recipe: &DistillRecipe,
    from: Option<&[u8]>,
    cache: &Path,
    log: &mut dyn FnMut(&str),
) -> Result<Distilled> {
    let artifact = Artifact::parse(teacher_bytes)?;
    let of_split = |name: &'static str| examples.iter().filter(move |e| e.split == name);
    let variants: Vec<String> = augment::variants(&of_split("train").map(|e| e.text.as_str()).collect::<Vec<_>>(), recipe.seed)
        .into_iter()
        .filter(|v| teacher.prepare(v).is_ok())
        .collect();
    // The texts the student learns from: the train split's views, then the variants (unlabelled).
    let views = views(teacher, examples)?;
    let of_views = |name: &'static str| views.iter().filter(move |v| v.split == name);
    let mut labels: Vec<Option<Labels>> = of_views("train").map(|v| Some(v.labels)).collect();
    let mut corpus: Vec<&str> = of_views("train").map(|v| v.text.as_str()).collect();
    corpus.extend(variants.iter().map(String::as_str));
    labels.resize(corpus.len(), None);
    let dev_views: Vec<&str> = of_views("dev").map(|v| v.text.as_str()).collect();
    let dev_view_labels: Vec<Labels> = of_views("dev").map(|v| v.labels).collect();
    let dev_texts: Vec<&str> = of_split("dev").map(|e| e.text.as_str()).collect();
    log(&format!("{} train windows and {} variants; {} dev rows", labels.iter().flatten().count(), variants.len(), dev_texts.len()));

    let pruned = vocab::prune(artifact.tokenizer_json(), &vocab::count(&teacher.tokenizer, &corpus)?, recipe.vocabulary)?;
    let teacher_heads: HeadsConfig = artifact.document("heads")?;
    let shape = &recipe.shape;
    let frozen = shape.layers.len() - recipe.trained_layers.min(shape.layers.len());
    let continued = from.map(|bytes| student::trained_weights(bytes, &pruned, shape, frozen)).transpose()?.unwrap_or_default();
    let draft = student::file(&artifact, &teacher_heads, &pruned, shape, &continued, &[("calibration", json!(Calibration { flag_threshold: 0.5 }))])?;
    let start = pollster::block_on(Nacre::load(&draft, BackendRequest::Cpu))?;
    let (before, after) = (vocab::coverage(&teacher.tokenizer, &dev_texts)?, vocab::coverage(&start.tokenizer, &dev_texts)?);
    let describe = |c: &Coverage| format!("[UNK] {:.3}%, {:.3} tokens/word", c.unknown_rate * 100.0, c.tokens_per_word);
    log(&format!("vocabulary {} → {} tokens; dev: teacher {}, student {}", teacher.tokenizer.vocab_size(), pruned.kept.len(), describe(&before), describe(&after)));

    untouched_by_teacher(&artifact, &shape.layers[..frozen])?;
    let texts: Vec<&str> = corpus.iter().chain(&dev_views).copied().collect();
    log(&format!("student token states of {} texts after {frozen} frozen layers; teacher targets", texts.len()));
    let states = States::compute(&start, &draft, &texts, frozen, cache)?;
    let targets = Targets::compute(teacher, teacher_bytes, &corpus, shape.max_len, cache)?;
    let train_rows: Vec<usize> = (0..corpus.len()).collect();
    let dev = Split { states: &states, rows: (corpus.len()..texts.len()).collect(), labels: dev_view_labels };

    let device = Device::flex().autodiff();
    device.seed(recipe.seed);
    let draft_artifact = Artifact::parse(&draft)?;
    let config: EncoderConfig = draft_artifact.document("encoder")?;
    let initial = Tuned {
        top: Encoder::load(&config, &draft_artifact, &device)?.into_top_layers(shape.layers.len() - frozen),
        heads: Heads::load(&teacher_heads, &draft_artifact, &device)?,
    };
    let objective = Distillation {
        targets: &targets,
        labels: &labels,
        supervised: Supervised::new(labels.iter().flatten().copied().collect(), teacher_heads.topic, &device),
        recipe,
    };
    let fitted = fit(initial, (&states, &train_rows), &dev, &objective, &recipe.stage, recipe.seed, &device, log);
    let (tuned, epochs) = (fitted.tuned, fitted.epochs);

    let mut trained = tuned.heads.weights()?;
    for (j, layer) in tuned.top.iter().enumerate() {
        trained.extend(layer.weights(&format!("encoder.layer.{}", frozen + j))?);
    }
    let file = |calibration: Calibration, dev: Option<&Report>| {
        let training = json!({
            "recipe": format!("{recipe:?}"),
            "teacher_layers": shape.layers,
            "intermediate_size": shape.intermediate_size,
            "trained_layers": (frozen..shape.layers.len()).collect::<Vec<_>>(),
            "vocabulary": pruned.kept.len(),
            "dev_coverage": {"teacher": before, "student": after},
            "epochs": epochs,
            "kept": fitted.kept,
            "train_windows": labels.iter().flatten().count(),
            "variants": variants.len(),
            "dev_rows": dev_texts.len(),
            "dev": dev,
        });
        student::trained_file(&pruned, shape, &teacher_heads, &trained, &[("calibration", json!(calibration)), ("training", training)])
    };
    // Calibrate on the student as it ships (assembled, int8, windows), like `train`.
    let shipped = student::assemble(teacher_bytes, &file(Calibration { flag_threshold: 0.5 }, None))?;
    let report = calibrate(&pollster::block_on(Nacre::load(&shipped, BackendRequest::Cpu))?, examples)?;
    let calibration = Calibration { flag_threshold: report.flag_threshold };
    Ok(Distilled { file: file(calibration, Some(&report)), dev: report, epochs })
}

/// The student's untrained layers must be the base encoder's (the teacher's training
/// left them alone): the student is shipped assembled from the base encoder.
fn untouched_by_teacher(teacher: &Artifact, layers: &[usize]) -> Result<()> {
    let training: serde_json::Value = teacher.document("training").unwrap_or_default();
    let tuned: Vec<usize> = serde_json::from_value(training["tuned_layers"].clone()).unwrap_or_default();
    match layers.iter().find(|l| tuned.contains(l)) {
        Some(layer) => Err(Error::new(
            ErrorCode::InvalidArgument,
            format!("student layer {layer} is kept frozen but the teacher fine-tuned it: train it (--tune-layers) or pick another"),
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CATEGORIES;

    /// Category logits of one row whose risk is `risk`, all of it on self-harm.
    fn with_risk(risk: f32) -> Tensor<2> {
        let mut row = vec![-30.0; CATEGORIES];
        row[Category::None.index()] = (1.0 - risk).ln();
        row[Category::SelfHarm.index()] = risk.ln();
        Tensor::from_data(TensorData::new(row, [1, CATEGORIES]), &Device::flex())
    }

    #[test]
    fn the_risk_loss_is_least_where_the_student_matches_the_teachers_risk() {
        let loss = |student: f32| -> f32 { risk_loss(with_risk(student), with_risk(0.9)).into_scalar() };
        let (matched, unsure, missed) = (loss(0.9), loss(0.5), loss(0.05));
        assert!(matched < unsure && unsure < missed, "{matched} {unsure} {missed}");
        assert!((matched - 0.325).abs() < 1e-3, "the teacher's own entropy: {matched}");
    }
}
