import type { Host, Project } from '../../../../contract/index.js';
import type { Action, Phase, StepModule } from '../../../runbook/step-module.js';
import { installContext } from '../step.js';
import { VERIFY_CLUSTER, VERIFY_HOSTS } from '../verify-common.js';

/**
 * A STAND-IN for the verification step (steps/verify, built on another branch): only the cluster
 * profile's checks, in the phases that step gives them (`verify-hosts` on every host, the profile's
 * own phases, `verify-cluster` on the first master), so the profile's hook is tested through the
 * real runner without it. Its id is not the wizard's, so it cannot be mistaken for step 7.
 */
export const PROFILE_VERIFY_TEST_STEP = 'profile-verify-test';

export const profileVerifyStep: StepModule = {
  id: PROFILE_VERIFY_TEST_STEP,
  title: 'install.profiles.base',
  phases(project: Project): Phase[] {
    const ctx = installContext(project);
    return [
      { id: VERIFY_HOSTS, title: 'install.phases.prepare', hosts: ctx.hosts.map((h) => h.id), mode: 'parallel' },
      ...(ctx.profile.verify?.phases?.(ctx) ?? []),
      { id: VERIFY_CLUSTER, title: 'install.phases.firstMaster', hosts: [ctx.firstMaster.id], mode: 'serial' },
    ];
  },
  plan(project: Project): Map<string, Action[]> {
    const ctx = installContext(project);
    return new Map(ctx.hosts.map((h: Host) => [h.id, ctx.profile.verify?.actions(h, ctx) ?? []]));
  },
  evaluate(results, project) {
    const ctx = installContext(project);
    return ctx.profile.verify?.findings(results, ctx) ?? [];
  },
};
