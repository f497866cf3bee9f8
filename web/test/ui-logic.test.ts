import { describe, expect, it } from 'vitest';
import { ApiError } from '../src/api';
import { flightLevel, formatCountdown, formatScenarioTime, formatUtc } from '../src/format';
import { backoffMs } from '../src/stream';
import type { TrackView } from '../src/state';
import { refusalText, statusText, windowText } from '../src/ui/engagements';
import type { Engagement } from '../src/types';
import { matchesFilter, visibleRows } from '../src/ui/tracktable';

describe('refusalText', () => {
  it('says which role was refused (403)', () => {
    const t = refusalText(new ApiError(403, 'operator role required', 'api/engagements/3/approve'), 'approve', 3, 'observer');
    expect(t).toMatch(/^refused: role observer cannot approve \(403\)/);
    expect(t).toContain('operator role required');
  });
  it('says a lapsed recommendation is gone (409)', () => {
    const t = refusalText(new ApiError(409, 'engagement 7 is lapsed', 'x'), 'reject', 7, 'operator');
    expect(t).toMatch(/^refused: E7 is no longer recommended \(409/);
  });
  it('on a 409 says what the server says became of it (status, who, comment)', () => {
    const rec = { id: 7, status: 'lapsed', decided_by: null, comment: 'launch window closed' };
    const err = new ApiError(409, 'engagement 7 is lapsed', 'api/engagements/7/approve', { error: 'engagement 7 is lapsed', engagement: rec });
    expect(err.engagement?.status).toBe('lapsed');
    expect(refusalText(err, 'approve', 7, 'operator')).toBe('refused: E7 is no longer recommended: lapsed — launch window closed (409)');
    const taken = new ApiError(409, 'x', 'x', { engagement: { id: 7, status: 'approved', decided_by: 'op2', comment: null } });
    expect(refusalText(taken, 'approve', 7, 'operator')).toBe('refused: E7 is no longer recommended: approved by op2 (409)');
    // a body without a usable record
    expect(new ApiError(409, 'x', 'x', { error: 'x', engagement: null }).engagement).toBeNull();
    expect(new ApiError(409, 'x', 'x', 'not json').engagement).toBeNull();
  });
  it('reports network failures as not sent', () => {
    expect(refusalText(new ApiError(0, 'timed out', 'x'), 'approve', 1, 'operator')).toBe('not sent: timed out');
  });
});

describe('backoffMs', () => {
  it('doubles from 0.5 s up to 10 s with ±20 % jitter', () => {
    expect(backoffMs(1, () => 0.5)).toBe(500);
    expect(backoffMs(2, () => 0.5)).toBe(1000);
    expect(backoffMs(5, () => 0.5)).toBe(8000);
    expect(backoffMs(12, () => 0.5)).toBe(10000);
    expect(backoffMs(1, () => 0)).toBe(400);
    expect(backoffMs(1, () => 1)).toBe(600);
  });
});

describe('formatting', () => {
  it('formats scenario and UTC time', () => {
    expect(formatScenarioTime(402)).toBe('T+00:06:42');
    expect(formatScenarioTime(3725.9)).toBe('T+01:02:05');
    expect(formatScenarioTime(-5)).toBe('T-00:00:05');
    expect(formatUtc(1704103602000000000)).toBe('10:06:42Z');
    expect(formatCountdown(65.4)).toBe('1:05');
    expect(formatCountdown(-3)).toBe('0:00');
    expect(flightLevel(10668)).toBe('FL350');
    expect(flightLevel(60)).toBe('FL002');
  });
});

describe('matchesFilter', () => {
  const t = {
    id: 17,
    identity: 'hostile',
    class: 'cruise_missile',
    status: 'confirmed',
    callsign: null,
    mode3a: '4101',
    icao: 'ABC123',
    threat: { rank: 1, value: 1, time_to_go_s: 9, asset: 'Port' },
  } as unknown as TrackView;
  const f = { identity: '', cls: '', status: '', text: '', threatsOnly: false };
  it('filters on identity, class, status and threat', () => {
    expect(matchesFilter(t, f)).toBe(true);
    expect(matchesFilter(t, { ...f, identity: 'hostile', cls: 'cruise_missile', status: 'confirmed', threatsOnly: true })).toBe(true);
    expect(matchesFilter(t, { ...f, identity: 'friend' })).toBe(false);
    expect(matchesFilter(t, { ...f, cls: 'drone' })).toBe(false);
    expect(matchesFilter(t, { ...f, status: 'coasting' })).toBe(false);
    expect(matchesFilter({ ...t, threat: null }, { ...f, threatsOnly: true })).toBe(false);
  });
  it('searches id, callsign, mode 3A and ICAO case-insensitively', () => {
    expect(matchesFilter(t, { ...f, text: '17' })).toBe(true);
    expect(matchesFilter(t, { ...f, text: 'abc' })).toBe(true);
    expect(matchesFilter(t, { ...f, text: '4101' })).toBe(true);
    expect(matchesFilter({ ...t, callsign: 'PTL01' }, { ...f, text: 'ptl' })).toBe(true);
    expect(matchesFilter(t, { ...f, text: 'zzz' })).toBe(false);
  });
});

describe('visibleRows', () => {
  it('covers the rows in view plus a margin, clamped to the table', () => {
    expect(visibleRows(0, 170, 17, 230, 8)).toEqual([0, 18]);
    expect(visibleRows(1700, 170, 17, 230, 8)).toEqual([92, 118]);
    expect(visibleRows(3900, 170, 17, 230, 8)).toEqual([221, 229]);
    expect(visibleRows(0, 170, 17, 0)).toEqual([0, -1]);
    expect(visibleRows(0, 0, 0, 5)[1]).toBeGreaterThanOrEqual(0);
  });
});

describe('engagement texts', () => {
  const e = { id: 3, status: 'recommended', earliest_launch_t_s: 110, latest_launch_t_s: 165, decided_by: null, comment: null } as unknown as Engagement;
  it('counts the launch window down', () => {
    expect(windowText(e, 100)).toBe('opens in 0:10');
    expect(windowText(e, 120)).toBe('closes in 0:45');
    expect(windowText(e, 165)).toBe('window closed');
  });
  it('says what became of an engagement', () => {
    expect(statusText({ ...e, status: 'approved', decided_by: 'op' })).toBe('APPROVED by op');
    expect(statusText({ ...e, status: 'lapsed', comment: 'no longer in the plan' })).toBe('LAPSED — no longer in the plan');
    expect(statusText({ ...e, status: 'rejected', decided_by: 'op', comment: 'friendly nearby' })).toBe('REJECTED by op — friendly nearby');
    expect(statusText({ ...e, status: 'aborted', decided_by: 'op', comment: 'fire unit refused: not ready' })).toBe('ABORTED — fire unit refused: not ready · approved by op');
    expect(statusText(undefined)).toBe('WITHDRAWN');
  });
});
