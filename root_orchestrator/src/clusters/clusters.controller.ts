import {
  ClusterRegistryRoute,
  type ClusterView,
  CreateJoinTokenDto,
  type CreatedJoinTokenView,
  type JoinTokenView,
  type MessageDto,
} from '@canopy/contracts';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { JwtAuthGuard } from '../auth/jwt-auth.guard';
import type { Principal } from '../auth/principal';
import { BEARER_AUTH } from '../common/openapi/setup-openapi';
import { ClustersService } from './clusters.service';
import { JoinTokensService } from './join-tokens.service';

@ApiTags('clusters')
@Controller()
export class ClustersController {
  constructor(private readonly clusters: ClustersService) {}

  @Get(ClusterRegistryRoute.CLUSTERS)
  @ApiOperation({
    summary: 'Every registered cluster with its last reported aggregates (Oakestra fields)',
  })
  list(): Promise<ClusterView[]> {
    return this.clusters.list();
  }

  @Get(ClusterRegistryRoute.CLUSTERS_ACTIVE)
  @ApiOperation({ summary: 'The active clusters (session open, reported within 3 periods)' })
  listActive(): Promise<ClusterView[]> {
    return this.clusters.listActive();
  }
}

@ApiTags('clusters')
@ApiBearerAuth(BEARER_AUTH)
@UseGuards(JwtAuthGuard)
@Controller()
export class ClusterAdminController {
  constructor(
    private readonly tokens: JoinTokensService,
    private readonly clusters: ClustersService,
  ) {}

  @Delete(ClusterRegistryRoute.CLUSTER)
  @ApiOperation({
    summary: 'Forget a cluster (Admin): session closed, instances placed on other clusters',
  })
  remove(
    @CurrentPrincipal() principal: Principal,
    @Param('cluster_id') id: string,
  ): Promise<MessageDto> {
    return this.clusters.remove(principal, id);
  }

  @Post(ClusterRegistryRoute.JOIN_TOKENS)
  @HttpCode(200)
  @ApiOperation({
    summary: 'Issue a cluster join token (Admin). The token is in this answer only.',
    description:
      'Body (all optional): description, max_uses (default 1), ttl_seconds (default 86400; 0 = no expiry).',
  })
  create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateJoinTokenDto,
  ): Promise<CreatedJoinTokenView> {
    return this.tokens.create(principal, body);
  }

  @Get(ClusterRegistryRoute.JOIN_TOKENS)
  @ApiOperation({ summary: 'List join tokens, never the tokens themselves (Admin)' })
  list(@CurrentPrincipal() principal: Principal): Promise<JoinTokenView[]> {
    return this.tokens.list(principal);
  }

  @Delete(ClusterRegistryRoute.JOIN_TOKEN)
  @ApiOperation({ summary: 'Revoke a join token (Admin); registered clusters are not affected' })
  revoke(
    @CurrentPrincipal() principal: Principal,
    @Param('token_id') id: string,
  ): Promise<JoinTokenView> {
    return this.tokens.revoke(principal, id);
  }
}
