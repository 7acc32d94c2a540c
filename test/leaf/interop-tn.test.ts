// A tsnats hub and a nats-server leaf: the shared leafnode suite (suite.ts).
import { leafSuite } from './suite.js';

leafSuite('tsnats', 'nats-server');
