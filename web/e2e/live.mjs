#!/usr/bin/env node
// End-to-end test of the Tessera page against a running server (the Rust server in CI, or
// dev/mock-server.mjs). Drives Debian's chromium through playwright-core.
//
//   TESSERA_URL=http://127.0.0.1:8080/ \
//   TESSERA_OPERATOR_USER=operator TESSERA_OPERATOR_PASS=... \
//   TESSERA_OBSERVER_USER=observer TESSERA_OBSERVER_PASS=... \
//   [TESSERA_TIMEOUT_S=90] [TESSERA_SCREENSHOT=out.png] [CHROMIUM=/usr/bin/chromium] \
//   node e2e/live.mjs
//
// Exit 0 when every check passed; non-zero with "E2E FAIL: ..." otherwise.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const env = process.env;
const BASE = env.TESSERA_URL;
const TIMEOUT_MS = Number(env.TESSERA_TIMEOUT_S ?? 90) * 1000;
const SCREENSHOT = env.TESSERA_SCREENSHOT || '';
const OP = { user: env.TESSERA_OPERATOR_USER ?? 'operator', pass: env.TESSERA_OPERATOR_PASS };
const OBS = { user: env.TESSERA_OBSERVER_USER ?? 'observer', pass: env.TESSERA_OBSERVER_PASS };
const DECIDED_OK = ['approved', 'engaged', 'kill', 'miss', 'aborted'];

let passed = 0;
let failed = 0;
const t0 = Date.now();
const log = (msg) => console.log(`[e2e ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${msg}`);
function ok(msg) {
  passed++;
  log(`ok - ${msg}`);
}
class Failure extends Error {}
function fail(msg) {
  throw new Failure(msg);
}

function usage() {
  const missing = [];
  if (!BASE) missing.push('TESSERA_URL');
  if (!OP.pass) missing.push('TESSERA_OPERATOR_PASS');
  if (!OBS.pass) missing.push('TESSERA_OBSERVER_PASS');
  if (missing.length) {
    console.error(`E2E FAIL: missing environment: ${missing.join(', ')}`);
    console.error('usage: TESSERA_URL=http://HOST:PORT/ TESSERA_OPERATOR_USER=u TESSERA_OPERATOR_PASS=p TESSERA_OBSERVER_USER=u TESSERA_OBSERVER_PASS=p node e2e/live.mjs');
    process.exit(2);
  }
}

/** Poll `fn` until it returns a truthy value or the timeout passes; returns the value. */
async function waitFor(what, fn, timeoutMs = TIMEOUT_MS, everyMs = 500) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) {
      const detail = last instanceof Error ? ` (last error: ${last.message})` : last !== undefined && last !== false && last !== null ? ` (last: ${JSON.stringify(last)})` : '';
      fail(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}${detail}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function apiUrl(path) {
  return new URL(path.replace(/^\//, ''), BASE.endsWith('/') ? BASE : `${BASE}/`).toString();
}

async function api(method, path, token, body) {
  const res = await fetch(apiUrl(path), {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, json, text };
}

/** A fresh browser context whose page reports page errors and any off-origin request. */
async function newPage(browser, label, problems) {
  const ctx = await browser.newContext({ viewport: { width: 1600, height: 1000 }, deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  const origin = new URL(BASE).origin;
  page.on('pageerror', (e) => problems.push(`${label}: uncaught page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') log(`${label} console error: ${m.text().slice(0, 300)}`);
  });
  page.on('request', (r) => {
    const u = r.url();
    if (/^(data|blob|about):/.test(u)) return;
    try {
      const o = new URL(u);
      const sameHost = o.host === new URL(origin).host;
      if (!sameHost) problems.push(`${label}: request to another origin (the page must be self-contained): ${u}`);
    } catch {
      problems.push(`${label}: unparsable request URL ${u}`);
    }
  });
  return { ctx, page };
}

async function login(page, who, role) {
  await page.goto(BASE, { waitUntil: 'domcontentloaded', timeout: 60000 });
  await page.locator('[data-testid=login-username]').waitFor({ state: 'visible', timeout: 30000 });
  await page.fill('[data-testid=login-username]', who.user);
  await page.fill('[data-testid=login-password]', who.pass);
  await page.click('[data-testid=login-submit]');
  const shown = await waitFor(`the ${role} to be logged in`, async () => {
    const err = (await page.locator('[data-testid=login-error]').textContent())?.trim();
    if (err) fail(`login as ${who.user} refused in the page: ${err}`);
    const r = page.locator('[data-testid=current-role]');
    return (await r.count()) && (await r.isVisible()) ? (await r.textContent()).trim() : null;
  }, 30000);
  if (shown !== role) fail(`logged in as ${who.user} but the page shows role "${shown}", expected "${role}"`);
  const token = await page.evaluate(() => sessionStorage.getItem('tessera.token'));
  if (!token) fail('no token in sessionStorage after login');
  ok(`logged in as ${who.user}, page shows role ${role}, token kept in sessionStorage`);
  return token;
}

async function waitForTracks(page) {
  const n = await waitFor('at least 5 tracks in the table and on the map', async () => {
    const rows = await page.locator('[data-testid=track-row]').count();
    const s = await page.evaluate(() => ({ tracks: window.__tessera.tracks().length, map: window.__tessera.mapTrackCount(), rendered: window.__tessera.renderedTrackCount() }));
    return rows >= 5 && s.tracks >= 5 && s.map >= 5 && s.rendered >= 5 ? { rows, ...s } : false;
  });
  ok(`${n.rows} rows in the track table, ${n.map} tracks on the map (${n.rendered} rendered in view)`);
}

async function checkTracksMove(page) {
  const before = await page.evaluate(() => ({ v: window.__tessera.version(), t: window.__tessera.tracks().map((t) => [t.id, t.lat_deg, t.lon_deg]) }));
  const moved = await waitFor('a track to change position', async () => {
    const now = await page.evaluate(() => ({ v: window.__tessera.version(), t: window.__tessera.tracks().map((t) => [t.id, t.lat_deg, t.lon_deg]) }));
    const old = new Map(before.t.map((x) => [x[0], x]));
    const m = now.t.filter((x) => old.has(x[0]) && (old.get(x[0])[1] !== x[1] || old.get(x[0])[2] !== x[2]));
    return m.length > 0 && now.v > before.v ? { n: m.length, common: now.t.filter((x) => old.has(x[0])).length, v0: before.v, v1: now.v } : false;
  }, Math.min(TIMEOUT_MS, 30000));
  ok(`tracks move: ${moved.n} of ${moved.common} tracks changed position (version ${moved.v0} → ${moved.v1})`);
  // the table follows the picture
  const id = (await page.evaluate(() => window.__tessera.tracks()[0]?.id));
  if (id !== undefined) {
    const row = page.locator(`[data-testid=track-row][data-track-id="${id}"]`);
    if ((await row.count()) !== 1) fail(`track ${id} is in the picture but has no table row`);
  }
}

/**
 * Open recommendation ids visible as cards, best candidates first: the newest (the server
 * keeps a recommendation at least its dwell time unless a re-plan replaces it), then the
 * widest remaining launch window.
 */
async function cardIds(page) {
  return page.evaluate(() => {
    const t = window.__tessera.t_s();
    const open = new Map(window.__tessera.engagements().filter((e) => e.status === 'recommended' && e.latest_launch_t_s > t).map((e) => [e.id, e]));
    return [...document.querySelectorAll('[data-testid=recommendation-card]')]
      .filter((el) => !el.hasAttribute('data-status'))
      .map((el) => Number(el.getAttribute('data-engagement-id')))
      .filter((id) => open.has(id))
      .sort((a, b) => open.get(b).created_t_s - open.get(a).created_t_s || open.get(b).latest_launch_t_s - open.get(a).latest_launch_t_s);
  });
}

/** The engagement's status in the page's model (null if unknown). */
async function modelStatus(page, id) {
  return page.evaluate((id) => window.__tessera.engagements().find((e) => e.id === id)?.status ?? null, id);
}

/**
 * With the pointer over a card, the page must keep the card and its buttons as the same DOM
 * elements at the same place while deltas keep arriving (it used to rebuild them on every
 * message, so that nothing could be hovered or clicked).
 */
async function checkCardHoldsStill(page, card, id) {
  const before = await card.evaluate((el) => {
    el.__e2eCard = true;
    el.querySelector('[data-testid=approve-button]').__e2eButton = true;
    const r = el.getBoundingClientRect();
    return { x: r.x, y: r.y, w: r.width, h: r.height, v: window.__tessera.version() };
  });
  await waitFor('three more deltas while the pointer is on the card', async () => (await page.evaluate(() => window.__tessera.version())) >= before.v + 3, 15000, 100);
  const after = await page.evaluate((id) => {
    const el = document.querySelector(`[data-testid=recommendation-card][data-engagement-id="${id}"]`);
    if (!el) return null;
    const r = el.getBoundingClientRect();
    return { same: el.__e2eCard === true, button: el.querySelector('[data-testid=approve-button]')?.__e2eButton === true, x: r.x, y: r.y, w: r.width, h: r.height, v: window.__tessera.version() };
  }, id);
  if (!after) fail(`E${id}'s card disappeared while the pointer was on it`);
  if (!after.same || !after.button) fail(`E${id}'s card or its Approve button was replaced by another element while the pointer was on it`);
  const moved = Math.max(Math.abs(after.x - before.x), Math.abs(after.y - before.y), Math.abs(after.w - before.w), Math.abs(after.h - before.h));
  if (moved > 0.5) fail(`E${id}'s card moved or changed size by ${moved.toFixed(1)} px while the pointer was on it`);
  ok(`E${id}'s card and its buttons stayed the same elements, in place, over ${after.v - before.v} deltas with the pointer on it`);
}

async function approveOne(page, token) {
  const deadline = Date.now() + 3 * TIMEOUT_MS;
  let stable = false;
  for (let attempt = 1; attempt <= 10 && Date.now() < deadline; attempt++) {
    const ids = await waitFor('a recommendation card', async () => {
      const ids = await cardIds(page);
      return ids.length ? ids : false;
    });
    const id = ids[0];
    if (attempt === 1) ok(`recommendation card E${id} shown (${ids.length} open)`);
    const card = page.locator(`[data-testid=recommendation-card][data-engagement-id="${id}"]`);
    const btn = card.locator('[data-testid=approve-button]');
    // pointer over the list first, as a person would: the page then holds the cards still
    try {
      await card.hover({ timeout: 10000 });
    } catch (e) {
      log(`E${id} could not be hovered (${e.message.split('\n')[0]}); trying another`);
      continue;
    }
    if (!stable) {
      await checkCardHoldsStill(page, card, id);
      stable = true;
    }
    if (await btn.isDisabled()) {
      const st = await card.getAttribute('data-status');
      if (st) {
        log(`E${id} became ${st} before the click; trying another`);
        continue;
      }
      fail(`approve button of E${id} is disabled for the operator`);
    }
    try {
      await btn.click({ timeout: 5000 });
    } catch (e) {
      const st = (await card.getAttribute('data-status').catch(() => null)) ?? (await modelStatus(page, id));
      log(`click on E${id} did not complete (${e.message.split('\n')[0]}; now ${st}); checking what happened`);
    }
    // the card shows the decision in place and the history lists it, or the panel says why not
    const outcome = await waitFor(`the decision on E${id} to show`, async () => {
      const row = page.locator(`[data-testid=history-row][data-engagement-id="${id}"]`);
      if (await row.count()) {
        const st = await row.getAttribute('data-status');
        if (DECIDED_OK.includes(st)) return { ok: true, status: st };
      }
      const st = await modelStatus(page, id);
      if (st === 'lapsed' || st === 'rejected') return { ok: false, status: st };
      const err = page.locator('[data-testid=panel-error]');
      if ((await err.isVisible()) && /E\d+|refused|failed/.test(await err.textContent())) {
        const text = (await err.textContent()).trim();
        if (text.includes(`E${id}`) || text.includes('refused')) return { ok: false, error: text };
      }
      return false;
    }, 20000, 250);
    if (outcome.ok) {
      ok(`approved E${id} from its card; the page shows it as "${outcome.status}" in the history`);
      const list = await api('GET', 'api/engagements', token);
      if (list.status !== 200 || !Array.isArray(list.json)) fail(`GET /api/engagements returned ${list.status}: ${list.text.slice(0, 200)}`);
      const e = list.json.find((x) => x.id === id);
      if (!e) fail(`E${id} is not in GET /api/engagements`);
      if (!DECIDED_OK.includes(e.status)) fail(`GET /api/engagements says E${id} is "${e.status}", expected one of ${DECIDED_OK.join('/')}`);
      if (e.decided_by !== OP.user) fail(`E${id} decided_by is "${e.decided_by}", expected "${OP.user}"`);
      ok(`GET /api/engagements: E${id} is "${e.status}", decided_by ${e.decided_by}${e.comment ? ` (${e.comment})` : ''}`);
      return id;
    }
    if (outcome.error && /409/.test(outcome.error)) {
      // the page must show what the server said became of it (the record in the 409 body)
      const st = await modelStatus(page, id);
      if (st && st !== 'recommended' && !outcome.error.includes(st)) fail(`409 on E${id}: the panel says "${outcome.error}" but not its status "${st}"`);
      log(`409 on E${id}, the panel shows the server's record: ${outcome.error.replace(/✕$/, '').trim()}`);
    }
    log(`approve of E${id} did not stick (${outcome.error ?? outcome.status}); trying another recommendation (attempt ${attempt})`);
    await page.locator('[data-testid=panel-error] button').click({ timeout: 2000 }).catch(() => {});
    await page.mouse.move(5, 500); // leave the list: it re-sorts and drops what lapsed
  }
  fail('could not approve any recommendation in 10 attempts (all lapsed or refused)');
}

async function observerChecks(page, token, fallbackId) {
  const ids = await waitFor('a recommendation card for the observer', async () => {
    const ids = await cardIds(page);
    return ids.length ? ids : false;
  });
  const state = await page.evaluate(() =>
    [...document.querySelectorAll('[data-testid=recommendation-card]')].map((c) => ({
      id: c.getAttribute('data-engagement-id'),
      approve: c.querySelector('[data-testid=approve-button]')?.disabled,
      reject: c.querySelector('[data-testid=reject-button]')?.disabled,
    })),
  );
  const n = state.length;
  const enabled = state.filter((c) => c.approve !== true || c.reject !== true);
  if (enabled.length) fail(`observer: buttons enabled on card(s) ${enabled.map((c) => `E${c.id} (approve disabled=${c.approve}, reject disabled=${c.reject})`).join(', ')}`);
  ok(`observer sees ${n} recommendation card(s) with Approve and Reject disabled`);

  // forced through the API with the observer's own token
  const target = ids[0] ?? fallbackId;
  const r = await api('POST', `api/engagements/${target}/approve`, token, {});
  if (r.status !== 403) fail(`forced POST /api/engagements/${target}/approve with the observer token returned ${r.status}, expected 403: ${r.text.slice(0, 200)}`);
  ok(`forced POST /api/engagements/${target}/approve as observer → 403 ${r.json?.error ? `(${r.json.error})` : ''}`);

  // forced through the page: enable the button and click; the server refuses, the panel says so
  const still = await cardIds(page);
  const forcedId = still[0];
  if (forcedId !== undefined) {
    const btn = page.locator(`[data-testid=recommendation-card][data-engagement-id="${forcedId}"] [data-testid=approve-button]`);
    await btn.evaluate((b) => {
      b.disabled = false;
      b.click();
    });
    const text = await waitFor('the refusal in the engagement panel', async () => {
      const err = page.locator('[data-testid=panel-error]');
      if (!(await err.isVisible())) return false;
      const t = (await err.textContent()).trim();
      return /refused/i.test(t) ? t : false;
    }, 15000, 250);
    if (!/403|observer/.test(text)) fail(`panel shows "${text}" but not that the observer role was refused`);
    ok(`forced click on E${forcedId}'s Approve as observer: the panel shows "${text.replace(/✕$/, '').trim()}"`);
    // and the engagement was not decided by the observer
    const list = await api('GET', 'api/engagements', token);
    const e = Array.isArray(list.json) ? list.json.find((x) => x.id === forcedId) : null;
    if (e && e.decided_by === OBS.user) fail(`E${forcedId} shows decided_by ${OBS.user} after a refused approve`);
  } else log('observer: no card left for the forced click (skipped; the API refusal was checked)');
}

async function main() {
  usage();
  const executablePath = env.CHROMIUM || '/usr/bin/chromium';
  const userDataDir = mkdtempSync(join(tmpdir(), 'tessera-e2e-')); // the profile goes below it
  log(`target ${BASE}, chromium ${executablePath}, timeout ${TIMEOUT_MS / 1000} s per wait`);
  const health = await fetch(apiUrl('health')).then((r) => r.status).catch((e) => `unreachable (${e.message})`);
  if (health !== 200) fail(`GET /health: ${health}`);
  const problems = [];
  let browser;
  let opPage;
  let obsPage;
  try {
    browser = await chromium.launch({
      executablePath,
      headless: true,
      // playwright refuses --user-data-dir in launch(); it gives every launch a fresh temporary
      // profile itself. Contexts (operator, observer) are isolated from each other.
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      env: { ...process.env, TMPDIR: userDataDir },
    });
  } catch (e) {
    fail(`cannot start chromium at ${executablePath}: ${e.message.split('\n')[0]}`);
  }
  try {
    // ---------------------------------------------------------------- operator
    const op = await newPage(browser, 'operator', problems);
    opPage = op.page;
    const opToken = await login(opPage, OP, 'operator');
    const conn = await waitFor('the stream to be live', async () => (await opPage.locator('[data-testid=connection]').getAttribute('data-state')) === 'live', 30000);
    if (conn) ok('connection indicator is live');
    await waitForTracks(opPage);
    await checkTracksMove(opPage);
    const time = (await opPage.locator('[data-testid=scenario-time]').textContent()).trim();
    if (!/^T[+-]\d\d:\d\d:\d\d$/.test(time)) fail(`scenario time shows "${time}"`);
    ok(`scenario time shown: ${time}`);
    const approvedId = await approveOne(opPage, opToken);
    if (!(await opPage.evaluate(() => window.__tessera.basemapLoaded()))) fail('the offline basemap did not load');
    ok('offline basemap loaded');
    if (SCREENSHOT) {
      await opPage.waitForTimeout(500);
      await opPage.screenshot({ path: SCREENSHOT });
      ok(`screenshot of the operator page: ${SCREENSHOT}`);
    }
    await op.ctx.close(); // one live map at a time: software WebGL is slow on a loaded CI
    opPage = undefined;

    // ---------------------------------------------------------------- observer
    const obs = await newPage(browser, 'observer', problems);
    obsPage = obs.page;
    const obsToken = await login(obsPage, OBS, 'observer');
    await waitForTracks(obsPage);
    await observerChecks(obsPage, obsToken, approvedId);
    if (SCREENSHOT) {
      const p = SCREENSHOT.replace(/(\.png)?$/i, '-observer.png');
      await obsPage.screenshot({ path: p });
      ok(`screenshot of the observer page: ${p}`);
    }
    if (problems.length) fail(problems.join('\n  '));
    ok('no uncaught page errors and no request left the server origin');
  } catch (e) {
    failed++;
    const msg = e instanceof Failure ? e.message : `unexpected error: ${e.stack ?? e}`;
    console.error(`E2E FAIL: ${msg}`);
    if (problems.length) console.error(`also:\n  ${problems.join('\n  ')}`);
    if (SCREENSHOT) {
      const p = SCREENSHOT.replace(/(\.png)?$/i, '-failure.png');
      const page = obsPage ?? opPage;
      if (page) await page.screenshot({ path: p }).then(() => console.error(`failure screenshot: ${p}`)).catch(() => {});
    }
  } finally {
    await browser?.close().catch(() => {});
    rmSync(userDataDir, { recursive: true, force: true });
  }
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(`E2E FAIL: ${e instanceof Failure ? e.message : e.stack ?? e}`);
  console.log(`e2e: ${passed} passed, 1 failed`);
  process.exit(1);
});
