// hdr_log_check.js - Reads a perfgate HdrHistogram interval log with hdr-histogram-js (the
// HdrHistogram project's JavaScript port) and checks every whole-run interval against the results
// file it came from: same sample count, same max, and p50/p90/p99 within HdrHistogram's
// resolution. Usage: node hdr_log_check.js LOG RESULTS.json  (exit 0 when all agree)
const fs = require('fs');
const hdr = require('hdr-histogram-js');

const [logFile, resultsFile] = process.argv.slice(2);
const results = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
const reader = new hdr.HistogramLogReader(fs.readFileSync(logFile, 'utf8'));
const prefix = `${results.suite}/${results.scenario}`;
const problems = [];
let wholeRun = 0, perSecond = 0;
for (let h; (h = reader.nextIntervalHistogram()) !== null;) {
  if (h.tag === prefix) { perSecond += h.totalCount; continue; }
  const metric = h.tag.slice(prefix.length + 1);
  const want = results.metrics[metric];
  if (!want) { problems.push(`${h.tag}: no such metric in the results`); continue; }
  wholeRun++;
  if (h.totalCount !== want.count) problems.push(`${metric}: count ${h.totalCount} != ${want.count}`);
  // A log carries counts, not the exact max: HdrHistogram reports the top of its bucket.
  if (Math.abs(h.maxValue - want.max) > 0.001 * want.max + 1)
    problems.push(`${metric}: max ${h.maxValue} != ${want.max}`);
  for (const [p, key] of [[50, 'p50'], [90, 'p90'], [99, 'p99']]) {
    const got = h.getValueAtPercentile(p);
    if (Math.abs(got - want[key]) > 0.002 * want[key] + 1)
      problems.push(`${metric} p${p}: ${got} != ${want[key]}`);
  }
  console.log(`${h.tag}: ${h.totalCount} samples, p50 ${h.getValueAtPercentile(50)} ns, ` +
              `p99 ${h.getValueAtPercentile(99)} ns, max ${h.maxValue} ns`);
}
if (wholeRun === 0) problems.push('no whole-run intervals read');
if (perSecond === 0) problems.push('no per-second intervals read');
console.log(`${wholeRun} whole-run intervals, ${perSecond} samples in per-second intervals`);
if (problems.length) { console.error(problems.join('\n')); process.exit(1); }
