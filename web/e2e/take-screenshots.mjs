// Takes a screenshot of every page a person sees first (sign-in pages and each role's shell),
// against the real server, into e2e/artifacts/screens/. For looking at the app, not a test.
//
//   npm run build && npm run screenshots

import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ARTIFACTS, launchBrowser, missingPrerequisite, readDemoCredentials, startServer } from './harness.mjs';

const missing = missingPrerequisite();
if (missing) {
  console.error(`cannot take screenshots: ${missing}`);
  process.exit(1);
}

const out = path.join(ARTIFACTS, 'screens');
await mkdir(out, { recursive: true });

const server = await startServer();
const browser = await launchBrowser();
try {
  const creds = await readDemoCredentials(server.dataDir);
  const byRole = (role) => creds.users.find((u) => u.role === role);

  async function api(method, p, body, token) {
    const res = await fetch(server.baseUrl + p, {
      method,
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!res.ok) throw new Error(`${method} ${p} → ${res.status} ${await res.text()}`);
    return res.status === 204 ? null : res.json();
  }

  // There is no developer in the demo tenant: make agent2 one, through the API as the admin.
  const admin = byRole('admin');
  const adminSession = await api('POST', '/api/v1/sessions', { email: admin.email, password: admin.password });
  const { items } = await api('GET', '/api/v1/users', null, adminSession.access_token);
  const agent2 = creds.users.find((u) => u.email === 'agent2@demo.kefu.test');
  const agent2User = items.find((u) => u.email === agent2.email);
  await api('PATCH', `/api/v1/users/${agent2User.id}`, { role: 'developer' }, adminSession.access_token);

  async function shot(page, name) {
    const file = path.join(out, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    console.log(file);
  }

  async function signedIn(user, shell, pages) {
    const context = await browser.newContext({ viewport: { width: 1360, height: 860 } });
    const page = await context.newPage();
    await page.goto(`${server.baseUrl}/login`);
    await page.getByLabel('E-mail', { exact: true }).fill(user.email);
    await page.getByLabel('Password', { exact: true }).fill(user.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByTestId(`shell-${shell}`).waitFor();
    for (const [name, p, ready] of pages) {
      if (p) await page.goto(server.baseUrl + p);
      if (ready) await page.getByTestId(ready).waitFor();
      await page.waitForLoadState('networkidle');
      await shot(page, name);
    }
    await context.close();
  }

  const anon = await browser.newContext({ viewport: { width: 1360, height: 860 } });
  const page = await anon.newPage();
  await page.goto(`${server.baseUrl}/signup`);
  await page.getByLabel('Password', { exact: true }).fill('short pass');
  await shot(page, '01-signup');
  await page.goto(`${server.baseUrl}/login`);
  await page.getByTestId('toggle-tenant').click();
  await shot(page, '02-login');
  await anon.close();

  await signedIn(admin, 'admin', [
    ['10-admin-users', null, 'users-table'],
    ['11-admin-audit', '/admin/audit', 'page-audit'],
    ['12-admin-numbers', '/admin/numbers', 'placeholder-numbers'],
  ]);
  await signedIn(byRole('supervisor'), 'supervisor', [
    ['20-supervisor-wallboard', null, 'page-wallboard'],
    ['21-supervisor-team', '/supervisor/users', 'users-table'],
  ]);
  await signedIn(creds.users.find((u) => u.email === 'agent1@demo.kefu.test'), 'agent', [
    ['30-agent', null, 'panel-softphone'],
  ]);
  await signedIn(agent2, 'developer', [['40-developer', null, 'page-developer-plugins']]);
} finally {
  await browser.close();
  await server.stop();
}
