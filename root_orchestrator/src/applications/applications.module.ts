import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ServicesModule } from '../services/services.module';
import { UsersDataModule } from '../users/users-data.module';
import { ApplicationsController } from './applications.controller';
import { ApplicationsDataModule } from './applications-data.module';
import { ApplicationsService } from './applications.service';

@Module({
  imports: [AuthModule, ApplicationsDataModule, ServicesModule, UsersDataModule],
  controllers: [ApplicationsController],
  providers: [ApplicationsService],
})
export class ApplicationsModule {}
