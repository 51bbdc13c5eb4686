import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { json, problem, session, user } from '../test/mockFetch';
import { renderApp } from '../test/renderApp';

describe('accept invitation', () => {
  it('says so when the link has no token', () => {
    const { calls } = renderApp('/invite', () => json(200, {}));
    expect(screen.getByTestId('form-error').textContent).toMatch(/incomplete/i);
    expect(calls).toHaveLength(0);
  });

  it('sets the password with the token and lands in the shell of the invited role', async () => {
    const u = userEvent.setup();
    const { calls, storage } = renderApp('/invite?token=tok123', () =>
      json(200, session({ user: user({ role: 'supervisor', name: 'Sue' }), n: 3 })),
    );
    await u.type(screen.getByLabelText('New password'), 'violet tram lantern');
    await u.type(screen.getByLabelText('Repeat password'), 'violet tram lantern');
    await u.click(screen.getByRole('button', { name: /set password/i }));
    await waitFor(() => expect(screen.getByTestId('location').textContent).toBe('/supervisor'));
    expect(calls[0]).toMatchObject({
      method: 'POST',
      path: '/api/v1/invitations/accept',
      body: { token: 'tok123', password: 'violet tram lantern' },
    });
    expect(storage.map.get('kefu.refresh_token')).toBe('refresh-3');
  });

  it('catches a mistyped repeat before asking the server', async () => {
    const u = userEvent.setup();
    const { calls } = renderApp('/invite?token=tok123', () => json(200, session()));
    await u.type(screen.getByLabelText('New password'), 'violet tram lantern');
    await u.type(screen.getByLabelText('Repeat password'), 'violet tram lanterm');
    await u.click(screen.getByRole('button', { name: /set password/i }));
    expect((await screen.findByTestId('error-confirm')).textContent).toMatch(/differ/);
    expect(calls).toHaveLength(0);
  });

  it('shows an expired invitation as a banner', async () => {
    const u = userEvent.setup();
    renderApp('/invite?token=old', () =>
      problem(410, 'invitation-expired', 'Invitation expired', { detail: 'This invitation has expired.' }),
    );
    await u.type(screen.getByLabelText('New password'), 'violet tram lantern');
    await u.type(screen.getByLabelText('Repeat password'), 'violet tram lantern');
    await u.click(screen.getByRole('button', { name: /set password/i }));
    expect((await screen.findByTestId('form-error')).textContent).toBe('This invitation has expired.');
  });
});
