// Browser end-to-end test: the real `kefu serve` with the built web app, driven in headless
// Chromium. Sign up a company, sign out, sign in as a demo agent, and check role routing.
//
//   npm run build && npm run e2e        (KEFU_BIN overrides the server binary's path)

import assert from 'node:assert/strict';
import { browserStory, readDemoCredentials, signOut } from './harness.mjs';

browserStory('sign-up and login in the browser', 'signup-login', ({ step, ctx }) => {
  const run = Date.now().toString(36);
  const company = `Acme Support ${run}`;
  const ownerName = 'Olivia Owner';
  const ownerEmail = `olivia-${run}@acme.test`;
  const ownerPassword = 'violet tram lantern 42';

  step('a new company signs up and lands in the admin shell', async () => {
    const { page, server } = ctx;
    const res = await page.goto(`${server.baseUrl}/`);
    assert.equal(res?.status(), 200, `GET / should serve the web app, got ${res?.status()}`);
    await page.getByRole('link', { name: 'Create a company account' }).click();
    await page.waitForURL('**/signup');

    await page.getByLabel('Company name', { exact: true }).fill(company);
    await page.getByLabel('Your name', { exact: true }).fill(ownerName);
    await page.getByLabel('E-mail', { exact: true }).fill(ownerEmail);
    await page.getByLabel('Password', { exact: true }).fill(ownerPassword);
    assert.equal(await page.getByTestId('password-hint-length').getAttribute('data-ok'), 'true');
    await page.getByRole('button', { name: 'Create account' }).click();

    await page.waitForURL('**/admin/users');
    const shell = page.getByTestId('shell-admin');
    await shell.waitFor();
    assert.equal(await shell.getByTestId('current-company').textContent(), company);
    assert.equal(await shell.getByTestId('current-user-name').textContent(), ownerName);
    assert.equal(await shell.getByTestId('current-user-role').textContent(), 'Owner');

    const row = page.getByTestId(`user-row-${ownerEmail}`);
    await row.waitFor();
    const rowText = await row.textContent();
    assert.match(rowText, new RegExp(ownerName));
    assert.match(rowText, /Owner/);
    assert.match(rowText, /Active/);
  });

  step('the owner signs out', async () => {
    await signOut(ctx.page);
  });

  step('a demo agent signs in and lands in the agent shell', async () => {
    const { page, server } = ctx;
    const creds = await readDemoCredentials(server.dataDir);
    assert.equal(creds.tenant, 'demo');
    const agent = creds.users.find((u) => u.email === 'agent1@demo.kefu.test');
    assert.ok(agent, `agent1@demo.kefu.test missing from demo-credentials.json: ${JSON.stringify(creds.users.map((u) => u.email))}`);

    await page.getByLabel('E-mail', { exact: true }).fill(agent.email);
    await page.getByLabel('Password', { exact: true }).fill(agent.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();

    // The e-mail is unique, so the server should not ask for a company; answer if it does.
    const tenantField = page.getByLabel('Company ID (slug)');
    await page.getByTestId('shell-agent').or(tenantField).first().waitFor();
    if (await tenantField.isVisible()) {
      await tenantField.fill(creds.tenant);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    }

    await page.waitForURL('**/agent');
    const shell = page.getByTestId('shell-agent');
    await shell.waitFor();
    assert.equal(await shell.getByTestId('current-user-role').textContent(), 'Agent');
    assert.equal(await shell.getByTestId('current-company-slug').textContent(), 'demo');
    assert.ok((await shell.getByTestId('current-user-name').textContent())?.trim(), 'the agent name is shown');
    for (const panel of ['panel-state', 'panel-call', 'panel-softphone']) {
      assert.ok(await shell.getByTestId(panel).isVisible(), `${panel} is visible`);
    }
  });

  step('an agent who opens /admin is sent back to /agent', async () => {
    const { page, server } = ctx;
    const res = await page.goto(`${server.baseUrl}/admin`);
    assert.equal(
      res?.status(),
      200,
      `GET /admin should serve the web app's index.html (client-side route), got ${res?.status()}`,
    );
    await page.waitForURL('**/agent');
    await page.getByTestId('shell-agent').waitFor();
    assert.equal(await page.getByTestId('shell-admin').count(), 0);
  });
});
