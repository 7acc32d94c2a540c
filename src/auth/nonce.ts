// The nonce signature of nkey users and JWT users (auth.go): CONNECT `sig` over the INFO's nonce,
// base64 RawURL falling back to standard base64 as Go's decoders read them, verified with
// @nats-io/nkeys (loaded at the first signature, libs.ts).
import { nkeysLib } from '../libs.js';
import type { Client } from '../server/client.js';
import { rawURLDecode, stdDecode } from '../protocol/gobase64.js';

/**
 * Decodes a signature as the reference: base64.RawURLEncoding, falling back to StdEncoding. Go's
 * decoders skip '\r' and '\n' anywhere in the input, so a signature broken over lines is accepted.
 */
export function decodeSig(sig: string): Uint8Array | null {
  return rawURLDecode(sig) ?? stdDecode(sig);
}
/** Verifies CONNECT `sig` over the nonce of the INFO this client got, with public key `key`. */
export function verifyNonceSig(c: Client, key: string): boolean {
  const o = c.opts;
  if (o.sig === '') {
    c.debug('Signature missing');
    return false;
  }
  const sig = decodeSig(o.sig);
  if (sig === null) {
    c.debug('Signature not valid base64');
    return false;
  }
  let ok: boolean;
  try {
    ok = nkeysLib().fromPublic(key).verify(Buffer.from(c.nonce, 'latin1'), sig);
  } catch (e) {
    c.debug(`User nkey not valid: ${(e as Error).message}`);
    return false;
  }
  if (!ok) c.debug('Signature not verified');
  return ok;
}
