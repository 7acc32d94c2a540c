// Request bodies of $SYS.REQ.* decoded with Go's encoding/json rules (events.go *EventOptions):
// keys match case-insensitively, unknown keys are ignored, `null` leaves the default, and a value
// of the wrong type is an error in Go's words, e.g. `json: cannot unmarshal string into Go struct
// field ConnzEventOptions.state of type server.ConnState` (the reference's 400 for `"state":"open"`;
// the state is numeric: 0 open, 1 closed, 2 all).

import { decodeGoStructs, type FieldType } from '../protocol/gojson.js';

/** EventFilterOptions, common to every request. */
const FILTER_FIELDS: Record<string, FieldType> = {
  server_name: 'string', cluster: 'string', host: 'string', exact_match: 'bool', tags: 'strings', domain: 'string',
};

/** The options struct of each request (field JSON name → type), named as Go names the struct. */
export const REQUEST_FIELDS = {
  StatszEventOptions: {},
  VarzEventOptions: {},
  IdzEventOptions: {},
  RoutezEventOptions: { subscriptions: 'bool', subscriptions_detail: 'bool' },
  GatewayzEventOptions: { name: 'string', accounts: 'bool', account_name: 'string' },
  LeafzEventOptions: { subscriptions: 'bool', account: 'string' },
  HealthzEventOptions: { 'js-enabled-only': 'bool', 'js-server-only': 'bool' },
  JszEventOptions: { account: 'string', accounts: 'bool', streams: 'bool', consumer: 'bool', config: 'bool', leader_only: 'bool', offset: 'int', limit: 'int' },
  AccInfoEventOptions: {},
  AccountzEventOptions: { account: 'string' },
  AccountStatzEventOptions: { accounts: 'strings', include_unused: 'bool' },
  SubszEventOptions: { offset: 'int', limit: 'int', subscriptions: 'bool', account: 'string', test: 'string' },
  ConnzEventOptions: {
    sort: 'sort', auth: 'bool', subscriptions: 'bool', subscriptions_detail: 'bool', offset: 'int', limit: 'int',
    cid: 'uint64', mqtt_client: 'string', state: 'state', user: 'string', acc: 'string', filter_subject: 'string',
  },
  // RELOAD decodes the bare filter (events.go reloadConfig).
  EventFilterOptions: {},
  KickClientReq: { cid: 'uint64' },
  LDMClientReq: { cid: 'uint64' },
} satisfies Record<string, Record<string, FieldType>>;

export type RequestKind = keyof typeof REQUEST_FIELDS;

export interface EventFilter {
  server_name?: string;
  cluster?: string;
  host?: string;
  exact_match?: boolean;
  tags?: string[];
  domain?: string;
}

/**
 * Decodes a request body into options of `kind` plus the event filter. An empty body means
 * defaults. Returns the options or Go's error text.
 */
export function decodeRequest(kind: RequestKind, body: Buffer): { opts: Record<string, unknown>; filter: EventFilter } | { error: string } {
  const opts: Record<string, unknown> = {};
  const filter: Record<string, unknown> = {};
  if (body.length === 0) return { opts, filter };
  const fields: Record<string, FieldType> = REQUEST_FIELDS[kind];
  const error = decodeGoStructs(body.toString('utf8'), kind, [fields, FILTER_FIELDS], [opts, filter]);
  return error !== null ? { error } : { opts, filter: filter as EventFilter };
}
