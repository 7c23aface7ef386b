import client from 'prom-client';

/** vidgate_build_info{service,version,node} 1: which build of which service a scrape came from. */
export function registerBuildInfo(registry: client.Registry, service: string, version: string): void {
  new client.Gauge({ name: 'vidgate_build_info', help: 'Build information; always 1', labelNames: ['service', 'version', 'node'], registers: [registry] })
    .set({ service, version, node: process.version }, 1);
}
