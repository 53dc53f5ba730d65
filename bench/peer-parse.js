// Times dockerfile-ast (the peer) parsing files already in memory, in one node process, so the
// figure matches dfc_parse_bench: median of N rounds over all files, start-up excluded.
// usage: node peer-parse.js N FILE...   (NODE_PATH must reach dockerfile-ast)
'use strict';
const fs = require('fs');
const { DockerfileParser } = require('dockerfile-ast');

const iterations = Math.max(1, parseInt(process.argv[2], 10) || 100);
const texts = process.argv.slice(3).map((f) => fs.readFileSync(f, 'utf8'));
const bytes = process.argv.slice(3).reduce((n, f) => n + fs.statSync(f).size, 0);
if (texts.length === 0) {
  console.error('usage: node peer-parse.js N FILE...');
  process.exit(2);
}

let sink = 0;
function round() {
  const start = process.hrtime.bigint();
  for (const text of texts) {
    sink += DockerfileParser.parse(text).getInstructions().length;
  }
  return Number(process.hrtime.bigint() - start) / 1000; // microseconds
}

for (let i = 0; i < 5; i++) round(); // let the JIT settle, as dfc_parse_bench warms its caches
const rounds = [];
for (let i = 0; i < iterations; i++) rounds.push(round());
rounds.sort((a, b) => a - b);
const median = rounds[Math.floor(rounds.length / 2)];
console.log(
  `files=${texts.length} bytes=${bytes} iterations=${iterations} ` +
    `us_per_file=${(median / texts.length).toFixed(1)} mb_per_s=${(bytes / median).toFixed(2)} sink=${sink > 0 ? 1 : 0}`
);
