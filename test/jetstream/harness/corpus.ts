// Every scenario of the harness, by name.
import type { Scenario } from './model.js';
import { scenarios as account } from './scenarios/account.js';
import { scenarios as streamCreate } from './scenarios/stream-create.js';
import { scenarios as streamAdmin } from './scenarios/stream-admin.js';
import { scenarios as messages } from './scenarios/messages.js';
import { scenarios as publish } from './scenarios/publish.js';
import { scenarios as snapshot } from './scenarios/snapshot.js';
import { scenarios as advisories } from './scenarios/advisories.js';
import { scenarios as limits } from './scenarios/limits.js';
import { scenarios as mirrorSource } from './scenarios/mirror-source.js';
import { scenarios as consumerCreate } from './scenarios/consumer-create.js';
import { scenarios as consumerPull } from './scenarios/consumer-pull.js';
import { scenarios as consumerPush } from './scenarios/consumer-push.js';
import { scenarios as consumerAcks } from './scenarios/consumer-acks.js';
import { scenarios as monitoring } from './scenarios/monitoring.js';

export const corpus: Scenario[] = [
  ...account, ...streamCreate, ...streamAdmin, ...messages, ...publish, ...snapshot, ...advisories, ...limits,
  ...mirrorSource, ...consumerCreate, ...consumerPull, ...consumerPush, ...consumerAcks, ...monitoring,
];

const names = new Set<string>();
for (const s of corpus) {
  if (names.has(s.name)) throw new Error(`duplicate scenario name ${s.name}`);
  if (!/^[a-z0-9-]+$/.test(s.name)) throw new Error(`scenario name ${s.name} is not file-name safe`);
  names.add(s.name);
}

export function scenarioByName(name: string): Scenario | undefined {
  return corpus.find((s) => s.name === name);
}
