/**
 * MaxCompute OpenAPI 2022-01-04 (ROA, JSON): GetProject (GET /api/v1/projects/{projectName})
 * and a minimal ListProjects (GET /api/v1/projects).
 *
 * Success bodies follow the documented PopResult shape {requestId, httpCode, data}; errors the
 * same shape with errorCode / errorMsg instead of data (GetProjectResponseBody in
 * aliyun/alibabacloud-typescript-sdk maxcompute-20220104; emulator/errors.ts). A missing project
 * is 404 "OBJECT_NOT_EXIST" ("This object does not exist.", the SDK model's example; Terraform's
 * service_alicloud_max_compute_v2.go also treats ODPS-0420111, PROJECT_NOT_FOUND, ODPS-0420061 as
 * not found, and the product accepts all of them). A project of another account the caller was
 * not added to (`readers`) is 403 "ODPS-0420095" ("Access Denied - ..."; undocumented in the
 * OpenAPI, unverified). Project names are per region: one in another region is not found here.
 */
import type { EmuAccount, EmuMcProject, World } from '../state';
import { EmuError, type EmuRequest, type EmuResponse, type ServiceHandler } from '../types';

function json(req: EmuRequest, data: unknown): EmuResponse {
  return {
    status: 200,
    headers: { 'content-type': 'application/json;charset=utf-8' },
    body: JSON.stringify({ requestId: req.requestId, httpCode: 200, data }),
  };
}

function findProject(world: World, name: string, region: string): { owner: EmuAccount; project: EmuMcProject } | undefined {
  for (const owner of world.accounts.values()) {
    const project = owner.mcProjects.find((p) => p.name === name && p.region === region);
    if (project) return { owner, project };
  }
  return undefined;
}

function projectBody(owner: EmuAccount, p: EmuMcProject): Record<string, unknown> {
  const created = new Date(p.createTime).getTime();
  return {
    name: p.name,
    owner: owner.id,
    type: 'managed',
    comment: p.comment ?? '',
    defaultQuota: 'os_PayAsYouGoQuota',
    status: 'AVAILABLE',
    productType: 'PayAsYouGo',
    threeTierModel: false,
    regionId: p.region,
    createdTime: Number.isNaN(created) ? 0 : created,
    properties: { timezone: 'Asia/Shanghai', retentionDays: 1, allowFullScan: false, typeSystem: '2.0', enableDecimal2: true },
  };
}

function getProject(req: EmuRequest, world: World, name: string): EmuResponse {
  const found = findProject(world, name, req.region);
  if (!found) throw new EmuError(404, 'OBJECT_NOT_EXIST', 'This object does not exist.');
  const id = req.caller.accountId;
  if (id !== found.owner.id && !(found.project.readers ?? []).includes(id)) {
    throw new EmuError(403, 'ODPS-0420095', `Access Denied - You don't exist in project ${name}.`);
  }
  return json(req, projectBody(found.owner, found.project));
}

function listProjects(req: EmuRequest, world: World): EmuResponse {
  const owner = world.accounts.get(req.caller.accountId);
  const prefix = req.query['prefix'] ?? '';
  const marker = req.query['marker'] ?? '';
  const maxItem = Math.min(Math.max(Number(req.query['maxItem'] ?? 100) || 100, 1), 1000);
  const all = (owner?.mcProjects ?? [])
    .filter((p) => p.region === req.region && p.name.startsWith(prefix) && p.name > marker)
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  const page = all.slice(0, maxItem);
  const next = all.length > maxItem ? page[page.length - 1]!.name : '';
  return json(req, { projects: page.map((p) => projectBody(owner!, p)), marker: next, maxItem });
}

export const maxcomputeService: ServiceHandler = (req, world) => {
  if (req.method === 'GET' && /^\/api\/v1\/projects\/?$/.test(req.path)) return listProjects(req, world);
  const m = /^\/api\/v1\/projects\/([^/]+)$/.exec(req.path);
  if (req.method === 'GET' && m) return getProject(req, world, m[1]!);
  throw new EmuError(404, 'InvalidApi.NotFound', `The emulator does not implement MaxCompute ${req.method} ${req.path}.`);
};
