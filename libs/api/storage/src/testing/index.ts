export * from './storage-contract';
export * from './s3rver';
export * from './azurite';
export { freePort, killOnExit, waitForLine } from './child-processes';
