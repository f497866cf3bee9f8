//! WGS-84 ellipsoid constants (NIMA TR8350.2, 3rd ed., table 3.1 and derived values).

/// Semi-major (equatorial) axis `a`, metres.
pub const A: f64 = 6_378_137.0;
/// Inverse flattening `1/f`.
pub const INV_F: f64 = 298.257_223_563;
/// Flattening `f`.
pub const F: f64 = 1.0 / INV_F;
/// Semi-minor (polar) axis `b = a (1 - f)`, metres (6 356 752.314 245 m).
pub const B: f64 = A * (1.0 - F);
/// First eccentricity squared `e² = f (2 - f)`.
pub const E2: f64 = F * (2.0 - F);

/// Prime-vertical radius of curvature `N(φ) = a / sqrt(1 - e² sin² φ)`, metres.
#[inline]
pub fn prime_vertical_radius(sin_lat: f64) -> f64 {
    A / (1.0 - E2 * sin_lat * sin_lat).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_constants_match_tr8350() {
        // TR8350.2 table 3.3: b = 6356752.3142 m, e² = 6.69437999014e-3.
        assert!((B - 6_356_752.314_2).abs() < 1e-4);
        assert!((E2 - 6.694_379_990_14e-3).abs() < 1e-14);
    }
}
