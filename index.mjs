// Package entry for `import { startBroker, startNameServer } from 'thrustmq'`. The sources are
// TypeScript; register tsx before loading them, as bin/thrustmq.mjs does.
import { register } from 'tsx/esm/api';

register();
const api = await import('./src/index.ts');

export const { startBroker, startNameServer } = api;
