/**
 * Simple Log Service (SLS), the calls @alicloud/sls20201230 makes for destination checks:
 * GetProject (GET / on "<project>.<region>.log.aliyuncs.com"), ListLogStores (GET /logstores),
 * GetLogStore (GET /logstores/{name}), and ListProject (GET / on the region endpoint).
 *
 * Projects are named per region; one in another region is "ProjectNotExist" on this endpoint.
 * A project is readable by its owner and by accounts in `readers`; others get SLS's
 * 401 Unauthorized ("denied by sts or ram"), as the real service answers a cross-account read.
 * Errors are SLS JSON ({errorCode, errorMessage}); emulator/errors.ts formats them.
 */
import type { EmuAccount, EmuSlsProject, World } from '../state';
import { EmuError, type EmuRequest, type EmuResponse, type ServiceHandler } from '../types';

function json(body: unknown): EmuResponse {
  return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/** SLS prints project times as "YYYY-MM-DD HH:mm:ss". */
function slsTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().slice(0, 19).replace('T', ' ');
}

function epochSeconds(iso: string): number {
  const t = new Date(iso).getTime();
  return Number.isNaN(t) ? 0 : Math.floor(t / 1000);
}

function findProject(world: World, name: string, region: string): { owner: EmuAccount; project: EmuSlsProject } | undefined {
  for (const owner of world.accounts.values()) {
    const project = owner.slsProjects.find((p) => p.name === name && p.region === region);
    if (project) return { owner, project };
  }
  return undefined;
}

function requireProject(req: EmuRequest, world: World, action: string): { owner: EmuAccount; project: EmuSlsProject } {
  const name = req.project!;
  const found = findProject(world, name, req.region);
  if (!found) throw new EmuError(404, 'ProjectNotExist', `The Project does not exist : ${name}`);
  const id = req.caller.accountId;
  if (id !== found.owner.id && !(found.project.readers ?? []).includes(id)) {
    throw new EmuError(
      401,
      'Unauthorized',
      `denied by sts or ram, action: log:${action}, resource: acs:log:${req.region}:${found.owner.id}:project/${name}`,
    );
  }
  return found;
}

function projectBody(owner: EmuAccount, p: EmuSlsProject): Record<string, unknown> {
  return {
    projectName: p.name,
    description: p.description ?? '',
    region: p.region,
    owner: owner.id,
    status: 'Normal',
    createTime: slsTime(p.createTime),
    lastModifyTime: slsTime(p.createTime),
    dataRedundancyType: 'LRS',
    recycleBinEnabled: false,
    resourceGroupId: '',
    location: '',
  };
}

function logstoreBody(p: EmuSlsProject, name: string): Record<string, unknown> {
  const t = epochSeconds(p.createTime);
  return {
    logstoreName: name,
    ttl: p.logstoreTtl?.[name] ?? 180,
    shardCount: 2,
    autoSplit: true,
    maxSplitShard: 64,
    appendMeta: true,
    enable_tracking: false,
    telemetryType: '',
    mode: 'standard',
    productType: '',
    createTime: t,
    lastModifyTime: t,
  };
}

function listLogStores(req: EmuRequest, p: EmuSlsProject): EmuResponse {
  const filter = req.query['logstoreName'] ?? '';
  const offset = Math.max(Number(req.query['offset'] ?? 0) || 0, 0);
  const size = Math.min(Math.max(Number(req.query['size'] ?? 200) || 200, 1), 500);
  const all = p.logstores.filter((n) => n.includes(filter)).sort();
  const page = all.slice(offset, offset + size);
  return json({ count: page.length, total: all.length, logstores: page });
}

function listProjects(req: EmuRequest, world: World): EmuResponse {
  const owner = world.accounts.get(req.caller.accountId);
  const offset = Math.max(Number(req.query['offset'] ?? 0) || 0, 0);
  const size = Math.min(Math.max(Number(req.query['size'] ?? 100) || 100, 1), 500);
  const all = (owner?.slsProjects ?? []).filter((p) => p.region === req.region && p.name.includes(req.query['projectName'] ?? ''));
  const page = all.slice(offset, offset + size).map((p) => projectBody(owner!, p));
  return json({ count: page.length, total: all.length, projects: page });
}

export const slsService: ServiceHandler = (req, world) => {
  if (req.method !== 'GET') throw new EmuError(501, 'NotImplemented', `The emulator does not implement SLS ${req.method} ${req.path}.`);
  if (!req.project) {
    if (req.path === '/') return listProjects(req, world);
    throw new EmuError(400, 'ProjectNotSpecified', 'The project is not specified in the Host header.');
  }
  if (req.path === '/' || req.path === '') {
    const { owner, project } = requireProject(req, world, 'GetProject');
    return json(projectBody(owner, project));
  }
  if (req.path === '/logstores') {
    const { project } = requireProject(req, world, 'ListLogStores');
    return listLogStores(req, project);
  }
  const m = /^\/logstores\/([^/]+)$/.exec(req.path);
  if (m) {
    const { project } = requireProject(req, world, 'GetLogStore');
    const name = m[1]!;
    if (!project.logstores.includes(name)) throw new EmuError(404, 'LogStoreNotExist', `logstore ${name} does not exist`);
    return json(logstoreBody(project, name));
  }
  throw new EmuError(501, 'NotImplemented', `The emulator does not implement SLS GET ${req.path}.`);
};
