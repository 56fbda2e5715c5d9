export * from './errors';
export * from './auth';
export * from './password';
export * from './signup';
export * from './recovery';
export * from './me';
export * from './config';
