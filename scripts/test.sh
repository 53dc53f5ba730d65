#!/usr/bin/env bash
# Sets up, then runs every test: all CTest tests in build/, the unit tests again under ASan+UBSan
# in build-asan/, and a libFuzzer smoke run of the frontend + IR. Exit non-zero on any failure.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1
FUZZ_SECONDS="${DFC_FUZZ_SECONDS:-60}"
LOGS="$ROOT/build/test-logs"

passed=0
failed=0
steps=()
# Adds a ctest run's counts ("N% tests passed, F tests failed out of T") to the totals.
countCtest() {
  local line total fails
  line="$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$1" | tail -1)"
  if [[ -z "$line" ]]; then
    failed=$((failed + 1)) # ctest died before summarising: count the run as one failure
    return
  fi
  fails="$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")"
  total="$(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"$line")"
  passed=$((passed + total - fails))
  failed=$((failed + fails))
}
step() { # step NAME STATUS
  steps+=("$1: $([[ $2 -eq 0 ]] && echo ok || echo "FAILED ($2)")")
}

if ! bash scripts/setup.sh; then
  echo "test.sh: setup failed" >&2
  echo "summary: 0 passed, 1 failed"
  exit 1
fi
mkdir -p "$LOGS"

# 1. Everything, in the main configuration.
ctest --test-dir build --output-on-failure 2>&1 | tee "$LOGS/ctest.log"
status=${PIPESTATUS[0]}
countCtest "$LOGS/ctest.log"
step "ctest build/" "$status"

# 2. Unit tests under AddressSanitizer + UndefinedBehaviorSanitizer, and dfc itself through the LSP
#    end-to-end test and `dfc lint` in every format (a use-after-free in `dfc lsp`'s flag handling
#    once hid from the unit tests). The rest of the tree is covered by the main build.
status=0
if [[ ! -f build-asan/build.ninja ]]; then
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDFC_SANITIZE=ON >/dev/null || status=$?
fi
if [[ $status -eq 0 ]]; then
  mapfile -t unitTargets < <(ctest --test-dir build-asan -L unit -N | sed -nE 's/^ *Test +#[0-9]+: +([A-Za-z0-9_]+).*/\1/p')
  ninja -C build-asan --quiet ${DFC_JOBS:+-j "$DFC_JOBS"} "${unitTargets[@]}" dfc lsp_e2e_tests || status=$?
fi
if [[ $status -eq 0 ]]; then
  asan=(env "ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
    "UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}")
  "${asan[@]}" ctest --test-dir build-asan -L unit --output-on-failure 2>&1 | tee "$LOGS/ctest-asan.log"
  status=${PIPESTATUS[0]}
  countCtest "$LOGS/ctest-asan.log"
  "${asan[@]}" ctest --test-dir build-asan -R '^lsp_e2e_tests$' --output-on-failure 2>&1 | tee "$LOGS/ctest-asan-e2e.log"
  [[ ${PIPESTATUS[0]} -eq 0 ]] || status=1
  countCtest "$LOGS/ctest-asan-e2e.log"
  # dfc lint under ASan: every format over the examples (exit 0 or 1 = findings; a sanitizer abort
  # or any other code fails). Counted as one check.
  lintStatus=0
  for format in tty json sarif checkstyle gnu codeclimate gitlab junit github; do
    "${asan[@]}" build-asan/bin/dfc lint --no-shellcheck -f "$format" examples >/dev/null 2>>"$LOGS/lint-asan.log"
    code=$?
    if [[ $code -gt 1 ]]; then
      echo "dfc lint -f $format under ASan: exit $code (see $LOGS/lint-asan.log)"
      lintStatus=1
    fi
  done
  if [[ $lintStatus -eq 0 ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); status=1; fi
else
  failed=$((failed + 1))
fi
step "ctest -L unit + lsp_e2e_tests, dfc lint in build-asan/ (ASan+UBSan)" "$status"

# 3. Fuzz smoke: any crash, hang or leak of memory bound is a failure.
bash tests/fuzz/run.sh "$FUZZ_SECONDS"
status=$?
if [[ $status -eq 0 ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
step "fuzz ${FUZZ_SECONDS}s" "$status"

echo
for s in "${steps[@]}"; do echo "  $s"; done
echo "summary: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
