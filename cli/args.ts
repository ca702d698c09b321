/**
 * Command-line parsing for `trail-provisioner` with node:util parseArgs (no dependency).
 *
 * Why a separate module: parsing is pure (argv in, options or a UsageError out), so every usage
 * rule is checked before any file is read or any cloud call is made, and the help text lives
 * next to the options it documents.
 */
import { parseArgs } from 'node:util';
import { REGION } from '../shared/platform/config';

export const COMMANDS = ['apply', 'plan', 'status'] as const;
export type Command = (typeof COMMANDS)[number];

export interface CliOptions {
  command: Command;
  /** Path of a spec file: one spec object or an array of specs. */
  specFile: string;
  /** Explicit member accounts (--account, repeatable). */
  accounts: string[];
  /** --accounts rd: every Resource Directory account. */
  allRdAccounts: boolean;
  region?: string;
  role?: string;
  concurrency?: number;
  json: boolean;
}

export type Parsed = { kind: 'help' } | { kind: 'run'; options: CliOptions };

/** Bad command line: exit code 2 with this message and a pointer to --help. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const HELP = `Usage: trail-provisioner <command> <spec.json|specs.json> [options]

Turns trail specs (the ActionTrail CreateTrail parameters, one object or an array) into trails
that exist, deliver and log, as the deployed functions do.

Commands:
  apply    Create, update and start trails until they match the specs (ensureTrail).
  plan     Show what apply would do; writes nothing (dry run).
  status   Describe each trail and its logging status (DescribeTrails + GetTrailStatus).

Options:
  --account ID       Work in member account ID through STS AssumeRole into --role.
                     Repeat for several accounts. Default: the caller's own account.
  --accounts rd      Work in every Resource Directory account (ListAccounts, all pages).
  --region R         Region whose ActionTrail endpoint is called (the trail HomeRegion).
                     Default: TRAIL_REGION, ALIBABA_CLOUD_REGION, else cn-hangzhou.
  --role NAME        Role assumed in member accounts.
                     Default: TRAIL_MEMBER_ROLE, else ResourceDirectoryAccountAccessRole.
  --concurrency N    Accounts worked on at once, 1..64. Default: TRAIL_CONCURRENCY, else 8.
  --json             Print the results as JSON on stdout instead of a table.
  -h, --help         Show this help.

Credentials come from the environment (the Alibaba Cloud default chain:
ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET [/ ALIBABA_CLOUD_SECURITY_TOKEN],
profiles, ECS RAM role, OIDC). Endpoints too: TRAIL_EMULATOR_URL=http://127.0.0.1:PORT sends
every call to the local emulator; ALIBABA_CLOUD_ENDPOINT_<SERVICE> overrides one service.

Progress goes to stderr (one updating line on a terminal, plain lines otherwise); the summary
goes to stdout.

Exit codes:
  0  every trail (account x spec) succeeded
  1  some failed (each failure is listed with its Code and Message)
  2  bad usage, unreadable or invalid spec file (the failing fields are named by JSON pointer),
     or invalid configuration
`;

const ROLE = /^[A-Za-z0-9._-]{1,64}$/;
const ACCOUNT = /^\d{1,20}$/;

/** Parses argv (without node and script); throws UsageError on any bad usage. */
export function parseCli(argv: readonly string[]): Parsed {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        account: { type: 'string', multiple: true },
        accounts: { type: 'string' },
        region: { type: 'string' },
        role: { type: 'string' },
        concurrency: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };

  const [command, specFile, ...extra] = positionals;
  if (!command) throw new UsageError('Missing command: apply, plan or status.');
  if (!(COMMANDS as readonly string[]).includes(command)) throw new UsageError(`Unknown command "${command}": use apply, plan or status.`);
  if (!specFile) throw new UsageError(`Missing spec file: trail-provisioner ${command} <spec.json|specs.json>.`);
  if (extra.length > 0) throw new UsageError(`Unexpected argument "${extra[0]}".`);

  const accounts = [...new Set(values.account ?? [])];
  const bad = accounts.find((a) => !ACCOUNT.test(a));
  if (bad !== undefined) throw new UsageError(`--account "${bad}" is not an account id (digits).`);
  if (values.accounts !== undefined && values.accounts.toLowerCase() !== 'rd') throw new UsageError(`--accounts takes only "rd" (got "${values.accounts}"); use --account ID for single accounts.`);
  if (values.accounts !== undefined && accounts.length > 0) throw new UsageError('Use either --account ID ... or --accounts rd, not both.');
  if (values.region !== undefined && !REGION.test(values.region)) throw new UsageError(`--region "${values.region}" is not a region id (e.g. cn-hangzhou).`);
  if (values.role !== undefined && !ROLE.test(values.role)) throw new UsageError(`--role "${values.role}" is not a RAM role name.`);
  let concurrency: number | undefined;
  if (values.concurrency !== undefined) {
    concurrency = Number(values.concurrency);
    if (!/^\d+$/.test(values.concurrency) || concurrency < 1 || concurrency > 64) throw new UsageError('--concurrency must be an integer from 1 to 64.');
  }
  return {
    kind: 'run',
    options: {
      command: command as Command,
      specFile,
      accounts,
      allRdAccounts: values.accounts !== undefined,
      region: values.region,
      role: values.role,
      concurrency,
      json: Boolean(values.json),
    },
  };
}
