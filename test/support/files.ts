/** Input files for bulk-job tests: the same users and items as JSONL request bodies or as CSV rows. */
import { stringify } from 'csv-stringify/sync';
import { writeFile } from 'node:fs/promises';
import { CSV_STANDARD_COLUMNS, groupCell } from '../../formats/source/records.js';
import type { AddFriendItem } from '../../im/schemas.js';

export interface UserInput {
  from: string;
  items: AddFriendItem[];
}

export async function writeJsonl(
  path: string,
  users: readonly UserInput[],
  extraLines: string[] = [],
): Promise<void> {
  const lines = users.map((u) => JSON.stringify({ From_Account: u.from, AddFriendItem: u.items }));
  await writeFile(path, [...lines, ...extraLines].join('\n') + '\n');
}

export async function writeCsv(
  path: string,
  users: readonly UserInput[],
  tags: string[] = [],
): Promise<void> {
  const rows = users.flatMap((u) =>
    u.items.map((i) => [
      u.from,
      i.To_Account,
      i.AddSource,
      i.Remark ?? '',
      i.RemarkTime ?? '',
      groupCell(i.GroupName ?? []),
      i.AddWording ?? '',
      i.AddTime ?? '',
      ...tags.map((t) => String(i.CustomItem?.find((c) => c.Tag === t)?.Value ?? '')),
    ]),
  );
  await writeFile(path, stringify(rows, { header: true, columns: [...CSV_STANDARD_COLUMNS, ...tags] }));
}
