// 设计 Designer: a user draws a process in bpmn.io's modeler (新建模型, palette and context pad,
// the properties panel with the organisation picker, conditions), the engine's check marks
// what is missing as they draw, save, deploy, start, and the task is in 任务. Also: the XML
// tab, leaving with unsaved changes, two people saving one model, a Flowable file that stays
// Flowable, English labels.
const { test, expect } = require('@playwright/test');
const { axeViolations, confirmAsk, deployFixture, signIn, startInstance, uniqueKey, waitForHydration } = require('./helpers');

const canvas = (page) => page.getByTestId('designer-canvas');
const shape = (page, id) => canvas(page).locator(`.djs-element[data-element-id="${id}"]`);
const pad = (page) => page.locator('.djs-context-pad');
const panel = (page) => page.getByTestId('designer-panel');
const problems = (page) => page.getByTestId('designer-problems');

/** The ids of the diagram's shapes whose id starts with `prefix` (bpmn-js names new tasks
 *  Activity_…, gateways Gateway_…, events Event_…). */
async function idsOf(page, prefix) {
  return canvas(page).locator(`.djs-shape[data-element-id^="${prefix}"]`).evaluateAll((es) => es.map((e) => e.dataset.elementId));
}

/** Selects a shape (clicking a selected shape would unselect it, so the selection is
 *  cleared first by a click on empty canvas). */
async function select(page, id) {
  await canvas(page).click({ position: { x: 420, y: 12 } });
  await shape(page, id).click();
  await expect(shape(page, id)).toHaveClass(/selected/);
}

/** Opens a group of the properties panel (closed groups have their entries out of the page). */
async function openGroup(page, id) {
  const header = panel(page).locator(`[data-group-id="group-${id}"] .bio-properties-panel-group-header`);
  if (!(await header.evaluate((h) => h.classList.contains('open')))) await header.click();
}

/** Creates a model through 新建模型 and waits for the designer to show it. */
async function newModel(page, name, key) {
  await page.goto('/models');
  await waitForHydration(page);
  await page.getByTestId('model-new').click();
  const dialog = page.getByTestId('model-new-dialog');
  await dialog.getByTestId('new-model-name').fill(name);
  // A key that cannot be a process id is refused in the dialog, with what to do.
  await dialog.getByTestId('new-model-key').fill('1 bad');
  await dialog.getByTestId('new-model-create').click();
  await expect(dialog.locator('.field-error')).toContainText('字母或下划线开头');
  await dialog.getByTestId('new-model-key').fill(key);
  await dialog.getByTestId('new-model-create').click();
  await expect(page).toHaveURL(/\/models\/[0-9a-z]+\/design$/);
  await expect(shape(page, 'StartEvent_1')).toBeVisible();
  await expect(problems(page)).toContainText('没有问题');
}

test('draw, check, save, deploy and run a process in the designer', async ({ page }) => {
  await signIn(page, 'admin', undefined, '/');
  const key = `design_${Date.now().toString(36)}`;
  await newModel(page, '设计的请假流程', key);

  // Start event → user task (context pad, then the wrench's menu).
  await select(page, 'StartEvent_1');
  await pad(page).locator('[data-action="append.append-task"]').click();
  await pad(page).locator('[data-action="replace"]').click();
  await page.locator('.djs-popup [data-id="replace-with-user-task"]').click();
  const [task] = await idsOf(page, 'Activity_');
  await openGroup(page, 'general');
  await panel(page).locator('[data-entry-id="name"] textarea').fill('部门审批');
  await expect(shape(page, task)).toContainText('部门审批');
  await expect(page.getByTestId('design-unsaved')).toBeVisible();

  // The assignee, picked from the organisation tree.
  await openGroup(page, 'CamundaPlatform__UserAssignment');
  await panel(page).locator('.bpm-pick[data-field="assignee"]').click();
  const picker = page.getByTestId('design-pick');
  await picker.locator('summary', { hasText: '财务部' }).click();
  await picker.getByText('王芳 (wangfang)').click();
  await picker.getByTestId('pick-ok').click();
  await expect(picker).toBeHidden();
  await expect(panel(page).locator('[data-entry-id="assignee"] input')).toHaveValue('wangfang');

  // An exclusive gateway with two ways out, each to an end event: no condition on either.
  await select(page, task);
  await pad(page).locator('[data-action="append.gateway"]').click();
  const [gateway] = await idsOf(page, 'Gateway_');
  await pad(page).locator('[data-action="append.end-event"]').click();
  await select(page, gateway);
  await pad(page).locator('[data-action="append.end-event"]').click();

  // The engine's check lists both flows out of the gateway and marks them on the diagram.
  await expect(problems(page)).toContainText('2 个警告');
  const lines = problems(page).locator('li[data-element]');
  await expect(lines).toHaveCount(2);
  await expect(lines.first()).toContainText('没有条件');
  const flows = await lines.evaluateAll((ls) => ls.map((l) => l.dataset.element));
  for (const f of flows) {
    await expect(canvas(page).locator(`.djs-connection[data-element-id="${f}"]`)).toHaveClass(/bpm-problem-warning/);
  }

  // Save and deploy while a warning remains: warnings do not stop either.
  await page.getByTestId('design-save').click();
  await expect(page.getByTestId('flash')).toContainText('操作成功');
  await expect(page.getByTestId('design-unsaved')).toBeHidden();

  // Fix: a condition on each flow, set in the panel after choosing the problem's line.
  const conditions = { [flows[0]]: '${days > 3}', [flows[1]]: '${days <= 3}' };
  for (const f of flows) {
    await problems(page).locator(`li[data-element="${f}"]`).click();
    await openGroup(page, 'CamundaPlatform__Condition');
    await panel(page).locator('[data-entry-id="conditionType"] select').selectOption('expression');
    await panel(page).locator('[data-entry-id="conditionExpression"] input, [data-entry-id="conditionExpression"] textarea').first().fill(conditions[f]);
    await expect(canvas(page).locator(`.djs-connection[data-element-id="${f}"]`)).not.toHaveClass(/bpm-problem-warning/);
  }
  await expect(problems(page)).toContainText('没有问题');
  await expect(page.getByTestId('design-unsaved')).toBeVisible();

  // 部署 saves the changes first, then names the new version with a link to it.
  await page.getByTestId('design-deploy').click();
  const deployed = page.getByTestId('design-deployed');
  await expect(deployed).toContainText(`${key} v1`);
  await expect(page.getByTestId('design-unsaved')).toBeHidden();
  await deployed.getByRole('link', { name: `${key} v1` }).click();
  await expect(page).toHaveURL(/\/deployments\/[0-9a-z]+$/);
  await expect(page.locator('h1')).toContainText('设计的请假流程');

  // The process runs: a long leave goes to 王芳's task, listed in 任务.
  const businessKey = uniqueKey('designed');
  await startInstance(page, key, { businessKey, variables: { days: 5 } });
  await page.goto('/tasks');
  await waitForHydration(page);
  await page.getByTestId('task-search').fill('部门审批');
  await page.getByRole('button', { name: '查询' }).click();
  await expect(page.locator('tr').filter({ hasText: '设计的请假流程' }).filter({ hasText: '部门审批' }).first()).toContainText('王芳 (wangfang)');
});

test('a Flowable file converted to a model stays Flowable: the panel edits its attributes, the rest is kept', async ({ page }) => {
  await signIn(page, 'admin', undefined, '/');
  await deployFixture(page, 'e2e-flowable.bpmn');
  // A model from an earlier run of this test is removed first (one model per key).
  await page.goto('/models');
  await waitForHydration(page);
  const old = page.getByTestId('model-table').locator('tr[data-key="e2e-flowable"]');
  if (await old.count()) {
    await old.click();
    await page.getByTestId('model-editor').getByRole('button', { name: '删除' }).click();
    await confirmAsk(page, '删除');
  }
  // 转换为模型 lands in the designer.
  await page.goto('/deployments');
  await waitForHydration(page);
  await page.getByTestId('definition-table').locator('tr[data-key="e2e-flowable"]').getByRole('button', { name: '转换为模型' }).click();
  await expect(page).toHaveURL(/\/models\/[0-9a-z]+\/design$/);
  await expect(shape(page, 'approve')).toBeVisible();

  // The panel reads flowable:* as the Camunda attributes it knows.
  await select(page, 'approve');
  await openGroup(page, 'CamundaPlatform__UserAssignment');
  await expect(panel(page).locator('[data-entry-id="assignee"] input')).toHaveValue('${starter}');
  await expect(panel(page).locator('[data-entry-id="candidateGroups"] input')).toHaveValue('management');
  // A group picked in the organisation is added to the candidates.
  await panel(page).locator('.bpm-pick[data-field="candidateGroups"]').click();
  const picker = page.getByTestId('design-pick');
  await picker.getByTestId('group-list').getByText('finance', { exact: true }).click();
  await picker.getByTestId('pick-ok').click();
  await expect(panel(page).locator('[data-entry-id="candidateGroups"] input')).toHaveValue('management,finance');

  // The HTTP group shows Flowable's fields and writes them back.
  await select(page, 'notify');
  await openGroup(page, 'bpm-http');
  await expect(panel(page).locator('[data-entry-id="bpm-http-url"] input')).toHaveValue('http://127.0.0.1:9/erp?id=${starter}');
  await panel(page).locator('[data-entry-id="bpm-http-method"] select').selectOption('POST');
  await panel(page).locator('[data-entry-id="bpm-http-body"] textarea').fill('{"id": "${starter}"}');

  await page.getByTestId('design-save').click();
  await expect(page.getByTestId('flash')).toContainText('操作成功');
  await page.getByTestId('tab-xml').click();
  const xml = await page.getByTestId('design-xml').inputValue();
  expect(xml).toContain('xmlns:flowable="http://flowable.org/bpmn"');
  expect(xml).not.toContain('camunda.org');
  expect(xml).toContain('flowable:candidateGroups="management,finance"');
  expect(xml).toMatch(/flowable:assignee="\$\{starter\}"/);
  expect(xml).toContain('flowable:formKey="approve-form"');
  expect(xml).toContain('flowable:priority="60"');
  expect(xml).toContain('vendor:color="blue"');
  expect(xml).toContain('<vendor:note>kept as it is</vendor:note>');
  expect(xml).toMatch(/<flowable:taskListener (class="com.example.Notify" event="create"|event="create" class="com.example.Notify") \/>/);
  expect(xml).toContain('flowable:initiator="starter"');
  expect(xml).toMatch(/<flowable:field name="requestMethod">\s*<flowable:string>POST<\/flowable:string>/);
  expect(xml).toMatch(/<flowable:field name="requestBody">\s*<flowable:string>\{"id": "\$\{starter\}"\}<\/flowable:string>/);
});

test('the XML tab, leaving with unsaved changes, and a second save of one model refused as changed meanwhile', async ({ page }) => {
  await signIn(page, 'admin', undefined, '/');
  const key = `design_xml_${Date.now().toString(36)}`;
  await newModel(page, 'XML 页签', key);
  const url = page.url();

  // XML that is not a diagram stays in the XML tab with the reason.
  await page.getByTestId('tab-xml').click();
  const text = page.getByTestId('design-xml');
  const blank = await text.inputValue();
  await text.fill('<not-bpmn/>');
  await page.getByTestId('tab-design').click();
  await expect(page.getByTestId('design-xml-error')).toContainText('无法显示为流程图');
  await expect(text).toBeVisible();

  // Edited XML goes into the diagram, unsaved.
  await text.fill(blank.replace('name="开始"', 'name="提交申请"'));
  await page.getByTestId('tab-design').click();
  await expect(shape(page, 'StartEvent_1')).toBeVisible();
  await expect(canvas(page).locator('.djs-element[data-element-id="StartEvent_1_label"]')).toContainText('提交申请');
  await expect(page.getByTestId('design-unsaved')).toBeVisible();

  // Leaving asks; 取消 stays, confirming leaves without saving.
  const nav = page.getByRole('navigation').getByRole('link', { name: '任务', exact: true });
  await nav.click();
  await expect(page.getByTestId('ask-dialog')).toContainText('未保存的更改');
  await page.getByTestId('ask-dialog').getByRole('button', { name: '取消' }).click();
  await expect(page).toHaveURL(url);
  await nav.click();
  await confirmAsk(page, '放弃更改并离开', { title: '离开设计器' });
  await expect(page).toHaveURL(/\/tasks/);

  // The model's name in the 模型 list opens it in the designer.
  await page.goto('/models');
  await waitForHydration(page);
  await page.getByTestId('model-table').locator(`tr[data-key="${key}"]`).getByTestId('model-open').click();
  await expect(page).toHaveURL(url);

  // Two people open the model; the first save wins, the second is refused with a reload.
  await expect(page.getByTestId('design-unsaved')).toBeHidden();
  const other = await page.context().newPage();
  await other.goto(url);
  await waitForHydration(other);
  await expect(shape(other, 'StartEvent_1')).toBeVisible();
  for (const [p, name] of [[page, '甲的名称'], [other, '乙的名称']]) {
    await p.getByTestId('tab-xml').click();
    const t = p.getByTestId('design-xml');
    await t.fill((await t.inputValue()).replace(/(<bpmn:startEvent id="StartEvent_1") name="[^"]*"/, `$1 name="${name}"`));
  }
  await page.getByTestId('design-save').click();
  await expect(page.getByTestId('flash')).toContainText('操作成功');
  await other.getByTestId('design-save').click();
  await expect(other.getByTestId('design-error')).toContainText('刚被其他人修改');
  await other.getByTestId('design-reload').click();
  await expect(other.getByTestId('design-error')).toHaveCount(0);
  await other.getByTestId('tab-xml').click();
  await expect(other.getByTestId('design-xml')).toHaveValue(/name="甲的名称"/);
  await other.close();

  // What was saved from the XML tab is what the diagram shows, nothing left unsaved.
  await page.getByTestId('tab-design').click();
  await expect(canvas(page).locator('.djs-element[data-element-id="StartEvent_1_label"]')).toContainText('甲的名称');
  await expect(page.getByTestId('design-unsaved')).toBeHidden();
  // An edit in the XML tab alone is unsaved too: leaving asks.
  await page.getByTestId('tab-xml').click();
  await text.fill((await text.inputValue()).replace('甲的名称', '丙的名称'));
  await expect(page.getByTestId('design-unsaved')).toBeVisible();
  await nav.click();
  await expect(page.getByTestId('ask-dialog')).toContainText('未保存的更改');
  await page.getByTestId('ask-dialog').getByRole('button', { name: '取消' }).click();

  // Saved without a diagram (as code generators write files), the model opens laid out.
  await text.fill((await text.inputValue()).replace(/<bpmndi:BPMNDiagram[\s\S]*<\/bpmndi:BPMNDiagram>/, ''));
  expect(await text.inputValue()).not.toContain('BPMNShape');
  await page.getByTestId('design-save').click();
  await expect(page.getByTestId('design-unsaved')).toBeHidden();
  await page.reload();
  await expect(shape(page, 'StartEvent_1')).toBeVisible();
  await expect(canvas(page).locator('.djs-element[data-element-id="StartEvent_1_label"]')).toContainText('丙的名称');
});

test('the designer speaks English when the console does', async ({ page }) => {
  await signIn(page, 'admin', undefined, '/');
  await page.getByRole('button', { name: 'English' }).click();
  const key = `design_en_${Date.now().toString(36)}`;
  await page.goto('/models');
  await waitForHydration(page);
  await page.getByTestId('model-new').click();
  await page.getByTestId('new-model-name').fill('English model');
  await page.getByTestId('new-model-key').fill(key);
  await page.getByTestId('new-model-create').click();
  await expect(problems(page)).toContainText('No problems');
  await expect(page.locator('.djs-palette .entry[data-action="create.start-event"]')).toHaveAttribute('aria-label', 'Create start event');
  await page.getByRole('button', { name: '中文' }).click();
  await page.reload();
  await expect(problems(page)).toContainText('没有问题');
  await expect(page.locator('.djs-palette .entry[data-action="create.start-event"]')).toHaveAttribute('aria-label', '创建开始事件');
});

test('only the designer loads the modeler: other screens fetch none of it, client-side navigation still opens it; no serious accessibility violation', async ({ page }) => {
  const fetched = [];
  page.on('request', (r) => fetched.push(new URL(r.url()).pathname));
  await signIn(page, 'admin', undefined, '/tasks');
  await page.goto('/models');
  await waitForHydration(page);
  expect(fetched.filter((p) => p.startsWith('/pkg/designer/'))).toEqual([]);
  expect(fetched.filter((p) => p.startsWith('/pkg/snippets/'))).toEqual([]);
  // A new model opens in the designer by a navigation inside the console: it gets the modeler.
  await newModel(page, '按需加载', `design_lazy_${Date.now().toString(36)}`);
  expect(fetched).toContain('/pkg/designer/designer.js');
  expect(fetched).toContain('/pkg/designer/check_bg.wasm');
  // Nothing serious for assistive technology on the designer page.
  expect(await axeViolations(page)).toEqual([]);
});
