/**
 * The paths of `thrustmq broker|namesrv` that only print (--help, --help-keys, -p) and exit 0.
 * `--help-keys` is read before the options are parsed: it is a page of its own, not an option.
 */
export const HELP_KEYS_USAGE =
  '      --help-keys         list every config key: type, default, what is allowed, meaning';

export function wantsHelpKeys(args: readonly string[]): boolean {
  return args.includes('--help-keys');
}

/** Writes text to stdout; returns the exit code of a command that only prints. */
export function printed(text: string): 0 {
  process.stdout.write(text);
  return 0;
}
