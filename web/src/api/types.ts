// Types of the foundation API contract (docs/api-contract-foundation.md).

export const ROLES = ['owner', 'admin', 'supervisor', 'agent', 'developer'] as const;
export type Role = (typeof ROLES)[number];

export type UserStatus = 'active' | 'invited' | 'disabled';

export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
  status: UserStatus;
  created_at: string;
}

export interface Tenant {
  id: string;
  slug: string;
  name: string;
}

export interface Session {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
  user: User;
  tenant: Tenant;
}

export interface Me {
  user: User;
  tenant: Tenant;
}

export interface Invitation {
  id: string;
  expires_at: string;
}

export interface AuditEntry {
  id: string;
  at: string;
  actor_id: string | null;
  /** `user`, or `telephony` for the platform acting on the tenant's calls. */
  actor_kind: "user" | "telephony" | "integrations" | null;
  action: string;
  target: string | null;
  detail: unknown;
}

/** RFC 7807 problem details, as the server sends them (`application/problem+json`). */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  /** Present when exactly one input field was wrong. */
  field?: string;
  [extension: string]: unknown;
}

export interface SignupRequest {
  company: string;
  name: string;
  email: string;
  password: string;
}

export interface LoginRequest {
  email: string;
  password: string;
  tenant?: string;
}

export interface InviteRequest {
  email: string;
  name: string;
  role: Role;
}

export interface UserPatch {
  name?: string;
  role?: Role;
  disabled?: boolean;
}
