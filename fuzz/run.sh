#!/usr/bin/env bash
# Fuzzes one harness with afl-fuzz for a bounded time and prints executions, crashes and hangs.
#   fuzz/run.sh <token|review|network|kubeconfig> [seconds, default 600]
# Crashing inputs are left in fuzz/out/<target>/findings/default/crashes; keep each one, once
# fixed, as fuzz/corpus/<target>/regression-<what> so that every test run replays it.
set -euo pipefail

target="${1:?usage: fuzz/run.sh <token|review|network|kubeconfig> [seconds]}"
seconds="${2:-600}"
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/fuzz/out/$target"
corpus="$root/fuzz/corpus/$target"
[[ -d "$corpus" ]] || { echo "no corpus for '$target' in $corpus" >&2; exit 2; }

if ! command -v afl-fuzz >/dev/null; then
  # A fresh machine has no package lists yet, and without them afl++ is not found.
  apt-get update -qq && apt-get install -y afl++ >/dev/null
fi

cd "$root"
dotnet tool restore >/dev/null
rm -rf "$out"
dotnet publish fuzz/Latchkey.Fuzz -c Release -o "$out/bin" -v q -nologo >/dev/null

# Coverage comes from the assemblies that hold the parsers (and YAML's, for kubeconfigs).
case "$target" in
  token) assemblies=(Latchkey.Core.dll) ;;
  kubeconfig) assemblies=(Latchkey.Core.dll YamlDotNet.dll) ;;
  *) assemblies=(latchkey-server.dll) ;;
esac
for assembly in "${assemblies[@]}"; do
  dotnet sharpfuzz "$out/bin/$assembly" >/dev/null
done

# A managed program is not an afl-instrumented binary; a harness run over 5 s counts as a hang.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1
afl-fuzz -i "$corpus" -o "$out/findings" -t 5000 -m none -V "$seconds" -- dotnet "$out/bin/Latchkey.Fuzz.dll" "$target" >"$out/afl.log" 2>&1 || {
  tail -20 "$out/afl.log" >&2
  exit 1
}

stats="$out/findings/default/fuzzer_stats"
value() { awk -F' *: *' -v key="$1" '$1 == key { print $2 }' "$stats"; }
crashes="$(value saved_crashes)"
hangs="$(value saved_hangs)"
echo "$target: $(value execs_done) executions in $(value run_time) s ($(value execs_per_sec)/s), $(value corpus_count) inputs in the queue, $crashes crashes, $hangs hangs"
[[ "$crashes" == 0 && "$hangs" == 0 ]]
