export { masterInstallStep, installContext, packagesFor, portsFor, chronyFor, PHASES, InstallPlanInvalid } from './step.js';
export { CLUSTER_PROFILES, profileById, profileIds, baseProfile, type ClusterProfile, type ProfileContext } from './profile.js';
export { firewallRules, keepsSsh } from './firewall.js';
export { asBuiltOf, parseAsBuilt, type AsBuilt } from './as-built.js';
