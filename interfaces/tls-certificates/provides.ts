/** The provider side of `tls-certificates` (a CA answering requests: the stand-in for vault). Protocol: README.md. */
import { X509Certificate } from 'node:crypto';
import { Endpoint, type Relation } from '../../reactive/endpoint.js';
import { decodeUnits, type UnitProblems } from '../../reactive/decode/remote.js';
import { answerKey, checkRequests, withAnswer, type IssuedCertificate, type ProviderRequest } from './protocol.js';
import { missingName } from './verify.js';

export interface PendingCertificate {
  readonly relation: Relation;
  readonly unit: string;
  readonly request: ProviderRequest;
}

export class TlsCertificatesProvides extends Endpoint {
  static override readonly flagSuffixes = ['available', 'certs.requested'] as const;

  private decoded() {
    return decodeUnits(this.allJoinedUnits, (u) => checkRequests(u.name, u.receivedRaw));
  }

  /** Every request of every joined requirer unit, in relation and unit order. */
  requests(): PendingCertificate[] {
    const byUnit = new Map(this.allJoinedUnits.map((u) => [`${u.relation.id} ${u.name}`, u.relation]));
    return this.decoded().complete.flatMap((c) => c.value.map((request) => ({ relation: byUnit.get(`${c.relation} ${c.unit}`)!, unit: c.unit, request })));
  }

  /** Requirer units whose requests break a rule (refused, with the keys). */
  invalidData(): readonly UnitProblems[] {
    return this.decoded().invalid;
  }

  /** The requests whose answer is not on the relation yet. */
  unanswered(): PendingCertificate[] {
    return this.requests().filter((p) => !this.answered(p));
  }

  /** Answered with a certificate that still names everything asked for (new SANs, such as a VIP, mean a new one). */
  private answered({ relation, request }: PendingCertificate): boolean {
    const bag = relation.toPublishRaw;
    const raw = bag.get(answerKey(request));
    const cert = request.legacy ? bag.get(`${request.unitKey}.server.cert`) : raw && (JSON.parse(raw) as Record<string, { cert?: string }>)[request.commonName]?.cert;
    if (!cert) return false;
    try {
      return missingName(new X509Certificate(cert), [request.commonName, ...request.sans]) === null;
    } catch {
      return false;
    }
  }

  /** The CA and chain go to every relation (the same for every requirer, as vault sends them). */
  setAuthority(ca: string, chain: string): void {
    this.publishRawToAll({ ca, chain });
  }

  /** The shared client certificate older requirers wait for (`client.cert`/`client.key`). */
  setGlobalClientCert(issued: IssuedCertificate): void {
    this.publishRawToAll({ 'client.cert': issued.cert, 'client.key': issued.key });
  }

  /** Answers one request where that requirer looks for it. */
  setCert({ relation, request }: PendingCertificate, issued: IssuedCertificate): void {
    const bag = relation.toPublishRaw;
    if (request.legacy) {
      bag.setRaw(`${request.unitKey}.server.cert`, issued.cert);
      bag.setRaw(`${request.unitKey}.server.key`, issued.key);
      return;
    }
    const key = answerKey(request);
    bag.setRaw(key, withAnswer(bag.get(key), request.commonName, issued));
  }

  override manageFlags(): void {
    this.toggleFlag('available', this.isJoined);
    this.toggleFlag('certs.requested', this.unanswered().length > 0);
  }
}
