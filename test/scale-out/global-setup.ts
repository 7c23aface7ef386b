import { LAYOUTS, SCALE_OUT_DIR } from '../support/containers.ts';
import { startOperatorStack } from '../support/docker/operator-stack.ts';

/**
 * The vitest project "scale-out": docker-compose.yml + deploy/compose/scale-out.yml
 * (4-node MinIO, auth and origin replicas behind the balancer, transcoder
 * replicas on one queue), set up as deploy/OPERATIONS.md says, with two
 * replicas of each (the least the layout exists for, on a 2-core machine).
 */
let teardownStack: (() => Promise<void>) | undefined;

export async function setup() {
  teardownStack = await startOperatorStack({
    name: 'scale-out',
    dir: SCALE_OUT_DIR,
    files: LAYOUTS['scale-out'],
    settings: { VIDGATE_AUTH_REPLICAS: '2', VIDGATE_ORIGIN_REPLICAS: '2', VIDGATE_TRANSCODER_REPLICAS: '2' },
  });
}

export async function teardown() {
  await teardownStack?.();
}
