import { describe, expect, it } from 'vitest';
import {
  applyDelta,
  engagementHistory,
  extendTrail,
  fromSnapshot,
  mergeChanges,
  newerEngagement,
  noChanges,
  putEngagement,
  recommendations,
  TRAIL_MAX,
} from '../src/state';
import type { Delta, Engagement, Snapshot, Track } from '../src/types';

function track(id: number, over: Partial<Track> = {}): Track {
  return {
    id,
    status: 'confirmed',
    identity: 'hostile',
    class: 'cruise_missile',
    lat_deg: 10,
    lon_deg: -30,
    alt_m: 60,
    vel_enu: [0, 200, 0],
    speed_mps: 200,
    course_deg: 0,
    climb_mps: 0,
    sigma_pos_m: 50,
    updates: 1,
    sensors: [1],
    time_ns: 1e18,
    callsign: null,
    mode3a: null,
    icao: null,
    threat: null,
    ...over,
  };
}

function eng(id: number, over: Partial<Engagement> = {}): Engagement {
  return {
    id,
    track: 1,
    launcher: 1,
    launcher_name: 'LR-1',
    interceptor: 'Long-Range SAM',
    rounds: 1,
    status: 'recommended',
    created_t_s: 100,
    updated_t_s: 100,
    earliest_launch_t_s: 100,
    latest_launch_t_s: 150,
    intercept: null,
    pk: 0.8,
    expected_leakage: 0.5,
    threat_value: 1,
    reasons: [],
    decided_by: null,
    decided_t_s: null,
    comment: null,
    outcome: null,
    ...over,
  };
}

function snapshot(over: Partial<Snapshot> = {}): Snapshot {
  return {
    type: 'snapshot',
    version: 10,
    t_s: 100,
    time_ns: 1e18,
    origin: { lat_deg: 10, lon_deg: -30 },
    scenario: 'Test',
    speed: 1,
    paused: false,
    tracks: [track(1, { trail: [[9.9, -30, 60]] }), track(2)],
    sensors: [],
    assets: [],
    launchers: [],
    engagements: [eng(5)],
    stats: null as never,
    ...over,
  };
}

function delta(version: number, over: Partial<Delta> = {}): Delta {
  return {
    type: 'delta',
    version,
    t_s: 100 + version - 10,
    time_ns: 1e18 + (version - 10) * 1e9,
    tracks: { upsert: [], remove: [] },
    engagements: [],
    launchers: [],
    ...over,
  };
}

describe('fromSnapshot', () => {
  it('indexes tracks, launchers and engagements by id and keeps trails', () => {
    const p = fromSnapshot(snapshot());
    expect(p.version).toBe(10);
    expect([...p.tracks.keys()]).toEqual([1, 2]);
    expect(p.tracks.get(1)!.trail).toEqual([[9.9, -30, 60]]);
    expect(p.tracks.get(2)!.trail).toEqual([]);
    expect(p.engagements.get(5)!.status).toBe('recommended');
  });
});

describe('applyDelta', () => {
  it('upserts and removes tracks', () => {
    const p = fromSnapshot(snapshot());
    const r = applyDelta(
      p,
      delta(11, {
        tracks: { upsert: [track(1, { lat_deg: 10.1, time_ns: 1e18 + 1e9 }), track(3)], remove: [2] },
      }),
    );
    expect(r.kind).toBe('applied');
    if (r.kind === 'applied') {
      expect([...r.changes.tracks].sort()).toEqual([1, 2, 3]);
      expect(r.changes.engagements).toBe(false);
      expect(r.changes.sensors).toBe(false);
    }
    expect(p.version).toBe(11);
    expect(p.t_s).toBe(101);
    expect([...p.tracks.keys()].sort()).toEqual([1, 3]);
    expect(p.tracks.get(1)!.lat_deg).toBe(10.1);
    // trail kept from the snapshot although the delta has none
    expect(p.tracks.get(1)!.trail[0]).toEqual([9.9, -30, 60]);
  });

  it('removes a track that is upserted and removed in the same delta', () => {
    const p = fromSnapshot(snapshot());
    applyDelta(p, delta(11, { tracks: { upsert: [track(7)], remove: [7] } }));
    expect(p.tracks.has(7)).toBe(false);
  });

  it('updates changed engagements and launchers only', () => {
    const p = fromSnapshot(snapshot());
    applyDelta(p, delta(11, { engagements: [eng(5, { status: 'approved' }), eng(6)] }));
    expect(p.engagements.get(5)!.status).toBe('approved');
    expect(p.engagements.size).toBe(2);
  });

  it('reports engagement changes only when a record really changed', () => {
    const p = fromSnapshot(snapshot());
    const r1 = applyDelta(p, delta(11, { engagements: [eng(5)] })); // the same record again
    expect(r1.kind === 'applied' && r1.changes.engagements).toBe(false);
    const r2 = applyDelta(p, delta(12, { engagements: [eng(5, { latest_launch_t_s: 160, updated_t_s: 101 })] }));
    expect(r2.kind === 'applied' && r2.changes.engagements).toBe(true);
  });

  it('never moves a record back: an older delta after the approve answer keeps it approved', () => {
    const p = fromSnapshot(snapshot());
    // the HTTP answer of the approval (decided at t 102) is stored first ...
    expect(putEngagement(p, eng(5, { status: 'approved', updated_t_s: 102, decided_by: 'op' }))).toBe(true);
    // ... then a delta from just before the decision arrives
    applyDelta(p, delta(11, { engagements: [eng(5, { status: 'recommended', updated_t_s: 101 })] }));
    expect(p.engagements.get(5)!.status).toBe('approved');
    // at the same time, the record further along wins
    expect(newerEngagement(eng(5, { status: 'engaged', updated_t_s: 103 }), eng(5, { status: 'approved', updated_t_s: 103 })).status).toBe('engaged');
    expect(newerEngagement(eng(5, { status: 'approved', updated_t_s: 103 }), eng(5, { status: 'kill', updated_t_s: 103 })).status).toBe('kill');
    // later records always win
    applyDelta(p, delta(12, { engagements: [eng(5, { status: 'engaged', updated_t_s: 104 })] }));
    expect(p.engagements.get(5)!.status).toBe('engaged');
  });

  it('takes the sensors of cycle deltas and ignores the empty list of the others', () => {
    const sensor = { id: 1, name: 'R1', kind: 'radar3d', lat_deg: 10, lon_deg: -30, alt_m: 0, max_range_m: 1e5, rotation_period_s: 6, plots_per_s: 10, status: 'ok' };
    const p = fromSnapshot(snapshot({ sensors: [sensor] }));
    const r1 = applyDelta(p, delta(11, { sensors: [] }));
    expect(p.sensors.length).toBe(1);
    expect(r1.kind === 'applied' && r1.changes.sensors).toBe(false);
    const r2 = applyDelta(p, delta(12, { sensors: [{ ...sensor, status: 'silent' }] }));
    expect(p.sensors[0].status).toBe('silent');
    expect(r2.kind === 'applied' && r2.changes.sensors).toBe(true);
  });

  it('merges the changes of several deltas', () => {
    const a = noChanges();
    a.tracks.add(1);
    const b = noChanges();
    b.tracks.add(2);
    b.engagements = true;
    const m = mergeChanges(a, b);
    expect([...m.tracks].sort()).toEqual([1, 2]);
    expect(m.engagements).toBe(true);
    expect(m.launchers).toBe(false);
  });

  it('detects a version gap and applies nothing', () => {
    const p = fromSnapshot(snapshot());
    const r = applyDelta(p, delta(13, { tracks: { upsert: [], remove: [1] } }));
    expect(r).toEqual({ kind: 'gap', expected: 11, got: 13 });
    expect(p.version).toBe(10);
    expect(p.tracks.has(1)).toBe(true);
  });

  it('ignores stale and repeated versions', () => {
    const p = fromSnapshot(snapshot());
    expect(applyDelta(p, delta(11)).kind).toBe('applied');
    expect(applyDelta(p, delta(11, { tracks: { upsert: [], remove: [1] } }))).toEqual({
      kind: 'stale',
      have: 11,
      got: 11,
    });
    expect(applyDelta(p, delta(9)).kind).toBe('stale');
    expect(p.tracks.has(1)).toBe(true);
  });

  it('tolerates missing optional parts', () => {
    const p = fromSnapshot(snapshot());
    const d = { type: 'delta', version: 11, t_s: 101, time_ns: 1 } as unknown as Delta;
    expect(applyDelta(p, d).kind).toBe('applied');
  });
});

describe('extendTrail', () => {
  it('appends the previous position once per trail step and caps the length', () => {
    let v = extendTrail(undefined, track(1));
    expect(v.trail).toEqual([]);
    for (let i = 1; i <= 100; i++) {
      v = extendTrail(v, track(1, { lat_deg: 10 + i * 0.01, time_ns: 1e18 + i * 1e9 }));
    }
    expect(v.trail.length).toBe(TRAIL_MAX);
    const last = v.trail[v.trail.length - 1];
    expect(last[0]).toBeLessThan(v.lat_deg);
    expect(last[0]).toBeGreaterThan(v.lat_deg - 0.04);
  });

  it('takes a trail that the update carries', () => {
    const v = extendTrail(undefined, track(1));
    const w = extendTrail(v, track(1, { trail: [[1, 2, 3]] }));
    expect(w.trail).toEqual([[1, 2, 3]]);
  });
});

describe('recommendations and history', () => {
  it('orders recommendations by threat rank then window close', () => {
    const p = fromSnapshot(
      snapshot({
        tracks: [
          track(1, { threat: { rank: 2, value: 1, time_to_go_s: 100, asset: 'Port' } }),
          track(2, { threat: { rank: 1, value: 2, time_to_go_s: 50, asset: 'Port' } }),
        ],
        engagements: [
          eng(1, { track: 1, latest_launch_t_s: 120 }),
          eng(2, { track: 2, latest_launch_t_s: 200 }),
          eng(3, { track: 2, latest_launch_t_s: 150 }),
          eng(4, { track: 99 }),
          eng(5, { status: 'lapsed', updated_t_s: 90 }),
          eng(6, { status: 'kill', updated_t_s: 95 }),
        ],
      }),
    );
    expect(recommendations(p).map((e) => e.id)).toEqual([3, 2, 1, 4]);
    expect(engagementHistory(p).map((e) => e.id)).toEqual([6, 5]);
  });
});
