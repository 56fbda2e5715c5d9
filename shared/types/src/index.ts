export * from './errors';
export * from './auth';
export * from './password';
export * from './signup';
export * from './me';
export * from './config';
export * from './second-factor-login';
export * from './second-factor';
