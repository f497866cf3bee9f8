#!/usr/bin/env node
// Development mock of the Tessera live API (docs/api.md): serves the built page and a
// synthetic "Coastal Sector"-like picture around 10°N 30°W (civil neutral traffic, friendly
// patrols, raids of hostile cruise missiles, drones, ballistic missiles and rockets), with
// recommendations that appear, lapse, get approved, engaged, kill or miss.
//
// It exists to develop the page and to test e2e/live.mjs; the real server is Rust.
//
//   node dev/mock-server.mjs                      # port 8080, serves ../dist
//   MOCK_PORT=9000 MOCK_DIST=/some/dir node dev/mock-server.mjs
//
// Users: operator / observer / admin. Passwords from MOCK_<ROLE>_PASS, else
// TESSERA_<ROLE>_PASS (the e2e script's variables), else random ones printed once on stdout.
// Other knobs: MOCK_HOST (127.0.0.1), MOCK_SPEED (1), MOCK_SEED, MOCK_GAP_EVERY=N (skip a
// delta version every N ticks to exercise the page's resync), MOCK_CIVIL (190),
// MOCK_DELTAS_PER_TICK=N (1): publish like the real server, a delta per batch of sensor data:
// each tick's track updates are spread over N-1 track-only deltas (empty sensors) and a last
// "cycle" delta that also carries sensors, engagements and launchers.
// Mock-only endpoint: POST /api/_mock/drop-streams (admin) cuts every WebSocket.

import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';

const here = dirname(fileURLToPath(import.meta.url));
const PORT = Number(process.env.MOCK_PORT ?? 8080);
const HOST = process.env.MOCK_HOST ?? '127.0.0.1';
const DIST = resolve(process.env.MOCK_DIST ?? join(here, '..', 'dist'));
const GAP_EVERY = Number(process.env.MOCK_GAP_EVERY ?? 0);
const CIVIL_COUNT = Number(process.env.MOCK_CIVIL ?? 190);
const DELTAS_PER_TICK = Math.max(1, Math.round(Number(process.env.MOCK_DELTAS_PER_TICK ?? 1)));

// ------------------------------------------------------------------ deterministic random
let seed = Number(process.env.MOCK_SEED ?? 20240101) >>> 0;
function rnd() {
  // mulberry32
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const uniform = (a, b) => a + (b - a) * rnd();
const pick = (arr) => arr[Math.floor(rnd() * arr.length)];

// ------------------------------------------------------------------ users and tokens
const users = new Map();
const printed = [];
for (const role of ['operator', 'observer', 'admin']) {
  const R = role.toUpperCase();
  const username = process.env[`MOCK_${R}_USER`] ?? process.env[`TESSERA_${R}_USER`] ?? role;
  let password = process.env[`MOCK_${R}_PASS`] ?? process.env[`TESSERA_${R}_PASS`];
  if (!password) {
    password = randomBytes(9).toString('base64url');
    printed.push(`${username} (${role}): ${password}`);
  }
  users.set(username, { username, password, role });
}
const tokens = new Map(); // token -> { username, role, expires }
const ROLE_LEVEL = { observer: 1, operator: 2, admin: 3 };

// ------------------------------------------------------------------ frame
const ORIGIN = { lat_deg: 10.0, lon_deg: -30.0 };
const M_PER_DEG = 111320;
const COS0 = Math.cos((ORIGIN.lat_deg * Math.PI) / 180);
const toLat = (y) => ORIGIN.lat_deg + y / M_PER_DEG;
const toLon = (x) => ORIGIN.lon_deg + x / (M_PER_DEG * COS0);
const EPOCH_NS = 1704103200000000000; // 2024-01-01T10:00:00Z
const HALF = 250000;

const ASSETS = [
  { id: 1, name: 'Port', x: 0, y: 5000, radius_m: 1500, value: 10 },
  { id: 2, name: 'Airbase', x: -40000, y: 30000, radius_m: 2000, value: 8 },
  { id: 3, name: 'Power Station', x: 35000, y: 15000, radius_m: 800, value: 6 },
  { id: 4, name: 'Command Centre', x: 0, y: 45000, radius_m: 500, value: 9 },
  { id: 5, name: 'Fuel Depot', x: -20000, y: 8000, radius_m: 600, value: 5 },
  { id: 6, name: 'Town', x: 20000, y: 25000, radius_m: 3000, value: 7 },
];
const SENSORS = [
  { id: 1, name: 'Long-Range 3D', kind: 'radar3d', x: 0, y: 40000, z: 400, max_range_m: 450000, rotation_period_s: 10 },
  { id: 2, name: 'Coastal 3D', kind: 'radar3d', x: -30000, y: 2000, z: 60, max_range_m: 200000, rotation_period_s: 4 },
  { id: 3, name: 'Fire Control 3D', kind: 'radar3d', x: 10000, y: 10000, z: 30, max_range_m: 150000, rotation_period_s: 1 },
  { id: 4, name: 'Approach 2D', kind: 'radar2d', x: 20000, y: 25000, z: 40, max_range_m: 180000, rotation_period_s: 4 },
  { id: 5, name: 'Gap-Filler 2D', kind: 'radar2d', x: 30000, y: 0, z: 80, max_range_m: 60000, rotation_period_s: 2 },
  { id: 6, name: 'ADS-B Ground Station', kind: 'adsb', x: 0, y: 30000, z: 50, max_range_m: 400000, rotation_period_s: null },
  { id: 7, name: 'Early-Warning Cue', kind: 'early_warning', x: null, y: null, z: null, max_range_m: null, rotation_period_s: null },
];
const INTERCEPTORS = {
  'Upper-Tier BMD': { speed: 2500, boost: 6, max: 150000, min: 20000, pk: 0.7, classes: ['ballistic_missile'] },
  'Long-Range SAM': { speed: 1500, boost: 4, max: 120000, min: 3000, pk: 0.8, classes: ['fixed_wing', 'cruise_missile', 'ballistic_missile'] },
  'Short-Range SAM': { speed: 900, boost: 2, max: 15000, min: 500, pk: 0.7, classes: ['fixed_wing', 'cruise_missile', 'drone', 'rocket'] },
  'Point Defence': { speed: 1000, boost: 0.1, max: 4000, min: 0, pk: 0.4, classes: ['cruise_missile', 'drone', 'rocket'] },
};
const LAUNCHERS = [
  { id: 1, name: 'BMD-1', interceptor: 'Upper-Tier BMD', x: 0, y: 30000, inventory: 6, sector_center_deg: 180, sector_half_width_deg: 180 },
  { id: 2, name: 'LR-1', interceptor: 'Long-Range SAM', x: -20000, y: 20000, inventory: 8, sector_center_deg: 200, sector_half_width_deg: 90 },
  { id: 3, name: 'LR-2', interceptor: 'Long-Range SAM', x: 20000, y: 20000, inventory: 8, sector_center_deg: 160, sector_half_width_deg: 90 },
  { id: 4, name: 'SR-1', interceptor: 'Short-Range SAM', x: 0, y: 8000, inventory: 8, sector_center_deg: 180, sector_half_width_deg: 180 },
  { id: 5, name: 'SR-2', interceptor: 'Short-Range SAM', x: -35000, y: 27000, inventory: 8, sector_center_deg: 180, sector_half_width_deg: 120 },
  { id: 6, name: 'PD-1', interceptor: 'Point Defence', x: 0, y: 4000, inventory: 20, sector_center_deg: 180, sector_half_width_deg: 180 },
].map((l) => ({ ...l, inventory_start: l.inventory, in_flight: 0, ready: true, lastResupply: 0 }));

const sensorsJson = () =>
  SENSORS.map((s) => ({
    id: s.id,
    name: s.name,
    kind: s.kind,
    lat_deg: s.x === null ? null : toLat(s.y),
    lon_deg: s.x === null ? null : toLon(s.x),
    alt_m: s.z,
    max_range_m: s.max_range_m,
    rotation_period_s: s.rotation_period_s,
    plots_per_s: Math.round(s.plots * 10) / 10 || 0,
    status: s.kind === 'early_warning' ? (state.t % 60 < 50 ? 'ok' : 'silent') : 'ok',
  }));
const assetsJson = () =>
  ASSETS.map((a) => ({ id: a.id, name: a.name, lat_deg: toLat(a.y), lon_deg: toLon(a.x), radius_m: a.radius_m, value: a.value }));
const launcherJson = (l) => ({
  id: l.id,
  name: l.name,
  lat_deg: toLat(l.y),
  lon_deg: toLon(l.x),
  interceptor: l.interceptor,
  inventory: l.inventory,
  inventory_start: l.inventory_start,
  min_range_m: INTERCEPTORS[l.interceptor].min,
  max_range_m: INTERCEPTORS[l.interceptor].max,
  sector_center_deg: l.sector_center_deg,
  sector_half_width_deg: l.sector_half_width_deg,
  ready: l.ready && l.inventory > 0,
  in_flight: l.in_flight,
});

// ------------------------------------------------------------------ world state
const state = {
  t: 0,
  version: 1,
  speed: Number(process.env.MOCK_SPEED ?? 1),
  paused: false,
  nextTrackId: 1,
  nextEngId: 1,
  objects: new Map(), // id -> object (truth == track for the mock)
  engagements: new Map(),
  stats: { plots_in: 0, plots_per_s: 0, dropped: 0, decode_errors: 0, tracks_confirmed: 0, tracks_tentative: 0, cycle_ms_p99: 1.2, threats: 0, kills: 0, leakers: 0 },
  history: [], // [{ t_s, time_ns, version, tracks: [...], engagements: [...], launchers, stats }]
};
const HISTORY_MAX = 900;

function newObject(o) {
  const id = state.nextTrackId++;
  const obj = {
    id,
    born: state.t,
    updates: 0,
    trail: [],
    trailT: -1e9,
    callsign: null,
    mode3a: null,
    icao: null,
    vz: 0,
    coastUntil: -1,
    ...o,
  };
  state.objects.set(id, obj);
  return obj;
}

function spawnCivil(onEdge) {
  const heading = uniform(0, 360);
  let x;
  let y;
  if (onEdge) {
    // enter from the edge, heading roughly inwards
    const side = Math.floor(rnd() * 4);
    const along = uniform(-HALF, HALF);
    [x, y] = [[along, HALF], [HALF, along], [along, -HALF], [-HALF, along]][side];
  } else {
    x = uniform(-HALF, HALF);
    y = uniform(-HALF, HALF);
  }
  let hdg = heading;
  if (onEdge) hdg = (Math.atan2(-x, -y) * 180) / Math.PI + uniform(-50, 50);
  const heli = rnd() < 0.04;
  const speed = heli ? uniform(50, 70) : uniform(160, 250);
  const rad = (hdg * Math.PI) / 180;
  const n = state.nextTrackId;
  newObject({
    kind: 'civil',
    identity: rnd() < 0.03 ? 'unknown' : 'neutral',
    class: heli ? 'helicopter' : 'fixed_wing',
    x,
    y,
    z: heli ? uniform(300, 900) : uniform(3000, 12000),
    vx: speed * Math.sin(rad),
    vy: speed * Math.cos(rad),
    callsign: rnd() < 0.9 ? `${pick(['TSA', 'KLX', 'AZR', 'OCN', 'MRN', 'ATL'])}${100 + ((n * 37) % 900)}` : null,
    mode3a: rnd() < 0.97 ? String(1000 + ((n * 523) % 6777)).padStart(4, '0').replace(/[89]/g, '7') : null,
    icao: rnd() < 0.9 ? ((0x400000 + n * 7919) & 0xffffff).toString(16).toUpperCase().padStart(6, '0') : null,
  });
}

const PATROLS = [
  { callsign: 'PTL01', mode3a: '4101', a: [-60000, -40000], b: [-20000, -40000], z: 8000, speed: 200, identity: 'friend' },
  { callsign: 'PTL02', mode3a: '4102', a: [20000, -50000], b: [60000, -50000], z: 9000, speed: 210, identity: 'friend' },
  { callsign: 'PTL03', mode3a: '4103', a: [-10000, -90000], b: [30000, -90000], z: 7000, speed: 190, identity: 'assumed_friend' },
  { callsign: 'TNK01', mode3a: '4104', a: [-80000, 60000], b: [-20000, 80000], z: 9500, speed: 160, identity: 'friend' },
  { callsign: 'HELO1', mode3a: '4105', a: [-5000, 2000], b: [15000, -8000], z: 300, speed: 60, identity: 'friend', cls: 'helicopter' },
];
function spawnPatrols() {
  for (const p of PATROLS) {
    newObject({ kind: 'patrol', identity: p.identity, class: p.cls ?? 'fixed_wing', x: p.a[0], y: p.a[1], z: p.z, vx: 0, vy: 0, wp: [p.a, p.b], leg: 1, cruise: p.speed, callsign: p.callsign, mode3a: p.mode3a });
  }
}

// Threat raids: cruise missiles and strike aircraft from the south, drones (slow), ballistic
// missiles (fast, lofted) and rockets (short range).
function spawnThreat(cls) {
  const target = cls === 'rocket' ? ASSETS[0] : pick(ASSETS);
  let x;
  let y;
  let z;
  let speed;
  switch (cls) {
    case 'cruise_missile':
      x = uniform(-150000, 150000);
      y = uniform(-190000, -140000);
      z = 60;
      speed = uniform(230, 260);
      break;
    case 'drone':
      x = uniform(-70000, 70000);
      y = uniform(-70000, -45000);
      z = uniform(400, 900);
      speed = uniform(40, 55);
      break;
    case 'ballistic_missile':
      x = uniform(-40000, 60000);
      y = uniform(-300000, -270000);
      z = 20000;
      speed = 1800;
      break;
    case 'rocket':
      x = 15000 + uniform(-1500, 1500);
      y = -40000 + uniform(-1500, 1500);
      z = 500;
      speed = 700;
      break;
    default: // strike aircraft
      x = uniform(-120000, -60000);
      y = uniform(-220000, -180000);
      z = 300;
      speed = 240;
  }
  const dx = target.x - x;
  const dy = target.y - y;
  const d = Math.hypot(dx, dy);
  newObject({
    kind: 'threat',
    identity: 'unknown',
    class: cls === 'strike' ? 'fixed_wing' : cls,
    trueClass: cls,
    x,
    y,
    z,
    z0: z,
    range0: d,
    vx: (speed * dx) / d,
    vy: (speed * dy) / d,
    target,
    value: { cruise_missile: 6, drone: 2, ballistic_missile: 9, rocket: 3, strike: 7 }[cls],
  });
}

function spawnRaid() {
  const kinds = ['cruise_missile', 'cruise_missile', 'drone', 'cruise_missile', 'strike'];
  if (state.t % 120 < 30) kinds.push('ballistic_missile');
  if (state.t % 90 < 30) kinds.push('rocket', 'rocket');
  for (const k of kinds) if (rnd() < 0.75) spawnThreat(k);
}

function init() {
  for (let i = 0; i < CIVIL_COUNT; i++) spawnCivil(false);
  spawnPatrols();
  // a first raid already on its way, so recommendations appear within seconds
  for (let i = 0; i < 4; i++) {
    spawnThreat('cruise_missile');
    const o = [...state.objects.values()].pop();
    // bring it closer: 60-110 km out
    const f = uniform(60000, 110000) / o.range0;
    o.x = o.target.x - (o.target.x - o.x) * f;
    o.y = o.target.y - (o.target.y - o.y) * f;
    o.identity = 'hostile';
    o.born = -20;
  }
  spawnThreat('drone');
  spawnThreat('ballistic_missile');
}

// ------------------------------------------------------------------ per-second tick
function removeObject(o, why) {
  state.objects.delete(o.id);
  removedThisTick.push(o.id);
  for (const e of state.engagements.values()) {
    if (e.track === o.id && (e.status === 'recommended' || e.status === 'approved')) {
      setEngStatus(e, 'lapsed', `track ended (${why})`);
    }
  }
}

let removedThisTick = [];
let changedEngagements = new Set();
let changedLaunchers = new Set();

function setEngStatus(e, status, comment) {
  e.status = status;
  e.updated_t_s = state.t;
  if (comment !== undefined) e.comment = comment;
  changedEngagements.add(e.id);
}

function move(o, dt) {
  if (o.kind === 'patrol') {
    const [tx, ty] = o.wp[o.leg];
    const dx = tx - o.x;
    const dy = ty - o.y;
    const d = Math.hypot(dx, dy);
    if (d < o.cruise * dt * 2) o.leg = 1 - o.leg;
    const want = Math.atan2(dx, dy);
    const cur = Math.atan2(o.vx, o.vy);
    let turn = want - cur;
    while (turn > Math.PI) turn -= 2 * Math.PI;
    while (turn < -Math.PI) turn += 2 * Math.PI;
    const maxTurn = (3 * Math.PI) / 180;
    const h = cur + Math.max(-maxTurn, Math.min(maxTurn, turn));
    o.vx = o.cruise * Math.sin(h);
    o.vy = o.cruise * Math.cos(h);
  }
  if (o.kind === 'threat' && o.trueClass === 'drone') {
    // a little weave
    const h = Math.atan2(o.target.x - o.x, o.target.y - o.y) + 0.3 * Math.sin((state.t + o.id * 13) / 15);
    const s = Math.hypot(o.vx, o.vy);
    o.vx = s * Math.sin(h);
    o.vy = s * Math.cos(h);
  }
  o.x += o.vx * dt;
  o.y += o.vy * dt;
  if (o.kind === 'threat' && (o.trueClass === 'ballistic_missile' || o.trueClass === 'rocket')) {
    // lofted profile: altitude a parabola over the ground range
    const d = Math.hypot(o.target.x - o.x, o.target.y - o.y);
    const f = Math.max(0, Math.min(1, d / o.range0));
    const apex = o.trueClass === 'rocket' ? 9000 : 120000;
    const zNew = Math.max(50, 4 * apex * f * (1 - f) + o.z0 * f);
    o.vz = (zNew - o.z) / dt;
    o.z = zNew;
  } else if (o.kind === 'threat' && o.trueClass === 'cruise_missile') {
    const d = Math.hypot(o.target.x - o.x, o.target.y - o.y);
    const zNew = d < 30000 ? 8 : 60;
    o.vz = (zNew - o.z) / dt;
    o.z = zNew;
  }
}

function threatOf(o) {
  if (o.kind !== 'threat' || (o.identity !== 'hostile' && o.identity !== 'suspect')) return null;
  const d = Math.hypot(o.target.x - o.x, o.target.y - o.y);
  const s = Math.hypot(o.vx, o.vy);
  return { rank: 0, value: o.value * (1 + 100000 / (d + 10000)), time_to_go_s: Math.round((d / s) * 10) / 10, asset: o.target.name };
}

function trackJson(o, withTrail = true) {
  const speed = Math.hypot(o.vx, o.vy, o.vz);
  let course = (Math.atan2(o.vx, o.vy) * 180) / Math.PI;
  if (course < 0) course += 360;
  const sensors = SENSORS.filter((s) => s.x !== null && Math.hypot(s.x - o.x, s.y - o.y) <= s.max_range_m && (s.kind !== 'adsb' || o.icao)).map((s) => s.id);
  if (o.trueClass === 'ballistic_missile') sensors.push(7);
  const status = o.updates < 4 ? 'tentative' : state.t < o.coastUntil ? 'coasting' : 'confirmed';
  const j = {
    id: o.id,
    status,
    identity: o.identity,
    class: o.class,
    lat_deg: Math.round(toLat(o.y) * 1e6) / 1e6,
    lon_deg: Math.round(toLon(o.x) * 1e6) / 1e6,
    alt_m: Math.round(o.z * 10) / 10,
    vel_enu: [Math.round(o.vx * 10) / 10, Math.round(o.vy * 10) / 10, Math.round(o.vz * 10) / 10],
    speed_mps: Math.round(speed * 10) / 10,
    course_deg: Math.round(course * 10) / 10,
    climb_mps: Math.round(o.vz * 10) / 10,
    sigma_pos_m: o.kind === 'threat' && o.trueClass === 'ballistic_missile' ? 400 : 60,
    updates: o.updates,
    sensors,
    time_ns: EPOCH_NS + state.t * 1e9,
    callsign: o.callsign,
    mode3a: o.mode3a,
    icao: o.icao,
    threat: o.threat ?? null,
  };
  if (withTrail) j.trail = o.trail.map((p) => [...p]);
  return j;
}

/** Intercept of threat o by launcher l at time now: { point, tIntercept } or null. */
function intercept(o, l) {
  const I = INTERCEPTORS[l.interceptor];
  if (!I.classes.includes(o.class === 'fixed_wing' ? 'fixed_wing' : o.class)) return null;
  if (l.inventory <= 0) return null;
  let tau = 10;
  for (let k = 0; k < 8; k++) {
    const px = o.x + o.vx * tau;
    const py = o.y + o.vy * tau;
    const d = Math.hypot(px - l.x, py - l.y);
    tau = I.boost + d / I.speed;
  }
  const px = o.x + o.vx * tau;
  const py = o.y + o.vy * tau;
  const d = Math.hypot(px - l.x, py - l.y);
  if (d > I.max || d < I.min) return null;
  let brg = (Math.atan2(px - l.x, py - l.y) * 180) / Math.PI;
  let off = brg - l.sector_center_deg;
  while (off > 180) off -= 360;
  while (off < -180) off += 360;
  if (Math.abs(off) > l.sector_half_width_deg) return null;
  // do not intercept past the target
  const ttg = Math.hypot(o.target.x - o.x, o.target.y - o.y) / Math.hypot(o.vx, o.vy);
  if (tau > ttg) return null;
  return { px, py, pz: o.z, tau, d, I, ttg };
}

function recommend() {
  const active = new Set();
  for (const e of state.engagements.values()) {
    if (['recommended', 'approved', 'engaged'].includes(e.status)) active.add(e.track);
    if (e.status === 'rejected' && state.t - e.updated_t_s < 30) active.add(e.track);
  }
  const threats = [...state.objects.values()].filter((o) => o.threat && !active.has(o.id));
  threats.sort((a, b) => a.threat.rank - b.threat.rank);
  let made = 0;
  for (const o of threats) {
    if (made >= 3) break;
    let best = null;
    for (const l of LAUNCHERS) {
      const ic = intercept(o, l);
      if (!ic) continue;
      const score = ic.I.pk - ic.tau / 1000;
      if (!best || score > best.score) best = { l, ic, score };
    }
    if (!best) continue;
    const { l, ic } = best;
    const rounds = o.class === 'ballistic_missile' || ic.I.pk < 0.6 ? 2 : 1;
    const pk = 1 - (1 - ic.I.pk) ** rounds;
    const window = Math.max(12, Math.min(75, ic.ttg - ic.tau - 5));
    const id = state.nextEngId++;
    const e = {
      id,
      track: o.id,
      launcher: l.id,
      launcher_name: l.name,
      interceptor: l.interceptor,
      rounds,
      status: 'recommended',
      created_t_s: state.t,
      updated_t_s: state.t,
      earliest_launch_t_s: state.t,
      latest_launch_t_s: Math.round(state.t + window),
      intercept: { lat_deg: toLat(ic.py), lon_deg: toLon(ic.px), alt_m: ic.pz, t_s: Math.round((state.t + ic.tau) * 10) / 10 },
      pk: Math.round(pk * 100) / 100,
      expected_leakage: Math.round(o.value * (1 - pk) * 100) / 100,
      threat_value: Math.round(o.threat.value * 10) / 10,
      reasons: [
        `track ${o.id} (${o.class.replace('_', ' ')}, ${o.identity}) threatens ${o.target.name} in ${Math.round(ic.ttg)} s`,
        `${l.name} reaches the intercept point ${(ic.d / 1000).toFixed(1)} km out in ${ic.tau.toFixed(1)} s after launch`,
        `${rounds} × ${l.interceptor}, single-shot pk ${ic.I.pk}, salvo pk ${pk.toFixed(2)}`,
        `${l.name} holds ${l.inventory} of ${l.inventory_start}; reserve kept for higher-value threats`,
        `launch window closes in ${Math.round(window)} s`,
      ],
      decided_by: null,
      decided_t_s: null,
      comment: null,
      outcome: null,
      tIntercept: state.t + ic.tau,
    };
    state.engagements.set(id, e);
    changedEngagements.add(id);
    made++;
  }
}

function tick() {
  const dt = 1;
  state.t += dt;
  removedThisTick = [];
  changedEngagements = new Set();
  changedLaunchers = new Set();

  if (state.t % 45 === 3) spawnRaid();

  for (const o of [...state.objects.values()]) {
    move(o, dt);
    o.updates += 1;
    if (state.t - o.trailT >= 3) {
      o.trail.push([Math.round(toLat(o.y) * 1e6) / 1e6, Math.round(toLon(o.x) * 1e6) / 1e6, Math.round(o.z)]);
      if (o.trail.length > 30) o.trail.shift();
      o.trailT = state.t;
    }
    if (o.kind === 'civil' && rnd() < 0.002) o.coastUntil = state.t + 4;
    if (o.kind === 'civil' && (Math.abs(o.x) > HALF + 5000 || Math.abs(o.y) > HALF + 5000)) {
      removeObject(o, 'left coverage');
      spawnCivil(true);
      continue;
    }
    if (o.kind === 'threat') {
      const age = state.t - o.born;
      if (o.identity === 'unknown' && age > 6) o.identity = 'suspect';
      if (o.identity === 'suspect' && age > 14) o.identity = 'hostile';
      const d = Math.hypot(o.target.x - o.x, o.target.y - o.y);
      if (d <= Math.max(o.target.radius_m, Math.hypot(o.vx, o.vy) * dt)) {
        state.stats.leakers += 1;
        removeObject(o, `impact at ${o.target.name}`);
      }
    }
  }

  // threat evaluation
  const threats = [...state.objects.values()].filter((o) => o.kind === 'threat');
  for (const o of threats) o.threat = threatOf(o);
  const ranked = threats.filter((o) => o.threat).sort((a, b) => b.threat.value / (b.threat.time_to_go_s + 30) - a.threat.value / (a.threat.time_to_go_s + 30));
  ranked.forEach((o, i) => {
    o.threat.rank = i + 1;
    o.threat.value = Math.round(o.threat.value * 10) / 10;
  });

  // engagement life cycle
  for (const e of state.engagements.values()) {
    const l = LAUNCHERS.find((x) => x.id === e.launcher);
    const o = state.objects.get(e.track);
    if (e.status === 'recommended' && state.t > e.latest_launch_t_s) setEngStatus(e, 'lapsed', 'launch window closed');
    else if (e.status === 'approved') {
      if (state.t > e.latest_launch_t_s) setEngStatus(e, 'lapsed', 'launch window closed before launch');
      else if (state.t >= e.earliest_launch_t_s && l.inventory >= e.rounds) {
        l.inventory -= e.rounds;
        l.in_flight += e.rounds;
        changedLaunchers.add(l.id);
        // intercept time measured from launch
        e.tIntercept = state.t + (e.intercept.t_s - e.created_t_s);
        e.intercept = { ...e.intercept, t_s: Math.round(e.tIntercept * 10) / 10 };
        setEngStatus(e, 'engaged');
      }
    } else if (e.status === 'engaged' && state.t >= e.tIntercept) {
      l.in_flight = Math.max(0, l.in_flight - e.rounds);
      changedLaunchers.add(l.id);
      const kill = o && rnd() < e.pk;
      e.outcome = kill ? 'kill' : 'miss';
      setEngStatus(e, kill ? 'kill' : 'miss');
      if (kill) {
        state.stats.kills += 1;
        removeObject(o, `killed by ${e.launcher_name}`);
      }
    }
  }
  // slow resupply keeps a long-running mock interesting
  for (const l of LAUNCHERS) {
    if (l.inventory < l.inventory_start && state.t - l.lastResupply >= 45) {
      l.inventory += 1;
      l.lastResupply = state.t;
      changedLaunchers.add(l.id);
    }
  }
  recommend();

  // stats
  const objs = [...state.objects.values()];
  let plots = 0;
  for (const s of SENSORS) {
    s.plots = 0;
    if (s.x === null) continue;
    const inRange = objs.filter((o) => Math.hypot(s.x - o.x, s.y - o.y) <= s.max_range_m).length;
    s.plots = s.rotation_period_s ? inRange / s.rotation_period_s + uniform(0, 4) : inRange * 0.98;
    plots += s.plots;
  }
  state.stats.plots_per_s = Math.round(plots * 10) / 10;
  state.stats.plots_in += Math.round(plots);
  state.stats.tracks_tentative = objs.filter((o) => o.updates < 4).length;
  state.stats.tracks_confirmed = objs.length - state.stats.tracks_tentative;
  state.stats.threats = ranked.length;
  state.stats.cycle_ms_p99 = Math.round(uniform(1.5, 4) * 10) / 10;

  state.version += 1;
  const tracks = objs.map((o) => trackJson(o, false));
  // history entry: tracks without trails (trails are rebuilt from older entries on demand)
  state.history.push({
    t_s: state.t,
    time_ns: EPOCH_NS + state.t * 1e9,
    version: state.version,
    tracks,
    engagements: [...state.engagements.values()].map(engJson),
    launchers: LAUNCHERS.map(launcherJson),
    stats: { ...state.stats },
  });
  if (state.history.length > HISTORY_MAX) state.history.shift();

  const skip = GAP_EVERY > 0 && state.t % GAP_EVERY === 0;
  if (skip) state.version += 1; // a version nobody receives: clients must resync
  const cycle = {
    type: 'delta',
    version: state.version,
    t_s: state.t,
    time_ns: EPOCH_NS + state.t * 1e9,
    tracks: { upsert: tracks, remove: removedThisTick },
    engagements: [...changedEngagements].map((id) => engJson(state.engagements.get(id))),
    launchers: [...changedLaunchers].map((id) => launcherJson(LAUNCHERS.find((l) => l.id === id))),
    sensors: sensorsJson(),
    stats: { ...state.stats },
    speed: state.speed,
    paused: state.paused,
  };
  if (DELTAS_PER_TICK === 1) return broadcast(cycle);
  // like the real server: the track updates of a tick in many small deltas over the tick,
  // the engagements, launchers and sensors with the last one
  const n = DELTAS_PER_TICK;
  const per = Math.ceil(tracks.length / n);
  const gapMs = Math.max(15, 1000 / state.speed) / n;
  const tick0 = state.t;
  state.version -= 1; // each part takes the next version when it is sent
  for (let k = 0; k < n; k++) {
    const part = tracks.slice(k * per, (k + 1) * per);
    setTimeout(() => {
      if (state.t !== tick0 && k < n - 1) return; // the next tick started (speed changed): skip
      state.version += 1;
      broadcast(
        k < n - 1
          ? { ...cycle, version: state.version, tracks: { upsert: part, remove: [] }, engagements: [], launchers: [], sensors: [] }
          : { ...cycle, version: state.version, tracks: { upsert: part, remove: cycle.tracks.remove } },
      );
    }, k * gapMs);
  }
}

function engJson(e) {
  const { tIntercept: _t, ...rest } = e;
  return { ...rest, reasons: [...rest.reasons], intercept: rest.intercept ? { ...rest.intercept } : null };
}

function snapshot() {
  return {
    type: 'snapshot',
    version: state.version,
    t_s: state.t,
    time_ns: EPOCH_NS + state.t * 1e9,
    origin: ORIGIN,
    scenario: 'Coastal Sector (mock)',
    speed: state.speed,
    paused: state.paused,
    tracks: [...state.objects.values()].map((o) => trackJson(o, true)),
    sensors: sensorsJson(),
    assets: assetsJson(),
    launchers: LAUNCHERS.map(launcherJson),
    engagements: [...state.engagements.values()].map(engJson).sort((a, b) => b.id - a.id),
    stats: { ...state.stats },
  };
}

function snapshotAt(t) {
  const i = state.history.findIndex((h) => h.t_s === t);
  if (i < 0) return null;
  const h = state.history[i];
  // trails: every third second back, at most 30 points, oldest first
  const trails = new Map();
  for (let k = i - 1, n = 0; k >= 0 && n < 90; k--, n++) {
    if ((i - k) % 3 !== 0) continue;
    for (const tr of state.history[k].tracks) {
      if (!trails.has(tr.id)) trails.set(tr.id, []);
      trails.get(tr.id).push([tr.lat_deg, tr.lon_deg, tr.alt_m]);
    }
  }
  return {
    type: 'snapshot',
    version: h.version,
    t_s: h.t_s,
    time_ns: h.time_ns,
    origin: ORIGIN,
    scenario: 'Coastal Sector (mock)',
    speed: state.speed,
    paused: state.paused,
    tracks: h.tracks.map((tr) => ({ ...tr, trail: (trails.get(tr.id) ?? []).reverse() })),
    sensors: sensorsJson(),
    assets: assetsJson(),
    launchers: h.launchers,
    engagements: h.engagements.filter((e) => e.created_t_s <= h.t_s).sort((a, b) => b.id - a.id),
    stats: h.stats,
  };
}

// ------------------------------------------------------------------ clock
let timer = null;
function schedule() {
  if (timer) clearInterval(timer);
  timer = null;
  if (state.paused) return;
  timer = setInterval(tick, Math.max(15, 1000 / state.speed));
}

// ------------------------------------------------------------------ WebSocket stream
const clients = new Set();
function broadcast(msg) {
  const text = JSON.stringify(msg);
  for (const ws of clients) {
    if (ws.readyState !== 1) continue;
    if (ws.bufferedAmount > 4 * 1024 * 1024) {
      ws.behind = true; // too far behind: resync with a snapshot once drained
      continue;
    }
    if (ws.behind) {
      ws.behind = false;
      ws.send(JSON.stringify(snapshot()));
      continue;
    }
    ws.send(text);
  }
}
const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });

// ------------------------------------------------------------------ HTTP
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.png': 'image/png', '.svg': 'image/svg+xml', '.ico': 'image/x-icon', '.woff2': 'font/woff2', '.map': 'application/json' };

function send(res, status, body, headers = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(text);
}
const err = (res, status, msg) => send(res, status, { error: msg });

function auth(req, res, minRole) {
  const h = req.headers.authorization ?? '';
  const m = /^Bearer (.+)$/.exec(h);
  const tok = m ? tokens.get(m[1]) : null;
  if (!tok || tok.expires < Date.now()) {
    err(res, 401, 'missing or invalid token');
    return null;
  }
  if (ROLE_LEVEL[tok.role] < ROLE_LEVEL[minRole]) {
    err(res, 403, `role ${tok.role} cannot do this (needs ${minRole})`);
    return null;
  }
  return { ...tok, token: m[1] };
}

function readBody(req) {
  return new Promise((resolveBody, reject) => {
    let size = 0;
    const chunks = [];
    req.on('data', (c) => {
      size += c.length;
      if (size > 64 * 1024) {
        reject(Object.assign(new Error('request body over 64 KiB'), { status: 413 }));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (!text.trim()) return resolveBody({});
      try {
        resolveBody(JSON.parse(text));
      } catch {
        reject(Object.assign(new Error('body is not JSON'), { status: 400 }));
      }
    });
    req.on('error', reject);
  });
}

function serveStatic(req, res, pathname) {
  let rel = decodeURIComponent(pathname);
  if (rel.endsWith('/')) rel += 'index.html';
  const file = normalize(join(DIST, rel));
  if (!file.startsWith(DIST + sep) && file !== DIST) return err(res, 404, 'not found');
  let target = file;
  if (!existsSync(target) || !statSync(target).isFile()) {
    if (extname(rel)) return err(res, 404, 'not found');
    target = join(DIST, 'index.html');
    if (!existsSync(target)) return send(res, 404, `no page built: run "npm run build" (looked in ${DIST})`);
  }
  res.writeHead(200, { 'content-type': TYPES[extname(target)] ?? 'application/octet-stream' });
  createReadStream(target).pipe(res);
}

const started = Date.now();
const filterTracks = (q) =>
  [...state.objects.values()]
    .map((o) => trackJson(o, false))
    .filter((t) => (!q.get('identity') || t.identity === q.get('identity')) && (!q.get('class') || t.class === q.get('class')) && (!q.get('status') || t.status === q.get('status')));

async function handle(req, res) {
  const url = new URL(req.url, 'http://x');
  const p = url.pathname;
  const method = req.method;
  if (p === '/health') return send(res, 200, { status: 'ok', version: 'mock', uptime_s: Math.round((Date.now() - started) / 1000), t_s: state.t, tracks: state.objects.size, journal: 'ok' });
  if (p === '/metrics') return send(res, 200, `# mock\ntessera_tracks ${state.objects.size}\ntessera_plots_in_total ${state.stats.plots_in}\n`);
  if (!p.startsWith('/api/')) return serveStatic(req, res, p);

  if (p === '/api/login' && method === 'POST') {
    const b = await readBody(req);
    const u = users.get(String(b.username ?? ''));
    if (!u || u.password !== b.password) return err(res, 401, 'wrong user name or password');
    const token = randomBytes(24).toString('base64url');
    tokens.set(token, { username: u.username, role: u.role, expires: Date.now() + 43200e3 });
    return send(res, 200, { token, username: u.username, role: u.role, expires_in_s: 43200 });
  }
  const isPost = method === 'POST';
  const need = isPost && p !== '/api/logout' ? (p === '/api/control' || p === '/api/users' || p.startsWith('/api/_mock/') ? 'admin' : 'operator') : p === '/api/users' ? 'admin' : 'observer';
  const who = auth(req, res, need);
  if (!who) return;

  if (p === '/api/me') return send(res, 200, { username: who.username, role: who.role });
  if (p === '/api/logout' && isPost) {
    tokens.delete(who.token);
    return send(res, 200, {});
  }
  if (p === '/api/picture') return send(res, 200, snapshot());
  if (p === '/api/picture/at') {
    const t = Math.round(Number(url.searchParams.get('t_s')));
    const s = Number.isFinite(t) ? snapshotAt(t) : null;
    return s ? send(res, 200, s) : err(res, 404, `no picture at t_s=${url.searchParams.get('t_s')}`);
  }
  if (p === '/api/history/range') {
    const h = state.history;
    return send(res, 200, { start_t_s: h.length ? h[0].t_s : state.t, end_t_s: h.length ? h[h.length - 1].t_s : state.t, step_s: 1 });
  }
  if (p === '/api/tracks') return send(res, 200, filterTracks(url.searchParams));
  let m = /^\/api\/tracks\/(\d+)$/.exec(p);
  if (m) {
    const o = state.objects.get(Number(m[1]));
    return o ? send(res, 200, trackJson(o, true)) : err(res, 404, `no track ${m[1]}`);
  }
  if (p === '/api/sensors') return send(res, 200, sensorsJson());
  if (p === '/api/assets') return send(res, 200, assetsJson());
  if (p === '/api/launchers') return send(res, 200, LAUNCHERS.map(launcherJson));
  if (p === '/api/recommendations') return send(res, 200, [...state.engagements.values()].filter((e) => e.status === 'recommended').map(engJson));
  if (p === '/api/engagements' && !isPost) return send(res, 200, [...state.engagements.values()].map(engJson).sort((a, b) => b.updated_t_s - a.updated_t_s || b.id - a.id));
  m = /^\/api\/engagements\/(\d+)\/(approve|reject)$/.exec(p);
  if (m && isPost) {
    const b = await readBody(req);
    const e = state.engagements.get(Number(m[1]));
    if (!e) return err(res, 404, `no engagement ${m[1]}`);
    const text = m[2] === 'approve' ? b.comment : b.reason;
    if (text !== undefined && text !== null && (typeof text !== 'string' || text.length > 500)) return err(res, 400, 'comment/reason must be a string of at most 500 characters');
    if (m[2] === 'reject' && !(typeof text === 'string' && text.trim())) return err(res, 400, 'a reason is required to reject');
    // like the real server: the current record with the 409
    if (e.status !== 'recommended') return send(res, 409, { error: `engagement ${e.id} is ${e.status}, no longer recommended${e.comment ? ` (${e.comment})` : ''}`, engagement: engJson(e) });
    changedEngagements = new Set();
    e.decided_by = who.username;
    e.decided_t_s = state.t;
    setEngStatus(e, m[2] === 'approve' ? 'approved' : 'rejected', text ?? null);
    const j = engJson(e);
    // publish now rather than on the next tick
    state.version += 1;
    broadcast({ type: 'delta', version: state.version, t_s: state.t, time_ns: EPOCH_NS + state.t * 1e9, tracks: { upsert: [], remove: [] }, engagements: [j], launchers: [], sensors: [], stats: { ...state.stats }, speed: state.speed, paused: state.paused });
    return send(res, 200, j);
  }
  if (p === '/api/journal') return send(res, 200, { path: '/dev/null (mock)', inputs: state.stats.plots_in, actions: [...state.engagements.values()].filter((e) => e.decided_by).length, bytes: 0 });
  if (p === '/api/control' && isPost) {
    const b = await readBody(req);
    if (b.speed !== undefined) {
      const s = Number(b.speed);
      if (!(s > 0 && s <= 64)) return err(res, 400, 'speed must be in (0, 64]');
      state.speed = s;
    }
    if (b.paused !== undefined) state.paused = !!b.paused;
    schedule();
    return send(res, 200, { speed: state.speed, paused: state.paused });
  }
  if (p === '/api/users') {
    if (!isPost) return send(res, 200, [...users.values()].map((u) => ({ username: u.username, role: u.role })));
    const b = await readBody(req);
    if (!b.username || !b.password || !ROLE_LEVEL[b.role]) return err(res, 400, 'username, password and role are required');
    users.set(b.username, { username: b.username, password: b.password, role: b.role });
    return send(res, 200, { username: b.username, role: b.role });
  }
  // mock only: cut every stream connection (tests the page's reconnect and resync)
  if (p === '/api/_mock/drop-streams' && isPost) {
    const n = clients.size;
    for (const ws of clients) ws.terminate();
    return send(res, 200, { dropped: n });
  }
  if (p === '/api/openapi.json') return send(res, 200, { openapi: '3.0.0', info: { title: 'Tessera mock', version: '0' }, paths: {} });
  return err(res, 404, `no such endpoint: ${method} ${p}`);
}

const server = createServer((req, res) => {
  handle(req, res).catch((e) => {
    if (!res.headersSent) err(res, e.status ?? 500, e.message);
  });
});

server.on('upgrade', (req, socket, head) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname !== '/api/stream') {
    socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
    return;
  }
  const tok = tokens.get(url.searchParams.get('token') ?? '');
  if (!tok || tok.expires < Date.now()) {
    socket.end('HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\n\r\n{"error":"missing or invalid token"}');
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
    ws.on('error', () => clients.delete(ws));
    ws.send(JSON.stringify(snapshot()));
  });
});

init();
// a little history before the first client arrives
for (let i = 0; i < 5; i++) tick();
schedule();
server.listen(PORT, HOST, () => {
  console.log(`tessera mock: http://${HOST}:${PORT}/ (page from ${DIST})`);
  for (const line of printed) console.log(`  generated password for ${line}`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
