#!/usr/bin/env bash
# Installs everything keychroma needs on Debian 12 (build, tests, benchmarks, peers, demo).
# Idempotent: apt-get install skips what is already there. Needs root (or sudo).
set -euo pipefail
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends build-essential cmake pkg-config git ca-certificates libxtensor-dev libxtensor-blas-dev libxsimd-dev libopenblas-dev libstb-dev libboost-test-dev libbenchmark-dev libcli11-dev nlohmann-json3-dev libssl-dev libopenmpi-dev openmpi-bin libavformat-dev libavcodec-dev libavutil-dev libswscale-dev ffmpeg python3 python3-numpy python3-opencv python3-sklearn python3-skimage python3-torch clang-14 libclang-rt-14-dev libfuzzer-14-dev
