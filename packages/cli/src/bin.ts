#!/usr/bin/env node
/** The `kairos` executable: runs the command line and exits with its code. */
import { main } from './program.js';

process.exitCode = await main(process.argv.slice(2));
