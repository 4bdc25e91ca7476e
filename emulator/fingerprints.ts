/**
 * Sets of UserIDs held as 62-bit fingerprints (two independent 32-bit hashes) in open-addressing
 * tables of 32-bit integers. For hundreds of thousands of accounts and millions of friendships this
 * costs about one cache miss per lookup and no garbage-collected objects, where `Set<string>` costs
 * several misses per lookup and keeps every string alive. A false "present" needs both hashes of
 * two different IDs to collide: about n / 2^62 per lookup (≈ 10^-13 for a million entries).
 * Each entry carries one flag bit (accounts: whether it belongs to another SDKAppID).
 */

/** Bit 1 marks a used slot; bit 0 is the entry's flag. */
const USED = 2;
const FLAG = 1;

let h1 = 0;
let h2 = 0;

/** Sets `h1` and `h2` (bit 1 set, bit 0 clear) for `s`, over its UTF-16 code units. */
function fingerprint(s: string): void {
  let a = 0x811c9dc5 | 0;
  let b = 0x2545f491 | 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  a ^= a >>> 16;
  a = Math.imul(a, 0x85ebca6b);
  a ^= a >>> 13;
  a = Math.imul(a, 0xc2b2ae35);
  a ^= a >>> 16;
  b = Math.imul(b ^ s.length, 0x27d4eb2d);
  b ^= b >>> 15;
  h1 = a | 0;
  h2 = (b & ~3) | USED;
}

export class FingerprintSet {
  /** Pairs [h1, h2 | flag]; h2 === 0 marks an empty slot. */
  #slots: Int32Array;
  #mask: number;
  #count = 0;

  constructor(capacity = 8) {
    let size = 8;
    while (size < capacity * 2) size *= 2;
    this.#slots = new Int32Array(size * 2);
    this.#mask = size - 1;
  }

  get size(): number {
    return this.#count;
  }

  /** The slot holding `s` (after `fingerprint(s)`), or -1. */
  #find(): number {
    const slots = this.#slots;
    let i = h1 & this.#mask;
    for (;;) {
      const tag = slots[2 * i + 1] as number;
      if (tag === 0) return -1;
      if ((tag & ~FLAG) === h2 && slots[2 * i] === h1) return i;
      i = (i + 1) & this.#mask;
    }
  }

  has(s: string): boolean {
    fingerprint(s);
    return this.#find() >= 0;
  }

  /** The entry's flag, or undefined when `s` is absent. */
  flag(s: string): 0 | 1 | undefined {
    fingerprint(s);
    const i = this.#find();
    return i < 0 ? undefined : (this.#slots[2 * i + 1] as number) & FLAG ? 1 : 0;
  }

  /** Adds `s` (or sets its flag); returns whether it was new. */
  add(s: string, flag: 0 | 1 = 0): boolean {
    fingerprint(s);
    return this.#put(h1, h2 | flag);
  }

  delete(s: string): boolean {
    fingerprint(s);
    let i = this.#find();
    if (i < 0) return false;
    // Backward-shift deletion keeps every probe chain unbroken without tombstones.
    const slots = this.#slots;
    const mask = this.#mask;
    let j = i;
    for (;;) {
      slots[2 * i + 1] = 0;
      for (;;) {
        j = (j + 1) & mask;
        if (slots[2 * j + 1] === 0) {
          this.#count--;
          return true;
        }
        const home = (slots[2 * j] as number) & mask;
        // Move j back to i unless its home lies cyclically in (i, j].
        if (i <= j ? home <= i || home > j : home <= i && home > j) break;
      }
      slots[2 * i] = slots[2 * j] as number;
      slots[2 * i + 1] = slots[2 * j + 1] as number;
      i = j;
    }
  }

  clear(): void {
    this.#slots = new Int32Array(16);
    this.#mask = 7;
    this.#count = 0;
  }

  #put(a: number, tag: number): boolean {
    if ((this.#count + 1) * 2 > this.#mask + 1) this.#grow();
    const slots = this.#slots;
    let i = a & this.#mask;
    for (;;) {
      const old = slots[2 * i + 1] as number;
      if (old === 0) {
        slots[2 * i] = a;
        slots[2 * i + 1] = tag;
        this.#count++;
        return true;
      }
      if ((old & ~FLAG) === (tag & ~FLAG) && slots[2 * i] === a) {
        slots[2 * i + 1] = tag;
        return false;
      }
      i = (i + 1) & this.#mask;
    }
  }

  #grow(): void {
    const old = this.#slots;
    this.#slots = new Int32Array(old.length * 2);
    this.#mask = this.#mask * 2 + 1;
    this.#count = 0;
    for (let i = 0; i < old.length; i += 2)
      if (old[i + 1] !== 0) this.#put(old[i] as number, old[i + 1] as number);
  }
}
