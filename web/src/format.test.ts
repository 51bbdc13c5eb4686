import { describe, expect, it } from 'vitest';
import { formatDateTime, formatDetail } from './format';

describe('formatDetail', () => {
  it('shows text as it is and objects as key: value pairs', () => {
    expect(formatDetail('role changed')).toBe('role changed');
    expect(formatDetail({ email: 'a@b.test', role: 'agent' })).toBe('email: a@b.test, role: agent');
  });

  it('leaves out unset fields and shows nothing for empty details', () => {
    expect(formatDetail({ disabled: null, name: null, role: 'developer' })).toBe('role: developer');
    expect(formatDetail({})).toBe('—');
    expect(formatDetail(null)).toBe('—');
  });

  it('writes nested values as JSON', () => {
    expect(formatDetail({ change: { role: 'admin' }, n: 2 })).toBe('change: {"role":"admin"}, n: 2');
  });
});

describe('formatDateTime', () => {
  it('keeps text it cannot read and marks missing dates', () => {
    expect(formatDateTime('yesterday')).toBe('yesterday');
    expect(formatDateTime(null)).toBe('—');
    expect(formatDateTime('2025-01-02T03:04:05Z')).toMatch(/2025/);
  });
});
