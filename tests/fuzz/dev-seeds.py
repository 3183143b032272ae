#!/usr/bin/env python3
"""Seed inputs for tests/fuzz/fuzz-device.c: short programs that do one
honest thing per profile (a virtio-blk request through the legacy or the
modern interface, with and without indirect descriptors and MSI-X; an IDE
PIO read, a bus-master DMA read, an ATAPI READ(10)), so the fuzzer mutates
working sequences instead of finding the set-up by chance.
Usage: dev-seeds.py PROFILE DIR"""
import os
import struct
import sys


def w(region, size, off, val):            # op 0: write; size code 0..3 = 1,2,4,8
    return bytes([0, region, {1: 0, 2: 1, 4: 2, 8: 3}[size]]) + struct.pack("<HI", off, val)


def ram(addr, data):                      # op 3: RAM write (up to 256 bytes)
    out = b""
    for i in range(0, len(data), 256):
        chunk = data[i:i + 256]
        out += bytes([3]) + struct.pack("<I", addr + i)[:3] + bytes([len(chunk) - 1]) + chunk
    return out


def cfg(dev, reg, val):                   # op 5: config write (dev index, reg, value)
    return bytes([5, dev, reg]) + struct.pack("<I", val) + bytes([1, reg])


def desc(i, addr, length, flags, nxt, table=0x10000):
    return ram(table + 16 * i, struct.pack("<QIHH", addr, length, flags, nxt))


def blk_chain(kind, indirect):
    """Header at 0x20000, data at 0x21000, status at 0x22000."""
    hdr = struct.pack("<IIQ", kind, 0, 1)
    p = ram(0x20000, hdr)
    if kind in (11, 13):
        p += ram(0x20010, struct.pack("<QII", 2, 4, 0))
        ds = [(0x20000, 32, 1), (0x22000, 1, 2)]
    else:
        data_flags = 1 | (2 if kind in (0, 8) else 0)
        ds = [(0x20000, 16, 1), (0x21000, 512, data_flags), (0x22000, 1, 2)]
    table = 0x24000 if indirect else 0x10000
    for i, (a, n, f) in enumerate(ds):
        p += desc(i, a, n, f if i + 1 < len(ds) else f & ~1, i + 1, table)
    if indirect:
        p += desc(0, table, 16 * len(ds), 4, 0)
    return p


def virtio_legacy(kind, indirect, msix):
    p = w(0, 1, 0x12, 0) + w(0, 1, 0x12, 3)
    p += w(0, 4, 0x04, (1 << 28) if indirect else 0)
    if msix:
        p += cfg(0, 0x98, 0x80000011)
        p += w(1, 4, 0, 0xfee00000) + w(1, 4, 8, 0x30) + w(1, 4, 12, 0)
        p += w(1, 4, 16, 0xfee00000) + w(1, 4, 24, 0x31) + w(1, 4, 28, 0)
        p += w(0, 2, 0x14, 0) + w(0, 2, 0x16, 1)
    p += w(0, 4, 0x08, 0x10) + w(0, 1, 0x12, 7)
    p += blk_chain(kind, indirect)
    p += ram(0x10800, struct.pack("<HHH", 0, 1, 0))
    return p + w(0, 2, 0x10, 0)


def virtio_modern(kind, indirect, region):
    """region: the index of BAR 4 among the profile's regions."""
    r = region
    p = w(r, 1, 0x14, 0) + w(r, 1, 0x14, 3)
    p += w(r, 4, 0x08, 0) + w(r, 4, 0x0c, (1 << 28) if indirect else 0)
    p += w(r, 4, 0x08, 1) + w(r, 4, 0x0c, 1) + w(r, 1, 0x14, 11)
    p += w(r, 2, 0x16, 0) + w(r, 2, 0x18, 64)
    for off, val in ((0x20, 0x10000), (0x28, 0x12000), (0x30, 0x13000)):
        p += w(r, 4, off, val) + w(r, 4, off + 4, 0)
    p += w(r, 2, 0x1c, 1) + w(r, 1, 0x14, 15)
    p += blk_chain(kind, indirect)
    p += ram(0x12000, struct.pack("<HHH", 0, 1, 0))
    return p + w(r, 2, 0x3000, 0)


def ide_seeds():
    # regions: 0 = 0x1f0 (8), 1 = 0x3f6, 2 = 0x170, 3 = 0x376, 4 = BMDMA BAR 4
    pio = w(0, 1, 6, 0xe0) + w(0, 1, 2, 1) + w(0, 1, 3, 0) + w(0, 1, 7, 0x20)
    pio += b"".join(bytes([2, 0, 1]) + struct.pack("<HI", 0, 0) for _ in range(8))
    prd = ram(0x8000, struct.pack("<IHH", 0x9000, 512, 0x8000))
    dma = prd + w(4, 4, 4, 0x8000) + w(0, 1, 6, 0xe0) + w(0, 1, 2, 1) + w(0, 1, 7, 0xc8)
    dma += w(4, 1, 0, 9)
    return {"pio-read": pio, "dma-read": dma}


def cd_seeds():
    cdb = bytes([0x28, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0])
    p = w(2, 1, 6, 0xa0) + w(2, 1, 4, 0) + w(2, 1, 5, 8) + w(2, 1, 7, 0xa0)
    for i in range(0, 12, 2):
        p += w(2, 2, 0, cdb[i] | cdb[i + 1] << 8)
    return {"atapi-read10": p}


def uhci_seed():
    """A GET_DESCRIPTOR control transfer to the tablet at address 0: port
    reset and enable, a frame list of one QH, SETUP/IN/OUT TDs."""
    setup = bytes([0x80, 6, 0, 1, 0, 0, 18, 0])
    p = w(0, 2, 0x10, 0x200) + w(0, 2, 0x10, 0) + w(0, 2, 0x10, 4)
    p += ram(0x10000, struct.pack("<I", 0x11002) * 64)
    p += ram(0x11000, struct.pack("<II", 1, 0x12000))
    tds = [(0x2d, 8, 0), (0x69, 8, 1), (0x69, 8, 0), (0x69, 2, 1), (0xe1, 0, 1)]
    for i, (pid, n, tog) in enumerate(tds):
        link = 1 if i + 1 == len(tds) else (0x12000 + 32 * (i + 1)) | 4
        tok = pid | tog << 19 | ((n - 1) & 0x7ff) << 21
        p += ram(0x12000 + 32 * i, struct.pack("<IIII", link, 0x01800000 | 3 << 27, tok,
                                               0x14000 + 64 * i))
    p += ram(0x14000, setup)
    p += w(0, 4, 8, 0x10000) + w(0, 2, 4, 0xf) + w(0, 2, 0, 0x41)
    return {"get-descriptor": p + bytes([6]) + struct.pack("<H", 8000)}


def main():
    profile, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    seeds = {}
    if profile == "virtio-blk":
        for kind in (0, 1, 4, 8, 11, 13):
            seeds[f"legacy-{kind}"] = virtio_legacy(kind, False, False)
        seeds["legacy-indirect-msix"] = virtio_legacy(0, True, True)
        seeds["modern-transitional"] = virtio_modern(0, True, 2)
    elif profile == "virtio-blk-modern":
        for kind in (0, 1, 8, 13):
            seeds[f"modern-{kind}"] = virtio_modern(kind, kind == 1, 1)
    elif profile == "ide":
        seeds = ide_seeds()
    elif profile == "ide-cd":
        seeds = {**ide_seeds(), **cd_seeds()}
    elif profile == "uhci":
        seeds = uhci_seed()
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


main()
