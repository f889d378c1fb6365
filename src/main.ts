// Entry point of the cdktf CLI (`cdktf.json` → `app`); the CLI chooses the output directory.
import { loadEnvironmentsOrExit, synthesize } from './run';

// cdktf records a stack trace for every token it creates; mapping each through tsx's source maps
// costs more than the rest of synthesis. Errors still carry traces, in transpiled positions.
process.setSourceMapsEnabled(false);

synthesize(loadEnvironmentsOrExit());
