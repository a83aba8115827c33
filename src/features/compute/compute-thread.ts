/**
 * Entry point of a feature compute thread: feature values and datasets are computed here, off
 * the thread that answers HTTP, so a heavy request never stalls /health/live or the job
 * heartbeats. One task at a time; the pool queues the rest.
 */
import { parentPort } from 'node:worker_threads';
import type { ComputeReply, ComputeRequest } from './protocol';
import { describeFailure, resultBuffers, runTask } from './tasks';

parentPort!.on('message', ({ id, task }: ComputeRequest) => {
  let reply: ComputeReply;
  let transfer: ArrayBuffer[] = [];
  try {
    const result = runTask(task);
    reply = { id, ok: true, result };
    transfer = resultBuffers(result);
  } catch (e) {
    reply = { id, ok: false, error: describeFailure(e) };
  }
  parentPort!.postMessage(reply, transfer);
});
