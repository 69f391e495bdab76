#!/usr/bin/env node
// Through the package's own export: the built JavaScript, or in this repository's development
// (node --conditions=flotilla-source --import tsx) the TypeScript source.
await import('@flotilla/cli/main');
