import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// Served by kira at /playground/ (embedded with go:embed from dist/).
export default defineConfig({
  base: "/playground/",
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false },
});
