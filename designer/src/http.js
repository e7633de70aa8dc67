// The HTTP call of a service task, read and written in the convention its file uses.
//
// Camunda: <camunda:connector> with <camunda:connectorId>http-connector</camunda:connectorId>
// and input parameters url, method, headers, payload; the response goes into the output
// parameter whose value is empty (the engine stores {status, body} there).
// Flowable (opened with its namespace read as Camunda's, see namespaces.js): flowable:type
// "http" and fields requestUrl, requestMethod, requestHeaders, requestBody,
// responseVariableName.
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil.js';

export const HTTP_PARTS = [
  { name: 'method', label: 'HTTP method', options: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] },
  { name: 'url', label: 'URL', hint: 'e.g. https://erp.example.com/api/orders/${orderId}' },
  { name: 'headers', label: 'HTTP headers', area: true, hint: 'One "Name: value" per line' },
  { name: 'body', label: 'Body', area: true, hint: 'Text or JSON; ${...} is filled in from variables' },
  { name: 'response', label: 'Response variable', hint: 'Receives {status, body}' },
];

const CAMUNDA_NAMES = { url: 'url', method: 'method', headers: 'headers', body: 'payload' };
const FLOWABLE_NAMES = {
  url: 'requestUrl',
  method: 'requestMethod',
  headers: 'requestHeaders',
  body: 'requestBody',
  response: 'responseVariableName',
};

const extensions = (bo) => (bo.get('extensionElements') && bo.get('extensionElements').get('values')) || [];
const connectorOf = (bo) => extensions(bo).find((v) => is(v, 'camunda:Connector'));
const fieldsOf = (bo) => extensions(bo).filter((v) => is(v, 'camunda:Field'));
const isFlowable = (bo) => bo.get('camunda:type') === 'http';

function fieldValue(f) {
  return f.get('string') ?? f.get('stringValue') ?? f.get('expression') ?? '';
}

// The task's call as { url, method, headers, body, response }, or null when the element is
// not a service task calling a web service.
export function http(element) {
  if (!is(element, 'bpmn:ServiceTask')) {
    return null;
  }
  const bo = getBusinessObject(element);
  if (isFlowable(bo)) {
    const out = {};
    for (const [part, name] of Object.entries(FLOWABLE_NAMES)) {
      const f = fieldsOf(bo).find((x) => x.get('name') === name);
      out[part] = f ? fieldValue(f) : '';
    }
    return out;
  }
  const connector = connectorOf(bo);
  if (!connector || connector.get('connectorId') !== 'http-connector') {
    return null;
  }
  const io = connector.get('inputOutput');
  const inputs = (io && io.get('inputParameters')) || [];
  const outputs = (io && io.get('outputParameters')) || [];
  const out = {};
  for (const [part, name] of Object.entries(CAMUNDA_NAMES)) {
    const p = inputs.find((x) => x.get('name') === name);
    out[part] = p ? p.get('value') || '' : '';
  }
  const whole = outputs.find((p) => !(p.get('value') || '').trim() && !p.get('definition'));
  out.response = whole ? whole.get('name') : '';
  return out;
}

// One undoable step of edits on `element`: `update` queues a change of a moddle element,
// `make` creates one under a parent, `done` runs the queue as one command. The element's
// extension elements are made first when it has none.
function step({ commandStack, bpmnFactory }, element) {
  const bo = getBusinessObject(element);
  const commands = [];
  const update = (moddleElement, properties) =>
    commands.push({ cmd: 'element.updateModdleProperties', context: { element, moddleElement, properties } });
  const make = (type, attrs, parent) => {
    const created = bpmnFactory.create(type, attrs);
    created.$parent = parent;
    return created;
  };
  let ext = bo.get('extensionElements');
  if (!ext) {
    ext = make('bpmn:ExtensionElements', { values: [] }, bo);
    update(bo, { extensionElements: ext });
  }
  const done = () => {
    if (commands.length) commandStack.execute('properties-panel.multi-command-executor', commands);
  };
  return { bo, ext, update, make, done };
}

// Sets one part; an empty value removes it. One undoable step.
export function setHttp(services, element, part, value) {
  const { bo, ext, update, make, done } = step(services, element);
  const values = ext.get('values');
  if (isFlowable(bo)) {
    const name = FLOWABLE_NAMES[part];
    const existing = fieldsOf(bo).find((f) => f.get('name') === name);
    if (!value) {
      if (existing) update(ext, { values: values.filter((v) => v !== existing) });
    } else if (existing) {
      update(existing, { string: value, stringValue: undefined, expression: undefined });
    } else {
      update(ext, { values: [...values, make('camunda:Field', { name, string: value }, ext)] });
    }
  } else {
    const connector = connectorOf(bo);
    let io = connector.get('inputOutput');
    if (!io) {
      io = make('camunda:InputOutput', { inputParameters: [], outputParameters: [] }, connector);
      update(connector, { inputOutput: io });
    }
    if (part === 'response') {
      const outputs = io.get('outputParameters');
      const whole = outputs.find((p) => !(p.get('value') || '').trim() && !p.get('definition'));
      if (!value) {
        update(io, { outputParameters: outputs.filter((p) => p !== whole) });
      } else if (whole) {
        update(whole, { name: value });
      } else {
        update(io, { outputParameters: [...outputs, make('camunda:OutputParameter', { name: value }, io)] });
      }
    } else {
      const name = CAMUNDA_NAMES[part];
      const inputs = io.get('inputParameters');
      const existing = inputs.find((p) => p.get('name') === name);
      if (!value) {
        if (existing) update(io, { inputParameters: inputs.filter((p) => p !== existing) });
      } else if (existing) {
        update(existing, { value });
      } else {
        update(io, { inputParameters: [...inputs, make('camunda:InputParameter', { name, value }, io)] });
      }
    }
  }
  done();
}

// Makes a service task an HTTP call in the Camunda convention (a connector without
// parameters yet; the HTTP group then edits them). One undoable step.
export function makeHttp(services, element) {
  if (http(element) !== null) return;
  const { ext, update, make, done } = step(services, element);
  const connector = make('camunda:Connector', { connectorId: 'http-connector' }, ext);
  update(ext, { values: [...ext.get('values').filter((v) => !is(v, 'camunda:Connector')), connector] });
  done();
}
