/** The requirer side of `tls-certificates` (a service asking for its certificates). Protocol: README.md. */
import { Endpoint } from '../../reactive/endpoint.js';
import { decodeUnits, type UnitProblems } from '../../reactive/decode/remote.js';
import { checkAnswer, checkAuthorityAnswer, encodeRequests, type Authority, type CertificateBundle, type CertRequest } from './protocol.js';

export class TlsCertificatesRequires extends Endpoint {
  static override readonly flagSuffixes = ['connected', 'ca.available', 'certs.available'] as const;

  /** Publishes every request at once (the provider answers the whole batch). */
  requestCertificates(requests: readonly CertRequest[]): void {
    this.publishRawToAll(encodeRequests(this.ctx.env.unitName, requests));
  }

  /** What this unit asked for, read back from its own published data. */
  requested(): CertRequest[] {
    const raw = this.relations[0]?.toPublishRaw.get('cert_requests');
    if (!raw) return [];
    const batch = JSON.parse(raw) as Record<string, { sans: string[] }>;
    return Object.entries(batch).map(([commonName, r]) => ({ commonName, sans: r.sans }));
  }

  private decoded(now: Date) {
    const requests = this.requested();
    return decodeUnits(this.allJoinedUnits, (u) => checkAnswer(u.name, u.receivedRaw, this.ctx.env.unitName, requests, now));
  }

  /**
   * The first provider unit whose answer covers every request and checks out; null while none has answered in
   * full, and while a provider unit sent something that fails a check (invalidData names it).
   */
  bundle(now = new Date()): CertificateBundle | null {
    if (this.requested().length === 0) return null;
    const { complete, invalid } = this.decoded(now);
    return invalid.length === 0 ? (complete[0]?.value ?? null) : null;
  }

  /** Provider units whose answer breaks a rule: malformed, key mismatch, expired, not signed by the CA. */
  invalidData(now = new Date()): readonly UnitProblems[] {
    return this.decoded(now).invalid;
  }

  /** The first provider unit's CA (and chain), for a requirer that only trusts; null while none sent one that checks. */
  authority(now = new Date()): Authority | null {
    const { complete, invalid } = decodeUnits(this.allJoinedUnits, (u) => checkAuthorityAnswer(u.name, u.receivedRaw, now));
    return invalid.length === 0 ? (complete[0]?.value ?? null) : null;
  }

  /** Provider units whose `ca` or `chain` breaks a rule. */
  authorityProblems(now = new Date()): readonly UnitProblems[] {
    return decodeUnits(this.allJoinedUnits, (u) => checkAuthorityAnswer(u.name, u.receivedRaw, now)).invalid;
  }

  override manageFlags(): void {
    this.toggleFlag('connected', this.isJoined);
    this.toggleFlag('ca.available', this.allJoinedUnits.some((u) => (u.receivedRaw['ca'] ?? '').trim() !== ''));
    this.toggleFlag('certs.available', this.bundle() !== null);
  }
}
