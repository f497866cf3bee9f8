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

export class DetailsPanel {
  private id: number | null = null;
  private sig = '';
  onClose: () => void = () => {};

  constructor(private el: HTMLElement) {
    el.addEventListener('click', (ev) => {
      if ((ev.target as HTMLElement).closest('.x')) this.onClose();
    });
  }

  show(id: number | null): void {
    this.id = id;
    this.sig = '';
  }

  update(p: Picture): void {
    const t = this.id !== null ? p.tracks.get(this.id) : undefined;
    if (!t) {
      this.el.hidden = true;
      if (this.id !== null && this.sig !== 'gone') {
        this.sig = 'gone';
      }
      return;
    }
    this.el.hidden = false;
    const sensorNames = t.sensors.map((s) => p.sensors.find((x) => x.id === s)?.name ?? `#${s}`);
    const engs = [...p.engagements.values()].filter((e) => e.track === t.id).sort((a, b) => b.id - a.id);
    const sig = JSON.stringify([t, sensorNames, engs.map((e) => [e.id, e.status])]);
    if (sig === this.sig) return;
    this.sig = sig;
    const row = (k: string, v: string) => `<dt>${k}</dt><dd>${v}</dd>`;
    const thr = t.threat
      ? `#${t.threat.rank} · value ${t.threat.value.toFixed(1)}`
      : '—';
    this.el.innerHTML =
      `<h3><img alt="" src="${symUrl(trackSidc(t.identity, t.class), 20)}" />` +
      `<span data-testid="details-id">T${t.id}</span><span class="id-${t.identity}">${IDENTITY_SHORT[t.identity] ?? t.identity} ${CLASS_SHORT[t.class] ?? t.class}</span>` +
      `<button type="button" class="x ghost" title="close">✕</button></h3><dl>` +
      row('identity', `<span class="id-${t.identity}">${escapeHtml(t.identity.replace('_', ' '))}</span>`) +
      row('class', escapeHtml(t.class.replace('_', ' '))) +
      row('status', `${escapeHtml(t.status)} · ${t.updates} upd · σ ${Math.round(t.sigma_pos_m)} m`) +
      row('position', `${formatLat(t.lat_deg)} ${formatLon(t.lon_deg)}`) +
      row('altitude', `${Math.round(t.alt_m)} m · ${flightLevel(t.alt_m)}`) +
      row('speed', `${Math.round(t.speed_mps)} m/s · ${knots(t.speed_mps)} kt`) +
      row('course', `${Math.round(t.course_deg).toString().padStart(3, '0')}° · climb ${t.climb_mps.toFixed(1)} m/s`) +
      row('callsign', escapeHtml(t.callsign ?? '—')) +
      row('mode 3/A', escapeHtml(t.mode3a ?? '—')) +
      row('ICAO', escapeHtml(t.icao ?? '—')) +
      row('sensors', escapeHtml(sensorNames.join(', ') || '—')) +
      row('threat', thr) +
      row('time to go', t.threat?.time_to_go_s != null ? `${Math.round(t.threat.time_to_go_s)} s` : '—') +
      row('asset', escapeHtml(t.threat?.asset ?? '—')) +
      row('engagements', engs.length ? engs.slice(0, 4).map((e) => `E${e.id} <span class="badge st-${escapeHtml(e.status)}">${escapeHtml(e.status)}</span>`).join(' ') : '—') +
      `</dl>`;
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
  statsEl.innerHTML = parts.join(' · ');
  launchersEl.innerHTML = [...p.launchers.values()]
    .map(
      (l) =>
        `<span class="inv ${l.inventory === 0 ? 'empty' : ''}" title="${escapeHtml(l.interceptor)}${l.ready ? '' : ' (not ready)'}">` +
        `${escapeHtml(l.name)} <b>${l.inventory}</b>/${l.inventory_start}${l.in_flight ? ` ↑${l.in_flight}` : ''}${l.ready ? '' : ' ⊘'}</span>`,
    )
    .join('');
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
