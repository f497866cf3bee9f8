#!/usr/bin/env python3
"""Throughput of the CroatiaControl decoder (PyPI asterix_decoder) on the same CAT048 stream the
Rust example bench_asterix builds: the CAT048 records of a pcap, replicated into blocks.

    python3 -m venv /tmp/venv_cc && /tmp/venv_cc/bin/pip install asterix_decoder
    /tmp/venv_cc/bin/python crates/asterix/scripts/bench_reference.py STREAM.bin

STREAM.bin is written by `cargo run --release -p tessera-asterix --example bench_asterix -- PCAP STREAM.bin`
(or any raw CAT048 block file). Prints records/s of asterix.parse over the whole buffer.
"""
import sys
import time

import asterix  # provided by asterix_decoder

data = open(sys.argv[1], "rb").read()
best = 0.0
for _ in range(3):
    t = time.perf_counter()
    recs = asterix.parse(data)
    dt = time.perf_counter() - t
    best = max(best, len(recs) / dt)
print(f"asterix_decoder_records_per_s {best:.0f} ({len(recs)} records)")
