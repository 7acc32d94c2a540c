// A 3-member cluster (tsnats,nats-server,nats-server), checked through nats.js clients on each member (scenarios.ts).
import { mixedClusterSuite } from './scenarios.js';

mixedClusterSuite(['tsnats','nats-server','nats-server']);
