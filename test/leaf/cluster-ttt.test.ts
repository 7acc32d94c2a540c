// A tsnats leaf on a tsnats + tsnats hub cluster: the shared suite (cluster-suite.ts).
import { hubClusterSuite } from './cluster-suite.js';

hubClusterSuite('tsnats', 'tsnats', 'tsnats');
