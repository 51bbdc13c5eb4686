import type {
  AuditEntry,
  Invitation,
  Invited,
  InviteRequest,
  LoginRequest,
  Me,
  Problem,
  Schemas,
  Session,
  SignupRequest,
  User,
  UserPatch,
} from './types';

/** Where the refresh token lives between page loads. The access token never leaves memory. */
export const REFRESH_TOKEN_KEY = 'kefu.refresh_token';

const PROBLEM_BASE = 'https://kefu.dev/problems/';

/** Web Lock that serialises token refreshes across the tabs of one browser. */
export const REFRESH_LOCK = 'kefu.refresh';

/** The short name of a problem type: `https://kefu.dev/problems/tenant-required` → `tenant-required`. */
export function problemSlug(type: string | undefined): string {
  if (!type) return 'about:blank';
  if (type.startsWith(PROBLEM_BASE)) return type.slice(PROBLEM_BASE.length);
  const trimmed = type.replace(/\/+$/, '');
  const slash = trimmed.lastIndexOf('/');
  return slash >= 0 ? trimmed.slice(slash + 1) : trimmed;
}

/** An error answer from the API (or the network), always carrying problem details. */
export class ApiError extends Error {
  readonly problem: Problem;
  /** Seconds to wait before trying again, from `Retry-After` (429/503), if the server said. */
  readonly retryAfter: number | null;

  constructor(problem: Problem, retryAfter: number | null = null) {
    super(problem.detail ? `${problem.title}: ${problem.detail}` : problem.title);
    this.name = 'ApiError';
    this.problem = problem;
    this.retryAfter = retryAfter;
  }

  get status(): number {
    return this.problem.status;
  }

  get slug(): string {
    return problemSlug(this.problem.type);
  }

  get field(): string | undefined {
    return typeof this.problem.field === 'string' ? this.problem.field : undefined;
  }

  /** A sentence for a person: the detail when there is one, else the title. */
  get userMessage(): string {
    if (this.status === 429) {
      const wait = this.retryAfter !== null ? `Try again in ${formatWait(this.retryAfter)}.` : 'Try again later.';
      return `Too many attempts. ${wait}`;
    }
    return sentence(this.problem.detail || this.problem.title);
  }
}

/** Server details are written in lower case ("the e-mail or password is wrong"): start them with a capital. */
function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function formatWait(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

/** `Retry-After` is either delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value === null || value.trim() === '') return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

function isProblemLike(value: unknown): value is Partial<Problem> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads the problem details out of an error response. Servers and proxies do not always send
 * problem+json (a gateway may answer with HTML), so anything else becomes a synthetic problem
 * that still has a useful title and the real status.
 */
export async function parseProblem(res: Response): Promise<Problem> {
  const fallback: Problem = {
    type: 'about:blank',
    title: res.statusText || defaultTitle(res.status),
    status: res.status,
  };
  let text = '';
  try {
    text = await res.text();
  } catch {
    return fallback;
  }
  const contentType = res.headers.get('content-type') ?? '';
  if (text && (contentType.includes('json') || /^\s*\{/.test(text))) {
    try {
      const body: unknown = JSON.parse(text);
      if (isProblemLike(body)) {
        return {
          ...body,
          type: typeof body.type === 'string' ? body.type : 'about:blank',
          title: typeof body.title === 'string' && body.title ? body.title : fallback.title,
          status: typeof body.status === 'number' ? body.status : res.status,
          detail: typeof body.detail === 'string' ? body.detail : undefined,
          field: typeof body.field === 'string' ? body.field : undefined,
        };
      }
    } catch {
      // Not JSON after all: fall through to the synthetic problem.
    }
  }
  return fallback;
}

function defaultTitle(status: number): string {
  switch (status) {
    case 400:
      return 'Bad request';
    case 401:
      return 'Not signed in';
    case 403:
      return 'Not allowed';
    case 404:
      return 'Not found';
    case 409:
      return 'Conflict';
    case 422:
      return 'Invalid input';
    case 429:
      return 'Too many requests';
    case 502:
    case 503:
    case 504:
      return 'The server is not available right now';
    default:
      return status >= 500 ? 'Server error' : `Request failed (HTTP ${status})`;
  }
}

type KeyValueStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/** localStorage when the browser allows it, else a map that lasts as long as the page. */
function defaultStorage(): KeyValueStorage {
  try {
    const probe = '__kefu_probe__';
    window.localStorage.setItem(probe, probe);
    window.localStorage.removeItem(probe);
    return window.localStorage;
  } catch {
    const map = new Map<string, string>();
    return {
      getItem: (k) => map.get(k) ?? null,
      setItem: (k, v) => void map.set(k, v),
      removeItem: (k) => void map.delete(k),
    };
  }
}

export type SessionChangeReason = 'signed-in' | 'refreshed' | 'signed-out' | 'expired';
export type SessionListener = (session: Session | null, reason: SessionChangeReason) => void;

export interface ApiClientOptions {
  baseUrl?: string;
  fetch?: typeof fetch;
  storage?: KeyValueStorage;
}

interface RequestOptions {
  body?: unknown;
  /** Send the bearer token and refresh-and-retry once on 401 (default true). */
  auth?: boolean;
  query?: Record<string, string | number | undefined>;
  /** Read the answer as a blob (audio, files) instead of JSON. */
  blob?: boolean;
}

export class ApiClient {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly storage: KeyValueStorage;
  private accessToken: string | null = null;
  private refreshing: Promise<Session> | null = null;
  private readonly listeners = new Set<SessionListener>();

  constructor(options: ApiClientOptions = {}) {
    this.baseUrl = options.baseUrl ?? '';
    // Bind so that a window.fetch taken from the global keeps its `this`.
    const f = options.fetch ?? globalThis.fetch;
    this.fetchImpl = (input, init) => f(input, init);
    this.storage = options.storage ?? defaultStorage();
  }

  // ---- session state -------------------------------------------------------------------------

  get hasAccessToken(): boolean {
    return this.accessToken !== null;
  }

  get refreshToken(): string | null {
    return this.storage.getItem(REFRESH_TOKEN_KEY);
  }

  /**
   * The access token for a channel that authenticates in its first message (the agent
   * channel's WebSocket): the one in memory, or a refreshed one when there is none or `fresh`
   * (the channel said the last one expired).
   */
  async channelToken(fresh = false): Promise<string> {
    if (!fresh && this.accessToken) return this.accessToken;
    return (await this.refresh()).access_token;
  }

  onSessionChange(listener: SessionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(session: Session | null, reason: SessionChangeReason) {
    for (const listener of [...this.listeners]) listener(session, reason);
  }

  /** Keeps the access token in memory and the refresh token in storage. */
  setSession(session: Session, reason: SessionChangeReason = 'signed-in') {
    this.accessToken = session.access_token;
    this.storage.setItem(REFRESH_TOKEN_KEY, session.refresh_token);
    this.notify(session, reason);
  }

  clearSession(reason: SessionChangeReason = 'signed-out') {
    this.accessToken = null;
    this.storage.removeItem(REFRESH_TOKEN_KEY);
    this.notify(null, reason);
  }

  /**
   * Trades the stored refresh token for a new session. The refresh token rotates on every use,
   * so concurrent callers share one request instead of racing each other with the same token.
   * A rejected token (4xx) is forgotten and the session ends; if the server cannot be reached the
   * token is kept (a later reload can resume) but this page's session still ends.
   */
  refresh(): Promise<Session> {
    if (!this.refreshing) {
      this.refreshing = this.doRefresh().finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  private doRefresh(): Promise<Session> {
    // Tabs share the stored refresh token, and the server treats a reused refresh token as theft
    // and revokes the whole session. So tabs take turns (Web Locks), and each reads the token
    // only once it holds the lock, getting the one the previous tab just stored.
    const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
    if (locks?.request) {
      return locks.request(REFRESH_LOCK, () => this.refreshWithStoredToken()).then((s) => s);
    }
    return this.refreshWithStoredToken();
  }

  private async refreshWithStoredToken(): Promise<Session> {
    const token = this.refreshToken;
    if (!token) {
      this.accessToken = null;
      throw new ApiError({
        type: `${PROBLEM_BASE}not-signed-in`,
        title: 'Not signed in',
        status: 401,
      });
    }
    try {
      const body: Schemas['RefreshRequest'] = { refresh_token: token };
      const session = await this.send<Session>('POST', '/api/v1/sessions/refresh', {
        body,
        auth: false,
      });
      this.setSession(session, 'refreshed');
      return session;
    } catch (err) {
      const rejected = err instanceof ApiError && err.status >= 400 && err.status < 500;
      if (rejected) {
        this.clearSession('expired');
      } else {
        this.accessToken = null;
        this.notify(null, 'expired');
      }
      throw err;
    }
  }

  // ---- transport -----------------------------------------------------------------------------

  /** One HTTP exchange; on a 401 to an authenticated call, refresh once and retry once. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const auth = options.auth ?? true;
    try {
      return await this.send<T>(method, path, options);
    } catch (err) {
      if (!auth || !(err instanceof ApiError) || err.status !== 401) throw err;
      try {
        await this.refresh();
      } catch {
        throw err;
      }
      return this.send<T>(method, path, options);
    }
  }

  private async send<T>(method: string, path: string, options: RequestOptions): Promise<T> {
    const auth = options.auth ?? true;
    const headers: Record<string, string> = { Accept: 'application/json, application/problem+json' };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    if (auth && this.accessToken) headers.Authorization = `Bearer ${this.accessToken}`;

    let url = this.baseUrl + path;
    if (options.query) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(options.query)) if (v !== undefined) params.set(k, String(v));
      const qs = params.toString();
      if (qs) url += `?${qs}`;
    }

    let res: Response;
    try {
      res = await this.fetchImpl(url, {
        method,
        headers,
        body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
        credentials: 'same-origin',
      });
    } catch (cause) {
      throw new ApiError({
        type: `${PROBLEM_BASE}network-error`,
        title: 'Cannot reach the server',
        status: 0,
        detail: 'Cannot reach the server. Check your connection and try again.',
        cause: String(cause),
      });
    }

    if (!res.ok) {
      throw new ApiError(await parseProblem(res), parseRetryAfter(res.headers.get('Retry-After')));
    }
    if (res.status === 204) return undefined as T;
    if (options.blob) return (await res.blob()) as T;
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  // ---- endpoints (docs/api-contract-foundation.md) ------------------------------------------

  async signup(body: SignupRequest): Promise<Session> {
    const session = await this.request<Session>('POST', '/api/v1/signup', { body, auth: false });
    this.setSession(session);
    return session;
  }

  async login(body: LoginRequest): Promise<Session> {
    const session = await this.request<Session>('POST', '/api/v1/sessions', { body, auth: false });
    this.setSession(session);
    return session;
  }

  async acceptInvitation(token: string, password: string): Promise<Session> {
    const body: Schemas['AcceptRequest'] = { token, password };
    const session = await this.request<Session>('POST', '/api/v1/invitations/accept', {
      body,
      auth: false,
    });
    this.setSession(session);
    return session;
  }

  /** Revokes the refresh token on the server when possible; forgets the session regardless. */
  async logout(): Promise<void> {
    const token = this.refreshToken;
    try {
      if (token && this.accessToken) {
        const body: Schemas['RefreshRequest'] = { refresh_token: token };
        await this.request<void>('POST', '/api/v1/sessions/logout', { body });
      }
    } catch {
      // Signing out must always work locally, even when the server is unhappy or unreachable.
    } finally {
      this.clearSession('signed-out');
    }
  }

  me(): Promise<Me> {
    return this.request<Me>('GET', '/api/v1/me');
  }

  async listUsers(): Promise<User[]> {
    const page = await this.request<{ items: User[] }>('GET', '/api/v1/users');
    return page.items;
  }

  inviteUser(body: InviteRequest): Promise<Invited> {
    return this.request<Invited>('POST', '/api/v1/users', { body });
  }

  /** Send an invited user a new invitation e-mail; earlier links stop working. */
  resendInvitation(id: string): Promise<Invitation> {
    return this.request<Invitation>('POST', `/api/v1/users/${encodeURIComponent(id)}/invitation`);
  }

  updateUser(id: string, patch: UserPatch): Promise<User> {
    return this.request<User>('PATCH', `/api/v1/users/${encodeURIComponent(id)}`, { body: patch });
  }

  async listAudit(options: { limit?: number; before?: string } = {}): Promise<AuditEntry[]> {
    const page = await this.request<Schemas['AuditPage']>('GET', '/api/v1/audit', {
      query: { limit: options.limit, before: options.before },
    });
    return page.items;
  }
}
