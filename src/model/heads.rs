//! The multi-task heads on the pooled sentence vector: a shared GELU layer, then
//! `category` (16), `user_type` (3), `severity` (5) and `jailbreak` (2) logits.

use super::load::Loader;
use crate::artifact::Artifact;
use crate::error::Result;
use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::activation::gelu;
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

/// Sizes of the heads, stored in the artifact as the `heads` document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeadsConfig {
    pub input: usize,
    pub hidden: usize,
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
}
