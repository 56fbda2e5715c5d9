import { Router } from 'express';
import { failValidation, fieldErrors } from '@sso/bff-common';
import { SignupRequestSchema } from '@sso/types';
import { newPasswordProblems } from '../users/password-policy';

/**
 * POST /api/signup, ahead of the sign-up route: refuses a common password
 * with the 400 VALIDATION_FAILED field error the schema's own rules give (and
 * the schema's other field errors with it), so the form shows it on the
 * password field. The list lives here, not in the shared schema the SPA
 * bundles. Every other body goes on to the route untouched.
 */
export function passwordPolicyRoutes(): Router {
  const router = Router();
  router.post('/signup', (req, _res, next) => {
    const body: unknown = req.body;
    const password = typeof body === 'object' && body !== null ? (body as { password?: unknown }).password : undefined;
    const problems = typeof password === 'string' ? newPasswordProblems(password) : [];
    if (problems.length === 0) return next();
    const errors = fieldErrors(SignupRequestSchema, body);
    if (errors.password) return next(); // the length rules speak first; the route answers them
    errors.password = problems;
    failValidation(errors);
  });
  return router;
}
