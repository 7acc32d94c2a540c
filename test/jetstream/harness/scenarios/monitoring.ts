// Monitoring with JetStream on: /jsz (every option), /varz "jetstream", /accountz, /healthz, and
// $SYS.REQ.SERVER.PING.JSZ / $SYS.REQ.ACCOUNT.<acc>.JSZ.
import type { Scenario, Step } from '../model.js';
import { api, fill, req, stream } from './dsl.js';

const http = (path: string, pick?: string[]): Step => ({ op: 'http', path, ...(pick ? { pick } : {}) });

// One stream with one consumer: /jsz lists streams and consumers in Go map order.
const setupSteps: Step[] = [
  stream('S', { subjects: ['s.>'], max_bytes: 1_000_000 }, { record: 'omit' }),
  ...fill('s.a', 3, { record: 'omit' }),
  api('CONSUMER.DURABLE.CREATE.S.C', { stream_name: 'S', config: { durable_name: 'C', ack_policy: 'explicit' } }, { record: 'omit' }),
  api('CONSUMER.MSG.NEXT.S.C', undefined, { record: 'omit' }),
  stream('M', { subjects: ['m'], storage: 'memory' }, { record: 'omit' }),
  api('STREAM.DELETE.M', undefined, { record: 'omit', note: 'created and deleted: reservations and counters only' }),
];

export const scenarios: Scenario[] = [
  {
    name: 'monitor-http',
    issue: 19,
    description: '/jsz with no options, accounts=1, streams=1, consumers=1, config=1, acc=$G; /varz "jetstream" block; /accountz?acc=$G; /healthz with js options.',
    setup: { monitor: true },
    steps: [
      http('/jsz'),
      ...setupSteps,
      http('/jsz'),
      http('/jsz?accounts=1'),
      http('/jsz?accounts=1&streams=1'),
      http('/jsz?accounts=1&streams=1&consumers=1'),
      http('/jsz?accounts=1&streams=1&consumers=1&config=1'),
      http('/jsz?acc=$G&streams=true&consumers=true&config=true'),
      http('/jsz?acc=NONE'),
      http('/jsz?accounts=bogus'),
      http('/jsz?leader-only=1'),
      http('/varz', ['jetstream']),
      http('/accountz?acc=$G'),
      http('/accountz'),
      http('/healthz'),
      http('/healthz?js-enabled-only=true'),
      http('/healthz?js-server-only=true'),
      http('/healthz?js-enabled=true'),
    ],
  },
  {
    name: 'monitor-http-no-jetstream',
    issue: 19,
    description: '/jsz, /varz "jetstream" and /healthz?js-enabled-only on a server without JetStream.',
    setup: { monitor: true, jetstream: false },
    steps: [
      http('/jsz'),
      http('/varz', ['jetstream']),
      http('/healthz?js-enabled-only=true'),
      http('/healthz?js-enabled=true'),
    ],
  },
  {
    name: 'monitor-sys-jsz',
    issue: 19,
    description: '$SYS.REQ.SERVER.PING.JSZ (and with options), $SYS.REQ.SERVER.<id>.JSZ, $SYS.REQ.ACCOUNT.<acc>.JSZ, /varz jetstream with accounts configured.',
    setup: {
      monitor: true,
      config: `
system_account: SYS
accounts {
  SYS: { users: [ { user: sys, password: sys } ] }
  APP: { jetstream: enabled, users: [ { user: app, password: app } ] }
}
`,
    },
    connections: { c: { user: 'app', pass: 'app' }, sys: { user: 'sys', pass: 'sys' } },
    steps: [
      ...setupSteps,
      req('$SYS.REQ.SERVER.PING.JSZ', undefined, { conn: 'sys' }),
      req('$SYS.REQ.SERVER.PING.JSZ', { accounts: true, streams: true, consumer: true, config: true }, { conn: 'sys' }),
      req('$SYS.REQ.SERVER.PING.JSZ', { account: 'APP', streams: true }, { conn: 'sys' }),
      req('$SYS.REQ.SERVER.PING.JSZ', '{bad', { conn: 'sys' }),
      req('$SYS.REQ.ACCOUNT.APP.JSZ', undefined, { conn: 'sys' }),
      req('$SYS.REQ.ACCOUNT.APP.JSZ', { streams: true, consumer: true }, { conn: 'sys' }),
      req('$SYS.REQ.ACCOUNT.SYS.JSZ', undefined, { conn: 'sys', timeoutMs: 500 }),
      api('INFO', undefined, { conn: 'sys', timeoutMs: 500, note: 'the system account itself' }),
      { op: 'http', path: '/jsz?accounts=1' },
      { op: 'http', path: '/accountz?acc=APP' },
    ],
  },
];
