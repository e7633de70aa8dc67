#!/usr/bin/env bash
# Builds the console: the browser's part (the `frontend` crate as wasm, its JavaScript glue
# from wasm-bindgen, the style sheet) into target/site/pkg, then the server.
#
#   scripts/site.sh debug     fast to rebuild (developers, the browser tests)
#   scripts/site.sh release   optimised: server and wasm in release, wasm-opt -Oz, and every
#                             file of the site precompressed with brotli and gzip
#
# The three files get the hash of their contents in their names (bpm-console.<hash>.wasm …)
# and the server reads them from hash.txt beside its binary, so that browsers may keep them
# for a year (`Cache-Control: immutable`) and fetch a new build's files by their new names.
# The server is built with plain cargo, sharing the artifacts of `cargo test` and clippy.
set -euo pipefail
mode="${1:-debug}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"
name=bpm-console
# The server reads the site from LEPTOS_SITE_ROOT (target/site unless set).
site="${LEPTOS_SITE_ROOT:-$root/target/site}"

case "$mode" in
  debug) wasm_profile=dev; wasm_dir=debug; server_flags=(); server_dir=debug ;;
  release) wasm_profile=wasm-release; wasm_dir=wasm-release; server_flags=(--release); server_dir=release ;;
  *) echo "usage: $0 debug|release" >&2; exit 2 ;;
esac

cargo build -p frontend --lib --target wasm32-unknown-unknown --profile "$wasm_profile"
# The BPMN designer's check (bpmn-core's problems of a diagram, the server's own code).
cargo build -p designer-check --lib --target wasm32-unknown-unknown --profile "$wasm_profile"

mkdir -p "$site"
stage="$(mktemp -d "$site/stage.XXXXXX")"
trap 'rm -rf "$stage"' EXIT
wasm="$target/wasm32-unknown-unknown/$wasm_dir/frontend.wasm"
# The release build leaves out the wasm's names (only debuggers read them). It is not run
# through wasm-opt: after wasm-bindgen, Debian's wasm-opt (108) breaks the table of
# JavaScript references; before it, wasm-bindgen no longer finds its function table; and on
# the finished wasm its -Oz made the brotli download larger, not smaller (measured in the
# README). rustc's opt-level "z" with LTO does the size work.
strip=()
[ "$mode" = release ] && strip=(--remove-name-section --remove-producers-section)
wasm-bindgen --target web --no-typescript "${strip[@]}" --out-dir "$stage" --out-name "$name" "$wasm"
mv "$stage/${name}_bg.wasm" "$stage/$name.wasm"
cp style/main.css "$stage/$name.css"
# The designer's check, as pkg/designer/check.js and check_bg.wasm: not content-hashed (the
# loop below renames only the console's files at the stage root); compressed with the rest.
mkdir -p "$stage/designer"
wasm-bindgen --target web --no-typescript "${strip[@]}" --out-dir "$stage/designer" --out-name check \
  "$target/wasm32-unknown-unknown/$wasm_dir/designer_check.wasm"
# The designer's modeler (designer/: bpmn.io's packages from the npm registry, our own
# code), bundled by esbuild into pkg/designer/designer.js, designer.css and the diagram font.
# Only the designer page loads them; like the check, they are revalidated, not hashed.
release_flag=()
[ "$mode" = release ] && release_flag=(--release)
(cd designer && { [ -d node_modules/bpmn-js ] && ! [ package-lock.json -nt node_modules/.package-lock.json ] ||
  npm ci --ignore-scripts --no-audit --no-fund; } && node build.mjs "$stage/designer" "${release_flag[@]}")

# Content hashes in the names; hash.txt says which (as Leptos reads it).
: >"$stage/hash.txt"
for ext in js wasm css; do
  hash="$(sha256sum "$stage/$name.$ext" | cut -c1-16)"
  mv "$stage/$name.$ext" "$stage/$name.$hash.$ext"
  echo "$ext: $hash" >>"$stage/hash.txt"
done

if [ "$mode" = release ]; then
  find "$stage" -type f ! -name hash.txt | while read -r f; do
    gzip -9 -k -n "$f"
    brotli -q 11 -k "$f"
  done
fi

mkdir -p "$site"
rm -rf "$site/pkg.old"
[ -d "$site/pkg" ] && mv "$site/pkg" "$site/pkg.old"
mkdir "$site/pkg"
cp -r "$stage"/. "$site/pkg/"
rm -f "$site/pkg/hash.txt"
rm -rf "$site/pkg.old"

cargo build -p server "${server_flags[@]}"
cp "$stage/hash.txt" "$target/$server_dir/hash.txt"
echo "built: $target/$server_dir/server, site in $site/pkg ($(du -sh "$site/pkg" | cut -f1))"
