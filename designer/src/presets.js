// The 会签 / 或签 presets of a user task's multi-instance (see props.js for the buttons).
import { getBusinessObject } from 'bpmn-js/lib/util/ModelUtil.js';

// 会签: every instance must complete (no completion condition). 或签: the first completion
// ends the task for everyone. Both run in parallel over `${approvers}`, each instance's
// assignee being `${approver}` unless the task already names one.
export function countersign(bpmnFactory, element, kind) {
  const bo = getBusinessObject(element);
  const loop = bo.get('loopCharacteristics');
  const props = {
    isSequential: false,
    'camunda:collection': (loop && loop.get('camunda:collection')) || '${approvers}',
    'camunda:elementVariable': (loop && loop.get('camunda:elementVariable')) || 'approver',
  };
  const created = bpmnFactory.create('bpmn:MultiInstanceLoopCharacteristics', props);
  if (kind === 'any') {
    created.completionCondition = bpmnFactory.create('bpmn:FormalExpression', { body: '${nrOfCompletedInstances >= 1}' });
    created.completionCondition.$parent = created;
  }
  created.$parent = bo;
  const task = {};
  if (!bo.get('camunda:assignee')) {
    task['camunda:assignee'] = '${' + props['camunda:elementVariable'] + '}';
  }
  return { loopCharacteristics: created, ...task };
}

