// Loads the reference vectors that the Java tests use too (recorded by running the Python reference).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const file = process.env.DOSP_VECTORS
  || path.join(here, '..', '..', 'dosp-testkit', 'src', 'main', 'resources', 'vectors', 'dosp-0.2-vectors.json');

export const vectors = JSON.parse(fs.readFileSync(file, 'utf8'));
export const hex = (s) => Uint8Array.from(Buffer.from(s, 'hex'));
export const toHexString = (b) => Buffer.from(b).toString('hex');
