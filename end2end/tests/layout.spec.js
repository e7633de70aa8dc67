// Layout at the widths administrators use, in both languages: nothing is cut off, tables
// scroll sideways instead of squeezing (no Chinese text one character per line), the action
// column stays in view, the navigation folds into a drawer below 1200 px. Every screen is
// saved as a screenshot under test-results/screens/ for review.
const path = require('path');
const { test, expect } = require('@playwright/test');
const { axeViolations, signIn, waitForHydration, deployFixture, startInstance, uniqueKey } = require('./helpers');

const SCREENS = ['/', '/catalog', '/deployments', '/models', '/tasks', '/instances', '/jobs', '/events', '/tenants', '/org', '/tokens'];
const WIDTHS = [1440, 1024, 768];
const SHOTS = path.join(__dirname, '..', 'test-results', 'screens');

/** Everything the page shows that breaks the layout rules, as sentences (empty when fine). */
async function layoutProblems(page) {
  return page.evaluate(() => {
    const problems = [];
    const doc = document.documentElement;
    if (doc.scrollWidth > doc.clientWidth + 1) {
      problems.push(`the page scrolls sideways: ${doc.scrollWidth} > ${doc.clientWidth}`);
    }
    // A cell is squeezed when its Chinese text shows fewer than three characters per line.
    for (const cell of document.querySelectorAll('table.grid td, table.grid th')) {
      const text = cell.innerText.trim();
      if (text.length < 2 || !/[\u4e00-\u9fff]/.test(text)) continue;
      const range = document.createRange();
      range.selectNodeContents(cell);
      // Boxes that overlap vertically share a line (a link beside a button is one line).
      let lines = 0;
      let bottom = -Infinity;
      for (const r of [...range.getClientRects()].filter((b) => b.height > 0).sort((x, y) => x.top - y.top)) {
        if (r.top >= bottom - 1) { lines += 1; bottom = r.bottom; } else { bottom = Math.max(bottom, r.bottom); }
      }
      if (lines > 1 && text.length / lines < 3) problems.push(`squeezed cell (${lines} lines): ${text.slice(0, 20)}`);
    }
    for (const el of document.querySelectorAll('table.grid .badge, table.grid time')) {
      const lines = el.getClientRects().length;
      if (lines > 1) problems.push(`wrapped: ${el.textContent}`);
    }
    for (const wrap of document.querySelectorAll('.table-wrap')) {
      const box = wrap.getBoundingClientRect();
      if (box.right > doc.clientWidth + 1) problems.push('a table box reaches past the window');
      for (const cell of wrap.querySelectorAll('td.actions')) {
        const r = cell.getBoundingClientRect();
        if (r.right > box.right + 1 || r.left < box.left - 1) problems.push('an action cell is out of view');
      }
    }
    return problems;
  });
}

// The detail pages of the instance started below and of its definition.
const DETAILS = [];

test.beforeAll(async ({ browser }) => {
  // Rows in every list: a definition with a running instance and its task.
  const page = await browser.newPage();
  await signIn(page);
  await deployFixture(page, 'e2e-seq.bpmn');
  const instance = await startInstance(page, 'e2e-seq', { businessKey: uniqueKey('layout') });
  DETAILS.push(`/instances/${instance.id}`, `/deployments/${instance.definitionId}`);
  await page.close();
});

/** The file name of a screen's screenshot: `/instances/abc` → `-instance`. */
function shotName(screen) {
  if (screen === '/') return '-home';
  const [, list, id] = screen.split('/');
  return id ? `-${list}-detail` : `-${list}`;
}

for (const lang of ['zh-CN', 'en']) {
  for (const width of WIDTHS) {
    test(`every screen fits at ${width} px (${lang})`, async ({ page, context }) => {
      await page.setViewportSize({ width, height: 900 });
      await context.addCookies([{ name: 'bpm_lang', value: lang, url: process.env.BPM_E2E_URL }]);
      await page.goto('/login');
      await waitForHydration(page);
      await page.screenshot({ path: path.join(SHOTS, `${lang}-${width}-login.png`), fullPage: true });
      expect(await layoutProblems(page), `/login at ${width} px`).toEqual([]);
      if (width === 1440) expect(await axeViolations(page), 'axe-core on /login').toEqual([]);
      await signIn(page);
      for (const screen of [...SCREENS, ...DETAILS]) {
        await page.goto(screen);
        await waitForHydration(page);
        await expect(page.locator('main.content h1').first()).toBeVisible();
        if (DETAILS.includes(screen)) {
          // A detail page says where it is and highlights its section in the navigation.
          await expect(page.locator('nav.breadcrumb [aria-current="page"]')).toBeVisible();
          await expect(page.locator('#sidenav a[aria-current="page"]')).toHaveCount(1);
        }
        await page.screenshot({ path: path.join(SHOTS, `${lang}-${width}${shotName(screen)}.png`), fullPage: true });
        expect(await layoutProblems(page), `${screen} at ${width} px`).toEqual([]);
        if (width === 1440) expect(await axeViolations(page), `axe-core on ${screen}`).toEqual([]);
      }
    });
  }
}

test('below 1200 px the navigation is a drawer opened from the header', async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await signIn(page);
  const nav = page.locator('#sidenav');
  const toggle = page.getByRole('button', { name: /^(菜单|Menu)$/ });
  await expect(nav).toBeVisible();
  await expect(toggle).toBeHidden();

  await page.setViewportSize({ width: 1024, height: 800 });
  await expect(nav).toBeHidden();
  await expect(toggle).toHaveAttribute('aria-expanded', 'false');
  await toggle.click();
  await expect(nav).toBeVisible();
  await expect(toggle).toHaveAttribute('aria-expanded', 'true');
  // Choosing an entry goes there and folds the drawer again.
  await nav.getByRole('link', { name: /^(任务|Tasks)$/ }).click();
  await expect(page).toHaveURL(/\/tasks$/);
  await expect(nav).toBeHidden();
  // A click beside the open drawer closes it too.
  await toggle.click();
  await expect(nav).toBeVisible();
  await page.mouse.click(900, 600);
  await expect(nav).toBeHidden();
});

test('a wide table scrolls in its box and keeps its actions in view', async ({ page }) => {
  await page.setViewportSize({ width: 768, height: 900 });
  await signIn(page, 'admin', undefined, '/instances');
  await page.goto('/instances');
  await waitForHydration(page);
  const wrap = page.locator('.table-wrap').first();
  await expect(page.getByTestId('instance-table').locator('tbody tr').first()).toBeVisible();
  const sizes = await wrap.evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
  expect(sizes.scroll, 'the instance table is wider than a 768 px window').toBeGreaterThan(sizes.client);
  await wrap.evaluate((el) => { el.scrollLeft = 0; });
  const action = page.getByTestId('instance-table').locator('td.actions').first();
  const boxOf = async (l) => l.evaluate((el) => { const r = el.getBoundingClientRect(); return { left: r.left, right: r.right }; });
  const [cell, box] = [await boxOf(action), await boxOf(wrap)];
  expect(cell.right).toBeLessThanOrEqual(box.right + 1);
  expect(cell.left).toBeGreaterThanOrEqual(box.left - 1);
});

test('dialogs take focus, keep it and give it back; Esc closes them', async ({ page }) => {
  await signIn(page);
  const opener = page.getByTestId('sign-out-everywhere');
  await opener.focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByTestId('ask-dialog');
  await expect(dialog).toBeVisible();
  // The destructive button says what it does, in red, and has focus.
  const confirm = dialog.getByRole('button', { name: '全部退出', exact: true });
  await expect(confirm).toBeFocused();
  await expect(confirm).toHaveClass(/danger/);
  // Tab cycles through the dialog's controls and never leaves it.
  for (let i = 0; i < 5; i += 1) {
    await page.keyboard.press('Tab');
    expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  }
  await page.keyboard.press('Shift+Tab');
  expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(opener).toBeFocused();
  await expect(page).not.toHaveURL(/\/login/);
});

test('a skip link leads past the navigation to the page content', async ({ page }) => {
  await signIn(page);
  await page.goto('/tasks');
  await waitForHydration(page);
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: '跳到主要内容' });
  await expect(skip).toBeFocused();
  await expect(skip).toBeVisible();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/#main$/);
});

test('a catalog node is chosen with the keyboard alone', async ({ page }) => {
  await signIn(page);
  await page.goto('/deployments');
  await waitForHydration(page);
  const tree = page.getByTestId('catalog-tree');
  const items = tree.getByRole('treeitem');
  // Tab reaches the tree once, on its selected item (全部 = every node).
  await expect(items.first()).toHaveAttribute('tabindex', '0');
  await expect(items.nth(1)).toHaveAttribute('tabindex', '-1');
  // Each item says its depth (全部 and the top nodes: level 1).
  await expect(items.nth(1)).toHaveAttribute('aria-level', '1');
  await items.first().focus();
  await page.keyboard.press('ArrowDown');
  await expect(items.nth(1)).toBeFocused();
  await page.keyboard.press('End');
  await expect(items.last()).toBeFocused();
  await page.keyboard.press('Home');
  await expect(items.first()).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await expect(items.nth(1)).toHaveAttribute('aria-selected', 'true');
  await expect(items.nth(1)).toHaveAttribute('tabindex', '0');
  await expect(items.first()).toHaveAttribute('aria-selected', 'false');
});

test('a success message closes by itself; a refusal stays until dismissed', async ({ page }) => {
  await signIn(page, 'admin', undefined, '/catalog');
  const tree = page.getByTestId('catalog-tree');
  const flash = page.getByTestId('flash');
  await tree.getByText('人事 (hr)').click();
  await page.getByTestId('catalog-add').click();
  const form = page.getByTestId('catalog-form');
  await form.getByRole('textbox', { name: '名称' }).fill('培训');
  await form.getByRole('textbox', { name: '编码' }).fill(uniqueKey('hr-training'));
  await form.getByRole('button', { name: '保存' }).click();
  await expect(flash).toContainText('操作成功');
  await expect(flash).toBeHidden({ timeout: 10_000 });

  // Deleting a node with children is refused: the message stays until its × is pressed.
  await tree.getByText('人事 (hr)').click();
  await page.getByTestId('catalog-delete').click();
  await page.getByTestId('ask-dialog').getByRole('button', { name: '删除', exact: true }).click();
  await expect(flash).toContainText('操作失败');
  await page.waitForTimeout(7_000);
  await expect(flash).toBeVisible();
  await flash.getByRole('button', { name: '关闭' }).click();
  await expect(flash).toBeHidden();
});
