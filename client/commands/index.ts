import type { Command } from 'commander';
import { registerCodecServer } from './codecServer.js';
import { registerEmulator } from './emulator.js';
import { registerWorker } from './worker.js';

/** Adds every command to the program; each command module is imported only when it runs. */
export function registerCommands(_program: Command): void {
  // Commands are registered here as they are built (emulator, worker, dev, import, …).
  registerCodecServer(_program);
  registerWorker(_program);
  registerEmulator(_program);
}
