#!/usr/bin/env bash
# End-to-end checks of `dfc lint` on real files in a temp dir: every output format parses, exit
# codes, config precedence, inline ignores, --fix, stdin, directory walking, --explain/--list.
# usage: lint_test.sh DFC_BINARY (run from the repo root; CTest does that)
# shellcheck disable=SC2016 # the checks are eval'd later, so they quote their $ on purpose
set -uo pipefail

DFC="$(realpath "${1:?usage: lint_test.sh path/to/dfc}")"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 1

# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
py() { python3 -c "$1" "$WORK/out"; }
isXml() {
  if command -v xmllint >/dev/null; then
    xmllint --noout "$WORK/out"
  else
    python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$WORK/out"
  fi
}

# Files: `clean` has nothing any rule should flag; `bad` adds one warning (StageNameCasing at 1:22)
# and a fixable MAINTAINER; `broken` does not parse.
mkdir -p proj/sub proj/.git proj/node_modules
printf 'FROM busybox:1.36\nUSER nobody\nHEALTHCHECK NONE\nCMD ["true"]\n' >clean
printf 'FROM busybox:1.36 AS Build\nUSER nobody\nHEALTHCHECK NONE\nCMD ["true"]\n' >bad
printf 'FROM busybox:1.36 AS Build\nMAINTAINER Jane <j@x.org>\nUSER nobody\nHEALTHCHECK NONE\nCMD ["true"]\n' >fixme
printf 'FROM busybox:1.36 AS Build\nENV PATH\nUSER nobody\nHEALTHCHECK NONE\nCMD ["true"]\n' >broken

# --- exit codes and the default threshold (warning) ---
run lint clean
check "clean file exits 0 and prints nothing" eval '[[ $rc -eq 0 && ! -s $WORK/out ]]'
run lint bad
check "a warning fails at the default threshold (1)" eval '[[ $rc -eq 1 ]]'
check "tty: file:line:col: severity: message [Rule]" outHas "bad:1:22: warning: Stage name 'Build' should be lowercase [StageNameCasing]"
check "tty: the source line is shown" outHas '  FROM busybox:1.36 AS Build'
check "tty: the caret sits under the exact range" eval 'grep -qxF "                       ^~~~~" "$WORK/out"'
check "tty: no colour when stdout is not a terminal" eval '! grep -q $'"'"'\033'"'"' "$WORK/out"'
run lint --failure-threshold error bad
check "--failure-threshold error: a warning passes (0)" eval '[[ $rc -eq 0 ]] && outHas StageNameCasing'
run lint --failure-threshold none broken
check "--failure-threshold none never fails" eval '[[ $rc -eq 0 ]]'
run lint --failure-threshold bogus bad
check "bad --failure-threshold is a usage error (2)" eval '[[ $rc -eq 2 ]]'
run lint --format xml bad
check "unknown --format is a usage error (2)" eval '[[ $rc -eq 2 ]]'
run lint
check "no PATH is a usage error (2)" eval '[[ $rc -eq 2 ]]'
run lint /nonexistent/Dockerfile
check "missing file exits 2 with the reason" eval '[[ $rc -eq 2 ]] && errHas "cannot read /nonexistent/Dockerfile: No such file"'

# --- a file that does not parse still gets every finding ---
run lint --format gnu broken
check "broken: the parse error is a SyntaxError finding" outMatches '^broken:2\.[0-9]+-[0-9.]+: error: ENV must have two arguments \[SyntaxError\]$'
check "broken: other rules still run" outHas 'broken:1.22-1.27: warning: Stage name'
check "broken exits 1" eval '[[ $rc -eq 1 ]]'

# --- every format parses and carries the finding ---
run lint --format json bad
check "json: array of findings with 1-based positions" py '
import json, sys
v = json.load(open(sys.argv[1]))
f = [x for x in v if x["rule"] == "StageNameCasing"][0]
assert (f["file"], f["line"], f["column"], f["endLine"], f["endColumn"]) == ("bad", 1, 22, 1, 27), f
assert f["severity"] == "warning" and f["aliases"] == [] and "Build" in f["message"]
assert f["fix"]["edits"][0]["text"] == "build", f["fix"]
assert set(f) == {"file", "line", "column", "endLine", "endColumn", "rule", "aliases", "severity", "message", "fix"}'
run lint --format json clean
check "json: a clean file is []" py 'import json, sys; assert json.load(open(sys.argv[1])) == []'
run lint --format sarif fixme
check "sarif: 2.1.0 with rule metadata, aliases and fixes" py '
import json, sys
v = json.load(open(sys.argv[1]))
assert v["version"] == "2.1.0" and "sarif" in v["$schema"]
run = v["runs"][0]
rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
m = rules["MaintainerDeprecated"]
assert m["properties"]["aliases"] == ["DL4000"] and m["helpUri"].endswith("docs/rules/MaintainerDeprecated.md")
assert m["shortDescription"]["text"]
res = [r for r in run["results"] if r["ruleId"] == "MaintainerDeprecated"][0]
assert run["tool"]["driver"]["rules"][res["ruleIndex"]]["id"] == "MaintainerDeprecated"
assert res["level"] == "warning"
assert res["locations"][0]["physicalLocation"]["region"]["startLine"] == 2
rep = res["fixes"][0]["artifactChanges"][0]["replacements"][0]
assert "org.opencontainers.image.authors" in rep["insertedContent"]["text"]'
run lint --format checkstyle bad
check "checkstyle is XML with the finding" eval 'isXml && outHas "source=\"dfc.StageNameCasing\"" && outHas "line=\"1\" column=\"22\""'
run lint --format junit bad clean
check "junit is XML: one failure for bad, a passing case for clean" eval 'isXml && outHas "failures=\"1\"" && outHas "<testcase classname=\"clean\" name=\"dfc lint\"/>"'
run lint --format gnu bad
check "gnu: file:line.col-line.col" outHas "bad:1.22-1.27: warning: Stage name 'Build' should be lowercase [StageNameCasing]"
run lint --format codeclimate bad
check "codeclimate: issues with fingerprints" py '
import json, sys
v = json.load(open(sys.argv[1]))
i = [x for x in v if x["check_name"] == "StageNameCasing"][0]
assert i["type"] == "issue" and i["location"]["path"] == "bad" and len(i["fingerprint"]) == 16
assert i["location"]["positions"]["begin"] == {"line": 1, "column": 22}'
run lint --format gitlab bad
check "gitlab: Code Quality report" py '
import json, sys
v = json.load(open(sys.argv[1]))
i = [x for x in v if x["check_name"] == "StageNameCasing"][0]
assert i["location"] == {"path": "bad", "lines": {"begin": 1}} and i["severity"] == "minor"'
run lint --format github bad
check "github: ::warning annotation" outHas "::warning file=bad,line=1,col=22,endLine=1,endColumn=27,title=StageNameCasing::Stage name 'Build' should be lowercase [StageNameCasing]"

# --- stdin ---
STDIN=bad run lint --format gnu -
check "stdin is linted as <stdin>" eval '[[ $rc -eq 1 ]] && outHas "<stdin>:1.22-1.27: warning: Stage name"'
STDIN=bad run lint --fix -
check "--fix on stdin is a usage error (2)" eval '[[ $rc -eq 2 ]]'

# --- directory walking ---
cp bad proj/Dockerfile
cp bad proj/sub/api.Dockerfile
cp bad proj/sub/Dockerfile.dev
cp bad proj/sub/Containerfile
cp bad proj/sub/notes.txt
cp bad proj/.git/Dockerfile
cp bad proj/node_modules/Dockerfile
run lint --format gnu proj
check "directory: finds Dockerfile, *.Dockerfile, Dockerfile.*, Containerfile" eval '
  outHas "proj/Dockerfile:1.22" && outHas "proj/sub/api.Dockerfile:1.22" &&
  outHas "proj/sub/Dockerfile.dev:1.22" && outHas "proj/sub/Containerfile:1.22"'
check "directory: skips other files, .git and node_modules" eval '
  ! outHas notes.txt && ! outHas proj/.git && ! outHas node_modules && [[ $(wc -l <"$WORK/out") -eq 4 ]]'

# --- configuration: discovery, precedence, hadolint keys, errors ---
mkdir -p cfg/a/b
cp bad cfg/a/b/Dockerfile
printf 'failure-threshold: error\n' >cfg/.hadolint.yaml
run lint cfg/a/b/Dockerfile
check "config found from the Dockerfile's folder upward (.hadolint.yaml)" eval '[[ $rc -eq 0 ]] && outHas StageNameCasing'
printf 'ignored: [StageNameCasing]\n' >cfg/a/.dfc.yaml
run lint cfg/a/b/Dockerfile
check "the nearest config wins (.dfc.yaml in a/ over .hadolint.yaml above)" eval '[[ $rc -eq 0 && ! -s $WORK/out ]]'
# One run, folders sharing parents: each file still gets its own nearest config (the lookup
# remembers folders; c/ and its sibling a/b/ must not share a/'s answer, nor a/b/ c/'s).
mkdir -p cfg/c/d
cp bad cfg/c/d/Dockerfile
run lint --format gnu cfg/c/d/Dockerfile cfg/a/b/Dockerfile
check "one run: every file gets its own nearest config" eval '
  outHas "cfg/c/d/Dockerfile:1.22" && ! outHas "cfg/a/b/Dockerfile:" && [[ $rc -eq 0 ]]'
# The walk goes up the path as written: a folder reached through a symlink takes the config
# above the link (as ESLint does), and `..` is removed by its text.
mkdir -p outside/x
cp bad outside/x/Dockerfile
ln -s "$WORK/outside/x" cfg/linked
run lint --format gnu cfg/linked/Dockerfile
check "config found above a symlinked folder, along the path as written" eval '[[ $rc -eq 0 ]] && outHas StageNameCasing'
run lint --format gnu cfg/c/../linked/Dockerfile
check "'..' in the path is removed by its text before the walk" eval '[[ $rc -eq 0 ]] && outHas StageNameCasing'
run lint --format gnu outside/x/Dockerfile
check "the same file by its own path has no config (exit 1 on the warning)" eval '[[ $rc -eq 1 ]]'
printf 'override:\n  error: [StageNameCasing]\n' >cfg/a/b/.hadolint.yml
run lint --format gnu cfg/a/b/Dockerfile
check "override: raises a rule to error (.hadolint.yml)" eval '[[ $rc -eq 1 ]] && outHas "error: Stage name"'
run lint --failure-threshold none cfg/a/b/Dockerfile
check "command line beats the config file" eval '[[ $rc -eq 0 ]]'
printf 'override:\n  info: [stagenamecasing]\nno-fail: false\n' >alt.yaml
run lint --config alt.yaml --format gnu bad
check "--config FILE; ids are case-insensitive; info does not fail" eval '[[ $rc -eq 0 ]] && outHas "info: Stage name"'
printf 'no-fail: true\n' >nofail.yaml
run lint --config nofail.yaml bad
check "no-fail: true exits 0" eval '[[ $rc -eq 0 ]] && outHas StageNameCasing'
run lint --config alt.yaml --ignore StageNameCasing bad
check "--ignore adds to the config" eval '[[ $rc -eq 0 && ! -s $WORK/out ]]'
printf 'ignored: [DL4000]\n' >alias.yaml
run lint --config alias.yaml --failure-threshold none fixme
check "ignored accepts hadolint aliases" eval '! outHas MaintainerDeprecated && outHas StageNameCasing'
printf 'ignored:\n  - DL3008\nfailure-threshold: [x\n' >broken.yaml
run lint --config broken.yaml bad
check "malformed YAML: file:line:col: error, exit 2" eval '[[ $rc -eq 2 ]] && errHas "^broken.yaml:[0-9]+:[0-9]+: error: "'
printf 'ignored: [DL3008]\ncolour: true\n' >unknown.yaml
run lint --config unknown.yaml bad
check "unknown key: error at its position, exit 2" eval '[[ $rc -eq 2 ]] && errHas "^unknown.yaml:2:1: error: unknown key .colour."'
printf 'failure-threshold: loud\n' >badvalue.yaml
run lint --config badvalue.yaml bad
check "bad value: error at the value, exit 2" eval '[[ $rc -eq 2 ]] && errHas "^badvalue.yaml:1:20: error: .failure-threshold."'
printf 'strict-labels: maybe\n' >badbool.yaml
run lint --config badbool.yaml bad
check "bad boolean: error, exit 2" eval '[[ $rc -eq 2 ]] && errHas "^badbool.yaml:1:16: error: .strict-labels. must be true or false"'
printf 'ignored: [x]\nfoo: 1\n' >proj/.dfc.yaml
run lint proj
check "a malformed discovered config stops the run (2)" eval '[[ $rc -eq 2 ]] && errHas "proj/.dfc.yaml:2:1: error: unknown key"'
rm proj/.dfc.yaml

# --- inline suppressions ---
printf '# hadolint ignore=StageNameCasing\nFROM busybox:1.36 AS Build\nUSER nobody\nHEALTHCHECK NONE\nCMD ["true"]\n' >inline1
run lint inline1
check "# hadolint ignore= above the instruction" eval '[[ $rc -eq 0 ]] && ! outHas StageNameCasing'
printf '# check=skip=StageNameCasing\nFROM busybox:1.36 AS Build\nUSER nobody\nHEALTHCHECK NONE\nCMD ["true"]\n' >inline2
run lint inline2
check "# check=skip= directive" eval '[[ $rc -eq 0 ]] && ! outHas "[StageNameCasing]"'
printf 'disable-ignore-pragma: true\n' >nopragma.yaml
run lint --config nopragma.yaml inline1
check "disable-ignore-pragma: inline ignores are not honoured" eval '[[ $rc -eq 1 ]] && outHas StageNameCasing'

# --- --fix ---
cp fixme fixed
chmod 640 fixed
run lint --fix --no-shellcheck fixed
check "--fix rewrites the file" eval 'grep -qxF "FROM busybox:1.36 AS build" fixed && grep -qxF "LABEL org.opencontainers.image.authors=\"Jane <j@x.org>\"" fixed'
check "--fix: nothing fixable is left, exit 0" eval '[[ $rc -eq 0 ]] && errHas "applied 2 fixes"'
check "--fix keeps the file mode and leaves no temp file" eval '[[ $(stat -c %a fixed) == 640 ]] && [[ -z $(ls | grep dfc-fix) ]]'
run lint --fix fixed
check "--fix again changes nothing" eval '[[ $rc -eq 0 ]] && ! errHas applied'

# --- ShellCheck ---
printf 'FROM busybox:1.36\nUSER nobody\nHEALTHCHECK NONE\nRUN echo hi && \\\n    echo $HOME\nCMD ["true"]\n' >sc
if command -v shellcheck >/dev/null; then
  run lint --format gnu sc
  check "ShellCheck finding mapped to the continuation line" outHas 'sc:5.10-5.15: info: SC2086: Double quote to prevent globbing and word splitting. [ShellCheck]'
  run lint --no-shellcheck --format gnu sc
  check "--no-shellcheck turns it off" eval '! outHas ShellCheck'
  run lint --ignore SC2086 --format gnu sc
  check "--ignore SC2086 drops that code" eval '! outHas SC2086'
  printf 'FROM busybox:1.36\nUSER nobody\nHEALTHCHECK NONE\n# hadolint ignore=SC2086\nRUN echo $HOME\nCMD ["true"]\n' >sc2
  run lint --format gnu sc2
  check "# hadolint ignore=SC2086 above the RUN" eval '! outHas SC2086'
  printf 'FROM busybox:1.36\nUSER nobody\nHEALTHCHECK NONE\nRUN <<EOF\necho ok\necho $HOME\nEOF\nCMD ["true"]\n' >sc3
  run lint --format gnu sc3
  check "ShellCheck in a RUN heredoc maps to its line" outHas 'sc3:6.6-6.11: info: SC2086'
else
  echo "SKIP: shellcheck not installed; ShellCheck cases not run"
fi

# --- .dockerignore next to the Dockerfile feeds CopyIgnoredFile ---
mkdir -p ctx
printf 'FROM busybox:1.36\nCOPY secret.txt /s\nUSER nobody\nHEALTHCHECK NONE\nCMD ["true"]\n' >ctx/Dockerfile
run lint --format gnu ctx/Dockerfile
check "no .dockerignore: CopyIgnoredFile is silent" eval '! outHas CopyIgnoredFile'
printf '# comment\n\nsecret.txt\n' >ctx/.dockerignore
run lint --format gnu ctx/Dockerfile
check ".dockerignore is read: CopyIgnoredFile fires on the source" outHas 'ctx/Dockerfile:2.6-2.16: warning: Attempting to Copy file "secret.txt" that is excluded by .dockerignore [CopyIgnoredFile]'
printf 'other\n' >ctx/Dockerfile.dockerignore
run lint --format gnu ctx/Dockerfile
check "Dockerfile.dockerignore takes precedence over .dockerignore" eval '! outHas CopyIgnoredFile'

# --- --list and --explain ---
run lint --list
check "--list shows rules with aliases and severity" eval '[[ $rc -eq 0 ]] && outMatches "^MaintainerDeprecated +DL4000 +warning +buildkit"'
run lint --explain DL1000
check "--explain resolves an alias and prints the page" eval '[[ $rc -eq 0 ]] && outHas "# SyntaxError" && outHas "DL1000"'
run lint --explain NoSuchRule
check "--explain of an unknown rule is a usage error (2)" eval '[[ $rc -eq 2 ]] && errHas "no lint rule"'

# --- parallel: many files, same answers as one by one ---
mkdir many
for i in $(seq 1 40); do cp bad "many/$i.Dockerfile"; done
run lint --format gnu many
check "40 files linted in parallel, each reported once, in order" eval '
  [[ $(grep -c "StageNameCasing" "$WORK/out") -eq 40 ]] && [[ "$(cut -d: -f1 "$WORK/out" | head -3 | tr "\n" " ")" == "many/1.Dockerfile many/10.Dockerfile many/11.Dockerfile " ]]'

finish
