#!/usr/bin/env bash
# Debian packages the tests and reports need: Chromium + driver (browser test),
# Japanese fonts (IPAex Gothic embeds in PDFs; Noto CJK for the browser), poppler (PDF -> PNG).
# Installs only what is missing; needs root (or sudo).
set -euo pipefail
need=""
for bin in chromium chromedriver pdftoppm fc-list; do command -v "$bin" >/dev/null 2>&1 || need=1; done
fc-list 2>/dev/null | grep -qi ipaex || need=1
[ -z "$need" ] && exit 0
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q \
  chromium chromium-driver fonts-noto-cjk fonts-ipaexfont-gothic poppler-utils fontconfig
