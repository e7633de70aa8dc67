// The designer's edits of each attribute the engine reads: the file written back differs
// from the untouched file only where the edit is (every other attribute, element and
// extension kept), for a Camunda file and for the same file in Flowable's namespace.
import test from 'node:test';
import assert from 'node:assert/strict';
import { toCamunda, fromCamunda } from '../src/namespaces.js';
import { http, setHttp, makeHttp } from '../src/http.js';
import { countersign } from '../src/presets.js';
import { read, write, element, services, changedLines } from './support/moddle.mjs';

const FILE = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:v="urn:vendor" id="d" targetNamespace="t">
  <bpmn:message id="Message_1" name="paid" />
  <bpmn:signal id="Signal_1" name="stop" />
  <bpmn:error id="Error_1" name="rejected" errorCode="E_REJECT" />
  <bpmn:process id="p" name="P" isExecutable="true" v:owner="ops">
    <bpmn:startEvent id="start" camunda:initiator="starter" />
    <bpmn:userTask id="approve" name="审批" camunda:assignee="\${starter}" camunda:candidateUsers="a,b" camunda:candidateGroups="g" camunda:dueDate="P2D" camunda:priority="50" camunda:formKey="f" v:color="red">
      <bpmn:extensionElements>
        <camunda:taskListener class="com.example.L" event="create" />
        <v:note>kept</v:note>
      </bpmn:extensionElements>
      <bpmn:multiInstanceLoopCharacteristics camunda:collection="\${approvers}" camunda:elementVariable="approver">
        <bpmn:completionCondition xsi:type="bpmn:tFormalExpression" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\${nrOfCompletedInstances >= 1}</bpmn:completionCondition>
      </bpmn:multiInstanceLoopCharacteristics>
    </bpmn:userTask>
    <bpmn:exclusiveGateway id="gw" default="low" />
    <bpmn:sequenceFlow id="high" sourceRef="gw" targetRef="wait">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\${amount > 1000}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="low" sourceRef="gw" targetRef="ext" />
    <bpmn:intermediateCatchEvent id="wait">
      <bpmn:timerEventDefinition id="t1">
        <bpmn:timeDuration xsi:type="bpmn:tFormalExpression" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">PT1H</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:serviceTask id="ext" camunda:type="external" camunda:topic="billing" camunda:asyncBefore="true" />
    <bpmn:serviceTask id="call" name="ERP">
      <bpmn:extensionElements>
        <camunda:connector>
          <camunda:inputOutput>
            <camunda:inputParameter name="url">https://erp.example.com/a</camunda:inputParameter>
            <camunda:inputParameter name="method">GET</camunda:inputParameter>
            <camunda:outputParameter name="erp" />
          </camunda:inputOutput>
          <camunda:connectorId>http-connector</camunda:connectorId>
        </camunda:connector>
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:serviceTask id="plain" />
    <bpmn:callActivity id="sub" calledElement="child" camunda:calledElementBinding="latest">
      <bpmn:extensionElements>
        <camunda:in source="amount" target="amount" />
        <camunda:out source="result" target="result" />
      </bpmn:extensionElements>
    </bpmn:callActivity>
    <bpmn:intermediateCatchEvent id="paid">
      <bpmn:messageEventDefinition id="md" messageRef="Message_1" />
    </bpmn:intermediateCatchEvent>
    <bpmn:boundaryEvent id="fail" attachedToRef="sub">
      <bpmn:errorEventDefinition id="ed" errorRef="Error_1" />
    </bpmn:boundaryEvent>
  </bpmn:process>
</bpmn:definitions>`;

const FLOWABLE = FILE.replace('xmlns:camunda="http://camunda.org/schema/1.0/bpmn"', 'xmlns:flowable="http://flowable.org/bpmn"').replace(/camunda:/g, 'flowable:');

const bo = (root, id) => element(root, id).businessObject;
const child = (o, ...path) => path.reduce((x, k) => (Array.isArray(x) ? x[k] : x.get(k)), o);

// Each edit the panel makes: what it does to the business objects, and the value that must
// appear in the changed lines.
const EDITS = [
  ['assignee', (r) => bo(r, 'approve').set('camunda:assignee', 'wangfang'), 'wangfang'],
  ['candidate users', (r) => bo(r, 'approve').set('camunda:candidateUsers', 'a,b,c'), 'a,b,c'],
  ['candidate groups', (r) => bo(r, 'approve').set('camunda:candidateGroups', 'g,finance'), 'g,finance'],
  ['due date', (r) => bo(r, 'approve').set('camunda:dueDate', '${due}'), '${due}'],
  ['priority', (r) => bo(r, 'approve').set('camunda:priority', '80'), '80'],
  ['form key', (r) => bo(r, 'approve').set('camunda:formKey', 'leave-form'), 'leave-form'],
  ['async', (r) => bo(r, 'ext').set('camunda:asyncAfter', true), 'asyncAfter="true"'],
  ['external topic', (r) => bo(r, 'ext').set('camunda:topic', 'invoices'), 'invoices'],
  ['condition', (r) => bo(r, 'high').conditionExpression.set('body', '${amount > 5000}'), '${amount &gt; 5000}'],
  ['default flow', (r) => bo(r, 'gw').set('default', bo(r, 'high')), 'default="high"'],
  ['timer duration', (r) => child(bo(r, 'wait'), 'eventDefinitions', 0, 'timeDuration').set('body', 'PT2H'), 'PT2H'],
  ['collection', (r) => child(bo(r, 'approve'), 'loopCharacteristics').set('camunda:collection', '${leaders}'), '${leaders}'],
  ['element variable', (r) => child(bo(r, 'approve'), 'loopCharacteristics').set('camunda:elementVariable', 'leader'), 'leader'],
  ['completion condition', (r) => child(bo(r, 'approve'), 'loopCharacteristics', 'completionCondition').set('body', '${done}'), '${done}'],
  ['called element', (r) => bo(r, 'sub').set('calledElement', 'child2'), 'child2'],
  ['in mapping', (r) => child(bo(r, 'sub'), 'extensionElements', 'values', 0).set('target', 'total'), 'target="total"'],
  ['out mapping', (r) => child(bo(r, 'sub'), 'extensionElements', 'values', 1).set('source', 'answer'), 'source="answer"'],
  ['message name', (r) => r.rootElements.find((e) => e.id === 'Message_1').set('name', 'settled'), 'settled'],
  ['signal name', (r) => r.rootElements.find((e) => e.id === 'Signal_1').set('name', 'halt'), 'halt'],
  ['error code', (r) => r.rootElements.find((e) => e.id === 'Error_1').set('errorCode', 'E_NO'), 'E_NO'],
];

for (const [vendorName, file] of [['Camunda', FILE], ['Flowable', FLOWABLE]]) {
  for (const [what, edit, value] of EDITS) {
    test(`${vendorName}: the ${what} edit changes only its own line`, async () => {
      const { xml, vendor } = toCamunda(file);
      const untouched = await read(xml);
      const before = fromCamunda(await write(untouched.m, untouched.root), vendor);
      const { m, root } = await read(xml);
      edit(root);
      const after = fromCamunda(await write(m, root), vendor);
      const { removed, added } = changedLines(before, after);
      assert.equal(added.length, 1, `one line changes:\n${added.join('\n')}`);
      assert.equal(removed.length, 1);
      assert.ok(added[0].includes(value), `${added[0]} has ${value}`);
      for (const kept of ['v:color="red"', '<v:note>kept</v:note>', 'v:owner="ops"', 'class="com.example.L"', 'initiator="starter"']) {
        assert.ok(after.includes(kept), `${kept} is kept`);
      }
      if (vendor) assert.ok(!after.includes('camunda'), 'a Flowable file stays Flowable');
    });
  }
}

test('the HTTP group reads a connector and writes its parts, the rest of the task untouched', async () => {
  const { m, root } = await read(FILE);
  const el = element(root, 'call');
  assert.deepEqual(http(el), { url: 'https://erp.example.com/a', method: 'GET', headers: '', body: '', response: 'erp' });
  const s = services(m);
  setHttp(s, el, 'method', 'POST');
  setHttp(s, el, 'body', '{"id": "${id}"}');
  setHttp(s, el, 'headers', 'X-Key: 1');
  setHttp(s, el, 'response', 'answer');
  setHttp(s, el, 'url', '');
  assert.deepEqual(http(el), { url: '', method: 'POST', headers: 'X-Key: 1', body: '{"id": "${id}"}', response: 'answer' });
  const out = await write(m, root);
  assert.match(out, /<camunda:inputParameter name="payload">\{"id": "\$\{id\}"\}<\/camunda:inputParameter>/);
  assert.match(out, /<camunda:outputParameter name="answer" \/>/);
  assert.doesNotMatch(out, /name="url"/);
  assert.match(out, /<camunda:connectorId>http-connector<\/camunda:connectorId>/);
  assert.equal(http(element(root, 'ext')), null, 'an external task is not an HTTP call');
  // A plain service task becomes one.
  const plain = element(root, 'plain');
  assert.equal(http(plain), null);
  makeHttp(s, plain);
  setHttp(s, plain, 'url', 'https://x.example/${id}');
  assert.equal(http(plain).url, 'https://x.example/${id}');
});

test('the HTTP group writes Flowable fields in a Flowable file', async () => {
  const file = FLOWABLE.replace('<bpmn:serviceTask id="plain" />', `<bpmn:serviceTask id="fl" flowable:type="http">
      <bpmn:extensionElements>
        <flowable:field name="requestUrl"><flowable:string>http://a?b&amp;c</flowable:string></flowable:field>
      </bpmn:extensionElements>
    </bpmn:serviceTask>`);
  const { xml, vendor } = toCamunda(file);
  const { m, root } = await read(xml);
  const el = element(root, 'fl');
  assert.equal(http(el).url, 'http://a?b&c');
  setHttp(services(m), el, 'method', 'PUT');
  setHttp(services(m), el, 'response', 'erpAnswer');
  const out = fromCamunda(await write(m, root), vendor);
  assert.match(out, /<flowable:field name="requestMethod">\s*<flowable:string>PUT<\/flowable:string>/);
  assert.match(out, /<flowable:field name="responseVariableName">\s*<flowable:string>erpAnswer<\/flowable:string>/);
  assert.match(out, /<flowable:string>http:\/\/a\?b&amp;c<\/flowable:string>/);
});

test('会签 and 或签 presets: parallel over the collection, all or the first completion', async () => {
  const { m, root } = await read(FILE);
  const factory = services(m).bpmnFactory;
  const el = element(root, 'approve');
  const all = countersign(factory, el, 'all');
  assert.equal(all.loopCharacteristics.isSequential, false);
  assert.equal(all.loopCharacteristics.get('camunda:collection'), '${approvers}');
  assert.equal(all.loopCharacteristics.completionCondition, undefined);
  assert.equal(all['camunda:assignee'], undefined, 'an assignee already set is kept');
  const fresh = element((await read(FILE.replace('camunda:assignee="${starter}" ', ''))).root, 'approve');
  const any = countersign(factory, fresh, 'any');
  assert.equal(any.loopCharacteristics.completionCondition.body, '${nrOfCompletedInstances >= 1}');
  assert.equal(any['camunda:assignee'], '${approver}');
});
