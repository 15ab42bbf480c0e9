#!/bin/bash
# Build the testbed's tiny Linux guest once per machine, into a cache:
#
#   $CACHE/<key>/vmlinuz      kernel from Debian's linux-image package
#   $CACHE/<key>/initrd.img   busybox-static, virtio + ext4 modules,
#                             qemu-ga and its libraries, tests/testbed/init
#   $CACHE/<key>/data.qcow2   64 MiB qcow2 template holding an empty ext4
#   $CACHE/<key>/stamp        the key
#   $CACHE/current -> <key>   switched atomically after a complete build
#
# The key hashes this script, the init script and the versions of the
# kernel, qemu-guest-agent and busybox-static packages, so the guest is
# rebuilt only when one of them changes. Nothing is installed on the host:
# the kernel and agent packages are fetched with `apt-get download` and
# unpacked with `dpkg-deb -x`. Concurrent callers serialise on a flock.
#
# Prints the directory of the current build on stdout; chatter on stderr.
# Usage: build-guest.sh [--force]
set -euo pipefail
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH=$PATH:/usr/sbin:/sbin ;; esac
export PATH

CACHE=${VIRT_STATE_TESTBED_CACHE:-/var/cache/virt-state-testbed}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
INIT_SCRIPT=$HERE/init
SELF=$HERE/$(basename "${BASH_SOURCE[0]}")
DATA_SIZE_MIB=64

# Modules the guest loads, with their modules.dep dependencies resolved at
# build time. crc32c_generic satisfies ext4's and jbd2's softdep on
# "crypto-crc32c" (crc32c-intel would need SSE4.2, absent from TCG's CPU).
MODULES="crc32c_generic virtio_pci virtio_blk virtio_console ext4"

say() { echo "build-guest: $*" >&2; }
die() { say "error: $*"; exit 1; }

force=0
[[ ${1:-} == --force ]] && force=1

for c in apt-cache apt-get dpkg-deb dpkg-query depmod cpio gzip ldd \
    mkfs.ext4 qemu-img flock sha256sum; do
    command -v "$c" >/dev/null || die "'$c' not found (run scripts/install-deps.sh)"
done
[[ -x /bin/busybox ]] || die "/bin/busybox missing (install busybox-static)"
[[ -r $INIT_SCRIPT ]] || die "init script '$INIT_SCRIPT' not found"

# One apt-cache call (it is slow): the candidate records of the kernel
# metapackage (its Depends names the kernel package, e.g.
# linux-image-6.1.0-56-amd64, built from the same source version) and of
# qemu-guest-agent.
if ! meta=$(apt-cache show --no-all-versions linux-image-amd64 qemu-guest-agent 2>/dev/null); then
    [[ $(id -u) == 0 ]] || die "apt-cache knows no linux-image-amd64/qemu-guest-agent (run apt-get update)"
    say "apt-cache knows no linux-image-amd64/qemu-guest-agent: apt-get update"
    apt-get update -q >&2 || die "apt-get update failed"
    meta=$(apt-cache show --no-all-versions linux-image-amd64 qemu-guest-agent 2>/dev/null) ||
        die "apt-cache knows no linux-image-amd64/qemu-guest-agent even after apt-get update"
fi
field() { # package field
    awk -v p="$1" -v f="$2:" '$1 == "Package:" { cur = $2 }
        cur == p && $1 == f { sub("^" f " *", ""); print; exit }' <<<"$meta"
}
kpkg=$(field linux-image-amd64 Depends | tr ',' '\n' |
    sed -n 's/^ *\(linux-image-[0-9][^ ]*\).*/\1/p' | head -n1)
kver_pkg=$(field linux-image-amd64 Version)
gaver=$(field qemu-guest-agent Version)
bbver=$(dpkg-query -W -f='${Version}' busybox-static)
[[ -n $kpkg && -n $kver_pkg ]] || die "cannot resolve linux-image-amd64's kernel package (run apt-get update)"
[[ -n $gaver ]] || die "no candidate version for qemu-guest-agent"

key=$({
    sha256sum <"$SELF"
    sha256sum <"$INIT_SCRIPT"
    echo "$kpkg=$kver_pkg qemu-guest-agent=$gaver busybox-static=$bbver"
} | sha256sum | cut -c1-16)

current_ok() {
    [[ -f $CACHE/current/stamp ]] && [[ $(cat "$CACHE/current/stamp") == "$key" ]]
}

if [[ $force == 0 ]] && current_ok; then
    readlink -f "$CACHE/current"
    exit 0
fi

[[ $(id -u) == 0 ]] || die "must run as root to build into $CACHE"
mkdir -p "$CACHE"
chmod 0755 "$CACHE"
exec 9>"$CACHE/.lock"
flock 9
if [[ $force == 0 ]] && current_ok; then
    readlink -f "$CACHE/current"
    exit 0
fi

say "building guest $key ($kpkg from linux-image-amd64 $kver_pkg, qemu-guest-agent $gaver)"
start=$SECONDS
tmp=$(mktemp -d "$CACHE/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
chmod 0755 "$tmp"
out=$tmp/out
mkdir -p "$out" "$tmp/dl" "$tmp/x" "$tmp/root"

say "apt-get download $kpkg qemu-guest-agent"
(cd "$tmp/dl" &&
    apt-get download -q -o APT::Sandbox::User=root \
        "$kpkg" "qemu-guest-agent=$gaver" >&2)
for deb in "$tmp"/dl/*.deb; do
    dpkg-deb -x "$deb" "$tmp/x"
done
rm -rf "$tmp/dl"

moddir=$(echo "$tmp"/x/lib/modules/*)
kver=$(basename "$moddir")
[[ -d $moddir && -f $tmp/x/boot/vmlinuz-$kver ]] || die "kernel package has no vmlinuz/modules"
cp "$tmp/x/boot/vmlinuz-$kver" "$out/vmlinuz"
depmod -b "$tmp/x" "$kver"

# --- initramfs ---------------------------------------------------------
root=$tmp/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,run,tmp,data,mnt,etc,var/log,lib/modules}
ln -s ../run "$root/var/run"
cp /bin/busybox "$root/bin/busybox"
# Applet symlinks, made here rather than with `busybox --install` (which
# would write into the host's /bin).
while read -r applet; do
    [[ -e $root/$applet ]] && continue
    mkdir -p "$root/$(dirname "$applet")"
    ln -s /bin/busybox "$root/$applet"
done < <(/bin/busybox --list-full)

# Modules in dependency order (dependencies first), decompressed.
declare -A seen=()
order=()
mod_path() { # module name -> path relative to moddir, per modules.dep
    local n=${1//-/_} line
    line=$(awk -F: -v n="$n" '{
        f=$1; sub(".*/", "", f); sub(/\.ko(\.(xz|zst|gz))?$/, "", f);
        gsub("-", "_", f); if (f == n) { print $1; exit } }' "$moddir/modules.dep")
    [[ -n $line ]] || die "module '$1' not found in $kver (built in?)"
    echo "$line"
}
add_mod() { # path relative to moddir
    local p=$1 deps d i
    local -a darr
    [[ -n ${seen[$p]:-} ]] && return 0
    seen[$p]=1
    deps=$(awk -F: -v p="$p" '$1 == p { print $2; exit }' "$moddir/modules.dep")
    # modules.dep lists a module's dependencies most dependent first.
    read -r -a darr <<<"$deps"
    for ((i = ${#darr[@]} - 1; i >= 0; i--)); do
        add_mod "${darr[i]}"
    done
    order+=("$p")
}
for m in $MODULES; do
    add_mod "$(mod_path "$m")"
done
: >"$root/lib/modules/load.list"
for p in "${order[@]}"; do
    base=$(basename "$p")
    case $base in
        *.ko.xz) xz -dc "$moddir/$p" >"$root/lib/modules/${base%.xz}"; base=${base%.xz} ;;
        *.ko.zst) zstd -qdc "$moddir/$p" >"$root/lib/modules/${base%.zst}"; base=${base%.zst} ;;
        *.ko.gz) gzip -dc "$moddir/$p" >"$root/lib/modules/${base%.gz}"; base=${base%.gz} ;;
        *) cp "$moddir/$p" "$root/lib/modules/$base" ;;
    esac
    echo "$base" >>"$root/lib/modules/load.list"
done
say "modules: $(tr '\n' ' ' <"$root/lib/modules/load.list")"

# qemu-ga and every library it needs, at the paths the host's loader uses.
cp "$tmp/x/usr/sbin/qemu-ga" "$root/usr/sbin/qemu-ga"
libs=$(ldd "$root/usr/sbin/qemu-ga" | awk '
    /=> not found/ { print "MISSING:" $1; next }
    $2 == "=>" && $3 ~ /^\// { print $3; next }
    $1 ~ /^\// { print $1 }')
if grep -q '^MISSING:' <<<"$libs"; then
    die "qemu-ga needs libraries missing on the host: $(grep '^MISSING:' <<<"$libs" | tr '\n' ' ')(run scripts/install-deps.sh)"
fi
for l in $libs; do
    mkdir -p "$root/$(dirname "$l")"
    cp -L "$l" "$root/$l"
done
say "qemu-ga libraries: ${libs//$'\n'/ }"

# qemu-ga's guest-shutdown runs /sbin/shutdown; busybox has none.
cat >"$root/sbin/shutdown" <<'SHUTDOWN'
#!/bin/sh
# Called by qemu-ga guest-shutdown as: shutdown -P|-H|-r +0 "message"
act=poweroff
for a in "$@"; do
    case $a in -r) act=reboot ;; esac
done
echo "shutdown: $act requested" >/dev/console
sync
for m in $(awk '$3 == "ext4" { print $2 }' /proc/mounts); do
    mount -o remount,ro "$m" 2>/dev/null || true
done
sync
exec "$act" -f
SHUTDOWN
chmod 0755 "$root/sbin/shutdown"

cp "$INIT_SCRIPT" "$root/init"
chmod 0755 "$root/init"
echo "$key" >"$root/etc/testbed-stamp"
echo "root:x:0:0:root:/:/bin/sh" >"$root/etc/passwd"
echo "root:x:0:" >"$root/etc/group"

(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) |
    gzip -6 >"$out/initrd.img"

# --- data disk template -----------------------------------------------
truncate -s "${DATA_SIZE_MIB}M" "$tmp/data.raw"
mkfs.ext4 -q -F -L vst-data -E lazy_itable_init=0,lazy_journal_init=0 "$tmp/data.raw"
qemu-img convert -f raw -O qcow2 "$tmp/data.raw" "$out/data.qcow2"
rm -f "$tmp/data.raw"

echo "$kpkg $kver_pkg ($kver)" >"$out/kernel-version"
echo "$key" >"$out/stamp"
chmod 0644 "$out"/*
chmod 0755 "$out"

# Publish: versioned directory, then an atomic switch of the symlink.
rm -rf "${CACHE:?}/$key"
mv "$out" "$CACHE/$key"
ln -sfn "$key" "$CACHE/.current.$$"
mv -T "$CACHE/.current.$$" "$CACHE/current"
# Older builds go after a day: a test still running may have defined a
# domain on one (a restore restarts QEMU with the kernel path it names).
for d in "$CACHE"/*; do
    [[ -d $d && ! -L $d && $(basename "$d") != "$key" && -f $d/stamp ]] || continue
    [[ -n $(find "$d/stamp" -mmin +1440) ]] && rm -rf "$d"
done
# Interrupted builds.
find "$CACHE" -maxdepth 1 -name '.build.*' -mmin +120 -exec rm -rf {} + 2>/dev/null || true
say "built $CACHE/$key in $((SECONDS - start))s ($(du -sh "$CACHE/$key" | cut -f1))"
readlink -f "$CACHE/current"
