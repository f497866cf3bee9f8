import { describe, expect, it } from 'vitest';
import { launcherSidc, sensorSidc, trackSidc } from '../src/sidc';
import { CLASSES, IDENTITIES } from '../src/types';

describe('trackSidc', () => {
  it('is 15 characters, warfighting, air, present', () => {
    for (const id of IDENTITIES)
      for (const c of CLASSES) {
        const s = trackSidc(id, c);
        expect(s).toHaveLength(15);
        expect(s[0]).toBe('S');
        expect(s[2]).toBe('A');
        expect(s[3]).toBe('P');
      }
  });

  it('maps identity to the affiliation letter', () => {
    const letters = IDENTITIES.map((i) => trackSidc(i, 'fixed_wing')[1]).join('');
    expect(letters).toBe('PUAFNSH');
  });

  it('maps class to the function ID', () => {
    expect(trackSidc('hostile', 'fixed_wing')).toBe('SHAPMF---------');
    expect(trackSidc('hostile', 'helicopter')).toBe('SHAPMH---------');
    expect(trackSidc('hostile', 'drone')).toBe('SHAPMFQ--------');
    expect(trackSidc('hostile', 'cruise_missile')).toBe('SHAPWMCM-------');
    expect(trackSidc('hostile', 'ballistic_missile')).toBe('SHAPWMB--------');
    expect(trackSidc('hostile', 'rocket')).toBe('SHAPWMSS-------');
    expect(trackSidc('unknown', 'unknown')).toBe('SUAP-----------');
    expect(trackSidc('friend', 'fixed_wing')).toBe('SFAPMF---------');
    expect(trackSidc('assumed_friend', 'drone')).toBe('SAAPMFQ--------');
    expect(trackSidc('suspect', 'cruise_missile')).toBe('SSAPWMCM-------');
    expect(trackSidc('pending', 'unknown')).toBe('SPAP-----------');
  });

  it('shows neutral manned aircraft as civil', () => {
    expect(trackSidc('neutral', 'fixed_wing')).toBe('SNAPCF---------');
    expect(trackSidc('neutral', 'helicopter')).toBe('SNAPCH---------');
    expect(trackSidc('neutral', 'drone')).toBe('SNAPMFQ--------');
  });

  it('falls back to unknown for values outside the contract', () => {
    expect(trackSidc('bogus', 'bogus')).toBe('SUAP-----------');
  });

  it('has ground symbols for sensors and launchers', () => {
    expect(sensorSidc('radar3d')).toBe('SFGPESR--------');
    expect(sensorSidc('adsb')).toBe('SFGPES---------');
    expect(launcherSidc()).toBe('SFGPEWMA-------');
  });
});
