// Agent semantics with the recorder charms on the host backend (hooks are processes on this host): seconds.
import { defineRecorderSuite } from './recorder-scenarios.js';

defineRecorderSuite('host', `jlh-${process.pid % 100000}`);
