// 租户 Tenants: create, and rename inline (Enter saves, Esc cancels, bad names refused in place).
const { test, expect } = require('@playwright/test');
const { signIn } = require('./helpers');

test('create a tenant and rename it inline', async ({ page }) => {
  await signIn(page, 'admin', undefined, '/tenants');
  const form = page.getByTestId('tenant-create');
  await form.getByRole('textbox', { name: '标识' }).fill('north');
  await form.getByRole('textbox', { name: '名称' }).fill('华北分公司');
  await form.getByRole('button', { name: '新增' }).click();
  await expect(page.getByTestId('flash')).toContainText('操作成功');
  const row = page.locator('tr[data-tenant="north"]');
  await expect(row).toContainText('华北分公司');

  // Esc cancels without saving.
  await row.locator('.editable').click();
  const input = row.locator('input.inline-edit');
  await expect(input).toBeFocused();
  await input.fill('不要保存');
  await input.press('Escape');
  await expect(row.locator('.editable')).toHaveText('华北分公司');

  // An empty name is refused in place, nothing changes.
  await row.locator('.editable').click();
  await row.locator('input.inline-edit').fill('   ');
  await row.locator('input.inline-edit').press('Enter');
  await expect(row.getByRole('alert')).toContainText('名称为空');

  // A duplicate name is refused in place.
  await row.locator('input.inline-edit').fill('华东分公司');
  await row.locator('input.inline-edit').press('Enter');
  await expect(row.getByRole('alert')).toContainText('已有其他租户名为');

  // Enter saves.
  await row.locator('input.inline-edit').fill('华北大区');
  await row.locator('input.inline-edit').press('Enter');
  await expect(row.locator('.editable')).toHaveText('华北大区');
  await page.reload();
  await expect(page.locator('tr[data-tenant="north"]')).toContainText('华北大区');
});

test('a duplicate tenant is refused with the reason next to the field', async ({ page }) => {
  await signIn(page, 'admin', undefined, '/tenants');
  const form = page.getByTestId('tenant-create');
  await form.getByRole('textbox', { name: '名称' }).fill('默认租户');
  await form.getByRole('button', { name: '新增' }).click();
  await expect(form.locator('.field-error')).toContainText('已存在');
});

test('a tenant manager sees only their own tenant', async ({ page }) => {
  await signIn(page, 'east-manager', undefined, '/tenants');
  await expect(page.locator('tr[data-tenant]')).toHaveCount(1);
  await expect(page.locator('tr[data-tenant="east"]')).toBeVisible();
});

test('a tenant is renamed with the keyboard alone', async ({ page }) => {
  await signIn(page, 'admin', undefined, '/tenants');
  const form = page.getByTestId('tenant-create');
  await form.getByRole('textbox', { name: '标识' }).fill('kbd');
  await form.getByRole('textbox', { name: '名称' }).fill('键盘分公司');
  await form.getByRole('textbox', { name: '名称' }).press('Enter');
  const row = page.locator('tr[data-tenant="kbd"]');
  await expect(row).toContainText('键盘分公司');
  // The name is a button named after what it does: Tab reaches it, Enter opens the edit.
  const name = row.getByRole('button', { name: '重命名 · 键盘分公司' });
  await form.getByRole('button', { name: '新增' }).focus();
  for (let i = 0; i < 20 && !(await name.evaluate((b) => b === document.activeElement)); i += 1) {
    await page.keyboard.press('Tab');
  }
  await expect(name).toBeFocused();
  await page.keyboard.press('Enter');
  const input = row.locator('input.inline-edit');
  await expect(input).toBeFocused();
  await page.keyboard.press('Control+A');
  await page.keyboard.type('键盘大区');
  await page.keyboard.press('Enter');
  // Saved, and the focus is back on the name.
  const renamed = row.getByRole('button', { name: '重命名 · 键盘大区' });
  await expect(renamed).toBeFocused();
  await page.reload();
  await expect(page.locator('tr[data-tenant="kbd"]')).toContainText('键盘大区');
});
