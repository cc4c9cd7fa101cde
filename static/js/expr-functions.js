// The rest of the ODK XForms functions, the twin of survey_app/engine/expr_functions.py
// (same names, same semantics; tests/data/expression_vectors.json runs through both).

import { XDate, decimalTime, formatDate, toXDate } from './expr-dates.js';
import { digestText } from './expr-digest.js';
import { Evaluator, isEmpty, toNumber, toString, tokens, truthy } from './expressions.js';

const EARTH_RADIUS = 6378100; // metres, as ODK Collect and Enketo
const hasOwn = (obj, key) => Object.prototype.hasOwnProperty.call(obj, key);

const math = (fn) => (ev, a) => fn(...a.map((x) => ev.number(x)));

function sliceIndex(x, length) {
  if (Number.isNaN(x)) return 0;
  if (!Number.isFinite(x)) return x > 0 ? length : 0;
  const i = Math.trunc(x);
  return i < 0 ? Math.max(0, length + i) : Math.min(i, length);
}

const xpathRound = (x) => (Number.isFinite(x) ? Math.floor(x + 0.5) : x);

function translate(text, source, target) {
  const table = new Map();
  source.forEach((char, i) => {
    if (!table.has(char)) table.set(char, i < target.length ? target[i] : null);
  });
  return text
    .map((c) => (table.has(c) ? table.get(c) : c))
    .filter((c) => c !== null)
    .join('');
}

const PY_WS = /[ \t\n\r\f\v\x1c-\x1f\x85\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

function normalizeSpace(text) {
  // Python's str.split() whitespace, so both sides agree on every character.
  return text
    .split(PY_WS)
    .filter((part) => part !== '')
    .join(' ');
}

/** A version 4 UUID (crypto.randomUUID needs a secure context; getRandomValues does not). */
function uuid4() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function uuid(length) {
  if (length === undefined || !Number.isFinite(length) || length < 0) return uuid4();
  const alphabet = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  let out = '';
  for (let i = 0; i < Math.trunc(length); i++) out += alphabet[Math.floor(Math.random() * alphabet.length)];
  return out;
}

function base64Decode(text) {
  try {
    const clean = text.trim();
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 !== 0) return '';
    const bytes = Uint8Array.from(atob(clean), (c) => c.charCodeAt(0));
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    return '';
  }
}

function randomize(items, seed) {
  if (seed === undefined) {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }
  if (!Number.isFinite(seed)) return items;
  // JavaRosa's Park-Miller generator, so a seed gives the same order on every side.
  let state = Math.trunc(Math.abs(seed)) % 2147483647 || 1;
  for (let i = items.length - 1; i > 0; i--) {
    state = Number((BigInt(state) * 16807n) % 2147483647n);
    const j = state % (i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

function points(ev, args) {
  const texts = [];
  for (const arg of args) for (const v of ev.nodeset(arg)) texts.push(...toString(v).split(';'));
  const out = [];
  const number = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
  for (const text of texts) {
    const fields = text.trim().split(/\s+/).filter((f) => f !== '');
    if (fields.length < 2 || !fields.slice(0, 4).every((f) => number.test(f))) return null;
    const [lat, lon] = [Number(fields[0]), Number(fields[1])];
    if (!(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180)) return null;
    if (fields.length > 3 && Number(fields[3]) < 0) return null;
    out.push([lat, lon]);
  }
  return out;
}

const rad = (deg) => (deg * Math.PI) / 180;
const jsRound = (x) => Math.floor(x + 0.5);

function area(ev, args) {
  const pts = points(ev, args);
  if (pts === null) return NaN;
  let total = 0;
  if (pts.length > 2) {
    pts.forEach(([lat1, lon1], i) => {
      const [lat2, lon2] = pts[(i + 1) % pts.length];
      total += rad(lon2 - lon1) * (2 + Math.sin(rad(lat1)) + Math.sin(rad(lat2)));
    });
    total = (total * EARTH_RADIUS * EARTH_RADIUS) / 2;
  }
  return Math.abs(jsRound(total * 100)) / 100;
}

function distance(ev, args) {
  const pts = points(ev, args);
  if (pts === null) return NaN;
  let total = 0;
  for (let i = 1; i < pts.length; i++) {
    const [lat1, lon1] = pts[i - 1];
    const [lat2, lon2] = pts[i];
    const cosine =
      Math.sin(rad(lat1)) * Math.sin(rad(lat2)) + Math.cos(rad(lat1)) * Math.cos(rad(lat2)) * Math.cos(rad(lon1 - lon2));
    total += Math.acos(Math.max(-1, Math.min(1, cosine))) * EARTH_RADIUS;
  }
  return Math.abs(jsRound(total * 100)) / 100;
}

function asDate(ev, value) {
  return toXDate(value, (text) => toNumber(text, ev.tz), ev.tz);
}

function indexedRepeat(ev, a) {
  const target = hasOwn(a[0], 'ref') ? a[0].ref : null;
  let instance = null;
  for (let i = 1; i < a.length - 1; i += 2) {
    const name = hasOwn(a[i], 'ref') ? a[i].ref : null;
    const source = instance === null ? (ev.ctx.repeats || {})[name] : instance[name];
    const scope = Array.isArray(source) ? source : [];
    const n = ev.number(a[i + 1]);
    if (!Number.isFinite(n) || Math.trunc(n) < 1 || Math.trunc(n) > scope.length) return '';
    instance = scope[Math.trunc(n) - 1];
    if (instance === null || typeof instance !== 'object') return '';
  }
  return target && instance && hasOwn(instance, target) ? (instance[target] ?? null) : target ? null : '';
}

/** instance('table')/root/item[filter]/field: the field of the first row passing filter. */
export function lookupRows(ev, node) {
  const rows = (ev.ctx.instances || {})[node.lookup] || [];
  const found = rows.filter(
    (row) => !node.where || truthy(new Evaluator({ ...ev.ctx, choice: row }).value(node.where)),
  );
  if (node.count) return found.length;
  if (!found.length) return '';
  return toString(found[0][node.field || 'name']);
}

export const ODK_FUNCTIONS = {
  pow: math((x, y) => x ** y),
  log: math((x) => Math.log(x)),
  log10: math((x) => Math.log10(x)),
  exp: math((x) => Math.exp(x)),
  exp10: math((x) => 10 ** x),
  sqrt: math((x) => Math.sqrt(x)),
  sin: math((x) => Math.sin(x)),
  cos: math((x) => Math.cos(x)),
  tan: math((x) => Math.tan(x)),
  asin: math((x) => Math.asin(x)),
  acos: math((x) => Math.acos(x)),
  atan: math((x) => Math.atan(x)),
  atan2: math((y, x) => Math.atan2(y, x)),
  pi: () => Math.PI,
  random: () => Math.random(),
  substr: (ev, a) => {
    const chars = Array.from(ev.text(a[0]));
    const start = sliceIndex(ev.number(a[1]), chars.length);
    const end = a.length > 2 ? sliceIndex(ev.number(a[2]), chars.length) : chars.length;
    return chars.slice(start, end).join('');
  },
  substring: (ev, a) => {
    const chars = Array.from(ev.text(a[0]));
    const start = xpathRound(ev.number(a[1]));
    const end = a.length > 2 ? start + xpathRound(ev.number(a[2])) : Infinity;
    return chars.filter((c, i) => start <= i + 1 && i + 1 < end).join('');
  },
  'substring-before': (ev, a) => {
    const [text, needle] = [ev.text(a[0]), ev.text(a[1])];
    const i = text.indexOf(needle);
    return i < 0 ? '' : text.slice(0, i);
  },
  'substring-after': (ev, a) => {
    const [text, needle] = [ev.text(a[0]), ev.text(a[1])];
    const i = text.indexOf(needle);
    return i < 0 ? '' : text.slice(i + needle.length);
  },
  translate: (ev, a) => translate(...a.map((x) => Array.from(ev.text(x)))),
  'normalize-space': (ev, a) => normalizeSpace(a.length ? ev.text(a[0]) : toString(ev.ctx.self)),
  join: (ev, a) => {
    const parts = [];
    for (const arg of a.slice(1)) for (const v of ev.nodeset(arg)) parts.push(toString(v));
    return parts.join(ev.text(a[0]));
  },
  'boolean-from-string': (ev, a) => {
    const v = ev.value(a[0]);
    if (typeof v === 'number') return v > 0 && Number.isInteger(v);
    return ['1', 'true'].includes(toString(v));
  },
  uuid: (ev, a) => uuid(a.length ? ev.number(a[0]) : undefined),
  digest: (ev, a) => digestText(ev.text(a[0]), ev.text(a[1]), a.length > 2 ? ev.text(a[2]) : 'base64'),
  'base64-decode': (ev, a) => base64Decode(ev.text(a[0])),
  checklist: (ev, a) => {
    const [low, high] = [ev.number(a[0]), ev.number(a[1])];
    let trues = 0;
    for (const arg of a.slice(2)) for (const v of ev.nodeset(arg)) if (truthy(v)) trues++;
    return (low < 0 || trues >= low) && (high < 0 || trues <= high);
  },
  'weighted-checklist': (ev, a) => {
    const [low, high] = [ev.number(a[0]), ev.number(a[1])];
    let total = 0;
    const rest = a.slice(2);
    for (let i = 0; i + 1 < rest.length; i += 2) {
      const values = ev.nodeset(rest[i]);
      const weights = ev.nodeset(rest[i + 1]);
      for (let j = 0; j < Math.min(values.length, weights.length); j++) {
        if (truthy(values[j])) {
          const w = toNumber(weights[j], ev.tz);
          total += Number.isNaN(w) ? 0 : w;
        }
      }
    }
    return (low < 0 || total >= low) && (high < 0 || total <= high);
  },
  'count-non-empty': (ev, a) => ev.nodeset(a[0]).filter((v) => !isEmpty(v)).length,
  randomize: (ev, a) => randomize(tokens(ev.value(a[0])), a.length > 1 ? ev.number(a[1]) : undefined),
  area: (ev, a) => area(ev, a),
  distance: (ev, a) => distance(ev, a),
  date: (ev, a) => {
    const v = ev.value(a[0]);
    if (toString(v) === '' && !(v instanceof XDate) && typeof v !== 'number') return '';
    return asDate(ev, v);
  },
  'date-time': (ev, a) => ODK_FUNCTIONS.date(ev, a),
  'decimal-date-time': (ev, a) => toNumber(ev.value(a[0]), ev.tz),
  'decimal-time': (ev, a) => {
    const v = ev.value(a[0]);
    return typeof v === 'number' ? NaN : decimalTime(toString(v), ev.tz);
  },
  'format-date': (ev, a) => {
    const v = ev.value(a[0]);
    if (toString(v) === '' || (typeof v === 'number' && Number.isNaN(v))) return '';
    return formatDate(asDate(ev, v), ev.text(a[1]));
  },
  'format-date-time': (ev, a) => ODK_FUNCTIONS['format-date'](ev, a),
  'indexed-repeat': indexedRepeat,
  pulldata: (ev, a) => {
    const rows = (ev.ctx.instances || {})[ev.text(a[0]).replace(/\.csv$/, '')] || [];
    const [field, column, key] = [ev.text(a[1]), ev.text(a[2]), ev.text(a[3])];
    const row = rows.find((r) => toString(r[column]) === key);
    return row ? toString(row[field]) : '';
  },
  current: (ev) => ev.ctx.self ?? null,
  once: (ev, a) => (isEmpty(ev.ctx.self ?? null) ? ev.value(a[0]) : ev.ctx.self),
};
