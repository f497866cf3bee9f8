// Text formatting shared by the panels (pure).

/** Scenario time as T+HH:MM:SS. */
export function formatScenarioTime(t_s: number): string {
  const sign = t_s < 0 ? '-' : '+';
  const s = Math.floor(Math.abs(t_s));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return `T${sign}${pad2(h)}:${pad2(m)}:${pad2(sec)}`;
}

/** UTC clock HH:MM:SSZ from Unix nanoseconds. */
export function formatUtc(time_ns: number): string {
  if (!Number.isFinite(time_ns) || time_ns <= 0) return '--:--:--Z';
  const d = new Date(time_ns / 1e6);
  return `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}Z`;
}

export function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Countdown like 1:05 or 0:09 (negative clamps to 0:00). */
export function formatCountdown(s: number): string {
  const v = Math.max(0, Math.floor(s));
  return `${Math.floor(v / 60)}:${pad2(v % 60)}`;
}

/** Flight level (hundreds of feet) text, e.g. FL350, or metres below 1000 ft. */
export function flightLevel(alt_m: number): string {
  const ft = alt_m / 0.3048;
  return `FL${String(Math.max(0, Math.round(ft / 100))).padStart(3, '0')}`;
}

export function knots(mps: number): number {
  return Math.round(mps * 1.943844);
}

export function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
