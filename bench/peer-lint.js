// Times dockerfile-utils' validator (the peer linter) on files already in memory, in one node
// process: median of N rounds over all files, start-up excluded, like dfc_lint_bench. With
// --once it is instead the peer's whole command, as a user runs it: read, validate, print JSON.
// usage: node peer-lint.js N FILE...  |  node peer-lint.js --once FILE...
//        (NODE_PATH must reach dockerfile-utils)
'use strict';
const fs = require('fs');
const { validate } = require('dockerfile-utils');

if (process.argv[2] === '--once') {
  const out = [];
  for (const file of process.argv.slice(3))
    for (const d of validate(fs.readFileSync(file, 'utf8')))
      out.push({ file, line: d.range.start.line + 1, column: d.range.start.character + 1, code: d.code, message: d.message });
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  process.exit(0);
}

const iterations = Math.max(1, parseInt(process.argv[2], 10) || 100);
const files = process.argv.slice(3);
if (files.length === 0) {
  console.error('usage: node peer-lint.js N FILE...');
  process.exit(2);
}
const texts = files.map((f) => fs.readFileSync(f, 'utf8'));
const bytes = files.reduce((n, f) => n + fs.statSync(f).size, 0);

let sink = 0;
function round() {
  const start = process.hrtime.bigint();
  for (const text of texts) sink += validate(text).length;
  return Number(process.hrtime.bigint() - start) / 1000; // microseconds
}

for (let i = 0; i < 5; i++) round(); // let the JIT settle
const rounds = [];
for (let i = 0; i < iterations; i++) rounds.push(round());
rounds.sort((a, b) => a - b);
const median = rounds[Math.floor(rounds.length / 2)];
console.log(
  `files=${texts.length} bytes=${bytes} iterations=${iterations} ` +
    `us_per_file=${(median / texts.length).toFixed(1)} mb_per_s=${(bytes / median).toFixed(2)} sink=${sink >= 0 ? 1 : 0}`
);
