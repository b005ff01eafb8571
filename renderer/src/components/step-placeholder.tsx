import { useTranslation } from 'react-i18next';
import { STEP_IDS, type StepId } from '../store/index.js';

/** Steps 2–8 until they are built: say what they will do, show no made-up data. */
export function StepPlaceholder({ step }: { step: StepId }) {
  const { t } = useTranslation();
  return (
    <section className="step-placeholder" data-testid="step-placeholder" aria-labelledby="step-title">
      <h2 id="step-title">
        {STEP_IDS.indexOf(step) + 1}. {t(`steps.${step}.name`)}
      </h2>
      <h3>{t('placeholder.willDo')}</h3>
      <p>{t(`steps.${step}.description`)}</p>
      <p className="badge badge-muted" data-testid="not-available">
        {t('placeholder.notAvailable')}
      </p>
    </section>
  );
}
