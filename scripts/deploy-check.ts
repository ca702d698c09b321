/**
 * `npm run deploy:check [-- --account <id>] [--write-policies [dir]]`: the checks `s deploy` does not
 * make, before it runs (scripts/deploy-plan.ts). Renders s.yaml with `s preview` (with --account, for
 * that account id and no credentials at all; otherwise with your `s config` access), then:
 *
 *   1. validates every function against the fc3 component's schema as `s verify` does, and each
 *      trigger config strictly against the definition its trigger type names;
 *   2. cross-checks names: one role per function, fan-out to the function itself, EventBridge
 *      patterns the vending code accepts, and policies/*.json equal to the policies this rendering
 *      needs (generated from its names);
 *   3. prints what a deploy would create: functions, roles and their policies, triggers.
 *
 * Exit code 0 when all pass, 1 otherwise. --write-policies writes the generated policies (to
 * policies/ or the given directory), e.g. after overriding TRAIL_PREFIX or the baseline.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { checkDeployment, describePlan, render, ROOT } from './deploy-plan';

export interface CliResult {
  code: number;
  out: string[];
}

export function runDeployCheck(argv: string[], env: NodeJS.ProcessEnv = process.env): CliResult {
  const out: string[] = [];
  const accountAt = argv.indexOf('--account');
  const accountId = accountAt >= 0 ? argv[accountAt + 1] : undefined;
  if (accountAt >= 0 && !/^\d{16}$/.test(accountId ?? '')) return { code: 2, out: ['--account needs a 16-digit account id'] };
  const writeAt = argv.indexOf('--write-policies');
  const writeDir = writeAt >= 0 ? path.resolve(argv[writeAt + 1] && !argv[writeAt + 1]!.startsWith('--') ? argv[writeAt + 1]! : path.join(ROOT, 'policies')) : undefined;
  const fileAt = argv.indexOf('--template');
  const file = fileAt >= 0 ? path.resolve(argv[fileAt + 1] ?? '') : undefined;

  let template;
  try {
    template = render({ accountId, env, file });
  } catch (err) {
    return { code: 1, out: [`deploy:check: cannot render s.yaml: ${err instanceof Error ? err.message : String(err)}`, 'Give --account <id> to render without credentials.'] };
  }
  const check = checkDeployment(template);
  out.push(`s.yaml rendered by s preview${accountId ? ` for account ${accountId} (no credentials)` : ''}.`);
  out.push(check.schema.length === 0 ? 'fc3 schema (as s verify) and strict trigger configs: OK' : `fc3 schema: ${check.schema.length} problem(s):`);
  for (const p of check.schema) out.push(`  ${p}`);
  out.push(check.crossChecks.length === 0 ? 'Names and roles cross-check: OK' : `Names and roles cross-check: ${check.crossChecks.length} problem(s):`);
  for (const p of check.crossChecks) out.push(`  ${p}`);
  const diffs = Object.keys(check.policyDiffs);
  if (writeDir) {
    mkdirSync(writeDir, { recursive: true });
    for (const [name, doc] of Object.entries(check.policies)) writeFileSync(path.join(writeDir, `${name}.json`), `${JSON.stringify(doc, null, 2)}\n`);
    out.push(`Policies written to ${path.relative(process.cwd(), writeDir) || '.'}: ${Object.keys(check.policies).map((n) => `${n}.json`).join(', ')}`);
  } else {
    out.push(diffs.length === 0 ? 'policies/*.json match this deployment: OK' : `policies/*.json differ from what this deployment needs: ${diffs.map((d) => `${d}.json`).join(', ')} (run with --write-policies [dir] to write them)`);
  }
  for (const n of check.notes) out.push(`note: ${n}`);
  out.push('', 'A deploy would create:', ...describePlan(template, check.policies));
  const failed = check.schema.length > 0 || check.crossChecks.length > 0 || (!writeDir && diffs.length > 0);
  out.push('', failed ? 'deploy:check FAILED' : 'deploy:check passed');
  return { code: failed ? 1 : 0, out };
}

if (require.main === module) {
  const result = runDeployCheck(process.argv.slice(2));
  console.log(result.out.join('\n'));
  process.exitCode = result.code;
}
