export * from './types';
export * from './model';
