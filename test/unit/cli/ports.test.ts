import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { describe, it } from 'node:test';
import {
  canListen,
  ephemeralRange,
  freePort,
  freePorts,
  isAddressInUse,
  withFreshPorts,
} from '../../../cli/stack/ports.js';

function listenOn(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

describe('ports for the servers we start', () => {
  it('are chosen below the kernel’s ephemeral range and below 32768, never twice', async () => {
    const [lo] = ephemeralRange();
    const ports = await freePorts(40);
    assert.equal(new Set(ports).size, ports.length, 'distinct');
    for (const p of ports) {
      assert.ok(p < Math.min(lo, 32_768), `${p} is below ${Math.min(lo, 32_768)}`);
      assert.ok(p >= 10_000, `${p} is not a well-known port`);
    }
  });

  it('a port taken between the choice and the bind is retried with fresh ports', async () => {
    const taken = await freePort();
    const holder = await listenOn(taken);
    try {
      const tried: number[] = [];
      const bound = await withFreshPorts('test server', async (attempt) => {
        // The first try meets the port another process took; the next one chooses again.
        const port = attempt === 1 ? taken : await freePort();
        tried.push(port);
        const server = await listenOn(port);
        return { server, port };
      });
      assert.deepEqual(tried.length, 2);
      assert.notEqual(bound.port, taken);
      assert.equal(await canListen(bound.port), false, 'the retry holds its port');
      bound.server.close();
    } finally {
      holder.close();
    }
  });

  it('gives up after the last try with one sentence that says why, and passes other errors through', async () => {
    let tries = 0;
    await assert.rejects(
      withFreshPorts(
        'the emulator',
        () => {
          tries++;
          return Promise.reject(
            Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:5080'), {
              code: 'EADDRINUSE',
            }),
          );
        },
        3,
      ),
      /^Error: the emulator: a port was taken by another process at each of 3 tries/,
    );
    assert.equal(tries, 3);
    let once = 0;
    await assert.rejects(
      withFreshPorts('x', () => {
        once++;
        return Promise.reject(new Error('no such file'));
      }),
      /no such file/,
    );
    assert.equal(once, 1, 'not a port clash: no retry');
  });

  it('recognises a clash in the words servers print', () => {
    assert.ok(isAddressInUse({ code: 'EADDRINUSE' }));
    assert.ok(isAddressInUse(new Error('listen tcp 127.0.0.1:41789: bind: address already in use')));
    assert.ok(isAddressInUse(new Error('could not bind IPv4 address "127.0.0.1": Address already in use')));
    assert.ok(!isAddressInUse(new Error('connection refused')));
  });
});
