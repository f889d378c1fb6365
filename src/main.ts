// Entry point of the cdktf CLI (`cdktf.json` → `app`): it chooses the output directory.
import { synthesizeAll } from './run';

synthesizeAll();
