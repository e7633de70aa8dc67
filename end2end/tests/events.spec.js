// 事件 Events: the instance page's 等待的事件 section (a message subscription with its business
// key, delivered by hand with variables after a JSON check and a confirmation: the instance
// moves on and the subscription is gone), the 事件 list (search, type filter, links to the
// instance, 启动事件 for a definition's message start event), the 发送消息 form (delivery by
// business key or to every match, a start by message, refusals in Chinese: nothing waits, several
// wait) and the
// 广播信号 form reaching two instances; a suspended instance's refusal is told in Chinese; paging by 20,
// the English labels, and a tenant manager who sees and reaches only their own tenant.
//
// Each test deploys the fixtures with its own suffix (message and signal names included), so
// the tests neither see each other's subscriptions nor depend on the demo data.
const fs = require('fs');
const path = require('path');
const { test, expect } = require('@playwright/test');
const { CONSOLE, openSection, signIn, startInstance, uniqueKey, waitForHydration } = require('./helpers');

/** Deploys fixture `name` with every `SFX` replaced by `sfx`. */
async function deployWithSuffix(page, name, sfx) {
  const xml = fs.readFileSync(path.join(__dirname, '..', 'fixtures', name), 'utf8').replaceAll('SFX', sfx);
  const res = await page.request.post('/api/v1/deployments', {
    headers: CONSOLE,
    multipart: { file: { name: name.replace('.bpmn', `-${sfx}.bpmn`), mimeType: 'text/xml', buffer: Buffer.from(xml) } },
  });
  expect(res.ok(), await res.text()).toBeTruthy();
  const body = await res.json();
  expect(JSON.stringify(body)).not.toContain('not supported');
}

/** Opens the 事件 page on `tab` (全部 / 消息 / 信号), searched for `search`. */
async function openEvents(page, search, tab = '全部') {
  await page.goto('/events');
  await waitForHydration(page);
  await page.getByRole('tab', { name: tab, exact: true }).click();
  await page.getByTestId('event-search').fill(search);
  await page.getByRole('button', { name: '查询' }).click();
}

/** The instance page of `id`, hydrated. */
async function openInstance(page, id) {
  await page.goto(`/instances/${id}`);
  await waitForHydration(page);
  await expect(page.getByTestId('instance-title')).toBeVisible();
}

test('a waiting message: listed on the instance page and under 事件, delivered by hand with variables', async ({ page }) => {
  await signIn(page, 'admin', undefined, '/');
  const sfx = uniqueKey('ev');
  await deployWithSuffix(page, 'e2e-message.bpmn', sfx);
  const key = `order-${sfx}`;
  const started = await startInstance(page, `e2e-msg-${sfx}`, { businessKey: key });

  // The instance page: one message subscription with its name, business key, element and time.
  await openInstance(page, started.id);
  await openSection(page, '事件');
  const section = page.getByTestId('instance-events');
  const row = section.locator('tr[data-kind="message"]');
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('消息');
  await expect(row).toContainText(`付款通知-${sfx}`);
  await expect(row).toContainText(key);
  await expect(row).toContainText('等待付款通知');
  await expect(row.locator('td').nth(4)).toHaveText(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
  await page.screenshot({ path: test.info().outputPath('instance-waiting-events.png'), fullPage: true });

  // 事件: the same subscription, linking to its instance; the message start event of the other
  // process shows 启动事件 in the instance column.
  await openEvents(page, sfx);
  const table = page.getByTestId('event-table');
  await expect(table.locator('tr[data-subscription]')).toHaveCount(2);
  const listed = table.locator(`tr[data-instance="${started.id}"]`);
  await expect(listed).toContainText(`付款通知-${sfx}`);
  await expect(listed).toContainText(key);
  const start = table.locator(`tr[data-name="下单-${sfx}"]`);
  await expect(start.getByTestId('start-event')).toHaveText('启动事件');
  await expect(start).toContainText(`按消息下单 ${sfx}`);
  // The type filter: no signal waits under this suffix.
  await page.getByRole('tab', { name: '信号', exact: true }).click();
  await expect(page.getByTestId('event-empty')).toBeVisible();
  await page.getByRole('tab', { name: '消息', exact: true }).click();
  await expect(table.locator('tr[data-subscription]')).toHaveCount(2);
  await page.screenshot({ path: test.info().outputPath('events-page.png'), fullPage: true });
  await listed.locator(`a[href="/instances/${started.id}"]`).click();
  await expect(page).toHaveURL(new RegExp(`/instances/${started.id}$`));
  await waitForHydration(page);
  await openSection(page, '事件');

  // 发送消息 by hand: a broken JSON and a non-object are refused in Chinese, in place.
  await page.getByTestId('instance-events').getByRole('button', { name: '发送消息' }).click();
  const dialog = page.getByTestId('deliver-dialog');
  await expect(dialog).toContainText(`付款通知-${sfx}`);
  const vars = dialog.getByTestId('deliver-variables');
  await vars.fill('{"amount": }');
  await dialog.getByTestId('deliver-next').click();
  await expect(dialog.getByTestId('deliver-variables-error')).toContainText('不是有效的 JSON');
  await expect(dialog.getByTestId('deliver-variables-error')).toContainText('第 1 行');
  await vars.fill('[1200]');
  await dialog.getByTestId('deliver-next').click();
  await expect(dialog.getByTestId('deliver-variables-error')).toContainText('必须是一个 JSON 对象');
  await expect(dialog.getByTestId('deliver-confirm')).toHaveCount(0);
  await vars.fill('{"amount": 1200, "payer": "张伟"}');
  await dialog.getByTestId('deliver-next').click();
  // The confirmation says what will happen; 返回修改 goes back without sending.
  await expect(dialog.getByTestId('deliver-question')).toContainText('等待付款通知');
  await expect(dialog.getByTestId('deliver-question')).toContainText('2 个变量');
  await page.screenshot({ path: test.info().outputPath('deliver-dialog.png') });
  await dialog.getByRole('button', { name: '返回修改' }).click();
  await expect(dialog.getByTestId('deliver-confirm')).toHaveCount(0);
  await dialog.getByTestId('deliver-next').click();
  await dialog.getByTestId('deliver-confirm').click();

  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('flash')).toContainText('已送达');
  await expect(page.getByTestId('instance-events-empty')).toBeVisible();
  await openSection(page, '流转历史');
  const history = page.getByTestId('instance-history');
  await expect(history.locator('tr[data-activity="wait_paid"]')).toContainText('完成');
  await expect(history.locator('tr[data-activity="confirm"]')).toContainText('进行中');
  await openSection(page, '变量');
  await expect(page.getByTestId('instance-variables').locator('tr[data-variable="payer"]')).toBeVisible();

  // Gone from the 事件 list too; the start event stays.
  await openEvents(page, sfx);
  await expect(page.getByTestId('event-table').locator('tr[data-subscription]')).toHaveCount(1);
  await expect(page.getByTestId('event-table').locator(`tr[data-instance="${started.id}"]`)).toHaveCount(0);

  // By hand at the start event: the confirmation says a new instance starts, and it does.
  await page.getByTestId('event-table').locator(`tr[data-name="下单-${sfx}"]`).getByRole('button', { name: '发送消息' }).click();
  await dialog.getByTestId('deliver-next').click();
  await expect(dialog.getByTestId('deliver-question')).toContainText(`启动流程“按消息下单 ${sfx}”`);
  await dialog.getByTestId('deliver-confirm').click();
  await expect(page.getByTestId('flash')).toContainText('已启动新实例');
  const orders = `/api/v1/process-instances?definitionName=${encodeURIComponent(`按消息下单 ${sfx}`)}`;
  const list = await page.request.get(orders, { headers: CONSOLE });
  expect(list.ok(), await list.text()).toBeTruthy();
  const items = (await list.json()).items;
  expect(items.length).toBe(1);
  expect(items[0].definitionKey).toBe(`e2e-order-${sfx}`);
});

test('发送消息 form: by business key, a start by message, and the refusals in Chinese', async ({ page }) => {
  await signIn(page, 'admin', undefined, '/');
  const sfx = uniqueKey('em');
  await deployWithSuffix(page, 'e2e-message.bpmn', sfx);
  const a = await startInstance(page, `e2e-msg-${sfx}`, { businessKey: `a-${sfx}` });
  const b = await startInstance(page, `e2e-msg-${sfx}`, { businessKey: `b-${sfx}` });
  const c = await startInstance(page, `e2e-msg-${sfx}`, { businessKey: `c-${sfx}` });
  await openEvents(page, sfx);
  const form = page.getByTestId('message-form');
  const result = page.getByTestId('message-result');

  // Nobody waits for this name: 404, told in Chinese.
  await form.getByTestId('message-name').fill(`没人等待-${sfx}`);
  await form.getByTestId('message-send').click();
  await expect(result.getByTestId('event-refusal')).toContainText('没有实例在等待此消息');

  // Two instances wait and no business key narrows it down: 409 ambiguous, told in Chinese.
  await form.getByTestId('message-name').fill(`付款通知-${sfx}`);
  await form.getByTestId('message-send').click();
  await expect(result.getByTestId('event-refusal')).toContainText('有多个实例在等待此消息');
  await page.screenshot({ path: test.info().outputPath('message-refused.png'), fullPage: true });

  // A bad variables text is refused before sending.
  await form.getByTestId('message-variables').fill('{amount: 1}');
  await form.getByTestId('message-send').click();
  await expect(form.getByRole('alert')).toContainText('不是有效的 JSON');

  // With b's business key: delivered to b only.
  await form.getByTestId('message-variables').fill('{"amount": 300}');
  await form.getByTestId('message-key').fill(`b-${sfx}`);
  await form.getByTestId('message-send').click();
  await expect(result.locator(`li[data-instance="${b.id}"]`)).toContainText('已送达');
  await expect(result.locator('li')).toHaveCount(1);
  const table = page.getByTestId('event-table');
  await expect(table.locator(`tr[data-instance="${b.id}"]`)).toHaveCount(0);
  await expect(table.locator(`tr[data-instance="${a.id}"]`)).toHaveCount(1);

  // 投递给所有匹配的实例: a and c, the two still waiting, both receive it.
  await form.getByTestId('message-key').fill('');
  await form.getByTestId('message-all').check();
  await form.getByTestId('message-send').click();
  await expect(result.locator('li')).toHaveCount(2);
  await expect(result.locator(`li[data-instance="${a.id}"]`)).toContainText('已送达');
  await expect(result.locator(`li[data-instance="${c.id}"]`)).toContainText('已送达');
  await expect(table.locator(`tr[data-name="付款通知-${sfx}"]`)).toHaveCount(0);
  await form.getByTestId('message-all').uncheck();

  // The message start event: a new instance, opened from the result.
  await form.getByTestId('message-name').fill(`下单-${sfx}`);
  await form.getByTestId('message-key').fill(`new-${sfx}`);
  await form.getByTestId('message-variables').fill('');
  await form.getByTestId('message-send').click();
  const startedRow = result.locator('li[data-started="true"]');
  await expect(startedRow).toContainText('已启动');
  await startedRow.getByRole('link').click();
  await waitForHydration(page);
  await expect(page.getByTestId('instance-title')).toContainText(`按消息下单 ${sfx}`);
  await expect(page.getByTestId('instance-facts')).toContainText(`new-${sfx}`);
  await openSection(page, '流转历史');
  await expect(page.getByTestId('instance-history').locator('tr[data-activity="handle"]')).toContainText('进行中');
});

test('广播信号 reaches both waiting instances; a suspended instance refuses a delivery in Chinese', async ({ page }) => {
  await signIn(page, 'admin', undefined, '/');
  const sfx = uniqueKey('es');
  await deployWithSuffix(page, 'e2e-signal.bpmn', sfx);
  const one = await startInstance(page, `e2e-sig-${sfx}`, { businessKey: `one-${sfx}` });
  const two = await startInstance(page, `e2e-sig-${sfx}`, { businessKey: `two-${sfx}` });
  const three = await startInstance(page, `e2e-sig-${sfx}`, { businessKey: `three-${sfx}` });

  // The suspended instance refuses a delivery by hand: 409, told in Chinese.
  const suspended = await page.request.post(`/api/v1/process-instances/${three.id}/suspend`, {
    headers: CONSOLE,
    data: { reason: 'e2e' },
  });
  expect(suspended.ok(), await suspended.text()).toBeTruthy();
  await openInstance(page, three.id);
  await openSection(page, '事件');
  const row = page.getByTestId('instance-events').locator('tr[data-kind="signal"]');
  await expect(row).toContainText(`召回-${sfx}`);
  await row.getByRole('button', { name: '发送信号' }).click();
  const dialog = page.getByTestId('deliver-dialog');
  await dialog.getByTestId('deliver-next').click();
  await dialog.getByTestId('deliver-confirm').click();
  await expect(dialog.getByTestId('event-refusal')).toContainText('实例已挂起');
  await dialog.getByRole('button', { name: '取消' }).click();

  // 事件, type 信号: three instances wait.
  await openEvents(page, sfx, '信号');
  const table = page.getByTestId('event-table');
  await expect(table.locator('tr[data-kind="signal"]')).toHaveCount(3);

  // 广播信号 after the confirmation: the two running instances receive it, the suspended one not.
  const form = page.getByTestId('signal-form');
  await form.getByTestId('signal-name').fill(`召回-${sfx}`);
  await form.getByTestId('signal-variables').fill('{"recalled": true}');
  await form.getByTestId('signal-send').click();
  const ask = page.getByTestId('ask-dialog');
  await expect(ask).toContainText(`召回-${sfx}`);
  await ask.getByRole('button', { name: '确定' }).click();
  await expect(page.getByTestId('signal-result')).toContainText('已送达 2 个实例');
  await expect(table.locator('tr[data-kind="signal"]')).toHaveCount(1);
  await expect(table.locator(`tr[data-instance="${three.id}"]`)).toHaveCount(1);

  for (const id of [one.id, two.id]) {
    await openInstance(page, id);
    await openSection(page, '事件');
    await expect(page.getByTestId('instance-events-empty')).toBeVisible();
    await openSection(page, '流转历史');
    await expect(page.getByTestId('instance-history').locator('tr[data-activity="wait_recall"]')).toContainText('完成');
    await expect(page.getByTestId('instance-history').locator('tr[data-activity="recall"]')).toContainText('进行中');
    await openSection(page, '变量');
    await expect(page.getByTestId('instance-variables').locator('tr[data-variable="recalled"]')).toBeVisible();
  }
});

test('事件 pages by 20 and speaks English; a tenant manager sees and reaches only their tenant', async ({ page, browser }) => {
  await signIn(page, 'admin', undefined, '/');
  const sfx = uniqueKey('ep');
  await deployWithSuffix(page, 'e2e-signal.bpmn', sfx);
  for (let i = 0; i < 21; i += 1) {
    await startInstance(page, `e2e-sig-${sfx}`, { businessKey: `p${i}-${sfx}` });
  }
  await openEvents(page, sfx, '信号');
  const rows = page.getByTestId('event-table').locator('tr[data-subscription]');
  await expect(rows).toHaveCount(20);
  await expect(rows.first()).toContainText(`p0-${sfx}`);
  await page.getByTestId('page-next').click();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(`p20-${sfx}`);
  await expect(page.getByTestId('page-next')).toBeDisabled();
  await page.getByTestId('page-prev').click();
  await expect(rows).toHaveCount(20);

  // The same page in English.
  await page.getByRole('button', { name: 'English', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Events');
  await expect(page.getByTestId('signal-form')).toContainText('Broadcast a signal');
  await expect(rows.first()).toContainText('Signal');
  await page.getByRole('button', { name: '中文', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('事件');

  // The tenant manager of 华东分公司 sees none of the default tenant's subscriptions, and a
  // broadcast of its signal from there reaches nothing.
  const context = await browser.newContext({ baseURL: process.env.BPM_E2E_URL, locale: 'zh-CN' });
  const east = await context.newPage();
  await signIn(east, 'east-manager', undefined, '/events');
  await openEvents(east, sfx);
  await expect(east.getByTestId('event-empty')).toBeVisible();
  await expect(east.getByTestId('signal-form').getByTestId('event-scope')).toContainText('华东分公司');
  await east.getByTestId('signal-name').fill(`召回-${sfx}`);
  await east.getByTestId('signal-send').click();
  await east.getByTestId('ask-dialog').getByRole('button', { name: '确定' }).click();
  await expect(east.getByTestId('signal-result')).toContainText('没有送达任何实例');
  await context.close();

  await openEvents(page, sfx, '信号');
  await expect(rows).toHaveCount(20);
});
