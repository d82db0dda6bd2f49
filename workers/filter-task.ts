// The filter pool's piscina task (src/broker/filter/filter-task.ts). Started by
// src/broker/worker-entry.ts.
export { filterRecords as default } from '../src/broker/filter/filter-task.ts';
