// The map: offline Natural Earth basemap, graticule, scale, and the air picture (tracks as
// MIL-STD-2525 symbols with velocity leaders and trails, sensors and their coverage, defended
// assets, launchers with their engagement zones, recommended intercept points).
//
// MapLibre (WebGL) draws what changes rarely: the basemap, graticule, coverage, engagement
// zones, defended assets and the sensor and launcher sites. Everything that moves with the
// stream (track symbols, leaders, trails, the selection ring, intercepts and all texts) is
// drawn on a 2D canvas overlay, redrawn on the page's render budget and on every map frame
// (pan, zoom). A live update therefore never costs a WebGL frame: with software rendering
// (no GPU, as on a CI box) a MapLibre frame costs the page ~100-200 ms because the browser
// reads the canvas back, and one GeoJSON setData costs three or four of them (data change,
// tiles back from the worker, symbol placement). No glyphs are ever requested.

import * as maplibregl from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import countriesUrl from 'world-atlas/countries-50m.json?url';
import type { Feature, FeatureCollection, Geometry } from 'geojson';
import { feature as topoFeature, mesh as topoMesh } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import { aheadPosition, circleRing, formatLat, formatLon, graticule, sectorPolygon, unwrapFeatures, unwrapGeometry } from './geo';
import { flightLevel, knots } from './format';
import { identityColor, launcherSidc, sensorSidc, trackSidc } from './sidc';
import type { Picture, TrackView } from './state';
import { renderSymbol, symbolCanvas } from './symbols';
import type { Engagement } from './types';

maplibregl.setWorkerUrl(new URL(workerUrl, document.baseURI).toString());

export const LEADER_S = 60;
const SYMBOL_SIZE = 18;

export interface Layers {
  coverage: boolean;
  sectors: boolean;
  trails: boolean;
  leaders: boolean;
  labels: boolean;
  neutral: boolean;
}

const EMPTY: FeatureCollection = { type: 'FeatureCollection', features: [] };

function fc(features: Feature[]): FeatureCollection {
  return { type: 'FeatureCollection', features };
}

export class MapView {
  readonly map: maplibregl.Map;
  private overlay: HTMLCanvasElement;
  private gratLabels: HTMLDivElement;
  private ready = false;
  private images = new Set<string>();
  private picture: Picture | null = null;
  private selected: number | null = null;
  private focusEngagement: number | null = null;
  private fitted = false;
  private userMoved = false;
  private staticKey = '';
  /** setData calls so far (for performance checks) */
  dataUpdates = 0;
  /** overlay redraws so far and their JS time (ms) */
  overlayDraws = 0;
  overlayMs = 0;
  /** symbol bitmaps for the overlay, by SIDC */
  private sprites = new Map<string, { canvas: HTMLCanvasElement; w: number; h: number }>();
  /** track symbols drawn by the last overlay redraw, in screen pixels (hit tests, tests) */
  private drawn: { id: number; x: number; y: number }[] = [];
  layers: Layers = { coverage: true, sectors: true, trails: true, leaders: true, labels: false, neutral: true };
  onSelect: (id: number | null) => void = () => {};
  /** number of tracks shown (not filtered out) by the last overlay redraw (for tests) */
  trackFeatureCount = 0;
  basemapLoaded = false;
  /** frames MapLibre has drawn (for tests and performance checks) */
  frames = 0;

  constructor(private container: HTMLElement) {
    this.map = new maplibregl.Map({
      container,
      style: {
        version: 8,
        sources: {},
        layers: [{ id: 'sea', type: 'background', paint: { 'background-color': '#0a1622' } }],
      },
      center: [-30, 10],
      zoom: 6.5,
      attributionControl: { compact: true, customAttribution: 'Basemap: Natural Earth (world-atlas)' },
      dragRotate: false,
      pitchWithRotate: false,
      renderWorldCopies: true,
      fadeDuration: 0,
      maxZoom: 14,
    });
    this.map.touchZoomRotate.disableRotation();
    this.map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
    this.map.addControl(new maplibregl.ScaleControl({ maxWidth: 160, unit: 'nautical' }), 'bottom-left');
    this.map.addControl(new maplibregl.ScaleControl({ maxWidth: 160, unit: 'metric' }), 'bottom-left');

    this.overlay = document.createElement('canvas');
    this.overlay.className = 'map-overlay';
    container.appendChild(this.overlay);
    this.gratLabels = document.createElement('div');
    this.gratLabels.className = 'grat-labels';
    container.appendChild(this.gratLabels);

    this.map.on('load', () => this.onLoad());
    this.map.on('render', () => {
      this.frames++;
      this.drawOverlay();
    });
    this.map.on('move', () => this.drawGraticuleLabels());
    this.map.on('resize', () => this.drawOverlay());
    this.map.on('dragstart', () => (this.userMoved = true));
    this.map.on('wheel', () => (this.userMoved = true));
    this.map.on('click', (e) => this.onClick(e));
    this.map.on('mousemove', (e) => {
      if (!this.ready) return;
      const hit = this.hitTrack(e.point);
      this.map.getCanvas().style.cursor = hit !== null ? 'pointer' : '';
    });
  }

  private async onLoad(): Promise<void> {
    const m = this.map;
    m.addSource('graticule-minor', { type: 'geojson', data: graticule(1) });
    m.addSource('graticule-major', { type: 'geojson', data: graticule(10) });
    m.addLayer({ id: 'grat-minor', type: 'line', source: 'graticule-minor', minzoom: 4.5, paint: { 'line-color': '#2a4258', 'line-width': 0.6, 'line-opacity': 0.7 } });
    m.addLayer({ id: 'grat-major', type: 'line', source: 'graticule-major', paint: { 'line-color': '#3a5a78', 'line-width': 1 } });
    m.addSource('countries', { type: 'geojson', data: EMPTY });
    m.addSource('borders', { type: 'geojson', data: EMPTY });
    m.addLayer({ id: 'land', type: 'fill', source: 'countries', paint: { 'fill-color': '#1d2722', 'fill-opacity': 1 } });
    m.addLayer({ id: 'borders', type: 'line', source: 'borders', paint: { 'line-color': '#4d5d52', 'line-width': 0.7 } });

    for (const id of ['coverage', 'sectors', 'assets', 'ground']) m.addSource(id, { type: 'geojson', data: EMPTY });
    m.addLayer({ id: 'coverage', type: 'line', source: 'coverage', paint: { 'line-color': '#6f8fa8', 'line-width': 1, 'line-opacity': 0.45, 'line-dasharray': [4, 3] } });
    m.addLayer({ id: 'sectors-fill', type: 'fill', source: 'sectors', paint: { 'fill-color': '#80e0ff', 'fill-opacity': 0.04 } });
    m.addLayer({ id: 'sectors-line', type: 'line', source: 'sectors', paint: { 'line-color': '#80e0ff', 'line-width': 1, 'line-opacity': 0.5 } });
    m.addLayer({ id: 'assets-fill', type: 'fill', source: 'assets', filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'fill-color': '#ffd24a', 'fill-opacity': 0.18 } });
    m.addLayer({ id: 'assets-line', type: 'line', source: 'assets', filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'line-color': '#ffd24a', 'line-width': 1.5 } });
    m.addLayer({ id: 'assets-dot', type: 'circle', source: 'assets', filter: ['==', ['geometry-type'], 'Point'], paint: { 'circle-radius': 3, 'circle-color': '#ffd24a', 'circle-stroke-color': '#000', 'circle-stroke-width': 1 } });
    m.addLayer({ id: 'ground', type: 'symbol', source: 'ground', layout: { 'icon-image': ['get', 'icon'], 'icon-allow-overlap': true, 'icon-ignore-placement': true } });
    this.ensureImage(launcherSidc());
    this.ensureImage(sensorSidc('radar3d'));
    this.ensureImage(sensorSidc('adsb'));
    this.ready = true;
    this.applyLayerVisibility();
    if (this.picture) this.update(this.picture);
    this.drawGraticuleLabels();
    void this.loadBasemap();
  }

  private async loadBasemap(): Promise<void> {
    try {
      const res = await fetch(new URL(countriesUrl, document.baseURI));
      const topo = (await res.json()) as Topology;
      const obj = topo.objects.countries as GeometryCollection;
      const countries = unwrapFeatures(topoFeature(topo, obj) as FeatureCollection);
      const borders = unwrapGeometry(topoMesh(topo, obj, (a, b) => a !== b) as Geometry);
      (this.map.getSource('countries') as maplibregl.GeoJSONSource).setData(countries);
      (this.map.getSource('borders') as maplibregl.GeoJSONSource).setData({ type: 'Feature', properties: {}, geometry: borders });
      this.basemapLoaded = true;
    } catch (e) {
      console.error('basemap failed to load', e);
    }
  }

  /** A ground symbol (sensor, launcher) as a MapLibre image. */
  private ensureImage(sidc: string): void {
    if (this.images.has(sidc)) return;
    const img = renderSymbol(sidc, 14, this.pixelRatio());
    this.map.addImage(sidc, { width: img.width, height: img.height, data: img.data }, { pixelRatio: img.pixelRatio });
    this.images.add(sidc);
  }

  private pixelRatio(): number {
    return Math.max(1, Math.min(3, Math.ceil(window.devicePixelRatio || 1)));
  }

  /** A track symbol for the overlay, centred on its anchor (neutral civil traffic smaller). */
  private sprite(sidc: string): { canvas: HTMLCanvasElement; w: number; h: number } {
    let sp = this.sprites.get(sidc);
    if (!sp) {
      const pr = this.pixelRatio();
      const canvas = symbolCanvas(sidc, sidc[1] === 'N' ? 13 : SYMBOL_SIZE, pr);
      sp = { canvas, w: canvas.width / pr, h: canvas.height / pr };
      this.sprites.set(sidc, sp);
    }
    return sp;
  }

  setLayers(l: Partial<Layers>): void {
    this.layers = { ...this.layers, ...l };
    this.applyLayerVisibility();
    if (this.picture) this.updatePicture(this.picture);
  }

  private applyLayerVisibility(): void {
    if (!this.ready) return;
    const vis = (on: boolean) => (on ? 'visible' : 'none');
    this.map.setLayoutProperty('coverage', 'visibility', vis(this.layers.coverage));
    this.map.setLayoutProperty('sectors-fill', 'visibility', vis(this.layers.sectors));
    this.map.setLayoutProperty('sectors-line', 'visibility', vis(this.layers.sectors));
    this.drawOverlay();
  }

  select(id: number | null, centre = false): void {
    this.selected = id;
    if (centre && id !== null && this.picture) {
      const t = this.picture.tracks.get(id);
      if (t) {
        this.userMoved = true;
        this.map.easeTo({ center: [t.lon_deg, t.lat_deg], duration: 400 });
      }
    }
    this.drawOverlay();
  }

  focus(engagementId: number | null, fly = false): void {
    if (this.focusEngagement === engagementId && !fly) return;
    this.focusEngagement = engagementId;
    this.drawOverlay();
    if (fly && engagementId !== null && this.picture) {
      const e = this.picture.engagements.get(engagementId);
      if (e?.intercept) {
        const l = this.picture.launchers.get(e.launcher);
        const t = this.picture.tracks.get(e.track);
        const b = new maplibregl.LngLatBounds([e.intercept.lon_deg, e.intercept.lat_deg], [e.intercept.lon_deg, e.intercept.lat_deg]);
        if (l) b.extend([l.lon_deg, l.lat_deg]);
        if (t) b.extend([t.lon_deg, t.lat_deg]);
        this.userMoved = true;
        this.map.fitBounds(b, { padding: 80, maxZoom: 10, duration: 500 });
      }
    }
  }

  private isShown(t: TrackView): boolean {
    return this.layers.neutral || t.identity !== 'neutral' || t.id === this.selected;
  }

  /** How often the moving picture may be redrawn (ms): 4 Hz. */
  intervalMs(): number {
    return 250;
  }

  /** Show a new picture (snapshot, replay frame): everything is redrawn. */
  update(p: Picture): void {
    this.picture = p;
    this.staticKey = '';
    if (!this.ready) return;
    if (!this.fitted && !this.userMoved) {
      this.fitted = true;
      const { lat_deg, lon_deg } = p.origin;
      this.map.fitBounds(
        [
          [lon_deg - 2.4, lat_deg - 2.3],
          [lon_deg + 2.4, lat_deg + 1.4],
        ],
        { padding: 20, duration: 0 },
      );
    }
    this.updateStatic(p);
    this.updatePicture(p);
  }

  private setData(id: string, data: FeatureCollection): void {
    const src = this.map.getSource(id) as maplibregl.GeoJSONSource | undefined;
    if (!src) return;
    src.setData(data);
    this.dataUpdates++;
  }

  /** Sensors, assets and launchers: redrawn only when their geometry changed. */
  updateStatic(p: Picture): void {
    this.picture = p;
    if (!this.ready) return;
    const key = JSON.stringify([
      p.sensors.map((s) => [s.id, s.kind, s.lat_deg, s.lon_deg, s.max_range_m]),
      p.assets.map((a) => [a.id, a.lat_deg, a.lon_deg, a.radius_m]),
      [...p.launchers.values()].map((l) => [l.id, l.lat_deg, l.lon_deg, l.min_range_m, l.max_range_m, l.sector_center_deg, l.sector_half_width_deg]),
    ]);
    if (key === this.staticKey) {
      this.drawOverlay(); // names and inventories are on the 2D overlay: no map frame needed
      return;
    }
    this.staticKey = key;
    const coverage: Feature[] = [];
    const ground: Feature[] = [];
    for (const s of p.sensors) {
      if (s.lat_deg === null || s.lon_deg === null || s.lat_deg === undefined) continue;
      if (s.max_range_m)
        coverage.push({ type: 'Feature', properties: { id: s.id }, geometry: { type: 'LineString', coordinates: circleRing(s.lat_deg, s.lon_deg, s.max_range_m, 128) } });
      const sidc = sensorSidc(s.kind);
      this.ensureImage(sidc);
      ground.push({ type: 'Feature', properties: { icon: sidc, kind: 'sensor', id: s.id }, geometry: { type: 'Point', coordinates: [s.lon_deg, s.lat_deg] } });
    }
    const sectors: Feature[] = [];
    for (const l of p.launchers.values()) {
      sectors.push({
        type: 'Feature',
        properties: { id: l.id },
        geometry: { type: 'Polygon', coordinates: sectorPolygon(l.lat_deg, l.lon_deg, l.min_range_m, l.max_range_m, l.sector_center_deg, l.sector_half_width_deg) },
      });
      ground.push({ type: 'Feature', properties: { icon: launcherSidc(), kind: 'launcher', id: l.id }, geometry: { type: 'Point', coordinates: [l.lon_deg, l.lat_deg] } });
    }
    const assets: Feature[] = [];
    for (const a of p.assets) {
      assets.push({ type: 'Feature', properties: { id: a.id }, geometry: { type: 'Polygon', coordinates: [circleRing(a.lat_deg, a.lon_deg, a.radius_m, 48)] } });
      assets.push({ type: 'Feature', properties: { id: a.id }, geometry: { type: 'Point', coordinates: [a.lon_deg, a.lat_deg] } });
    }
    this.setData('coverage', fc(coverage));
    this.setData('sectors', fc(sectors));
    this.setData('assets', fc(assets));
    this.setData('ground', fc(ground));
  }

  /** Redraw the moving picture (tracks, engagements, texts) on the overlay: no WebGL frame. */
  updatePicture(p: Picture): void {
    this.picture = p;
    this.drawOverlay();
  }

  private activeEngagements(p: Picture): Engagement[] {
    return [...p.engagements.values()].filter((e) => (e.status === 'recommended' || e.status === 'approved' || e.status === 'engaged') && e.intercept);
  }

  /** The track symbol nearest to a screen point (within 10 px), from the last redraw. */
  private hitTrack(pt: maplibregl.Point): number | null {
    let best: number | null = null;
    let bestD = 10;
    for (const d of this.drawn) {
      const dist = Math.hypot(d.x - pt.x, d.y - pt.y);
      if (dist <= bestD) {
        bestD = dist;
        best = d.id;
      }
    }
    return best;
  }

  private onClick(e: maplibregl.MapMouseEvent): void {
    if (!this.ready) return;
    const id = this.hitTrack(e.point);
    this.onSelect(id);
  }

  /** Number of track symbols the last overlay redraw put inside the visible map (for tests). */
  renderedTrackCount(): number {
    const c = this.map.getCanvas();
    const w = c.clientWidth;
    const h = c.clientHeight;
    return this.drawn.filter((d) => d.x >= 0 && d.y >= 0 && d.x <= w && d.y <= h).length;
  }

  // ------------------------------------------------------------ text overlay (no glyphs)
  private drawOverlay(): void {
    const c = this.overlay;
    const canvas = this.map.getCanvas();
    const w = canvas.clientWidth;
    const h = canvas.clientHeight;
    const dpr = window.devicePixelRatio || 1;
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(h * dpr);
      c.style.width = `${w}px`;
      c.style.height = `${h}px`;
    }
    const t0 = performance.now();
    const ctx = c.getContext('2d')!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const p = this.picture;
    this.drawn = [];
    if (!p || !this.ready) return;
    const zoom = this.map.getZoom();
    const inView = (x: number, y: number) => x > -50 && y > -20 && x < w + 50 && y < h + 20;
    this.drawPicture(ctx, p, w, h);

    // Candidates, placed greedily by priority; a label that would overlap a placed one is
    // dropped (the symbol stays), so the picture declutters itself when zoomed out.
    interface Cand { pri: number; x: number; y: number; lines: string[]; color: string; font: string }
    const cands: Cand[] = [];
    const add = (pri: number, lon: number, lat: number, dx: number, dy: number, lines: string[], color: string, font = '11px') => {
      const q = this.map.project([lon, lat]);
      if (inView(q.x, q.y)) cands.push({ pri, x: q.x + dx, y: q.y + dy, lines, color, font });
    };
    for (const a of p.assets) add(50, a.lon_deg, a.lat_deg, 6, 4, [a.name], '#ffd24a', 'bold 11px');
    for (const l of p.launchers.values()) {
      const inv = `${l.inventory}/${l.inventory_start}${l.in_flight ? ` ↑${l.in_flight}` : ''}`;
      add(40, l.lon_deg, l.lat_deg, 11, -12, [`${l.name} ${inv}`], l.inventory === 0 ? '#ff8080' : '#80e0ff', '10px');
    }
    if (zoom >= 7) {
      for (const s of p.sensors) {
        if (s.lat_deg === null || s.lon_deg === null) continue;
        add(10, s.lon_deg, s.lat_deg, 10, 4, [s.name], s.status === 'ok' ? '#9fb4c6' : '#ff8080', '10px');
      }
    }
    for (const e of this.activeEngagements(p)) {
      const i = e.intercept!;
      const tgo = typeof i.t_s === 'number' ? i.t_s - p.t_s : 0;
      const color = e.status === 'recommended' ? '#ffb020' : e.status === 'approved' ? '#7dff7d' : '#ff6060';
      add(e.id === this.focusEngagement ? 200 : 60, i.lon_deg, i.lat_deg, 8, -6, [`E${e.id}${tgo > 0 ? ` T-${Math.round(tgo)}s` : ''}`], color, '10px');
    }
    const showAll = this.layers.labels || zoom >= 9;
    for (const t of p.tracks.values()) {
      if (!this.isShown(t)) continue;
      const hostile = t.identity === 'hostile' || t.identity === 'suspect';
      const friend = t.identity === 'friend' || t.identity === 'assumed_friend';
      const sel = t.id === this.selected;
      if (!showAll && !hostile && !friend && !t.threat && !sel) continue;
      const name = t.callsign ?? (t.mode3a ? `M3/${t.mode3a}` : '');
      const l1 = `${t.id}${name ? ' ' + name : ''}${t.threat ? ` #${t.threat.rank}` : ''}`;
      const l2 = `${flightLevel(t.alt_m)} ${knots(t.speed_mps)}kt`;
      const pri = sel ? 1000 : t.threat ? 500 - Math.min(400, t.threat.rank) : hostile ? 90 : friend ? 70 : 0;
      add(pri, t.lon_deg, t.lat_deg, 12, -11, [l1, l2], sel ? '#ffffff' : identityColor(t.identity));
    }
    cands.sort((a, b) => b.pri - a.pri);
    const placed: [number, number, number, number][] = [];
    const LH = 12;
    for (const cnd of cands) {
      ctx.font = `${cnd.font} "DejaVu Sans Mono", "Liberation Mono", Menlo, Consolas, monospace`;
      const tw = Math.max(...cnd.lines.map((l) => ctx.measureText(l).width));
      const box: [number, number, number, number] = [cnd.x - 1, cnd.y - 1, cnd.x + tw + 1, cnd.y + cnd.lines.length * LH + 1];
      if (cnd.pri < 1000 && placed.some((b) => box[0] < b[2] && box[2] > b[0] && box[1] < b[3] && box[3] > b[1])) continue;
      placed.push(box);
      ctx.textBaseline = 'top';
      ctx.lineWidth = 3;
      ctx.lineJoin = 'round';
      ctx.strokeStyle = 'rgba(0,0,0,0.9)';
      ctx.fillStyle = cnd.color;
      cnd.lines.forEach((line, i) => {
        ctx.strokeText(line, cnd.x, cnd.y + i * LH);
        ctx.fillText(line, cnd.x, cnd.y + i * LH);
      });
    }
    this.overlayDraws++;
    this.overlayMs += performance.now() - t0;
  }

  /**
   * Engagement lines and intercept points, trails, leaders, the selection ring and the track
   * symbols (hostile on top), in screen pixels.
   */
  private drawPicture(ctx: CanvasRenderingContext2D, p: Picture, w: number, h: number): void {
    const m = this.map;
    const margin = 40;
    const on = (x: number, y: number) => x > -margin && y > -margin && x < w + margin && y < h + margin;
    const statusColor = (s: string) => (s === 'recommended' ? '#ffb020' : s === 'approved' ? '#7dff7d' : s === 'engaged' ? '#ff5050' : '#aaaaaa');
    ctx.save();
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    // engagements: a dashed line from the launcher to the intercept point, a ring there
    for (const e of this.activeEngagements(p)) {
      const i = e.intercept!;
      const focus = e.id === this.focusEngagement;
      const q = m.project([i.lon_deg, i.lat_deg]);
      const l = p.launchers.get(e.launcher);
      ctx.strokeStyle = statusColor(e.status);
      if (l) {
        const a = m.project([l.lon_deg, l.lat_deg]);
        ctx.lineWidth = focus ? 2.5 : 1.3;
        ctx.setLineDash([4, 4]);
        ctx.beginPath();
        ctx.moveTo(a.x, a.y);
        ctx.lineTo(q.x, q.y);
        ctx.stroke();
      }
      ctx.setLineDash([]);
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(q.x, q.y, focus ? 7 : 5, 0, 2 * Math.PI);
      ctx.stroke();
    }
    // tracks: positions first (symbols are drawn last, on top of every line)
    const shown: { t: TrackView; x: number; y: number; z: number }[] = [];
    for (const t of p.tracks.values()) {
      if (!this.isShown(t)) continue;
      const q = m.project([t.lon_deg, t.lat_deg]);
      const hostile = t.identity === 'hostile' || t.identity === 'suspect';
      shown.push({ t, x: q.x, y: q.y, z: hostile ? 2 : t.identity === 'neutral' ? 0 : 1 });
    }
    if (this.layers.trails) {
      ctx.lineWidth = 1.2;
      ctx.globalAlpha = 0.55;
      for (const s of shown) {
        const tr = s.t.trail;
        if (!tr.length) continue;
        const first = m.project([tr[0][1], tr[0][0]]);
        if (!on(first.x, first.y) && !on(s.x, s.y)) continue;
        ctx.strokeStyle = identityColor(s.t.identity);
        ctx.beginPath();
        ctx.moveTo(first.x, first.y);
        for (let k = 1; k < tr.length; k++) {
          const q = m.project([tr[k][1], tr[k][0]]);
          ctx.lineTo(q.x, q.y);
        }
        ctx.lineTo(s.x, s.y);
        ctx.stroke();
      }
      ctx.globalAlpha = 1;
    }
    if (this.layers.leaders) {
      ctx.lineWidth = 1.5;
      ctx.globalAlpha = 0.95;
      for (const s of shown) {
        const t = s.t;
        if (!t.vel_enu || !on(s.x, s.y)) continue;
        const [la, lo] = aheadPosition(t.lat_deg, t.lon_deg, t.vel_enu[0], t.vel_enu[1], LEADER_S);
        const q = m.project([lo, la]);
        ctx.strokeStyle = identityColor(t.identity);
        ctx.beginPath();
        ctx.moveTo(s.x, s.y);
        ctx.lineTo(q.x, q.y);
        ctx.stroke();
      }
      ctx.globalAlpha = 1;
    }
    const sel = shown.find((s) => s.t.id === this.selected);
    if (sel) {
      ctx.fillStyle = 'rgba(255,255,255,0.08)';
      ctx.strokeStyle = '#ffffff';
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(sel.x, sel.y, 17, 0, 2 * Math.PI);
      ctx.fill();
      ctx.stroke();
    }
    shown.sort((a, b) => a.z - b.z);
    for (const s of shown) {
      if (!on(s.x, s.y)) continue;
      const t = s.t;
      const sp = this.sprite(trackSidc(t.identity, t.class));
      ctx.globalAlpha = (t.status === 'coasting' ? 0.45 : t.status === 'tentative' ? 0.7 : 1) * (t.identity === 'neutral' ? 0.8 : 1);
      ctx.drawImage(sp.canvas, Math.round(s.x - sp.w / 2), Math.round(s.y - sp.h / 2), sp.w, sp.h);
      this.drawn.push({ id: t.id, x: s.x, y: s.y });
    }
    ctx.restore();
    this.trackFeatureCount = shown.length;
  }

  private drawGraticuleLabels(): void {
    if (!this.ready) return;
    const b = this.map.getBounds();
    const w = this.container.clientWidth;
    const h = this.container.clientHeight;
    // the finest of these steps that leaves at least ~70 px between labels
    const degPerPx = (b.getEast() - b.getWest()) / Math.max(1, w);
    const step = [0.25, 0.5, 1, 2, 5, 10, 20, 30, 45, 90].find((s) => s / degPerPx >= 70) ?? 90;
    const out: string[] = [];
    const fmt = (v: string) => v.replace("°00.0'", '°');
    const first = (lo: number) => Math.ceil(lo / step) * step;
    for (let lat = first(Math.max(-85, b.getSouth())); lat <= Math.min(85, b.getNorth()); lat += step) {
      const q = this.map.project([b.getWest(), lat]);
      if (q.y < 10 || q.y > h - 30) continue;
      out.push(`<span style="left:4px;top:${Math.round(q.y - 7)}px">${fmt(formatLat(lat))}</span>`);
    }
    for (let lon = first(b.getWest()); lon <= b.getEast(); lon += step) {
      const q = this.map.project([lon, b.getNorth()]);
      if (q.x < 40 || q.x > w - 60) continue;
      out.push(`<span style="left:${Math.round(q.x + 3)}px;top:2px">${fmt(formatLon(lon))}</span>`);
    }
    this.gratLabels.innerHTML = out.join('');
  }
}
