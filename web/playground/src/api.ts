// The server calls the playground makes, with the session's bearer token.

export type Session = { token: string; userId: string };

const storageKey = "kira.playground.session";

export function loadSession(): Session | null {
  try {
    const s = JSON.parse(localStorage.getItem(storageKey) ?? "null") as Session | null;
    if (!s || !s.token || tokenExpired(s.token)) {
      localStorage.removeItem(storageKey);
      return null;
    }
    return s;
  } catch {
    localStorage.removeItem(storageKey);
    return null;
  }
}

export function saveSession(s: Session | null) {
  if (s) localStorage.setItem(storageKey, JSON.stringify(s));
  else localStorage.removeItem(storageKey);
}

// tokenExpired reads the JWT's exp claim (no verification: the server does that).
export function tokenExpired(token: string): boolean {
  try {
    const payload = JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
    return typeof payload.exp !== "number" || payload.exp * 1000 <= Date.now();
  } catch {
    return true;
  }
}

// Unauthorized is thrown on a 401: the page goes back to sign-in.
export class Unauthorized extends Error {}

export async function api<T>(session: Session | null, method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (session) headers.Authorization = `Bearer ${session.token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 401) throw new Unauthorized("signed out");
  const text = await res.text();
  if (!res.ok) {
    let message = text;
    try {
      message = JSON.parse(text).message ?? text;
    } catch {
      /* not JSON */
    }
    throw new Error(`${res.status}: ${message}`);
  }
  return (text ? JSON.parse(text) : undefined) as T;
}

export type Profile = { id: string; nickname: string; plan: string; credit: number; addonCredits: number };
export type Thread = { id: string; title: string; updatedAt: string };
export type Image = { imageId: string; url: string; thumbUrl?: string; blurUrl?: string; prompt?: string };
export type Task = { taskId: string; status: string; url?: string; thumbUrl?: string; coverUrl?: string; prompt?: string };
