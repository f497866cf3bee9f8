// Objects of the live API contract (docs/api.md). Field names are the server's.

export type Role = 'observer' | 'operator' | 'admin';

export type TrackStatus = 'tentative' | 'confirmed' | 'coasting';
export type Identity =
  | 'pending'
  | 'unknown'
  | 'assumed_friend'
  | 'friend'
  | 'neutral'
  | 'suspect'
  | 'hostile';
export type TrackClass =
  | 'unknown'
  | 'fixed_wing'
  | 'helicopter'
  | 'drone'
  | 'cruise_missile'
  | 'ballistic_missile'
  | 'rocket';

export const IDENTITIES: Identity[] = [
  'pending',
  'unknown',
  'assumed_friend',
  'friend',
  'neutral',
  'suspect',
  'hostile',
];
export const CLASSES: TrackClass[] = [
  'unknown',
  'fixed_wing',
  'helicopter',
  'drone',
  'cruise_missile',
  'ballistic_missile',
  'rocket',
];
export const STATUSES: TrackStatus[] = ['tentative', 'confirmed', 'coasting'];

export interface Threat {
  rank: number;
  value: number;
  time_to_go_s: number | null;
  asset: string | null;
}

/** [lat_deg, lon_deg, alt_m] */
export type TrailPoint = [number, number, number];

export interface Track {
  id: number;
  status: TrackStatus;
  identity: Identity;
  class: TrackClass;
  lat_deg: number;
  lon_deg: number;
  alt_m: number;
  vel_enu: [number, number, number];
  speed_mps: number;
  course_deg: number;
  climb_mps: number;
  sigma_pos_m: number;
  updates: number;
  sensors: number[];
  time_ns: number;
  callsign: string | null;
  mode3a: string | null;
  icao: string | null;
  threat: Threat | null;
  trail?: TrailPoint[];
}

export interface Sensor {
  id: number;
  name: string;
  kind: 'radar3d' | 'radar2d' | 'adsb' | 'early_warning' | string;
  lat_deg: number | null;
  lon_deg: number | null;
  alt_m: number | null;
  max_range_m: number | null;
  rotation_period_s: number | null;
  plots_per_s: number;
  status: 'ok' | 'silent' | string;
}

export interface Asset {
  id: number;
  name: string;
  lat_deg: number;
  lon_deg: number;
  radius_m: number;
  value: number;
}

export interface Launcher {
  id: number;
  name: string;
  lat_deg: number;
  lon_deg: number;
  interceptor: string;
  inventory: number;
  inventory_start: number;
  min_range_m: number;
  max_range_m: number;
  sector_center_deg: number;
  sector_half_width_deg: number;
  ready: boolean;
  in_flight: number;
}

export type EngagementStatus =
  | 'recommended'
  | 'approved'
  | 'engaged'
  | 'kill'
  | 'miss'
  | 'aborted'
  | 'rejected'
  | 'lapsed';

export interface Engagement {
  id: number;
  track: number;
  launcher: number;
  launcher_name: string;
  interceptor: string;
  rounds: number;
  status: EngagementStatus;
  created_t_s: number;
  updated_t_s: number;
  earliest_launch_t_s: number;
  latest_launch_t_s: number;
  /** the planned intercept point; the real server sends `t_s: null` (time not planned) */
  intercept: { lat_deg: number; lon_deg: number; alt_m: number; t_s: number | null } | null;
  pk: number;
  expected_leakage: number;
  threat_value: number;
  reasons: string[];
  decided_by: string | null;
  decided_t_s: number | null;
  comment: string | null;
  outcome: string | null;
}

export interface Stats {
  plots_in: number;
  plots_per_s: number;
  dropped: number;
  decode_errors: number;
  tracks_confirmed: number;
  tracks_tentative: number;
  cycle_ms_p99: number;
  threats: number;
  kills: number;
  leakers: number;
}

export interface Snapshot {
  type: 'snapshot';
  version: number;
  t_s: number;
  time_ns: number;
  origin: { lat_deg: number; lon_deg: number };
  scenario: string;
  speed: number;
  paused: boolean;
  tracks: Track[];
  sensors: Sensor[];
  assets: Asset[];
  launchers: Launcher[];
  engagements: Engagement[];
  stats: Stats;
}

export interface Delta {
  type: 'delta';
  version: number;
  t_s: number;
  time_ns: number;
  tracks: { upsert: Track[]; remove: number[] };
  engagements?: Engagement[];
  launchers?: Launcher[];
  stats?: Stats;
  /** Every sensor, in the deltas that end a core cycle; empty (or absent) in the others. */
  sensors?: Sensor[];
  speed?: number;
  paused?: boolean;
}

export interface LoginResponse {
  token: string;
  username: string;
  role: Role;
  expires_in_s: number;
}

export interface HistoryRange {
  start_t_s: number;
  end_t_s: number;
  step_s: number;
}
