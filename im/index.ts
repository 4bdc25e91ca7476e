/** The Tencent IM REST client: schemas, limits, error codes, UserSig, URLs and the HTTP client. */
export * from './schemas.js';
export * from './friendUpdateSchemas.js';
export * from './friendDeleteSchemas.js';
export * from './snsWriteShapes.js';
export * from './limits.js';
export * from './errorCodes.js';
export * from './classify.js';
export * from './node/userSig.js';
export * from './node/url.js';
export * from './node/errors.js';
export * from './node/client.js';
export * from './node/companions.js';
