// A tsnats leaf on a tsnats + nats-server hub cluster: the shared suite (cluster-suite.ts).
import { hubClusterSuite } from './cluster-suite.js';

hubClusterSuite('tsnats', 'nats-server', 'tsnats');
