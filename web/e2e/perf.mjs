#!/usr/bin/env node
// Measures what the live page costs the browser's main thread against a running server:
// logs in, waits for the stream, then samples Chromium's own counters (CDP Performance
// metrics: script, layout, style and total task time) over a window, counts the WebSocket
// messages the page received and reads the page's own apply/render counters
// (window.__tessera.perf()).
//
//   TESSERA_URL=http://127.0.0.1:8080/ TESSERA_OBSERVER_PASS=... \
//   [TESSERA_OBSERVER_USER=observer] [PERF_WINDOW_S=20] [PERF_WARMUP_S=8] [CHROMIUM=/usr/bin/chromium] \
//   [PERF_TRACE=trace.json] node e2e/perf.mjs
//
// PERF_TRACE also records a Chromium trace of the window (summarise it with e2e/trace-summary.mjs).
//
// Prints one JSON object (per-second figures) on the last line.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const env = process.env;
const BASE = env.TESSERA_URL;
const WHO = { user: env.TESSERA_OBSERVER_USER ?? 'observer', pass: env.TESSERA_OBSERVER_PASS };
const WINDOW_S = Number(env.PERF_WINDOW_S ?? 20);
const WARMUP_S = Number(env.PERF_WARMUP_S ?? 8);
if (!BASE || !WHO.pass) {
  console.error('usage: TESSERA_URL=... TESSERA_OBSERVER_PASS=... node e2e/perf.mjs');
  process.exit(2);
}

const tmp = mkdtempSync(join(tmpdir(), 'tessera-perf-'));
const browser = await chromium.launch({
  executablePath: env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  env: { ...process.env, TMPDIR: tmp },
});
try {
  const ctx = await browser.newContext({ viewport: { width: 1600, height: 1000 }, deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  let frames = 0;
  let bytes = 0;
  page.on('websocket', (ws) =>
    ws.on('framereceived', (f) => {
      frames++;
      bytes += typeof f.payload === 'string' ? f.payload.length : f.payload.byteLength;
    }),
  );
  await page.goto(BASE, { waitUntil: 'domcontentloaded' });
  await page.fill('[data-testid=login-username]', WHO.user);
  await page.fill('[data-testid=login-password]', WHO.pass);
  await page.click('[data-testid=login-submit]');
  await page.waitForFunction(() => document.querySelector('[data-testid=connection]')?.getAttribute('data-state') === 'live', null, { timeout: 60000 });
  await page.waitForTimeout(WARMUP_S * 1000);
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Performance.enable');
  const metrics = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  const pagePerf = () => page.evaluate(() => window.__tessera.perf());
  if (env.PERF_TRACE) await browser.startTracing(page, { path: env.PERF_TRACE, categories: ['devtools.timeline', 'v8.execute', 'disabled-by-default-devtools.timeline', 'blink', 'gpu', 'cc'] });
  const m0 = await metrics();
  const p0 = await pagePerf();
  const f0 = frames;
  const b0 = bytes;
  const w0 = Date.now();
  await page.waitForTimeout(WINDOW_S * 1000);
  const m1 = await metrics();
  if (env.PERF_TRACE) await browser.stopTracing();
  const p1 = await pagePerf();
  const wall = (Date.now() - w0) / 1000;
  const tracks = await page.evaluate(() => window.__tessera.tracks().length);
  const per = (k) => +(((m1[k] ?? 0) - (m0[k] ?? 0)) * 1000 / wall).toFixed(1);
  const out = {
    window_s: +wall.toFixed(1),
    tracks,
    ws_messages_per_s: +((frames - f0) / wall).toFixed(1),
    ws_kB_per_s: +((bytes - b0) / 1024 / wall).toFixed(1),
    // milliseconds of main-thread time per wall-clock second (1000 = one core saturated)
    main_task_ms_per_s: per('TaskDuration'),
    main_script_ms_per_s: per('ScriptDuration'),
    main_layout_ms_per_s: per('LayoutDuration'),
    main_style_ms_per_s: per('RecalcStyleDuration'),
    page: {},
  };
  // the page's own counters (cumulative): per second over the window
  for (const k of Object.keys(p1)) {
    if (typeof p1[k] === 'number' && typeof p0[k] === 'number' && !/max|mean/i.test(k)) out.page[k] = +((p1[k] - p0[k]) / wall).toFixed(2);
    else out.page[k] = p1[k];
  }
  console.log(JSON.stringify(out));
} finally {
  await browser.close().catch(() => {});
  rmSync(tmp, { recursive: true, force: true });
}
