#!/usr/bin/env bash
# Checks that the Kafka layer still compiles against stock Debian 12's
# librdkafka-dev (2.0.2), as DEVELOPERS.md asks: the headers of Debian's
# package are unpacked (not installed) and the DropflowKafka target is built
# against them in a build folder of its own. Reuses the unpacked headers.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
dir="${DROPFLOW_TOOLS_DIR:-/opt/dropflow}/librdkafka-dev-2.0"
if [ ! -f "$dir/root/usr/include/librdkafka/rdkafka.h" ]; then
  tmp="$(mktemp -d)"; chmod 755 "$tmp"
  ( cd "$tmp" && { apt-get download librdkafka-dev >/dev/null 2>&1 || { apt-get update -qq && apt-get download librdkafka-dev >/dev/null; }; } )
  mkdir -p "$dir/root"
  dpkg-deb -x "$tmp"/librdkafka-dev_*.deb "$dir/root"
  rm -rf "$tmp"
fi
version="$(awk '/^Version:/{print $2}' "$dir"/root/usr/lib/*/pkgconfig/rdkafka.pc)"
mkdir -p "$dir/pkgconfig"
cat > "$dir/pkgconfig/rdkafka.pc" <<PC
prefix=$dir/root/usr
includedir=\${prefix}/include
Name: librdkafka
Description: Debian 12's librdkafka headers, for a compile check
Version: $version
Cflags: -I\${includedir}
Libs: -lrdkafka
PC
echo "[check] compiling DropflowKafka against librdkafka $version headers"
PKG_CONFIG_PATH="$dir/pkgconfig" swift build --target DropflowKafka --scratch-path .build-rdkafka20 -Xswiftc -warnings-as-errors 2>&1 | tail -n 3
