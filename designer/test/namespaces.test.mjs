import test from 'node:test';
import assert from 'node:assert/strict';
import { toCamunda, fromCamunda, CAMUNDA } from '../src/namespaces.js';
import { read, write, element, changedLines } from './support/moddle.mjs';

const flowable = `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:flowable="http://flowable.org/bpmn" xmlns:x="urn:x" id="d" targetNamespace="t">
  <process id="p" isExecutable="true">
    <userTask id="u" flowable:assignee="\${a}" flowable:candidateGroups="g" x:keep="1" />
  </process>
</definitions>`;

test('a Flowable or Activiti file is read as Camunda and written back with its own namespace', () => {
  const { xml, vendor } = toCamunda(flowable);
  assert.equal(vendor, 'http://flowable.org/bpmn');
  assert.match(xml, new RegExp(`xmlns:flowable="${CAMUNDA}"`));
  assert.equal(fromCamunda(xml, vendor), flowable);
  const activiti = flowable.replace('http://flowable.org/bpmn', 'http://activiti.org/bpmn');
  assert.equal(toCamunda(activiti).vendor, 'http://activiti.org/bpmn');
  assert.equal(fromCamunda(toCamunda(activiti).xml, 'http://activiti.org/bpmn'), activiti);
});

test('a Camunda file, or one declaring Camunda beside Flowable, is left alone', () => {
  const both = flowable.replace('xmlns:x=', `xmlns:camunda="${CAMUNDA}" xmlns:x=`);
  assert.deepEqual(toCamunda(both), { xml: both, vendor: null });
  const plain = flowable.replace(' xmlns:flowable="http://flowable.org/bpmn"', '');
  assert.deepEqual(toCamunda(plain), { xml: plain, vendor: null });
  assert.equal(fromCamunda('<a/>', null), '<a/>');
});

test('an attribute set through the Camunda descriptors keeps the Flowable prefix, and nothing else changes', async () => {
  const { xml, vendor } = toCamunda(flowable);
  const untouched = await read(xml);
  const before = fromCamunda(await write(untouched.m, untouched.root), vendor);
  const { m, root } = await read(xml);
  element(root, 'u').businessObject.set('camunda:dueDate', 'P3D');
  const after = fromCamunda(await write(m, root), vendor);
  assert.match(after, /xmlns:flowable="http:\/\/flowable.org\/bpmn"/);
  assert.doesNotMatch(after, /camunda/);
  const { removed, added } = changedLines(before, after);
  assert.equal(removed.length, 1);
  assert.equal(added.length, 1);
  assert.equal(added[0], removed[0].replace('flowable:candidateGroups="g"', 'flowable:candidateGroups="g" flowable:dueDate="P3D"'));
  assert.match(after, /x:keep="1"/);
});
