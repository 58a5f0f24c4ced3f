// The Electron main process entry (package.json "main"): starts the shell.
import { runApp } from './shell.js';

runApp();
