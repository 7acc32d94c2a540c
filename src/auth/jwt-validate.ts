// What makes a decoded NATS JWT valid, as github.com/nats-io/jwt/v2 v2.3.0 decides it (the Validate
// methods of UserClaims, AccountClaims, ActivationClaims, Import, Export, ...), and the checks
// nats-server 2.9.10 adds around them (auth.go, accounts.go, jwt.go). nats-server refuses a user, an
// account or an activation whose ValidationResults are blocking (errors, and time checks where it
// asks for them); so does tsnats, with the same rules.
import {
  isValidPublicKey, decodeActivationClaims, exportTypeName, STREAM, SERVICE,
  type ClaimsData, type UserClaims, type AccountClaims, type ActivationClaims, type Import, type Export,
  type Permission, type UserPermissionLimits, type TimeRange, type UserNats,
} from './jwt-claims.js';
import { goParseCIDR, goParseClock, goLoadLocation, goParseURL } from '../protocol/gonet.js';
import { goToUpper, goToLower } from '../protocol/gostrings.js';

export interface ValidationIssue {
  description: string;
  blocking: boolean;
  timeCheck: boolean;
}

/** jwt.ValidationResults. */
export class ValidationResults {
  readonly issues: ValidationIssue[] = [];
  addError(description: string): void {
    this.issues.push({ description, blocking: true, timeCheck: false });
  }
  addTimeCheck(description: string): void {
    this.issues.push({ description, blocking: false, timeCheck: true });
  }
  addWarning(description: string): void {
    this.issues.push({ description, blocking: false, timeCheck: false });
  }
  isBlocking(includeTimeChecks: boolean): boolean {
    return this.issues.some((i) => i.blocking || (includeTimeChecks && i.timeCheck));
  }
  /** How the reference's debug line prints them (%+v of the results; the issues by description). */
  toString(): string {
    return `&{Issues:[${this.issues.map((i) => i.description).join(' ')}]}`;
  }
}

const q = (s: string) => JSON.stringify(s);
const NO_LIMIT = -1n;

/** Seconds since the epoch, as Go's time.Now().Unix(). */
export function nowUnix(): number {
  return Math.floor(Date.now() / 1000);
}

/** ClaimsData.Validate: expiry and not-before, as time checks. */
export function validateClaimsData(c: ClaimsData, vr: ValidationResults, now = nowUnix()): void {
  if (c.exp > 0n && BigInt(now) > c.exp) vr.addTimeCheck('claim is expired');
  if (c.nbf > 0n && c.nbf > BigInt(now)) vr.addTimeCheck('claim is not yet valid');
}

// ---------------------------------------------------------------- subjects

/** Subject.Validate: not empty, no spaces. */
export function validateSubject(s: string, vr: ValidationResults): void {
  if (s === '') vr.addError('subject cannot be empty');
  if (s.includes(' ')) vr.addError(`subject ${q(s)} cannot have spaces`);
}

/** Subject.HasWildCards. */
export function hasWildCards(s: string): boolean {
  return s.endsWith('.>') || s.includes('.*.') || s.endsWith('.*') || s.startsWith('*.') || s === '*' || s === '>';
}

/** Subject.IsContainedIn (the jwt library's own, looser than a subset match: '*' covers '>'). */
export function isContainedIn(s: string, other: string): boolean {
  const o = other.split('.');
  const m = s.split('.');
  if (m.length > o.length && o[o.length - 1] !== '>') return false;
  if (m.length < o.length) return false;
  for (let i = 0; i < o.length; i++) {
    if (i === o.length - 1 && o[i] === '>') return true;
    if (o[i] !== m[i] && o[i] !== '*') return false;
  }
  return true;
}

function countTokenWildcards(s: string): number {
  if (s === '*') return 1;
  return s.split('.').filter((t) => t === '*').length;
}

/** RenamingSubject.Validate (an import's local_subject against its subject). */
function validateRenamingSubject(s: string, from: string, vr: ValidationResults): void {
  validateSubject(s, vr);
  if (from === '') vr.addError('subject cannot be empty');
  if (s.includes(' ')) vr.addError(`subject ${q(s)} cannot have spaces`);
  const suffix = (x: string) => x === '>' || x.endsWith('.>');
  if (suffix(s) !== suffix(from)) vr.addError('both, renaming subject and subject, need to end or not end in >');
  const fromCnt = countTokenWildcards(from);
  let refCnt = 0;
  for (const tk of s.split('.')) {
    if (tk === '*') refCnt++;
    if (tk.length < 2) continue;
    if (tk[0] === '$' && /^[+-]?[0-9]+$/.test(tk.slice(1))) {
      const idx = Number(tk.slice(1));
      if (idx > fromCnt) vr.addError(`Reference $${idx} in ${q(s)} reference * in ${q(from)} that do not exist`);
      else refCnt++;
    }
  }
  if (refCnt !== fromCnt) vr.addError('subject does not contain enough * or reference wildcards $[0-9]');
}

/** RenamingSubject.ToSubject: $n references become '*'. */
function renamingToSubject(s: string): string {
  if (!s.includes('$')) return s;
  return s.split('.').map((tk) => (tk.length > 1 && tk[0] === '$' && /^[+-]?[0-9]+$/.test(tk.slice(1)) ? '*' : tk)).join('.');
}

// ---------------------------------------------------------------- users

function checkPermission(vr: ValidationResults, subj: string, permitQueue: boolean): void {
  const tk = subj.split(' ');
  if (tk.length === 1) validateSubject(tk[0]!, vr);
  else if (tk.length === 2) {
    validateSubject(tk[0]!, vr);
    validateSubject(tk[1]!, vr);
    if (!permitQueue) vr.addError(`Permission Subject "${subj}" is not allowed to contain queue`);
  } else vr.addError(`Permission Subject "${subj}" contains too many spaces`);
}

function validatePermission(p: Permission, vr: ValidationResults, permitQueue: boolean): void {
  for (const s of p.allow ?? []) checkPermission(vr, s, permitQueue);
  for (const s of p.deny ?? []) checkPermission(vr, s, permitQueue);
}

/** Permissions.Validate: resp (anything goes), sub (queues allowed), pub. */
export function validatePermissions(p: { pub: Permission; sub: Permission }, vr: ValidationResults): void {
  validatePermission(p.sub, vr, true);
  validatePermission(p.pub, vr, false);
}

function validateTimeRange(t: TimeRange, vr: ValidationResults): void {
  if (t.start === '') vr.addError('time ranges start must contain a start');
  else if (goParseClock(t.start) === null) vr.addError(`start in time range is invalid ${q(t.start)}`);
  if (t.end === '') vr.addError('time ranges end must contain an end');
  else if (goParseClock(t.end) === null) vr.addError(`end in time range is invalid ${q(t.end)}`);
}

/** Limits.Validate: src CIDRs, times, times_location. */
function validateLimits(l: UserPermissionLimits, vr: ValidationResults): void {
  for (const cidr of l.src ?? []) if (goParseCIDR(cidr) === null) vr.addError(`invalid cidr ${q(cidr)} in user src limits`);
  for (const t of l.times ?? []) validateTimeRange(t, vr);
  if (l.times_location !== '' && !goLoadLocation(l.times_location)) vr.addError(`could not parse iana time zone by name: unknown time zone ${l.times_location}`);
}

/** UserClaims.Validate. */
export function validateUser(u: UserClaims, vr: ValidationResults, now = nowUnix()): void {
  validateClaimsData(u, vr, now);
  validatePermissions(u.nats, vr);
  validateLimits(u.nats, vr);
  if (u.nats.issuer_account !== '' && !isValidPublicKey(u.nats.issuer_account, 'A')) vr.addError('account_id is not an account public key');
}

/** UserClaims.HasEmptyPermissions: every permission and limit at Go's zero value (nil lists, not empty ones). */
export function hasEmptyPermissions(u: UserNats): boolean {
  const emptyPerm = (p: Permission) => p.allow === null && p.deny === null;
  return emptyPerm(u.pub) && emptyPerm(u.sub) && u.resp === null && u.src === null && u.times === null && u.times_location === ''
    && u.subs === 0n && u.data === 0n && u.payload === 0n && !u.bearer_token && u.allowed_connection_types === null;
}

/** convertAllowedConnectionTypes: the known types (upper-cased), and the unknown ones. */
export function convertAllowedConnectionTypes(types: string[] | null): { known: Set<string>; unknown: string[] } {
  const known = new Set<string>();
  const unknown: string[] = [];
  for (const t of types ?? []) {
    const u = goToUpper(t);
    if (['STANDARD', 'WEBSOCKET', 'LEAFNODE', 'LEAFNODE_WS', 'MQTT', 'MQTT_WS'].includes(u)) known.add(u);
    else unknown.push(t);
  }
  return { known, unknown };
}

// ---------------------------------------------------------------- accounts

/** Export.Validate. */
function validateExport(e: Export | null, vr: ValidationResults): void {
  if (e === null) {
    vr.addError('null export is not allowed');
    return;
  }
  const isService = e.type === SERVICE;
  const isStream = e.type === STREAM;
  if (!isService && !isStream) vr.addError(`invalid export type: ${q(exportTypeName(e.type))}`);
  if (isService && !['', 'Singleton', 'Chunked', 'Stream'].includes(e.response_type)) vr.addError(`invalid response type for service: ${q(e.response_type)}`);
  if (isStream && e.response_type !== '') vr.addError(`invalid response type for stream: ${q(e.response_type)}`);
  if (e.service_latency !== null) {
    if (!isService) vr.addError('latency tracking only permitted for services');
    const sl = e.service_latency;
    if (sl.sampling !== 0n && (sl.sampling < 1n || sl.sampling > 100n)) vr.addError('sampling percentage needs to be between 1-100');
    validateSubject(sl.results, vr);
    if (hasWildCards(sl.results)) vr.addError('results subject can not contain wildcards');
  }
  if (e.response_threshold < 0n) vr.addError('negative response threshold is invalid');
  if (e.response_threshold > 0n && !isService) vr.addError('response threshold only valid for services');
  validateSubject(e.subject, vr);
  if (e.account_token_position > 0n) {
    if (!hasWildCards(e.subject)) vr.addError(`Account Token Position can only be used with wildcard subjects: ${e.subject}`);
    else {
      const tokens = e.subject.split('.');
      const pos = e.account_token_position;
      if (pos > BigInt(tokens.length)) vr.addError(`Account Token Position ${pos} exceeds length of subject '${e.subject}'`);
      else if (tokens[Number(pos) - 1] !== '*') vr.addError(`Account Token Position ${pos} matches '${tokens[Number(pos) - 1]}' but must match a * in: ${e.subject}`);
    }
  }
  validateInfo(e, vr);
}

/** Exports.Validate: each export, and no export of a kind contained in another of the same kind. */
function validateExports(exports: (Export | null)[], vr: ValidationResults): void {
  const service: string[] = [];
  const stream: string[] = [];
  for (const e of exports) {
    if (e === null) {
      vr.addError('null export is not allowed');
      continue;
    }
    (e.type === SERVICE ? service : stream).push(e.subject);
    validateExport(e, vr);
  }
  for (const [kind, subjects] of [['service', service], ['stream', stream]] as const) {
    const seen = new Set<string>();
    subjects.forEach((ns, i) => subjects.forEach((s, j) => {
      if (i !== j && isContainedIn(ns, s) && !seen.has(s)) {
        seen.add(s);
        vr.addError(`${kind} export subject ${q(s)} already exports ${q(ns)}`);
      }
    }));
  }
}

/** Import.Validate: the import, and its activation token (decoded, issuer, subject, kind). */
export function validateImport(i: Import | null, accountKey: string, vr: ValidationResults): ActivationClaims | null {
  if (i === null) {
    vr.addError('null import is not allowed');
    return null;
  }
  const isService = i.type === SERVICE;
  if (!isService && i.type !== STREAM) vr.addError(`invalid import type: ${q(exportTypeName(i.type))}`);
  if (i.account === '') vr.addError('account to import from is not specified');
  if (i.to !== '') vr.addWarning('the field to has been deprecated (use LocalSubject instead)');
  validateSubject(i.subject, vr);
  if (i.local_subject !== '') {
    validateRenamingSubject(i.local_subject, i.subject, vr);
    if (i.to !== '') vr.addError('Local Subject replaces To');
  }
  if (i.share && !isService) vr.addError(`sharing information (for latency tracking) is only valid for services: ${q(i.subject)}`);
  let act: ActivationClaims | null = null;
  if (i.token !== '') {
    try {
      act = decodeActivationClaims(i.token);
    } catch {
      vr.addError(`import ${q(i.subject)} contains an invalid activation token`);
    }
  }
  if (act !== null) {
    if (!(act.iss === i.account || act.nats.issuer_account === i.account)) vr.addError(`activation token doesn't match account for import ${q(i.subject)}`);
    if (act.sub !== accountKey) vr.addError(`activation token doesn't match account it is being included in, ${q(i.subject)}`);
    if (act.nats.kind !== i.type) vr.addError(`mismatch between token import type ${exportTypeName(act.nats.kind)} and type of import ${exportTypeName(i.type)}`);
    validateActivation(act, vr, false);
    const subj = isService && i.to !== '' ? i.to : i.subject;
    if (!isContainedIn(subj, act.nats.subject)) vr.addError(`activation token import subject ${q(act.nats.subject)} doesn't match import ${q(i.subject)}`);
  }
  return act;
}

/** Imports.Validate: each import; service imports must not overlap in the importing account. */
function validateImports(imports: (Import | null)[], accountKey: string, vr: ValidationResults): void {
  const toSet: string[] = [];
  for (const v of imports) {
    if (v === null) {
      vr.addError('null import is not allowed');
      continue;
    }
    if (v.type === SERVICE) {
      let sub = v.to;
      if (sub === '') sub = renamingToSubject(v.local_subject);
      if (sub === '') sub = v.subject;
      for (const k of toSet) if (isContainedIn(sub, k) || isContainedIn(k, sub)) vr.addError(`overlapping subject namespace for ${q(sub)} and ${q(k)}`);
      if (toSet.includes(sub)) vr.addError(`overlapping subject namespace for ${q(v.to)}`);
      else toSet.push(sub);
    }
    validateImport(v, accountKey, vr);
  }
}

/** Info.Validate: description and info_url lengths, and info_url a URL with a scheme and a host. */
function validateInfo(i: { description: string; info_url: string }, vr: ValidationResults): void {
  const MAX_INFO_LENGTH = 8 * 1024;
  if (Buffer.byteLength(i.description) > MAX_INFO_LENGTH) vr.addError('Description is too long');
  if (i.info_url !== '') {
    if (Buffer.byteLength(i.info_url) > MAX_INFO_LENGTH) vr.addError('Info URL is too long');
    const u = goParseURL(i.info_url);
    if (u === null) vr.addError(`error parsing info url: parse ${q(i.info_url)}: invalid URL`);
    else if (u.hostname === '' || u.scheme === '') vr.addError('error parsing info url: no hostname or scheme');
  }
}

/** AccountClaims.Validate. */
export function validateAccount(a: AccountClaims, vr: ValidationResults, now = nowUnix()): void {
  validateClaimsData(a, vr, now);
  const n = a.nats;
  const l = n.limits;
  validateImports(n.imports ?? [], a.sub, vr);
  validateExports(n.exports ?? [], vr);
  // OperatorLimits.Validate: tiered JetStream limits exclude the plain ones, and need tier names.
  const js = [l.mem_storage, l.disk_storage, l.streams, l.consumer, l.max_ack_pending, l.mem_max_stream_bytes, l.disk_max_stream_bytes];
  const jsEmpty = js.every((v) => v === 0n) && !l.max_bytes_required;
  if ((l.tiered_limits?.size ?? 0) > 0) {
    if (!jsEmpty) vr.addError('JetStream Limits and tiered JetStream Limits are mutually exclusive');
    if (l.tiered_limits!.has('')) vr.addError('Tiered JetStream Limits can not contain a blank "" tier name');
  }
  validatePermissions(n.default_permissions, vr);
  for (const [from, wms] of n.mappings ?? []) {
    validateSubject(from, vr);
    let total = 0;
    for (const wm of wms ?? []) {
      validateSubject(wm.subject, vr);
      if (hasWildCards(wm.subject)) vr.addError(`Subject ${q(wm.subject)} in weighted mapping ${q(from)} is not allowed to contains wildcard`);
      total = (total + (wm.weight === 0n ? 100 : Number(wm.weight))) & 0xff; // uint8 arithmetic
    }
    if (total > 100) vr.addError(`Mapping ${q(from)} exceeds 100% among all of it's weighted to mappings`);
  }
  const imports = BigInt((n.imports ?? []).length);
  const exports = BigInt((n.exports ?? []).length);
  const limitsEmpty = l.subs === 0n && l.data === 0n && l.payload === 0n && l.imports === 0n && l.exports === 0n && !l.wildcards
    && !l.disallow_bearer && l.conn === 0n && l.leaf === 0n && jsEmpty && (l.tiered_limits?.size ?? 0) === 0;
  if (!limitsEmpty && l.imports >= 0n && imports > l.imports) vr.addError('the account contains more imports than allowed by the operator');
  if (l.imports !== NO_LIMIT && imports > l.imports) vr.addError('the account contains more imports than allowed by the operator');
  if (l.exports !== NO_LIMIT) {
    if (exports > l.exports) vr.addError('the account contains more exports than allowed by the operator');
    if (!l.wildcards) {
      for (const e of n.exports ?? []) if (e !== null && hasWildCards(e.subject)) vr.addError('the account contains wildcard exports that are not allowed by the operator');
    }
  }
  for (const [k, scope] of n.signing_keys ?? []) {
    const key = scope === null ? k : scope.key;
    if (!isValidPublicKey(key, 'A')) vr.addError(scope === null ? `${q(k)} is not a valid account signing key` : `${key} is not an account public key`);
  }
  validateInfo(n, vr);
  if (isValidPublicKey(a.iss, 'A') && !limitsEmpty) vr.addWarning("self-signed account JWTs shouldn't contain operator limits");
}

// ---------------------------------------------------------------- activations and operators

/** ActivationClaims.Validate (with or without the time checks). */
export function validateActivation(a: ActivationClaims, vr: ValidationResults, timeChecks: boolean, now = nowUnix()): void {
  if (timeChecks) validateClaimsData(a, vr, now);
  if (a.nats.kind !== SERVICE && a.nats.kind !== STREAM) vr.addError(`invalid import type: ${q(exportTypeName(a.nats.kind))}`);
  validateSubject(a.nats.subject, vr);
  if (a.nats.issuer_account !== '' && !isValidPublicKey(a.nats.issuer_account, 'A')) vr.addError('account_id is not an account public key');
}

/** jwt.ParseServerVersion: "" or "major.minor.update", non-negative integers. */
export function parseServerVersion(v: string): [number, number, number] | string {
  if (v === '') return [0, 0, 0];
  const parts = v.split('.');
  if (parts.length !== 3) return 'asserted server version must be of the form <major>.<minor>.<update>';
  const nums: number[] = [];
  for (const p of parts) {
    if (!/^[+-]?[0-9]+$/.test(p) || !Number.isSafeInteger(Number(p))) return `asserted server version cant parse ${p} to int`;
    nums.push(Number(p));
  }
  if (nums.some((x) => x < 0)) return `asserted server version can'b contain negative values: ${v}`;
  return nums as [number, number, number];
}

// ---------------------------------------------------------------- scoped signing key templates

/** The values a scoped template may refer to (processUserPermissionsTemplate). */
export interface TemplateContext {
  name: string;
  subject: string;
  accountName: string;
  issuerAccount: string;
  userTags: string[];
  accountTags: string[];
}

/**
 * processUserPermissionsTemplate: {{name()}}, {{subject()}}, {{account-name()}},
 * {{account-subject()}}, {{tag(x)}} and {{account-tag(x)}} in permission subjects are replaced;
 * subjects that come out invalid are dropped from allow lists and fail deny lists; an allow list
 * emptied this way becomes a deny of ">". Returns null when the template cannot apply.
 */
export function applyPermissionTemplate(lim: UserPermissionLimits, cx: TemplateContext, isValidSubject: (s: string) => boolean): UserPermissionLimits | null {
  const apply = (list: string[] | null, failOnBad: boolean): string[] | null | undefined => {
    if (list === null) return null;
    const isTpl = (tk: string) => tk.startsWith('{{') && tk.endsWith('}}');
    if (!list.some((s) => s.split('.').some(isTpl))) return list;
    const out: string[] = [];
    for (const s of list) {
      const tagValues: string[][] = [];
      const tokens = s.split('.').map((tk) => {
        if (!isTpl(tk)) return tk;
        const op = goToLower(tk.slice(2, -2));
        if (op === 'name()') return cx.name;
        if (op === 'subject()') return cx.subject;
        if (op === 'account-name()') return cx.accountName;
        if (op === 'account-subject()') return cx.issuerAccount;
        const acct = op.startsWith('account-tag(');
        if ((op.startsWith('tag(') || acct) && op.endsWith(')')) {
          const prefix = `${goToLower(op.slice(acct ? 12 : 4, -1))}:`;
          const values = (acct ? cx.accountTags : cx.userTags).filter((t) => t.startsWith(prefix)).map((t) => t.slice(prefix.length));
          if (values.length > 0) tagValues.push(values);
          return '';
        }
        return ' ';
      });
      const emit = (subj: string): boolean => {
        if (isValidSubject(subj)) out.push(subj);
        else if (failOnBad) return false;
        return true;
      };
      if (tagValues.length === 0) {
        if (!emit(tokens.join('.'))) return undefined;
        continue;
      }
      for (const combo of cartesian(tagValues)) {
        let k = 0;
        if (!emit(tokens.map((t) => (t === '' ? combo[k++]! : t)).join('.'))) return undefined;
      }
    }
    return out;
  };
  const subAllowWasNotEmpty = (lim.sub.allow?.length ?? 0) > 0;
  const pubAllowWasNotEmpty = (lim.pub.allow?.length ?? 0) > 0;
  const subAllow = apply(lim.sub.allow, false);
  const subDeny = apply(lim.sub.deny, true);
  const pubAllow = apply(lim.pub.allow, false);
  const pubDeny = apply(lim.pub.deny, true);
  if (subAllow === undefined || subDeny === undefined || pubAllow === undefined || pubDeny === undefined) return null;
  const out: UserPermissionLimits = { ...lim, pub: { allow: pubAllow, deny: pubDeny }, sub: { allow: subAllow, deny: subDeny } };
  const addDenyAll = (p: Permission) => {
    const deny = p.deny ?? [];
    if (!deny.includes('>')) deny.push('>');
    p.deny = deny;
  };
  if (subAllowWasNotEmpty && (out.sub.allow?.length ?? 0) === 0) addDenyAll(out.sub);
  if (pubAllowWasNotEmpty && (out.pub.allow?.length ?? 0) === 0) addDenyAll(out.pub);
  return out;
}

function cartesian(lists: string[][]): string[][] {
  let out: string[][] = [[]];
  for (const l of lists) out = out.flatMap((p) => l.map((v) => [...p, v]));
  return out;
}
