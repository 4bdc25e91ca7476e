/**
 * UTF-8 byte lengths, counted without Node's Buffer or any library, so Temporal's workflow sandbox
 * can use it (the vendor's field limits are in bytes).
 */

/** Number of bytes of `s` in UTF-8. */
export function utf8Length(s: string): number {
  let bytes = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return bytes;
}
