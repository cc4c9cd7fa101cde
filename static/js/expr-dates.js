// ODK's dates for the expression evaluator, the twin of survey_app/engine/expr_dates.py
// (its docstring gives the rules): a date-only value is local midnight, a datetime without
// offset is local, one with Z or +03:00 is that instant; as a number a date is days since
// 1970-01-01T00:00Z. The local zone is the context's tzOffset (minutes east of UTC), never
// the JavaScript Date's own zone, so the phone and the server read a date alike.

const DATE_RE =
  /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:T([0-9]{2}):([0-9]{2})(?::([0-9]{2}(?:\.[0-9]+)?))?(Z|[+-][0-9]{2}:?[0-9]{2})?)?$/;
const TIME_RE = /^([0-9]{2}):([0-9]{2})(?::([0-9]{2}(?:\.[0-9]+)?))?(Z|[+-][0-9]{2}:?[0-9]{2})?$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const DAY_MS = 86400000;

const pad = (n, width = 2) => String(n).padStart(width, '0');

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

/** Round half to even at .5 ms like Python's round(), so both sides print the same ms. */
function roundMs(x) {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Local calendar fields of an instant: [y, m, d, h, mi, s, ms]. */
function civil(days, tz) {
  const total = roundMs(days * DAY_MS) + tz * 60000;
  const date = new Date(total);
  return [
    date.getUTCFullYear(),
    date.getUTCMonth() + 1,
    date.getUTCDate(),
    date.getUTCHours(),
    date.getUTCMinutes(),
    date.getUTCSeconds(),
    date.getUTCMilliseconds(),
  ];
}

function offsetMinutes(zone) {
  if (zone === 'Z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const [oh, om] = [Number(digits.slice(0, 2)), Number(digits.slice(2))];
  if (oh > 23 || om > 59) return null;
  return (oh * 60 + om) * (zone[0] === '-' ? -1 : 1);
}

/** An instant, as date() and friends return it: days since the epoch and its zone. */
export class XDate {
  constructor(days, tz) {
    this.days = days;
    this.tz = tz;
  }

  text() {
    if (!Number.isFinite(this.days)) return 'Invalid Date';
    const [y, mo, d, h, mi, s, ms] = civil(this.days, this.tz);
    const day = `${pad(y, 4)}-${pad(mo)}-${pad(d)}`;
    if (h === 0 && mi === 0 && s === 0 && ms === 0) return day;
    const off = Math.abs(this.tz);
    const sign = this.tz >= 0 ? '+' : '-';
    return `${day}T${pad(h)}:${pad(mi)}:${pad(s)}.${pad(ms, 3)}${sign}${pad(Math.floor(off / 60))}:${pad(off % 60)}`;
  }
}

/** ISO date or datetime -> days since the epoch; date-only and offset-less are local. */
export function dateToDays(text, tz) {
  const m = DATE_RE.exec(text);
  if (!m) return NaN;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return NaN;
  const days = daysFromCivil(y, mo, d);
  if (m[4] === undefined) return days - tz / 1440;
  const [h, minute, sec] = [Number(m[4]), Number(m[5]), m[6] === undefined ? 0 : Number(m[6])];
  if (h > 23 || minute > 59 || sec >= 60) return NaN;
  const offset = m[7] === undefined ? tz : offsetMinutes(m[7]);
  if (offset === null) return NaN;
  return days + (h * 3600 + minute * 60 + sec) / 86400 - offset / 1440;
}

export const isDateText = (text) => DATE_RE.test(text);

/** date(): a date value from a date, a date text or a number of days. */
export function toXDate(value, numberOf, tz) {
  if (value instanceof XDate) return value;
  if (typeof value === 'boolean') return new XDate(NaN, tz);
  if (typeof value === 'number') return new XDate(value, tz);
  const text = String(value).trim();
  if (DATE_RE.test(text)) return new XDate(dateToDays(text, tz), tz);
  return new XDate(numberOf(text), tz);
}

/** decimal-time('06:00:00.000-07:00'): the fraction of the local day. */
export function decimalTime(text, tz) {
  const m = TIME_RE.exec(text.trim());
  if (!m) return NaN;
  const [h, minute, sec] = [Number(m[1]), Number(m[2]), m[3] === undefined ? 0 : Number(m[3])];
  if (h > 23 || minute > 59 || sec >= 60) return NaN;
  const offset = m[4] === undefined ? tz : offsetMinutes(m[4]);
  if (offset === null) return NaN;
  const seconds = h * 3600 + minute * 60 + sec - (offset - tz) * 60;
  return (((seconds % 86400) + 86400) % 86400) / 86400;
}

/** format-date(d, '%Y-%m-%d') with ODK's directives; '' for an invalid date. */
export function formatDate(value, pattern) {
  if (!Number.isFinite(value.days)) return '';
  const [y, mo, d, h, mi, s, ms] = civil(value.days, value.tz);
  const weekday = (((daysFromCivil(y, mo, d) + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
  const fields = {
    Y: pad(y, 4),
    y: pad(y % 100),
    m: pad(mo),
    n: String(mo),
    b: MONTHS[mo - 1],
    d: pad(d),
    e: String(d),
    H: pad(h),
    h: String(h),
    M: pad(mi),
    S: pad(s),
    3: pad(ms, 3),
    a: WEEKDAYS[weekday],
  };
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === '%' && i + 1 < pattern.length) {
      const key = pattern[i + 1];
      out += Object.prototype.hasOwnProperty.call(fields, key) ? fields[key] : key;
      i += 1;
    } else {
      out += pattern[i];
    }
  }
  return out;
}
