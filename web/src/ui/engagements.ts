// Engagement panel: open recommendations (most urgent first) with Approve / Reject, and the
// history of decisions and outcomes below. Cards are keyed by engagement id so an expanded
// reason list or a half-typed reject reason survives the 1 Hz refresh.

import { ApiError } from '../api';
import { escapeHtml, formatCountdown, formatScenarioTime, pct } from '../format';
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
  expanded: boolean;
  rejecting: boolean;
  busy: boolean;
  msg: { text: string; kind: 'ok' | 'err' } | null;
  sig: string;
  /** no longer recommended, kept in place while the list is held */
  gone: boolean;
}

/** Text for a refused decision, e.g. "refused: role observer cannot approve". */
export function refusalText(e: unknown, action: 'approve' | 'reject', id: number, role: Role | null): string {
  if (e instanceof ApiError) {
    const server = e.serverMessage ? ` — server: ${e.serverMessage}` : '';
    if (e.status === 403) return `refused: role ${role ?? 'unknown'} cannot ${action} (403)${server}`;
    if (e.status === 409) return `refused: E${id} is no longer recommended (409, lapsed or already decided)${server}`;
    if (e.status === 401) return `refused: session expired, log in again (401)`;
    if (e.status === 400) return `refused: ${e.serverMessage || 'bad request'} (400)`;
    if (e.status === 0) return `not sent: ${e.serverMessage}`;
    return `failed: ${action} E${id} returned ${e.status}${server}`;
  }
  return `failed: ${(e as Error)?.message ?? String(e)}`;
}

export class EngagementPanel {
  private cards = new Map<number, Card>();
  private emptyEl: HTMLElement;
  private historySig = '';
  private errorTimer: ReturnType<typeof setTimeout> | null = null;
  role: Role | null = null;
  replay = false;
  private picture: Picture | null = null;
  private selectedTrack: number | null = null;
  private hover = false;
  private holdEl: HTMLElement;

  constructor(
    private recsEl: HTMLElement,
    private historyEl: HTMLElement,
    private errorEl: HTMLElement,
    private recCount: HTMLElement,
    private histCount: HTMLElement,
    private actions: EngagementActions,
  ) {
    this.emptyEl = document.createElement('div');
    this.emptyEl.className = 'empty';
    this.emptyEl.textContent = 'No open recommendations';
    this.recsEl.appendChild(this.emptyEl);
    this.holdEl = document.createElement('span');
    this.holdEl.className = 'hold';
    this.holdEl.textContent = 'order held';
    this.holdEl.title = 'the list keeps still while the pointer is over it';
    this.holdEl.hidden = true;
    this.recCount.before(this.holdEl);
    const release = () => {
      if (this.picture && !this.held()) this.update(this.picture);
    };
    this.recsEl.addEventListener('mouseenter', () => (this.hover = true));
    this.recsEl.addEventListener('mouseleave', () => {
      this.hover = false;
      release();
    });
    this.recsEl.addEventListener('focusout', () => setTimeout(release, 0));
    this.historyEl.addEventListener('click', (ev) => {
      const a = (ev.target as HTMLElement).closest('[data-track]') as HTMLElement | null;
      if (a) this.actions.selectTrack(Number(a.dataset.track));
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
   * While the pointer is over the list (or a card has focus), the cards hold still: no
   * re-ordering, new recommendations are appended at the end, and one that is no longer
   * recommended stays in place, greyed out with its new status, so a button never moves
   * under the pointer onto another engagement. Leaving the list restores the ranked order.
   */
  private held(): boolean {
    return this.hover || this.recsEl.contains(document.activeElement) || [...this.cards.values()].some((c) => c.rejecting);
  }

  update(p: Picture): void {
    this.picture = p;
    const recs = recommendations(p);
    this.recCount.textContent = String(recs.length);
    const hold = this.held();
    this.holdEl.hidden = !hold;
    const keep = new Set(recs.map((e) => e.id));
    for (const [id, c] of this.cards) {
      if (keep.has(id)) continue;
      if (hold) {
        this.markGone(c, p.engagements.get(id));
        continue;
      }
      c.el.remove();
      this.cards.delete(id);
    }
    this.emptyEl.hidden = recs.length > 0 || this.cards.size > 0;
    this.emptyEl.textContent = this.replay ? 'No open recommendations at this time' : 'No open recommendations';
    if (hold) {
      for (const e of recs) {
        let c = this.cards.get(e.id);
        if (!c) {
          c = this.makeCard(e);
          this.cards.set(e.id, c);
          this.recsEl.appendChild(c.el);
        }
        this.fillCard(c, e, p);
      }
    } else {
      let prev: Element = this.emptyEl;
      for (const e of recs) {
        let c = this.cards.get(e.id);
        if (!c) {
          c = this.makeCard(e);
          this.cards.set(e.id, c);
        }
        this.fillCard(c, e, p);
        if (prev.nextElementSibling !== c.el) prev.after(c.el);
        prev = c.el;
      }
    }
    this.tick(p.t_s);
    this.renderHistory(p);
  }

  private markGone(c: Card, e: Engagement | undefined): void {
    if (c.gone) return;
    c.gone = true;
    c.el.classList.add('gone');
    c.el.dataset.status = e?.status ?? 'gone';
    c.rejecting = false;
    const by = e?.decided_by ? ` by ${e.decided_by}` : '';
    const why = e?.comment ? ` — ${e.comment}` : '';
    (c.el.querySelector('.countdown') as HTMLElement).textContent = (e?.status ?? 'withdrawn').toUpperCase();
    if (!c.msg || c.msg.kind !== 'err') c.msg = { text: `${(e?.status ?? 'withdrawn').toUpperCase()}${by}${why}`, kind: e && ['approved', 'engaged', 'kill', 'miss'].includes(e.status) ? 'ok' : 'err' };
    this.renderState(c);
  }

  /** Refresh countdowns between updates; `now` is the (interpolated) scenario time. */
  tick(now: number): void {
    if (!this.picture) return;
    for (const [id, c] of this.cards) {
      const e = this.picture.engagements.get(id);
      if (!e || c.gone) continue;
      const cd = c.el.querySelector('.countdown') as HTMLElement;
      const bar = c.el.querySelector('.window i') as HTMLElement;
      const opens = e.earliest_launch_t_s - now;
      const closes = e.latest_launch_t_s - now;
      if (opens > 0) cd.textContent = `opens in ${formatCountdown(opens)}`;
      else cd.textContent = closes > 0 ? `closes in ${formatCountdown(closes)}` : 'window closed';
      const span = Math.max(1, e.latest_launch_t_s - Math.min(e.created_t_s, e.earliest_launch_t_s));
      bar.style.width = `${Math.max(0, Math.min(100, (100 * closes) / span))}%`;
      c.el.classList.toggle('urgent', closes < 15);
    }
  }

  private makeCard(e: Engagement): Card {
    const el = document.createElement('div');
    el.className = 'card';
    el.dataset.testid = 'recommendation-card';
    el.dataset.engagementId = String(e.id);
    el.innerHTML = `
      <div class="row1"><span class="rank"></span><span class="eid"></span><span class="tgt"></span><span class="asset"></span><span class="countdown"></span></div>
      <div class="row2"></div>
      <div class="window"><i></i></div>
      <div class="actions">
        <span class="ttg"></span>
        <button type="button" class="why" data-testid="reasons-toggle"></button>
        <button type="button" class="reject" data-testid="reject-button">Reject</button>
        <button type="button" class="approve" data-testid="approve-button">Approve</button>
      </div>
      <div class="reject-form" hidden>
        <input type="text" maxlength="500" placeholder="reason (required)" data-testid="reject-reason" />
        <button type="button" class="confirm" data-testid="reject-confirm" disabled>Confirm reject</button>
        <button type="button" class="cancel">Cancel</button>
      </div>
      <ol class="reasons" data-testid="reasons" hidden></ol>
      <div class="msg" data-testid="card-message" hidden></div>`;
    const c: Card = { el, expanded: false, rejecting: false, busy: false, msg: null, sig: '', gone: false };
    const q = <T extends HTMLElement>(s: string) => el.querySelector(s) as T;
    q('.approve').addEventListener('click', () => void this.decide(c, e.id, 'approve'));
    q('.reject').addEventListener('click', () => {
      c.rejecting = !c.rejecting;
      this.renderState(c);
      if (c.rejecting) q<HTMLInputElement>('.reject-form input').focus();
    });
    const reason = q<HTMLInputElement>('.reject-form input');
    reason.addEventListener('input', () => {
      q<HTMLButtonElement>('.confirm').disabled = !reason.value.trim() || c.busy;
    });
    reason.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && reason.value.trim()) void this.decide(c, e.id, 'reject', reason.value.trim());
      if (ev.key === 'Escape') {
        c.rejecting = false;
        this.renderState(c);
      }
    });
    q('.confirm').addEventListener('click', () => {
      if (reason.value.trim()) void this.decide(c, e.id, 'reject', reason.value.trim());
    });
    q('.cancel').addEventListener('click', () => {
      c.rejecting = false;
      this.renderState(c);
    });
    q('.why').addEventListener('click', () => {
      c.expanded = !c.expanded;
      this.renderState(c);
    });
    q('.tgt').addEventListener('click', () => {
      const eng = this.picture?.engagements.get(e.id);
      if (eng) this.actions.selectTrack(eng.track);
    });
    el.addEventListener('mouseenter', () => this.actions.focusEngagement(e.id, false));
    el.addEventListener('mouseleave', () => this.actions.focusEngagement(null, false));
    q('.eid').addEventListener('click', () => this.actions.focusEngagement(e.id, true));
    q('.eid').title = 'show launcher, intercept point and track on the map';
    return c;
  }

  private fillCard(c: Card, e: Engagement, p: Picture): void {
    const t = p.tracks.get(e.track);
    const sig = JSON.stringify([e, t?.identity, t?.class, t?.threat, this.canDecide, this.role]);
    if (sig !== c.sig) {
      c.sig = sig;
      const q = (s: string) => c.el.querySelector(s) as HTMLElement;
      q('.rank').textContent = t?.threat ? `#${t.threat.rank}` : '#—';
      q('.eid').textContent = `E${e.id}`;
      q('.tgt').textContent = t ? `T${t.id} ${CLASS_SHORT[t.class] ?? t.class} ${IDENTITY_SHORT[t.identity] ?? t.identity}` : `T${e.track} (no track)`;
      q('.tgt').title = 'select the track';
      q('.asset').textContent = t?.threat?.asset ? `→ ${t.threat.asset}` : '';
      q('.row2').innerHTML =
        `<span><b>${escapeHtml(e.launcher_name)}</b> · ${escapeHtml(e.interceptor)} ×<b>${e.rounds}</b></span>` +
        `<span>pk <b>${pct(e.pk)}</b></span><span>leak <b>${e.expected_leakage.toFixed(2)}</b></span>` +
        `<span>value <b>${e.threat_value.toFixed(1)}</b></span>`;
      q('.ttg').innerHTML =
        (t?.threat?.time_to_go_s != null ? `ttg <b>${Math.round(t.threat.time_to_go_s)} s</b>` : '') +
        (e.intercept ? ` · icpt <b>${formatScenarioTime(e.intercept.t_s)}</b>` : '');
      q('.ttg').title = 'threat time to go to its asset · planned intercept time';
      const ol = q('.reasons');
      ol.innerHTML = e.reasons.map((r) => `<li>${escapeHtml(r)}</li>`).join('');
      q('.why').textContent = `${c.expanded ? '▾' : '▸'} why (${e.reasons.length})`;
      this.renderState(c);
    }
    c.el.classList.toggle('selected', e.track === this.selectedTrack);
  }

  private renderState(c: Card): void {
    const q = <T extends HTMLElement>(s: string) => c.el.querySelector(s) as T;
    const approve = q<HTMLButtonElement>('.approve');
    const reject = q<HTMLButtonElement>('.reject');
    const disabled = !this.canDecide || c.busy || c.gone;
    approve.disabled = disabled;
    reject.disabled = disabled;
    const why = this.replay
      ? 'replay: decisions only in LIVE'
      : !this.canDecide
        ? `role ${this.role ?? 'unknown'} cannot approve or reject`
        : '';
    approve.title = why || 'approve this engagement';
    reject.title = why || 'reject this engagement (a reason is required)';
    q('.reject-form').hidden = !c.rejecting || !this.canDecide;
    const reasonInput = q<HTMLInputElement>('.reject-form input');
    q<HTMLButtonElement>('.confirm').disabled = !reasonInput.value.trim() || c.busy;
    q('.reasons').hidden = !c.expanded;
    const n = q('.reasons').children.length;
    q('.why').textContent = `${c.expanded ? '▾' : '▸'} why (${n})`;
    q('.why').title = 'the reasons for this recommendation';
    const msg = q('.msg');
    msg.hidden = !c.msg;
    msg.className = `msg ${c.msg?.kind ?? ''}`;
    msg.textContent = c.msg?.text ?? '';
  }

  private async decide(c: Card, id: number, action: 'approve' | 'reject', reason?: string): Promise<void> {
    if (c.busy) return;
    c.busy = true;
    c.msg = { text: action === 'approve' ? 'sending approval…' : 'sending rejection…', kind: 'ok' };
    this.renderState(c);
    try {
      const e = action === 'approve' ? await this.actions.approve(id) : await this.actions.reject(id, reason!);
      c.msg = { text: `${e.status} by ${e.decided_by ?? '?'}`, kind: 'ok' };
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

  private renderHistory(p: Picture): void {
    const hist = engagementHistory(p);
    this.histCount.textContent = String(hist.length);
    const sig = JSON.stringify(hist.map((e) => [e.id, e.status, e.updated_t_s, e.decided_by, e.comment]));
    if (sig === this.historySig) return;
    this.historySig = sig;
    if (hist.length === 0) {
      this.historyEl.innerHTML = '<div class="empty">No decisions yet</div>';
      return;
    }
    const rows = hist.map((e) => {
      const who = e.decided_by ? `${escapeHtml(e.decided_by)} ${e.decided_t_s != null ? formatScenarioTime(e.decided_t_s) : ''}` : 'system';
      const note = e.comment ? ` — ${escapeHtml(e.comment)}` : '';
      return (
        `<tr data-testid="history-row" data-engagement-id="${e.id}" data-status="${escapeHtml(e.status)}">` +
        `<td class="mono">E${e.id}</td>` +
        `<td><span class="badge st-${escapeHtml(e.status)}" data-testid="engagement-status">${escapeHtml(e.status)}</span></td>` +
        `<td class="mono"><a data-track="${e.track}" href="javascript:void 0" style="color:inherit">T${e.track}</a> ${escapeHtml(e.launcher_name)} ×${e.rounds}</td>` +
        `<td class="who">${who}${note}</td>` +
        `<td class="mono">${formatScenarioTime(e.updated_t_s)}</td></tr>`
      );
    });
    this.historyEl.innerHTML = `<table>${rows.join('')}</table>`;
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
