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
];
