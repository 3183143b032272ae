#!/usr/bin/env python3
"""Build (once) the network tests' initramfs in the asset cache:
initramfs-net.gz, a busybox-static system whose /init loads Debian's own
NIC driver modules (e1000, 8139cp, 8139too, virtio_net with what they
depend on) from the kernel package the assets came from, then starts a
shell on the console.  udhcpc configures the interface through our
/etc/udhcpc.sh, which prints "LEASE ip router dns".  The existing
initramfs.gz is left as it is.  Prints the path; importable as well
(build(assets) -> (path, error))."""
import glob, gzip, os, re, shutil, subprocess, sys, tempfile

MODULES = ["e1000", "8139cp", "8139too", "virtio_pci", "virtio_net"]
APPLETS = ("sh mount echo cat ls grep poweroff sleep true ip ifconfig route udhcpc wget nc "
           "httpd ping sha256sum md5sum insmod mkdir head tail dd wc sed cut tr kill "
           "hexdump dmesg seq tftp").split()
VERSION = "2"              # bump when the layout below changes

INIT = """#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
for m in $(cat /lib/kemu-mods/order); do insmod /lib/kemu-mods/$m 2>/dev/null; done
ip link set lo up
echo "KEMU-GUEST-READY"
exec /bin/sh
"""

UDHCPC = """#!/bin/sh
case "$1" in
deconfig) ifconfig "$interface" 0.0.0.0 up ;;
bound|renew)
    ifconfig "$interface" "$ip" netmask "${subnet:-255.255.255.0}" up
    for r in $router; do route add default gw "$r" dev "$interface"; break; done
    : > /etc/resolv.conf
    for d in $dns; do echo "nameserver $d" >> /etc/resolv.conf; done
    echo "LEASE $ip $router $dns" ;;
esac
"""


def module_root(assets):
    with open(os.path.join(assets, "vmlinuz.pkg")) as f:
        pkg = f.read().strip()
    root = os.path.join(assets, "modules-" + pkg)
    if os.path.isdir(root):
        return root, pkg, None
    with tempfile.TemporaryDirectory(dir=assets) as d:
        r = subprocess.run(["apt-get", "download", pkg], cwd=d, capture_output=True, text=True)
        debs = glob.glob(os.path.join(d, "*.deb"))
        if r.returncode or not debs:
            return None, pkg, f"apt-get download {pkg} failed: {r.stderr.strip()[-200:]}"
        subprocess.run(["dpkg-deb", "-x", debs[0], os.path.join(d, "x")], check=True)
        shutil.move(glob.glob(os.path.join(d, "x/lib/modules/*/kernel"))[0], root)
    return root, pkg, None


def load_order(root, names):
    """The .ko files for names and their dependencies (from each module's
    depends= field), dependencies first."""
    paths = {os.path.basename(p)[:-3].replace("-", "_"): p
             for p in glob.glob(f"{root}/**/*.ko", recursive=True)}
    order, seen = [], set()

    def visit(name):
        name = name.replace("-", "_")
        if name in seen:
            return
        seen.add(name)
        with open(paths[name], "rb") as f:
            m = re.search(rb"depends=([^\0]*)\0", f.read())
        for dep in (m.group(1).decode().split(",") if m and m.group(1) else []):
            visit(dep)
        order.append(paths[name])

    for n in names:
        visit(n)
    return order


def cpio_tree(tree):
    names = subprocess.run(["find", "."], cwd=tree, capture_output=True, check=True).stdout
    return subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], cwd=tree, input=names,
                          capture_output=True, check=True).stdout


def write_tree(tree, mods):
    for d in ("bin", "sbin", "proc", "sys", "dev", "tmp", "etc", "lib/kemu-mods"):
        os.makedirs(os.path.join(tree, d), exist_ok=True)
    shutil.copy("/bin/busybox", os.path.join(tree, "bin/busybox"))
    for a in APPLETS:
        os.symlink("busybox", os.path.join(tree, "bin", a))
    for path, text in (("init", INIT), ("etc/udhcpc.sh", UDHCPC)):
        with open(os.path.join(tree, path), "w") as f:
            f.write(text)
        os.chmod(os.path.join(tree, path), 0o755)
    for m in mods:
        shutil.copy(m, os.path.join(tree, "lib/kemu-mods"))
    with open(os.path.join(tree, "lib/kemu-mods/order"), "w") as f:
        f.write(" ".join(os.path.basename(m) for m in mods) + "\n")


def build(assets):
    out = os.path.join(assets, "initramfs-net.gz")
    stamp = out + ".stamp"
    root, pkg, err = module_root(assets)
    if err:
        return None, err
    want = f"{VERSION} {pkg} {os.path.getmtime('/bin/busybox')}"
    if os.path.exists(out) and os.path.exists(stamp) and open(stamp).read() == want:
        return out, None
    if not os.access("/bin/busybox", os.X_OK):
        return None, "/bin/busybox missing (Debian package busybox-static)"
    try:
        mods = load_order(root, MODULES)
    except KeyError as e:
        return None, f"module {e} not in {pkg}"
    with tempfile.TemporaryDirectory(dir=assets) as tmp:
        write_tree(os.path.join(tmp, "ir"), mods)
        data = gzip.compress(cpio_tree(os.path.join(tmp, "ir")), 6)
    with open(out + ".tmp", "wb") as f:
        f.write(data)
    os.replace(out + ".tmp", out)
    with open(stamp, "w") as f:
        f.write(want)
    return out, None


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    r = subprocess.run(["sh", os.path.join(here, "..", "fetch-assets.sh")], capture_output=True,
                       text=True)
    if r.returncode:
        sys.exit("net-initramfs: " + r.stderr.strip())
    path, err = build(r.stdout.strip().splitlines()[-1])
    if err:
        sys.exit("net-initramfs: " + err)
    print(path)
