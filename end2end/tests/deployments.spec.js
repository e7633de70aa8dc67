// 部署 Deployment and 模型 Models: batch deploy with per-file outcomes, versions, diagram and
// XML, convert to model, edit the model's XML (checked on save) and deploy it again.
const path = require('path');
const { test, expect } = require('@playwright/test');
const { deployFixture, signIn, startInstance, uniqueKey, waitForHydration } = require('./helpers');

const fixture = (name) => path.join(__dirname, '..', 'fixtures', name);

test('deploy two files at once (one broken), then a second version, then view it', async ({ page }) => {
  await signIn(page, 'admin', undefined, '/deployments');
  // Demo definitions are listed (the leave process has two versions; the list shows the latest).
  const table = page.getByTestId('definition-table');
  await expect(table).toContainText('费用报销');
  await expect(table.locator('tr[data-key="leave"]')).toContainText('v2');

  // An empty catalog node says so.
  await page.getByTestId('catalog-tree').getByText('人事 (hr)').click();
  await expect(page.getByText('此目录下没有已部署的流程。')).toBeVisible();

  await page.getByTestId('deploy-open').click();
  const panel = page.getByTestId('deploy-panel');
  await expect(page.getByTestId('deploy-target')).toContainText('默认租户');
  await expect(page.getByTestId('deploy-target')).toContainText('人事');
  await page.getByTestId('deploy-files').setInputFiles([fixture('purchase.bpmn'), fixture('broken.bpmn')]);
  await page.getByTestId('deploy-submit').click();
  const outcomes = page.getByTestId('deploy-outcomes');
  await expect(outcomes.locator('li[data-file="purchase.bpmn"]')).toContainText('purchase v1');
  const broken = outcomes.locator('li[data-file="broken.bpmn"]');
  await expect(broken).toContainText('部署失败');
  await expect(broken).toContainText('第 5 行第 3 列');
  await expect(page.getByTestId('definition-table').locator('tr[data-key="purchase"]')).toContainText('v1');

  // The same file again creates no version and says so; a changed file creates v2.
  await page.getByTestId('deploy-files').setInputFiles([fixture('purchase.bpmn')]);
  await page.getByTestId('deploy-submit').click();
  await expect(outcomes.locator('li[data-file="purchase.bpmn"]')).toContainText('内容未变化');
  await page.getByTestId('deploy-files').setInputFiles([fixture('purchase-v2.bpmn')]);
  await page.getByTestId('deploy-submit').click();
  await expect(outcomes.locator('li[data-file="purchase-v2.bpmn"]')).toContainText('purchase v2');
  const row = page.getByTestId('definition-table').locator('tr[data-key="purchase"]');
  await expect(row).toContainText('v2');

  // Open it: diagram, XML, version picker with both versions.
  await row.getByRole('link', { name: '采购申请' }).click();
  await expect(page).toHaveURL(/\/deployments\/[0-9a-f]+$/);
  await expect(page.getByTestId('diagram').locator('svg')).toBeVisible();
  await expect(page.getByTestId('diagram')).toContainText('采购经理审批');
  await expect(page.getByTestId('version-picker').locator('option')).toHaveCount(2);
  await page.getByTestId('version-picker').selectOption({ index: 1 });
  await expect(page.getByRole('heading', { level: 1 })).toContainText('v1');
  await expect(page.getByTestId('diagram')).toContainText('采购审批');
});

test('search definitions by name', async ({ page }) => {
  await signIn(page, 'admin', undefined, '/deployments');
  await page.getByTestId('definition-search').fill('请假');
  await page.getByRole('button', { name: '查询' }).click();
  const table = page.getByTestId('definition-table');
  await expect(table.locator('tbody tr')).toHaveCount(1);
  await expect(table).toContainText('请假申请');

  // The search and the chosen catalog node are in the address: a reload keeps them, Back
  // returns to the previous choice.
  await expect(page).toHaveURL(/[?&]q=%E8%AF%B7%E5%81%87/);
  await page.getByTestId('catalog-tree').getByText('人事 (hr)').click();
  await expect(page).toHaveURL(/[?&]node=/);
  await expect(page.getByText('此目录下没有已部署的流程。')).toBeVisible();
  await page.reload();
  await expect(page.getByText('此目录下没有已部署的流程。')).toBeVisible();
  await expect(page.getByTestId('catalog-tree').locator('[aria-selected="true"]')).toContainText('人事 (hr)');
  await expect(page.getByTestId('definition-search')).toHaveValue('请假');
  await page.goBack();
  await expect(page).not.toHaveURL(/[?&]node=/);
  await expect(table.locator('tbody tr')).toHaveCount(1);
  await expect(table).toContainText('请假申请');
  await expect(page.getByTestId('catalog-tree').locator('[aria-selected="true"]')).toContainText(/全部|All/);
});

test('convert to model, edit its XML, deploy it as the next version', async ({ page }) => {
  await signIn(page, 'admin', undefined, '/deployments');
  const row = page.getByTestId('definition-table').locator('tr[data-key="seal"]');
  await row.getByRole('button', { name: '转换为模型' }).click();
  await expect(page.getByTestId('flash')).toContainText('操作成功');
  // The new model opens in the designer.
  await expect(page).toHaveURL(/\/models\/[0-9a-z]+\/design$/);
  await expect(page.getByTestId('designer-canvas').locator('.djs-shape').first()).toBeVisible();

  await page.getByRole('navigation', { name: '菜单' }).getByRole('link', { name: '模型', exact: true }).click();
  await page.getByTestId('catalog-tree').getByText('用印 (admin-seal)').click();
  await page.getByTestId('model-table').locator('tr[data-key="seal"]').click();
  const editor = page.getByTestId('model-editor');
  await expect(editor.locator('.diagram svg')).toBeVisible();
  const xml = page.getByTestId('model-xml');
  const original = await xml.inputValue();

  // Broken XML is refused in place and nothing is saved.
  await xml.fill(original.replace('</bpmn:process>', ''));
  await page.getByTestId('model-save').click();
  await expect(page.getByTestId('model-error')).toContainText('第 21 行');

  // A valid change saves and deploys as version 2.
  await xml.fill(original.replace('name="盖章"', 'name="加盖公章"'));
  await page.getByTestId('model-save').click();
  await expect(page.getByTestId('flash')).toContainText('操作成功');
  await expect(page.getByTestId('model-error')).toHaveCount(0);
  await page.getByTestId('model-deploy').click();
  await expect(page.getByTestId('flash')).toContainText('seal v2');
});

test('drop a file on the drop zone and deploy it', async ({ page }) => {
  const fs = require('fs');
  const xml = fs.readFileSync(fixture('purchase.bpmn'), 'utf8').replace(/purchase/g, 'dropped').replace('采购申请', '拖放部署');
  await signIn(page, 'admin', undefined, '/deployments');
  await page.getByTestId('deploy-open').click();
  const dataTransfer = await page.evaluateHandle((content) => {
    const dt = new DataTransfer();
    dt.items.add(new File([content], 'dropped.bpmn', { type: 'text/xml' }));
    return dt;
  }, xml);
  await page.locator('.dropzone').dispatchEvent('drop', { dataTransfer });
  await expect(page.locator('.dropzone')).toContainText('dropped.bpmn');
  await page.getByTestId('deploy-submit').click();
  await expect(page.getByTestId('deploy-outcomes').locator('li[data-file="dropped.bpmn"]')).toContainText('dropped v1');
  await expect(page.getByTestId('definition-table')).toContainText('拖放部署');
});

test('what the engine ignores in a file is listed under it as 警告 lines', async ({ page }) => {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d_listened" targetNamespace="t">
  <process id="listened" name="带跟进日期的流程" isExecutable="true">
    <startEvent id="start" />
    <userTask id="approve" name="审批" camunda:assignee="admin" camunda:followUpDate="2027-01-01" />
    <endEvent id="end" />
    <sequenceFlow id="f1" sourceRef="start" targetRef="approve" />
    <sequenceFlow id="f2" sourceRef="approve" targetRef="end" />
  </process>
</definitions>`;
  await signIn(page, 'admin', undefined, '/deployments');
  await page.getByTestId('deploy-open').click();
  await page.getByTestId('deploy-files').setInputFiles({ name: 'listened.bpmn', mimeType: 'text/xml', buffer: Buffer.from(xml) });
  await page.getByTestId('deploy-submit').click();
  const item = page.getByTestId('deploy-outcomes').locator('li[data-file="listened.bpmn"]');
  // Deployed and startable: the follow-up date is a warning, not a reason to refuse.
  await expect(item).toContainText('listened v1');
  await expect(item).not.toContainText('⚠');
  const ignored = item.getByTestId('deploy-ignored');
  await expect(ignored.locator('li')).toHaveCount(1);
  const line = ignored.locator('li[data-element="approve"]');
  await expect(line).toContainText('警告');
  await expect(line).toContainText('approve <userTask> 第 5 行：跟进日期（camunda:followUpDate）');
  await expect(page.getByTestId('definition-table').locator('tr[data-key="listened"]')).not.toContainText('不可启动');
});

test('in Chinese, the XML reader\'s and the expression parser\'s findings are Chinese sentences', async ({ page }) => {
  const badExpression = `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d_badexpr" targetNamespace="t">
  <process id="badexpr" name="条件有误的流程" isExecutable="true">
    <startEvent id="start" />
    <exclusiveGateway id="route" default="f3" />
    <endEvent id="big" />
    <endEvent id="small" />
    <sequenceFlow id="f1" sourceRef="start" targetRef="route" />
    <sequenceFlow id="f2" sourceRef="route" targetRef="big"><conditionExpression>\${amount >}</conditionExpression></sequenceFlow>
    <sequenceFlow id="f3" sourceRef="route" targetRef="small" />
  </process>
</definitions>`;
  await signIn(page, 'admin', undefined, '/deployments');
  await page.getByTestId('deploy-open').click();
  const fs = require('fs');
  await page.getByTestId('deploy-files').setInputFiles([
    { name: 'broken.bpmn', mimeType: 'text/xml', buffer: fs.readFileSync(fixture('broken.bpmn')) },
    { name: 'badexpr.bpmn', mimeType: 'text/xml', buffer: Buffer.from(badExpression) },
  ]);
  await page.getByTestId('deploy-submit').click();
  const outcomes = page.getByTestId('deploy-outcomes');
  // Words other than tags, ids and code that remain in a sentence are English.
  const english = (text) =>
    text
      .replace(/<\/?[\w:]+>/g, ' ')
      .replace(/`[^`]*`/g, ' ')
      .replace(/[\w.-]+\.bpmn/g, ' ')
      .split(/[^A-Za-z]+/)
      .filter((w) => w && !['XML', 'f', 'sequenceFlow', 'conditionExpression', 'badexpr', 'v'].includes(w));

  // quick-xml's mismatched end tag, in Chinese with its tags.
  const broken = outcomes.locator('li[data-file="broken.bpmn"]');
  await expect(broken).toContainText('第 5 行第 3 列');
  await expect(broken).toContainText('文件不是格式正确的 XML（应为 </bpmn:startEvent>，却出现了 </bpmn:process>）');
  expect(english(await broken.innerText())).toEqual([]);

  // The expression parser's syntax error, in Chinese with the expression and its position.
  const expr = outcomes.locator('li[data-file="badexpr.bpmn"]');
  await expect(expr).toContainText('badexpr v1 ⚠');
  await expect(expr).toContainText(
    'conditionExpression 中的表达式无法求值：表达式 `${amount >}` 第 10 个字符处有语法错误：表达式在应出现值的地方结束了',
  );
  expect(english(await expr.innerText())).toEqual([]);
});

test('a file without a diagram is laid out: its instance page draws it with the running task marked', async ({ page }) => {
  await signIn(page, 'admin', undefined, '/');
  // e2e-candidates.bpmn has no BPMNDI, as code generators write files.
  await deployFixture(page, 'e2e-candidates.bpmn');
  const { id } = await startInstance(page, 'e2e-candidates', { businessKey: uniqueKey('layout') });
  await page.goto(`/instances/${id}`);
  await waitForHydration(page);
  const diagram = page.getByTestId('diagram');
  for (const element of ['s', 'pick', 'e', 'f1', 'f2']) {
    await expect(diagram.locator(`[data-element-id="${element}"]`)).toHaveCount(1);
  }
  await expect(diagram.locator('[data-element-id="pick"]')).toHaveClass(/state-active/);
});
