// Worker thread for bcrypt comparisons (bcrypt-pool.ts): a cost-11 hash takes a few hundred ms in
// JavaScript, which must never run on the server's event loop.
import { parentPort } from 'node:worker_threads';
import bcrypt from 'bcryptjs';

parentPort!.on('message', (m: { id: number; password: string; hash: string }) => {
  let ok = false;
  try {
    ok = bcrypt.compareSync(m.password, m.hash);
  } catch {
    ok = false;
  }
  parentPort!.postMessage({ id: m.id, ok });
});
