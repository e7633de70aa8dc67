// Shared steps of the browser tests.
const { expect } = require('@playwright/test');

const ADMIN_PASSWORD = process.env.BPM_E2E_ADMIN_PASSWORD || 'e2e-admin-password';

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

/** Waits until the wasm bundle has hydrated the page (so clicks run Rust code). */
async function waitForHydration(page) {
  await page.waitForFunction(() => {
    const entries = performance.getEntriesByType('resource');
    return entries.some((e) => e.name.endsWith('.wasm')) && document.readyState === 'complete';
  });
  // The hydration itself runs right after the module is instantiated.
  await page.waitForTimeout(300);
}

module.exports = { signIn, waitForHydration, ADMIN_PASSWORD };
