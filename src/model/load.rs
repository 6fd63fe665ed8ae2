//! Moving weights between the artifact (Hugging Face names, PyTorch `[out, in]` layout)
//! and burn parameters (`[in, out]` for linear layers), in both directions.

use crate::artifact::{Artifact, Weights};
use crate::error::{Error, Result};
use burn::module::Param;
use burn::nn::{LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::tensor::{Device, Tensor, TensorData};

/// Swaps rows and columns of a row-major `rows × cols` matrix.
fn transpose(values: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut out = vec![0f32; values.len()];
    for r in 0..rows {
        for c in 0..cols {
            out[c * rows + r] = values[r * cols + c];
        }
    }
    out
}

/// Reads named weights from an artifact onto a device.
pub(crate) struct Loader<'a> {
    artifact: &'a Artifact,
    device: &'a Device,
    layer_norm_eps: f64,
}

impl<'a> Loader<'a> {
    pub fn new(artifact: &'a Artifact, device: &'a Device, layer_norm_eps: f64) -> Self {
        Self { artifact, device, layer_norm_eps }
    }

    pub fn device(&self) -> &'a Device {
        self.device
    }

    pub fn artifact(&self) -> &'a Artifact {
        self.artifact
    }

    pub fn weights(&self, name: &str, shape: &[usize]) -> Result<Weights> {
        let weights = self.artifact.tensor(name)?;
        if weights.shape != shape {
            return Err(Error::corrupt(format!("tensor {name}: shape {:?}, expected {shape:?}", weights.shape)));
        }
        Ok(weights)
    }

    /// A matrix parameter stored as is (embedding tables).
    pub fn matrix(&self, name: &str, shape: [usize; 2]) -> Result<Param<Tensor<2>>> {
        let w = self.weights(name, &shape)?;
        Ok(Param::from_tensor(Tensor::from_data(TensorData::new(w.values, shape), self.device)))
    }

    pub fn vector(&self, name: &str, len: usize) -> Result<Param<Tensor<1>>> {
        let w = self.weights(name, &[len])?;
        Ok(Param::from_tensor(Tensor::from_data(TensorData::new(w.values, [len]), self.device)))
    }

    /// A linear layer from `{prefix}.weight` (`[out, in]`) and `{prefix}.bias`.
    pub fn linear(&self, prefix: &str, d_in: usize, d_out: usize) -> Result<Linear> {
        let w = self.weights(&format!("{prefix}.weight"), &[d_out, d_in])?;
        let weight = TensorData::new(transpose(&w.values, d_out, d_in), [d_in, d_out]);
        let mut linear = LinearConfig::new(d_in, d_out).init(self.device);
        linear.weight = Param::from_tensor(Tensor::from_data(weight, self.device));
        linear.bias = Some(self.vector(&format!("{prefix}.bias"), d_out)?);
        Ok(linear)
    }

    /// A layer norm from `{prefix}.weight` and `{prefix}.bias`.
    pub fn norm(&self, prefix: &str, len: usize) -> Result<LayerNorm> {
        let mut norm = LayerNormConfig::new(len).with_epsilon(self.layer_norm_eps).init(self.device);
        norm.gamma = self.vector(&format!("{prefix}.weight"), len)?;
        norm.beta = Some(self.vector(&format!("{prefix}.bias"), len)?);
        Ok(norm)
    }
}

#[cfg(not(target_arch = "wasm32"))]
/// A linear layer's weights in artifact form: `{prefix}.weight` (`[out, in]`) and `{prefix}.bias`.
pub(crate) fn linear_weights(prefix: &str, linear: &Linear) -> Result<Vec<(String, Weights)>> {
    let read = |tensor: Tensor<2>| -> Result<Vec<f32>> {
        tensor.into_data().try_to_vec::<f32>().map_err(|e| Error::corrupt(format!("{prefix}: {e:?}")))
    };
    let [d_in, d_out] = linear.weight.dims();
    let weight = transpose(&read(linear.weight.val())?, d_in, d_out);
    let mut out = vec![(format!("{prefix}.weight"), Weights { shape: vec![d_out, d_in], values: weight })];
    if let Some(bias) = &linear.bias {
        let values = read(bias.val().unsqueeze_dim(0))?;
        out.push((format!("{prefix}.bias"), Weights { shape: vec![d_out], values }));
    }
    Ok(out)
}

#[cfg(not(target_arch = "wasm32"))]
/// A layer norm's weights in artifact form: `{prefix}.weight` and `{prefix}.bias`.
pub(crate) fn norm_weights(prefix: &str, norm: &LayerNorm) -> Result<Vec<(String, Weights)>> {
    let read = |tensor: Tensor<1>| -> Result<Weights> {
        let values = tensor.into_data().try_to_vec::<f32>().map_err(|e| Error::corrupt(format!("{prefix}: {e:?}")))?;
        Ok(Weights { shape: vec![values.len()], values })
    };
    let mut out = vec![(format!("{prefix}.weight"), read(norm.gamma.val())?)];
    if let Some(beta) = &norm.beta {
        out.push((format!("{prefix}.bias"), read(beta.val())?));
    }
    Ok(out)
}
