// The same scenarios on real systemd-nspawn machines: a three-machine bundle (two recorder applications and a
// subordinate) deployed to all-active, exercised, and destroyed with nothing left running.
import { defineRecorderSuite } from './recorder-scenarios.js';

defineRecorderSuite('nspawn', `jlf-${process.pid % 100000}`);
