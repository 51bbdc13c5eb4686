import { describe, expect, it } from 'vitest';
import { ROLES } from '../api/types';
import { canUseShell, homeForRole, landingPath, shellForRole } from './roles';

describe('role → route', () => {
  it.each([
    ['owner', '/admin'],
    ['admin', '/admin'],
    ['supervisor', '/supervisor'],
    ['agent', '/agent'],
    ['developer', '/developer'],
  ] as const)('%s lands on %s', (role, path) => {
    expect(homeForRole(role)).toBe(path);
  });

  it('gives every role its own shell, and owners and admins the developer portal too', () => {
    const extra: Partial<Record<(typeof ROLES)[number], string[]>> = { owner: ['developer'], admin: ['developer'] };
    for (const role of ROLES) {
      const allowed = (['admin', 'supervisor', 'agent', 'developer'] as const).filter((s) => canUseShell(role, s));
      expect(allowed).toEqual([shellForRole(role), ...(extra[role] ?? [])]);
    }
  });

  it('lets an admin come back to a developer page but not a developer to an admin page', () => {
    expect(landingPath('admin', '/developer/publish')).toBe('/developer/publish');
    expect(landingPath('developer', '/admin/plugins')).toBe('/developer');
    expect(landingPath('supervisor', '/developer')).toBe('/supervisor');
  });

  it('returns to a requested page inside the own shell', () => {
    expect(landingPath('admin', '/admin/audit')).toBe('/admin/audit');
    expect(landingPath('owner', '/admin/users?x=1')).toBe('/admin/users?x=1');
  });

  it('ignores requested pages of other shells, look-alike prefixes and other origins', () => {
    expect(landingPath('agent', '/admin/users')).toBe('/agent');
    expect(landingPath('admin', '/administrator')).toBe('/admin');
    expect(landingPath('agent', '//evil.test/agent')).toBe('/agent');
    expect(landingPath('agent', 'https://evil.test/agent')).toBe('/agent');
    expect(landingPath('supervisor', null)).toBe('/supervisor');
  });
});
