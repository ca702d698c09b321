/**
 * Per-spec overhead: ensureTrail for a new trail against the emulator at zero latency, against
 * the same minimal sequence of calls made directly with the official SDK clients
 * (DescribeTrails, GetBucketInfo, CreateTrail, StartLogging, GetTrailStatus), N specs each,
 * interleaved. Both sides build their SDK clients once and reuse them; the difference is what
 * the project adds per spec (validation, planning, retry wrapper, logging, result building).
 *
 * Then API calls per spec, counted from the emulator's call log, for a new, a compliant, a
 * stopped and a drifted trail, next to the minimum any correct tool needs.
 */
import Credential, { Config as CredentialConfig } from '@alicloud/credentials';
import OpenApi, { $OpenApiUtil, OpenApiUtil } from '@alicloud/openapi-core';
import { loadAliOss } from '../shared/cloud/sdks';
import { createEmulator } from '../emulator/server';
import { createCloud } from '../shared/cloud';
import { staticCredentials } from '../shared/cloud/credentials';
import { endpointFor } from '../shared/cloud/endpoints';
import { createLogger } from '../shared/platform/log';
import { ensureTrail } from '../shared/core/provisioner';
import { median, since } from './stats';
import { KEY, MGMT, REGION, singleAccountSeed } from './world';

export interface CallCount {
  case: 'new' | 'compliant' | 'stopped' | 'drifted';
  calls: string[];
  minimum: string[];
  why: string;
}

export interface OverheadResult {
  specs: number;
  ensureMs: number[];
  rawMs: number[];
  /** median(ensure) / median(raw). */
  ratio: number;
  counts: CallCount[];
}

type Runtime = Parameters<OpenApi['callApi']>[2];

/** The raw sequence: the five calls, straight on the SDK clients, no project code in between. */
async function rawClients(env: NodeJS.ProcessEnv) {
  const at = endpointFor('actiontrail', REGION, { env });
  const credential = new Credential(new CredentialConfig({ type: 'access_key', accessKeyId: KEY.accessKeyId, accessKeySecret: KEY.accessKeySecret }));
  const trail = new OpenApi(new $OpenApiUtil.Config({ credential, endpoint: at.endpoint, protocol: at.protocol, regionId: REGION }));
  const os = endpointFor('oss', REGION, { env });
  // ali-oss, V4-signed, as shared/cloud/oss.ts uses it (OSS refuses V1 for new accounts and buckets).
  const AliOss = await loadAliOss();
  const oss = new AliOss({ accessKeyId: KEY.accessKeyId, accessKeySecret: KEY.accessKeySecret, endpoint: `${os.protocol}://${os.endpoint}`, region: `oss-${REGION}`, authorizationV4: true, retryMax: 0 });
  const call = async (action: string, query: Record<string, string>) => {
    const params = new $OpenApiUtil.Params({ action, version: '2020-07-06', protocol: 'HTTPS', pathname: '/', method: 'POST', authType: 'AK', style: 'RPC', reqBodyType: 'formData', bodyType: 'json' });
    const res = await trail.callApi(params, new $OpenApiUtil.OpenApiRequest({ query: OpenApiUtil.query(query) }), {} as Runtime);
    return res['body'] as Record<string, unknown>;
  };
  return async (name: string, bucket: string): Promise<void> => {
    const list = await call('DescribeTrails', { NameList: name, IncludeOrganizationTrail: 'false' });
    if ((list['TrailList'] as unknown[]).length !== 0) throw new Error('raw: trail exists');
    await oss.getBucketInfo(bucket);
    await call('CreateTrail', { Name: name, OssBucketName: bucket, OssKeyPrefix: 'actiontrail', EventRW: 'Write' });
    await call('StartLogging', { Name: name });
    const status = await call('GetTrailStatus', { Name: name });
    if (status['IsLogging'] !== true) throw new Error('raw: not logging');
  };
}

export async function perSpecOverhead(specs: number, log: (line: string) => void): Promise<OverheadResult> {
  const emu = await createEmulator({ seed: singleAccountSeed() });
  try {
    const env = { TRAIL_EMULATOR_URL: emu.url };
    // The function's real logger (JSON lines, redaction), writing nowhere: its cost counts.
    const logger = createLogger({ fn: 'bench' }, { write: () => {} });
    const cloud = createCloud({ region: REGION, accountId: MGMT, credentials: staticCredentials(KEY), env });
    const raw = await rawClients(env);
    // ActionTrail refuses a second trail on a bucket (RepeatOssBucket): one bucket per trail,
    // seeded before the timed part.
    const acct = emu.world.accounts.get(MGMT)!;
    const bucketFor = (name: string) => {
      const bucket = `b-${name}`;
      if (!acct.buckets.some((b) => b.name === bucket)) acct.buckets.push({ name: bucket, region: REGION });
      return bucket;
    };
    // ...and at most 5 trails per region: each run's trail is removed (untimed) after it.
    const reset = () => {
      acct.trails.length = 0;
    };
    const spec = (name: string) => ({ Name: name, OssBucketName: bucketFor(name), OssKeyPrefix: 'actiontrail' });

    // Warm-up (JIT, keep-alive sockets, lazy clients) on both sides, not measured.
    for (let i = 0; i < 10; i++) {
      await ensureTrail(spec(`warm-ensure-${i}`), cloud, { logger });
      reset();
      await raw(`warm-raw-${i}`, bucketFor(`warm-raw-${i}`));
      reset();
    }
    const ensureMs: number[] = [];
    const rawMs: number[] = [];
    for (let i = 0; i < specs; i++) {
      const input = spec(`bench-ensure-${i}`);
      let t = process.hrtime.bigint();
      const r = await ensureTrail(input, cloud, { logger });
      ensureMs.push(since(t));
      reset();
      if (!r.status?.IsLogging) throw new Error('ensureTrail: not logging');
      const rawName = `bench-raw-${i}`;
      const bucket = bucketFor(rawName);
      t = process.hrtime.bigint();
      await raw(rawName, bucket);
      rawMs.push(since(t));
      reset();
    }
    log(`per-spec overhead: ${specs} specs each done`);

    // Calls per spec, from the emulator's log.
    const counted = async (fn: () => Promise<unknown>) => {
      const from = emu.world.calls.length;
      await fn();
      // The emulator logs OSS calls by method and path; the only OSS call here is GetBucketInfo.
      return emu.world.calls.slice(from).map((c) => (c.service === 'oss' && c.action === 'GET /' ? 'oss:GetBucketInfo' : `${c.service}:${c.action}`));
    };
    const name = 'count-trail';
    const find = () => acct.trails.find((t) => t.Name === name)!;
    const newCalls = await counted(() => ensureTrail(spec(name), cloud, { logger }));
    const compliantCalls = await counted(() => ensureTrail(spec(name), cloud, { logger }));
    find().Status = 'Disable';
    const stoppedCalls = await counted(() => ensureTrail(spec(name), cloud, { logger }));
    find().OssKeyPrefix = 'old-prefix';
    const driftedCalls = await counted(() => ensureTrail(spec(name), cloud, { logger }));
    const counts: CallCount[] = [
      {
        case: 'new',
        calls: newCalls,
        minimum: ['actiontrail:DescribeTrails', 'actiontrail:CreateTrail', 'actiontrail:StartLogging'],
        why: 'one read to know the trail is absent (idempotence), the create, the start; GetBucketInfo (preflight) and GetTrailStatus (verify) are deliberate extras',
      },
      {
        case: 'compliant',
        calls: compliantCalls,
        minimum: ['actiontrail:DescribeTrails', 'actiontrail:GetTrailStatus'],
        why: 'DescribeTrails returns every compared field and Status=Enable; only GetTrailStatus says the trail really logs and delivers',
      },
      { case: 'stopped', calls: stoppedCalls, minimum: ['actiontrail:DescribeTrails', 'actiontrail:StartLogging'], why: 'read, start; GetTrailStatus verifies' },
      {
        case: 'drifted',
        calls: driftedCalls,
        minimum: ['actiontrail:DescribeTrails', 'actiontrail:UpdateTrail'],
        why: 'read, update (the trail was logging); GetBucketInfo preflight and GetTrailStatus verify are extras',
      },
    ];
    return { specs, ensureMs, rawMs, ratio: median(ensureMs) / median(rawMs), counts };
  } finally {
    await emu.close();
  }
}
