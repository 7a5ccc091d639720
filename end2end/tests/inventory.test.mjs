// Browser test: an analyst opens Inventory & Pricing, checks the stock cards against SQL on the
// raw tables, acknowledges a market signal (the header badge drops by one) and accepts a price
// recommendation (it shows in the decision log and becomes the product's price); a viewer sees
// neither control.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startApp, psql, count, artifacts, loginPage, screenshot } from '../support.mjs';

const DB = 'storepulse_e2e_inventory';
let app;

before(async () => {
  app = await startApp(DB);
});

after(async () => {
  await app?.stop();
});

const kpi = async (page, label) =>
  (await page.locator(`.kpi-card[aria-label="${label}"] .kpi-value`).textContent()).trim();

const badge = async (page) => Number(await page.locator('[data-open-signals]').getAttribute('data-open-signals'));

test('an analyst acknowledges a signal and accepts a price recommendation', async () => {
  const page = await loginPage(app, 'analyst@storepulse.example', { viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(`${app.baseUrl}/inventory?from=2026-04-01&to=2026-06-30`);
  await page.waitForSelector('.kpi-card');
  await page.waitForSelector('body[data-hydrated="true"]');

  // Stock as of 30 June: the latest snapshot on or before it, else the product's own count.
  const [inStock, out] = psql(app.db, `with s as (
        select coalesce((select on_hand from inventory_snapshot i where i.product_id = p.product_id
                         and i.day <= date '2026-06-30' order by i.day desc limit 1), p.on_hand) as on_hand
        from product p where p.is_merchandise)
      select count(*) filter (where on_hand > 0), count(*) filter (where on_hand <= 0) from s`).split('|');
  assert.equal(await kpi(page, 'SKUs in stock'), count(Number(inStock)));
  assert.equal(await kpi(page, 'Out of stock'), count(Number(out)));
  await page.waitForSelector('#abc-pareto canvas');

  // The badge counts the open critical signals (what needs attention); acknowledging one (the
  // list shows the most severe first) lowers it by one.
  const open = Number(psql(app.db, "select count(*) from market_signal where acknowledged_at is null and severity = 'critical'"));
  assert.ok(open > 0, 'the demo shop raises critical signals');
  await page.waitForSelector('[data-open-signals]');
  assert.equal(await badge(page), open);
  await page.locator('.signal').first().getByRole('button', { name: 'Acknowledge' }).click();
  await page.waitForFunction((n) => Number(document.querySelector('[data-open-signals]')?.dataset.openSignals) === n, open - 1);
  assert.equal(Number(psql(app.db, 'select count(*) from market_signal where acknowledged_at is not null')), 1);

  // Triage: the warnings of one kind, acknowledged at once (audited once); the rest stay open.
  const signals = page.getByRole('region', { name: 'Market signals' });
  await signals.getByLabel('Severity filter').selectOption('warning');
  const kind = psql(app.db, "select kind from market_signal where acknowledged_at is null and severity = 'warning' group by 1 order by count(*) desc limit 1");
  await signals.getByLabel('Kind filter').selectOption(kind);
  const chosen = Number(psql(app.db, `select count(*) from market_signal where acknowledged_at is null and severity = 'warning' and kind = '${kind}'`));
  assert.equal(await signals.locator('.signal').count(), Math.min(chosen, 30));
  assert.ok(await signals.locator('.signal[data-severity="critical"]').count() === 0);
  await screenshot(signals, { path: path.join(artifacts, 'inventory-signals-triage.png') });
  await signals.getByRole('button', { name: `Acknowledge these ${chosen}` }).click();
  await signals.getByText(`${chosen} signals acknowledged.`).waitFor();
  assert.equal(Number(psql(app.db, `select count(*) from market_signal where acknowledged_at is null and severity = 'warning' and kind = '${kind}'`)), 0);
  assert.equal(psql(app.db, "select count(*) from audit_log where action = 'signal.acknowledge_all'"), '1');
  assert.ok(Number(psql(app.db, 'select count(*) from market_signal where acknowledged_at is null')) > 0, 'the others stay open');
  await signals.getByLabel('Severity filter').selectOption('');
  await signals.getByLabel('Kind filter').selectOption('');
  // Grouped by product: one entry a product (the store's own signals together), opening to its
  // signals; a product's filter acknowledges that product's signals only.
  await signals.getByLabel('Group by product').check();
  const [products, storeWide] = psql(app.db, `select count(distinct product_id), count(*) filter (where product_id is null)
    from market_signal where acknowledged_at is null`).split('|').map(Number);
  const groups = products + (storeWide > 0 ? 1 : 0);
  assert.equal(await signals.locator('.signal-group').count(), Math.min(groups, 30));
  const [top, many] = psql(app.db, `select product_id, count(*) from market_signal where acknowledged_at is null and product_id is not null
    group by 1 order by 2 desc, 1 limit 1`).split('|');
  await signals.getByLabel('Product filter').selectOption(top);
  assert.equal(await signals.locator('.signal-group').count(), 1);
  await signals.locator('.signal-group summary').click();
  assert.equal(await signals.locator('.signal-group .signal').count(), Number(many));
  await screenshot(signals, { path: path.join(artifacts, 'inventory-signals-grouped.png') });
  await signals.getByRole('button', { name: `Acknowledge these ${many}` }).click();
  await signals.getByText(`${many} signals acknowledged.`).waitFor();
  assert.equal(psql(app.db, `select count(*) from market_signal where acknowledged_at is null and product_id = ${top}`), '0');
  await signals.getByLabel('Product filter').selectOption('');
  await signals.getByLabel('Group by product').uncheck();

  // A product with a recommended change, from the JSON API the page shares.
  const recs = await (await page.request.get(`${app.baseUrl}/api/v1/pricing/recommendations`)).json();
  const change = recs.products.find((p) => p.recommendation.recommended_price !== null);
  assert.ok(change, 'some demo product has a recommended price change');
  const recommended = change.recommendation.recommended_price;
  // The recommendations table pages on the server: "Suggested changes only" narrows it to the
  // products the API gives a change, in the same order.
  const suggested = recs.products.filter((p) => p.recommendation.recommended_price !== null);
  const pricing = page.getByRole('region', { name: 'Price recommendations' });
  assert.equal(await pricing.locator('.list-note').textContent(), `${suggested.length} products have a price change suggested.`);
  assert.equal(await pricing.locator('tbody tr').count(), Math.min(recs.products.length, 50));
  await pricing.getByLabel('Suggested changes only').check();
  await page.waitForFunction((n) => document.querySelectorAll('[aria-label="Price recommendations"] tbody tr').length === n,
    Math.min(suggested.length, 50));
  assert.equal(await pricing.locator('tbody tr td a').first().textContent(), change.name);
  // A long reason shows two lines until opened: the rows stay short.
  const tallest = await pricing.locator('tbody tr').evaluateAll((rows) => Math.max(...rows.map((r) => r.getBoundingClientRect().height)));
  assert.ok(tallest < 90, `recommendation rows are at most two lines high (${tallest} px)`);
  const reason = pricing.locator('tbody tr details.long-text').first();
  if (await reason.count()) {
    const closed = (await reason.boundingBox()).height;
    await reason.locator('summary').click();
    assert.ok((await reason.boundingBox()).height > closed, 'an opened reason shows in full');
    await reason.locator('summary').click();
  }
  await screenshot(pricing, { path: path.join(artifacts, 'inventory-recommendations.png') });
  // Its page opens from the price recommendations table (a product's own page, filters kept).
  await pricing.getByRole('link', { name: change.name, exact: true }).first().click();
  await page.waitForURL(new RegExp(`/products/${change.product_id}\\?`));
  await page.getByRole('heading', { level: 1, name: change.name }).waitFor();
  await page.waitForSelector('body[data-hydrated="true"]');
  const headline = page.locator('.rec-headline');
  assert.equal(Number(await headline.getAttribute('data-recommended')), Number(recommended));
  await page.getByLabel('Decision note').fill('e2e: follow the model');
  await page.getByRole('button', { name: 'Accept recommendation' }).click();
  await page.getByText(/Decision recorded: accepted/).waitFor();
  const decided = page.getByRole('region', { name: 'Decisions on this product' });
  await decided.getByText('e2e: follow the model').waitFor();
  assert.match(await decided.textContent(), /analyst@storepulse\.example/);
  assert.equal(Number(psql(app.db, `select list_price from product where product_id = ${change.product_id}`)), Number(recommended));
  assert.equal(psql(app.db, `select count(*) from audit_log where action = 'pricing.decision'`), '1');
  await page.waitForSelector('#product-demand canvas');
  await screenshot(page, { path: path.join(artifacts, 'inventory-product.png'), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, { path: path.join(artifacts, 'inventory-product-phone.png'), fullPage: false });
  await page.setViewportSize({ width: 1280, height: 900 });
  // Back on the Inventory page: the decision is in the log.
  await page.getByRole('link', { name: 'Inventory & Pricing', exact: true }).last().click();
  await page.waitForURL(/\/inventory/);
  const log = page.getByRole('region', { name: 'Decision log' });
  await log.getByText(change.sku, { exact: false }).first().waitFor();
  assert.match(await log.textContent(), /e2e: follow the model/);
  await screenshot(page, { path: path.join(artifacts, 'inventory.png'), fullPage: true });
  // Long tables show 50 rows a page; a sort covers every row and starts at the first page.
  const stock = page.getByRole('region', { name: 'Stock by product', exact: true });
  const merchandise = Number(psql(app.db, 'select count(*) from product where is_merchandise'));
  assert.equal(await stock.locator('tbody tr').count(), 50);
  assert.equal(await stock.locator('.table-pager [role="status"]').textContent(), `Rows 1–50 of ${merchandise}`);
  assert.equal(await stock.getByRole('button', { name: 'Previous' }).isDisabled(), true);
  // A filter set in the signals list stays while a table changes page (the swap keeps a part
  // whose content did not change, with what the user set in it).
  await signals.getByLabel('Severity filter').selectOption('critical');
  await page.waitForFunction(() => document.querySelectorAll('[aria-label="Market signals"] .signal:not([data-severity="critical"])').length === 0);
  await stock.getByRole('button', { name: 'Next' }).click();
  await stock.locator('.table-pager [role="status"]').filter({ hasText: `Rows 51–100 of ${merchandise}` }).waitFor();
  await page.waitForSelector('body[data-hydrated="true"]');
  assert.equal(await signals.getByLabel('Severity filter').inputValue(), 'critical');
  assert.equal(await signals.locator('.signal:not([data-severity="critical"])').count(), 0);
  assert.ok(await signals.locator('.signal').count() > 0);
  // ... also after the list has reloaded itself (an acknowledgement): its key follows it.
  const before = await signals.locator('.signal').count();
  await signals.locator('.signal').first().getByRole('button', { name: 'Acknowledge' }).click();
  await page.waitForFunction((n) => document.querySelectorAll('[aria-label="Market signals"] .signal').length === n, before - 1);
  await stock.getByRole('button', { name: 'Previous' }).click();
  await stock.locator('.table-pager [role="status"]').filter({ hasText: `Rows 1–50 of ${merchandise}` }).waitFor();
  await page.waitForSelector('body[data-hydrated="true"]');
  assert.equal(await signals.getByLabel('Severity filter').inputValue(), 'critical');
  assert.equal(await signals.locator('.signal').count(), before - 1);
  await signals.getByLabel('Severity filter').selectOption('');
  await stock.getByRole('button', { name: 'Net revenue' }).click();
  await stock.locator('.table-pager [role="status"]').filter({ hasText: `Rows 1–50 of ${merchandise}` }).waitFor();
  // The server filters, searches and sorts over every product and sends one page: a SKU's
  // search finds its one row; a status shows as many rows as the database has products in it.
  const sku = psql(app.db, 'select sku from product where is_merchandise order by sku desc limit 1');
  await stock.getByRole('searchbox').fill(sku);
  await page.waitForFunction(() => document.querySelectorAll('[aria-label="Stock by product"] tbody tr').length === 1);
  assert.equal(await stock.locator('tbody tr td').nth(1).textContent(), sku);
  // The search and the sort are in the URL: Back from the product's page finds the table as it was.
  await page.waitForURL((url) => url.searchParams.get('stock_q') === sku && url.searchParams.get('stock_sort') === '-7');
  await stock.locator('tbody tr td a').first().click();
  await page.waitForURL(/\/products\/\d+/);
  await page.goBack();
  await page.waitForSelector('body[data-hydrated="true"]');
  await page.waitForFunction(() => document.querySelectorAll('[aria-label="Stock by product"] tbody tr').length === 1);
  assert.equal(await stock.getByRole('searchbox').inputValue(), sku);
  assert.equal(await stock.getByRole('button', { name: 'Net revenue' }).locator('xpath=..').getAttribute('aria-sort'), 'descending');
  await stock.getByRole('searchbox').fill('');
  await stock.locator('.table-pager').waitFor();
  const reorder = (await (await page.request.get(`${app.baseUrl}/api/v1/products?status=reorder`)).json()).products.length;
  await stock.getByLabel('Status').selectOption('reorder');
  await page.waitForFunction(() => !document.querySelector('[aria-label="Stock by product"] [aria-busy="true"]'));
  if (reorder === 0) {
    await stock.getByText('No products match.').waitFor();
  } else {
    await page.waitForFunction((n) => document.querySelectorAll('[aria-label="Stock by product"] tbody tr').length === n, Math.min(reorder, 50));
    assert.ok((await stock.locator('tbody tr td:nth-child(4)').allTextContents()).every((t) => t === 'reorder'));
  }
  await stock.getByLabel('Status').selectOption('');
  await stock.locator('.table-pager').waitFor();
  // The product column stays in view while the table scrolls sideways (phone).
  await page.setViewportSize({ width: 390, height: 844 });
  const scroller = stock.locator('.table-scroll');
  await scroller.evaluate((e) => { e.scrollLeft = 600; });
  const [first, box] = await Promise.all([
    stock.locator('tbody tr').first().locator('td').first().boundingBox(),
    scroller.boundingBox(),
  ]);
  assert.ok(Math.abs(first.x - box.x) < 2, `the first column is fixed (${first.x} vs ${box.x})`);
  await screenshot(page, { path: path.join(artifacts, 'inventory-phone.png'), fullPage: false });
  await page.setViewportSize({ width: 1280, height: 900 });
  // A link kept from when there were more products (a page past the last) shows the last page.
  await page.goto(`${app.baseUrl}/inventory?stock_page=99`);
  const lastStart = Math.floor((merchandise - 1) / 50) * 50 + 1;
  await stock.locator('.table-pager [role="status"]').filter({ hasText: `Rows ${lastStart}–${merchandise} of ${merchandise}` }).waitFor();
  assert.equal(await stock.locator('tbody tr').count(), merchandise - lastStart + 1);
  assert.deepEqual(errors, []);
  await page.close();
});

test('no recommendation lowers expected profit; complying with the rules is a separate choice with its cost', async () => {
  const page = await loginPage(app, 'analyst@storepulse.example', { viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));
  const recs = await (await page.request.get(`${app.baseUrl}/api/v1/pricing/recommendations`)).json();
  for (const p of recs.products) {
    const r = p.recommendation;
    if (r.current && r.expected) {
      assert.ok(Number(r.expected.weekly_profit) >= Number(r.current.weekly_profit), `${p.sku}: ${r.reason}`);
    }
  }
  const held = recs.products.find((p) => p.recommendation.compliance);
  assert.ok(held, 'some demo price breaks the rules at a profit');
  const compliance = held.recommendation.compliance;
  await page.goto(`${app.baseUrl}/products/${held.product_id}`);
  await page.waitForSelector('body[data-hydrated="true"]');
  const panel = page.getByRole('region', { name: 'Price recommendation', exact: true });
  await panel.waitFor();
  assert.match(await panel.locator('.rec-headline').textContent(), /^Hold at/);
  assert.match(await panel.locator('.rec-reason').textContent(),
    /is (above the 30% margin ceiling|below the 5% margin floor|more than 10% above the cheapest competitor)/);
  assert.match(await panel.locator('.rec-limits').textContent(), /^Floor £[\d.,]+ · ceiling £[\d.,]+ .*one change £[\d.,]+–£[\d.,]+$/);
  assert.match(await panel.locator('.rec-compliance').textContent(), /^To comply: £[\d.,]+ — expected profit £[\d.,]+ a week \(−£[\d.,]+\)\.$/);
  assert.equal(await panel.getByRole('button', { name: 'Accept recommendation' }).count(), 0);
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(panel, { path: path.join(artifacts, 'inventory-compliance-phone.png') });
  await page.setViewportSize({ width: 1280, height: 900 });
  await screenshot(panel, { path: path.join(artifacts, 'inventory-compliance.png') });
  await panel.getByRole('button', { name: `Comply: set ${compliance.price}` }).click();
  await page.getByText(/Decision recorded: accepted/).waitFor();
  assert.equal(psql(app.db, 'select kind from pricing_decision order by pricing_decision_id desc limit 1'), 'compliance');
  assert.equal(Number(psql(app.db, `select list_price from product where product_id = ${held.product_id}`)), Number(compliance.price));
  assert.deepEqual(errors, []);
  await page.close();
});

test('a viewer reads the page without decision or acknowledgement controls', async () => {
  const page = await loginPage(app, 'viewer@storepulse.example', { viewport: { width: 1280, height: 900 } });
  await page.goto(`${app.baseUrl}/inventory`);
  await page.waitForSelector('.kpi-card');
  await page.waitForSelector('body[data-hydrated="true"]');
  await page.waitForSelector('.signal');
  assert.equal(await page.getByRole('button', { name: 'Acknowledge' }).count(), 0);
  const id = psql(app.db, 'select market_signal_id from market_signal where acknowledged_at is null limit 1');
  const res = await page.request.put(`${app.baseUrl}/api/v1/signals/${id}/acknowledge`, { headers: { Origin: app.baseUrl } });
  assert.equal(res.status(), 403);
  // Before the data starts there are no stock figures, not today's stock as dead stock.
  await page.goto(`${app.baseUrl}/inventory?from=2020-01-01&to=2020-01-31`);
  await page.waitForSelector('body[data-hydrated="true"]');
  await page.getByText(/^No stock data for 2020-01-31: the data starts on \d{4}-\d{2}-\d{2}/).waitFor();
  assert.equal(await kpi(page, 'Dead stock'), '£0.00');
  assert.equal(await kpi(page, 'SKUs in stock'), '0');
  await screenshot(page, { path: path.join(artifacts, 'inventory-before-data.png') });
  await page.close();
});
