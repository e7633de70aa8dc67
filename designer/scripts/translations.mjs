#!/usr/bin/env node
// Checks src/zh.js against the strings that bpmn-js and its companions pass
// to the `translate` service.
//
//   node scripts/translations.mjs            list missing templates, exit 1 if any
//   node scripts/translations.mjs --list     print every extracted template (JSON)
//   node scripts/translations.mjs --unused   also list dictionary keys no source uses
//
// The templates are read straight from node_modules, so re-run this after
// upgrading bpmn-js, diagram-js, bpmn-js-properties-panel,
// @bpmn-io/properties-panel, diagram-js-minimap or camunda-bpmn-js-behaviors.
//
// Besides plain literals (`translate('Create {type}', …)`, double quotes,
// `'a' + 'b'` concatenations and template literals such as
// `List contains {numOfItems} item${n != 1 ? 's' : ''}`) the extractor follows
// the indirect patterns these packages use: constants (`translate(ERR_MSG)`),
// lookup tables (`translate(EVENT_TO_LABEL[event])`), ternaries, the replace
// menu's labels (PopupEntries / ReplaceOptions) and the properties panel
// header's element type names. A translate() call it cannot resolve is shown
// as a warning, so that new dynamic patterns after an upgrade are noticed.
//
// It also fails when a translation drops or renames a `{placeholder}` of its
// template.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NM = path.join(ROOT, 'node_modules');
const DICTIONARY = path.join(ROOT, 'src', 'zh.js');

// Files or folders (all .js below them) to scan.
const SOURCES = [
  'bpmn-js/lib',
  'diagram-js/lib',
  'bpmn-js-properties-panel/dist/index.esm.js',
  '@bpmn-io/properties-panel/dist/index.esm.js',
  'diagram-js-minimap/dist/index.esm.js',
  'camunda-bpmn-js-behaviors/lib',
  // the console's own code (props.js, problems.js, ...)
  '../src'
];

// translate() arguments that are deliberately not extracted.
const IGNORED_ARGUMENTS = [

  // element template names: user supplied, not part of the packages
  /^template\.name$/
];

// ---------------------------------------------------------------------------
// source helpers

function listFiles(entry) {
  const full = path.join(NM, entry);
  if (!fs.existsSync(full)) {
    console.warn(`warning: ${entry} not found, skipped`);
    return [];
  }
  if (fs.statSync(full).isFile()) {
    return [ full ];
  }
  const files = [];
  for (const dirent of fs.readdirSync(full, { withFileTypes: true })) {
    const rel = path.join(entry, dirent.name);
    if (dirent.isDirectory()) {
      files.push(...listFiles(rel));
    } else if (/\.(m?js)$/.test(dirent.name) && !/\.d\.ts$/.test(dirent.name)) {
      files.push(path.join(NM, rel));
    }
  }
  return files;
}

/** Skips a quoted string or template literal starting at i; returns the index after it. */
function skipQuoted(text, i) {
  const quote = text[i];
  i++;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (c === quote) {
      return i + 1;
    }
    if (quote === '`' && c === '$' && text[i + 1] === '{') {
      i = skipBalanced(text, i + 1);
      continue;
    }
    i++;
  }
  return i;
}

/**
 * Walks text from i, stepping over strings whole; `visit(c, i)` sees every other character
 * and returns the index to go on from, or -1 to stop there. Returns where it stopped.
 */
function walkCode(text, i, visit) {
  while (i < text.length) {
    const c = text[i];
    if (c === '\'' || c === '"' || c === '`') {
      i = skipQuoted(text, i);
      continue;
    }
    const next = visit(c, i);
    if (next < 0) {
      return i + 1;
    }
    i = next;
  }
  return i;
}

/** Given text[i] is an opening bracket, returns the index after its partner. */
function skipBalanced(text, i) {
  let depth = 0;
  return walkCode(text, i, (c, at) => {
    if (c === '(' || c === '[' || c === '{') {
      depth++;
    } else if ((c === ')' || c === ']' || c === '}') && --depth === 0) {
      return -1;
    }
    return at + 1;
  });
}

/**
 * Splits text at the given single-character separators found at nesting
 * level 0 (outside strings and brackets). Returns [ { sep, part } ].
 */
function splitTopLevel(text, seps) {
  const parts = [];
  let start = 0;
  walkCode(text, 0, (c, at) => {
    if (c === '(' || c === '[' || c === '{') {
      return skipBalanced(text, at);
    }
    if (seps.includes(c)) {
      parts.push({ part: text.slice(start, at), sep: c });
      start = at + 1;
    }
    return at + 1;
  });
  parts.push({ part: text.slice(start), sep: null });
  return parts;
}

function unescapeString(body) {
  return body.replace(/\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)/gs, (_, e) => {
    if (e[0] === 'u') {
      return String.fromCodePoint(parseInt(e.replace(/[u{}]/g, ''), 16));
    }
    if (e[0] === 'x') {
      return String.fromCharCode(parseInt(e.slice(1), 16));
    }
    return { n: '\n', t: '\t', r: '\r', '\n': '' }[e] ?? e;
  });
}

function isWholeQuoted(text) {
  const q = text[0];
  return (q === '\'' || q === '"' || q === '`') && skipQuoted(text, 0) === text.length;
}

function isWholeParenthesized(text) {
  return text[0] === '(' && skipBalanced(text, 0) === text.length;
}

const escapeRegExp = s => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** String values of `NAME = '…'` in the file (`const A = 'x', B = 'y'` too). */
function lookupConstant(source, name) {
  const re = new RegExp(`(?<![\\w$.])${escapeRegExp(name)}\\s*=\\s*('(?:[^'\\\\\\n]|\\\\.)*'|"(?:[^"\\\\\\n]|\\\\.)*")`, 'g');
  const values = [];
  for (const m of source.matchAll(re)) {
    values.push(unescapeString(m[1].slice(1, -1)));
  }
  return values;
}

/** All string values of the object literal assigned to NAME in the file. */
function lookupObjectValues(source, name) {
  const re = new RegExp(`(?<![\\w$.])${escapeRegExp(name)}\\s*=\\s*\\{`, 'g');
  const values = [];
  for (const m of source.matchAll(re)) {
    const start = m.index + m[0].length - 1;
    const body = source.slice(start, skipBalanced(source, start));
    values.push(...stringProperties(body, '[\\w$\'"]+'));
  }
  return values;
}

/** String items of the array literal assigned to NAME in the file. */
function arrayValues(source, name) {
  const m = new RegExp(`(?<![\\w$.])${escapeRegExp(name)}\\s*=\\s*\\[`).exec(source);
  if (!m) {
    return null;
  }
  const start = m.index + m[0].length - 1;
  const body = source.slice(start, skipBalanced(source, start));
  return [ ...body.matchAll(/'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)"/g) ].map(a => unescapeString(a[1] ?? a[2]));
}

/** String values of `key: '…'` properties in a piece of source. */
function stringProperties(body, keyPattern) {
  const re = new RegExp(`(?:^|[\\s,{])(?:${keyPattern})\\s*:\\s*('(?:[^'\\\\\\n]|\\\\.)*'|"(?:[^"\\\\\\n]|\\\\.)*")`, 'g');
  return [ ...body.matchAll(re) ].map(m => unescapeString(m[1].slice(1, -1)));
}

/** Drops comment lines (`// …`, ` * …`), e.g. commented-out menu options. */
function stripComments(source) {
  return source.split('\n').filter(line => !/^\s*(\/\/|\/\*|\*)/.test(line)).join('\n');
}

function read(rel) {
  return fs.readFileSync(path.join(NM, rel), 'utf8');
}

// ---------------------------------------------------------------------------
// indirect patterns: [ file pattern, argument pattern, () => strings ]

const RESOLVERS = [

  // bpmn-js replace menu: translate(label), label from PopupEntries or
  // ReplaceOptions (including the label getter of the collapsed pool)
  [ /ReplaceMenuProvider\.js$/, /^label$/, () => {
    const entries = stripComments(read('bpmn-js/lib/features/popup-menu/PopupEntries.js'));
    const options = stripComments(read('bpmn-js/lib/features/replace/ReplaceOptions.js'));
    const strings = [ ...stringProperties(entries, 'label'), ...stringProperties(options, 'label') ];
    for (const m of options.matchAll(/var label = '([^']*)';([\s\S]*?)return label;/g)) {
      strings.push(m[1]);
      for (const suffix of m[2].matchAll(/label \+= '([^']*)'/g)) {
        strings.push(m[1] + suffix[1]);
      }
    }
    return strings;
  } ],

  // bpmn-js align menu: translate('Align elements ' + alignment), one per ALIGNMENT_OPTIONS item
  [ /AlignElementsMenuProvider\.js$/, /^alignment$/, source => arrayValues(source, 'ALIGNMENT_OPTIONS') ],

  // properties panel (Camunda 7 listeners): options built from IMPLEMENTATION_TYPE_TO_LABEL
  [ /bpmn-js-properties-panel/, /^label$/, source => lookupObjectValues(source, 'IMPLEMENTATION_TYPE_TO_LABEL') ],

  // properties panel (Zeebe execution listeners): event labels
  [ /bpmn-js-properties-panel/, /^getEventLabel\(/, source => eventLabels(source) ],

  // properties panel header: element type name derived from the BPMN type
  [ /bpmn-js-properties-panel/, /^concreteType\.replace\(/, source => concreteTypeLabels(source) ]
];

function eventLabels(source) {
  const m = /function getEventLabel\([^)]*\)\s*\{([^}]*)\}/.exec(source);
  if (!m) {
    return null;
  }
  const tables = new Set(m[1].match(/\b[A-Z][A-Z0-9_]*(\$\d+)?\b/g) || []);
  return [ ...tables ].flatMap(name => lookupObjectValues(source, name));
}

function concreteTypeLabels(source) {
  const m = /(?:var|const|let) iconsByType = \{/.exec(source);
  if (!m) {
    return null;
  }
  const start = m.index + m[0].length - 1;
  const body = source.slice(start, skipBalanced(source, start));
  const types = [ ...body.matchAll(/^\s*'?([A-Za-z]+)'?\s*:/gm) ].map(t => t[1]);

  // types getConcreteType() can produce that have no icon of their own
  types.push('IntermediateCatchEvent', 'SubProcess', 'AdHocSubProcess', 'EventAdHocSubProcess');

  return types.map(type => type.replace(/(\B[A-Z])/g, ' $1').replace(/(\bNon Interrupting)/g, '($1)'));
}

// ---------------------------------------------------------------------------
// argument evaluation

/**
 * Returns the set of strings an argument expression can produce, or null if
 * it cannot be resolved.
 */
function evaluate(expr, ctx) {
  expr = expr.trim();

  while (isWholeParenthesized(expr)) {
    expr = expr.slice(1, -1).trim();
  }

  if (!expr) {
    return null;
  }

  for (const ignored of IGNORED_ARGUMENTS) {
    if (ignored.test(expr)) {
      return [];
    }
  }

  for (const [ filePattern, argPattern, resolve ] of RESOLVERS) {
    if (filePattern.test(ctx.file) && argPattern.test(expr)) {
      const result = resolve(ctx.source);
      if (result && result.length) {
        return result;
      }
    }
  }

  // cond ? a : b (conditions are ignored, both branches count)
  const ternary = splitTernary(expr);
  if (ternary) {
    const a = evaluate(ternary[0], ctx), b = evaluate(ternary[1], ctx);
    return a && b ? [ ...a, ...b ] : null;
  }

  // a + b + … (string concatenation)
  const summands = splitTopLevel(expr, [ '+' ]);
  if (summands.length > 1) {
    let results = [ '' ];
    for (const { part } of summands) {
      const values = evaluate(part, ctx);
      if (!values) {
        return null;
      }
      results = results.flatMap(r => values.map(v => r + v));
    }
    return results;
  }

  if (isWholeQuoted(expr)) {
    if (expr[0] === '`') {
      return evaluateTemplate(expr, ctx);
    }
    return [ unescapeString(expr.slice(1, -1)) ];
  }

  // CONSTANT
  if (/^[A-Za-z_$][\w$]*$/.test(expr)) {
    const values = lookupConstant(ctx.source, expr);
    return values.length ? values : null;
  }

  // TABLE[key]
  const member = /^([A-Za-z_$][\w$]*)\[[\s\S]*\]$/.exec(expr);
  if (member) {
    const values = lookupObjectValues(ctx.source, member[1]);
    return values.length ? values : null;
  }

  return null;
}

/** Splits `cond ? a : b` at top level; returns [ a, b ] or null. */
function splitTernary(expr) {
  const parts = splitTopLevel(expr, [ '?', ':' ]);

  // drop `?.` / `??` artefacts
  const tokens = [];
  for (let i = 0; i < parts.length; i++) {
    const { part, sep } = parts[i];
    const next = parts[i + 1];
    if (sep === '?' && next && (next.part.startsWith('.') && !/^\.\d/.test(next.part) || next.part === '' && next.sep === '?')) {
      tokens.push({ part: part + '?', sep: null, glue: true });
      continue;
    }
    tokens.push({ part, sep });
  }

  // re-join glued pieces
  const joined = [];
  let buffer = '';
  for (const t of tokens) {
    buffer += t.part;
    if (t.glue) {
      continue;
    }
    joined.push({ part: buffer, sep: t.sep });
    buffer = '';
  }
  if (buffer) {
    joined.push({ part: buffer, sep: null });
  }

  const q = joined.findIndex(t => t.sep === '?');
  if (q === -1) {
    return null;
  }

  // find the ':' belonging to the first '?'
  let depth = 0;
  for (let i = q + 1; i < joined.length; i++) {
    if (joined[i].sep === '?') {
      depth++;
    } else if (joined[i].sep === ':') {
      if (depth === 0) {
        const text = t => t.map((p, k) => p.part + (k < t.length - 1 ? p.sep : '')).join('');
        return [ text(joined.slice(q + 1, i + 1)), text(joined.slice(i + 1)) ];
      }
      depth--;
    }
  }
  return null;
}

/** Expands a template literal; `${…}` parts are evaluated like arguments. */
function evaluateTemplate(literal, ctx) {
  let results = [ '' ];
  let i = 1;
  let chunk = '';
  const end = literal.length - 1;
  while (i < end) {
    const c = literal[i];
    if (c === '\\') {
      chunk += literal.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (c === '$' && literal[i + 1] === '{') {
      const close = skipBalanced(literal, i + 1);
      const values = evaluate(literal.slice(i + 2, close - 1), ctx);
      if (!values) {
        return null;
      }
      const text = unescapeString(chunk);
      results = results.flatMap(r => values.map(v => r + text + v));
      chunk = '';
      i = close;
      continue;
    }
    chunk += c;
    i++;
  }
  const text = unescapeString(chunk);
  return results.map(r => r + text);
}

// ---------------------------------------------------------------------------
// extraction

function extract() {
  const found = new Map(); // template -> Set(location)
  const unresolved = [];

  const add = (template, where) => {
    if (!found.has(template)) {
      found.set(template, new Set());
    }
    found.get(template).add(where);
  };

  for (const entry of SOURCES) {
    for (const file of listFiles(entry)) {
      const source = fs.readFileSync(file, 'utf8');
      const rel = path.relative(NM, file);
      const ctx = { file: rel, source };

      // translate(…), this._translate(…), self._translate(…)
      for (const m of source.matchAll(/(?:(?<![\w$.'"`])|(?<=\._))translate\s*\(/g)) {
        const lineStart = source.lastIndexOf('\n', m.index) + 1;
        const linePrefix = source.slice(lineStart, m.index);
        const line = source.slice(0, m.index).split('\n').length;
        const where = `${rel}:${line}`;

        // comments and declarations
        if (/^\s*(\*|\/\/|\/\*)/.test(linePrefix) || /\/\//.test(linePrefix.replace(/'[^']*'|"[^"]*"/g, ''))) {
          continue;
        }
        if (/function\s*$/.test(linePrefix)) {
          continue;
        }

        const open = m.index + m[0].length - 1;
        const argsText = source.slice(open + 1, skipBalanced(source, open) - 1);
        const args = splitTopLevel(argsText, [ ',' ]).map(a => a.part).filter(a => a.trim());

        // SVG helpers translate(gfx, x, y) share the name
        if (args.length !== 1 && args.length !== 2) {
          continue;
        }

        const values = evaluate(args[0], ctx);
        if (values === null) {
          unresolved.push(`${where}: translate(${args[0].trim()})`);
          continue;
        }
        values.forEach(v => add(v, where));
      }
    }
  }

  return { found, unresolved };
}

// ---------------------------------------------------------------------------
// main

const placeholders = s => (s.match(/\{[^{}]+\}/g) || []).sort().join(' ');

async function main() {
  const argv = process.argv.slice(2);
  const { found, unresolved } = extract();

  if (argv.includes('--list')) {
    console.log(JSON.stringify([ ...found.keys() ].sort(), null, 2));
    return 0;
  }

  let dictionary = {};
  if (fs.existsSync(DICTIONARY)) {
    dictionary = (await import(pathToFileURL(DICTIONARY).href)).default || {};
  } else {
    console.log(`${path.relative(ROOT, DICTIONARY)} does not exist`);
  }

  const missing = [ ...found.keys() ].filter(t => !Object.prototype.hasOwnProperty.call(dictionary, t)).sort();

  const broken = Object.entries(dictionary).filter(([ key, value ]) =>
    typeof value !== 'string' || !value.trim() || placeholders(key) !== placeholders(value));

  for (const call of unresolved) {
    console.log(`warning: unresolved dynamic call ${call}`);
  }

  if (argv.includes('--unused')) {
    const unused = Object.keys(dictionary).filter(k => !found.has(k)).sort();
    for (const key of unused) {
      console.log(`unused: ${JSON.stringify(key)}`);
    }
    console.log(`${unused.length} dictionary entries not used by the scanned sources`);
  }

  for (const [ key, value ] of broken) {
    console.log(`bad translation (placeholders differ or empty): ${JSON.stringify(key)} -> ${JSON.stringify(value)}`);
  }

  for (const template of missing) {
    console.log(`missing: ${JSON.stringify(template)}  (${[ ...found.get(template) ][0]})`);
  }

  console.log(`${found.size} templates extracted, ${Object.keys(dictionary).length} dictionary entries, ` +
    `${missing.length} missing, ${broken.length} bad, ${unresolved.length} unresolved calls`);

  return missing.length || broken.length ? 1 : 0;
}

process.exitCode = await main();
