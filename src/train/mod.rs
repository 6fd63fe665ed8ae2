//! `nacre train`: reads the labelled data, runs the frozen lower encoder layers once
//! (cached), fine-tunes the top layers with the heads, picks the flag threshold on dev
//! with the model exactly as it ships, and writes the small trained file (heads and tuned
//! layers) that `nacre pack --heads` folds into the shipped artifact. `nacre distill`
//! (in `distill`) makes the small student from that teacher.

mod augment;
mod cache;
pub mod dataset;
mod distill;
mod fit;
pub mod metrics;
mod states;
mod student;
mod targets;
mod views;
mod vocab;

pub use distill::{DistillRecipe, Distilled, distill};
pub use student::assemble as assemble_student;
pub use fit::{Recipe, Stage};

use crate::artifact::{Artifact, ArtifactWriter, Precision};
use crate::error::Result;
use crate::model::{Encoder, EncoderConfig, Heads, HeadsConfig};
use crate::{BackendRequest, Calibration, Nacre};
use burn::module::Module;
use burn::tensor::Device;
use dataset::{Example, Labels};
use fit::{Split, Supervised, Tuned, fit, pooled};
use metrics::{Report, calibrated};
use states::States;
use views::views;
use std::path::Path;

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
    let depth = nacre.network().encoder.depth();
    let tuned_layers = recipe.tuned_layers.min(depth);
    let frozen = depth - tuned_layers;
    let views = views(nacre, examples)?;
    log(&format!("token states of {} windows of {} texts after {frozen} frozen layers", views.len(), examples.len()));
    let view_texts: Vec<&str> = views.iter().map(|v| v.text.as_str()).collect();
    let states = States::compute(nacre, model_bytes, &view_texts, frozen, cache)?;
    let split = |states, name: &str| {
        let rows: Vec<usize> = (0..views.len()).filter(|&i| views[i].split == name).collect();
        let labels = rows.iter().map(|&i| views[i].labels).collect();
        Split { states, rows, labels }
    };
    let (train_split, dev_split) = (split(&states, "train"), split(&states, "dev"));
    log(&format!("train {} windows, dev {} windows; tuning {tuned_layers} layers", train_split.rows.len(), dev_split.rows.len()));

    let device = Device::flex().autodiff();
    device.seed(recipe.seed);
    let artifact = Artifact::parse(model_bytes)?;
    let config: EncoderConfig = artifact.document("encoder")?;
    let heads_config = HeadsConfig { input: config.hidden_size, hidden: recipe.hidden, topic: recipe.topic };
    let top = Encoder::load(&config, &artifact, &device)?.into_top_layers(tuned_layers);

    log("stage 1: the heads alone on the untouched encoder's output");
    let vectors = pooled(&top.valid(), &states, &Device::flex());
    let alone = Tuned { top: Vec::new(), heads: Heads::new(&heads_config, &device) };
    let objective = Supervised::new(train_split.labels.clone(), recipe.topic, &device);
    let train_rows = (&vectors, train_split.rows.as_slice());
    let alone =
        fit(alone, train_rows, &split(&vectors, "dev"), &objective, &recipe.heads, recipe.seed, &device, log);
    log(&format!("stage 2: the top {tuned_layers} layers and the heads together"));
    let (head_epochs, alone) = (alone.epochs, alone.tuned);
    let initial = Tuned { top, heads: alone.heads.train() };
    let train_rows = (&states, train_split.rows.as_slice());
    let joint = fit(initial, train_rows, &dev_split, &objective, &recipe.joint, recipe.seed, &device, log);
    let (tuned, epochs) = (joint.tuned, head_epochs + joint.epochs);

    let file = |calibration: Calibration, dev: Option<&Report>| -> Result<Vec<u8>> {
        let mut writer = ArtifactWriter::new("nacre-heads", env!("CARGO_PKG_VERSION"), b"");
        for (name, weights) in tuned.heads.weights()? {
            writer.tensor(&name, &weights, Precision::F32);
        }
        for (j, layer) in tuned.top.iter().enumerate() {
            for (name, weights) in layer.weights(&format!("encoder.layer.{}", frozen + j))? {
                writer.tensor(&name, &weights, Precision::I8);
            }
        }
        writer
            .document("heads", serde_json::to_value(&heads_config).expect("serializes"))
            .document("calibration", serde_json::to_value(calibration).expect("serializes"))
            .document(
                "training",
                serde_json::json!({
                    "recipe": format!("{recipe:?}"),
                    "tuned_layers": (frozen..depth).collect::<Vec<_>>(),
                    "epochs": epochs,
                    "kept": joint.kept,
                    "train_windows": train_split.rows.len(),
                    "dev_windows": dev_split.rows.len(),
                    "dev": dev,
                }),
            );
        Ok(writer.finish())
    };
    // Calibrate on the model as it ships (int8 layers, the inference path), not on the training copy.
    let draft = file(Calibration { flag_threshold: 0.5 }, None)?;
    let shipped = pollster::block_on(Nacre::load(&crate::pack::with_trained(model_bytes, &draft)?, BackendRequest::Cpu))?;
    let dev = calibrate(&shipped, examples)?;
    let calibration = Calibration { flag_threshold: dev.flag_threshold };
    Ok(Trained { heads_file: file(calibration, Some(&dev))?, dev, epochs })
}

/// The dev report at the flag threshold picked on the `dev` rows of `examples` with
/// `shipped`, the model exactly as it ships.
pub fn calibrate(shipped: &Nacre, examples: &[Example]) -> Result<Report> {
    let dev: Vec<&Example> = examples.iter().filter(|e| e.split == "dev").collect();
    let texts: Vec<&str> = dev.iter().map(|e| e.text.as_str()).collect();
    let labels: Vec<Labels> = dev.iter().map(|e| e.labels).collect();
    Ok(calibrated(&assess_all(shipped, &texts)?, &labels))
}

/// `trained` (what `train` or `distill` wrote) with its flag threshold picked again on dev
/// with `shipped`, the model assembled from it, and the training record's dev report
/// replaced: for when the risk is defined anew after training. The weights are untouched.
pub fn recalibrate(shipped: &Nacre, trained: &[u8], examples: &[Example]) -> Result<(Vec<u8>, Report)> {
    let dev = calibrate(shipped, examples)?;
    let artifact = Artifact::parse(trained)?;
    let mut training: serde_json::Value = artifact.document("training")?;
    training["dev"] = serde_json::to_value(&dev).expect("serializes");
    let calibration = serde_json::to_value(Calibration { flag_threshold: dev.flag_threshold }).expect("serializes");
    Ok((artifact.with_documents(vec![("calibration", calibration), ("training", training)]), dev))
}

/// Assessments of many texts, batched by length, in input order.
pub fn assess_all(nacre: &Nacre, texts: &[&str]) -> Result<Vec<crate::Assessment>> {
    let prepared = texts.iter().map(|t| nacre.prepare(t)).collect::<Result<Vec<_>>>()?;
    let mut order: Vec<usize> = (0..texts.len()).collect();
    order.sort_by_key(|&i| prepared[i].ids.len());
    let mut out = vec![None; texts.len()];
    for chunk in order.chunks(32) {
        let batch: Vec<_> = chunk.iter().map(|&i| prepared[i].clone()).collect();
        for (&i, assessment) in chunk.iter().zip(pollster::block_on(nacre.assess_prepared(&batch))?) {
            out[i] = Some(assessment);
        }
    }
    Ok(out.into_iter().map(|a| a.expect("every text assessed")).collect())
}
