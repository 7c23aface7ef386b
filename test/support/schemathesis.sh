#!/bin/sh
# Installs schemathesis (pinned, from PyPI) into its own virtualenv under
# $VIDGATE_CACHE_DIR/schemathesis (default ~/.cache/vidgate/schemathesis) and
# prints the path of its `st` program; only the print when it is there already.
# Python 3.12 or later: on 3.11.7 schemathesis' coverage phase stops with
# "AST constructor recursion depth mismatch", an interpreter bug.
set -eu

SCHEMATHESIS_VERSION=4.32.5

venv="${VIDGATE_CACHE_DIR:-$HOME/.cache/vidgate}/schemathesis"
recent() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; }

if recent "$venv/bin/python" && "$venv/bin/python" -m pip show schemathesis 2>/dev/null | grep -qx "Version: $SCHEMATHESIS_VERSION"; then
    echo "$venv/bin/st"
    exit 0
fi
pyenv_root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
python=""
for candidate in ${VIDGATE_PYTHON:-} python3.13 python3.12 python3 "$pyenv_root"/versions/3.1[3-9]*/bin/python3 "$pyenv_root"/versions/3.12*/bin/python3; do
    if recent "$candidate"; then python=$candidate; break; fi
done
[ -n "$python" ] || { echo "[schemathesis] needs Python 3.12 or later (set VIDGATE_PYTHON)" >&2; exit 1; }
printf '[schemathesis] installing schemathesis %s with %s into %s\n' "$SCHEMATHESIS_VERSION" "$("$python" --version)" "$venv" >&2
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" >&2
echo "$venv/bin/st"
