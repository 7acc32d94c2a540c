// The system account's services that every account reaches through service imports (events.go
// addSystemAccountExports, registerSystemImports). The system account exports
//   $SYS.REQ.ACCOUNT.*.CONNZ, $SYS.REQ.ACCOUNT.*.STATZ   streamed responses; the `*` (token 4)
//                                                       must be the importing account's name
//   $SYS.DEBUG.SUBSCRIBERS                              singleton
// and every other account imports
//   $SYS.REQ.ACCOUNT.PING.CONNZ → $SYS.REQ.ACCOUNT.<acc>.CONNZ
//   $SYS.REQ.SERVER.PING.CONNZ  → $SYS.REQ.ACCOUNT.<acc>.CONNZ
//   $SYS.REQ.ACCOUNT.PING.STATZ → $SYS.REQ.ACCOUNT.<acc>.STATZ
// so that any user can ask for its own account's connections and statistics (and only those).
// As the reference, exports the system account already has on those subjects, and imports an
// account already has on those local subjects, win over the automatic ones.
//
// Imports and exports live with the configured ones (Account.serviceImports/serviceExports):
// applying an account's configuration again (reload, new JWT claims) drops them, so whoever does
// that calls registerSystemServices again.
import type { Server } from '../server/server.js';
import type { Account } from '../accounts/account.js';
import { serviceImportSubscription, DEFAULT_RESPONSE_THRESHOLD_MS, type ServiceExport, type ServiceImport } from '../accounts/imports.js';
import { importAuthorized } from '../accounts/account-config.js';
import { subjectIsSubsetMatch } from '../subjects/subject.js';

/** Subscriber counts of a subject in the requester's account (debugSubscribers). */
export const SYS_DEBUG_SUBSCRIBERS = '$SYS.DEBUG.SUBSCRIBERS';

/** The account token of `$SYS.REQ.ACCOUNT.<acc>.<EP>` (accReqAccIndex + 1). */
const ACCOUNT_TOKEN_POS = 4;

/** The system account's exports, in the order the reference adds them. */
function systemExports(): ServiceExport[] {
  const x = (subject: string, responseType: ServiceExport['responseType'], accountPos?: number): ServiceExport => ({
    subject, accounts: null, tokenRequired: false, responseType, responseThreshold: DEFAULT_RESPONSE_THRESHOLD_MS,
    ...(accountPos !== undefined ? { accountPos } : {}),
  });
  return [
    x('$SYS.REQ.ACCOUNT.*.CONNZ', 'Stream', ACCOUNT_TOKEN_POS),
    x('$SYS.REQ.ACCOUNT.*.STATZ', 'Stream', ACCOUNT_TOKEN_POS),
    x(SYS_DEBUG_SUBSCRIBERS, 'Singleton'),
  ];
}

/** Local subject → subject in the system account, for account `name`. */
function systemImports(name: string): [string, string][] {
  const connz = `$SYS.REQ.ACCOUNT.${name}.CONNZ`;
  return [
    ['$SYS.REQ.ACCOUNT.PING.CONNZ', connz],
    ['$SYS.REQ.SERVER.PING.CONNZ', connz],
    ['$SYS.REQ.ACCOUNT.PING.STATZ', `$SYS.REQ.ACCOUNT.${name}.STATZ`],
  ];
}

/** Adds the system exports the system account does not already cover (hasServiceExportMatching). */
export function addSystemAccountExports(sys: Account): void {
  for (const x of systemExports()) {
    if (sys.serviceExports.some((e) => subjectIsSubsetMatch(x.subject, e.subject))) continue;
    sys.serviceExports.push(x);
  }
}

/**
 * Imports the system services into `acc` (not the system account itself). Idempotent: an import
 * whose local subject exists already is left alone (serviceImportExists).
 */
export function registerSystemImports(acc: Account, sys: Account): void {
  if (acc === sys) return;
  for (const [from, to] of systemImports(acc.name)) {
    if (acc.serviceImports.some((si) => si.from === from)) continue;
    // The export that allows it (with its response type); without one, nothing is imported.
    const x = importAuthorized(sys.serviceExports, acc.name, to, () => false) as ServiceExport | null;
    if (x === null) continue;
    const si: ServiceImport = {
      acc: sys, from, to, tr: null, response: false, respWildcard: false,
      responseType: x.responseType, threshold: x.responseThreshold, ts: 0,
    };
    const sub = serviceImportSubscription(si, acc.internalSid());
    if (!acc.sl.insert(sub)) continue;
    acc.serviceImports.push(si);
    acc.serviceImportSubs.push(sub);
  }
}

/**
 * The system exports and every account's imports of them, or — with `acc` — those concerning one
 * account whose configuration was just (re)applied. Nothing without a system account.
 */
export function registerSystemServices(srv: Server, acc?: Account): void {
  const sys = srv.sysAcc;
  if (sys === null) return;
  if (acc === undefined || acc === sys) {
    addSystemAccountExports(sys);
    for (const a of srv.accounts.values()) registerSystemImports(a, sys);
  } else {
    registerSystemImports(acc, sys);
  }
}
