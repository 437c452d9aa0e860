/**
 * Debian packages the tests and the local model need on the host, one entry per concern so that each part of
 * the project owns its own line. `tools/prereqs/install.ts` installs whatever is missing.
 */
export interface PackageSet {
  readonly concern: string;
  readonly packages: readonly string[];
}

export const hostPackages: readonly PackageSet[] = [
  { concern: 'charm build (zip listing in tests)', packages: ['unzip'] },
];
