/**
 * EventBridge events for the tamper response, as FC passes them: the CloudEvent JSON (or a JSON
 * array of them when the trigger batches).
 *
 * ActionTrail publishes write API calls to EventBridge as CloudEvents whose type is
 * "actiontrail:ActionTrail:ApiCall" (console operations: "actiontrail:ActionTrail:ConsoleOperation")
 * and whose data is the ActionTrail event (eventName, requestParameters, userIdentity, acsRegion,
 * ...; https://www.alibabacloud.com/help/en/eventbridge/user-guide/actiontrail-events and the
 * ActionTrail event structure docs). The CloudEvent source is "acs.actiontrail" by the documented
 * "acs.{service}" rule for service events; it is logged, not relied on: events are matched on
 * `type` (TRAIL_TAMPER_EVENT_TYPES) and data.eventName. Events routed from a member account's bus
 * carry aliyunoriginalaccountid (EventBridge cross-account routing doc).
 *
 * The account the call was made in: on an event routed from another account's bus, the
 * aliyunoriginalaccountid extension EventBridge sets (the sender controls the data, not this), and
 * an event whose recipientAccountId (else userIdentity.accountId) names another account is refused;
 * otherwise data.recipientAccountId, else userIdentity.accountId, else aliyunaccountid. It must be
 * a 16-digit account id.
 */
import { ProvisionError } from '../../shared/core/errors';
import { SELECTOR_EVENT_NAMES, TAMPER_EVENT_NAMES, type TamperEvent } from '../../shared/triggers/tamper';
import type { TrailSpec } from '../../shared/core/spec';
import { asObject, type CloudEvent } from '../vending/event';

export { parseCloudEvents, type CloudEvent } from '../vending/event';


const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length <= 512 ? v : typeof v === 'number' ? String(v) : undefined);

function bad(message: string, pointer: string): ProvisionError {
  return new ProvisionError({ code: 'InvalidQueryParameter', message, fields: [{ pointer, rule: 'event', message }] });
}

const DELIVERY_PARAMS = ['OssBucketName', 'OssKeyPrefix', 'SlsProjectArn', 'EventRW', 'TrailRegion', 'MaxComputeProjectArn'] as const;

/**
 * The tamper event a CloudEvent carries; undefined for events of other types or calls that cannot
 * tamper with a trail (not an error: the rule may match more than we handle). Throws 400 for a
 * matching event that is malformed.
 */
export function toTamperEvent(ev: CloudEvent, types: readonly string[]): TamperEvent | undefined {
  if (typeof ev.type !== 'string' || !types.includes(ev.type)) return undefined;
  const data = asObject(ev.data);
  if (!data) throw bad('The ActionTrail event has no data object.', '/data');
  const eventName = str(data['eventName']);
  if (!eventName || !TAMPER_EVENT_NAMES.has(eventName)) return undefined;
  const params = asObject(data['requestParameters']) ?? {};
  // The data event selector APIs name the trail TrailName (SDK models), the others Name. Whether
  // ActionTrail records it under that key is not shown in any sample: Name is taken too.
  const nameParam = SELECTOR_EVENT_NAMES.has(eventName) && params['TrailName'] !== undefined ? 'TrailName' : 'Name';
  const trailName = str(params[nameParam]);
  if (!trailName || !/^[a-z][a-z0-9_-]{5,35}$/.test(trailName)) throw bad(`The ActionTrail event names no valid trail (requestParameters.${nameParam}).`, `/data/requestParameters/${nameParam}`);
  const identity = asObject(data['userIdentity']) ?? {};
  // What the data says (the sender's word): recipientAccountId, else userIdentity.accountId.
  const claimed = [data['recipientAccountId'], identity['accountId']].map(str).find((v) => v !== undefined);
  // A routed event came from the bus of the account EventBridge names in aliyunoriginalaccountid;
  // its data is whatever that account's bus carried (its admin may put events there): the event
  // is about that account, or it is refused. A data field naming another account is not trusted.
  const routed = ev['aliyunoriginalaccountid'] !== undefined;
  const original = routed ? str(ev['aliyunoriginalaccountid']) : undefined;
  if (routed && (!original || !/^\d{16}$/.test(original))) throw bad('The routed event names no 16-digit sending account (aliyunoriginalaccountid).', '/aliyunoriginalaccountid');
  if (original && claimed !== undefined && claimed !== original) {
    throw bad(`The routed event came from account ${original} but its data names account ${claimed.slice(0, 32)}: refused.`, '/data/recipientAccountId');
  }
  const accountId = original ?? claimed ?? str(ev['aliyunaccountid']);
  if (!accountId || !/^\d{16}$/.test(accountId)) throw bad('The ActionTrail event names no 16-digit account id (recipientAccountId / userIdentity.accountId).', '/data/recipientAccountId');
  const delivery: Partial<TrailSpec> = {};
  for (const k of DELIVERY_PARAMS) {
    const v = str(params[k]);
    if (v !== undefined) (delivery as Record<string, string>)[k] = v;
  }
  return {
    eventId: str(data['eventId']) ?? str(ev.id),
    eventName,
    trailName,
    accountId,
    region: str(data['acsRegion']),
    eventTime: str(data['eventTime']),
    actor: { type: str(identity['type']), principalId: str(identity['principalId']), accountId: str(identity['accountId']), userName: str(identity['userName']) },
    delivery,
  };
}
