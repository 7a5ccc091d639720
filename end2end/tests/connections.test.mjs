// Browser test: an admin connects a Shopify shop (a local double of its Admin API) on the Data
// sources page, syncs it, reads its history; a viewer's open Sales page takes in the synced orders
// and then an order sent as a signed webhook without a reload; the admin pushes a price back to
// the shop; a wrong token is refused with Shopify's reason and nothing is saved.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { startApp, loginPage, artifacts, psql, screenshot, again } from '../support.mjs';

let app;
let shop;
/** Prices set through the double's `PUT variants/{id}.json`. */
const pushed = [];
const TOKEN = 'shpat_e2e_token';
const WEBHOOK_SECRET = 'e2e-webhook-secret';

/** Two June orders: 2 × 12.50 and 1 × 30.00 (gross 55.00). */
const orders = [
  { id: 9001, name: '#9001', created_at: '2026-06-15T10:00:00Z', updated_at: '2026-06-15T10:00:00Z', test: false,
    source_name: 'web', customer: { id: 77, first_name: 'Eve', last_name: 'Example', email: 'eve@example.com',
      default_address: { country: 'Ireland' } }, billing_address: { country: 'Ireland' },
    line_items: [{ id: 1, variant_id: 501, sku: 'E2E-MUG', title: 'E2E Mug', quantity: 2,
      price_set: { shop_money: { amount: '12.50', currency_code: 'GBP' } } }], refunds: [] },
  { id: 9002, name: '#9002', created_at: '2026-06-16T11:00:00Z', updated_at: '2026-06-16T11:00:00Z', test: false,
    source_name: 'pos', customer: null, shipping_address: { country: 'Ireland' },
    line_items: [{ id: 2, variant_id: 502, sku: 'E2E-JUG', title: 'E2E Jug', quantity: 1,
      price_set: { shop_money: { amount: '30.00', currency_code: 'GBP' } } }], refunds: [] },
];
const products = [
  { id: 50, title: 'E2E Mug', product_type: 'Kitchen', updated_at: '2026-06-01T00:00:00Z',
    variants: [{ id: 501, title: 'Default Title', sku: 'E2E-MUG', price: '12.50', inventory_quantity: 9 }] },
  { id: 51, title: 'E2E Jug', product_type: 'Kitchen', updated_at: '2026-06-01T00:00:00Z',
    variants: [{ id: 502, title: 'Default Title', sku: 'E2E-JUG', price: '30.00', inventory_quantity: 4 }] },
];

// Eve has ordered; Finn has an account and no order yet.
const customers = [
  { id: 77, first_name: 'Eve', last_name: 'Example', email: 'eve@example.com', updated_at: '2026-06-01T00:00:00Z',
    default_address: { country: 'Ireland' } },
  { id: 78, first_name: 'Finn', last_name: 'Example', email: 'finn@example.com', updated_at: '2026-06-02T00:00:00Z',
    default_address: { country: 'Ireland' } },
];

function fakeShopify() {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const send = (status, body) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers['x-shopify-access-token'] !== TOKEN) {
      return send(401, { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' });
    }
    if (req.method === 'PUT' && url.pathname.startsWith('/admin/api/2025-01/variants/')) {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        const variant = JSON.parse(body).variant;
        pushed.push(variant);
        send(200, { variant });
      });
      return;
    }
    switch (url.pathname) {
      case '/admin/api/2025-01/shop.json':
        return send(200, { shop: { name: 'E2E Goods', currency: 'GBP', iana_timezone: 'Europe/London' } });
      case '/admin/oauth/access_scopes.json':
        return send(200, { access_scopes: ['read_orders', 'read_all_orders', 'read_products', 'read_customers'].map((handle) => ({ handle })) });
      case '/admin/api/2025-01/orders.json':
        return send(200, { orders });
      case '/admin/api/2025-01/products.json':
        return send(200, { products });
      case '/admin/api/2025-01/customers.json':
        return send(200, { customers });
      default:
        return send(404, { errors: 'Not Found' });
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

before(async () => {
  shop = await fakeShopify();
  // The sync worker is off: a new connection is due for a scheduled sync at once, and one that
  // ran before the viewer's page opened left the "Sync now" below nothing new to show (the
  // schedule is tested in server/tests/shopify.rs).
  app = await startApp('storepulse_e2e_connections', { STOREPULSE_CONNECTOR_TEST_MODE: 'true', STOREPULSE_SHOP_SYNC_POLL_SECONDS: '0' });
});

after(async () => {
  await app?.stop();
  shop?.close();
});

const parseMoney = (text) => Number(text.replace(/[£,]/g, ''));

async function juneGross(page) {
  await page.goto(`${app.baseUrl}/sales?from=2026-06-01&to=2026-06-30`);
  const value = page.locator('.kpi-card[aria-label="Gross revenue"] .kpi-value');
  await value.waitFor();
  return parseMoney(await value.textContent());
}

async function connectForm(page, token) {
  await page.goto(`${app.baseUrl}/admin/sources`);
  await page.waitForSelector('body[data-hydrated="true"]');
  await page.getByRole('button', { name: 'Connect a shop…' }).click();
  const form = page.getByRole('form', { name: 'Connect a shop' });
  await form.getByLabel('Name').fill('E2E shop');
  await form.getByLabel('Shop').fill(`http://127.0.0.1:${shop.address().port}`);
  await form.getByLabel('Admin API access token').fill(token);
  await form.getByLabel('Webhook secret (optional)').fill(WEBHOOK_SECRET);
  await form.getByRole('button', { name: 'Test and connect' }).click();
  return form;
}

test('an admin connects a shop, syncs it, and its orders reach the dashboards', async () => {
  const page = await loginPage(app, 'admin@storepulse.example', { viewport: { width: 1440, height: 900 } });
  const before = await juneGross(page);

  // A wrong token: Shopify's reason, nothing saved.
  let form = await connectForm(page, 'shpat_wrong');
  await form.getByRole('alert').waitFor();
  assert.match(await form.getByRole('alert').textContent(), /401.*Invalid API key/);
  assert.equal(psql(app.db, 'select count(*) from shop_connection'), '0');

  await connectForm(page, TOKEN);
  const panel = page.getByRole('region', { name: 'Shop connections' });
  const connected = panel.getByRole('status').filter({ hasText: 'Connected to' });
  await connected.waitFor();
  const status = await connected.textContent();
  assert.match(status, /Connected to E2E Goods/);
  assert.match(status, /Can read all orders/);
  const row = panel.locator('tbody tr', { hasText: 'E2E shop' }).first();
  await row.waitFor();
  assert.ok(!(await page.content()).includes(TOKEN), 'the token is never shown');

  // A viewer has June's Sales open in another window: it refreshes by itself after the sync.
  const viewer = await loginPage(app, 'viewer@storepulse.example', { viewport: { width: 1440, height: 900 } });
  await viewer.goto(`${app.baseUrl}/sales?from=2026-06-01&to=2026-06-30&country=Ireland`);
  await viewer.waitForSelector('body[data-hydrated="true"]');
  const viewerGross = viewer.locator('.kpi-card[aria-label="Gross revenue"] .kpi-value');
  await viewerGross.waitFor();
  const irelandBefore = parseMoney(await viewerGross.textContent());
  await viewer.waitForSelector('.live-status.connected');

  await row.getByRole('button', { name: 'Sync now' }).click();
  const synced = panel.getByRole('status').filter({ hasText: 'synced' });
  await synced.waitFor({ timeout: 30_000 });
  assert.match(await synced.textContent(), /E2E shop: synced 3 pages, 2 products, 2 customers and 2 orders/);
  await panel.locator('tbody tr', { hasText: 'E2E shop' }).first().getByRole('button', { name: 'History' }).click();
  const history = panel.getByRole('table', { name: 'Sync history' });
  await history.waitFor();
  assert.match(await history.textContent(), /manual.*succeeded/s);
  await again(() => screenshot(panel, { path: path.join(artifacts, 'connections-desktop.png'), timeout: 5_000 }));

  // No reload: the same page, the same filter, new figures and "Updated just now".
  await viewer.waitForFunction(
    (before) => Number(document.querySelector('.kpi-card[aria-label="Gross revenue"] .kpi-value')?.textContent.replace(/[£,]/g, '')) > before,
    irelandBefore, { timeout: 15_000 });
  assert.equal(Math.round((parseMoney(await viewerGross.textContent()) - irelandBefore) * 100), 5500);
  assert.match(viewer.url(), /country=Ireland/);
  assert.match(await viewer.locator('.live-status').textContent(), /Updated just now/);

  // An order sent as a signed webhook appears on the open page, again without a reload.
  const order = JSON.stringify({ id: 9003, name: '#9003', created_at: '2026-06-20T09:00:00Z', updated_at: '2026-06-20T09:00:00Z',
    test: false, source_name: 'web', customer: null, billing_address: { country: 'Ireland' },
    line_items: [{ id: 3, variant_id: 502, sku: 'E2E-JUG', title: 'E2E Jug', quantity: 2,
      price_set: { shop_money: { amount: '30.00', currency_code: 'GBP' } } }], refunds: [] });
  const sign = (secret) => crypto.createHmac('sha256', secret).update(order).digest('base64');
  const deliver = (secret) => fetch(`${app.baseUrl}/webhooks/shopify`, {
    method: 'POST', body: order,
    headers: { 'content-type': 'application/json', 'x-shopify-shop-domain': `127.0.0.1:${shop.address().port}`,
      'x-shopify-topic': 'orders/create', 'x-shopify-webhook-id': 'e2e-1', 'x-shopify-hmac-sha256': sign(secret) } });
  assert.equal((await deliver('forged')).status, 401);
  const delivered = await deliver(WEBHOOK_SECRET);
  assert.equal(delivered.status, 200, await delivered.text());
  await viewer.waitForFunction(
    (before) => Number(document.querySelector('.kpi-card[aria-label="Gross revenue"] .kpi-value')?.textContent.replace(/[£,]/g, '')) > before,
    irelandBefore + 55, { timeout: 15_000 });
  assert.equal(Math.round((parseMoney(await viewerGross.textContent()) - irelandBefore) * 100), 11500);
  await screenshot(viewer, { path: path.join(artifacts, 'live-sales.png') });
  await viewer.close();

  const after = await juneGross(page);
  assert.equal(Math.round((after - before) * 100), 11500, `June gross ${before} → ${after}`);

  // A manual price for the mug, then pushed to the shop by hand from Inventory & Pricing.
  const mug = psql(app.db, "select product_id from product where external_id = '501'");
  const decided = await page.request.put(`${app.baseUrl}/api/v1/products/${mug}/price`,
    { data: { price: '13.90', note: 'e2e' }, headers: { origin: app.baseUrl } });
  assert.equal(decided.status(), 200, await decided.text());
  assert.equal(pushed.length, 0, 'nothing is pushed by itself');
  await page.goto(`${app.baseUrl}/inventory`);
  await page.waitForSelector('body[data-hydrated="true"]');
  const pushPanel = page.getByRole('region', { name: 'Push prices to the shop' });
  await pushPanel.waitFor();
  await pushPanel.getByRole('button', { name: 'Push to the shop' }).click();
  await page.locator('td', { hasText: 'ok: Shopify now sells it at 13.90' }).first().waitFor();
  assert.deepEqual(pushed, [{ id: 501, price: '13.90' }]);
  // The log is drawn again as the page's parts refresh after the push: scroll once it holds still.
  await again(() => page.getByRole('heading', { name: 'Decision log' }).scrollIntoViewIfNeeded({ timeout: 2_000 }));
  await screenshot(page, { path: path.join(artifacts, 'price-push.png') });

  const phone = await loginPage(app, 'admin@storepulse.example', { viewport: { width: 390, height: 844 } });
  await phone.goto(`${app.baseUrl}/admin/sources`);
  await phone.waitForSelector('body[data-hydrated="true"]');
  await again(() => screenshot(phone.getByRole('region', { name: 'Shop connections' }),
    { path: path.join(artifacts, 'connections-phone.png'), timeout: 5_000 }));
  await phone.close();
  await page.close();
});
