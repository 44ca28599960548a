/// <reference types="vitest/config" />
import { defineConfig } from "vite";

// Django serves the bundle from static/app/ under FIXED names, referenced by
// templates/app.html with {% static %}: no content hashes, so the template
// never has to change when the code does (Django's ManifestStaticFilesStorage
// or WhiteNoise can add cache-busting on top at collectstatic time).
export default defineConfig({
  // Vite compiles TSX itself (oxc); the automatic runtime means no
  // `import React` in every component. No React plugin: we do not need
  // fast refresh, and it would add a Babel tool chain.
  oxc: { jsx: { runtime: "automatic", importSource: "react" } },
  build: {
    outDir: "../static/app",
    emptyOutDir: true,
    // One JS file and one CSS file: the template links exactly these two.
    cssCodeSplit: false,
    sourcemap: true,
    target: "es2022",
    rolldownOptions: {
      input: "src/main.tsx",
      output: {
        entryFileNames: "app.js",
        chunkFileNames: "app-[name].js",
        assetFileNames: (asset) =>
          asset.names.some((name) => name.endsWith(".css")) ? "app.css" : "[name][extname]",
      },
    },
  },
  test: {
    // The client state lives in plain TypeScript modules: no DOM needed.
    environment: "node",
    include: ["src/**/*.test.ts"],
  },
});
