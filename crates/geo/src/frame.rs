//! Coordinate frames in the type system: the `Ecef`, `Enu` and `Ned` markers and the
//! frame-tagged `Position`, `Displacement` and `Velocity` wrappers around `Vector3<f64>`.
//!
//! Arithmetic is only defined within one frame (`Position<Enu> - Position<Enu>` is a
//! `Displacement<Enu>`; adding a `Displacement<Ecef>` to a `Position<Enu>` does not compile).
//! Changing frame needs an explicit conversion (a [`LocalTangentPlane`](crate::LocalTangentPlane)
//! or [`Position::to_ned`]-style axis swaps). Hot loops may drop to plain nalgebra through
//! `raw()` / `from_raw()`.

use core::fmt;
use core::marker::PhantomData;
use core::ops::{Add, AddAssign, Div, Mul, Neg, Sub, SubAssign};
use nalgebra::{Matrix3, Vector3};

/// A Cartesian coordinate frame marker. Implemented by zero-sized types only.
pub trait Frame: Copy + Clone + fmt::Debug + PartialEq + Default + Send + Sync + 'static {
    /// Short name used in `Debug` output.
    const NAME: &'static str;
}

/// Earth-centred, Earth-fixed: x through (0°N, 0°E), z through the North pole, metres.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Ecef;

/// A local East-North-Up tangent plane (which one — system plane or a sensor site's own
/// plane — is fixed by the [`LocalTangentPlane`](crate::LocalTangentPlane) that produced it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Enu;

/// A local North-East-Down tangent plane: the same plane as [`Enu`] with axes (n, e, -u).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Ned;

impl Frame for Ecef {
    const NAME: &'static str = "Ecef";
}
impl Frame for Enu {
    const NAME: &'static str = "Enu";
}
impl Frame for Ned {
    const NAME: &'static str = "Ned";
}

/// The matrix taking ENU components to NED components (and, being its own inverse, back).
pub fn enu_ned_swap() -> Matrix3<f64> {
    Matrix3::new(0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, -1.0)
}

#[inline]
fn swap_enu_ned(v: &Vector3<f64>) -> Vector3<f64> {
    Vector3::new(v.y, v.x, -v.z)
}

macro_rules! frame_vector {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq)]
        pub struct $name<F: Frame> {
            v: Vector3<f64>,
            frame: PhantomData<F>,
        }

        impl<F: Frame> $name<F> {
            /// From components in frame `F`, metres (or metres per second for velocities).
            #[inline]
            pub fn new(x: f64, y: f64, z: f64) -> Self {
                Self::from_raw(Vector3::new(x, y, z))
            }

            /// Wraps a raw vector, asserting (unchecked) that it is expressed in frame `F`.
            #[inline]
            pub fn from_raw(v: Vector3<f64>) -> Self {
                Self { v, frame: PhantomData }
            }

            /// The zero vector.
            #[inline]
            pub fn zeros() -> Self {
                Self::from_raw(Vector3::zeros())
            }

            /// The raw components, dropping the frame tag.
            #[inline]
            pub fn raw(&self) -> Vector3<f64> {
                self.v
            }

            /// A reference to the raw components.
            #[inline]
            pub fn as_raw(&self) -> &Vector3<f64> {
                &self.v
            }

            /// First component (x, east or north depending on the frame).
            #[inline]
            pub fn x(&self) -> f64 {
                self.v.x
            }

            /// Second component.
            #[inline]
            pub fn y(&self) -> f64 {
                self.v.y
            }

            /// Third component.
            #[inline]
            pub fn z(&self) -> f64 {
                self.v.z
            }

            /// Whether every component is finite.
            #[inline]
            pub fn is_finite(&self) -> bool {
                self.v.iter().all(|c| c.is_finite())
            }
        }

        impl<F: Frame> Default for $name<F> {
            fn default() -> Self {
                Self::zeros()
            }
        }

        impl<F: Frame> fmt::Debug for $name<F> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(
                    f,
                    concat!(stringify!($name), "<{}>({}, {}, {})"),
                    F::NAME,
                    self.v.x,
                    self.v.y,
                    self.v.z
                )
            }
        }

        impl $name<Enu> {
            /// The same vector with NED axes.
            #[inline]
            pub fn to_ned(&self) -> $name<Ned> {
                $name::from_raw(swap_enu_ned(&self.v))
            }
        }

        impl $name<Ned> {
            /// The same vector with ENU axes.
            #[inline]
            pub fn to_enu(&self) -> $name<Enu> {
                $name::from_raw(swap_enu_ned(&self.v))
            }
        }
    };
}

macro_rules! linear_ops {
    ($name:ident) => {
        impl<F: Frame> $name<F> {
            /// Euclidean length.
            #[inline]
            pub fn norm(&self) -> f64 {
                self.v.norm()
            }
        }

        impl<F: Frame> Add for $name<F> {
            type Output = Self;
            #[inline]
            fn add(self, rhs: Self) -> Self {
                Self::from_raw(self.v + rhs.v)
            }
        }

        impl<F: Frame> Sub for $name<F> {
            type Output = Self;
            #[inline]
            fn sub(self, rhs: Self) -> Self {
                Self::from_raw(self.v - rhs.v)
            }
        }

        impl<F: Frame> AddAssign for $name<F> {
            #[inline]
            fn add_assign(&mut self, rhs: Self) {
                self.v += rhs.v;
            }
        }

        impl<F: Frame> SubAssign for $name<F> {
            #[inline]
            fn sub_assign(&mut self, rhs: Self) {
                self.v -= rhs.v;
            }
        }

        impl<F: Frame> Neg for $name<F> {
            type Output = Self;
            #[inline]
            fn neg(self) -> Self {
                Self::from_raw(-self.v)
            }
        }

        impl<F: Frame> Mul<f64> for $name<F> {
            type Output = Self;
            #[inline]
            fn mul(self, k: f64) -> Self {
                Self::from_raw(self.v * k)
            }
        }

        impl<F: Frame> Mul<$name<F>> for f64 {
            type Output = $name<F>;
            #[inline]
            fn mul(self, rhs: $name<F>) -> $name<F> {
                $name::from_raw(rhs.v * self)
            }
        }

        impl<F: Frame> Div<f64> for $name<F> {
            type Output = Self;
            #[inline]
            fn div(self, k: f64) -> Self {
                Self::from_raw(self.v / k)
            }
        }
    };
}

frame_vector!(
    /// A point in frame `F`, metres. Points subtract to displacements and move by them.
    Position
);
frame_vector!(
    /// The vector from one point to another in frame `F`, metres.
    Displacement
);
frame_vector!(
    /// A velocity with components along the axes of frame `F`, metres per second.
    Velocity
);
linear_ops!(Displacement);
linear_ops!(Velocity);

impl<F: Frame> Position<F> {
    /// Straight-line distance to another point of the same frame, metres.
    #[inline]
    pub fn distance_to(&self, other: &Self) -> f64 {
        (self.v - other.v).norm()
    }

    /// The displacement from the frame's origin to this point.
    #[inline]
    pub fn from_origin(&self) -> Displacement<F> {
        Displacement::from_raw(self.v)
    }
}

impl<F: Frame> Velocity<F> {
    /// Distance travelled in `dt_s` seconds at this velocity.
    #[inline]
    pub fn over(&self, dt_s: f64) -> Displacement<F> {
        Displacement::from_raw(self.v * dt_s)
    }
}

impl<F: Frame> Sub for Position<F> {
    type Output = Displacement<F>;
    #[inline]
    fn sub(self, rhs: Self) -> Displacement<F> {
        Displacement::from_raw(self.v - rhs.v)
    }
}

impl<F: Frame> Add<Displacement<F>> for Position<F> {
    type Output = Self;
    #[inline]
    fn add(self, rhs: Displacement<F>) -> Self {
        Self::from_raw(self.v + rhs.v)
    }
}

impl<F: Frame> Sub<Displacement<F>> for Position<F> {
    type Output = Self;
    #[inline]
    fn sub(self, rhs: Displacement<F>) -> Self {
        Self::from_raw(self.v - rhs.v)
    }
}

impl<F: Frame> AddAssign<Displacement<F>> for Position<F> {
    #[inline]
    fn add_assign(&mut self, rhs: Displacement<F>) {
        self.v += rhs.v;
    }
}

impl<F: Frame> SubAssign<Displacement<F>> for Position<F> {
    #[inline]
    fn sub_assign(&mut self, rhs: Displacement<F>) {
        self.v -= rhs.v;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn affine_arithmetic_within_one_frame() {
        let a = Position::<Enu>::new(1.0, 2.0, 3.0);
        let b = Position::<Enu>::new(4.0, 6.0, 3.0);
        let d = b - a;
        assert_eq!(d, Displacement::new(3.0, 4.0, 0.0));
        assert_eq!(d.norm(), 5.0);
        assert_eq!(a + d, b);
        assert_eq!(b - d, a);
        assert_eq!(a.distance_to(&b), 5.0);
        let v = Velocity::<Enu>::new(10.0, 0.0, -1.0);
        assert_eq!(v.over(2.0), Displacement::new(20.0, 0.0, -2.0));
        assert_eq!(2.0 * v, v * 2.0);
        assert_eq!(-v + v, Velocity::zeros());
        let mut p = a;
        p += d;
        p -= d;
        assert_eq!(p, a);
    }

    #[test]
    fn enu_ned_swap_is_an_involution() {
        let p = Position::<Enu>::new(1.0, 2.0, 3.0);
        let n = p.to_ned();
        assert_eq!(n.raw(), Vector3::new(2.0, 1.0, -3.0));
        assert_eq!(n.to_enu(), p);
        assert_eq!(enu_ned_swap() * p.raw(), n.raw());
        assert_eq!(enu_ned_swap() * enu_ned_swap(), Matrix3::identity());
    }

    #[test]
    fn debug_names_the_frame() {
        let p = Position::<Ecef>::new(1.0, 0.0, 0.0);
        assert_eq!(format!("{p:?}"), "Position<Ecef>(1, 0, 0)");
        assert!(!Position::<Ecef>::new(f64::NAN, 0.0, 0.0).is_finite());
    }
}
