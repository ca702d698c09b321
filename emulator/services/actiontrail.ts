/**
 * ActionTrail API 2020-07-06 (RPC style) over the World: CreateTrail, UpdateTrail, DeleteTrail,
 * DescribeTrails, GetTrailStatus, StartLogging, StopLogging, PutDataEventSelector,
 * GetDataEventSelector, DeleteDataEventSelector.
 *
 * HomeRegion is the region whose endpoint was called (req.region); the account is the caller's.
 * Parameters come from the query string and form body (req.params). Behaviour follows the
 * CreateTrail doc and /work/shared/reference/actiontrail-api.md; where the docs are silent the
 * emulator's choice is written next to the code:
 *
 * - Methods: StopLogging is GET-only; the others take GET and POST. A wrong method gets the POP
 *   gateway's 400 UnsupportedHTTPMethod; an unknown Action its 404 InvalidAction.NotFound.
 * - Trail names are unique per account. Update/Delete/Start/StopLogging change a trail only at
 *   its home region's endpoint; elsewhere they answer TrailNotFoundException (findTrailAtHome;
 *   the code is undocumented).
 * - UpdateTrail: a delivery parameter that is not sent keeps its value, EXCEPT the three
 *   *WriteRoleArn parameters: not sent means "no custom role", i.e. the service-linked role,
 *   which is what broke Terraform updates until it re-sent OssWriteRoleArn (PR #3851). A
 *   parameter sent empty clears the field.
 * - A write role left out (Create or Update) is stored as the service-linked role's ARN for the
 *   destinations in World.actiontrailDefaultRoles (default SLS only), as DescribeTrails reports it
 *   (fillDefaultRoles); elsewhere it stays "". The result is validated and checked like CreateTrail
 *   (at least one destination, access, RepeatOssBucket against the other trails).
 * - DescribeTrails lists the trails whose HomeRegion is the called region. IncludeShadowTrails
 *   (default false) adds the caller's trails of other home regions that apply to this region
 *   (TrailRegion All or listing it), told apart only by HomeRegion/TrailArn (IsShadowTrail 1
 *   only with the seed's actiontrailIsShadowTrail). Organization trails are listed only with
 *   IncludeOrganizationTrail=true (default false): the caller's own, and for a Resource Directory
 *   member the management account's (as IsShadowTrail 1).
 * - GetTrailStatus(IsOrganizationTrail=false) looks at the caller's single-account trails;
 *   with true, at the organization trails of the caller or of its RD management account. Under a
 *   'stale' fault (req.stale) the status lags: IsLogging=false as before StartLogging.
 */
import type { EmuAccount, EmuTrail, World } from '../state';
import { EmuError, type EmuRequest, type EmuResponse, type ServiceHandler } from '../types';
import { SERVICE_LINKED_ROLE, checkDestinations, ensureLogstore, type Destinations } from './actiontrail-destinations';
import {
  DESTINATION_KEYS,
  apiTime,
  atError,
  hasDestination,
  parseBool,
  parseDelivery,
  requireName,
  type DeliveryParams,
} from './actiontrail-params';
import { describeItem, statusBody, writeResponse } from './actiontrail-view';
import { deleteSelectors, parsePutRequest, putSelectors, requireTrailName, selectorsBody } from './actiontrail-selectors';

/** Trails per account whose HomeRegion is one region. */
export const MAX_TRAILS_PER_REGION = 5;

const ALLOWED_METHODS: Record<string, string[]> = {
  CreateTrail: ['GET', 'POST'],
  UpdateTrail: ['GET', 'POST'],
  DeleteTrail: ['GET', 'POST'],
  DescribeTrails: ['GET', 'POST'],
  GetTrailStatus: ['GET', 'POST'],
  StartLogging: ['GET', 'POST'],
  StopLogging: ['GET'],
  // The generated SDKs send these on POST (client.ts putDataEventSelectorWithOptions,
  // getDataEventSelectorWithOptions, deleteDataEventSelectorWithOptions); the Put API page shows
  // "GET HTTP/1.1": both are accepted.
  PutDataEventSelector: ['GET', 'POST'],
  GetDataEventSelector: ['GET', 'POST'],
  DeleteDataEventSelector: ['GET', 'POST'],
};

type Action = (req: EmuRequest, world: World, account: EmuAccount) => Record<string, unknown>;

const ACTIONS: Record<string, Action> = {
  CreateTrail: createTrail,
  UpdateTrail: updateTrail,
  DeleteTrail: deleteTrail,
  DescribeTrails: describeTrails,
  GetTrailStatus: getTrailStatus,
  StartLogging: startLogging,
  StopLogging: stopLogging,
  PutDataEventSelector: putDataEventSelector,
  GetDataEventSelector: getDataEventSelector,
  DeleteDataEventSelector: deleteDataEventSelector,
};

export const actiontrailService: ServiceHandler = (req, world) => {
  const action = req.action;
  if (!action) {
    throw new EmuError(400, 'MissingParameter', 'The input parameter "Action" that is mandatory for processing this request is not supplied.');
  }
  const handler = ACTIONS[action];
  if (!handler) throw new EmuError(404, 'InvalidAction.NotFound', 'Specified api is not found, please check your url and method.');
  if (!ALLOWED_METHODS[action]!.includes(req.method)) {
    throw new EmuError(400, 'UnsupportedHTTPMethod', 'This http method is not supported.');
  }
  const account = world.accounts.get(req.caller.accountId);
  if (!account) throw new EmuError(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
  return json(handler(req, world, account));
};

function json(body: Record<string, unknown>): EmuResponse {
  return { status: 200, headers: { 'content-type': 'application/json;charset=utf-8' }, body: JSON.stringify(body) };
}

function findTrail(account: EmuAccount, name: string): EmuTrail {
  const t = account.trails.find((x) => x.Name === name);
  if (!t) throw atError('TrailNotFoundException');
  return t;
}

/**
 * A trail to change (UpdateTrail, DeleteTrail, StartLogging, StopLogging): only at its home
 * region's endpoint. Elsewhere the trail is a shadow copy and the call is refused with
 * TrailNotFoundException. Which code ActionTrail answers is undocumented: these APIs document
 * TrailNotFoundException only (the AWS CloudTrail analogue is InvalidHomeRegionException); the
 * product does not depend on the code, it writes at the home region only.
 */
function findTrailAtHome(req: EmuRequest, account: EmuAccount, name: string): EmuTrail {
  const t = findTrail(account, name);
  if (t.HomeRegion !== req.region) {
    throw new EmuError(404, 'TrailNotFoundException', `The specified Trail does not exist in ${req.region}; it is homed in another region.`);
  }
  return t;
}

function destinationsOf(d: DeliveryParams): Destinations {
  const out = {} as Destinations;
  for (const k of DESTINATION_KEYS) out[k] = d[k] ?? '';
  return out;
}

/**
 * What ActionTrail stores for a write role the request left out: its service-linked role, for the
 * destinations in World.actiontrailDefaultRoles (default SLS: Terraform's
 * resource_alicloud_actiontrail_trail.go marks sls_write_role_arn Computed, so DescribeTrails
 * reports a value the configuration did not set). Done after the access checks, which treat the
 * service-linked role and no role alike.
 */
function fillDefaultRoles(world: World, account: EmuAccount, d: Destinations): Destinations {
  const kinds = world.actiontrailDefaultRoles ?? ['sls'];
  const slr = `acs:ram::${account.id}:role/${SERVICE_LINKED_ROLE}`;
  const out = { ...d };
  if (kinds.includes('oss') && out.OssBucketName && !out.OssWriteRoleArn) out.OssWriteRoleArn = slr;
  if (kinds.includes('sls') && out.SlsProjectArn && !out.SlsWriteRoleArn) out.SlsWriteRoleArn = slr;
  if (kinds.includes('maxcompute') && out.MaxComputeProjectArn && !out.MaxComputeWriteRoleArn) out.MaxComputeWriteRoleArn = slr;
  return out;
}

function createTrail(req: EmuRequest, world: World, account: EmuAccount): Record<string, unknown> {
  const p = req.params;
  const name = requireName(p);
  const delivery = parseDelivery(p);
  const isOrg = parseBool(p, 'IsOrganizationTrail') ?? false;
  if (!hasDestination(delivery)) throw atError('InvalidDeliveryConfigurationException');
  if (account.trails.some((t) => t.Name === name)) throw atError('TrailAlreadyExistsException');
  if (isOrg) {
    if (account.rdRole !== 'management' || account.allowOrganizationTrail === false) throw atError('NotAllowCreateOrganizationTrail');
    if (account.trails.some((t) => t.IsOrganizationTrail)) throw atError('MaximumNumberOfOrganizationTrailExceeded');
  }
  if (account.trails.filter((t) => t.HomeRegion === req.region).length >= MAX_TRAILS_PER_REGION) {
    throw atError('MaximumNumberOfTrailsExceededException');
  }
  const dest = destinationsOf(delivery);
  const apply = checkDestinations(world, account, dest);
  apply();
  const now = apiTime();
  const trail: EmuTrail = {
    Name: name,
    AccountId: account.id,
    HomeRegion: req.region,
    TrailRegion: delivery.TrailRegion ?? 'All',
    // The 2020-07-06 doc and ROS both say Write; some pages say All. Clients should always send it.
    EventRW: delivery.EventRW ?? 'Write',
    ...fillDefaultRoles(world, account, dest),
    IsOrganizationTrail: isOrg,
    Status: 'Fresh',
    CreateTime: now,
    UpdateTime: now,
  };
  account.trails.push(trail);
  ensureLogstore(world, account.id, trail.SlsProjectArn, trail.Name);
  return writeResponse(trail, req.requestId);
}

function updateTrail(req: EmuRequest, world: World, account: EmuAccount): Record<string, unknown> {
  const p = req.params;
  const name = requireName(p);
  const trail = findTrailAtHome(req, account, name);
  const delivery = parseDelivery(p);
  const next: Destinations = {
    OssBucketName: delivery.OssBucketName ?? trail.OssBucketName,
    OssKeyPrefix: delivery.OssKeyPrefix ?? trail.OssKeyPrefix,
    OssWriteRoleArn: delivery.OssWriteRoleArn ?? '',
    SlsProjectArn: delivery.SlsProjectArn ?? trail.SlsProjectArn,
    SlsWriteRoleArn: delivery.SlsWriteRoleArn ?? '',
    MaxComputeProjectArn: delivery.MaxComputeProjectArn ?? trail.MaxComputeProjectArn,
    MaxComputeWriteRoleArn: delivery.MaxComputeWriteRoleArn ?? '',
  };
  if (!hasDestination(next)) throw atError('InvalidDeliveryConfigurationException');
  const apply = checkDestinations(world, account, next, trail.Name);
  apply();
  Object.assign(trail, fillDefaultRoles(world, account, next));
  if (delivery.EventRW) trail.EventRW = delivery.EventRW;
  if (delivery.TrailRegion) trail.TrailRegion = delivery.TrailRegion;
  trail.UpdateTime = apiTime();
  ensureLogstore(world, account.id, trail.SlsProjectArn, trail.Name);
  return writeResponse(trail, req.requestId);
}

function deleteTrail(req: EmuRequest, _world: World, account: EmuAccount): Record<string, unknown> {
  const trail = findTrailAtHome(req, account, requireName(req.params));
  account.trails.splice(account.trails.indexOf(trail), 1);
  return { RequestId: req.requestId };
}

function startLogging(req: EmuRequest, _world: World, account: EmuAccount): Record<string, unknown> {
  const trail = findTrailAtHome(req, account, requireName(req.params));
  if (trail.Status !== 'Enable') {
    const now = apiTime();
    trail.Status = 'Enable';
    trail.StartLoggingTime = now;
    trail.LatestDeliveryTime = now;
  }
  return { RequestId: req.requestId };
}

function stopLogging(req: EmuRequest, _world: World, account: EmuAccount): Record<string, unknown> {
  const trail = findTrailAtHome(req, account, requireName(req.params));
  if (trail.Status === 'Enable') {
    trail.Status = 'Disable';
    trail.StopLoggingTime = apiTime();
  }
  return { RequestId: req.requestId };
}

/** The RD management account of a member account, if any. */
function managementAccount(world: World, account: EmuAccount): EmuAccount | undefined {
  if (account.rdRole !== 'member') return undefined;
  return [...world.accounts.values()].find((a) => a.rdRole === 'management');
}

function appliesTo(t: EmuTrail, region: string): boolean {
  return t.TrailRegion === 'All' || t.TrailRegion.split(',').includes(region);
}

function describeTrails(req: EmuRequest, world: World, account: EmuAccount): Record<string, unknown> {
  const p = req.params;
  const includeShadow = parseBool(p, 'IncludeShadowTrails') ?? false;
  const includeOrg = parseBool(p, 'IncludeOrganizationTrail') ?? false;
  const names = p['NameList'] ? new Set(p['NameList'].split(',').map((n) => n.trim()).filter(Boolean)) : undefined;
  const items: Record<string, unknown>[] = [];
  for (const t of account.trails) {
    if (t.IsOrganizationTrail && !includeOrg) continue;
    if (t.HomeRegion === req.region) items.push(describeItem(t, world, false));
    else if (includeShadow && appliesTo(t, req.region)) items.push(describeItem(t, world, true));
  }
  const mgmt = includeOrg ? managementAccount(world, account) : undefined;
  for (const t of mgmt?.trails ?? []) if (t.IsOrganizationTrail) items.push(describeItem(t, world, true));
  return { RequestId: req.requestId, TrailList: items.filter((i) => !names || names.has(i['Name'] as string)) };
}

function getTrailStatus(req: EmuRequest, world: World, account: EmuAccount): Record<string, unknown> {
  const name = requireName(req.params);
  const isOrg = parseBool(req.params, 'IsOrganizationTrail') ?? false;
  const pool = isOrg ? [...account.trails, ...(managementAccount(world, account)?.trails ?? [])] : account.trails;
  const trail = pool.find((t) => t.Name === name && t.IsOrganizationTrail === isOrg);
  if (!trail) throw atError('TrailNotFoundException');
  return statusBody(trail, world, req.requestId, req.stale);
}

/**
 * Data event selectors (actiontrail-selectors.ts parses and answers): the trail is named by
 * TrailName and changed only at its home region, like the other writes. "A trail must exist
 * before you create a data event selector" (SDK summary): an unknown trail is
 * TrailNotFoundException (the code is unverified: no error table for these APIs was found).
 */
function putDataEventSelector(req: EmuRequest, _world: World, account: EmuAccount): Record<string, unknown> {
  const put = parsePutRequest(req.params);
  return putSelectors(findTrailAtHome(req, account, put.trailName), put, req.requestId);
}

function getDataEventSelector(req: EmuRequest, _world: World, account: EmuAccount): Record<string, unknown> {
  return selectorsBody(findTrailAtHome(req, account, requireTrailName(req.params)), req.requestId);
}

function deleteDataEventSelector(req: EmuRequest, _world: World, account: EmuAccount): Record<string, unknown> {
  return deleteSelectors(findTrailAtHome(req, account, requireTrailName(req.params)), req.requestId);
}
