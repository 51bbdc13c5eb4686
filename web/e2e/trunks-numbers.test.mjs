// Browser end-to-end test of the Trunks and Numbers pages against the real server: a new admin
// adds an inbound trunk (a bad source address is refused next to the sources), a queue, and a
// number pointing at that queue through that trunk (a malformed number is refused next to its
// input); the queue cannot be deleted while the number points at it, and all of it survives a
// reload.

import assert from 'node:assert/strict';
import { browserStory, signUp } from './harness.mjs';

browserStory('trunks and numbers in the admin shell', 'trunks-numbers', ({ step, ctx }) => {
  const run = Date.now().toString(36);
  const admin = {
    company: `Trunk Co ${run}`,
    name: 'Tara Trunk',
    email: `tara-${run}@trunks.test`,
    password: 'amber piano galaxy 42',
  };
  // A fictional 555 number unique to this run (numbers are unique across all of Kefu).
  const number = `+1555${String(Date.now() % 10_000_000).padStart(7, '0')}`;
  let token = '';

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

  step('an inbound trunk with a bad source is refused beside the sources, then saved', async () => {
    const { page, server } = ctx;
    await signUp(page, server.baseUrl, admin);
    token = (await api('POST', '/api/v1/sessions', { email: admin.email, password: admin.password })).access_token;

    await page.getByTestId('nav-trunks').click();
    await page.getByTestId('page-trunks').waitFor();
    await page.getByTestId('input-inbound-name').fill('Carrier A');
    await page.getByTestId('input-inbound-sources').fill('203.0.113.7\n198.51.100.0/33');
    await page.getByTestId('input-inbound-digest_username').fill(`carrier-${run}`);
    await page.getByTestId('input-inbound-digest_password').fill('a long trunk secret');
    await page.getByTestId('inbound-save').click();
    assert.match(await text(page.getByTestId('error-inbound-sources')), /198\.51\.100\.0\/33 is not an IP address or CIDR/);
    assert.equal((await api('GET', '/api/v1/inbound-trunks')).items.length, 0, 'nothing was saved');

    await page.getByTestId('input-inbound-sources').fill('203.0.113.7\n198.51.100.0/24');
    await page.getByTestId('inbound-save').click();
    await page.getByTestId('inbound-row-Carrier A').waitFor();
    const row = await text(page.getByTestId('inbound-row-Carrier A'));
    assert.match(row, /203\.0\.113\.7\/32, 198\.51\.100\.0\/24/);
    assert.match(row, new RegExp(`carrier-${run}`));
    const html = await page.content();
    assert.ok(!html.includes('a long trunk secret'), 'the password is not shown after saving');
  });

  step('a number is refused when malformed, then points at a queue through the trunk', async () => {
    const { page } = ctx;
    await api('POST', '/api/v1/queues', {
      name: 'Support',
      service_level: { percent: 80, within: 20000 },
      ring_timeout: 15000,
      after_call_work: 30000,
      expected_handle_time: 180000,
    });
    await page.getByTestId('nav-numbers').click();
    await page.getByTestId('page-numbers').waitFor();
    await page.getByTestId('input-number').fill('5550100');
    await page.getByTestId('input-label').fill('Support line');
    await page.getByTestId('input-entry').selectOption({ label: 'Queue: Support' });
    await page.getByTestId('number-trunk-Carrier A').check();
    await page.getByTestId('number-save').click();
    assert.match(await text(page.getByTestId('error-number')), /\+ then 8 to 15 digits/);
    assert.equal(await page.getByTestId('input-number').getAttribute('aria-invalid'), 'true');

    await page.getByTestId('input-number').fill(number);
    await page.getByTestId('number-save').click();
    await page.getByTestId(`number-row-${number}`).waitFor();
    const row = await text(page.getByTestId(`number-row-${number}`));
    assert.match(row, /Support line/);
    assert.match(row, /Queue: Support/);
    assert.match(row, /Carrier A/);
  });

  step('the queue cannot be deleted while the number points at it; all survives a reload', async () => {
    const { page } = ctx;
    await page.getByTestId('nav-queues').click();
    await page.getByTestId('queue-delete-Support').click();
    await page.getByTestId('queue-delete-Support-yes').click();
    assert.match(await text(page.getByTestId('queues-error')), new RegExp(`${number.replace('+', '\\+')}`));

    await page.getByTestId('nav-numbers').click();
    await page.reload();
    await page.getByTestId(`number-row-${number}`).waitFor();
    const [numbers, trunks] = [await api('GET', '/api/v1/numbers'), await api('GET', '/api/v1/inbound-trunks')];
    assert.equal(numbers.items.length, 1);
    assert.deepEqual(numbers.items[0].trunks, [trunks.items[0].id]);
  });
});
