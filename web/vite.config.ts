import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// The Rust server (`kefu serve`) listens on 8080 by default during development;
// the dev server forwards the API and health endpoints to it so the app and the
// API share one origin, exactly as in production where the server serves web/dist.
const backend = 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: {
      '/api': backend,
      '/livez': backend,
      '/readyz': backend,
    },
  },
  build: {
    outDir: 'dist',
    sourcemap: true,
  },
  test: {
    environment: 'jsdom',
    globals: true,
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test-setup.ts'],
    restoreMocks: true,
  },
});
