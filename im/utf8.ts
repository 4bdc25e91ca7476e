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
