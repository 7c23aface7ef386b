import { connect } from 'node:net';

function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(500);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(false));
  });
}

/** Refuses to start a stack whose ports something else already answers on. */
export async function assertPortsFree(host: string, ports: readonly number[]): Promise<void> {
  const taken: number[] = [];
  for (const port of ports) if (await answers(host, port)) taken.push(port);
  if (taken.length > 0) {
    throw new Error(`port${taken.length > 1 ? 's' : ''} ${taken.join(', ')} on ${host} ${taken.length > 1 ? 'are' : 'is'} already in use (another stack, or set VIDGATE_*_PORT)`);
  }
}
