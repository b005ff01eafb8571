import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BackendProvider } from './api/backend-context.js';
import { connectBackend } from './api/client.js';
import { App } from './components/app.js';
import { NoToken } from './components/no-token.js';
import { initialLanguage, setupI18n } from './i18n/index.js';
import { useAppStore } from './store/index.js';
import './styles.css';

const language = initialLanguage();
useAppStore.getState().setLanguage(language);
setupI18n(language);

const setup = connectBackend();
const rootElement = document.getElementById('root');
if (!rootElement) throw new Error('index.html has no #root');

createRoot(rootElement).render(
  <StrictMode>
    {setup.kind === 'no-token' ? (
      <NoToken />
    ) : (
      <BackendProvider backend={setup.backend}>
        <App />
      </BackendProvider>
    )}
  </StrictMode>,
);
