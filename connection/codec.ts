/**
 * Opt-in payload encryption (secrets stay secret, docs/architecture.md): friend data is PII, so with keys configured every
 * payload the client or the worker sends to Temporal (workflow and activity inputs, results, memos,
 * signals, queries, updates) is stored as AES-256-GCM ciphertext. The client and the worker must
 * use the same keys; the codec server (cli/stack/codecEndpoint.ts) lets the Temporal UI show the clear text.
 *
 * Keys: FRIEND_IMPORT_CODEC_KEYS="<id>:<base64 of 32 bytes>[,<id>:<base64>…]". The first key
 * encrypts; every listed key decrypts, so rotation is: put a new key first, keep the old ones
 * listed until no history that needs them is retained. Make a key with `openssl rand -base64 32`.
 *
 * Wire format (the same as Temporal's encryption sample, so its tools can read ours): the whole
 * original Payload, protobuf-encoded, encrypted; data = IV (12 bytes) ‖ ciphertext ‖ tag (16 bytes);
 * metadata `encoding: binary/encrypted` and `encryption-key-id: <id>`.
 */
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { SettingsError, type Env } from '../config/im.js';

export const CODEC_KEYS_ENV = 'FRIEND_IMPORT_CODEC_KEYS';
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

const ProtoPayload = proto.temporal.api.common.v1.Payload;
const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

interface CodecKey {
  id: string;
  key: Buffer;
}

/** A codec error meant for an operator: says which key or payload, never shows key material. */
export class CodecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CodecError';
  }
}

/**
 * Parses `id:base64,id:base64` (first = active). Throws a {@link SettingsError} naming the
 * variable and the key id; the key bytes never appear in a message.
 */
export function parseCodecKeys(value: string, name = CODEC_KEYS_ENV): CodecKey[] {
  const problems: string[] = [];
  const keys: CodecKey[] = [];
  const entries = value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  if (entries.length === 0) problems.push(`${name} must list at least one key as <id>:<base64 of 32 bytes>`);
  entries.forEach((entry, i) => {
    const colon = entry.indexOf(':');
    const id = colon < 0 ? '' : entry.slice(0, colon).trim();
    const material = colon < 0 ? '' : entry.slice(colon + 1).trim();
    const label = id ? `key "${id}"` : `entry ${i + 1}`;
    if (colon < 0) return problems.push(`${name}: ${label} must look like <id>:<base64 of 32 bytes>`);
    if (!KEY_ID.test(id))
      return problems.push(`${name}: ${label} needs an id of 1–64 letters, digits, '.', '_' or '-'`);
    if (keys.some((k) => k.id === id)) return problems.push(`${name}: key id "${id}" appears twice`);
    const key = BASE64.test(material) ? Buffer.from(material, 'base64') : undefined;
    if (key?.length !== KEY_BYTES)
      return problems.push(
        `${name}: key "${id}" must be ${KEY_BYTES} bytes in base64${key ? ` (it has ${key.length})` : ''}; make one with: openssl rand -base64 32`,
      );
    keys.push({ id, key });
  });
  if (problems.length > 0) throw new SettingsError(problems);
  return keys;
}

const utf8 = (s: string) => Buffer.from(s, 'utf8');
const text = (b: Uint8Array | null | undefined) => (b ? Buffer.from(b).toString('utf8') : undefined);

/** AES-256-GCM over whole payloads, with key ids in metadata so keys can rotate. */
export class AesGcmCodec implements PayloadCodec {
  readonly #keys: ReadonlyMap<string, Buffer>;
  readonly #active: CodecKey;

  constructor(keys: readonly CodecKey[]) {
    const [active] = keys;
    if (!active) throw new CodecError('the payload codec needs at least one key');
    for (const k of keys)
      if (k.key.length !== KEY_BYTES) throw new CodecError(`codec key "${k.id}" is not ${KEY_BYTES} bytes`);
    // Copies, so a caller that zeroes or reuses its buffers cannot change ours.
    this.#keys = new Map(keys.map((k) => [k.id, Buffer.from(k.key)]));
    this.#active = { id: active.id, key: Buffer.from(active.key) };
  }

  get activeKeyId(): string {
    return this.#active.id;
  }

  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  // Synchronous work behind a promise: a throw in the executor becomes a rejection, as callers expect.
  encode(payloads: Payload[]): Promise<Payload[]> {
    return new Promise((resolve) => resolve(payloads.map((p) => this.#encrypt(p))));
  }

  decode(payloads: Payload[]): Promise<Payload[]> {
    return new Promise((resolve) => resolve(payloads.map((p) => this.#decrypt(p))));
  }

  #encrypt(payload: Payload): Payload {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.#active.key, iv);
    const clear = ProtoPayload.encode(payload).finish();
    const data = Buffer.concat([iv, cipher.update(clear), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: { encoding: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8(this.#active.id) },
      data,
    };
  }

  #decrypt(payload: Payload): Payload {
    // Payloads written before encryption was enabled (or by a peer without it) stay readable.
    if (text(payload.metadata?.encoding) !== ENCRYPTED_ENCODING) return payload;
    const id = text(payload.metadata?.[KEY_ID_METADATA]);
    if (!id) throw new CodecError(`an encrypted payload has no ${KEY_ID_METADATA} metadata`);
    const key = this.#keys.get(id);
    if (!key)
      throw new CodecError(
        `a payload is encrypted with key "${id}", which is not in ${CODEC_KEYS_ENV} (known: ${this.keyIds.join(', ')}); add that key back to decrypt it`,
      );
    const data = Buffer.from(payload.data ?? []);
    if (data.length < IV_BYTES + TAG_BYTES)
      throw new CodecError(`an encrypted payload (key "${id}") is too short to be ours`);
    try {
      const decipher = createDecipheriv(ALGORITHM, key, data.subarray(0, IV_BYTES));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const clear = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return ProtoPayload.decode(clear);
    } catch {
      // GCM's tag check failed: the bytes were changed, or the key under this id is not the one used.
      throw new CodecError(
        `an encrypted payload (key "${id}") failed authentication: it was altered or the key differs`,
      );
    }
  }
}

/** The configured codec, or undefined when FRIEND_IMPORT_CODEC_KEYS is unset (encryption is opt-in). */
export function codecFromEnv(env: Env): AesGcmCodec | undefined {
  const value = env[CODEC_KEYS_ENV];
  if (value === undefined || value.trim() === '') return undefined;
  return new AesGcmCodec(parseCodecKeys(value));
}

/** The data converter for `new Client(…)` and `Worker.create(…)` alike, or undefined for the default. */
export function dataConverterFromEnv(env: Env): DataConverter | undefined {
  const codec = codecFromEnv(env);
  return codec ? { payloadCodecs: [codec] } : undefined;
}
