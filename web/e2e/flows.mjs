#!/usr/bin/env node
// Decision flows of the engagement panel against a running server (real or mock), beyond what
// e2e/live.mjs proves:
//   1. reject: Reject opens the reason form, Confirm stays disabled without a reason, the
//      rejection is sent with the reason, the card says REJECTED in place (the pointer is still
//      on the list) and the history shows it with the operator and the reason;
//   2. 409: the answer to an approve is replaced (playwright route) by a 409 whose body carries
//      the server's record, as the real server sends it: the panel must say what became of it
//      (status and comment) and the card must show that status in place.
//
//   TESSERA_URL=... TESSERA_OPERATOR_PASS=... [TESSERA_OPERATOR_USER=operator] node e2e/flows.mjs

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const env = process.env;
const BASE = env.TESSERA_URL;
const OP = { user: env.TESSERA_OPERATOR_USER ?? 'operator', pass: env.TESSERA_OPERATOR_PASS };
if (!BASE || !OP.pass) {
  console.error('usage: TESSERA_URL=... TESSERA_OPERATOR_PASS=... node e2e/flows.mjs');
  process.exit(2);
}
let passed = 0;
const ok = (m) => {
  passed++;
  console.log(`ok - ${m}`);
};
class Failure extends Error {}
const fail = (m) => {
  throw new Failure(m);
};
async function waitFor(what, fn, ms = 20000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return v;
    if (Date.now() > end) fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The newest open recommendation with a card, hovered (so the list holds still). */
async function pickCard(page, not = []) {
  const id = await waitFor('an open recommendation card', () =>
    page.evaluate((not) => {
      const open = new Map(window.__tessera.engagements().filter((e) => e.status === 'recommended').map((e) => [e.id, e]));
      const ids = [...document.querySelectorAll('[data-testid=recommendation-card]:not([data-status])')]
        .map((el) => Number(el.dataset.engagementId))
        .filter((id) => open.has(id) && !not.includes(id))
        .sort((a, b) => open.get(b).created_t_s - open.get(a).created_t_s);
      return ids[0] ?? null;
    }, not),
  90000);
  const card = page.locator(`[data-testid=recommendation-card][data-engagement-id="${id}"]`);
  await card.hover({ timeout: 10000 });
  return { id, card };
}

const tmp = mkdtempSync(join(tmpdir(), 'tessera-flows-'));
const browser = await chromium.launch({
  executablePath: env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  env: { ...process.env, TMPDIR: tmp },
});
let code = 0;
try {
  const ctx = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(BASE);
  await page.fill('[data-testid=login-username]', OP.user);
  await page.fill('[data-testid=login-password]', OP.pass);
  await page.click('[data-testid=login-submit]');
  await waitFor('the stream', () => page.evaluate(() => window.__tessera.connection().state === 'live'), 30000);

  // ------------------------------------------------------------ 1. reject with a reason
  let rejected = null;
  for (let attempt = 0; attempt < 6 && !rejected; attempt++) {
    const { id, card } = await pickCard(page);
    await card.locator('[data-testid=reject-button]').click({ timeout: 5000 }).catch(() => {});
    const input = card.locator('[data-testid=reject-reason]');
    if (!(await input.isVisible())) continue; // lapsed before the click
    if (!(await card.locator('[data-testid=reject-confirm]').isDisabled())) fail('Confirm reject is enabled without a reason');
    await input.fill('e2e: friendly aircraft near the intercept point');
    await card.locator('[data-testid=reject-confirm]').click({ timeout: 5000 }).catch(() => {});
    const st = await waitFor(`E${id} to leave "recommended"`, () => page.evaluate((id) => {
      const e = window.__tessera.engagements().find((x) => x.id === id);
      return e && e.status !== 'recommended' ? e.status : null;
    }, id));
    if (st !== 'rejected') {
      console.log(`E${id} became ${st} before the rejection; another`);
      await page.mouse.move(5, 500);
      continue;
    }
    rejected = id;
    const msg = (await card.locator('[data-testid=card-message]').textContent()).trim();
    if (!/^REJECTED by /.test(msg)) fail(`card E${id} says "${msg}" after the rejection`);
    if ((await card.getAttribute('data-status')) !== 'rejected') fail(`card E${id} is not marked rejected in place`);
    ok(`rejected E${id} with a reason; the card says "${msg}" in place`);
  }
  if (!rejected) fail('no recommendation could be rejected in 6 attempts');
  await page.mouse.move(5, 500);
  const row = page.locator(`[data-testid=history-row][data-engagement-id="${rejected}"]`);
  await waitFor('the rejection in the history', async () => (await row.count()) && (await row.getAttribute('data-status')) === 'rejected');
  const rowText = (await row.textContent()).replace(/\s+/g, ' ');
  if (!rowText.includes(OP.user) || !rowText.includes('friendly aircraft')) fail(`history row of E${rejected} lacks the operator or the reason: ${rowText}`);
  ok(`history: ${rowText.trim()}`);
  await page.waitForTimeout(800);
  if (await page.locator(`[data-testid=recommendation-card][data-engagement-id="${rejected}"]`).count()) fail('the rejected card is still in the list after the pointer left');
  ok('the rejected card left the list when the pointer left it');

  // ------------------------------------------------------------ 2. a 409 with the server's record
  const { id, card } = await pickCard(page, [rejected]);
  const rec = await page.evaluate((id) => window.__tessera.engagements().find((e) => e.id === id), id);
  const lapsed = { ...rec, status: 'lapsed', comment: 'launch window closed', updated_t_s: rec.updated_t_s + 1 };
  await page.route(`**/api/engagements/${id}/approve`, (route) =>
    route.fulfill({ status: 409, contentType: 'application/json', body: JSON.stringify({ error: `engagement ${id} is lapsed`, engagement: lapsed }) }),
  );
  await card.locator('[data-testid=approve-button]').click({ timeout: 5000 });
  const err = await waitFor('the refusal', async () => {
    const el = page.locator('[data-testid=panel-error-text]');
    return (await el.count()) ? (await el.textContent()).trim() : null;
  });
  if (!err.includes('409') || !err.includes('lapsed') || !err.includes('launch window closed')) fail(`the panel says "${err}", not the server's status and comment`);
  ok(`409: the panel says "${err}"`);
  await waitFor(`card E${id} to show LAPSED in place`, async () => (await card.getAttribute('data-status')) === 'lapsed');
  const cardMsg = (await card.locator('[data-testid=card-message]').textContent()).trim();
  if (!/lapsed/i.test(cardMsg)) fail(`card E${id} says "${cardMsg}"`);
  if (!(await card.locator('[data-testid=approve-button]').isDisabled())) fail(`card E${id}'s Approve is still enabled after the 409`);
  ok(`card E${id} shows "${cardMsg}" in place, buttons disabled`);
  if (errors.length) fail(`page errors: ${errors.join('; ')}`);
  ok('no page errors');
} catch (e) {
  code = 1;
  console.error(`FLOWS FAIL: ${e instanceof Failure ? e.message : e.stack}`);
} finally {
  await browser.close().catch(() => {});
  rmSync(tmp, { recursive: true, force: true });
}
console.log(`flows: ${passed} passed, ${code} failed`);
process.exit(code);
