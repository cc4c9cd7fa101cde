import { XDate, dateToDays, isDateText } from './expr-dates.js';
import { ODK_FUNCTIONS, lookupRows } from './expr-functions.js';
import { translatePattern } from './regex-dialect.js';

// Evaluator for XLSForm expression syntax trees, the JavaScript twin of
// survey_app/engine/expr_eval.py. The server parses each expression once into JSON (node
// shapes and semantics are documented in survey_app/engine/expressions.py); the phone only
// walks that tree, offline. Both evaluators run tests/data/expression_vectors.json, so a
// change here must be made in Python too.
//
// ctx: {answers, self, position, repeats, choiceLabel(name, value), today, now, choice,
//       tzOffset, instances}
//   answers: object (own keys, or a prototype chain for repeat scopes) or Map
//   repeats: {repeatName: [instanceObject, ...]}
//   today/now: ISO strings; default to the device clock.
//   tzOffset: minutes east of UTC that date-only values are read in (default 0; the form
//     passes the phone's own); instances: {name: [row, ...]} of form attachments.
// Dates (XDate, dateToDays) live in expr-dates.js, the other ODK functions in
// expr-functions.js, as in Python.

const WS = ' \t\n\r';
const WS_SPLIT_RE = /[ \t\n\r]+/;
// Decimal numerals, with an exponent as ODK Collect (Java) and Enketo read them.
const NUMBER_RE = /^-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const hasOwn = (obj, key) => Object.prototype.hasOwnProperty.call(obj, key);

// -- coercions --------------------------------------------------------------------------------

const isNumber = (v) => typeof v === 'number';
const isPlainObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

function strip(text) {
  let start = 0;
  let end = text.length;
  while (start < end && WS.includes(text[start])) start++;
  while (end > start && WS.includes(text[end - 1])) end--;
  return text.slice(start, end);
}

/** XPath string(): unanswered is '', a select_multiple is its space-separated names. */
export function toString(v) {
  if (v === null || v === undefined) return '';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (isNumber(v)) return String(v);
  if (typeof v === 'string') return v;
  if (v instanceof XDate) return v.text();
  if (Array.isArray(v)) return v.map(toString).filter((s) => s !== '').join(' ');
  if (isPlainObject(v) && 'lat' in v && 'lon' in v) {
    return ['lat', 'lon', 'alt', 'accuracy']
      .filter((k) => v[k] !== null && v[k] !== undefined)
      .map((k) => toString(v[k]))
      .join(' ');
  }
  return '';
}

function stringToNumber(text, tz) {
  const t = strip(text);
  if (NUMBER_RE.test(t)) return Number(t);
  return dateToDays(t, tz);
}

/** XPath number(): unanswered and non-numeric text are NaN; ISO dates are days (a
 * date-only one at midnight tz minutes east of UTC). */
export function toNumber(v, tz = 0) {
  if (v === null || v === undefined) return NaN;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (isNumber(v)) return v;
  if (v instanceof XDate) return v.days;
  return stringToNumber(toString(v), tz);
}

/** Result of a relevant/constraint: numbers non-zero and not NaN, text non-empty. */
export function truthy(v) {
  if (typeof v === 'boolean') return v;
  if (isNumber(v)) return !Number.isNaN(v) && v !== 0;
  if (v instanceof XDate) return Number.isFinite(v.days);
  if (isPlainObject(v)) return true;
  return toString(v) !== '';
}

export const isEmpty = (v) => (isNumber(v) && Number.isNaN(v)) || toString(v) === '';

/** Choice names of a select_multiple answer: an array, or a space-separated string. */
export function tokens(v) {
  if (Array.isArray(v)) return v.map(toString).filter((s) => s !== '');
  return toString(v)
    .split(WS_SPLIT_RE)
    .filter((s) => s !== '');
}

/** Compare by Unicode code point, like Python (not by UTF-16 unit). */
function compareText(a, b) {
  const x = Array.from(a);
  const y = Array.from(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const d = x[i].codePointAt(0) - y[i].codePointAt(0);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

// -- operators --------------------------------------------------------------------------------

/** A date value on either side, or two texts that both read as dates: compare instants. */
function dated(a, b) {
  if (a instanceof XDate || b instanceof XDate) return true;
  return typeof a === 'string' && typeof b === 'string' && isDateText(strip(a)) && isDateText(strip(b));
}

function equals(a, b, tz) {
  if (typeof a === 'boolean' || typeof b === 'boolean') return truthy(a) === truthy(b);
  if (isNumber(a) || isNumber(b) || dated(a, b)) return toNumber(a, tz) === toNumber(b, tz);
  return toString(a) === toString(b);
}

function relational(op, a, b, tz) {
  let x;
  let y;
  const typed = (v) => isNumber(v) || typeof v === 'boolean' || v instanceof XDate;
  if (typed(a) || typed(b)) {
    x = toNumber(a, tz);
    y = toNumber(b, tz);
  } else {
    const sa = toString(a);
    const sb = toString(b);
    const nx = toNumber(sa, tz);
    const ny = toNumber(sb, tz);
    if (!Number.isNaN(nx) && !Number.isNaN(ny)) {
      x = nx;
      y = ny;
    } else if (sa !== '' && sb !== '' && Number.isNaN(nx) && Number.isNaN(ny)) {
      const c = compareText(sa, sb);
      x = c;
      y = 0;
    } else {
      return false;
    }
  }
  if (op === '<') return x < y;
  if (op === '<=') return x <= y;
  if (op === '>') return x > y;
  return x >= y;
}

function arith(op, a, b) {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case 'div':
      return a / b;
    default:
      return a % b;
  }
}

function roundHalfAway(x, digits) {
  if (Number.isNaN(digits)) return NaN;
  if (!Number.isFinite(x)) return x;
  const d = Math.trunc(Math.max(-400, Math.min(400, digits)));
  const ax = Math.abs(x);
  let r;
  if (d >= 0) {
    const m = Number('1e' + d);
    const y = ax * m;
    if (!Number.isFinite(y)) return x;
    r = Math.floor(y);
    if (y - r >= 0.5) r += 1;
    r = r / m;
  } else {
    const m = Number('1e' + -d);
    const y = ax / m;
    r = Math.floor(y);
    if (y - r >= 0.5) r += 1;
    r = r === 0 ? 0 : r * m;
  }
  return x < 0 ? -r : r;
}

const regexCache = new Map();
function compileRegex(pattern) {
  if (!regexCache.has(pattern)) {
    let re = null;
    try {
      const translated = translatePattern(pattern);
      re = translated === null ? null : new RegExp(translated, 'u');
    } catch {
      re = null;
    }
    if (regexCache.size > 256) regexCache.clear();
    regexCache.set(pattern, re);
  }
  return regexCache.get(pattern);
}

function pad(n, width = 2) {
  return String(n).padStart(width, '0');
}

function defaultToday() {
  const d = new Date();
  return `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function defaultNow() {
  const d = new Date();
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}+00:00`
  );
}

// -- evaluation -------------------------------------------------------------------------------

/** An answer by question name: own keys only, walking a prototype chain of scopes. */
function lookup(answers, name) {
  if (answers instanceof Map) return answers.has(name) ? answers.get(name) : null;
  let scope = answers;
  while (scope && scope !== Object.prototype) {
    if (hasOwn(scope, name)) return scope[name] ?? null;
    scope = Object.getPrototypeOf(scope);
  }
  return null;
}

function zeroSign(result, x) {
  return result === 0 ? (x < 0 || Object.is(x, -0) ? -0 : 0) : result;
}

export class Evaluator {
  constructor(ctx) {
    this.ctx = ctx || {};
    this.tz = this.ctx.tzOffset || 0;
  }

  value(node) {
    if (!isPlainObject(node)) throw new Error(`Malformed expression tree: ${JSON.stringify(node)}`);
    if (hasOwn(node, 'num')) return node.num;
    if (hasOwn(node, 'str')) return node.str;
    if (hasOwn(node, 'ref')) return lookup(this.ctx.answers || {}, node.ref);
    if (hasOwn(node, 'self')) return this.ctx.self ?? null;
    if (hasOwn(node, 'col')) {
      const choice = this.ctx.choice || {};
      return hasOwn(choice, node.col) ? (choice[node.col] ?? null) : null;
    }
    if (hasOwn(node, 'op')) return this.op(node.op, node.args);
    if (hasOwn(node, 'lookup')) return lookupRows(this, node);
    if (hasOwn(node, 'fn')) {
      if (!hasOwn(FUNCTIONS, node.fn)) throw new Error(`Unknown function '${node.fn}'`);
      return FUNCTIONS[node.fn](this, node.args);
    }
    throw new Error(`Malformed expression tree: ${JSON.stringify(node)}`);
  }

  number(node) {
    return toNumber(this.value(node), this.tz);
  }

  text(node) {
    return toString(this.value(node));
  }

  op(op, args) {
    if (op === 'or') return truthy(this.value(args[0])) || truthy(this.value(args[1]));
    if (op === 'and') return truthy(this.value(args[0])) && truthy(this.value(args[1]));
    if (op === 'neg') return -this.number(args[0]);
    if (['+', '-', '*', 'div', 'mod'].includes(op)) {
      return arith(op, this.number(args[0]), this.number(args[1]));
    }
    const a = this.value(args[0]);
    const b = this.value(args[1]);
    if (op === '=') return equals(a, b, this.tz);
    if (op === '!=') return !equals(a, b, this.tz);
    if (['<', '<=', '>', '>='].includes(op)) return relational(op, a, b, this.tz);
    throw new Error(`Unknown operator '${op}'`);
  }

  argOrSelf(args) {
    return args.length ? this.value(args[0]) : (this.ctx.self ?? null);
  }

  /** Values of a question across all repeat instances (or its single answer). */
  nodeset(node) {
    if (!hasOwn(node, 'ref')) return [this.value(node)];
    const name = node.ref;
    const values = [];
    let found = false;
    for (const instances of Object.values(this.ctx.repeats || {})) {
      for (const instance of instances || []) {
        if (hasOwn(instance, name)) {
          found = true;
          values.push(instance[name] ?? null);
        }
      }
    }
    if (!found) values.push(lookup(this.ctx.answers || {}, name));
    return values;
  }

  extreme(args, pick) {
    const numbers = [];
    for (const arg of args) {
      for (const v of this.nodeset(arg)) if (!isEmpty(v)) numbers.push(toNumber(v, this.tz));
    }
    if (!numbers.length || numbers.some(Number.isNaN)) return NaN;
    return pick(...numbers);
  }
}

function rounding(fn) {
  return (ev, a) => {
    const x = ev.number(a[0]);
    return Number.isFinite(x) ? zeroSign(fn(x), x) : x;
  };
}

const FUNCTIONS = {
  selected: (ev, a) => tokens(ev.value(a[0])).includes(strip(ev.text(a[1]))),
  'count-selected': (ev, a) => tokens(ev.value(a[0])).length,
  'selected-at': (ev, a) => {
    const items = tokens(ev.value(a[0]));
    const n = ev.number(a[1]);
    if (!Number.isFinite(n)) return '';
    const i = Math.trunc(n); // 0-based, as in ODK
    return i >= 0 && i < items.length ? items[i] : '';
  },
  'jr:choice-name': (ev, a) => {
    const value = ev.text(a[0]);
    const name = hasOwn(a[1], 'ref') ? a[1].ref : ev.text(a[1]);
    if (value === '') return '';
    const label = ev.ctx.choiceLabel ? ev.ctx.choiceLabel(name, value) : null;
    return label === null || label === undefined ? value : toString(label);
  },
  'string-length': (ev, a) => Array.from(toString(ev.argOrSelf(a))).length,
  concat: (ev, a) => a.map((x) => ev.text(x)).join(''),
  if: (ev, a) => (truthy(ev.value(a[0])) ? ev.value(a[1]) : ev.value(a[2])),
  regex: (ev, a) => {
    const re = compileRegex(ev.text(a[1]));
    return re !== null && re.test(ev.text(a[0]));
  },
  coalesce: (ev, a) => {
    for (const arg of a) {
      const v = ev.value(arg);
      if (!isEmpty(v)) return v;
    }
    return '';
  },
  today: (ev) => ev.ctx.today || defaultToday(),
  now: (ev) => ev.ctx.now || defaultNow(),
  int: (ev, a) => {
    const x = ev.number(a[0]);
    return Number.isFinite(x) ? zeroSign(Math.trunc(x), x) : x;
  },
  number: (ev, a) => toNumber(ev.argOrSelf(a), ev.tz),
  round: (ev, a) => roundHalfAway(ev.number(a[0]), a.length > 1 ? ev.number(a[1]) : 0),
  position: (ev) => (ev.ctx.position === null || ev.ctx.position === undefined ? NaN : ev.ctx.position),
  count: (ev, a) => {
    const repeats = ev.ctx.repeats || {};
    return hasOwn(repeats, a[0].ref) ? (repeats[a[0].ref] || []).length : 0;
  },
  sum: (ev, a) => {
    let total = 0;
    // Skip unanswered: a half-filled instance must not turn the total into NaN.
    for (const v of ev.nodeset(a[0])) if (!isEmpty(v)) total += toNumber(v, ev.tz);
    return total;
  },
  min: (ev, a) => ev.extreme(a, Math.min),
  max: (ev, a) => ev.extreme(a, Math.max),
  string: (ev, a) => toString(ev.argOrSelf(a)),
  boolean: (ev, a) => truthy(ev.value(a[0])),
  true: () => true,
  false: () => false,
  not: (ev, a) => !truthy(ev.value(a[0])),
  contains: (ev, a) => ev.text(a[0]).includes(ev.text(a[1])),
  'starts-with': (ev, a) => ev.text(a[0]).startsWith(ev.text(a[1])),
  'ends-with': (ev, a) => ev.text(a[0]).endsWith(ev.text(a[1])),
  floor: rounding(Math.floor),
  ceiling: rounding(Math.ceil),
  abs: (ev, a) => Math.abs(ev.number(a[0])),
  'decimal-date-time': (ev, a) => ev.number(a[0]),
  ...ODK_FUNCTIONS,
};

/** Evaluate a syntax tree produced by the server's parser. Bad data never throws. */
export function evaluate(ast, ctx) {
  return new Evaluator(ctx).value(ast);
}

/** Names of the questions (and repeats) an expression reads, like Python's references(). */
export function references(ast) {
  const found = new Set();
  const stack = [ast];
  while (stack.length) {
    const node = stack.pop();
    if (hasOwn(node, 'ref')) found.add(node.ref);
    for (const child of node.args || []) stack.push(child);
    if (hasOwn(node, 'where')) stack.push(node.where);
  }
  return found;
}

export const FUNCTION_NAMES = Object.freeze(Object.keys(FUNCTIONS));
