#!/usr/bin/env node
import('../dist/gateway/cli/index.js').then((cli) => cli.runMain(process.argv.slice(2)))
