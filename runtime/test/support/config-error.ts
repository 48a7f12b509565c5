import { CatgaConfigurationError } from '@catga/runtime';

/** Runs `run` and returns the {@link CatgaConfigurationError} it throws; fails the test if it throws nothing else. */
export function configError(run: () => unknown): CatgaConfigurationError {
  try {
    run();
  } catch (error) {
    if (error instanceof CatgaConfigurationError) return error;
    throw error;
  }
  throw new Error('expected a CatgaConfigurationError');
}
