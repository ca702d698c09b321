/**
 * EventBridge delivery of ActionTrail events: every successful signed ActionTrail write call
 * (CreateTrail, UpdateTrail, DeleteTrail, StartLogging, StopLogging, PutDataEventSelector,
 * DeleteDataEventSelector), from any client, is
 * published as the CloudEvent ActionTrail puts on the account's default bus, and delivered after
 * the rule's delay to each matching rule's FC function (in-process handler, like an async
 * invocation). Only write calls are published: "EventBridge supports only ActionTrail events of
 * the write type" (EventBridge doc, ActionTrail events).
 *
 * The CloudEvent (docs/conformance.md, rows eb.*, cites each field):
 * - type "actiontrail:ActionTrail:ApiCall" (EventBridge "ActionTrail events" doc);
 * - source "acs.actiontrail" (the "acs.<service>" convention of Alibaba Cloud service events;
 *   not shown for ActionTrail itself in the docs found: unverified);
 * - extensions aliyunaccountid (the receiving bus's account), aliyunoriginalaccountid (the
 *   sending account, on events routed from another account: cross-account routing doc),
 *   aliyunpublishtime, aliyuneventbusname "default", aliyunregionid;
 * - data: the ActionTrail event: eventId, eventVersion 1, eventName, eventType "ApiCall",
 *   eventRW "Write", eventSource, serviceName "Actiontrail", acsRegion, requestId, eventTime,
 *   apiVersion, requestParameters (the call's parameters, Name included), userIdentity
 *   (root-account: {type, principalId, accountId, accessKeyId}; assumed-role: {type
 *   "assumed-role", principalId "<roleId>:<session>", accountId, accessKeyId, userName
 *   "<roleName>:<session>"}: the ActionTrail "query events by assuming a RAM role" example),
 *   recipientAccountId, sourceIpAddress, userAgent.
 */
import { randomUUID } from 'node:crypto';
import { roleId } from './ram';
import { runAsEventTarget } from './fc';
import { findRole, type World } from '../state';
import type { EmuRequest } from '../types';

export const ACTIONTRAIL_API_CALL = 'actiontrail:ActionTrail:ApiCall';
export const ACTIONTRAIL_SOURCE = 'acs.actiontrail';
const WRITE_ACTIONS = new Set(['CreateTrail', 'UpdateTrail', 'DeleteTrail', 'StartLogging', 'StopLogging', 'PutDataEventSelector', 'DeleteDataEventSelector']);
/** Request parameters that are the signature's, not the API's (ActionTrail records the API's). */
const SIGNATURE_PARAMS = /^(Signature|SignatureMethod|SignatureVersion|SignatureNonce|SignatureType|AccessKeyId|SecurityToken|Timestamp|Format|Version|Action)$/;

function userIdentity(req: EmuRequest, world: World): Record<string, unknown> {
  const key = world.accessKeys.get(req.caller.accessKeyId);
  const accountId = req.caller.accountId;
  if (req.caller.assumedRoleArn) {
    const roleName = findRole(world, req.caller.assumedRoleArn)?.role.name ?? req.caller.assumedRoleArn.replace(/^.*role\//, '');
    const session = key?.sessionName;
    return {
      type: 'assumed-role',
      principalId: session ? `${roleId(accountId, roleName)}:${session}` : roleId(accountId, roleName),
      accountId,
      accessKeyId: req.caller.accessKeyId,
      userName: session ? `${roleName}:${session}` : roleName,
      sessionContext: { attributes: { mfaAuthenticated: 'false', creationDate: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') } },
    };
  }
  return { type: 'root-account', principalId: accountId, accountId, accessKeyId: req.caller.accessKeyId };
}

/** Publishes the event of a successful ActionTrail call `req` (no-op for reads) and schedules its deliveries. */
export function publishActionTrailEvent(req: EmuRequest, world: World): void {
  const action = req.action ?? '';
  if (!WRITE_ACTIONS.has(action)) return;
  const source = req.caller.accountId;
  const rules = world.eventRules.filter(
    (r) =>
      (r.sourceAccounts === '*' || r.sourceAccounts.includes(source)) &&
      (!r.types || r.types.includes(ACTIONTRAIL_API_CALL)) &&
      (!r.eventNames || r.eventNames.includes(action)),
  );
  if (rules.length === 0) return;
  const requestParameters: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.params)) if (!SIGNATURE_PARAMS.test(k)) requestParameters[k] = v;
  // The data event selector APIs name the trail TrailName (SDK models), the others Name.
  const trailName = requestParameters['Name'] ?? requestParameters['TrailName'];
  const now = new Date();
  const eventTime = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const data = {
    eventId: randomUUID(),
    eventVersion: 1,
    eventName: action,
    eventType: 'ApiCall',
    eventRW: 'Write',
    eventSource: req.host || `actiontrail.${req.region}.aliyuncs.com`,
    serviceName: 'Actiontrail',
    apiVersion: '2020-07-06',
    acsRegion: req.region,
    requestId: req.requestId,
    eventTime,
    requestParameters: { ...requestParameters, RequestId: req.requestId, RegionId: req.region },
    userIdentity: userIdentity(req, world),
    recipientAccountId: source,
    sourceIpAddress: '127.0.0.1',
    userAgent: req.headers['user-agent'] ?? '',
  };
  for (const rule of rules) {
    const fn = world.functions.find((f) => f.accountId === rule.target.accountId && f.region === rule.target.region && f.name === rule.target.functionName);
    const cloudEvent = {
      specversion: '1.0',
      id: randomUUID(),
      source: ACTIONTRAIL_SOURCE,
      type: ACTIONTRAIL_API_CALL,
      subject: `acs:actiontrail:${req.region}:${source}:trail/${trailName ?? ''}`,
      time: eventTime,
      datacontenttype: 'application/json;charset=utf-8',
      aliyunaccountid: rule.target.accountId,
      ...(rule.target.accountId !== source ? { aliyunoriginalaccountid: source } : {}),
      aliyunpublishtime: now.toISOString(),
      aliyuneventbusname: 'default',
      aliyunregionid: req.region,
      data,
    };
    const delivery = {
      eventId: cloudEvent.id,
      type: cloudEvent.type,
      eventName: action,
      trailName,
      sourceAccountId: source,
      functionName: rule.target.functionName,
      publishedAt: Date.now(),
      status: 'Pending' as const,
    };
    const record: World['eventDeliveries'][number] = { ...delivery };
    world.eventDeliveries.push(record);
    const delay = rule.delayMs ?? world.eventDelayMs;
    const timer = setTimeout(() => {
      if (!fn?.handler) {
        record.status = 'Failed';
        record.error = `function '${rule.target.functionName}' does not exist or has no code.`;
        return;
      }
      void runAsEventTarget(world, fn, Buffer.from(JSON.stringify(cloudEvent)), () => {
        record.status = 'Running';
        record.deliveredAt = Date.now();
      }).then((out) => {
        record.finishedAt = Date.now();
        record.status = out.ok ? 'Succeeded' : 'Failed';
        if (out.ok) record.result = out.result;
        else record.error = out.error;
      });
    }, delay);
    timer.unref?.();
  }
}

/** Resolves once every event delivery so far has finished (or after timeoutMs, rejecting). */
export async function waitForEventDeliveries(world: World, timeoutMs = 15_000): Promise<World['eventDeliveries']> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const open = world.eventDeliveries.filter((d) => d.status === 'Pending' || d.status === 'Running');
    if (open.length === 0) return world.eventDeliveries;
    if (Date.now() > until) throw new Error(`${open.length} event deliveries still pending after ${timeoutMs} ms.`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
