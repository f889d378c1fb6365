// Entry point of the cdktf CLI (`cdktf.json` → `app`); the CLI chooses the output directory.
import { loadEnvironmentsOrExit, synthesize } from './run';

synthesize(loadEnvironmentsOrExit());
