/**
 * UTF-8 byte lengths, counted without Node's Buffer or any library, so Temporal's workflow sandbox
 * can use it (the vendor's field limits are in bytes).
 */

/** Number of bytes of `s` in UTF-8 (a lone surrogate counts as the 3-byte replacement character). */
export function utf8Length(s: string): number {
  let bytes = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) bytes += 1;
    else if (c >= 0xd800 && c <= 0xdbff && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      // A surrogate pair: two UTF-16 units, four bytes.
      bytes += 2;
      i++;
    } else bytes += 2;
  }
  return bytes;
}

/**
 * Bytes of `JSON.stringify(value)` in UTF-8, without building the string (a bulk job sizes every
 * item it batches). Plain data only: strings, finite numbers, booleans, null, arrays and objects.
 */
export function jsonByteLength(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return jsonStringBytes(value);
    case 'number':
      return Number.isInteger(value) && Math.abs(value) < 1e21 ? integerDigits(value) : String(value).length;
    case 'boolean':
      return value ? 4 : 5;
    case 'object': {
      if (value === null) return 4;
      if (Array.isArray(value)) {
        let n = 2 + Math.max(0, value.length - 1);
        for (const v of value) n += v === undefined ? 4 : jsonByteLength(v);
        return n;
      }
      // for…in over own keys rather than Object.entries: no array per object (a job sizes millions).
      const record = value as Record<string, unknown>;
      let n = 2;
      let fields = 0;
      for (const k in record) {
        if (!Object.hasOwn(record, k)) continue;
        const v = record[k];
        if (v === undefined || typeof v === 'function') continue;
        n += jsonStringBytes(k) + 1 + jsonByteLength(v);
        fields++;
      }
      return n + Math.max(0, fields - 1);
    }
    default:
      return 0;
  }
}

/**
 * An upper bound of `jsonByteLength(value)` that does not look at characters: a UTF-16 unit is at
 * most 6 bytes of JSON (`\uXXXX`), a number at most 25 characters. A batch whose bounds fit needs
 * no exact sizing.
 */
export function jsonByteBound(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return 6 * value.length + 2;
    case 'number':
      return 32; // the longest is 25, e.g. -0.0000012345678901234567
    case 'boolean':
      return 5;
    case 'object': {
      if (value === null) return 4;
      if (Array.isArray(value)) {
        let n = 1 + value.length;
        for (const v of value) n += v === undefined ? 4 : jsonByteBound(v);
        return n;
      }
      const record = value as Record<string, unknown>;
      let n = 1;
      for (const k in record) {
        if (!Object.hasOwn(record, k)) continue;
        const v = record[k];
        if (v === undefined || typeof v === 'function') continue;
        n += 6 * k.length + 4 + jsonByteBound(v);
      }
      return n + 1;
    }
    default:
      return 0;
  }
}

function integerDigits(n: number): number {
  let digits = n < 0 ? 2 : 1;
  for (let a = Math.abs(n); a >= 10; a = Math.floor(a / 10)) digits++;
  return digits;
}

/**
 * A JSON string's bytes: quotes, UTF-8 bytes, and escapes (\" \\ and control characters; a lone
 * surrogate is written as \uXXXX, 6 bytes where UTF-8 would count 3).
 */
function jsonStringBytes(s: string): number {
  // One pass: UTF-8 bytes and escapes together.
  let n = s.length + 2;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x80) {
      if (c === 0x22 || c === 0x5c) n += 1;
    } else if (c < 0x20) {
      n += c === 0x08 || c === 0x0c || c === 0x0a || c === 0x0d || c === 0x09 ? 1 : 5;
    } else if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      // A surrogate pair: two UTF-16 units, four bytes.
      n += 2;
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff)
      n += 5; // a lone surrogate: \uXXXX, 6 bytes
    else n += 2;
  }
  return n;
}
