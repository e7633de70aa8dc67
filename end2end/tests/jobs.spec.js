// 作业 Jobs: the 错误 tab with the failure's message, details and attempts; 执行 a failed job;
// 删除 a job after the confirmation (the instance shows an incident); search by job name; the
// instance detail's jobs table offers the same buttons; a refusal (suspended instance) is told;
// timer start events are listed under 定时启动, and the list follows their firings live.
//
// Each test deploys its own process (unique key and activity names) instead of relying on the
// demo's payment timers, so it neither waits a minute nor depends on the demo's base URL:
// - 坏定时: a timer whose definition `soon` cannot be read → an error job with an incident at once;
// - 等一小时: a `PT1H` timer → a pending job;
// - 调用接口: a web-service call to a loopback port with one retry → an error job within a second
//   (the default address policy refuses it; the message names the URL).
const { test, expect } = require('@playwright/test');
const { CONSOLE, openSection, signIn, uniqueKey, waitForHydration } = require('./helpers');

function jobsBpmn(sfx) {
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:flowable="http://flowable.org/bpmn" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Definitions_${sfx}" targetNamespace="http://bpm-console.local/e2e">
  <bpmn:process id="e2e-jobs-${sfx}" name="作业测试 ${sfx}" isExecutable="true">
    <bpmn:startEvent id="start" name="开始" />
    <bpmn:parallelGateway id="split" />
    <bpmn:intermediateCatchEvent id="bad" name="坏定时 ${sfx}">
      <bpmn:timerEventDefinition><bpmn:timeDuration>soon</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:intermediateCatchEvent id="hour" name="等一小时 ${sfx}">
      <bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:serviceTask id="call" name="调用接口 ${sfx}" flowable:type="http" camunda:failedJobRetryTimeCycle="R1/PT1S">
      <bpmn:extensionElements>
        <flowable:field name="requestMethod" stringValue="GET" />
        <flowable:field name="requestUrl" stringValue="http://127.0.0.1:9/unreachable" />
        <flowable:field name="requestTimeout" stringValue="2000" />
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:endEvent id="end1" />
    <bpmn:endEvent id="end2" />
    <bpmn:endEvent id="end3" />
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="split" />
    <bpmn:sequenceFlow id="f1" sourceRef="split" targetRef="bad" />
    <bpmn:sequenceFlow id="f2" sourceRef="split" targetRef="hour" />
    <bpmn:sequenceFlow id="f3" sourceRef="split" targetRef="call" />
    <bpmn:sequenceFlow id="f4" sourceRef="bad" targetRef="end1" />
    <bpmn:sequenceFlow id="f5" sourceRef="hour" targetRef="end2" />
    <bpmn:sequenceFlow id="f6" sourceRef="call" targetRef="end3" />
  </bpmn:process>
</bpmn:definitions>
`;
}

/** Signs in, deploys a process of its own and starts it through the HTTP API (with the
 *  page's session); returns the unique suffix of its names and the instance id. */
async function withJobs(page) {
  await signIn(page, 'admin', undefined, '/');
  const sfx = uniqueKey('j');
  const name = `e2e-jobs-${sfx}.bpmn`;
  const deployed = await page.request.post('/api/v1/deployments', {
    headers: CONSOLE,
    multipart: { file: { name, mimeType: 'text/xml', buffer: Buffer.from(jobsBpmn(sfx)) } },
  });
  expect(deployed.ok(), await deployed.text()).toBeTruthy();
  const started = await page.request.post(`/api/v1/process-definitions/key/e2e-jobs-${sfx}/start`, {
    headers: CONSOLE,
    data: { businessKey: sfx, variables: {} },
  });
  expect(started.ok(), await started.text()).toBeTruthy();
  return { sfx, instance: (await started.json()).id };
}

/** Opens the jobs screen on `tab`, searched for `search`. */
async function openJobs(page, tab, search) {
  if (!page.url().endsWith('/jobs')) {
    await page.goto('/jobs');
    await waitForHydration(page);
  }
  await page.getByRole('tab', { name: tab, exact: true }).click();
  await page.getByTestId('job-search').fill(search);
  await page.getByRole('button', { name: '查询' }).click();
}

/** The list row of the job named `name`. */
const jobRow = (page, name) => page.getByTestId('job-table').locator('tr[data-job]').filter({ hasText: name });

test('the errors tab shows failed jobs with their message, details and attempts log', async ({ page }) => {
  const { sfx, instance } = await withJobs(page);
  await openJobs(page, '错误', sfx);

  // The unreadable timer is in error at once, with an incident on its instance.
  const bad = jobRow(page, `坏定时 ${sfx}`);
  await expect(bad).toHaveAttribute('data-state', 'error');
  await expect(bad).toContainText('定时');
  await expect(bad).toContainText('错误');
  await expect(bad).toContainText(`作业测试 ${sfx}`);
  await expect(bad.getByRole('link')).toHaveAttribute('href', `/instances/${instance}`);
  await expect(bad.getByTestId('job-error')).toContainText('soon');
  // The pending timer is not an error.
  await expect(jobRow(page, `等一小时 ${sfx}`)).toHaveCount(0);

  // The web-service call fails (closed port, one retry) and appears by live refresh.
  const call = jobRow(page, `调用接口 ${sfx}`);
  await expect(call).toHaveAttribute('data-state', 'error');
  await expect(call).toContainText('服务调用');
  await expect(call).toContainText('错误');
  await call.getByTestId('job-error').click();
  const dialog = page.getByTestId('job-dialog');
  await expect(dialog.getByTestId('job-error-message')).toContainText('127.0.0.1:9');
  await expect(dialog.getByTestId('job-attempts').locator('tbody tr')).toHaveCount(1);
  await expect(dialog.getByTestId('job-attempts')).toContainText('失败');
  await dialog.getByRole('button', { name: '关闭', exact: true }).click();
  await expect(dialog).toBeHidden();

  // 全部 shows the pending timer too, with its definition, and keeps the search.
  await page.getByRole('tab', { name: '全部', exact: true }).click();
  const hour = jobRow(page, `等一小时 ${sfx}`);
  await expect(hour).toHaveAttribute('data-state', 'pending');
  await expect(hour).toContainText('未执行');
  await expect(hour).toContainText('PT1H');
  await expect(hour.getByTestId('job-error')).toHaveCount(0);
  await expect(page.getByTestId('job-table').locator('tr[data-job]')).toHaveCount(3);
});

/** The English words left in `text` once the names, URLs, code in backticks and the technical
 *  terms a Chinese sentence keeps (ISO 8601 examples, the allow-list's variable) are taken out. */
function englishWords(text, names) {
  let rest = text.replace(/`[^`]*`/g, ' ').replace(/https?:\/\/[\x21-\x7e]+/g, ' ');
  rest = rest.replace(/BPM_ALLOWED_HOSTS=[\x21-\x7e]+/g, ' ');
  for (const name of names) rest = rest.split(name).join(' ');
  const kept = ['ISO', 'PT', 'P', 'DT', 'H', 'M', 'D', 'BPM', 'ALLOWED', 'HOSTS', 'URL'];
  return rest.split(/[^A-Za-z]+/).filter((w) => w && !kept.includes(w));
}

test('in Chinese, a failed job\'s error, attempts and incident are Chinese sentences', async ({ page }) => {
  const { sfx, instance } = await withJobs(page);
  await openJobs(page, '错误', sfx);
  const names = [sfx, 'call', '127.0.0.1'];

  // The unreadable timer: the schedule's own detail is translated too.
  const bad = jobRow(page, `坏定时 ${sfx}`).getByTestId('job-error');
  await expect(bad).toContainText(`“坏定时 ${sfx}”的定时器：\`soon\` 不是 ISO 8601 时长`);
  expect(englishWords(await bad.getAttribute('title'), names)).toEqual([]);

  // The refused web-service call: its error, its attempt and its incident.
  const call = jobRow(page, `调用接口 ${sfx}`);
  await expect(call).toHaveAttribute('data-state', 'error');
  await call.getByTestId('job-error').click();
  const dialog = page.getByTestId('job-dialog');
  const message = dialog.getByTestId('job-error-message');
  await expect(message).toContainText('服务任务“call”不允许调用 http://127.0.0.1:9/unreachable：地址 127.0.0.1 是回环地址');
  expect(englishWords(await message.innerText(), names)).toEqual([]);
  const attempt = dialog.getByTestId('job-attempts').locator('tbody tr').first();
  await expect(attempt).toContainText('不允许调用');
  expect(englishWords(await attempt.innerText(), names)).toEqual([]);
  await dialog.getByRole('button', { name: '关闭', exact: true }).click();

  await page.goto(`/instances/${instance}`);
  await waitForHydration(page);
  const incidents = page.getByTestId('instance-incidents');
  await expect(incidents).toContainText(`作业“调用接口 ${sfx}”尝试 1 次后失败：服务任务“call”不允许调用`);
  await expect(incidents).toContainText(`“坏定时 ${sfx}”的定时器`);
  expect(englishWords(await incidents.locator('tbody').innerText(), [...names, 'bad'])).toEqual([]);

  // The REST API keeps the English beside the sentence.
  const detail = await (await page.request.get(`/api/v1/process-instances/${instance}`, { headers: CONSOLE })).json();
  const incident = (detail.incidents || []).find((i) => i.activityId === 'call');
  expect(incident && incident.message).toContain(`Job '调用接口 ${sfx}' failed after 1 attempt: Service task 'call' may not call`);
});

test('execute a failed job: it runs now, and the list shows the outcome', async ({ page }) => {
  const { sfx } = await withJobs(page);
  await openJobs(page, '错误', sfx);
  const call = jobRow(page, `调用接口 ${sfx}`);
  await expect(call).toHaveAttribute('data-state', 'error');
  await expect(call.locator('[data-action="execute"]')).toBeEnabled();
  await call.getByRole('button', { name: '执行' }).click();
  await expect(page.getByTestId('flash')).toContainText('操作成功');
  await expect(page.getByTestId('flash')).toContainText('作业将立即执行');

  // It runs again (the port is still closed) and is back in error after a second attempt.
  const id = await call.getAttribute('data-job');
  await expect
    .poll(async () => (await (await page.request.get(`/api/v1/jobs/${id}`)).json()).attempts, { timeout: 15_000 })
    .toBe(2);
  await expect(call).toHaveAttribute('data-state', 'error');
  await call.getByTestId('job-error').click();
  await expect(page.getByTestId('job-dialog').getByTestId('job-attempts').locator('tbody tr')).toHaveCount(2);
});

test('delete a job after the confirmation: it is gone and its instance shows an incident', async ({ page }) => {
  const { sfx, instance } = await withJobs(page);
  await openJobs(page, '全部', sfx);
  const hour = jobRow(page, `等一小时 ${sfx}`);
  await expect(hour).toHaveAttribute('data-state', 'pending');

  // 取消 keeps it.
  await hour.getByRole('button', { name: '删除' }).click();
  const ask = page.getByTestId('ask-dialog');
  await expect(ask).toContainText('确定删除吗');
  await ask.getByRole('button', { name: '取消' }).click();
  await expect(ask).toBeHidden();
  await expect(hour).toBeVisible();

  const id = await hour.getAttribute('data-job');
  await hour.getByRole('button', { name: '删除' }).click();
  await ask.getByRole('button', { name: '删除', exact: true }).click();
  await expect(page.getByTestId('flash')).toContainText('操作成功');
  await expect(page.getByTestId('flash')).toContainText('作业已删除');
  await expect(hour).toHaveCount(0);

  // Deleting it again (a stale screen elsewhere) is refused: it is gone.
  expect((await page.request.delete(`/api/v1/jobs/${id}`, { headers: CONSOLE })).status()).toBe(404);

  await page.goto(`/instances/${instance}`);
  await waitForHydration(page);
  await expect(page.getByTestId('instance-incidents')).toContainText(`等一小时 ${sfx}`);
  await expect(page.getByTestId('instance-incidents')).toContainText(`作业“等一小时 ${sfx}”（定时器）已被 admin 删除`);
  await openSection(page, '作业');
  await expect(page.getByTestId('instance-jobs').locator('tr[data-job]')).toHaveCount(2);
});

test('the instance detail executes and deletes its jobs with the same buttons', async ({ page }) => {
  const { sfx, instance } = await withJobs(page);
  await page.goto(`/instances/${instance}?tab=jobs`);
  await waitForHydration(page);
  const jobs = page.getByTestId('instance-jobs');
  const bad = jobs.locator('tr[data-job]').filter({ hasText: `坏定时 ${sfx}` });
  await expect(bad).toHaveAttribute('data-state', 'error');
  await bad.getByTestId('job-error').click();
  await expect(page.getByTestId('job-dialog').getByTestId('job-error-message')).toContainText('soon');
  await page.getByTestId('job-dialog').getByRole('button', { name: '关闭', exact: true }).click();

  await bad.getByRole('button', { name: '执行' }).click();
  await expect(page.getByTestId('flash')).toContainText('操作成功');

  const hour = jobs.locator('tr[data-job]').filter({ hasText: `等一小时 ${sfx}` });
  await hour.getByRole('button', { name: '删除' }).click();
  await page.getByTestId('ask-dialog').getByRole('button', { name: '删除', exact: true }).click();
  await expect(page.getByTestId('flash')).toContainText('作业已删除');
  await expect(hour).toHaveCount(0);
  await expect(page.getByTestId('instance-incidents')).toContainText(`作业“等一小时 ${sfx}”（定时器）已被 admin 删除`);
});

test('search by job name, and the empty result', async ({ page }) => {
  const { sfx } = await withJobs(page);
  await openJobs(page, '全部', `等一小时 ${sfx}`);
  await expect(page.getByTestId('job-table').locator('tr[data-job]')).toHaveCount(1);
  await expect(jobRow(page, `等一小时 ${sfx}`)).toBeVisible();

  await openJobs(page, '全部', `没有这个作业 ${sfx}`);
  await expect(page.getByTestId('job-empty')).toBeVisible();
});

test('a refusal is told: executing a job of an instance suspended meanwhile', async ({ page }) => {
  const { sfx, instance } = await withJobs(page);
  await openJobs(page, '全部', `等一小时 ${sfx}`);
  const hour = jobRow(page, `等一小时 ${sfx}`);
  await expect(hour).toHaveAttribute('data-state', 'pending');
  // Another administrator suspends the instance through the API.
  const suspended = await page.request.post(`/api/v1/process-instances/${instance}/suspend`, { headers: CONSOLE, data: {} });
  expect(suspended.ok(), await suspended.text()).toBeTruthy();
  await hour.getByRole('button', { name: '执行' }).click();
  await expect(page.getByTestId('flash')).toContainText('操作失败');
  await expect(page.getByTestId('flash')).toContainText('请先恢复实例');
  await expect(hour).toHaveAttribute('data-state', 'pending');
});

test('timer start events are listed under 定时启动 with their process and next firing', async ({ page }) => {
  await signIn(page, 'admin', undefined, '/');
  const sfx = uniqueKey('st');
  const bpmn = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="Definitions_${sfx}" targetNamespace="http://bpm-console.local/e2e">
  <bpmn:process id="e2e-start-${sfx}" name="定时流程 ${sfx}" isExecutable="true">
    <bpmn:startEvent id="tick" name="每天 ${sfx}">
      <bpmn:timerEventDefinition><bpmn:timeCycle>R/P1D</bpmn:timeCycle></bpmn:timerEventDefinition>
    </bpmn:startEvent>
    <bpmn:endEvent id="end" />
    <bpmn:sequenceFlow id="f1" sourceRef="tick" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
`;
  const deployed = await page.request.post('/api/v1/deployments', {
    headers: CONSOLE,
    multipart: { file: { name: `e2e-start-${sfx}.bpmn`, mimeType: 'text/xml', buffer: Buffer.from(bpmn) } },
  });
  expect(deployed.ok(), await deployed.text()).toBeTruthy();
  await page.goto('/jobs');
  await waitForHydration(page);
  await expect(page.getByRole('heading', { name: '定时启动' })).toBeVisible();
  const row = page.getByTestId('start-timer-table').locator('tr[data-start-timer]').filter({ hasText: `每天 ${sfx}` });
  await expect(row).toContainText(`定时流程 ${sfx} v1`);
  await expect(row).toContainText('R/P1D');
  await expect(row.locator('td').nth(4)).toHaveText('0');
  // The process link opens its definition.
  await row.getByRole('link').click();
  await expect(page).toHaveURL(/\/deployments\/[0-9a-f]+$/);
  await expect(page.getByRole('heading', { level: 1 })).toContainText(`定时流程 ${sfx}`);
});

test('the 定时启动 list follows firings while the page is open', async ({ page }) => {
  await signIn(page, 'admin', undefined, '/');
  const sfx = uniqueKey('sf');
  const process = (start) => `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="Definitions_${sfx}" targetNamespace="http://bpm-console.local/e2e">
  <bpmn:process id="e2e-tick-${sfx}" name="秒表 ${sfx}" isExecutable="true">
    ${start}
    <bpmn:endEvent id="end" />
    <bpmn:sequenceFlow id="f1" sourceRef="tick" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
`;
  const deploy = async (start) => {
    const res = await page.request.post('/api/v1/deployments', {
      headers: CONSOLE,
      multipart: { file: { name: `e2e-tick-${sfx}.bpmn`, mimeType: 'text/xml', buffer: Buffer.from(process(start)) } },
    });
    expect(res.ok(), await res.text()).toBeTruthy();
  };
  await deploy(`<bpmn:startEvent id="tick" name="每两秒 ${sfx}">
      <bpmn:timerEventDefinition><bpmn:timeCycle>R/PT2S</bpmn:timeCycle></bpmn:timerEventDefinition>
    </bpmn:startEvent>`);
  await page.goto('/jobs');
  await waitForHydration(page);
  const row = page.getByTestId('start-timer-table').locator('tr[data-start-timer]').filter({ hasText: `每两秒 ${sfx}` });
  await expect(row.locator('td').nth(4)).toHaveText('0');
  // The executor fires it; the open page shows the count without a reload.
  await expect(row.locator('td').nth(4)).not.toHaveText('0', { timeout: 20000 });
  // A version without the timer start event removes it (and stops the firings).
  await deploy('<bpmn:startEvent id="tick" />');
  await page.reload();
  await waitForHydration(page);
  await expect(page.getByRole('heading', { name: '定时启动' })).toBeVisible();
  await expect(row).toHaveCount(0);
});
