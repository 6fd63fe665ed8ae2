//! The multi-task heads on the pooled sentence vector: a shared GELU layer, then
//! `category` (16), `user_type` (3), `severity` (5) and `jailbreak` (2) logits, and their
//! probabilities. A topic head reads the category head as the message's topic whatever
//! the intent; the harm category is then derived from it and the user type.

use super::load::Loader;
use crate::artifact::Artifact;
use crate::error::Result;
use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::activation::{gelu, softmax};
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

/// Sizes of the heads, stored in the artifact as the `heads` document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeadsConfig {
    pub input: usize,
    pub hidden: usize,
    /// The category head predicts the topic (what the labels call the category for every
    /// user, a nurse's overdose question included), and the harm category is derived: the
    /// topic when the writer is not benign, `none` when they are. False (older artifacts):
    /// the head predicts the harm category itself (`none` for every benign message).
    #[serde(default)]
    pub topic: bool,
}

/// Output sizes, in head order.
pub const CATEGORIES: usize = 16;
pub const USER_TYPES: usize = 3;
pub const SEVERITIES: usize = 5;
pub const JAILBREAK: usize = 2;

/// Raw scores of every head for a batch, each `[batch, classes]`.
pub struct Logits {
    pub category: Tensor<2>,
    pub user_type: Tensor<2>,
    pub severity: Tensor<2>,
    pub jailbreak: Tensor<2>,
}

#[derive(Module, Debug)]
pub struct Heads {
    shared: Linear,
    category: Linear,
    user_type: Linear,
    severity: Linear,
    jailbreak: Linear,
    topic: bool,
}

#[cfg(not(target_arch = "wasm32"))]
const NAMES: [&str; 5] = ["shared", "category", "user_type", "severity", "jailbreak"];

impl Heads {
    /// Freshly initialized heads (for training); seed the device first for determinism.
    pub fn new(config: &HeadsConfig, device: &Device) -> Self {
        let (input, hidden) = (config.input, config.hidden);
        Self {
            shared: LinearConfig::new(input, hidden).init(device),
            category: LinearConfig::new(hidden, CATEGORIES).init(device),
            user_type: LinearConfig::new(hidden, USER_TYPES).init(device),
            severity: LinearConfig::new(hidden, SEVERITIES).init(device),
            jailbreak: LinearConfig::new(hidden, JAILBREAK).init(device),
            topic: config.topic,
        }
    }

    /// Reads trained heads (`heads.{name}.weight|bias`) from an artifact.
    pub fn load(config: &HeadsConfig, artifact: &Artifact, device: &Device) -> Result<Self> {
        let loader = Loader::new(artifact, device, 0.0);
        let (input, hidden) = (config.input, config.hidden);
        let linear = |name: &str, d_in, d_out| loader.linear(&format!("heads.{name}"), d_in, d_out);
        Ok(Self {
            shared: linear("shared", input, hidden)?,
            category: linear("category", hidden, CATEGORIES)?,
            user_type: linear("user_type", hidden, USER_TYPES)?,
            severity: linear("severity", hidden, SEVERITIES)?,
            jailbreak: linear("jailbreak", hidden, JAILBREAK)?,
            topic: config.topic,
        })
    }

    /// The trained weights in artifact form, for saving.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn weights(&self) -> Result<Vec<(String, crate::artifact::Weights)>> {
        let layers = [&self.shared, &self.category, &self.user_type, &self.severity, &self.jailbreak];
        let mut out = Vec::new();
        for (name, layer) in NAMES.iter().zip(layers) {
            out.extend(super::load::linear_weights(&format!("heads.{name}"), layer)?);
        }
        Ok(out)
    }

    /// Logits of every head for pooled vectors `[batch, input]` (or `[batch, seq, input]`
    /// flattened by the caller).
    pub fn forward(&self, pooled: Tensor<2>) -> Logits {
        let shared = gelu(self.shared.forward(pooled));
        Logits {
            category: self.category.forward(shared.clone()),
            user_type: self.user_type.forward(shared.clone()),
            severity: self.severity.forward(shared.clone()),
            jailbreak: self.jailbreak.forward(shared),
        }
    }

    /// Probabilities of every head, as one `[batch, 26]` tensor in head order; the
    /// category's are those of the harm category (derived, for a topic head).
    pub fn probs(&self, logits: Logits) -> Tensor<2> {
        let user_type = softmax(logits.user_type, 1);
        let mut category = softmax(logits.category, 1);
        if self.topic {
            category = harm_category(category, user_type.clone());
        }
        Tensor::cat(vec![category, user_type, softmax(logits.severity, 1), softmax(logits.jailbreak, 1)], 1)
    }
}

/// P(harm category) from P(topic) and P(user type): a topic is a harm only for a writer
/// who is not benign, so P(c) = P(topic c)·(1 − P(benign)) for every harm category c, and
/// P(none) = P(topic none) + (1 − P(topic none))·P(benign), the rest.
/// (`none` and `benign` are column 0 of their heads.)
fn harm_category(topic: Tensor<2>, user_type: Tensor<2>) -> Tensor<2> {
    let benign = user_type.narrow(1, 0, 1);
    let harm = topic * (benign.clone().neg() + 1.0);
    let none = harm.clone().narrow(1, 0, 1) + benign;
    Tensor::cat(vec![none, harm.narrow(1, 1, CATEGORIES - 1)], 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::TensorData;

    fn row(values: Vec<f32>) -> Tensor<2> {
        let n = values.len();
        Tensor::from_data(TensorData::new(values, [1, n]), &Device::flex())
    }

    fn values(t: Tensor<2>) -> Vec<f32> {
        t.into_data().try_to_vec::<f32>().unwrap()
    }

    #[test]
    fn a_topic_is_a_harm_only_for_a_writer_who_is_not_benign() {
        let mut topic = vec![0.0; CATEGORIES];
        (topic[0], topic[4], topic[5]) = (0.1, 0.6, 0.3);
        let harm = values(harm_category(row(topic.clone()), row(vec![0.5, 0.2, 0.3])));
        let expected = [(0, 0.1 + 0.9 * 0.5), (4, 0.3), (5, 0.15)];
        for (c, p) in expected {
            assert!((harm[c] - p).abs() < 1e-6, "P({c}) = {} against {p}", harm[c]);
        }
        assert!((harm.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        // A certainly benign writer: no harm, whatever the topic.
        let harm = values(harm_category(row(topic), row(vec![1.0, 0.0, 0.0])));
        assert!((harm[0] - 1.0).abs() < 1e-6 && harm[1..].iter().all(|&p| p.abs() < 1e-6));
    }

    #[test]
    fn a_harm_category_head_is_read_as_it_is() {
        let device = Device::flex();
        let logits = || Logits {
            category: row((0..CATEGORIES).map(|i| i as f32 / 4.0).collect()),
            user_type: row(vec![2.0, 0.0, 0.0]),
            severity: row(vec![0.0; SEVERITIES]),
            jailbreak: row(vec![0.0; JAILBREAK]),
        };
        let heads = |topic| Heads::new(&HeadsConfig { input: 4, hidden: 4, topic }, &device);
        let plain = values(heads(false).probs(logits()));
        assert_eq!(plain[..CATEGORIES], values(softmax(logits().category, 1))[..]);
        let derived = values(heads(true).probs(logits()));
        assert!(derived[0] > plain[0], "a likely benign writer moves probability to none");
        assert_eq!(plain[CATEGORIES..], derived[CATEGORIES..], "the other heads are untouched");
    }
}
