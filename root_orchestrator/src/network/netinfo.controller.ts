import { RootRoute } from '@canopy/contracts';
import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { JwtAuthGuard } from '../auth/jwt-auth.guard';
import type { Principal } from '../auth/principal';
import { ApiErrors } from '../common/openapi/api-docs.decorators';
import { BEARER_AUTH } from '../common/openapi/setup-openapi';
import { AVAILABLE_IPS_SCHEMA, SERVICE_NETINFO_SCHEMA } from './netinfo.openapi';
import type { AvailableServiceIpsView, ServiceNetinfoView } from './netinfo.presenter';
import { NetinfoService } from './netinfo.service';

const V_QUERY = {
  name: 'v',
  required: false,
  enum: ['4', '6'],
  description: 'Address family; both when absent (Canopy has no IPv6 service pool yet: none)',
} as const;

/**
 * Oakestra's public netinfo routes. Declaration order matters: `available-ip` must be routed
 * before the `:service_name` pattern, which would otherwise take it as a service name.
 */
@ApiTags('network')
@ApiBearerAuth(BEARER_AUTH)
@ApiErrors(401, 403)
@UseGuards(JwtAuthGuard)
@Controller()
export class NetinfoController {
  constructor(private readonly netinfo: NetinfoService) {}

  @Get(RootRoute.NETINFO_AVAILABLE_IP)
  @ApiOperation({ summary: 'The next free ServiceIP (not reserved: another request may take it)' })
  @ApiQuery(V_QUERY)
  @ApiOkResponse({ schema: AVAILABLE_IPS_SCHEMA })
  @ApiErrors(400)
  availableIp(
    @CurrentPrincipal() principal: Principal,
    @Query('v') v?: string,
  ): Promise<AvailableServiceIpsView> {
    return this.netinfo.availableIps(principal, undefined, v);
  }

  @Get(RootRoute.NETINFO_AVAILABLE_IPS)
  @ApiOperation({ summary: 'The next x (1..256) free ServiceIPs, not reserved' })
  @ApiQuery(V_QUERY)
  @ApiOkResponse({ schema: AVAILABLE_IPS_SCHEMA })
  @ApiErrors(400)
  availableIps(
    @CurrentPrincipal() principal: Principal,
    @Param('x') x: string,
    @Query('v') v?: string,
  ): Promise<AvailableServiceIpsView> {
    return this.netinfo.availableIps(principal, x, v);
  }

  @Get(RootRoute.NETINFO_SERVICE_BY_IP)
  @ApiOperation({
    summary: 'Networking facts of the service holding a ServiceIP or InstanceIP (owner, Admin)',
  })
  @ApiOkResponse({ schema: SERVICE_NETINFO_SCHEMA })
  @ApiErrors(400, 404)
  byIp(
    @CurrentPrincipal() principal: Principal,
    @Param('service_ip') ip: string,
  ): Promise<ServiceNetinfoView> {
    return this.netinfo.byIp(principal, ip);
  }

  @Get(RootRoute.NETINFO_SERVICE_BY_NAME)
  @ApiOperation({ summary: 'Networking facts of a service by job name (owner, Admin)' })
  @ApiOkResponse({ schema: SERVICE_NETINFO_SCHEMA })
  @ApiErrors(404)
  byName(
    @CurrentPrincipal() principal: Principal,
    @Param('service_name') name: string,
  ): Promise<ServiceNetinfoView> {
    return this.netinfo.byName(principal, name);
  }
}
