import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { User } from '../api/types';
import { UsersTable } from './UsersTable';

function user(id: string, status: User['status']): User {
  return {
    id,
    email: `${id}@acme.test`,
    name: id,
    role: 'agent',
    status,
    created_at: '2026-11-22T10:00:00Z',
  };
}

describe('UsersTable', () => {
  it('offers to resend invitations only to invited users', () => {
    const onResendInvitation = vi.fn();
    render(
      <UsersTable
        users={[user('usr_invited', 'invited'), user('usr_active', 'active')]}
        actions={{
          currentUserId: 'usr_admin',
          busyIds: new Set(),
          onChangeRole: vi.fn(),
          onSetDisabled: vi.fn(),
          onResendInvitation,
        }}
      />,
    );
    expect(screen.queryByRole('button', { name: 'Resend invitation to usr_active@acme.test' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Resend invitation to usr_invited@acme.test' }));
    expect(onResendInvitation).toHaveBeenCalledTimes(1);
    expect(onResendInvitation).toHaveBeenCalledWith(expect.objectContaining({ id: 'usr_invited' }));
  });
});
