#!/bin/sh
# Builds one workspace of services/ into a self-contained folder: its TypeScript
# sources and those of the @vidgate/* workspaces it uses, their production
# dependencies only (tsx included: the services run their sources with
# `node --import tsx`, as `npm start` does), and for `stack` the nginx templates,
# njs, pages and the MinIO init script.
#
# The one build path: every Dockerfile runs it, and so does `npm test`
# (test/deploy/build-service.test.ts), which then starts what it built.
#   usage: sh deploy/compose/build-service.sh <auth|transcoder|collector|stack> <out-dir>
set -eu

service=${1:?usage: build-service.sh <workspace> <out-dir>}
out=${2:?usage: build-service.sh <workspace> <out-dir>}
cd "$(dirname "$0")/../.."
[ -f "services/$service/package.json" ] || { echo "build-service: no workspace services/$service" >&2; exit 2; }
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac

# The workspace and every @vidgate/* workspace it depends on, directly or not.
workspaces=$(node -e '
  const read = (n) => JSON.parse(require("fs").readFileSync(`services/${n}/package.json`, "utf8"));
  const seen = new Set(), todo = [process.argv[1]];
  while (todo.length) {
    const n = todo.pop();
    if (seen.has(n)) continue;
    seen.add(n);
    for (const d of Object.keys(read(n).dependencies ?? {})) if (d.startsWith("@vidgate/")) todo.push(d.slice(9));
  }
  console.log([...seen].sort().join(" "));
' "$service")

rm -rf "$out"
mkdir -p "$out"
cp package.json package-lock.json "$out/"
# npm ci checks the lockfile against every workspace's manifest, so all manifests
# come along; only the sources of the workspaces used do.
for manifest in services/*/package.json; do
    mkdir -p "$out/$(dirname "$manifest")"
    cp "$manifest" "$out/$manifest"
done
for ws in $workspaces; do
    cp -R "services/$ws/src" "$out/services/$ws/src"
    if [ -d "services/$ws/bin" ]; then cp -R "services/$ws/bin" "$out/services/$ws/bin"; fi
done
find "$out/services" -name '*.test.ts' -delete
if [ "$service" = stack ]; then
    mkdir -p "$out/deploy/compose"
    cp -R nginx "$out/nginx"
    cp -R deploy/minio-init "$out/deploy/minio-init"
    cp -R deploy/compose/nginx "$out/deploy/compose/nginx"
    cp deploy/compose/nginx-config.sh "$out/deploy/compose/"
fi

cd "$out"
npm ci --omit=dev --workspace "@vidgate/$service" --include-workspace-root=false \
    --ignore-scripts --no-audit --no-fund --loglevel=error
echo "build-service: $service ($workspaces) built into $out"
