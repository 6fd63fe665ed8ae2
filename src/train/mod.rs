//! `nacre train`: reads the labelled data, embeds every text with the (frozen) encoder
//! of a model artifact, fits the heads, picks the flag threshold on dev, and writes the
//! small heads file that `nacre pack --heads` folds into the shipped artifact.

pub mod dataset;
mod fit;
pub mod metrics;

pub use fit::Recipe;

use crate::artifact::{ArtifactWriter, Precision};
use crate::error::Result;
use crate::{Calibration, Nacre};
use dataset::{Example, Labels};
use fit::{Split, fit, predict};
use metrics::{Report, evaluate};
use sha2::{Digest, Sha256};
use std::path::Path;

/// Texts per encoder batch when embedding the data set.
const BATCH: usize = 32;

/// Sentence vectors of `texts` (row-major), computed in length-sorted batches and cached
/// under `cache` keyed by the model and the texts.
pub fn features(nacre: &Nacre, model_bytes: &[u8], texts: &[&str], cache: &Path) -> Result<(Vec<f32>, usize)> {
    let mut key = Sha256::new();
    key.update(Sha256::digest(model_bytes));
    texts.iter().for_each(|t| key.update([t.as_bytes(), b"\0"].concat()));
    let path = cache.join(format!("features-{}.f32", hex(&key.finalize()[..12])));
    if let Ok(bytes) = std::fs::read(&path) {
        let values: Vec<f32> = bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
        if !texts.is_empty() && values.len() % texts.len() == 0 {
            return Ok((values.clone(), values.len() / texts.len()));
        }
    }
    let prepared = texts.iter().map(|t| nacre.prepare(t)).collect::<Result<Vec<_>>>()?;
    let mut order: Vec<usize> = (0..texts.len()).collect();
    order.sort_by_key(|&i| prepared[i].ids.len());
    let mut rows = vec![Vec::new(); texts.len()];
    for chunk in order.chunks(BATCH) {
        let batch: Vec<_> = chunk.iter().map(|&i| prepared[i].clone()).collect();
        for (&i, vector) in chunk.iter().zip(pollster::block_on(nacre.embed_prepared(&batch))?) {
            rows[i] = vector;
        }
    }
    let width = rows.first().map_or(0, Vec::len);
    let values: Vec<f32> = rows.concat();
    std::fs::create_dir_all(cache)?;
    std::fs::write(&path, values.iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<u8>>())?;
    Ok((values, width))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The flag threshold: the best unsafe F1 on dev among thresholds that keep false flags
/// under 3% on benign and 6% on borderline-safe messages (else the fewest false flags).
pub fn pick_threshold(assessments: &[crate::Assessment], labels: &[Labels]) -> f32 {
    let candidates: Vec<Report> = (5..=95).map(|t| evaluate(assessments, labels, t as f32 / 100.0)).collect();
    let within = candidates
        .iter()
        .filter(|r| r.benign_false_flag <= 0.03 && r.borderline_false_flag <= 0.06)
        .max_by(|a, b| a.unsafe_f1.total_cmp(&b.unsafe_f1));
    let fallback = || {
        candidates
            .iter()
            .min_by(|a, b| (a.benign_false_flag + a.borderline_false_flag).total_cmp(&(b.benign_false_flag + b.borderline_false_flag)))
            .expect("candidates")
    };
    within.unwrap_or_else(fallback).flag_threshold
}

/// What a training run produced.
pub struct Trained {
    pub heads_file: Vec<u8>,
    pub dev: Report,
    pub epochs: usize,
}

/// Trains on the `train` split of `examples`, early-stops and calibrates on `dev`.
pub fn train(
    nacre: &Nacre,
    model_bytes: &[u8],
    examples: &[Example],
    recipe: &Recipe,
    cache: &Path,
    log: &mut dyn FnMut(&str),
) -> Result<Trained> {
    let texts: Vec<&str> = examples.iter().map(|e| e.text.as_str()).collect();
    log(&format!("embedding {} texts", texts.len()));
    let (all, width) = features(nacre, model_bytes, &texts, cache)?;
    let select = |split: &str| {
        let (mut features, mut labels) = (Vec::new(), Vec::new());
        for (i, example) in examples.iter().enumerate().filter(|(_, e)| e.split == split) {
            features.extend_from_slice(&all[i * width..(i + 1) * width]);
            labels.push(example.labels);
        }
        (features, labels)
    };
    let (train_x, train_y) = select("train");
    let (dev_x, dev_y) = select("dev");
    log(&format!("train {} rows, dev {} rows", train_y.len(), dev_y.len()));
    let train_split = Split { features: &train_x, width, labels: &train_y };
    let dev_split = Split { features: &dev_x, width, labels: &dev_y };
    let (heads, _, epochs) = fit(&train_split, &dev_split, recipe, log);
    let dev_predictions = predict(&heads, &dev_split, &burn::tensor::Device::flex());
    let calibration = Calibration { flag_threshold: pick_threshold(&dev_predictions, &dev_y) };
    let dev = evaluate(&dev_predictions, &dev_y, calibration.flag_threshold);
    let mut writer = ArtifactWriter::new("nacre-heads", env!("CARGO_PKG_VERSION"), b"");
    for (name, weights) in heads.weights()? {
        writer.tensor(&name, &weights, Precision::F32);
    }
    writer
        .document("heads", serde_json::json!({"input": width, "hidden": recipe.hidden}))
        .document("calibration", serde_json::to_value(calibration).expect("serializes"))
        .document(
            "training",
            serde_json::json!({
                "recipe": format!("{recipe:?}"),
                "epochs": epochs,
                "train_rows": train_y.len(),
                "dev_rows": dev_y.len(),
                "dev": dev,
            }),
        );
    Ok(Trained { heads_file: writer.finish(), dev, epochs })
}
