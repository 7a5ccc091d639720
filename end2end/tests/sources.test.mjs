// Browser test: an admin uploads a file on the Data sources page, watches its progress, reads the
// run summary and sees the Sales numbers change; a broken file is refused with an error report;
// a viewer cannot reach the page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startApp, loginPage, money, artifacts, psql, screenshot } from '../support.mjs';

let app;
const ROWS = 40_000;

before(async () => {
  app = await startApp('storepulse_e2e_sources');
});

after(async () => {
  await app?.stop();
});

/** A transaction log of June 2026 and the gross revenue it adds (every line is a sale). */
function transactionFile() {
  const lines = ['InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country'];
  let cents = 0;
  for (let i = 0; i < ROWS; i++) {
    const qty = 1 + (i % 4);
    const priceCents = 150 + (i % 37) * 25;
    cents += qty * priceCents;
    const day = 1 + (i % 28);
    lines.push(`E2E${Math.floor(i / 3)},E2E-${i % 50},"Test item, ${i % 50}",${qty},6/${day}/2026 10:${String(i % 60).padStart(2, '0')},${(priceCents / 100).toFixed(2)},E${i % 500},United Kingdom`);
  }
  const file = path.join(app.dataDir, 'june-orders.csv');
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return { file, added: cents / 100 };
}

const parseMoney = (text) => Number(text.replace(/[£,]/g, ''));

async function juneGross(page) {
  await page.goto(`${app.baseUrl}/sales?from=2026-06-01&to=2026-06-30`);
  const value = page.locator('.kpi-card[aria-label="Gross revenue"] .kpi-value');
  await value.waitFor();
  return parseMoney(await value.textContent());
}

async function choose(page, file) {
  await page.goto(`${app.baseUrl}/admin/sources`);
  await page.waitForSelector('body[data-hydrated="true"]');
  await page.getByLabel('Files to upload').setInputFiles(file);
  const preview = page.getByRole('note', { name: 'File preview' });
  await preview.waitFor();
  return preview;
}

async function upload(page, file) {
  await page.goto(`${app.baseUrl}/admin/sources`);
  await page.waitForSelector('body[data-hydrated="true"]');
  await page.evaluate(() => {
    window.sawProgress = false;
    new MutationObserver(() => {
      if (document.querySelector('[role="progressbar"]')) window.sawProgress = true;
    }).observe(document.body, { subtree: true, childList: true });
  });
  await page.getByLabel('Files to upload').setInputFiles(file);
  await page.getByLabel('Source name').fill('E2E uploads');
  await page.getByRole('button', { name: 'Upload and load' }).click();
  const summary = page.getByRole('status', { name: 'Run summary' });
  await summary.waitFor({ timeout: 120_000 });
  return summary;
}

test('an admin uploads a file, follows its progress and sees the Sales numbers change', async () => {
  const page = await loginPage(app, 'admin@storepulse.example', { viewport: { width: 1280, height: 1000 } });
  const before = await juneGross(page);
  const { file, added } = transactionFile();

  // Before anything loads, the page says how it will read the file.
  const preview = await choose(page, file);
  assert.match(await preview.textContent(), /Recognised as transaction log\./);
  assert.match(await preview.textContent(), /Dates read month-first \(M\/D\/YYYY\) \(guessed/);

  const summary = await upload(page, file);
  assert.match(await summary.textContent(), /succeeded/);
  assert.match(await summary.textContent(), /inserted 40,000/);
  assert.equal(await page.evaluate(() => window.sawProgress), true, 'a progress bar was shown');
  await page.getByRole('cell', { name: 'E2E uploads' }).waitFor();
  await screenshot(page, { path: path.join(artifacts, 'sources.png'), fullPage: true });

  const after = await juneGross(page);
  assert.equal(money(after), money(before + added), 'June gross revenue grows by exactly what was uploaded');

  // The same file again changes nothing (idempotent).
  const again = await upload(page, file);
  assert.match(await again.textContent(), /inserted 0 · updated 0/);
  assert.equal(money(await juneGross(page)), money(after));
  await page.close();
});

test('a broken file is refused whole, with an error report', async () => {
  const page = await loginPage(app, 'admin@storepulse.example');
  const before = await juneGross(page);
  const file = path.join(app.dataDir, 'broken.csv');
  fs.writeFileSync(file, [
    'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country',
    'B1,X1,Good line,1,6/2/2026 10:00,5.00,,United Kingdom',
    'B2,X1,Bad quantity,lots,6/2/2026 10:00,5.00,,United Kingdom',
  ].join('\n'));
  const preview = await choose(page, file);
  assert.match(await preview.textContent(), /line 3: Quantity 'lots' is not a number/, 'the bad row shows before the upload');
  const summary = await upload(page, file);
  const text = await summary.textContent();
  assert.match(text, /failed/);
  assert.match(text, /line 3: Quantity 'lots' is not a number/);
  const report = page.getByRole('link', { name: 'Download the rejected rows (CSV)' });
  const csv = await (await page.request.get(new URL(await report.getAttribute('href'), app.baseUrl).href)).text();
  assert.match(csv, /broken\.csv,3,Quantity,Quantity 'lots' is not a number/);
  await screenshot(page, { path: path.join(artifacts, 'sources-failed.png'), fullPage: true });
  assert.equal(money(await juneGross(page)), money(before), 'nothing of the broken file was loaded');
  await page.close();
});

test("an admin changes a source's settings", async () => {
  const page = await loginPage(app, 'admin@storepulse.example');
  await page.goto(`${app.baseUrl}/admin/sources`);
  await page.waitForSelector('body[data-hydrated="true"]');
  await page.getByRole('row', { name: /E2E uploads/ }).getByRole('button', { name: 'Settings…' }).click();
  const form = page.getByRole('region', { name: 'Source settings' });
  await form.getByLabel('Source date order').selectOption('day_first');
  await form.getByLabel('Source time zone').fill('Europe/Berlin');
  await form.getByLabel('Rejected rows allowed').fill('2.5');
  await form.getByRole('button', { name: 'Save' }).click();
  await form.waitFor({ state: 'detached' });
  const stored = JSON.parse(psql(app.db, "select settings from source where name = 'E2E uploads'"));
  assert.deepEqual(stored, { date_order: 'day_first', timezone: 'Europe/Berlin', max_rejected_percent: 2.5 });
  await page.close();
});

async function refusalLinkWorks(page) {
  await page.getByRole('link', { name: 'Back to the dashboards' }).click();
  await page.waitForURL(/\/sales/);
}

test('a viewer cannot reach the Data sources page or its functions', async () => {
  const page = await loginPage(app, 'viewer@storepulse.example');
  assert.equal(await page.getByRole('link', { name: 'Data sources' }).count(), 0);
  // Every admin page: a plain refusal with a way back, and no form or button that would refuse.
  for (const route of ['sources', 'users', 'embeds', 'tokens', 'audit']) {
    await page.goto(`${app.baseUrl}/admin/${route}`);
    await page.waitForSelector('body[data-hydrated="true"]');
    const refusal = page.getByRole('region', { name: 'No access' });
    await refusal.waitFor();
    assert.match(await refusal.textContent(), /your role \(viewer\) does not give access to it/, route);
    assert.equal(await page.locator('main form, main input, main select, main textarea').count(), 0, route);
    assert.equal(await page.locator('main button').count(), 0, route);
    if (route === 'users') {
      await screenshot(page, { path: path.join(artifacts, 'admin-viewer-refused.png') });
      await page.setViewportSize({ width: 390, height: 844 });
      await screenshot(page, { path: path.join(artifacts, 'admin-viewer-refused-phone.png') });
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  }
  await refusalLinkWorks(page);
  const direct = await page.request.get(`${app.baseUrl}/fn/list_sources`);
  assert.equal(direct.status(), 403);
  const upload = await page.request.post(`${app.baseUrl}/api/v1/ingest?filename=x.csv`, { data: 'a,b\n1,2\n' });
  assert.equal(upload.status(), 403);
  await page.close();
});
