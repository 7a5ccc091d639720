// Shared harness of the browser tests: a scratch database filled with the demo shop, the
// storepulse server on a free port, and Debian's Chromium.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const artifacts = path.join(root, 'end2end/artifacts');
export const PASSWORD = 'e2e-password-123';
export const TZ = 'Europe/London';
const bin = process.env.STOREPULSE_BIN ?? path.join(root, 'target/debug/storepulse');
export const site = process.env.SITE ?? path.join(root, 'target/site');

export function dbUrl(name) {
  const url = new URL(process.env.DATABASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export function psql(url, sql) {
  return execFileSync('psql', [url, '-AtX', '-v', 'ON_ERROR_STOP=1', '-c', sql], { encoding: 'utf8' }).trim();
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function waitForReady(url, server) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`storepulse exited with ${server.exitCode}`);
    try {
      if ((await fetch(`${url}/ready`)).ok) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('storepulse did not become ready within 60 s');
}

export const money = (v) => new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'GBP' }).format(v);
export const count = (v) => new Intl.NumberFormat('en-GB').format(v);

/** Starts the app on database `db` with the demo shop (seed 7, ending 30 June 2026); `extraEnv`
 * adds settings (e.g. STOREPULSE_CONNECTOR_TEST_MODE for a local double of a shop platform). */
export async function startApp(db, extraEnv = {}) {
  fs.mkdirSync(artifacts, { recursive: true });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'storepulse-e2e-'));
  psql(process.env.DATABASE_URL, `drop database if exists ${db}`);
  psql(process.env.DATABASE_URL, `create database ${db}`);
  const env = {
    ...process.env,
    DATABASE_URL: dbUrl(db),
    STOREPULSE_SITE_ROOT: site,
    STOREPULSE_DATA_DIR: dataDir,
    STOREPULSE_STORE_TIMEZONE: TZ,
    STOREPULSE_DEMO_DATA: 'never',
    ...extraEnv,
  };
  execFileSync(bin, ['demo', '--orders', '6000', '--seed', '7', '--end-date', '2026-06-30', '--days', '365'], { env, stdio: 'inherit' });
  // Each demo user has its own random password; the tests give them one known password.
  for (const role of ['admin', 'analyst', 'viewer']) {
    execFileSync(bin, ['user', 'password', '--email', `${role}@storepulse.example`],
      { env: { ...env, STOREPULSE_PASSWORD: PASSWORD }, stdio: 'inherit' });
  }
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const server = spawn(bin, ['serve'], { env: { ...env, STOREPULSE_ADDR: `127.0.0.1:${port}` }, stdio: ['ignore', 'inherit', 'inherit'] });
  await waitForReady(baseUrl, server);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  return {
    baseUrl,
    browser,
    dataDir,
    db: dbUrl(db),
    async stop() {
      await browser.close();
      if (server.exitCode === null) {
        const exited = new Promise((r) => server.once('exit', r));
        server.kill('SIGTERM');
        await exited;
      }
      try { psql(process.env.DATABASE_URL, `drop database if exists ${db}`); } catch { /* best effort */ }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A new page (reduced motion: charts draw at once), logged in as `email`. */
export async function loginPage(app, email, options = {}) {
  const page = await app.browser.newPage({ reducedMotion: 'reduce', ...options });
  await page.goto(`${app.baseUrl}/login`);
  await page.waitForSelector('body[data-hydrated="true"]');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(/\/sales/);
  await page.waitForSelector('body[data-hydrated="true"]');
  return page;
}

/**
 * What sticks out of the viewport sideways on `page` (visible elements whose right edge passes
 * it, except inside panels that scroll on their own): empty when the page fits a phone.
 */
export async function widerThanViewport(page) {
  return page.evaluate(() => [...document.querySelectorAll('body *')]
    .filter((e) => e.checkVisibility() && e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.table-scroll'))
    .map((e) => `${e.tagName}.${e.className}: ${e.textContent.slice(0, 60)}`));
}

/**
 * Runs `action` until it succeeds, up to `attempts` times with `pauseMs` between tries: for an
 * element being drawn anew, or a page still settling (panels filling in move what was found
 * before the click lands).
 */
export async function again(action, { attempts = 5, pauseMs = 300 } = {}) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await action();
    } catch (err) {
      if (attempt >= attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }
}

/**
 * Saves a screenshot of `target` (a page or a locator; `options` as Playwright's). Headless
 * Chromium's compositor now and then goes idle and produces no frame, and a screenshot waits for
 * one until its timeout (a CI run failed so on the sign-in page's first screenshot, another hung
 * in a wait for a frame). So each try is bounded, and before the next one a short screencast and
 * bringing the page to the front make the compositor draw again.
 */
export async function screenshot(target, options) {
  const page = typeof target.page === 'function' ? target.page() : target;
  const tries = 3;
  for (let attempt = 1; ; attempt++) {
    try {
      return await target.screenshot({ timeout: 15_000, ...options });
    } catch (err) {
      if (attempt === tries || err.name !== 'TimeoutError') throw err;
      console.log(`# screenshot ${path.basename(options.path ?? '')} timed out (try ${attempt} of ${tries}); waking the compositor`);
      await wakeCompositor(page);
    }
  }
}

async function wakeCompositor(page) {
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('Page.startScreencast', { format: 'jpeg', quality: 10, everyNthFrame: 1 });
    await new Promise((r) => setTimeout(r, 250));
    await cdp.send('Page.stopScreencast');
  } finally {
    await cdp.detach().catch(() => {});
  }
  await page.bringToFront();
}
