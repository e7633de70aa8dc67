// 任务 Tasks: complete, 改派 through the organisation tree, 撤回 a completed task, 删除 refused
// for an active task and allowed for a completed one, the 逾期 tab.
const { test, expect } = require('@playwright/test');
const { confirmAsk, signIn, deployFixture, startInstance, uniqueKey, waitForHydration } = require('./helpers');

/** Starts an instance of the sequential fixture and opens the task list on `tab`, searched
 *  for `search`; returns the instance id. */
async function withTask(page, { tab = '待办', search = '' } = {}) {
  await signIn(page, 'admin', undefined, '/');
  await deployFixture(page, 'e2e-seq.bpmn');
  const started = await startInstance(page, 'e2e-seq', { businessKey: uniqueKey('task') });
  await page.goto('/tasks');
  await waitForHydration(page);
  await openTab(page, tab, search);
  return started.id;
}

async function openTab(page, tab, search = '') {
  await page.getByRole('tab', { name: tab, exact: true }).click();
  await page.getByTestId('task-search').fill(search);
  await page.getByRole('button', { name: '查询' }).click();
}

/** The row of task `name` of instance `id`. */
const taskRow = (page, id, name) => page.locator(`tr[data-instance="${id}"]`).filter({ hasText: name });

test('complete a task: the next one appears for its assignee', async ({ page }) => {
  const id = await withTask(page, { search: '填写申请' });
  const row = taskRow(page, id, '填写申请');
  await expect(row).toContainText('张伟 (zhangwei)');
  await expect(row).toContainText('待办');
  await row.getByRole('button', { name: '完成' }).click();
  const dialog = page.getByTestId('complete-dialog');
  await dialog.getByRole('textbox').fill('{"approved": ');
  await dialog.getByRole('button', { name: '确定' }).click();
  await expect(dialog.getByRole('alert')).toContainText('不是有效的 JSON');
  await dialog.getByRole('textbox').fill('{"approved": true}');
  await dialog.getByRole('button', { name: '确定' }).click();
  await expect(page.getByTestId('flash')).toContainText('操作成功');
  // The message names the task the completion opened and its assignee.
  await expect(page.getByTestId('flash')).toContainText('下一步: 主管审批 (王芳)');
  await expect(row).toBeHidden();

  await openTab(page, '待办', '主管审批');
  await expect(taskRow(page, id, '主管审批')).toContainText('王芳 (wangfang)');
});

test('reassign a task to a person chosen in the organisation tree', async ({ page }) => {
  const id = await withTask(page, { search: '填写申请' });
  const row = taskRow(page, id, '填写申请');
  await row.getByRole('button', { name: '改派' }).click();
  const dialog = page.getByTestId('reassign-dialog');
  await expect(dialog.getByRole('button', { name: '保存' })).toBeDisabled();
  // Sub-units start closed: expand 研发中心, choose 赵磊.
  await expect(dialog.getByText('赵磊 (zhaolei)')).toBeHidden();
  await dialog.locator('summary', { hasText: '研发中心' }).click();
  await dialog.getByText('赵磊 (zhaolei)').click();
  await expect(dialog.getByTestId('picked')).toContainText('zhaolei');
  await dialog.getByRole('textbox').fill('张伟出差');
  await dialog.getByRole('button', { name: '保存' }).click();
  await expect(dialog).toBeHidden();
  await expect(row).toContainText('赵磊 (zhaolei)');

  // Cancel leaves the assignee as it is.
  await row.getByRole('button', { name: '改派' }).click();
  await dialog.locator('summary', { hasText: '财务部' }).click();
  await dialog.getByText('李娜 (lina)').click();
  await dialog.getByRole('button', { name: '取消' }).click();
  await expect(dialog).toBeHidden();
  await expect(row).toContainText('赵磊 (zhaolei)');

  // The search box finds tasks by assignee.
  await openTab(page, '待办', 'zhaolei');
  await expect(taskRow(page, id, '填写申请')).toBeVisible();
});

test('withdraw a completed task: it comes back and the next step is cancelled', async ({ page }) => {
  const id = await withTask(page, { search: '填写申请' });
  const row = taskRow(page, id, '填写申请');
  // A to-do task cannot be withdrawn.
  await expect(row.getByRole('button', { name: '撤回' })).toBeDisabled();
  await row.getByRole('button', { name: '完成' }).click();
  await page.getByTestId('complete-dialog').getByRole('button', { name: '确定' }).click();
  await expect(row).toBeHidden();

  await openTab(page, '已完成', '填写申请');
  const done = taskRow(page, id, '填写申请');
  await expect(done).toContainText('已完成');
  await done.getByRole('button', { name: '撤回' }).click();
  const dialog = page.getByTestId('ask-dialog');
  await dialog.getByRole('textbox').fill('填错了');
  await dialog.getByRole('button', { name: '确定' }).click();
  await expect(page.getByTestId('flash')).toContainText('操作成功');

  await openTab(page, '待办', '');
  await expect(taskRow(page, id, '填写申请')).toContainText('张伟 (zhangwei)');
  await expect(taskRow(page, id, '主管审批')).toBeHidden();
});

test('delete is not offered for an active task, with the reason, and allowed for a completed one', async ({ page }) => {
  const id = await withTask(page, { search: '填写申请' });
  const row = taskRow(page, id, '填写申请');
  // The engine's own rule disables the button and says why.
  const del = row.getByRole('button', { name: '删除 · 填写申请' });
  await expect(del).toBeDisabled();
  await expect(del).toHaveAttribute('title', /仍是待办任务/);
  await expect(row).toBeVisible();

  await row.getByRole('button', { name: '完成' }).click();
  await page.getByTestId('complete-dialog').getByRole('button', { name: '确定' }).click();
  await expect(row).toBeHidden();
  await openTab(page, '已完成', '填写申请');
  const done = taskRow(page, id, '填写申请');
  await done.getByRole('button', { name: '删除' }).click();
  await confirmAsk(page, '删除', { title: '填写申请' });
  await expect(page.getByTestId('flash')).toContainText('操作成功');
  await expect(done).toBeHidden();
});

test('an overdue task is listed under 逾期 in red', async ({ page }) => {
  await signIn(page, 'admin', undefined, '/');
  await deployFixture(page, 'e2e-overdue.bpmn');
  const started = await startInstance(page, 'e2e-overdue', { businessKey: uniqueKey('late') });
  await page.goto('/tasks');
  await waitForHydration(page);
  await openTab(page, '逾期', '限期处理');
  const row = taskRow(page, started.id, '限期处理');
  await expect(row).toContainText('2000-01-01');
  await expect(row.locator('.task-state.overdue')).toHaveText('逾期');
  await expect(row.locator('.task-state.overdue')).toHaveCSS('color', 'rgb(198, 40, 40)');
  // The process link opens the instance.
  await row.getByRole('link', { name: '端到端逾期流程' }).click();
  await expect(page).toHaveURL(new RegExp(`/instances/${started.id}$`));
});

test('reassign a task with the keyboard alone', async ({ page }) => {
  const id = await withTask(page, { search: '填写申请' });
  const row = taskRow(page, id, '填写申请');
  await expect(row).toContainText('张伟 (zhangwei)');
  const focused = (locator) => locator.evaluate((e) => e === document.activeElement);
  const tabTo = async (locator, limit = 40) => {
    for (let i = 0; i < limit && !(await focused(locator)); i += 1) await page.keyboard.press('Tab');
    await expect(locator).toBeFocused();
  };
  // From the search box, Tab reaches the row's 改派 (named after its task); Enter opens it.
  await page.getByTestId('task-search').focus();
  const reassign = row.getByRole('button', { name: '改派 · 填写申请' });
  await tabTo(reassign);
  await page.keyboard.press('Enter');
  const dialog = page.getByTestId('reassign-dialog');
  await expect(dialog).toBeVisible();
  // Focus starts on the first person of the open top unit.
  await expect(dialog.getByRole('option', { name: '张伟 (zhangwei)' })).toBeFocused();
  // Tab to the closed unit 财务部, Enter opens it, Tab enters its people (one Tab stop, the
  // first by name), the arrow keys move between them and Enter picks one.
  const finance = dialog.locator('summary', { hasText: '财务部' });
  await tabTo(finance, 5);
  await page.keyboard.press('Enter');
  const first = dialog.getByRole('option', { name: '刘洋 (liuyang)' });
  await expect(first).toBeVisible();
  await page.keyboard.press('Tab');
  await expect(first).toBeFocused();
  await page.keyboard.press('ArrowDown');
  const lina = dialog.getByRole('option', { name: '李娜 (lina)' });
  await expect(lina).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(lina).toHaveAttribute('aria-selected', 'true');
  await expect(dialog.getByTestId('picked')).toContainText('李娜 (lina)');
  // Tab on to the reason, type it, Tab to 保存 and confirm.
  await tabTo(dialog.getByRole('textbox'));
  await page.keyboard.type('张伟出差');
  await page.keyboard.press('Tab');
  await expect(dialog.getByRole('button', { name: '保存' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(dialog).toBeHidden();
  await expect(row).toContainText('李娜 (lina)');
  // Focus is back on the row's 改派, also after the list was read again.
  await expect(page.getByTestId('flash')).toContainText('操作成功');
  await expect(reassign).toBeFocused();

  // Escape closes the dialog without a change, and focus returns to 改派 again.
  await page.keyboard.press('Enter');
  await expect(dialog).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(reassign).toBeFocused();
  await expect(row).toContainText('李娜 (lina)');
});
