// digest(text, algorithm[, 'base64'|'hex']) for the expression evaluator: MD5, SHA-1,
// SHA-256, SHA-384 and SHA-512 of the UTF-8 bytes, computed synchronously (the browser's
// crypto.subtle is asynchronous, and an expression is evaluated on every keystroke).
// Python's hashlib is the twin (survey_app/engine/expr_functions.py).

const utf8 = (text) => new TextEncoder().encode(text);

function padded(bytes, blockBytes, lengthBytes, littleEndian) {
  const bitLength = BigInt(bytes.length) * 8n;
  const total = Math.ceil((bytes.length + 1 + lengthBytes) / blockBytes) * blockBytes;
  const out = new Uint8Array(total);
  out.set(bytes);
  out[bytes.length] = 0x80;
  for (let i = 0; i < 8; i++) {
    const byte = Number((bitLength >> BigInt(8 * i)) & 0xffn);
    out[littleEndian ? total - lengthBytes + i : total - 1 - i] = byte;
  }
  return out;
}

const rotl = (x, n) => (x << n) | (x >>> (32 - n));
const rotr = (x, n) => (x >>> n) | (x << (32 - n));

function md5(bytes) {
  const s = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
  const k = Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) | 0);
  let [a0, b0, c0, d0] = [0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476];
  const data = padded(bytes, 64, 8, true);
  const view = new DataView(data.buffer);
  for (let off = 0; off < data.length; off += 64) {
    const m = Array.from({ length: 16 }, (_, i) => view.getUint32(off + i * 4, true) | 0);
    let [a, b, c, d] = [a0, b0, c0, d0];
    for (let i = 0; i < 64; i++) {
      let f;
      let g;
      if (i < 16) [f, g] = [(b & c) | (~b & d), i];
      else if (i < 32) [f, g] = [(d & b) | (~d & c), (5 * i + 1) % 16];
      else if (i < 48) [f, g] = [b ^ c ^ d, (3 * i + 5) % 16];
      else [f, g] = [c ^ (b | ~d), (7 * i) % 16];
      const shift = s[(i >> 4) * 4 + (i % 4)];
      const next = (b + rotl((a + f + k[i] + m[g]) | 0, shift)) | 0;
      [a, d, c, b] = [d, c, b, next];
    }
    [a0, b0, c0, d0] = [(a0 + a) | 0, (b0 + b) | 0, (c0 + c) | 0, (d0 + d) | 0];
  }
  const out = new Uint8Array(16);
  const outView = new DataView(out.buffer);
  [a0, b0, c0, d0].forEach((word, i) => outView.setUint32(i * 4, word >>> 0, true));
  return out;
}

function sha1(bytes) {
  let h = [0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476, 0xc3d2e1f0 | 0];
  const data = padded(bytes, 64, 8, false);
  const view = new DataView(data.buffer);
  const w = new Int32Array(80);
  for (let off = 0; off < data.length; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getInt32(off + i * 4);
    for (let i = 16; i < 80; i++) w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    let [a, b, c, d, e] = h;
    for (let i = 0; i < 80; i++) {
      let f;
      let k;
      if (i < 20) [f, k] = [(b & c) | (~b & d), 0x5a827999];
      else if (i < 40) [f, k] = [b ^ c ^ d, 0x6ed9eba1];
      else if (i < 60) [f, k] = [(b & c) | (b & d) | (c & d), 0x8f1bbcdc | 0];
      else [f, k] = [b ^ c ^ d, 0xca62c1d6 | 0];
      const t = (rotl(a, 5) + f + e + k + w[i]) | 0;
      [e, d, c, b, a] = [d, c, rotl(b, 30), a, t];
    }
    h = [(h[0] + a) | 0, (h[1] + b) | 0, (h[2] + c) | 0, (h[3] + d) | 0, (h[4] + e) | 0];
  }
  const out = new Uint8Array(20);
  const outView = new DataView(out.buffer);
  h.forEach((word, i) => outView.setUint32(i * 4, word >>> 0));
  return out;
}

const K256 = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
].map((x) => x | 0);

function sha256(bytes) {
  let h = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19].map(
    (x) => x | 0,
  );
  const data = padded(bytes, 64, 8, false);
  const view = new DataView(data.buffer);
  const w = new Int32Array(64);
  for (let off = 0; off < data.length; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getInt32(off + i * 4);
    for (let i = 16; i < 64; i++) {
      const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
      const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
    }
    let [a, b, c, d, e, f, g, hh] = h;
    for (let i = 0; i < 64; i++) {
      const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K256[i] + w[i]) | 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      [hh, g, f, e, d, c, b, a] = [g, f, e, (d + t1) | 0, c, b, a, (t1 + t2) | 0];
    }
    h = h.map((x, i) => (x + [a, b, c, d, e, f, g, hh][i]) | 0);
  }
  const out = new Uint8Array(32);
  const outView = new DataView(out.buffer);
  h.forEach((word, i) => outView.setUint32(i * 4, word >>> 0));
  return out;
}

// SHA-512 round constants: the first 64 bits of the fractional parts of the cube roots of
// the first 80 primes, computed once with BigInt rather than copied as 80 literals.
let K512 = null;
function k512() {
  if (K512) return K512;
  const primes = [];
  for (let n = 2; primes.length < 80; n++) if (primes.every((p) => n % p !== 0)) primes.push(n);
  const cbrtFrac = (p) => {
    // floor(frac(cbrt(p)) * 2^64) by integer Newton steps on cbrt(p * 2^192).
    const target = BigInt(p) << 192n;
    let x = BigInt(Math.floor(Math.cbrt(p) * 2 ** 20)) << 44n;
    for (let i = 0; i < 100; i++) {
      const next = (2n * x + target / (x * x)) / 3n;
      if (next === x || next === x + 1n || next === x - 1n) {
        x = next;
        break;
      }
      x = next;
    }
    while (x * x * x > target) x -= 1n;
    while ((x + 1n) * (x + 1n) * (x + 1n) <= target) x += 1n;
    return x & ((1n << 64n) - 1n);
  };
  K512 = primes.map(cbrtFrac);
  return K512;
}

const MASK64 = (1n << 64n) - 1n;
const rotr64 = (x, n) => ((x >> n) | (x << (64n - n))) & MASK64;

function sha512(bytes, initial, outLength) {
  const K = k512();
  let h = initial.map((x) => BigInt(x));
  const data = padded(bytes, 128, 16, false);
  const view = new DataView(data.buffer);
  const w = new Array(80);
  for (let off = 0; off < data.length; off += 128) {
    for (let i = 0; i < 16; i++) w[i] = view.getBigUint64(off + i * 8);
    for (let i = 16; i < 80; i++) {
      const s0 = rotr64(w[i - 15], 1n) ^ rotr64(w[i - 15], 8n) ^ (w[i - 15] >> 7n);
      const s1 = rotr64(w[i - 2], 19n) ^ rotr64(w[i - 2], 61n) ^ (w[i - 2] >> 6n);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) & MASK64;
    }
    let [a, b, c, d, e, f, g, hh] = h;
    for (let i = 0; i < 80; i++) {
      const s1 = rotr64(e, 14n) ^ rotr64(e, 18n) ^ rotr64(e, 41n);
      const ch = (e & f) ^ (~e & MASK64 & g);
      const t1 = (hh + s1 + ch + K[i] + w[i]) & MASK64;
      const s0 = rotr64(a, 28n) ^ rotr64(a, 34n) ^ rotr64(a, 39n);
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (s0 + maj) & MASK64;
      [hh, g, f, e, d, c, b, a] = [g, f, e, (d + t1) & MASK64, c, b, a, (t1 + t2) & MASK64];
    }
    h = h.map((x, i) => (x + [a, b, c, d, e, f, g, hh][i]) & MASK64);
  }
  const out = new Uint8Array(64);
  const outView = new DataView(out.buffer);
  h.forEach((word, i) => outView.setBigUint64(i * 8, word));
  return out.slice(0, outLength);
}

const SHA512_IV = [
  '0x6a09e667f3bcc908', '0xbb67ae8584caa73b', '0x3c6ef372fe94f82b', '0xa54ff53a5f1d36f1',
  '0x510e527fade682d1', '0x9b05688c2b3e6c1f', '0x1f83d9abfb41bd6b', '0x5be0cd19137e2179',
];
const SHA384_IV = [
  '0xcbbb9d5dc1059ed8', '0x629a292a367cd507', '0x9159015a3070dd17', '0x152fecd8f70e5939',
  '0x67332667ffc00b31', '0x8eb44a8768581511', '0xdb0c2e0d64f98fa7', '0x47b5481dbefa4fa4',
];

const ALGORITHMS = {
  md5,
  'sha-1': sha1,
  'sha-256': sha256,
  'sha-384': (bytes) => sha512(bytes, SHA384_IV, 48),
  'sha-512': (bytes) => sha512(bytes, SHA512_IV, 64),
};

/** digest(): '' for an unknown algorithm or encoding, as the Python twin. */
export function digestText(text, algorithm, encoding = 'base64') {
  const fn = ALGORITHMS[algorithm.trim().toLowerCase()];
  const enc = encoding.trim().toLowerCase();
  if (!fn || !['base64', 'hex'].includes(enc)) return '';
  const bytes = fn(utf8(text));
  if (enc === 'hex') return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return btoa(String.fromCharCode(...bytes));
}
