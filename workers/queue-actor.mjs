// Worker threads do not inherit the TypeScript loader: register it here, then load the actor.
import { register } from 'tsx/esm/api';

register();
await import('../src/broker/actor/actor-main.ts');
