import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromPublic } from '@nats-io/nkeys';
import { newServerId } from '../../src/server/server-id.js';

test('server ids are valid nkey server public keys, and unique', () => {
  const a = newServerId();
  const b = newServerId();
  assert.match(a, /^N[A-Z2-7]{55}$/);
  assert.notEqual(a, b);
  // the official nkeys library accepts it (prefix and CRC checked)
  assert.equal(fromPublic(a).getPublicKey(), a);
  assert.throws(() => fromPublic(a.slice(0, -1) + (a.endsWith('A') ? 'B' : 'A')));
});
