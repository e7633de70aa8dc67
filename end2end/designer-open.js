// How long the designer takes to open a large model: a process of 200 flow nodes (parallel
// blocks of user tasks, 250 flows, no diagram: the server lays it out when converting) is
// deployed, converted to a model, and opened in the designer `runs` times; the time is from
// the navigation's start to the modeler showing every element with the engine's check done
// (its problems line written). The first run loads the bundle; later runs have it cached.
//   node end2end/designer-open.js <console url> [runs]      (admin password: BPM_ADMIN_PASSWORD)
const { chromium } = require('playwright');

const url = process.argv[2];
const runs = Number(process.argv[3] || 5);
const password = process.env.BPM_ADMIN_PASSWORD || 'admin-password';

function bigProcess(key, blocks) {
  const nodes = ['<startEvent id="start" />'];
  const flows = [];
  let prev = 'start';
  for (let b = 0; b < blocks; b++) {
    nodes.push(`<parallelGateway id="split${b}" />`, `<userTask id="a${b}" name="审批 A${b}" camunda:assignee="admin" />`,
      `<userTask id="b${b}" name="审批 B${b}" camunda:assignee="admin" />`, `<parallelGateway id="join${b}" />`);
    flows.push([prev, `split${b}`], [`split${b}`, `a${b}`], [`split${b}`, `b${b}`], [`a${b}`, `join${b}`], [`b${b}`, `join${b}`]);
    prev = `join${b}`;
  }
  nodes.push('<endEvent id="end" />');
  flows.push([prev, 'end']);
  const body = nodes.join('\n') + '\n' + flows.map(([s, t], i) => `<sequenceFlow id="f${i}" sourceRef="${s}" targetRef="${t}" />`).join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
<process id="${key}" name="大流程 ${key}" isExecutable="true">
${body}
</process>
</definitions>`;
}

(async () => {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(url + '/login');
  await page.getByLabel(/用户名|User name/).fill('admin');
  await page.getByLabel(/密码|Password/).fill(password);
  await page.getByRole('button', { name: /^(登录|Sign in)$/ }).click();
  await page.waitForSelector('[data-testid=user]');
  const key = `big_${Date.now().toString(36)}`;
  const xml = bigProcess(key, 49);
  const deployed = await page.evaluate(async ([xml, key]) => {
    const form = new FormData();
    form.append('file', new Blob([xml], { type: 'text/xml' }), `${key}.bpmn`);
    const res = await fetch('/api/v1/deployments', { method: 'POST', body: form, headers: { 'X-BPM-Request': '1' } });
    return res.json();
  }, [xml, key]);
  const definitionId = JSON.stringify(deployed).match(/"id":"([0-9a-z]+)"/)[1];
  const model = await page.evaluate(async (id) => {
    const res = await fetch('/api/convert_to_model', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ definition_id: id }) });
    return res.json();
  }, definitionId);
  const nodes = 2 + 49 * 4;
  const times = [];
  for (let i = 0; i < runs; i++) {
    await page.goto(url + `/models/${model.id}/design`);
    await page.waitForFunction((n) => {
      const head = document.querySelector('[data-testid=designer-problems] .bpm-problems-head');
      return head && head.textContent && document.querySelectorAll('.djs-shape').length >= n;
    }, nodes, { timeout: 30000, polling: 10 });
    const ms = await page.evaluate(() => performance.now());
    times.push(Math.round(ms));
  }
  const elements = await page.evaluate(() => document.querySelectorAll('.djs-element').length);
  console.log(`${nodes} flow nodes, ${elements} diagram elements: open to checked (ms) first ${times[0]}, then ${times.slice(1).join(', ')}`);
  const sorted = times.slice(1).sort((a, b) => a - b);
  if (sorted.length) console.log(`median of the cached runs ${sorted[Math.floor(sorted.length / 2)]} ms`);
  await browser.close();
})();
