import { IsDefined, IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { IsMetricValue, type MetricValue } from '../../validation/metric';
import {
  IsNonNegativeInt,
  NestedArray,
  NullAsEmptyArray,
  OptionalField,
} from '../../validation/validators';

/** Oakestra's node engine sends the last 1024 bytes; the bound leaves room for escaping. */
export const MAX_LOG_TAIL_LENGTH = 4096;

/** Usage of one instance on the worker. */
export class ServiceResourcesDto {
  @IsDefined()
  @IsString()
  @IsNotEmpty()
  job_name!: string;

  /** Instance number. */
  @IsDefined()
  @IsNonNegativeInt()
  instance!: number;

  @OptionalField()
  @IsString()
  virtualization?: string;

  @OptionalField()
  @IsMetricValue()
  cpu_percent?: MetricValue;

  @OptionalField()
  @IsMetricValue()
  memory_percent?: MetricValue;

  @OptionalField()
  @IsMetricValue()
  disk?: MetricValue;

  /** Tail of the instance log. */
  @OptionalField()
  @IsString()
  @MaxLength(MAX_LOG_TAIL_LENGTH)
  logs?: string;
}

/** `nodes/<id>/jobs/resources`: every instance the worker runs. */
export class JobsResourcesDto {
  /** `null` (a Go nil slice: no instances) reads as []. */
  @NullAsEmptyArray()
  @IsDefined()
  @NestedArray(() => ServiceResourcesDto)
  services!: ServiceResourcesDto[];
}
