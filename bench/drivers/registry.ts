import { ConfigurationError } from '../../kernel/index.ts';
import { httpDriver } from './http.ts';
import { inProcessDriver } from './in-process.ts';
import type { LoadDriver } from './types.ts';
import { workersDriver } from './workers.ts';

/** Every load driver `--driver` accepts, by name. Adding one: a file and a line here. */
export const LOAD_DRIVERS: readonly LoadDriver[] = Object.freeze([
  inProcessDriver,
  httpDriver,
  workersDriver,
]);

/** The names `--driver` accepts, in registry order. */
export const DRIVER_NAMES: readonly string[] = Object.freeze(LOAD_DRIVERS.map((driver) => driver.name));

/** The driver called `name`; a ConfigurationError naming `--driver` and the known names otherwise. */
export function findDriver(name: string): LoadDriver {
  const driver = LOAD_DRIVERS.find((candidate) => candidate.name === name);
  if (driver === undefined) {
    throw new ConfigurationError(
      `--driver: unknown driver '${name}'; expected one of ${DRIVER_NAMES.join(', ')}`,
    );
  }
  return driver;
}
