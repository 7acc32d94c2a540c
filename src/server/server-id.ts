// The server id: an nkey server public key ("N…", 56 chars), as nats-server's. nats-server 2.9
// never signs with the server's key pair (the id is only a name), so the 32 key bytes are random
// bytes: no Ed25519 key generation, whose first call cost ~0.6 ms of an in-process start.
import { nodeCrypto } from '../builtins.js';

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** nkeys prefix byte of server keys: 'N' (13) << 3. */
const PREFIX_SERVER = 13 << 3;

/** CRC-16/XMODEM, as nkeys appends to every encoded key. */
function crc16(data: Uint8Array): number {
  let crc = 0;
  for (const b of data) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

function base32(data: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of data) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  return out;
}

/** Encodes a 32-byte Ed25519 public key as an nkey server public key. */
export function encodeServerPublicKey(pub: Uint8Array): string {
  const raw = new Uint8Array(1 + pub.length + 2);
  raw[0] = PREFIX_SERVER;
  raw.set(pub, 1);
  const crc = crc16(raw.subarray(0, 1 + pub.length));
  raw[1 + pub.length] = crc & 0xff;
  raw[2 + pub.length] = crc >> 8;
  return base32(raw);
}

/** A fresh server id. */
export function newServerId(): string {
  return encodeServerPublicKey(nodeCrypto().randomBytes(32));
}
