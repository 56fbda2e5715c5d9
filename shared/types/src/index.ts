export * from './errors';
export * from './auth';
export * from './password';
export * from './signup';
export * from './me';
export * from './config';
export * from './devices';
export * from './second-factor';
