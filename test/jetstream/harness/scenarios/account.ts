// $JS.API.INFO and JetStream-not-enabled answers.
import type { Scenario } from '../model.js';
import { api, req, stream } from './dsl.js';

export const scenarios: Scenario[] = [
  {
    name: 'account-info-empty',
    issue: 19,
    description: '$JS.API.INFO on a fresh server: the account_info_response shape, limits -1, zero usage.',
    steps: [api('INFO'), api('INFO', '{}'), api('INFO', 'garbage')],
  },
  {
    name: 'account-info-usage',
    issue: 19,
    description: '$JS.API.INFO after creating a file and a memory stream with messages and a consumer: usage counters.',
    steps: [
      stream('F', { subjects: ['f.>'] }),
      stream('M', { subjects: ['m.>'], storage: 'memory' }),
      req('f.1', 'hello'),
      req('m.1', 'hello'),
      req('m.2', 'hello world'),
      api('CONSUMER.DURABLE.CREATE.M.D', { stream_name: 'M', config: { durable_name: 'D', ack_policy: 'explicit' } }),
      api('INFO'),
    ],
  },
  {
    name: 'cluster-apis-single-server',
    issue: 19,
    description: 'APIs that need clustering (leader stepdown, peer remove, meta/server/account) and the deprecated templates, on a single server.',
    steps: [
      stream('S', { subjects: ['s'] }, { record: 'omit' }),
      api('CONSUMER.DURABLE.CREATE.S.C', { stream_name: 'S', config: { durable_name: 'C' } }, { record: 'omit' }),
      api('STREAM.LEADER.STEPDOWN.S'),
      api('CONSUMER.LEADER.STEPDOWN.S.C'),
      api('STREAM.PEER.REMOVE.S', { peer: 'x' }),
      api('META.LEADER.STEPDOWN', undefined, { timeoutMs: 300 }),
      api('SERVER.REMOVE', { peer: 'x' }, { timeoutMs: 300 }),
      api('STREAM.NAMES'),
      api('ACCOUNT.PURGE.$G', undefined, { timeoutMs: 3000, note: 'answered on a single server: deletes every stream of the named account' }),
      api('STREAM.NAMES', undefined, { note: 'S is gone' }),
      api('ACCOUNT.STREAM.MOVE.$G.S', {}, { timeoutMs: 300 }),
      api('STREAM.TEMPLATE.NAMES'),
      api('STREAM.TEMPLATE.CREATE.T', { name: 'T', config: { name: 'T', subjects: ['t.*'] }, max_streams: 2 }),
      api('STREAM.TEMPLATE.INFO.T'),
      api('STREAM.TEMPLATE.DELETE.T'),
    ],
  },
  {
    name: 'account-purge-cross-account',
    issue: 19,
    description: 'SECURITY: on a single 2.9.10 server any client of any JetStream account can delete all streams of another account with $JS.API.ACCOUNT.PURGE.<account> (the account comes from the subject). tsnats must not copy this.',
    setup: {
      config: `
accounts {
  A: { jetstream: enabled, users: [ { user: a, password: a } ] }
  B: { jetstream: enabled, users: [ { user: b, password: b } ] }
}
`,
    },
    connections: { a: { user: 'a', pass: 'a' }, b: { user: 'b', pass: 'b' } },
    steps: [
      stream('VICTIM', { subjects: ['v'] }, { conn: 'a', record: 'omit' }),
      req('v', 'precious', { conn: 'a' }),
      api('ACCOUNT.PURGE.A', undefined, { conn: 'b', timeoutMs: 3000, note: 'a client of account B names account A' }),
      api('STREAM.NAMES', undefined, { conn: 'a', note: 'A has lost its stream' }),
      api('INFO', undefined, { conn: 'a' }),
    ],
  },
];
