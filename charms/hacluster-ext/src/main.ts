import { runCharm } from '../../../reactive/main.js';
import { charm } from './actions.js';

await runCharm(charm);
