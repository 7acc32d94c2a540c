// JetStream as a service of the engine (jetstream.go): its configuration (dynamic limits from the
// machine when not set), the start-up and shut-down log lines, the `$JS.API.>` subscription in the
// system account and every account's import of it, which accounts have JetStream (and their
// limits), recovery of file streams at start, server-wide usage and reservations, advisories.
import { mkdirSync, readdirSync, rmSync, rmdirSync, statfsSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import type { Server } from '../server/server.js';
import type { Service } from '../server/service.js';
import type { Account } from '../accounts/account.js';
import { Subscription } from '../server/subscription.js';
import { serviceImportSubscription, DEFAULT_RESPONSE_THRESHOLD_MS, type ServiceImport } from '../accounts/imports.js';
import { SubjectTransform } from '../accounts/transform.js';
import { subjectIsSubsetMatch, subjectsCollide } from '../subjects/subject.js';
import { checkStreamCfg, configUpdateCheck, sameConfig, type RawStreamConfig, type StreamConfig } from './stream-config.js';
import { jsError, JsApiError } from './errors.js';
import type { JetStreamAccountLimits, JetStreamOptions } from '../options.js';
import { unlimitedJsLimits } from '../accounts/account-config.js';
import { JsAccount } from './jsaccount.js';
import { Stream } from './stream.js';
import { JsApi } from './api.js';
import { goJson } from './json.js';
import type { StoreError } from './store/index.js';
import { nextEventId } from '../system/nuid.js';
import { goTime, nowMs } from '../monitor/format.js';
import type { SnapshotConsumer, DecodedSnapshot } from './snapshot.js';
import { jsz, jszAccount, varzJetStream, type ConsumerDetailFn, type JszOptions } from './monitor.js';

/** The subject space of the API (jsAllAPI). */
export const JS_ALL_API = '$JS.API.>';
/** JetStreamMaxMemDefault when the machine's memory is unknown. */
const MAX_MEM_DEFAULT = 1024 * 1024 * 1024;
/** diskAvailable's answer when statfs fails (JetStreamMaxStoreDefault, 1 TB). */
const MAX_STORE_DEFAULT = 1024 * 1024 * 1024 * 1024;

/** The resolved configuration (JetStreamConfig + the server's JetStreamLimits). */
export interface JsConfig {
  maxMemory: number;
  maxStore: number;
  /** `<store_dir>/jetstream`. */
  storeDir: string;
  domain: string;
  memoryOnly: boolean;
  syncAlways: boolean;
  limits: { maxRequestBatch: number; maxAckPending: number; duplicateWindowNs: number; maxHaAssets: number };
  /** Whether the limits came from the machine (for the log's debug line). */
  dynamic: boolean;
}

/** friendlyBytes: `256.00 MB`, `1.00 GB`, `-1 B`. */
export function friendlyBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const pre = ['K', 'M', 'G', 'T', 'P', 'E'];
  const exp = Math.floor(Math.log(bytes) / Math.log(1024));
  return `${(bytes / 1024 ** exp).toFixed(2)} ${pre[exp - 1]}B`;
}

function diskAvailable(dir: string): number {
  let d = dir;
  for (let i = 0; i < 64; i++) {
    try {
      const s = statfsSync(d);
      return s.bavail * s.bsize;
    } catch {
      const up = dirname(d);
      if (up === d) break;
      d = up;
    }
  }
  return MAX_STORE_DEFAULT;
}

/** EnableJetStream / dynJetStreamConfig: sizes not set (or <= 0) come from the machine. */
export function resolveJsConfig(o: JetStreamOptions): JsConfig {
  const base = o.storeDir !== undefined && o.storeDir !== '' ? o.storeDir : join(tmpdir(), 'nats');
  const storeDir = join(base, 'jetstream');
  let maxMemory = o.maxMemoryStore ?? -1;
  let maxStore = o.maxFileStore ?? -1;
  const dynamic = !(maxMemory > 0 && maxStore > 0);
  if (!(maxStore >= 0) || (dynamic && o.maxFileStore === undefined)) maxStore = diskAvailable(storeDir);
  if (!(maxMemory >= 0) || (dynamic && o.maxMemoryStore === undefined)) {
    const sys = totalmem();
    maxMemory = sys > 0 ? Math.floor(sys / 4) * 3 : MAX_MEM_DEFAULT;
  }
  const l = o.limits ?? {};
  return {
    maxMemory,
    maxStore,
    storeDir,
    domain: o.domain ?? '',
    memoryOnly: o.memoryOnly === true,
    syncAlways: o.syncAlways === true,
    limits: {
      maxRequestBatch: l.maxRequestBatch ?? 0,
      maxAckPending: l.maxAckPending ?? 0,
      duplicateWindowNs: (l.duplicateWindow ?? 0) * 1e6,
      maxHaAssets: l.maxHaAssets ?? 0,
    },
    dynamic,
  };
}

export class JetStream implements Service {
  readonly name = 'jetstream';
  readonly config: JsConfig;
  readonly accounts = new Map<Account, JsAccount>();
  /** Bytes reserved by streams' max_bytes, per storage (reserveStreamResources). */
  memReserved = 0;
  storeReserved = 0;
  /** Bytes used by all streams (memTotal/storeTotal). */
  memTotal = 0;
  storeTotal = 0;
  apiTotal = 0;
  apiErrors = 0;
  running = false;
  readonly api: JsApi;
  private apiSub: Subscription | null = null;
  /**
   * Set by the consumer layer (issue 20): called for each file stream recovered at start, after all
   * of the account's streams are open, to recreate its consumers (stream.storedConsumers()).
   */
  recoverConsumers: ((s: Stream) => void) | null = null;
  /** Set by the consumer layer (issue 20): a stream's consumers for a snapshot, and back on restore. */
  snapshotConsumers: ((s: Stream) => SnapshotConsumer[]) | null = null;
  restoreConsumers: ((s: Stream, list: SnapshotConsumer[]) => void) | null = null;
  /** Set by the consumer layer (issue 20): a stream's consumers as /jsz consumer_detail shows them. */
  consumerDetail: ConsumerDetailFn | null = null;
  private sysAcc: Account;

  constructor(readonly srv: Server, opts: JetStreamOptions) {
    this.config = resolveJsConfig(opts);
    this.sysAcc = srv.sysAcc!;
    this.api = new JsApi(this);
  }

  get log(): Server['log'] {
    return this.srv.log;
  }

  start(): void {
    const log = this.log;
    const c = this.config;
    // Clustered JetStream (Raft meta group, replicated streams) is not built: with routes, every
    // member would answer the same $JS.API requests. Refuse rather than serve them twice.
    if ((this.srv.opts.cluster?.port ?? 0) !== 0) {
      throw new Error('JetStream in a cluster is not supported by tsnats yet: run it on a server without a cluster block');
    }
    log.notice('Starting JetStream');
    if (c.dynamic) log.debugf(`JetStream creating dynamic configuration - ${friendlyBytes(c.maxMemory)} memory, ${friendlyBytes(c.maxStore)} disk`);
    if (!c.memoryOnly) this.checkStoreDir();
    for (const line of [
      '    _ ___ _____ ___ _____ ___ ___   _   __  __',
      ' _ | | __|_   _/ __|_   _| _ \\ __| /_\\ |  \\/  |',
      '| || | _|  | | \\__ \\ | | |   / _| / _ \\| |\\/| |',
      ' \\__/|___| |_| |___/ |_| |_|_\\___/_/ \\_\\_|  |_|',
      '',
      '         https://docs.nats.io/jetstream',
      '',
      '---------------- JETSTREAM ----------------',
      `  Max Memory:      ${friendlyBytes(c.maxMemory)}`,
      `  Max Storage:     ${friendlyBytes(c.maxStore)}`,
      `  Store Directory: "${c.storeDir}"`,
      ...(c.domain ? [`  Domain:          ${c.domain}`] : []),
      ...(c.memoryOnly ? ['  Memory Only:     true (tsnats test mode: every stream in memory, nothing on disk)'] : []),
      '-------------------------------------------',
    ]) log.notice(line);
    // The catch-all API subscription in the system account, exported to every account.
    const sub = new Subscription(null, JS_ALL_API, null, `js-api`, (_s, subject, reply, hdr, msg, client) => {
      if (this.running) this.api.dispatch(subject, reply, hdr, msg, client);
    });
    this.sysAcc.sl.insert(sub);
    this.apiSub = sub;
    if (!this.sysAcc.serviceExports.some((x) => x.subject === JS_ALL_API)) {
      this.sysAcc.serviceExports.push({ subject: JS_ALL_API, accounts: null, tokenRequired: false, responseType: 'Singleton', responseThreshold: DEFAULT_RESPONSE_THRESHOLD_MS });
    }
    log.debugf('  Exports:');
    log.debugf(`     ${JS_ALL_API}`);
    this.running = true;
    this.configureAccounts();
  }

  /** The store directory must be a writable directory (created when missing). */
  private checkStoreDir(): void {
    const dir = this.config.storeDir;
    if (!existsSync(dir)) {
      try {
        mkdirSync(dir, { recursive: true });
      } catch (e) {
        throw new Error(`could not create storage directory - ${(e as Error).message}`);
      }
      return;
    }
    if (!statSync(dir).isDirectory()) throw new Error('storage directory is not a directory');
    const probe = join(dir, `_test_${process.pid}`);
    try {
      writeFileSync(probe, '');
      rmSync(probe, { force: true });
    } catch {
      throw new Error('storage directory is not writable');
    }
  }

  stop(): void {
    if (!this.running) return;
    this.log.notice('Initiating JetStream Shutdown...');
    this.running = false;
    for (const jsa of this.accounts.values()) for (const s of [...jsa.streams.values()]) s.stop(false);
    this.accounts.clear();
    if (this.apiSub !== null) {
      this.apiSub.closed = true;
      this.sysAcc.sl.remove(this.apiSub);
      this.apiSub = null;
    }
    this.log.notice('JetStream Shutdown');
  }

  accountsChanged(acc?: Account): void {
    if (!this.running) return;
    if (acc === undefined) this.configureAccounts();
    else this.configureAccount(acc);
  }

  // ---------------------------------------------------------------- accounts

  /**
   * No configured accounts: the global account gets JetStream without limits
   * (enableJetStreamAccounts); otherwise every account whose configuration enables it.
   */
  private configureAccounts(): void {
    const srv = this.srv;
    const globalOnly = srv.auth.operator === null && [...srv.accounts.values()].every((a) => a === srv.gacc || a === this.sysAcc);
    if (globalOnly && srv.gacc.jsLimits === null) srv.gacc.jsLimits = unlimitedJsLimits();
    for (const a of [...srv.accounts.values()]) this.configureAccount(a);
  }

  private configureAccount(acc: Account): void {
    if (acc === this.sysAcc) return;
    const have = this.accounts.get(acc);
    const limits = acc.jsLimits;
    if (limits !== null) {
      if (have) have.limits = { ...limits };
      else this.enableAccount(acc, limits);
    } else if (have) {
      this.disableAccount(acc);
    }
    this.addApiImport(acc);
  }

  /** The account's service import of $JS.API.> from the system account (unless its own shadows it). */
  private addApiImport(acc: Account): void {
    if (acc.serviceImports.some((si) => si.from === JS_ALL_API)) return;
    // An account without JetStream that imports the API from another account keeps that import
    // (enableJetStreamInfoServiceImportOnly: serviceImportShadowed).
    if (!this.accounts.has(acc) && acc.serviceImports.some((si) => subjectIsSubsetMatch('$JS.API.INFO', si.from))) return;
    const si: ServiceImport = {
      acc: this.sysAcc, from: JS_ALL_API, to: JS_ALL_API, tr: new SubjectTransform(JS_ALL_API, JS_ALL_API),
      response: false, respWildcard: false, responseType: 'Singleton', threshold: DEFAULT_RESPONSE_THRESHOLD_MS, ts: 0, sysImport: true,
    };
    const sub = serviceImportSubscription(si, acc.internalSid());
    if (!acc.sl.insert(sub)) return;
    acc.serviceImports.push(si);
    acc.serviceImportSubs.push(sub);
  }

  private enableAccount(acc: Account, limits: JetStreamAccountLimits): void {
    const jsa = new JsAccount(this, acc, { ...limits });
    this.accounts.set(acc, jsa);
    const log = this.log;
    log.debugf(`Enabled JetStream for account ${JSON.stringify(acc.name)}`);
    log.debugf(`  Max Memory:      ${friendlyBytes(limits.maxMemory)}`);
    log.debugf(`  Max Storage:     ${friendlyBytes(limits.maxStore)}`);
    if (!this.config.memoryOnly) this.recoverAccount(jsa);
    log.debugf(`JetStream state for account ${JSON.stringify(acc.name)} recovered`);
  }

  /** An account lost JetStream (reload, new claims): its streams stop, their data stays. */
  private disableAccount(acc: Account): void {
    const jsa = this.accounts.get(acc);
    if (!jsa) return;
    for (const s of [...jsa.streams.values()]) {
      this.releaseReservation(s.cfg.storage, s.cfg.max_bytes);
      s.stop(false);
    }
    jsa.streams.clear();
    this.accounts.delete(acc);
  }

  /** File streams found in `<store_dir>/jetstream/<account>/streams` are opened again. */
  private recoverAccount(jsa: JsAccount): void {
    const sdir = jsa.streamsDir;
    let names: string[];
    try {
      names = readdirSync(sdir);
    } catch {
      return;
    }
    this.log.debugf(`Recovering JetStream state for account ${JSON.stringify(jsa.acc.name)}`);
    for (const n of names.sort()) {
      const dir = join(sdir, n);
      const metafile = join(dir, 'meta.json');
      if (!existsSync(metafile)) {
        this.log.warn(`  Missing stream metafile for ${JSON.stringify(metafile)}`);
        continue;
      }
      const meta = Stream.readStoredMeta(dir);
      if (meta === null) {
        this.log.warn(`  Error unmarshalling stream metafile ${JSON.stringify(metafile)}: not a stream config`);
        continue;
      }
      this.log.notice(`  Starting restore for stream '${jsa.acc.name} > ${meta.cfg.name}'`);
      try {
        const s = new Stream(this, jsa, meta.cfg, { recovering: true, created: meta.created });
        jsa.streams.set(s.name, s);
        this.reserve(s.cfg.storage, s.cfg.max_bytes);
        s.start();
        this.log.notice(`  Restored ${s.store.fastState().msgs.toLocaleString('en-US')} messages for stream '${jsa.acc.name} > ${s.name}'`);
      } catch (e) {
        this.log.warn(`  Error recreating stream ${JSON.stringify(meta.cfg.name)}: ${(e as Error).message}`);
      }
    }
    // Mirrors and sources recovered before their origins start reading them now.
    for (const s of jsa.streams.values()) for (const o of jsa.streams.keys()) s.sources?.originCreated(o);
    if (this.recoverConsumers !== null) for (const s of jsa.streams.values()) this.recoverConsumers(s);
  }

  /** JetStream's account for `acc`, or undefined. */
  lookupAccount(acc: Account): JsAccount | undefined {
    return this.accounts.get(acc);
  }

  // ---------------------------------------------------------------- stream lifecycle

  /** checkStreamCfg for an account (its other streams, its limits, the server's duplicate window). */
  checkConfig(jsa: JsAccount, raw: RawStreamConfig): StreamConfig {
    return checkStreamCfg(raw, {
      serverDuplicates: this.config.limits.duplicateWindowNs,
      lookup: (name) => jsa.streams.get(name)?.cfg,
      maxBytesLimits: (storage) => jsa.maxBytesLimits(storage),
    });
  }

  /**
   * STREAM.CREATE after the request checks (jsNonClusteredStreamLimitsCheck, then addStream):
   * an identical existing stream is returned as is; errors are thrown as JsApiError.
   */
  createStream(jsa: JsAccount, raw: RawStreamConfig): Stream {
    const l = jsa.limits;
    if (l.maxStreams > 0 && jsa.streams.size >= l.maxStreams) throw jsError('JSMaximumStreamsLimitErr');
    // The limits on the config as sent (no defaults yet: a missing storage type checks no bytes).
    const asSent = {
      name: raw.name ?? '', max_consumers: raw.max_consumers ?? 0, max_bytes: raw.max_bytes ?? 0,
      storage: raw.storage, num_replicas: raw.num_replicas ?? 0,
    };
    if (asSent.storage !== undefined) {
      const e = jsa.checkAllLimits(asSent as StreamConfig, jsa.reservation(asSent as StreamConfig), asSent.max_bytes);
      if (e !== null) throw new JsApiError(e);
    } else if (asSent.max_consumers > 0 && l.maxConsumers > 0 && asSent.max_consumers > l.maxConsumers) {
      throw jsError('JSMaximumConsumersLimitErr');
    }
    const cfg = this.checkConfig(jsa, raw);
    if (cfg.num_replicas > 1) throw jsError('JSStreamReplicasNotSupportedErr');
    const have = jsa.streams.get(cfg.name);
    if (have !== undefined) {
      if (sameConfig(have.cfg, cfg)) return have;
      throw jsError('JSStreamNameExistErr');
    }
    return this.addStream(jsa, cfg);
  }

  /** addStream after the checks of checkStreamCfg: limits, template, overlaps, the store, advisory. */
  private addStream(jsa: JsAccount, cfg: StreamConfig, created?: number, fill?: (s: Stream) => void): Stream {
    const e = jsa.checkAllLimits(cfg, jsa.reservation(cfg), cfg.max_bytes);
    if (e !== null) throw new JsApiError(e);
    if (cfg.template_owner) throw jsError('JSStreamCreateErrF', { err: 'stream not owned by template' });
    if (this.subjectsOverlap(jsa, cfg.subjects ?? [], null)) throw jsError('JSStreamSubjectOverlapErr');
    let s: Stream;
    try {
      s = new Stream(this, jsa, cfg, { created });
      fill?.(s);
    } catch (err) {
      this.log.warn(`Stream create failed for '${jsa.acc.name} > ${cfg.name}': ${(err as Error).message}`);
      throw jsError('JSStreamCreateErrF', { err: 'error creating store for stream' });
    }
    jsa.streams.set(cfg.name, s);
    this.reserve(cfg.storage, cfg.max_bytes);
    s.start();
    this.streamAction(s, 'create');
    // Mirrors and sources waiting for a stream of this name start at once.
    for (const o of jsa.streams.values()) if (o !== s) o.sources?.originCreated(cfg.name);
    return s;
  }

  /** The end of a STREAM.RESTORE: the stream with the snapshot's messages and consumers. */
  restoreStream(jsa: JsAccount, cfg: StreamConfig, snap: DecodedSnapshot): Stream {
    if (jsa.streams.has(cfg.name)) throw jsError('JSStreamNameExistRestoreFailedErr');
    const s = this.addStream(jsa, cfg, snap.created || undefined, (st) => st.restoreMessages(snap.firstSeq, snap.lastSeq, snap.msgs));
    if (snap.consumers.length > 0 && this.restoreConsumers !== null) this.restoreConsumers(s, snap.consumers);
    return s;
  }

  /** STREAM.UPDATE: configUpdateCheck, limits, overlaps, then the stream applies it. */
  updateStream(s: Stream, raw: RawStreamConfig): void {
    const jsa = s.jsa;
    const old = s.cfg;
    const cfg = configUpdateCheck(old, raw, (r) => this.checkConfig(jsa, r));
    // Only an increase of max_bytes needs room (configUpdateCheck's maxBytesDiff).
    const diff = Math.max(0, cfg.max_bytes - old.max_bytes);
    let offset = 0;
    if (old.max_bytes > 0 && cfg.num_replicas > old.num_replicas) offset = old.max_bytes * (cfg.num_replicas - old.num_replicas);
    const reserved = jsa.reservation(cfg) + old.num_replicas * old.max_bytes;
    const e = jsa.checkAllLimits({ ...cfg, max_bytes: diff }, reserved, diff, offset);
    if (e !== null) throw new JsApiError(e);
    if (this.subjectsOverlap(jsa, cfg.subjects ?? [], s)) throw jsError('JSStreamSubjectOverlapErr');
    s.update(cfg);
    const d = cfg.max_bytes - old.max_bytes;
    if (d > 0) this.reserve(cfg.storage, d);
    else if (d < 0) this.releaseReservation(old.storage, -d);
    this.streamAction(s, 'modify');
  }

  /** STREAM.DELETE (and account purges): consumers first, then the stream, its data, its advisory. */
  deleteStream(s: Stream): void {
    const jsa = s.jsa;
    if (jsa.streams.get(s.name) === s) jsa.streams.delete(s.name);
    s.stop(true);
    this.releaseReservation(s.cfg.storage, s.cfg.max_bytes);
    this.streamAction(s, 'delete');
    if (!this.config.memoryOnly) {
      // No-ops unless empty.
      for (const d of [jsa.streamsDir, jsa.storeDir]) {
        try {
          rmdirSync(d);
        } catch {
          /* not empty or gone */
        }
      }
    }
  }

  /** Do `subjects` collide with another stream's of the account? (subjectsOverlap) */
  private subjectsOverlap(jsa: JsAccount, subjects: string[], self: Stream | null): boolean {
    for (const o of jsa.streams.values()) {
      if (o === self) continue;
      for (const a of o.cfg.subjects ?? []) for (const b of subjects) if (subjectsCollide(b, a)) return true;
    }
    return false;
  }

  // ---------------------------------------------------------------- usage and reservations

  updateTotals(storage: 'file' | 'memory', delta: number): void {
    if (storage === 'memory') this.memTotal += delta;
    else this.storeTotal += delta;
  }

  /** Over the server's own limits? (jetStream.limitsExceeded) */
  limitsExceeded(storage: 'file' | 'memory'): boolean {
    return storage === 'memory' ? this.memTotal > this.config.maxMemory : this.storeTotal > this.config.maxStore;
  }

  reserve(storage: 'file' | 'memory', maxBytes: number): void {
    if (maxBytes <= 0) return;
    if (storage === 'memory') this.memReserved += maxBytes;
    else this.storeReserved += maxBytes;
  }

  releaseReservation(storage: 'file' | 'memory', maxBytes: number): void {
    if (maxBytes <= 0) return;
    if (storage === 'memory') this.memReserved = Math.max(0, this.memReserved - maxBytes);
    else this.storeReserved = Math.max(0, this.storeReserved - maxBytes);
  }

  /** A file stream ran out of disk: the reference disables JetStream; we refuse and log (store back-off). */
  outOfSpace(s: Stream, err: StoreError): void {
    this.log.error(`JetStream out of resources, will be DISABLED: stream '${s.acc.name} > ${s.name}': ${err.message}`);
  }

  // ---------------------------------------------------------------- monitoring (monitor.ts)

  jsz(opts: JszOptions = {}): Record<string, unknown> {
    return jsz(this, opts);
  }

  jszAccount(name: string, opts: JszOptions = {}): Record<string, unknown> | { error: string } {
    return jszAccount(this, name, opts);
  }

  varz(): Record<string, unknown> {
    return varzJetStream(this);
  }

  /** /accountz jetstream_enabled. */
  accountEnabled(acc: Account): boolean {
    return this.accounts.has(acc);
  }

  // ---------------------------------------------------------------- advisories

  /** Publishes an advisory in `acc` (publishAdvisory), only when someone listens there. */
  publishAdvisory(acc: Account, subject: string, body: () => Record<string, unknown>): void {
    const r = acc.sl.match(subject);
    if (r.psubs.length === 0 && r.qsubs.length === 0) return;
    const buf = Buffer.from(goJson(body()), 'utf8');
    acc.deliverLocal(null, subject, '', buf, 0, buf.length, -1);
  }

  /** The head of a typed advisory: type, id, timestamp. */
  typed(type: string): { type: string; id: string; timestamp: string } {
    return { type, id: nextEventId(), timestamp: goTime(nowMs()) };
  }

  /** Stream created/updated/deleted advisories (sendCreateAdvisory…). */
  streamAction(s: Stream, action: 'create' | 'modify' | 'delete'): void {
    const suffix = action === 'create' ? 'CREATED' : action === 'modify' ? 'UPDATED' : 'DELETED';
    this.publishAdvisory(s.acc, `$JS.EVENT.ADVISORY.STREAM.${suffix}.${s.name}`, () => ({
      ...this.typed('io.nats.jetstream.advisory.v1.stream_action'),
      stream: s.name,
      action,
      template: s.cfg.template_owner || undefined,
      domain: this.config.domain || undefined,
    }));
  }
}
