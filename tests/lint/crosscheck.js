// Cross-check of dfc lint against dockerfile-utils (the peer linter): maps each peer diagnostic to
// the dfc rule that covers the same problem, compares per file and line, and checks that every
// disagreement is one that crosscheck-expected.txt lists with a verdict (and none listed vanished).
// usage: node crosscheck.js CORPUS_DIR DFC_JSON EXPECTED_TXT FILE...   (NODE_PATH reaches dockerfile-utils)
'use strict';
const fs = require('fs');
const path = require('path');
const du = require('dockerfile-utils');

// Peer code -> dfc rule id. Every check the peer can make is listed; the peer's many argument,
// flag and syntax checks are BuildKit parse or build errors, which dfc reports as SyntaxError.
// CASING_DIRECTIVE maps to "-": dfc has no such rule (BuildKit reads directives in any case).
const RULE_OF = {
  CASING_INSTRUCTION: 'InstructionCasing',
  CASING_DIRECTIVE: '-',
  DUPLICATE_BUILD_STAGE_NAME: 'DuplicateStageName',
  EMPTY_CONTINUATION_LINE: 'NoEmptyContinuation',
  MULTIPLE_INSTRUCTIONS: 'MultipleInstructionsDisallowed',
  DEPRECATED_MAINTAINER: 'MaintainerDeprecated',
  JSON_IN_SINGLE_QUOTES: 'JsonInSingleQuotes',
  WORKDIR_IS_NOT_ABSOLUTE: 'WorkdirRelativePath',
  INVALID_SIGNAL: 'InvalidStopSignal',
  INVALID_PROTO: 'SyntaxError',
  INVALID_PORT: 'SyntaxError',
  INVALID_BUILD_STAGE_NAME: 'SyntaxError',
  INVALID_AS: 'SyntaxError',
  INVALID_DESTINATION: 'SyntaxError',
  INVALID_REFERENCE_FORMAT: 'SyntaxError',
  INVALID_SYNTAX: 'SyntaxError',
  INVALID_ESCAPE_DIRECTIVE: 'SyntaxError',
  DUPLICATED_ESCAPE_DIRECTIVE: 'SyntaxError',
  ARGUMENT_MISSING: 'SyntaxError',
  ARGUMENT_EXTRA: 'SyntaxError',
  ARGUMENT_REQUIRES_ONE: 'SyntaxError',
  ARGUMENT_REQUIRES_AT_LEAST_ONE: 'SyntaxError',
  ARGUMENT_REQUIRES_TWO: 'SyntaxError',
  ARGUMENT_REQUIRES_AT_LEAST_TWO: 'SyntaxError',
  ARGUMENT_REQUIRES_ONE_OR_THREE: 'SyntaxError',
  ARGUMENT_UNNECESSARY: 'SyntaxError',
  FLAG_AT_LEAST_ONE: 'SyntaxError',
  FLAG_DUPLICATE: 'SyntaxError',
  FLAG_INVALID_DURATION: 'SyntaxError',
  FLAG_LESS_THAN_1MS: 'SyntaxError',
  FLAG_MISSING_DURATION: 'SyntaxError',
  FLAG_MISSING_VALUE: 'SyntaxError',
  FLAG_UNKNOWN_UNIT: 'SyntaxError',
  FLAG_INVALID_FROM_VALUE: 'SyntaxError',
  FLAG_INVALID_LINK_VALUE: 'SyntaxError',
  FLAG_EXPECTED_BOOLEAN_VALUE: 'SyntaxError',
  NO_SOURCE_IMAGE: 'SyntaxError',
  BASE_NAME_EMPTY: 'SyntaxError',
  ONBUILD_CHAINING_DISALLOWED: 'SyntaxError',
  ONBUILD_TRIGGER_DISALLOWED: 'SyntaxError',
  SHELL_JSON_FORM: 'SyntaxError',
  SHELL_REQUIRES_ONE: 'SyntaxError',
  SYNTAX_MISSING_EQUALS: 'SyntaxError',
  SYNTAX_MISSING_NAMES: 'SyntaxError',
  SYNTAX_MISSING_SINGLE_QUOTE: 'SyntaxError',
  SYNTAX_MISSING_DOUBLE_QUOTE: 'SyntaxError',
  UNKNOWN_INSTRUCTION: 'SyntaxError',
  UNKNOWN_ADD_FLAG: 'SyntaxError',
  UNKNOWN_COPY_FLAG: 'SyntaxError',
  UNKNOWN_FROM_FLAG: 'SyntaxError',
  UNKNOWN_HEALTHCHECK_FLAG: 'SyntaxError',
  UNKNOWN_TYPE: 'SyntaxError',
  UNSUPPORTED_MODIFIER: 'SyntaxError',
  HEALTHCHECK_CMD_ARGUMENT_MISSING: 'SyntaxError',
};

function fail(msg) {
  console.error(`crosscheck: ${msg}`);
  process.exit(1);
}

const [corpusDir, dfcJson, expectedTxt, ...files] = process.argv.slice(2);
if (!files.length) fail('usage: node crosscheck.js CORPUS_DIR DFC_JSON EXPECTED_TXT FILE...');

// A code the installed peer has and the table lacks would be silently ignored: refuse instead.
for (const name of Object.keys(du.ValidationCode).filter((k) => isNaN(Number(k))))
  if (!(name in RULE_OF)) fail(`dockerfile-utils code ${name} has no entry in the mapping table`);
const compared = new Set(Object.values(RULE_OF).filter((r) => r !== '-'));

// Every configurable check on, as a warning: compare everything the peer can say.
const S = du.ValidationSeverity.WARNING;
const settings = {
  deprecatedMaintainer: S, directiveCasing: S, emptyContinuationLine: S, instructionCasing: S,
  instructionCmdMultiple: S, instructionEntrypointMultiple: S, instructionHealthcheckMultiple: S,
  instructionJSONInSingleQuotes: S, instructionWorkdirRelative: S,
};

const rel = (f) => path.relative(corpusDir, f);
const peer = new Map(); // "file:line rule" -> peer messages
for (const f of files) {
  for (const d of du.validate(fs.readFileSync(f, 'utf8'), settings)) {
    const code = du.ValidationCode[d.code];
    const key = `${rel(f)}:${d.range.start.line + 1} ${RULE_OF[code]}`;
    if (!peer.has(key)) peer.set(key, []);
    peer.get(key).push(`${code}: ${d.message}`);
  }
}
const ours = new Map();
for (const d of JSON.parse(fs.readFileSync(dfcJson, 'utf8'))) {
  if (!compared.has(d.rule)) continue;
  const key = `${rel(d.file)}:${d.line} ${d.rule}`;
  if (!ours.has(key)) ours.set(key, []);
  ours.get(key).push(d.message);
}

const found = new Map(); // "file:line rule side" -> what was said
let agreed = 0;
for (const [k, msgs] of peer) {
  if (ours.has(k)) agreed++;
  else found.set(`${k} peer-only`, msgs.join(' | '));
}
for (const [k, msgs] of ours) if (!peer.has(k)) found.set(`${k} dfc-only`, msgs.join(' | '));

// crosscheck-expected.txt: `FILE:LINE RULE SIDE VERDICT REASON...`, '#' comments.
const expected = new Map();
const lines = fs.readFileSync(expectedTxt, 'utf8').split('\n');
lines.forEach((line, i) => {
  if (!line.trim() || line.startsWith('#')) return;
  const m = line.match(/^(\S+)\s+(\S+)\s+(peer-only|dfc-only)\s+(ours|theirs)\s+(\S.*)$/);
  if (!m) fail(`${expectedTxt}:${i + 1}: want FILE:LINE RULE peer-only|dfc-only ours|theirs REASON`);
  expected.set(`${m[1]} ${m[2]} ${m[3]}`, m[4]);
});

let bad = 0;
for (const [k, said] of found)
  if (!expected.has(k)) {
    console.log(`UNLISTED disagreement: ${k}    (${said})`);
    bad++;
  }
for (const k of expected.keys())
  if (!found.has(k)) {
    console.log(`GONE: listed disagreement no longer occurs: ${k}`);
    bad++;
  }
const verdicts = { ours: 0, theirs: 0 };
for (const [k, v] of expected) if (found.has(k)) verdicts[v]++;
console.log(
  `crosscheck: ${files.length} files, peer ${peer.size} findings, dfc ${ours.size} (compared rules), ` +
    `agreed ${agreed}, disagreements ${found.size} (ours ${verdicts.ours}, theirs ${verdicts.theirs}), ` +
    `problems ${bad}`
);
if (peer.size === 0 || ours.size === 0) fail('one side found nothing: the comparison would be vacuous');
process.exit(bad ? 1 : 0);
