/**
 * Everything that differs between the operating systems this charm runs on, in one place: packages, how the
 * API is served (apache2 mod_wsgi on Ubuntu as the upstream charm does; the packaged uwsgi service
 * `masakari-api` on Debian 12), the files that configure it and the services to run.
 */
import type { ConfigValues } from '../../../reactive/config.js';
import { BACKEND_PORT } from './addresses.js';

export type OsId = 'ubuntu' | 'debian';

export interface Platform {
  readonly os: OsId;
  readonly packages: readonly string[];
  /** The service that serves the WSGI application. */
  readonly apiService: string;
  /** Services this charm runs, in restart order (memcached first, haproxy last: it fronts the others). */
  readonly services: readonly string[];
  /** Services that run before the database schema is synced (they do not use it). */
  readonly withoutDatabase: readonly string[];
  /** Packaged services that must not run because the charm serves the API another way. */
  readonly disabledServices: readonly string[];
}

/** Reads ID (and ID_LIKE) from /etc/os-release text. */
export function detectOs(osRelease: string | null): OsId | null {
  if (!osRelease) return null;
  const field = (name: string): string[] => {
    const m = new RegExp(`^${name}=("?)([^"\\n]*)\\1$`, 'm').exec(osRelease);
    return m ? m[2]!.toLowerCase().split(/\s+/) : [];
  };
  const ids = [...field('ID'), ...field('ID_LIKE')];
  if (ids.includes('ubuntu')) return 'ubuntu';
  if (ids.includes('debian')) return 'debian';
  return null;
}

// memcached + python3-memcache: keystonemiddleware's token cache, as the upstream charm deploys it.
const COMMON = ['masakari-api', 'masakari-engine', 'haproxy', 'memcached', 'python3-memcache', 'python3-tooz', 'python3-pymysql'];

export function platformFor(os: OsId): Platform {
  if (os === 'ubuntu') {
    return {
      os,
      // python3-sqlalchemy-utils: LP#1882900 (masakari-manage imports it).
      packages: [...COMMON, 'apache2', 'libapache2-mod-wsgi-py3', 'python3-sqlalchemy-utils'],
      apiService: 'apache2',
      services: ['memcached', 'masakari-engine', 'apache2', 'haproxy'],
      withoutDatabase: ['memcached', 'haproxy'],
      disabledServices: [],
    };
  }
  return {
    os,
    packages: [...COMMON, 'uwsgi-plugin-python3'],
    apiService: 'masakari-api',
    services: ['memcached', 'masakari-engine', 'masakari-api', 'haproxy'],
    withoutDatabase: ['memcached', 'haproxy'],
    disabledServices: [],
  };
}

/** WSGI processes: CPU count × worker-multiplier (at least 1); unset → CPU count × 2, at most 4. */
export function apiWorkers(config: ConfigValues, cpus: number): number {
  const multiplier = config['worker-multiplier'];
  if (typeof multiplier === 'number') return Math.max(1, Math.round(cpus * multiplier));
  return Math.max(1, Math.min(4, cpus * 2));
}

export interface ApiServiceFile {
  readonly path: string;
  readonly template: string;
  readonly context: Readonly<Record<string, unknown>>;
}

/** The files that make the platform's API service listen on the backend port with the charm's settings. */
export function apiServiceFiles(p: Platform, o: { workers: number; wsgiScript: string; confPath: string; loopbackOnly?: boolean }): ApiServiceFile[] {
  // With TLS, haproxy holds the backend port on the unit's address and the API answers on loopback only (tls.ts).
  const bind = o.loopbackOnly ? '127.0.0.1' : '0.0.0.0';
  if (p.os === 'ubuntu') {
    return [{
      path: '/etc/apache2/sites-enabled/masakari-api.conf',
      template: 'apache-masakari-api.conf',
      context: { listen: o.loopbackOnly ? `127.0.0.1:${BACKEND_PORT}` : String(BACKEND_PORT), port: BACKEND_PORT, workers: o.workers, wsgiScript: o.wsgiScript, wsgiDir: o.wsgiScript.replace(/\/[^/]+$/, '') },
    }];
  }
  return [
    {
      path: '/etc/masakari/masakari-api-uwsgi.ini',
      template: 'masakari-api-uwsgi.ini',
      context: { bind, port: BACKEND_PORT, workers: o.workers, wsgiScript: o.wsgiScript, confPath: o.confPath },
    },
    { path: '/etc/default/masakari-api', template: 'masakari-api.default', context: { port: BACKEND_PORT } },
  ];
}
