// WebSocket stream: a snapshot, then deltas. On a version gap or a lost connection the
// stream reconnects with exponential backoff (plus jitter); the server's first message on
// every connection is a fresh snapshot, which is the resync.

import type { Delta, Snapshot } from './types';

export type ConnState = 'connecting' | 'live' | 'reconnecting' | 'stopped';

export interface StreamHandlers {
  onSnapshot(s: Snapshot): void;
  /** return false to ask for a resync (version gap) */
  onDelta(d: Delta): boolean;
  onState(state: ConnState, detail: string): void;
  /** called after repeated failures before the first message; may check the token */
  onRepeatedFailure?(attempts: number): void;
}

/** Backoff before reconnect attempt n (1-based): 0.5 s, 1, 2, 4, 8, capped at 10 s, ±20 %. */
export function backoffMs(attempt: number, rand: () => number = Math.random): number {
  const base = Math.min(10000, 500 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + 0.4 * rand()));
}

export class Stream {
  private ws: WebSocket | null = null;
  private attempts = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = true;
  private gotMessage = false;
  private watchdog: ReturnType<typeof setInterval> | null = null;
  private lastMessageAt = 0;
  resyncs = 0;
  /** messages received and the time spent parsing them (ms), for the page's perf counters */
  readonly stats = { messages: 0, parseMs: 0 };

  /**
   * `staleAfterMs()` is how long the stream may stay silent before it counts as dead
   * (Infinity while the run is paused: a paused server has no cycles to send).
   */
  constructor(
    private url: () => string,
    private h: StreamHandlers,
    private staleAfterMs: () => number = () => 15000,
  ) {}

  start(): void {
    this.stopped = false;
    this.attempts = 0;
    this.open();
    if (!this.watchdog)
      this.watchdog = setInterval(() => {
        const stale = this.staleAfterMs();
        if (this.ws && this.ws.readyState === WebSocket.OPEN && this.gotMessage && Date.now() - this.lastMessageAt > stale) {
          this.reconnect(`no message for ${Math.round(stale / 1000)} s`);
        }
      }, 2000);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onclose = ws.onerror = ws.onmessage = ws.onopen = null;
      try {
        ws.close(1000, 'client stops');
      } catch {
        /* ignore */
      }
    }
    this.h.onState('stopped', '');
  }

  /** Drop the connection and reconnect at once (a resync); used on a version gap. */
  resync(reason: string): void {
    this.resyncs++;
    this.reconnect(reason, 0);
  }

  private reconnect(reason: string, delayMs?: number): void {
    if (this.stopped) return;
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onclose = ws.onerror = ws.onmessage = ws.onopen = null;
      try {
        ws.close(4000, reason.slice(0, 100));
      } catch {
        /* ignore */
      }
    }
    this.schedule(reason, delayMs);
  }

  private schedule(reason: string, delayMs?: number): void {
    if (this.stopped || this.timer) return;
    this.attempts++;
    const wait = delayMs ?? backoffMs(this.attempts);
    this.h.onState('reconnecting', `${reason}; retry ${this.attempts} in ${(wait / 1000).toFixed(1)} s`);
    if (!this.gotMessage && this.attempts >= 3) this.h.onRepeatedFailure?.(this.attempts);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.open();
    }, wait);
  }

  private open(): void {
    if (this.stopped) return;
    this.gotMessage = false;
    this.h.onState('connecting', '');
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url());
    } catch (e) {
      this.schedule(`cannot open: ${(e as Error).message}`);
      return;
    }
    this.ws = ws;
    ws.onmessage = (ev) => {
      let msg: Snapshot | Delta;
      const t0 = performance.now();
      try {
        msg = JSON.parse(typeof ev.data === 'string' ? ev.data : '');
      } catch {
        return; // not JSON: ignore
      } finally {
        this.stats.messages++;
        this.stats.parseMs += performance.now() - t0;
      }
      this.lastMessageAt = Date.now();
      if (msg.type === 'snapshot') {
        this.gotMessage = true;
        this.attempts = 0;
        this.h.onSnapshot(msg);
        this.h.onState('live', '');
      } else if (msg.type === 'delta') {
        if (!this.gotMessage) return; // a delta before the snapshot cannot be applied
        if (!this.h.onDelta(msg)) this.resync(`version gap at ${msg.version}`);
      }
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.schedule(ev.code === 1000 ? 'closed by server' : `connection lost (${ev.code})`);
    };
    ws.onerror = () => {
      /* onclose follows */
    };
  }
}
