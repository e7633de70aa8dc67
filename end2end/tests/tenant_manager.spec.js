// A tenant manager is offered only what the engine lets them do: every screen in their own
// tenant, no tenant to choose (the header names theirs), no tenant creation, no change of the
// catalog (administrators only); every row action left either works or is disabled with the
// reason; axe-core finds nothing serious on any screen.
const fs = require('fs');
const path = require('path');
const { test, expect } = require('@playwright/test');
const { axeViolations, CONSOLE, signIn, startInstance, uniqueKey, waitForHydration } = require('./helpers');

/** Deploys a copy of e2e-seq.bpmn under the key `e2e-seq-east`: the default tenant's e2e-seq is
 *  started by its key alone in other tests, which a second tenant's e2e-seq would make ambiguous. */
async function deployOwnProcess(page) {
  const xml = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'e2e-seq.bpmn'), 'utf8').replaceAll('"e2e-seq"', '"e2e-seq-east"');
  const res = await page.request.post('/api/v1/deployments', {
    headers: CONSOLE,
    multipart: { file: { name: 'e2e-seq-east.bpmn', mimeType: 'text/xml', buffer: Buffer.from(xml) } },
  });
  expect(res.ok(), await res.text()).toBeTruthy();
}

const SCREENS = ['/', '/catalog', '/deployments', '/models', '/tasks', '/instances', '/jobs', '/events', '/tenants', '/org', '/tokens'];

/** What every screen of a tenant manager shows: their tenant named in the header, nothing to
 *  choose, no tenant column, no disabled row action without its reason, no axe violation. */
async function checkScreen(page, screen) {
  await expect(page.locator('main.content h1').first()).toBeVisible();
  await expect(page.getByTestId('tenant-switch'), screen).toHaveCount(0);
  await expect(page.getByTestId('tenant-name'), screen).toContainText('华东分公司');
  await expect(page.locator('option', { hasText: '全部租户' }), screen).toHaveCount(0);
  const silent = await page
    .locator('main td.actions button:disabled')
    .evaluateAll((buttons) => buttons.filter((b) => !b.title.trim()).map((b) => b.textContent));
  expect(silent, `disabled without a reason on ${screen}`).toEqual([]);
  expect(await axeViolations(page), `axe-core on ${screen}`).toEqual([]);
}

test('a tenant manager walks every screen and is offered only what they may do', async ({ page }) => {
  await signIn(page, 'east-manager', undefined, '/');
  // Something of theirs in every run-time list: a deployment, an instance, its task.
  await deployOwnProcess(page);
  const businessKey = uniqueKey('east');
  const started = await startInstance(page, 'e2e-seq-east', { businessKey });
  expect(started.tenant).toBe('east');

  for (const screen of SCREENS) {
    await page.goto(screen);
    await waitForHydration(page);
    await checkScreen(page, screen);
    if (screen === '/catalog') {
      // The tree is there to read; adding, editing and deleting nodes is for administrators.
      await expect(page.getByTestId('catalog-tree')).toBeVisible();
      for (const id of ['catalog-add', 'catalog-edit', 'catalog-delete']) await expect(page.getByTestId(id)).toHaveCount(0);
    }
    if (screen === '/tenants') {
      // Their own tenant only, renamed in place; no tenant is created.
      await expect(page.getByTestId('tenant-create')).toHaveCount(0);
      await expect(page.locator('tr[data-tenant]')).toHaveCount(1);
      await expect(page.locator('tr[data-tenant="east"]').getByRole('button', { name: /^重命名 · / })).toBeEnabled();
    }
    if (screen === '/deployments') await expect(page.getByTestId('deploy-open')).toBeEnabled();
    if (screen === '/tasks' || screen === '/instances' || screen === '/jobs') {
      // One tenant: no tenant column.
      await expect(page.locator('main th', { hasText: /^租户$/ })).toHaveCount(0);
    }
  }

  // The detail screens: the instance, and its task reassigned within the tenant's organisation.
  await page.goto(`/instances/${started.id}`);
  await waitForHydration(page);
  await checkScreen(page, 'the instance');
  await expect(page.getByRole('button', { name: /^挂起/ })).toBeEnabled();

  await page.goto(`/tasks?q=${businessKey}`);
  await waitForHydration(page);
  // The search from the address has been applied (the list is read again after hydration).
  await expect(page.locator('tr[data-task]')).toHaveCount(1);
  const row = page.locator(`tr[data-instance="${started.id}"]`);
  await row.getByRole('button', { name: '改派 · 填写申请' }).click();
  const dialog = page.getByTestId('reassign-dialog');
  // Only the people of their own tenant are offered.
  await expect(dialog.getByRole('option').first()).toContainText('(east.');
  expect(await axeViolations(page), 'axe-core on the reassign dialog').toEqual([]);
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();

  // A change an administrator alone may make is refused by the engine as well.
  const refused = await page.request.post('/api/tenant_create', {
    headers: CONSOLE,
    data: { id: 'nope', name: '不可' },
  });
  expect(refused.ok()).toBeFalsy();
  expect(await refused.text()).toContain("forbidden");
});
