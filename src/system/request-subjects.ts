// The $SYS.REQ.* subjects the system account answers (events.go initEventTracking), in the order
// they are subscribed. The handlers (requests.ts, with the monitor code) load at the first request.
import { SYS_DEBUG_SUBSCRIBERS } from './imports.js';

/** $SYS.REQ.SERVER.<id>.<EP> and $SYS.REQ.SERVER.PING.<EP>. */
export const SERVER_ENDPOINTS = ['STATSZ', 'IDZ', 'VARZ', 'SUBSZ', 'CONNZ', 'ROUTEZ', 'GATEWAYZ', 'LEAFZ', 'ACCOUNTZ', 'JSZ', 'HEALTHZ'] as const;
export type ServerEndpoint = (typeof SERVER_ENDPOINTS)[number];

/** $SYS.REQ.ACCOUNT.*.<EP>. */
export const ACCOUNT_ENDPOINTS = ['SUBSZ', 'CONNZ', 'LEAFZ', 'JSZ', 'INFO', 'STATZ', 'CONNS'] as const;
export type AccountEndpoint = (typeof ACCOUNT_ENDPOINTS)[number];

/** Every request subject of the server `id`, in subscription order. */
export function requestSubjects(id: string): string[] {
  return [
    '$SYS.REQ.SERVER.PING',
    ...SERVER_ENDPOINTS.flatMap((ep) => [`$SYS.REQ.SERVER.${id}.${ep}`, `$SYS.REQ.SERVER.PING.${ep}`]),
    `$SYS.REQ.SERVER.${id}.KICK`,
    `$SYS.REQ.SERVER.${id}.LDM`,
    `$SYS.REQ.SERVER.${id}.RELOAD`,
    SYS_DEBUG_SUBSCRIBERS,
    ...ACCOUNT_ENDPOINTS.map((ep) => `$SYS.REQ.ACCOUNT.*.${ep}`),
    '$SYS.REQ.ACCOUNT.PING.STATZ',
  ];
}
