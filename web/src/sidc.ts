// MIL-STD-2525C letter SIDCs (15 characters) for air tracks and ground equipment.
//
//   position 1     coding scheme   S (warfighting)
//   position 2     affiliation     P U A F N S H
//   position 3     dimension       A (air) / G (ground)
//   position 4     status          P (present)
//   positions 5-10 function ID     see FUNCTION below
//   positions 11-15 modifiers, country, order of battle: '-'

import type { Identity, TrackClass } from './types';

export const AFFILIATION: Record<Identity, string> = {
  pending: 'P',
  unknown: 'U',
  assumed_friend: 'A',
  friend: 'F',
  neutral: 'N',
  suspect: 'S',
  hostile: 'H',
};

/** Air function IDs (2525C, battle dimension A). */
export const FUNCTION: Record<TrackClass, string> = {
  unknown: '------', // frame only
  fixed_wing: 'MF----', // military fixed wing
  helicopter: 'MH----', // military rotary wing
  drone: 'MFQ---', // unmanned aerial vehicle
  cruise_missile: 'WMCM--', // missile in flight, cruise
  ballistic_missile: 'WMB---', // missile in flight, ballistic
  rocket: 'WMSS--', // missile in flight, surface-to-surface
};

/** Neutral manned aircraft are shown as civil aircraft. */
const CIVIL_FUNCTION: Partial<Record<TrackClass, string>> = {
  fixed_wing: 'CF----',
  helicopter: 'CH----',
};

function pad15(s: string): string {
  return (s + '---------------').slice(0, 15);
}

/** SIDC of an air track from its identity and class. Unknown values map to U / frame only. */
export function trackSidc(identity: Identity | string, cls: TrackClass | string): string {
  const aff = AFFILIATION[identity as Identity] ?? 'U';
  let fn = FUNCTION[cls as TrackClass] ?? FUNCTION.unknown;
  if (identity === 'neutral') fn = CIVIL_FUNCTION[cls as TrackClass] ?? fn;
  return pad15(`S${aff}AP${fn}`);
}

/** Ground equipment symbol of a sensor (radar / generic sensor). Always friend. */
export function sensorSidc(kind: string): string {
  const fn = kind === 'radar3d' || kind === 'radar2d' ? 'ESR---' : 'ES----';
  return pad15(`SFGP${fn}`);
}

/** Air defence missile launcher (surface-to-air). Always friend. */
export function launcherSidc(): string {
  return pad15('SFGPEWMA--');
}

/** Display colour per identity (2525 light fills, tuned for a dark background). */
export const IDENTITY_COLOR: Record<Identity, string> = {
  pending: '#ffff80',
  unknown: '#ffff80',
  assumed_friend: '#80e0ff',
  friend: '#80e0ff',
  neutral: '#aaffaa',
  suspect: '#ff9a9a',
  hostile: '#ff6060',
};

export function identityColor(identity: string): string {
  return IDENTITY_COLOR[identity as Identity] ?? '#ffff80';
}

/** Short labels for tables. */
export const IDENTITY_SHORT: Record<Identity, string> = {
  pending: 'PND',
  unknown: 'UNK',
  assumed_friend: 'AFR',
  friend: 'FRD',
  neutral: 'NEU',
  suspect: 'SUS',
  hostile: 'HOS',
};

export const CLASS_SHORT: Record<TrackClass, string> = {
  unknown: '—',
  fixed_wing: 'FW',
  helicopter: 'RW',
  drone: 'UAV',
  cruise_missile: 'CM',
  ballistic_missile: 'BM',
  rocket: 'RKT',
};
