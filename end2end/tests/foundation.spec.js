// The console shell: sign-in, authentication of pages and server functions, navigation,
// hydration, language switching, sign-out.
const { test, expect } = require('@playwright/test');
const { confirmAsk, signIn, waitForHydration } = require('./helpers');

test('an anonymous visitor is sent to the login page and a server function refuses with 401', async ({ page, request }) => {
  await page.goto('/tenants');
  await expect(page).toHaveURL(/\/login\?next=%2F|\/login\?next=\/tenants/);
  await expect(page.getByRole('heading', { name: /登录/ })).toBeVisible();

  const res = await request.post('/api/tenants', { data: '' });
  expect(res.status()).toBe(401);
  const body = await res.json();
  expect(body.code).toBe('unauthenticated');

  const health = await request.get('/healthz');
  expect(health.status()).toBe(200);
  expect((await health.json()).status).toBe('ok');
});

test('a wrong password is refused with a message; the right one signs in with a safe cookie', async ({ page, context }) => {
  await page.goto('/login');
  await waitForHydration(page);
  await page.getByLabel(/用户名/).fill('admin');
  await page.getByLabel(/密码/).fill('not-the-password');
  await page.getByRole('button', { name: '登录' }).click();
  await expect(page.getByRole('alert')).toContainText('用户名或密码错误');

  await signIn(page, 'admin', undefined, '/tenants');
  await expect(page).toHaveURL(/\/tenants$/);
  const cookie = (await context.cookies()).find((c) => c.name === 'bpm_session');
  expect(cookie).toBeTruthy();
  expect(cookie.httpOnly).toBe(true);
  expect(cookie.sameSite).toBe('Strict');
});

test('signed in: the server-rendered page hydrates, navigates and shows server function answers', async ({ page }) => {
  await signIn(page);
  // The overview's numbers come from a server function (demo data: 2 tenants, 26 people).
  const overview = page.getByTestId('overview');
  await expect(overview).toContainText('2');
  await expect(overview).toContainText('人员');

  // Client-side navigation through the left menu to every screen.
  for (const [label, path] of [['目录', '/catalog'], ['部署', '/deployments'], ['模型', '/models'], ['任务', '/tasks'],
    ['实例', '/instances'], ['作业', '/jobs'], ['事件', '/events'], ['租户', '/tenants'], ['机构', '/org']]) {
    await page.getByRole('navigation').getByRole('link', { name: label, exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`${path}$`));
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  }
  await expect(page.getByTestId('org-tree')).toContainText('张伟');

  // Switching the language is handled by the hydrated app, without a reload.
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await page.getByRole('button', { name: 'English' }).click();
  await expect(page.getByRole('navigation').getByRole('link', { name: 'Catalog', exact: true })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Organisation');
  // ...and the choice survives a full reload (the server renders in English too).
  await page.reload();
  await expect(page.getByRole('navigation').getByRole('link', { name: 'Tenants', exact: true })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  // A click before hydration would be lost: the page says when it is interactive.
  await waitForHydration(page);
  await page.getByRole('button', { name: '中文' }).click();
  await expect(page.getByRole('navigation').getByRole('link', { name: '租户', exact: true })).toBeVisible();
});

test('the tenant switcher narrows the console to one tenant', async ({ page }) => {
  await signIn(page);
  const switcher = page.getByTestId('tenant-switch');
  await expect(switcher).toHaveValue('');
  await switcher.selectOption('east');
  await expect(page.getByTestId('tenant-switch')).toHaveValue('east');
  await expect(page.getByTestId('overview')).toContainText('13');
  await page.getByTestId('tenant-switch').selectOption('');
  await expect(page.getByTestId('tenant-switch')).toHaveValue('');
});

test('signing out ends the session', async ({ page }) => {
  await signIn(page);
  await page.getByRole('button', { name: '退出', exact: true }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.goto('/catalog');
  await expect(page).toHaveURL(/\/login/);
});

test('pages run under the content security policy; 全部退出 ends the session in every browser', async ({ page, browser }) => {
  const violations = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to (execute|load|apply)/i.test(m.text())) violations.push(m.text());
  });
  await signIn(page);
  for (const path of ['/catalog', '/deployments', '/models', '/tasks', '/instances', '/jobs', '/tenants', '/org']) {
    await page.goto(path);
    await waitForHydration(page);
  }
  expect(violations).toEqual([]);

  // The same account in another browser.
  const other = await browser.newContext({ baseURL: process.env.BPM_E2E_URL, locale: 'zh-CN' });
  const elsewhere = await other.newPage();
  await signIn(elsewhere);
  await page.getByTestId('sign-out-everywhere').click();
  await confirmAsk(page, '全部退出');
  await expect(page).toHaveURL(/\/login/);
  await elsewhere.goto('/tenants');
  await expect(elsewhere).toHaveURL(/\/login/);
  await other.close();
});
