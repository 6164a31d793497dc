import type { NetServiceDeployedDto, NetServiceUndeployedDto } from '@canopy/contracts';
import { Injectable } from '@nestjs/common';
import { ClusterInstanceRepository } from '../instances/cluster-instance.repository';
import { ReportTrigger } from '../report/report-trigger';
import { deployedReportProblem } from './net-services.rules';
import { ServicesPublisher } from './services-publisher.service';
import { WorkerSubnetService } from './worker-subnet.service';

/** What became of a worker's report: recorded, ignored (nothing to change) or refused (why). */
export type ServiceReportOutcome =
  | { outcome: 'recorded' }
  | { outcome: 'ignored'; reason: string }
  | { outcome: 'refused'; reason: string };

/**
 * A worker's net manager reports (`net/service/deployed|undeployed`, already validated as DTOs):
 * records or clears the instance's namespace IP and asks for a service table sync. Only the
 * worker an instance is placed on can set its namespace IP, and only to an address of its own
 * subnet; it can clear only what it set.
 */
@Injectable()
export class ServiceReportsService {
  constructor(
    private readonly instances: ClusterInstanceRepository,
    private readonly subnets: WorkerSubnetService,
    private readonly publisher: ServicesPublisher,
    // The root needs namespace IPs at once: other clusters' workers wait for them.
    private readonly reports: ReportTrigger,
  ) {}

  async deployed(workerId: string, report: NetServiceDeployedDto): Promise<ServiceReportOutcome> {
    const subnet = (await this.subnets.assignments()).get(workerId);
    const problem = deployedReportProblem(report, subnet);
    if (problem !== undefined) return { outcome: 'refused', reason: problem };
    const matched = await this.instances.setNamespaceIp(
      report.appname,
      report.instance_number,
      workerId,
      report.nsip,
    );
    if (!matched) return { outcome: 'ignored', reason: 'no such instance on this worker' };
    this.publisher.request();
    this.reports.request();
    return { outcome: 'recorded' };
  }

  async undeployed(
    workerId: string,
    report: NetServiceUndeployedDto,
  ): Promise<ServiceReportOutcome> {
    // The record may be gone already (undeploy command): the sync then drops it anyway.
    const changed = await this.instances.clearNamespaceIp(
      report.appname,
      report.instance_number,
      workerId,
    );
    this.publisher.request();
    if (changed) this.reports.request();
    return changed ? { outcome: 'recorded' } : { outcome: 'ignored', reason: 'nothing recorded' };
  }
}
