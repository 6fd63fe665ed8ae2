//! A transformer layer's linear layers on the CPU inference path: kept int8 as the artifact
//! stores them and run by the integer `matmul` (query, key and value fused into one matrix).
//! Attention scores, softmax, GELU and LayerNorm stay burn ops. Only an int8 artifact on the
//! plain CPU device takes this path; training (autodiff) and WebGPU use burn's `Linear`.

use super::encoder::EncoderConfig;
use super::load::Loader;
use super::matmul::{Int8Matrix, QuantizedRows, matmul};
use crate::error::{Error, Result};
use burn::tensor::activation::{gelu, softmax};
use burn::tensor::{Bool, Device, Tensor, TensorData};

/// Attention scores of padding positions: burn's `MultiHeadAttention` default, so both
/// paths mask alike.
const MASKED_SCORE: f32 = -1.0e4;

/// `x · Wᵀ + b` with `W` int8 (one scale per output) and `x` quantized per row when called.
#[derive(Debug, Clone)]
struct Int8Linear {
    weights: Int8Matrix,
    bias: Vec<f32>,
}

impl Int8Linear {
    /// `{prefix}.weight` (`[out, in]`) and `{prefix}.bias`; `None` when the weight is stored as f32.
    fn load(loader: &Loader, prefix: &str, d_in: usize, d_out: usize) -> Result<Option<Self>> {
        let name = format!("{prefix}.weight");
        let Some(stored) = loader.artifact().int8_tensor(&name)? else {
            return Ok(None);
        };
        if stored.shape != [d_out, d_in] {
            return Err(Error::corrupt(format!("tensor {name}: shape {:?}, expected {:?}", stored.shape, [d_out, d_in])));
        }
        let bias = loader.weights(&format!("{prefix}.bias"), &[d_out])?.values;
        Ok(Some(Self { weights: Int8Matrix::new(d_out, d_in, &stored.codes, stored.scales), bias }))
    }

    /// One linear layer made of several stacked by output (query, key, value).
    fn stack(parts: Vec<Self>) -> Self {
        let weights = Int8Matrix::stack(&parts.iter().map(|p| p.weights.clone()).collect::<Vec<_>>());
        Self { weights, bias: parts.into_iter().flat_map(|p| p.bias).collect() }
    }

    fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let [batch, seq, width] = x.dims();
        let device = x.device();
        let values = x.into_data().try_into_vec::<f32>().expect("the CPU path computes in f32");
        let out = matmul(&QuantizedRows::new(&values, width), &self.weights, &self.bias);
        Tensor::from_data(TensorData::new(out, [batch, seq, self.weights.rows()]), &device)
    }
}

/// The int8 linear layers of one transformer layer, and the attention between them.
#[derive(Debug, Clone)]
pub(crate) struct Int8Layer {
    /// Query, key and value stacked: `[3 × hidden, hidden]`.
    qkv: Int8Linear,
    output: Int8Linear,
    ffn_in: Int8Linear,
    ffn_out: Int8Linear,
    heads: usize,
}

impl Int8Layer {
    /// The layer's linear layers from the artifact when `loader` reads onto the plain CPU
    /// device and all of them are stored as int8; otherwise `None` (burn's path is used).
    pub(crate) fn load(loader: &Loader, config: &EncoderConfig, prefix: &str) -> Result<Option<Self>> {
        // An autodiff device compares equal to the plain one it wraps: training needs burn's path.
        let device = loader.device();
        if *device != Device::flex() || device.is_autodiff() {
            return Ok(None);
        }
        let (h, ffn) = (config.hidden_size, config.intermediate_size);
        let linear = |name: &str, d_in, d_out| Int8Linear::load(loader, &format!("{prefix}.{name}"), d_in, d_out);
        let (Some(query), Some(key), Some(value), Some(output), Some(ffn_in), Some(ffn_out)) = (
            linear("attention.self.query", h, h)?,
            linear("attention.self.key", h, h)?,
            linear("attention.self.value", h, h)?,
            linear("attention.output.dense", h, h)?,
            linear("intermediate.dense", h, ffn)?,
            linear("output.dense", ffn, h)?,
        ) else {
            return Ok(None);
        };
        let qkv = Int8Linear::stack(vec![query, key, value]);
        Ok(Some(Self { qkv, output, ffn_in, ffn_out, heads: config.num_heads }))
    }

    /// Multi-head self-attention over `x` (`[batch, seq, hidden]`), padding masked out:
    /// the same arithmetic as burn's `MultiHeadAttention` without dropout.
    pub(crate) fn attention(&self, x: Tensor<3>, padding: Tensor<2, Bool>) -> Tensor<3> {
        let [batch, seq, hidden] = x.dims();
        let (heads, d_k) = (self.heads, hidden / self.heads);
        // [batch, 3 × heads, seq, d_k]: the query heads, then the key heads, then the value heads.
        let qkv = self.qkv.forward(x).reshape([batch, seq, 3 * heads, d_k]).swap_dims(1, 2);
        let query = qkv.clone().narrow(1, 0, heads);
        let key = qkv.clone().narrow(1, heads, heads);
        let value = qkv.narrow(1, 2 * heads, heads);
        let scores = query.matmul(key.transpose()).div_scalar((d_k as f32).sqrt());
        let scores = scores.mask_fill(padding.reshape([batch, 1, 1, seq]), MASKED_SCORE);
        let context = softmax(scores, 3).matmul(value).swap_dims(1, 2).reshape([batch, seq, hidden]);
        self.output.forward(context)
    }

    /// The feed-forward block: `ffn_out(gelu(ffn_in(x)))`.
    pub(crate) fn feed_forward(&self, x: Tensor<3>) -> Tensor<3> {
        self.ffn_out.forward(gelu(self.ffn_in.forward(x)))
    }
}
