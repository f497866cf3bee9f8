// REST client for the live API. Paths are resolved against the page's own URL so the page
// also works when the server mounts it below a prefix.

import type { Engagement, HistoryRange, LoginResponse, Role, Snapshot } from './types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly serverMessage: string,
    readonly path: string,
    /** the parsed JSON error body, if any (a 409 on approve/reject carries `engagement`) */
    readonly body: unknown = null,
  ) {
    super(`${status} ${serverMessage}`);
  }

  /** The server's current engagement record sent with a 409 (null when absent or malformed). */
  get engagement(): Engagement | null {
    const b = this.body as { engagement?: unknown } | null;
    const e = b && typeof b === 'object' ? b.engagement : null;
    if (!e || typeof e !== 'object') return null;
    const r = e as Partial<Engagement>;
    return typeof r.id === 'number' && typeof r.status === 'string' ? (r as Engagement) : null;
  }
}

const TOKEN_KEY = 'tessera.token';
const USER_KEY = 'tessera.user';

export interface Session {
  token: string;
  username: string;
  role: Role;
}

export function apiUrl(path: string): string {
  // "api/x" relative to the document: /api/x when the page is served at /
  return new URL(path.replace(/^\//, ''), document.baseURI).toString();
}

export function streamUrl(token: string): string {
  const u = new URL(apiUrl('api/stream'));
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.searchParams.set('token', token);
  return u.toString();
}

export function loadSession(): Session | null {
  try {
    const token = sessionStorage.getItem(TOKEN_KEY);
    const user = JSON.parse(sessionStorage.getItem(USER_KEY) ?? 'null');
    if (token && user?.username && user?.role) return { token, username: user.username, role: user.role };
  } catch {
    /* storage unavailable or corrupt */
  }
  return null;
}

export function saveSession(s: Session | null): void {
  if (!s) {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(USER_KEY);
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, s.token);
  sessionStorage.setItem(USER_KEY, JSON.stringify({ username: s.username, role: s.role }));
}

export class Api {
  token: string | null = null;
  /** called on any 401 from an authenticated endpoint */
  onUnauthorized: (() => void) | null = null;

  async request<T>(method: string, path: string, body?: unknown, timeoutMs = 15000): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), timeoutMs);
    let res: Response;
    try {
      res = await fetch(apiUrl(path), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: ctl.signal,
        cache: 'no-store',
      });
    } catch (e) {
      throw new ApiError(0, ctl.signal.aborted ? 'timed out' : `network error: ${(e as Error).message}`, path);
    } finally {
      clearTimeout(timer);
    }
    const text = await res.text();
    let data: unknown = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null;
    }
    if (!res.ok) {
      const serverError =
        data && typeof data === 'object' && 'error' in data ? String((data as { error: unknown }).error) : '';
      const msg = serverError || text.slice(0, 200) || res.statusText;
      if (res.status === 401 && this.token && path !== 'api/login') this.onUnauthorized?.();
      throw new ApiError(res.status, msg, path, data);
    }
    return data as T;
  }

  login(username: string, password: string) {
    return this.request<LoginResponse>('POST', 'api/login', { username, password });
  }
  me() {
    return this.request<{ username: string; role: Role }>('GET', 'api/me');
  }
  logout() {
    return this.request<unknown>('POST', 'api/logout', {});
  }
  picture() {
    return this.request<Snapshot>('GET', 'api/picture');
  }
  pictureAt(t_s: number) {
    return this.request<Snapshot>('GET', `api/picture/at?t_s=${encodeURIComponent(String(t_s))}`);
  }
  historyRange() {
    return this.request<HistoryRange>('GET', 'api/history/range');
  }
  engagements() {
    return this.request<Engagement[]>('GET', 'api/engagements');
  }
  approve(id: number, comment?: string) {
    return this.request<Engagement>('POST', `api/engagements/${id}/approve`, comment ? { comment } : {});
  }
  reject(id: number, reason: string) {
    return this.request<Engagement>('POST', `api/engagements/${id}/reject`, { reason });
  }
  control(body: { speed?: number; paused?: boolean }) {
    return this.request<{ speed: number; paused: boolean }>('POST', 'api/control', body);
  }
}
