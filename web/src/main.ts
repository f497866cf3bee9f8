// Tessera operator page: wiring of login, stream, map, panels and replay.

import './style.css';
import { Api, ApiError, loadSession, saveSession, streamUrl, type Session } from './api';
import { escapeHtml, formatScenarioTime, formatUtc } from './format';
import { MapView } from './map';
import { RenderScheduler } from './scheduler';
import { applyDelta, fromSnapshot, putEngagement, type Changes, type Picture } from './state';
import { Stream, type ConnState } from './stream';
import type { Engagement, HistoryRange, Track } from './types';
import { EngagementPanel } from './ui/engagements';
import { DetailsPanel, renderLayerToggles, renderLegend, renderStatus } from './ui/panels';
import { TrackTable } from './ui/tracktable';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

const api = new Api();
let session: Session | null = null;
let live: Picture | null = null;
let shown: Picture | null = null;
let mode: 'live' | 'replay' = 'live';
let connState: ConnState | 'replay' = 'stopped';
let connDetail = '';
let selected: number | null = null;
/** wall-clock time (ms) at which `shown` last advanced, for the interpolated clock */
let shownAt = 0;
let range: HistoryRange | null = null;

const replay = { t: 0, playing: false, rate: 1, timer: null as ReturnType<typeof setTimeout> | null, seq: 0, playFrom: 0, playWall: 0 };

// ------------------------------------------------------------------ components
const mapView = new MapView($('map'));
const details = new DetailsPanel($('details'));
const table = new TrackTable($<HTMLTableRowElement>('track-head'), $<HTMLTableSectionElement>('track-body'), $('track-count'), {
  identity: $<HTMLSelectElement>('f-identity'),
  cls: $<HTMLSelectElement>('f-class'),
  status: $<HTMLSelectElement>('f-status'),
  text: $<HTMLInputElement>('f-text'),
  threats: $<HTMLInputElement>('f-threats'),
});
const panel = new EngagementPanel($('recs'), $('history'), $('panel-error'), $('rec-count'), $('hist-count'), $('hist-filter'), {
  approve: (id) => decided(api.approve(id)),
  reject: (id, reason) => decided(api.reject(id, reason)),
  selectTrack: (id) => select(id, true),
  focusEngagement: (id, fly) => mapView.focus(id, fly),
});
renderLegend($('legend'));
renderLayerToggles($('layer-toggles'), mapView.layers, (l) => mapView.setLayers(l));

/**
 * The answer to an approve/reject: the updated record, or on a 409 the server's current record
 * (in the error body), goes into the model at once rather than waiting for the stream.
 */
async function decided(req: Promise<Engagement>): Promise<Engagement> {
  try {
    return storeEngagement(await req);
  } catch (e) {
    if (e instanceof ApiError && e.engagement) storeEngagement(e.engagement);
    throw e;
  }
}

function storeEngagement(e: Engagement): Engagement {
  if (live && putEngagement(live, e) && shown === live) engagementsChanged(true);
  return e;
}

function select(id: number | null, centre = false): void {
  selected = id;
  mapView.select(id, centre);
  table.select(id, true);
  details.show(id);
  panel.setSelectedTrack(id);
  sched.mark('details', true);
}
mapView.onSelect = (id) => select(id, false);
table.onSelect = (id) => select(id, true);
details.onClose = () => select(null);

// ------------------------------------------------------------------ rendering
// Deltas are applied to the model as they arrive; each view is redrawn on its own budget,
// and only when something it shows changed (see scheduler.ts): the moving picture on the map
// at most 4 Hz (the overlay; MapLibre only draws on pan and zoom), tables and details at
// most 2 Hz, the
// engagement panel only when engagement records change. A user action (a decision, a
// selection) is shown in the next frame.
const sched = new RenderScheduler();
sched.add('map', () => mapView.intervalMs(), () => shown && mapView.updatePicture(shown));
sched.add('map-static', 1000, () => shown && mapView.updateStatic(shown));
sched.add('engagements', 0, () => shown && panel.update(shown));
sched.add('details', 500, () => shown && details.update(shown));
sched.add('table', 500, () => shown && table.update(shown));
sched.add('status', 500, () => shown && renderRunStatus(shown));

/** A new picture (snapshot, replay frame, back to live): every view redraws at once. */
function pictureReplaced(): void {
  if (shown) mapView.update(shown);
  sched.markAll(true);
}

function engagementsChanged(urgent = false): void {
  sched.mark('engagements', urgent);
  sched.mark('map', urgent);
  sched.mark('details', urgent);
}

/** Mark the views that show what a delta changed. */
function changed(c: Changes): void {
  if (c.tracks.size) {
    sched.mark('map');
    sched.mark('table');
    if (selected !== null && c.tracks.has(selected)) sched.mark('details');
  }
  if (c.engagements) engagementsChanged();
  if (c.launchers || c.sensors) {
    sched.mark('map-static');
    sched.mark('status');
    sched.mark('details');
  }
  if (c.status) sched.mark('status');
}

/** the stream's JS cost: deltas applied and the time spent applying them */
const perf = { deltas: 0, applyMs: 0 };

function renderRunStatus(p: Picture): void {
  renderStatus($('stats'), $('launchers'), p);
  $('scenario-name').textContent = p.scenario || '—';
  const sp = $('speed-state');
  sp.textContent = p.paused ? 'PAUSED' : `×${p.speed}`;
  sp.classList.toggle('paused', p.paused);
  ($<HTMLSelectElement>('admin-speed')).value = String(p.speed);
  $('admin-pause').textContent = p.paused ? 'Resume' : 'Pause';
}

function currentT(): number {
  const p = shown;
  if (!p) return 0;
  if (mode !== 'live' || p.paused || connState !== 'live') return p.t_s;
  const dt = Math.min(1.5, ((performance.now() - shownAt) / 1000) * (p.speed || 1));
  return p.t_s + Math.max(0, dt);
}

function renderClock(): void {
  const p = shown;
  if (!p) return;
  const t = currentT();
  $('scenario-time').textContent = formatScenarioTime(t);
  $('scenario-time').dataset.tS = String(p.t_s);
  $('utc-time').textContent = formatUtc(p.time_ns + (t - p.t_s) * 1e9);
  panel.tick(t);
}
setInterval(renderClock, 250);

function setConn(state: ConnState | 'replay', detail = ''): void {
  connState = state;
  connDetail = detail;
  const el = $('connection');
  el.dataset.state = state;
  const text: Record<string, string> = { live: 'LIVE', connecting: 'CONNECTING', reconnecting: 'RECONNECTING', stopped: 'OFFLINE', replay: 'REPLAY' };
  el.querySelector('b')!.textContent = text[state] ?? state;
  el.title = detail || text[state];
  const banner = $('map-banner');
  if (state === 'reconnecting' && mode === 'live') {
    banner.hidden = false;
    banner.className = 'map-banner warn';
    banner.textContent = `STREAM LOST — ${detail || 'reconnecting'}; picture frozen at ${shown ? formatScenarioTime(shown.t_s) : '—'}`;
  } else if (mode === 'replay') {
    banner.hidden = false;
    banner.className = 'map-banner';
  } else banner.hidden = true;
}

// ------------------------------------------------------------------ live stream
const stream = new Stream(() => streamUrl(session?.token ?? ''), {
  onSnapshot(s) {
    if (mode !== 'live') return;
    live = fromSnapshot(s);
    shown = live;
    shownAt = performance.now();
    pictureReplaced();
  },
  onDelta(d) {
    if (mode !== 'live' || !live) return true;
    const t0 = performance.now();
    const r = applyDelta(live, d);
    perf.deltas++;
    perf.applyMs += performance.now() - t0;
    if (r.kind === 'gap') {
      console.warn(`stream: version gap (expected ${r.expected}, got ${r.got}); resynchronising`);
      return false;
    }
    if (r.kind === 'applied') {
      shownAt = t0;
      changed(r.changes);
    }
    return true;
  },
  onState(state, detail) {
    if (mode === 'replay') return;
    setConn(state, detail);
  },
  onRepeatedFailure() {
    // the stream cannot tell a bad token from a dead server: ask /api/me (a 401 logs out)
    api.me().catch(() => {});
  },
}, () => (live?.paused ? Infinity : Math.max(15000, 5000 / Math.max(0.05, live?.speed ?? 1))));

// ------------------------------------------------------------------ replay
const slider = $<HTMLInputElement>('timeline-slider');

async function refreshRange(): Promise<void> {
  if (!session) return;
  try {
    range = await api.historyRange();
  } catch {
    return;
  }
  slider.min = String(range.start_t_s);
  slider.max = String(range.end_t_s);
  slider.step = String(range.step_s || 1);
  $('tl-start').textContent = formatScenarioTime(range.start_t_s);
  $('tl-end').textContent = formatScenarioTime(range.end_t_s);
  if (mode === 'live' && !sliding) slider.value = String(range.end_t_s);
}
setInterval(() => {
  if (mode === 'live') void refreshRange();
}, 5000);

let sliding = false;
slider.addEventListener('input', () => {
  sliding = true;
  $('replay-time').textContent = `→ ${formatScenarioTime(Number(slider.value))}`;
});
slider.addEventListener('change', () => {
  sliding = false;
  void enterReplay(Number(slider.value));
});

function renderTimeline(): void {
  const tl = $('timeline');
  tl.classList.toggle('live-mode', mode === 'live');
  $('live-button').classList.toggle('on', mode === 'live');
  $('replay-play').textContent = replay.playing ? '❚❚' : '▶';
  for (const b of tl.querySelectorAll<HTMLButtonElement>('[data-rate]')) b.classList.toggle('on', Number(b.dataset.rate) === replay.rate);
  if (mode === 'live') $('replay-time').textContent = 'LIVE';
  else {
    $('replay-time').textContent = `REPLAY ${formatScenarioTime(replay.t)}${replay.playing ? ` ▶${replay.rate}×` : ''}`;
    $('map-banner').textContent = `REPLAY — picture at ${formatScenarioTime(replay.t)} (${replay.playing ? `playing ${replay.rate}×` : 'frozen'}); decisions only in LIVE`;
  }
}

async function showAt(t: number): Promise<boolean> {
  const seq = ++replay.seq;
  try {
    const s = await api.pictureAt(t);
    if (seq !== replay.seq || mode !== 'replay') return false;
    shown = fromSnapshot(s);
    replay.t = s.t_s;
    shownAt = performance.now();
    slider.value = String(s.t_s);
    renderTimeline();
    pictureReplaced();
    return true;
  } catch (e) {
    if (seq !== replay.seq) return false;
    if (e instanceof ApiError && e.status === 404) {
      panel.showError(`replay: no picture at ${formatScenarioTime(t)} (outside the history)`);
      await refreshRange();
    } else panel.showError(`replay: ${(e as Error).message}`);
    return false;
  }
}

async function enterReplay(t: number): Promise<void> {
  if (mode === 'live') {
    mode = 'replay';
    stream.stop();
    setConn('replay');
    panel.replay = true;
    panel.refreshState();
  }
  stopPlaying();
  if (range) t = Math.max(range.start_t_s, Math.min(range.end_t_s, t));
  replay.t = t;
  renderTimeline();
  await showAt(t);
}

function stopPlaying(): void {
  replay.playing = false;
  if (replay.timer) clearTimeout(replay.timer);
  replay.timer = null;
  renderTimeline();
}

/**
 * Play forward at `replay.rate`: the target time follows the wall clock from where play
 * started, so a slow server or page skips frames instead of playing slower than asked.
 */
function playStep(): void {
  if (!replay.playing || mode !== 'replay') return;
  const step = range?.step_s || 1;
  const started = performance.now();
  const elapsed = (started - replay.playWall) / 1000;
  const target = replay.playFrom + Math.floor((replay.rate * elapsed) / step) * step;
  const next = Math.max(replay.t + step, target);
  const go = async () => {
    if (range && next > range.end_t_s) await refreshRange();
    if (range && next > range.end_t_s) {
      stopPlaying();
      $('replay-time').textContent = `END OF HISTORY ${formatScenarioTime(replay.t)} — press LIVE`;
      return;
    }
    await showAt(next);
    if (!replay.playing) return;
    // next frame when the target time moves on by one step (at least 4 frames a second max)
    const wait = Math.max(250, (1000 * step) / replay.rate) - (performance.now() - started);
    replay.timer = setTimeout(playStep, Math.max(0, wait));
  };
  void go();
}

function startPlaying(): void {
  replay.playing = true;
  replay.playFrom = replay.t;
  replay.playWall = performance.now();
  renderTimeline();
  playStep();
}

$('replay-play').addEventListener('click', async () => {
  if (replay.playing) return stopPlaying();
  if (mode === 'live') {
    // play from a minute ago
    await refreshRange();
    const t = range ? Math.max(range.start_t_s, range.end_t_s - 60) : 0;
    await enterReplay(t);
  }
  startPlaying();
});
for (const b of document.querySelectorAll<HTMLButtonElement>('[data-rate]')) {
  b.addEventListener('click', () => {
    replay.rate = Number(b.dataset.rate);
    if (replay.playing) {
      // restart the clock from the picture shown, at the new rate
      if (replay.timer) clearTimeout(replay.timer);
      startPlaying();
    } else renderTimeline();
  });
}

function goLive(): void {
  stopPlaying();
  replay.seq++;
  if (mode === 'live') return;
  mode = 'live';
  panel.replay = false;
  panel.refreshState();
  shown = live; // the last live picture until the new snapshot arrives
  renderTimeline();
  setConn('connecting');
  stream.start();
  void refreshRange();
  pictureReplaced();
}
$('live-button').addEventListener('click', goLive);

// ------------------------------------------------------------------ admin controls
$<HTMLSelectElement>('admin-speed').addEventListener('change', async (ev) => {
  const speed = Number((ev.target as HTMLSelectElement).value);
  try {
    const r = await api.control({ speed });
    if (live) Object.assign(live, r);
    sched.mark('status', true);
  } catch (e) {
    panel.showError(`control refused: ${(e as Error).message}`);
  }
});
$('admin-pause').addEventListener('click', async () => {
  try {
    const r = await api.control({ paused: !(live?.paused ?? false) });
    if (live) Object.assign(live, r);
    sched.mark('status', true);
  } catch (e) {
    panel.showError(`control refused: ${(e as Error).message}`);
  }
});

// ------------------------------------------------------------------ login / logout
const loginForm = document.querySelector('[data-testid="login-form"]') as HTMLFormElement;

function showLogin(message = ''): void {
  $('app').hidden = true;
  $('login').hidden = false;
  (document.querySelector('[data-testid="login-error"]') as HTMLElement).textContent = message;
  (loginForm.elements.namedItem('password') as HTMLInputElement).value = '';
  (loginForm.elements.namedItem('username') as HTMLInputElement).focus();
}

function startApp(s: Session): void {
  session = s;
  api.token = s.token;
  $('login').hidden = true;
  $('app').hidden = false;
  $('current-user').innerHTML = `<b>${escapeHtml(s.username)}</b><span class="role role-${escapeHtml(s.role)}" data-testid="current-role">${escapeHtml(s.role)}</span>`;
  $('admin-controls').hidden = s.role !== 'admin';
  panel.role = s.role;
  panel.replay = false;
  mode = 'live';
  panel.refreshState();
  renderTimeline();
  mapView.map.resize();
  stream.start();
  void refreshRange();
}

function stopApp(message: string): void {
  stream.stop();
  stopPlaying();
  session = null;
  api.token = null;
  live = shown = null;
  saveSession(null);
  showLogin(message);
}

api.onUnauthorized = () => {
  if (session) stopApp('Session expired or revoked — please sign in again.');
};

loginForm.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const username = (loginForm.elements.namedItem('username') as HTMLInputElement).value.trim();
  const password = (loginForm.elements.namedItem('password') as HTMLInputElement).value;
  const btn = loginForm.querySelector('button') as HTMLButtonElement;
  const errEl = document.querySelector('[data-testid="login-error"]') as HTMLElement;
  btn.disabled = true;
  errEl.textContent = '';
  try {
    const r = await api.login(username, password);
    const s: Session = { token: r.token, username: r.username, role: r.role };
    saveSession(s);
    startApp(s);
  } catch (e) {
    errEl.textContent = e instanceof ApiError && e.status === 401 ? 'Wrong user name or password.' : `Sign-in failed: ${(e as Error).message}`;
  } finally {
    btn.disabled = false;
  }
});

$('logout').addEventListener('click', async () => {
  try {
    await api.logout();
  } catch {
    /* the token is dropped either way */
  }
  stopApp('Logged out.');
});

// ------------------------------------------------------------------ test hooks (read-only)
function copyTrack(t: Track): Track {
  return JSON.parse(JSON.stringify(t));
}
Object.defineProperty(window, '__tessera', {
  value: Object.freeze({
    tracks: (): Track[] => (shown ? [...shown.tracks.values()].map(copyTrack) : []),
    version: (): number => shown?.version ?? 0,
    t_s: (): number => shown?.t_s ?? 0,
    mode: () => mode,
    connection: () => ({ state: connState, detail: connDetail }),
    role: () => session?.role ?? null,
    engagements: (): Engagement[] => (shown ? [...shown.engagements.values()].map((e) => JSON.parse(JSON.stringify(e))) : []),
    mapTrackCount: (): number => mapView.trackFeatureCount,
    renderedTrackCount: (): number => mapView.renderedTrackCount(),
    basemapLoaded: (): boolean => mapView.basemapLoaded,
    resyncs: (): number => stream.resyncs,
    selected: () => selected,
    /**
     * Cumulative JS cost counters (ms and counts since the page started; difference two
     * readings for rates): stream messages and their JSON parsing, deltas applied, each
     * render task's runs and time, map frames and setData calls, the measured map frame cost.
     */
    perf: () => {
      const st = sched.stats();
      const out: Record<string, number> = {
        messages: stream.stats.messages,
        parseMs: stream.stats.parseMs,
        deltas: perf.deltas,
        applyMs: perf.applyMs,
        mapFrames: mapView.frames,
        mapSetData: mapView.dataUpdates,
        overlayDraws: mapView.overlayDraws,
        overlayMs: mapView.overlayMs,
        renderMs: 0,
        renders: 0,
      };
      for (const [k, v] of Object.entries(st)) {
        out[`${k}.runs`] = v.runs;
        out[`${k}.ms`] = v.ms;
        out[`${k}.maxMs`] = v.maxMs;
        out.renderMs += v.ms;
        out.renders += v.runs;
      }
      return out;
    },
  }),
  writable: false,
});

// ------------------------------------------------------------------ start
async function boot(): Promise<void> {
  const s = loadSession();
  if (!s) return showLogin();
  api.token = s.token;
  try {
    const me = await api.me();
    startApp({ ...s, username: me.username, role: me.role });
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) stopApp('Session expired — please sign in again.');
    else startApp(s); // server unreachable: the stream keeps retrying
  }
}
void boot();
