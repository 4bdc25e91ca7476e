/**
 * Child process of bench/emulator.ts: runs one emulator with the rate limit lifted and `accounts`
 * seeded (acct_0 … acct_{n-1}), prints `ready {"baseUrl":…}` and serves until SIGTERM/SIGINT.
 * Argument: a JSON object { sdkAppId, adminIdentifier, secretKey, accounts, dbFile? }.
 */
import { startEmulator } from '../emulator/index.js';

interface Config {
  sdkAppId: number;
  adminIdentifier: string;
  secretKey: string;
  accounts: number;
  dbFile?: string;
}

const config = JSON.parse(process.argv[2] ?? '{}') as Config;
const emulator = await startEmulator({
  sdkAppId: config.sdkAppId,
  adminIdentifiers: [config.adminIdentifier],
  secretKey: config.secretKey,
  dbFile: config.dbFile,
  rateLimit: 0,
});
const seedStart = performance.now();
emulator.seedAccounts(Array.from({ length: config.accounts }, (_, i) => `acct_${i}`));
const seedMs = Math.round(performance.now() - seedStart);
process.stdout.write(`ready ${JSON.stringify({ baseUrl: emulator.baseUrl, seedMs })}\n`);

const stop = (): void => {
  void emulator.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
