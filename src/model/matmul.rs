//! The integer matrix product of the CPU inference path: activations quantized per row at
//! call time (symmetric, 14 bits, one f32 scale per row) times int8 weights with one f32
//! scale per output row (as the artifact stores them), accumulated exactly in i32, then
//! rescaled to f32 with the bias added. Wasm builds use SIMD128 (`i32x4.dot_i16x8_s`, one
//! tile shape: 4 activation rows by 2 weight rows, both padded with zero rows to whole tiles),
//! x86-64 the same tiles in SSE2, or in AVX2 where the processor has it (detected at run
//! time); other targets run the same integer arithmetic in portable code. Integer sums are
//! exact, so native and browser results are bit-identical.

#[cfg(not(target_arch = "wasm32"))]
use rayon::prelude::*;
use std::ops::Range;

/// The inner dimension is zero-padded to a multiple of this (one SIMD step).
const STEP: usize = 16;
/// Activation rows per tile: activations get zero rows up to a multiple of this.
const TILE_ROWS: usize = 4;
/// Weight rows per tile: weights get zero rows up to a multiple of this.
const TILE_COLS: usize = 2;
/// The largest activation code: 14 bits. Activations are the precision-critical operand
/// (hidden states have outlier dimensions), and the i16 lanes of the dot product hold
/// 14 bits at no extra cost; `levels` lowers it when the sum could overflow i32.
const MAX_LEVELS: usize = 8191;
/// Activation rows per block of work (whole tiles); natively, blocks run in parallel.
const BLOCK_ROWS: usize = 8 * TILE_ROWS;
/// The largest weight code magnitude.
const MAX_WEIGHT: usize = 127;

fn padded(cols: usize) -> usize {
    cols.div_ceil(STEP) * STEP
}

/// The largest activation code for rows of `cols` values: `cols` products of it with a
/// weight code must sum within i32.
fn levels(cols: usize) -> f32 {
    (i32::MAX as usize / (MAX_WEIGHT * cols.max(1))).min(MAX_LEVELS) as f32
}

/// A weight matrix `[rows, cols]` (PyTorch `[out, in]` layout) as int8 codes, each row
/// zero-padded to a multiple of 16 and zero rows added up to a whole tile, with one f32
/// scale per row.
#[derive(Debug, Clone)]
pub struct Int8Matrix {
    rows: usize,
    cols: usize,
    codes: Vec<i8>,
    scales: Vec<f32>,
}

impl Int8Matrix {
    /// `codes` is row-major `rows × cols`; `scales` has one entry per row.
    pub fn new(rows: usize, cols: usize, codes: &[i8], scales: Vec<f32>) -> Self {
        assert!(cols > 0 && codes.len() == rows * cols, "codes must be rows × cols");
        assert_eq!(scales.len(), rows, "one scale per row");
        let stride = padded(cols);
        let mut padded_codes = vec![0i8; rows.next_multiple_of(TILE_COLS) * stride];
        for (dst, src) in padded_codes.chunks_exact_mut(stride).zip(codes.chunks_exact(cols)) {
            dst[..cols].copy_from_slice(src);
        }
        Self { rows, cols, codes: padded_codes, scales }
    }

    /// Stacks matrices with the same number of columns (e.g. query, key, value into one).
    pub fn stack(parts: &[Int8Matrix]) -> Self {
        let cols = parts.first().map_or(1, |p| p.cols);
        assert!(parts.iter().all(|p| p.cols == cols), "stacked matrices need the same columns");
        let codes: Vec<i8> = parts.iter().flat_map(|p| (0..p.rows).flat_map(|r| &p.row(r)[..cols])).copied().collect();
        let scales = parts.iter().flat_map(|p| p.scales.iter().copied()).collect();
        Self::new(codes.len() / cols, cols, &codes, scales)
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Row `r`, padded; rows past `rows` (up to a whole tile) are zeros.
    fn row(&self, r: usize) -> &[i8] {
        let stride = padded(self.cols);
        &self.codes[r * stride..(r + 1) * stride]
    }
}

/// Activations `[rows, cols]` quantized per row: codes in `-levels..=levels` (i16, the
/// width the SIMD dot product takes), each row zero-padded to a multiple of 16 and zero rows
/// added up to a whole tile.
#[derive(Debug, Clone)]
pub struct QuantizedRows {
    rows: usize,
    cols: usize,
    codes: Vec<i16>,
    scales: Vec<f32>,
}

impl QuantizedRows {
    /// Quantizes row-major `values` with `cols` columns: each row's largest magnitude maps to
    /// the top code (NaN gives 0; a row holding an infinity gives zeros).
    pub fn new(values: &[f32], cols: usize) -> Self {
        assert!(cols > 0 && values.len().is_multiple_of(cols), "values must be whole rows");
        let rows = values.len() / cols;
        let stride = padded(cols);
        let top = levels(cols);
        let mut codes = vec![0i16; rows.next_multiple_of(TILE_ROWS) * stride];
        let mut scales = Vec::with_capacity(rows);
        for (row, out) in values.chunks_exact(cols).zip(codes.chunks_exact_mut(stride)) {
            let max = row.iter().fold(0f32, |m, v| m.max(v.abs()));
            let (scale, inverse) = if max > 0.0 && max.is_finite() { (max / top, top / max) } else { (1.0, 0.0) };
            encode(row, inverse, &mut out[..cols]);
            scales.push(scale);
        }
        Self { rows, cols, codes, scales }
    }

    /// Row `r`, padded; rows past `rows` (up to a whole tile) are zeros.
    fn row(&self, r: usize) -> &[i16] {
        let stride = padded(self.cols);
        &self.codes[r * stride..(r + 1) * stride]
    }
}

/// `round_ties_even(v × inverse)` as i16 for each value (|v| ≤ the row's max, so the code
/// stays within the levels; NaN gives 0). Rounded branch-free with `ROUND_TO_INTEGER` (x86-64's
/// baseline has no rounding instruction).
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn encode(values: &[f32], inverse: f32, codes: &mut [i16]) {
    use super::kernels::ROUND_TO_INTEGER as ROUND;
    for (code, v) in codes.iter_mut().zip(values) {
        *code = ((v * inverse + ROUND) - ROUND) as i16;
    }
}

/// The same as the portable `encode`, four values per step: IEEE multiply, round to
/// nearest even, saturating conversion (NaN gives 0), so the codes are identical.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn encode(values: &[f32], inverse: f32, codes: &mut [i16]) {
    use core::arch::wasm32::*;
    let scale = f32x4_splat(inverse);
    let mut chunks = values.chunks_exact(8);
    let mut out = codes.chunks_exact_mut(8);
    for (chunk, out) in (&mut chunks).zip(&mut out) {
        // SAFETY: `chunk` holds 8 f32 and `out` 8 i16 (16 bytes); loads and stores may be unaligned.
        unsafe {
            let low = v128_load(chunk.as_ptr().cast());
            let high = v128_load(chunk.as_ptr().add(4).cast());
            let low = i32x4_trunc_sat_f32x4(f32x4_nearest(f32x4_mul(low, scale)));
            let high = i32x4_trunc_sat_f32x4(f32x4_nearest(f32x4_mul(high, scale)));
            v128_store(out.as_mut_ptr().cast(), i16x8_narrow_i32x4(low, high));
        }
    }
    for (code, v) in out.into_remainder().iter_mut().zip(chunks.remainder()) {
        *code = (v * inverse).round_ties_even() as i16;
    }
}

/// `a · wᵀ + bias`: `[a.rows, w.rows]` row-major, each entry the exact integer dot product
/// rescaled by the row's and the column's scales.
pub fn matmul(a: &QuantizedRows, w: &Int8Matrix, bias: &[f32]) -> Vec<f32> {
    assert_eq!(a.cols, w.cols, "inner dimensions differ");
    assert_eq!(bias.len(), w.rows, "one bias per output");
    let mut out = vec![0f32; a.rows * w.rows];
    let fill = |(block, out): (usize, &mut [f32])| {
        let first = block * BLOCK_ROWS;
        let rows = first..(first + BLOCK_ROWS).min(a.rows);
        fill_block(&Operands { a, w, bias }, rows, out);
    };
    // Natively the blocks run on rayon's threads; the page has one thread.
    #[cfg(not(target_arch = "wasm32"))]
    out.par_chunks_mut(BLOCK_ROWS * w.rows).enumerate().for_each(fill);
    #[cfg(target_arch = "wasm32")]
    out.chunks_mut(BLOCK_ROWS * w.rows).enumerate().for_each(fill);
    out
}

/// What every output entry is made of.
struct Operands<'a> {
    a: &'a QuantizedRows,
    w: &'a Int8Matrix,
    bias: &'a [f32],
}

impl Operands<'_> {
    /// Output entry `(m, n)` from its integer dot product (the SIMD epilogue computes the same,
    /// in the same order).
    fn entry(&self, m: usize, n: usize, dot: i32) -> f32 {
        dot as f32 * (self.a.scales[m] * self.w.scales[n]) + self.bias[n]
    }
}

/// Fills `out` (rows `rows` of the output, from the first) for every weight row.
#[cfg(not(any(all(target_arch = "wasm32", target_feature = "simd128"), target_arch = "x86_64")))]
fn fill_block(operands: &Operands, rows: Range<usize>, out: &mut [f32]) {
    let (a, w) = (operands.a, operands.w);
    for n in 0..w.rows {
        let weights = w.row(n);
        for m in rows.clone() {
            let dot = a.row(m).iter().zip(weights).map(|(&x, &y)| i32::from(x) * i32::from(y)).sum();
            out[(m - rows.start) * w.rows + n] = operands.entry(m, n, dot);
        }
    }
}

/// Fills `out` (rows `rows` of the output, starting on a whole tile) for every weight row:
/// 2 weight rows (kept in cache) against 4 activation rows at a time. Whole tiles are
/// rescaled and stored four entries at a time; tiles holding padding rows entry by entry.
/// The same tiles on wasm (SIMD128) and x86-64 (SSE2, always present there).
#[cfg(any(all(target_arch = "wasm32", target_feature = "simd128"), target_arch = "x86_64"))]
fn fill_block(operands: &Operands, rows: Range<usize>, out: &mut [f32]) {
    let (a, w) = (operands.a, operands.w);
    for n in (0..w.rows).step_by(TILE_COLS) {
        let weights = std::array::from_fn(|c| w.row(n + c));
        for m in rows.clone().step_by(TILE_ROWS) {
            let tile = simd::Tile::new(std::array::from_fn(|r| a.row(m + r)), weights);
            let at = (m - rows.start) * w.rows + n;
            if m + TILE_ROWS <= rows.end && n + TILE_COLS <= w.rows {
                let scales: [f32; TILE_ROWS] = std::array::from_fn(|r| a.scales[m + r]);
                tile.store(&scales, &w.scales[n..n + TILE_COLS], &operands.bias[n..n + TILE_COLS], &mut out[at..], w.rows);
                continue;
            }
            for r in (0..TILE_ROWS).filter(|r| m + r < rows.end) {
                for c in (0..TILE_COLS).filter(|c| n + c < w.rows) {
                    out[at + r * w.rows + c] = operands.entry(m + r, n + c, tile.sum(r, c));
                }
            }
        }
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    use super::{TILE_COLS as C, TILE_ROWS as R};
    use core::arch::wasm32::*;

    /// The dot products of a tile: 4 activation rows by 2 weight rows, each as four partial sums.
    pub struct Tile([[v128; C]; R]);

    impl Tile {
        /// Multiplies rows of the same length, a multiple of 16: 16 columns per step, weights
        /// widened from i8 to i16 once per step.
        #[inline(always)]
        pub fn new(a: [&[i16]; R], w: [&[i8]; C]) -> Self {
            let len = w[0].len();
            assert!(len % 16 == 0 && a.iter().all(|r| r.len() == len) && w.iter().all(|r| r.len() == len));
            let mut acc = [[i32x4_splat(0); C]; R];
            let mut k = 0;
            while k < len {
                // SAFETY: every row holds `len` elements and `k + 16 <= len`; loads may be unaligned.
                let (low, high): ([v128; C], [v128; C]) = unsafe {
                    let wide: [v128; C] = std::array::from_fn(|c| v128_load(w[c].as_ptr().add(k).cast()));
                    (wide.map(|v| i16x8_extend_low_i8x16(v)), wide.map(|v| i16x8_extend_high_i8x16(v)))
                };
                for r in 0..R {
                    // SAFETY: as above; 8 i16 per load.
                    let (a_low, a_high) = unsafe {
                        (v128_load(a[r].as_ptr().add(k).cast()), v128_load(a[r].as_ptr().add(k + 8).cast()))
                    };
                    for c in 0..C {
                        acc[r][c] = i32x4_add(acc[r][c], i32x4_dot_i16x8(a_low, low[c]));
                        acc[r][c] = i32x4_add(acc[r][c], i32x4_dot_i16x8(a_high, high[c]));
                    }
                }
                k += 16;
            }
            Self(acc)
        }

        /// The dot product of activation row `r` with weight row `c`.
        pub fn sum(&self, r: usize, c: usize) -> i32 {
            let v = self.0[r][c];
            i32x4_extract_lane::<0>(v)
                .wrapping_add(i32x4_extract_lane::<1>(v))
                .wrapping_add(i32x4_extract_lane::<2>(v))
                .wrapping_add(i32x4_extract_lane::<3>(v))
        }

        /// Stores `dot × (row scale × column scale) + bias` of every entry: entry `(r, c)` at
        /// `out[r × stride + c]`.
        #[inline(always)]
        pub fn store(&self, row_scales: &[f32; R], col_scales: &[f32], bias: &[f32], out: &mut [f32], stride: usize) {
            assert!(col_scales.len() == C && bias.len() == C && out.len() >= (R - 1) * stride + C);
            let col_scales = f32x4(col_scales[0], col_scales[1], col_scales[0], col_scales[1]);
            let bias = f32x4(bias[0], bias[1], bias[0], bias[1]);
            for r in (0..R).step_by(2) {
                let [p, q] = [&self.0[r], &self.0[r + 1]];
                // Each vector's four lanes summed: (p0, p1, q0, q1).
                let pairs = |x: v128, y: v128| i32x4_add(i32x4_shuffle::<0, 4, 1, 5>(x, y), i32x4_shuffle::<2, 6, 3, 7>(x, y));
                let (p01, q01) = (pairs(p[0], p[1]), pairs(q[0], q[1]));
                let sums = i32x4_add(i64x2_shuffle::<0, 2>(p01, q01), i64x2_shuffle::<1, 3>(p01, q01));
                let scales = f32x4_mul(f32x4(row_scales[r], row_scales[r], row_scales[r + 1], row_scales[r + 1]), col_scales);
                let values = f32x4_add(f32x4_mul(f32x4_convert_i32x4(sums), scales), bias);
                // SAFETY: the assertion keeps both 2-float stores inside `out`.
                unsafe {
                    v128_store64_lane::<0>(values, out.as_mut_ptr().add(r * stride).cast());
                    v128_store64_lane::<1>(values, out.as_mut_ptr().add((r + 1) * stride).cast());
                }
            }
        }
    }
}

/// The wasm tile in SSE2: `_mm_madd_epi16` is `i32x4.dot_i16x8_s`, and the integer sums
/// are exact, so the results are the browser's bit for bit. Where the processor has AVX2,
/// the products run 16 columns to one instruction and are folded into the same partial sums.
#[cfg(target_arch = "x86_64")]
mod simd {
    use super::{TILE_COLS as C, TILE_ROWS as R};
    use core::arch::x86_64::*;

    /// The dot products of a tile: 4 activation rows by 2 weight rows, each as four partial sums.
    pub struct Tile([[__m128i; C]; R]);

    impl Tile {
        /// Multiplies rows of the same length, a multiple of 16: 16 columns per step, weights
        /// widened from i8 to i16 once per step.
        #[inline(always)]
        pub fn new(a: [&[i16]; R], w: [&[i8]; C]) -> Self {
            let len = w[0].len();
            assert!(len.is_multiple_of(16) && a.iter().all(|r| r.len() == len) && w.iter().all(|r| r.len() == len));
            if std::is_x86_feature_detected!("avx2") {
                // SAFETY: AVX2 is present; the rows are as asserted.
                unsafe { Self::new_avx2(a, w) }
            } else {
                // SAFETY: SSE2 is part of x86-64; the rows are as asserted.
                unsafe { Self::new_sse2(a, w) }
            }
        }

        /// `new` in AVX2: one 256-bit product per row pair and step, its halves added at the end.
        ///
        /// # Safety
        /// AVX2 must be present; every row holds `len` elements, a multiple of 16.
        #[target_feature(enable = "avx2")]
        unsafe fn new_avx2(a: [&[i16]; R], w: [&[i8]; C]) -> Self {
            let len = w[0].len();
            let mut acc = [[_mm256_setzero_si256(); C]; R];
            let mut k = 0;
            while k < len {
                // SAFETY: `k + 16 <= len` for every row; the loads are unaligned loads.
                unsafe {
                    let wide: [__m256i; C] =
                        std::array::from_fn(|c| _mm256_cvtepi8_epi16(_mm_loadu_si128(w[c].as_ptr().add(k).cast())));
                    for r in 0..R {
                        let x = _mm256_loadu_si256(a[r].as_ptr().add(k).cast());
                        for c in 0..C {
                            acc[r][c] = _mm256_add_epi32(acc[r][c], _mm256_madd_epi16(x, wide[c]));
                        }
                    }
                }
                k += 16;
            }
            Self(acc.map(|row| row.map(|v| _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256::<1>(v)))))
        }

        /// `new` in SSE2.
        ///
        /// # Safety
        /// Every row holds `len` elements, a multiple of 16.
        unsafe fn new_sse2(a: [&[i16]; R], w: [&[i8]; C]) -> Self {
            let len = w[0].len();
            // SAFETY: SSE2 is part of x86-64; `k + 16 <= len` for every row; the loads are
            // unaligned loads.
            unsafe {
                let mut acc = [[_mm_setzero_si128(); C]; R];
                let mut k = 0;
                while k < len {
                    let wide: [__m128i; C] = std::array::from_fn(|c| _mm_loadu_si128(w[c].as_ptr().add(k).cast()));
                    // Sign extension without SSE4.1: each byte doubled into a 16-bit lane, shifted back down.
                    let low = wide.map(|v| _mm_srai_epi16::<8>(_mm_unpacklo_epi8(v, v)));
                    let high = wide.map(|v| _mm_srai_epi16::<8>(_mm_unpackhi_epi8(v, v)));
                    for r in 0..R {
                        let a_low = _mm_loadu_si128(a[r].as_ptr().add(k).cast());
                        let a_high = _mm_loadu_si128(a[r].as_ptr().add(k + 8).cast());
                        for c in 0..C {
                            acc[r][c] = _mm_add_epi32(acc[r][c], _mm_madd_epi16(a_low, low[c]));
                            acc[r][c] = _mm_add_epi32(acc[r][c], _mm_madd_epi16(a_high, high[c]));
                        }
                    }
                    k += 16;
                }
                Self(acc)
            }
        }

        /// The dot product of activation row `r` with weight row `c`.
        pub fn sum(&self, r: usize, c: usize) -> i32 {
            let mut lanes = [0i32; 4];
            // SAFETY: SSE2 is part of x86-64; `lanes` is 16 bytes; the store may be unaligned.
            unsafe { _mm_storeu_si128(lanes.as_mut_ptr().cast(), self.0[r][c]) };
            lanes.iter().fold(0i32, |sum, &lane| sum.wrapping_add(lane))
        }

        /// Stores `dot × (row scale × column scale) + bias` of every entry: entry `(r, c)` at
        /// `out[r × stride + c]`.
        #[inline(always)]
        pub fn store(&self, row_scales: &[f32; R], col_scales: &[f32], bias: &[f32], out: &mut [f32], stride: usize) {
            assert!(col_scales.len() == C && bias.len() == C && out.len() >= (R - 1) * stride + C);
            // SAFETY: SSE2 is part of x86-64; the assertion keeps both 2-float stores inside `out`.
            unsafe {
                let col_scales = _mm_setr_ps(col_scales[0], col_scales[1], col_scales[0], col_scales[1]);
                let bias = _mm_setr_ps(bias[0], bias[1], bias[0], bias[1]);
                for r in (0..R).step_by(2) {
                    let [p, q] = [&self.0[r], &self.0[r + 1]];
                    // Each vector's four lanes summed: (p0, p1, q0, q1).
                    let pairs = |x, y| _mm_add_epi32(_mm_unpacklo_epi32(x, y), _mm_unpackhi_epi32(x, y));
                    let (p01, q01) = (pairs(p[0], p[1]), pairs(q[0], q[1]));
                    let sums = _mm_add_epi32(_mm_unpacklo_epi64(p01, q01), _mm_unpackhi_epi64(p01, q01));
                    let scales = _mm_mul_ps(_mm_setr_ps(row_scales[r], row_scales[r], row_scales[r + 1], row_scales[r + 1]), col_scales);
                    let values = _mm_castps_si128(_mm_add_ps(_mm_mul_ps(_mm_cvtepi32_ps(sums), scales), bias));
                    _mm_storel_epi64(out.as_mut_ptr().add(r * stride).cast(), values);
                    _mm_storel_epi64(out.as_mut_ptr().add((r + 1) * stride).cast(), _mm_unpackhi_epi64(values, values));
                }
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        /// Where the processor has AVX2, both instruction sets give the same sums.
        #[test]
        fn avx2_and_sse2_tiles_agree() {
            if !std::is_x86_feature_detected!("avx2") {
                return;
            }
            let len = 384;
            let a: Vec<Vec<i16>> = (0..R).map(|r| (0..len).map(|k| ((k * 37 + r * 101) % 16383) as i16 - 8191).collect()).collect();
            let w: Vec<Vec<i8>> = (0..C).map(|c| (0..len).map(|k| ((k * 13 + c * 7) % 255) as i16 - 127).map(|v| v as i8).collect()).collect();
            let (a, w) = (std::array::from_fn(|r| a[r].as_slice()), std::array::from_fn(|c| w[c].as_slice()));
            // SAFETY: AVX2 is present (checked above); the rows hold 384 elements.
            let (fast, plain) = unsafe { (Tile::new_avx2(a, w), Tile::new_sse2(a, w)) };
            for (r, c) in (0..R).flat_map(|r| (0..C).map(move |c| (r, c))) {
                let exact: i32 = a[r].iter().zip(w[c]).map(|(&x, &y)| i32::from(x) * i32::from(y)).sum();
                assert_eq!((fast.sum(r, c), plain.sum(r, c)), (exact, exact), "row {r}, column {c}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (xorshift), so the tests need no dependency.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn float(&mut self) -> f32 {
            (self.next() % 2_000_001) as f32 / 1_000_000.0 - 1.0
        }
        fn code(&mut self) -> i8 {
            ((self.next() % 255) as i16 - 127) as i8
        }
    }

    /// `a · wᵀ + bias` in f64 from the dequantized operands: the reference.
    fn reference(a: &QuantizedRows, w: &Int8Matrix, bias: &[f32]) -> Vec<f64> {
        let mut out = Vec::new();
        for m in 0..a.rows {
            for (n, b) in bias.iter().enumerate().take(w.rows) {
                let dot: f64 = (0..a.cols)
                    .map(|k| {
                        let x = f64::from(a.row(m)[k]) * f64::from(a.scales[m]);
                        let y = f64::from(w.row(n)[k]) * f64::from(w.scales[n]);
                        x * y
                    })
                    .sum();
                out.push(dot + f64::from(*b));
            }
        }
        out
    }

    fn random_case(rng: &mut Rng, m: usize, k: usize, n: usize) -> (Vec<f32>, Int8Matrix, Vec<f32>) {
        let values: Vec<f32> = (0..m * k).map(|_| rng.float() * 3.0).collect();
        let codes: Vec<i8> = (0..n * k).map(|_| rng.code()).collect();
        let scales: Vec<f32> = (0..n).map(|_| (rng.float().abs() + 0.01) / 100.0).collect();
        let bias: Vec<f32> = (0..n).map(|_| rng.float()).collect();
        (values, Int8Matrix::new(n, k, &codes, scales), bias)
    }

    /// Shapes of one row, odd sizes, the model's, and several blocks of rows (70 = 2 × 32 + 6).
    #[test]
    fn matches_the_reference_on_odd_and_model_shapes() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let shapes = [(1, 1, 1), (1, 384, 384), (3, 17, 5), (5, 31, 3), (7, 384, 1152), (32, 1536, 384), (9, 100, 33), (70, 64, 7)];
        for (m, k, n) in shapes {
            let (values, w, bias) = random_case(&mut rng, m, k, n);
            let a = QuantizedRows::new(&values, k);
            let got = matmul(&a, &w, &bias);
            assert_eq!(got.len(), m * n);
            for (i, (g, r)) in got.iter().zip(reference(&a, &w, &bias)).enumerate() {
                assert!((f64::from(*g) - r).abs() <= 1e-5 * (1.0 + r.abs()), "shape {m}×{k}×{n}, entry {i}: {g} vs {r}");
            }
        }
    }

    /// Whole and partial tiles alike give exactly `dot × (row scale × column scale) + bias`.
    #[test]
    fn every_entry_is_the_exact_integer_dot_rescaled() {
        let mut rng = Rng(11);
        for (m, k, n) in [(8, 64, 6), (5, 48, 3), (32, 384, 8)] {
            let (values, w, bias) = random_case(&mut rng, m, k, n);
            let a = QuantizedRows::new(&values, k);
            let got = matmul(&a, &w, &bias);
            for (i, g) in got.iter().enumerate() {
                let (r, c) = (i / n, i % n);
                let dot: i32 = a.row(r).iter().zip(w.row(c)).map(|(&x, &y)| i32::from(x) * i32::from(y)).sum();
                let expected = dot as f32 * (a.scales[r] * w.scales[c]) + bias[c];
                assert_eq!(g.to_bits(), expected.to_bits(), "shape {m}×{k}×{n}, entry ({r}, {c})");
            }
        }
    }

    #[test]
    fn quantized_activations_stay_close_to_the_values() {
        let mut rng = Rng(42);
        let values: Vec<f32> = (0..4 * 50).map(|_| rng.float() * 10.0).collect();
        let a = QuantizedRows::new(&values, 50);
        for (m, row) in values.chunks(50).enumerate() {
            let max = row.iter().fold(0f32, |acc, v| acc.max(v.abs()));
            assert!(a.row(m)[..50].iter().any(|&c| c.abs() == 8191), "the largest value maps to the top code");
            assert!(a.row(m)[50..].iter().all(|&c| c == 0), "padding is zero");
            for (k, v) in row.iter().enumerate() {
                let back = f32::from(a.row(m)[k]) * a.scales[m];
                assert!((back - v).abs() <= max / 16382.0 + 1e-6, "row {m} col {k}: {back} vs {v}");
            }
        }
    }

    #[test]
    fn codes_round_to_nearest_with_ties_to_even() {
        let values = [0.5, 1.5, 2.5, -0.5, -1.5, 3.49, -3.51, 8191.0, f32::NAN];
        let mut codes = [7i16; 9];
        encode(&values, 1.0, &mut codes);
        assert_eq!(codes, [0, 2, 2, 0, -2, 3, -4, 8191, 0]);
    }

    #[test]
    fn zero_and_non_finite_rows_give_finite_codes() {
        let a = QuantizedRows::new(&[0.0, 0.0, f32::NAN, 1.0, f32::INFINITY, -2.0], 2);
        assert_eq!(&a.row(0)[..2], &[0, 0]);
        assert_eq!(&a.row(1)[..2], &[0, 8191]);
        assert!(a.row(2).iter().all(|&c| c == 0));
    }

    #[test]
    fn long_rows_use_fewer_levels_so_sums_fit_in_i32() {
        assert_eq!(levels(384), 8191.0);
        assert_eq!(levels(1536), 8191.0);
        let cols = 4096;
        let top = levels(cols) as i64;
        assert!(top < 8191 && top * 127 * cols as i64 <= i64::from(i32::MAX));
        let a = QuantizedRows::new(&vec![1.0; cols], cols);
        let w = Int8Matrix::new(1, cols, &vec![127; cols], vec![1.0]);
        let got = matmul(&a, &w, &[0.0])[0];
        assert!((got - 127.0 * cols as f32).abs() <= 1e-3 * got, "{got}");
    }

    #[test]
    fn stacking_keeps_rows_in_order() {
        let mut rng = Rng(7);
        let (values, first, bias1) = random_case(&mut rng, 3, 20, 5);
        let (_, second, bias2) = random_case(&mut rng, 3, 20, 3);
        let a = QuantizedRows::new(&values, 20);
        let stacked = Int8Matrix::stack(&[first.clone(), second.clone()]);
        assert_eq!(stacked.rows(), 8);
        let bias: Vec<f32> = bias1.iter().chain(&bias2).copied().collect();
        let whole = matmul(&a, &stacked, &bias);
        let (left, right) = (matmul(&a, &first, &bias1), matmul(&a, &second, &bias2));
        for m in 0..3 {
            assert_eq!(&whole[m * 8..m * 8 + 5], &left[m * 5..m * 5 + 5]);
            assert_eq!(&whole[m * 8 + 5..m * 8 + 8], &right[m * 3..m * 3 + 3]);
        }
    }

    #[test]
    fn padding_rows_and_columns_are_zero() {
        let w = Int8Matrix::new(3, 5, &[1; 15], vec![1.0; 3]);
        assert!(w.row(2)[..5].iter().all(|&c| c == 1) && w.row(2)[5..].iter().all(|&c| c == 0));
        assert!(w.row(3).iter().all(|&c| c == 0), "a zero row completes the tile");
        let a = QuantizedRows::new(&[1.0; 5], 5);
        assert!((1..TILE_ROWS).all(|r| a.row(r).iter().all(|&c| c == 0)));
    }
}
