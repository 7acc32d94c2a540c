// JetStream enabled by account JWTs (operator mode): the limits of the claims (`mem_storage`,
// `disk_storage`, `streams`, `consumer`, …) are the account's JetStream limits, an account whose
// claims set no storage has no JetStream, and new claims turn it on. Against tsnats and nats-server.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { hasNatsServer } from '../helpers/servers.js';
import { startJsServer, type ServerKind } from './harness/servers.js';
import { Operators } from '../auth/helpers.js';
import { withServer } from '../helpers/tsnats.js';
import { updateAccountClaims } from '../../src/index.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const kinds: ServerKind[] = hasNatsServer() ? ['tsnats', 'nats-server'] : ['tsnats'];
const JS = { mem_storage: 1024 * 1024, disk_storage: 8 * 1024 * 1024, streams: 2, consumer: 5, max_ack_pending: 100, mem_max_stream_bytes: -1, disk_max_stream_bytes: -1, max_bytes_required: false };

for (const kind of kinds) {
  describe(`JetStream limits from account JWTs against ${kind}`, () => {
    it('limits in $JS.API.INFO, max streams enforced, an account without JetStream claims answers 10039', async () => {
      const ops = await new Operators().init();
      const withJs = await ops.account('JSA', { limits: JS as never });
      const without = await ops.account('PLAIN');
      const u1 = await ops.user('u1', withJs.kp);
      const u2 = await ops.user('u2', without.kp);
      const srv = await startJsServer(kind, { config: ops.inlineConf({ [withJs.kp.getPublicKey()]: withJs.jwt, [without.kp.getPublicKey()]: without.jwt }) });
      const a = await connect({ servers: srv.url, authenticator: (await import('@nats-io/transport-node')).credsAuthenticator(u1.creds) });
      const b = await connect({ servers: srv.url, authenticator: (await import('@nats-io/transport-node')).credsAuthenticator(u2.creds) });
      try {
        const api = async (nc: typeof a, subj: string, body: unknown = '') => JSON.parse(dec.decode((await nc.request(`$JS.API.${subj}`, enc.encode(typeof body === 'string' ? body : JSON.stringify(body)), { timeout: 3000 })).data));
        const info = await api(a, 'INFO');
        assert.deepEqual(info.limits, { max_memory: 1048576, max_storage: 8388608, max_streams: 2, max_consumers: 5, max_ack_pending: 100, memory_max_stream_bytes: -1, storage_max_stream_bytes: -1, max_bytes_required: false });
        assert.equal((await api(a, 'STREAM.CREATE.S1', { name: 'S1' })).error, undefined);
        assert.equal((await api(a, 'STREAM.CREATE.S2', { name: 'S2', storage: 'memory' })).error, undefined);
        assert.deepEqual((await api(a, 'STREAM.CREATE.S3', { name: 'S3' })).error, { code: 400, err_code: 10027, description: 'maximum number of streams reached' });
        assert.deepEqual((await api(a, 'STREAM.CREATE.S4', { name: 'S4', max_bytes: 2 * 1024 * 1024, storage: 'memory' })).error?.err_code, 10027);
        assert.deepEqual((await api(b, 'INFO')).error, { code: 503, err_code: 10039, description: 'JetStream not enabled for account' });
      } finally {
        await Promise.all([a.close(), b.close()]);
        await srv.stop();
      }
    });
  });
}

describe('JetStream and new account claims (tsnats)', () => {
  it('claims that add storage limits enable JetStream for the account; claims without remove it (its data stays)', async (t) => {
    const ops = await new Operators().init();
    const acc = await ops.account('LATE');
    const u = await ops.user('u', acc.kp);
    const srv = await withServer(t, { ...ops.options({ [acc.kp.getPublicKey()]: acc.jwt }), jetstream: { memoryOnly: true } });
    const { credsAuthenticator } = await import('@nats-io/transport-node');
    const nc = await connect({ servers: srv.url, authenticator: credsAuthenticator(u.creds) });
    t.after(() => nc.close());
    const info = async () => JSON.parse(dec.decode((await nc.request('$JS.API.INFO', enc.encode(''), { timeout: 3000 })).data));
    assert.equal((await info()).error?.err_code, 10039);
    const withJs = await ops.account('LATE', { limits: JS as never }, { kp: acc.kp });
    updateAccountClaims(srv, withJs.jwt);
    assert.equal((await info()).limits.max_streams, 2);
    const off = await ops.account('LATE', {}, { kp: acc.kp });
    updateAccountClaims(srv, off.jwt);
    assert.equal((await info()).error?.err_code, 10039);
  });
});
