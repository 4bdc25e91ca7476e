import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger, temporalLogger } from '../../../workers/logger.js';

/** The lines a logger wrote, as text. */
function capture(): { lines: string[]; stream: { write: (s: string) => void } } {
  const lines: string[] = [];
  return { lines, stream: { write: (s: string) => void lines.push(s) } };
}

describe('worker logs', () => {
  it('mask every secret however deep it sits, and every UserSig in any string', () => {
    const out = capture();
    const log = createLogger('info', out.stream);
    const sig = 'eJx1jMEKgjAQRO-Sm-SECRET-SIG_*abcdefghijklmnopqrstuvwxyz0123456789';
    const cycle: Record<string, unknown> = { name: 'loop' };
    cycle.self = cycle;
    log.info(
      {
        settings: { im: { nested: { secretKey: 'KEY-SECRET-1', IM_SECRET_KEY: 'KEY-SECRET-2' } } },
        calls: [{ url: `http://h/v4/sns/friend_import?usersig=${sig}&random=1` }],
        encoded: `next=${encodeURIComponent(`http://h/?usersig=${sig}&x=1`)}`,
        apiKey: 'API-SECRET',
        cycle,
      },
      `failed calling http://h/?usersig=${sig}`,
    );
    const err = new Error(`fetch failed for http://h/?usersig=${sig}`, {
      cause: new Error(`socket usersig=${sig}`),
    });
    log.error({ err }, 'a call failed');
    temporalLogger(log).warn(`activity failed: usersig=${sig}`, { detail: { userSig: sig } });
    const text = out.lines.join('');
    for (const secret of ['KEY-SECRET-1', 'KEY-SECRET-2', 'API-SECRET', 'SECRET-SIG'])
      assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
    assert.equal(out.lines.length, 3);
    const first = JSON.parse(out.lines[0] ?? '{}') as Record<string, unknown>;
    assert.equal(
      (first.settings as { im: { nested: { secretKey: string } } }).im.nested.secretKey,
      '[redacted]',
    );
    assert.match(String(first.msg), /usersig=\[redacted\]/);
    assert.match(out.lines[1] ?? '', /fetch failed for http:\/\/h\/\?usersig=\[redacted\]/);
    assert.match(out.lines[0] ?? '', /"\[circular\]"/);
  });
});
