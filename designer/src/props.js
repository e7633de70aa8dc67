// What the console adds to bpmn.io's Camunda properties panel:
// - 从组织选择: buttons beside assignee, candidate users and candidate groups that open the
//   console's organisation picker (the page answers through `picked`);
// - 会签 / 或签: one click sets a user task's multi-instance for "everyone approves" or
//   "the first approval decides";
// - HTTP 请求: method, URL, headers, body and response variable of a service task that calls
//   a web service, in the Camunda connector convention (`camunda:connector`,
//   `http-connector`, input parameters url/method/headers/payload) or, for a Flowable file,
//   in Flowable's (`flowable:type="http"`, fields requestUrl/requestMethod/...).
import { TextFieldEntry, TextAreaEntry, SelectEntry, isTextFieldEntryEdited, isTextAreaEntryEdited, isSelectEntryEdited } from '@bpmn-io/properties-panel';
import { h } from '@bpmn-io/properties-panel/preact';
import { useService } from 'bpmn-js-properties-panel';
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil.js';
import { http, setHttp, makeHttp, HTTP_PARTS } from './http.js';
import { countersign } from './presets.js';

const LOW_PRIORITY = 400;

export default function ConsolePropertiesProvider(propertiesPanel, translate, config) {
  this._translate = translate;
  this._onPick = (config && config.onPick) || null;
  propertiesPanel.registerProvider(LOW_PRIORITY, this);
}
ConsolePropertiesProvider.$inject = ['propertiesPanel', 'translate', 'config.consoleProps'];

ConsolePropertiesProvider.prototype.getGroups = function (element) {
  return (groups) => {
    const translate = this._translate;
    const assignment = groups.find((g) => g.id === 'CamundaPlatform__UserAssignment');
    if (assignment && this._onPick) {
      const onPick = this._onPick;
      assignment.entries.splice(1, 0, {
        id: 'bpm-org-pick',
        component: (props) => OrgPick({ ...props, onPick }),
      });
    }
    if (is(element, 'bpmn:UserTask')) {
      const at = groups.findIndex((g) => g.id === 'multiInstance');
      groups.splice(at >= 0 ? at : groups.length, 0, {
        id: 'bpm-countersign',
        label: translate('Countersign'),
        entries: [{ id: 'bpm-countersign-presets', component: Countersign }],
      });
    }
    if (is(element, 'bpmn:ServiceTask') && http(element) === null) {
      groups.push({
        id: 'bpm-http',
        label: translate('HTTP request'),
        entries: [{ id: 'bpm-http-make', component: MakeHttp }],
      });
    } else if (http(element) !== null) {
      const at = groups.findIndex((g) => g.id === 'CamundaPlatform__Implementation');
      groups.splice(at >= 0 ? at + 1 : groups.length, 0, {
        id: 'bpm-http',
        label: translate('HTTP request'),
        entries: HTTP_PARTS.map((part) => ({
          id: `bpm-http-${part.name}`,
          component: HttpEntry,
          part,
          isEdited: part.area ? isTextAreaEntryEdited : part.options ? isSelectEntryEdited : isTextFieldEntryEdited,
        })),
      });
    }
    return groups;
  };
};

function OrgPick({ element, onPick }) {
  const translate = useService('translate');
  const button = (field, label) =>
    h('button', {
      type: 'button',
      class: 'bpm-pick',
      'data-field': field,
      onClick: () => onPick(element.id, field),
    }, label);
  return h('div', { class: 'bio-properties-panel-entry bpm-org-pick', 'data-entry-id': 'bpm-org-pick' },
    h('span', { class: 'bpm-pick-label' }, translate('Pick from the organisation')),
    button('assignee', translate('Assignee')),
    button('candidateUsers', translate('Candidate users')),
    button('candidateGroups', translate('Candidate groups')));
}

function Countersign({ element }) {
  const translate = useService('translate');
  const modeling = useService('modeling');
  const bpmnFactory = useService('bpmnFactory');
  const apply = (kind) => modeling.updateProperties(element, countersign(bpmnFactory, element, kind));
  const loop = getBusinessObject(element).get('loopCharacteristics');
  const current = !loop || !is(loop, 'bpmn:MultiInstanceLoopCharacteristics') || loop.isSequential
    ? null
    : loop.completionCondition ? 'any' : 'all';
  const button = (kind, label, hint) =>
    h('button', {
      type: 'button',
      class: current === kind ? 'bpm-preset bpm-preset-on' : 'bpm-preset',
      'aria-pressed': String(current === kind),
      'data-preset': kind,
      title: hint,
      onClick: () => apply(kind),
    }, label);
  return h('div', { class: 'bio-properties-panel-entry bpm-countersign', 'data-entry-id': 'bpm-countersign-presets' },
    button('all', translate('Countersign: all approve'), translate('Every person in ${approvers} must complete the task')),
    button('any', translate('Any one approves'), translate('The first completion ends the task for everyone')),
    h('p', { class: 'bio-properties-panel-description' },
      translate('Runs one task per item of the collection; edit collection and condition under Multi-instance')));
}

function HttpEntry({ element, id, part }) {
  // An entry is one of HTTP_PARTS; `part` arrives through the entry's props.
  const translate = useService('translate');
  const commandStack = useService('commandStack');
  const bpmnFactory = useService('bpmnFactory');
  const debounce = useService('debounceInput');
  const getValue = () => http(element)[part.name] || '';
  const setValue = (value) => setHttp({ commandStack, bpmnFactory }, element, part.name, value);
  const label = translate(part.label);
  if (part.options) {
    return SelectEntry({ element, id, label, getValue, setValue, getOptions: () => part.options.map((o) => ({ value: o, label: o })) });
  }
  if (part.area) {
    return TextAreaEntry({ element, id, label, getValue, setValue, debounce, rows: 3, description: part.hint && translate(part.hint) });
  }
  return TextFieldEntry({ element, id, label, getValue, setValue, debounce, description: part.hint && translate(part.hint) });
}

function MakeHttp({ element }) {
  const translate = useService('translate');
  const commandStack = useService('commandStack');
  const bpmnFactory = useService('bpmnFactory');
  return h('div', { class: 'bio-properties-panel-entry', 'data-entry-id': 'bpm-http-make' },
    h('button', { type: 'button', class: 'bpm-preset', onClick: () => makeHttp({ commandStack, bpmnFactory }, element) },
      translate('Call a web service (HTTP)')));
}
