// Types of the foundation API contract (docs/api-contract-foundation.md), named after the
// server's OpenAPI document (`schema.d.ts`, generated from web/openapi.json by `npm run gen:api`).
// Do not write a type here that the document has: alias it, so the two cannot drift.

import type { components } from './schema';

/**
 * The schemas of the server's OpenAPI document. Use these, not `paths` or `operations` from
 * schema.d.ts: the server reuses operation ids (`list`, `get_one`, `create`, `replace`,
 * `delete`, `audio`), so `operations` merges unrelated endpoints and `paths` points at the
 * wrong ones (voicemails' `get` has the calls list's query).
 */
export type Schemas = components['schemas'];

/**
 * `T` with some fields narrowed where the document is vaguer than the server: Rust enums it
 * documents as a bare `string` (`#[schema(value_type = String)]`) and structured values it
 * documents as a bare `object`. A narrowing must be assignable to the documented type, so a
 * field the document drops or retypes stops compiling here instead of drifting.
 */
export type Narrow<T, N extends { [K in keyof N]: K extends keyof T ? T[K] : never }> = Omit<T, keyof N> & N;

export const ROLES = ['owner', 'admin', 'supervisor', 'agent', 'developer'] as const;
/** The server's `Role` enum (the document says `string`). */
export type Role = (typeof ROLES)[number];

/** The server's `UserStatus` enum (the document says `string`). */
export type UserStatus = 'active' | 'invited' | 'disabled';

export type User = Narrow<Schemas['UserView'], { role: Role; status: UserStatus }>;

export type Tenant = Schemas['TenantView'];

export type Session = Narrow<Schemas['SessionView'], { user: User }>;

export type Me = Narrow<Schemas['MeView'], { user: User }>;

export type Invitation = Schemas['InvitationView'];

/** An invited user and their invitation (`POST /users`). */
export type Invited = Narrow<Schemas['Invited'], { user: User }>;

export type AuditEntry = Schemas['AuditEntryView'];

/**
 * RFC 7807 problem details as the client holds them: the server's `Problem` (which always has a
 * `detail`, and `errors` when inputs were wrong), or one the client makes itself for a network
 * failure or an answer that is not problem+json (a gateway's HTML page), which may have no
 * `detail`. `parseProblem` checks the members it names; `errors` and other extensions stay
 * `unknown` until checked (`problemFields`).
 */
export type Problem = Omit<Schemas['Problem'], 'detail' | 'field' | 'errors'> & {
  detail?: string;
  /** Present when exactly one input field was wrong. */
  field?: string;
  [extension: string]: unknown;
};

export type SignupRequest = Schemas['SignupRequest'];

export type LoginRequest = Schemas['LoginRequest'];

export type InviteRequest = Schemas['InviteRequest'];

export type UserPatch = Schemas['ChangeUserRequest'];
