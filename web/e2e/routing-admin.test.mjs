// Browser end-to-end test of the routing configuration pages against the real server: a new
// admin defines skills, two queues (one requiring a skill at level 5 and overflowing into the
// other), an agent's skills, a reason code and a business-hours calendar; invalid values are
// refused next to their inputs, conflicts show as banners, and everything is still there after
// a reload.

import assert from 'node:assert/strict';
import { browserStory, signUp } from './harness.mjs';

browserStory('routing configuration in the admin shell', 'routing-admin', ({ step, ctx }) => {
  const run = Date.now().toString(36);
  const admin = {
    company: `Routing Co ${run}`,
    name: 'Rita Router',
    email: `rita-${run}@routing.test`,
    password: 'purple kettle orbit 77',
  };
  const agentEmail = `andy-${run}@routing.test`;
  let token = '';

  /** Setup and checks that are not the point of the story go straight to the API. */
  async function api(method, path, body) {
    const res = await fetch(ctx.server.baseUrl + path, {
      method,
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }

  const text = async (locator) => ((await locator.textContent()) ?? '').trim();

  step('a new admin adds two skills', async () => {
    const { page, server } = ctx;
    await signUp(page, server.baseUrl, admin);
    token = (await api('POST', '/api/v1/sessions', { email: admin.email, password: admin.password })).access_token;

    await page.getByTestId('nav-skills').click();
    await page.getByTestId('page-skills').waitFor();
    const form = page.getByRole('form', { name: 'Add a skill' });
    for (const [name, description] of [
      ['Mandarin', 'Callers who prefer Mandarin'],
      ['Billing', ''],
    ]) {
      await form.getByLabel('Name', { exact: true }).fill(name);
      await form.getByLabel('Description (optional)').fill(description);
      await form.getByRole('button', { name: 'Add skill' }).click();
      await page.getByTestId(`skill-row-${name}`).waitFor();
    }
    assert.match(await text(page.getByTestId('skills-success')), /Billing/);
    assert.match(await text(page.getByTestId('skill-row-Mandarin')), /Callers who prefer Mandarin/);

    // The same name again is a conflict: a banner, and the name field is marked.
    await form.getByLabel('Name', { exact: true }).fill('mandarin');
    await form.getByRole('button', { name: 'Add skill' }).click();
    assert.match(await text(page.getByTestId('skill-add-error')), /already exists/);
    assert.match(await text(page.getByTestId('error-name')), /already exists/);
  });

  step('a queue is created for overflow', async () => {
    const { page } = ctx;
    await page.getByTestId('nav-queues').click();
    await page.getByTestId('page-queues').waitFor();
    await page.getByTestId('queue-new').click();
    await page.getByTestId('queue-form').waitFor();
    await page.getByTestId('input-name').fill('Sales');
    await page.getByTestId('queue-save').click();
    await page.getByTestId('queue-row-Sales').waitFor();
    assert.equal(await text(page.getByTestId('queues-success')), 'Queue “Sales” created.');
  });

  step('a level of 11 is refused next to its input; level 5 with an overflow step saves', async () => {
    const { page } = ctx;
    await page.getByTestId('queue-new').click();
    await page.getByTestId('queue-form').waitFor();
    await page.getByTestId('input-name').fill('Support');
    await page.getByTestId('input-ring_timeout').fill('12.5');
    await page.getByTestId('add-required_skills').click();
    await page.getByTestId('input-required_skills[0].skill').selectOption({ label: 'Mandarin' });
    await page.getByTestId('input-required_skills[0].min_level').fill('11');
    await page.getByTestId('add-overflow').click();
    await page.getByTestId('input-overflow[0].after').fill('60');
    await page.getByTestId('input-overflow[0].action').selectOption('add_queue');
    await page.getByTestId('input-overflow[0].queue').selectOption({ label: 'Sales' });
    await page.getByTestId('queue-save').click();

    const error = page.getByTestId('error-required_skills[0].min_level');
    assert.match(await text(error), /11 is outside 1–10/);
    assert.equal(await page.getByTestId('input-required_skills[0].min_level').getAttribute('aria-invalid'), 'true');
    assert.match(await text(page.getByTestId('queue-form-summary')), /One field needs attention/);
    assert.equal((await api('GET', '/api/v1/queues')).items.length, 1, 'nothing was saved');

    await page.getByTestId('input-required_skills[0].min_level').fill('5');
    await page.getByTestId('queue-save').click();
    await page.getByTestId('queue-row-Support').waitFor();
    const row = await text(page.getByTestId('queue-row-Support'));
    assert.match(row, /Mandarin\s*≥ 5/);
    assert.match(row, /after 1 min: add “Sales”/);

    // Seconds in the form, milliseconds on the wire.
    const support = (await api('GET', '/api/v1/queues')).items.find((q) => q.name === 'Support');
    assert.equal(support.ring_timeout, 12500);
    assert.equal(support.after_call_work, 30000);
    assert.deepEqual(support.service_level, { percent: 80, within: 20000 });
    assert.equal(support.overflow[0].after, 60000);
    assert.equal(support.overflow[0].action, 'add_queue');
    assert.equal(support.required_skills[0].min_level, 5);
  });

  step('a queue another overflows into, and a skill in use, cannot be deleted', async () => {
    const { page } = ctx;
    await page.getByTestId('queue-delete-Sales').click();
    await page.getByTestId('queue-delete-Sales-yes').click();
    assert.match(await text(page.getByTestId('queues-error')), /Support overflows into this queue/);
    await page.getByTestId('queue-row-Sales').waitFor();

    await page.getByTestId('nav-skills').click();
    await page.getByTestId('skill-delete-Mandarin').click();
    await page.getByTestId('skill-delete-Mandarin-yes').click();
    const banner = await text(page.getByTestId('skills-error'));
    assert.match(banner, /still used by queue “Support”/);
    assert.match(banner, /required_skills/, 'the server detail is shown');
  });

  step('an invited agent gets skills with levels', async () => {
    const { page } = ctx;
    await api('POST', '/api/v1/users', { email: agentEmail, name: 'Andy Agent', role: 'agent' });
    await page.getByTestId('nav-agents').click();
    await page.getByTestId(`agent-row-${agentEmail}`).waitFor();
    assert.match(await text(page.getByTestId(`agent-row-${agentEmail}`)), /No skills/);

    await page.getByTestId(`agent-edit-${agentEmail}`).click();
    await page.getByTestId('add-skills').click();
    await page.getByTestId('input-skills[0].skill').selectOption({ label: 'Mandarin' });
    await page.getByTestId('input-skills[0].level').fill('7');
    await page.getByTestId('add-skills').click();
    await page.getByTestId('input-skills[1].skill').selectOption({ label: 'Billing' });
    await page.getByTestId('input-skills[1].level').fill('0');
    await page.getByTestId('agent-skills-save').click();
    assert.match(await text(page.getByTestId('error-skills[1].level')), /0 is outside 1–10/);

    await page.getByTestId('input-skills[1].level').fill('3');
    await page.getByTestId('agent-skills-save').click();
    await page.getByTestId('agents-success').waitFor();
    assert.equal(await text(page.getByTestId(`agent-skill-${agentEmail}-Mandarin`)), 'Mandarin 7');
    assert.equal(await text(page.getByTestId(`agent-skill-${agentEmail}-Billing`)), 'Billing 3');
  });

  step('a reason code is added; the built-in one is refused', async () => {
    const { page } = ctx;
    await page.getByTestId('nav-reason-codes').click();
    const form = page.getByRole('form', { name: 'Add a reason code' });
    await form.getByLabel('Code', { exact: true }).fill('missed');
    await form.getByLabel('Label', { exact: true }).fill('Missed');
    await form.getByRole('button', { name: 'Add reason code' }).click();
    assert.match(await text(page.getByTestId('error-code')), /built in/);

    await form.getByLabel('Code', { exact: true }).fill('lunch');
    await form.getByLabel('Label', { exact: true }).fill('Lunch break');
    await form.getByRole('button', { name: 'Add reason code' }).click();
    await page.getByTestId('reason-code-row-lunch').waitFor();
    assert.match(await text(page.getByTestId('reason-code-row-lunch')), /Lunch break/);
  });

  step('a business-hours calendar is created; a closing time before opening is refused', async () => {
    const { page } = ctx;
    await page.getByTestId('nav-business-hours').click();
    await page.getByTestId('calendar-new').click();
    await page.getByTestId('calendar-form').waitFor();
    await page.getByTestId('input-name').fill('Support hours');
    await page.getByTestId('input-timezone').fill('Asia/Shanghai');
    // New calendars start Mon–Fri 09:00–17:00; close Monday before it opens.
    await page.getByTestId('input-weekly[0].close').fill('08:00');
    await page.getByTestId('all-day-sun').click();
    await page.getByTestId('add-holiday').click();
    await page.getByTestId('input-holidays[0].date').fill('2026-10-01');
    await page.getByTestId('input-holidays[0].name').fill('National Day');
    await page.getByTestId('calendar-save').click();
    assert.equal(await text(page.getByTestId('error-weekly[0].close')), 'Must be after “open”');

    await page.getByTestId('input-weekly[0].close').fill('18:00');
    await page.getByTestId('calendar-save').click();
    await page.getByTestId('calendar-row-Support hours').waitFor();
    const row = await text(page.getByTestId('calendar-row-Support hours'));
    assert.match(row, /Asia\/Shanghai/);
    assert.match(row, /Mon 09:00–18:00; Tue–Fri 09:00–17:00; Sun all day/);

    // "Open now" is the server's answer for this calendar.
    const saved = (await api('GET', '/api/v1/calendars')).items.find((c) => c.name === 'Support hours');
    const { open_now } = await api('GET', `/api/v1/calendars/${saved.id}`);
    assert.equal(await page.getByTestId('calendar-open-Support hours').getAttribute('data-open'), String(open_now));
    assert.deepEqual(saved.holidays, [{ date: '2026-10-01', name: 'National Day', open: null, close: null }]);
  });

  step('after a reload everything is still there', async () => {
    const { page, server } = ctx;
    await page.goto(`${server.baseUrl}/admin/skills`);
    await page.getByTestId('skill-row-Mandarin').waitFor();
    assert.match(await text(page.getByTestId('skill-row-Mandarin')), /1 queue, 1 agent/);
    await page.getByTestId('skill-row-Billing').waitFor();

    await page.goto(`${server.baseUrl}/admin/queues`);
    await page.getByTestId('queue-row-Support').waitFor();
    await page.getByTestId('queue-edit-Support').click();
    await page.getByTestId('queue-form').waitFor();
    assert.equal(await page.getByTestId('input-name').inputValue(), 'Support');
    assert.equal(await page.getByTestId('input-ring_timeout').inputValue(), '12.5');
    assert.equal(await page.getByTestId('input-required_skills[0].min_level').inputValue(), '5');
    assert.equal(
      await page.getByTestId('input-required_skills[0].skill').locator('option:checked').textContent(),
      'Mandarin',
    );
    assert.equal(await page.getByTestId('input-overflow[0].after').inputValue(), '60');
    assert.equal(await page.getByTestId('input-overflow[0].queue').locator('option:checked').textContent(), 'Sales');

    await page.reload();
    await page.getByTestId('queue-form').waitFor();
    assert.equal(await page.getByTestId('input-required_skills[0].min_level').inputValue(), '5');

    await page.goto(`${server.baseUrl}/admin/agents`);
    await page.getByTestId(`agent-skill-${agentEmail}-Mandarin`).waitFor();
    assert.equal(await text(page.getByTestId(`agent-skill-${agentEmail}-Mandarin`)), 'Mandarin 7');

    await page.goto(`${server.baseUrl}/admin/reason-codes`);
    await page.getByTestId('reason-code-row-lunch').waitFor();

    await page.goto(`${server.baseUrl}/admin/hours`);
    await page.getByTestId('calendar-edit-Support hours').click();
    await page.getByTestId('calendar-form').waitFor();
    assert.equal(await page.getByTestId('input-timezone').inputValue(), 'Asia/Shanghai');
    assert.equal(await page.getByTestId('input-weekly[0].close').inputValue(), '18:00');
    assert.equal(await page.getByTestId('input-holidays[0].name').inputValue(), 'National Day');
    await page.getByTestId('calendar-open-now').waitFor();
  });
});
