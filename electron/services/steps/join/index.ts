export * from './step.js';
export { clusterOf, parseClusterAsBuilt, parseMembers, clusterAsBuiltActions, clusterAsBuiltPhase, CLUSTER_AS_BUILT, CLUSTER_STEP, type ClusterAsBuilt } from './as-built.js';
