// Small spherical-earth helpers for display geometry (coverage circles, sectors, leaders)
// and the antimeridian fix for the Natural Earth basemap. Display only: the engine does the
// real WGS-84 work.

import type { Feature, FeatureCollection, Geometry, Position } from 'geojson';

export const EARTH_RADIUS_M = 6371008.8;
const RAD = Math.PI / 180;

/**
 * Unwrap a ring's (or line's) longitudes so that consecutive points differ by at most 180°.
 * world-atlas is in spherical coordinates (meant for d3-geo): a ring that crosses the
 * antimeridian jumps from +179.9 to -179.9, which Web Mercator draws as a band around the
 * world. After unwrapping the ring continues to 180.1, 181, ... and MapLibre draws it into the
 * next world copy. Returns a new array; the input is not modified.
 */
export function unwrapRing(ring: Position[]): Position[] {
  const out: Position[] = [];
  let prev: number | null = null;
  for (const p of ring) {
    let lon = p[0];
    if (prev !== null) {
      while (lon - prev > 180) lon -= 360;
      while (lon - prev < -180) lon += 360;
    }
    out.push(p.length > 2 ? [lon, p[1], ...p.slice(2)] : [lon, p[1]]);
    prev = lon;
  }
  return out;
}

/**
 * Unwrap a polygon ring and, if the unwrapped ring no longer closes because it goes once
 * around a pole (Antarctica), close it through the pole so the fill stays on the right side.
 */
export function unwrapPolygonRing(ring: Position[]): Position[] {
  const out = unwrapRing(ring);
  if (out.length < 2) return out;
  const first = out[0];
  const last = out[out.length - 1];
  const dLon = last[0] - first[0];
  if (Math.abs(dLon) > 180) {
    // Encircles a pole: pick the pole on the side of the ring's mean latitude.
    const meanLat = out.reduce((s, p) => s + p[1], 0) / out.length;
    const poleLat = meanLat < 0 ? -89.999 : 89.999;
    // Along the pole edge in steps of at most 90° so no step exceeds 180°.
    const n = Math.ceil(Math.abs(dLon) / 90);
    for (let i = 0; i <= n; i++) out.push([last[0] - (dLon * i) / n, poleLat]);
    out.push([first[0], first[1]]);
  }
  return out;
}

export function unwrapGeometry(g: Geometry): Geometry {
  switch (g.type) {
    case 'Polygon':
      return { type: 'Polygon', coordinates: g.coordinates.map(unwrapPolygonRing) };
    case 'MultiPolygon':
      return {
        type: 'MultiPolygon',
        coordinates: g.coordinates.map((poly) => poly.map(unwrapPolygonRing)),
      };
    case 'LineString':
      return { type: 'LineString', coordinates: unwrapRing(g.coordinates) };
    case 'MultiLineString':
      return { type: 'MultiLineString', coordinates: g.coordinates.map(unwrapRing) };
    case 'GeometryCollection':
      return { type: 'GeometryCollection', geometries: g.geometries.map(unwrapGeometry) };
    default:
      return g;
  }
}

export function unwrapFeatures<T extends FeatureCollection | Feature>(fc: T): T {
  if (fc.type === 'Feature') {
    return { ...fc, geometry: fc.geometry ? unwrapGeometry(fc.geometry) : fc.geometry };
  }
  return { ...fc, features: fc.features.map((f) => unwrapFeatures(f)) } as T;
}

/** Largest longitude step between consecutive points of any ring (for tests). */
export function maxLonStep(g: Geometry): number {
  let max = 0;
  const ring = (r: Position[]) => {
    for (let i = 1; i < r.length; i++) max = Math.max(max, Math.abs(r[i][0] - r[i - 1][0]));
  };
  switch (g.type) {
    case 'Polygon':
      g.coordinates.forEach(ring);
      break;
    case 'MultiPolygon':
      g.coordinates.forEach((p) => p.forEach(ring));
      break;
    case 'LineString':
      ring(g.coordinates);
      break;
    case 'MultiLineString':
      g.coordinates.forEach(ring);
      break;
    default:
      break;
  }
  return max;
}

/** Point at `distM` along the great circle from (lat, lon) with initial bearing `bearingDeg`. */
export function destination(
  latDeg: number,
  lonDeg: number,
  bearingDeg: number,
  distM: number,
): [number, number] {
  const d = distM / EARTH_RADIUS_M;
  const b = bearingDeg * RAD;
  const la1 = latDeg * RAD;
  const lo1 = lonDeg * RAD;
  const la2 = Math.asin(Math.sin(la1) * Math.cos(d) + Math.cos(la1) * Math.sin(d) * Math.cos(b));
  const lo2 =
    lo1 +
    Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(la1), Math.cos(d) - Math.sin(la1) * Math.sin(la2));
  // Keep the longitude continuous with the start (no ±180 normalisation) for MapLibre.
  return [la2 / RAD, lo2 / RAD];
}

/** Great-circle distance in metres. */
export function distanceM(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const p1 = lat1 * RAD;
  const p2 = lat2 * RAD;
  const dp = p2 - p1;
  const dl = (lon2 - lon1) * RAD;
  const a = Math.sin(dp / 2) ** 2 + Math.cos(p1) * Math.cos(p2) * Math.sin(dl / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** Position `seconds` ahead along an east/north velocity (m/s): [lat, lon]. */
export function aheadPosition(
  latDeg: number,
  lonDeg: number,
  velEast: number,
  velNorth: number,
  seconds: number,
): [number, number] {
  const dist = Math.hypot(velEast, velNorth) * seconds;
  if (dist === 0) return [latDeg, lonDeg];
  const bearing = Math.atan2(velEast, velNorth) / RAD;
  return destination(latDeg, lonDeg, bearing, dist);
}

/** Closed ring (GeoJSON [lon, lat] order) of a circle of radius `radiusM`. */
export function circleRing(latDeg: number, lonDeg: number, radiusM: number, n = 96): Position[] {
  const ring: Position[] = [];
  for (let i = 0; i <= n; i++) {
    const [la, lo] = destination(latDeg, lonDeg, (360 * i) / n, radiusM);
    ring.push([lo, la]);
  }
  return ring;
}

/**
 * Polygon of an engagement zone: ranges [minM, maxM] within `halfWidthDeg` of the compass
 * bearing `centerDeg`. Half width >= 180 gives an annulus (outer ring + hole).
 */
export function sectorPolygon(
  latDeg: number,
  lonDeg: number,
  minM: number,
  maxM: number,
  centerDeg: number,
  halfWidthDeg: number,
  n = 72,
): Position[][] {
  if (halfWidthDeg >= 180) {
    const outer = circleRing(latDeg, lonDeg, maxM, n);
    if (minM > 0) return [outer, circleRing(latDeg, lonDeg, minM, n).reverse()];
    return [outer];
  }
  const ring: Position[] = [];
  const steps = Math.max(4, Math.ceil((n * halfWidthDeg) / 180));
  const a0 = centerDeg - halfWidthDeg;
  const a1 = centerDeg + halfWidthDeg;
  for (let i = 0; i <= steps; i++) {
    const [la, lo] = destination(latDeg, lonDeg, a0 + ((a1 - a0) * i) / steps, maxM);
    ring.push([lo, la]);
  }
  if (minM > 0) {
    for (let i = steps; i >= 0; i--) {
      const [la, lo] = destination(latDeg, lonDeg, a0 + ((a1 - a0) * i) / steps, minM);
      ring.push([lo, la]);
    }
  } else {
    ring.push([lonDeg, latDeg]);
  }
  ring.push(ring[0]);
  return [ring];
}

/** Graticule lines every `stepDeg` (lat within ±80), as a FeatureCollection of LineStrings. */
export function graticule(stepDeg: number, major = 0): FeatureCollection {
  const features: Feature[] = [];
  const isMajor = (v: number) => major > 0 && Math.abs(v / major - Math.round(v / major)) < 1e-9;
  for (let lon = -180; lon <= 180 + 1e-9; lon += stepDeg) {
    features.push({
      type: 'Feature',
      properties: { major: isMajor(lon) },
      geometry: { type: 'LineString', coordinates: [[lon, -80], [lon, 0], [lon, 80]] },
    });
  }
  for (let lat = -80; lat <= 80 + 1e-9; lat += stepDeg) {
    const coords: Position[] = [];
    for (let lon = -180; lon <= 180; lon += 10) coords.push([lon, lat]);
    features.push({
      type: 'Feature',
      properties: { major: isMajor(lat) },
      geometry: { type: 'LineString', coordinates: coords },
    });
  }
  return { type: 'FeatureCollection', features };
}

/** Degrees-minutes text, e.g. 9°36.6'N. */
export function formatLat(lat: number): string {
  return dm(Math.abs(lat)) + (lat >= 0 ? 'N' : 'S');
}
export function formatLon(lon: number): string {
  let l = ((((lon + 180) % 360) + 360) % 360) - 180;
  if (l === -180) l = 180;
  return dm(Math.abs(l)) + (l >= 0 ? 'E' : 'W');
}
function dm(v: number): string {
  let d = Math.floor(v);
  let m = (v - d) * 60;
  if (m >= 59.95) {
    d += 1;
    m = 0;
  }
  return `${d}°${m.toFixed(1).padStart(4, '0')}'`;
}
