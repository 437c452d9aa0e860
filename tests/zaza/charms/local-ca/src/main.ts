import { runCharm } from '../../../../../reactive/main.js';
import { charm } from './charm.js';

// runCharm never rejects (a failure sets the exit code); no top-level await lets the build use a V8 code cache.
void runCharm(charm);
