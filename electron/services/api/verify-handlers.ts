import type { verifyRequests } from '../../contract/channels/verify.js';
import { err, ok, validateVerifyPlan } from '../../contract/index.js';
import { updateProject } from '../project/project-store.js';
import type { HandlersFor } from './dispatcher.js';

/** Verification (issue 20): saving the verification plan. Running it is the runner's step `verification`. */
export function createVerifyHandlers(): HandlersFor<keyof typeof verifyRequests> {
  return {
    'verify.savePlan': async ({ dir, plan }) => {
      const saved = await updateProject(dir, (project) => {
        const issues = validateVerifyPlan(plan, project.hosts.map((h) => h.id));
        if (issues.length) {
          return err('validation-failed', `The verification plan has ${issues.length} problem(s); nothing was saved`, 'Fix the listed fields, then save again.',
            issues.map((i) => ({ row: 0, field: i.field, message: i.message, code: `verify.issue.${i.code}`, ...(i.params ? { params: i.params } : {}) })));
        }
        return { ...project, verify: plan };
      });
      return saved.ok ? ok({ path: saved.value.path, revision: saved.value.revision }) : saved;
    },
  };
}
