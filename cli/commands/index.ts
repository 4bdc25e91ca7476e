import type { Command } from 'commander';
import { registerCodecServer } from './codecServer.js';
import { registerConcurrency } from './concurrency.js';
import { registerJobControl } from './control.js';
import { registerDemo } from './demo.js';
import { registerDev } from './dev.js';
import { registerEmulator } from './emulator.js';
import { registerImport } from './import.js';
import { registerReport } from './report.js';
import { registerStatus } from './status.js';
import { registerSync } from './sync.js';
import { registerUser } from './user.js';
import { registerVerify } from './verify.js';
import { registerWorker } from './worker.js';

/** Adds every command to the program; each command's heavy modules are imported only when it runs. */
export function registerCommands(program: Command): void {
  registerDemo(program);
  registerDev(program);
  registerImport(program);
  registerVerify(program);
  registerSync(program);
  registerStatus(program);
  registerReport(program);
  registerJobControl(program);
  registerConcurrency(program);
  registerUser(program);
  registerWorker(program);
  registerEmulator(program);
  registerCodecServer(program);
}
