/**
 * Webhook notifications against the emulator's loopback receiver: the generic JSON payload, the
 * DingTalk robot format with its signature (checked by the receiver as DingTalk does, and here
 * from the documented formula), retries, redaction, and that a dead webhook never blocks.
 */
import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createWebhookReceiver, type WebhookReceiver } from '../emulator/webhook';
import { registerSecret } from '../shared/platform/log';
import { createNotifier, dingTalkSign, webhookRequest } from '../shared/platform/notify';
import { loadTamperConfig } from '../shared/platform/tamper-config';

let hook: WebhookReceiver | undefined;
afterEach(async () => {
  await hook?.close();
  hook = undefined;
});

const note = { kind: 'tamper-restored' as const, title: 'Trail baseline-trail in 2000000000000001 restored (StartLogging)', accountId: '2000000000000001', trail: 'baseline-trail', detail: { done: ['StartLogging'], by: 'admin:alice' } };

describe('webhook notifications', () => {
  it('posts the notification as JSON', async () => {
    hook = await createWebhookReceiver();
    const n = createNotifier({ url: hook.url, format: 'json' });
    n.notify(note);
    await n.flush();
    expect(hook.deliveries).toHaveLength(1);
    expect(hook.deliveries[0]!.headers['content-type']).toBe('application/json');
    expect(hook.deliveries[0]!.body).toMatchObject({ source: 'trail-provisioner', kind: 'tamper-restored', accountId: '2000000000000001', trail: 'baseline-trail', detail: { done: ['StartLogging'] } });
    expect(Date.parse((hook.deliveries[0]!.body as { at: string }).at)).toBeGreaterThan(0);
  });

  it('signs DingTalk robot messages: timestamp + sign = base64(HmacSHA256(secret, timestamp\\nsecret)), and the robot accepts them', async () => {
    const secret = 'SEC0123456789abcdef0123456789abcdef';
    hook = await createWebhookReceiver({ dingtalkSecret: secret });
    const n = createNotifier({ url: `${hook.url}?access_token=tok123`, format: 'dingtalk', secret });
    n.notify(note);
    await n.flush();
    const d = hook.deliveries[0]!;
    expect(d.query['access_token']).toBe('tok123');
    const expected = createHmac('sha256', secret).update(`${d.query['timestamp']}\n${secret}`).digest('base64');
    expect(d.query['sign']).toBe(expected);
    expect(Math.abs(Number(d.query['timestamp']) - Date.now())).toBeLessThan(10_000);
    expect(d.body).toMatchObject({ msgtype: 'markdown', markdown: { title: note.title, text: expect.stringContaining('- trail: baseline-trail') } });
    expect(hook.deliveries).toHaveLength(1); // errcode 0: not retried
  });

  it('a wrong signing secret is refused by the robot (errcode 310000) and retried, then given up', async () => {
    hook = await createWebhookReceiver({ dingtalkSecret: 'SECright' });
    const n = createNotifier({ url: hook.url, format: 'dingtalk', secret: 'SECwrong' }, { baseDelayMs: 1 });
    n.notify(note);
    await n.flush();
    expect(hook.deliveries).toHaveLength(3);
  });

  it('the sign is URL-encoded in the query (base64 + / = survive)', () => {
    const { url } = webhookRequest({ url: 'https://oapi.dingtalk.com/robot/send?access_token=x', format: 'dingtalk', secret: 'SECs' }, note, 1_700_000_000_000);
    const raw = /[?&]sign=([^&]+)/.exec(url)![1]!;
    expect(decodeURIComponent(raw)).toBe(dingTalkSign('SECs', 1_700_000_000_000));
    expect(raw).not.toMatch(/[+/=]/);
  });

  it('retries a failing webhook until it answers', async () => {
    hook = await createWebhookReceiver();
    hook.failNext(2);
    const n = createNotifier({ url: hook.url, format: 'json' }, { baseDelayMs: 1 });
    n.notify(note);
    await n.flush();
    expect(hook.deliveries.map((d) => d.status)).toEqual([503, 503, 200]);
  });

  it('never blocks: notify returns at once, and flush is bounded when the webhook hangs', async () => {
    const n = createNotifier({ url: 'http://127.0.0.1:9/unreachable', format: 'json' }, { baseDelayMs: 1, attemptTimeoutMs: 200 });
    const t0 = Date.now();
    n.notify(note);
    expect(Date.now() - t0).toBeLessThan(50);
    await n.flush(2_000);
    expect(Date.now() - t0).toBeLessThan(2_500);
  });

  it('redacts secrets from payloads like log lines', async () => {
    hook = await createWebhookReceiver();
    registerSecret('super-secret-session-token-value');
    const n = createNotifier({ url: hook.url, format: 'json' });
    n.notify({ ...note, detail: { error: 'failed with super-secret-session-token-value', accessKeySecret: 'abc' } });
    await n.flush();
    const text = JSON.stringify(hook.deliveries[0]!.body);
    expect(text).not.toContain('super-secret-session-token-value');
    expect(text).not.toContain('"abc"');
  });

  it('configuration: TRAIL_WEBHOOK_URL / _FORMAT / _SECRET are checked', () => {
    expect(loadTamperConfig({}).webhook).toBeUndefined();
    expect(loadTamperConfig({ TRAIL_WEBHOOK_URL: 'https://oapi.dingtalk.com/robot/send?access_token=x', TRAIL_WEBHOOK_FORMAT: 'dingtalk', TRAIL_WEBHOOK_SECRET: 'SECx' }).webhook).toEqual({
      url: 'https://oapi.dingtalk.com/robot/send?access_token=x',
      format: 'dingtalk',
      secret: 'SECx',
    });
    expect(() => loadTamperConfig({ TRAIL_WEBHOOK_URL: 'ftp://x' })).toThrow(/TRAIL_WEBHOOK_URL/);
    expect(() => loadTamperConfig({ TRAIL_WEBHOOK_URL: 'https://x', TRAIL_WEBHOOK_FORMAT: 'slack' })).toThrow(/TRAIL_WEBHOOK_FORMAT/);
    expect(() => loadTamperConfig({ TRAIL_TAMPER_MAX_RESTORES: '0' })).toThrow(/TRAIL_TAMPER_MAX_RESTORES/);
    expect(() => loadTamperConfig({ TRAIL_TAMPER_STATE_OSS: 'oss://b/../x' })).toThrow(/TRAIL_TAMPER_STATE_OSS/);
  });
});

describe('remediation summaries', () => {
  it('a run that fixed or failed something is notified with its counts; a compliant run is not', async () => {
    const { createEmulator } = await import('../emulator/server');
    const { FN_MGMT, functionsSeed } = await import('./helpers/functions-world');
    const { invokeRemediation } = await import('./helpers/functions-world');
    const { silentLogger } = await import('../shared/platform/log');
    hook = await createWebhookReceiver();
    const emu = await createEmulator({ seed: functionsSeed() });
    try {
      const first = await invokeRemediation(emu, silentLogger, { TRAIL_WEBHOOK_URL: hook.url }, 'timer-notify-1');
      expect(first.fixed).toBeGreaterThan(0);
      expect(hook.deliveries).toHaveLength(1);
      expect(hook.deliveries[0]!.body).toMatchObject({ kind: 'remediation-summary', detail: { runId: first.runId, fixed: first.fixed, counts: { missing: first.counts.missing } } });
      await invokeRemediation(emu, silentLogger, { TRAIL_WEBHOOK_URL: hook.url }, 'timer-notify-2');
      expect(hook.deliveries).toHaveLength(1);
      emu.world.accounts.get(FN_MGMT)!.trails[0]!.Status = 'Disable';
      await invokeRemediation(emu, silentLogger, { TRAIL_WEBHOOK_URL: hook.url }, 'timer-notify-3');
      expect(hook.deliveries).toHaveLength(2);
      expect((hook.deliveries[1]!.body as { title: string }).title).toMatch(/1 non-compliant, 1 fixed, 0 failed/);
    } finally {
      await emu.close();
    }
  });

  it('a destination squatted by another trail (RepeatOssBucket) is notified naming the trail that cannot get it', async () => {
    const { createEmulator } = await import('../emulator/server');
    const { BASELINE, FN_MGMT, FN_REGION, functionsSeed, invokeRemediation } = await import('./helpers/functions-world');
    const { silentLogger } = await import('../shared/platform/log');
    hook = await createWebhookReceiver();
    const seed = functionsSeed();
    const t = '2026-01-01T00:00:00Z';
    seed.accounts.find((a) => a.id === FN_MGMT)!.trails = [
      { Name: 'squatter-trail', AccountId: FN_MGMT, HomeRegion: FN_REGION, TrailRegion: 'All', EventRW: 'Read', OssBucketName: BASELINE.OssBucketName, OssKeyPrefix: BASELINE.OssKeyPrefix, OssWriteRoleArn: '', SlsProjectArn: '', SlsWriteRoleArn: '', MaxComputeProjectArn: '', MaxComputeWriteRoleArn: '', IsOrganizationTrail: false, Status: 'Enable', CreateTime: t, UpdateTime: t },
    ];
    const emu = await createEmulator({ seed });
    try {
      const report = await invokeRemediation(emu, silentLogger, { TRAIL_WEBHOOK_URL: hook.url, TRAIL_ACCOUNTS: FN_MGMT }, 'timer-squat');
      expect(report.failed.map((f) => f.Code)).toEqual(['RepeatOssBucket']);
      const kinds = hook.deliveries.map((d) => (d.body as { kind: string }).kind);
      expect(kinds.sort()).toEqual(['remediation-summary', 'squatted-destination']);
      expect(hook.deliveries.map((d) => d.body as { kind: string; trail?: string }).find((b) => b.kind === 'squatted-destination')!.trail).toBe('baseline-trail');
    } finally {
      await emu.close();
    }
  });
});
