#!/usr/bin/env node
// Through the package's own export: the built JavaScript, or in the Flotilla repository's development
// (node --conditions=flotilla-source --import tsx) the TypeScript source.
await import('create-flotilla/main');
