// A nats-server hub and a tsnats leaf: the shared leafnode suite (suite.ts).
import { leafSuite } from './suite.js';

leafSuite('nats-server', 'tsnats');
