//! tessera-geo (in progress).
