// accounts { NAME { users, nkey, limits, imports, exports, default_permissions } } (opts.go parseAccounts,
// parseAccountLimits, parseAccountImports/Exports), with the reference's checks after all accounts
// are read: imported accounts exist, exports exist and allow the importer.
import type { AccountConfig, AccountLimits, ServiceExport, ServiceImport, StreamExport, StreamImport } from '../options.js';
import type { ConfNode, MapNode } from './parse.js';
import { entries, goType, type LoadContext } from './load-values.js';
import { loadAccountJetStream } from './load-jetstream.js';
import { goQuote } from '../errors.js';
import { applyDefaultPermissions, isPublicKey, loadPermissions, loadUsers } from './load-auth.js';
import { subjectIsSubsetMatch as isSubsetMatch, isValidSubject } from '../subjects/subject.js';
import { parseGoDuration } from './duration.js';

/** The global account's name is reserved (opts.go isReservedAccount). */
const GLOBAL_ACCOUNT = '$G';

interface Pending {
  acc: AccountConfig;
  node: ConfNode;
}

export function loadAccounts(ctx: LoadContext, node: ConfNode): void {
  const accounts: AccountConfig[] = [];
  const names = new Set<string>();
  if (node.kind === 'array') {
    // A plain list of account names.
    for (const el of node.value) {
      const name = ctx.str(el, 'accounts');
      if (name === undefined) continue;
      if (name === GLOBAL_ACCOUNT) ctx.error(el, `${goQuote(name)} is a Reserved Account`);
      else if (names.has(name)) ctx.error(el, `Duplicate Account Entry: ${name}`);
      else {
        names.add(name);
        accounts.push({ name });
      }
    }
    ctx.set('accounts', accounts, node);
    return;
  }
  if (node.kind !== 'map') return void ctx.typeError(node, 'accounts', 'a map or a list of account names');

  const errorsBefore = ctx.errors.length;
  const seenUsers = new Set<string>();
  const pending: Pending[] = [];
  for (const [name, amv] of node.value) {
    if (amv.usedVariable) continue; // a variable defined inside the accounts block
    if (amv.kind !== 'map') {
      ctx.error(amv, 'Expected map entries for accounts');
      continue;
    }
    if (name === GLOBAL_ACCOUNT) {
      ctx.error(amv, `${goQuote(name)} is a Reserved Account`);
      continue;
    }
    const acc = loadAccount(ctx, name, amv);
    accounts.push(acc);
    pending.push({ acc, node: amv });
    // Users and nkeys are unique across accounts.
    for (const u of acc.users ?? []) {
      const id = u.nkey ?? u.user!;
      if (seenUsers.has(id)) ctx.error(usersNode(amv) ?? amv, `Duplicate ${u.nkey ? 'nkey' : 'user'} ${goQuote(id)} detected`);
      seenUsers.add(id);
    }
  }
  ctx.set('accounts', accounts, node);
  // Like the reference, imports and exports are only checked when everything else is fine.
  if (ctx.errors.length > errorsBefore) return;
  checkImportsExports(ctx, node, accounts);
}

function usersNode(acc: MapNode): ConfNode | undefined {
  for (const [k, v] of acc.value) if (k.toLowerCase() === 'users') return v;
  return undefined;
}

function loadAccount(ctx: LoadContext, name: string, m: MapNode): AccountConfig {
  const acc: AccountConfig = { name };
  for (const [key, rawKey, v] of entries(m)) {
    switch (key) {
      case 'nkey':
        if (v.kind !== 'string' || !isPublicKey(v.value, 'A')) {
          ctx.error(v, `Not a valid public nkey for an account: ${goQuote(v.kind === 'string' ? v.value : String((v as { value: unknown }).value))}`);
        } else acc.nkey = v.value;
        break;
      case 'imports':
        acc.imports = loadImports(ctx, v);
        break;
      case 'exports':
        acc.exports = loadExports(ctx, v);
        break;
      case 'users': {
        const users = loadUsers(ctx, v);
        if (users) acc.users = users.map((u) => ({ ...u, account: name }));
        break;
      }
      case 'default_permissions': {
        const p = loadPermissions(ctx, v);
        if (p) acc.defaultPermissions = p;
        break;
      }
      case 'limits':
        acc.limits = loadLimits(ctx, v);
        break;
      case 'jetstream': {
        const js = loadAccountJetStream(ctx, v);
        if (js !== undefined) acc.jetstream = js;
        break;
      }
      case 'mappings':
      case 'maps':
        ctx.warn(v, `tsnats ignores ${goQuote(rawKey)} in account ${goQuote(name)}: subject mappings are not supported yet`, 'ignored');
        break;
      default:
        ctx.unknownField(rawKey, v);
    }
  }
  applyDefaultPermissions(acc.users, acc.defaultPermissions);
  return acc;
}

/** limits { max_connections, max_subscriptions, max_payload, max_leafnodes } and their aliases. */
function loadLimits(ctx: LoadContext, node: ConfNode): AccountLimits | undefined {
  if (node.kind !== 'map') return ctx.error(node, `Expected account limits to be a map/struct, got ${goType(node)}`);
  const l: AccountLimits = {};
  for (const [key, rawKey, v] of entries(node)) {
    switch (key) {
      case 'max_connections':
      case 'max_conn':
      case 'conn': // tsnats extension: the JWT claim's name
        l.maxConnections = ctx.int(v, rawKey);
        break;
      case 'max_subscriptions':
      case 'max_subs':
      case 'subs': // tsnats extension
        l.maxSubscriptions = ctx.int(v, rawKey);
        break;
      case 'max_payload':
      case 'max_pay':
      case 'payload': // tsnats extension
        l.maxPayload = ctx.int(v, rawKey);
        break;
      case 'max_leafnodes':
      case 'max_leafs':
        l.maxLeafnodes = ctx.int(v, rawKey);
        break;
      default:
        if (!v.usedVariable) ctx.error(v, `Unknown field ${goQuote(rawKey)} parsing account limits`);
    }
  }
  for (const k of Object.keys(l) as (keyof AccountLimits)[]) if (l[k] === undefined) delete l[k];
  return l;
}

type AnyExport = StreamExport | ServiceExport;
type AnyImport = StreamImport | ServiceImport;

function loadExports(ctx: LoadContext, node: ConfNode): AnyExport[] | undefined {
  if (node.kind !== 'array') return ctx.error(node, `Exports should be an array, got ${goType(node)}`);
  const out: AnyExport[] = [];
  for (const el of node.value) {
    if (el.kind !== 'map') {
      ctx.error(el, `Export Items should be a map with type entry, got ${goType(el)}`);
      continue;
    }
    let stream: string | undefined;
    let service: string | undefined;
    let accounts: string[] | undefined;
    let responseType: ServiceExport['responseType'];
    let responseNode: ConfNode | undefined;
    for (const [key, rawKey, v] of entries(el)) {
      switch (key) {
        case 'stream':
          if (service !== undefined) ctx.error(v, `Detected stream ${goQuote(String((v as { value: unknown }).value))} but already saw a service`);
          else if (v.kind !== 'string') ctx.error(v, `Expected stream name to be string, got ${goType(v)}`);
          else stream = v.value;
          break;
        case 'service':
          if (stream !== undefined) ctx.error(v, `Detected service ${goQuote(String((v as { value: unknown }).value))} but already saw a stream`);
          else if (v.kind !== 'string') ctx.error(v, `Expected service name to be string, got ${goType(v)}`);
          else service = v.value;
          break;
        case 'response':
        case 'response_type': {
          responseNode = v;
          if (v.kind !== 'string') {
            ctx.error(v, `Expected response type to be string, got ${goType(v)}`);
            break;
          }
          const t = v.value.toLowerCase();
          if (t === 'single' || t === 'singleton') responseType = 'Singleton';
          else if (t === 'stream') responseType = 'Stream';
          else if (t === 'chunk' || t === 'chunked') responseType = 'Chunked';
          else ctx.error(v, `Unknown response type: ${goQuote(v.value)}`);
          break;
        }
        case 'accounts':
          accounts = ctx.strings(v, 'accounts');
          break;
        case 'threshold':
        case 'response_threshold':
        case 'response_max_time':
        case 'response_time':
          if (v.kind !== 'string') ctx.error(v, `Expected response threshold to be a parseable time duration, got ${goType(v)}`);
          else {
            try {
              parseGoDuration(v.value);
              ctx.warn(v, `tsnats ignores ${goQuote(rawKey)}: service response thresholds are not supported yet`, 'ignored');
            } catch {
              ctx.error(v, `Expected response threshold to be a parseable time duration, got ${goQuote(v.value)}`);
            }
          }
          break;
        case 'latency':
          ctx.warn(v, `tsnats ignores ${goQuote(rawKey)}: service latency tracking is not supported yet`, 'ignored');
          break;
        case 'account_token_position':
          ctx.warn(v, `tsnats ignores ${goQuote(rawKey)}: account token positions are not supported yet`, 'ignored');
          break;
        default:
          ctx.unknownField(rawKey, v);
      }
    }
    if (responseNode && stream !== undefined) ctx.error(responseNode, 'Detected response directive on non-service');
    if (stream !== undefined) out.push(accounts ? { stream, accounts } : { stream });
    else if (service !== undefined) {
      const se: ServiceExport = { service };
      if (accounts) se.accounts = accounts;
      if (responseType) se.responseType = responseType;
      out.push(se);
    }
  }
  return out;
}

function loadImports(ctx: LoadContext, node: ConfNode): AnyImport[] | undefined {
  if (node.kind !== 'array') return ctx.error(node, `Imports should be an array, got ${goType(node)}`);
  const out: AnyImport[] = [];
  const serviceSubjects = new Map<string, ServiceImport>();
  for (const el of node.value) {
    if (el.kind !== 'map') {
      ctx.error(el, `Import Items should be a map with type entry, got ${goType(el)}`);
      continue;
    }
    let stream: StreamImport['stream'] | undefined;
    let service: ServiceImport['service'] | undefined;
    let prefix: string | undefined;
    let to: string | undefined;
    for (const [key, rawKey, v] of entries(el)) {
      switch (key) {
        case 'stream':
        case 'service': {
          const other = key === 'stream' ? service : stream;
          if (other) {
            ctx.error(v, key === 'stream' ? 'Detected stream but already saw a service' : 'Detected service but already saw a stream');
            break;
          }
          if (v.kind !== 'map') {
            ctx.error(v, `${key === 'stream' ? 'Stream' : 'Service'} entry should be an account map, got ${goType(v)}`);
            break;
          }
          const src = loadImportSource(ctx, v);
          if (!src.account || !src.subject) {
            ctx.error(v, 'Expect an account name and a subject');
            break;
          }
          if (key === 'stream') stream = { account: src.account, subject: src.subject };
          else service = { account: src.account, subject: src.subject };
          break;
        }
        case 'prefix':
          prefix = ctx.str(v, rawKey);
          break;
        case 'to':
          to = ctx.str(v, rawKey);
          if (stream && prefix) ctx.error(v, "Stream import can not have a 'prefix' and a 'to' property");
          break;
        case 'share':
          if (ctx.bool(v, rawKey)) ctx.warn(v, `tsnats ignores ${goQuote(rawKey)}: sharing service import latency is not supported yet`, 'ignored');
          break;
        default:
          ctx.unknownField(rawKey, v);
      }
    }
    if (stream) {
      const si: StreamImport = { stream };
      if (prefix) si.prefix = prefix;
      if (to) si.to = to;
      out.push(si);
    } else if (service) {
      const si: ServiceImport = { service };
      const local = to || service.subject;
      const dup = serviceSubjects.get(local);
      if (dup) {
        ctx.error(el, `Duplicate service import subject ${goQuote(local)}, previously used in import for account ${goQuote(dup.service.account)}, subject ${goQuote(dup.service.subject)}`);
        continue;
      }
      serviceSubjects.set(local, si);
      if (to) si.to = to;
      out.push(si);
    }
  }
  return out;
}

function loadImportSource(ctx: LoadContext, m: MapNode): { account?: string; subject?: string } {
  const out: { account?: string; subject?: string } = {};
  for (const [key, rawKey, v] of entries(m)) {
    if (key === 'account') out.account = ctx.str(v, rawKey);
    else if (key === 'subject') out.subject = ctx.str(v, rawKey);
    else ctx.unknownField(rawKey, v);
  }
  return out;
}

/** After every account is known: the reference's export/import checks, reported at `accounts`. */
function checkImportsExports(ctx: LoadContext, at: ConfNode, accounts: AccountConfig[]): void {
  const byName = new Map(accounts.map((a) => [a.name, a]));
  for (const acc of accounts) {
    for (const ex of acc.exports ?? []) {
      const isStream = 'stream' in ex;
      const subject = isStream ? ex.stream : ex.service;
      const kind = isStream ? 'stream' : 'service';
      for (const an of ex.accounts ?? []) {
        if (!byName.has(an)) ctx.error(at, `${goQuote(an)} account not defined for ${kind} export`);
      }
      if (!isValidSubject(subject)) ctx.error(at, `Error adding ${kind} export ${goQuote(subject)}: invalid subject`);
    }
  }
  for (const acc of accounts) {
    for (const im of acc.imports ?? []) {
      const isStream = 'stream' in im;
      const src = isStream ? im.stream : im.service;
      const kind = isStream ? 'stream' : 'service';
      const from = byName.get(src.account);
      if (!from) {
        ctx.error(at, `${goQuote(src.account)} account not defined for ${kind} import`);
        continue;
      }
      const authorized = (from.exports ?? []).some((ex) => {
        const exSubject = isStream ? ('stream' in ex ? ex.stream : undefined) : 'service' in ex ? ex.service : undefined;
        if (exSubject === undefined || !isSubsetMatch(src.subject, exSubject)) return false;
        return !ex.accounts || ex.accounts.length === 0 || ex.accounts.includes(acc.name);
      });
      if (!authorized) ctx.error(at, `Error adding ${kind} import ${goQuote(src.subject)}: ${kind} import not authorized`);
    }
  }
}
