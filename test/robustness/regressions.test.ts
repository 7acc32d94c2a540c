// Differences from nats-server found by the differential fuzz (fuzz.test.ts), each pinned as a
// transcript against an in-process tsnats with the reference's answer (captured from nats-server 2.9.10).
// Each test failed before its fix in src/.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { RawConn } from '../helpers/raw.js';
import { withServer } from '../helpers/tsnats.js';
import type { Server } from '../../src/index.js';

/** Connect, read INFO, send each write separately (a few ms apart), then collect until the server closes. */
async function untilClosed(port: number, writes: string[], ms = 3000): Promise<{ got: string; closed: boolean }> {
  const { c } = await RawConn.openAndInfo(port);
  c.sock.setNoDelay(true);
  try {
    for (const w of writes) {
      await c.write(Buffer.from(w, 'latin1'));
      await sleep(10);
    }
    const closed = await c.until((_b, isClosed) => isClosed, ms);
    return { got: c.take().toString('latin1'), closed };
  } finally {
    c.close();
  }
}

describe('fuzz findings (regressions)', () => {
  let srv: Server;
  before(async () => {
    srv = await withServer(null, {});
  });
  after(() => srv.shutdown());

  it('a wrong byte right after a split payload fails at once, without waiting for one more byte (fuzz seed 17)', async () => {
    // nats-server checks the '\r' after the payload as soon as it arrives (parser.go MSG_END_R);
    // the LF that would follow never comes here, and the reference does not wait for it.
    const r = await untilClosed(srv.port, ['CONNECT {"verbose":false}\r\nPUB foo 5\r\n', 'hello!']);
    assert.equal(r.got, "-ERR 'Unknown Protocol Operation'\r\n");
    assert.ok(r.closed, 'closed by the server');
  });

  it('the same when the payload and the wrong byte come with the control line', async () => {
    const r = await untilClosed(srv.port, ['CONNECT {"verbose":false}\r\nPUB foo 5\r\nhello!']);
    assert.equal(r.got, "-ERR 'Unknown Protocol Operation'\r\n");
    assert.ok(r.closed, 'closed by the server');
  });
});
