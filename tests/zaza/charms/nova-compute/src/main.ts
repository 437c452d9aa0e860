import { runCharm } from '../../../../../reactive/main.js';
import { charm } from './charm.js';

await runCharm(charm);
