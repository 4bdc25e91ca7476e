/** Every workflow the worker registers (the bundle's entry point). */
export { ImportFriendsWorkflow } from './importFriends.js';
