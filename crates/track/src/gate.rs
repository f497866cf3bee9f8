//! The `Gate` stage: which measurement may belong to which track. Mahalanobis gating with
//! chi-square thresholds per measurement dimension, behind the spatial pre-gate of
//! `pregate`.

use crate::filter::Innovation;

/// Decides whether an innovation is plausible.
pub trait Gate: Send + Sync {
    fn accepts(&self, innovation: &Innovation) -> bool;
}

/// Chi-square CDF for 1, 2 or 3 degrees of freedom.
pub fn chi2_cdf(x: f64, dof: usize) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    match dof {
        1 => erf((x / 2.0).sqrt()),
        2 => 1.0 - (-x / 2.0).exp(),
        _ => erf((x / 2.0).sqrt()) - (2.0 * x / std::f64::consts::PI).sqrt() * (-x / 2.0).exp(),
    }
}

/// Inverse of `chi2_cdf` by bisection.
pub fn chi2_quantile(p: f64, dof: usize) -> f64 {
    let (mut lo, mut hi) = (0.0, 200.0);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if chi2_cdf(mid, dof) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// Abramowitz–Stegun 7.1.26 is too coarse for gate quantiles; use a series/continued fraction.
fn erf(x: f64) -> f64 {
    // erf via the complementary error function with a Chebyshev fit (Numerical Recipes erfc).
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 { 1.0 - r } else { r - 1.0 }
}

/// Mahalanobis gate: accepts when the squared distance is inside the chi-square quantile of
/// the gate probability for the measurement's dimension.
#[derive(Debug, Clone, Copy)]
pub struct MahalanobisGate {
    pub probability: f64,
    thresholds: [f64; 4],
}

impl MahalanobisGate {
    pub fn new(probability: f64) -> Self {
        let mut thresholds = [0.0; 4];
        for (d, t) in thresholds.iter_mut().enumerate().skip(1) {
            *t = chi2_quantile(probability, d);
        }
        Self {
            probability,
            thresholds,
        }
    }

    pub fn threshold(&self, dim: usize) -> f64 {
        self.thresholds[dim.clamp(1, 3)]
    }
}

impl Gate for MahalanobisGate {
    fn accepts(&self, innovation: &Innovation) -> bool {
        innovation.distance2 <= self.threshold(innovation.dim)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chi2_quantiles_match_tables() {
        // Standard table values.
        assert!((chi2_quantile(0.95, 1) - 3.841).abs() < 2e-3);
        assert!((chi2_quantile(0.99, 2) - 9.210).abs() < 2e-3);
        assert!((chi2_quantile(0.99, 3) - 11.345).abs() < 2e-3);
        assert!((chi2_quantile(0.9999, 3) - 21.108).abs() < 5e-3);
    }
}
