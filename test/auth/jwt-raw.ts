// JWTs signed from raw claim text, for tests that need claims no well-behaved library would write:
// wrong types, odd shapes, duplicate keys, the old (v1) format. The signature is real (the issuer's
// nkey), so a server can only refuse such a JWT for what it says, never for a bad signature.
import type { KeyPair } from '@nats-io/nkeys';

const b64url = (s: string | Uint8Array) => Buffer.from(s).toString('base64url');

/** Header of v2 JWTs (jwt.go AlgorithmNkey) and of v1 ones (AlgorithmNkeyOld). */
export const V2_HEADER = '{"typ":"JWT","alg":"ed25519-nkey"}';
export const V1_HEADER = '{"typ":"jwt","alg":"ed25519"}';

/**
 * Signs `payload` (JSON text, or an object to stringify) with `signer`. v2 signs "header.payload";
 * v1 signs the payload chunk only (jwt decoder.go Decode). `header` replaces the default header text.
 */
export function signRaw(payload: string | object, signer: KeyPair, opts: { v1?: boolean; header?: string } = {}): string {
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const h = b64url(opts.header ?? (opts.v1 ? V1_HEADER : V2_HEADER));
  const p = b64url(text);
  const signed = opts.v1 ? p : `${h}.${p}`;
  return `${h}.${p}.${b64url(signer.sign(new TextEncoder().encode(signed)))}`;
}

let seq = 0;
/** The standard claim fields (ClaimsData) for a JWT about `sub` issued by `signer`. */
export function baseClaims(name: string, sub: string, signer: KeyPair): Record<string, unknown> {
  return { jti: `T${++seq}X${Date.now()}`, iat: Math.floor(Date.now() / 1000), iss: signer.getPublicKey(), name, sub };
}

/** A v2 user JWT whose `nats` object is `nats` (type and version added unless present). */
export function rawUser(name: string, user: KeyPair, signer: KeyPair, nats: Record<string, unknown> = {}, top: Record<string, unknown> = {}): string {
  return signRaw({ ...baseClaims(name, user.getPublicKey(), signer), ...top, nats: { type: 'user', version: 2, ...nats } }, signer);
}

/** A v2 account JWT whose `nats` object is `nats` (type and version added unless present). */
export function rawAccount(name: string, account: KeyPair, signer: KeyPair, nats: Record<string, unknown> = {}, top: Record<string, unknown> = {}): string {
  return signRaw({ ...baseClaims(name, account.getPublicKey(), signer), ...top, nats: { type: 'account', version: 2, ...nats } }, signer);
}
