// Old-format (v1) JWTs (issue 13 item 9) and trust errors at start-up. v1 JWTs (header alg
// "ed25519", "type" at the top level, no nats.version, the signature over the payload only) are what
// nats.js's test suite and older nsc setups use: nats-server 2.9.10 migrates them (jwt decoder_*.go)
// and authenticates with them, so tsnats must. A configuration or trust error is a one-line message
// and exit status 1, never a stack trace.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createOperator, createAccount, createUser } from '@nats-io/nkeys';
import { encodeOperator, encodeAccount, encodeUser, encodeActivation, Algorithms } from '@nats-io/jwt';
import { hasNatsServer, natsServerBin, TSNATS_CLI } from '../helpers/servers.js';
import { freePort } from '../../dev/ports.js';
import { dual, type Scenario, type Outcome } from './dual.js';
import { tempDir, writeConf, UNLIMITED } from './helpers.js';
import { signRaw, baseClaims } from './jwt-raw.js';

const v1 = { algorithm: Algorithms.v1 };

async function same(t: Parameters<typeof dual>[0], sc: Scenario): Promise<Outcome> {
  const { ref, ts } = await dual(t, sc, { tsnatsOnly: !hasNatsServer() });
  if (hasNatsServer()) {
    assert.deepEqual(ts.conns, ref.conns, 'what the clients received');
    assert.deepEqual(ts.log, ref.log, 'the [ERR]/[WRN] log lines');
  }
  return ts;
}

describe('v1 JWTs', () => {
  test('a v1 operator, v1 accounts (with a v1 activation) and v1 users load and authenticate', async (t) => {
    const okp = createOperator();
    const sys = createAccount();
    const akp = createAccount();
    const bkp = createAccount();
    const opJwt = await encodeOperator('OP1', okp, { system_account: sys.getPublicKey() }, v1);
    const sysJwt = await encodeAccount('SYS', sys, { limits: UNLIMITED }, { ...v1, signer: okp });
    const aJwt = await encodeAccount('A', akp, { limits: UNLIMITED, exports: [{ name: 'e', subject: 'e.>', type: 'stream', token_req: true }] }, { ...v1, signer: okp });
    const token = await encodeActivation('act', bkp, akp, 'stream', { subject: 'e.>' }, v1);
    const bJwt = await encodeAccount('B', bkp, { limits: UNLIMITED, imports: [{ name: 'e', subject: 'e.>', account: akp.getPublicKey(), type: 'stream', token }] }, { ...v1, signer: okp });
    const ua = createUser();
    const ub = createUser();
    const uaJwt = await encodeUser('ua', ua, akp, { pub: { allow: ['e.>'] } }, v1);
    // nats.js's test suite writes v1 users by hand: only "type" at the top, no limits at all.
    const ubJwt = signRaw({ ...baseClaims('ub', ub.getPublicKey(), bkp), type: 'user', nats: { sub: { allow: ['e.>'] } } }, bkp, { v1: true });
    const preload = { [sys.getPublicKey()]: sysJwt, [akp.getPublicKey()]: aJwt, [bkp.getPublicKey()]: bJwt };
    const conf = `operator: ${opJwt}\nresolver: MEMORY\nresolver_preload: {\n${Object.entries(preload).map(([k, v]) => `  ${k}: ${v}`).join('\n')}\n}\n`;
    const ts = await same(t, {
      conf, opts: { trustedOperators: [opJwt], resolverPreload: preload },
      async run(io) {
        await io.open('b', { jwt: ubJwt }, ub, true);
        io.send('b', 'SUB e.> 1\r\nSUB x 2\r\n');
        await io.sync('b');
        await io.open('a', { jwt: uaJwt }, ua, true);
        io.send('a', 'PUB e.1 2\r\nhi\r\nPUB f 1\r\nx\r\n');
        await io.sync('a');
        await io.sync('b');
      },
    });
    const frames = (name: string) => ts.conns[name]!.filter((l) => l !== 'PONG' && !l.startsWith('INFO'));
    assert.deepEqual(frames('b'), ["-ERR 'Permissions Violation for Subscription to \"x\"'", 'MSG e.1 1 2', 'hi'], 'the v1 user of B: its permissions, and the v1 activation imports A\'s stream');
    assert.deepEqual(frames('a'), ["-ERR 'Permissions Violation for Publish to \"f\"'"], 'the v1 user of A: its permissions');
  });
});

/** Runs a server CLI with `-c conf` until it is ready or exits; its status and output. */
function runCli(cmd: string, args: string[], ms = 8000): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const done = (code: number | null) => {
      clearTimeout(timer);
      resolve({ code, out });
    };
    const onData = (d: Buffer) => {
      out += d.toString();
      if (/Server is ready/.test(out)) {
        p.kill('SIGTERM');
      }
    };
    p.stdout.on('data', onData);
    p.stderr.on('data', onData);
    p.on('exit', (code) => done(/Server is ready/.test(out) ? 0 : code));
    const timer = setTimeout(() => p.kill('SIGKILL'), ms);
  });
}

describe('trust errors at start-up: one line, exit 1', () => {
  test('v1 operator starts; bad operators and preloads are refused as nats-server refuses them', async (t) => {
    const dir = tempDir(t);
    const okp = createOperator();
    const acc = createAccount();
    const good = await encodeOperator('OP', okp, {}, v1);
    const cases: [string, string, boolean][] = [
      ['a v1 operator', `operator: ${good}\nresolver: MEMORY\n`, true],
      ['an operator JWT with a bad signature', `operator: ${good.slice(0, -6)}AAAAAA\nresolver: MEMORY\n`, false],
      ['an operator signing key that is not one', `operator: ${await encodeOperator('OP', okp, { signing_keys: [acc.getPublicKey()] })}\nresolver: MEMORY\n`, false],
      ['an operator asserting a newer server', `operator: ${await encodeOperator('OP', okp, { assert_server_version: '3.0.0' } as never)}\nresolver: MEMORY\n`, false],
      ['an operator whose signing_keys are not strings', `operator: ${signRaw({ ...baseClaims('OP', okp.getPublicKey(), okp), nats: { type: 'operator', version: 2, signing_keys: [1] } }, okp)}\nresolver: MEMORY\n`, false],
      ['a preload of the wrong type', `operator: ${good}\nresolver: MEMORY\nresolver_preload: { ${acc.getPublicKey()}: ${await encodeUser('u', createUser(), acc)} }\n`, false],
    ];
    for (const [name, text, starts] of cases) {
      const port = await freePort();
      const conf = writeConf(dir, 'c.conf', `listen: 127.0.0.1:${port}\n${text}`);
      const ts = await runCli(process.execPath, [TSNATS_CLI, '-c', conf]);
      assert.equal(ts.code, starts ? 0 : 1, `${name}: tsnats exit status; output:\n${ts.out}`);
      if (!starts) {
        assert.doesNotMatch(ts.out, /\n\s+at |Error:|TsnatsError/, `${name}: no stack trace`);
        assert.match(ts.out, /^tsnats: \S/m, `${name}: one line saying what is wrong`);
      }
      if (hasNatsServer()) {
        const ref = await runCli(natsServerBin()!, ['-c', conf]);
        assert.equal(ts.code, ref.code, `${name}: same exit status as nats-server (${ref.out.split('\n')[0]})`);
      }
    }
  });
});
