// Accounts from the options (accounts { NAME { users, limits, exports, imports, default_permissions } }):
// limits, exports and imports are applied to the Account objects, and every import is checked
// against the exporter's exports as the reference checks them when it loads its configuration
// (errors "\"Z\" account not defined for stream import", "Error adding service import \"x\": service
// import not authorized").
import { TsnatsError } from '../errors.js';
import { isValidSubject, subjectIsSubsetMatch } from '../subjects/subject.js';
import { SubjectTransform } from './transform.js';
import { serviceImportSubscription, DEFAULT_RESPONSE_THRESHOLD_MS, type ResponseType, type ServiceExport, type StreamExport, type ServiceImport, type StreamImport } from './imports.js';
import { normalizePermissions } from '../auth/permissions.js';
import type { Account } from './account.js';
import type { AccountConfig, AccountLimits, JetStreamAccountLimits, Permissions, StreamImport as StreamImportCfg, ServiceImport as ServiceImportCfg } from '../options.js';

/** Exports and imports in one shape, from options or from an account JWT (jwt.ts). */
export interface AccountSpec {
  limits?: AccountLimits;
  /** Limits in force, -1 = none (Account.mconns/msubs/mpay). */
  caps: { conns: number; subs: number; payload: number };
  defaultPermissions?: Permissions;
  streamExports: StreamExport[];
  serviceExports: ServiceExport[];
  imports: ImportSpec[];
  /** JetStream limits (null: JetStream not enabled for the account). */
  jetstream: JetStreamAccountLimits | null;
}

/** Unlimited JetStream account limits (defaultJSAccountTiers). */
export function unlimitedJsLimits(): JetStreamAccountLimits {
  return {
    maxMemory: -1, maxStore: -1, maxStreams: -1, maxConsumers: -1, maxAckPending: -1,
    memoryMaxStreamBytes: -1, storeMaxStreamBytes: -1, maxBytesRequired: false,
  };
}

/** accounts.X.jetstream from the options: true = no limits, an object = its limits over -1. */
export function jsLimitsFromConfig(v: AccountConfig['jetstream']): JetStreamAccountLimits | null {
  if (v === undefined || v === false) return null;
  if (v === true) return unlimitedJsLimits();
  return { ...unlimitedJsLimits(), ...v };
}

export interface ImportSpec {
  type: 'stream' | 'service';
  /** The exporting account's name. */
  account: string;
  /** The subject in the exporting account. */
  subject: string;
  /** Local subject: the stream's prefix applied, or the service's `to`. */
  local: string;
  /** An activation token (JWT imports of exports with token_req). */
  token?: string;
}

function isService(x: object): x is { service: unknown } {
  return 'service' in x;
}

/** Converts `accounts[i]` of the options. */
export function specFromConfig(a: AccountConfig): AccountSpec {
  // In the options, -1, 0 and absent all mean no limit.
  const cap = (v: number | undefined) => (v === undefined || v <= 0 ? -1 : v);
  const spec: AccountSpec = {
    limits: a.limits,
    caps: { conns: cap(a.limits?.maxConnections), subs: cap(a.limits?.maxSubscriptions), payload: cap(a.limits?.maxPayload) },
    defaultPermissions: normalizePermissions(a.defaultPermissions),
    streamExports: [],
    serviceExports: [],
    imports: [],
    jetstream: jsLimitsFromConfig(a.jetstream),
  };
  for (const x of a.exports ?? []) {
    if (isService(x)) {
      const rt = (x.responseType ?? 'Singleton') as ResponseType;
      spec.serviceExports.push({
        subject: x.service, accounts: x.accounts ? new Set(x.accounts) : null, tokenRequired: false,
        responseType: rt, responseThreshold: DEFAULT_RESPONSE_THRESHOLD_MS,
      });
    } else {
      spec.streamExports.push({ subject: x.stream, accounts: x.accounts ? new Set(x.accounts) : null, tokenRequired: false });
    }
  }
  for (const x of a.imports ?? []) {
    if (isService(x)) {
      const si = x as ServiceImportCfg;
      spec.imports.push({ type: 'service', account: si.service.account, subject: si.service.subject, local: si.to ?? si.service.subject });
    } else {
      const st = x as StreamImportCfg;
      const from = st.stream.subject;
      const local = st.prefix ? `${st.prefix}.${from}` : (st.to ?? from);
      spec.imports.push({ type: 'stream', account: st.stream.account, subject: from, local });
    }
  }
  return spec;
}

/** Applies what does not depend on other accounts: limits, default permissions, exports. */
export function applyExports(acc: Account, spec: AccountSpec): void {
  acc.limits = { ...spec.limits };
  acc.mconns = spec.caps.conns;
  acc.msubs = spec.caps.subs;
  acc.mpay = spec.caps.payload;
  acc.defaultPermissions = spec.defaultPermissions;
  acc.jsLimits = spec.jetstream;
  for (const x of [...spec.streamExports, ...spec.serviceExports]) {
    if (!isValidSubject(x.subject)) throw new TsnatsError('BAD_EXPORT', `invalid export subject ${JSON.stringify(x.subject)} in account ${JSON.stringify(acc.name)}`);
  }
  acc.streamExports = spec.streamExports;
  acc.serviceExports = spec.serviceExports;
}

/**
 * May `importer` import `subject` from `exporter`'s exports? (checkStreamExportApproved and the
 * service twin, checkAuth): an export with exactly that subject decides, else the first export the
 * subject is a subset of. A public export allows everyone; one with an account token position needs
 * the importer's name at that position (and nothing else); token_req needs an activation; otherwise
 * the importer must be listed.
 */
export function importAuthorized(exports: StreamExport[], importer: string, subject: string, activated: (x: StreamExport) => boolean): StreamExport | null {
  const check = (x: StreamExport, tokens: string[] | null): boolean => {
    if ((x.accounts === null || x.accounts.size === 0) && !x.tokenRequired && x.accountPos === undefined) return true;
    if (x.accountPos !== undefined) return tokens !== null && x.accountPos <= tokens.length && tokens[x.accountPos - 1] === importer;
    if (x.tokenRequired) return activated(x);
    return x.accounts !== null && x.accounts.has(importer);
  };
  const exact = exports.find((x) => x.subject === subject);
  if (exact !== undefined) return check(exact, null) ? exact : null;
  const tokens = subject.split('.');
  for (const x of exports) {
    if (subjectIsSubsetMatch(subject, x.subject)) return check(x, tokens) ? x : null;
  }
  return null;
}

/**
 * Applies the imports of `acc` (after every account's exports are in place). `lookup` finds an
 * exporting account; `activated` checks an activation token (operator mode). Replaces whatever
 * imports the account had. An import that cannot be set up throws (a configuration error), or,
 * with `skip` (operator mode: the reference leaves the import out and keeps the account), is
 * reported to `skip` and left out; a missing exporter is then left out silently (`lookup` said why).
 */
export function applyImports(
  acc: Account, spec: AccountSpec, lookup: (name: string) => Account | undefined,
  activated: (imp: ImportSpec, x: StreamExport, exporter: Account) => boolean = () => false,
  skip?: (imp: ImportSpec, msg: string) => void,
): void {
  const streams: StreamImport[] = [];
  const services: ServiceImport[] = [];
  const fail = (imp: ImportSpec, e: TsnatsError): void => {
    if (skip === undefined) throw e;
    skip(imp, e.message);
  };
  for (const imp of spec.imports) {
    const exporter = lookup(imp.account);
    if (exporter === undefined) {
      if (skip === undefined) throw new TsnatsError('ACCOUNT_NOT_DEFINED', `${JSON.stringify(imp.account)} account not defined for ${imp.type} import`);
      continue;
    }
    const exports = imp.type === 'stream' ? exporter.streamExports : exporter.serviceExports;
    const x = importAuthorized(exports, acc.name, imp.subject, (e) => activated(imp, e, exporter));
    if (x === null) {
      fail(imp, new TsnatsError('IMPORT_NOT_AUTHORIZED', `Error adding ${imp.type} import ${JSON.stringify(imp.subject)}: ${imp.type} import not authorized`));
      continue;
    }
    let tr: SubjectTransform;
    try {
      tr = imp.type === 'stream' ? new SubjectTransform(imp.subject, imp.local) : new SubjectTransform(imp.local, imp.subject);
    } catch (e) {
      fail(imp, new TsnatsError('BAD_IMPORT', `Error adding ${imp.type} import ${JSON.stringify(imp.subject)}: ${(e as Error).message}`));
      continue;
    }
    if (imp.type === 'stream') {
      streams.push({ acc: exporter, from: imp.subject, to: imp.local, tr });
    } else {
      const sx = x as ServiceExport;
      services.push({
        acc: exporter, from: imp.local, to: imp.subject, tr, response: false, respWildcard: false,
        responseType: sx.responseType, threshold: sx.responseThreshold, ts: 0,
      });
    }
  }
  for (const sub of acc.serviceImportSubs) {
    sub.closed = true;
    acc.sl.remove(sub);
  }
  acc.streamImports = streams;
  acc.serviceImports = services;
  acc.serviceImportSubs = services.map((si) => serviceImportSubscription(si, acc.internalSid()));
  for (const sub of acc.serviceImportSubs) acc.sl.insert(sub);
}

/** Configures every account of the options, creating the missing ones with `create`. */
export function configureAccounts(accounts: Map<string, Account>, configs: AccountConfig[], create: (name: string) => Account): void {
  const specs = configs.map((a) => ({ a, spec: specFromConfig(a) }));
  for (const { a } of specs) if (!accounts.has(a.name)) accounts.set(a.name, create(a.name));
  for (const { a, spec } of specs) applyExports(accounts.get(a.name)!, spec);
  for (const { a, spec } of specs) applyImports(accounts.get(a.name)!, spec, (n) => accounts.get(n));
}
