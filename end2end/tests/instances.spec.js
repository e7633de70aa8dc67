// 实例 Instances: start from the definition page, the list (search, live refresh), 挂起 /
// 恢复 / 终止 enabled only when allowed, 调整 with a parallel-gateway warning, and the
// detail screen (diagram, history, variables edited with a type check).
const { test, expect } = require('@playwright/test');
const { confirmAsk, openSection, signIn, deployFixture, startInstance, uniqueKey, waitForHydration } = require('./helpers');

const SEQ = '端到端顺序流程';

/** Opens the instance list filtered to one definition name. */
async function openList(page, name) {
  await page.goto('/instances');
  await waitForHydration(page);
  await page.getByTestId('instance-name').fill(name);
  await page.getByTestId('instance-search').getByRole('button', { name: '查询' }).click();
}

/** Opens a deployed definition's page through the deployment list. */
async function openDefinition(page, name) {
  await page.goto('/deployments');
  await waitForHydration(page);
  await page.getByTestId('definition-search').fill(name);
  await page.getByRole('button', { name: '查询' }).click();
  await page.getByTestId('definition-table').getByRole('link', { name }).first().click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText(name);
}

test('start an instance from the definition page; a not-startable one is refused with the reason', async ({ page }) => {
  await signIn(page, 'admin', undefined, '/');
  await deployFixture(page, 'e2e-seq.bpmn');
  await deployFixture(page, 'e2e-draft.bpmn');

  await openDefinition(page, '端到端草稿流程');
  await page.getByTestId('start-instance').click();
  const draft = page.getByTestId('start-dialog');
  await draft.getByTestId('start-submit').click();
  await expect(draft.locator('.field-error')).toContainText('无法启动');
  await draft.getByRole('button', { name: '取消' }).click();
  await expect(draft).toBeHidden();

  await openDefinition(page, SEQ);
  await page.getByTestId('start-instance').click();
  const dialog = page.getByTestId('start-dialog');
  const key = uniqueKey('start');
  await dialog.getByRole('textbox', { name: '业务标识' }).fill(key);
  await dialog.getByRole('textbox', { name: '变量（JSON）' }).fill('{oops');
  await dialog.getByTestId('start-submit').click();
  await expect(dialog.locator('.field-error')).toContainText('不是有效的 JSON');
  await dialog.getByRole('textbox', { name: '变量（JSON）' }).fill('{"amount": 1200}');
  await dialog.getByTestId('start-submit').click();

  // The new instance opens.
  await expect(page).toHaveURL(/\/instances\/[0-9a-f-]+$/);
  await expect(page.getByTestId('instance-title')).toContainText(SEQ);
  await expect(page.getByTestId('instance-title').locator('[data-state]')).toHaveText('运行');
  await expect(page.getByTestId('instance-facts')).toContainText(key);
  await openSection(page, '变量');
  await expect(page.getByTestId('instance-variables').locator('tr[data-variable="amount"]')).toBeVisible();

  // ...and is listed.
  await openList(page, SEQ);
  const row = page.locator(`tr[data-business-key="${key}"]`);
  await expect(row).toContainText('运行');
  await expect(row).toContainText('填写申请');
  await expect(row).toContainText('admin');
});

test('the list refreshes itself when an instance is started elsewhere, keeping the search', async ({ page }) => {
  await signIn(page, 'admin', undefined, '/');
  await deployFixture(page, 'e2e-seq.bpmn');
  await openList(page, SEQ);
  await expect(page.getByTestId('instance-table').or(page.getByTestId('instance-empty'))).toBeVisible();
  await page.evaluate(() => { window.__sameDocument = true; });

  const key = uniqueKey('live');
  await startInstance(page, 'e2e-seq', { businessKey: key });
  // Polling every 3 s picks it up without a reload.
  await expect(page.locator(`tr[data-business-key="${key}"]`)).toBeVisible({ timeout: 10_000 });
  expect(await page.evaluate(() => window.__sameDocument)).toBe(true);
  await expect(page.getByTestId('instance-name')).toHaveValue(SEQ);
});

test('search by initiator and start date; sort by start time', async ({ page }) => {
  await signIn(page, 'admin', undefined, '/');
  await deployFixture(page, 'e2e-seq.bpmn');
  await startInstance(page, 'e2e-seq', { businessKey: uniqueKey('older') });
  const key = uniqueKey('search');
  await startInstance(page, 'e2e-seq', { businessKey: key });
  const today = new Date().toISOString().slice(0, 10);
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  await openList(page, SEQ);
  const row = page.locator(`tr[data-business-key="${key}"]`);
  const search = async (initiator, from, to) => {
    await page.getByTestId('instance-initiator').fill(initiator);
    await page.getByTestId('instance-from').fill(from);
    await page.getByTestId('instance-to').fill(to);
    await page.getByTestId('instance-search').getByRole('button', { name: '查询' }).click();
  };
  await search('adm', today, today);
  await expect(row).toBeVisible();
  await search('nobody-like-this', '', '');
  await expect(page.getByTestId('instance-empty')).toBeVisible();
  await search('', yesterday, yesterday);
  await expect(page.getByTestId('instance-empty')).toBeVisible();
  await search('', '', '');
  // Newest first, then oldest first: the new instance moves away from the top.
  await expect(page.locator('tr[data-instance]').first()).toHaveAttribute('data-business-key', key);
  await page.getByTestId('sort-start').click();
  await expect(page.getByTestId('sort-start')).toContainText('↑');
  await expect(page.locator('tr[data-instance]').first()).not.toHaveAttribute('data-business-key', key);
});

test('suspend, resume and terminate, each enabled only when allowed', async ({ page }) => {
  await signIn(page, 'admin', undefined, '/');
  await deployFixture(page, 'e2e-seq.bpmn');
  const key = uniqueKey('ops');
  await startInstance(page, 'e2e-seq', { businessKey: key });
  await openList(page, SEQ);
  const row = page.locator(`tr[data-business-key="${key}"]`);
  const button = (action) => row.locator(`button[data-action="${action}"]`);
  const dialog = page.getByTestId('ask-dialog');

  await expect(row.locator('[data-state]')).toHaveText('运行');
  await expect(button('adjust')).toBeEnabled();
  await expect(button('suspend')).toBeEnabled();
  await expect(button('resume')).toBeDisabled();
  await expect(button('terminate')).toBeEnabled();

  await button('suspend').click();
  await dialog.getByRole('textbox').fill('等待材料');
  await dialog.getByRole('button', { name: '确定' }).click();
  await expect(page.getByTestId('flash')).toContainText('操作成功');
  await expect(row.locator('[data-state]')).toHaveText('挂起');
  await expect(button('adjust')).toBeDisabled();
  await expect(button('suspend')).toBeDisabled();
  await expect(button('resume')).toBeEnabled();
  await expect(button('terminate')).toBeEnabled();

  // Cancel changes nothing.
  await button('resume').click();
  await dialog.getByRole('button', { name: '取消' }).click();
  await expect(row.locator('[data-state]')).toHaveText('挂起');

  await button('resume').click();
  await dialog.getByRole('button', { name: '确定' }).click();
  await expect(row.locator('[data-state]')).toHaveText('运行');
  await expect(button('resume')).toBeDisabled();

  await button('terminate').click();
  await dialog.getByRole('button', { name: '终止', exact: true }).click();
  await expect(row.locator('[data-state]')).toHaveText('终止');
  for (const action of ['adjust', 'suspend', 'resume', 'terminate']) {
    await expect(button(action)).toBeDisabled();
  }

  // The 完成 tab lists it, 未完成 does not.
  await page.getByRole('tab', { name: '完成', exact: true }).click();
  await expect(row).toBeVisible();
  await page.getByRole('tab', { name: '未完成' }).click();
  await expect(row).toBeHidden();

  // The operations log names who, what and why.
  await page.getByRole('tab', { name: '全部' }).click();
  await row.getByRole('link', { name: SEQ }).click();
  await openSection(page, '操作记录');
  const ops = page.getByTestId('instance-operations');
  await expect(ops.locator('tr[data-operation="suspend"]')).toContainText('等待材料');
  await expect(ops.locator('tr[data-operation="terminate"]')).toContainText('admin');
});

test('adjust warns about a parallel join that would wait for ever, then moves the instance', async ({ page }) => {
  await signIn(page, 'admin', undefined, '/');
  await deployFixture(page, 'e2e-parallel.bpmn');
  const key = uniqueKey('adjust');
  await startInstance(page, 'e2e-parallel', { businessKey: key });
  await openList(page, '端到端并行流程');
  const row = page.locator(`tr[data-business-key="${key}"]`);
  await expect(row).toContainText('财务会签');
  await expect(row).toContainText('人事会签');

  await row.locator('button[data-action="adjust"]').click();
  const dialog = page.getByTestId('adjust-dialog');
  await expect(dialog.getByTestId('adjust-save')).toBeDisabled();
  await dialog.getByRole('checkbox', { name: /财务会签/ }).check();
  await dialog.getByTestId('adjust-target').selectOption('ceo');
  // The warning is a Chinese sentence naming the join and the flow that would starve it.
  await expect(dialog.getByTestId('adjust-warnings')).toContainText('并行网关 `join` 将永远等待：再也没有令牌能经由');
  // A harmless target has no warning.
  await dialog.getByTestId('adjust-target').selectOption('finance');
  await expect(dialog.getByTestId('adjust-warnings')).toBeHidden();

  await dialog.getByTestId('adjust-target').selectOption('hr');
  await dialog.getByRole('textbox').fill('财务不需会签');
  await dialog.getByTestId('adjust-save').click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('flash')).toContainText('操作成功');
  await expect(row).not.toContainText('财务会签');
  await expect(row).toContainText('人事会签');
});

test('detail: diagram, history, variables edited with a type check in place', async ({ page }) => {
  await signIn(page, 'admin', undefined, '/');
  await deployFixture(page, 'e2e-seq.bpmn');
  const started = await startInstance(page, 'e2e-seq', { businessKey: uniqueKey('detail'), variables: { amount: 100 } });
  await page.goto(`/instances/${started.id}`);
  await waitForHydration(page);

  await expect(page.getByTestId('diagram').locator('svg')).toBeVisible();
  await expect(page.getByTestId('diagram')).toContainText('填写申请');
  await openSection(page, '流转历史');
  const history = page.getByTestId('instance-history');
  await expect(history.locator('tr[data-activity="fill"]')).toContainText('进行中');
  await expect(history.locator('tr[data-activity="start"]')).toContainText('完成');
  // The history and the tasks name the same person for the task, by name with the login.
  const person = await history.locator('tr[data-activity="fill"]').getByTestId('person').textContent();
  expect(person).toMatch(/^张伟 \(\w+\)$/);
  await openSection(page, '任务');
  await expect(page.getByTestId('instance-tasks')).toContainText('张伟');
  await expect(page.getByTestId('instance-tasks').getByTestId('person').first()).toHaveText(person);
  // The diagram's legend names its colours.
  await openSection(page, '概览');
  await expect(page.getByRole('list', { name: '图例' })).toContainText('终止时所在');
  await openSection(page, '变量');

  const amount = page.getByTestId('instance-variables').locator('tr[data-variable="amount"]');
  await expect(amount.getByRole('combobox')).toHaveValue('number');
  await amount.getByRole('textbox').fill('a lot');
  await amount.getByRole('button', { name: '保存' }).click();
  await expect(amount.getByRole('alert')).toContainText('not a number');
  await amount.getByRole('textbox').fill('2500');
  await amount.getByRole('button', { name: '保存' }).click();
  await expect(page.getByTestId('variable-history')).toContainText('2500');
  await expect(page.getByTestId('instance-variables').locator('tr[data-variable="amount"]').getByRole('textbox'))
    .toHaveValue('2500');

  // Add a boolean; a wrong one is refused in place.
  const added = page.getByTestId('instance-variables').locator('tr.new-variable');
  await added.getByTestId('variable-name').fill('urgent');
  await added.getByRole('combobox').selectOption('boolean');
  await added.getByRole('textbox', { name: '值' }).fill('yes');
  await added.getByRole('button', { name: '新增' }).click();
  await expect(added.getByRole('alert')).toContainText('true or false');
  await added.getByRole('textbox', { name: '值' }).fill('true');
  await added.getByRole('button', { name: '新增' }).click();
  const urgent = page.getByTestId('instance-variables').locator('tr[data-variable="urgent"]');
  await expect(urgent.getByRole('combobox')).toHaveValue('boolean');

  await urgent.getByRole('button', { name: '删除' }).click();
  await confirmAsk(page, '删除', { title: 'urgent' });
  await expect(urgent).toBeHidden();
});
