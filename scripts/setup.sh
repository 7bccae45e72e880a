#!/usr/bin/env bash
# Installs what tideq needs on a fresh Debian machine; safe to run again (idempotent).
# apt: mosquitto (broker), CJK fonts, espeak-ng + sox (voice), Qt runtime libraries (offscreen and X11),
#      systemd + xserver-xorg-core (tests/deploy runs `systemd-analyze verify` on the generated units, whose
#      ExecStart= binaries must exist), chromium (the gateway's browser tests drive it with Playwright; Playwright cannot download its own).
# pip: tideq and its dev extras into .venv beside this repo.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(mosquitto openssl systemd xserver-xorg-core fonts-wqy-microhei espeak-ng sox python3-venv chromium
              libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3
              libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
              libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "setup: installing apt packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.tideq-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -e '.[dev]'
  echo "$want" > "$stamp"
fi
echo "setup: ready (.venv/bin/tideq)"
