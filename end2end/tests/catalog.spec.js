// 目录 Catalog: add (form on the right), edit name and code, delete; refusals explained.
const { test, expect } = require('@playwright/test');
const { confirmAsk, signIn } = require('./helpers');

test('add, edit and delete catalog nodes', async ({ page }) => {
  await signIn(page, 'admin', undefined, '/catalog');
  const tree = page.getByTestId('catalog-tree');
  await expect(tree).toContainText('财务 (finance)');

  // Add a child under 财务.
  await tree.getByText('财务 (finance)').click();
  await page.getByTestId('catalog-add').click();
  const form = page.getByTestId('catalog-form');
  await expect(form.getByRole('textbox', { name: '上级目录' })).toHaveValue('财务');
  await form.getByRole('textbox', { name: '名称' }).fill('差旅');
  await form.getByRole('textbox', { name: '编码' }).fill('finance-travel');
  await form.getByRole('button', { name: '保存' }).click();
  await expect(page.getByTestId('flash')).toContainText('操作成功');
  await expect(tree).toContainText('差旅 (finance-travel)');

  // A code already in use is refused next to the field.
  await tree.getByText('差旅 (finance-travel)').click();
  await page.getByTestId('catalog-edit').click();
  await form.getByRole('textbox', { name: '编码' }).fill('finance');
  await form.getByRole('button', { name: '保存' }).click();
  await expect(form.locator('.field-error')).toContainText('已被其他目录节点使用');

  // Edit name and code.
  await form.getByRole('textbox', { name: '名称' }).fill('差旅费');
  await form.getByRole('textbox', { name: '编码' }).fill('travel');
  await form.getByRole('button', { name: '保存' }).click();
  await expect(tree).toContainText('差旅费 (travel)');

  // Deleting a node with children is refused with the reason.
  await tree.getByText('财务 (finance)').click();
  await page.getByTestId('catalog-delete').click();
  await confirmAsk(page, '删除', { title: '财务' });
  await expect(page.getByTestId('flash')).toContainText('个子目录，请先删除或移走它们');

  // Deleting an empty node works after confirmation.
  await tree.getByText('差旅费 (travel)').click();
  await page.getByTestId('catalog-delete').click();
  await confirmAsk(page, '删除', { title: '差旅费' });
  await expect(page.getByTestId('flash')).toContainText('操作成功');
  await expect(tree).not.toContainText('差旅费');
});
