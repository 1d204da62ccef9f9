#!/usr/bin/env bash
# fetch-backbones.sh — get the pretrained CNN backbones and convert them to Vigil models.
#
# Usage: scripts/fetch-backbones.sh [MODELS_DIR]      (default: <repo>/models)
# Environment:
#   VIGIL_BIN  the vigil tool (default: <repo>/build/vigil)
#   FORCE=1    redo every step even when its outputs look up to date
#
# The only source of the weights is the npm package nsfwjs@4.3.0 (MIT), pinned by
# the sha256 of its tarball. Steps, each skipped when its outputs exist and are
# newer than this script and than their inputs:
#   1. `npm pack nsfwjs@4.3.0` into <repo>/.cache/npm (skipped if the tarball is
#      there), then verify the tarball's sha256 (always; refuses on a mismatch);
#   2. unpack it into <repo>/.cache/npm/nsfwjs-4.3.0/package;
#   3. tools/tfjs/extract.cjs turns dist/models/<name> into
#      <repo>/.cache/backbones/<name>/{model.json,weights.bin};
#   4. `vigil backbone import` converts that into MODELS_DIR/<name>.vgm.
# Works from any working directory. Needs node/npm and network access to the
# npm registry for step 1 only.
set -euo pipefail

SCRIPT="$(readlink -f "${BASH_SOURCE[0]}")"
REPO="$(cd "$(dirname "$SCRIPT")/.." && pwd)"
MODELS_DIR="${1:-$REPO/models}"
VIGIL_BIN="${VIGIL_BIN:-$REPO/build/vigil}"
FORCE="${FORCE:-0}"

PKG_SPEC="nsfwjs@4.3.0"
PKG_SHA256="4496790efc9bdc6f3e85a826a8e482c1fa1e9db4b3d18c095e98cc0c73cfb12f"
TARBALL_NAME="nsfwjs-4.3.0.tgz"
SOURCE="npm:$PKG_SPEC (sha256:$PKG_SHA256)"
LICENSE="MIT"
MODELS=(mobilenet_v2 inception_v3)

CACHE="$REPO/.cache"
NPM_CACHE_DIR="$CACHE/npm"
TARBALL="$NPM_CACHE_DIR/$TARBALL_NAME"
UNPACKED="$NPM_CACHE_DIR/nsfwjs-4.3.0"
BACKBONES="$CACHE/backbones"

log() { printf 'fetch-backbones: %s\n' "$*"; }
die() { printf 'fetch-backbones: error: %s\n' "$*" >&2; exit 1; }

# up_to_date OUTPUT INPUT...: true when OUTPUT exists and is newer than this
# script and every INPUT (and FORCE is not set).
up_to_date() {
  local out="$1"; shift
  [[ "$FORCE" == 1 ]] && return 1
  [[ -e "$out" && "$out" -nt "$SCRIPT" ]] || return 1
  local in
  for in in "$@"; do
    [[ "$out" -nt "$in" ]] || return 1
  done
}

command -v node >/dev/null || die "node is not installed"
command -v npm >/dev/null || die "npm is not installed"
command -v sha256sum >/dev/null || die "sha256sum is not installed"
mkdir -p "$NPM_CACHE_DIR" "$BACKBONES" "$MODELS_DIR"
MODELS_DIR="$(cd "$MODELS_DIR" && pwd)"

# 1. The tarball, exactly as `npm pack` produces it, checked against the pin.
if [[ -f "$TARBALL" && "$FORCE" != 1 ]]; then
  log "using cached $TARBALL"
else
  log "npm pack $PKG_SPEC"
  tmp_pack="$(mktemp -d "$NPM_CACHE_DIR/pack.XXXXXX")"
  (cd "$tmp_pack" && npm pack "$PKG_SPEC" --ignore-scripts --silent --pack-destination "$tmp_pack" >/dev/null) \
    || { rm -rf "$tmp_pack"; die "npm pack $PKG_SPEC failed (is the npm registry reachable?)"; }
  [[ -f "$tmp_pack/$TARBALL_NAME" ]] || { rm -rf "$tmp_pack"; die "npm pack did not produce $TARBALL_NAME"; }
  mv -f "$tmp_pack/$TARBALL_NAME" "$TARBALL"
  rm -rf "$tmp_pack"
fi
actual_sha="$(sha256sum "$TARBALL" | cut -d' ' -f1)"
if [[ "$actual_sha" != "$PKG_SHA256" ]]; then
  die "$TARBALL has sha256 $actual_sha, expected $PKG_SHA256 (the pinned $PKG_SPEC). Refusing to use it; delete it to fetch again."
fi
log "sha256 ok: $PKG_SHA256"

# 2. Unpack (into a temp dir first, so a half-unpacked tree is never used).
if up_to_date "$UNPACKED/package/package.json" "$TARBALL"; then
  log "using unpacked $UNPACKED"
else
  log "unpacking into $UNPACKED"
  rm -rf "$UNPACKED" "$UNPACKED.tmp"
  mkdir -p "$UNPACKED.tmp"
  tar -xzf "$TARBALL" -C "$UNPACKED.tmp" --no-same-owner
  [[ -f "$UNPACKED.tmp/package/package.json" ]] || die "$TARBALL has no package/package.json"
  mv "$UNPACKED.tmp" "$UNPACKED"
  touch "$UNPACKED/package/package.json"   # tarball mtimes are 1985: mark it as new
fi

for name in "${MODELS[@]}"; do
  src="$UNPACKED/package/dist/models/$name"
  out="$BACKBONES/$name"
  [[ -d "$src" ]] || die "$PKG_SPEC has no dist/models/$name"

  # 3. Unwrap the browserify bundles into model.json + weights.bin.
  if up_to_date "$out/model.json" "$UNPACKED/package/package.json" "$REPO/tools/tfjs/extract.cjs" \
     && up_to_date "$out/weights.bin" "$UNPACKED/package/package.json" "$REPO/tools/tfjs/extract.cjs"; then
    log "$name: extracted model is up to date"
  else
    node "$REPO/tools/tfjs/extract.cjs" "$src" "$out"
  fi

  # 4. Convert to the Vigil model format.
  vgm="$MODELS_DIR/$name.vgm"
  if up_to_date "$vgm" "$out/model.json" "$out/weights.bin"; then
    log "$name: $vgm is up to date"
    continue
  fi
  [[ -x "$VIGIL_BIN" ]] || die "vigil tool not found at $VIGIL_BIN (build it first, or set VIGIL_BIN)"
  log "$name: importing into $vgm"
  "$VIGIL_BIN" backbone import --tfjs-dir "$out" --output "$vgm" --name "$name" \
    --source "$SOURCE" --license "$LICENSE" \
    || { rm -f "$vgm"; die "$name: '$VIGIL_BIN backbone import' failed"; }
  [[ -f "$vgm" ]] || die "$name: '$VIGIL_BIN backbone import' wrote no $vgm"
done
log "done: ${MODELS[*]} in $MODELS_DIR"
