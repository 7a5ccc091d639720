// Browser test: an admin adds a user with a generated password (who then logs in), changes a
// role, creates an API token that a script then uses and the admin revokes, and finds all of it
// in the audit log, filtered; a user changes their own password.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startApp, psql, artifacts, loginPage, PASSWORD, screenshot } from '../support.mjs';

const DB = 'storepulse_e2e_admin';
let app;

before(async () => {
  app = await startApp(DB);
});

after(async () => {
  await app?.stop();
});

test('an admin manages users and API tokens and reads the audit log', async () => {
  const page = await loginPage(app, 'admin@storepulse.example', { viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));

  // Users: add one without a password: a generated one is shown once and works.
  await page.locator('summary.nav-menu-toggle').click();
  await page.getByRole('link', { name: 'Users' }).click();
  await page.waitForURL(/\/admin\/users$/);
  await page.waitForSelector('body[data-hydrated="true"]');
  const form = page.getByRole('form', { name: 'Add a user' });
  await form.getByLabel('Email').fill('new.analyst@storepulse.example');
  await form.getByLabel('Role').selectOption('analyst');
  await form.getByRole('button', { name: 'Add user' }).click();
  const generated = (await page.locator('[data-generated-password]').textContent()).trim();
  assert.equal(generated.length, 16);
  const row = page.locator('tr[data-user="new.analyst@storepulse.example"]');
  await row.waitFor();
  // Make the viewer an analyst.
  await page.locator('tr[data-user="viewer@storepulse.example"]').getByRole('combobox').selectOption('analyst');
  for (let i = 0; i < 50 && psql(app.db, `select role from app_user where email = 'viewer@storepulse.example'`) !== 'analyst'; i++) {
    await page.waitForTimeout(100);
  }
  assert.equal(psql(app.db, `select role from app_user where email = 'viewer@storepulse.example'`), 'analyst');
  // The last admin cannot demote themselves: the page says why.
  await page.locator('tr[data-user="admin@storepulse.example"]').getByRole('combobox').selectOption('viewer');
  await page.getByRole('alert').filter({ hasText: 'last active admin' }).waitFor();
  assert.equal(psql(app.db, `select role from app_user where email = 'admin@storepulse.example'`), 'admin');
  await screenshot(page, { path: path.join(artifacts, 'admin-users.png'), fullPage: true });

  const other = await app.browser.newPage();
  await other.goto(`${app.baseUrl}/login`);
  await other.waitForSelector('body[data-hydrated="true"]');
  await other.getByLabel('Email').fill('new.analyst@storepulse.example');
  await other.getByLabel('Password').fill(generated);
  await other.getByRole('button', { name: 'Log in' }).click();
  await other.waitForURL(/\/sales/);
  // …and changes their own password on "Your account".
  await other.getByRole('link', { name: 'new.analyst@storepulse.example' }).click();
  await other.waitForURL(/\/account$/);
  await other.waitForSelector('body[data-hydrated="true"]');
  await other.getByLabel('Current password').fill(generated);
  await other.getByLabel('New password').fill('my own password 42');
  await other.getByRole('button', { name: 'Change password' }).click();
  await other.getByText('Password changed.').waitFor();
  await other.close();

  // API tokens: created, shown once, used by a script, revoked.
  await page.locator('summary.nav-menu-toggle').click();
  await page.getByRole('link', { name: 'API tokens' }).click();
  await page.waitForURL(/\/admin\/tokens$/);
  await page.waitForSelector('body[data-hydrated="true"]');
  await page.getByLabel('Name').fill('nightly report');
  await page.getByLabel('Role').selectOption('viewer');
  await page.getByRole('button', { name: 'Create token' }).click();
  const token = (await page.locator('[data-new-token]').textContent()).trim();
  assert.match(token, /^sp_[A-Za-z0-9]{40}$/);
  const script = await fetch(`${app.baseUrl}/api/v1/sales/summary?preset=last_30_days`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(script.status, 200, await script.clone().text());
  assert.ok((await script.json()).kpis);
  await page.reload();
  await page.waitForSelector('body[data-hydrated="true"]');
  const tokenRow = page.locator('tr[data-token="nightly report"]');
  assert.doesNotMatch(await tokenRow.textContent(), /never\s*active/, 'last use shown');
  assert.doesNotMatch(await page.content(), new RegExp(token), 'the token is not shown again');
  await screenshot(page, { path: path.join(artifacts, 'admin-tokens.png'), fullPage: true });
  await tokenRow.getByRole('button', { name: 'Revoke' }).click();
  await tokenRow.getByText('revoked').waitFor();
  const refused = await fetch(`${app.baseUrl}/api/v1/sales/summary`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(refused.status, 401);

  // Audit log: everything above, filtered to user changes, then to API tokens.
  await page.locator('summary.nav-menu-toggle').click();
  await page.getByRole('link', { name: 'Audit log' }).click();
  await page.waitForURL(/\/admin\/audit$/);
  await page.waitForSelector('body[data-hydrated="true"]');
  await page.getByLabel('What').selectOption('user.');
  // The table keeps the previous list until the filtered one arrives: wait for it.
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll('tbody tr')];
    return rows.length > 0 && rows.every((r) => r.dataset.action.startsWith('user.'));
  });
  const actions = await page.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.action));
  // The last three: the test harness set the demo users' passwords with `storepulse user password`.
  assert.deepEqual(actions, ['user.password_change', 'user.role', 'user.create',
    'user.password_reset', 'user.password_reset', 'user.password_reset']);
  assert.match(await page.locator('tr[data-action="user.role"]').textContent(), /viewer@storepulse\.example: viewer → analyst/);
  await page.getByLabel('What').selectOption('token.');
  await page.locator('tr[data-action="token.revoke"]').waitFor();
  assert.equal(await page.locator('tbody tr').count(), 2);
  await screenshot(page, { path: path.join(artifacts, 'admin-audit.png'), fullPage: true });
  const exportHref = await page.getByRole('link', { name: /Export CSV/ }).getAttribute('href');
  assert.equal(exportHref, '/api/v1/audit?action=token.&format=csv');
  const csv = await (await page.request.get(`${app.baseUrl}${exportHref}`)).text();
  assert.equal(csv.trim().split('\n').length, 3, csv);
  assert.deepEqual(errors, []);
  await page.close();
});
