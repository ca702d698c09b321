/**
 * The CreateTrail doc's own example request, every parameter of its "Example" column, provisions
 * through the real pipeline (ensureTrail: validate, observe, plan, preflight, CreateTrail,
 * StartLogging, verify) against the emulator, in a freshly vended account that has no RAM roles
 * at all: the example names ActionTrail's service-linked role (aliyunserviceroleforactiontrail),
 * which ActionTrail creates itself, so preflight must not require it in RAM. The CreateTrail
 * response then carries exactly the doc's response elements.
 *
 * The example is read from the doc beside the checkout (../shared/seed/CreateTrail-api.txt), its
 * masked account ids ("***", "15127787691****") replaced by one real-looking account id and the
 * masked SLS project name by the response example's "test-project". Without the doc the test is
 * skipped and says why.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../emulator/server';
import { createCloud } from '../shared/cloud';
import { staticCredentials } from '../shared/cloud/credentials';
import { ensureTrail } from '../shared/core/provisioner';

const DOC = path.resolve(__dirname, '../../shared/seed/CreateTrail-api.txt');
const haveDoc = existsSync(DOC);
const needsDoc = haveDoc ? '' : ` [skipped: ${DOC} not found; the doc sits beside the checkout in CI]`;

/** 15 digits, as the doc's "15127787691****". */
const ACCT = '151277876911234';
const KEY = { accessKeyId: 'LTAIdocExample0001', accessKeySecret: 'doc-example-secret-0123456789ab' };

/** The "Example" cell of each row of the doc's "Request parameters" table. */
export function requestExample(text: string): Record<string, string> {
  const section = text.slice(text.indexOf('Request parameters'), text.indexOf('For more information, see Common parameters'));
  const rows = section.split(/\n(?=[A-Za-z]+ \| (?:string|boolean|integer|long) \| (?:Yes|No) \|)/).slice(1);
  const out: Record<string, string> = {};
  for (const row of rows) {
    const cells = row.replace(/\n/g, ' ').split('|').map((c) => c.trim());
    const example = cells.filter((c) => c !== '').at(-1)!;
    out[cells[0]!] = example;
  }
  return out;
}

/** The JSON of the doc's "Success response" example. */
export function responseExample(text: string): Record<string, string> {
  const json = text.slice(text.indexOf('{', text.indexOf('Success response')), text.indexOf('}Error codes') + 1);
  return JSON.parse(json) as Record<string, string>;
}

/** The doc's masks replaced: account ids by ACCT, the SLS project by "test-project". */
function unmask(v: string): string {
  return v
    .replace(/\d+\*{4}/g, ACCT)
    .replace(/actiontrail_\*+/g, `actiontrail_${ACCT}`)
    .replace(/project\/\*+/g, 'project/test-project')
    .replace(/\*{3}/g, ACCT);
}

let emu: Emulator;

beforeAll(async () => {
  emu = await createEmulator({
    seed: {
      defaultRegion: 'cn-hangzhou',
      accounts: [
        {
          id: ACCT,
          accessKeys: [KEY],
          // Freshly vended: no RAM roles, so no service-linked role yet.
          roles: [],
          buckets: [{ name: 'audit-log', region: 'cn-hangzhou' }],
          slsProjects: [{ name: 'test-project', region: 'cn-shanghai', logstores: [], createTime: '2026-01-01T00:00:00Z' }],
        },
      ],
    },
  });
});

afterAll(async () => {
  await emu?.close();
});

describe('the CreateTrail doc example', () => {
  it('parses the example request and response of a doc-shaped text', () => {
    const text =
      'Request parameters\nParameter | Type | Required | Description | Example |\nName | string | Yes | The name. Note\n| trail-test |\n' +
      'EventRW | string | No | Valid values:\n| Write |\nFor more information, see Common parameters.\nSuccess response\nJSON format\n{\n"Name": "trail-test"\n}Error codes\n';
    expect(requestExample(text)).toEqual({ Name: 'trail-test', EventRW: 'Write' });
    expect(responseExample(text)).toEqual({ Name: 'trail-test' });
  });

  it.skipIf(!haveDoc)(`provisions the example request in an account without the service-linked role, answering the doc's response elements${needsDoc}`, async () => {
    const text = readFileSync(DOC, 'utf8');
    const raw = requestExample(text);
    expect(Object.keys(raw)).toEqual([
      'Name', 'OssBucketName', 'OssKeyPrefix', 'OssWriteRoleArn', 'SlsProjectArn', 'SlsWriteRoleArn',
      'EventRW', 'TrailRegion', 'IsOrganizationTrail', 'MaxComputeProjectArn', 'MaxComputeWriteRoleArn',
    ]);
    const request: Record<string, unknown> = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, unmask(v)]));
    request['IsOrganizationTrail'] = raw['IsOrganizationTrail'] === 'true';
    expect(request).toMatchObject({
      Name: 'trail-test',
      OssWriteRoleArn: `acs:ram::${ACCT}:role/aliyunserviceroleforactiontrail`,
      SlsProjectArn: 'acs:log:cn-shanghai::project/test-project',
      MaxComputeProjectArn: `acs:odps:cn-hangzhou:${ACCT}:project/actiontrail_${ACCT}`,
      IsOrganizationTrail: false,
    });

    const cloud = createCloud({ region: 'cn-hangzhou', accountId: ACCT, credentials: staticCredentials(KEY), env: { TRAIL_EMULATOR_URL: emu.url } });
    const from = emu.world.calls.length;
    const result = await ensureTrail(request, cloud, { retry: { deadline: Date.now() + 20_000 } });

    expect(result.done).toEqual(['CreateTrail', 'StartLogging']);
    expect(result.status?.IsLogging).toBe(true);
    expect(result.destinations.filter((d) => d.kind === 'role').map((d) => d.result)).toEqual(['service-linked', 'service-linked', 'service-linked']);
    const calls = emu.world.calls.slice(from).map((c) => `${c.service}:${c.action}`);
    expect(calls.some((c) => c.startsWith('ram:'))).toBe(false);
    expect(calls).toContain('actiontrail:CreateTrail');

    // The CreateTrail response: exactly the doc's response elements, with the request's values.
    const doc = responseExample(text);
    const created = { ...result.trail } as Record<string, unknown>;
    expect(Object.keys(created).sort()).toEqual(Object.keys(doc).sort());
    expect(created['RequestId']).toMatch(/^[0-9A-F-]{36}$/);
    expect(created['HomeRegion']).toBe(doc['HomeRegion']);
    for (const k of Object.keys(doc).filter((k) => k !== 'RequestId' && k !== 'HomeRegion')) {
      expect(created[k], k).toBe(request[k]);
    }
    // As the doc says, ActionTrail created the Logstore and the MaxCompute project.
    const acct = emu.world.accounts.get(ACCT)!;
    expect(acct.slsProjects[0]!.logstores).toEqual(['actiontrail_trail-test']);
    expect(acct.mcProjects.map((p) => p.name)).toEqual([`actiontrail_${ACCT}`]);

    // A re-run is a no-op: nothing the server filled in reads as drift.
    const again = await ensureTrail(request, cloud);
    expect(again.classification).toBe('compliant');
    expect(again.done).toEqual([]);
  });
});
