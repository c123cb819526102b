#!/usr/bin/env bash
# Measures `assay report --html` at scale: a synthetic 100,040-sample run against the bundled
# 97-sample demo run, both rendered and opened in headless Chromium in the same invocation.
# Prints the file sizes, the time `assay report --html` takes, the time the page takes in Chromium
# from navigation start until its table is drawn and a task is open (the page's own clock), and the
# ratios large / small.
# usage: Scripts/report-scale.sh [assay binary]   (needs chromium and python3)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
assay="${1:-$root/.build/release/assay}"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
cd "$work"
"$assay" evaluate --problems assay-mini --samples "$root/Problems/assay-mini-samples.jsonl" --db scale.sqlite --quiet --out demo >/dev/null
big=$(python3 "$root/Scripts/report-scale.py" scale.sqlite)
now() { date +%s.%N; }
measure() {  # run label
  local t0 t1 t2
  t0=$(now); "$assay" report "$1" --db scale.sqlite --html "$2.html" 2>/dev/null; t1=$(now)
  chromium --headless --no-sandbox --disable-gpu --user-data-dir="$work/profile-$2" --virtual-time-budget=10000 \
    --dump-dom "file://$work/$2.html#task=$3" > "$2.dom" 2>/dev/null; t2=$(now)
  grep -q 'data-rendered="1"' "$2.dom" || { echo "$2: page did not finish rendering" >&2; exit 1; }
  # data-render-ms: the page's own clock from navigation start to "table drawn and first task open".
  local page_ms; page_ms=$(grep -o 'data-render-ms="[0-9]*"' "$2.dom" | grep -o '[0-9]*')
  echo "$(stat -c %s "$2.html") $(python3 -c "print(f'{$t1-$t0:.2f}')") $page_ms"
}
read -r small_bytes small_render small_load < <(measure 1 small AssayMini/0)
read -r big_bytes big_render big_load < <(measure "$big" big Scale/0)
echo "demo run:  97 samples      $((small_bytes / 1024)) KiB  assay report --html ${small_render} s  page open + first task ${small_load} ms"
echo "large run: 100040 samples  $((big_bytes / 1024)) KiB  assay report --html ${big_render} s  page open + first task ${big_load} ms"
python3 -c "print(f'ratios large/small: size {$big_bytes/$small_bytes:.0f}x, render {$big_render/$small_render:.1f}x, load {$big_load/$small_load:.1f}x')"
