// Times in the viewer's zone: the server renders UTC (marked as such; it cannot know the
// viewer's zone), and after hydration every time re-renders at the browser's offset for that
// instant, with the full instant and the zone in its title. The same instant is checked in a
// browser in Shanghai and one in New York against the test runner's own ICU.
const { test, expect } = require('@playwright/test');
const { signIn, deployFixture, startInstance, waitForHydration } = require('./helpers');

/** `YYYY-MM-DD HH:MM` of the instant `iso` on the wall clock of `timeZone`. */
function wallClock(iso, timeZone) {
  const fmt = new Intl.DateTimeFormat('en-CA', {
    timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  });
  const p = Object.fromEntries(fmt.formatToParts(new Date(iso)).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** The offset of `timeZone` at `iso` as the console labels it: `UTC+08:00`, `UTC-05:00`. */
function offsetLabel(iso, timeZone) {
  const fmt = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
  const name = fmt.formatToParts(new Date(iso)).find((x) => x.type === 'timeZoneName').value;
  return name === 'GMT' ? 'UTC' : name.replace('GMT', 'UTC');
}

/** The instance every zone looks at, started once. */
let instance;
/** The text each zone showed for its start time. */
const shown = {};

async function startTimeIn(page, timezoneId) {
  await signIn(page);
  if (!instance) {
    await deployFixture(page, 'e2e-seq.bpmn');
    instance = await startInstance(page, 'e2e-seq');
  }
  // Rendered by the server: UTC, marked, with the instant in `datetime`.
  const html = await (await page.request.get(`/instances/${instance.id}`)).text();
  const utc = wallClock(instance.startTime, 'UTC');
  expect(html).toContain(`datetime="${instance.startTime}"`);
  expect(html).toContain(`${utc} UTC`);

  await page.goto(`/instances/${instance.id}`);
  await waitForHydration(page);
  const time = page.getByTestId('instance-facts').locator('time').first();
  await expect(time).toHaveAttribute('datetime', instance.startTime);
  await expect(time).toHaveText(wallClock(instance.startTime, timezoneId));
  await expect(time).toHaveAttribute('title', `${instance.startTime} · ${offsetLabel(instance.startTime, timezoneId)} ${timezoneId}`);
  shown[timezoneId] = await time.textContent();
  // The lists re-render too: the instance's row in the list shows the same local time.
  await page.goto('/instances');
  await waitForHydration(page);
  await expect(page.locator('time', { hasText: shown[timezoneId] }).first()).toBeVisible();
}

test.describe('in Shanghai', () => {
  test.use({ timezoneId: 'Asia/Shanghai' });
  test('the start time shows at UTC+08:00', async ({ page }) => {
    await startTimeIn(page, 'Asia/Shanghai');
  });
});

test.describe('in New York', () => {
  test.use({ timezoneId: 'America/New_York' });
  test('the start time shows on New York time, 12 or 13 hours behind Shanghai', async ({ page }) => {
    await startTimeIn(page, 'America/New_York');
    expect(shown['Asia/Shanghai'], 'the Shanghai test ran first').toBeTruthy();
    expect(shown['America/New_York']).not.toEqual(shown['Asia/Shanghai']);
    const minutes = (text) => Date.parse(`${text.replace(' ', 'T')}:00Z`) / 60_000;
    const behind = (minutes(shown['Asia/Shanghai']) - minutes(shown['America/New_York'])) / 60;
    expect([12, 13]).toContain(behind);
  });
});
