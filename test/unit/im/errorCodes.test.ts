import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  classOf,
  codeInfo,
  ERROR_CODES,
  httpStatusCode,
  NETWORK_ERROR_CODE,
  TIMEOUT_CODE,
  type CodeClass,
} from '../../../im/index.js';

// Written from the vendor's error-code pages (relationship chain, common REST, account/UserSig),
// one class per code: retry, back off, re-sign, never retry, or fix a setting.
const EXPECTED: Record<CodeClass, number[]> = {
  transient: [30006, 30007, 30008, 60008, 60013, 60014, 70169, 70202, 70500],
  rateLimit: [30540, 31707, 60007, 60011, 60018, 60019, 70050, 70114],
  auth: [60004, 60005, 70001, 70002, 70003, 70005, 70013, 70052],
  config: [30004, 60010, 70009, 70014, 70016, 70020, 70403],
  permanent: [
    30001, 30002, 30003, 30005, 30009, 30010, 30011, 30012, 30013, 30014, 30515, 30516, 30525, 30539, 30614,
    31704, 31804, 60002, 60003, 60006, 60009, 60012, 60015, 60016, 60017, 60020, 60021, 70051, 70107, 70206,
    70398, 70402, 71000,
  ],
};

describe('error-code table', () => {
  for (const [cls, codes] of Object.entries(EXPECTED))
    it(`${codes.length} codes are ${cls}`, () => {
      for (const code of codes) assert.equal(classOf(code), cls, `code ${code}`);
    });

  it('holds exactly the codes above, each with a meaning and advice', () => {
    const all = Object.values(EXPECTED).flat().sort();
    assert.deepEqual([...ERROR_CODES.keys()].sort(), all);
    for (const info of ERROR_CODES.values()) {
      assert.ok(info.meaning.length > 5, `${info.code} meaning`);
      assert.ok(info.advice.length > 5, `${info.code} advice`);
    }
  });

  it('right retries: the transient and rate-limit codes docs/architecture.md lists', () => {
    for (const code of [30006, 30007, 30008, 60008, 70169, 70202, 70500])
      assert.equal(classOf(code), 'transient');
    for (const code of [60007, 60011, 60018, 60019, 30540, 70050]) assert.equal(classOf(code), 'rateLimit');
  });

  it('70050 asks for at least 60 s; other rate-limit codes carry a delay too', () => {
    assert.equal(codeInfo(70050).minDelayMs, 60_000);
    for (const code of EXPECTED.rateLimit) assert.ok((codeInfo(code).minDelayMs ?? 0) >= 1000, String(code));
  });

  it('network level: 5xx, timeouts and resets are transient, 429 rate-limit, other statuses permanent', () => {
    for (const s of [500, 502, 503, 504]) assert.equal(classOf(httpStatusCode(s)), 'transient', String(s));
    assert.equal(classOf(httpStatusCode(429)), 'rateLimit');
    assert.equal(classOf(httpStatusCode(404)), 'permanent');
    assert.equal(classOf(TIMEOUT_CODE), 'transient');
    assert.equal(classOf(NETWORK_ERROR_CODE), 'transient');
  });

  it('an unknown code is permanent, never retried blindly', () => {
    assert.equal(classOf(99999), 'permanent');
    assert.match(codeInfo(99999).meaning, /unknown/);
  });
});
