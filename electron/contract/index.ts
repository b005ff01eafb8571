export * from './result.js';
export * from './schemas.js';
export * from './channels.js';
export * from './inventory-rules.js';
export * from './api.js';
export * from './hardware.js';
export * from './limits.js';
export * from './browser-host.js';
