import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { json, problem, session, user } from '../test/mockFetch';
import { renderApp } from '../test/renderApp';

const agentSession = session({ user: user({ id: 'usr_9', role: 'agent', name: 'Ben Agent', email: 'ben@x.test' }) });

describe('login form', () => {
  it('hides the company field until the server says the tenant is required, then sends it', async () => {
    const u = userEvent.setup();
    const { calls } = renderApp('/login', (req) => {
      const body = req.body as { tenant?: string };
      if (req.path === '/api/v1/sessions' && !body.tenant) {
        return problem(409, 'tenant-required', 'Choose a company', {
          detail: 'This e-mail is registered with several companies.',
        });
      }
      if (req.path === '/api/v1/sessions') return json(200, agentSession);
      return json(200, { items: [] });
    });

    expect(screen.queryByLabelText(/company id/i)).toBeNull();
    await u.type(screen.getByLabelText('E-mail'), 'ben@x.test');
    await u.type(screen.getByLabelText('Password'), 'a long password');
    await u.click(screen.getByRole('button', { name: 'Sign in' }));

    const tenant = await screen.findByLabelText(/company id/i);
    expect(screen.getByTestId('error-tenant').textContent).toMatch(/more than one company/i);
    expect(tenant).toHaveProperty('required', true);
    await waitFor(() => expect(document.activeElement).toBe(tenant));

    await u.type(tenant, 'acme');
    await u.click(screen.getByRole('button', { name: 'Sign in' }));

    await waitFor(() => expect(screen.getByTestId('location').textContent).toBe('/agent'));
    expect(calls.filter((c) => c.path === '/api/v1/sessions').map((c) => c.body)).toEqual([
      { email: 'ben@x.test', password: 'a long password' },
      { email: 'ben@x.test', password: 'a long password', tenant: 'acme' },
    ]);
    expect(await screen.findByTestId('shell-agent')).toBeTruthy();
  });

  it('offers the company field behind a toggle', async () => {
    const u = userEvent.setup();
    const { calls } = renderApp('/login', () => json(200, agentSession));
    await u.click(screen.getByRole('button', { name: /sign in to a specific company/i }));
    await u.type(screen.getByLabelText(/company id/i), 'demo');
    await u.type(screen.getByLabelText('E-mail'), 'ben@x.test');
    await u.type(screen.getByLabelText('Password'), 'a long password');
    await u.click(screen.getByRole('button', { name: 'Sign in' }));
    await waitFor(() => expect(calls[0]?.body).toMatchObject({ tenant: 'demo' }));
  });

  it('shows wrong credentials as a banner and keeps the user on the form', async () => {
    const u = userEvent.setup();
    renderApp('/login', () =>
      problem(401, 'invalid-credentials', 'Wrong e-mail or password', { detail: 'Wrong e-mail or password.' }),
    );
    await u.type(screen.getByLabelText('E-mail'), 'ben@x.test');
    await u.type(screen.getByLabelText('Password'), 'a long password');
    await u.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByTestId('form-error')).textContent).toBe('Wrong e-mail or password.');
    expect(screen.getByTestId('location').textContent).toBe('/login');
    expect(screen.getByRole('button', { name: 'Sign in' })).toHaveProperty('disabled', false);
  });

  it('disables the button while the request runs', async () => {
    const u = userEvent.setup();
    let answer!: (r: Response) => void;
    renderApp('/login', () => new Promise<Response>((r) => (answer = r)));
    await u.type(screen.getByLabelText('E-mail'), 'ben@x.test');
    await u.type(screen.getByLabelText('Password'), 'a long password');
    await u.click(screen.getByRole('button', { name: 'Sign in' }));
    const busy = await screen.findByTestId('login-submit');
    expect(busy).toHaveProperty('disabled', true);
    expect(busy.getAttribute('aria-busy')).toBe('true');
    answer(json(200, agentSession));
    await waitFor(() => expect(screen.getByTestId('location').textContent).toBe('/agent'));
  });
});

describe('login form, company errors', () => {
  it('opens the company field to show a problem about it', async () => {
    const u = userEvent.setup();
    renderApp('/login', () =>
      problem(404, 'tenant-not-found', 'Unknown company', { detail: 'No company has this ID.', field: 'tenant' }),
    );
    await u.type(screen.getByLabelText('E-mail'), 'ben@x.test');
    await u.type(screen.getByLabelText('Password'), 'a long password');
    await u.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByTestId('error-tenant')).textContent).toBe('No company has this ID.');
    expect(screen.getByLabelText(/company id/i)).toBeTruthy();
  });
});
