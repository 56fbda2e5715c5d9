export * from './errors';
export * from './auth';
export * from './me';
export * from './config';
