/** Every workflow the worker registers (the bundle's entry point). */
export { ImportFriendsWorkflow } from './userImport.js';
export { BulkImportWorkflow } from './bulkImport.js';
export { AppCoordinatorWorkflow } from './coordinator.js';
export { VerifyJobWorkflow } from './verifyJob.js';
export { SyncJobWorkflow } from './syncJob.js';
