// JetStream's view of one account (jetstream.go jsAccount): its limits, its streams, what they
// use, its API counters and where its files live (<store_dir>/jetstream/<account>/streams/<name>).
import { join } from 'node:path';
import type { Account } from '../accounts/account.js';
import type { JetStreamAccountLimits } from '../options.js';
import type { Stream } from './stream.js';
import type { StreamConfig, Storage } from './stream-config.js';
import type { JetStream } from './service.js';
import { jsErr, type ApiError } from './errors.js';

export class JsAccount {
  readonly streams = new Map<string, Stream>();
  /** Bytes used (as the stores count them) per storage type. */
  memUsed = 0;
  storeUsed = 0;
  apiTotal = 0;
  apiErrors = 0;
  readonly storeDir: string;

  constructor(readonly js: JetStream, readonly acc: Account, public limits: JetStreamAccountLimits) {
    this.storeDir = join(js.config.storeDir, acc.name);
  }

  get streamsDir(): string {
    return join(this.storeDir, 'streams');
  }

  /** Storage usage changed by `delta` bytes (jsAccount.updateUsage), also in the server totals. */
  updateUsage(storage: Storage, delta: number): void {
    if (storage === 'memory') this.memUsed += delta;
    else this.storeUsed += delta;
    this.js.updateTotals(storage, delta);
  }

  /** Over the account's storage limits after a store? (jsAccount.limitsExceeded) */
  limitsExceeded(storage: Storage): boolean {
    const l = this.limits;
    if (storage === 'memory') {
      if (l.memoryMaxStreamBytes > 0 && this.memUsed > l.memoryMaxStreamBytes) return true;
      return l.maxMemory >= 0 && this.memUsed > l.maxMemory;
    }
    if (l.storeMaxStreamBytes > 0 && this.storeUsed > l.storeMaxStreamBytes) return true;
    return l.maxStore >= 0 && this.storeUsed > l.maxStore;
  }

  /** max_bytes the other streams of this storage type reserve (tieredReservation, no tiers). */
  reservation(cfg: StreamConfig): number {
    let r = 0;
    for (const s of this.streams.values()) {
      const c = s.cfg;
      if (c.max_bytes > 0 && c.storage === cfg.storage && c.name !== cfg.name) r += c.num_replicas * c.max_bytes;
    }
    return r;
  }

  /**
   * The limits a new or changed stream config must fit (checkLimits/checkBytesLimits): account
   * max_consumers, then storage against the account's and the server's reservations. `reserved`:
   * what other streams reserve; `addBytes`: this config's max_bytes (or its increase).
   */
  checkAllLimits(cfg: StreamConfig, reserved: number, addBytes: number, maxBytesOffset = 0): ApiError | null {
    const l = this.limits;
    if (cfg.max_consumers > 0 && l.maxConsumers > 0 && cfg.max_consumers > l.maxConsumers) return jsErr('JSMaximumConsumersLimitErr');
    const replicas = cfg.num_replicas < 1 ? 1 : cfg.num_replicas;
    const add = addBytes < 0 ? 1 : addBytes;
    const total = add * replicas + maxBytesOffset;
    const js = this.js;
    if (cfg.storage === 'memory') {
      if (l.maxMemory >= 0 && reserved + total > l.maxMemory) return jsErr('JSMemoryResourcesExceededErr');
      if (js.memReserved + add > js.config.maxMemory) return jsErr('JSMemoryResourcesExceededErr');
    } else {
      if (l.maxStore >= 0 && reserved + total > l.maxStore) return jsErr('JSStorageResourcesExceededErr');
      if (js.storeReserved + add > js.config.maxStore) return jsErr('JSStorageResourcesExceededErr');
    }
    return null;
  }

  /** Consumers of all streams. */
  numConsumers(): number {
    let n = 0;
    for (const s of this.streams.values()) n += s.numConsumers();
    return n;
  }

  /** max_bytes_required and the per-stream byte limit for a storage type (maxBytesLimits). */
  maxBytesLimits(storage: Storage): { required: boolean; limit: number } {
    const l = this.limits;
    return { required: l.maxBytesRequired, limit: storage === 'memory' ? l.memoryMaxStreamBytes : l.storeMaxStreamBytes };
  }

  /** Streams in name order, optionally those whose subjects collide with `filter`. */
  sortedStreams(filter?: (s: Stream) => boolean): Stream[] {
    const out = [...this.streams.values()].filter((s) => filter === undefined || filter(s));
    out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return out;
  }
}
