/** ISO 8601 (UTC) of a Date, an epoch-ms number or a timestamp string; null stays null. */
export function isoOrNull(value: Date | number | string | null | undefined): string | null {
  return value === null || value === undefined ? null : new Date(value).toISOString();
}
