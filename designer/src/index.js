// The 设计 screen's modeler: bpmn.io's bpmn-js with its properties panel for the Camunda
// attributes (which the engine reads in the Camunda, Flowable and Activiti conventions),
// the minimap, Chinese or English labels, and live checking by the engine's own parser
// (bpmn-core compiled to wasm, ./check.js beside this file).
//
// The console's page calls `mount(host, options)` and keeps the handle it returns; see the
// handle's methods at the end. This file is bundled by build.mjs into designer.js and
// designer.css, loaded only when the designer opens.
import Modeler from 'bpmn-js/lib/Modeler';
import {
  BpmnPropertiesPanelModule,
  BpmnPropertiesProviderModule,
  CamundaPlatformPropertiesProviderModule,
} from 'bpmn-js-properties-panel';
import CamundaBehaviorsModule from 'camunda-bpmn-js-behaviors/lib/camunda-platform';
import camundaModdle from 'camunda-bpmn-moddle/resources/camunda.json';
import minimapModule from 'diagram-js-minimap';

import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn.css';
import '@bpmn-io/properties-panel/dist/assets/properties-panel.css';
import 'diagram-js-minimap/assets/diagram-js-minimap.css';
import './designer.css';

import zh from './zh.js';
import ConsolePropertiesProvider from './props.js';
import { toCamunda, fromCamunda } from './namespaces.js';
import { showProblems } from './problems.js';

// bpmn-js's `translate` service with our dictionary: `{name}` placeholders filled in.
export function translator(dictionary) {
  return (template, replacements) => {
    const text = (dictionary && dictionary[template]) || template;
    return text.replace(/{([^}]+)}/g, (whole, key) => (replacements && key in replacements ? replacements[key] : whole));
  };
}

// The bundle's style sheet (designer.css beside this file), added to the page once.
let styles = null;
function loadStyles() {
  if (!styles) {
    styles = new Promise((resolve) => {
      const link = document.createElement('link');
      link.rel = 'stylesheet';
      link.href = new URL('./designer.css', import.meta.url).href;
      link.onload = resolve;
      link.onerror = resolve;
      document.head.append(link);
    });
  }
  return styles;
}

let checker = null;
// The engine's check, loaded once (a failure to load leaves the designer without it).
function loadChecker() {
  if (!checker) {
    checker = import(new URL('./check.js', import.meta.url).href)
      .then(async (m) => {
        await m.default({ module_or_path: new URL('./check_bg.wasm', import.meta.url).href });
        return m.check;
      })
      .catch((e) => {
        console.error('the engine check did not load', e);
        return null;
      });
  }
  return checker;
}

// Puts the console's designer into `host` and opens `xml`.
// options: lang ('zh' | 'en'); onChange(dirty: boolean); onPick(elementId, field) asks the
// page for a person or group from the organisation tree (answered with handle.picked);
// onLeave(href): a link of the page was clicked while there are unsaved changes (the page
// asks, then navigates). Closing or reloading the tab gets the browser's own question.
export async function mount(host, { xml, lang, onChange, onPick, onLeave }) {
  const t = translator(lang === 'en' ? null : zh);
  await loadStyles();
  host.classList.add('bpm-designer');
  host.innerHTML = '';
  const canvas = document.createElement('div');
  canvas.className = 'bpm-designer-canvas';
  canvas.dataset.testid = 'designer-canvas';
  const panel = document.createElement('div');
  panel.className = 'bpm-designer-panel';
  panel.dataset.testid = 'designer-panel';
  const problems = document.createElement('div');
  problems.className = 'bpm-designer-problems';
  problems.dataset.testid = 'designer-problems';
  const body = document.createElement('div');
  body.className = 'bpm-designer-body';
  body.append(canvas, panel);
  // The 设计 / XML tabs: the XML tab's text is the file, editable; shown again, the diagram
  // opens what was edited.
  const tabs = document.createElement('div');
  tabs.className = 'bpm-designer-tabs';
  tabs.setAttribute('role', 'tablist');
  const tab = (id, label) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'tab';
    b.setAttribute('role', 'tab');
    b.dataset.testid = id;
    b.textContent = label;
    tabs.append(b);
    return b;
  };
  const designTab = tab('tab-design', t('Design'));
  const xmlTab = tab('tab-xml', 'XML');
  const text = document.createElement('textarea');
  text.className = 'bpm-designer-xml';
  text.spellcheck = false;
  text.dataset.testid = 'design-xml';
  text.setAttribute('aria-label', 'XML');
  const xmlError = document.createElement('p');
  xmlError.className = 'bpm-designer-error';
  xmlError.setAttribute('role', 'alert');
  xmlError.dataset.testid = 'design-xml-error';
  host.append(tabs, xmlError, body, text, problems);

  const modeler = new Modeler({
    container: canvas,
    propertiesPanel: { parent: panel },
    moddleExtensions: { camunda: camundaModdle },
    consoleProps: { onPick },
    additionalModules: [
      BpmnPropertiesPanelModule,
      BpmnPropertiesProviderModule,
      CamundaPlatformPropertiesProviderModule,
      CamundaBehaviorsModule,
      minimapModule,
      { __init__: ['consolePropertiesProvider'], consolePropertiesProvider: ['type', ConsolePropertiesProvider] },
      { translate: ['value', t] },
    ],
  });

  let vendor = null;
  // The command stack index of the saved state; null: unsaved whatever the stack says (XML
  // from the XML tab that is not saved yet).
  let cleanAt = 0;
  const stack = modeler.get('commandStack');
  const dirty = () => cleanAt === null || stack._stackIdx !== cleanAt;

  const beforeUnload = (ev) => {
    if (dirty()) {
      ev.preventDefault();
      ev.returnValue = '';
    }
  };
  const linkClick = (ev) => {
    if (!onLeave || !dirty() || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey) return;
    const a = ev.target.closest && ev.target.closest('a[href]');
    if (!a || a.target || a.hasAttribute('download') || host.contains(a)) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin) return;
    ev.preventDefault();
    ev.stopImmediatePropagation();
    onLeave(url.pathname + url.search + url.hash);
  };
  window.addEventListener('beforeunload', beforeUnload);
  document.addEventListener('click', linkClick, true);

  const current = async () => {
    const { xml: out } = await modeler.saveXML({ format: true });
    return fromCamunda(out, vendor);
  };

  // Which tab is shown; whether the XML tab's text differs from the diagram (to be opened
  // when the 设计 tab is shown again) and from what is stored.
  let xmlShown = false;
  let xmlEdited = false;
  let xmlUnsaved = false;
  const showTab = (xml) => {
    xmlShown = xml;
    designTab.setAttribute('aria-selected', String(!xml));
    xmlTab.setAttribute('aria-selected', String(xml));
    body.hidden = xml;
    problems.hidden = xml;
    text.hidden = !xml;
  };
  showTab(false);
  xmlError.hidden = true;
  xmlTab.addEventListener('click', async () => {
    if (xmlShown) return;
    text.value = await current();
    xmlEdited = false;
    showTab(true);
  });
  designTab.addEventListener('click', async () => {
    if (!xmlShown) return;
    if (xmlEdited) {
      try {
        showTab(false);
        await open(text.value, xmlUnsaved);
      } catch (e) {
        showTab(true);
        xmlError.textContent = t('This XML cannot be shown as a diagram: {reason}', { reason: e.message || String(e) });
        xmlError.hidden = false;
        return;
      }
    }
    xmlError.hidden = true;
    showTab(false);
  });
  text.addEventListener('input', () => {
    xmlEdited = true;
    if (!xmlUnsaved) {
      xmlUnsaved = true;
      // Unsaved, so leaving asks.
      cleanAt = null;
      if (onChange) onChange(true);
    }
  });

  let timer = null;
  let lastProblems = [];
  const check = async () => {
    const run = await loadChecker();
    if (!run) return;
    const text = await current();
    lastProblems = JSON.parse(run(text, lang === 'en' ? 'en' : 'zh'));
    showProblems(modeler, problems, lastProblems, t);
    host.dispatchEvent(new CustomEvent('designer-checked', { detail: lastProblems.length }));
  };
  const changed = () => {
    if (onChange) onChange(dirty());
    clearTimeout(timer);
    timer = setTimeout(check, 250);
  };
  // diagram-js listeners must not return a value (it would stop the event).
  modeler.on('commandStack.changed', () => {
    changed();
  });

  // Fits the diagram to the canvas; while the canvas is hidden (the XML tab is shown), once
  // it is shown again (a fit on a zero-sized canvas would lose the diagram off-screen).
  let waitingToFit = null;
  const fit = () => {
    if (canvas.clientWidth > 0 && canvas.clientHeight > 0) {
      modeler.get('canvas').zoom('fit-viewport', 'auto');
      return;
    }
    if (waitingToFit) return;
    waitingToFit = new ResizeObserver(() => {
      if (canvas.clientWidth > 0 && canvas.clientHeight > 0) {
        waitingToFit.disconnect();
        waitingToFit = null;
        modeler.get('canvas').resized();
        modeler.get('canvas').zoom('fit-viewport', 'auto');
      }
    });
    waitingToFit.observe(canvas);
  };

  // Opens `xml`; `unsaved`: it is not what is stored (edited in the XML tab).
  const open = async (xml, unsaved = false) => {
    const mapped = toCamunda(xml);
    const result = await modeler.importXML(mapped.xml);
    vendor = mapped.vendor;
    stack.clear();
    cleanAt = unsaved ? null : stack._stackIdx;
    fit();
    if (onChange) onChange(dirty());
    await check();
    return result.warnings.length;
  };
  await open(xml);

  const select = (id) => {
    const el = modeler.get('elementRegistry').get(id);
    if (!el) return false;
    modeler.get('selection').select(el);
    modeler.get('canvas').scrollToElement(el);
    return true;
  };
  problems.addEventListener('click', (ev) => {
    const item = ev.target.closest('[data-element]');
    if (item) select(item.dataset.element);
  });
  problems.addEventListener('keydown', (ev) => {
    const item = ev.target.closest('[data-element]');
    if (item && (ev.key === 'Enter' || ev.key === ' ')) {
      ev.preventDefault();
      select(item.dataset.element);
    }
  });

  return {
    // The XML as the file will be saved: the XML tab's text while it is shown, else the
    // diagram's (a Flowable file stays Flowable).
    xml: () => (xmlShown ? Promise.resolve(text.value) : current()),
    // Whether there are changes since opening or the last markSaved.
    dirty,
    markSaved() {
      cleanAt = stack._stackIdx;
      xmlUnsaved = false;
      if (onChange) onChange(false);
    },
    // Leaving without saving was confirmed: no further question.
    forgetChanges() {
      cleanAt = stack._stackIdx;
    },
    // Opens other XML (after "changed meanwhile", the stored one) in the 设计 tab.
    async open(xml, unsaved = false) {
      xmlEdited = false;
      xmlUnsaved = false;
      xmlError.hidden = true;
      showTab(false);
      return open(xml, unsaved);
    },
    select,
    // The answer to onPick: a person's id or a group's name for `field` of element `id`.
    // An assignee is replaced; candidates are added to the comma-separated list.
    picked(id, field, value) {
      const el = modeler.get('elementRegistry').get(id);
      if (!el || !value) return;
      const bo = el.businessObject;
      const name = `camunda:${field}`;
      let next = value;
      if (field !== 'assignee') {
        const list = (bo.get(name) || '').split(',').map((s) => s.trim()).filter(Boolean);
        if (!list.includes(value)) list.push(value);
        next = list.join(',');
      }
      modeler.get('modeling').updateProperties(el, { [name]: next });
    },
    problems: () => lastProblems,
    destroy() {
      clearTimeout(timer);
      if (waitingToFit) waitingToFit.disconnect();
      window.removeEventListener('beforeunload', beforeUnload);
      document.removeEventListener('click', linkClick, true);
      modeler.destroy();
      host.innerHTML = '';
    },
    modeler,
  };
}

// The console's page finds the modeler here once this bundle has run (it loads it as a
// module script only on the designer page, so that no other page carries any of it).
window.bpmDesigner = {
  mount: (host, xml, lang, onChange, onPick, onLeave) => mount(host, { xml, lang, onChange, onPick, onLeave }),
};
