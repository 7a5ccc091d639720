// Browser test: an admin creates an embed of the Sales dashboard locked to Germany; a host page
// served from another local origin frames it and sees the locked numbers; the viewer picks a
// channel; the token is renewed through postMessage by the host (which mints tokens with the
// embed's secret, as a real host server would) and the chosen channel stays; a page from an
// origin that is not allowed cannot frame it; a token that expires without renewal shows a message;
// an order loaded while the embed is open shows in it without a reload (the live stream).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { startApp, psql, money, artifacts, loginPage, TZ, screenshot } from '../support.mjs';

const DB = 'storepulse_e2e_embed';
let app;
let hosts = [];

const b64 = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
function sign(claims, secret) {
  const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${head}.${crypto.createHmac('sha256', secret).update(head).digest('base64url')}`;
}

/** A host site on its own port: `/` frames `src`; `/token` mints a fresh token when `renew`. */
function startHost(frameSrc, { renew = null } = {}) {
  return new Promise((resolve) => {
    const server = http.createServer((req, res) => {
      if (req.url === '/token' && renew) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ token: renew() }));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><html><body style="margin:0;background:#eef">
<h1 style="font:16px sans-serif;margin:8px">Partner site</h1>
<iframe id="sp" src="${frameSrc()}" style="width:1200px;height:900px;border:0" title="StorePulse"></iframe>
<script>
  window.heights = []; window.renewals = 0; window.expired = false;
  const frame = document.getElementById('sp');
  window.addEventListener('message', async (event) => {
    if (event.source !== frame.contentWindow) return;
    const m = event.data || {};
    if (m.type === 'storepulse:height') { window.heights.push(m.height); frame.style.height = m.height + 'px'; }
    if (m.type === 'storepulse:expired') window.expired = true;
    if (m.type === 'storepulse:token-request' && ${renew ? 'true' : 'false'}) {
      const { token } = await (await fetch('/token')).json();
      window.renewals += 1;
      frame.contentWindow.postMessage({ type: 'storepulse:token', token }, new URL(frame.src).origin);
    }
  });
</script></body></html>`);
    });
    server.listen(0, '127.0.0.1', () => {
      hosts.push(server);
      resolve({ origin: `http://127.0.0.1:${server.address().port}`, server });
    });
  });
}

/** Gross revenue of local days [from, to] in Germany (and a channel), from the raw tables. */
function gross(from, toExclusive, channel) {
  const where = `o.status <> 'cancelled' and l.quantity > 0 and l.unit_price >= 0 and o.country = 'Germany'
    ${channel ? `and o.channel = '${channel}'` : ''}
    and o.ordered_at >= timestamp '${from}' at time zone '${TZ}'
    and o.ordered_at < timestamp '${toExclusive}' at time zone '${TZ}'`;
  return money(Number(psql(app.db, `select coalesce(sum(l.quantity * l.unit_price), 0)
    from order_line l join sales_order o using (sales_order_id) where ${where}`)));
}

before(async () => {
  app = await startApp(DB);
});

after(async () => {
  for (const h of hosts) h.close();
  await app?.stop();
});

const kpi = async (frame, label) =>
  (await frame.locator(`.kpi-card[aria-label="${label}"] .kpi-value`).textContent()).trim();

test('an embed on another origin shows the locked numbers, renews its token and keeps the filter', async () => {
  // The host's origin must be known before the embed is created: start it with a late-bound src.
  let src = '';
  let secret = '';
  let embedId = 0;
  const claims = (seconds) => ({
    embed: embedId, dashboard: 'sales', filters: { country: ['Germany'] },
    exp: Math.floor(Date.now() / 1000) + seconds,
  });
  const host = await startHost(() => src, { renew: () => sign(claims(600), secret) });
  const stranger = await startHost(() => src);

  // Admin → Embeds: create it with the form.
  const admin = await loginPage(app, 'admin@storepulse.example', { viewport: { width: 1280, height: 1000 } });
  const errors = [];
  admin.on('pageerror', (err) => errors.push(err.message));
  await admin.goto(`${app.baseUrl}/admin/embeds`);
  await admin.waitForSelector('body[data-hydrated="true"]');
  await admin.getByLabel('Name').fill('Germany for the partner');
  await admin.locator('input[name="lock-country"]').fill('Germany');
  await admin.locator('input[name="edit-channel"]').check();
  await admin.locator('textarea[name="origins"]').fill(host.origin);
  await admin.locator('input[name="allow_export"]').check();
  await admin.getByRole('button', { name: 'Create embed' }).click();
  const card = admin.locator('.embed-card').first();
  await card.waitFor();
  embedId = Number(await card.getAttribute('data-embed-id'));
  secret = (await card.locator('code.secret').textContent()).trim();
  assert.equal(psql(app.db, `select locked_filters::text from embed where embed_id = ${embedId}`), '{"country": ["Germany"]}');
  await card.getByRole('button', { name: 'Get iframe snippet' }).click();
  const snippet = (await card.locator('pre[data-snippet]').textContent()).trim();
  assert.match(snippet, new RegExp(`<iframe src="${app.baseUrl}/embed/sales\\?token=[\\w-]+\\.[\\w-]+\\.[\\w-]+"`));
  // It sizes itself: a default height, and the script that follows the dashboard's height.
  assert.match(snippet, /style="width:100%;height:600px;border:0"/);
  assert.match(snippet, new RegExp(`<script>addEventListener\\("message",.*e\\.origin==="${app.baseUrl}".*storepulse:height.*storepulse-${embedId}`));
  await screenshot(admin, { path: path.join(artifacts, 'admin-embeds.png'), fullPage: true });
  assert.deepEqual(errors, []);

  // The host frames the dashboard with a token that expires in 20 s.
  src = `${app.baseUrl}/embed/sales?token=${sign(claims(20), secret)}&from=2026-04-01&to=2026-06-30`;
  const page = await app.browser.newPage({ viewport: { width: 1280, height: 1000 }, reducedMotion: 'reduce' });
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(host.origin);
  const frame = page.frameLocator('#sp');
  await frame.locator('body[data-hydrated="true"]').waitFor();
  await frame.locator('.kpi-card').first().waitFor();
  assert.equal(await kpi(frame, 'Gross revenue'), gross('2026-04-01', '2026-07-01'));
  assert.equal((await frame.locator('[data-locked="country"]').textContent()).trim(), 'Country: Germany');
  assert.equal(await frame.getByRole('link', { name: 'Users' }).count(), 0, 'no app chrome');
  assert.equal(await frame.getByLabel('Country filter').count(), 0, 'the locked filter is not a control');
  await page.waitForFunction(() => window.heights.length > 0 && window.heights.at(-1) > 300);

  // Live: an order loaded while the embed is open shows up in it without a reload.
  await frame.locator('.live-status.connected').waitFor();
  const before = await kpi(frame, 'Gross revenue');
  const order = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n'
    + 'LIVE-1,EMBED-LIVE,Live mug,3,2026-06-15 12:00,41.50,live-1,Germany\n';
  const loaded = await admin.request.post(`${app.baseUrl}/api/v1/ingest?filename=live.csv`, { data: order, headers: { Origin: app.baseUrl } });
  assert.equal(loaded.status(), 200, await loaded.text());
  const after = gross('2026-04-01', '2026-07-01');
  assert.notEqual(after, before);
  await frame.locator(`.kpi-card[aria-label="Gross revenue"] .kpi-value:text-is("${after}")`).waitFor({ timeout: 15_000 });
  assert.match(await frame.locator('.live-status').textContent(), /Updated just now/);

  // The viewer picks a channel: the numbers follow, still in Germany only.
  const channel = psql(app.db, `select channel from sales_order where country = 'Germany' group by 1 order by count(*) desc limit 1`);
  await frame.getByLabel('Channel filter').click();
  await frame.getByRole('group', { name: 'Channel' }).getByLabel(channel, { exact: true }).check();
  const withChannel = gross('2026-04-01', '2026-07-01', channel);
  await frame.locator(`.kpi-card[aria-label="Gross revenue"] .kpi-value:text-is("${withChannel}")`).waitFor();
  await frame.locator('main').evaluate((m) => window.scrollTo(0, 400));
  await screenshot(page.locator('#sp'), { path: path.join(artifacts, 'embed-sales.png') });

  // Renewal: the embed asks the host before its 20 s token ends and swaps the new one in.
  await page.waitForFunction(() => window.renewals > 0, null, { timeout: 30_000 });
  await new Promise((r) => setTimeout(r, 21_000 - 10_000)); // past the first token's expiry
  await page.waitForFunction(() => !window.expired);
  assert.equal(await frame.locator('#embed-expired').isHidden(), true);
  // A data request after the first token's expiry still works and keeps the channel: go to May.
  await frame.getByLabel('From date').fill('2026-05-01');
  await frame.getByLabel('From date').dispatchEvent('change');
  const may = gross('2026-05-01', '2026-07-01', channel);
  await frame.locator(`.kpi-card[aria-label="Gross revenue"] .kpi-value:text-is("${may}")`).waitFor();
  const frameUrl = page.frames().find((f) => f.url().includes('/embed/sales')).url();
  assert.match(frameUrl, new RegExp(`channel=${encodeURIComponent(channel)}`));
  // CSV export works inside the frame, from the same origin, with the locked filter.
  const exportLink = frame.getByRole('region', { name: /^By country/ }).getByRole('link', { name: 'Export CSV' });
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    exportLink.click(),
  ]);
  const csv = await (await download.createReadStream()).toArray();
  const text = Buffer.concat(csv).toString();
  assert.match(text, /Germany/);
  assert.doesNotMatch(text, /France|United Kingdom/);

  // A page on an origin that is not allowed cannot frame it.
  src = `${app.baseUrl}/embed/sales?token=${sign(claims(600), secret)}`;
  const other = await app.browser.newPage();
  await other.goto(stranger.origin);
  await new Promise((r) => setTimeout(r, 3000));
  const framed = other.frames().find((f) => f !== other.mainFrame());
  assert.ok(framed, 'the stranger page has its frame');
  // Chromium replaces a frame refused by frame-ancestors with its error page.
  assert.doesNotMatch(framed.url(), /\/embed\/sales/, `the frame shows ${framed.url()}`);
  assert.equal(await framed.locator('.kpi-card').count().catch(() => 0), 0, 'the stranger sees no dashboard');
  await other.close();

  // No renewal: a short token runs out and the embed says so instead of breaking.
  src = `${app.baseUrl}/embed/sales?token=${sign(claims(20), secret)}`;
  const lone = await startHost(() => src);
  assert.ok(lone);
  // Allow this host's origin too, so that only the renewal is missing.
  psql(app.db, `update embed set allowed_origins = allowed_origins || '{${lone.origin}}' where embed_id = ${embedId}`);
  src = `${app.baseUrl}/embed/sales?token=${sign(claims(20), secret)}`;
  const quiet = await app.browser.newPage();
  await quiet.goto(lone.origin);
  const quietFrame = quiet.frameLocator('#sp');
  await quietFrame.locator('.kpi-card').first().waitFor();
  await quietFrame.locator('#embed-expired').waitFor({ state: 'visible', timeout: 40_000 });
  assert.match(await quietFrame.locator('#embed-expired').textContent(), /expired/);
  await screenshot(quiet, { path: path.join(artifacts, 'embed-expired.png') });
  assert.deepEqual(errors, []);

  // Revoking asks first: cancelled, the embed stays; confirmed, it is revoked.
  await admin.goto(`${app.baseUrl}/admin/embeds`);
  await admin.waitForSelector('body[data-hydrated="true"]');
  const embedCard = admin.locator(`.embed-card[data-embed-id="${embedId}"]`);
  await embedCard.getByRole('button', { name: 'Revoke Germany for the partner…' }).click();
  const dialog = embedCard.getByRole('alertdialog', { name: 'Confirm revoking Germany for the partner' });
  assert.match(await dialog.textContent(), /stops showing it at once/);
  await screenshot(embedCard, { path: path.join(artifacts, 'admin-embed-revoke.png') });
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'detached' });
  assert.equal(psql(app.db, `select revoked_at is null from embed where embed_id = ${embedId}`), 't');
  await embedCard.getByRole('button', { name: 'Revoke Germany for the partner…' }).click();
  await dialog.getByRole('button', { name: 'Revoke', exact: true }).click();
  await embedCard.getByText('revoked', { exact: true }).waitFor();
  assert.equal(psql(app.db, `select revoked_at is not null from embed where embed_id = ${embedId}`), 't');
  await page.close();
  await quiet.close();
  await admin.close();
});
