// People by name: the initiator in the instance list and on the instance page, the actors of
// the operations log, a task's candidate users, by name with the login as a hint; a console
// account or a login that is no person as it is.
const { test, expect } = require('@playwright/test');
const { CONSOLE, deployFixture, openSection, signIn, startInstance, uniqueKey, waitForHydration } = require('./helpers');

test('the initiator and the actors are shown by name with the login as a hint', async ({ page }) => {
  await signIn(page, 'admin', undefined, '/');
  await deployFixture(page, 'e2e-seq.bpmn');
  const key = uniqueKey('names');
  // Started for 王芳 by an application (as the API allows), by the console account admin.
  const res = await page.request.post('/api/v1/process-definitions/key/e2e-seq/start', {
    headers: CONSOLE,
    data: { businessKey: key, initiator: 'wangfang' },
  });
  expect(res.ok(), await res.text()).toBeTruthy();
  const { id } = await res.json();

  await page.goto(`/instances?q=${key}`);
  await waitForHydration(page);
  const row = page.locator(`tr[data-instance="${id}"]`);
  await expect(row.getByTestId('initiator')).toHaveText('王芳 (wangfang)');

  await page.goto(`/instances/${id}`);
  await waitForHydration(page);
  await expect(page.getByTestId('instance-facts').getByTestId('initiator')).toHaveText('王芳 (wangfang)');
  // The task's person as the tasks list names them.
  await openSection(page, '任务');
  await expect(page.getByTestId('instance-tasks').getByTestId('person')).toHaveText('张伟 (zhangwei)');
  // admin is a console account, no person: shown as it is.
  await openSection(page, '操作记录');
  const start = page.locator('tr[data-operation="start"]');
  await expect(start.getByTestId('actor')).toHaveText('admin');
});

test('a task nobody has taken names its candidate users; groups and unknown logins as they are', async ({ page }) => {
  await signIn(page, 'admin', undefined, '/');
  await deployFixture(page, 'e2e-candidates.bpmn');
  const key = uniqueKey('cand');
  const { id } = await startInstance(page, 'e2e-candidates', { businessKey: key });

  await page.goto(`/tasks?q=${key}`);
  await waitForHydration(page);
  const row = page.locator(`tr[data-instance="${id}"]`);
  await expect(row.getByTestId('assignee')).toHaveText('候选: 王芳 (wangfang), nobody-e2e, finance');
});
