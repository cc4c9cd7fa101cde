// Evaluator for XLSForm expression syntax trees, the JavaScript twin of
// survey_app/engine/expr_eval.py. The server parses each expression once into JSON (node
// shapes and semantics are documented in survey_app/engine/expressions.py); the phone only
// walks that tree, offline. Both evaluators run tests/data/expression_vectors.json, so a
// change here must be made in Python too.
//
// ctx: {answers, self, position, repeats, choiceLabel(name, value), today, now, choice}
//   answers: object (own keys, or a prototype chain for repeat scopes) or Map
//   repeats: {repeatName: [instanceObject, ...]}
//   today/now: ISO strings; default to the device clock.

const WS = ' \t\n\r';
const WS_SPLIT_RE = /[ \t\n\r]+/;
const NUMBER_RE = /^-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/;
const DATE_RE =
  /^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:T([0-9]{2}):([0-9]{2})(?::([0-9]{2}(?:\.[0-9]+)?))?(Z|[+-][0-9]{2}:?[0-9]{2})?)?$/;
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
  if (Array.isArray(v)) return v.map(toString).filter((s) => s !== '').join(' ');
  if (isPlainObject(v) && 'lat' in v && 'lon' in v) {
    return ['lat', 'lon', 'alt', 'accuracy']
      .filter((k) => v[k] !== null && v[k] !== undefined)
      .map((k) => toString(v[k]))
      .join(' ');
  }
  return '';
}

function daysFromCivil(y, m, d) {
  // Howard Hinnant's algorithm: proleptic Gregorian date -> days since 1970-01-01.
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function daysInMonth(y, m) {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(m) ? 30 : 31;
}

/** ISO date/datetime -> days since 1970-01-01 (UTC when no offset), as ODK does. */
function dateToDays(text) {
  const m = DATE_RE.exec(text);
  if (!m) return NaN;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return NaN;
  const days = daysFromCivil(y, mo, d);
  if (m[4] === undefined) return days;
  const [h, minute, sec] = [Number(m[4]), Number(m[5]), m[6] === undefined ? 0 : Number(m[6])];
  const tz = m[7];
  let off = 0;
  if (tz && tz !== 'Z') {
    const digits = tz.slice(1).replace(':', '');
    const [oh, om] = [Number(digits.slice(0, 2)), Number(digits.slice(2))];
    if (oh > 23 || om > 59) return NaN;
    off = (oh * 60 + om) * 60 * (tz[0] === '-' ? -1 : 1);
  }
  if (h > 23 || minute > 59 || sec >= 60) return NaN;
  return days + (h * 3600 + minute * 60 + sec - off) / 86400;
}

function stringToNumber(text) {
  const t = strip(text);
  if (NUMBER_RE.test(t)) return Number(t);
  return dateToDays(t);
}

/** XPath number(): unanswered and non-numeric text are NaN; ISO dates are days. */
export function toNumber(v) {
  if (v === null || v === undefined) return NaN;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (isNumber(v)) return v;
  return stringToNumber(toString(v));
}

/** Result of a relevant/constraint: numbers non-zero and not NaN, text non-empty. */
export function truthy(v) {
  if (typeof v === 'boolean') return v;
  if (isNumber(v)) return !Number.isNaN(v) && v !== 0;
  if (isPlainObject(v)) return true;
  return toString(v) !== '';
}

const isEmpty = (v) => (isNumber(v) && Number.isNaN(v)) || toString(v) === '';

/** Choice names of a select_multiple answer: an array, or a space-separated string. */
function tokens(v) {
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

function equals(a, b) {
  if (typeof a === 'boolean' || typeof b === 'boolean') return truthy(a) === truthy(b);
  if (isNumber(a) || isNumber(b)) return toNumber(a) === toNumber(b);
  return toString(a) === toString(b);
}

function relational(op, a, b) {
  let x;
  let y;
  const typed = (v) => isNumber(v) || typeof v === 'boolean';
  if (typed(a) || typed(b)) {
    x = toNumber(a);
    y = toNumber(b);
  } else {
    const sa = toString(a);
    const sb = toString(b);
    const nx = toNumber(sa);
    const ny = toNumber(sb);
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
      re = new RegExp(pattern);
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

class Evaluator {
  constructor(ctx) {
    this.ctx = ctx || {};
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
    if (hasOwn(node, 'fn')) {
      if (!hasOwn(FUNCTIONS, node.fn)) throw new Error(`Unknown function '${node.fn}'`);
      return FUNCTIONS[node.fn](this, node.args);
    }
    throw new Error(`Malformed expression tree: ${JSON.stringify(node)}`);
  }

  number(node) {
    return toNumber(this.value(node));
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
    if (op === '=') return equals(a, b);
    if (op === '!=') return !equals(a, b);
    if (['<', '<=', '>', '>='].includes(op)) return relational(op, a, b);
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
      for (const v of this.nodeset(arg)) if (!isEmpty(v)) numbers.push(toNumber(v));
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
  number: (ev, a) => toNumber(ev.argOrSelf(a)),
  round: (ev, a) => roundHalfAway(ev.number(a[0]), a.length > 1 ? ev.number(a[1]) : 0),
  position: (ev) => (ev.ctx.position === null || ev.ctx.position === undefined ? NaN : ev.ctx.position),
  count: (ev, a) => {
    const repeats = ev.ctx.repeats || {};
    return hasOwn(repeats, a[0].ref) ? (repeats[a[0].ref] || []).length : 0;
  },
  sum: (ev, a) => {
    let total = 0;
    // Skip unanswered: a half-filled instance must not turn the total into NaN.
    for (const v of ev.nodeset(a[0])) if (!isEmpty(v)) total += toNumber(v);
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
  }
  return found;
}

export const FUNCTION_NAMES = Object.freeze(Object.keys(FUNCTIONS));
