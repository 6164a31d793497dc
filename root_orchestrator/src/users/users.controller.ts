import {
  ChangePasswordDto,
  MessageDto,
  PermissionsDto,
  RegisterUserDto,
  RootRoute,
  UpdateUserDto,
  UserDto,
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
import { UsersService } from './users.service';

@ApiTags('users')
@ApiBearerAuth(BEARER_AUTH)
@ApiErrors(401)
@UseGuards(JwtAuthGuard)
@Controller()
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post(RootRoute.AUTH_REGISTER)
  @HttpCode(200)
  @ApiOperation({
    summary: "Create a user in the caller's organization (Admin, Organization_Admin)",
  })
  @ApiJsonBody(RegisterUserDto)
  @ApiJsonOk(UserDto)
  @ApiErrors(400, 403, 409)
  register(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: RegisterUserDto,
  ): Promise<UserDto> {
    return this.users.register(principal, dto);
  }

  @Get(RootRoute.PERMISSION)
  @ApiOperation({ summary: "A user's roles in the caller's organization (self, Admin)" })
  @ApiJsonOk(PermissionsDto)
  @ApiErrors(403, 404)
  permissions(
    @CurrentPrincipal() principal: Principal,
    @Param('username') username: string,
  ): Promise<PermissionsDto> {
    return this.users.permissions(principal, username);
  }

  @Get(RootRoute.USER)
  @ApiOperation({ summary: 'A user (self, Admin)' })
  @ApiJsonOk(UserDto)
  @ApiErrors(403, 404)
  get(
    @CurrentPrincipal() principal: Principal,
    @Param('username') username: string,
  ): Promise<UserDto> {
    return this.users.get(principal, username);
  }

  @Put(RootRoute.USER)
  @ApiOperation({
    summary: "Update e-mail, password or roles in the caller's organization (Admin)",
  })
  @ApiJsonBody(UpdateUserDto)
  @ApiJsonOk(UserDto)
  @ApiErrors(400, 403, 404, 409, 422)
  update(
    @CurrentPrincipal() principal: Principal,
    @Param('username') username: string,
    @Body() dto: UpdateUserDto,
  ): Promise<UserDto> {
    return this.users.update(principal, username, dto);
  }

  @Delete(RootRoute.USER)
  @ApiOperation({ summary: 'Delete a user who owns no application (Admin)' })
  @ApiJsonOk(MessageDto)
  @ApiErrors(403, 404, 409)
  delete(
    @CurrentPrincipal() principal: Principal,
    @Param('username') username: string,
  ): Promise<MessageDto> {
    return this.users.delete(principal, username);
  }

  @Post(RootRoute.USER)
  @HttpCode(200)
  @ApiOperation({ summary: 'Change your own password; tokens issued before are revoked' })
  @ApiJsonBody(ChangePasswordDto)
  @ApiJsonOk(MessageDto)
  @ApiErrors(400, 403, 404)
  changePassword(
    @CurrentPrincipal() principal: Principal,
    @Param('username') username: string,
    @Body() dto: ChangePasswordDto,
  ): Promise<MessageDto> {
    return this.users.changePassword(principal, username, dto);
  }

  @Get(RootRoute.USERS)
  @ApiOperation({ summary: 'Every user (Admin)' })
  @ApiJsonOk([UserDto])
  @ApiErrors(403)
  listAll(@CurrentPrincipal() principal: Principal): Promise<UserDto[]> {
    return this.users.listAll(principal);
  }

  @Get(RootRoute.USERS_OF_ORGANIZATION)
  @ApiOperation({
    summary: "An organization's users with their roles (Admin, its Organization_Admin)",
  })
  @ApiJsonOk([UserDto])
  @ApiErrors(403, 404)
  listOfOrganization(
    @CurrentPrincipal() principal: Principal,
    @Param('organization_id') organizationId: string,
  ): Promise<UserDto[]> {
    return this.users.listOfOrganization(principal, organizationId);
  }
}
