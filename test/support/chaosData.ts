/**
 * A seeded bulk-job input for the chaos suite: many small users, a few that need several calls,
 * and some unknown To_Accounts (never imported, so the service answers 30003 for them alone).
 * Returns what the input must produce: each user's friends, and each permanent failure.
 */
import type { FaultPlan } from '../../emulator/index.js';
import { mulberry32 } from '../../emulator/prng.js';
import type { AddFriendItem } from '../../im/schemas.js';

export interface ChaosUser {
  from: string;
  /** Input line (1-based) of this user's request body. */
  line: number;
  items: AddFriendItem[];
  /** To_Accounts among `items` that do not exist. */
  ghosts: string[];
}

export interface ChaosData {
  users: ChaosUser[];
  /** Accounts to seed in the emulator (users and real friends; ghosts excluded). */
  accounts: string[];
  items: number;
  ghosts: number;
  jsonl: string;
}

export function chaosData(seed: number, small = 185, big = 15, pool = 20_000): ChaosData {
  const random = mulberry32(seed);
  const users: ChaosUser[] = [];
  let ghostNo = 0;
  const total = small + big;
  // The big users are spread through the file so they do not all start together.
  const bigAt = new Set(Array.from({ length: big }, (_, k) => Math.floor(((k + 0.5) * total) / big)));
  for (let i = 0; i < total; i++) {
    const n = bigAt.has(i) ? 1_200 + Math.floor(random() * 1_400) : 1 + Math.floor(random() * 40);
    const chosen = new Set<number>();
    while (chosen.size < n) chosen.add(Math.floor(random() * pool));
    const items: AddFriendItem[] = [...chosen].map((j) => ({
      To_Account: `cf${j}`,
      AddSource: 'AddSource_Type_Chaos',
      ...(j % 2 === 0 && { Remark: `r${j}` }),
      ...(j % 3 === 0 && { GroupName: [`g${j % 4}`] }),
      AddTime: 1_700_000_000 + j,
    }));
    const ghosts: string[] = [];
    if (random() < 0.08) {
      const count = 1 + Math.floor(random() * 3);
      for (let k = 0; k < count; k++) {
        const ghost = `ghost${ghostNo++}`;
        ghosts.push(ghost);
        items.splice(Math.floor(random() * (items.length + 1)), 0, {
          To_Account: ghost,
          AddSource: 'AddSource_Type_Chaos',
        });
      }
    }
    users.push({ from: `cu${i}`, line: i + 1, items, ghosts });
  }
  const friends = new Set<string>();
  for (const u of users)
    for (const it of u.items) if (!u.ghosts.includes(it.To_Account)) friends.add(it.To_Account);
  return {
    users,
    accounts: [...users.map((u) => u.from), ...friends],
    items: users.reduce((n, u) => n + u.items.length, 0),
    ghosts: ghostNo,
    jsonl:
      users.map((u) => JSON.stringify({ From_Account: u.from, AddFriendItem: u.items })).join('\n') + '\n',
  };
}

/** Σ ⌈items / 1000⌉: the fewest calls the input needs. */
export function minCalls(data: ChaosData): number {
  return data.users.reduce((n, u) => n + Math.ceil(u.items.length / 1000), 0);
}

/**
 * The faults both chaos suites inject: about 10% transient whole-request codes (nothing written),
 * 2% gateway 502s, and slow successes (the write lands, the answer waits) — `pastTimeout` of them
 * past the client's 10 s timeout, so the batch is sent again and must not overlap the first send.
 */
export function chaosFaults(seed: number, pastTimeout: number): FaultPlan {
  return {
    seed,
    rules: [
      { kind: 'error', code: 30006, probability: 0.03 },
      { kind: 'error', code: 30007, probability: 0.02 },
      { kind: 'error', code: 60008, probability: 0.02 },
      { kind: 'error', code: 70169, probability: 0.015 },
      { kind: 'error', code: 70500, probability: 0.015 },
      { kind: 'http', status: 502, probability: 0.02 },
      { kind: 'slow', probability: 0.03, delayMs: 2_500 },
      { kind: 'slow', probability: pastTimeout, delayMs: 11_000 },
    ],
  };
}
