//! Test fixtures for the policy and the replies: hand-made assessments and a small
//! seeded generator of random valid ones.

use crate::assessment::Assessment;
use crate::taxonomy::{Category, UserType};

/// An assessment that puts most of its weight on `category`, `severity` and the given
/// user-type distribution.
pub(crate) fn assessment(category: Category, severity: u8, user: [f32; 3]) -> Assessment {
    let mut category_probs = [0.12 / 15.0; 16];
    category_probs[category.index()] = 0.88;
    let mut severity_probs = [0.05; 5];
    severity_probs[usize::from(severity)] = 0.8;
    build(category_probs, severity_probs, user, 0.0)
}

/// Fills the derived fields (argmaxes, risk) from the distributions.
pub(crate) fn build(category_probs: [f32; 16], severity_probs: [f32; 5], user: [f32; 3], jailbreak: f32) -> Assessment {
    Assessment {
        category: Category::ALL[argmax(&category_probs)],
        category_probs,
        risk: Assessment::risk_of(&category_probs, &user),
        user_type: UserType::ALL[argmax(&user)],
        user_type_probs: user,
        severity: argmax(&severity_probs) as u8,
        severity_probs,
        jailbreak,
        evidence: Vec::new(),
        changes: Vec::new(),
    }
}

fn argmax(p: &[f32]) -> usize {
    (0..p.len()).fold(0, |best, i| if p[i] > p[best] { i } else { best })
}

/// xorshift64*: a tiny deterministic generator, so a failing case can be replayed.
pub(crate) struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// A random distribution over `N` outcomes, often peaked on one of them.
    pub fn distribution<const N: usize>(&mut self) -> [f32; N] {
        let mut p: [f32; N] = std::array::from_fn(|_| self.unit().powi(3) + 1e-4);
        let peak = self.below(N);
        p[peak] += self.unit() * 4.0;
        let sum: f32 = p.iter().sum();
        p.map(|x| x / sum)
    }

    /// A random valid assessment.
    pub fn assessment(&mut self) -> Assessment {
        let jailbreak = if self.below(3) == 0 { self.unit() } else { 0.0 };
        build(self.distribution(), self.distribution(), self.distribution(), jailbreak)
    }
}
