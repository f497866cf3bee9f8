// Render scheduler: the stream applies deltas to the model as they arrive (tens to a hundred a
// second), and the views are redrawn on a budget. Each view is a named task with a minimum
// interval between runs; marking a task dirty asks for it to run in the next animation frame
// once its interval has passed since its previous run. Several marks between two runs are one
// run. Pure apart from the injected clock (tested by vitest with a fake one).

export interface SchedulerClock {
  now(): number;
  /** run `cb` in the next animation frame */
  frame(cb: () => void): void;
  /** run `cb` after `ms` milliseconds */
  later(cb: () => void, ms: number): void;
}

export const browserClock: SchedulerClock = {
  now: () => performance.now(),
  frame: (cb) => void requestAnimationFrame(() => cb()),
  later: (cb, ms) => void setTimeout(cb, ms),
};

export interface TaskStats {
  /** times the task ran */
  runs: number;
  /** total and longest JS time in the task (ms) */
  ms: number;
  maxMs: number;
}

interface Task {
  name: string;
  /** minimum time between two runs (ms); a function lets a view adapt it to its own cost */
  interval: () => number;
  run: () => void;
  dirty: boolean;
  /** run in the next frame regardless of the interval (a user action) */
  urgent: boolean;
  lastRun: number;
  stats: TaskStats;
}

/** A frame may come this much before a task's due time and still run it (rAF jitter). */
const EARLY_MS = 4;

export class RenderScheduler {
  private tasks: Task[] = [];
  private frameQueued = false;
  /** due time of the pending timer, Infinity when none */
  private timerAt = Infinity;
  /** errors thrown by tasks (the scheduler keeps going; they are re-thrown asynchronously) */
  onError: (e: unknown) => void = (e) => setTimeout(() => { throw e; }, 0);

  constructor(private clock: SchedulerClock = browserClock) {}

  /** Register a view. Tasks run in registration order within a frame. */
  add(name: string, intervalMs: number | (() => number), run: () => void): void {
    if (this.tasks.some((t) => t.name === name)) throw new Error(`task ${name} already registered`);
    const interval = typeof intervalMs === 'number' ? () => intervalMs : intervalMs;
    this.tasks.push({ name, interval, run, dirty: false, urgent: false, lastRun: -Infinity, stats: { runs: 0, ms: 0, maxMs: 0 } });
  }

  /** Something the view shows changed. `urgent` (a user action) skips the interval once. */
  mark(name: string, urgent = false): void {
    const t = this.tasks.find((x) => x.name === name);
    if (!t) throw new Error(`no task ${name}`);
    t.dirty = true;
    if (urgent) t.urgent = true;
    this.request();
  }

  markAll(urgent = false): void {
    for (const t of this.tasks) {
      t.dirty = true;
      if (urgent) t.urgent = true;
    }
    this.request();
  }

  isDirty(name: string): boolean {
    return !!this.tasks.find((x) => x.name === name)?.dirty;
  }

  stats(): Record<string, TaskStats> {
    return Object.fromEntries(this.tasks.map((t) => [t.name, { ...t.stats }]));
  }

  private dueAt(t: Task): number {
    return t.urgent ? -Infinity : t.lastRun + t.interval();
  }

  /** Queue a frame if a dirty task is due, else a timer for the earliest due time. */
  private request(): void {
    if (this.frameQueued) return;
    let due = Infinity;
    for (const t of this.tasks) if (t.dirty) due = Math.min(due, this.dueAt(t));
    if (due === Infinity) return;
    const now = this.clock.now();
    if (due <= now + EARLY_MS) {
      this.frameQueued = true;
      this.clock.frame(() => this.onFrame());
      return;
    }
    if (due >= this.timerAt) return; // an earlier timer is already pending
    this.timerAt = due;
    this.clock.later(() => {
      if (this.timerAt !== due) return; // superseded by an earlier timer
      this.timerAt = Infinity;
      this.request();
    }, due - now);
  }

  private onFrame(): void {
    this.frameQueued = false;
    const now = this.clock.now();
    for (const t of this.tasks) {
      if (!t.dirty || this.dueAt(t) > now + EARLY_MS) continue;
      t.dirty = false;
      t.urgent = false;
      t.lastRun = now;
      const t0 = this.clock.now();
      try {
        t.run();
      } catch (e) {
        this.onError(e);
      }
      const dt = this.clock.now() - t0;
      t.stats.runs++;
      t.stats.ms += dt;
      t.stats.maxMs = Math.max(t.stats.maxMs, dt);
    }
    // the timer (if any) may now be later than what is due: recompute
    this.timerAt = Infinity;
    this.request();
  }
}
