// Browser end-to-end test of the other sign-in paths against the real server: an invited user
// sets a password from the invitation link, and an e-mail used by two companies signs in by
// naming the company when the server answers 409 tenant-required.

import assert from 'node:assert/strict';
import { browserStory, signOut, signUp } from './harness.mjs';

/** The contract sends invitation links to the outbox / server log; this reads the log. */
async function invitationToken(server, email, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const tokens = [...server.log.matchAll(/\/invite\?token=([A-Za-z0-9_-]+)/g)].map((m) => m[1]);
    // The mail names the person, not the e-mail; with one invitation per story the last is ours.
    if (tokens.length) return tokens[tokens.length - 1];
    if (Date.now() > deadline) throw new Error(`no invitation link for ${email} in the server output`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

browserStory('invitations and companies sharing an e-mail', 'invite-and-tenant', ({ step, ctx }) => {
  const run = Date.now().toString(36);
  const shared = { name: 'Tess Twin', email: `tess-${run}@twin.test`, password: 'violet tram lantern 42' };
  const first = { ...shared, company: `Twin One ${run}` };
  const second = { ...shared, company: `Twin Two ${run}` };
  let firstSlug = '';

  step('an owner invites a supervisor', async () => {
    const { page, server } = ctx;
    await signUp(page, server.baseUrl, first);
    firstSlug = (await page.getByTestId('current-company-slug').textContent()) ?? '';
    assert.ok(firstSlug, 'the company ID is shown in the header');

    const form = page.getByRole('form', { name: 'Invite a user' });
    await form.getByLabel('E-mail', { exact: true }).fill(`sam-${run}@twin.test`);
    await form.getByLabel('Name', { exact: true }).fill('Sam Supervisor');
    await form.getByLabel('Role', { exact: true }).selectOption('supervisor');
    await form.getByRole('button', { name: 'Send invitation' }).click();
    await page.getByTestId('invite-success').waitFor();
    const row = page.getByTestId(`user-row-sam-${run}@twin.test`);
    assert.match(await row.textContent(), /Invited/);

    // Inviting the same e-mail again is refused next to the e-mail field.
    await form.getByLabel('E-mail', { exact: true }).fill(`sam-${run}@twin.test`);
    await form.getByLabel('Name', { exact: true }).fill('Sam Again');
    await form.getByRole('button', { name: 'Send invitation' }).click();
    assert.ok((await page.getByTestId('error-invite-email').textContent())?.trim());
    await signOut(page);
  });

  step('the invited supervisor sets a password and lands in the supervisor shell', async () => {
    const { page, server } = ctx;
    const token = await invitationToken(server, `sam-${run}@twin.test`);
    await page.goto(`${server.baseUrl}/invite?token=${encodeURIComponent(token)}`);
    await page.getByLabel('New password', { exact: true }).fill('another fine passphrase');
    await page.getByLabel('Repeat password', { exact: true }).fill('another fine passphrase');
    await page.getByRole('button', { name: /set password/i }).click();
    await page.waitForURL('**/supervisor');
    assert.equal(await page.getByTestId('current-user-name').textContent(), 'Sam Supervisor');
    assert.equal(await page.getByTestId('current-company').textContent(), first.company);
    await signOut(page);
  });

  step('the same e-mail and password sign up a second company', async () => {
    await signUp(ctx.page, ctx.server.baseUrl, second);
    assert.equal(await ctx.page.getByTestId('current-company').textContent(), second.company);
    await signOut(ctx.page);
  });

  step('signing in asks for the company, and the company ID picks the first one', async () => {
    const { page } = ctx;
    assert.equal(await page.getByLabel('Company ID (slug)').count(), 0, 'no company field at first');
    await page.getByLabel('E-mail', { exact: true }).fill(shared.email);
    await page.getByLabel('Password', { exact: true }).fill(shared.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();

    const tenantField = page.getByLabel('Company ID (slug)');
    await tenantField.waitFor();
    assert.match((await page.getByTestId('error-tenant').textContent()) ?? '', /more than one company/);
    await tenantField.fill(firstSlug);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL('**/admin/users');
    assert.equal(await page.getByTestId('current-company').textContent(), first.company);
  });
});
