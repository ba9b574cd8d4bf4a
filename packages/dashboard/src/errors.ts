/** The errors @kairos/dashboard throws. */

/** The page was not built into dist/ui/ (a checkout without a build, or a damaged install). */
export class DashboardNotBuiltError extends Error {
  /** The file that is missing. */
  readonly path: string;

  constructor(path: string) {
    super(
      `The Kairos dashboard's page is not built: ${path} is missing. ` +
        `Build the package (pnpm --filter @kairos/dashboard run build) or reinstall it.`,
    );
    this.name = 'DashboardNotBuiltError';
    this.path = path;
  }
}
