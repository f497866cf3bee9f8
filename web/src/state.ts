// The page's copy of the composite picture: a snapshot, then deltas applied in version order.
// Pure (no DOM): tested by vitest.

import type {
  Asset,
  Delta,
  Engagement,
  Launcher,
  Sensor,
  Snapshot,
  Stats,
  Track,
  TrailPoint,
} from './types';

/** Trail kept by the page: at most this many points, one per TRAIL_STEP_NS of track time. */
export const TRAIL_MAX = 30;
export const TRAIL_STEP_NS = 3e9;

export interface TrackView extends Track {
  trail: TrailPoint[];
  /** track time_ns of the newest trail point appended by the page (or the snapshot's time) */
  trailNs: number;
}

export interface Picture {
  version: number;
  t_s: number;
  time_ns: number;
  origin: { lat_deg: number; lon_deg: number };
  scenario: string;
  speed: number;
  paused: boolean;
  tracks: Map<number, TrackView>;
  sensors: Sensor[];
  assets: Asset[];
  launchers: Map<number, Launcher>;
  engagements: Map<number, Engagement>;
  stats: Stats | null;
}

/** What a delta changed, so that only the views showing it are redrawn. */
export interface Changes {
  /** ids of tracks upserted or removed */
  tracks: Set<number>;
  engagements: boolean;
  launchers: boolean;
  sensors: boolean;
  /** stats, speed or paused */
  status: boolean;
}

export function noChanges(): Changes {
  return { tracks: new Set(), engagements: false, launchers: false, sensors: false, status: false };
}

/** Fold `b` into `a` (the changes since the last render of a view). */
export function mergeChanges(a: Changes, b: Changes): Changes {
  for (const id of b.tracks) a.tracks.add(id);
  a.engagements ||= b.engagements;
  a.launchers ||= b.launchers;
  a.sensors ||= b.sensors;
  a.status ||= b.status;
  return a;
}

export type DeltaResult =
  | { kind: 'applied'; changes: Changes }
  /** an old or repeated version: ignored */
  | { kind: 'stale'; have: number; got: number }
  /** a missed version: the caller must resynchronise (new snapshot) */
  | { kind: 'gap'; expected: number; got: number };

/** How far along its life an engagement is: a record never moves back. */
const STAGE: Record<string, number> = { recommended: 0, approved: 1, engaged: 2 };
const stage = (e: Engagement) => STAGE[e.status] ?? 3;

/**
 * The record to keep when `next` arrives for an engagement we hold as `prev`: the newer one by
 * `updated_t_s`, and at the same time the one further along (recommended → approved → engaged
 * → outcome). A decision's HTTP answer can overtake the stream's last delta from before it;
 * that delta must not turn an approved record back into a recommendation.
 */
export function newerEngagement(prev: Engagement | undefined, next: Engagement): Engagement {
  if (!prev) return next;
  if (next.updated_t_s !== prev.updated_t_s) return next.updated_t_s > prev.updated_t_s ? next : prev;
  return stage(next) >= stage(prev) ? next : prev;
}

/** Store an engagement record (from a delta or an approve/reject answer); true if it changed. */
export function putEngagement(p: Picture, e: Engagement): boolean {
  const prev = p.engagements.get(e.id);
  const keep = newerEngagement(prev, e);
  if (keep === prev) return false;
  p.engagements.set(e.id, keep);
  // the same record again (an approve answer, then the delta carrying it) changes nothing shown
  return !prev || JSON.stringify(prev) !== JSON.stringify(keep);
}

function viewOf(t: Track): TrackView {
  const trail = Array.isArray(t.trail) ? t.trail.slice(-TRAIL_MAX) : [];
  return { ...t, trail, trailNs: t.time_ns };
}

export function fromSnapshot(s: Snapshot): Picture {
  const tracks = new Map<number, TrackView>();
  for (const t of s.tracks ?? []) tracks.set(t.id, viewOf(t));
  const launchers = new Map<number, Launcher>();
  for (const l of s.launchers ?? []) launchers.set(l.id, l);
  const engagements = new Map<number, Engagement>();
  for (const e of s.engagements ?? []) engagements.set(e.id, e);
  return {
    version: s.version,
    t_s: s.t_s,
    time_ns: s.time_ns,
    origin: s.origin ?? { lat_deg: 10, lon_deg: -30 },
    scenario: s.scenario ?? '',
    speed: s.speed ?? 1,
    paused: !!s.paused,
    tracks,
    sensors: s.sensors ?? [],
    assets: s.assets ?? [],
    launchers,
    engagements,
    stats: s.stats ?? null,
  };
}

/**
 * The trail of an updated track: the server's trail when the update carries one, else the
 * previous trail extended by the previous position once per TRAIL_STEP_NS.
 */
export function extendTrail(prev: TrackView | undefined, next: Track): TrackView {
  if (Array.isArray(next.trail)) return viewOf(next);
  if (!prev) return { ...next, trail: [], trailNs: next.time_ns };
  let trail = prev.trail;
  let trailNs = prev.trailNs;
  if (next.time_ns - trailNs >= TRAIL_STEP_NS || trail.length === 0) {
    trail = trail.concat([[prev.lat_deg, prev.lon_deg, prev.alt_m]]);
    if (trail.length > TRAIL_MAX) trail = trail.slice(trail.length - TRAIL_MAX);
    trailNs = prev.time_ns;
  }
  return { ...next, trail, trailNs };
}

/**
 * Apply one delta in place. Versions must follow one by one: a delta whose version is not
 * the next one is either stale (ignored) or reveals a gap (nothing applied; resynchronise).
 */
export function applyDelta(p: Picture, d: Delta): DeltaResult {
  if (d.version <= p.version) return { kind: 'stale', have: p.version, got: d.version };
  if (d.version !== p.version + 1) return { kind: 'gap', expected: p.version + 1, got: d.version };
  const changes = noChanges();
  p.version = d.version;
  p.t_s = d.t_s;
  p.time_ns = d.time_ns;
  for (const t of d.tracks?.upsert ?? []) {
    p.tracks.set(t.id, extendTrail(p.tracks.get(t.id), t));
    changes.tracks.add(t.id);
  }
  for (const id of d.tracks?.remove ?? []) {
    if (p.tracks.delete(id)) changes.tracks.add(id);
  }
  for (const e of d.engagements ?? []) if (putEngagement(p, e)) changes.engagements = true;
  for (const l of d.launchers ?? []) {
    p.launchers.set(l.id, l);
    changes.launchers = true;
  }
  // the server sends the sensors with the deltas that end a core cycle (about once a
  // second) and an empty list with the others
  if (Array.isArray(d.sensors) && d.sensors.length > 0) {
    p.sensors = d.sensors;
    changes.sensors = true;
  }
  if (d.stats) {
    p.stats = d.stats;
    changes.status = true;
  }
  if (typeof d.speed === 'number' && d.speed !== p.speed) {
    p.speed = d.speed;
    changes.status = true;
  }
  if (typeof d.paused === 'boolean' && d.paused !== p.paused) {
    p.paused = d.paused;
    changes.status = true;
  }
  return { kind: 'applied', changes };
}

/** Open recommendations, most urgent first: threat rank, then the launch window's close. */
export function recommendations(p: Picture): Engagement[] {
  const rank = (e: Engagement) => p.tracks.get(e.track)?.threat?.rank ?? Number.MAX_SAFE_INTEGER;
  return [...p.engagements.values()]
    .filter((e) => e.status === 'recommended')
    .sort(
      (a, b) =>
        rank(a) - rank(b) ||
        a.latest_launch_t_s - b.latest_launch_t_s ||
        b.threat_value - a.threat_value ||
        a.id - b.id,
    );
}

/** Every engagement that is no longer a recommendation, newest change first. */
export function engagementHistory(p: Picture, limit = 200): Engagement[] {
  return [...p.engagements.values()]
    .filter((e) => e.status !== 'recommended')
    .sort((a, b) => b.updated_t_s - a.updated_t_s || b.id - a.id)
    .slice(0, limit);
}
