import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The console and the portal are one static build served by the admin process at `/` and `/portal` (same origin as
// the API, so the session cookie and CSRF header need no CORS). `npm run dev -w web` proxies the API to a running
// `npm start`.
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 4096, sourcemap: false },
  server: {
    proxy: { '/api': 'http://127.0.0.1:9080', '/healthz': 'http://127.0.0.1:9080' },
    fs: { allow: ['..'] },
  },
});
