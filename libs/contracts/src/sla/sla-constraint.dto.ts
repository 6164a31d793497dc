import { IsArray, IsDefined, IsIn, IsNumber, IsString } from 'class-validator';
import { IsNonNegativeInt, OptionalField } from '../validation/validators';

/**
 * Placement constraint types. Only `direct` (pin to cluster names / worker hostnames) is
 * implemented by Oakestra; the others are historic/doc-only there and reserved here.
 */
export const ConstraintType = {
  DIRECT: 'direct',
  GEO: 'geo',
  LATENCY: 'latency',
  ADDONS: 'addons',
  CLUSTERS: 'clusters',
} as const;
export type ConstraintType = (typeof ConstraintType)[keyof typeof ConstraintType];
export const CONSTRAINT_TYPES: readonly ConstraintType[] = Object.values(ConstraintType);

/** Separator of several worker hostnames in a `direct` constraint's `node` (`worker1;worker2`). */
export const DIRECT_NODE_SEPARATOR = ';';

export class SlaConstraintDto {
  @IsDefined()
  @IsIn(CONSTRAINT_TYPES)
  type!: ConstraintType;

  /** geo: area name. */
  @OptionalField()
  @IsString()
  area?: string;

  /** direct: target cluster name. */
  @OptionalField()
  @IsString()
  cluster?: string;

  /** direct: target worker hostname(s), `;`-separated. */
  @OptionalField()
  @IsString()
  node?: string;

  /** geo/latency: `lat,long`. */
  @OptionalField()
  @IsString()
  location?: string;

  @OptionalField()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  threshold?: number;

  @OptionalField()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  rigidness?: number;

  @OptionalField()
  @IsNonNegativeInt()
  convergence_time?: number;

  /** addons: required worker addons. */
  @OptionalField()
  @IsArray()
  @IsString({ each: true })
  needs?: string[];

  /** clusters: allowed cluster names. */
  @OptionalField()
  @IsArray()
  @IsString({ each: true })
  allowed?: string[];
}
