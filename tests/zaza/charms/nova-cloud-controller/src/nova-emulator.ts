// The emulator's command line, bundled into the charm as bin/nova-emulator.
import '../../../emulators/nova/cli.js';
