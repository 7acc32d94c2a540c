// A nats-server leaf on a nats-server + tsnats hub cluster: the shared suite (cluster-suite.ts).
import { hubClusterSuite } from './cluster-suite.js';

hubClusterSuite('nats-server', 'tsnats', 'nats-server');
