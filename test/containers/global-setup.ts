import { LAYOUTS, ONE_HOST_DIR } from '../support/containers.ts';
import { startOperatorStack } from '../support/docker/operator-stack.ts';

/**
 * The vitest project "containers": the compose deployment on one host, set up
 * as deploy/OPERATIONS.md tells an operator, on a Docker engine the suite
 * starts, with stand-ins for the official images. The black-box tests then run
 * against its published port.
 */
let teardownStack: (() => Promise<void>) | undefined;

export async function setup() {
  teardownStack = await startOperatorStack({ name: 'containers', dir: ONE_HOST_DIR, files: LAYOUTS['one-host'], vectorKeys: true });
}

export async function teardown() {
  await teardownStack?.();
}
