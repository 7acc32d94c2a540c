// Account-level JetStream limits, accounts without JetStream, servers without JetStream, server limits.
import type { Scenario } from '../model.js';
import { api, req, stream } from './dsl.js';

const accounts = `
accounts {
  A: {
    jetstream: { max_mem: 1024, max_file: 2048, max_streams: 2, max_consumers: 2 }
    users: [ { user: a, password: a } ]
  }
  N: {
    users: [ { user: n, password: n } ]
  }
  R: {
    jetstream: { max_file: 1MB, max_bytes_required: true, store_max_stream_bytes: 4096, max_ack_pending: 5 }
    users: [ { user: r, password: r } ]
  }
  E: {
    jetstream: enabled
    users: [ { user: e, password: e } ]
  }
}
`;

export const scenarios: Scenario[] = [
  {
    name: 'limits-account',
    issue: 19,
    description: 'Account jetstream { max_mem, max_file, max_streams, max_consumers }: $JS.API.INFO limits, max streams/consumers errors, storage reservations and the pub ack once the budget is used.',
    setup: { config: accounts },
    connections: { a: { user: 'a', pass: 'a' } },
    steps: [
      api('INFO', undefined, { conn: 'a' }),
      stream('F1', { subjects: ['f1'], max_bytes: 4096 }, { conn: 'a', note: 'max_bytes above max_file' }),
      stream('M1', { subjects: ['m1'], storage: 'memory', max_bytes: 2048 }, { conn: 'a', note: 'max_bytes above max_mem' }),
      stream('F1', { subjects: ['f1'], max_bytes: 1024 }, { conn: 'a' }),
      stream('F2', { subjects: ['f2'], max_bytes: 1024 }, { conn: 'a' }),
      stream('F3', { subjects: ['f3'] }, { conn: 'a', note: 'third stream: max_streams 2' }),
      api('STREAM.UPDATE.F2', { name: 'F2', subjects: ['f2'], max_bytes: 2048 }, { conn: 'a', note: 'raising max_bytes beyond what is left' }),
      api('STREAM.DELETE.F2', undefined, { conn: 'a', record: 'omit' }),
      stream('F2', { subjects: ['f2'] }, { conn: 'a', note: 'no max_bytes: reserves nothing' }),
      req('f2', 'x'.repeat(600), { conn: 'a' }),
      req('f2', 'x'.repeat(600), { conn: 'a' }),
      req('f2', 'x'.repeat(600), { conn: 'a', note: 'reservations do not limit stored bytes: only max_file does' }),
      req('f2', 'x'.repeat(600), { conn: 'a', note: 'beyond max_file 2048' }),
      req('f2', 'x', { conn: 'a', note: 'beyond max_file again' }),
      api('STREAM.INFO.F2', undefined, { conn: 'a' }),
      api('CONSUMER.DURABLE.CREATE.F1.C1', { stream_name: 'F1', config: { durable_name: 'C1' } }, { conn: 'a', record: 'omit' }),
      api('CONSUMER.DURABLE.CREATE.F1.C2', { stream_name: 'F1', config: { durable_name: 'C2' } }, { conn: 'a', record: 'omit' }),
      api('CONSUMER.DURABLE.CREATE.F1.C3', { stream_name: 'F1', config: { durable_name: 'C3' } }, { conn: 'a', note: 'third consumer: max_consumers 2' }),
      api('CONSUMER.DURABLE.CREATE.F2.C3', { stream_name: 'F2', config: { durable_name: 'C3' } }, { conn: 'a', note: 'the limit is per stream' }),
      api('STREAM.DELETE.F1', undefined, { conn: 'a', record: 'omit' }),
      stream('F4', { subjects: ['f4'], max_consumers: 5 }, { conn: 'a', note: 'stream max_consumers above the account limit' }),
      stream('M2', { subjects: ['m2'], storage: 'memory', max_bytes: 512 }, { conn: 'a' }),
      api('INFO', undefined, { conn: 'a' }),
    ],
  },
  {
    name: 'limits-account-required-bytes',
    issue: 19,
    description: 'Account jetstream { max_bytes_required, store_max_stream_bytes, max_ack_pending }: refusals and defaults.',
    setup: { config: accounts },
    connections: { r: { user: 'r', pass: 'r' } },
    steps: [
      api('INFO', undefined, { conn: 'r' }),
      stream('S', { subjects: ['s'] }, { conn: 'r', note: 'max_bytes required' }),
      stream('S', { subjects: ['s'], max_bytes: 8192 }, { conn: 'r', note: 'above store_max_stream_bytes' }),
      stream('S', { subjects: ['s'], max_bytes: 4096 }, { conn: 'r' }),
      stream('M', { subjects: ['m'], storage: 'memory', max_bytes: 100 }, { conn: 'r', note: 'memory with no memory limit configured' }),
      api('CONSUMER.DURABLE.CREATE.S.C', { stream_name: 'S', config: { durable_name: 'C', ack_policy: 'explicit' } }, { conn: 'r', note: 'max_ack_pending defaults to the account limit' }),
      api('CONSUMER.DURABLE.CREATE.S.D', { stream_name: 'S', config: { durable_name: 'D', ack_policy: 'explicit', max_ack_pending: 10 } }, { conn: 'r', note: 'above the account max_ack_pending' }),
    ],
  },
  {
    name: 'jetstream-not-enabled-account',
    issue: 19,
    description: 'An account without JetStream on a JetStream server: what $JS.API requests answer (no responders or "JetStream not enabled for account"), and publishing to what would be a stream subject.',
    setup: { config: accounts },
    connections: { n: { user: 'n', pass: 'n' }, e: { user: 'e', pass: 'e' } },
    steps: [
      api('INFO', undefined, { conn: 'n' }),
      stream('S', { subjects: ['s'] }, { conn: 'n' }),
      api('STREAM.NAMES', undefined, { conn: 'n' }),
      api('STREAM.INFO.S', undefined, { conn: 'n' }),
      api('CONSUMER.CREATE.S', { stream_name: 'S', config: {} }, { conn: 'n' }),
      api('INFO', undefined, { conn: 'e', note: 'jetstream: enabled (no limits)' }),
      stream('S', { subjects: ['s'] }, { conn: 'e' }),
      req('s', 'x', { conn: 'n', note: 'the stream is in account E: nobody in N listens' }),
      req('s', 'x', { conn: 'e', record: 'text' }),
    ],
  },
  {
    name: 'jetstream-not-enabled-server',
    issue: 19,
    description: 'A server without JetStream: $JS.API requests get no responders (503).',
    setup: { jetstream: false },
    steps: [
      api('INFO'),
      stream('S', { subjects: ['s'] }),
      api('STREAM.NAMES'),
      api('CONSUMER.MSG.NEXT.S.C', undefined),
      api('DIRECT.GET.S', { seq: 1 }),
    ],
  },
  {
    name: 'limits-server',
    issue: 19,
    description: 'Server jetstream { limits { max_request_batch, max_ack_pending, duplicate_window } }: defaults capped, errors above them.',
    setup: { jetstreamBlock: '  limits { max_request_batch: 10, max_ack_pending: 20, duplicate_window: 30s }' },
    steps: [
      api('INFO'),
      stream('S', { subjects: ['s'] }, { note: 'duplicate_window default capped at 30s' }),
      stream('T', { subjects: ['t'], duplicate_window: 60_000_000_000 }, { note: 'above the server duplicate_window' }),
      api('CONSUMER.DURABLE.CREATE.S.C', { stream_name: 'S', config: { durable_name: 'C', ack_policy: 'explicit' } }, { note: 'max_ack_pending 20 and max_batch 10 filled in' }),
      api('CONSUMER.DURABLE.CREATE.S.D', { stream_name: 'S', config: { durable_name: 'D', ack_policy: 'explicit', max_ack_pending: 50 } }),
      api('CONSUMER.DURABLE.CREATE.S.E', { stream_name: 'S', config: { durable_name: 'E', ack_policy: 'explicit', max_batch: 50 } }),
      api('CONSUMER.MSG.NEXT.S.C', { batch: 11, no_wait: true }),
    ],
  },
];
