import { describe, expect, it, vi } from 'vitest';
import { ApiClient, ApiError, parseProblem, parseRetryAfter, problemSlug, REFRESH_TOKEN_KEY } from './client';
import { json, memoryStorage, mockFetch, problem, session, user, type Handler } from '../test/mockFetch';

function client(handler: Handler) {
  const storage = memoryStorage();
  const mock = mockFetch(handler);
  const api = new ApiClient({ fetch: mock.fetch, storage });
  return { api, storage, calls: mock.calls };
}

describe('problem+json parsing', () => {
  it('reads type, title, status, detail and field from a problem body', async () => {
    const p = await parseProblem(
      problem(422, 'weak-password', 'Password too weak', { detail: 'Use at least 12 characters.', field: 'password' }),
    );
    expect(p).toMatchObject({
      type: 'https://kefu.dev/problems/weak-password',
      title: 'Password too weak',
      status: 422,
      detail: 'Use at least 12 characters.',
      field: 'password',
    });
  });

  it('turns a non-JSON error page into a problem with the real status', async () => {
    const res = new Response('<html>Bad gateway</html>', { status: 502, headers: { 'Content-Type': 'text/html' } });
    const p = await parseProblem(res);
    expect(p.status).toBe(502);
    expect(p.type).toBe('about:blank');
    expect(p.title).toMatch(/not available/i);
    expect(p.field).toBeUndefined();
  });

  it('ignores a field that is not a string', async () => {
    const p = await parseProblem(json(400, { type: 'x', title: 'Bad', status: 400, field: 7 }));
    expect(p.field).toBeUndefined();
  });

  it('names problems by the last segment of their type', () => {
    expect(problemSlug('https://kefu.dev/problems/tenant-required')).toBe('tenant-required');
    expect(problemSlug('https://example.com/errors/conflict/')).toBe('conflict');
    expect(problemSlug(undefined)).toBe('about:blank');
  });

  it('reads Retry-After as seconds or as a date', () => {
    expect(parseRetryAfter('30')).toBe(30);
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:01:00 GMT', now)).toBe(60);
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter('soon')).toBeNull();
  });

  it('throws ApiError carrying the problem, and tells how long to wait on 429', async () => {
    const { api } = client(() =>
      problem(429, 'rate-limited', 'Too many attempts', {}, { 'Retry-After': '42' }),
    );
    const err = await api.login({ email: 'a@b.test', password: 'x'.repeat(12) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    const apiErr = err as ApiError;
    expect(apiErr.status).toBe(429);
    expect(apiErr.slug).toBe('rate-limited');
    expect(apiErr.retryAfter).toBe(42);
    expect(apiErr.userMessage).toBe('Too many attempts. Try again in 42 seconds.');
  });

  it('starts server details, which are lower case, with a capital', () => {
    const e = new ApiError({ type: 'x', title: 'Authentication required', status: 401, detail: 'the e-mail or password is wrong' });
    expect(e.userMessage).toBe('The e-mail or password is wrong');
  });

  it('reports an unreachable server as status 0', async () => {
    const { api } = client(() => {
      throw new TypeError('Failed to fetch');
    });
    const err = (await api.login({ email: 'a@b.test', password: 'pw' }).catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(0);
    expect(err.userMessage).toMatch(/cannot reach the server/i);
  });
});

describe('token storage', () => {
  it('keeps the refresh token in storage and the access token only in memory', async () => {
    const { api, storage, calls } = client((req) =>
      req.path === '/api/v1/sessions' ? json(200, session({ n: 1 })) : json(200, { items: [user()] }),
    );
    await api.login({ email: 'ada@acme.test', password: 'correct horse battery' });
    expect(storage.map.get(REFRESH_TOKEN_KEY)).toBe('refresh-1');
    expect([...storage.map.values()]).not.toContain('access-1');

    await api.listUsers();
    expect(calls[1]!.headers.authorization).toBe('Bearer access-1');
    // Sign-in requests themselves carry no bearer token.
    expect(calls[0]!.headers.authorization).toBeUndefined();
    expect(calls[0]!.body).toEqual({ email: 'ada@acme.test', password: 'correct horse battery' });
  });

  it('forgets both tokens on logout, and tells the server which refresh token to revoke', async () => {
    const { api, storage, calls } = client((req) =>
      req.path === '/api/v1/sessions/logout' ? json(204, null) : json(200, session({ n: 1 })),
    );
    await api.login({ email: 'ada@acme.test', password: 'pw' });
    await api.logout();
    expect(calls[1]).toMatchObject({
      method: 'POST',
      path: '/api/v1/sessions/logout',
      body: { refresh_token: 'refresh-1' },
      headers: { authorization: 'Bearer access-1' },
    });
    expect(storage.map.has(REFRESH_TOKEN_KEY)).toBe(false);
    expect(api.hasAccessToken).toBe(false);
  });

  it('signs out locally even when the server fails the logout', async () => {
    const { api, storage } = client((req) =>
      req.path === '/api/v1/sessions/logout' ? problem(500, 'internal', 'Boom') : json(200, session()),
    );
    await api.login({ email: 'ada@acme.test', password: 'pw' });
    await expect(api.logout()).resolves.toBeUndefined();
    expect(storage.map.has(REFRESH_TOKEN_KEY)).toBe(false);
  });
});

describe('refresh on 401', () => {
  it('refreshes once with the stored token and retries the request with the new access token', async () => {
    let usersCalls = 0;
    const { api, storage, calls } = client((req) => {
      if (req.path === '/api/v1/sessions') return json(200, session({ n: 1 }));
      if (req.path === '/api/v1/sessions/refresh') return json(200, session({ n: 2 }));
      usersCalls += 1;
      return req.headers.authorization === 'Bearer access-2'
        ? json(200, { items: [user({ name: 'After refresh' })] })
        : problem(401, 'unauthorized', 'Token expired');
    });
    await api.login({ email: 'ada@acme.test', password: 'pw' });
    const users = await api.listUsers();

    expect(users[0]!.name).toBe('After refresh');
    expect(usersCalls).toBe(2);
    const refreshCalls = calls.filter((c) => c.path === '/api/v1/sessions/refresh');
    expect(refreshCalls).toHaveLength(1);
    expect(refreshCalls[0]!.body).toEqual({ refresh_token: 'refresh-1' });
    // The refresh token rotated.
    expect(storage.map.get(REFRESH_TOKEN_KEY)).toBe('refresh-2');
  });

  it('retries only once: a second 401 is returned to the caller without another refresh', async () => {
    const { api, calls } = client((req) => {
      if (req.path === '/api/v1/sessions') return json(200, session({ n: 1 }));
      if (req.path === '/api/v1/sessions/refresh') return json(200, session({ n: 2 }));
      return problem(401, 'unauthorized', 'Nope');
    });
    await api.login({ email: 'ada@acme.test', password: 'pw' });
    const err = (await api.listUsers().catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(401);
    expect(calls.map((c) => c.path)).toEqual([
      '/api/v1/sessions',
      '/api/v1/users',
      '/api/v1/sessions/refresh',
      '/api/v1/users',
    ]);
  });

  it('ends the session when the refresh token is rejected', async () => {
    const { api, storage } = client((req) => {
      if (req.path === '/api/v1/sessions') return json(200, session({ n: 1 }));
      if (req.path === '/api/v1/sessions/refresh') return problem(401, 'invalid-refresh-token', 'Session ended');
      return problem(401, 'unauthorized', 'Token expired');
    });
    const listener = vi.fn();
    await api.login({ email: 'ada@acme.test', password: 'pw' });
    api.onSessionChange(listener);

    const err = (await api.listUsers().catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(401);
    expect(storage.map.has(REFRESH_TOKEN_KEY)).toBe(false);
    expect(api.hasAccessToken).toBe(false);
    expect(listener).toHaveBeenCalledWith(null, 'expired');
  });

  it('keeps the refresh token when the server cannot be reached, but still ends this session', async () => {
    const { api, storage } = client((req) => {
      if (req.path === '/api/v1/sessions') return json(200, session({ n: 1 }));
      if (req.path === '/api/v1/sessions/refresh') throw new TypeError('Failed to fetch');
      return problem(401, 'unauthorized', 'Token expired');
    });
    const listener = vi.fn();
    await api.login({ email: 'ada@acme.test', password: 'pw' });
    api.onSessionChange(listener);
    await expect(api.listUsers()).rejects.toBeInstanceOf(ApiError);
    expect(storage.map.get(REFRESH_TOKEN_KEY)).toBe('refresh-1');
    expect(listener).toHaveBeenCalledWith(null, 'expired');
  });

  it('shares one refresh between concurrent requests (the refresh token rotates)', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { api, calls } = client(async (req) => {
      if (req.path === '/api/v1/sessions') return json(200, session({ n: 1 }));
      if (req.path === '/api/v1/sessions/refresh') {
        await gate;
        return json(200, session({ n: 2 }));
      }
      return req.headers.authorization === 'Bearer access-2'
        ? json(200, { items: [] })
        : problem(401, 'unauthorized', 'Token expired');
    });
    await api.login({ email: 'ada@acme.test', password: 'pw' });
    const both = Promise.all([api.listUsers(), api.listAudit()]);
    await new Promise((r) => setTimeout(r, 10));
    release();
    await both;
    expect(calls.filter((c) => c.path === '/api/v1/sessions/refresh')).toHaveLength(1);
  });

  it('lets tabs take turns refreshing, so no tab presents a token another tab already used', async () => {
    // Two tabs: two clients sharing one localStorage, and a server that revokes on reuse.
    let tail = Promise.resolve();
    const locks = {
      request: vi.fn((_name: string, fn: () => Promise<unknown>) => {
        const run = tail.then(fn);
        tail = run.then(
          () => undefined,
          () => undefined,
        );
        return run;
      }),
    };
    Object.defineProperty(navigator, 'locks', { value: locks, configurable: true });
    try {
      const storage = memoryStorage();
      storage.setItem(REFRESH_TOKEN_KEY, 'refresh-1');
      let next = 2;
      const used = new Set<string>();
      const mock = mockFetch(async (req) => {
        const token = (req.body as { refresh_token: string }).refresh_token;
        await new Promise((r) => setTimeout(r, 5));
        if (used.has(token)) return problem(401, 'unauthorized', 'Refresh token reused');
        used.add(token);
        return json(200, session({ n: next++ }));
      });
      const tabA = new ApiClient({ fetch: mock.fetch, storage });
      const tabB = new ApiClient({ fetch: mock.fetch, storage });
      await Promise.all([tabA.refresh(), tabB.refresh()]);
      expect(mock.calls.map((c) => (c.body as { refresh_token: string }).refresh_token)).toEqual([
        'refresh-1',
        'refresh-2',
      ]);
      expect(storage.map.get(REFRESH_TOKEN_KEY)).toBe('refresh-3');
      expect(locks.request).toHaveBeenCalledTimes(2);
    } finally {
      delete (navigator as { locks?: unknown }).locks;
    }
  });

  it('does not try to refresh when a sign-in itself answers 401', async () => {
    const { api, calls, storage } = client(() => problem(401, 'invalid-credentials', 'Wrong e-mail or password'));
    storage.setItem(REFRESH_TOKEN_KEY, 'old');
    const err = (await api.login({ email: 'a@b.test', password: 'pw' }).catch((e: unknown) => e)) as ApiError;
    expect(err.slug).toBe('invalid-credentials');
    expect(calls).toHaveLength(1);
  });

  it('resumes a session from a stored refresh token', async () => {
    const { api, storage, calls } = client(() => json(200, session({ n: 7 })));
    storage.setItem(REFRESH_TOKEN_KEY, 'from-last-visit');
    const s = await api.refresh();
    expect(s.user.email).toBe('ada@acme.test');
    expect(calls[0]!.body).toEqual({ refresh_token: 'from-last-visit' });
    expect(api.hasAccessToken).toBe(true);
    expect(storage.map.get(REFRESH_TOKEN_KEY)).toBe('refresh-7');
  });
});

describe('endpoints', () => {
  it('sends audit paging as query parameters and PATCHes users by id', async () => {
    const { api, calls } = client((req) =>
      req.method === 'PATCH' ? json(200, user({ role: 'agent' })) : json(200, { items: [] }),
    );
    await api.listAudit({ limit: 50, before: 'aud_9' });
    await api.updateUser('usr_2', { role: 'agent' });
    expect(calls[0]!.url).toBe('/api/v1/audit?limit=50&before=aud_9');
    expect(calls[1]).toMatchObject({ method: 'PATCH', path: '/api/v1/users/usr_2', body: { role: 'agent' } });
  });
});

describe('the token for the agent channel', () => {
  it('hands out the access token in memory, and a refreshed one when asked for a fresh one', async () => {
    const { api, storage, calls } = client((req) =>
      req.path === '/api/v1/sessions/refresh' ? json(200, session({ n: 2 })) : json(404, {}),
    );
    api.setSession(session({ n: 1 }));
    expect(await api.channelToken()).toBe('access-1');
    expect(calls).toHaveLength(0);
    expect(await api.channelToken(true)).toBe('access-2');
    expect(calls.map((c) => c.body)).toEqual([{ refresh_token: 'refresh-1' }]);
    expect(storage.getItem(REFRESH_TOKEN_KEY)).toBe('refresh-2');
    expect(await api.channelToken()).toBe('access-2');
  });
});
