// The map: offline Natural Earth basemap, graticule, scale, and the air picture (tracks as
// MIL-STD-2525 symbols with velocity leaders and trails, sensors and their coverage, defended
// assets, launchers with their engagement zones, recommended intercept points).
// No glyphs are ever requested: every text is drawn on a 2D canvas overlay.

import * as maplibregl from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import countriesUrl from 'world-atlas/countries-50m.json?url';
import type { Feature, FeatureCollection, Geometry, LineString, Point } from 'geojson';
import { feature as topoFeature, mesh as topoMesh } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import { aheadPosition, circleRing, formatLat, formatLon, graticule, sectorPolygon, unwrapFeatures, unwrapGeometry } from './geo';
import { flightLevel, knots } from './format';
import { identityColor, launcherSidc, sensorSidc, trackSidc } from './sidc';
import type { Picture, TrackView } from './state';
import { renderSymbol } from './symbols';
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
  layers: Layers = { coverage: true, sectors: true, trails: true, leaders: true, labels: false, neutral: true };
  onSelect: (id: number | null) => void = () => {};
  /** number of track features handed to the map in the last update (for tests) */
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

    for (const id of ['coverage', 'sectors', 'assets', 'trails', 'leaders', 'eng-lines', 'intercepts', 'ground', 'selection', 'tracks']) {
      m.addSource(id, { type: 'geojson', data: EMPTY });
    }
    m.addLayer({ id: 'coverage', type: 'line', source: 'coverage', paint: { 'line-color': '#6f8fa8', 'line-width': 1, 'line-opacity': 0.45, 'line-dasharray': [4, 3] } });
    m.addLayer({ id: 'sectors-fill', type: 'fill', source: 'sectors', paint: { 'fill-color': '#80e0ff', 'fill-opacity': 0.04 } });
    m.addLayer({ id: 'sectors-line', type: 'line', source: 'sectors', paint: { 'line-color': '#80e0ff', 'line-width': 1, 'line-opacity': 0.5 } });
    m.addLayer({ id: 'assets-fill', type: 'fill', source: 'assets', filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'fill-color': '#ffd24a', 'fill-opacity': 0.18 } });
    m.addLayer({ id: 'assets-line', type: 'line', source: 'assets', filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'line-color': '#ffd24a', 'line-width': 1.5 } });
    m.addLayer({ id: 'assets-dot', type: 'circle', source: 'assets', filter: ['==', ['geometry-type'], 'Point'], paint: { 'circle-radius': 3, 'circle-color': '#ffd24a', 'circle-stroke-color': '#000', 'circle-stroke-width': 1 } });
    m.addLayer({ id: 'trails', type: 'line', source: 'trails', paint: { 'line-color': ['get', 'color'], 'line-width': 1.2, 'line-opacity': 0.55 } });
    m.addLayer({ id: 'leaders', type: 'line', source: 'leaders', paint: { 'line-color': ['get', 'color'], 'line-width': 1.5, 'line-opacity': 0.95 } });
    m.addLayer({
      id: 'eng-lines',
      type: 'line',
      source: 'eng-lines',
      paint: {
        'line-color': ['match', ['get', 'status'], 'recommended', '#ffb020', 'approved', '#7dff7d', 'engaged', '#ff5050', '#aaaaaa'],
        'line-width': ['case', ['get', 'focus'], 2.5, 1.3],
        'line-dasharray': [2, 2],
      },
    });
    m.addLayer({
      id: 'intercepts',
      type: 'circle',
      source: 'intercepts',
      paint: {
        'circle-radius': ['case', ['get', 'focus'], 7, 5],
        'circle-color': 'rgba(0,0,0,0)',
        'circle-stroke-width': 2,
        'circle-stroke-color': ['match', ['get', 'status'], 'recommended', '#ffb020', 'approved', '#7dff7d', 'engaged', '#ff5050', '#aaaaaa'],
      },
    });
    m.addLayer({ id: 'ground', type: 'symbol', source: 'ground', layout: { 'icon-image': ['get', 'icon'], 'icon-allow-overlap': true, 'icon-ignore-placement': true } });
    m.addLayer({ id: 'selection', type: 'circle', source: 'selection', paint: { 'circle-radius': 17, 'circle-color': 'rgba(255,255,255,0.08)', 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 2 } });
    m.addLayer({
      id: 'tracks',
      type: 'symbol',
      source: 'tracks',
      layout: {
        'icon-image': ['get', 'sidc'],
        'icon-allow-overlap': true,
        'icon-ignore-placement': true,
        'symbol-sort-key': ['get', 'z'],
      },
      paint: { 'icon-opacity': ['get', 'opacity'] },
    });
    this.ensureImage(launcherSidc());
    this.ensureImage(sensorSidc('radar3d'));
    this.ensureImage(sensorSidc('adsb'));
    this.ready = true;
    this.applyLayerVisibility();
    if (this.picture) this.update(this.picture, true);
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

  private ensureImage(sidc: string): void {
    if (this.images.has(sidc)) return;
    const pr = Math.max(1, Math.min(3, Math.ceil(window.devicePixelRatio || 1)));
    // ground equipment and neutral (civil) traffic smaller than the tracks that matter
    const size = sidc[2] === 'G' ? 14 : sidc[1] === 'N' ? 13 : SYMBOL_SIZE;
    const img = renderSymbol(sidc, size, pr);
    this.map.addImage(sidc, { width: img.width, height: img.height, data: img.data }, { pixelRatio: img.pixelRatio });
    this.images.add(sidc);
  }

  setLayers(l: Partial<Layers>): void {
    this.layers = { ...this.layers, ...l };
    this.applyLayerVisibility();
    if (this.picture) this.update(this.picture, false);
  }

  private applyLayerVisibility(): void {
    if (!this.ready) return;
    const vis = (on: boolean) => (on ? 'visible' : 'none');
    this.map.setLayoutProperty('coverage', 'visibility', vis(this.layers.coverage));
    this.map.setLayoutProperty('sectors-fill', 'visibility', vis(this.layers.sectors));
    this.map.setLayoutProperty('sectors-line', 'visibility', vis(this.layers.sectors));
    this.map.setLayoutProperty('trails', 'visibility', vis(this.layers.trails));
    this.map.setLayoutProperty('leaders', 'visibility', vis(this.layers.leaders));
    this.drawOverlay();
  }

  select(id: number | null, centre = false): void {
    this.selected = id;
    if (this.picture) this.updateSelection(this.picture);
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
    this.focusEngagement = engagementId;
    if (this.picture) this.updateEngagements(this.picture);
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

  /** Refresh the picture on the map. `all` also refreshes sensors, assets and launchers. */
  update(p: Picture, all = false): void {
    const changedPicture = this.picture !== p;
    this.picture = p;
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
    const key = JSON.stringify([p.sensors, p.assets, [...p.launchers.values()]]);
    if (all || changedPicture || key !== this.staticKey) {
      this.staticKey = key;
      this.updateStatic(p);
    }
    this.updateTracks(p);
    this.updateEngagements(p);
    this.updateSelection(p);
  }

  private setData(id: string, data: FeatureCollection): void {
    (this.map.getSource(id) as maplibregl.GeoJSONSource | undefined)?.setData(data);
  }

  private updateStatic(p: Picture): void {
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

  private updateTracks(p: Picture): void {
    const tracks: Feature<Point>[] = [];
    const leaders: Feature<LineString>[] = [];
    const trails: Feature<LineString>[] = [];
    for (const t of p.tracks.values()) {
      if (!this.isShown(t)) continue;
      const sidc = trackSidc(t.identity, t.class);
      this.ensureImage(sidc);
      const color = identityColor(t.identity);
      const hostile = t.identity === 'hostile' || t.identity === 'suspect';
      tracks.push({
        type: 'Feature',
        id: t.id,
        properties: {
          id: t.id,
          sidc,
          opacity: (t.status === 'coasting' ? 0.45 : t.status === 'tentative' ? 0.7 : 1) * (t.identity === 'neutral' ? 0.8 : 1),
          z: hostile ? 2 : t.identity === 'neutral' ? 0 : 1,
        },
        geometry: { type: 'Point', coordinates: [t.lon_deg, t.lat_deg] },
      });
      if (this.layers.leaders && t.vel_enu) {
        const [la, lo] = aheadPosition(t.lat_deg, t.lon_deg, t.vel_enu[0], t.vel_enu[1], LEADER_S);
        leaders.push({ type: 'Feature', properties: { color }, geometry: { type: 'LineString', coordinates: [[t.lon_deg, t.lat_deg], [lo, la]] } });
      }
      if (this.layers.trails && t.trail.length > 0) {
        const coords = t.trail.map((q) => [q[1], q[0]]);
        coords.push([t.lon_deg, t.lat_deg]);
        trails.push({ type: 'Feature', properties: { color }, geometry: { type: 'LineString', coordinates: coords } });
      }
    }
    this.trackFeatureCount = tracks.length;
    this.setData('tracks', fc(tracks));
    this.setData('leaders', fc(leaders));
    this.setData('trails', fc(trails));
  }

  private activeEngagements(p: Picture): Engagement[] {
    return [...p.engagements.values()].filter((e) => (e.status === 'recommended' || e.status === 'approved' || e.status === 'engaged') && e.intercept);
  }

  private updateEngagements(p: Picture): void {
    const lines: Feature[] = [];
    const points: Feature[] = [];
    for (const e of this.activeEngagements(p)) {
      const i = e.intercept!;
      const focus = e.id === this.focusEngagement;
      const l = p.launchers.get(e.launcher);
      if (l) lines.push({ type: 'Feature', properties: { status: e.status, focus }, geometry: { type: 'LineString', coordinates: [[l.lon_deg, l.lat_deg], [i.lon_deg, i.lat_deg]] } });
      points.push({ type: 'Feature', properties: { status: e.status, focus, id: e.id }, geometry: { type: 'Point', coordinates: [i.lon_deg, i.lat_deg] } });
    }
    this.setData('eng-lines', fc(lines));
    this.setData('intercepts', fc(points));
  }

  private updateSelection(p: Picture): void {
    const t = this.selected !== null ? p.tracks.get(this.selected) : undefined;
    this.setData('selection', fc(t ? [{ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [t.lon_deg, t.lat_deg] } }] : []));
  }

  private hitTrack(pt: maplibregl.Point): number | null {
    const r = 10;
    const feats = this.map.queryRenderedFeatures(
      [
        [pt.x - r, pt.y - r],
        [pt.x + r, pt.y + r],
      ],
      { layers: ['tracks'] },
    );
    let best: number | null = null;
    let bestD = Infinity;
    for (const f of feats) {
      const g = f.geometry as Point;
      const q = this.map.project(g.coordinates as [number, number]);
      const d = Math.hypot(q.x - pt.x, q.y - pt.y);
      if (d < bestD) {
        bestD = d;
        best = Number(f.properties?.id);
      }
    }
    return best;
  }

  private onClick(e: maplibregl.MapMouseEvent): void {
    if (!this.ready) return;
    const id = this.hitTrack(e.point);
    this.onSelect(id);
  }

  /** Number of track symbols MapLibre actually rendered in the viewport (for tests). */
  renderedTrackCount(): number {
    if (!this.ready) return 0;
    return this.map.queryRenderedFeatures({ layers: ['tracks'] }).length;
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
    const ctx = c.getContext('2d')!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const p = this.picture;
    if (!p || !this.ready) return;
    const zoom = this.map.getZoom();
    const inView = (x: number, y: number) => x > -50 && y > -20 && x < w + 50 && y < h + 20;

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
      const tgo = i.t_s - p.t_s;
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
