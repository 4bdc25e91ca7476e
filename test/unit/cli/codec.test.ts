import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  AesGcmCodec,
  codecFromEnv,
  CodecError,
  dataConverterFromEnv,
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA,
  parseCodecKeys,
} from '../../../connection/codec.js';
import { payloadsFromJson, payloadsToJson } from '../../../cli/stack/codecEndpoint.js';
import { SettingsError } from '../../../config/im.js';

const b64 = () => randomBytes(32).toString('base64');
const K1 = b64();
const K2 = b64();
const text = (b: Uint8Array | null | undefined) => Buffer.from(b ?? []).toString('utf8');
const MARKER = 'Remark: friend-data-marker-7f3a';
const clear = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);

function settingsProblems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SettingsError, `a SettingsError, got ${String(err)}`);
    return err.problems;
  }
  assert.fail('accepted');
}

describe('codec keys from the environment', () => {
  it('is off when FRIEND_IMPORT_CODEC_KEYS is unset or blank', () => {
    assert.equal(codecFromEnv({}), undefined);
    assert.equal(codecFromEnv({ FRIEND_IMPORT_CODEC_KEYS: '  ' }), undefined);
    assert.equal(dataConverterFromEnv({}), undefined);
  });

  it('parses id:base64 pairs; the first key is the active one', () => {
    const codec = codecFromEnv({ FRIEND_IMPORT_CODEC_KEYS: ` new:${K2} ,\n old:${K1}` });
    assert.ok(codec);
    assert.equal(codec.activeKeyId, 'new');
    assert.deepEqual(codec.keyIds, ['new', 'old']);
    const converter = dataConverterFromEnv({ FRIEND_IMPORT_CODEC_KEYS: `a:${K1}` });
    assert.equal(converter?.payloadCodecs?.length, 1);
    assert.ok(converter?.payloadCodecs?.[0] instanceof AesGcmCodec);
  });

  it('names the variable and the key for each bad entry, never the key bytes', () => {
    const short = randomBytes(16).toString('base64');
    const found = settingsProblems(() =>
      parseCodecKeys(`good:${K1},short:${short},nocolon,bad id:${K2},good:${K2},x:not*base64`),
    );
    assert.deepEqual(found, [
      'FRIEND_IMPORT_CODEC_KEYS: key "short" must be 32 bytes in base64 (it has 16); make one with: openssl rand -base64 32',
      'FRIEND_IMPORT_CODEC_KEYS: entry 3 must look like <id>:<base64 of 32 bytes>',
      `FRIEND_IMPORT_CODEC_KEYS: key "bad id" needs an id of 1–64 letters, digits, '.', '_' or '-'`,
      'FRIEND_IMPORT_CODEC_KEYS: key id "good" appears twice',
      'FRIEND_IMPORT_CODEC_KEYS: key "x" must be 32 bytes in base64; make one with: openssl rand -base64 32',
    ]);
    assert.ok(!found.join('\n').includes(short) && !found.join('\n').includes(K1));
    assert.deepEqual(
      settingsProblems(() => codecFromEnv({ FRIEND_IMPORT_CODEC_KEYS: ',' })),
      ['FRIEND_IMPORT_CODEC_KEYS must list at least one key as <id>:<base64 of 32 bytes>'],
    );
  });
});

describe('AES-256-GCM payload codec', () => {
  const codec = new AesGcmCodec(parseCodecKeys(`k1:${K1}`));

  it('round-trips whole payloads (metadata and data) and hides the clear text', async () => {
    const originals = [
      clear(MARKER),
      clear({ From_Account: 'alice', Remark: MARKER }),
      clear(null),
      clear(undefined),
    ];
    const encoded = await codec.encode(originals);
    assert.equal(encoded.length, originals.length);
    for (const p of encoded) {
      assert.equal(text(p.metadata?.encoding), ENCRYPTED_ENCODING);
      assert.equal(text(p.metadata?.[KEY_ID_METADATA]), 'k1');
      assert.equal(Object.keys(p.metadata ?? {}).length, 2, 'no clear metadata such as json/plain left');
      assert.ok(!Buffer.from(p.data ?? []).includes(MARKER));
    }
    const decoded = await codec.decode(encoded);
    assert.deepEqual(
      decoded.map((p) => defaultPayloadConverter.fromPayload(p)),
      [MARKER, { From_Account: 'alice', Remark: MARKER }, null, undefined],
    );
    assert.equal(text(decoded[0]?.metadata?.encoding), 'json/plain');
    assert.deepEqual(await codec.encode([]), []);
  });

  it('uses a fresh IV each time: the same payload never encrypts the same way', async () => {
    const [a, b] = await codec.encode([clear(MARKER), clear(MARKER)]);
    assert.notDeepEqual(Buffer.from(a?.data ?? []), Buffer.from(b?.data ?? []));
  });

  it('rotates: data under an old key still decodes after a new active key is added', async () => {
    const before = await codec.encode([clear(MARKER)]);
    const rotated = new AesGcmCodec(parseCodecKeys(`k2:${K2},k1:${K1}`));
    const after = await rotated.encode([clear(MARKER)]);
    assert.equal(text(after[0]?.metadata?.[KEY_ID_METADATA]), 'k2', 'new data uses the new key');
    const decoded = await rotated.decode([...before, ...after]);
    assert.deepEqual(
      decoded.map((p) => defaultPayloadConverter.fromPayload(p)),
      [MARKER, MARKER],
    );
    // The old codec does not know k2: a clear error naming the key and the variable.
    await assert.rejects(codec.decode(after), (err: Error) => {
      assert.ok(err instanceof CodecError);
      assert.match(err.message, /key "k2", which is not in FRIEND_IMPORT_CODEC_KEYS \(known: k1\)/);
      return true;
    });
  });

  it('detects tampering and a different key under the same id', async () => {
    const [p] = await codec.encode([clear(MARKER)]);
    assert.ok(p?.data);
    for (const i of [0, 12, p.data.length - 1]) {
      const data = Buffer.from(p.data);
      data[i] = (data[i] ?? 0) ^ 0x01;
      await assert.rejects(codec.decode([{ ...p, data }]), /key "k1"\) failed authentication/);
    }
    const impostor = new AesGcmCodec([{ id: 'k1', key: randomBytes(32) }]);
    await assert.rejects(impostor.decode([p]), /failed authentication/);
    await assert.rejects(codec.decode([{ ...p, data: p.data.subarray(0, 20) }]), /too short/);
    await assert.rejects(
      codec.decode([{ metadata: { encoding: p.metadata?.encoding ?? new Uint8Array() }, data: p.data }]),
      /no encryption-key-id metadata/,
    );
  });

  it('passes payloads that are not encrypted through unchanged', async () => {
    const plain = [clear(MARKER), { metadata: {}, data: Buffer.from('raw') }, { data: null }];
    assert.deepEqual(await codec.decode(plain), plain);
  });

  it('refuses keys of the wrong size and an empty key list', () => {
    assert.throws(() => new AesGcmCodec([]), CodecError);
    assert.throws(() => new AesGcmCodec([{ id: 'a', key: randomBytes(16) }]), /not 32 bytes/);
  });
});

describe('codec-server JSON payloads', () => {
  it('converts to protobuf JSON (base64 bytes) and back', () => {
    const payloads = [clear(MARKER), { metadata: {}, data: Buffer.alloc(0) }];
    const json = payloadsToJson(payloads);
    assert.deepEqual(json.payloads[0], {
      metadata: { encoding: Buffer.from('json/plain').toString('base64') },
      data: Buffer.from(JSON.stringify(MARKER)).toString('base64'),
    });
    const back = payloadsFromJson(JSON.parse(JSON.stringify(json)));
    assert.deepEqual(
      back.map((p) => [text(p.metadata?.encoding), text(p.data)]),
      [
        ['json/plain', JSON.stringify(MARKER)],
        ['', ''],
      ],
    );
    // proto3 JSON omits empty fields; base64url is accepted too.
    assert.deepEqual(payloadsFromJson({ payloads: [{}] }), [{ metadata: {}, data: Buffer.alloc(0) }]);
    assert.equal(text(payloadsFromJson({ payloads: [{ data: '-_8' }] })[0]?.data), '\ufffd\ufffd');
  });

  it('rejects bodies that are not Payloads', () => {
    for (const bad of [
      null,
      {},
      { payloads: {} },
      { payloads: [{ data: 'a b' }] },
      { payloads: [{ metadata: { k: 1 } }] },
    ])
      assert.throws(() => payloadsFromJson(bad), Error, JSON.stringify(bad));
  });
});
