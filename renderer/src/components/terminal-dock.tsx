import { useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent, type PointerEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { validateHosts, type Host } from '../../../electron/contract/index.js';
import type { TerminalSession } from '../../../electron/contract/channels/terminal.js';
import { useApi, useBackend } from '../api/backend-context.js';
import { draftToHostInput } from '../lib/host-draft.js';
import { useAppStore } from '../store/index.js';
import { terminalHubFor } from '../terminal/hub-context.js';
import { closeSession, openShell } from '../terminal/terminal-actions.js';
import { GRID_PAGE_SIZE, broadcastTargets, dockTabKey, dockTabs, finishedRunSessions, tabOf, type DockTab } from '../terminal/terminal-slice.js';
import '../terminal/terminal.css';
import { paneControls, XtermPane } from '../terminal/xterm-pane.js';
import { ErrorDetails, localizedError } from './error-details.js';
import { HostKeyMarkOf } from './host-key-changed.js';

/**
 * The terminal dock: interactive shells (any host, or the laptop) and the live output of running
 * steps, one pane per host, as tabs or a paged grid. Only the panes on screen hold an xterm.
 */
export function TerminalDock() {
  const { t } = useTranslation();
  const backend = useBackend();
  const open = useAppStore((s) => s.dockOpen);
  const toggle = useAppStore((s) => s.toggleDock);
  const backendState = useAppStore((s) => s.backendState);
  const broadcast = useAppStore((s) => s.broadcast);
  const error = useAppStore((s) => s.terminalError);
  const height = useAppStore((s) => s.dockHeight);
  const sessionCount = useAppStore((s) => s.sessionOrder.length);

  // The hub follows sessions even while the dock is closed, so nothing is missed.
  useEffect(() => terminalHubFor(backend.api).start(), [backend]);
  useEffect(() => {
    if (backendState === 'open') void terminalHubFor(backend.api).resync();
  }, [backend, backendState]);

  return (
    <section
      className={`dock${open ? ' open' : ''}${broadcast ? ' broadcasting' : ''}`}
      data-testid="terminal-dock"
      aria-label={t('dock.title')}
    >
      {open ? <DockResizer /> : null}
      <div className="dock-header">
        <h2>{t('dock.title')}</h2>
        {!open && sessionCount > 0 ? (
          <span className="muted small" data-testid="dock-session-count">
            {t('dock.sessions', { count: sessionCount })}
          </span>
        ) : null}
        <TerminalToolbar full={open} />
        <button
          type="button"
          className="link-button"
          data-testid="dock-toggle"
          aria-expanded={open}
          aria-controls="dock-body"
          onClick={toggle}
        >
          {open ? t('dock.hide') : t('dock.show')}
        </button>
      </div>
      {broadcast ? <BroadcastBanner /> : null}
      {open ? (
        <div id="dock-body" className="dock-body term-body" data-testid="dock-body" style={height ? { height: `${height}px` } : undefined}>
          {error ? (
            <div className="banner banner-danger" role="alert" data-testid="terminal-error">
              <ErrorDetails error={error} />
            </div>
          ) : null}
          <SessionTabs />
          <PaneArea />
        </div>
      ) : null}
    </section>
  );
}

function BroadcastBanner() {
  const { t } = useTranslation();
  const count = useAppStore((s) => broadcastTargets(s).length);
  const setBroadcast = useAppStore((s) => s.setBroadcast);
  return (
    <div className="broadcast-banner" role="alert" data-testid="broadcast-banner" data-count={count}>
      <span className="broadcast-icon" aria-hidden="true">
        ◉
      </span>
      <strong>{t('terminal.broadcastOn', { count })}</strong>
      <span>{t('terminal.broadcastHint')}</span>
      <button type="button" data-testid="broadcast-stop" onClick={() => setBroadcast(false)}>
        {t('terminal.broadcastStop')}
      </button>
    </div>
  );
}

function useValidHosts(): Host[] {
  const drafts = useAppStore((s) => s.hosts);
  return useMemo(() => validateHosts(drafts.map(draftToHostInput)).hosts, [drafts]);
}

function TerminalToolbar({ full }: { full: boolean }) {
  const { t } = useTranslation();
  const api = useApi();
  const hosts = useValidHosts();
  const [hostId, setHostId] = useState('');
  const [busy, setBusy] = useState(false);
  const selected = hosts.find((h) => h.id === hostId) ?? hosts[0];

  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await fn();
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="term-toolbar" role="toolbar" aria-label={t('terminal.toolbar')}>
      <button type="button" data-testid="terminal-open-local" disabled={busy} onClick={() => void run(() => openShell(api, { kind: 'local' }))}>
        {t('terminal.localShell')}
      </button>
      <select
        data-testid="terminal-host-select"
        aria-label={t('terminal.host')}
        value={selected?.id ?? ''}
        disabled={hosts.length === 0}
        onChange={(e) => setHostId(e.target.value)}
      >
        {hosts.length === 0 ? <option value="">{t('terminal.noHosts')}</option> : null}
        {hosts.map((h) => (
          <option key={h.id} value={h.id}>
            {h.name || h.address}
          </option>
        ))}
      </select>
      <button
        type="button"
        data-testid="terminal-open-host"
        disabled={busy || !selected}
        onClick={() => selected && void run(() => openShell(api, { kind: 'ssh', host: selected }))}
      >
        {t('terminal.openShell')}
      </button>
      <button
        type="button"
        data-testid="terminal-open-all"
        disabled={busy || hosts.length === 0}
        onClick={() => void run(() => Promise.all(hosts.map((host) => openShell(api, { kind: 'ssh', host }))))}
      >
        {t('terminal.openAll')}
      </button>
      {full ? <PaneTools /> : null}
    </div>
  );
}

/** The tools that act on the panes on screen (only while the dock is open). */
function PaneTools() {
  const { t } = useTranslation();
  const api = useApi();
  const [query, setQuery] = useState('');
  const broadcast = useAppStore((s) => s.broadcast);
  const setBroadcast = useAppStore((s) => s.setBroadcast);
  const layout = useAppStore((s) => s.layout);
  const setLayout = useAppStore((s) => s.setLayout);
  const fontSize = useAppStore((s) => s.fontSize);
  const setFontSize = useAppStore((s) => s.setFontSize);
  const activeId = useAppStore((s) => s.activeSessionId);
  const finishedKey = useAppStore((s) => finishedRunSessions(dockTabs(s)).join('\n'));
  const finished = finishedKey ? finishedKey.split('\n') : [];
  const find = (back: boolean) => {
    const c = paneControls(activeId);
    if (!c || !query) return;
    if (back) c.findPrevious(query);
    else c.findNext(query);
  };
  return (
    <>
      <label className={`broadcast-toggle${broadcast ? ' on' : ''}`}>
        <input type="checkbox" data-testid="terminal-broadcast" checked={broadcast} onChange={(e) => setBroadcast(e.target.checked)} />
        {t('terminal.broadcast')}
      </label>
      <select data-testid="terminal-layout" aria-label={t('terminal.layout')} value={layout} onChange={(e) => setLayout(e.target.value === 'grid' ? 'grid' : 'tabs')}>
        <option value="tabs">{t('terminal.tabs')}</option>
        <option value="grid">{t('terminal.grid')}</option>
      </select>
      <span className="term-font" aria-label={t('terminal.fontSize')}>
        <button type="button" data-testid="terminal-font-smaller" title={t('terminal.fontSmaller')} onClick={() => setFontSize(fontSize - 1)}>
          A−
        </button>
        <span data-testid="terminal-font-size">{fontSize}</span>
        <button type="button" data-testid="terminal-font-larger" title={t('terminal.fontLarger')} onClick={() => setFontSize(fontSize + 1)}>
          A+
        </button>
      </span>
      <input
        type="search"
        className="term-search"
        data-testid="terminal-search"
        placeholder={t('terminal.search')}
        aria-label={t('terminal.search')}
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') find(e.shiftKey);
          if (e.key === 'Escape') paneControls(activeId)?.clearSearch();
        }}
      />
      <button type="button" data-testid="terminal-search-prev" title={t('terminal.searchPrev')} onClick={() => find(true)}>
        ↑
      </button>
      <button type="button" data-testid="terminal-search-next" title={t('terminal.searchNext')} onClick={() => find(false)}>
        ↓
      </button>
      <button type="button" data-testid="terminal-copy" title={t('terminal.copyHint')} onClick={() => void paneControls(activeId)?.copySelection()}>
        {t('terminal.copy')}
      </button>
      <button type="button" data-testid="terminal-paste" title={t('terminal.pasteHint')} onClick={() => void paneControls(activeId)?.paste()}>
        {t('terminal.paste')}
      </button>
      <button
        type="button"
        data-testid="terminal-close-finished"
        disabled={finished.length === 0}
        title={t('dock.closeFinishedHint')}
        onClick={() => void Promise.all(finished.map((id) => closeSession(api, id)))}
      >
        {t('dock.closeFinished')}
      </button>
    </>
  );
}

/** The dock's tabs: one per step run (its hosts inside) or shell; those that do not fit go into a menu. */
function SessionTabs() {
  const { t } = useTranslation();
  const tabs = useDockTabs();
  const activeId = useAppStore((s) => s.activeSessionId);
  const setActive = useAppStore((s) => s.setActiveSession);
  const strip = useRef<HTMLDivElement>(null);
  const [hidden, setHidden] = useState<string[]>([]);
  // Where the menu pops up: fixed above its button, over the page (the dock's body clips what overflows it).
  const [menu, setMenu] = useState<{ right: number; bottom: number; maxHeight: number } | null>(null);
  const menuOpen = menu !== null;
  const more = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!menuOpen) return;
    const close = (e: Event) => {
      if (e instanceof globalThis.KeyboardEvent ? e.key === 'Escape' : !more.current?.contains(e.target as Node)) setMenu(null);
    };
    document.addEventListener('mousedown', close);
    document.addEventListener('keydown', close);
    return () => {
      document.removeEventListener('mousedown', close);
      document.removeEventListener('keydown', close);
    };
  }, [menuOpen]);
  const keys = tabs.map(dockTabKey).join('\n');
  const language = useAppStore((s) => s.language);

  // Tabs keep their place in one row; the ones past its right edge are listed in the menu instead.
  useLayoutEffect(() => {
    const el = strip.current;
    if (!el) return;
    const measure = () => {
      const right = el.getBoundingClientRect().right;
      const out: string[] = [];
      for (const tab of el.querySelectorAll<HTMLElement>('[data-tab-key]')) {
        if (tab.getBoundingClientRect().right > right + 0.5) out.push(tab.dataset.tabKey!);
      }
      setHidden((prev) => (prev.join('\n') === out.join('\n') ? prev : out));
    };
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [keys, language]);

  if (tabs.length === 0) return <p className="muted term-empty">{t('dock.placeholder')}</p>;
  const active = tabOf(tabs, activeId);
  const overflow = tabs.filter((tab) => hidden.includes(dockTabKey(tab)));
  const activeHidden = active !== undefined && hidden.includes(dockTabKey(active));
  return (
    <div className="term-tabbar">
      <div className="term-tabs" role="tablist" aria-label={t('terminal.sessions')} ref={strip}>
        {tabs.map((tab) =>
          tab.kind === 'run' ? (
            <RunTab key={dockTabKey(tab)} tab={tab} runs={tabs} hidden={hidden.includes(dockTabKey(tab))} />
          ) : (
            <SessionTab key={tab.sessionId} sessionId={tab.sessionId} hidden={hidden.includes(tab.sessionId)} />
          ),
        )}
      </div>
      {overflow.length > 0 ? (
        <div className="term-more" ref={more}>
          <button
            type="button"
            className={activeHidden ? 'active' : ''}
            data-testid="terminal-tabs-more"
            aria-haspopup="menu"
            aria-expanded={menuOpen}
            onClick={(e) => {
              const r = e.currentTarget.getBoundingClientRect();
              setMenu(menuOpen ? null : { right: window.innerWidth - r.right, bottom: window.innerHeight - r.top + 2, maxHeight: Math.max(120, r.top - 8) });
            }}
          >
            {t('dock.more', { count: overflow.length })} ▾
          </button>
          {menuOpen ? (
            <ul className="term-more-menu" role="menu" data-testid="terminal-tabs-menu" style={menu}>
              {overflow.map((tab) => (
                <li key={dockTabKey(tab)} role="none">
                  <button
                    type="button"
                    role="menuitem"
                    data-testid="terminal-tabs-menu-item"
                    data-tab-key={dockTabKey(tab)}
                    onClick={() => {
                      setActive(tab.kind === 'run' ? tab.sessionIds[0]! : tab.sessionId);
                      setMenu(null);
                    }}
                  >
                    <TabLabel tab={tab} runs={tabs} />
                  </button>
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}

function useDockTabs(): DockTab[] {
  const sessions = useAppStore((s) => s.sessions);
  const order = useAppStore((s) => s.sessionOrder);
  return useMemo(() => dockTabs({ sessions, sessionOrder: order }), [sessions, order]);
}

/** "Preflight · 4 hosts", numbered when the same step ran more than once. */
function TabLabel({ tab, runs }: { tab: DockTab; runs: DockTab[] }) {
  const { t } = useTranslation();
  const title = useAppStore((s) => (tab.kind === 'session' ? s.sessions[tab.sessionId]?.title ?? '' : ''));
  const kind = useAppStore((s) => (tab.kind === 'session' ? s.sessions[tab.sessionId]?.kind ?? 'ssh' : 'step'));
  if (tab.kind === 'session') {
    return (
      <>
        <span className="term-kind">{t(`terminal.kind.${kind}`)}</span> {title}
      </>
    );
  }
  const same = runs.filter((r) => r.kind === 'run' && r.stepId === tab.stepId);
  const n = same.indexOf(tab) + 1;
  const step = t(`runbook.steps.${tab.stepId}.title`, { defaultValue: tab.stepId });
  return (
    <>
      <span className="term-kind">{t('dock.run')}</span> {same.length > 1 ? t('dock.runNumbered', { step, n }) : step}
      <span className="muted"> · {t('dock.hosts', { count: tab.sessionIds.length })}</span>
    </>
  );
}

function RunTab({ tab, runs, hidden }: { tab: Extract<DockTab, { kind: 'run' }>; runs: DockTab[]; hidden: boolean }) {
  const { t } = useTranslation();
  const api = useApi();
  const active = useAppStore((s) => s.activeSessionId !== null && tab.sessionIds.includes(s.activeSessionId));
  const setActive = useAppStore((s) => s.setActiveSession);
  const step = t(`runbook.steps.${tab.stepId}.title`, { defaultValue: tab.stepId });
  return (
    <span
      className={`term-tab term-run-tab${active ? ' active' : ''}`}
      data-testid="terminal-run-tab"
      data-tab-key={dockTabKey(tab)}
      data-run-id={tab.runId}
      data-step-id={tab.stepId}
      data-state={tab.finished ? 'finished' : 'running'}
      data-hosts={tab.sessionIds.length}
      data-overflow={hidden ? 'yes' : 'no'}
      aria-hidden={hidden || undefined}
    >
      <button type="button" role="tab" aria-selected={active} className="term-tab-title" tabIndex={hidden ? -1 : 0} onClick={() => setActive(tab.sessionIds[0]!)}>
        <span className={`term-state ${tab.finished ? 'exited' : 'open'}`} aria-hidden="true" />
        <TabLabel tab={tab} runs={runs} />
      </button>
      {tab.finished ? (
        <button
          type="button"
          className="term-tab-close"
          data-testid="terminal-run-tab-close"
          tabIndex={hidden ? -1 : 0}
          aria-label={t('terminal.close', { title: step })}
          onClick={() => void Promise.all(tab.sessionIds.map((id) => closeSession(api, id)))}
        >
          ×
        </button>
      ) : null}
    </span>
  );
}

function SessionTab({ sessionId, hidden }: { sessionId: string; hidden: boolean }) {
  const { t } = useTranslation();
  const api = useApi();
  const title = useAppStore((s) => s.sessions[sessionId]?.title ?? '');
  const state = useAppStore((s) => s.sessions[sessionId]?.state ?? 'exited');
  const kind = useAppStore((s) => s.sessions[sessionId]?.kind ?? 'ssh');
  // Shown on the tab too: a hidden pane's header is not on screen.
  const transcriptStopped = useAppStore((s) => stoppedText(t, s.sessions[sessionId]));
  const active = useAppStore((s) => s.activeSessionId === sessionId);
  const inBroadcast = useAppStore((s) => s.broadcast && broadcastTargets(s).includes(sessionId));
  const setActive = useAppStore((s) => s.setActiveSession);
  return (
    <span
      className={`term-tab${active ? ' active' : ''}${inBroadcast ? ' in-broadcast' : ''}`}
      data-testid="terminal-tab"
      data-tab-key={sessionId}
      data-session-id={sessionId}
      data-state={state}
      data-overflow={hidden ? 'yes' : 'no'}
      aria-hidden={hidden || undefined}
    >
      <button type="button" role="tab" aria-selected={active} className="term-tab-title" tabIndex={hidden ? -1 : 0} onClick={() => setActive(sessionId)}>
        <span className={`term-state ${state}`} aria-hidden="true" />
        <span className="term-kind">{t(`terminal.kind.${kind}`)}</span> {title}
        {transcriptStopped ? (
          <span className="term-tab-warn" role="img" aria-label={t('terminal.transcriptStopped')} title={`${t('terminal.transcriptStopped')}: ${transcriptStopped}`} data-testid="terminal-tab-transcript-stopped">
            ⚠
          </span>
        ) : null}
      </button>
      <button type="button" className="term-tab-close" data-testid="terminal-tab-close" tabIndex={hidden ? -1 : 0} aria-label={t('terminal.close', { title })} onClick={() => void closeSession(api, sessionId)}>
        ×
      </button>
    </span>
  );
}

/** A run's hosts beside its pane: which host's output is shown, and how each one is doing. */
function RunHosts({ tab }: { tab: Extract<DockTab, { kind: 'run' }> }) {
  const { t } = useTranslation();
  const sessions = useAppStore((s) => s.sessions);
  const activeId = useAppStore((s) => s.activeSessionId);
  const setActive = useAppStore((s) => s.setActiveSession);
  // In host-name order (dockTabs sorts a run's streams).
  const hosts = tab.sessionIds.map((id) => ({ id, s: sessions[id], label: (sessions[id]?.title ?? '').split(' · ')[0] ?? '' }));
  return (
    <ul className="term-run-hosts" aria-label={t('dock.runHosts')} data-testid="terminal-run-hosts">
      {hosts.map(({ id, s, label }) => {
        return (
          <li key={id}>
            <button
              type="button"
              className={id === activeId ? 'active' : ''}
              aria-current={id === activeId || undefined}
              data-testid="terminal-run-host"
              data-session-id={id}
              data-host-id={s?.hostId ?? ''}
              data-state={s?.state ?? 'exited'}
              title={label}
              onClick={() => setActive(id)}
            >
              <span className={`term-state ${s?.state ?? 'exited'}`} aria-hidden="true" />
              {label}
            </button>
          </li>
        );
      })}
    </ul>
  );
}

function PaneArea() {
  const { t } = useTranslation();
  const layout = useAppStore((s) => s.layout);
  const activeId = useAppStore((s) => s.activeSessionId);
  const tabs = useDockTabs();
  const page = useAppStore((s) => s.gridPage);
  const setPage = useAppStore((s) => s.setGridPage);
  if (tabs.length === 0) return null;
  const active = tabOf(tabs, activeId);
  const run = active?.kind === 'run' ? active : null;
  if (layout === 'tabs') {
    return (
      <div className={`term-panes tabs${run ? ' with-hosts' : ''}`}>
        {run ? <RunHosts tab={run} /> : null}
        {activeId ? <Pane sessionId={activeId} /> : null}
      </div>
    );
  }
  // The grid shows the active run's hosts, or every shell.
  const order = run ? run.sessionIds : tabs.flatMap((tab) => (tab.kind === 'session' ? [tab.sessionId] : []));
  if (order.length === 0) return null;
  const pages = Math.ceil(order.length / GRID_PAGE_SIZE);
  const current = Math.min(page, pages - 1);
  const visible = order.slice(current * GRID_PAGE_SIZE, (current + 1) * GRID_PAGE_SIZE);
  return (
    <>
      {pages > 1 ? (
        <div className="term-pager" data-testid="terminal-pager">
          <button type="button" disabled={current === 0} onClick={() => setPage(current - 1)}>
            ‹
          </button>
          <span>{t('terminal.page', { page: current + 1, pages, count: order.length })}</span>
          <button type="button" disabled={current >= pages - 1} onClick={() => setPage(current + 1)}>
            ›
          </button>
        </div>
      ) : null}
      <div className={`term-panes grid n${visible.length}`}>
        {visible.map((id) => (
          <Pane key={id} sessionId={id} />
        ))}
      </div>
    </>
  );
}

/** Smallest height of the dock's body; the largest leaves the page its share (terminal.css). */
const MIN_DOCK_PX = 120;
const RESIZE_STEP_PX = 24;
const maxDockPx = () => Math.max(MIN_DOCK_PX, window.innerHeight - 480);

/** The bar above the open dock: drag it (or use the arrow keys) to give the dock more or less height. */
function DockResizer() {
  const { t } = useTranslation();
  const height = useAppStore((s) => s.dockHeight);
  const setHeight = useAppStore((s) => s.setDockHeight);
  const drag = useRef<{ y: number; h: number } | null>(null);
  const current = () => document.getElementById('dock-body')?.getBoundingClientRect().height ?? height ?? MIN_DOCK_PX;
  const set = (px: number) => setHeight(Math.round(Math.min(maxDockPx(), Math.max(MIN_DOCK_PX, px))));
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'ArrowUp') set(current() + RESIZE_STEP_PX);
    else if (e.key === 'ArrowDown') set(current() - RESIZE_STEP_PX);
    else if (e.key === 'Home') setHeight(null);
    else return;
    e.preventDefault();
  };
  return (
    <div
      className="dock-resizer"
      role="separator"
      aria-orientation="horizontal"
      aria-label={t('dock.resize')}
      title={t('dock.resizeHint')}
      aria-valuemin={MIN_DOCK_PX}
      aria-valuemax={maxDockPx()}
      aria-valuenow={Math.round(height ?? current())}
      tabIndex={0}
      data-testid="dock-resize"
      onKeyDown={onKey}
      onDoubleClick={() => setHeight(null)}
      onPointerDown={(e: PointerEvent<HTMLDivElement>) => {
        drag.current = { y: e.clientY, h: current() };
        e.currentTarget.setPointerCapture(e.pointerId);
      }}
      onPointerMove={(e: PointerEvent<HTMLDivElement>) => {
        if (drag.current) set(drag.current.h + (drag.current.y - e.clientY));
      }}
      onPointerUp={() => (drag.current = null)}
      onPointerCancel={() => (drag.current = null)}
    />
  );
}

function Pane({ sessionId }: { sessionId: string }) {
  const { t } = useTranslation();
  const rawTitle = useAppStore((s) => s.sessions[sessionId]?.title ?? '');
  const runStep = useAppStore((s) => s.sessions[sessionId]?.run?.stepId);
  // A run's pane names its step in the UI's language ("node2 · 预检"), not by its id.
  const title = runStep ? `${rawTitle.split(' · ')[0]} · ${t(`runbook.steps.${runStep}.title`, { defaultValue: runStep })}` : rawTitle;
  const hostId = useAppStore((s) => s.sessions[sessionId]?.hostId ?? '');
  const kind = useAppStore((s) => s.sessions[sessionId]?.kind ?? 'ssh');
  const state = useAppStore((s) => s.sessions[sessionId]?.state ?? 'exited');
  const session = useAppStore((s) => s.sessions[sessionId]);
  const message = session?.message ? localizedError(t, { code: 'internal', message: session.message, reason: session.reason, params: stepParams(t, session.params) }).message : '';
  const transcript = useAppStore((s) => s.sessions[sessionId]?.transcript?.log ?? '');
  const transcriptStopped = useAppStore((s) => stoppedText(t, s.sessions[sessionId]));
  const interactive = useAppStore((s) => s.sessions[sessionId]?.interactive ?? false);
  const broadcast = useAppStore((s) => s.broadcast);
  const excluded = useAppStore((s) => s.broadcastExcluded[sessionId] === true);
  const active = useAppStore((s) => s.activeSessionId === sessionId);
  const setExcluded = useAppStore((s) => s.setBroadcastExcluded);
  const setActive = useAppStore((s) => s.setActiveSession);
  const receiving = broadcast && interactive && !excluded && state === 'open';
  return (
    <div
      className={`term-pane${active ? ' active' : ''}${receiving ? ' in-broadcast' : ''}`}
      data-testid="terminal-pane"
      data-session-id={sessionId}
      data-host-id={hostId}
      data-kind={kind}
      data-state={state}
      data-broadcast={receiving ? 'on' : 'off'}
      onFocusCapture={() => setActive(sessionId)}
      onMouseDown={() => setActive(sessionId)}
    >
      <div className="term-pane-header">
        <span className={`term-state ${state}`} aria-hidden="true" />
        <strong className="term-pane-title" data-testid="terminal-pane-title">
          {title}
        </strong>
        {kind !== 'local' ? <HostKeyMarkOf hostId={hostId} testId="terminal-hostkey-changed" /> : null}
        {state === 'exited' ? (
          <span className="muted small" data-testid="terminal-pane-exited">
            {message || t('terminal.exited')}
          </span>
        ) : null}
        <span className="status-spacer" />
        {kind === 'step' ? <TakeOverButton hostId={hostId} /> : null}
        {receiving ? (
          <span className="badge badge-danger" data-testid="pane-broadcast-badge">
            {t('terminal.broadcastBadge')}
          </span>
        ) : null}
        {broadcast && interactive ? (
          <label className="small">
            <input
              type="checkbox"
              data-testid="pane-broadcast-include"
              checked={!excluded}
              onChange={(e) => setExcluded(sessionId, !e.target.checked)}
            />
            {t('terminal.broadcastInclude')}
          </label>
        ) : null}
        {transcript && transcriptStopped ? (
          <span className="badge badge-warn term-transcript" title={`${transcript}: ${transcriptStopped}`} data-testid="terminal-transcript-stopped">
            {t('terminal.transcriptStopped')}
          </span>
        ) : transcript ? (
          <span className="muted small term-transcript" title={transcript} data-testid="terminal-transcript">
            {t('terminal.transcript')}
          </span>
        ) : null}
      </div>
      <XtermPane sessionId={sessionId} interactive={interactive && state !== 'exited'} />
    </div>
  );
}

/** From a host's step output, an interactive shell on the same host in one click. */
function TakeOverButton({ hostId }: { hostId: string }) {
  const { t } = useTranslation();
  const api = useApi();
  const hosts = useValidHosts();
  const [busy, setBusy] = useState(false);
  const host = hosts.find((h) => h.id === hostId);
  return (
    <button
      type="button"
      className="term-takeover"
      data-testid="terminal-takeover"
      disabled={busy || !host}
      title={host ? t('dock.takeOverHint', { host: host.name || host.address }) : t('dock.takeOverNoHost')}
      onClick={() => {
        if (!host) return;
        setBusy(true);
        void openShell(api, { kind: 'ssh', host }).finally(() => setBusy(false));
      }}
    >
      {t('dock.takeOver')}
    </button>
  );
}

/** A pane's ending names its step (`step: preflight`): in the UI's language, by the step's title. */
function stepParams(t: TFunction, params: TerminalSession['params']): TerminalSession['params'] {
  const step = params?.step;
  return typeof step === 'string' ? { ...params, step: t(`runbook.steps.${step}.title`, { defaultValue: step }) } : params;
}

/** Why a session's transcript stopped, in the current language ('' while it records). */
function stoppedText(t: TFunction, s: TerminalSession | undefined): string {
  if (!s?.transcriptStopped) return '';
  const coded = s.transcriptStoppedCode;
  return coded ? localizedError(t, { code: 'internal', message: s.transcriptStopped, reason: coded.reason, params: coded.params }).message : s.transcriptStopped;
}
