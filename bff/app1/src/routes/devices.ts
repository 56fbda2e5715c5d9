import { Router } from 'express';
import { HttpError, parseBody } from '@sso/bff-common';
import { EndSessionRequestSchema, type DeviceSessionsResponse, type EndSessionsResponse } from '@sso/types';
import type { App1Context } from '../context';
import { endDevice, endOtherDevices, listDevices } from '../sessions/devices';
import { requireAccount } from '../sessions/lifecycle';

/**
 * "Your devices" (the account page): GET /api/account/sessions lists the
 * signed-in account's live sessions; POST /api/account/sessions/end ends one
 * other, POST /api/account/sessions/end-others all but this one. Behind the
 * /api router's Origin allow-list and JSON-only body parsing like every
 * state-changing route.
 */
export function deviceRoutes(ctx: App1Context): Router {
  const router = Router();

  router.get('/account/sessions', async (req, res) => {
    const account = await requireAccount(ctx, req);
    res.json({ sessions: await listDevices(ctx, account) } satisfies DeviceSessionsResponse);
  });

  router.post('/account/sessions/end', async (req, res) => {
    const account = await requireAccount(ctx, req);
    const { id } = parseBody(EndSessionRequestSchema, req.body);
    const outcome = await endDevice(ctx, account, id);
    if (!outcome.ok) {
      if (outcome.code === 'CURRENT_SESSION') {
        throw new HttpError('VALIDATION_FAILED', 'That is this device: sign out instead.', { errors: { id: ['That is this device: sign out instead.'] } });
      }
      throw new HttpError('NOT_FOUND', 'No such session is signed in to your account.');
    }
    req.log.info({ event: 'session.end-device', userId: account.user.id, sid: account.session.id, ended: id }, 'audit');
    res.json({ ended: outcome.ended } satisfies EndSessionsResponse);
  });

  router.post('/account/sessions/end-others', async (req, res) => {
    const account = await requireAccount(ctx, req);
    const ended = await endOtherDevices(ctx, account);
    req.log.info({ event: 'session.end-other-devices', userId: account.user.id, sid: account.session.id, ended }, 'audit');
    res.json({ ended } satisfies EndSessionsResponse);
  });

  return router;
}
