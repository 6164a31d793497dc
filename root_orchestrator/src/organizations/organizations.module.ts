import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { UsersDataModule } from '../users/users-data.module';
import { OrganizationsController } from './organizations.controller';
import { OrganizationsDataModule } from './organizations-data.module';
import { OrganizationsService } from './organizations.service';

@Module({
  imports: [AuthModule, OrganizationsDataModule, UsersDataModule],
  controllers: [OrganizationsController],
  providers: [OrganizationsService],
})
export class OrganizationsModule {}
