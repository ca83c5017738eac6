#!/usr/bin/env node
// The tool is TypeScript, run as it is: tsx compiles it on the fly, no build step to forget.
import { register } from 'tsx/esm/api';

register();
await import('./cli.ts');
