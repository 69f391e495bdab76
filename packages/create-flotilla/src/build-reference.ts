// A build step (`npm run build`): the reference template from this repository's system.
import { fileURLToPath } from 'node:url';
import { writeReferenceFiles } from './reference-files.js';

writeReferenceFiles(fileURLToPath(new URL('../../../', import.meta.url)));
