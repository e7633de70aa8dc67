// The official Camunda 7 external-task worker for Node.js (camunda-external-task-client-js,
// from npm) against this console's /engine-rest, unchanged: it subscribes to a topic with long
// polling, completes a task with typed variables, raises a BPMN error that a boundary event
// catches, and reports a failure without retries that becomes an incident. The process is
// deployed and started, and the outcomes checked, through the console's own API (/api/v1).
//
// Usage: node test.mjs <base url of /engine-rest>. Environment: BPM_CLIENT_API_TOKEN (the
// server's BPM_API_TOKEN), BPM_CLIENT_ADMIN_PASSWORD (the admin's password, for HTTP Basic when
// the server offers it). Exits non-zero with a message on the first failed check.

import { readFile } from "node:fs/promises";
import { Client, Variables, BasicAuthInterceptor } from "camunda-external-task-client-js";

const engineRest = (process.argv[2] || "").replace(/\/$/, "");
if (!engineRest.endsWith("/engine-rest")) {
  fail("usage: node test.mjs http://host:port/engine-rest");
}
const root = engineRest.slice(0, -"/engine-rest".length);
const token = process.env.BPM_CLIENT_API_TOKEN || fail("BPM_CLIENT_API_TOKEN is not set");
const adminPassword = process.env.BPM_CLIENT_ADMIN_PASSWORD;

function fail(message) {
  console.error(`FAIL: ${message}`);
  process.exit(1);
}

function check(ok, message) {
  if (!ok) fail(message);
  console.log(`ok - ${message}`);
}

/** Calls the console's own API with the bearer token; returns [status, JSON body]. */
async function api(method, path, body) {
  const headers = { Authorization: `Bearer ${token}` };
  let payload;
  if (body instanceof FormData) {
    payload = body;
  } else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const res = await fetch(`${root}${path}`, { method, headers, body: payload });
  const text = await res.text();
  return [res.status, text ? JSON.parse(text) : null];
}

async function instance(id) {
  const [status, body] = await api("GET", `/api/v1/process-instances/${id}`);
  check(status === 200, `instance ${id} is readable (${status})`);
  return body;
}

/** HTTP Basic with the admin account when the server accepts it, else the bearer token. */
async function interceptors() {
  if (adminPassword) {
    const basic = Buffer.from(`admin:${adminPassword}`).toString("base64");
    const res = await fetch(`${engineRest}/engine`, { headers: { Authorization: `Basic ${basic}` } });
    if (res.ok) {
      console.log("# authenticating the worker with HTTP Basic (BasicAuthInterceptor)");
      return [new BasicAuthInterceptor({ username: "admin", password: adminPassword })];
    }
  }
  console.log("# authenticating the worker with the bearer token");
  return [(config) => ({ ...config, headers: { ...config.headers, Authorization: `Bearer ${token}` } })];
}

// 1. Deploy the order process (an external task on topic "charge" with an error boundary).
const form = new FormData();
const xml = await readFile(new URL("./order.bpmn", import.meta.url));
form.append("file", new Blob([xml], { type: "application/xml" }), "order.bpmn");
const [deployed, report] = await api("POST", "/api/v1/deployments", form);
check(deployed === 200, `the order process deploys (${deployed}: ${JSON.stringify(report)})`);

// 2. A worker that long-polls the topic before any task exists.
const seen = {};
const handled = {};
let settle;
const allHandled = new Promise((resolve) => (settle = resolve));
const client = new Client({
  baseUrl: engineRest,
  workerId: "js-worker",
  interceptors: await interceptors(),
  asyncResponseTimeout: 10000,
  lockDuration: 20000,
  maxTasks: 5,
  autoPoll: false,
});
const errors = [];
client.on("poll:error", (e) => errors.push(`poll: ${e.message || e}`));
client.on("complete:error", (_task, e) => errors.push(`complete: ${e.message || e}`));
client.on("handleBpmnError:error", (_task, e) => errors.push(`bpmnError: ${e.message || e}`));
client.on("handleFailure:error", (_task, e) => errors.push(`failure: ${e.message || e}`));
client.on("handler:error", (e) => errors.push(`handler: ${e.message || e}`));

client.subscribe("charge", async ({ task, taskService }) => {
  const action = task.variables.get("action");
  seen[action] = {
    amount: task.variables.get("amount"),
    customer: task.variables.get("customer"),
    items: task.variables.get("items"),
    topic: task.topicName,
    worker: task.workerId,
    instance: task.processInstanceId,
  };
  if (action === "pay") {
    const out = new Variables()
      .set("charged", true)
      .set("receipt", `R-${task.processInstanceId.slice(0, 8)}`)
      .set("total", task.variables.get("amount") * 2)
      .setTyped("paidAt", { type: "Date", value: new Date("2026-12-07T09:30:00.000Z"), valueInfo: {} });
    await taskService.complete(task, out);
  } else if (action === "decline") {
    const out = new Variables().set("declineReason", "insufficient funds");
    await taskService.handleBpmnError(task, "CARD_DECLINED", "card declined by the bank", out);
  } else {
    await taskService.handleFailure(task, {
      errorMessage: "payment gateway down",
      errorDetails: "java.net.ConnectException: gateway:443",
      retries: 0,
      retryTimeout: 0,
    });
  }
  handled[action] = true;
  if (handled.pay && handled.decline && handled.crash) settle();
});
client.start();
await new Promise((r) => setTimeout(r, 500));

// 3. Three orders with typed variables: one paid, one declined, one crashing the worker.
const ids = {};
for (const action of ["pay", "decline", "crash"]) {
  const [status, body] = await api("POST", "/api/v1/process-definitions/key/clientOrder/start", {
    businessKey: `order-${action}`,
    variables: { action, amount: 120, customer: "张三", items: [{ sku: "A-1", qty: 2 }] },
  });
  check(status === 201, `the ${action} order starts (${status}: ${JSON.stringify(body)})`);
  ids[action] = body.id;
}

const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), 30000));
try {
  await Promise.race([allHandled, timeout]);
} catch {
  client.stop();
  fail(`the worker did not handle all three tasks within 30 s (handled: ${JSON.stringify(handled)}; errors: ${errors.join("; ")})`);
}
client.stop();
check(errors.length === 0, `the worker reported no errors (${errors.join("; ")})`);

// 4. What the worker received.
const pay = seen.pay;
check(pay.amount === 120, `the worker reads amount as the number 120 (${JSON.stringify(pay.amount)})`);
check(pay.customer === "张三", `the worker reads customer as a string (${JSON.stringify(pay.customer)})`);
check(
  Array.isArray(pay.items) && pay.items[0].sku === "A-1" && pay.items[0].qty === 2,
  `the worker reads items as JSON (${JSON.stringify(pay.items)})`
);
check(pay.topic === "charge" && pay.worker === "js-worker", `the task names its topic and worker (${pay.topic}, ${pay.worker})`);
check(pay.instance === ids.pay, "the task names its instance");

// 5. The completed order: variables arrived, the token moved on to 发货.
const paid = await instance(ids.pay);
check(paid.variables.charged === true, `charged arrived as true (${JSON.stringify(paid.variables.charged)})`);
check(paid.variables.total === 240, `total arrived as 240 (${JSON.stringify(paid.variables.total)})`);
check(paid.variables.receipt === `R-${ids.pay.slice(0, 8)}`, `receipt arrived (${paid.variables.receipt})`);
check(
  typeof paid.variables.paidAt === "string" && paid.variables.paidAt.startsWith("2026-12-07T09:30:00"),
  `the Date variable arrived as its time (${paid.variables.paidAt})`
);
check(paid.activeActivityIds.includes("ship"), `the paid order waits at ship (${paid.activeActivityIds})`);

// 6. The declined order took the error boundary's path, with the error's variables.
const declined = await instance(ids.decline);
check(
  declined.activeActivityIds.includes("handleDecline") && !declined.activeActivityIds.includes("ship"),
  `the declined order took the error path to handleDecline (${declined.activeActivityIds})`
);
check(
  declined.variables.declineReason === "insufficient funds",
  `the BPMN error's variables arrived (${declined.variables.declineReason})`
);

// 7. The crashed order has an incident at charge, with the worker's message.
const crashed = await instance(ids.crash);
const incident = (crashed.incidents || []).find((i) => i.activityId === "charge" && !i.resolved);
check(crashed.openIncidents >= 1 && incident, `the failure without retries made an incident (${JSON.stringify(crashed.incidents)})`);
check(incident.message.includes("payment gateway down"), `the incident says the worker's message (${incident.message})`);
console.log("all external-task client checks passed");
// The stopped client may still hold a long poll open; nothing is left to fetch.
process.exit(0);
