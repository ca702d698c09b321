import type { ServiceHandler, ServiceName } from '../types';
import { actiontrailService } from './actiontrail';
import { ossService } from './oss';
import { slsService } from './sls';
import { maxcomputeService } from './maxcompute';
import { stsService } from './sts';
import { resourcemanagerService } from './resourcemanager';
import { ramService } from './ram';
import { fcService } from './fc';
import { eventbridgeService } from './eventbridge';

export const SERVICES: Record<ServiceName, ServiceHandler> = {
  actiontrail: actiontrailService,
  oss: ossService,
  sls: slsService,
  maxcompute: maxcomputeService,
  sts: stsService,
  resourcemanager: resourcemanagerService,
  ram: ramService,
  fc: fcService,
  eventbridge: eventbridgeService,
};
