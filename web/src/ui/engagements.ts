// Engagement panel: open recommendations (most urgent first) with Approve / Reject, and the
// history of decisions and outcomes below.
//
// Cards and history rows are keyed by engagement id (keyed.ts): a card is created once and
// then only its texts, attributes and classes change, so its buttons are the same elements for
// as long as the recommendation is open. The panel is redrawn only when engagement records
// change (or the selection, role or mode); the countdowns, window bars and the track-derived
// figures (rank, time to go) are refreshed in place by `tick`. A card has a fixed layout:
// messages go into its action row, so nothing in it changes height unless the operator opens
// the reasons or the reject form.

import { ApiError } from '../api';
import { escapeHtml, formatCountdown, formatScenarioTime, pct } from '../format';
import { KeyedList } from '../keyed';
import { CLASS_SHORT, IDENTITY_SHORT } from '../sidc';
import { engagementHistory, recommendations, type Picture } from '../state';
import type { Engagement, Role } from '../types';

export interface EngagementActions {
  approve(id: number): Promise<Engagement>;
  reject(id: number, reason: string): Promise<Engagement>;
  selectTrack(id: number): void;
  /** highlight an engagement on the map; `fly` also moves the camera to it */
  focusEngagement(id: number | null, fly: boolean): void;
}

interface Card {
  el: HTMLElement;
  q: {
    rank: HTMLElement;
    eid: HTMLElement;
    tgt: HTMLElement;
    asset: HTMLElement;
    countdown: HTMLElement;
    row2: HTMLElement;
    bar: HTMLElement;
    line: HTMLElement;
    why: HTMLButtonElement;
    reject: HTMLButtonElement;
    approve: HTMLButtonElement;
    form: HTMLElement;
    reason: HTMLInputElement;
    confirm: HTMLButtonElement;
    reasons: HTMLOListElement;
  };
  expanded: boolean;
  rejecting: boolean;
  busy: boolean;
  msg: { text: string; kind: 'ok' | 'err' } | null;
  /** the engagement record (and role/mode) the card was last filled from */
  sig: string;
  /** no longer recommended, kept in place while the list is held */
  gone: boolean;
  goneSig: string;
}

/**
 * What became of an engagement: "APPROVED by op", "REJECTED by op — reason",
 * "LAPSED — launch window closed", "ABORTED — fire unit refused: … · approved by op".
 */
export function statusText(e: Engagement | undefined): string {
  if (!e) return 'WITHDRAWN';
  const S = e.status.toUpperCase();
  const why = e.comment ? ` — ${e.comment}` : '';
  if (e.status === 'approved' || e.status === 'rejected') return `${S}${e.decided_by ? ` by ${e.decided_by}` : ''}${why}`;
  return `${S}${why}${e.decided_by ? ` · approved by ${e.decided_by}` : ''}`;
}

/** Whether the engagement's current state is good news for the operator's approval. */
function goodStatus(e: Engagement | undefined): boolean {
  return !!e && ['approved', 'engaged', 'kill', 'rejected'].includes(e.status);
}

/** Text for a refused decision, e.g. "refused: role observer cannot approve". */
export function refusalText(e: unknown, action: 'approve' | 'reject', id: number, role: Role | null): string {
  if (e instanceof ApiError) {
    const server = e.serverMessage ? ` — server: ${e.serverMessage}` : '';
    if (e.status === 403) return `refused: role ${role ?? 'unknown'} cannot ${action} (403)${server}`;
    if (e.status === 409) {
      const rec = e.engagement;
      if (rec) {
        const by = rec.decided_by ? ` by ${rec.decided_by}` : '';
        const why = rec.comment ? ` — ${rec.comment}` : '';
        return `refused: E${id} is no longer recommended: ${rec.status}${by}${why} (409)`;
      }
      return `refused: E${id} is no longer recommended (409, lapsed or already decided)${server}`;
    }
    if (e.status === 401) return `refused: session expired, log in again (401)`;
    if (e.status === 400) return `refused: ${e.serverMessage || 'bad request'} (400)`;
    if (e.status === 0) return `not sent: ${e.serverMessage}`;
    return `failed: ${action} E${id} returned ${e.status}${server}`;
  }
  return `failed: ${(e as Error)?.message ?? String(e)}`;
}

/** Launch-window countdown text of a recommendation at scenario time `now`. */
export function windowText(e: Engagement, now: number): string {
  const opens = e.earliest_launch_t_s - now;
  const closes = e.latest_launch_t_s - now;
  if (opens > 0) return `opens in ${formatCountdown(opens)}`;
  return closes > 0 ? `closes in ${formatCountdown(closes)}` : 'window closed';
}

function setText(el: HTMLElement, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

function setAttr(el: HTMLElement, name: string, value: string | null): void {
  if (value === null) {
    if (el.hasAttribute(name)) el.removeAttribute(name);
  } else if (el.getAttribute(name) !== value) el.setAttribute(name, value);
}

export class EngagementPanel {
  private cards = new Map<number, Card>();
  private cardList: KeyedList<Engagement, HTMLElement>;
  private emptyEl: HTMLElement;
  private errorTimer: ReturnType<typeof setTimeout> | null = null;
  role: Role | null = null;
  replay = false;
  private picture: Picture | null = null;
  private selectedTrack: number | null = null;
  /** the scenario time of the last tick (interpolated) */
  private now = 0;
  private hover = false;
  private holdEl: HTMLElement;
  private historyBody: HTMLElement;
  private historyEmpty: HTMLElement;
  private historyList: KeyedList<Engagement, HTMLElement>;
  private historyHover = false;
  private historySig = new Map<number, string>();
  /** lapsed recommendations in the history (most of it): hidden unless asked for */
  showLapsed = false;

  constructor(
    private recsEl: HTMLElement,
    private historyEl: HTMLElement,
    private errorEl: HTMLElement,
    private recCount: HTMLElement,
    private histCount: HTMLElement,
    private histFilter: HTMLButtonElement,
    private actions: EngagementActions,
  ) {
    this.emptyEl = document.createElement('div');
    this.emptyEl.className = 'empty';
    this.emptyEl.textContent = 'No open recommendations';
    this.recsEl.appendChild(this.emptyEl);
    this.cardList = new KeyedList<Engagement, HTMLElement>(this.recsEl, {
      create: (e) => this.makeCard(e).el,
      update: (_n, e) => this.fillCard(this.cards.get(e.id)!, e),
      retire: (_n, id) => this.markGone(this.cards.get(id)!, this.picture?.engagements.get(id)),
    });
    this.holdEl = document.createElement('span');
    this.holdEl.className = 'hold';
    this.holdEl.textContent = 'order held';
    this.holdEl.title = 'the list keeps still while the pointer is over it';
    this.holdEl.hidden = true;
    this.recCount.before(this.holdEl);
    const release = () => {
      if (this.picture && !this.held()) this.update(this.picture);
    };
    this.recsEl.addEventListener('mouseenter', () => {
      this.hover = true;
      this.holdEl.hidden = false;
    });
    this.recsEl.addEventListener('mouseleave', () => {
      this.hover = false;
      release();
    });
    this.recsEl.addEventListener('focusout', () => setTimeout(release, 0));

    this.historyEl.innerHTML = '<div class="empty">No decisions yet</div><div class="hlist"></div>';
    this.historyEmpty = this.historyEl.querySelector('.empty') as HTMLElement;
    this.historyBody = this.historyEl.querySelector('.hlist') as HTMLElement;
    this.historyList = new KeyedList<Engagement, HTMLElement>(this.historyBody, {
      create: (e) => this.makeHistoryRow(e),
      update: (row, e) => this.fillHistoryRow(row, e),
    });
    this.historyEl.addEventListener('click', (ev) => {
      const a = (ev.target as HTMLElement).closest('[data-track]') as HTMLElement | null;
      if (a) this.actions.selectTrack(Number(a.dataset.track));
    });
    this.historyEl.addEventListener('mouseenter', () => (this.historyHover = true));
    this.historyEl.addEventListener('mouseleave', () => {
      this.historyHover = false;
      if (this.picture) this.renderHistory(this.picture);
    });
    this.histFilter.addEventListener('click', () => {
      this.showLapsed = !this.showLapsed;
      if (this.picture) this.renderHistory(this.picture, true);
    });
  }

  get canDecide(): boolean {
    return (this.role === 'operator' || this.role === 'admin') && !this.replay;
  }

  showError(text: string): void {
    this.errorEl.hidden = false;
    this.errorEl.innerHTML = `<span data-testid="panel-error-text">${escapeHtml(text)}</span><button type="button" title="dismiss">✕</button>`;
    this.errorEl.querySelector('button')!.addEventListener('click', () => this.clearError());
    if (this.errorTimer) clearTimeout(this.errorTimer);
    this.errorTimer = setTimeout(() => this.clearError(), 20000);
  }

  clearError(): void {
    this.errorEl.hidden = true;
    this.errorEl.textContent = '';
  }

  setSelectedTrack(id: number | null): void {
    this.selectedTrack = id;
    for (const [eid, c] of this.cards) {
      const e = this.picture?.engagements.get(eid);
      c.el.classList.toggle('selected', !!e && e.track === id);
    }
  }

  /**
   * While the pointer is over the list (or a card has focus, or a reject reason is being
   * typed), the cards hold still: no re-ordering, new recommendations are appended at the end,
   * and one that is no longer recommended stays in place, greyed out with its new status, so a
   * button never moves under the pointer onto another engagement. Leaving the list restores
   * the ranked order.
   */
  private held(): boolean {
    return this.hover || this.keyboardFocusInList() || [...this.cards.values()].some((c) => c.rejecting);
  }

  /** Focus in the list by keyboard holds it; a button focused by a click does not. */
  private keyboardFocusInList(): boolean {
    const a = document.activeElement;
    if (!a || !this.recsEl.contains(a)) return false;
    return a instanceof HTMLInputElement || a.matches(':focus-visible');
  }

  update(p: Picture): void {
    this.picture = p;
    const recs = recommendations(p);
    setText(this.recCount, String(recs.length));
    const hold = this.held();
    this.holdEl.hidden = !hold;
    this.cardList.update(recs, (e) => e.id, hold);
    for (const id of [...this.cards.keys()]) {
      if (!this.cardList.nodes.has(id)) this.cards.delete(id);
      else if (this.cardList.isRetired(id)) this.markGone(this.cards.get(id)!, p.engagements.get(id));
    }
    this.emptyEl.hidden = this.cardList.size > 0;
    setText(this.emptyEl, this.replay ? 'No open recommendations at this time' : 'No open recommendations');
    this.tick(p.t_s);
    this.renderHistory(p);
  }

  /** The card stays where it is, greyed, with what became of the engagement. */
  private markGone(c: Card, e: Engagement | undefined): void {
    const sig = JSON.stringify(e ?? null);
    if (c.gone && c.goneSig === sig) return;
    c.gone = true;
    c.goneSig = sig;
    c.el.classList.add('gone');
    c.el.classList.remove('urgent');
    c.el.dataset.status = e?.status ?? 'gone';
    c.rejecting = false;
    setText(c.q.countdown, (e?.status ?? 'withdrawn').toUpperCase());
    // a refusal the operator has just been shown stays (it says the status too); otherwise
    // say what happened
    if (!c.msg || c.msg.kind !== 'err') c.msg = { text: statusText(e), kind: goodStatus(e) ? 'ok' : 'err' };
    this.renderState(c);
  }

  /** Refresh countdowns and track figures in place; `now` is the (interpolated) scenario time. */
  tick(now: number): void {
    const p = this.picture;
    if (!p) return;
    this.now = now;
    for (const [id, c] of this.cards) {
      const e = p.engagements.get(id);
      if (!e || c.gone) continue;
      setText(c.q.countdown, windowText(e, now));
      const closes = e.latest_launch_t_s - now;
      const span = Math.max(1, e.latest_launch_t_s - Math.min(e.created_t_s, e.earliest_launch_t_s));
      const w = `${Math.max(0, Math.min(100, (100 * closes) / span)).toFixed(1)}%`;
      if (c.q.bar.style.width !== w) c.q.bar.style.width = w;
      c.el.classList.toggle('urgent', closes < 15);
      const t = p.tracks.get(e.track);
      setText(c.q.rank, t?.threat ? `#${t.threat.rank}` : '#—');
      if (!c.msg) this.fillLine(c, e);
    }
  }

  private makeCard(e: Engagement): Card {
    const el = document.createElement('div');
    el.className = 'card';
    el.dataset.testid = 'recommendation-card';
    el.dataset.engagementId = String(e.id);
    el.innerHTML = `
      <div class="row1"><span class="rank"></span><span class="eid"></span><span class="tgt"></span><span class="asset"></span><span class="countdown" data-testid="launch-window"></span></div>
      <div class="row2"></div>
      <div class="window" title="launch window left"><i></i></div>
      <div class="actions">
        <span class="line" data-testid="card-message"></span>
        <button type="button" class="why" data-testid="reasons-toggle"></button>
        <button type="button" class="reject" data-testid="reject-button">Reject</button>
        <button type="button" class="approve" data-testid="approve-button">Approve</button>
      </div>
      <div class="reject-form" hidden>
        <input type="text" maxlength="500" placeholder="reason (required)" data-testid="reject-reason" />
        <button type="button" class="confirm" data-testid="reject-confirm" disabled>Confirm reject</button>
        <button type="button" class="cancel">Cancel</button>
      </div>
      <ol class="reasons" data-testid="reasons" hidden></ol>`;
    const q = <T extends HTMLElement>(s: string) => el.querySelector(s) as T;
    const c: Card = {
      el,
      q: {
        rank: q('.rank'),
        eid: q('.eid'),
        tgt: q('.tgt'),
        asset: q('.asset'),
        countdown: q('.countdown'),
        row2: q('.row2'),
        bar: q('.window i'),
        line: q('.line'),
        why: q('.why'),
        reject: q('.reject'),
        approve: q('.approve'),
        form: q('.reject-form'),
        reason: q('.reject-form input'),
        confirm: q('.confirm'),
        reasons: q('.reasons'),
      },
      expanded: false,
      rejecting: false,
      busy: false,
      msg: null,
      sig: '',
      gone: false,
      goneSig: '',
    };
    this.cards.set(e.id, c);
    const id = e.id;
    c.q.approve.addEventListener('click', () => void this.decide(c, id, 'approve'));
    c.q.reject.addEventListener('click', () => {
      c.rejecting = !c.rejecting;
      this.renderState(c);
      if (c.rejecting) c.q.reason.focus();
    });
    c.q.reason.addEventListener('input', () => {
      c.q.confirm.disabled = !c.q.reason.value.trim() || c.busy;
    });
    c.q.reason.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && c.q.reason.value.trim()) void this.decide(c, id, 'reject', c.q.reason.value.trim());
      if (ev.key === 'Escape') {
        c.rejecting = false;
        this.renderState(c);
      }
    });
    c.q.confirm.addEventListener('click', () => {
      if (c.q.reason.value.trim()) void this.decide(c, id, 'reject', c.q.reason.value.trim());
    });
    q('.cancel').addEventListener('click', () => {
      c.rejecting = false;
      this.renderState(c);
    });
    c.q.why.addEventListener('click', () => {
      c.expanded = !c.expanded;
      this.renderState(c);
    });
    c.q.tgt.addEventListener('click', () => {
      const eng = this.picture?.engagements.get(id);
      if (eng) this.actions.selectTrack(eng.track);
    });
    c.q.tgt.title = 'select the track';
    el.addEventListener('mouseenter', () => this.actions.focusEngagement(id, false));
    el.addEventListener('mouseleave', () => this.actions.focusEngagement(null, false));
    c.q.eid.addEventListener('click', () => this.actions.focusEngagement(id, true));
    c.q.eid.title = 'show launcher, intercept point and track on the map';
    c.q.why.title = 'the reasons for this recommendation';
    return c;
  }

  /** The action row's text when there is no message: time to go and time to intercept. */
  private fillLine(c: Card, e: Engagement): void {
    const t = this.picture?.tracks.get(e.track);
    const icpt = typeof e.intercept?.t_s === 'number' ? e.intercept.t_s - this.now : null;
    const html =
      (t?.threat?.time_to_go_s != null ? `ttg <b>${Math.round(t.threat.time_to_go_s)} s</b>` : '') +
      (icpt !== null ? `${t?.threat ? ' · ' : ''}icpt <b>${icpt > 0 ? `in ${formatCountdown(icpt)}` : 'now'}</b>` : '');
    if (c.q.line.innerHTML !== html) c.q.line.innerHTML = html;
    const at = typeof e.intercept?.t_s === 'number' ? ` · planned intercept at ${formatScenarioTime(e.intercept.t_s)}` : '';
    setAttr(c.q.line, 'title', `threat time to go to its asset${at}`);
  }

  private fillCard(c: Card, e: Engagement): void {
    if (c.gone) {
      // recommended again (rare): live again in place
      c.gone = false;
      c.goneSig = '';
      c.el.classList.remove('gone');
      delete c.el.dataset.status;
      if (!c.busy) c.msg = null;
    }
    const t = this.picture?.tracks.get(e.track);
    const sig = JSON.stringify([e, t?.identity, t?.class, t?.threat?.asset, this.canDecide, this.role]);
    if (sig !== c.sig) {
      c.sig = sig;
      setText(c.q.eid, `E${e.id}`);
      setText(c.q.tgt, t ? `T${t.id} ${CLASS_SHORT[t.class] ?? t.class} ${IDENTITY_SHORT[t.identity] ?? t.identity}` : `T${e.track} (no track)`);
      setText(c.q.asset, t?.threat?.asset ? `→ ${t.threat.asset}` : '');
      const row2 =
        `<span><b>${escapeHtml(e.launcher_name)}</b> · ${escapeHtml(e.interceptor)} ×<b>${e.rounds}</b></span>` +
        `<span>pk <b>${pct(e.pk)}</b></span><span>leak <b>${e.expected_leakage.toFixed(2)}</b></span>` +
        `<span>value <b>${e.threat_value.toFixed(1)}</b></span>`;
      if (c.q.row2.innerHTML !== row2) c.q.row2.innerHTML = row2;
      const reasons = e.reasons.map((r) => `<li>${escapeHtml(r)}</li>`).join('');
      if (c.q.reasons.innerHTML !== reasons) c.q.reasons.innerHTML = reasons;
      this.renderState(c);
    }
    c.el.classList.toggle('selected', e.track === this.selectedTrack);
  }

  private renderState(c: Card): void {
    const disabled = !this.canDecide || c.busy || c.gone;
    if (c.q.approve.disabled !== disabled) c.q.approve.disabled = disabled;
    if (c.q.reject.disabled !== disabled) c.q.reject.disabled = disabled;
    const why = this.replay
      ? 'replay: decisions only in LIVE'
      : !this.canDecide
        ? `role ${this.role ?? 'unknown'} cannot approve or reject`
        : c.gone
          ? 'no longer recommended'
          : '';
    setAttr(c.q.approve, 'title', why || 'approve this engagement');
    setAttr(c.q.reject, 'title', why || 'reject this engagement (a reason is required)');
    const formHidden = !c.rejecting || !this.canDecide || c.gone;
    if (c.q.form.hidden !== formHidden) c.q.form.hidden = formHidden;
    const confirmDisabled = !c.q.reason.value.trim() || c.busy;
    if (c.q.confirm.disabled !== confirmDisabled) c.q.confirm.disabled = confirmDisabled;
    if (c.q.reasons.hidden !== !c.expanded) c.q.reasons.hidden = !c.expanded;
    setText(c.q.why, `${c.expanded ? '▾' : '▸'} why (${c.q.reasons.children.length})`);
    c.q.line.classList.toggle('msg', !!c.msg);
    c.q.line.classList.toggle('ok', c.msg?.kind === 'ok');
    c.q.line.classList.toggle('err', c.msg?.kind === 'err');
    if (c.msg) {
      setText(c.q.line, c.msg.text);
      setAttr(c.q.line, 'title', c.msg.text);
    } else {
      const e = this.picture?.engagements.get(Number(c.el.dataset.engagementId));
      if (e) this.fillLine(c, e);
    }
  }

  private async decide(c: Card, id: number, action: 'approve' | 'reject', reason?: string): Promise<void> {
    if (c.busy || c.gone) return;
    c.busy = true;
    c.msg = { text: action === 'approve' ? 'sending approval…' : 'sending rejection…', kind: 'ok' };
    this.renderState(c);
    try {
      const answer = action === 'approve' ? await this.actions.approve(id) : await this.actions.reject(id, reason!);
      // the model may already hold a later state (the stream can overtake the HTTP answer)
      const e = this.picture?.engagements.get(id) ?? answer;
      c.msg = { text: statusText(e), kind: goodStatus(e) ? 'ok' : 'err' };
      c.rejecting = false;
      this.clearError();
    } catch (err) {
      const text = refusalText(err, action, id, this.role);
      c.msg = { text, kind: 'err' };
      this.showError(text);
    } finally {
      c.busy = false;
      if (this.cards.get(id) === c) this.renderState(c);
    }
  }

  // ------------------------------------------------------------------ history
  /** A history entry: one line (id, status, track, launcher, who, when), the comment below. */
  private makeHistoryRow(e: Engagement): HTMLElement {
    const row = document.createElement('div');
    row.className = 'hrow';
    row.dataset.testid = 'history-row';
    row.dataset.engagementId = String(e.id);
    row.innerHTML =
      `<div class="h1"><span class="mono eid">E${e.id}</span><span class="badge" data-testid="engagement-status"></span>` +
      `<a class="mono trk" href="javascript:void 0" title="select the track"></a><span class="mono what"></span>` +
      `<span class="who"></span><span class="mono when"></span></div><div class="note" hidden></div>`;
    return row;
  }

  private fillHistoryRow(row: HTMLElement, e: Engagement): void {
    const sig = JSON.stringify([e.status, e.updated_t_s, e.decided_by, e.decided_t_s, e.comment, e.outcome, e.launcher_name, e.rounds, e.track]);
    if (this.historySig.get(e.id) === sig) return;
    this.historySig.set(e.id, sig);
    row.dataset.status = e.status;
    const q = (sel: string) => row.querySelector(sel) as HTMLElement;
    const badge = q('.badge');
    badge.className = `badge st-${e.status}`;
    setText(badge, e.status);
    const a = q('.trk');
    a.dataset.track = String(e.track);
    setText(a, `T${e.track}`);
    setText(q('.what'), `${e.launcher_name} ×${e.rounds}`);
    const who = q('.who');
    setText(who, e.decided_by ?? 'system');
    setAttr(who, 'title', e.decided_by ? `${e.status === 'rejected' ? 'rejected' : 'approved'} by ${e.decided_by}${e.decided_t_s != null ? ` at ${formatScenarioTime(e.decided_t_s)}` : ''}` : 'no operator decision');
    setText(q('.when'), formatScenarioTime(e.updated_t_s));
    setAttr(q('.when'), 'title', 'last change');
    const note = q('.note');
    note.hidden = !e.comment;
    setText(note, e.comment ?? '');
    setAttr(note, 'title', e.comment);
  }

  /**
   * Decisions and outcomes, newest first; lapsed recommendations (most of the list in a busy
   * raid) only when asked for. Rows are keyed; while the pointer is over the list it holds
   * still like the cards (new rows wait until the pointer leaves).
   */
  private renderHistory(p: Picture, force = false): void {
    const all = engagementHistory(p);
    const lapsed = all.filter((e) => e.status === 'lapsed').length;
    const shown = this.showLapsed ? all : all.filter((e) => e.status !== 'lapsed');
    setText(this.histCount, String(shown.length));
    setText(this.histFilter, this.showLapsed ? `hide lapsed (${lapsed})` : `+ ${lapsed} lapsed`);
    setAttr(this.histFilter, 'title', this.showLapsed ? 'hide the recommendations that lapsed' : 'also list the recommendations that lapsed (window closed, re-planned, track ended)');
    this.histFilter.hidden = lapsed === 0 && !this.showLapsed;
    const hold = this.historyHover && !force;
    if (hold) {
      // rows already shown are refreshed in place; nothing is added, removed or moved
      for (const e of shown) {
        const row = this.historyList.nodes.get(e.id);
        if (row) this.fillHistoryRow(row, e);
      }
      return;
    }
    this.historyList.update(shown, (e) => e.id, false);
    for (const id of this.historySig.keys()) if (!this.historyList.nodes.has(id)) this.historySig.delete(id);
    this.historyEmpty.hidden = shown.length > 0;
    setText(this.historyEmpty, lapsed && !this.showLapsed ? 'No decisions yet (lapsed recommendations hidden)' : 'No decisions yet');
  }

  /** Re-render every card's buttons (role or mode changed). */
  refreshState(): void {
    for (const c of this.cards.values()) {
      c.sig = '';
      this.renderState(c);
    }
    if (this.picture) this.update(this.picture);
  }
}
