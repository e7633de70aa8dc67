// Browser tests run against a server that run.sh starts on a free port with a fresh SQLite
// file. The browser is Debian's chromium: a test tool's own browser download cannot work here.
const { defineConfig } = require('@playwright/test');

const baseURL = process.env.BPM_E2E_URL;
if (!baseURL) {
  throw new Error('BPM_E2E_URL is not set: run the browser tests with `make e2e` (end2end/run.sh).');
}

module.exports = defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL,
    locale: 'zh-CN',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
        '--no-first-run', '--disable-component-update', '--disable-sync'],
    },
  },
});
