// A list's tab, search, filters, sort and page live in the address: a link shows the same
// list, a reload keeps it, Back returns to the previous state.
const { test, expect } = require('@playwright/test');
const { signIn, waitForHydration, deployFixture, startInstance, uniqueKey } = require('./helpers');

test('tasks: tab and search are in the address, survive a reload and go Back', async ({ page }) => {
  await signIn(page);
  await deployFixture(page, 'e2e-seq.bpmn');
  await startInstance(page, 'e2e-seq', { businessKey: uniqueKey('url') });
  await page.goto('/tasks');
  await waitForHydration(page);
  await expect(page).toHaveURL(/\/tasks$/);

  await page.getByRole('tab', { name: '所有', exact: true }).click();
  await expect(page).toHaveURL(/\/tasks\?tab=all$/);
  await page.getByTestId('task-search').fill('填写申请');
  await page.getByRole('button', { name: '查询' }).click();
  await expect(page).toHaveURL(/\/tasks\?tab=all&q=%E5%A1%AB%E5%86%99%E7%94%B3%E8%AF%B7$/);
  await expect(page.getByTestId('task-table')).toContainText('填写申请');

  // A reload (or the link opened elsewhere) shows the same list.
  await page.reload();
  await waitForHydration(page);
  await expect(page.getByRole('tab', { name: '所有', exact: true })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('task-search')).toHaveValue('填写申请');
  await expect(page.getByTestId('task-table')).toContainText('填写申请');

  // Back: the search goes, then the tab.
  await page.goBack();
  await expect(page).toHaveURL(/\/tasks\?tab=all$/);
  await expect(page.getByTestId('task-search')).toHaveValue('');
  await page.goBack();
  await expect(page).toHaveURL(/\/tasks$/);
  await expect(page.getByRole('tab', { name: '待办', exact: true })).toHaveAttribute('aria-selected', 'true');
});

test('instances: filters and sort are in the address', async ({ page }) => {
  await signIn(page);
  await deployFixture(page, 'e2e-seq.bpmn');
  await startInstance(page, 'e2e-seq', { businessKey: uniqueKey('url') });
  await page.goto(`/instances?tab=unfinished&q=${encodeURIComponent('端到端顺序流程')}&sort=oldest`);
  await waitForHydration(page);
  await expect(page.getByRole('tab', { name: '未完成', exact: true })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('instance-name')).toHaveValue('端到端顺序流程');
  await expect(page.getByTestId('instance-table')).toBeVisible();
  // Changing the sort writes it back.
  await page.getByTestId('sort-start').click();
  await expect(page).toHaveURL(/\/instances\?tab=unfinished&q=[^&]+$/);
});

test('the overview counts what needs attention, each count a link to its filtered list', async ({ page }) => {
  await signIn(page);
  const runtime = page.getByTestId('overview-runtime');
  await expect(runtime).toContainText('运行中的实例');
  for (const [label, url, tab] of [
    ['已挂起的实例', /\/instances\?tab=suspended$/, '已挂起'],
    ['未处理的异常', /\/instances\?tab=incidents$/, '有异常'],
    ['逾期任务', /\/tasks\?tab=overdue$/, '逾期'],
    ['失败的作业', /\/jobs\?tab=errors$/, '错误'],
  ]) {
    await page.goto('/');
    await waitForHydration(page);
    await runtime.getByRole('link', { name: new RegExp(label) }).click();
    await expect(page).toHaveURL(url);
    await expect(page.getByRole('tab', { name: tab, exact: true })).toHaveAttribute('aria-selected', 'true');
  }
});

test('an action the instance state forbids is disabled and says why, in the engine\'s words', async ({ page }) => {
  await signIn(page);
  await page.goto('/instances?tab=completed');
  await waitForHydration(page);
  const row = page.getByTestId('instance-table').locator('tbody tr').first();
  const suspend = row.locator('button[data-action="suspend"]');
  await expect(suspend).toBeDisabled();
  await expect(suspend).toHaveAttribute('title', /^无法挂起（实例“.+”）：实例已(完成|终止)。/);
  await expect(row.locator('button[data-action="terminate"]')).toHaveAttribute('title', /该实例已经结束/);
  // In English the same rule says it in English.
  await page.getByRole('button', { name: 'English', exact: true }).click();
  await expect(suspend).toHaveAttribute('title', /^Cannot suspend instance '.+': it is (completed|terminated)\./);
  await page.getByRole('button', { name: '中文', exact: true }).click();
});

test('a task button its state forbids says why; rows name their subject; page size and tenant column', async ({ page }) => {
  await signIn(page);
  await deployFixture(page, 'e2e-seq.bpmn');
  const key = uniqueKey('rows');
  await startInstance(page, 'e2e-seq', { businessKey: key });
  await page.goto('/tasks');
  await waitForHydration(page);
  const row = page.getByTestId('task-table').locator('tbody tr').filter({ hasText: '填写申请' }).first();
  // An active task of a running instance cannot be deleted, nor withdrawn: the buttons say why.
  const del = row.locator('button[data-action="delete"]');
  await expect(del).toBeDisabled();
  await expect(del).toHaveAttribute('title', /^任务“填写申请”在运行中的实例中仍是待办任务/);
  await expect(row.locator('button[data-action="withdraw"]')).toHaveAttribute('title', /尚未办理/);
  // Each button's accessible name says which task it acts on.
  await expect(row.getByRole('button', { name: '改派 · 填写申请' })).toBeEnabled();
  // Under 全部租户 every row says whose it is, by the tenant's name.
  await expect(page.getByTestId('task-table').locator('thead')).toContainText('租户');
  await expect(row.getByTestId('tenant')).toHaveText('默认租户');
  await expect(row.getByTestId('tenant')).toHaveAttribute('title', 'default');
  // Rows per page: in the address, and the list starts again at its first page.
  await page.getByTestId('page-size').selectOption('50');
  await expect(page).toHaveURL(/\/tasks\?size=50$/);
  await page.reload();
  await waitForHydration(page);
  await expect(page.getByTestId('page-size')).toHaveValue('50');
  // In English the reason and the dates follow the language.
  await page.getByRole('button', { name: 'English', exact: true }).click();
  await expect(del).toHaveAttribute('title', /^Task '填写申请' is still active in a running instance/);
  await expect(row.locator('time').first()).toHaveText(/^[A-Z][a-z]{2} \d{1,2}, \d{4} \d{2}:\d{2}/);
  await page.getByRole('button', { name: '中文', exact: true }).click();
  await expect(row.locator('time').first()).toHaveText(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
});

test('instances sort by end time and process; the order is in the address and Back restores it; the total follows the search', async ({ page }) => {
  await signIn(page);
  await deployFixture(page, 'e2e-seq.bpmn');
  const key = uniqueKey('sort');
  await startInstance(page, 'e2e-seq', { businessKey: key });
  await page.goto('/instances');
  await waitForHydration(page);
  const total = page.getByTestId('list-total');
  await expect(total).toHaveText(/^共 [\d,]+\+? 条$/);
  const head = (id) => page.locator('th').filter({ has: page.getByTestId(id) });
  await expect(head('sort-start')).toHaveAttribute('aria-sort', 'descending');
  await expect(head('sort-end')).toHaveAttribute('aria-sort', 'none');
  const rows = page.locator('tr[data-instance]');
  // Newest first: the instance just started (not ended) leads; by end time, ended ones lead.
  await expect(rows.first()).toHaveAttribute('data-business-key', key);
  await page.getByTestId('sort-end').click();
  await expect(page).toHaveURL(/\/instances\?sort=end-desc$/);
  await expect(head('sort-end')).toHaveAttribute('aria-sort', 'descending');
  await expect(head('sort-start')).toHaveAttribute('aria-sort', 'none');
  await expect(page.getByTestId('sort-end')).toContainText('↓');
  await expect(rows.first().locator('[data-state]')).toHaveAttribute('data-state', /completed|terminated/);
  await expect(rows.first()).not.toHaveAttribute('data-business-key', key);
  // By process name: the names come in order.
  await page.getByTestId('sort-process').click();
  await expect(page).toHaveURL(/\/instances\?sort=process$/);
  await expect(head('sort-process')).toHaveAttribute('aria-sort', 'ascending');
  const names = await rows.locator('td:first-child a').allTextContents();
  expect(names.length).toBeGreaterThan(1);
  expect(names).toEqual([...names].sort());
  await page.getByTestId('sort-process').click();
  await expect(page).toHaveURL(/\/instances\?sort=process-desc$/);
  await expect(rows.locator('td:first-child a')).not.toHaveText(names);
  const desc = await rows.locator('td:first-child a').allTextContents();
  expect(desc).toEqual([...desc].sort().reverse());
  // Back: the previous orders, one by one.
  await page.goBack();
  await expect(page).toHaveURL(/\/instances\?sort=process$/);
  await expect(head('sort-process')).toHaveAttribute('aria-sort', 'ascending');
  await expect(rows.locator('td:first-child a')).toHaveText(names);
  await page.goBack();
  await expect(page).toHaveURL(/\/instances\?sort=end-desc$/);
  await expect(head('sort-end')).toHaveAttribute('aria-sort', 'descending');
  // The total follows the search, and the order stays.
  await page.getByTestId('instance-name').fill(key);
  await page.getByTestId('instance-search').getByRole('button', { name: '查询' }).click();
  await expect(total).toHaveText('共 1 条');
  await expect(page).toHaveURL(/sort=end-desc/);
  await page.getByRole('button', { name: 'English', exact: true }).click();
  await expect(total).toHaveText('1 items');
  await page.getByRole('button', { name: '中文', exact: true }).click();
});

test('tasks sort by due date, without one last; the order is in the address and Back restores it', async ({ page }) => {
  await signIn(page);
  await deployFixture(page, 'e2e-overdue.bpmn');
  await deployFixture(page, 'e2e-seq.bpmn');
  await startInstance(page, 'e2e-overdue', { businessKey: uniqueKey('due') });
  const key = uniqueKey('due');
  await startInstance(page, 'e2e-seq', { businessKey: key });
  await page.goto('/tasks');
  await waitForHydration(page);
  const rows = page.locator('tr[data-task]');
  const head = page.locator('th').filter({ has: page.getByTestId('sort-due') });
  // Newest first: the task just created, without a due date.
  await expect(rows.first()).toContainText('填写申请');
  await expect(head).toHaveAttribute('aria-sort', 'none');
  await page.getByTestId('sort-due').click();
  await expect(page).toHaveURL(/\/tasks\?sort=due$/);
  await expect(head).toHaveAttribute('aria-sort', 'ascending');
  // The earliest due date first (2000-01-01).
  await expect(rows.first()).toContainText('限期处理');
  await expect(rows.first().getByTestId('due').locator('time')).toHaveAttribute('datetime', /^2000-01-01/);
  const dues = await rows.getByTestId('due').evaluateAll((cells) => cells.map((c) => c.querySelector('time')?.getAttribute('datetime') ?? null));
  const dated = dues.filter((d) => d !== null);
  expect(dated).toEqual([...dated].sort());
  // Without a due date last.
  expect(dues.slice(dated.length).every((d) => d === null)).toBe(true);
  await page.getByTestId('sort-due').click();
  await expect(page).toHaveURL(/\/tasks\?sort=due-desc$/);
  await expect(head).toHaveAttribute('aria-sort', 'descending');
  await expect(rows.first().getByTestId('due').locator('time')).toBeVisible();
  await expect(rows.first()).not.toContainText('限期处理');
  // Back restores the order.
  await page.goBack();
  await expect(page).toHaveURL(/\/tasks\?sort=due$/);
  await expect(head).toHaveAttribute('aria-sort', 'ascending');
  await expect(rows.first()).toContainText('限期处理');
  await page.goBack();
  await expect(page).toHaveURL(/\/tasks$/);
  await expect(head).toHaveAttribute('aria-sort', 'none');
  await expect(rows.first()).toContainText('填写申请');
  // The total follows the search.
  await expect(page.getByTestId('list-total')).toHaveText(/^共 [\d,]+\+? 条$/);
  await page.getByTestId('task-search').fill(key);
  await page.getByRole('button', { name: '查询' }).click();
  await expect(page.getByTestId('list-total')).toHaveText('共 1 条');
});
