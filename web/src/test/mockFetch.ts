import type { Session, Tenant, User } from '../api/types';

export interface RecordedRequest {
  method: string;
  path: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

export type Handler = (req: RecordedRequest) => Response | Promise<Response>;

/** A fetch double that records every request and answers through `handler`. */
export function mockFetch(handler: Handler) {
  const calls: RecordedRequest[] = [];
  const fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((v, k) => {
      headers[k] = v;
    });
    const req: RecordedRequest = {
      method: (init.method ?? 'GET').toUpperCase(),
      url,
      path: url.replace(/^https?:\/\/[^/]+/, '').split('?')[0] ?? '',
      headers,
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    calls.push(req);
    return handler(req);
  };
  return { fetch: fetch as typeof globalThis.fetch, calls };
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

export function problem(
  status: number,
  slug: string,
  title: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Response {
  return new Response(
    JSON.stringify({ type: `https://kefu.dev/problems/${slug}`, title, status, ...extra }),
    { status, headers: { 'Content-Type': 'application/problem+json', ...headers } },
  );
}

export const TENANT: Tenant = { id: 'ten_1', slug: 'acme', name: 'Acme Support' };

export function user(overrides: Partial<User> = {}): User {
  return {
    id: 'usr_1',
    email: 'ada@acme.test',
    name: 'Ada Lovelace',
    role: 'owner',
    status: 'active',
    created_at: '2025-01-02T03:04:05Z',
    ...overrides,
  };
}

export function session(overrides: Partial<Session> & { n?: number } = {}): Session {
  const { n = 1, ...rest } = overrides;
  return {
    access_token: `access-${n}`,
    token_type: 'Bearer',
    expires_in: 900,
    refresh_token: `refresh-${n}`,
    user: user(),
    tenant: TENANT,
    ...rest,
  };
}

/** In-memory Storage stand-in so tests can see exactly what was stored. */
export function memoryStorage() {
  const map = new Map<string, string>();
  return {
    map,
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, v),
    removeItem: (k: string) => void map.delete(k),
  };
}
