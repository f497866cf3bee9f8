// Track table: filters (identity, class, status, threats, text on id/callsign/mode 3A/ICAO),
// sortable columns, click to select and centre. Rows are reused by track id.

import { flightLevel, knots } from '../format';
import { CLASS_SHORT, IDENTITY_SHORT } from '../sidc';
import type { Picture, TrackView } from '../state';
import { CLASSES, IDENTITIES, STATUSES } from '../types';

interface Column {
  key: string;
  label: string;
  num?: boolean;
  value(t: TrackView): string | number;
  text(t: TrackView): string;
}

const dash = (v: unknown) => (v === null || v === undefined || v === '' ? '—' : String(v));

const COLUMNS: Column[] = [
  { key: 'id', label: 'ID', num: true, value: (t) => t.id, text: (t) => String(t.id) },
  { key: 'identity', label: 'IDENT', value: (t) => IDENTITIES.indexOf(t.identity), text: (t) => IDENTITY_SHORT[t.identity] ?? t.identity },
  { key: 'class', label: 'CLASS', value: (t) => CLASSES.indexOf(t.class), text: (t) => CLASS_SHORT[t.class] ?? t.class },
  { key: 'status', label: 'STATUS', value: (t) => t.status, text: (t) => t.status.slice(0, 4).toUpperCase() },
  { key: 'callsign', label: 'CALLSIGN', value: (t) => t.callsign ?? '\uffff', text: (t) => dash(t.callsign) },
  { key: 'mode3a', label: 'M3A', value: (t) => t.mode3a ?? '\uffff', text: (t) => dash(t.mode3a) },
  { key: 'icao', label: 'ICAO', value: (t) => t.icao ?? '\uffff', text: (t) => dash(t.icao) },
  { key: 'alt', label: 'ALT', num: true, value: (t) => t.alt_m, text: (t) => flightLevel(t.alt_m) },
  { key: 'speed', label: 'KT', num: true, value: (t) => t.speed_mps, text: (t) => String(knots(t.speed_mps)) },
  { key: 'course', label: 'CRS', num: true, value: (t) => t.course_deg, text: (t) => String(Math.round(t.course_deg)).padStart(3, '0') },
  { key: 'lat', label: 'LAT', num: true, value: (t) => t.lat_deg, text: (t) => t.lat_deg.toFixed(3) },
  { key: 'lon', label: 'LON', num: true, value: (t) => t.lon_deg, text: (t) => t.lon_deg.toFixed(3) },
  { key: 'sensors', label: 'SNS', value: (t) => t.sensors.length, text: (t) => t.sensors.join(',') },
  { key: 'rank', label: 'THR#', num: true, value: (t) => t.threat?.rank ?? Number.MAX_SAFE_INTEGER, text: (t) => dash(t.threat?.rank) },
  { key: 'ttg', label: 'TTG s', num: true, value: (t) => t.threat?.time_to_go_s ?? Number.MAX_SAFE_INTEGER, text: (t) => (t.threat?.time_to_go_s != null ? String(Math.round(t.threat.time_to_go_s)) : '—') },
  { key: 'asset', label: 'ASSET', value: (t) => t.threat?.asset ?? '\uffff', text: (t) => dash(t.threat?.asset) },
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

export class TrackTable {
  private rows = new Map<number, { tr: HTMLTableRowElement; sig: string }>();
  private sortKey = 'rank';
  private sortDir = 1;
  private picture: Picture | null = null;
  private selected: number | null = null;
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
      if (this.picture) this.update(this.picture);
    };
    for (const el of [controls.identity, controls.cls, controls.status, controls.threats]) el.addEventListener('change', refresh);
    controls.text.addEventListener('input', refresh);

    for (const c of COLUMNS) {
      const th = document.createElement('th');
      th.textContent = c.label;
      th.dataset.key = c.key;
      if (c.num) th.className = 'num';
      th.dataset.testid = `sort-${c.key}`;
      th.addEventListener('click', () => {
        if (this.sortKey === c.key) this.sortDir = -this.sortDir;
        else {
          this.sortKey = c.key;
          this.sortDir = 1;
        }
        this.renderHead();
        if (this.picture) this.update(this.picture);
      });
      head.appendChild(th);
    }
    this.renderHead();
    body.addEventListener('click', (ev) => {
      const tr = (ev.target as HTMLElement).closest('tr') as HTMLTableRowElement | null;
      if (tr?.dataset.trackId) this.onSelect(Number(tr.dataset.trackId));
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

  update(p: Picture): void {
    this.picture = p;
    const col = COLUMNS.find((c) => c.key === this.sortKey) ?? COLUMNS[0];
    const list = [...p.tracks.values()].filter((t) => matchesFilter(t, this.filter));
    list.sort((a, b) => {
      const va = col.value(a);
      const vb = col.value(b);
      const d = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb));
      return this.sortDir * d || a.id - b.id;
    });
    this.countEl.textContent = `${list.length}/${p.tracks.size}`;
    const keep = new Set(list.map((t) => t.id));
    for (const [id, r] of this.rows) {
      if (!keep.has(id)) {
        r.tr.remove();
        this.rows.delete(id);
      }
    }
    let prev: HTMLTableRowElement | null = null;
    for (const t of list) {
      let r = this.rows.get(t.id);
      if (!r) {
        const tr = document.createElement('tr');
        tr.dataset.testid = 'track-row';
        tr.dataset.trackId = String(t.id);
        for (const c of COLUMNS) {
          const td = document.createElement('td');
          if (c.num) td.className = 'num';
          tr.appendChild(td);
        }
        r = { tr, sig: '' };
        this.rows.set(t.id, r);
      }
      const texts = COLUMNS.map((c) => c.text(t));
      const sig = texts.join('\u0001') + t.identity + t.status;
      if (sig !== r.sig) {
        r.sig = sig;
        const tds = r.tr.children;
        texts.forEach((s, i) => {
          if (tds[i].textContent !== s) tds[i].textContent = s;
        });
        (tds[1] as HTMLElement).className = `id-${t.identity}`;
        r.tr.classList.toggle('coasting', t.status === 'coasting');
        r.tr.classList.toggle('tentative', t.status === 'tentative');
        r.tr.dataset.identity = t.identity;
      }
      r.tr.classList.toggle('selected', t.id === this.selected);
      const expectedNext: Element | null = prev ? prev.nextElementSibling : this.body.firstElementChild;
      if (expectedNext !== r.tr) {
        if (prev) prev.after(r.tr);
        else this.body.prepend(r.tr);
      }
      prev = r.tr;
    }
  }
}
