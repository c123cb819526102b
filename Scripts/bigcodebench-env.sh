#!/usr/bin/env bash
# Builds the Python environment BigCodeBench's tasks need (pandas, matplotlib, tensorflow, …) as a
# venv, from PyPI, with the pins of Scripts/bigcodebench-requirements.txt (the anchor's
# requirements-eval.txt adapted to Python 3.11) and Scripts/bigcodebench-constraints.txt (every
# transitive dependency, when present). Idempotent: a stamp file records what was installed, and a
# rerun with the same inputs does nothing. Then point Assay at the interpreter it prints:
#
#   Scripts/bigcodebench-env.sh [--venv DIR] [--python PY] [--nltk-data] [--jobs-nice N]
#   assay evaluate --problems bigcodebench --python "$(Scripts/bigcodebench-env.sh --print-python)" …
#
#   --venv DIR      where the venv goes (default $ASSAY_BIGCODEBENCH_VENV or
#                   ~/.cache/assay/bigcodebench-py311)
#   --python PY     the base interpreter, Python 3.11 (default: python3.11 on PATH)
#   --nltk-data     also try to download the NLTK corpora 17 tasks need into DIR/nltk_data (NLTK
#                   looks there by itself: sys.prefix/nltk_data). It needs raw.githubusercontent.com;
#                   where only PyPI is reachable it fails, says so, and those tasks are excluded
#                   by the ground-truth gate with the reason "NLTK data missing".
#   --print-python  print the venv's interpreter path and exit (non-zero when not built yet)
#   --force         rebuild from scratch
#
# It takes ~20–25 minutes on 2 cores (scikit-image 0.18, Flask-Mail, wikipedia, wordninja and
# python-Levenshtein-wheels build from source) and ~3 GiB of disk. pip runs under `nice -n 10`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
requirements=$here/bigcodebench-requirements.txt
constraints=$here/bigcodebench-constraints.txt
venv=${ASSAY_BIGCODEBENCH_VENV:-$HOME/.cache/assay/bigcodebench-py311}
python=""
nltk=0
print_only=0
force=0
nice_level=10
nltk_packages=(stopwords punkt wordnet averaged_perceptron_tagger brown)

while [ $# -gt 0 ]; do
  case "$1" in
    --venv) venv=$2; shift 2 ;;
    --python) python=$2; shift 2 ;;
    --nltk-data) nltk=1; shift ;;
    --print-python) print_only=1; shift ;;
    --force) force=1; shift ;;
    --jobs-nice) nice_level=$2; shift 2 ;;
    -h|--help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bigcodebench-env: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
done

stamp=$venv/.assay-bigcodebench-stamp
if [ "$print_only" = 1 ]; then
  [ -f "$stamp" ] || { echo "bigcodebench-env: no finished environment at $venv; run Scripts/bigcodebench-env.sh first" >&2; exit 1; }
  echo "$venv/bin/python"
  exit 0
fi

if [ -z "$python" ]; then
  python=$(command -v python3.11 || true)
  [ -n "$python" ] || { echo "bigcodebench-env: python3.11 not found on PATH; pass --python /path/to/python3.11" >&2; exit 2; }
fi
version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
[ "$version" = "3.11" ] || { echo "bigcodebench-env: $python is Python $version; the pins are for 3.11 (pass --python)" >&2; exit 2; }
# Resolve pyenv shims and symlinks to the real interpreter, so the venv does not depend on PATH.
python=$("$python" -c 'import os, sys; print(os.path.realpath(sys.executable))')

inputs_hash() {
  { cat "$requirements"; [ -f "$constraints" ] && cat "$constraints"; echo "python=$python"; } | sha256sum | cut -d' ' -f1
}
want=$(inputs_hash)

need_build=1
if [ "$force" = 0 ] && [ -f "$stamp" ] && [ "$(sed -n 's/^inputs=//p' "$stamp")" = "$want" ]; then
  need_build=0
  echo "bigcodebench-env: up to date ($venv, built $(sed -n 's/^built=//p' "$stamp")); nothing to install"
fi

started=$(date +%s)
if [ "$need_build" = 1 ]; then
  if [ -d "$venv" ] && [ ! -f "$venv/.assay-bigcodebench-venv" ]; then
    echo "bigcodebench-env: $venv exists but was not made by this script; refusing to touch it" >&2; exit 2
  fi
  rm -f "$stamp"
  if [ "$force" = 1 ]; then rm -rf "$venv"; fi
  echo "bigcodebench-env: building $venv with $python (Python $version)"
  mkdir -p "$(dirname "$venv")"
  [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
  touch "$venv/.assay-bigcodebench-venv"
  pip=("$venv/bin/python" -m pip --disable-pip-version-check --no-input)
  extra=()
  [ -f "$constraints" ] && extra=(-c "$constraints")
  nice -n "$nice_level" "${pip[@]}" install -q "setuptools<81" wheel ${extra[@]+"${extra[@]}"}
  # --no-build-isolation is not used: the source builds pin their own build requirements.
  nice -n "$nice_level" "${pip[@]}" install -r "$requirements" ${extra[@]+"${extra[@]}"}
  "${pip[@]}" check || echo "bigcodebench-env: pip check reports conflicts (above); the pins are still what the ground-truth gate measured"
  # Smoke test: the heavy libraries import (headless, quiet TensorFlow).
  MPLBACKEND=Agg TF_CPP_MIN_LOG_LEVEL=3 "$venv/bin/python" -c '
import numpy, scipy, pandas, matplotlib.pyplot, sklearn, seaborn, statsmodels.api, tensorflow, keras, nltk, gensim, librosa, skimage, cv2
print("bigcodebench-env: numpy", numpy.__version__, "pandas", pandas.__version__, "tensorflow", tensorflow.__version__, "keras", keras.__version__)'
  {
    echo "inputs=$want"
    echo "python=$python"
    echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "seconds=$(( $(date +%s) - started ))"
  } > "$stamp"
  echo "bigcodebench-env: built in $(( $(date +%s) - started )) s"
fi

if [ "$nltk" = 1 ]; then
  echo "bigcodebench-env: downloading NLTK data (${nltk_packages[*]}) into $venv/nltk_data"
  if "$venv/bin/python" -c '
import sys, nltk
ok = all(nltk.download(p, download_dir=sys.argv[1], quiet=True, raise_on_error=True) for p in sys.argv[2:])
sys.exit(0 if ok else 1)' "$venv/nltk_data" "${nltk_packages[@]}" 2>/dev/null; then
    echo "bigcodebench-env: NLTK data installed"
  else
    rm -rf "$venv/nltk_data"
    echo "bigcodebench-env: NLTK data could not be downloaded (it is served from GitHub, not PyPI; this" >&2
    echo "  machine reaches PyPI only). The tasks that need it are excluded with the reason" >&2
    echo "  'NLTK data missing' by the ground-truth gate; the rest of the environment is complete." >&2
  fi
fi
echo "$venv/bin/python"
