/**
 * What code outside the network steps may use of them (the report reads the check's facts through
 * this, not the steps' internals; docs/architecture.md, "What may import what").
 */
export { networkCheckStep } from './check-step.js';
export { networkHostsStep } from './hosts-step.js';
export { networkInterfacesStep } from './interfaces-step.js';
export { buildMatrix, readHostFacts, type HostFacts } from './matrix.js';
