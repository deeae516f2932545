// The eight divisions of Bangladesh, by which prayer times are reckoned
// (README "Prayer times, festivals and Bengali dates"). A user's division
// comes from the upgrade's `?division=` or the token's `division` claim;
// Dhaka when neither names one.
export const DIVISIONS = ['dhaka', 'chattogram', 'rajshahi', 'khulna', 'barishal', 'sylhet', 'rangpur', 'mymensingh'] as const;
export type Division = (typeof DIVISIONS)[number];
export const DEFAULT_DIVISION: Division = 'dhaka';

/**
 * The headquarters city of each division, in degrees (city centre, as the
 * cities' Wikipedia/GeoNames entries give them, rounded to 4 places). Prayer
 * times move by about 4 minutes per degree of longitude, so a division-wide
 * figure is at most a few minutes off for its farthest districts.
 */
export const DIVISION_COORDINATES: Readonly<Record<Division, { city: string; lat: number; lng: number }>> = {
  dhaka: { city: 'Dhaka', lat: 23.8103, lng: 90.4125 },
  chattogram: { city: 'Chattogram', lat: 22.3569, lng: 91.7832 },
  rajshahi: { city: 'Rajshahi', lat: 24.3745, lng: 88.6042 },
  khulna: { city: 'Khulna', lat: 22.8456, lng: 89.5403 },
  barishal: { city: 'Barishal', lat: 22.701, lng: 90.3535 },
  sylhet: { city: 'Sylhet', lat: 24.8949, lng: 91.8687 },
  rangpur: { city: 'Rangpur', lat: 25.7439, lng: 89.2752 },
  mymensingh: { city: 'Mymensingh', lat: 24.7471, lng: 90.4203 },
};

/** Reads a division name as tokens and clients send it: any case, `Chittagong`/`Barisal` (the old spellings) too. */
export function parseDivision(raw: unknown): Division | undefined {
  if (typeof raw !== 'string') return undefined;
  const v = raw.trim().toLowerCase();
  if (v === 'chittagong') return 'chattogram';
  if (v === 'barisal') return 'barishal';
  return (DIVISIONS as readonly string[]).includes(v) ? (v as Division) : undefined;
}
