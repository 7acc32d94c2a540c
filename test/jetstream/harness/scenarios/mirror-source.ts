// Mirrors and sources: config echo, state once caught up, filters and start positions, mirror_direct.
import type { Scenario } from '../model.js';
import { api, fill, hpub, info, req, stream } from './dsl.js';

const until = (name: string, path: string, equals: number) =>
  ({ op: 'wait' as const, subject: `$JS.API.STREAM.INFO.${name}`, path, equals, timeoutMs: 5000 });

export const scenarios: Scenario[] = [
  {
    name: 'mirror',
    issue: 19,
    description: 'A mirror: config echo (no subjects, duplicate_window absent), mirror info (lag, active), messages copied with their sequences and headers, mirror_direct inherited, publishing to a mirror, filter and start seq.',
    steps: [
      stream('O', { subjects: ['o.>'], allow_direct: true }),
      ...fill('o.a', 2),
      hpub('o.b', { 'X-Foo': 'bar' }, 'three'),
      stream('M', { mirror: { name: 'O' } }, { vary: ['state'], note: 'the state races with the mirror catching up' }),
      until('M', 'state.messages', 3),
      api('STREAM.MSG.GET.M', { seq: 3 }),
      req('o.a', 'four'),
      until('M', 'state.messages', 4),
      stream('MF', { mirror: { name: 'O', filter_subject: 'o.b', opt_start_seq: 2 } }, { vary: ['state'] }),
      until('MF', 'state.messages', 1),
      stream('MS', { mirror: { name: 'O', opt_start_seq: 3 } }, { vary: ['state'] }),
      until('MS', 'state.messages', 2),
      api('STREAM.MSG.GET.MS', { seq: 3 }),
      stream('MNONE', { mirror: { name: 'NOPE' } }, { note: 'mirror of a stream that does not exist (yet)' }),
      { op: 'wait', subject: '$JS.API.STREAM.INFO.MNONE', path: 'mirror.error.err_code', equals: 10059, timeoutMs: 5000, note: 'the mirror info gets an error once its consumer setup failed' },
      api('STREAM.LIST'),
    ],
  },
  {
    name: 'sources',
    issue: 19,
    description: 'A stream with sources (with filter and start seq) and its own subjects: source info, Nats-Stream-Source headers on copied messages, state.',
    steps: [
      stream('A', { subjects: ['a.>'] }),
      stream('B', { subjects: ['b.>'] }),
      ...fill('a.x', 2),
      req('b.y', 'b1'), req('b.z', 'b2'), req('b.y', 'b3'),
      stream('AGG', { subjects: ['agg'], sources: [{ name: 'A' }] }, { vary: ['state'] }),
      until('AGG', 'state.messages', 2),
      req('agg', 'own'),
      until('AGG', 'state.messages', 3),
      info('AGG', { subjects_filter: '>' }),
      api('STREAM.MSG.GET.AGG', { seq: 2 }, { note: 'a sourced message: Nats-Stream-Source header added' }),
      stream('AGGB', { sources: [{ name: 'B', filter_subject: 'b.y', opt_start_seq: 2 }] }, { vary: ['state'], note: 'sources only, no subjects of its own' }),
      until('AGGB', 'state.messages', 1),
      api('STREAM.MSG.GET.AGGB', { seq: 1 }),
      api('STREAM.UPDATE.AGG', { name: 'AGG', subjects: ['agg'], sources: [{ name: 'A' }, { name: 'B' }] }, { vary: ['state', 'sources'], note: 'a source added' }),
      until('AGG', 'state.messages', 6),
      api('STREAM.UPDATE.AGG', { name: 'AGG', subjects: ['agg'] }, { note: 'all sources removed' }),
    ],
  },
];
