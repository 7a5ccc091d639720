// Browser test: a viewer logs in, sees the Sales KPI cards with the demo numbers, changes the
// date range and sees them change, then logs out. Expected figures come from SQL written here
// against the raw tables (not the app's rollup or view), following DESIGN.md's definitions.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startApp, loginPage, psql, money, count, artifacts, widerThanViewport, PASSWORD, TZ, screenshot } from '../support.mjs';

const DB = 'storepulse_e2e_sales';
let app;
let baseUrl;
let browser;

/** Gross revenue, orders and customers of local days [from, to], straight from the facts. */
function expected(from, toExclusive, extra = 'true') {
  const where = `o.status <> 'cancelled' and l.quantity > 0 and l.unit_price >= 0 and ${extra}
    and o.ordered_at >= timestamp '${from}' at time zone '${TZ}'
    and o.ordered_at < timestamp '${toExclusive}' at time zone '${TZ}'`;
  const row = psql(app.db, `select coalesce(sum(l.quantity * l.unit_price), 0), count(distinct o.sales_order_id),
      count(distinct o.customer_id) from order_line l join sales_order o using (sales_order_id) where ${where}`);
  const [gross, orders, customers] = row.split('|');
  return { gross: money(Number(gross)), orders: count(Number(orders)), customers: count(Number(customers)) };
}

before(async () => {
  app = await startApp(DB);
  ({ baseUrl, browser } = app);
});

after(async () => {
  await app?.stop();
});

/** Logs the viewer in straight to the Sales page of June 2026, drawn and hydrated. */
async function viewerInJune(page) {
  await page.goto(`${baseUrl}/login?next=/sales%3Ffrom%3D2026-06-01%26to%3D2026-06-30`);
  await page.waitForSelector('body[data-hydrated="true"]');
  await page.getByLabel('Email').fill('viewer@storepulse.example');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(/from=2026-06-01/);
  await page.waitForSelector('body[data-hydrated="true"]');
  await page.waitForSelector('#revenue-chart canvas');
}

async function kpi(page, label) {
  return (await page.locator(`.kpi-card[aria-label="${label}"] .kpi-value`).textContent()).trim();
}

test('a viewer logs in, reads the Sales numbers, changes the range, logs out', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, reducedMotion: 'reduce' });
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));

  await page.goto(`${baseUrl}/sales`);
  assert.match(page.url(), /\/login\?next=%2Fsales$/, 'an anonymous visit goes to the login page');
  await page.waitForSelector('body[data-hydrated="true"]');
  await page.getByLabel('Email').fill('viewer@storepulse.example');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(/\/sales$/);
  await page.waitForSelector('.kpi-card');
  await page.waitForSelector('body[data-hydrated="true"]');

  // Default range: the 90 days ending with the latest order (30 June 2026).
  let want = expected('2026-04-02', '2026-07-01');
  assert.equal(await kpi(page, 'Gross revenue'), want.gross);
  assert.equal(await kpi(page, 'Orders'), want.orders);
  assert.equal(await kpi(page, 'Customers'), want.customers);
  assert.equal(await page.getByLabel('From date').inputValue(), '2026-04-02');
  // …named as the preset it is, not "Custom dates".
  assert.equal(await page.getByLabel('Period').locator('option:checked').textContent(), 'Last 90 days');
  assert.equal(await page.locator('.role-badge').textContent(), 'viewer');
  assert.equal(await page.getByRole('link', { name: 'Users' }).count(), 0, 'viewers get no admin navigation');
  await page.getByRole('region', { name: 'Top products' }).getByRole('row').nth(1).waitFor();
  assert.equal(await page.getByRole('link', { name: 'Export CSV' }).count(), 0, 'viewers cannot export');

  // The chart is drawn by ECharts, served by the app itself.
  await page.waitForSelector('#revenue-chart canvas');
  // Honest charts: the weeks the range cuts (it runs Thursday 2 April to Tuesday 30 June) are
  // labelled partial and shaded, not drawn as a crash; the chart is named for screen readers.
  const partial = await page.evaluate(() => {
    const option = window.echarts.getInstanceByDom(document.getElementById('revenue-chart')).getOption();
    return {
      labels: option.xAxis[0].data.filter((label) => label.endsWith('(partial)')),
      bands: option.series[0].markArea?.data?.length ?? 0,
    };
  });
  assert.deepEqual(partial.labels, ['30 Mar 2026 (partial)', '29 Jun 2026 (partial)']);
  assert.equal(partial.bands, 2);
  assert.equal(await page.locator('#revenue-chart').getAttribute('aria-label'), 'Revenue over time (GBP)');
  // Its figures as a table under it, for a screen reader or a keyboard: a row a week, the cut
  // ones marked.
  const revenuePanel = page.getByRole('region', { name: 'Revenue over time (GBP)', exact: true });
  await revenuePanel.getByText('Data table').click();
  const weeks = revenuePanel.getByRole('table', { name: 'Revenue over time (GBP): figures' }).locator('tbody tr');
  assert.equal(await weeks.count(), 14);
  assert.equal(await weeks.first().locator('th').textContent(), '30 Mar 2026 (partial)');
  assert.equal(await weeks.last().locator('th').textContent(), '29 Jun 2026 (partial)');
  await screenshot(revenuePanel, { path: path.join(artifacts, 'sales-chart-data-table.png') });
  // The PNG button (reachable by keyboard) downloads the chart with its title and range on the
  // page's background.
  const pngButton = page.getByRole('button', { name: 'Download Revenue over time (GBP) as PNG' });
  await pngButton.focus();
  const [png] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
  assert.equal(png.suggestedFilename(), 'revenue-2026-04-02-2026-06-30.png');
  const file = path.join(artifacts, 'sales-revenue-export.png');
  await png.saveAs(file);
  const bytes = fs.readFileSync(file);
  assert.equal(bytes.subarray(1, 4).toString(), 'PNG');
  const [width, height] = [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
  const chartBox = await page.locator('#revenue-chart').boundingBox();
  assert.ok(width > chartBox.width * 2 && height > chartBox.height * 2 + 100, `title, caption and chart at 2× (${width}×${height})`);
  await page.getByRole('region', { name: 'By channel (GBP)' }).getByRole('row').nth(1).waitFor();
  const unnamed = await page.evaluate(() => [...document.querySelectorAll('button')]
    .filter((b) => !(b.getAttribute('aria-label') || b.textContent.trim() || b.title))
    .map((b) => b.outerHTML.slice(0, 80)));
  assert.deepEqual(unnamed, [], 'every button has a name');
  assert.equal(await page.getByRole('region', { name: 'By country (GBP)' }).getByRole('button', { name: 'Country' }).count(), 1);
  await screenshot(page, { path: path.join(artifacts, 'sales-desktop.png'), fullPage: true });

  // A new range: the URL changes and the numbers follow.
  await page.getByLabel('From date').fill('2026-06-01');
  await page.waitForURL(/from=2026-06-01/);
  want = expected('2026-06-01', '2026-07-01');
  await page.waitForFunction(
    (value) => document.querySelector('.kpi-card[aria-label="Gross revenue"] .kpi-value')?.textContent === value,
    want.gross,
  );
  assert.equal(await kpi(page, 'Orders'), want.orders);
  assert.equal(await kpi(page, 'Customers'), want.customers);

  // Reloading keeps the range (it lives in the URL).
  await page.reload();
  assert.equal(await kpi(page, 'Gross revenue'), want.gross);
  await page.waitForSelector('body[data-hydrated="true"]');

  // Presets and comparison live in the URL too; every card shows its change.
  await page.getByLabel('Period').selectOption('month_to_date');
  await page.waitForURL(/preset=month_to_date/);
  await page.waitForFunction(() => document.querySelector('[aria-label="From date"]')?.value === '2026-06-01');
  assert.equal(await kpi(page, 'Gross revenue'), want.gross, 'month to date = 1–30 June 2026');
  assert.match(await page.locator('.kpi-card[aria-label="Gross revenue"] .kpi-delta').textContent(), /^[+−]\d+\.\d% vs previous period$/);
  await page.getByRole('cell', { name: 'Jun 2026' }).waitFor();
  await page.getByRole('region', { name: 'By country' }).getByRole('cell', { name: 'United Kingdom' }).waitFor();
  await page.getByRole('region', { name: 'By channel' }).getByRole('cell', { name: 'web' }).waitFor();
  await page.getByLabel('Compare with').selectOption('previous_year');
  await page.waitForURL(/compare=previous_year/);
  await page.locator('.kpi-card[aria-label="Gross revenue"] .kpi-delta', { hasText: 'vs same period last year' }).waitFor();
  await page.getByLabel('Compare with').selectOption('none');
  await page.waitForURL(/compare=none/);
  await page.waitForFunction(() => document.querySelectorAll('.kpi-delta').length === 0);
  await screenshot(page, { path: path.join(artifacts, 'sales-month-to-date.png'), fullPage: true });

  // A range with no sales gets a readable empty state, not a broken chart.
  await page.goto(`${baseUrl}/sales?from=2020-01-01&to=2020-01-31`);
  await page.waitForSelector('.chart-empty');
  assert.equal(await kpi(page, 'Gross revenue'), '£0.00');
  assert.equal(await kpi(page, 'Average order value'), '—');

  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${baseUrl}/sales?from=2026-06-01&to=2026-06-30`);
  await page.waitForSelector('#revenue-chart canvas');
  await screenshot(page, { path: path.join(artifacts, 'sales-phone.png'), fullPage: true });

  await page.waitForSelector('body[data-hydrated="true"]');
  // The first Tab reaches the skip link, which leads past the navigation and filters.
  await page.evaluate(() => document.activeElement?.blur());
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => location.hash === '#main');
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.waitForURL(/\/login/);
  await page.goto(`${baseUrl}/sales`);
  assert.match(page.url(), /\/login/, 'after logout the dashboard needs a login again');
  assert.deepEqual(errors, [], 'no script errors on the page');
  await page.close();
});

test('filters, grain, comparison overlay and sorting live on the page and in the URL', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, reducedMotion: 'reduce' });
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await viewerInJune(page);

  // Country multi-select: tick France, then Germany.
  await page.getByLabel('Country filter').click();
  await page.getByRole('group', { name: 'Country' }).getByLabel('France').check();
  await page.waitForURL(/country=France/);
  let want = expected('2026-06-01', '2026-07-01', `o.country = 'France'`);
  await page.waitForFunction(
    (value) => document.querySelector('.kpi-card[aria-label="Gross revenue"] .kpi-value')?.textContent === value,
    want.gross,
  );
  assert.equal(await kpi(page, 'Orders'), want.orders);
  assert.equal(await kpi(page, 'Customers'), want.customers);
  await page.getByRole('group', { name: 'Country' }).getByLabel('Germany').check();
  await page.waitForURL(/country=France&country=Germany|country=Germany&country=France/);
  want = expected('2026-06-01', '2026-07-01', `o.country in ('France', 'Germany')`);
  await page.waitForFunction(
    (value) => document.querySelector('.kpi-card[aria-label="Gross revenue"] .kpi-value')?.textContent === value,
    want.gross,
  );
  assert.equal(await page.getByLabel('Country filter').textContent(), 'Country: 2 selected');
  // The back button returns to France alone.
  await page.goBack();
  await page.waitForURL((url) => url.search.includes('country=France') && !url.search.includes('Germany'));
  want = expected('2026-06-01', '2026-07-01', `o.country = 'France'`);
  await page.waitForFunction(
    (value) => document.querySelector('.kpi-card[aria-label="Gross revenue"] .kpi-value')?.textContent === value,
    want.gross,
  );
  // A category filter narrows to lines of that category.
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await page.waitForURL((url) => !url.search.includes('country='));
  // Drill-through: a row of the countries table filters the page to that country; Back undoes it.
  await page.waitForSelector('body[data-hydrated="true"]');
  await page.getByRole('region', { name: 'By country' }).getByRole('link', { name: 'Germany', exact: true }).click();
  await page.waitForURL((url) => url.searchParams.getAll('country').join() === 'Germany');
  want = expected('2026-06-01', '2026-07-01', `o.country = 'Germany'`);
  await page.waitForFunction(
    (value) => document.querySelector('.kpi-card[aria-label="Gross revenue"] .kpi-value')?.textContent === value,
    want.gross,
  );
  assert.equal(await page.getByLabel('Country filter').textContent(), 'Country: Germany');
  await page.goBack();
  await page.waitForURL((url) => !url.search.includes('country='));
  await page.getByLabel('Category filter').click();
  await page.getByRole('group', { name: 'Category' }).getByLabel('Garden').check();
  await page.waitForURL(/category=Garden/);
  const garden = psql(app.db, `select coalesce(sum(l.quantity * l.unit_price), 0) from order_line l
      join sales_order o using (sales_order_id) join product p using (product_id)
      where o.status <> 'cancelled' and l.quantity > 0 and l.unit_price >= 0 and p.category = 'Garden'
        and o.ordered_at >= timestamp '2026-06-01' at time zone '${TZ}' and o.ordered_at < timestamp '2026-07-01' at time zone '${TZ}'`);
  await page.waitForFunction(
    (value) => document.querySelector('.kpi-card[aria-label="Gross revenue"] .kpi-value')?.textContent === value,
    money(Number(garden)),
  );
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await page.waitForURL((url) => !url.search.includes('category='));

  // Grain switch and the comparison overlay.
  await page.getByRole('group', { name: 'Chart grain' }).getByRole('button', { name: 'Week' }).click();
  await page.waitForURL(/grain=week/);
  await page.locator('.range-summary', { hasText: 'by week' }).waitFor();
  await page.reload();
  await page.locator('.range-summary', { hasText: 'by week' }).waitFor();
  await page.waitForSelector('body[data-hydrated="true"]');
  await page.waitForSelector('#category-chart canvas');
  // Drill-through from charts: where a chart draws a bar or point (ECharts' own coordinates).
  // Once no part is updating (a part being replaced is veiled, and its chart drawn anew).
  const settled = () => page.waitForFunction(() => !document.querySelector('.section.busy'));
  const pointOf = async (id, series) => { await settled(); return page.evaluate(([id, series]) => {
    const el = document.getElementById(id);
    el.scrollIntoView({ block: 'center' });
    const chart = echarts.getInstanceByDom(el);
    const data = chart.getOption().series[series].data.map((v) => Number(v?.value ?? v));
    const i = data.findIndex((v) => v > 0);
    const [x, y] = chart.convertToPixel({ seriesIndex: series }, [i, data[i] / 2]);
    const [, top] = chart.convertToPixel({ seriesIndex: series }, [i, data[i]]);
    const box = el.getBoundingClientRect();
    return { x: box.left + x, y: box.top + y, top: box.top + top, index: i, name: chart.getOption().series[series].name };
  }, [id, series]); };
  // A category's bar filters the page to that category.
  const bar = await pointOf('category-chart', 0);
  await page.mouse.click(bar.x, bar.y);
  await page.waitForURL((url) => url.searchParams.getAll('category').join() === bar.name);
  await page.goBack();
  await page.waitForURL((url) => !url.search.includes('category='));
  await page.waitForSelector('#revenue-chart canvas');
  // A week's point shows that week's days (June's first week is cut: Monday 1 June – Sunday 7).
  const week = await pointOf('revenue-chart', 0);
  await page.mouse.click(week.x, week.top);
  await page.waitForURL((url) => url.searchParams.get('from') === '2026-06-01' && url.searchParams.get('to') === '2026-06-07' && !url.searchParams.has('grain'));
  await page.goBack();
  await page.waitForURL(/grain=week/);
  await page.locator('.range-summary', { hasText: 'by week' }).waitFor();
  assert.match(await page.getByTestId('what-changed').textContent(), /^Net revenue [+−±]\d+\.\d%: orders [+−±]\d+\.\d%, AOV [+−±]\d+\.\d%, returns [+−±]\d+\.\d%$/);
  assert.match(await page.getByTestId('concentration').textContent(), /^The top 10 customers make \d+\.\d% of net revenue; \d+\.\d% of customers/);
  assert.match(await page.getByTestId('data-as-of').textContent(), /^Data as of 30 Jun 2026 \d\d:\d\d \(latest order\) · last ingest/);

  // Sorting a table by a heading: units, largest first, then smallest first.
  await page.waitForSelector('body[data-hydrated="true"]');
  const products = page.getByRole('region', { name: 'Top products' });
  const units = async () => (await products.locator('tbody tr td:nth-child(2)').allTextContents()).map((t) => Number(t.replace(/,/g, '')));
  await products.getByRole('button', { name: 'Units' }).click();
  let shown = await units();
  assert.deepEqual(shown, [...shown].sort((a, b) => b - a));
  await products.getByRole('button', { name: 'Units' }).click();
  shown = await units();
  assert.deepEqual(shown, [...shown].sort((a, b) => a - b));
  await screenshot(page, { path: path.join(artifacts, 'sales-filters.png'), fullPage: true });
  // The dark theme follows the system preference.
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.reload();
  await page.waitForSelector('#revenue-chart canvas');
  await screenshot(page, { path: path.join(artifacts, 'sales-dark.png') });
  assert.deepEqual(errors, [], 'no script errors on the page');
  await page.close();
});

test('one filter menu is open at a time; Escape or a click outside closes it', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, reducedMotion: 'reduce' });
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await viewerInJune(page);
  const menu = (label) => page.locator('details.multiselect', { has: page.getByLabel(`${label} filter`) });
  const isOpen = (label) => menu(label).evaluate((d) => d.open);
  await page.getByLabel('Country filter').click();
  assert.equal(await isOpen('Country'), true);
  // Ticking inside keeps it open; opening another closes it.
  await page.getByRole('group', { name: 'Country' }).getByLabel('France').check();
  await page.waitForURL(/country=France/);
  assert.equal(await isOpen('Country'), true);
  await page.getByLabel('Channel filter').click();
  assert.deepEqual([await isOpen('Country'), await isOpen('Channel')], [false, true]);
  await page.keyboard.press('Escape');
  assert.equal(await isOpen('Channel'), false);
  await page.getByLabel('Country filter').click();
  assert.equal(await isOpen('Country'), true);
  await page.locator('h1').first().click();
  assert.equal(await isOpen('Country'), false);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a saved view: an analyst keeps filters, an admin publishes a view, a viewer reopens it', async () => {
  const june = '/sales?from=2026-06-01&to=2026-06-30&country=Germany';
  const views = (page) => page.locator('details.views');
  const openViews = async (page) => {
    if (!(await views(page).evaluate((d) => d.open))) await views(page).locator('summary').click();
    await page.getByRole('group', { name: 'Saved views' }).waitFor();
  };
  const saveAs = async (page, name) => {
    await openViews(page);
    await page.getByLabel('Name of the view').fill(name);
    await page.getByRole('button', { name: 'Save view' }).click();
    await page.locator(`li.saved-view[data-view="${name}"]`).waitFor();
    assert.equal(await page.getByLabel('Name of the view').inputValue(), '', 'the field empties once saved');
  };
  // An analyst names the filters on screen: the menu then says which view this is.
  const analyst = await loginPage(app, 'analyst@storepulse.example', { viewport: { width: 1280, height: 900 } });
  await analyst.goto(`${baseUrl}${june}`);
  await analyst.waitForSelector('body[data-hydrated="true"]');
  await saveAs(analyst, 'Germany in June');
  assert.equal((await views(analyst).locator('summary').textContent()).trim(), 'View: Germany in June');
  assert.equal(await analyst.locator('li.saved-view a[aria-current="true"]').textContent(), 'Germany in June');
  assert.equal(await analyst.getByRole('button', { name: 'Publish' }).count(), 0, 'analysts do not publish');
  await screenshot(analyst, { path: path.join(artifacts, 'saved-views.png') });
  // Other filters are another view: the menu says "Views" again.
  await analyst.keyboard.press('Escape');
  await analyst.getByLabel('From date').fill('2026-06-02');
  await analyst.waitForURL(/from=2026-06-02/);
  await analyst.waitForFunction(() => document.querySelector('details.views summary').textContent.trim() === 'Views');

  // An admin does not see it (it is the analyst's); they save their own and publish it.
  const admin = await loginPage(app, 'admin@storepulse.example', { viewport: { width: 1280, height: 900 } });
  await admin.goto(`${baseUrl}${june}`);
  await admin.waitForSelector('body[data-hydrated="true"]');
  await openViews(admin);
  assert.equal(await admin.locator('li.saved-view[data-view="Germany in June"]').count(), 0);
  await saveAs(admin, 'Team: Germany, June');
  await admin.locator('li.saved-view[data-view="Team: Germany, June"]').getByRole('button', { name: 'Publish' }).click();
  await admin.locator('li.saved-view[data-view="Team: Germany, June"] .tag', { hasText: 'published' }).waitFor();

  // A viewer on the default Sales page finds it under Published and opens it: the URL carries
  // the filters (Back undoes it) and the figures are Germany's in June.
  const viewer = await loginPage(app, 'viewer@storepulse.example', { viewport: { width: 390, height: 844 } });
  await openViews(viewer);
  const published = viewer.locator('li.saved-view[data-view="Team: Germany, June"]');
  assert.doesNotMatch(await published.textContent(), /admin@storepulse\.example/, 'who wrote it is for admins');
  assert.equal(await published.getByRole('button').count(), 0, 'a viewer cannot publish or delete it');
  await screenshot(viewer, { path: path.join(artifacts, 'saved-views-phone.png') });
  await published.getByRole('link').click();
  await viewer.waitForURL(/from=2026-06-01&to=2026-06-30&country=Germany/);
  const want = expected('2026-06-01', '2026-07-01', `o.country = 'Germany'`);
  await viewer.waitForFunction((v) => document.querySelector('.kpi-card[aria-label="Gross revenue"] .kpi-value')?.textContent.trim() === v, want.gross);
  assert.equal(await views(viewer).evaluate((d) => d.open), false, 'opening a view closes the menu');
  assert.equal((await views(viewer).locator('summary').textContent()).trim(), 'View: Team: Germany, June');
  assert.deepEqual(await widerThanViewport(viewer), [], 'the Sales page fits the phone');
  await viewer.goBack();
  await viewer.waitForURL((url) => !url.search.includes('Germany'));
  for (const p of [analyst, admin, viewer]) await p.close();
});

test('every part of the page shows that it is updating while a changed filter reloads it', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, reducedMotion: 'reduce' });
  await viewerInJune(page);
  const before = await kpi(page, 'Gross revenue');
  const parts = await page.locator('.section').count();
  assert.ok(parts >= 10, `the page is made of its parts (${parts})`);
  // A slow network holds every part's new figures back: each part says it is updating and its
  // old figures are not presented as current.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 1500, downloadThroughput: -1, uploadThroughput: -1 });
  await page.getByLabel('From date').fill('2026-06-16');
  await page.waitForURL(/from=2026-06-16/);
  await page.waitForFunction((n) => document.querySelectorAll('.section.busy[aria-busy="true"]').length === n, parts);
  assert.equal(await page.locator('.section.busy .busy-note', { hasText: 'Updating…' }).count(), parts);
  assert.equal(await kpi(page, 'Gross revenue'), before, 'the old figures stay, dimmed, until the new ones come');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  await page.waitForFunction(() => document.querySelectorAll('.section.busy').length === 0);
  assert.equal(await kpi(page, 'Gross revenue'), expected('2026-06-16', '2026-07-01').gross);
  assert.equal(await page.locator('.busy-note:visible').count(), 0);
  await page.close();
});

test('an admin sees the Users page; a wrong password is refused with a message', async () => {
  const page = await browser.newPage({ reducedMotion: 'reduce' });
  await page.goto(`${baseUrl}/login`);
  await page.waitForSelector('body[data-hydrated="true"]');
  await page.getByLabel('Email').fill('admin@storepulse.example');
  await page.getByLabel('Password').fill('wrong password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('alert').filter({ hasText: 'Wrong email or password.' }).waitFor();
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(/\/sales$/);
  // Admins (and analysts) export lists as CSV.
  const exportLink = page.getByRole('region', { name: 'Top customers' }).getByRole('link', { name: 'Export CSV' });
  const csv = await (await page.request.get(new URL(await exportLink.getAttribute('href'), baseUrl).href)).text();
  assert.match(csv.split('\n')[0], /^customer,name,country,orders,net_revenue,share/);
  await page.locator('summary.nav-menu-toggle').click();
  await page.getByRole('link', { name: 'Users' }).click();
  await page.waitForURL(/\/admin\/users$/);
  await page.getByRole('cell', { name: 'viewer@storepulse.example', exact: true }).waitFor();
  await screenshot(page, { path: path.join(artifacts, 'users.png') });
  await page.close();
});
