#!/usr/bin/env bash
# install-deps.sh - installs the Debian packages Vigil builds and tests with,
# when any is missing.  As root it runs apt-get; otherwise it names the
# packages and the command to install them.
set -euo pipefail

packages=(
  # build
  gcc make cmake pkg-config
  # engine: image codecs, BLAS (the OpenMP build, safe to call from the engine's threads), zlib
  libjpeg62-turbo-dev libpng-dev zlib1g-dev libopenblas-openmp-dev
  # tool: JSON
  libjansson-dev
  # unit tests
  libcmocka-dev
  # service (vigil serve): HTTP server, metadata store, SigV4 and hashes
  libmicrohttpd-dev libsqlite3-dev libssl-dev
  # client (vigil lookoutvision): HTTP(S) and YAML input
  libcurl4-openssl-dev libyaml-dev
  # edge agent (vigil edge-agent): gRPC and protobuf, the C++ compiler, and
  # for its tests Python's gRPC, its code generator and Pillow
  g++ libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc
  python3-grpcio python3-grpc-tools python3-pil
  # service integration tests: Debian's aws CLI and boto3 (called by path,
  # /usr/bin/aws and /usr/bin/python3, whatever else is on PATH), and curl
  awscli python3-boto3 curl
  # backbone set-up (npm brings the weights package) and TF.js parity tests
  nodejs
  # HTTP load generator of the DetectAnomalies benchmark (bench/detect_http.sh)
  wrk
  # the web console's browser test (tests/browser/, driven by playwright-core)
  chromium
  # the libFuzzer targets (tests/fuzz/): clang and its fuzzer runtime
  clang libclang-rt-14-dev
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done
# Node may come from another Debian-compatible source that ships npm inside
# the nodejs package; only ask for Debian's npm when there is none.
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Vigil needs these Debian packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
