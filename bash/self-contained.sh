#!/usr/bin/env bash
# Fails when the tree reads anything outside itself: a clone anywhere, with nothing beside it, must pass its tests.
#   - no tracked file names a folder beside the checkout (the workplace's shared folder and the like) or this
#     workplace's paths;
#   - every foundry.toml's fs_permissions stay inside the repository.
# Run by bash/test.sh; tests/test_self_contained.py runs it on a copy with a planted violation.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
status=0

# What reaching out of the tree looks like in shell, Python, Solidity and TOML. docs/ci.md explains this check and so
# quotes the patterns.
pattern='\.\./shared|\.\./\.\./shared|parent[s]?(\[[0-9]+\])? */ *"shared"|/work/(main|shared)'
if hits=$(git ls-files -z --cached --others --exclude-standard \
    | grep -zv -e '^bash/self-contained\.sh$' -e '^docs/ci\.md$' \
    | xargs -0 grep -nIE "$pattern" -- 2>/dev/null); then
  echo "self-contained: these lines read outside the repository:" >&2
  echo "$hits" >&2
  status=1
fi

# forge resolves fs_permissions against the project folder (the one holding foundry.toml).
while IFS= read -r toml; do
  dir=$(dirname "$toml")
  while IFS= read -r path; do
    resolved=$(realpath -m "$dir/$path")
    case "$resolved/" in
      "$root"/*) ;;
      *) echo "self-contained: $toml grants forge access to $path, outside the repository ($resolved)" >&2; status=1 ;;
    esac
  # Every path of the line, not only its last: a line may grant several.
  done < <(grep 'fs_permissions' "$toml" | grep -o 'path *= *"[^"]*"' | sed 's/path *= *"\(.*\)"/\1/')
done < <(git ls-files --cached --others --exclude-standard -- '*foundry.toml')

[ $status -eq 0 ] && echo "self-contained: nothing reads outside $(basename "$root")" >&2
exit $status
