// The first bytes a client sends on a TLS-required port, judged as Go's crypto/tls (1.19,
// conn.go readRecordOrCCS before a version is agreed) judges them, so the answer to a non-TLS or
// malformed opening is byte-for-byte the reference's (docs/reference/tls-2.9.10.md §3). OpenSSL
// answers several of these differently (other alerts, record version 03 03, waiting on an SSLv2
// hello); everything that passes goes on to OpenSSL unchanged.
import { GO_ALERT_TEXT } from './errors.js';

/** maxPlaintext (16384) + 2048: the largest record Go accepts before TLS 1.3 is agreed. */
export const MAX_CIPHERTEXT = 16384 + 2048;
/** maxHandshake: the largest handshake message Go accepts. */
export const MAX_HANDSHAKE = 65536;

export type FirstRecordVerdict =
  /** Not enough bytes to judge yet (keep reading, within the handshake timeout). */
  | { kind: 'need-more' }
  /** Looks like a TLS handshake: hand every byte read so far to the TLS stack. */
  | { kind: 'tls' }
  /** Refuse: write `reply` (a fatal alert, or nothing), close, log `TLS handshake error: <log>`. */
  | { kind: 'refuse'; reply: Buffer | null; log: string };

/** A fatal alert record as Go writes it before a version is agreed (record version 03 01). */
export function goAlertRecord(alert: number): Buffer {
  return Buffer.from([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, alert]);
}

/** Judge the bytes received so far (from the first byte after INFO). */
export function firstRecordVerdict(b: Uint8Array): FirstRecordVerdict {
  if (b.length < 5) return { kind: 'need-more' };
  const typ = b[0]!;
  if (typ === 0x80) return { kind: 'refuse', reply: goAlertRecord(70), log: 'tls: unsupported SSLv2 handshake received' };
  const vers = (b[1]! << 8) | b[2]!;
  const n = (b[3]! << 8) | b[4]!;
  if ((typ !== 0x15 && typ !== 0x16) || vers >= 0x1000) {
    return { kind: 'refuse', reply: null, log: 'tls: first record does not look like a TLS handshake' };
  }
  if (n > MAX_CIPHERTEXT) return { kind: 'refuse', reply: goAlertRecord(22), log: `tls: oversized record received with length ${n}` };
  if (typ === 0x15) {
    if (b.length < 5 + Math.min(n, 2)) return { kind: 'need-more' };
    if (n !== 2) return { kind: 'refuse', reply: goAlertRecord(10), log: 'tls: unexpected message' };
    const level = b[5]!;
    const desc = b[6]!;
    if (desc === 0) return { kind: 'refuse', reply: null, log: 'EOF' }; // close_notify
    if (level === 2) return { kind: 'refuse', reply: null, log: `remote error: tls: ${GO_ALERT_TEXT[desc] ?? `alert(${desc})`}` };
    return { kind: 'tls' }; // a warning alert: Go skips it; so does OpenSSL
  }
  // A handshake record: Go reads the message header next and refuses a length over 64 KiB.
  if (n >= 4) {
    if (b.length < 9) return { kind: 'need-more' };
    const len = (b[6]! << 16) | (b[7]! << 8) | b[8]!;
    if (len > MAX_HANDSHAKE) {
      return { kind: 'refuse', reply: goAlertRecord(80), log: `tls: handshake message of length ${len} bytes exceeds maximum of ${MAX_HANDSHAKE} bytes` };
    }
  }
  return { kind: 'tls' };
}
