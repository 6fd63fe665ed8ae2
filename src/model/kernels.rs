//! The f32 arithmetic of the CPU inference path around the integer matrix products, on plain
//! row-major vectors: self-attention over the fused query/key/value rows, LayerNorm and GELU.
//! Written so that the compiler vectorizes it (branch-free element-wise code, independent
//! lanes, no reassociation needed) and so that native and wasm builds compute the same bits
//! (IEEE arithmetic only: our own exponential, no fused multiply-add).

/// Attention scores of padding positions: burn's `MultiHeadAttention` default, so the
/// CPU path masks as the burn path does.
const MASKED_SCORE: f32 = -1.0e4;

/// Adding and subtracting this rounds an f32 of magnitude below 2^22 to an integer (nearest,
/// ties to even), branch-free; after the addition the low mantissa bits hold that integer.
pub(crate) const ROUND_TO_INTEGER: f32 = 12_582_912.0;

/// Multi-head self-attention. `qkv` holds `batch × seq` rows of `3 × hidden` values (the
/// query heads, then the key heads, then the value heads, each `hidden / heads` wide);
/// `padding[b × seq + j]` is true where position `j` of sequence `b` is padding. Returns
/// `batch × seq` rows of `hidden` values (the heads' contexts side by side). Natively the
/// sequences run on rayon's threads; the page has one thread.
pub(crate) fn attention(qkv: &[f32], padding: &[bool], seq: usize, heads: usize) -> Vec<f32> {
    let width = qkv.len() / padding.len().max(1);
    let hidden = width / 3;
    let mut out = vec![0f32; padding.len() * hidden];
    if seq == 0 {
        return out;
    }
    let sequence = |((out, rows), masked): ((&mut [f32], &[f32]), &[bool])| sequence_attention(rows, masked, heads, out);
    #[cfg(not(target_arch = "wasm32"))]
    {
        use rayon::prelude::*;
        out.par_chunks_mut(seq * hidden).zip(qkv.par_chunks(seq * width)).zip(padding.par_chunks(seq)).for_each(sequence);
    }
    #[cfg(target_arch = "wasm32")]
    out.chunks_mut(seq * hidden).zip(qkv.chunks(seq * width)).zip(padding.chunks(seq)).for_each(sequence);
    out
}

/// The attention of one sequence: `rows` its `seq` fused query/key/value rows, `masked` its
/// padding positions; writes its `seq` context rows into `out`.
fn sequence_attention(rows: &[f32], masked: &[bool], heads: usize, out: &mut [f32]) {
    let seq = masked.len();
    let width = rows.len() / seq;
    let hidden = width / 3;
    let d_k = hidden / heads;
    let scale = 1.0 / (d_k as f32).sqrt();
    let mut weights = vec![0f32; seq];
    // One head's keys transposed, `[d_k, seq]`: a query's scores then build up over its
    // `d_k` values, all keys at once (independent lanes, no horizontal sums).
    let mut keys = vec![0f32; d_k * seq];
    let row = |j: usize, part: usize, h: usize| {
        let start = j * width + part * hidden + h * d_k;
        &rows[start..start + d_k]
    };
    for h in 0..heads {
        for j in 0..seq {
            for (d, &k) in row(j, 1, h).iter().enumerate() {
                keys[d * seq + j] = k;
            }
        }
        for i in 0..seq {
            weights.fill(0.0);
            for (&q, keys) in row(i, 0, h).iter().zip(keys.chunks_exact(seq)) {
                weights.iter_mut().zip(keys).for_each(|(w, &k)| *w += q * k);
            }
            for (weight, &masked) in weights.iter_mut().zip(masked) {
                *weight = if masked { MASKED_SCORE } else { *weight * scale };
            }
            softmax(&mut weights);
            let context = &mut out[i * hidden + h * d_k..][..d_k];
            for (j, &weight) in weights.iter().enumerate() {
                for (c, &v) in context.iter_mut().zip(row(j, 2, h)) {
                    *c += weight * v;
                }
            }
        }
    }
}

/// Softmax in place: `exp(x − max)`, normalized to sum 1.
fn softmax(values: &mut [f32]) {
    let max = values.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
    values.iter_mut().for_each(|v| *v = exp_nonpositive(*v - max));
    let inverse = 1.0 / values.iter().sum::<f32>();
    values.iter_mut().for_each(|v| *v *= inverse);
}

/// `e^x` for `x ≤ 0`, branch-free (so loops over it vectorize): `x = n ln 2 + r` with
/// `|r| ≤ ln 2 / 2`, `e^r` by its Taylor polynomial to degree 6 (relative error below
/// 2e-7), times `2^n` built in the exponent bits. Below −87 (where `e^x` is under
/// 1.7e-38) it returns 0; NaN stays NaN.
fn exp_nonpositive(x: f32) -> f32 {
    const LN2_HIGH: f32 = 0.693_145_75;
    const LN2_LOW: f32 = 1.428_606_8e-6;
    let tiny = x < -87.0;
    let x = if tiny { -87.0 } else { x };
    let shifted = x * std::f32::consts::LOG2_E + ROUND_TO_INTEGER;
    let n = shifted - ROUND_TO_INTEGER;
    let r = x - n * LN2_HIGH - n * LN2_LOW;
    let poly = 1.0 + r * (1.0 + r * (0.5 + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0))))));
    // The low bits of `shifted` hold n (two's complement); n + 127 is the biased exponent of 2^n.
    let exponent = shifted.to_bits().wrapping_sub(ROUND_TO_INTEGER.to_bits()).wrapping_add(127) << 23;
    if tiny { 0.0 } else { poly * f32::from_bits(exponent) }
}

/// LayerNorm of each row of `x` (row-major, `gamma.len()` wide) after adding `residual`:
/// `(x + residual − mean) / sqrt(var + eps) × gamma + beta`, the biased variance as
/// PyTorch and burn compute it. Writes into `x`.
pub(crate) fn add_and_norm(x: &mut [f32], residual: &[f32], gamma: &[f32], beta: &[f32], eps: f32) {
    let width = gamma.len();
    for (row, skip) in x.chunks_exact_mut(width).zip(residual.chunks_exact(width)) {
        row.iter_mut().zip(skip).for_each(|(v, s)| *v += s);
        let mean = row.iter().sum::<f32>() / width as f32;
        let variance = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / width as f32;
        let inverse = 1.0 / (variance + eps).sqrt();
        for ((v, g), b) in row.iter_mut().zip(gamma).zip(beta) {
            *v = (*v - mean) * inverse * g + b;
        }
    }
}

/// GELU, `x Φ(x)`, with erf from Abramowitz and Stegun 7.1.26 (absolute error below 2e-7,
/// far under the int8 weights' error): one branch-free exponential.
pub(crate) fn gelu(x: f32) -> f32 {
    const P: f32 = 0.327_591_1;
    const A: [f32; 5] = [0.254_829_6, -0.284_496_74, 1.421_413_7, -1.453_152_1, 1.061_405_4];
    let z = x.abs() * std::f32::consts::FRAC_1_SQRT_2;
    let t = 1.0 / (1.0 + P * z);
    let poly = t * (A[0] + t * (A[1] + t * (A[2] + t * (A[3] + t * A[4]))));
    let erf = 1.0 - poly * exp_nonpositive(-z * z);
    0.5 * x * (1.0 + erf.copysign(x))
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::activation::softmax as burn_softmax;
    use burn::tensor::{Bool, Device, Tensor, TensorData};

    fn values(n: usize, seed: u32) -> Vec<f32> {
        (0..n).map(|i| ((i as u32).wrapping_mul(2_654_435_761).wrapping_add(seed) % 2000) as f32 / 500.0 - 2.0).collect()
    }

    fn close(a: &[f32], b: &[f32], tolerance: f32) {
        assert_eq!(a.len(), b.len());
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            assert!((x - y).abs() <= tolerance * (1.0 + y.abs()), "entry {i}: {x} vs {y}");
        }
    }

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

    #[test]
    fn exp_is_accurate_over_its_range() {
        for i in 0..=87_000 {
            let x = -(i as f32) / 1000.0;
            let (got, exact) = (f64::from(exp_nonpositive(x)), f64::from(x).exp());
            assert!((got - exact).abs() <= 3e-7 * exact, "exp({x}) = {got}, not {exact}");
        }
        assert_eq!(exp_nonpositive(0.0), 1.0);
        assert_eq!(exp_nonpositive(-87.5), 0.0);
        assert!(exp_nonpositive(f32::NAN).is_nan());
    }

    /// The same attention written with burn tensors, as the burn path computes it.
    #[test]
    fn attention_matches_burn_with_padding() {
        let (batch, seq, heads, d_k) = (2, 5, 3, 4);
        let hidden = heads * d_k;
        let qkv = values(batch * seq * 3 * hidden, 3);
        let padding: Vec<bool> = (0..batch * seq).map(|p| p == 8 || p == 9).collect();
        let got = attention(&qkv, &padding, seq, heads);

        let device = Device::flex();
        let x = Tensor::<4>::from_data(TensorData::new(qkv, [batch, seq, 3 * heads, d_k]), &device).swap_dims(1, 2);
        let (q, k, v) = (x.clone().narrow(1, 0, heads), x.clone().narrow(1, heads, heads), x.narrow(1, 2 * heads, heads));
        let mask = Tensor::<2, Bool>::from_data(TensorData::new(padding, [batch, seq]), &device);
        let scores = q.matmul(k.transpose()).div_scalar((d_k as f32).sqrt()).mask_fill(mask.reshape([batch, 1, 1, seq]), MASKED_SCORE);
        let expected = burn_softmax(scores, 3).matmul(v).swap_dims(1, 2).reshape([batch * seq * hidden]);
        close(&got, &expected.into_data().try_to_vec::<f32>().unwrap(), 1e-5);
    }

    #[test]
    fn add_and_norm_matches_burn_layer_norm() {
        let (rows, width) = (3, 16);
        let (mut x, residual) = (values(rows * width, 4), values(rows * width, 5));
        let (gamma, beta) = (values(width, 6), values(width, 7));
        let sum: Vec<f32> = x.iter().zip(&residual).map(|(a, b)| a + b).collect();
        add_and_norm(&mut x, &residual, &gamma, &beta, 1e-12);

        let device = Device::flex();
        let mut norm = burn::nn::LayerNormConfig::new(width).with_epsilon(1e-12).init(&device);
        norm.gamma = burn::module::Param::from_tensor(Tensor::from_data(TensorData::new(gamma, [width]), &device));
        norm.beta = Some(burn::module::Param::from_tensor(Tensor::from_data(TensorData::new(beta, [width]), &device)));
        let expected = norm.forward(Tensor::<2>::from_data(TensorData::new(sum, [rows, width]), &device));
        close(&x, &expected.into_data().try_to_vec::<f32>().unwrap(), 1e-5);
    }

    #[test]
    fn softmax_of_a_masked_row_ignores_the_masked_scores() {
        let mut row = [1.0, MASKED_SCORE, 1.0];
        softmax(&mut row);
        assert_eq!(row[0], 0.5);
        assert_eq!(row[1], 0.0);
    }
}
