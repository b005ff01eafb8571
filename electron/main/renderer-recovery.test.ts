import { describe, expect, it } from 'vitest';
import { reloadWhenRendererGone } from './renderer-recovery.js';
import { FakeWebContents, silentLog } from './test-fakes/fake-electron.js';

// FakeWebContents stands in for Electron's (no runtime here): the real event is untested.
describe('reloadWhenRendererGone', () => {
  const setup = () => {
    const contents = new FakeWebContents();
    const log = silentLog();
    let clock = 0;
    const gaveUp: string[] = [];
    reloadWhenRendererGone(contents as never, log, { onGiveUp: (r) => gaveUp.push(r), now: () => clock });
    const gone = (reason: string) => contents.emit('render-process-gone', {}, { reason, exitCode: 1 });
    return { contents, log, gaveUp, gone, advance: (ms: number) => (clock += ms) };
  };

  it('reloads the window when its renderer crashes, and logs why', () => {
    const { contents, log, gone } = setup();
    gone('crashed');
    expect(contents.reloads).toBe(1);
    expect(log.lines[0]).toMatchObject({ level: 'error', ctx: { reason: 'crashed' } });
  });

  it('does not reload a window that closed on purpose or is destroyed', () => {
    const { contents, gone } = setup();
    gone('clean-exit');
    contents.destroyed = true;
    gone('crashed');
    expect(contents.reloads).toBe(0);
  });

  it('gives up after three crashes in a minute instead of looping, and tries again later', () => {
    const { contents, gaveUp, gone, advance } = setup();
    for (let i = 0; i < 4; i++) gone('oom');
    expect(contents.reloads).toBe(3);
    expect(gaveUp).toEqual(['oom']);
    advance(61_000);
    gone('crashed');
    expect(contents.reloads).toBe(4);
  });
});
