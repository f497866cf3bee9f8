#!/usr/bin/env node
// Summarises a Chromium trace (from e2e/perf.mjs PERF_TRACE=...): per thread of the page's
// renderer process, the time in top-level tasks, and the heaviest event names inside them,
// in milliseconds per second of trace.
//
//   node e2e/trace-summary.mjs trace.json

import { readFileSync } from 'node:fs';

const raw = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const events = Array.isArray(raw) ? raw : raw.traceEvents;
const names = new Map();
for (const e of events) if (e.ph === 'M' && e.name === 'thread_name') names.set(`${e.pid}/${e.tid}`, e.args.name);
const xs = events.filter((e) => e.ph === 'X' && typeof e.dur === 'number');
let t0 = Infinity;
let t1 = -Infinity;
for (const e of xs) {
  t0 = Math.min(t0, e.ts);
  t1 = Math.max(t1, e.ts + e.dur);
}
const span = (t1 - t0) / 1e6;
const byThread = new Map();
for (const e of xs) {
  const th = names.get(`${e.pid}/${e.tid}`) ?? `${e.pid}/${e.tid}`;
  if (!byThread.has(th)) byThread.set(th, []);
  byThread.get(th).push(e);
}
const out = { span_s: +span.toFixed(1), threads: {} };
for (const [th, list] of byThread) {
  list.sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  // top-level = not inside the previous top-level event
  let end = -1;
  let top = 0;
  const self = new Map();
  for (const e of list) {
    if (e.ts >= end) {
      top += e.dur;
      end = e.ts + e.dur;
    }
    self.set(e.name, (self.get(e.name) ?? 0) + e.dur);
  }
  if (top / 1e3 / span < 5) continue;
  const heavy = [...self].sort((a, b) => b[1] - a[1]).slice(0, 14).map(([n, d]) => [n, +(d / 1e3 / span).toFixed(1)]);
  out.threads[th] = { busy_ms_per_s: +(top / 1e3 / span).toFixed(1), inclusive_ms_per_s_by_event: Object.fromEntries(heavy) };
}
console.log(JSON.stringify(out, null, 1));
