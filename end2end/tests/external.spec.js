// 作业 Jobs, external tasks (外部任务): a worker (here the test, through /engine-rest with HTTP
// Basic) locks a task of its own process; the list shows the kind, topic, worker and
// lock expiry; a failure without retries puts it in 错误 with the worker's message, and the
// details show topic, worker and error details; 执行 unlocks it and resets its retries; 删除
// removes it. The 外部任务 tab lists only external tasks.
const { test, expect } = require('@playwright/test');
const { CONSOLE, signIn, uniqueKey, waitForHydration } = require('./helpers');

function externalBpmn(sfx) {
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Definitions_${sfx}" targetNamespace="http://bpm-console.local/e2e">
  <bpmn:process id="e2e-ext-${sfx}" name="外部任务测试 ${sfx}" isExecutable="true">
    <bpmn:startEvent id="start" name="开始" />
    <bpmn:serviceTask id="charge" name="扣款 ${sfx}" camunda:type="external" camunda:topic="charge-${sfx}" />
    <bpmn:endEvent id="end" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="charge" />
    <bpmn:sequenceFlow id="f2" sourceRef="charge" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
`;
}

/** Calls /engine-rest as a worker does: HTTP Basic with the admin account (the session
 * cookie is not a credential there). */
const BASIC = `Basic ${Buffer.from(`admin:${process.env.BPM_E2E_ADMIN_PASSWORD || "e2e-admin-password"}`).toString('base64')}`;
async function engineRest(page, path, data) {
  const res = await page.request.post(`/engine-rest${path}`, { headers: { Authorization: BASIC }, data });
  expect(res.ok(), `${path}: ${res.status()} ${await res.text()}`).toBeTruthy();
  return res.status() === 204 ? null : res.json();
}

const jobRow = (page, name) => page.getByTestId('job-table').locator('tr[data-job]').filter({ hasText: name });

async function openJobs(page, tab, search) {
  if (!page.url().endsWith('/jobs')) {
    await page.goto('/jobs');
    await waitForHydration(page);
  }
  await page.getByRole('tab', { name: tab, exact: true }).click();
  await page.getByTestId('job-search').fill(search);
  await page.getByRole('button', { name: '查询' }).click();
}

test('external tasks on the jobs screen: topic, worker, lock, error, execute and delete', async ({ page }) => {
  await signIn(page, 'admin', undefined, '/');
  const sfx = uniqueKey('x');
  const deployed = await page.request.post('/api/v1/deployments', {
    headers: CONSOLE,
    multipart: { file: { name: `e2e-ext-${sfx}.bpmn`, mimeType: 'text/xml', buffer: Buffer.from(externalBpmn(sfx)) } },
  });
  expect(deployed.ok(), await deployed.text()).toBeTruthy();
  for (const n of [1, 2]) {
    const started = await page.request.post(`/api/v1/process-definitions/key/e2e-ext-${sfx}/start`, {
      headers: CONSOLE,
      data: { businessKey: `${sfx}-${n}`, variables: { n } },
    });
    expect(started.ok(), await started.text()).toBeTruthy();
  }
  const worker = `e2e-worker-${sfx}`;
  const locked = await engineRest(page, '/external-task/fetchAndLock', {
    workerId: worker,
    maxTasks: 1,
    topics: [{ topicName: `charge-${sfx}`, lockDuration: 600000 }],
  });
  expect(locked).toHaveLength(1);

  // The 外部任务 tab: both tasks, with kind and topic; the locked one names its worker and lock.
  await openJobs(page, '外部任务', `扣款 ${sfx}`);
  const rows = jobRow(page, `扣款 ${sfx}`);
  await expect(rows).toHaveCount(2);
  await expect(rows.first()).toHaveAttribute('data-kind', 'external');
  await expect(rows.first().getByTestId('job-topic')).toHaveText(`charge-${sfx}`);
  const lockedRow = page.locator(`tr[data-job="${locked[0].id}"]`);
  await expect(lockedRow).toContainText('外部任务');
  await expect(lockedRow.getByTestId('job-worker')).toHaveText(worker);
  await expect(lockedRow.getByTestId('job-lock-until')).toBeVisible();
  // Never failed: no retries count (the worker sets it with its first failure), as the API's null.
  await expect(lockedRow.getByTestId('job-retries')).toHaveText('—');
  await page.screenshot({ path: 'test-results/external-jobs.png', fullPage: true });

  // A failure without retries: 错误, with the worker's message; the details name topic and worker.
  await engineRest(page, `/external-task/${locked[0].id}/failure`, {
    workerId: worker,
    errorMessage: `网关不可用 ${sfx}`,
    errorDetails: 'ConnectException: gateway:443',
    retries: 0,
    retryTimeout: 0,
  });
  await openJobs(page, '错误', `扣款 ${sfx}`);
  await expect(lockedRow).toHaveAttribute('data-state', 'error');
  await expect(lockedRow.getByTestId('job-retries')).toHaveText('0');
  await lockedRow.getByTestId('job-error').click();
  const dialog = page.getByTestId('job-dialog');
  await expect(dialog.getByTestId('job-error-message')).toHaveText(`网关不可用 ${sfx}`);
  await expect(dialog.getByTestId('job-error-details')).toContainText('ConnectException');
  await expect(dialog.getByTestId('job-topic')).toHaveText(`charge-${sfx}`);
  await expect(dialog.getByTestId('job-attempts')).toContainText(`网关不可用 ${sfx}`);
  await page.screenshot({ path: 'test-results/external-job-detail.png', fullPage: true });
  await dialog.getByRole('button', { name: '关闭', exact: true }).click();

  // 执行: retries reset, the incident resolved; a worker fetches it again.
  await lockedRow.locator('button[data-action="execute"]').click();
  await expect(page.getByTestId('flash')).toContainText('外部任务已解锁');
  await openJobs(page, '外部任务', `扣款 ${sfx}`);
  await expect(lockedRow).toHaveAttribute('data-state', 'pending');
  const again = await engineRest(page, '/external-task/fetchAndLock', {
    workerId: `${worker}-2`,
    maxTasks: 2,
    topics: [{ topicName: `charge-${sfx}`, lockDuration: 600000 }],
  });
  expect(again.map((t) => t.id)).toContain(locked[0].id);
  await page.reload();
  await waitForHydration(page);
  await openJobs(page, '外部任务', `扣款 ${sfx}`);
  await expect(lockedRow.getByTestId('job-worker')).toHaveText(`${worker}-2`);

  // 执行 on a locked task: unlocked at once.
  await lockedRow.locator('button[data-action="execute"]').click();
  await expect(page.getByTestId('flash')).toContainText('外部任务已解锁');
  await expect(lockedRow.getByTestId('job-worker')).toHaveCount(0);

  // 删除 after the confirmation: gone from the list.
  await lockedRow.locator('button[data-action="delete"]').click();
  await page.getByTestId('ask-dialog').getByRole('button', { name: '删除', exact: true }).click();
  await expect(page.getByTestId('flash')).toContainText('操作成功');
  await expect(lockedRow).toHaveCount(0);
  await expect(rows).toHaveCount(1);
});
