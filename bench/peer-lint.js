// Times dockerfile-utils' validator (the peer linter) in one node process doing what
// dfc_lint_bench does: per round, every file read, validated, rendered as JSON and written out;
// median of N rounds, start-up excluded. With --once it is instead the peer's whole command, as
// a user runs it: read, validate, print JSON.
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
const bytes = files.reduce((n, f) => n + fs.statSync(f).size, 0);
const devNull = fs.openSync('/dev/null', 'w');

// One round does the whole job of --once for every file: read, validate, render JSON, write.
// CPU time (process.cpuUsage: this thread plus V8's GC and compiler threads) and wall time.
let sink = 0;
function round() {
  const wall0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const out = [];
  for (const file of files)
    for (const d of validate(fs.readFileSync(file, 'utf8')))
      out.push({ file, line: d.range.start.line + 1, column: d.range.start.character + 1, code: d.code, message: d.message });
  const text = JSON.stringify(out, null, 2) + '\n';
  fs.writeSync(devNull, text);
  sink += text.length;
  const cpu = process.cpuUsage(cpu0);
  return { cpu: cpu.user + cpu.system, wall: Number(process.hrtime.bigint() - wall0) / 1000 }; // microseconds
}

for (let i = 0; i < 5; i++) round(); // let the JIT settle
const cpu = [], wall = [];
for (let i = 0; i < iterations; i++) {
  const r = round();
  cpu.push(r.cpu);
  wall.push(r.wall);
}
const median = (v) => v.sort((a, b) => a - b)[Math.floor(v.length / 2)];
const c = median(cpu), w = median(wall);
console.log(
  `files=${files.length} bytes=${bytes} iterations=${iterations} ` +
    `us_per_file=${(c / files.length).toFixed(1)} mb_per_s=${(bytes / c).toFixed(2)} ` +
    `wall_us_per_file=${(w / files.length).toFixed(1)} wall_mb_per_s=${(bytes / w).toFixed(2)} sink=${sink >= 0 ? 1 : 0}`
);
