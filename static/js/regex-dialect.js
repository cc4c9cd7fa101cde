// One regular-expression dialect for regex(): the twin of survey_app/engine/regex_dialect.py
// (its docstring gives the dialect). A pattern is rewritten into what Python's re (ASCII)
// and this browser's RegExp (u flag) mean alike; anything else is refused (null here, and
// refused with a message when the form is published).

const ANY = '[^\\n\\r\\u2028\\u2029]';
const SPACE = '\\t\\n\\x0b\\x0c\\r ';
const SYNTAX = new Set('^$\\.*+?()[]{}|/');
const SIMPLE_ESCAPES = new Set('dDwWbBtnrfv');
const QUANT = /^\{(\d+)(,(\d*))?\}/;

class Refused extends Error {}

function escape(pattern, i, inClass) {
  if (i + 1 >= pattern.length) throw new Refused('lone backslash');
  const c = pattern[i + 1];
  if (c === 's' || c === 'S') {
    if (inClass) {
      if (c === 'S') throw new Refused('\\S in a class');
      return [SPACE, i + 2];
    }
    return [c === 's' ? `[${SPACE}]` : `[^${SPACE}]`, i + 2];
  }
  if (SIMPLE_ESCAPES.has(c)) {
    if (inClass && (c === 'b' || c === 'B')) throw new Refused('\\b in a class');
    return ['\\' + c, i + 2];
  }
  if ('123456789'.includes(c) && !inClass) return ['\\' + c, i + 2];
  if (c === 'x' && /^[0-9A-Fa-f]{2}$/.test(pattern.slice(i + 2, i + 4))) return [pattern.slice(i, i + 4), i + 4];
  if (c === 'u' && /^[0-9A-Fa-f]{4}$/.test(pattern.slice(i + 2, i + 6))) return [pattern.slice(i, i + 6), i + 6];
  if (SYNTAX.has(c) || (inClass && c === '-')) return ['\\' + c, i + 2];
  throw new Refused(`\\${c}`);
}

function klass(pattern, start) {
  let i = start + 1;
  let out = '[';
  if (pattern[i] === '^') {
    out += '^';
    i += 1;
  }
  let first = true;
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === ']') {
      if (first) throw new Refused('empty class');
      return [out + ']', i + 1];
    }
    if (c === '\\') {
      const [piece, next] = escape(pattern, i, true);
      out += piece;
      i = next;
    } else if (c === '[' || ['&&', '--', '||', '~~'].includes(pattern.slice(i, i + 2))) {
      throw new Refused('set operation');
    } else {
      out += c;
      i += 1;
    }
    first = false;
  }
  throw new Refused('unclosed class');
}

/** The pattern for this browser's RegExp (with the u flag), or null when refused. */
export function translatePattern(pattern) {
  try {
    let out = '';
    let i = 0;
    let depth = 0;
    let pieces = 0;
    while (i < pattern.length) {
      const c = pattern[i];
      if (c === '\\') {
        const [piece, next] = escape(pattern, i, false);
        out += piece;
        i = next;
      } else if (c === '[') {
        const [piece, next] = klass(pattern, i);
        out += piece;
        i = next;
      } else if (c === '(') {
        if (pattern.startsWith('(?', i)) {
          const head = pattern.slice(i, i + 3);
          if (!['(?:', '(?=', '(?!'].includes(head)) throw new Refused('group');
          out += head;
          i += 3;
        } else {
          out += '(';
          i += 1;
        }
        depth += 1;
      } else if (c === ')') {
        if (depth === 0) throw new Refused('unbalanced');
        depth -= 1;
        out += ')';
        i += 1;
      } else if (c === '{') {
        const m = QUANT.exec(pattern.slice(i));
        if (!m || pieces === 0) throw new Refused('brace');
        out += m[0];
        i += m[0].length;
      } else if (c === '}' || c === ']') {
        throw new Refused('lone bracket');
      } else {
        out += c === '.' ? ANY : c;
        i += 1;
      }
      pieces += 1;
    }
    if (depth) throw new Refused('unclosed group');
    return out;
  } catch (error) {
    if (error instanceof Refused) return null;
    throw error;
  }
}
