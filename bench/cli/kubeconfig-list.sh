#!/usr/bin/env bash
# Wall time of `latchkey kubeconfig list --offline` (the NativeAOT build, no server lookups) against
# `kubectl config get-contexts`, on the same generated kubeconfig, in the same run, and their ratio.
# No network; the file holds fake tokens only.
#   bench/cli/kubeconfig-list.sh [contexts=1000] [runs=50]
set -euo pipefail
cd "$(dirname "$0")/../.."
contexts=${1:-1000}; runs=${2:-50}
command -v hyperfine >/dev/null || { echo "hyperfine is not installed (apt-get install hyperfine)" >&2; exit 1; }
command -v kubectl >/dev/null || { echo "kubectl is not installed" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet publish src/Latchkey.Cli -c Release -r linux-x64 -o "$work/bin" -v q -nologo >/dev/null

# Every third user holds a (fake) token, the others run an exec plugin: the shapes real files have.
python3 - "$contexts" >"$work/config" <<'PY'
import sys
n = int(sys.argv[1])
print("apiVersion: v1\nkind: Config\ncurrent-context: ctx-0000\nclusters:")
for i in range(n):
    print(f"- name: cluster-{i:04}\n  cluster:\n    server: https://c{i}.k8s.example.test:6443\n    certificate-authority-data: RkFLRS1CRU5DSC1DQQ==")
print("contexts:")
for i in range(n):
    user = f"latchkey-{i:016x}-bench" if i % 3 == 0 else f"latchkey-exec-cluster-{i:04}"
    print(f"- name: ctx-{i:04}\n  context:\n    cluster: cluster-{i:04}\n    namespace: ns-{i % 7}\n    user: {user}")
print("users:")
for i in range(n):
    if i % 3 == 0:
        print(f"- name: latchkey-{i:016x}-bench\n  user:\n    token: fake-bench-token-{i}")
    else:
        print(f"- name: latchkey-exec-cluster-{i:04}\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: latchkey\n      args: [credential, --cluster, cluster-{i:04}]\n      interactiveMode: Never")
PY

export HOME="$work/home" KUBECONFIG="" LATCHKEY_SERVER="" LATCHKEY_TOKEN=""
mkdir -p "$HOME"
test "$("$work/bin/latchkey" kubeconfig list --offline --kubeconfig "$work/config" | wc -l)" -eq $((contexts + 1))
test "$(kubectl config get-contexts --kubeconfig "$work/config" | wc -l)" -eq $((contexts + 1))

hyperfine -N --warmup 5 --runs "$runs" --export-json "$work/result.json" \
  -n "latchkey kubeconfig list" "$work/bin/latchkey kubeconfig list --offline --kubeconfig $work/config" \
  -n "kubectl config get-contexts" "kubectl config get-contexts --kubeconfig $work/config"
python3 - "$work/result.json" "$contexts" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
l, k = r["latchkey kubeconfig list"], r["kubectl config get-contexts"]
print(f"{sys.argv[2]} contexts: latchkey {l['mean']*1000:.1f} ms (median {l['median']*1000:.1f}), "
      f"kubectl {k['mean']*1000:.1f} ms (median {k['median']*1000:.1f}); "
      f"latchkey/kubectl = {l['mean']/k['mean']:.2f} (mean), {l['median']/k['median']:.2f} (median)")
PY
