import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { FeatureCollection, Polygon } from 'geojson';
import { feature } from 'topojson-client';
import type { Topology } from 'topojson-specification';
import { describe, expect, it } from 'vitest';
import {
  aheadPosition,
  circleRing,
  destination,
  distanceM,
  formatLat,
  formatLon,
  maxLonStep,
  sectorPolygon,
  unwrapFeatures,
  unwrapPolygonRing,
  unwrapRing,
} from '../src/geo';

describe('unwrapRing', () => {
  it('leaves rings that do not cross the antimeridian unchanged', () => {
    const r = [[10, 0], [20, 5], [15, 10], [10, 0]];
    expect(unwrapRing(r)).toEqual(r);
  });

  it('continues across +180', () => {
    const r = [[178, 60], [179.5, 61], [-179.5, 62], [-178, 61], [178, 60]];
    expect(unwrapRing(r)).toEqual([[178, 60], [179.5, 61], [180.5, 62], [182, 61], [178, 60]]);
  });

  it('continues across -180', () => {
    const r = [[-179, -17], [179, -16], [178, -18], [-179, -17]];
    expect(unwrapRing(r)).toEqual([[-179, -17], [-181, -16], [-182, -18], [-179, -17]]);
  });

  it('keeps extra coordinates', () => {
    expect(unwrapRing([[179, 1, 5], [-179, 1, 6]])).toEqual([[179, 1, 5], [181, 1, 6]]);
  });

  it('does not modify its input', () => {
    const r = [[179, 1], [-179, 1]];
    unwrapRing(r);
    expect(r).toEqual([[179, 1], [-179, 1]]);
  });
});

describe('unwrapPolygonRing', () => {
  it('closes a ring around the south pole through the pole', () => {
    const ring = [];
    for (let lon = -180; lon <= 180; lon += 30) ring.push([lon === 180 ? -180 : lon, -70]);
    const out = unwrapPolygonRing(ring);
    expect(maxLonStep({ type: 'Polygon', coordinates: [out] })).toBeLessThanOrEqual(180);
    expect(out[out.length - 1]).toEqual(out[0]);
    expect(out.some((p) => p[1] < -89)).toBe(true);
  });
});

describe('world-atlas countries-50m', () => {
  const require = createRequire(import.meta.url);
  const topo = JSON.parse(
    readFileSync(require.resolve('world-atlas/countries-50m.json'), 'utf8'),
  ) as Topology;
  const fc = feature(topo, topo.objects.countries) as FeatureCollection;
  const unwrapped = unwrapFeatures(fc);
  const byName = (n: string) =>
    unwrapped.features.find((f) => (f.properties as { name?: string })?.name === n);

  it('has countries that cross the antimeridian before unwrapping', () => {
    const raw = fc.features.filter((f) => maxLonStep(f.geometry) > 180);
    expect(raw.length).toBeGreaterThan(0);
  });

  it('has no ring step over 180 degrees after unwrapping', () => {
    for (const f of unwrapped.features) expect(maxLonStep(f.geometry)).toBeLessThanOrEqual(180);
  });

  it('draws Russia east of the antimeridian instead of across the world', () => {
    const ru = byName('Russia');
    expect(ru).toBeDefined();
    const lons = (ru!.geometry as Polygon | { type: 'MultiPolygon'; coordinates: number[][][][] })
      .coordinates.flat(2)
      .map((p) => (p as number[])[0]);
    expect(Math.max(...lons)).toBeGreaterThan(180);
  });

  it('keeps Fiji and Antarctica', () => {
    expect(byName('Fiji')).toBeDefined();
    expect(byName('Antarctica')).toBeDefined();
  });
});

describe('display geometry', () => {
  it('destination and distance agree', () => {
    const [la, lo] = destination(10, -30, 45, 100000);
    expect(distanceM(10, -30, la, lo)).toBeCloseTo(100000, 0);
  });

  it('puts the leader end 60 s ahead', () => {
    const [la, lo] = aheadPosition(10, -30, 0, 100, 60);
    expect(lo).toBeCloseTo(-30, 9);
    expect(distanceM(10, -30, la, lo)).toBeCloseTo(6000, 0);
    expect(la).toBeGreaterThan(10);
    expect(aheadPosition(10, -30, 0, 0, 60)).toEqual([10, -30]);
  });

  it('makes closed circles of the right radius', () => {
    const r = circleRing(10, -30, 50000, 32);
    expect(r).toHaveLength(33);
    expect(r[0][0]).toBeCloseTo(r[32][0], 9);
    for (const p of r) expect(distanceM(10, -30, p[1], p[0])).toBeCloseTo(50000, 0);
  });

  it('makes wedges and annuli', () => {
    const wedge = sectorPolygon(10, -30, 3000, 120000, 180, 60);
    expect(wedge).toHaveLength(1);
    const ring = wedge[0];
    expect(ring[0]).toEqual(ring[ring.length - 1]);
    for (const p of ring) {
      const d = distanceM(10, -30, p[1], p[0]);
      expect(d).toBeGreaterThan(2999);
      expect(d).toBeLessThan(120001);
      expect(p[1]).toBeLessThan(10.0001); // pointing south
    }
    expect(sectorPolygon(10, -30, 3000, 120000, 0, 180)).toHaveLength(2);
    expect(sectorPolygon(10, -30, 0, 120000, 0, 180)).toHaveLength(1);
  });

  it('formats degrees and minutes', () => {
    expect(formatLat(9.61)).toBe("9°36.6'N");
    expect(formatLon(-30.2)).toBe("30°12.0'W");
    expect(formatLon(190)).toBe("170°00.0'W");
  });
});
