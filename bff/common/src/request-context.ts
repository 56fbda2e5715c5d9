import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';

const storage = new AsyncLocalStorage<{ requestId: string }>();

/** Makes the request id available to code the request triggers (back-channel calls). */
export function requestContext(): RequestHandler {
  return (req, _res, next) => {
    storage.run({ requestId: String(req.id) }, next);
  };
}

/** Headers for a call to another app: the current request's id, or a fresh one for background work. */
export function backChannelHeaders(service: string): Record<string, string> {
  return { 'x-request-id': storage.getStore()?.requestId ?? `${service}-${randomUUID()}` };
}
