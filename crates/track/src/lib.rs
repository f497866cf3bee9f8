//! tessera-track (in progress).
