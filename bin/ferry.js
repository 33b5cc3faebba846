#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=4 --heap-growing-percent=25
// The settings keep a long-running `ferry serve` small (README, "Memory"): a proxy makes much
// short-lived garbage, which V8's default 16 MB semi-spaces and heap growth hold on to, and glibc
// keeps one malloc arena per thread. Measured: 211 → 122–124 MB at one version, 227 → 135–140 at 50
// (4 MB semi-spaces: 2 MB cost the Node plane 8 % of its speed for no memory, 6–8 MB reached 146–152 MB).
import('../dist/gateway/cli/index.js').then((cli) => cli.runMain(process.argv.slice(2)))
