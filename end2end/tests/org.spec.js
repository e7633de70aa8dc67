// 机构 Organisation: add a unit under a chosen parent and a person in it; refusals in place.
const { test, expect } = require('@playwright/test');
const { signIn, uniqueKey } = require('./helpers');

test('add a unit and a person to the current tenant', async ({ page }) => {
  await signIn(page, 'admin', undefined, '/org');
  await expect(page.getByTestId('org-target')).toContainText('默认租户');
  const unitName = `测试组${Date.now() % 100000}`;
  const unitForm = page.getByTestId('unit-create');
  await unitForm.getByRole('button', { name: '新增' }).click();
  await expect(unitForm.locator('.field-error')).toContainText('名称为空');
  await unitForm.getByRole('combobox').selectOption({ label: '\u3000研发中心' });
  await unitForm.getByRole('textbox', { name: '名称' }).fill(unitName);
  await unitForm.getByRole('button', { name: '新增' }).click();
  await expect(page.getByTestId('flash')).toContainText('操作成功');
  const tree = page.locator('section').getByTestId('org-tree');
  await expect(tree.locator('li.unit', { hasText: '研发中心' }).first()).toContainText(unitName);

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
