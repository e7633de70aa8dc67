// Shared steps of the browser tests.
const fs = require('fs');
const path = require('path');
const { expect } = require('@playwright/test');

const ADMIN_PASSWORD = process.env.BPM_E2E_ADMIN_PASSWORD || 'e2e-admin-password';

/** The headers the console's own pages send with a change carried by the session cookie:
 *  the server refuses such a change from another origin, and one that is neither JSON nor
 *  marked with the console's request header. */
const CONSOLE = { Origin: process.env.BPM_E2E_URL, 'X-BPM-Request': '1' };

/** Signs in through the login form and waits for the console frame to be interactive. */
async function signIn(page, user = 'admin', password = ADMIN_PASSWORD, path = '/') {
  await page.goto(path);
  await expect(page).toHaveURL(/\/login/);
  await page.getByLabel(/用户名|User name/).fill(user);
  await page.getByLabel(/密码|Password/).fill(password);
  await page.getByRole('button', { name: /^(登录|Sign in)$/ }).click();
  await expect(page.getByTestId('user')).toBeVisible();
  await waitForHydration(page);
}

/** Waits until the wasm bundle has hydrated the page (so clicks run Rust code): the app marks
 *  `<html data-hydrated>` once it is interactive. */
async function waitForHydration(page) {
  await page.waitForFunction(() => document.documentElement.hasAttribute('data-hydrated'), null, { timeout: 30000 });
}

/** Deploys a file of fixtures/ through the HTTP API with the page's session (unchanged
 *  content deploys nothing new, so every test may call it). */
async function deployFixture(page, name) {
  const file = path.join(__dirname, '..', 'fixtures', name);
  const res = await page.request.post('/api/v1/deployments', {
    headers: CONSOLE,
    multipart: { file: { name, mimeType: 'text/xml', buffer: fs.readFileSync(file) } },
  });
  expect(res.ok(), await res.text()).toBeTruthy();
}

/** Starts an instance of the latest version of `key` through the HTTP API, as an
 *  application would; returns the instance as the API answers it (with its `id`). */
async function startInstance(page, key, { businessKey, variables = {} } = {}) {
  const res = await page.request.post(`/api/v1/process-definitions/key/${encodeURIComponent(key)}/start`, {
    headers: CONSOLE,
    data: { businessKey, variables },
  });
  expect(res.ok(), await res.text()).toBeTruthy();
  return res.json();
}

/** Confirms the console's question dialog with its button `name` (确定, 删除, 吊销…): the
 *  dialog has focus when it opens, and its title names what it is about. */
async function confirmAsk(page, name, { title } = {}) {
  const dialog = page.getByTestId('ask-dialog');
  await expect(dialog).toBeVisible();
  if (title) await expect(dialog.getByRole('heading')).toContainText(title);
  const button = dialog.getByRole('button', { name, exact: true });
  await expect(button).toBeFocused();
  await button.click();
  await expect(dialog).toBeHidden();
}

/** Opens tab `label` (概览, 流转历史, 任务, 变量, 作业, 事件, 操作记录) of the instance page. */
async function openSection(page, label) {
  const tab = page.getByRole('tab', { name: new RegExp(`^${label}`) });
  await tab.click();
  await expect(tab).toHaveAttribute('aria-selected', 'true');
}

/** A business key no other test uses. */
function uniqueKey(prefix) {
  return `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}

const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** The serious and critical accessibility violations axe-core finds on the page. */
async function axeViolations(page) {
  // Evaluated through the test driver: the page's policy rightly refuses an injected script.
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  });
}

module.exports = { axeViolations, CONSOLE, confirmAsk, openSection, signIn, waitForHydration, deployFixture, startInstance, uniqueKey, ADMIN_PASSWORD };
