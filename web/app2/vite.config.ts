import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineSpaConfig } from '../shared/vite-app-config';

export default defineSpaConfig({ root: path.dirname(fileURLToPath(import.meta.url)), app: 2, devPort: 5172 });
