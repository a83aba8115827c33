import * as os from 'node:os';

/** This process as operators see it in a job's (and a fold's) `worker` field (the pod name in Kubernetes). */
export const WORKER_ID = `${os.hostname()}:${process.pid}`;
