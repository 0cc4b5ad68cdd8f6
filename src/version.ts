// Generated from package.json by `npm run generate`; a test checks it.
export const VERSION = '0.1.0'
