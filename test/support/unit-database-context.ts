import { inject } from 'vitest';
import type { DatabaseConfig } from '../../services/common/src/config/sections.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    database: DatabaseConfig;
  }
}

/** For unit tests: the settings of the unit project's own PostgreSQL (unit-database.ts starts it). */
export const unitDatabase = (): DatabaseConfig => inject('database');
