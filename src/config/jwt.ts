// JWTs in the config file: operator JWTs (a file, a decorated creds-style file, or the JWT inline)
// and resolver_preload account JWTs, decoded and verified as nats-server's config loader decodes
// them (opts.go: readOperatorJWT → jwt.DecodeOperatorClaims, resolver_preload →
// jwt.DecodeAccountClaims), so a JWT the reference refuses at load time is a config error here too.
import { readFileSync } from 'node:fs';
import { osMessage } from './parse.js';
import { decodeOperatorClaims, decodeAccountClaims, type OperatorClaims } from '../auth/jwt-claims.js';

/** jwt.ParseDecoratedJWT's pattern: the first "---…---" armored block's content. */
const DECORATED = /\s*(?:(?:-{3,}.*-{3,}\r?\n)([\w\-.=]+)(?:\r?\n-{3,}.*-{3,}(\r?\n|$)))/;

/** jwt.ParseDecoratedJWT: the JWT inside a decorated file, or the contents as they are. */
export function parseDecoratedJWT(contents: string): string {
  const m = DECORATED.exec(contents);
  return m ? m[1]! : contents;
}

/**
 * opts.go readOperatorJWT: a path (relative to the working directory, as the reference) or an inline
 * JWT (starting with "eyJ"); decoded and its signature verified. Returns the JWT and its claims, or
 * the reference's error text.
 */
export function readOperatorJWT(pathOrJwt: string, read: (p: string) => string = (p) => readFileSync(p, 'utf8')): { jwt: string; claims: OperatorClaims } | { error: string } {
  let contents: string;
  try {
    contents = read(pathOrJwt);
  } catch (e) {
    if (!pathOrJwt.startsWith('eyJ')) return { error: `open ${pathOrJwt}: ${osMessage(e)}` };
    contents = pathOrJwt;
  }
  const jwt = parseDecoratedJWT(contents);
  try {
    // Trailing line ends are dropped: Go's base64 decoder skips them, so the JWT is the same.
    return { jwt: jwt.replace(/[\r\n]+$/, ''), claims: decodeOperatorClaims(jwt) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** A resolver_preload value the reference accepts (jwt.DecodeAccountClaims succeeds). */
export function isAccountJWT(jwt: string): boolean {
  try {
    decodeAccountClaims(jwt);
    return true;
  } catch {
    return false;
  }
}
