/** The Tencent IM REST client: schemas, limits, error codes, UserSig, URLs and the HTTP client. */
export * from './schemas.js';
export * from './limits.js';
export * from './errorCodes.js';
export * from './classify.js';
export * from './userSig.js';
export * from './url.js';
export * from './errors.js';
export * from './client.js';
export * from './companions.js';
export * from './config.js';
