import { afterEach, describe, expect, it } from 'vitest';
import { checkHostPrerequisites } from '../prerequisites.js';

const savedPath = process.env.PATH;
afterEach(() => {
  process.env.PATH = savedPath;
});

describe('host prerequisites', () => {
  it('names the apt-get command that installs what is missing', async () => {
    process.env.PATH = '/nonexistent';
    await expect(checkHostPrerequisites()).rejects.toThrow(
      /missing commands; install them with: apt-get install -y --no-install-recommends debootstrap systemd-container dpkg-dev iproute2/,
    );
  });
});
