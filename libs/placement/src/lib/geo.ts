import type { GeoPoint } from './types';

/** IUGG mean Earth radius, km. */
export const EARTH_RADIUS_KM = 6371.0088;

const toRadians = (degrees: number): number => (degrees * Math.PI) / 180;

/**
 * Great-circle distance in km (haversine):
 * `d = 2R·asin(√(sin²(Δφ/2) + cos φ1·cos φ2·sin²(Δλ/2)))`, R = 6371.0088 km.
 * Munich–Berlin ≈ 504 km.
 */
export function haversineKm(a: GeoPoint, b: GeoPoint): number {
  const dLat = toRadians(b.lat - a.lat);
  const dLong = toRadians(b.long - a.long);
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(toRadians(a.lat)) * Math.cos(toRadians(b.lat)) * Math.sin(dLong / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;

/**
 * Parses an SLA location `"lat,long"` (degrees, optional spaces). Oakestra's cluster location
 * may carry a third `,radius` part, which is ignored. Returns undefined when malformed or out of
 * range (|lat| ≤ 90, |long| ≤ 180).
 */
export function parseLocation(text: string): GeoPoint | undefined {
  const parts = text.split(',').map((part) => part.trim());
  if (parts.length < 2 || parts.length > 3) return undefined;
  const [latText = '', longText = ''] = parts;
  if (!DECIMAL.test(latText) || !DECIMAL.test(longText)) return undefined;
  const lat = Number(latText);
  const long = Number(longText);
  if (Math.abs(lat) > 90 || Math.abs(long) > 180) return undefined;
  return { lat, long };
}
