/**
 * Offline checks of the deployment: s.yaml as written, s.yaml as the real Serverless Devs CLI renders
 * it (`s preview`, which resolves ${vars.*}, ${env(...)} and ${config('AccountID')} without calling
 * the cloud), the trust policies, and the esbuild bundles FC will load.
 *
 * The property rules checked come from the fc3 component's published schema and docs (memorySize a
 * multiple of 64 in 128..32768, timeout <= 86400, maxAsyncRetryAttempts 0..8, trigger types, http
 * authType, six-field timer cron) and FC's environment-variable limits (names [A-Za-z][A-Za-z0-9_]*,
 * no FC_ prefix, 4 KB in total).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createEmulator } from '../emulator/server';
import { buildAll, entryFor, FUNCTION_NAMES, LAZY_REQUIRES, type BundleSize } from '../scripts/build';
import { runDeployCheck } from '../scripts/deploy-check';
import { checkSchema, patternMatches } from '../scripts/deploy-plan';
import { silentLogger, type Logger } from '../shared/platform/log';
import { ACCOUNT_VENDED_TYPE } from '../functions/vending/event';
import { FN_MEMBERS, FN_MGMT, FN_REGION, HTTP_TOKEN, fnKey, fullSpec, functionsEnv, functionsSeed } from './helpers/functions-world';

const ROOT = path.resolve(__dirname, '..');
const S_YAML = path.join(ROOT, 's.yaml');
const RAW = readFileSync(S_YAML, 'utf8');

/**
 * Seconds each function needs at least: CreateTrail alone is retried for up to 5 minutes (vending,
 * and selfservice's POST /trails); a remediation sweep covers many accounts.
 */
const MIN_TIMEOUT: Record<string, number> = { vending: 300, selfservice: 300, remediation: 600, tamper: 120 };
const TRIGGER_TYPES: Record<string, string[]> = {
  vending: ['eventbridge', 'eventbridge'],
  selfservice: ['http'],
  remediation: ['timer'],
  tamper: ['eventbridge'],
};
const ASYNC_FUNCTIONS = ['vending', 'remediation', 'tamper'];
const FC3_TRIGGER_TYPES = ['cdn_events', 'eventbridge', 'http', 'log', 'mns_topic', 'oss', 'tablestore', 'timer'];
const HTTP_METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'];

type Props = Record<string, any>;
interface Template {
  edition: string;
  name: string;
  vars: Record<string, unknown>;
  actions: Record<string, { run?: string; path?: string }[]>;
  resources: Record<string, { component: string; props: Props }>;
}

const written = parse(RAW) as Template;
const propsOf = (t: Template, name: string): Props => t.resources[name]!.props;
const triggersOf = (t: Template, name: string): Props[] => propsOf(t, name)['triggers'] ?? [];

describe('s.yaml as written', () => {
  it('is a Serverless Devs 3 template with exactly the four functions, each an fc3 resource', () => {
    expect(written.edition).toBe('3.0.0');
    expect(written.name).toMatch(/^[a-z][a-z0-9-]*$/);
    expect(Object.keys(written.resources).sort()).toEqual([...FUNCTION_NAMES].sort());
    for (const name of FUNCTION_NAMES) expect(written.resources[name]!.component, name).toBe('fc3');
  });

  it('runs nodejs20 with handler index.handler from dist/<name>, built from functions/<name>/index.ts', () => {
    for (const name of FUNCTION_NAMES) {
      const props = propsOf(written, name);
      expect(props['runtime'], name).toBe('nodejs20');
      expect(props['handler'], name).toBe('index.handler');
      expect(path.normalize(props['code']), name).toBe(path.join('dist', name));
      // Fails until the handler lands: the code path must have a source that the build turns into it.
      expect(existsSync(path.join(ROOT, entryFor(name))), `${entryFor(name)} exists`).toBe(true);
    }
  });

  it('builds before deploying, with the project build script', () => {
    const steps = written.actions['pre-deploy'] ?? [];
    expect(steps.map((s) => s.run)).toContain('npm ci && npm run build');
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['build']).toBe('tsx scripts/build.ts');
  });

  it('uses only the s magic variables it defines, and defines none it does not use', () => {
    const expressions = [...RAW.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1]!);
    const unknownKinds = expressions.filter((e) => !/^(vars\.[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)?|env\('[A-Z0-9_]+', '[^']*'\)|config\('AccountID'\))$/.test(e));
    expect(unknownKinds).toEqual([]);
    const referenced = new Set(expressions.filter((e) => e.startsWith('vars.')).map((e) => e.slice('vars.'.length).split('.')[0]!));
    const defined = new Set(Object.keys(written.vars));
    expect([...referenced].filter((v) => !defined.has(v))).toEqual([]);
    expect([...defined].filter((v) => !referenced.has(v))).toEqual([]);
  });

  it('sizes memory and timeouts within fc3 limits and above what the code needs', () => {
    for (const name of FUNCTION_NAMES) {
      const { memorySize, timeout } = propsOf(written, name);
      expect(Number.isInteger(memorySize) && memorySize % 64 === 0 && memorySize >= 128 && memorySize <= 32768, `${name} memorySize ${memorySize}`).toBe(true);
      expect(Number.isInteger(timeout) && timeout <= 86400, `${name} timeout ${timeout}`).toBe(true);
      expect(timeout, `${name} timeout`).toBeGreaterThanOrEqual(MIN_TIMEOUT[name]!);
    }
  });

  it('gives each function the triggers of its kind, uniquely named', () => {
    for (const name of FUNCTION_NAMES) {
      const triggers = triggersOf(written, name);
      expect(triggers.map((t) => t['triggerType']), name).toEqual(TRIGGER_TYPES[name]);
      for (const t of triggers) {
        expect(FC3_TRIGGER_TYPES).toContain(t['triggerType']);
        expect(t['triggerName'], name).toMatch(/^[A-Za-z0-9_-]{1,128}$/);
        expect(t['triggerConfig'], `${name}/${t['triggerName']}`).toBeTypeOf('object');
      }
      expect(new Set(triggers.map((t) => t['triggerName'])).size).toBe(triggers.length);
    }
  });

  it('protects the HTTP trigger with FC signature auth and tells the code so', () => {
    const [http] = triggersOf(written, 'selfservice');
    expect(http!['triggerConfig'].authType).toBe('function');
    expect(http!['triggerConfig'].authType).not.toBe('anonymous');
    expect(http!['triggerConfig'].methods.length).toBeGreaterThan(0);
    for (const m of http!['triggerConfig'].methods) expect(HTTP_METHODS).toContain(m);
    expect(propsOf(written, 'selfservice')['environmentVariables'].TRAIL_HTTP_AUTH).toBe('fc');
  });

  it('runs the remediation sweep on an enabled six-field cron with a payload the function accepts', async () => {
    const { parseRemediationEvent } = await import('../functions/remediation/event');
    const [timer] = triggersOf(written, 'remediation');
    const config = timer!['triggerConfig'];
    expect(config.enable).toBe(true);
    expect(String(config.cronExpression).trim().split(/\s+/)).toHaveLength(6);
    // The event FC's timer trigger sends: {triggerTime, triggerName, payload}.
    const event = { triggerTime: '2024-01-01T00:17:00Z', triggerName: timer!['triggerName'], payload: config.payload };
    expect(parseRemediationEvent(Buffer.from(JSON.stringify(event)))).toEqual({ kind: 'run', run: expect.objectContaining({ dryRun: false }), trigger: 'sweep' });
  });

  it('dead-letters failed asynchronous invocations after bounded retries', () => {
    for (const name of ASYNC_FUNCTIONS) {
      const async = propsOf(written, name)['asyncInvokeConfig'];
      expect(async, name).toBeDefined();
      expect(async.destinationConfig.onFailure.destination, name).toMatch(/^acs:(mns|fc):/);
      expect(async.maxAsyncRetryAttempts).toBeGreaterThanOrEqual(0);
      expect(async.maxAsyncRetryAttempts).toBeLessThanOrEqual(8);
      expect(async.maxAsyncEventAgeInSeconds).toBeGreaterThanOrEqual(1);
      expect(async.maxAsyncEventAgeInSeconds).toBeLessThanOrEqual(2592000);
    }
    // EventBridge hands vending events over asynchronously, so they get those retries too.
    for (const t of triggersOf(written, 'vending')) expect(t['triggerConfig'].asyncInvocationType).toBe(true);
  });
});

describe('s.yaml as rendered by `s preview`', () => {
  const ACCOUNT_ID = '1234567890123456';
  let home: string;
  let rendered: Template;

  beforeAll(() => {
    home = mkdtempSync(path.join(os.tmpdir(), 's-home-'));
    const sBin = path.join(ROOT, 'node_modules', '@serverless-devs', 's', 'bin', 's');
    // A throw-away HOME and an access given through the environment: nothing is read from or written
    // to the developer's ~/.s, and no TRAIL_* variable of the caller changes the defaults checked here.
    const result = spawnSync(process.execPath, [sBin, 'preview', '-t', S_YAML, '-o', 'json', '--silent'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 20_000,
      env: {
        PATH: process.env['PATH'],
        HOME: home,
        AccessKeyID: 'LTAI5tFakeKeyForPreview',
        AccessKeySecret: 'fake-secret-for-preview-only-000',
        AccountID: ACCOUNT_ID,
      },
    });
    expect(result.status, result.stderr).toBe(0);
    rendered = JSON.parse(result.stdout) as Template;
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('resolves every magic variable', () => {
    expect(JSON.stringify(rendered)).not.toContain('${');
    expect(Object.keys(rendered.resources).sort()).toEqual([...FUNCTION_NAMES].sort());
  });

  it('names the functions <prefix>-<name> and runs each under its own role (vars.roles) in the deploying account', () => {
    const roles = rendered.vars['roles'] as Record<string, string>;
    expect(Object.keys(roles).sort()).toEqual([...FUNCTION_NAMES].sort());
    for (const name of FUNCTION_NAMES) {
      const props = propsOf(rendered, name);
      expect(props['functionName']).toBe(`trail-provisioner-${name}`);
      expect(props['role']).toBe(roles[name]);
      expect(props['role']).toBe(`acs:ram::${ACCOUNT_ID}:role/trail-provisioner-${name}`);
      expect(props['region']).toBe('cn-hangzhou');
    }
    expect(new Set(FUNCTION_NAMES.map((n) => propsOf(rendered, n)['role'])).size).toBe(FUNCTION_NAMES.length);
  });

  it('passes the vendored fc3 schema as `s verify` checks it, and every trigger config strictly against its type', () => {
    expect(checkSchema(rendered)).toEqual([]);
  });

  it('the strict check catches what fc3 schema alone lets through (an EventBridge trigger without sink, run options, source parameters)', () => {
    const broken = structuredClone(rendered);
    const config = propsOf(broken, 'vending')['triggers'][0].triggerConfig;
    delete config.eventSinkConfig;
    delete config.runOptions;
    delete config.eventSourceConfig.eventSourceParameters;
    const problems = checkSchema(broken);
    for (const missing of ['eventSinkConfig', 'runOptions', 'eventSourceParameters']) expect(problems.join('\n')).toMatch(new RegExp(`vending: /triggers/0/triggerConfig \\(rd-account-created, eventbridge\\).*${missing}.*IEventBridge, strict`));
    // A typo and a config of another trigger type are refused too; the props themselves still follow fc3's schema.
    const typo = structuredClone(rendered);
    propsOf(typo, 'selfservice')['triggers'][0].triggerConfig.authTpye = 'function';
    expect(checkSchema(typo).join('\n')).toMatch(/selfservice: \/triggers\/0\/triggerConfig \(http, http\).*additionalProperty.*authTpye/);
    const mixed = structuredClone(rendered);
    propsOf(mixed, 'remediation')['triggers'][0].triggerType = 'http';
    expect(checkSchema(mixed).join('\n')).toMatch(/remediation: \/triggers\/0\/triggerConfig \(sweep, http\)/);
    const memory = structuredClone(rendered);
    propsOf(memory, 'vending')['memorySize'] = 500;
    expect(checkSchema(memory).join('\n')).toMatch(/vending: \/memorySize must be multiple of 64/);
  });

  it('gives each function environment variables FC accepts and shared/platform/config.ts loads', async () => {
    // Imported here so a change in the runtime code fails this check alone, not the whole file.
    const { loadConfig } = await import('../shared/platform/config');
    for (const name of FUNCTION_NAMES) {
      const env = propsOf(rendered, name)['environmentVariables'] as Record<string, string>;
      // No --enable-source-maps: the maps are not shipped, and loading them cost cold starts (docs/bench.md).
      expect(env['NODE_OPTIONS'], name).toBeUndefined();
      for (const [key, value] of Object.entries(env)) {
        expect(key, name).toMatch(/^[A-Za-z][A-Za-z0-9_]*$/);
        expect(key.startsWith('FC_'), `${name} ${key}`).toBe(false);
        expect(value, `${name} ${key}`).toBeTypeOf('string');
      }
      const bytes = Object.entries(env).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
      expect(bytes, `${name} environment size`).toBeLessThanOrEqual(4096);
      const config = loadConfig(env);
      expect(config.region).toBe(propsOf(rendered, name)['region']);
      // Every function knows the baseline: vending and remediation apply it, self-service needs its
      // names and destinations to refuse protected trails (guardrails).
      expect(config.baseline.kind).toBe('inline');
      expect(config.policy.kind).toBe('inline');
    }
    const remediation = loadConfig(propsOf(rendered, 'remediation')['environmentVariables']);
    expect(remediation.accounts).toEqual({ kind: 'rd' });
    expect(remediation.workerFunction).toBe(propsOf(rendered, 'remediation')['functionName']);
    expect(loadConfig(propsOf(rendered, 'selfservice')['environmentVariables']).http).toMatchObject({ auth: 'fc', accounts: { kind: 'none' } });
  });

  it('holds a baseline that passes the trail-spec schema, with write roles in the deploying account', async () => {
    const { validateSpecs } = await import('../shared/core/schema');
    const specs = validateSpecs(JSON.parse(String(rendered.vars['baseline'])));
    expect(specs.length).toBeGreaterThan(0);
    for (const spec of specs) {
      for (const arn of [spec.OssWriteRoleArn, spec.SlsWriteRoleArn, spec.MaxComputeWriteRoleArn]) {
        if (arn) expect(arn).toMatch(new RegExp(`^acs:ram::${ACCOUNT_ID}:role/`));
      }
    }
  });

  it('filters EventBridge events to exactly those the vending function handles', async () => {
    const { loadConfig } = await import('../shared/platform/config');
    const events = await import('../functions/vending/event');
    const [rd, vending] = triggersOf(rendered, 'vending');
    const rdPattern = JSON.parse(rd!['triggerConfig'].eventRuleFilterPattern);
    expect(rdPattern).toEqual(JSON.parse(String(rendered.vars['rdAccountCreatedPattern'])));
    // The documented ActionTrail event types (EventBridge "ActionTrail events"), and only ones the parser accepts.
    expect(rdPattern.type).toEqual(['actiontrail:ActionTrail:ApiCall', 'actiontrail:ActionTrail:ConsoleOperation']);
    for (const type of rdPattern.type) expect(events.RD_API_CALL_TYPES.has(type)).toBe(true);
    expect([...rdPattern.data.eventName].sort()).toEqual([...events.RD_ACCOUNT_CREATED_EVENTS].sort());
    expect(rd!['triggerConfig'].eventSourceConfig.eventSourceType).toBe('Default');
    // An ActionTrail record of CreateResourceAccount, shaped as the doc's ApiCall sample: matched and accepted.
    for (const type of rdPattern.type) {
      const event = { id: 'evt-1', specversion: '1.0', source: 'acs.actiontrail', type, data: { eventName: 'CreateResourceAccount', eventType: 'ApiCall', serviceName: 'ResourceManager', isGlobal: true, responseElements: { Account: { AccountId: '1234567890123457' } } } };
      expect(patternMatches(rdPattern, event), type).toBe(true);
      expect(events.toVendingRequest(event, 'x')).toMatchObject({ accountId: '1234567890123457', origin: 'resource-directory' });
    }
    expect(patternMatches(rdPattern, { type: 'actiontrail:ActionTrail:ApiCall', data: { eventName: 'CreateCloudAccount' } })).toBe(false);

    const vendingPattern = JSON.parse(vending!['triggerConfig'].eventRuleFilterPattern);
    const env = propsOf(rendered, 'vending')['environmentVariables'];
    expect(vendingPattern.source).toEqual([env.TRAIL_VENDING_SOURCE]);
    expect(vendingPattern.type).toEqual([events.ACCOUNT_VENDED_TYPE]);
    expect(loadConfig(env).vendingSource).toBe(env.TRAIL_VENDING_SOURCE);
    expect(vending!['sourceArn']).toMatch(new RegExp(`^acs:eventbridge:cn-hangzhou:${ACCOUNT_ID}:eventbus/[^/]+/rule/[^/]+$`));
  });

  it('deploy:check passes on s.yaml, prints what a deploy would create, and fails on a wrong name', () => {
    const ok = runDeployCheck(['--account', ACCOUNT_ID], {});
    const text = ok.out.join('\n');
    expect(ok.code, text).toBe(0);
    expect(text).toMatch(/fc3 schema \(as s verify\) and strict trigger configs: OK/);
    expect(text).toMatch(/policies\/\*\.json match this deployment: OK/);
    for (const name of FUNCTION_NAMES) {
      expect(text).toContain(`  trail-provisioner-${name}  [${name}] nodejs20`);
      expect(text).toContain(`  acs:ram::${ACCOUNT_ID}:role/trail-provisioner-${name}  policy policies/${name}.json`);
    }
    expect(text).toMatch(/trail-provisioner-vending\/rd-account-created {2}eventbridge: default bus, async/);
    expect(text).toMatch(/trail-provisioner-remediation\/sweep {2}timer: cron 0 17 \* \* \* \*/);
    expect(text).toMatch(/note: vending: 2 EventBridge triggers.*--trigger <name>/);

    // A prefix override renames the functions: the checked-in policies no longer fit and the check says which.
    const renamed = runDeployCheck(['--account', ACCOUNT_ID], { TRAIL_PREFIX: 'other' });
    expect(renamed.code).toBe(1);
    expect(renamed.out.join('\n')).toMatch(/policies\/\*\.json differ from what this deployment needs: .*remediation\.json/);
    // ... and --write-policies writes the ones it needs.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'policies-'));
    try {
      expect(runDeployCheck(['--account', ACCOUNT_ID, '--write-policies', dir], { TRAIL_PREFIX: 'other' }).code).toBe(0);
      expect(readFileSync(path.join(dir, 'remediation.json'), 'utf8')).toContain('acs:fc:cn-hangzhou:*:functions/other-remediation');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    // A template whose worker is not the function itself, sharing a role, and with an RD pattern the parser refuses.
    const bad = RAW.replace('TRAIL_WORKER_FUNCTION: ${vars.prefix}-remediation', 'TRAIL_WORKER_FUNCTION: trail-remediation')
      .replace('role: ${vars.roles.selfservice}', 'role: ${vars.roles.vending}')
      .replace('"type":["actiontrail:ActionTrail:ApiCall","actiontrail:ActionTrail:ConsoleOperation"]', '"type":["resourcemanager:Account:Created"]')
      .replace("eventRouteBus: ${env('TRAIL_EVENT_ROUTE_BUS', 'default')}", 'eventRouteBus: audit-bus')
      // Six plain names: past the rule models' "up to five expressions in each field" if values count.
      .replace('"data":{"eventName":["StopLogging",{"suffix":"Trail"},{"suffix":"DataEventSelector"}]}', '"data":{"eventName":["StopLogging","DeleteTrail","UpdateTrail","CreateTrail","PutDataEventSelector","DeleteDataEventSelector"]}');
    const badFile = path.join(ROOT, `s.check-${process.pid}.yaml`);
    writeFileSync(badFile, bad);
    try {
      const failed = runDeployCheck(['--account', ACCOUNT_ID, '--template', badFile], {});
      const out = failed.out.join('\n');
      expect(failed.code).toBe(1);
      expect(out).toMatch(/remediation: TRAIL_WORKER_FUNCTION trail-remediation is not the function itself \(trail-provisioner-remediation\)/);
      expect(out).toMatch(/selfservice: role .*trail-provisioner-vending is not vars\.roles\.selfservice/);
      expect(out).toMatch(/selfservice: shares its role/);
      expect(out).toMatch(/vending\/rd-account-created: event types \["resourcemanager:Account:Created"\] are not ones functions\/vending\/event\.ts accepts/);
      expect(out).toMatch(/tamper\/actiontrail-trail-writes: listens on the default bus, but the member event routes deliver to audit-bus/);
      expect(out).toMatch(/tamper\/actiontrail-trail-writes: data\.eventName \["StopLogging","DeleteTrail",.*\] must be \["StopLogging",\{"suffix":"Trail"\},\{"suffix":"DataEventSelector"\}\], or at most five of/);
      expect(out).toMatch(/deploy:check FAILED/);
    } finally {
      rmSync(badFile, { force: true });
    }
  });

  it('sends failed asynchronous invocations to an MNS queue in the function region', () => {
    for (const name of ASYNC_FUNCTIONS) {
      expect(propsOf(rendered, name)['asyncInvokeConfig'].destinationConfig.onFailure.destination).toMatch(
        /^acs:mns:cn-hangzhou:\d*:\/queues\/[A-Za-z0-9-]{1,120}\/messages$/,
      );
    }
    // Whichever way asyncInvocationType is read (docs/deploy.md), a failed vending event ends in the same queue:
    // FC's async failure destination, or EventBridge's dead-letter queue after its push retries.
    const queue = /\/queues\/([^/]+)\/messages$/.exec(propsOf(rendered, 'vending')['asyncInvokeConfig'].destinationConfig.onFailure.destination)![1];
    for (const t of triggersOf(rendered, 'vending')) {
      expect(t['triggerConfig'].runOptions.deadLetterQueue.Arn).toBe(`acs:mns:cn-hangzhou:${ACCOUNT_ID}:/queues/${queue}`);
      expect(t['triggerConfig'].runOptions.retryStrategy.PushRetryStrategy).toBe('EXPONENTIAL_DECAY_RETRY');
    }
  });
});

describe('trust policies', () => {
  const load = (file: string) => JSON.parse(readFileSync(path.join(ROOT, 'policies', file), 'utf8'));
  const principalOf = (policy: any) => {
    expect(policy.Version).toBe('1');
    expect(policy.Statement).toHaveLength(1);
    const [statement] = policy.Statement;
    expect(statement.Effect).toBe('Allow');
    expect(statement.Action).toBe('sts:AssumeRole');
    return statement.Principal;
  };

  it('lets Function Compute assume the function role', () => {
    expect(principalOf(load('trust-fc.json'))).toEqual({ Service: ['fc.aliyuncs.com'] });
  });

  it('lets ActionTrail assume the delivery write roles', () => {
    expect(principalOf(load('trust-actiontrail.json'))).toEqual({ Service: ['actiontrail.aliyuncs.com'] });
  });

  it("lets members' EventBridge assume the receiver role of the member event route (one member named; the code adds the others)", () => {
    expect(principalOf(load('trust-event-route.json'))).toEqual({ Service: ['MEMBER_ACCOUNT_ID@eventbridge.aliyuncs.com'] });
  });

  it('lets the management account assume the member-account role', () => {
    expect(principalOf(load('trust-member-account.json'))).toEqual({ RAM: ['acs:ram::<management-account-id>:root'] });
  });
});

/** Copies a built function directory alone (as FC receives it) into a new directory under `tmp` and imports it there. */
async function loadIsolated(builtDir: string, tmp: string): Promise<Record<string, unknown>> {
  const isolated = mkdtempSync(path.join(tmp, 'fc-code-'));
  cpSync(builtDir, isolated, { recursive: true });
  return (await import(pathToFileURL(path.join(isolated, 'index.js')).href)) as Record<string, unknown>;
}

describe('buildAll', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'trail-build-'));
  const outDir = path.join(tmp, 'dist');
  let sizes: BundleSize[];
  const loaded: Record<string, Record<string, unknown>> = {};
  beforeAll(async () => {
    sizes = await buildAll({ outDir });
    for (const size of sizes) loaded[size.name] = await loadIsolated(path.join(outDir, size.name), tmp);
  }, 120_000);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('refuses to build when a function entry is missing, naming it', async () => {
    const root = path.join(tmp, 'empty');
    mkdirSync(path.join(root, 'functions', 'present'), { recursive: true });
    writeFileSync(path.join(root, 'functions', 'present', 'index.ts'), 'export const handler = () => 1;\n');
    await expect(buildAll({ rootDir: root, functions: ['present', 'absent'] })).rejects.toThrow(
      /missing function entry file\(s\) functions[/\\]absent[/\\]index\.ts/,
    );
    expect(existsSync(path.join(root, 'dist'))).toBe(false);
  });

  it('builds every deployed function into an ES module directory that loads on its own and exports handler', () => {
    expect(sizes.map((s) => s.name)).toEqual([...FUNCTION_NAMES]);
    for (const size of sizes) {
      const dir = path.join(outDir, size.name);
      expect(size.file).toBe(path.join(dir, 'index.js'));
      // FC runs .js as ES modules when the code directory's package.json says so.
      expect(JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'))).toEqual({ type: 'module' });
      const files = readdirSync(dir);
      const chunks = readdirSync(path.join(dir, 'chunks')).filter((f) => f.endsWith('.js'));
      expect(size.bytes).toBe(statSync(size.file).size);
      expect(size.chunks).toBe(chunks.length);
      expect(size.chunkBytes).toBe(chunks.reduce((n, f) => n + statSync(path.join(dir, 'chunks', f)).size, 0));
      // Packages @darabonba/typescript requires but our calls rarely use: each its own CommonJS file, required by its stand-in on first use.
      const lazyRequire = createRequire(path.join(dir, 'chunks', 'index.js'));
      const lazy = Object.values(LAZY_REQUIRES).flat();
      expect(size.lazyFiles).toBe(lazy.length);
      expect(lazyRequire('./lazy/lodash.cjs').merge).toBeTypeOf('function');
      expect(lazyRequire('./lazy/xml2js.cjs').Parser).toBeTypeOf('function');
      expect(lazyRequire('./lazy/moment.cjs')).toBeTypeOf('function');
      expect(lazyRequire('./lazy/ws.cjs')).toBeTypeOf('function');
      // Source maps ship apart (docs/bench.md): none in the uploaded directory, all under sourcemaps/<name>/.
      expect(readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.map'))).toEqual([]);
      expect(size.mapDir).toBe(path.join(outDir, 'sourcemaps', size.name));
      const maps = readdirSync(size.mapDir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js.map'));
      expect(maps).toContain('index.js.map');
      expect(maps.length).toBe(chunks.length + 1);
      expect(size.mapBytes).toBe(maps.reduce((n, f) => n + statSync(path.join(size.mapDir, f)).size, 0));
      // The comment stays: put the maps back beside a copy of the code and node --enable-source-maps reads them.
      expect(readFileSync(size.file, 'utf8')).toMatch(/\/\/# sourceMappingURL=index\.js\.map\s*$/);
      // The SLS SDK's native lz4 addon is copied beside the code, inside the uploaded directory.
      const native = files.filter((f) => f.endsWith('.node'));
      expect(native.length, `${size.name} native addon`).toBeGreaterThan(0);
      expect(size.assetBytes).toBe(native.reduce((n, f) => n + statSync(path.join(dir, f)).size, 0));
      expect(loaded[size.name]!['handler'], size.name).toBeTypeOf('function');
      // The entry holds the project's code only: no SDK (each is a chunk, loaded on first call).
      const entry = readFileSync(size.file, 'utf8');
      for (const sdk of ['@alicloud/openapi-core', 'ali-oss', 'urllib', '@alicloud/sls20201230', '@alicloud/credentials', 'ajv/dist/compile']) {
        expect(entry.includes(`node_modules/${sdk}/`), `${size.name} entry bundles ${sdk}`).toBe(false);
      }
    }
  });

  it('the bundled self-service function answers /healthz', async () => {
    const handler = loaded['selfservice']!['handler'] as (event: Buffer, context: unknown) => Promise<{ statusCode: number; body: string }>;
    const event = { version: 'v1', rawPath: '/healthz', headers: {}, queryParameters: {}, body: '', isBase64Encoded: false, requestContext: { http: { method: 'GET', path: '/healthz' } } };
    const response = await handler(Buffer.from(JSON.stringify(event)), { requestId: 'deploy-test', region: 'cn-hangzhou', function: { timeout: 60 } });
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ status: 'ok' });
  });

  it('the bundled self-service function serves the console from console/ in its code directory, read on first use', async () => {
    const dir = path.join(outDir, 'selfservice');
    for (const f of ['index.html', 'console.js', 'console.css']) expect(readFileSync(path.join(dir, 'console', f), 'utf8')).toBe(readFileSync(path.join('console', f), 'utf8'));
    // The entry holds neither the files nor the code that reads them (a chunk, imported on GET /).
    const entry = readFileSync(path.join(dir, 'index.js'), 'utf8');
    expect(entry).not.toContain('Trail provisioner console');
    expect(entry).not.toContain('content-security-policy');
    const handler = loaded['selfservice']!['handler'] as (event: Buffer, context: unknown) => Promise<{ statusCode: number; headers: Record<string, string>; body: string }>;
    const event = { version: 'v1', rawPath: '/', headers: {}, queryParameters: {}, body: '', isBase64Encoded: false, requestContext: { http: { method: 'GET', path: '/' } } };
    const response = await handler(Buffer.from(JSON.stringify(event)), { requestId: 'deploy-test', region: 'cn-hangzhou', function: { timeout: 60 } });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-security-policy']).toContain("script-src 'self'");
    expect(response.body).toBe(readFileSync('console/index.html', 'utf8'));
  });

  it('the bundles run every flow against the emulator, loading each SDK chunk and the native addon', async () => {
    const emu = await createEmulator({ seed: functionsSeed() });
    try {
      const env = functionsEnv(emu);
      const [member] = FN_MEMBERS as [string];
      const context = (fn: string) => ({ requestId: `bundle-${fn}`, region: FN_REGION, accountId: FN_MGMT, credentials: fnKey(FN_MGMT), function: { name: fn, timeout: 120 } });
      type Factory = (deps: { env: NodeJS.ProcessEnv; logger: Logger }) => (event: Buffer, context: unknown) => Promise<any>;
      const make = (fn: string) => (loaded[fn]!['createHandler'] as Factory)({ env, logger: silentLogger });

      // Self-service: every destination kind (ActionTrail, OSS, SLS with its lz4 addon, MaxCompute, RAM).
      const http = await make('selfservice')(
        Buffer.from(JSON.stringify({
          version: 'v1', rawPath: '/trails', isBase64Encoded: false, queryParameters: {},
          headers: { 'content-type': 'application/json', authorization: `Bearer ${HTTP_TOKEN}` },
          body: JSON.stringify(fullSpec(FN_MGMT, 'bundle-http-full')),
          requestContext: { requestId: 'bundle-http', http: { method: 'POST', path: '/trails' } },
        })),
        context('selfservice'),
      );
      expect(http.statusCode, http.body).toBe(201);
      expect(JSON.parse(http.body)).toMatchObject({ done: ['CreateTrail', 'StartLogging'], status: { IsLogging: true } });

      // Vending: STS AssumeRole into the member, then the same destinations there.
      const vended = await make('vending')(
        Buffer.from(JSON.stringify({ id: 'evt-bundle', source: env['TRAIL_VENDING_SOURCE'] ?? 'acs.custom.account-vending', type: ACCOUNT_VENDED_TYPE, specversion: '1.0', data: { accountId: member, specs: [fullSpec(member, 'bundle-vended')] } })),
        context('vending'),
      );
      expect(vended).toMatchObject([{ accountId: member, ok: true }]);

      // Remediation: Resource Directory ListAccounts, the baseline from OSS, every account fixed.
      const report = await make('remediation')(Buffer.from(JSON.stringify({ triggerTime: '2026-01-01T00:00:00Z', triggerName: 'sweep', payload: '' })), context('remediation'));
      expect(report.accounts).toBe(1 + FN_MEMBERS.length);
      expect(report.failed).toEqual([]);
      expect(report.counts.missing).toBe(1 + FN_MEMBERS.length);
      expect(report.fixed).toBe(1 + FN_MEMBERS.length);
    } finally {
      await emu.close();
    }
  }, 120_000); // three functions end to end, each loading its SDK chunks cold: 49 s measured on a shared 2-core machine at load 18
});
