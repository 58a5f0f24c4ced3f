// The OCR check run inside a network namespace with no interfaces (test/ocr/offline.test.ts starts it).
import { defineConfig } from 'vitest/config';

export default defineConfig({ test: { include: ['test/ocr/offline/*.check.ts'], pool: 'forks', testTimeout: 120_000 } });
