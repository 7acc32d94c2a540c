// The payload the crash test stores: its sequence and the round that stored it, then filler. Every
// 50th message is 256 KiB, so some writes are long enough for a SIGKILL to cut them.
export function crashPayload(seq: number, round: number): Buffer {
  const head = `${seq}:${round}:`;
  const size = seq % 50 === 0 ? 256 * 1024 : 128;
  const b = Buffer.alloc(size);
  b.write(head);
  for (let k = head.length; k < size; k++) b[k] = 97 + ((seq * 31 + k) % 26);
  return b;
}
