// A remote's `credentials` file (leafnode.go sendLeafConnect, credsRe): the user JWT and the nkey
// seed between their `-----BEGIN …-----` / `------END …------` lines. The hub's nonce is signed with
// the seed (base64 RawURL) and sent with the JWT; the seed is read for each connection and wiped.
import { readFileSync } from 'node:fs';
import { nkeysLib } from '../libs.js';

/** credsRe: a decorated block's content (the first is the JWT, the second the seed). */
const CREDS_RE = /\s*(?:(?:[-]{3,}[^\n]*[-]{3,}\n)(.+)(?:\n\s*[-]{3,}[^\n]*[-]{3,}\n))/g;

/** The JWT and the nonce's signature; a string says what failed (the reference's words). */
export function signWithCreds(file: string, nonce: string): { jwt: string; sig: string } | string {
  let contents: Buffer;
  try {
    contents = readFileSync(file);
  } catch (e) {
    return `open ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`;
  }
  const text = contents.toString('utf8');
  contents.fill(0);
  const items = [...text.matchAll(CREDS_RE)].map((m) => m[1].trim());
  if (items.length < 2) return 'Credentials file malformed';
  const seed = Buffer.from(items[1], 'utf8');
  try {
    let kp;
    try {
      kp = nkeysLib().fromSeed(seed);
    } catch {
      return 'Credentials file has malformed seed';
    }
    const sig = Buffer.from(kp.sign(Buffer.from(nonce, 'latin1'))).toString('base64url');
    kp.clear();
    return { jwt: items[0], sig };
  } finally {
    seed.fill(0);
  }
}

/** Startup checks of a credentials file (solicitLeafNodeRemotes): null when it looks usable. */
export function checkCredsFile(file: string): string | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return `Error reading LeafNode Remote Credentials file ${JSON.stringify(file)}: ${(e as Error).message}`;
  }
  const items = [...text.matchAll(CREDS_RE)].map((m) => m[1].trim());
  if (items.length < 2) return `LeafNode Remote Credentials file ${JSON.stringify(file)} malformed`;
  try {
    nkeysLib().fromSeed(Buffer.from(items[1], 'utf8'));
  } catch {
    return `LeafNode Remote Credentials file ${JSON.stringify(file)} has malformed seed`;
  }
  return null;
}
