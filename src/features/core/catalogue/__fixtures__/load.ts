import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Reads a fixture CSV (lines starting with # are the source note); empty cells become null. */
export function loadCsv(file: string): Record<string, number | null>[] & { dates: string[] } {
  const lines = readFileSync(join(__dirname, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'));
  const header = lines[0].split(',');
  const dates: string[] = [];
  const rows = lines.slice(1).map((line) => {
    const cells = line.split(',');
    const row: Record<string, number | null> = {};
    header.forEach((h, i) => {
      if (h === 'date') dates.push(cells[i]);
      else row[h] = cells[i] === undefined || cells[i] === '' ? null : Number(cells[i]);
    });
    return row;
  });
  return Object.assign(rows, { dates });
}
