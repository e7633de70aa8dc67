// What the tests share: bpmn-moddle with the Camunda descriptors (as the modeler has them), a
// command stack that applies the property panel's commands the way bpmn-js does, and files.
import { BpmnModdle } from 'bpmn-moddle';
import camunda from 'camunda-bpmn-moddle/resources/camunda.json' with { type: 'json' };

export const moddle = () => new BpmnModdle({ camunda });

export async function read(xml) {
  const m = moddle();
  const { rootElement } = await m.fromXML(xml);
  return { m, root: rootElement };
}

export async function write(m, root) {
  const { xml } = await m.toXML(root, { format: true });
  return xml;
}

// The element of `root` with id `id` (any depth), as a diagram element ({ businessObject }).
export function element(root, id) {
  const seen = new Set();
  const walk = (o) => {
    if (!o || typeof o !== 'object' || seen.has(o)) return null;
    seen.add(o);
    if (o.id === id && o.$type) return o;
    for (const k of Object.keys(o)) {
      if (k.startsWith('$')) continue;
      const v = o[k];
      for (const x of Array.isArray(v) ? v : [v]) {
        const found = walk(x);
        if (found) return found;
      }
    }
    return null;
  };
  const bo = walk(root);
  return bo && { id, businessObject: bo };
}

// bpmn-js's element.updateModdleProperties and the panel's multi-command executor, enough
// for the console's own entries.
export function services(m) {
  const run = (cmd, context) => {
    if (cmd === 'properties-panel.multi-command-executor') {
      for (const c of context) run(c.cmd, c.context);
    } else if (cmd === 'element.updateModdleProperties') {
      for (const [k, v] of Object.entries(context.properties)) context.moddleElement.set(k, v);
    } else {
      throw new Error(`unexpected command ${cmd}`);
    }
  };
  return { commandStack: { execute: run }, bpmnFactory: { create: (type, attrs) => m.create(type, attrs) } };
}

// The lines of `after` that are not in `before` and the other way round.
export function changedLines(before, after) {
  const a = before.split('\n');
  const b = after.split('\n');
  return { removed: a.filter((l) => !b.includes(l)), added: b.filter((l) => !a.includes(l)) };
}
