// Entry point: runs the emulator with the command line's options (see main.ts for the usage).
import { main } from './main.js';

main(process.argv.slice(2)).catch((err: Error) => {
  console.error(`nova-emulator: ${err.message}`);
  process.exit(2);
});
