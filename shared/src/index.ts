// class-transformer's @Type reads decorator metadata: the polyfill must load before any DTO class is defined.
import 'reflect-metadata';

export * from './api';
export * from './errors';
export * from './validation';
export * from './phone';
export * from './domain';
export * from './catalogue';
export * from './auth';
export * from './family';
export * from './people';
export * from './duty';
export * from './order-state';
export * from './fields';
export * from './orders';
export * from './geo';
export * from './matching';
export * from './assignment';
export * from './audit';
export * from './joining';
export * from './notifications';
export * from './imports';
export * from './stats';
export * from './visits';
export * from './projects';
export * from './points';
