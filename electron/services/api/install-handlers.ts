import type { installRequests } from '../../contract/channels/install.js';
import { err, ok, validateInstallPlan } from '../../contract/index.js';
import { updateProject } from '../project/project-store.js';
import { planOf } from '../steps/network/names.js';
import { profileIds } from '../steps/master/profile.js';
import type { HandlersFor } from './dispatcher.js';
import type { HandlerContext, SharedServices } from './handlers.js';

/** Master install (issue 18): saving the install plan. Running it is the runner's step `master-install`. */
export function createInstallHandlers(_ctx: HandlerContext, _shared: SharedServices): HandlersFor<keyof typeof installRequests> {
  return {
    'install.savePlan': async ({ dir, plan }) => {
      const saved = await updateProject(dir, (project) => {
        const errors = validateInstallPlan(plan, project.hosts, planOf(project).vip, profileIds()).filter((i) => i.severity === 'error');
        if (errors.length) {
          return err('validation-failed', `The install plan has ${errors.length} problem(s); nothing was saved`, 'Fix the listed fields, then save again.',
            errors.map((i) => ({ row: 0, field: i.field, message: i.message, code: `install.issue.${i.code}`, ...(i.params ? { params: i.params } : {}) })));
        }
        return { ...project, install: plan };
      });
      return saved.ok ? ok({ path: saved.value.path, revision: saved.value.revision }) : saved;
    },
  };
}
