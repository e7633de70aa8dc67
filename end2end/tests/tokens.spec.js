// API令牌 API tokens: a token created in the console authenticates the HTTP API until revoked.
const { test, expect } = require('@playwright/test');
const { confirmAsk, signIn } = require('./helpers');

test('create an API token, use it, revoke it', async ({ page, playwright, baseURL }) => {
  await signIn(page, 'admin', undefined, '/tokens');
  const form = page.getByTestId('token-create');
  await form.getByRole('button', { name: '新增' }).click();
  await expect(form.locator('.field-error')).toContainText('名称');

  await form.getByRole('textbox', { name: '名称' }).fill('ERP');
  await form.getByRole('button', { name: '新增' }).click();
  const secret = (await page.getByTestId('token-secret').locator('code').innerText()).trim();
  expect(secret).toMatch(/^bpm_[0-9a-f]{64}$/);

  // A client without cookies, authenticated only by the token.
  const api = await playwright.request.newContext({ baseURL });
  const ok = await api.get('/api/v1/process-definitions?latest=true', { headers: { Authorization: `Bearer ${secret}` } });
  expect(ok.status()).toBe(200);
  expect((await ok.json()).items.length).toBeGreaterThan(0);

  await page.locator('tr[data-token="ERP"]').getByRole('button', { name: '吊销' }).click();
  await confirmAsk(page, '吊销', { title: 'ERP' });
  await expect(page.locator('tr[data-token="ERP"]')).toContainText('已吊销');
  const refused = await api.get('/api/v1/process-definitions', { headers: { Authorization: `Bearer ${secret}` } });
  expect(refused.status()).toBe(401);
  await api.dispose();
});
