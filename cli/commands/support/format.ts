/** Plain-text formatting for the CLI's human output (numbers, durations, code tallies) and the picking of summary fields. */

/**
 * A number as people read it (`1,234`), and with a noun the noun in the right number: `1 line`,
 * `2 lines`, `1 bad row`, `0 items`. The plural is the noun and an s unless given (`1 pair
 * differs` / `2 pairs differ`). Every human count with a noun goes through here, so none is
 * pluralised by hand.
 */
export function count(n: number, noun?: string, plural?: string): string {
  const number = n.toLocaleString('en-US');
  if (noun === undefined) return number;
  return `${number} ${n === 1 ? noun : (plural ?? `${noun}s`)}`;
}

/** The named fields of `o`, in that order: a summary copies the job's figures by name. */
export function pick<T extends object, K extends keyof T>(o: T, ...keys: K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((k) => [k, o[k]])) as Pick<T, K>;
}

/** `850 ms`, `12.3 s`, `4m05s`, `2h03m`. */
export function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const s = Math.round(ms / 1_000);
  if (s < 3_600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3_600)}h${String(Math.floor((s % 3_600) / 60)).padStart(2, '0')}m`;
}

/** `30003 ×10, rejected ×2`, codes in numeric order, `rejected` and other labels last. */
export function codes(byCode: Record<string, number>): string {
  return Object.entries(byCode)
    .filter(([, n]) => n > 0)
    .sort(([a], [b]) => {
      const na = Number(a);
      const nb = Number(b);
      if (Number.isNaN(na) || Number.isNaN(nb))
        return Number.isNaN(na) ? (Number.isNaN(nb) ? a.localeCompare(b) : 1) : -1;
      return na - nb;
    })
    .map(([code, n]) => `${code} ×${count(n)}`)
    .join(', ');
}
