// Captures nats-server's TLS behaviour on the client port for docs/reference/tls-2.9.10.md.
// Not a test: run by hand after `npx tsc -p tsconfig.json`:
//   node dist/test/tls/reference-capture.js [section ...]     (no section: all of them)
// It starts nats-server (the reference) with the generated test certificates and prints, per
// section, the bytes clients saw, the server's -DV log lines, timings and monitoring JSON.
import { connect as tlsConnect, type TLSSocket, type ConnectionOptions } from 'node:tls';
import { connect as netConnect, type Socket } from 'node:net';
import { mkdtempSync, writeFileSync, readFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { request as httpsRequest } from 'node:https';
import { startServer, natsServerBin, type TestServer } from '../helpers/servers.js';
import { testCerts, type TestCerts, type CertPair } from '../helpers/certs.js';
import { freePort } from '../../dev/ports.js';
import { parseCertificate, pemCertificates } from '../../src/tls/x509.js';
import { tlsMapIdentities } from '../../src/tls/map.js';
import { spkiSha256 } from '../../src/tls/options.js';

const work = mkdtempSync(join(tmpdir(), 'tls-capture-'));
let C: TestCerts;

function out(s = ''): void {
  process.stdout.write(s + '\n');
}
function section(name: string): void {
  out(`\n## ${name}\n`);
}
/** A config file with `body`, returned as its path. */
function conf(name: string, body: string): string {
  const p = join(work, `${name}.conf`);
  writeFileSync(p, body);
  return p;
}
function tlsBlock(extra = '', pair: CertPair = C.server): string {
  return `tls {\n  cert_file: "${pair.cert}"\n  key_file: "${pair.key}"\n${extra}}\n`;
}
async function ref(config: string, opts: { monitor?: boolean; args?: string[] } = {}): Promise<TestServer> {
  return startServer('nats-server', { config, monitor: opts.monitor, args: ['-DV', ...(opts.args ?? [])] });
}
/** The log lines after `mark` (an index into output()), with pid and timestamp replaced. */
function logSince(s: TestServer, mark: number): string {
  return s.output().slice(mark).split('\n').filter((l) => l && !/maxprocs/.test(l))
    .map((l) => l.replace(/^\[\d+\] \d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d\.\d+ /, '[pid] date time ')).join('\n');
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function json(url: string): Promise<any> {
  const r = await fetch(url);
  return r.json();
}

/** A plain TCP socket that records everything it receives and how/when it closed. */
class Tap {
  sock: Socket;
  data = Buffer.alloc(0);
  t0 = performance.now();
  events: string[] = [];
  closed: Promise<void>;
  constructor(port: number) {
    this.sock = netConnect(port, '127.0.0.1');
    this.sock.on('data', (d) => { this.data = Buffer.concat([this.data, d]); this.events.push(`${this.ms()} ms data ${d.length} bytes`); });
    this.sock.on('end', () => this.events.push(`${this.ms()} ms FIN from server`));
    this.sock.on('error', (e) => this.events.push(`${this.ms()} ms error ${e.message}`));
    this.closed = new Promise((r) => this.sock.on('close', () => { this.events.push(`${this.ms()} ms closed`); r(); }));
  }
  ms(): number {
    return Math.round(performance.now() - this.t0);
  }
  async waitInfo(): Promise<string> {
    for (let i = 0; i < 200 && !this.data.includes('\r\n'); i++) await sleep(10);
    const i = this.data.indexOf('\r\n');
    const info = this.data.subarray(0, i + 2).toString('latin1');
    this.data = this.data.subarray(i + 2);
    return info;
  }
  async closedWithin(ms: number): Promise<boolean> {
    return Promise.race([this.closed.then(() => true), sleep(ms).then(() => false)]);
  }
}

function show(b: Buffer): string {
  return JSON.stringify(b.toString('latin1'));
}
function hex(b: Buffer, max = 64): string {
  return b.subarray(0, max).toString('hex').replace(/(..)/g, '$1 ').trim() + (b.length > max ? ` … (${b.length} bytes)` : '');
}

/** TLS over an already-open plain socket (after INFO), as NATS clients do. */
function startTls(sock: Socket, opts: ConnectionOptions = {}): Promise<{ tls: TLSSocket; err?: Error; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const tls = tlsConnect({ socket: sock, ca: readFileSync(C.ca.cert), servername: 'localhost', ...opts });
    tls.once('secureConnect', () => resolve({ tls, ms: Math.round(performance.now() - t0) }));
    tls.once('error', (err) => resolve({ tls, err, ms: Math.round(performance.now() - t0) }));
  });
}
/** Read from a TLS socket until `pred` or close; returns what came and how it ended. */
function readTls(tls: TLSSocket, pred: (s: string) => boolean, ms = 3000): Promise<{ text: string; end: string }> {
  return new Promise((resolve) => {
    let text = '';
    const done = (end: string) => { clearTimeout(t); tls.removeAllListeners('data'); resolve({ text, end }); };
    const t = setTimeout(() => done('timeout'), ms);
    tls.on('data', (d) => { text += d.toString('latin1'); if (pred(text)) done('matched'); });
    tls.once('error', (e) => done(`error: ${(e as NodeJS.ErrnoException).code ?? ''} ${e.message}`));
    tls.once('close', () => done('close'));
  });
}
/** Open TCP, read INFO, start TLS with `opts`, send CONNECT+PING and read the answer. */
async function tlsSession(port: number, opts: ConnectionOptions = {}, connect = 'CONNECT {"verbose":false}\r\nPING\r\n') {
  const tap = new Tap(port);
  const info = await tap.waitInfo();
  const r = await startTls(tap.sock, opts);
  if (r.err) {
    await tap.closedWithin(3000);
    return { info, handshake: `error: ${(r.err as NodeJS.ErrnoException).code ?? ''} ${r.err.message}`, answer: null as null | { text: string; end: string }, tls: r.tls, tap };
  }
  const handshake = `ok ${r.tls.getProtocol()} ${r.tls.getCipher().standardName} in ${r.ms} ms`;
  r.tls.write(connect);
  const answer = await readTls(r.tls, (s) => /PONG\r\n|-ERR/.test(s));
  return { info, handshake, answer, tls: r.tls, tap };
}

// ---------------------------------------------------------------------------------------------

const sections: Record<string, () => Promise<void>> = {
  async info() {
    section('INFO with TLS');
    for (const [name, body] of [
      ['tls', tlsBlock()],
      ['verify', tlsBlock(`  ca_file: "${C.ca.cert}"\n  verify: true\n`)],
      ['verify_and_map', tlsBlock(`  ca_file: "${C.ca.cert}"\n  verify_and_map: true\n`) + 'authorization { users = [ {user: "CN=alice,OU=eng,O=acme"} ] }\n'],
      ['allow_non_tls', tlsBlock() + 'allow_non_tls: true\n'],
      ['allow_non_tls+verify', tlsBlock(`  ca_file: "${C.ca.cert}"\n  verify: true\n`) + 'allow_non_tls: true\n'],
    ] as const) {
      const s = await ref(conf(`info-${name}`, body));
      const tap = new Tap(s.port);
      out(`${name}:\n    ${(await tap.waitInfo()).replace(/"server_(id|name)":"\w+"/g, '"server_$1":"…"')}`);
      tap.sock.destroy();
      await s.stop();
    }
  },

  async plaintext() {
    section('plaintext CONNECT to a TLS port');
    const s = await ref(conf('plain', tlsBlock()), { monitor: true });
    const mark = s.output().length;
    const tap = new Tap(s.port);
    out(`INFO: ${(await tap.waitInfo()).slice(0, 60)}…`);
    tap.sock.write('CONNECT {"verbose":false}\r\nPING\r\n');
    await tap.closedWithin(5000);
    out(`after INFO the client received: ${show(tap.data)}\n  hex: ${hex(tap.data)}`);
    out(`events: ${tap.events.join('; ')}`);
    await sleep(100);
    out('log:\n' + logSince(s, mark));
    const cz = await json(`http://127.0.0.1:${s.httpPort}/connz?state=closed`);
    out('connz closed: ' + JSON.stringify(cz.connections));
    await s.stop();
  },

  async silent() {
    section('TCP open, no handshake (timeout)');
    for (const [name, extra] of [['default', ''], ['timeout: 0.5', '  timeout: 0.5\n']] as const) {
      const s = await ref(conf('silent', tlsBlock(extra)), { monitor: true });
      const mark = s.output().length;
      const tap = new Tap(s.port);
      await tap.waitInfo();
      await tap.closedWithin(5000);
      out(`### ${name}\nevents: ${tap.events.join('; ')}\nbytes after INFO: ${show(tap.data)}`);
      await sleep(100);
      out('log:\n' + logSince(s, mark));
      const cz = await json(`http://127.0.0.1:${s.httpPort}/connz?state=closed`);
      out('connz closed: ' + JSON.stringify(cz.connections));
      const vz = await json(`http://127.0.0.1:${s.httpPort}/varz`);
      out(`varz: tls_required=${vz.tls_required} tls_verify=${vz.tls_verify} tls_timeout=${vz.tls_timeout} auth_timeout=${vz.auth_timeout}`);
      await s.stop();
    }
  },

  async garbage() {
    section('garbage TLS records and half handshakes');
    const s = await ref(conf('garbage', tlsBlock()), { monitor: true });
    const hello = await clientHello();
    const cases: [string, Buffer][] = [
      ['handshake record, garbage body', Buffer.from('1603010005ffffffffff', 'hex')],
      ['record length 0xffff (over 16 KB + 2 KB)', Buffer.concat([Buffer.from('160301ffff', 'hex'), Buffer.alloc(64, 0x41)])],
      ['alert record first', Buffer.from('15030100020228', 'hex')],
      ['application data record first', Buffer.from('1703030005aaaaaaaaaa', 'hex')],
      ['0x16 then random bytes', Buffer.concat([Buffer.from([0x16]), Buffer.from('b2c5d7e9f1a3b5c7d9e1f3a5b7c9d1e3f5', 'hex')])],
      ['SSLv2-style ClientHello (0x80 …)', Buffer.from('802e0103010015000000100100800200800300800400800500800600400700c0', 'hex')],
      ['HTTP request', Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')],
      ['half a ClientHello, then silence', hello.subarray(0, Math.floor(hello.length / 2))],
      ['a whole ClientHello, then silence', hello],
    ];
    for (const [name, bytes] of cases) {
      const mark = s.output().length;
      const tap = new Tap(s.port);
      await tap.waitInfo();
      tap.sock.write(bytes);
      await tap.closedWithin(4000);
      out(`### ${name}\nsent: ${hex(bytes, 24)}\nreceived after INFO: ${hex(tap.data, 16)}\nevents: ${tap.events.slice(1).join('; ')}`);
      await sleep(100);
      out('log:\n' + logSince(s, mark));
    }
    const cz = await json(`http://127.0.0.1:${s.httpPort}/connz?state=closed`);
    out('closed reasons: ' + JSON.stringify(cz.connections.map((c: any) => c.reason)));
    await s.stop();
  },

  async renegotiation() {
    section('renegotiation (TLS 1.2 client asks)');
    const s = await ref(conf('reneg', tlsBlock()));
    const mark = s.output().length;
    const r = await tlsSession(s.port, { maxVersion: 'TLSv1.2' });
    out(`handshake: ${r.handshake}; first answer: ${JSON.stringify(r.answer?.text)}`);
    const t0 = performance.now();
    const rr = await new Promise<string>((resolve) => {
      const ok = r.tls.renegotiate({ rejectUnauthorized: true }, (err) => resolve(err ? `callback error: ${(err as NodeJS.ErrnoException).code} ${err.message}` : 'renegotiated'));
      if (!ok) resolve('renegotiate() returned false');
      r.tls.once('error', (e) => resolve(`socket error: ${(e as NodeJS.ErrnoException).code} ${e.message}`));
      r.tls.once('close', () => resolve('closed'));
    });
    out(`renegotiate: ${rr} after ${Math.round(performance.now() - t0)} ms`);
    await r.tap.closedWithin(2000);
    out(`events: ${r.tap.events.join('; ')}`);
    await sleep(100);
    out('log:\n' + logSince(s, mark));
    await s.stop();
  },

  async verify() {
    section('verify: client certificates');
    const s = await ref(conf('verify', tlsBlock(`  ca_file: "${C.ca.cert}"\n  verify: true\n`)), { monitor: true });
    const cases: [string, ConnectionOptions][] = [
      ['no client cert, TLS 1.3', {}],
      ['no client cert, TLS 1.2', { maxVersion: 'TLSv1.2' }],
      ['cert from the untrusted CA, TLS 1.3', { cert: readFileSync(C.clientUntrusted.cert), key: readFileSync(C.clientUntrusted.key) }],
      ['cert from the untrusted CA, TLS 1.2', { cert: readFileSync(C.clientUntrusted.cert), key: readFileSync(C.clientUntrusted.key), maxVersion: 'TLSv1.2' }],
      ['expired client cert, TLS 1.3', { cert: readFileSync(C.clientExpired.cert), key: readFileSync(C.clientExpired.key) }],
      ['expired client cert, TLS 1.2', { cert: readFileSync(C.clientExpired.cert), key: readFileSync(C.clientExpired.key), maxVersion: 'TLSv1.2' }],
      ['good client cert', { cert: readFileSync(C.clientDn.cert), key: readFileSync(C.clientDn.key) }],
      ['chain: leaf + 4 intermediates', { cert: readFileSync(C.clientChain.chain), key: readFileSync(C.clientChain.key) }],
      ['chain: leaf only (intermediates missing)', { cert: readFileSync(C.clientChain.cert), key: readFileSync(C.clientChain.key) }],
    ];
    for (const [name, opts] of cases) {
      const mark = s.output().length;
      const r = await tlsSession(s.port, opts);
      out(`### ${name}\nhandshake: ${r.handshake}\nafter CONNECT+PING: ${JSON.stringify(r.answer)}`);
      r.tls.destroy();
      await sleep(150);
      out('log:\n' + logSince(s, mark));
    }
    const cz = await json(`http://127.0.0.1:${s.httpPort}/connz?state=closed`);
    out('closed reasons: ' + JSON.stringify(cz.connections.map((c: any) => [c.reason, c.tls_version ?? null])));
    await s.stop();
  },

  async map() {
    section('verify_and_map');
    const certs: [string, CertPair][] = [
      ['clientEmail', C.clientEmail], ['clientDns', C.clientDns], ['clientDn', C.clientDn], ['clientEscaped', C.clientEscaped],
      ['clientDc', C.clientDc], ['clientUri', C.clientUri], ['clientEmailAttr', C.clientEmailAttr], ['clientChain', C.clientChain],
      ['clientRsa', C.clientRsa],
    ];
    for (const [name, pair] of certs) {
      const ids = tlsMapIdentities(parseCertificate(pemCertificates(readFileSync(pair.cert, 'latin1'))[0]!));
      out(`identities ${name}: ${JSON.stringify({ ...ids, dn: ids.dn ? ids.dn.rdns.map((r) => r.map((a) => `${a.type}=${a.value}`).join('+')).join(',') : null })}`);
    }
    const esc = tlsMapIdentities(parseCertificate(pemCertificates(readFileSync(C.clientEscaped.cert, 'latin1'))[0]!)).rdn;
    const q = (u: string) => JSON.stringify(u);
    const users = [
      'alice2@acme.example', 'bob2.acme.example', 'CN=alice,OU=eng,O=acme', 'O=acme, OU=eng, CN=chained', esc,
      'CN=dave,O=acme,DC=org,DC=acme', 'spiffe://acme.example/ns/prod/sa/erin', 'CN=frank,O=acme',
    ];
    for (const [variant, auth] of [
      ['authorization', `authorization {\n  users = [\n${users.map((u) => `    {user: ${q(u)}, permissions: {publish: "p.>"}}`).join('\n')}\n  ]\n}\n`],
      ['accounts', `accounts {\n  A {\n    users = [\n${users.map((u) => `      {user: ${q(u)}}`).join('\n')}\n    ]\n  }\n}\n`],
    ] as const) {
      out(`\n### users in ${variant}`);
      const s = await ref(conf(`map-${variant}`, tlsBlock(`  ca_file: "${C.ca.cert}"\n  verify_and_map: true\n`) + auth), { monitor: true });
      for (const [name, pair] of [...certs, ['clientChain (full chain)', { cert: C.clientChain.chain, key: C.clientChain.key }] as [string, CertPair]]) {
        const mark = s.output().length;
        const r = await tlsSession(s.port, { cert: readFileSync(pair.cert), key: readFileSync(pair.key) });
        out(`${name}: ${r.handshake.split(' in ')[0]}; answer ${JSON.stringify(r.answer?.text)} (${r.answer?.end})`);
        r.tls.destroy();
        await sleep(150);
        out('  ' + logSince(s, mark).split('\n').filter((l) => /Using|could not|not found|none found|authentication|Authorization|Warn|WRN/.test(l)).join('\n  '));
      }
      // a user name in CONNECT is ignored (a warning) when the cert maps
      const mark = s.output().length;
      const r = await tlsSession(s.port, { cert: readFileSync(C.clientDn.cert), key: readFileSync(C.clientDn.key) }, 'CONNECT {"verbose":false,"user":"bob","pass":"x"}\r\nPING\r\n');
      out(`clientDn with user "bob" in CONNECT: ${JSON.stringify(r.answer?.text)}`);
      await sleep(150);
      out('  ' + logSince(s, mark).split('\n').filter((l) => /Using|WRN|ERR/.test(l)).join('\n  '));
      for (const connect of ['CONNECT {"verbose":false,"user":"bob"}', 'CONNECT {"verbose":false,"auth_token":"t"}']) {
        const m2 = s.output().length;
        const r2 = await tlsSession(s.port, { cert: readFileSync(C.clientDn.cert), key: readFileSync(C.clientDn.key) }, `${connect}\r\nPING\r\n`);
        out(`clientDn with ${connect}: ${JSON.stringify(r2.answer?.text)}`);
        r2.tls.destroy();
        await sleep(150);
        out('  ' + logSince(s, m2).split('\n').filter((l) => /Using|WRN|ERR/.test(l)).join('\n  '));
      }
      const keep = await tlsSession(s.port, { cert: readFileSync(C.clientEscaped.cert), key: readFileSync(C.clientEscaped.key) }, 'CONNECT {"verbose":false,"name":"esc"}\r\nPING\r\n');
      const cz = await json(`http://127.0.0.1:${s.httpPort}/connz?auth=true`);
      out('connz ?auth=true: ' + JSON.stringify(cz.connections));
      keep.tls.destroy();
      await s.stop();
    }
  },

  async pinned() {
    section('pinned_certs');
    const pin = spkiSha256(pemCertificates(readFileSync(C.clientDn.cert, 'latin1'))[0]!);
    const opensslPin = spawnSync('sh', ['-c', `openssl x509 -in ${C.clientDn.cert} -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256 -r`], { encoding: 'utf8' }).stdout.split(' ')[0];
    out(`pin for clientDn: ${pin} (openssl pkey -pubin -outform DER | sha256: ${opensslPin})`);
    for (const [variant, extra] of [
      ['verify + pinned', `  ca_file: "${C.ca.cert}"\n  verify: true\n  pinned_certs: ["${pin.toUpperCase()}"]\n`],
      ['pinned without verify', `  pinned_certs: ["${pin}"]\n`],
    ] as const) {
      out(`### ${variant}`);
      const s = await ref(conf('pinned', tlsBlock(extra)), { monitor: true });
      for (const [name, opts] of [
        ['pinned cert', { cert: readFileSync(C.clientDn.cert), key: readFileSync(C.clientDn.key) }],
        ['another cert', { cert: readFileSync(C.clientEmail.cert), key: readFileSync(C.clientEmail.key) }],
        ['another cert, TLS 1.2', { cert: readFileSync(C.clientEmail.cert), key: readFileSync(C.clientEmail.key), maxVersion: 'TLSv1.2' }],
        ['no cert', {}],
      ] as [string, ConnectionOptions][]) {
        const mark = s.output().length;
        const r = await tlsSession(s.port, opts);
        out(`${name}: handshake ${r.handshake}; answer ${JSON.stringify(r.answer)}; events ${r.tap.events.slice(1).join('; ')}`);
        r.tls.destroy();
        await sleep(150);
        out('log:\n' + logSince(s, mark));
      }
      const vz = await json(`http://127.0.0.1:${s.httpPort}/varz`);
      out(`varz tls_verify=${vz.tls_verify}`);
      await s.stop();
    }
  },

  async nontls() {
    section('allow_non_tls');
    const s = await ref(conf('nontls', tlsBlock() + 'allow_non_tls: true\n'), { monitor: true });
    let mark = s.output().length;
    const plain = new Tap(s.port);
    out(`plain INFO: ${(await plain.waitInfo()).slice(0, 50)}…`);
    plain.sock.write('CONNECT {"verbose":false}\r\nPING\r\n');
    await sleep(300);
    out(`plain client got: ${show(plain.data)}`);
    await sleep(100);
    out('log:\n' + logSince(s, mark));
    mark = s.output().length;
    const r = await tlsSession(s.port);
    out(`TLS client: ${r.handshake}; answer ${JSON.stringify(r.answer?.text)}`);
    out('log:\n' + logSince(s, mark));
    mark = s.output().length;
    const slow = new Tap(s.port);
    await slow.waitInfo();
    slow.sock.write('PI');
    const t0 = performance.now();
    await sleep(50);
    slow.sock.write('NG\r\n');
    for (let i = 0; i < 400 && !slow.data.includes('PONG'); i++) await sleep(10);
    out(`plain client sending "PI" then "NG\\r\\n" 50 ms later: got ${show(slow.data)} after ${Math.round(performance.now() - t0)} ms`);
    mark = s.output().length;
    const silent = new Tap(s.port);
    await silent.waitInfo();
    const t1 = performance.now();
    silent.sock.write('');
    const closed = await silent.closedWithin(4500);
    out(`silent client: closed=${closed} after ${Math.round(performance.now() - t1)} ms; events ${silent.events.slice(1).join('; ')}`);
    await sleep(100);
    out('log:\n' + logSince(s, mark));
    const cz = await json(`http://127.0.0.1:${s.httpPort}/connz`);
    out('connz: ' + JSON.stringify(cz.connections.map((c: any) => ({ cid: c.cid, tls_version: c.tls_version, tls_cipher_suite: c.tls_cipher_suite }))));
    const vz = await json(`http://127.0.0.1:${s.httpPort}/varz`);
    out(`varz: tls_required=${vz.tls_required} tls_verify=${vz.tls_verify} tls_timeout=${vz.tls_timeout}`);
    for (const t of [plain, r.tap, slow, silent]) t.sock.destroy();
    await s.stop();
  },

  async ciphers() {
    section('cipher_suites and curve_preferences');
    const cases: [string, string, CertPair, [string, ConnectionOptions][]][] = [
      ['defaults (ECDSA cert)', '', C.server, [
        ['TLS 1.3 default client', {}],
        ['TLS 1.2 default client', { maxVersion: 'TLSv1.2' }],
        ['TLS 1.2 client, only ECDHE-ECDSA-AES128-SHA256 (not a default)', { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA256' }],
        ['TLS 1.2 client preferring CHACHA20', { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256' }],
        ['TLS 1.3 client preferring CHACHA20', { ciphers: 'TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256' }],
        ['TLS 1.3 client offering only TLS_AES_256_GCM_SHA384', { ciphers: 'TLS_AES_256_GCM_SHA384' }],
        ['client curves P-521 only', { ecdhCurve: 'P-521' }],
        ['client curves P-384:X25519', { ecdhCurve: 'P-384:X25519' }],
        ['client TLS 1.1 only', { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }],
      ]],
      ['defaults (RSA cert)', '', C.serverRsa, [
        ['TLS 1.3 default client', {}],
        ['TLS 1.2 default client', { maxVersion: 'TLSv1.2' }],
      ]],
      ['cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384]', '  cipher_suites: ["TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"]\n', C.server, [
        ['TLS 1.2 default client', { maxVersion: 'TLSv1.2' }],
        ['TLS 1.3 default client', {}],
      ]],
      ['cipher_suites: [TLS_AES_128_GCM_SHA256] (TLS 1.3 name only)', '  cipher_suites: ["TLS_AES_128_GCM_SHA256"]\n', C.server, [
        ['TLS 1.2 default client', { maxVersion: 'TLSv1.2' }],
        ['TLS 1.3 client offering only TLS_CHACHA20_POLY1305_SHA256', { ciphers: 'TLS_CHACHA20_POLY1305_SHA256' }],
      ]],
      ['cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256] with an ECDSA cert', '  cipher_suites: ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"]\n', C.server, [
        ['TLS 1.2 default client', { maxVersion: 'TLSv1.2' }],
      ]],
      ['curve_preferences: [CurveP384]', '  curve_preferences: ["CurveP384"]\n', C.server, [
        ['TLS 1.3 default client', {}],
        ['TLS 1.3 client X25519 only', { ecdhCurve: 'X25519' }],
        ['TLS 1.2 client X25519 only', { ecdhCurve: 'X25519', maxVersion: 'TLSv1.2' }],
      ]],
      ['curve_preferences: [CurveP521, CurveP256]', '  curve_preferences: ["CurveP521", "CurveP256"]\n', C.server, [
        ['TLS 1.3 default client (key shares X25519, P-256)', {}],
      ]],
    ];
    for (const [name, extra, pair, clients] of cases) {
      out(`### ${name}`);
      const s = await ref(conf('ciphers', tlsBlock(extra, pair)), { monitor: true });
      for (const [cname, opts] of clients) {
        const mark = s.output().length;
        const r = await tlsSession(s.port, opts);
        let group = '';
        try {
          const k = r.tls.getEphemeralKeyInfo() as { name?: string; type?: string; size?: number };
          group = k && 'name' in k ? ` group=${k.name ?? k.type}` : '';
        } catch { /* closed */ }
        out(`${cname}: ${r.handshake}${group}; answer ${JSON.stringify(r.answer?.text ?? null)}`);
        if (!r.answer) {
          await sleep(100);
          out('  log: ' + logSince(s, mark).split('\n').filter((l) => /ERR|handshake error/.test(l)).join('\n  log: '));
        } else {
          const cz = await json(`http://127.0.0.1:${s.httpPort}/connz`);
          const c = cz.connections[cz.connections.length - 1];
          out(`  connz: tls_version=${c?.tls_version} tls_cipher_suite=${c?.tls_cipher_suite}`);
        }
        r.tls.destroy();
      }
      await s.stop();
    }
  },

  async flags() {
    section('TLS flags and -t');
    const bin = natsServerBin()!;
    const run = (args: string[]) => {
      const r = spawnSync(bin, args, { encoding: 'utf8', timeout: 3000 });
      return `exit=${r.status} stdout=${JSON.stringify(r.stdout.trim())} stderr=${JSON.stringify(r.stderr.trim().replace(/\[\d+\] \S+ \S+ /g, ''))}`;
    };
    out(`--tls without cert: ${run(['-a', '127.0.0.1', '-p', String(await freePort()), '--tls'])}`);
    out(`--tls --tlscert only: ${run(['-a', '127.0.0.1', '-p', String(await freePort()), '--tls', '--tlscert', C.server.cert])}`);
    const port = () => freePort().then(String);
    out(`--tls with a missing key file: ${run(['-a', '127.0.0.1', '-p', await port(), '--tls', '--tlscert', C.server.cert, '--tlskey', '/nope/key.pem'])}`);
    out(`--tls with a mismatched key: ${run(['-a', '127.0.0.1', '-p', await port(), '--tls', '--tlscert', C.server.cert, '--tlskey', C.serverRsa.key])}`);
    out(`--tlscacert missing: ${run(['-a', '127.0.0.1', '-p', await port(), '--tls', '--tlscert', C.server.cert, '--tlskey', C.server.key, '--tlscacert', '/nope/ca.pem'])}`);
    out(`--tlsverify without --tlscert: ${run(['-a', '127.0.0.1', '-p', await port(), '--tlsverify'])}`);
    out(`--tlscacert alone: ${run(['-a', '127.0.0.1', '-p', await port(), '--tlscacert', C.ca.cert])}`);
    out(`-t -c with a tls block and --tls=false: ${run(['-t', '-c', conf('tf', tlsBlock()), '--tls=false'])}`);
    out(`-t -c (no tls block) --tls --tlscert --tlskey /nope: ${run(['-t', '-c', conf('tf2', ''), '--tls', '--tlscert', C.server.cert, '--tlskey', '/nope/key.pem'])}`);
    for (const [name, args] of [
      ['--tls --tlscert --tlskey', ['--tls', '--tlscert', C.server.cert, '--tlskey', C.server.key]],
      ['--tlsverify --tlscert --tlskey --tlscacert', ['--tlsverify', '--tlscert', C.server.cert, '--tlskey', C.server.key, '--tlscacert', C.ca.cert]],
      ['--tlscert --tlskey (no --tls)', ['--tlscert', C.server.cert, '--tlskey', C.server.key]],
      ['-c <tls block with verify_and_map> --tls --tlscert --tlskey', ['-c', conf('flags-over', tlsBlock(`  ca_file: "${C.ca.cert}"\n  verify_and_map: true\n  timeout: 0.5\n`)), '--tls', '--tlscert', C.server.cert, '--tlskey', C.server.key]],
      ['-c <tls block> --tls=false', ['-c', conf('flags-off', tlsBlock()), '--tls=false']],
    ] as const) {
      const s = await startServer('nats-server', { args: ['-DV', ...args], monitor: true });
      const tap = new Tap(s.port);
      const info = await tap.waitInfo();
      const vz = await json(`http://127.0.0.1:${s.httpPort}/varz`);
      out(`${name}: INFO has ${info.match(/"tls_\w+":true/g)?.join(',') ?? 'no tls fields'}; varz tls_required=${vz.tls_required} tls_verify=${vz.tls_verify} tls_timeout=${vz.tls_timeout} auth_timeout=${vz.auth_timeout}; log: ${s.output().split('\n').filter((l) => /TLS/.test(l)).map((l) => l.replace(/^\[\d+\] \S+ \S+ /, '')).join(' | ')}`);
      tap.sock.destroy();
      await s.stop();
    }
    // the -t file checks
    const unreadable = join(work, 'unreadable-key.pem');
    writeFileSync(unreadable, readFileSync(C.server.key));
    chmodSync(unreadable, 0o000);
    const ed = join(work, 'ed25519-key.pem');
    spawnSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', ed]);
    const sameTypeOtherKey = C.clientDn.key;
    const cases: [string, string][] = [
      ['cert_file missing', `tls { cert_file: "/nope/cert.pem"\n  key_file: "${C.server.key}" }`],
      ['key_file missing', `tls { cert_file: "${C.server.cert}"\n  key_file: "/nope/key.pem" }`],
      ['cert_file is a directory', `tls { cert_file: "${work}"\n  key_file: "${C.server.key}" }`],
      ['key type differs (RSA key, ECDSA cert)', `tls { cert_file: "${C.server.cert}"\n  key_file: "${C.serverRsa.key}" }`],
      ['same type, other key', `tls { cert_file: "${C.server.cert}"\n  key_file: "${sameTypeOtherKey}" }`],
      ['ed25519 key with ECDSA cert', `tls { cert_file: "${C.server.cert}"\n  key_file: "${ed}" }`],
      ['cert file holds a key', `tls { cert_file: "${C.server.key}"\n  key_file: "${C.server.key}" }`],
      ['key file holds a cert', `tls { cert_file: "${C.server.cert}"\n  key_file: "${C.server.cert}" }`],
      ['cert file not PEM', `tls { cert_file: "${join(work, 'garbage.txt')}"\n  key_file: "${C.server.key}" }`],
      ['ca_file missing', `tls { cert_file: "${C.server.cert}"\n  key_file: "${C.server.key}"\n  ca_file: "/nope/ca.pem" }`],
      ['ca_file without certificates', `tls { cert_file: "${C.server.cert}"\n  key_file: "${C.server.key}"\n  ca_file: "${C.server.key}" }`],
      ['key file unreadable (mode 000; as root this is readable)', `tls { cert_file: "${C.server.cert}"\n  key_file: "${unreadable}" }`],
      ['chain file as cert_file', `tls { cert_file: "${C.clientChain.chain}"\n  key_file: "${C.clientChain.key}" }`],
      ['empty tls {}', 'tls {}'],
      ['min_version', `tls { cert_file: "${C.server.cert}"\n  key_file: "${C.server.key}"\n  min_version: "1.3" }`],
      ['handshake_first', `tls { cert_file: "${C.server.cert}"\n  key_file: "${C.server.key}"\n  handshake_first: true }`],
      ['unknown cipher', `tls { cert_file: "${C.server.cert}"\n  key_file: "${C.server.key}"\n  cipher_suites: ["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256"] }`],
      ['unknown curve', `tls { cert_file: "${C.server.cert}"\n  key_file: "${C.server.key}"\n  curve_preferences: ["X25519", "P-256"] }`],
      ['RC4 cipher (accepted name)', `tls { cert_file: "${C.server.cert}"\n  key_file: "${C.server.key}"\n  cipher_suites: ["TLS_RSA_WITH_RC4_128_SHA"] }`],
      ['timeout as duration string', `tls { cert_file: "${C.server.cert}"\n  key_file: "${C.server.key}"\n  timeout: "500ms" }`],
      ['timeout: true', `tls { cert_file: "${C.server.cert}"\n  key_file: "${C.server.key}"\n  timeout: true }`],
      ['pinned_certs bad entry', `tls { cert_file: "${C.server.cert}"\n  key_file: "${C.server.key}"\n  pinned_certs: ["zz"] }`],
      ['https_port without tls', 'https_port: 8443'],
    ];
    writeFileSync(join(work, 'garbage.txt'), 'not a pem\n');
    for (const [name, body] of cases) out(`${name}: ${run(['-t', '-c', conf('t', body)])}`);
  },

  async https() {
    section('HTTPS monitoring');
    const ca = readFileSync(C.ca.cert);
    const get = (port: number, path: string, opts: Record<string, unknown> = {}) => new Promise<string>((resolve) => {
      const req = httpsRequest({ host: '127.0.0.1', port, path, ca, servername: 'localhost', ...opts }, (res) => {
        let b = '';
        res.on('data', (d) => (b += d));
        res.on('end', () => resolve(`${res.statusCode} ${b}`));
      });
      req.on('error', (e) => resolve(`error ${(e as NodeJS.ErrnoException).code} ${e.message}`));
      req.end();
    });
    for (const [name, mk] of [
      ['https_port', (p: number) => `https_port: ${p}\n`],
      ['https: host:port', (p: number) => `https: "127.0.0.1:${p}"\n`],
      ['-ms flag', () => ''],
    ] as const) {
      const hp = await freePort();
      const s = await startServer('nats-server', {
        config: conf('https', tlsBlock(`  ca_file: "${C.ca.cert}"\n  verify: true\n`) + mk(hp)),
        args: name === '-ms flag' ? ['-DV', '-ms', String(hp)] : ['-DV'],
      });
      out(`### ${name}\nlog: ${s.output().split('\n').filter((l) => /monitor|https/i.test(l)).map((l) => l.replace(/^\[\d+\] \S+ \S+ /, '')).join(' | ')}`);
      const vz = JSON.parse((await get(hp, '/varz')).slice(4) + '');
      out(`varz over https (no client cert, server has verify): https_port=${vz.https_port} http_port=${vz.http_port} http_host=${vz.http_host} tls_required=${vz.tls_required} tls_verify=${vz.tls_verify} tls_timeout=${vz.tls_timeout}`);
      out(`https with a client cert: ${(await get(hp, '/varz', { cert: readFileSync(C.clientDn.cert), key: readFileSync(C.clientDn.key) })).slice(0, 3)}; https without the CA: ${(await get(hp, '/varz', { ca: undefined })).slice(0, 120)}`);
      out(`plain http to the https port: ${await fetch(`http://127.0.0.1:${hp}/varz`).then((r) => `${r.status} ${r.statusText}`, (e) => `error ${e.cause?.code ?? e.message}`)}`);
      await s.stop();
    }
  },

  async connz() {
    section('/connz for TLS clients');
    const s = await ref(conf('connz', tlsBlock(`  ca_file: "${C.ca.cert}"\n  verify: true\n`)), { monitor: true });
    const a = await tlsSession(s.port, { cert: readFileSync(C.clientChain.chain), key: readFileSync(C.clientChain.key) }, 'CONNECT {"verbose":false,"name":"chained"}\r\nPING\r\n');
    const b = await tlsSession(s.port, { cert: readFileSync(C.clientDn.cert), key: readFileSync(C.clientDn.key), maxVersion: 'TLSv1.2' }, 'CONNECT {"verbose":false,"name":"tls12"}\r\nPING\r\n');
    out('connz: ' + JSON.stringify((await json(`http://127.0.0.1:${s.httpPort}/connz`)).connections));
    out('connz?auth=true: ' + JSON.stringify((await json(`http://127.0.0.1:${s.httpPort}/connz?auth=true`)).connections));
    b.tls.end();
    await sleep(200);
    out('connz?state=closed&auth=true: ' + JSON.stringify((await json(`http://127.0.0.1:${s.httpPort}/connz?state=closed&auth=true`)).connections));
    const leaf = parseCertificate(pemCertificates(readFileSync(C.clientChain.cert, 'latin1'))[0]!);
    out(`for comparison, spkiSha256(leaf)=${spkiSha256(leaf)}`);
    a.tls.destroy();
    await s.stop();
  },

  async natsjs() {
    section('@nats-io/transport-node against nats-server');
    const { connect } = await import('@nats-io/transport-node');
    const s = await ref(conf('natsjs', tlsBlock()), { monitor: true });
    const plain = await startServer('nats-server', { args: [] });
    const attempt = async (name: string, port: number, opts: Record<string, unknown>) => {
      const t0 = performance.now();
      try {
        const nc = await connect({ servers: `127.0.0.1:${port}`, reconnect: false, timeout: 3000, ...opts });
        const info = (nc as any).info;
        out(`${name}: connected (${Math.round(performance.now() - t0)} ms), tls_required=${info?.tls_required}`);
        await nc.close();
      } catch (e) {
        const err = e as Error & { cause?: Error & { code?: string } };
        out(`${name}: ${err.name}: ${err.message}${err.cause ? ` (cause: ${err.cause.code ?? ''} ${err.cause.message})` : ''} after ${Math.round(performance.now() - t0)} ms`);
      }
    };
    await attempt('tls: {caFile}', s.port, { tls: { caFile: C.ca.cert } });
    await attempt('no tls option (server cert not trusted)', s.port, {});
    await attempt('tls: {} (default CAs)', s.port, { tls: {} });
    await attempt('tls: {caFile, handshakeFirst: true}', s.port, { tls: { caFile: C.ca.cert, handshakeFirst: true } });
    await attempt('tls: {caFile} to a server without TLS', plain.port, { tls: { caFile: C.ca.cert } });
    await attempt('tls: {caFile, handshakeFirst} to a server without TLS', plain.port, { tls: { caFile: C.ca.cert, handshakeFirst: true } });
    await s.stop();
    const wrong = await ref(conf('natsjs-wrong', tlsBlock('', C.serverWrongHost)));
    await attempt('server cert for another host', wrong.port, { tls: { caFile: C.ca.cert } });
    await wrong.stop();
    const exp = await ref(conf('natsjs-exp', tlsBlock('', C.serverExpired)));
    await attempt('expired server cert', exp.port, { tls: { caFile: C.ca.cert } });
    await exp.stop();
    const v = await ref(conf('natsjs-verify', tlsBlock(`  ca_file: "${C.ca.cert}"\n  verify: true\n`)));
    await attempt('verify: tls {caFile, certFile, keyFile}', v.port, { tls: { caFile: C.ca.cert, certFile: C.clientDn.cert, keyFile: C.clientDn.key } });
    await attempt('verify: tls {caFile} without a client cert', v.port, { tls: { caFile: C.ca.cert } });
    await v.stop();
    await plain.stop();
  },

  async misc() {
    section('misc: empty tls {}, auth timeout after the handshake, tls_required in CONNECT');
    let s = await ref(conf('empty', 'tls {}\n'), { monitor: true });
    let mark = s.output().length;
    out('startup log: ' + s.output().split('\n').filter((l) => /TLS|ERR|WRN/.test(l)).map((l) => l.replace(/^\[\d+\] \S+ \S+ /, '')).join(' | '));
    const r = await tlsSession(s.port);
    out(`client against empty tls {}: ${r.handshake}`);
    await sleep(100);
    out('log:\n' + logSince(s, mark));
    await s.stop();
    s = await ref(conf('authto', tlsBlock() + 'authorization { user: a, password: b }\n'), { monitor: true });
    mark = s.output().length;
    const tap = new Tap(s.port);
    const info = await tap.waitInfo();
    const t0 = performance.now();
    const hs = await startTls(tap.sock, {});
    const got = await readTls(hs.tls, (x) => x.includes('-ERR'), 6000);
    out(`auth required + TLS, handshake then silence: INFO auth_required=${/"auth_required":true/.test(info)}; got ${JSON.stringify(got.text)} ${got.end} ${Math.round(performance.now() - t0)} ms after the handshake started`);
    await sleep(100);
    out('log:\n' + logSince(s, mark));
    const cz = await json(`http://127.0.0.1:${s.httpPort}/connz?state=closed`);
    out('connz closed: ' + JSON.stringify(cz.connections.map((c: any) => [c.reason, c.tls_version, c.tls_cipher_suite])));
    const r2 = await tlsSession(s.port, {}, 'CONNECT {"verbose":true,"tls_required":false,"user":"a","pass":"b"}\r\nPING\r\n');
    out(`CONNECT with tls_required:false over TLS: ${JSON.stringify(r2.answer?.text)}`);
    r2.tls.destroy();
    await s.stop();
    s = await ref(conf('mapvarz', tlsBlock(`  ca_file: "${C.ca.cert}"\n  verify_and_map: true\n`)), { monitor: true });
    const vz = await json(`http://127.0.0.1:${s.httpPort}/varz`);
    out(`varz with verify_and_map and no users: tls_required=${vz.tls_required} tls_verify=${vz.tls_verify} auth_required=${vz.auth_required}`);
    await s.stop();
  },
};

/** A ClientHello as node:tls writes it (captured from a socket that goes nowhere). */
async function clientHello(): Promise<Buffer> {
  const { Duplex } = await import('node:stream');
  return new Promise((resolve) => {
    const d = new Duplex({
      read() {},
      write(chunk: Buffer, _e, cb) { resolve(Buffer.from(chunk)); cb(); setImmediate(() => t.destroy()); },
    });
    const t = tlsConnect({ socket: d as unknown as Socket, servername: 'localhost' });
    t.on('error', () => {});
  });
}

async function main(): Promise<void> {
  if (!natsServerBin()) throw new Error('nats-server is not installed');
  C = await testCerts();
  const v = spawnSync(natsServerBin()!, ['--version'], { encoding: 'utf8' }).stdout.trim();
  out(`# capture: ${v}, node ${process.version}, ${new Date().toISOString()}`);
  const want = process.argv.slice(2);
  for (const [name, fn] of Object.entries(sections)) {
    if (want.length && !want.includes(name)) continue;
    await fn();
  }
}

main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
