export { masterInstallStep, installContext, packagesFor, portsFor, chronyFor, prometheusFor, PHASES, InstallPlanInvalid } from './step.js';
export { CLUSTER_PROFILES, profileById, profileIds, baseProfile, type ClusterProfile, type ProfileContext } from './profile.js';
export { firewallRules, keepsSsh } from './firewall.js';
