import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { validateHosts, type Host } from '../../../electron/contract/index.js';
import type { TerminalSession } from '../../../electron/contract/channels/terminal.js';
import { useApi, useBackend } from '../api/backend-context.js';
import { draftToHostInput } from '../lib/host-draft.js';
import { useAppStore } from '../store/index.js';
import { terminalHubFor } from '../terminal/hub-context.js';
import { closeSession, openShell } from '../terminal/terminal-actions.js';
import { GRID_PAGE_SIZE, broadcastTargets } from '../terminal/terminal-slice.js';
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
      <div className="dock-header">
        <h2>{t('dock.title')}</h2>
        {open ? <TerminalToolbar /> : null}
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
        <div id="dock-body" className="dock-body term-body">
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

function TerminalToolbar() {
  const { t } = useTranslation();
  const api = useApi();
  const hosts = useValidHosts();
  const [hostId, setHostId] = useState('');
  const [query, setQuery] = useState('');
  const [busy, setBusy] = useState(false);
  const broadcast = useAppStore((s) => s.broadcast);
  const setBroadcast = useAppStore((s) => s.setBroadcast);
  const layout = useAppStore((s) => s.layout);
  const setLayout = useAppStore((s) => s.setLayout);
  const fontSize = useAppStore((s) => s.fontSize);
  const setFontSize = useAppStore((s) => s.setFontSize);
  const activeId = useAppStore((s) => s.activeSessionId);
  const selected = hosts.find((h) => h.id === hostId) ?? hosts[0];

  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await fn();
    } finally {
      setBusy(false);
    }
  };
  const find = (back: boolean) => {
    const c = paneControls(activeId);
    if (!c || !query) return;
    if (back) c.findPrevious(query);
    else c.findNext(query);
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
    </div>
  );
}

function SessionTabs() {
  const { t } = useTranslation();
  const order = useAppStore((s) => s.sessionOrder);
  if (order.length === 0) return <p className="muted term-empty">{t('dock.placeholder')}</p>;
  return (
    <div className="term-tabs" role="tablist" aria-label={t('terminal.sessions')}>
      {order.map((id) => (
        <SessionTab key={id} sessionId={id} />
      ))}
    </div>
  );
}

function SessionTab({ sessionId }: { sessionId: string }) {
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
    <span className={`term-tab${active ? ' active' : ''}${inBroadcast ? ' in-broadcast' : ''}`} data-testid="terminal-tab" data-session-id={sessionId} data-state={state}>
      <button type="button" role="tab" aria-selected={active} className="term-tab-title" onClick={() => setActive(sessionId)}>
        <span className={`term-state ${state}`} aria-hidden="true" />
        <span className="term-kind">{t(`terminal.kind.${kind}`)}</span> {title}
        {transcriptStopped ? (
          <span className="term-tab-warn" role="img" aria-label={t('terminal.transcriptStopped')} title={`${t('terminal.transcriptStopped')}: ${transcriptStopped}`} data-testid="terminal-tab-transcript-stopped">
            ⚠
          </span>
        ) : null}
      </button>
      <button type="button" className="term-tab-close" data-testid="terminal-tab-close" aria-label={t('terminal.close', { title })} onClick={() => void closeSession(api, sessionId)}>
        ×
      </button>
    </span>
  );
}

function PaneArea() {
  const { t } = useTranslation();
  const layout = useAppStore((s) => s.layout);
  const activeId = useAppStore((s) => s.activeSessionId);
  const orderKey = useAppStore((s) => s.sessionOrder.join('\n'));
  const page = useAppStore((s) => s.gridPage);
  const setPage = useAppStore((s) => s.setGridPage);
  const order = orderKey ? orderKey.split('\n') : [];
  if (order.length === 0) return null;
  if (layout === 'tabs') {
    return <div className="term-panes tabs">{activeId ? <Pane sessionId={activeId} /> : null}</div>;
  }
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

function Pane({ sessionId }: { sessionId: string }) {
  const { t } = useTranslation();
  const title = useAppStore((s) => s.sessions[sessionId]?.title ?? '');
  const hostId = useAppStore((s) => s.sessions[sessionId]?.hostId ?? '');
  const kind = useAppStore((s) => s.sessions[sessionId]?.kind ?? 'ssh');
  const state = useAppStore((s) => s.sessions[sessionId]?.state ?? 'exited');
  const session = useAppStore((s) => s.sessions[sessionId]);
  const message = session?.message ? localizedError(t, { code: 'internal', message: session.message, reason: session.reason, params: session.params }).message : '';
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

/** Why a session's transcript stopped, in the current language ('' while it records). */
function stoppedText(t: TFunction, s: TerminalSession | undefined): string {
  if (!s?.transcriptStopped) return '';
  const coded = s.transcriptStoppedCode;
  return coded ? localizedError(t, { code: 'internal', message: s.transcriptStopped, reason: coded.reason, params: coded.params }).message : s.transcriptStopped;
}
