// Worker bootstrap: registers tsx in the worker thread (loader hooks are per thread), then
// loads the TypeScript entry named in workerData.entry.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
