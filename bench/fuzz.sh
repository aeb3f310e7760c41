#!/usr/bin/env bash
# Fuzzes Facteur's parsers with Jazzer: each @FuzzTest class in turn, for SECONDS each, at low
# priority (one at a time: the fuzzer keeps one core busy). Usage:
#
#   bench/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     e.g. bench/fuzz.sh 600 CommandParserFuzzTest
#
# Without targets, every src/test/java/**/*FuzzTest.java. The working corpus grows in
# .cifuzz-corpus/ (git-ignored) and is reused by the next run; an input that fails a target is
# written next to its seeds, src/test/resources/<package>/<Class>Inputs/<method>/crash-*, where
# `mvn test` replays it from then on. Logs: target/fuzz/<Class>.log; a summary at the end.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

seconds="${1:-600}"
[ $# -gt 0 ] && shift
if [ $# -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(find src/test/java -name '*FuzzTest.java' -printf '%f\n' | sed 's/\.java$//' | sort)
fi
[ -n "${JAVA_HOME:-}" ] || export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
export MAVEN_OPTS="${MAVEN_OPTS:---sun-misc-unsafe-memory-access=allow}"
mkdir -p target/fuzz
mvn -B -q -ntp -Dstyle.color=never test-compile || exit 1

summary=target/fuzz/summary.tsv
printf 'target\tseconds\texecutions\tcorpus\tcrashes\tresult\n' >"$summary"
for t in "${targets[@]}"; do
  class_file=$(find src/test/java -name "$t.java" | head -1)
  [ -n "$class_file" ] || { echo "fuzz.sh: no test class $t" >&2; continue; }
  pkg_dir=$(dirname "${class_file#src/test/java/}")
  inputs="src/test/resources/$pkg_dir/${t}Inputs"
  crashes_before=$(find "$inputs" -name 'crash-*' 2>/dev/null | wc -l)
  log="target/fuzz/$t.log"
  echo "fuzz.sh: $t for ${seconds}s (log: $log)" >&2
  start=$(date +%s)
  # JAZZER_MAX_DURATION overrides each test's maxDuration; -timeout: an input that takes longer
  # than 10 s is a hang. -Xmx bounds memory so that unbounded buffering fails as OutOfMemoryError.
  # jazzer.hooks: coverage instrumentation, off for plain test runs (src/test/resources/junit-platform.properties).
  JAZZER_FUZZ=1 JAZZER_MAX_DURATION="${seconds}s" JAVA_TOOL_OPTIONS="-Xmx1g" \
    nice -n 10 mvn -B -ntp -Dstyle.color=never surefire:test -Dtest="$t" -Dsurefire.failIfNoSpecifiedTests=false \
      -Djazzer.hooks=true -Djazzer.internal.arg.0=fuzz -Djazzer.internal.arg.1=-timeout=10 >"$log" 2>&1
  rc=$?
  elapsed=$(( $(date +%s) - start ))
  runs=$(grep -aoE 'Done [0-9]+ runs' "$log" | tail -1 | grep -oE '[0-9]+')
  [ -n "$runs" ] || runs=$(grep -aoE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
  corpus=$(find ".cifuzz-corpus/dev.facteur.${pkg_dir##*/}.$t" -type f 2>/dev/null | wc -l)
  crashes=$(( $(find "$inputs" -name 'crash-*' 2>/dev/null | wc -l) - crashes_before ))
  result=$([ "$rc" -eq 0 ] && echo ok || echo FAILED)
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$elapsed" "${runs:-?}" "$corpus" "$crashes" "$result" >>"$summary"
done
column -t -s $'\t' "$summary"
