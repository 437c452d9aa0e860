import { describe, expect, it } from 'vitest';
import { hookCost } from '../main.js';

describe('hookCost', () => {
  it('names the hook, its CPU split into user and system, and its wall time, in milliseconds', () => {
    expect(hookCost('hook config-changed', { user: 151_400, system: 38_700 }, 0.4123)).toBe(
      'hook config-changed: 190 ms CPU (user 151, system 39), 412 ms wall',
    );
  });

  it('measures this process by default', () => {
    expect(hookCost('action pause')).toMatch(/^action pause: \d+ ms CPU \(user \d+, system \d+\), \d+ ms wall$/);
  });
});
