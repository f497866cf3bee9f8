import { describe, expect, it } from 'vitest';
import { RenderScheduler, type SchedulerClock } from '../src/scheduler';

/** A fake clock: frames run when `tick` advances past a 16 ms boundary, timers at their time. */
class FakeClock implements SchedulerClock {
  t = 0;
  private frames: (() => void)[] = [];
  private timers: { at: number; cb: () => void }[] = [];
  framesRun = 0;
  now = () => this.t;
  frame = (cb: () => void) => void this.frames.push(cb);
  later = (cb: () => void, ms: number) => void this.timers.push({ at: this.t + ms, cb });
  /** advance time by `ms` in 1 ms steps, running timers when due and frames every 16 ms */
  advance(ms: number): void {
    const end = this.t + ms;
    while (this.t < end) {
      this.t += 1;
      const due = this.timers.filter((x) => x.at <= this.t);
      this.timers = this.timers.filter((x) => x.at > this.t);
      for (const d of due) d.cb();
      if (this.t % 16 === 0 && this.frames.length) {
        const f = this.frames;
        this.frames = [];
        this.framesRun++;
        for (const cb of f) cb();
      }
    }
  }
}

describe('RenderScheduler', () => {
  it('coalesces many marks into one run per frame', () => {
    const c = new FakeClock();
    const s = new RenderScheduler(c);
    let runs = 0;
    s.add('map', 0, () => runs++);
    for (let i = 0; i < 100; i++) s.mark('map');
    c.advance(20);
    expect(runs).toBe(1);
    c.advance(100);
    expect(runs).toBe(1); // nothing new marked: no run
  });

  it('runs a task at most once per interval however often it is marked', () => {
    const c = new FakeClock();
    const s = new RenderScheduler(c);
    const at: number[] = [];
    s.add('map', 250, () => at.push(c.t));
    // 50 deltas a second for 2 s
    for (let i = 0; i < 100; i++) {
      s.mark('map');
      c.advance(20);
    }
    c.advance(300);
    expect(at.length).toBeGreaterThanOrEqual(8);
    expect(at.length).toBeLessThanOrEqual(10);
    for (let i = 1; i < at.length; i++) expect(at[i] - at[i - 1]).toBeGreaterThanOrEqual(250 - 4);
    // the last mark is not lost: a run happens after it
    expect(at[at.length - 1]).toBeGreaterThanOrEqual(2000 - 20);
  });

  it('keeps separate budgets per task and runs only dirty ones', () => {
    const c = new FakeClock();
    const s = new RenderScheduler(c);
    const runs = { map: 0, table: 0, panel: 0 };
    s.add('map', 250, () => runs.map++);
    s.add('table', 500, () => runs.table++);
    s.add('panel', 0, () => runs.panel++);
    for (let i = 0; i < 100; i++) {
      s.mark('map');
      s.mark('table');
      c.advance(10);
    }
    c.advance(600);
    expect(runs.map).toBeGreaterThanOrEqual(4);
    expect(runs.map).toBeLessThanOrEqual(6);
    expect(runs.table).toBeGreaterThanOrEqual(2);
    expect(runs.table).toBeLessThanOrEqual(4);
    expect(runs.panel).toBe(0); // never marked: never rendered
    s.mark('panel');
    c.advance(20);
    expect(runs.panel).toBe(1);
  });

  it('an urgent mark (user action) skips the interval once', () => {
    const c = new FakeClock();
    const s = new RenderScheduler(c);
    const at: number[] = [];
    s.add('table', 500, () => at.push(c.t));
    s.mark('table');
    c.advance(20);
    s.mark('table', true);
    c.advance(20);
    expect(at.length).toBe(2);
    expect(at[1] - at[0]).toBeLessThan(50);
  });

  it('an adaptive interval is read at every decision', () => {
    const c = new FakeClock();
    const s = new RenderScheduler(c);
    let interval = 250;
    const at: number[] = [];
    s.add('map', () => interval, () => at.push(c.t));
    interval = 1000;
    for (let i = 0; i < 150; i++) {
      s.mark('map');
      c.advance(20);
    }
    expect(at.length).toBeGreaterThanOrEqual(3);
    expect(at.length).toBeLessThanOrEqual(4);
  });

  it('a task that throws does not stop the others', () => {
    const c = new FakeClock();
    const s = new RenderScheduler(c);
    const errors: unknown[] = [];
    s.onError = (e) => errors.push(e);
    let ok = 0;
    s.add('bad', 0, () => {
      throw new Error('boom');
    });
    s.add('good', 0, () => ok++);
    s.markAll();
    c.advance(20);
    expect(errors.length).toBe(1);
    expect(ok).toBe(1);
    expect(s.stats().good.runs).toBe(1);
  });
});
