#!/usr/bin/env node
/* global require, __dirname, process */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS file node runs directly */
/**
 * `trail-provisioner` command shim (package.json "bin").
 *
 * In this repository (after `npm ci`, dev dependencies present) it runs the TypeScript source
 * through tsx's CommonJS register hook, so the command always matches the checkout. Where the
 * source or tsx is absent, it runs the bundle dist/cli.js (`npm run build:cli`).
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const source = path.join(__dirname, '..', 'cli', 'run.ts');
const bundle = path.join(__dirname, '..', 'dist', 'cli.js');

function hasTsx() {
  try {
    require.resolve('tsx/cjs/api');
    return true;
  } catch {
    return false;
  }
}

if (fs.existsSync(source) && hasTsx()) {
  require('tsx/cjs/api').register();
  require(source);
} else if (fs.existsSync(bundle)) {
  require(bundle);
} else {
  process.stderr.write('trail-provisioner: neither the source (with tsx) nor dist/cli.js is available; run `npm ci` or `npm run build:cli`.\n');
  process.exitCode = 2;
}
