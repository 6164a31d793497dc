import { InstanceRequestedDto, MessageDto, RootRoute } from '@canopy/contracts';
import { Controller, Delete, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { JwtAuthGuard } from '../auth/jwt-auth.guard';
import type { Principal } from '../auth/principal';
import { ApiErrors, ApiJsonOk } from '../common/openapi/api-docs.decorators';
import { BEARER_AUTH } from '../common/openapi/setup-openapi';
import { InstancesService } from './instances.service';

@ApiTags('instances')
@ApiBearerAuth(BEARER_AUTH)
@ApiErrors(401, 403, 404)
@UseGuards(JwtAuthGuard)
@Controller()
export class InstancesController {
  constructor(private readonly instances: InstancesService) {}

  @Post(RootRoute.SERVICE_INSTANCE)
  @HttpCode(200)
  @ApiOperation({ summary: 'One more instance: REQUESTED, and queued for scheduling' })
  @ApiJsonOk(InstanceRequestedDto)
  scaleUp(
    @CurrentPrincipal() principal: Principal,
    @Param('serviceid') id: string,
  ): Promise<InstanceRequestedDto> {
    return this.instances.scaleUp(principal, id);
  }

  @Delete(RootRoute.SERVICE_INSTANCE_NUMBER)
  @ApiOperation({ summary: 'Remove instance n (-1: all) and its queued scheduling job' })
  @ApiJsonOk(MessageDto)
  @ApiErrors(400)
  scaleDown(
    @CurrentPrincipal() principal: Principal,
    @Param('serviceid') id: string,
    @Param('instance_number') instanceNumber: string,
  ): Promise<MessageDto> {
    return this.instances.scaleDown(principal, id, instanceNumber);
  }
}
