import { useTranslation } from 'react-i18next';
import { STEP_IDS, useAppStore } from '../store/index.js';

export function Stepper() {
  const { t } = useTranslation();
  const current = useAppStore((s) => s.step);
  const setStep = useAppStore((s) => s.setStep);
  return (
    <nav className="stepper" aria-label={t('stepper.label')}>
      <ol>
        {STEP_IDS.map((id, i) => (
          <li key={id}>
            <button
              type="button"
              data-testid={`step-${id}`}
              className={id === current ? 'step current' : 'step'}
              aria-current={id === current ? 'step' : undefined}
              onClick={() => setStep(id)}
            >
              <span className="step-number" aria-hidden="true">
                {i + 1}
              </span>
              <span className="step-name">{t(`steps.${id}.name`)}</span>
            </button>
          </li>
        ))}
      </ol>
    </nav>
  );
}
