// 机构 Organisation: add a unit under a chosen parent and a person in it, refusals in place;
// rename and move a unit chosen by keyboard; deactivate a person (they stay in the tree,
// dimmed, and the reassign picker no longer offers them), then activate them again.
const { test, expect } = require('@playwright/test');
const { axeViolations, confirmAsk, deployFixture, signIn, startInstance, uniqueKey, waitForHydration } = require('./helpers');

/** A suffix no other test uses. */
const suffix = () => `${Date.now() % 1000000}`;

/** Adds a unit named `name` under the unit whose option label is `parent`. */
async function addUnit(page, parent, name) {
  const form = page.getByTestId('unit-create');
  await form.getByRole('combobox').selectOption({ label: parent });
  await form.getByRole('textbox', { name: '名称' }).fill(name);
  await form.getByRole('button', { name: '新增' }).click();
  await expect(page.getByTestId('org-tree').getByRole('treeitem', { name, exact: true })).toBeVisible();
}

/** Adds person `id` named `name` to the unit whose option label is `unit`. */
async function addPerson(page, unit, id, name) {
  const form = page.getByTestId('person-create');
  await form.getByRole('combobox').selectOption({ label: unit });
  await form.getByRole('textbox', { name: '标识' }).fill(id);
  await form.getByRole('textbox', { name: '名称' }).fill(name);
  await form.getByRole('button', { name: '新增' }).click();
  await expect(page.getByTestId('org-tree')).toContainText(`${name} (${id})`);
}

test('add a unit and a person to the current tenant', async ({ page }) => {
  await signIn(page, 'admin', undefined, '/org');
  await expect(page.getByTestId('org-target')).toContainText('默认租户');
  const unitName = `测试组${suffix()}`;
  const unitForm = page.getByTestId('unit-create');
  await unitForm.getByRole('button', { name: '新增' }).click();
  await expect(unitForm.locator('.field-error')).toContainText('名称为空');
  await unitForm.getByRole('combobox').selectOption({ label: '\u3000研发中心' });
  await unitForm.getByRole('textbox', { name: '名称' }).fill(unitName);
  await unitForm.getByRole('button', { name: '新增' }).click();
  await expect(page.getByTestId('flash')).toContainText('操作成功');
  const tree = page.getByTestId('org-tree');
  // Under 研发中心 (level 2): level 3.
  await expect(tree.getByRole('treeitem', { name: unitName })).toHaveAttribute('aria-level', '3');

  const personForm = page.getByTestId('person-create');
  const id = uniqueKey('p').replace(/-/g, '');
  await personForm.getByRole('textbox', { name: '名称' }).fill('测试员');
  await personForm.getByRole('button', { name: '新增' }).click();
  await expect(personForm.locator('.field-error')).toContainText('请选择此人员所属的机构');
  await personForm.getByRole('combobox').selectOption({ label: `\u3000\u3000${unitName}` });
  await personForm.getByRole('textbox', { name: '标识' }).fill(id);
  await personForm.getByRole('textbox', { name: '用户组' }).fill('rd, qa');
  await personForm.getByRole('button', { name: '新增' }).click();
  await expect(tree).toContainText(`测试员 (${id})`);

  // The same id again is refused next to the field.
  await personForm.getByRole('combobox').selectOption({ label: `\u3000\u3000${unitName}` });
  await personForm.getByRole('textbox', { name: '标识' }).fill(id);
  await personForm.getByRole('textbox', { name: '名称' }).fill('重复');
  await personForm.getByRole('button', { name: '新增' }).click();
  await expect(personForm.locator('.field-error')).toContainText('已存在');
});

test('rename and move a unit chosen with the keyboard', async ({ page }) => {
  await signIn(page, 'admin', undefined, '/org');
  const n = suffix();
  const before = `改名前${n}`;
  const after = `改名后${n}`;
  await addUnit(page, '\u3000销售部', before);
  await addPerson(page, `\u3000\u3000${before}`, `kb${n}`, `键盘${n}`);
  const tree = page.getByTestId('org-tree');
  await expect(page.getByTestId('org-hint')).toContainText('在机构树中选择');

  // One Tab stop: the first row; arrows move, End goes to the last row, Enter chooses.
  const first = tree.getByRole('treeitem').first();
  await expect(first).toHaveAttribute('tabindex', '0');
  await first.focus();
  await page.keyboard.press('ArrowDown');
  await expect(tree.getByRole('treeitem').nth(1)).toBeFocused();
  await page.keyboard.press('Home');
  await expect(first).toBeFocused();
  const unit = tree.getByRole('treeitem', { name: before, exact: true });
  const person = tree.getByRole('treeitem', { name: `键盘${n} (kb${n})` });
  await person.focus();
  await page.keyboard.press('ArrowUp');
  await expect(unit).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(unit).toHaveAttribute('aria-selected', 'true');
  await expect(unit).toHaveAttribute('tabindex', '0');

  // Rename.
  const chosen = page.getByTestId('unit-chosen');
  await expect(chosen.getByRole('heading', { level: 2 })).toContainText(before);
  const rename = chosen.getByTestId('unit-rename');
  await rename.getByRole('textbox', { name: '名称' }).fill(after);
  await rename.getByRole('button', { name: '重命名' }).click();
  await expect(page.getByTestId('flash')).toContainText('操作成功');
  const renamed = tree.getByRole('treeitem', { name: after, exact: true });
  await expect(renamed).toHaveAttribute('aria-selected', 'true');
  await expect(tree.getByRole('treeitem', { name: before, exact: true })).toHaveCount(0);

  // Move from 销售部 (level 2, so level 3) under 前端组 (level 3, so level 4); its person moves with it.
  await expect(renamed).toHaveAttribute('aria-level', '3');
  const move = chosen.getByTestId('unit-move');
  // It cannot be moved under itself: the picker does not offer it.
  await expect(move.getByRole('combobox').locator('option', { hasText: after })).toHaveCount(0);
  await move.getByRole('combobox').selectOption({ label: '\u3000\u3000前端组' });
  await move.getByRole('button', { name: '移动' }).click();
  await expect(renamed).toHaveAttribute('aria-level', '4');
  await expect(tree.getByRole('treeitem', { name: `键盘${n} (kb${n})` })).toHaveAttribute('aria-level', '5');
  await expect(move.getByRole('combobox')).toHaveValue(/.+/);
});

/** Starts an instance of the sequential fixture and opens the reassign dialog of its first
 *  task; answers the dialog. */
async function openReassign(page) {
  await deployFixture(page, 'e2e-seq.bpmn');
  const started = await startInstance(page, 'e2e-seq', { businessKey: uniqueKey('org') });
  await page.goto('/tasks');
  await waitForHydration(page);
  await page.getByRole('tab', { name: '待办', exact: true }).click();
  await page.getByTestId('task-search').fill('填写申请');
  await page.getByRole('button', { name: '查询' }).click();
  const row = page.locator(`tr[data-instance="${started.id}"]`).filter({ hasText: '填写申请' });
  await row.getByRole('button', { name: '改派' }).click();
  const dialog = page.getByTestId('reassign-dialog');
  await expect(dialog).toBeVisible();
  return dialog;
}

test('a deactivated person stays in the tree and is no longer offered for reassigning', async ({ page }) => {
  await signIn(page, 'admin', undefined, '/org');
  const n = suffix();
  const unitName = `停用组${n}`;
  const id = `off${n}`;
  const name = `停用员${n}`;
  await addUnit(page, '星河科技有限公司', unitName);
  await addPerson(page, `\u3000${unitName}`, id, name);

  // Offered while active; chosen by keyboard (Enter on the list's item).
  let dialog = await openReassign(page);
  await dialog.locator('summary', { hasText: unitName }).click();
  const option = dialog.getByRole('option', { name: `${name} (${id})` });
  await option.focus();
  await page.keyboard.press('Enter');
  await expect(dialog.getByTestId('picked')).toContainText(id);
  expect(await axeViolations(page), 'axe-core on the reassign picker').toEqual([]);
  await dialog.getByRole('button', { name: '取消' }).click();

  // Deactivate from the unit's list of people: the button names the person; the question too.
  await page.goto('/org');
  await waitForHydration(page);
  const tree = page.getByTestId('org-tree');
  await tree.getByRole('treeitem', { name: unitName, exact: true }).click();
  const people = page.getByTestId('unit-people');
  await expect(people.getByRole('button', { name: `编辑 ${name}` })).toBeVisible();
  expect(await axeViolations(page), 'axe-core on a chosen unit').toEqual([]);
  await people.getByRole('button', { name: `停用 ${name}` }).click();
  await confirmAsk(page, '停用', { title: name });
  await expect(page.getByTestId('flash')).toContainText('操作成功');
  const row = tree.getByRole('treeitem', { name: new RegExp(`${name} \\(${id}\\)`) });
  await expect(row).toContainText('已停用');
  await expect(row).toHaveClass(/muted/);
  await expect(people.locator(`tr[data-person="${id}"]`)).toContainText('已停用');
  await expect(people.getByRole('button', { name: `启用 ${name}` })).toBeVisible();

  // Not offered any more: the unit lists nobody.
  dialog = await openReassign(page);
  await dialog.locator('summary', { hasText: unitName }).click();
  await expect(dialog.getByText(`${name} (${id})`)).toHaveCount(0);
  await expect(dialog.getByText('赵磊 (zhaolei)')).toHaveCount(1);
  await dialog.getByRole('button', { name: '取消' }).click();

  // Activated again from the person's own form.
  await page.goto('/org');
  await waitForHydration(page);
  await page.getByTestId('org-tree').getByRole('treeitem', { name: new RegExp(`${name} \\(${id}\\)`) }).click();
  const form = page.getByTestId('person-edit');
  await expect(form.getByRole('heading')).toContainText('已停用');
  expect(await axeViolations(page), 'axe-core on a chosen person').toEqual([]);
  await form.getByRole('button', { name: '启用' }).click();
  await expect(page.getByTestId('flash')).toContainText('操作成功');
  await expect(form.getByRole('heading')).not.toContainText('已停用');
  await expect(form.getByRole('button', { name: '停用' })).toBeVisible();
});
