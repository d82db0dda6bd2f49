// Piscina worker of the broker's filter pool: register the TypeScript loader, then hand piscina
// the task function.
import { register } from 'tsx/esm/api';

register();
const { filterRecords } = await import('../src/broker/filter/filter-task.ts');

export default filterRecords;
