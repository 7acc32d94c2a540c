// Consumer state stores (memstore.go consumerMemStore, filestore.go consumerFileStore): delivered
// and ack-floor pairs, pending deliveries and redelivery counts, with the reference's update rules.
// The file store keeps it in <stream dir>/obs/<name>/: meta.json (the consumer config) and two state
// slots (o.dat.0, o.dat.1) written alternately, each `TSCS | gen u64 | len u32 | crc32 u32 | state`
// (state = the reference's binary encoding). A torn write only ever hits the older slot; recovery
// takes the valid slot with the highest generation. State is written at the end of the event-loop
// turn in which it changed (coalesced), at most every 100 ms under load as the reference's
// flushLoop does (every turn with sync_always), on flush() and on stop().
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { monoMs } from '../../clock.js';
import { crc32 } from './crc32.js';
import { decodeConsumerState, encodeConsumerState } from './consumer-codec.js';
import { ErrBadConsumerState, ErrNoAckPolicy, ErrStoreClosed, ErrStoreMsgNotFound } from './errors.js';
import type { ConsumerState, ConsumerStore, ConsumerStoreConfig, Pending, StorageType, StoreLogger } from './types.js';

/** The shortest time between two state writes of a consumer (the reference's flushLoop minTime). */
const MIN_WRITE_INTERVAL_MS = 100;

function emptyState(): ConsumerState {
  return {
    delivered: { consumer_seq: 0, stream_seq: 0 },
    ack_floor: { consumer_seq: 0, stream_seq: 0 },
    pending: new Map(),
    redelivered: new Map(),
  };
}

export function copyConsumerState(s: ConsumerState): ConsumerState {
  const pending = new Map<number, Pending>();
  for (const [k, p] of s.pending) pending.set(k, { sequence: p.sequence, timestamp: p.timestamp });
  return {
    delivered: { ...s.delivered },
    ack_floor: { ...s.ack_floor },
    pending,
    redelivered: new Map(s.redelivered),
  };
}

/** The state machine both consumer stores share. */
export class ConsumerMemStore implements ConsumerStore {
  readonly type: StorageType = 'memory';
  protected st: ConsumerState = emptyState();
  protected cfg: ConsumerStoreConfig;
  protected closed = false;

  constructor(
    readonly name: string,
    cfg: ConsumerStoreConfig,
    private readonly onGone: (c: ConsumerStore) => void,
  ) {
    this.cfg = { ...cfg };
  }

  /** Called after every change. */
  protected changed(): void {}

  private check(): void {
    if (this.closed) throw ErrStoreClosed();
  }

  setStarting(sseq: number): void {
    this.check();
    this.st.delivered.stream_seq = sseq;
    this.changed();
  }

  hasState(): boolean {
    return false;
  }

  updateDelivered(dseq: number, sseq: number, dc: number, ts: number): void {
    this.check();
    const st = this.st;
    if (dc !== 1 && this.cfg.ackPolicy === 'none') throw ErrNoAckPolicy();
    if (dseq <= st.ack_floor.consumer_seq) return;
    if (this.cfg.ackPolicy !== 'none') {
      if (sseq <= st.delivered.stream_seq) {
        const p = st.pending.get(sseq);
        if (p) {
          p.sequence = dseq;
          p.timestamp = ts;
        }
      } else {
        st.pending.set(sseq, { sequence: dseq, timestamp: ts });
      }
      if (dseq > st.delivered.consumer_seq) st.delivered.consumer_seq = dseq;
      if (sseq > st.delivered.stream_seq) st.delivered.stream_seq = sseq;
      if (dc > 1) st.redelivered.set(sseq, dc - 1);
    } else {
      // AckNone: delivered and the ack floor move together.
      st.delivered = { consumer_seq: dseq, stream_seq: sseq };
      st.ack_floor = { consumer_seq: dseq, stream_seq: sseq };
    }
    this.changed();
  }

  updateAcks(dseq: number, sseq: number): void {
    this.check();
    const st = this.st;
    if (this.cfg.ackPolicy === 'none') throw ErrNoAckPolicy();
    if (st.pending.size === 0 || !st.pending.has(sseq)) throw ErrStoreMsgNotFound();
    // A replay of an old ack.
    if (dseq <= st.ack_floor.consumer_seq) return;
    if (this.cfg.ackPolicy === 'all') {
      const floor = st.ack_floor.stream_seq;
      st.ack_floor = { consumer_seq: dseq, stream_seq: sseq };
      // Everything in (old floor, sseq] is acked.
      if (sseq - floor > st.pending.size) {
        for (const k of [...st.pending.keys()]) if (k <= sseq && k > floor) st.pending.delete(k);
        for (const k of [...st.redelivered.keys()]) if (k <= sseq && k > floor) st.redelivered.delete(k);
      } else {
        for (let s = sseq; s > floor; s--) {
          st.pending.delete(s);
          st.redelivered.delete(s);
        }
      }
      this.changed();
      return;
    }
    // AckExplicit.
    const p = st.pending.get(sseq);
    if (p) {
      st.pending.delete(sseq);
      dseq = p.sequence; // the original delivery
    }
    st.redelivered.delete(sseq);
    if (st.pending.size === 0) {
      st.ack_floor = { ...st.delivered };
    } else if (dseq === st.ack_floor.consumer_seq + 1) {
      const first = st.ack_floor.consumer_seq === 0;
      st.ack_floor = { consumer_seq: dseq, stream_seq: sseq };
      if (!first && st.delivered.consumer_seq > dseq) {
        for (let s = sseq + 1; s < st.delivered.stream_seq; s++) {
          const q = st.pending.get(s);
          if (q) {
            if (q.sequence > 0) st.ack_floor = { consumer_seq: q.sequence - 1, stream_seq: s - 1 };
            break;
          }
        }
      }
    }
    this.changed();
  }

  update(state: ConsumerState): void {
    this.check();
    if (state.ack_floor.consumer_seq > state.delivered.consumer_seq) throw ErrBadConsumerState('bad ack floor for consumer');
    if (state.ack_floor.stream_seq > state.delivered.stream_seq) throw ErrBadConsumerState('bad ack floor for stream');
    for (const seq of state.pending.keys()) {
      if (seq <= state.ack_floor.stream_seq || seq > state.delivered.stream_seq) {
        throw ErrBadConsumerState(`bad pending entry, sequence [${seq}] out of range`);
      }
    }
    if (state.delivered.consumer_seq < this.st.delivered.consumer_seq) throw ErrBadConsumerState('old update ignored');
    this.st = copyConsumerState(state);
    this.changed();
  }

  state(): ConsumerState {
    this.check();
    return copyConsumerState(this.st);
  }

  encodedState(): Buffer {
    this.check();
    return Buffer.from(encodeConsumerState(this.st));
  }

  config(): ConsumerStoreConfig {
    return { ...this.cfg };
  }

  updateConfig(cfg: ConsumerStoreConfig): void {
    this.check();
    this.cfg = { ...cfg };
  }

  flush(): void {}

  stop(): void {
    if (this.closed) return;
    this.closed = true;
    this.onGone(this);
  }

  delete(): void {
    this.stop();
  }
}

const SLOT_MAGIC = 0x53435354; // "TSCS" little endian
const SLOT_HDR = 20;

/** The file-backed consumer store. */
export class ConsumerFileStore extends ConsumerMemStore {
  override readonly type: StorageType = 'file';
  private readonly dir: string;
  private gen = 0;
  private recovered = false;
  private dirty = false;
  private timer: NodeJS.Immediate | NodeJS.Timeout | null = null;
  /** When the state was last written (monotonic ms). */
  private lastWrite = -Infinity;

  constructor(
    name: string,
    cfg: ConsumerStoreConfig,
    onGone: (c: ConsumerStore) => void,
    streamDir: string,
    private readonly syncAlways: boolean,
    private readonly log: StoreLogger,
  ) {
    super(name, cfg, onGone);
    this.dir = join(streamDir, 'obs', name);
    mkdirSync(this.dir, { recursive: true });
    this.recover();
    this.writeMeta();
  }

  /** The consumers recorded in a stream directory, with their configs. */
  static list(streamDir: string): { name: string; config: ConsumerStoreConfig }[] {
    const out: { name: string; config: ConsumerStoreConfig }[] = [];
    let names: string[] = [];
    try {
      names = readdirSync(join(streamDir, 'obs'));
    } catch {
      return out;
    }
    for (const name of names.sort()) {
      try {
        const cfg = JSON.parse(readFileSync(join(streamDir, 'obs', name, 'meta.json'), 'utf8')) as ConsumerStoreConfig;
        out.push({ name, config: cfg });
      } catch {
        // not a consumer directory (or an unreadable one): skipped
      }
    }
    return out;
  }

  private recover(): void {
    let best: { gen: number; st: ConsumerState } | null = null;
    for (const slot of [0, 1]) {
      let b: Buffer;
      try {
        b = readFileSync(join(this.dir, `o.dat.${slot}`));
      } catch {
        continue;
      }
      if (b.length < SLOT_HDR || b.readUInt32LE(0) !== SLOT_MAGIC) continue;
      const gen = b.readUInt32LE(4) + b.readUInt32LE(8) * 2 ** 32;
      const len = b.readUInt32LE(12);
      if (SLOT_HDR + len > b.length || crc32(b, SLOT_HDR, SLOT_HDR + len) !== b.readUInt32LE(16)) {
        this.log('WRN', `Consumer state [${this.name}] slot ${slot} is corrupt, using the other one`);
        continue;
      }
      try {
        const st = decodeConsumerState(b.subarray(SLOT_HDR, SLOT_HDR + len));
        if (!best || gen > best.gen) best = { gen, st };
      } catch {
        this.log('WRN', `Consumer state [${this.name}] slot ${slot} does not decode`);
      }
    }
    if (best) {
      this.st = best.st;
      this.gen = best.gen;
      this.recovered = true;
    }
  }

  override hasState(): boolean {
    return this.recovered;
  }

  private writeMeta(): void {
    const p = join(this.dir, 'meta.json');
    writeFileSync(p + '.tmp', JSON.stringify(this.cfg));
    renameSync(p + '.tmp', p);
  }

  override updateConfig(cfg: ConsumerStoreConfig): void {
    super.updateConfig(cfg);
    this.writeMeta();
  }

  protected override changed(): void {
    this.dirty = true;
    if (this.timer) return;
    // About 10 writes a second per consumer under load (flushLoop's minTime).
    const wait = this.syncAlways ? 0 : this.lastWrite + MIN_WRITE_INTERVAL_MS - monoMs();
    const fire = () => {
      this.timer = null;
      this.flush();
    };
    this.timer = wait > 0 ? setTimeout(fire, wait) : setImmediate(fire);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer === null) return;
    // Each kind with its own clear: clearImmediate on a Timeout corrupts Node's immediate counts.
    if ('hasRef' in this.timer && 'refresh' in this.timer) clearTimeout(this.timer);
    else clearImmediate(this.timer as NodeJS.Immediate);
    this.timer = null;
  }

  override flush(): void {
    if (!this.dirty || this.closed) return;
    const body = encodeConsumerState(this.st);
    const gen = this.gen + 1;
    const b = Buffer.allocUnsafe(SLOT_HDR + body.length);
    b.writeUInt32LE(SLOT_MAGIC, 0);
    b.writeUInt32LE(gen % 2 ** 32, 4);
    b.writeUInt32LE(Math.floor(gen / 2 ** 32), 8);
    b.writeUInt32LE(body.length, 12);
    body.copy(b, SLOT_HDR);
    b.writeUInt32LE(crc32(b, SLOT_HDR, b.length), 16);
    const path = join(this.dir, `o.dat.${gen % 2}`);
    let fd = -1;
    try {
      fd = openSync(path, 'w');
      let off = 0;
      while (off < b.length) off += writeSync(fd, b, off, b.length - off, off);
      if (this.syncAlways) fsyncSync(fd);
      this.gen = gen;
      this.dirty = false;
      this.lastWrite = monoMs();
    } catch (e) {
      this.log('ERR', `Consumer state [${this.name}] write failed: ${(e as Error).message}`);
    } finally {
      if (fd >= 0) closeSync(fd);
    }
  }

  override stop(): void {
    if (this.closed) return;
    this.flush();
    this.clearTimer();
    super.stop();
  }

  override delete(): void {
    this.clearTimer();
    this.dirty = false;
    super.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
