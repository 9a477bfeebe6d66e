// @ts-check
// ESLint's flat config: the recommended JavaScript and typescript-eslint rules, type-aware for
// TypeScript, and no line over Prettier's printWidth (.prettierrc.json).
import eslint from "@eslint/js";
import { defineConfig, globalIgnores } from "eslint/config";
import globals from "globals";
import tseslint from "typescript-eslint";

export default defineConfig(
  globalIgnores(["dist/", "coverage/"]),
  eslint.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Prettier cannot break a long string or comment: this catches what it leaves.
      "max-len": ["error", { code: 120, ignoreUrls: true }],
      // As tsc's noUnusedParameters: a leading underscore marks a parameter kept for its position.
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_", ignoreRestSiblings: true },
      ],
      // `async` keeps a Promise-returning contract (the fakes of an interface, run()'s calls)
      // and turns a throw into a rejection, with or without an await inside.
      "@typescript-eslint/require-await": "off",
    },
  },
  {
    // Tests read the driver's answers, logs and manifests as parsed JSON and YAML (`any`) and
    // assert on their shape; typing each parsed value would restate the assertion beside it.
    files: ["test/**/*.ts"],
    rules: {
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-explicit-any": "off",
    },
  },
  { files: ["**/*.{js,mjs,cjs}"], extends: [tseslint.configs.disableTypeChecked] },
  {
    files: ["**/*.{js,cjs}"],
    languageOptions: { sourceType: "commonjs" },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
