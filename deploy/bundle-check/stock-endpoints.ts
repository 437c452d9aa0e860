/**
 * Endpoints of the stock Charmhub charms the bundles name (from each charm's metadata.yaml), so a bundle that
 * relates to a stock charm is checked as strictly as one that relates to ours. Only endpoints a bundle of this
 * project uses or could reasonably use are listed.
 */
export interface EndpointSpec {
  interface: string;
  role: 'requires' | 'provides' | 'peers';
  scope?: 'container' | 'global';
}

export interface CharmSpec {
  subordinate: boolean;
  endpoints: Record<string, EndpointSpec>;
}

const r = (iface: string, scope?: 'container'): EndpointSpec => ({ interface: iface, role: 'requires', ...(scope ? { scope } : {}) });
const p = (iface: string, scope?: 'container'): EndpointSpec => ({ interface: iface, role: 'provides', ...(scope ? { scope } : {}) });
const peer = (iface: string): EndpointSpec => ({ interface: iface, role: 'peers' });
const juju = { 'juju-info': p('juju-info') };

export const stockCharms: Record<string, CharmSpec> = {
  vault: {
    subordinate: false,
    endpoints: {
      ...juju, certificates: p('tls-certificates'), 'shared-db': r('mysql-shared'), db: r('pgsql'), etcd: r('etcd'),
      ha: r('hacluster', 'container'), secrets: p('vault-kv'), cluster: peer('vault-ha'),
    },
  },
  'mysql-innodb-cluster': { subordinate: false, endpoints: { ...juju, 'db-router': p('mysql-router'), 'shared-db': p('mysql-shared'), cluster: peer('mysql-innodb-cluster') } },
  'mysql-router': { subordinate: true, endpoints: { 'db-router': r('mysql-router'), 'shared-db': p('mysql-shared', 'container'), juju: r('juju-info', 'container') } },
  keystone: {
    subordinate: false,
    endpoints: {
      ...juju, 'shared-db': r('mysql-shared'), ha: r('hacluster', 'container'), certificates: r('tls-certificates'),
      'identity-service': p('keystone'), 'identity-credentials': p('keystone-credentials'), 'identity-notifications': p('keystone-notifications'),
      'identity-admin': p('keystone-admin'), cluster: peer('keystone-ha'),
    },
  },
  'rabbitmq-server': { subordinate: false, endpoints: { ...juju, amqp: p('rabbitmq'), ha: r('hacluster', 'container'), cluster: peer('rabbitmq-ha') } },
  glance: {
    subordinate: false,
    endpoints: {
      ...juju, 'shared-db': r('mysql-shared'), amqp: r('rabbitmq'), 'identity-service': r('keystone'), 'image-service': p('glance'),
      ha: r('hacluster', 'container'), ceph: r('ceph-client'), cluster: peer('glance-ha'),
    },
  },
  placement: {
    subordinate: false,
    endpoints: { ...juju, 'shared-db': r('mysql-shared'), 'identity-service': r('keystone'), placement: p('placement'), ha: r('hacluster', 'container'), cluster: peer('openstack-ha') },
  },
  'nova-cloud-controller': {
    subordinate: false,
    endpoints: {
      ...juju, 'shared-db': r('mysql-shared'), amqp: r('rabbitmq'), 'identity-service': r('keystone'), 'cloud-compute': p('nova-compute'),
      'image-service': r('glance'), placement: r('placement'), 'neutron-api': r('neutron-api'),
      'quantum-network-service': p('quantum'), ha: r('hacluster', 'container'), cluster: peer('nova-ha'),
    },
  },
  'nova-compute': {
    subordinate: false,
    endpoints: {
      ...juju, amqp: r('rabbitmq'), 'cloud-compute': r('nova-compute'), 'image-service': r('glance'), 'neutron-plugin': p('neutron-plugin', 'container'),
      'ceph-access': r('cinder-ceph-key'), 'cloud-credentials': r('keystone-credentials'), 'nova-ceilometer': p('nova-ceilometer', 'container'),
      'compute-peer': peer('nova'),
    },
  },
  'neutron-api': {
    subordinate: false,
    endpoints: {
      ...juju, 'shared-db': r('mysql-shared'), amqp: r('rabbitmq'), 'identity-service': r('keystone'), 'neutron-api': p('neutron-api'),
      'neutron-plugin-api': p('neutron-plugin-api'), ha: r('hacluster', 'container'), cluster: peer('neutron-api-ha'),
    },
  },
  'neutron-gateway': {
    subordinate: false,
    endpoints: { ...juju, amqp: r('rabbitmq'), 'neutron-plugin-api': r('neutron-plugin-api'), 'quantum-network-service': r('quantum'), cluster: peer('quantum-gateway-ha') },
  },
  'neutron-openvswitch': {
    subordinate: true,
    endpoints: { amqp: r('rabbitmq'), 'neutron-plugin': r('neutron-plugin', 'container'), 'neutron-plugin-api': r('neutron-plugin-api') },
  },
};
