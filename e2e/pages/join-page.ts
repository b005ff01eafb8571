import type { Locator, Page } from 'playwright-core';

/** One joining host's timeline card as step 6 shows it (renderer/src/steps/join). */
export interface JoinHostView {
  hostId: string;
  state: string;
  /** Works for the joins (the first master) rather than joining: a member since step 5. */
  clusterSide: boolean;
  stages: { stage: string; state: string }[];
  failure: { stage: string; retryHost: string; text: string } | null;
  waiting: string | null;
}

/** Wizard step 6: the per-host timelines; the run itself is RunbookPage('worker-join'). */
export class JoinPage {
  readonly root: Locator;

  constructor(readonly page: Page) {
    this.root = page.getByTestId('join-timelines');
  }

  async open() {
    await this.page.getByTestId('step-workers').click();
    await this.page.getByTestId('join-step').waitFor();
  }

  host(hostId: string): Locator {
    return this.root.locator(`[data-testid="join-host"][data-host-id="${hostId}"]`);
  }

  async hosts(): Promise<JoinHostView[]> {
    const cards = await this.root.getByTestId('join-host').all();
    return Promise.all(
      cards.map(async (c) => {
        const failure = c.getByTestId('join-failure');
        const waiting = c.getByTestId('join-waiting');
        return {
          hostId: (await c.getAttribute('data-host-id')) ?? '',
          state: (await c.getAttribute('data-state')) ?? '',
          clusterSide: (await c.getAttribute('data-cluster-side')) === 'yes',
          stages: await c.getByTestId('join-stage').evaluateAll((els) => els.map((e) => ({ stage: e.getAttribute('data-stage') ?? '', state: e.getAttribute('data-state') ?? '' }))),
          failure: (await failure.count())
            ? { stage: (await failure.getAttribute('data-stage')) ?? '', retryHost: (await failure.getAttribute('data-retry-host')) ?? '', text: await failure.innerText() }
            : null,
          waiting: (await waiting.count()) ? await waiting.getAttribute('data-reason') : null,
        };
      }),
    );
  }

  async retry(hostId: string) {
    await this.host(hostId).getByTestId('join-retry').click();
  }
}
