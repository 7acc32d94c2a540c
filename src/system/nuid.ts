// Event ids: 22 base-62 characters, the shape of the reference's nuid ids ("77ntZdAPAhapz4l5hs8nkk").
// A random prefix fixed per process, then a counter, as nuid does.
// The random state is made at the first id (node:crypto loads then: builtins.ts).
import { nodeCrypto } from '../builtins.js';

const DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const PRE_LEN = 12;
const SEQ_LEN = 10;
const MAX_SEQ = 62 ** SEQ_LEN;

let prefix = '';
let seq = MAX_SEQ;
let inc = 0;

function newPrefix(): string {
  const b = nodeCrypto().randomBytes(PRE_LEN);
  let s = '';
  for (let i = 0; i < PRE_LEN; i++) s += DIGITS[b[i] % 62];
  return s;
}

export function nextEventId(): string {
  seq += inc;
  if (seq >= MAX_SEQ) {
    prefix = newPrefix();
    const { randomInt } = nodeCrypto();
    seq = randomInt(0, 2 ** 40);
    inc = 33 + randomInt(0, 300);
  }
  let s = '';
  let n = seq;
  for (let i = 0; i < SEQ_LEN; i++) {
    s = DIGITS[n % 62] + s;
    n = Math.floor(n / 62);
  }
  return prefix + s;
}
