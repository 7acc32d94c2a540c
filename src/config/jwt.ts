// Just enough JWT handling for the config file: read an operator JWT (a file, a decorated creds-style
// file, or the JWT inline), and check the claims type. Signatures are the server's business.
import { readFileSync } from 'node:fs';
import { osMessage } from './parse.js';

export interface Claims {
  jti?: string;
  iss?: string;
  sub?: string;
  name?: string;
  type?: string; // v1 JWTs
  nats?: { type?: string; system_account?: string; [k: string]: unknown };
  [k: string]: unknown;
}

/** Decode a JWT's payload; throws on anything that is not header.payload.signature with a JSON payload. */
export function decodeClaims(jwt: string): Claims {
  const parts = jwt.split('.');
  if (parts.length !== 3) throw new Error('expected 3 chunks');
  const json = Buffer.from(parts[1]!, 'base64url').toString('utf8');
  const claims = JSON.parse(json) as Claims;
  if (typeof claims !== 'object' || claims === null) throw new Error('invalid claims');
  return claims;
}

/** The claim type: `nats.type` (v2) or `type` (v1). */
export function claimType(c: Claims): string | undefined {
  return c.nats?.type ?? c.type;
}

/** A JWT inside a decorated file (-----BEGIN NATS OPERATOR JWT----- … ------END…), or the trimmed text. */
export function parseDecoratedJWT(contents: string): string {
  const lines = contents.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    if (/^\s*-{3,}.*BEGIN.*JWT.*-{3,}\s*$/.test(lines[i]!)) {
      for (let j = i + 1; j < lines.length; j++) {
        const l = lines[j]!.trim();
        if (l === '') continue;
        if (/^-{3,}/.test(l)) break;
        return l;
      }
    }
  }
  return contents.trim();
}

/**
 * opts.go readOperatorJWT: a path (relative to the working directory, as the reference) or an inline
 * JWT (starting with "eyJ"). Returns the JWT and its claims, or an error message.
 */
export function readOperatorJWT(pathOrJwt: string, read: (p: string) => string = (p) => readFileSync(p, 'utf8')): { jwt: string; claims: Claims } | { error: string } {
  let contents: string;
  try {
    contents = read(pathOrJwt);
  } catch (e) {
    if (!pathOrJwt.startsWith('eyJ')) return { error: `open ${pathOrJwt}: ${osMessage(e)}` };
    contents = pathOrJwt;
  }
  const jwt = parseDecoratedJWT(contents);
  let claims: Claims;
  try {
    claims = decodeClaims(jwt);
  } catch (e) {
    return { error: `not a valid JWT: ${(e as Error).message}` };
  }
  if (claimType(claims) !== 'operator') return { error: `not an operator JWT (type ${JSON.stringify(claimType(claims) ?? '')})` };
  return { jwt, claims };
}
