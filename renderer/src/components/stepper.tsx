import { useEffect, useLayoutEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { useApi } from '../api/backend-context.js';
import { inventoryState, wizardStepState, type WizardStepState } from '../runbook/step-status.js';
import { STEP_IDS, useAppStore, type StepId } from '../store/index.js';
import './stepper.css';

const ICON: Record<WizardStepState, string> = {
  'not-started': '',
  running: '…',
  partial: '◐',
  passed: '✓',
  'passed-waivers': '✓',
  blocking: '!',
  failed: '✕',
};

function useStepStates(): Record<StepId, WizardStepState> {
  const steps = useAppStore((s) => s.runbookSteps);
  const dir = useAppStore((s) => s.projectDir.trim());
  const dirty = useAppStore((s) => s.dirty);
  const hostCount = useAppStore((s) => s.hosts.length);
  const out = {} as Record<StepId, WizardStepState>;
  for (const id of STEP_IDS) out[id] = id === 'inventory' ? inventoryState({ dir, dirty, hostCount }) : wizardStepState(id, steps);
  return out;
}

export function Stepper() {
  const { t } = useTranslation();
  const api = useApi();
  const current = useAppStore((s) => s.step);
  const setStep = useAppStore((s) => s.setStep);
  const dir = useAppStore((s) => s.projectDir.trim());
  const dirty = useAppStore((s) => s.dirty);
  const backendState = useAppStore((s) => s.backendState);
  const states = useStepStates();

  // Every step's state, not only the open one's: the journal's view when a saved project opens.
  useEffect(() => {
    if (backendState !== 'open' || dir === '' || dirty) return;
    void api['runbook.state']({ dir }).then((r) => {
      if (r.ok) useAppStore.getState().setRunbookSteps(r.value.steps);
    });
  }, [api, dir, dirty, backendState]);

  // The page scrolls inside .app-main, which outlives the step: without this a step opens where the last one was left.
  // Only when it is scrolled (kept from its scroll events): scrollTo in a layout effect lays the
  // new step's page out at once, inside the task that rendered it (40 ms with 100 hosts, issue 21).
  const scrolled = useRef(false);
  useEffect(() => {
    const main = document.querySelector('.app-main');
    if (!main) return;
    const onScroll = () => {
      scrolled.current = main.scrollTop > 0;
    };
    main.addEventListener('scroll', onScroll, { passive: true });
    return () => main.removeEventListener('scroll', onScroll);
  }, []);
  useLayoutEffect(() => {
    if (!scrolled.current) return;
    scrolled.current = false;
    document.querySelector('.app-main')?.scrollTo({ top: 0 });
  }, [current]);

  const index = STEP_IDS.indexOf(current);
  const next = STEP_IDS[index + 1];
  const needsMet = next ? states[current] === 'passed' || states[current] === 'passed-waivers' : false;
  return (
    <>
      <nav className="stepper" aria-label={t('stepper.label')}>
        <ol>
          {STEP_IDS.map((id, i) => (
            <li key={id}>
              <button
                type="button"
                data-testid={`step-${id}`}
                data-state={states[id]}
                className={`${id === current ? 'step current' : 'step'} step-state-${states[id]}`}
                aria-current={id === current ? 'step' : undefined}
                title={`${t(`steps.${id}.name`)}: ${t(`wayfinding.state.${states[id]}`)}`}
                onClick={() => setStep(id)}
              >
                <span className="step-number" aria-hidden="true">
                  {ICON[states[id]] || i + 1}
                </span>
                <span className="step-name">{t(`steps.${id}.name`)}</span>
                <span className="visually-hidden">{t(`wayfinding.state.${states[id]}`)}</span>
              </button>
            </li>
          ))}
        </ol>
      </nav>
      <div className="wayfinding" data-testid="wayfinding">
        <span className={`badge step-badge-${states[current]}`} data-testid="wayfinding-state" data-state={states[current]}>
          {t('wayfinding.current', { n: index + 1, total: STEP_IDS.length, state: t(`wayfinding.state.${states[current]}`) })}
        </span>
        {next ? (
          <>
            <span className="wayfinding-needs" data-testid="wayfinding-needs" data-met={needsMet ? 'yes' : 'no'}>
              {t('wayfinding.nextNeeds', { step: t(`steps.${next}.name`), needs: t(`wayfinding.needs.${next}`) })}{' '}
              <span className={`badge ${needsMet ? 'badge-ok' : 'badge-muted'}`}>{t(needsMet ? 'wayfinding.met' : 'wayfinding.notMet')}</span>
            </span>
            <button type="button" className={needsMet ? 'primary' : ''} data-testid="wayfinding-next" onClick={() => setStep(next)}>
              {t('wayfinding.next', { step: t(`steps.${next}.name`) })}
            </button>
          </>
        ) : (
          <span className="wayfinding-needs muted">{t('wayfinding.last')}</span>
        )}
      </div>
    </>
  );
}
