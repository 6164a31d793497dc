import {
  CreateOrganizationDto,
  MessageDto,
  OrganizationDto,
  RootRoute,
  UpdateOrganizationDto,
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
import { OrganizationsService } from './organizations.service';

@ApiTags('organizations')
@ApiBearerAuth(BEARER_AUTH)
@ApiErrors(401, 403)
@UseGuards(JwtAuthGuard)
@Controller()
export class OrganizationsController {
  constructor(private readonly organizations: OrganizationsService) {}

  @Get(RootRoute.ORGANIZATIONS)
  @ApiOperation({ summary: 'Every organization (Admin)' })
  @ApiJsonOk([OrganizationDto])
  list(@CurrentPrincipal() principal: Principal): Promise<OrganizationDto[]> {
    return this.organizations.list(principal);
  }

  @Post(RootRoute.ORGANIZATIONS)
  @HttpCode(200)
  @ApiOperation({ summary: 'Create an organization (Admin)' })
  @ApiJsonBody(CreateOrganizationDto)
  @ApiJsonOk(OrganizationDto)
  @ApiErrors(400, 409, 422)
  create(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: CreateOrganizationDto,
  ): Promise<OrganizationDto> {
    return this.organizations.create(principal, dto);
  }

  @Put(RootRoute.ORGANIZATION)
  @ApiOperation({ summary: 'Rename an organization or replace its members (Admin)' })
  @ApiJsonBody(UpdateOrganizationDto)
  @ApiJsonOk(OrganizationDto)
  @ApiErrors(400, 404, 409, 422)
  update(
    @CurrentPrincipal() principal: Principal,
    @Param('organization_id') id: string,
    @Body() dto: UpdateOrganizationDto,
  ): Promise<OrganizationDto> {
    return this.organizations.update(principal, id, dto);
  }

  @Delete(RootRoute.ORGANIZATION)
  @ApiOperation({ summary: 'Delete an organization other than root (Admin)' })
  @ApiJsonOk(MessageDto)
  @ApiErrors(404, 409)
  delete(
    @CurrentPrincipal() principal: Principal,
    @Param('organization_id') id: string,
  ): Promise<MessageDto> {
    return this.organizations.delete(principal, id);
  }
}
