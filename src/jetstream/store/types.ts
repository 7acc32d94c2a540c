// The JetStream storage interface: one StreamStore, two implementations (memory.ts, file.ts), as
// nats-server's server/store.go StreamStore with memstore.go and filestore.go. A stream never knows
// where its messages live.
//
// Units: sequences are numbers (exact up to 2^53); timestamps (`ts`) are nanoseconds since the Unix
// epoch as numbers (the reference's int64 UnixNano; a double holds today's values to within 256 ns);
// durations in the limits are milliseconds.
//
// DURABILITY CONTRACT (the one place that says what is durable when)
//  - storeMsg / storeRawMsg assign the sequence and make the message readable at once (loadMsg,
//    loadLastMsg, state ...), but the message is NOT acknowledged by that.
//  - It is acknowledged when its `done` callback is called with `err === null`. For the file store
//    that happens only after its bytes were handed to the kernel with write(2) (so a process crash
//    or SIGKILL loses nothing acknowledged), and, when `syncAlways` is set, after fsync(2) too
//    (power-loss safety). Without syncAlways the file store fsyncs every `syncIntervalMs`
//    (nats-server's 2 minutes).
//  - `done` callbacks run only from flush(): either your explicit call (do it once at the end of
//    each read batch, before you send publish acks) or the store's own microtask, which runs
//    after the current macrotask when you forget. They never run synchronously inside storeMsg.
//    Records are written in batches: one write(2) per block per flush (plus early writes when a
//    batch grows past `maxPendingBytes`), never one per message.
//  - If writing fails (ENOSPC, EIO ...), the messages of the failed batch get `done(err)` (answer
//    the publisher with an error ack, never a positive one), the store rebuilds its in-memory state
//    from what is on disk (so it stays consistent with it), keeps running, and refuses new stores
//    with the same error for a short back-off.
//  - Mutating admin calls (removeMsg, eraseMsg, purge, purgeEx, compact, truncate, skipMsgs,
//    updateConfig) write what they changed before they return: their effect is in the kernel when
//    you answer the API request. Removals made by limits and max_age are written with the batch that
//    caused them (or at once by the expiry timer).
//  - Consumer state (ConsumerStore) is written at the end of the event-loop turn in which it changed
//    (coalesced; flush() forces it), and on stop().

import type { StoreError } from './errors.js';

export type StorageType = 'file' | 'memory';
export type DiscardPolicy = 'old' | 'new';

/** A stored message. `hdr`/`msg` may be views on store memory: do not modify them. */
export interface StoreMsg {
  subject: string;
  /** The NATS headers block (`NATS/1.0\r\n...`), or null when the message has none. */
  hdr: Buffer | null;
  msg: Buffer;
  seq: number;
  /** Nanoseconds since the epoch. */
  ts: number;
}

/**
 * A stored message in place, for readers that copy it out at once (a consumer's delivery): `buf[s, e)`
 * is the headers block (`hdr` bytes, 0 when none) followed by the payload, as both stores keep them.
 * Filled by loadRaw/loadNextRaw without a copy or a view; valid until the store is called again.
 */
export class RawMsg {
  subject = '';
  buf: Buffer = Buffer.alloc(0);
  s = 0;
  e = 0;
  hdr = 0;
  seq = 0;
  ts = 0;
}

/** What storeMsg hands back at once; the message is not acknowledged yet (see done). */
export interface StoredSeq {
  seq: number;
  ts: number;
}

/**
 * Called once per stored message from flush(): err null means acknowledged (written per the
 * durability policy); otherwise the message is not stored durably and must be answered with an
 * error (err.apiError gives the reference's JSON error).
 */
export type WrittenCallback = (err: StoreError | null, seq: number, ts: number) => void;

/**
 * Storage changes, as nats-server's StorageUpdateHandler: +1/size for each store, -1/-size with the
 * sequence and subject for each single removal (limits, max_age, removeMsg), and one call with
 * negative totals and seq 0 for bulk removals (purge, compact, truncate, filtered purge).
 * This is also the budget hook: summing bytesDelta gives the stream's usage for
 * max_memory_store / max_file_store.
 */
export type StorageUpdateHandler = (msgsDelta: number, bytesDelta: number, seq: number, subject: string) => void;

/** The stream limits the store enforces (a subset of StreamConfig, camelCase, ms durations). */
export interface StoreLimits {
  /** max_msgs; <= 0 means unlimited. */
  maxMsgs?: number;
  /** max_bytes (counted as the reference counts them); <= 0 means unlimited. */
  maxBytes?: number;
  /** max_age in milliseconds; 0 means unlimited (any length, timers are chained). */
  maxAgeMs?: number;
  /** max_msgs_per_subject; <= 0 means unlimited. */
  maxMsgsPerSubject?: number;
  /** max_msg_size: header + payload bytes; <= 0 means unlimited. Checked by storeMsg only. */
  maxMsgSize?: number;
  discard?: DiscardPolicy;
  /** discard_new_per_subject. */
  discardNewPerSubject?: boolean;
}

/** SimpleState: the state of a filtered view. */
export interface SimpleState {
  msgs: number;
  first: number;
  last: number;
}

/** LostStreamData. */
export interface LostStreamData {
  msgs: number[] | null;
  bytes: number;
}

/**
 * The `state` object of STREAM.INFO, with the reference's JSON names, key order and omitempty
 * rules (num_subjects, subjects, num_deleted, deleted and lost are left out when empty), so the API
 * layer can JSON.stringify it as is.
 */
export interface StreamStateJSON {
  messages: number;
  bytes: number;
  first_seq: number;
  /** RFC 3339 with nanoseconds, as Go marshals a time.Time ("0001-01-01T00:00:00Z" when zero). */
  first_ts: string;
  last_seq: number;
  last_ts: string;
  num_subjects?: number;
  subjects?: Record<string, number>;
  num_deleted?: number;
  deleted?: number[];
  lost?: LostStreamData;
  consumer_count: number;
}

export interface StateOptions {
  /** deleted_details: list the interior deleted sequences. */
  deletedDetails?: boolean;
  /** subjects_filter: add the per-subject message counts of subjects matching this filter. */
  subjectsFilter?: string;
}

/** The raw numbers behind StreamStateJSON (FastState). */
export interface FastState {
  msgs: number;
  bytes: number;
  firstSeq: number;
  firstTs: number;
  lastSeq: number;
  lastTs: number;
  numSubjects: number;
  numDeleted: number;
  consumers: number;
}

export interface NumPending {
  total: number;
  /** The stream's last sequence when this was computed. */
  validThrough: number;
}

export interface StreamStore {
  readonly type: StorageType;

  /**
   * Store a message: assigns seq = last + 1 and ts = now. Throws StoreError at once when it is
   * refused (discard new limits, max_msg_size, closed, write back-off). `done` is called later
   * from flush() (see the durability contract); pass null only when nothing waits for it.
   */
  storeMsg(subject: string, hdr: Buffer | null, msg: Buffer, done: WrittenCallback | null): StoredSeq;
  /**
   * Store with a given sequence and timestamp (mirrors, sources, restore). seq must be last + 1
   * (ErrSequenceMismatch otherwise); seq 0 means "the next one".
   */
  storeRawMsg(subject: string, hdr: Buffer | null, msg: Buffer, seq: number, ts: number, done: WrittenCallback | null): StoredSeq;
  /** Use the next sequence without storing anything. Returns it. */
  skipMsg(): number;
  /** Skip `num` sequences starting at `seq` (which must be last + 1). */
  skipMsgs(seq: number, num: number): void;

  /** The message with this sequence, or null (deleted, skipped or beyond the last). */
  loadMsg(seq: number): StoreMsg | null;
  /** The last message on `subject` (wildcards allowed; "" or ">" means any), or null. */
  loadLastMsg(subject: string): StoreMsg | null;
  /** The first message at or after `start` whose subject matches `filter` ("" or ">" = all), or null. */
  loadNextMsg(filter: string, wildcard: boolean, start: number): StoreMsg | null;
  /** loadMsg into `into` (see RawMsg); false when there is no such message. */
  loadRaw(seq: number, into: RawMsg): boolean;
  /** loadNextMsg into `into` (see RawMsg); false when there is none. */
  loadNextRaw(filter: string, wildcard: boolean, start: number, into: RawMsg): boolean;
  /** The first sequence whose timestamp is >= ts (ns); last + 1 when none. */
  getSeqFromTime(ts: number): number;

  /**
   * Remove a message; false when it was not there. The removal is written before this returns
   * (answer STREAM.MSG.DELETE after it), or with the next batch when `batched` is true (for
   * removals by acks on interest/work-queue streams: a crash may bring such a message back, to be
   * delivered again, never lose one).
   */
  removeMsg(seq: number, batched?: boolean): boolean;
  /** Remove a message and overwrite its bytes (no_erase = false). */
  eraseMsg(seq: number): boolean;
  /** Remove every message; first becomes last + 1. Returns the number removed. */
  purge(): number;
  /** As the reference's PurgeEx: filter subject, up to (not including) seq, or keep the newest `keep`. */
  purgeEx(subject: string, seq: number, keep: number): number;
  /** Remove all messages below seq (seq may be past the end: the next message gets seq). */
  compact(seq: number): number;
  /** Remove all messages after seq, which must be a stored message (ErrInvalidSequence). */
  truncate(seq: number): void;

  state(opts?: StateOptions): StreamStateJSON;
  fastState(): FastState;
  /** Messages at or after sseq on `subject` ("" = all, wildcards allowed). */
  filteredState(sseq: number, subject: string): SimpleState;
  /** Per-subject state of the subjects matching `filter` ("" or ">" = all). */
  subjectsState(filter: string): Map<string, SimpleState>;
  /** Messages at or after sseq matching filter; lastPerSubject counts each subject once (its last). */
  numPending(sseq: number, filter: string, lastPerSubject: boolean): NumPending;
  /** Bytes used: total on disk (or in memory) and the reported (accounted) bytes. */
  utilization(): { total: number; reported: number };

  /** Apply new limits (enforced at once, as the reference's UpdateConfig). */
  updateConfig(limits: StoreLimits): void;
  registerStorageUpdates(cb: StorageUpdateHandler | null): void;

  /** Write everything buffered (one write per block) and call the pending `done` callbacks. */
  flush(): void;
  /** Flush, stop timers, close files. The store refuses everything afterwards. */
  stop(): void;
  /** Stop and remove everything the store holds (the directory for the file store). */
  delete(): void;

  /** A consumer's state store (created, or recovered from disk for the file store). */
  consumerStore(name: string, cfg: ConsumerStoreConfig): ConsumerStore;
}

export type AckPolicy = 'none' | 'all' | 'explicit';

export interface ConsumerStoreConfig {
  ackPolicy: AckPolicy;
  /** Keep this consumer's state in memory even on a file store (the reference's mem_storage). */
  memoryStorage?: boolean;
  /** The consumer's full config as the API layer wants it back after a restart (opaque JSON). */
  config?: unknown;
}

export interface SequencePair {
  consumer_seq: number;
  stream_seq: number;
}

export interface Pending {
  /** The consumer sequence it was delivered with. */
  sequence: number;
  /** Delivery time, ns (kept to the second on disk, as the reference). */
  timestamp: number;
}

/** ConsumerState: delivered and ack floor pairs, pending (stream seq -> Pending), redelivered counts. */
export interface ConsumerState {
  delivered: SequencePair;
  ack_floor: SequencePair;
  pending: Map<number, Pending>;
  redelivered: Map<number, number>;
}

export interface ConsumerStore {
  readonly name: string;
  readonly type: StorageType;
  setStarting(sseq: number): void;
  /** True when state was recovered from disk. */
  hasState(): boolean;
  updateDelivered(dseq: number, sseq: number, dc: number, ts: number): void;
  updateAcks(dseq: number, sseq: number): void;
  update(state: ConsumerState): void;
  /** A copy of the state. */
  state(): ConsumerState;
  /** The reference's binary encoding (store.go encodeConsumerState). */
  encodedState(): Buffer;
  /** The config recorded for this consumer. */
  config(): ConsumerStoreConfig;
  updateConfig(cfg: ConsumerStoreConfig): void;
  /** Write the state now if it changed. */
  flush(): void;
  stop(): void;
  delete(): void;
}

/** Where the store logs (nats-server format is the caller's job). */
export type StoreLogger = (level: 'INF' | 'WRN' | 'ERR', msg: string) => void;
