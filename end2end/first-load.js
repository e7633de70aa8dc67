// First-load benchmark: how long until the console is interactive for a new visitor on a
// slow line, and what a repeat visit downloads. Figures are printed; nothing is asserted.
//
//   node end2end/first-load.js http://127.0.0.1:3000 [runs]
//
// Signs in through the login form's endpoint (the admin password from BPM_ADMIN_PASSWORD), then for each run
// opens the overview page in a fresh browser context (empty cache) with the line throttled to
// 5 Mbit/s down, 1 Mbit/s up and 40 ms latency (Chrome DevTools' network emulation), and
// measures from navigation start to `<html data-hydrated>` (the app's mark that it is
// interactive). Then the same page is loaded again in that context (a repeat visit) and the
// bytes that crossed the network are counted by URL.
const { chromium } = require('playwright-core');

const base = process.argv[2] || 'http://127.0.0.1:3000';
const runs = Number(process.argv[3] || 5);
const password = process.env.BPM_ADMIN_PASSWORD;
if (!password) {
  console.error('Set BPM_ADMIN_PASSWORD to the admin password of the server at', base);
  process.exit(2);
}
const LINE = { offline: false, latency: 40, downloadThroughput: (5e6 / 8), uploadThroughput: (1e6 / 8) };

async function signedInContext(browser) {
  const context = await browser.newContext();
  // The login form's server function; it answers with a redirect and the session cookie.
  const res = await context.request.post(`${base}/api/login`, {
    headers: { Origin: base },
    form: { username: 'admin', password },
    maxRedirects: 0,
  });
  if (res.status() >= 400) throw new Error(`sign-in failed: ${res.status()} ${await res.text()}`);
  return context;
}

/** Loads `path` with the throttled line; returns ms to interactive and bytes per URL. */
async function load(context, path) {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', LINE);
  const bytes = new Map();
  const urls = new Map();
  cdp.on('Network.requestWillBeSent', (e) => urls.set(e.requestId, e.request.url));
  cdp.on('Network.loadingFinished', (e) => {
    const url = urls.get(e.requestId) || e.requestId;
    bytes.set(url, (bytes.get(url) || 0) + e.encodedDataLength);
  });
  await page.goto(`${base}${path}`, { waitUntil: 'commit' });
  await page.waitForFunction(() => document.documentElement.hasAttribute('data-hydrated'), null, { timeout: 60000 });
  const ms = await page.evaluate(() => performance.now());
  await page.waitForLoadState('networkidle');
  await page.close();
  return { ms, bytes };
}

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const firsts = [];
  let repeat = null;
  let first = null;
  for (let i = 0; i < runs; i++) {
    const context = await signedInContext(browser);
    first = await load(context, '/');
    firsts.push(first.ms);
    repeat = await load(context, '/');
    await context.close();
  }
  const sorted = [...firsts].sort((a, b) => a - b);
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  const total = (m) => [...m.values()].reduce((a, b) => a + b, 0);
  console.log(`first visit, empty cache, 5 Mbit/s: interactive after median ${sorted[Math.floor(sorted.length / 2)].toFixed(0)} ms (min ${sorted[0].toFixed(0)}, max ${sorted[sorted.length - 1].toFixed(0)}) over ${runs} runs`);
  console.log(`  downloaded ${kb(total(first.bytes))}:`);
  for (const [url, n] of first.bytes) console.log(`    ${kb(n)}  ${url.replace(base, '')}`);
  console.log(`repeat visit: interactive after ${repeat.ms.toFixed(0)} ms, downloaded ${kb(total(repeat.bytes))}:`);
  for (const [url, n] of repeat.bytes) console.log(`    ${kb(n)}  ${url.replace(base, '')}`);
  await browser.close();
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
