#!/usr/bin/env bash
# Nix 2.26 for the evaluation tests, without installing anything from a newer Debian release:
# trixie's nix-bin and the libraries it links are downloaded with a private apt state, unpacked
# into $NIX_PREFIX, and the binary is patched to use that prefix's loader and libraries.
# Bookworm's own nix-bin (2.8) is too old for the flake's lock format and crane's guard.
set -euo pipefail
prefix=${NIX_PREFIX:-/opt/nix-2.26}
if "$prefix/bin/nix" --version 2>/dev/null | grep -q ' 2\.2[6-9]\| 2\.[3-9][0-9]'; then
  exit 0
fi
command -v patchelf >/dev/null || { echo "install-nix: patchelf is needed (apt-get install patchelf)"; exit 1; }
scratch=$(mktemp -d /tmp/nix-unpack.XXXXXX)
trap 'rm -rf "$scratch"' EXIT

# The Debian mirror this machine already uses (deb822 or one-line format), with suite trixie.
mirror=$(
  { grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null || true;
    grep -hE '^deb ' /etc/apt/sources.list 2>/dev/null || true; } \
  | awk '{print $2}' | grep -v -- '-security' | grep '/debian/\?$' | head -1 || true
)
[ -n "$mirror" ] || { echo "install-nix: no Debian mirror found in the apt sources"; exit 1; }
mkdir -p "$scratch/lists/partial" "$scratch/cache/archives/partial" "$scratch/debs" "$scratch/root"
echo "deb [trusted=yes] $mirror trixie main" >"$scratch/sources.list"
apt_opts=(-o "Dir::Etc::sourcelist=$scratch/sources.list" -o "Dir::Etc::sourceparts=-"
          -o "Dir::State::Lists=$scratch/lists" -o "Dir::Cache=$scratch/cache"
          -o "Dir::State::status=/dev/null" -o "APT::Get::List-Cleanup=0" -o "APT::Sandbox::User=root" -q)
apt-get "${apt_opts[@]}" update >/dev/null
# nix-bin and every package it depends on; only libraries and the loader are kept.
mapfile -t pkgs < <(apt-cache "${apt_opts[@]}" depends --recurse --no-recommends --no-suggests \
  --no-conflicts --no-breaks --no-replaces --no-enhances nix-bin | grep -E '^[a-z0-9]' | grep -E '^(nix-bin|lib|zlib)' | sort -u)
(cd "$scratch/debs" && apt-get "${apt_opts[@]}" download "${pkgs[@]}" >/dev/null)
for deb in "$scratch"/debs/*.deb; do dpkg-deb -x "$deb" "$scratch/root"; done

mkdir -p "$prefix/bin" "$prefix/lib"
for dir in "$scratch/root/lib/x86_64-linux-gnu" "$scratch/root/usr/lib/x86_64-linux-gnu"; do
  [ -d "$dir" ] && find "$dir" -maxdepth 1 -name '*.so*' \( -type f -o -type l \) -exec cp -L {} "$prefix/lib/" \;
done
cp "$scratch/root/usr/bin/nix" "$prefix/bin/nix"
patchelf --set-interpreter "$prefix/lib/ld-linux-x86-64.so.2" --force-rpath --set-rpath "$prefix/lib" "$prefix/bin/nix"
for tool in nix-instantiate nix-build nix-store nix-env nix-shell; do ln -sf nix "$prefix/bin/$tool"; done
mkdir -p /nix/store
"$prefix/bin/nix" --version
