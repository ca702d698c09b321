/**
 * EventBridge trigger events for account vending, as FC passes them: the CloudEvent JSON (or a
 * JSON array of them when the trigger batches) in the event Buffer.
 *
 * Two kinds are understood:
 *
 * 1. The project's custom event, put on a custom bus by the vending pipeline:
 *    source = TRAIL_VENDING_SOURCE (default "acs.custom.account-vending"),
 *    type = "trail-provisioner:AccountVending:AccountVended",
 *    data = { accountId: "<member id>", specs?: TrailSpec[], region?: "<home region>" }.
 *
 * 2. Resource Directory member creation, as Alibaba Cloud publishes it: Resource Manager has no
 *    native "account created" event (its EventBridge events are only ResourceSharing and Config,
 *    https://www.alibabacloud.com/help/en/eventbridge/user-guide/resource-management-events).
 *    ActionTrail publishes write API calls to EventBridge with the documented types
 *    "actiontrail:ActionTrail:ApiCall" and "actiontrail:ActionTrail:ConsoleOperation"
 *    (https://www.alibabacloud.com/help/en/eventbridge/user-guide/actiontrail-events), data being
 *    the ActionTrail record: data.eventName "CreateResourceAccount", the new id in
 *    data.responseElements.Account.AccountId (the CreateResourceAccount response). The legacy
 *    "resourcemanager:ActionTrail:ApiCall" type (documented nowhere) is still accepted. The source
 *    is not checked: the docs give no example of it for ActionTrail events. The configured baseline
 *    is applied to the account. s.yaml's vars.rdAccountCreatedPattern selects these events;
 *    `npm run deploy:check` checks it names only types and event names accepted here.
 */
import { REGION } from '../../shared/platform/config';
import { ACCOUNT_ID } from '../../shared/core/arn';
import { ProvisionError } from '../../shared/core/errors';
import type { VendingRequest } from '../../shared/triggers/vending';

export const ACCOUNT_VENDED_TYPE = 'trail-provisioner:AccountVending:AccountVended';
export const RD_SOURCE = 'acs.resourcemanager';
/** The ActionTrail event types (EventBridge "ActionTrail events") a Resource Directory account creation may arrive as. */
export const RD_API_CALL_TYPES: ReadonlySet<string> = new Set(['actiontrail:ActionTrail:ApiCall', 'actiontrail:ActionTrail:ConsoleOperation', 'resourcemanager:ActionTrail:ApiCall']);
/** The undocumented type the first trigger used (still accepted); see RD_API_CALL_TYPES. */
export const RD_API_CALL_TYPE = 'resourcemanager:ActionTrail:ApiCall';
/** ActionTrail event names that create a member account immediately. */
export const RD_ACCOUNT_CREATED_EVENTS: ReadonlySet<string> = new Set(['CreateResourceAccount']);

export interface CloudEvent {
  id?: string;
  source?: string;
  type?: string;
  subject?: string;
  time?: string;
  specversion?: string;
  datacontenttype?: string;
  data?: unknown;
  [extension: string]: unknown;
}

function bad(message: string, pointer = '', rule = 'event'): ProvisionError {
  return new ProvisionError({ code: 'InvalidQueryParameter', message, fields: [{ pointer, rule, message }] });
}

/** An object, or a JSON string holding one (EventBridge may deliver `data` as text); undefined otherwise. */
export function asObject(v: unknown): Record<string, unknown> | undefined {
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      return undefined;
    }
  }
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/**
 * An account id as the event carries it: a string of 16 digits only. A JSON number is refused
 * (9999999999999999 parses as 10000000000000000, another account), and so is anything else a
 * String() would turn into digits (["2400000000000001"]).
 */
function accountIdString(v: unknown, pointer: string): string {
  if (typeof v !== 'string') throw bad(`${pointer} must be a string of 16 digits (numbers lose precision).`, pointer, 'type');
  if (!ACCOUNT_ID.test(v)) throw bad(`${pointer} must be a 16-digit account id.`, pointer, 'pattern');
  return v;
}

/** The CloudEvents in the trigger payload (one object, or an array when batched). */
export function parseCloudEvents(event: Buffer | string): CloudEvent[] {
  const text = Buffer.isBuffer(event) ? event.toString('utf8') : event;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw bad('The trigger event is not valid JSON.', '', 'json');
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  if (list.length === 0) throw bad('The trigger event is an empty array, not a CloudEvent.', '', 'type');
  const i = list.findIndex((e) => !e || typeof e !== 'object' || Array.isArray(e));
  if (i >= 0) throw bad(Array.isArray(parsed) ? `The trigger event's element ${i} is not a CloudEvent object.` : 'The trigger event is not a CloudEvent object.', Array.isArray(parsed) ? `/${i}` : '', 'type');
  return list as CloudEvent[];
}

/** Where an event comes from, for results and logs ("custom", "resource-directory" or "unsupported"), even when it is malformed. */
export function eventOrigin(ev: CloudEvent, vendingSource: string): string {
  if (ev.source === vendingSource && ev.type === ACCOUNT_VENDED_TYPE) return 'custom';
  if (typeof ev.type === 'string' && RD_API_CALL_TYPES.has(ev.type)) return 'resource-directory';
  return 'unsupported';
}

/** The vending request a CloudEvent asks for; throws 400 for events this function does not handle. */
export function toVendingRequest(ev: CloudEvent, vendingSource: string): VendingRequest {
  const data = asObject(ev.data);
  if (ev.source === vendingSource && ev.type === ACCOUNT_VENDED_TYPE) {
    if (!data) throw bad('The vending event has no data object.', '/data');
    const region = data['region'];
    if (region !== undefined && typeof region !== 'string') throw bad('data.region must be a string.', '/data/region', 'type');
    // The region becomes part of the ActionTrail endpoint host name: only a region id may.
    if (typeof region === 'string' && !REGION.test(region)) throw bad('data.region must be a region id such as cn-hangzhou.', '/data/region', 'pattern');
    return {
      accountId: accountIdString(data['accountId'], '/data/accountId'),
      specs: data['specs'],
      region: region as string | undefined,
      origin: 'custom',
      eventId: ev.id,
    };
  }
  if (typeof ev.type === 'string' && RD_API_CALL_TYPES.has(ev.type) && data && RD_ACCOUNT_CREATED_EVENTS.has(String(data['eventName']))) {
    const response = asObject(data['responseElements']);
    const account = asObject(response?.['Account']);
    return { accountId: accountIdString(account?.['AccountId'], '/data/responseElements/Account/AccountId'), origin: 'resource-directory', eventId: ev.id };
  }
  throw bad(`Unsupported event (source "${String(ev.source)}", type "${String(ev.type)}").`, '/type');
}
