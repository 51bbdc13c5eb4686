import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { json, problem, session, TENANT, user } from './test/mockFetch';
import { renderApp } from './test/renderApp';

const owner = user();
const agent = user({ id: 'usr_2', role: 'agent', name: 'Ben Agent', email: 'ben@acme.test' });

describe('routing by role', () => {
  it('sends an agent who opens /admin back to /agent', async () => {
    renderApp('/admin/users', () => json(200, session({ user: agent })), { refreshToken: 'stored' });
    await screen.findByTestId('shell-agent');
    expect(screen.getByTestId('location').textContent).toBe('/agent');
    expect(screen.queryByTestId('shell-admin')).toBeNull();
  });

  it('sends anonymous visitors to sign-in and back to the page they wanted afterwards', async () => {
    const u = userEvent.setup();
    renderApp('/admin/audit', (req) => {
      if (req.path === '/api/v1/sessions') return json(200, session());
      return json(200, { items: [] });
    });
    await screen.findByRole('form', { name: 'Sign in' });
    await u.type(screen.getByLabelText('E-mail'), 'ada@acme.test');
    await u.type(screen.getByLabelText('Password'), 'a long password');
    await u.click(screen.getByRole('button', { name: 'Sign in' }));
    await waitFor(() => expect(screen.getByTestId('location').textContent).toBe('/admin/audit'));
  });

  it('goes to sign-in with a notice when the stored session is no longer valid', async () => {
    const { storage } = renderApp('/supervisor', () => problem(401, 'invalid-refresh-token', 'Expired'), {
      refreshToken: 'stale',
    });
    expect(await screen.findByTestId('login-notice')).toBeTruthy();
    expect(screen.getByTestId('location').textContent).toBe('/login');
    expect(storage.map.size).toBe(0);
  });
});

describe('admin shell', () => {
  it('shows the company and the signed-in user, lists users, and signs out', async () => {
    const u = userEvent.setup();
    const { calls } = renderApp(
      '/admin',
      (req) => {
        if (req.path === '/api/v1/sessions/refresh') return json(200, session({ user: owner }));
        if (req.path === '/api/v1/users') return json(200, { items: [owner, agent] });
        if (req.path === '/api/v1/sessions/logout') return json(204, null);
        return problem(404, 'not-found', 'Not found');
      },
      { refreshToken: 'stored' },
    );
    const shell = await screen.findByTestId('shell-admin');
    expect(within(shell).getByTestId('current-company').textContent).toBe(TENANT.name);
    expect(within(shell).getByTestId('current-user-name').textContent).toBe('Ada Lovelace');
    const table = await screen.findByTestId('users-table');
    expect(within(table).getByText('ben@acme.test')).toBeTruthy();
    // The owner's own row cannot be edited; the agent's can.
    expect(within(table).queryByLabelText('Role of ada@acme.test')).toBeNull();
    expect(within(table).getByLabelText('Role of ben@acme.test')).toBeTruthy();

    await u.click(screen.getByTestId('sign-out'));
    await waitFor(() => expect(screen.getByTestId('location').textContent).toBe('/login'));
    expect(calls.some((c) => c.path === '/api/v1/sessions/logout')).toBe(true);
  });

  it('changes a role and disables a user through PATCH', async () => {
    const u = userEvent.setup();
    let current = agent;
    const { calls } = renderApp(
      '/admin/users',
      (req) => {
        if (req.path === '/api/v1/sessions/refresh') return json(200, session({ user: owner }));
        if (req.path === '/api/v1/users') return json(200, { items: [owner, current] });
        if (req.method === 'PATCH') {
          const body = req.body as { role?: 'supervisor'; disabled?: boolean };
          current = {
            ...current,
            ...(body.role ? { role: body.role } : {}),
            ...(body.disabled !== undefined ? { status: body.disabled ? 'disabled' : 'active' } : {}),
          };
          return json(200, current);
        }
        return problem(404, 'not-found', 'Not found');
      },
      { refreshToken: 'stored' },
    );
    await u.selectOptions(await screen.findByLabelText('Role of ben@acme.test'), 'supervisor');
    await waitFor(() => expect((screen.getByLabelText('Role of ben@acme.test') as HTMLSelectElement).value).toBe('supervisor'));
    await u.click(screen.getByRole('button', { name: 'Disable ben@acme.test' }));
    expect(await screen.findByRole('button', { name: 'Enable ben@acme.test' })).toBeTruthy();
    expect(calls.filter((c) => c.method === 'PATCH').map((c) => [c.path, c.body])).toEqual([
      ['/api/v1/users/usr_2', { role: 'supervisor' }],
      ['/api/v1/users/usr_2', { disabled: true }],
    ]);
  });

  it('shows an invitation error next to the field the server names', async () => {
    const u = userEvent.setup();
    renderApp(
      '/admin/users',
      (req) => {
        if (req.path === '/api/v1/sessions/refresh') return json(200, session({ user: owner }));
        if (req.path === '/api/v1/users' && req.method === 'GET') return json(200, { items: [owner] });
        return problem(409, 'email-taken', 'E-mail in use', { detail: 'That e-mail is already a user here.', field: 'email' });
      },
      { refreshToken: 'stored' },
    );
    const form = await screen.findByRole('form', { name: 'Invite a user' });
    await u.type(within(form).getByLabelText('E-mail'), 'ada@acme.test');
    await u.type(within(form).getByLabelText('Name'), 'Ada Again');
    await u.click(within(form).getByRole('button', { name: 'Send invitation' }));
    expect((await screen.findByTestId('error-invite-email')).textContent).toBe('That e-mail is already a user here.');
  });
});

describe('sign-up', () => {
  it('updates the password hints as you type and shows a server field error', async () => {
    const u = userEvent.setup();
    renderApp('/signup', () =>
      problem(422, 'weak-password', 'Weak password', { detail: 'This password is too common.', field: 'password' }),
    );
    const lengthHint = screen.getByTestId('password-hint-length');
    expect(lengthHint.getAttribute('data-ok')).toBe('false');
    await u.type(screen.getByLabelText('Password'), 'violet tram lantern');
    expect(lengthHint.getAttribute('data-ok')).toBe('true');

    await u.type(screen.getByLabelText('Company name'), 'Acme');
    await u.type(screen.getByLabelText('Your name'), 'Ada');
    await u.type(screen.getByLabelText('E-mail'), 'ada@acme.test');
    await u.click(screen.getByRole('button', { name: 'Create account' }));
    expect((await screen.findByTestId('error-password')).textContent).toBe('This password is too common.');
  });

  it('says as you type why a password is too easy to guess, in the browser\'s language', async () => {
    const u = userEvent.setup();
    const { calls } = renderApp('/signup', () => json(201, session()));
    await u.type(screen.getByLabelText('Company name'), 'Huaxia Tech');
    await u.type(screen.getByLabelText('Your name'), 'Li Na');
    await u.type(screen.getByLabelText('E-mail'), 'li.na@huaxia.test');
    await u.type(screen.getByLabelText('Password'), 'zhangwei1988');
    const reason = await screen.findByTestId('password-hint-strength-reason');
    expect(reason.textContent).toMatch(/name, e-mail, company or a very common word/);
    expect(screen.getByTestId('password-hint-strength').getAttribute('data-ok')).toBe('false');
    await u.click(screen.getByRole('button', { name: 'Create account' }));
    expect((await screen.findByTestId('error-password')).textContent).toMatch(/^Too easy to guess/);
    expect(calls).toHaveLength(0);
  });

  it('speaks Chinese to a Chinese browser', async () => {
    vi.spyOn(navigator, 'language', 'get').mockReturnValue('zh-CN');
    vi.spyOn(navigator, 'languages', 'get').mockReturnValue(['zh-CN', 'en']);
    const u = userEvent.setup();
    renderApp('/signup', () => json(201, session()));
    await u.type(screen.getByLabelText('Password'), 'qwertyuiop12');
    expect((await screen.findByTestId('password-hint-strength-reason')).textContent).toMatch(/常用密码/);
    expect(screen.getByTestId('password-hint-strength').textContent).toContain('太容易被猜到');
  });

  it('refuses to send a short password', async () => {
    const u = userEvent.setup();
    const { calls } = renderApp('/signup', () => json(201, session()));
    await u.type(screen.getByLabelText('Company name'), 'Acme');
    await u.type(screen.getByLabelText('Your name'), 'Ada');
    await u.type(screen.getByLabelText('E-mail'), 'ada@acme.test');
    await u.type(screen.getByLabelText('Password'), 'short');
    await u.click(screen.getByRole('button', { name: 'Create account' }));
    expect((await screen.findByTestId('error-password')).textContent).toMatch(/12 characters/);
    expect(calls).toHaveLength(0);
  });
});
