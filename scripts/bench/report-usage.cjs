// Preloaded into a measured process: reports its peak memory on exit, on stderr, for bench.ts to read.
process.on('exit', () => {
  process.stderr.write(`\nBENCH_MAX_RSS_KB=${process.resourceUsage().maxRSS}\n`);
});
