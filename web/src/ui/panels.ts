// Track details, status bar, legend and layer toggles.

import { escapeHtml, flightLevel, formatScenarioTime, knots } from '../format';
import { formatLat, formatLon } from '../geo';
import type { Layers } from '../map';
import { CLASS_SHORT, IDENTITY_SHORT, trackSidc } from '../sidc';
import type { Picture } from '../state';
import { symbolDataUrl } from '../symbols';

const symCache = new Map<string, string>();
function symUrl(sidc: string, size = 18): string {
  const k = `${sidc}/${size}`;
  let u = symCache.get(k);
  if (!u) {
    u = symbolDataUrl(sidc, size);
    symCache.set(k, u);
  }
  return u;
}

const DETAIL_FIELDS = ['identity', 'class', 'status', 'position', 'altitude', 'speed', 'course', 'callsign', 'mode 3/A', 'ICAO', 'sensors', 'threat', 'time to go', 'asset', 'engagements'] as const;
type DetailField = (typeof DETAIL_FIELDS)[number];

/**
 * The selected track's details. The panel is built once per selected track; afterwards only
 * the values whose text changed are rewritten (the close button and the layout stay put).
 */
export class DetailsPanel {
  private id: number | null = null;
  private builtFor: number | null = null;
  private dd = new Map<DetailField, HTMLElement>();
  private head: { img: HTMLImageElement; id: HTMLElement; kind: HTMLElement } | null = null;
  private values = new Map<string, string>();
  onClose: () => void = () => {};

  constructor(private el: HTMLElement) {
    el.addEventListener('click', (ev) => {
      if ((ev.target as HTMLElement).closest('.x')) this.onClose();
    });
  }

  show(id: number | null): void {
    this.id = id;
  }

  private build(id: number): void {
    this.builtFor = id;
    this.values.clear();
    this.el.innerHTML =
      `<h3><img alt="" /><span data-testid="details-id"></span><span class="kind"></span>` +
      `<button type="button" class="x ghost" title="close">✕</button></h3><dl>` +
      DETAIL_FIELDS.map((f) => `<dt>${escapeHtml(f)}</dt><dd data-field="${escapeHtml(f)}"></dd>`).join('') +
      `</dl>`;
    this.head = {
      img: this.el.querySelector('h3 img') as HTMLImageElement,
      id: this.el.querySelector('[data-testid=details-id]') as HTMLElement,
      kind: this.el.querySelector('h3 .kind') as HTMLElement,
    };
    this.dd.clear();
    for (const f of DETAIL_FIELDS) this.dd.set(f, this.el.querySelector(`dd[data-field="${f}"]`) as HTMLElement);
  }

  /** Set an element's HTML only when it changed (`key` names it in the cache). */
  private put(key: string, el: HTMLElement, html: string): void {
    if (this.values.get(key) === html) return;
    this.values.set(key, html);
    el.innerHTML = html;
  }

  update(p: Picture): void {
    const t = this.id !== null ? p.tracks.get(this.id) : undefined;
    if (!t) {
      if (!this.el.hidden) this.el.hidden = true;
      return;
    }
    if (this.el.hidden) this.el.hidden = false;
    if (this.builtFor !== t.id) this.build(t.id);
    const h = this.head!;
    const src = symUrl(trackSidc(t.identity, t.class), 20);
    if (this.values.get('img') !== src) {
      this.values.set('img', src);
      h.img.src = src;
    }
    this.put('id', h.id, `T${t.id}`);
    this.put('kind', h.kind, `<span class="id-${t.identity}">${escapeHtml(IDENTITY_SHORT[t.identity] ?? t.identity)} ${escapeHtml(CLASS_SHORT[t.class] ?? t.class)}</span>`);
    const sensorNames = t.sensors.map((s) => p.sensors.find((x) => x.id === s)?.name ?? `#${s}`);
    const engs = [...p.engagements.values()].filter((e) => e.track === t.id).sort((a, b) => b.id - a.id);
    const v: Record<DetailField, string> = {
      identity: `<span class="id-${t.identity}">${escapeHtml(t.identity.replace('_', ' '))}</span>`,
      class: escapeHtml(t.class.replace('_', ' ')),
      status: `${escapeHtml(t.status)} · ${t.updates} upd · σ ${Math.round(t.sigma_pos_m)} m`,
      position: `${formatLat(t.lat_deg)} ${formatLon(t.lon_deg)}`,
      altitude: `${Math.round(t.alt_m)} m · ${flightLevel(t.alt_m)}`,
      speed: `${Math.round(t.speed_mps)} m/s · ${knots(t.speed_mps)} kt`,
      course: `${Math.round(t.course_deg).toString().padStart(3, '0')}° · climb ${t.climb_mps.toFixed(1)} m/s`,
      callsign: escapeHtml(t.callsign ?? '—'),
      'mode 3/A': escapeHtml(t.mode3a ?? '—'),
      ICAO: escapeHtml(t.icao ?? '—'),
      sensors: escapeHtml(sensorNames.join(', ') || '—'),
      threat: t.threat ? `#${t.threat.rank} · value ${t.threat.value.toFixed(1)}` : '—',
      'time to go': t.threat?.time_to_go_s != null ? `${Math.round(t.threat.time_to_go_s)} s` : '—',
      asset: escapeHtml(t.threat?.asset ?? '—'),
      engagements: engs.length ? engs.slice(0, 4).map((e) => `E${e.id} <span class="badge st-${escapeHtml(e.status)}">${escapeHtml(e.status)}</span>`).join(' ') : '—',
    };
    for (const f of DETAIL_FIELDS) this.put(`f:${f}`, this.dd.get(f)!, v[f]);
  }
}

export function renderStatus(statsEl: HTMLElement, launchersEl: HTMLElement, p: Picture): void {
  const s = p.stats;
  const parts: string[] = [];
  if (s) {
    parts.push(`plots/s <b>${Math.round(s.plots_per_s)}</b>`);
    parts.push(`plots <b>${s.plots_in}</b>`);
    parts.push(`drops <b class="${s.dropped ? 'bad' : ''}">${s.dropped}</b>`);
    parts.push(`decode err <b class="${s.decode_errors ? 'bad' : ''}">${s.decode_errors}</b>`);
    parts.push(`tracks <b>${s.tracks_confirmed}</b>+<b>${s.tracks_tentative}</b>t`);
    parts.push(`threats <b>${s.threats}</b>`);
    parts.push(`kills <b>${s.kills}</b>`);
    parts.push(`leakers <b class="${s.leakers ? 'bad' : ''}">${s.leakers}</b>`);
    parts.push(`cycle p99 <b>${s.cycle_ms_p99.toFixed(1)}</b> ms`);
  } else {
    parts.push(`tracks <b>${p.tracks.size}</b>`);
  }
  setHtml(statsEl, parts.join(' · '));
  setHtml(launchersEl, [...p.launchers.values()]
    .map(
      (l) =>
        `<span class="inv ${l.inventory === 0 ? 'empty' : ''}" title="${escapeHtml(l.interceptor)}${l.ready ? '' : ' (not ready)'}">` +
        `${escapeHtml(l.name)} <b>${l.inventory}</b>/${l.inventory_start}${l.in_flight ? ` ↑${l.in_flight}` : ''}${l.ready ? '' : ' ⊘'}</span>`,
    )
    .join(''));
}

const lastHtml = new WeakMap<HTMLElement, string>();
function setHtml(el: HTMLElement, html: string): void {
  if (lastHtml.get(el) === html) return;
  lastHtml.set(el, html);
  el.innerHTML = html;
}

export function renderLegend(el: HTMLElement): void {
  const items: [string, string][] = [
    ['SHAPWMCM-------', 'cruise msl'],
    ['SHAPWMB--------', 'ballistic'],
    ['SHAPMFQ--------', 'UAV'],
    ['SHAPWMSS-------', 'rocket'],
    ['SFAPMF---------', 'friend'],
    ['SNAPCF---------', 'civil'],
    ['SUAP-----------', 'unknown'],
    ['SSAPMF---------', 'suspect'],
  ];
  el.innerHTML = items.map(([s, l]) => `<img alt="" src="${symUrl(s, 12)}" /><span>${l}</span>`).join('');
}

export function renderLayerToggles(el: HTMLElement, layers: Layers, onChange: (l: Partial<Layers>) => void): void {
  const names: [keyof Layers, string][] = [
    ['coverage', 'Coverage'],
    ['sectors', 'Zones'],
    ['trails', 'Trails'],
    ['leaders', 'Leaders'],
    ['labels', 'Labels'],
    ['neutral', 'Civil'],
  ];
  el.innerHTML = '';
  for (const [k, label] of names) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    b.dataset.testid = `layer-${k}`;
    b.classList.toggle('on', layers[k]);
    b.addEventListener('click', () => {
      layers[k] = !layers[k];
      b.classList.toggle('on', layers[k]);
      onChange({ [k]: layers[k] });
    });
    el.appendChild(b);
  }
}

export function scenarioClock(t_s: number): string {
  return formatScenarioTime(t_s);
}
