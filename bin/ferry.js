#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=2 --heap-growing-percent=25
// The settings keep a long-running `ferry serve` small (README, "Memory"): a proxy makes much
// short-lived garbage, which V8's default 16 MB semi-spaces and heap growth hold on to, and glibc
// keeps one malloc arena per thread. Measured: 211 → 131 MB at one version, 227 → 144 at 50.
import('../dist/gateway/cli/index.js').then((cli) => cli.runMain(process.argv.slice(2)))
