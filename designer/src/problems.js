// The engine's findings on the diagram: a marker and a badge on each element concerned and
// one line each in the problems list under the canvas (a click selects the element).

const MARKERS = ['bpm-problem-error', 'bpm-problem-warning'];

export function showProblems(modeler, list, problems, t) {
  const registry = modeler.get('elementRegistry');
  const canvas = modeler.get('canvas');
  const overlays = modeler.get('overlays');
  overlays.remove({ type: 'bpm-problem' });
  for (const el of registry.getAll()) {
    for (const m of MARKERS) canvas.removeMarker(el, m);
  }
  const worst = new Map();
  for (const p of problems) {
    if (!p.elementId || !registry.get(p.elementId)) continue;
    if (p.severity === 'error' || !worst.has(p.elementId)) worst.set(p.elementId, p.severity);
  }
  for (const [id, severity] of worst) {
    const el = registry.get(id);
    canvas.addMarker(el, `bpm-problem-${severity}`);
    const badge = document.createElement('div');
    badge.className = `bpm-problem-badge bpm-problem-badge-${severity}`;
    badge.textContent = '!';
    badge.title = problems.filter((p) => p.elementId === id).map((p) => p.message).join('\n');
    const position = el.waypoints ? { top: -10, left: -10 } : { top: -8, right: 8 };
    overlays.add(el, 'bpm-problem', { position, html: badge });
  }

  list.innerHTML = '';
  const head = document.createElement('div');
  head.className = 'bpm-problems-head';
  const errors = problems.filter((p) => p.severity === 'error').length;
  head.textContent = problems.length
    ? t('Problems: {errors} errors, {warnings} warnings', { errors, warnings: problems.length - errors })
    : t('No problems: the engine can run this diagram');
  list.append(head);
  if (!problems.length) return;
  const ul = document.createElement('ul');
  for (const p of problems) {
    const li = document.createElement('li');
    li.className = `bpm-problem bpm-problem-${p.severity}`;
    if (p.elementId) {
      li.dataset.element = p.elementId;
      li.tabIndex = 0;
      li.setAttribute('role', 'button');
    }
    const kind = document.createElement('span');
    kind.className = 'bpm-problem-kind';
    kind.textContent = p.severity === 'error' ? t('Error') : t('Warning');
    const where = document.createElement('span');
    where.className = 'bpm-problem-where';
    where.textContent = p.elementId || '';
    const what = document.createElement('span');
    what.textContent = p.message;
    li.append(kind, where, what);
    ul.append(li);
  }
  list.append(ul);
}
