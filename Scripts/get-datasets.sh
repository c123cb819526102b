#!/usr/bin/env bash
# Downloads the benchmark files Assay reads by short name into a datasets folder, from the
# anchors' official releases, and checks them against the checksums Assay was tested with.
#
#   Scripts/get-datasets.sh [FOLDER]      # default: $ASSAY_DATASETS, else ../shared/datasets
#
# Then `assay evaluate --problems humanevalplus …` finds them (set ASSAY_DATASETS=FOLDER if you
# chose another folder). Needs internet access and curl. Files already present with the right
# checksum are kept; a file with a wrong checksum is refused and removed.
set -euo pipefail
cd "$(dirname "$0")/.."
folder=${1:-${ASSAY_DATASETS:-../shared/datasets}}
mkdir -p "$folder"
command -v curl >/dev/null || { echo "curl is needed (apt-get install -y curl)" >&2; exit 2; }

plus=https://github.com/evalplus/humanevalplus_release/releases/download/v0.1.10
# name in the folder | URL | sha256
files=(
  "HumanEval.jsonl.gz|https://github.com/openai/human-eval/raw/6d43fb980f9fee3c892a914eda09951f772ad10d/data/HumanEval.jsonl.gz|b796127e635a67f93fb35c04f4cb03cf06f38c8072ee7cee8833d7bee06979ef"
  "HumanEvalPlus-v0.1.10.jsonl.gz|$plus/HumanEvalPlus.jsonl.gz|272720b90ac375502c8ed23cd791c2a93dfb22a911641a494da74a426c09f101"
  "HumanEvalPlus-Mini-v0.1.10.jsonl.gz|$plus/HumanEvalPlus-Mini.jsonl.gz|91486741f1627101021fbe50523df08eebb5b0bf5e804b633dcd5ca3c14dbd2f"
  "HumanEvalPlus-NoExtreme-v0.1.10.jsonl.gz|$plus/HumanEvalPlus-NoExtreme.jsonl.gz|298f79977b2663b8b8ab6b5fa50b17d6f23a92603d24f39e26203fe58c37eeda"
)

status=0
for entry in "${files[@]}"; do
  IFS='|' read -r name url sum <<<"$entry"
  target="$folder/$name"
  if [ -f "$target" ] && echo "$sum  $target" | sha256sum --check --status; then
    echo "ok        $name (already present)"
    continue
  fi
  echo "download  $name  ←  $url"
  tmp=$(mktemp "$folder/.$name.XXXXXX")
  if ! curl -fsSL --retry 3 -o "$tmp" "$url"; then
    rm -f "$tmp"; echo "failed    $name: cannot download $url" >&2; status=1; continue
  fi
  if ! echo "$sum  $tmp" | sha256sum --check --status; then
    rm -f "$tmp"; echo "refused   $name: checksum differs from $sum" >&2; status=1; continue
  fi
  mv "$tmp" "$target"
  echo "ok        $name"
done
echo "datasets folder: $(cd "$folder" && pwd)"
exit $status
