//! tessera-metrics (in progress).
