// Track table: filters (identity, class, status, threats, text on id/callsign/mode 3A/ICAO),
// sortable columns, click to select and centre. Rows are keyed by track id (keyed.ts): a row
// is created once and its cells are rewritten only when their text changes. While the pointer
// is over the table the rows hold still (no re-sorting; a dropped track stays, struck through;
// new tracks are appended), so a click never lands on the row that slid under the pointer.
// Every track has its row (in order), but only the rows in or near the visible part of the
// table are written; the others are filled when they scroll into view. Rewriting the position
// cells of all ~230 rows twice a second made the browser re-record the whole table each time
// (most of the page's main-thread time).

import { flightLevel, knots } from '../format';
import { KeyedList } from '../keyed';
import { CLASS_SHORT, IDENTITY_SHORT } from '../sidc';
import type { Picture, TrackView } from '../state';
import { CLASSES, IDENTITIES, STATUSES } from '../types';

interface Column {
  key: string;
  label: string;
  /** column width (CSS), fixed so that changing values never shift the columns */
  width: string;
  num?: boolean;
  value(t: TrackView): string | number;
  text(t: TrackView): string;
}

const dash = (v: unknown) => (v === null || v === undefined || v === '' ? '—' : String(v));

const COLUMNS: Column[] = [
  { key: 'id', width: '6ch', label: 'ID', num: true, value: (t) => t.id, text: (t) => String(t.id) },
  { key: 'identity', width: '6ch', label: 'IDENT', value: (t) => IDENTITIES.indexOf(t.identity), text: (t) => IDENTITY_SHORT[t.identity] ?? t.identity },
  { key: 'class', width: '6ch', label: 'CLASS', value: (t) => CLASSES.indexOf(t.class), text: (t) => CLASS_SHORT[t.class] ?? t.class },
  { key: 'status', width: '6ch', label: 'STATUS', value: (t) => t.status, text: (t) => t.status.slice(0, 4).toUpperCase() },
  { key: 'callsign', width: '11ch', label: 'CALLSIGN', value: (t) => t.callsign ?? '\uffff', text: (t) => dash(t.callsign) },
  { key: 'mode3a', width: '6ch', label: 'M3A', value: (t) => t.mode3a ?? '\uffff', text: (t) => dash(t.mode3a) },
  { key: 'icao', width: '8ch', label: 'ICAO', value: (t) => t.icao ?? '\uffff', text: (t) => dash(t.icao) },
  { key: 'alt', width: '7ch', label: 'ALT', num: true, value: (t) => t.alt_m, text: (t) => flightLevel(t.alt_m) },
  { key: 'speed', width: '6ch', label: 'KT', num: true, value: (t) => t.speed_mps, text: (t) => String(knots(t.speed_mps)) },
  { key: 'course', width: '5ch', label: 'CRS', num: true, value: (t) => t.course_deg, text: (t) => String(Math.round(t.course_deg)).padStart(3, '0') },
  { key: 'lat', width: '9ch', label: 'LAT', num: true, value: (t) => t.lat_deg, text: (t) => t.lat_deg.toFixed(3) },
  { key: 'lon', width: '9ch', label: 'LON', num: true, value: (t) => t.lon_deg, text: (t) => t.lon_deg.toFixed(3) },
  { key: 'sensors', width: '9ch', label: 'SNS', value: (t) => t.sensors.length, text: (t) => t.sensors.join(',') },
  { key: 'rank', width: '6ch', label: 'THR#', num: true, value: (t) => t.threat?.rank ?? Number.MAX_SAFE_INTEGER, text: (t) => dash(t.threat?.rank) },
  { key: 'ttg', width: '7ch', label: 'TTG s', num: true, value: (t) => t.threat?.time_to_go_s ?? Number.MAX_SAFE_INTEGER, text: (t) => (t.threat?.time_to_go_s != null ? String(Math.round(t.threat.time_to_go_s)) : '—') },
  { key: 'asset', width: '12ch', label: 'ASSET', value: (t) => t.threat?.asset ?? '\uffff', text: (t) => dash(t.threat?.asset) },
];

export interface TrackFilter {
  identity: string;
  cls: string;
  status: string;
  text: string;
  threatsOnly: boolean;
}

export function matchesFilter(t: TrackView, f: TrackFilter): boolean {
  if (f.identity && t.identity !== f.identity) return false;
  if (f.cls && t.class !== f.cls) return false;
  if (f.status && t.status !== f.status) return false;
  if (f.threatsOnly && !t.threat) return false;
  const q = f.text.trim().toLowerCase();
  if (q) {
    const hay = [String(t.id), t.callsign ?? '', t.mode3a ?? '', t.icao ?? ''].map((s) => s.toLowerCase());
    if (!hay.some((s) => s.includes(q))) return false;
  }
  return true;
}

interface Row {
  tr: HTMLTableRowElement;
  sig: string;
}

/** Rows written beyond the visible ones, above and below. */
const ROW_MARGIN = 8;

/** The index range [first, last] of rows to write for a scroll position (pure). */
export function visibleRows(scrollTop: number, viewHeight: number, rowHeight: number, count: number, margin = ROW_MARGIN): [number, number] {
  if (count === 0) return [0, -1];
  const rh = Math.max(1, rowHeight);
  const first = Math.max(0, Math.floor(scrollTop / rh) - margin);
  const last = Math.min(count - 1, Math.ceil((scrollTop + Math.max(viewHeight, rh)) / rh) + margin);
  return [first, Math.max(first, last)];
}

export class TrackTable {
  private rows = new Map<number, Row>();
  private list: KeyedList<TrackView, HTMLTableRowElement>;
  private sortKey = 'rank';
  private sortDir = 1;
  private picture: Picture | null = null;
  private selected: number | null = null;
  private hover = false;
  private holdEl: HTMLElement;
  private scroller: HTMLElement;
  private rowHeight = 0;
  private scrollQueued = false;
  /** rows written by the last update (for perf checks) */
  written = 0;
  filter: TrackFilter = { identity: '', cls: '', status: '', text: '', threatsOnly: false };
  onSelect: (id: number) => void = () => {};

  constructor(
    private head: HTMLTableRowElement,
    private body: HTMLTableSectionElement,
    private countEl: HTMLElement,
    controls: { identity: HTMLSelectElement; cls: HTMLSelectElement; status: HTMLSelectElement; text: HTMLInputElement; threats: HTMLInputElement },
  ) {
    for (const i of IDENTITIES) controls.identity.add(new Option(i.replace('_', ' '), i));
    for (const c of CLASSES) controls.cls.add(new Option(c.replace('_', ' '), c));
    for (const s of STATUSES) controls.status.add(new Option(s, s));
    const refresh = () => {
      this.filter = {
        identity: controls.identity.value,
        cls: controls.cls.value,
        status: controls.status.value,
        text: controls.text.value,
        threatsOnly: controls.threats.checked,
      };
      if (this.picture) this.update(this.picture, true);
    };
    for (const el of [controls.identity, controls.cls, controls.status, controls.threats]) el.addEventListener('change', refresh);
    controls.text.addEventListener('input', refresh);

    for (const c of COLUMNS) {
      const th = document.createElement('th');
      th.textContent = c.label;
      th.dataset.key = c.key;
      th.style.width = c.width;
      if (c.num) th.className = 'num';
      th.dataset.testid = `sort-${c.key}`;
      th.addEventListener('click', () => {
        if (this.sortKey === c.key) this.sortDir = -this.sortDir;
        else {
          this.sortKey = c.key;
          this.sortDir = 1;
        }
        this.renderHead();
        if (this.picture) this.update(this.picture, true);
      });
      head.appendChild(th);
    }
    this.renderHead();
    this.list = new KeyedList<TrackView, HTMLTableRowElement>(body, {
      create: (t) => this.makeRow(t),
      update: (tr) => tr.classList.remove('dropped'),
      retire: (tr) => tr.classList.add('dropped'),
    });
    body.addEventListener('click', (ev) => {
      const tr = (ev.target as HTMLElement).closest('tr') as HTMLTableRowElement | null;
      if (tr?.dataset.trackId && !tr.classList.contains('dropped')) this.onSelect(Number(tr.dataset.trackId));
    });
    this.holdEl = document.createElement('span');
    this.holdEl.className = 'hold';
    this.holdEl.textContent = 'order held';
    this.holdEl.title = 'the rows keep still while the pointer is over the table';
    this.holdEl.hidden = true;
    countEl.before(this.holdEl);
    const scroller = (body.closest('.table-scroll') as HTMLElement | null) ?? body;
    this.scroller = scroller;
    scroller.addEventListener(
      'scroll',
      () => {
        if (this.scrollQueued) return;
        this.scrollQueued = true;
        requestAnimationFrame(() => {
          this.scrollQueued = false;
          if (this.picture) this.fillVisible(this.picture);
        });
      },
      { passive: true },
    );
    scroller.addEventListener('mouseenter', () => {
      this.hover = true;
      this.holdEl.hidden = false;
    });
    scroller.addEventListener('mouseleave', () => {
      this.hover = false;
      this.holdEl.hidden = true;
      if (this.picture) this.update(this.picture);
    });
  }

  private renderHead(): void {
    for (const th of this.head.children as HTMLCollectionOf<HTMLElement>) {
      const c = COLUMNS.find((x) => x.key === th.dataset.key)!;
      const on = c.key === this.sortKey;
      th.classList.toggle('sorted', on);
      th.textContent = c.label + (on ? (this.sortDir > 0 ? ' ▲' : ' ▼') : '');
    }
  }

  select(id: number | null, scroll = false): void {
    if (this.selected !== null) this.rows.get(this.selected)?.tr.classList.remove('selected');
    this.selected = id;
    if (id !== null) {
      const r = this.rows.get(id);
      r?.tr.classList.add('selected');
      if (scroll) r?.tr.scrollIntoView({ block: 'nearest' });
    }
  }

  /** The tracks to list, filtered and sorted. */
  private listed(p: Picture): TrackView[] {
    const col = COLUMNS.find((c) => c.key === this.sortKey) ?? COLUMNS[0];
    const list = [...p.tracks.values()].filter((t) => matchesFilter(t, this.filter));
    list.sort((a, b) => {
      const va = col.value(a);
      const vb = col.value(b);
      const d = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb));
      return this.sortDir * d || a.id - b.id;
    });
    return list;
  }

  /** Refresh the rows; `force` (a filter or sort the operator chose) re-sorts even when held. */
  update(p: Picture, force = false): void {
    this.picture = p;
    // scroll metrics before any DOM change (reading them after would force a layout)
    const view = this.viewport();
    const list = this.listed(p);
    const text = `${list.length}/${p.tracks.size}`;
    if (this.countEl.textContent !== text) this.countEl.textContent = text;
    this.list.update(list, (t) => t.id, this.hover && !force);
    for (const id of [...this.rows.keys()]) if (!this.list.nodes.has(id)) this.rows.delete(id);
    this.fillVisible(p, view);
  }

  private viewport(): { top: number; height: number } {
    if (!this.rowHeight) {
      // rows have a fixed height (style.css), filled or not
      const first = this.body.firstElementChild as HTMLElement | null;
      this.rowHeight = first?.getBoundingClientRect().height || 0;
    }
    return { top: this.scroller.scrollTop, height: this.scroller.clientHeight };
  }

  /** Write the rows in (or near) view from the picture; the others wait until scrolled to. */
  private fillVisible(p: Picture, view = this.viewport()): void {
    const order = this.list.order();
    const [first, last] = visibleRows(view.top, view.height, this.rowHeight || 17, order.length);
    this.written = 0;
    for (let i = first; i <= last; i++) {
      const t = p.tracks.get(order[i]);
      const r = this.rows.get(order[i]);
      if (t && r && !this.list.isRetired(order[i])) this.fillRow(r, t);
    }
  }

  private makeRow(t: TrackView): HTMLTableRowElement {
    const tr = document.createElement('tr');
    tr.dataset.testid = 'track-row';
    tr.dataset.trackId = String(t.id);
    tr.dataset.identity = t.identity;
    for (const c of COLUMNS) {
      const td = document.createElement('td');
      if (c.num) td.className = 'num';
      tr.appendChild(td);
    }
    this.rows.set(t.id, { tr, sig: '' });
    return tr;
  }

  private fillRow(r: Row, t: TrackView): void {
    const texts = COLUMNS.map((c) => c.text(t));
    const sig = texts.join('\u0001') + t.identity + t.status;
    if (sig !== r.sig) {
      r.sig = sig;
      const tds = r.tr.children;
      texts.forEach((s, i) => {
        if (tds[i].textContent !== s) tds[i].textContent = s;
      });
      const idCls = `id-${t.identity}`;
      if ((tds[1] as HTMLElement).className !== idCls) (tds[1] as HTMLElement).className = idCls;
      r.tr.classList.toggle('coasting', t.status === 'coasting');
      r.tr.classList.toggle('tentative', t.status === 'tentative');
      if (r.tr.dataset.identity !== t.identity) r.tr.dataset.identity = t.identity;
      this.written++;
    }
    r.tr.classList.toggle('selected', t.id === this.selected);
  }
}
