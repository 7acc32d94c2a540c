// Main-thread side of the load generators: start agent threads and wait for their messages.
import { Worker } from 'node:worker_threads';
import type { AgentData, ToAgent } from './agent.js';

export interface AgentMsg { type: string; seq?: number; [k: string]: unknown }

/** Every message of a group of agents, in arrival order; `take` waits for the first that matches. */
export class Mailbox {
  private queue: { from: Agent; m: AgentMsg }[] = [];
  private waiter: (() => void) | null = null;
  private failure: Error | null = null;

  push(from: Agent, m: AgentMsg) {
    if (m.type === 'error') this.failure ??= new Error(String(m.message));
    this.queue.push({ from, m });
    this.waiter?.();
  }

  fail(e: Error) { this.failure ??= e; this.waiter?.(); }

  take(pred: (m: AgentMsg, from: Agent) => boolean, timeoutMs: number, what: string): Promise<AgentMsg> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.waiter = null; reject(new Error(`timeout (${timeoutMs} ms) waiting for ${what}`)); }, timeoutMs);
      const check = () => {
        if (this.failure) { clearTimeout(timer); this.waiter = null; reject(this.failure); return; }
        const i = this.queue.findIndex((x) => pred(x.m, x.from));
        if (i < 0) return;
        const [x] = this.queue.splice(i, 1);
        clearTimeout(timer);
        this.waiter = null;
        resolve(x.m);
      };
      this.waiter = check;
      check();
    });
  }

  /** One matching message from each of `agents`. */
  async takeEach(agents: Agent[], pred: (m: AgentMsg) => boolean, timeoutMs: number, what: string): Promise<AgentMsg[]> {
    const out: AgentMsg[] = [];
    for (const a of agents) out.push(await this.take((m, from) => from === a && pred(m), timeoutMs, `${what} from ${a.role}`));
    return out;
  }
}

export class Agent {
  readonly worker: Worker;
  readonly role: string;
  constructor(data: AgentData, box: Mailbox) {
    this.role = data.role;
    this.worker = new Worker(new URL('./agent.js', import.meta.url), { workerData: data });
    this.worker.on('message', (m: AgentMsg) => box.push(this, m));
    this.worker.on('error', (e) => box.fail(e));
  }
  send(m: ToAgent) { this.worker.postMessage(m); }
}

/** Start agents and wait until each reports ready. */
export async function startAgents(box: Mailbox, datas: AgentData[]): Promise<Agent[]> {
  const agents = datas.map((d) => new Agent(d, box));
  try {
    await box.takeEach(agents, (m) => m.type === 'ready', 20_000, 'ready');
  } catch (e) {
    await stopAgents(agents);
    throw e;
  }
  return agents;
}

export async function stopAgents(agents: Agent[]): Promise<void> {
  for (const a of agents) a.send({ op: 'close' });
  await Promise.all(agents.map((a) => a.worker.terminate()));
}

/** Split n connections over at most `threads` agents. */
export function split(n: number, threads: number): number[] {
  const k = Math.max(1, Math.min(n, threads));
  return Array.from({ length: k }, (_, i) => Math.floor(n / k) + (i < n % k ? 1 : 0));
}
