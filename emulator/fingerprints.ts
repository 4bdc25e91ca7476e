/**
 * Which UserIDs exist (and whether they belong to this app) for hundreds of thousands of accounts,
 * with about one cache miss per lookup. A `Map<string, …>` of 600k fresh strings costs several
 * misses per lookup, and friend_import looks up every To_Account: this index keeps the emulator
 * fast. Each account is stored as a 62-bit fingerprint (two independent 32-bit hashes) in an
 * open-addressing table; a false "exists" needs both hashes of two different IDs to collide,
 * about n / 2^62 per lookup (≈ 10^-13 with a million accounts).
 */
import type { AccountKind } from './store.js';

/** Bit 1 marks a used slot; bit 0 is the kind (1 = foreign). */
const USED = 2;
const FOREIGN = 1;

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

export class AccountIndex {
  /** Pairs [h1, h2 | kind]; h2 === 0 means an empty slot. */
  #slots: Int32Array;
  #mask: number;
  #count = 0;

  constructor(capacity = 1024) {
    let size = 1024;
    while (size < capacity * 2) size *= 2;
    this.#slots = new Int32Array(size * 2);
    this.#mask = size - 1;
  }

  get size(): number {
    return this.#count;
  }

  get(userId: string): AccountKind | undefined {
    fingerprint(userId);
    const slots = this.#slots;
    let i = h1 & this.#mask;
    for (;;) {
      const tag = slots[2 * i + 1] as number;
      if (tag === 0) return undefined;
      if ((tag & ~FOREIGN) === h2 && slots[2 * i] === h1) return tag & FOREIGN ? 'foreign' : 'local';
      i = (i + 1) & this.#mask;
    }
  }

  set(userId: string, kind: AccountKind): void {
    fingerprint(userId);
    this.#put(h1, h2 | (kind === 'foreign' ? FOREIGN : 0));
  }

  #put(a: number, tag: number): void {
    if ((this.#count + 1) * 2 > this.#mask + 1) this.#grow();
    const slots = this.#slots;
    let i = a & this.#mask;
    for (;;) {
      const old = slots[2 * i + 1] as number;
      if (old === 0) {
        slots[2 * i] = a;
        slots[2 * i + 1] = tag;
        this.#count++;
        return;
      }
      if ((old & ~FOREIGN) === (tag & ~FOREIGN) && slots[2 * i] === a) {
        slots[2 * i + 1] = tag;
        return;
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
