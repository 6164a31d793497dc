import {
  MessageDto,
  RootRoute,
  ServiceDeploymentResultDto,
  ServiceDto,
  ServiceUpdateResultDto,
  SlaDto,
  SlaMicroserviceDto,
} from '@canopy/contracts';
import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Put,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { JwtAuthGuard } from '../auth/jwt-auth.guard';
import type { Principal } from '../auth/principal';
import { ApiErrors, ApiJsonBody, ApiJsonOk } from '../common/openapi/api-docs.decorators';
import { schemaOf } from '../common/openapi/validation-schema';
import { BEARER_AUTH } from '../common/openapi/setup-openapi';
import { type ServiceUpdateResult, ServicesService } from './services.service';

@ApiTags('services')
@ApiBearerAuth(BEARER_AUTH)
@ApiErrors(401, 403)
@UseGuards(JwtAuthGuard)
@Controller()
export class ServicesController {
  constructor(private readonly services: ServicesService) {}

  // SLA bodies are validated by the service (validateSla: whole-SLA check, 422 with paths),
  // so they are typed `unknown` here and the global ValidationPipe leaves them alone.
  @Post(RootRoute.SERVICE_CREATE)
  @HttpCode(200)
  @ApiOperation({
    summary: 'Add the SLA microservices to the application applications[0].applicationID',
  })
  @ApiJsonBody(SlaDto)
  @ApiJsonOk(ServiceDeploymentResultDto)
  @ApiErrors(400, 404, 409, 413, 422)
  create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: unknown,
  ): Promise<ServiceDeploymentResultDto> {
    return this.services.addToApplication(principal, body);
  }

  @Get(RootRoute.SERVICE)
  @ApiOperation({ summary: 'A service (job) with its instance_list (owner, Admin)' })
  @ApiJsonOk(ServiceDto)
  @ApiErrors(404)
  get(
    @CurrentPrincipal() principal: Principal,
    @Param('serviceid') id: string,
  ): Promise<Record<string, unknown>> {
    return this.services.get(principal, id);
  }

  @Put(RootRoute.SERVICE)
  @ApiOperation({
    summary: 'Replace the stored spec (not rolled out to running instances yet)',
    description:
      'Body: an SLA with one application and one microservice, or the microservice alone.',
  })
  @ApiJsonBody({ oneOf: [schemaOf(SlaDto), schemaOf(SlaMicroserviceDto)] })
  @ApiJsonOk(ServiceUpdateResultDto)
  @ApiErrors(400, 404, 409, 413, 422)
  update(
    @CurrentPrincipal() principal: Principal,
    @Param('serviceid') id: string,
    @Body() body: unknown,
  ): Promise<ServiceUpdateResult> {
    return this.services.update(principal, id, body);
  }

  @Delete(RootRoute.SERVICE)
  @ApiOperation({ summary: 'Delete a service, its instances and their queued jobs' })
  @ApiJsonOk(MessageDto)
  @ApiErrors(404)
  delete(
    @CurrentPrincipal() principal: Principal,
    @Param('serviceid') id: string,
  ): Promise<MessageDto> {
    return this.services.delete(principal, id);
  }

  @Get(RootRoute.SERVICES_OF_APPLICATION)
  @ApiOperation({ summary: "An application's services (owner, Admin)" })
  @ApiJsonOk([ServiceDto])
  @ApiErrors(404)
  listOfApplication(
    @CurrentPrincipal() principal: Principal,
    @Param('appid') appId: string,
  ): Promise<Record<string, unknown>[]> {
    return this.services.listOfApplication(principal, appId);
  }

  @Get(RootRoute.SERVICES)
  @ApiOperation({ summary: 'Every service (Admin)' })
  @ApiJsonOk([ServiceDto])
  listAll(@CurrentPrincipal() principal: Principal): Promise<Record<string, unknown>[]> {
    return this.services.listAll(principal);
  }
}
