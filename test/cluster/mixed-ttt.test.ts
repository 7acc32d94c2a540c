// A 3-member cluster (tsnats,tsnats,tsnats), checked through nats.js clients on each member (scenarios.ts).
import { mixedClusterSuite } from './scenarios.js';

mixedClusterSuite(['tsnats','tsnats','tsnats']);
