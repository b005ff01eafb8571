/**
 * What code outside the hardware step may use of it (the report reads facts through this, not
 * the step's internals; docs/architecture.md, "What may import what").
 */
export { factsFromResults, hardwareStep, loopDisksOfRun, profileIdOf } from './step.js';
export { isLabNode } from './lab-node.js';
export { isLaxer } from './profiles.js';
