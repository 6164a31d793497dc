import {
  ApplicationDto,
  MessageDto,
  RootRoute,
  SlaDto,
  UpdateApplicationDto,
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
import { BEARER_AUTH } from '../common/openapi/setup-openapi';
import { ApplicationsService } from './applications.service';

@ApiTags('applications')
@ApiBearerAuth(BEARER_AUTH)
@ApiErrors(401, 403)
@UseGuards(JwtAuthGuard)
@Controller()
export class ApplicationsController {
  constructor(private readonly applications: ApplicationsService) {}

  // The SLA is validated by the service as a whole (validateSla), hence `unknown` here.
  @Post(RootRoute.APPLICATION_CREATE)
  @HttpCode(200)
  @ApiOperation({
    summary: "Register the SLA's applications and services; answers all your applications",
  })
  @ApiJsonBody(SlaDto)
  @ApiJsonOk([ApplicationDto])
  @ApiErrors(400, 409, 413, 422)
  create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: unknown,
  ): Promise<ApplicationDto[]> {
    return this.applications.create(principal, body);
  }

  @Get(RootRoute.APPLICATION)
  @ApiOperation({ summary: 'An application (owner, Admin)' })
  @ApiJsonOk(ApplicationDto)
  @ApiErrors(404)
  get(
    @CurrentPrincipal() principal: Principal,
    @Param('appid') id: string,
  ): Promise<ApplicationDto> {
    return this.applications.get(principal, id);
  }

  @Put(RootRoute.APPLICATION)
  @ApiOperation({ summary: 'Rename or describe an application (owner, Admin)' })
  @ApiJsonBody(UpdateApplicationDto)
  @ApiJsonOk(MessageDto)
  @ApiErrors(400, 404, 409, 422)
  update(
    @CurrentPrincipal() principal: Principal,
    @Param('appid') id: string,
    @Body() dto: UpdateApplicationDto,
  ): Promise<MessageDto> {
    return this.applications.update(principal, id, dto);
  }

  @Delete(RootRoute.APPLICATION)
  @ApiOperation({ summary: 'Delete an application with its services, instances and queued jobs' })
  @ApiJsonOk(MessageDto)
  @ApiErrors(404)
  delete(
    @CurrentPrincipal() principal: Principal,
    @Param('appid') id: string,
  ): Promise<MessageDto> {
    return this.applications.delete(principal, id);
  }

  @Get(RootRoute.APPLICATIONS_OF_USER)
  @ApiOperation({ summary: "A user's applications (that user by id or name, Admin)" })
  @ApiJsonOk([ApplicationDto])
  @ApiErrors(404)
  listOfUser(
    @CurrentPrincipal() principal: Principal,
    @Param('userid') userId: string,
  ): Promise<ApplicationDto[]> {
    return this.applications.listOfUser(principal, userId);
  }

  @Get(RootRoute.APPLICATIONS)
  @ApiOperation({ summary: 'Every application (Admin)' })
  @ApiJsonOk([ApplicationDto])
  listAll(@CurrentPrincipal() principal: Principal): Promise<ApplicationDto[]> {
    return this.applications.listAll(principal);
  }
}
