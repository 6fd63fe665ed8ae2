//! A transformer layer's linear layers on the CPU inference path: kept int8 as the artifact
//! stores them and run by the integer `matmul` (query, key and value fused into one matrix).
//! The feed-forward block runs on plain vectors with its own GELU; attention scores, softmax
//! and LayerNorm stay burn ops. Only an int8 artifact on the plain CPU device takes this
//! path; training (autodiff) and WebGPU use burn's `Linear`.

use super::encoder::EncoderConfig;
use super::load::Loader;
use super::matmul::{Int8Matrix, QuantizedRows, matmul};
use crate::error::{Error, Result};
use burn::tensor::activation::softmax;
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
        let out = self.apply(&values(x), width);
        Tensor::from_data(TensorData::new(out, [batch, seq, self.weights.rows()]), &device)
    }

    /// The layer on row-major `values` with `width` columns.
    fn apply(&self, values: &[f32], width: usize) -> Vec<f32> {
        matmul(&QuantizedRows::new(values, width), &self.weights, &self.bias)
    }
}

fn values(x: Tensor<3>) -> Vec<f32> {
    x.into_data().try_into_vec::<f32>().expect("the CPU path computes in f32")
}

/// GELU, `x Φ(x)`, with erf from Abramowitz and Stegun 7.1.26 (absolute error below 2e-7,
/// far under the int8 weights' error) and the `libm` crate's `expf`: one exponential where
/// `erff` takes two, and the same arithmetic natively and in wasm.
fn gelu(x: f32) -> f32 {
    const P: f32 = 0.327_591_1;
    const A: [f32; 5] = [0.254_829_6, -0.284_496_74, 1.421_413_7, -1.453_152_1, 1.061_405_4];
    let z = x.abs() * std::f32::consts::FRAC_1_SQRT_2;
    let t = 1.0 / (1.0 + P * z);
    let poly = t * (A[0] + t * (A[1] + t * (A[2] + t * (A[3] + t * A[4]))));
    let erf = 1.0 - poly * libm::expf(-z * z);
    0.5 * x * (1.0 + erf.copysign(x))
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

    /// The feed-forward block: `ffn_out(gelu(ffn_in(x)))`, on plain vectors throughout.
    pub(crate) fn feed_forward(&self, x: Tensor<3>) -> Tensor<3> {
        let [batch, seq, width] = x.dims();
        let device = x.device();
        let mut hidden = self.ffn_in.apply(&values(x), width);
        hidden.iter_mut().for_each(|v| *v = gelu(*v));
        let out = self.ffn_out.apply(&hidden, self.ffn_in.weights.rows());
        Tensor::from_data(TensorData::new(out, [batch, seq, width]), &device)
    }
}

#[cfg(test)]
mod tests {
    use super::gelu;

    #[test]
    fn gelu_matches_the_exact_one() {
        let exact = |x: f64| 0.5 * x * (1.0 + libm::erf(x / std::f64::consts::SQRT_2));
        for i in -20_000..=20_000 {
            let x = i as f32 / 1000.0;
            let error = (f64::from(gelu(x)) - exact(f64::from(x))).abs();
            assert!(error <= 2e-6 * (1.0 + f64::from(x.abs())), "gelu({x}) off by {error}");
        }
        assert_eq!(gelu(0.0), 0.0);
        assert!(gelu(f32::NAN).is_nan());
    }
}
