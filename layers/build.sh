#!/usr/bin/env bash
# Build the dependency layer of the playgate functions: playgate itself and its runtime dependencies
# (plus the redis client for the production store), laid out as FC expects: python/ at the zip root,
# which FC mounts as /opt/python on sys.path. Only what the functions import: no test extras, no ICE
# generated SDK, no rich (CLI only), no playgate.testing or playgate.cli.
#
#   layers/build.sh [3.10|3.12]        # 3.10 for template.yml (FC 2.0), 3.12 for s.yaml (FC 3.0)
#
# Output: dist/playgate-layer-py<version>.zip (dist/ and the staging folder layers/python/ are
# gitignored). Publish it with `s layer publish --layer-name playgate-deps --code <zip>
# --compatible-runtime python<version>` or in the FC console, then pass the layer version ARN to the
# template (LayerArn parameter) or to s.yaml (PLAYGATE_LAYER_ARN).
set -euo pipefail

version="${1:-3.10}"
case "$version" in
  3.10 | 3.12) ;;
  *) echo "usage: $0 [3.10|3.12]  (FC python runtimes)" >&2; exit 2 ;;
esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
stage="$root/layers/python"
wheels="$(mktemp -d)"
trap 'rm -rf "$wheels"' EXIT
zip_path="$root/dist/playgate-layer-py${version}.zip"

rm -rf "$stage"
mkdir -p "$stage/python" "$root/dist"

# pip cannot build a local source tree for a foreign platform under --only-binary, so the project
# becomes a (pure-Python) wheel first; every dependency is then taken as a manylinux / py3 wheel.
python -m pip wheel --quiet --no-deps --wheel-dir "$wheels" "$root"
project_wheel="$(ls "$wheels"/playgate-*.whl)"

# The functions' dependencies: the project's own, less the CLI-only ones (rich renders tables for a
# terminal; FC never imports it), plus the redis and PostgreSQL clients for the shared store.
cli_only="rich"
mapfile -t requirements < <(python - "$project_wheel" "$cli_only" <<'PY'
import re, sys, zipfile
from email.parser import Parser

wheel, cli_only = sys.argv[1], set(sys.argv[2].split())
with zipfile.ZipFile(wheel) as archive:
    name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
    metadata = Parser().parsestr(archive.read(name).decode())
for requirement in metadata.get_all("Requires-Dist") or []:
    project = re.match(r"[A-Za-z0-9_.-]+", requirement).group(0).lower()
    if project in cli_only:
        continue
    if "extra ==" not in requirement or re.search(r"extra == .(redis|postgresql).", requirement):
        print(requirement.split(";")[0].strip())
PY
)

python -m pip install --quiet --no-compile --upgrade \
  --target "$stage/python" \
  --platform manylinux2014_x86_64 --implementation cp --python-version "$version" \
  --only-binary=:all: --no-warn-conflicts \
  --no-deps "$project_wheel"
python -m pip install --quiet --no-compile --upgrade \
  --target "$stage/python" \
  --platform manylinux2014_x86_64 --implementation cp --python-version "$version" \
  --only-binary=:all: --no-warn-conflicts \
  "${requirements[@]}"

# Trim what the runtime never reads: the test kit (ICE emulator, sample catalog, MNS server), the
# command-line front doors, bytecode caches and console scripts.
rm -rf "$stage/python/playgate/testing" "$stage/python/playgate/cli"
find "$stage/python" -name '__pycache__' -type d -prune -exec rm -rf {} +
rm -rf "$stage/python/bin"
# aliyun-mns-sdk declares pycryptodome (12 MB) but no module imports it: drop it while that holds.
if ! grep -rqE "^[[:space:]]*(import|from)[[:space:]]+Crypto\b" --include='*.py' --exclude-dir=Crypto "$stage/python"; then
  rm -rf "$stage/python/Crypto" "$stage/python"/pycryptodome-*.dist-info
fi
for unwanted in rich pygments markdown_it mdurl playgate/testing playgate/cli; do
  if [ -e "$stage/python/$unwanted" ]; then
    echo "layer: $unwanted must not be in the layer" >&2
    exit 1
  fi
done

rm -f "$zip_path"
(cd "$stage" && python -m zipfile -c "$zip_path" python)

unpacked="$(du -sh --apparent-size "$stage/python" | cut -f1)"
zipped="$(du -h --apparent-size "$zip_path" | cut -f1)"
echo "layer for python${version}: ${zip_path} (${zipped} zipped, ${unpacked} unpacked)"
figures="python${version}: ${zipped} zipped, ${unpacked} unpacked"
if ! grep -qF "    ${figures}" "$root/layers/README.md"; then
  echo "layer: layers/README.md does not quote these figures; update its line to: ${figures}" >&2
fi
