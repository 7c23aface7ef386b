import { createHash } from 'node:crypto';
import type { AuditEvent } from '@vidgate/common/audit';
import type { SigningKeys } from '@vidgate/common/config/sections';

/**
 * The signing keys as the audit trail records them when the auth service
 * starts (a reload restarts it): the active key id, every id accepted, and a
 * fingerprint of each key, so a key replaced under the same id is a change
 * too. Never a key: the fingerprint is 64 bits of a SHA-256 over a key of at
 * least 32 bytes. Recorded with recordChange, it appears once per rotation.
 */
export function keyRingEvent(signing: SigningKeys): AuditEvent {
  const kids = [...signing.keys.keys()].sort();
  const fingerprint = (key: string) => createHash('sha256').update(`vidgate signing key fingerprint\0${key}`).digest('hex').slice(0, 16);
  return {
    action: 'keys.changed',
    actor: 'system:auth',
    detail: { mode: signing.mode, activeKid: signing.activeKid, kids, fingerprints: Object.fromEntries(kids.map((kid) => [kid, fingerprint(signing.keys.get(kid)!)])) },
  };
}
