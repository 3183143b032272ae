#!/usr/bin/env python3
"""Seed inputs for tests/fuzz/fuzz-device.c: short programs that do one
honest thing per profile (a virtio-blk request through the legacy or the
modern interface, with and without indirect descriptors and MSI-X; an IDE
PIO read, a bus-master DMA read, an ATAPI READ(10); a floppy READ DATA by
ISA DMA; the PM block's events and timer, an SMBus cycle; fw_cfg by port
and by DMA; a NIC's transmit and receive rings with frames from the wire),
so the fuzzer mutates
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


def r(region, size, off):                 # op 2: read
    return bytes([2, region, {1: 0, 2: 1, 4: 2, 8: 3}[size]]) + struct.pack("<HI", off, 0)


def tick(us):                             # op 6: advance the clock
    return bytes([6]) + struct.pack("<H", us)


def floppy_seeds():
    # regions: 0 = FDC 0x3f0 (8), 1 = DMA 0x00 (16), 2 = pages 0x80, 3 = DMA 0xc0
    dma = w(1, 1, 0x0a, 0x06) + w(1, 1, 0x0c, 0) + w(1, 1, 0x0b, 0x46)
    dma += w(1, 1, 0x04, 0x00) + w(1, 1, 0x04, 0x10) + w(2, 1, 0x01, 0)
    dma += w(1, 1, 0x05, 0xff) + w(1, 1, 0x05, 0x01) + w(1, 1, 0x0a, 0x02)
    fifo = lambda *b: b"".join(w(0, 1, 5, x) + tick(10) for x in b)
    p = w(0, 1, 2, 0x08) + tick(100) + w(0, 1, 2, 0x1c) + w(0, 1, 7, 2) + tick(1000)
    p += fifo(0x03, 0xdf, 0x02) + fifo(0x07, 0x00) + tick(60000) + fifo(0x08)
    p += b"".join(r(0, 1, 5) for _ in range(2))
    seek = p
    p += dma + fifo(0xe6, 0x00, 0, 0, 1, 2, 9, 0x2a, 0xff) + tick(60000)
    p += b"".join(r(0, 1, 5) for _ in range(7))
    fmt = seek + dma + fifo(0x4d, 0x00, 2, 9, 0x50, 0xf6) + tick(60000)
    return {"read-data": p, "format": fmt, "version": fifo(0x10) + r(0, 1, 5)}


def pm_seeds():
    # regions: 0 = PM block 0x600 (64), 1 = SMBus 0xb100 (16)
    p = w(0, 2, 2, 0x0101) + w(0, 2, 4, 1) + r(0, 4, 8) + tick(60000) + r(0, 2, 0)
    p += w(0, 2, 0, 0xffff) + w(0, 2, 4, 0x3c00)
    smb = w(1, 1, 4, 0xa1) + w(1, 1, 3, 0) + w(1, 1, 2, 0x48) + tick(100) + r(1, 1, 0)
    return {"pm-events": p, "smbus-read": smb}


def fwcfg_seeds():
    # regions: 0 = 0x510 (selector, data), 1 = 0x514 (DMA address, big-endian)
    port = w(0, 2, 0, 0x0000) + b"".join(r(0, 1, 1) for _ in range(4))
    port += w(0, 2, 0, 0x0019) + b"".join(r(0, 1, 1) for _ in range(8))
    be = lambda v: struct.unpack("<I", struct.pack(">I", v))[0]
    ctl = ram(0x1000, struct.pack(">IIQ", 0x0019 << 16 | 0x0a, 64, 0x2000))
    dma = ctl + w(1, 4, 0, 0) + w(1, 4, 4, be(0x1000)) + r(1, 4, 0)
    return {"port": port, "dma-read-dir": dma}


def vga_seeds():
    # regions: 0 = 0x3c0 (32), 1 = 0x3b4, 2 = VBE 0x1ce, 3 = 0xa0000 window
    vbe = lambda i, v: w(2, 2, 0, i) + w(2, 2, 2, v)
    mode = vbe(4, 0) + vbe(1, 640) + vbe(2, 480) + vbe(3, 32) + vbe(4, 0x41)
    mode += w(3, 4, 0, 0x00ff00ff) + vbe(5, 3) + w(3, 4, 0x100, 0x12345678)
    planar = w(0, 1, 4, 2) + w(0, 1, 5, 0x0f) + w(0, 1, 0x0e, 5) + w(0, 1, 0x0f, 0x40)
    planar += w(3, 1, 0x10, 0xaa) + r(3, 1, 0x10) + w(0, 1, 0x14, 0x11) + w(0, 1, 0x15, 0x55)
    dac = w(0, 1, 8, 0) + b"".join(w(0, 1, 9, x) for x in (63, 0, 63)) + w(0, 1, 7, 0)
    dac += b"".join(r(0, 1, 9) for _ in range(3))
    return {"vbe-mode": mode, "planar": planar, "dac": dac}


def frame(length, dst=0):                 # op 7 in NIC profiles: a frame from the wire
    data = bytes((i * 7) & 0xff for i in range(length))
    return bytes([7]) + struct.pack("<H", length) + bytes([dst]) + data


def tx_frame():
    return (b"\x52\x54\x00\x00\x00\x02\x52\x54\x00\x12\x34\x56\x08\x00" +
            bytes(range(46)))


def e1000_seeds():
    # regions: 0 = BAR 0 (registers), 1 = BAR 1 (I/O window)
    tx = ram(0x20000, tx_frame()) + ram(0x10000, struct.pack("<QII", 0x20000, 60 | 0x0b000000, 0))
    tx += w(0, 4, 0x3800, 0x10000) + w(0, 4, 0x3808, 128) + w(0, 4, 0x3818, 0)
    tx += w(0, 4, 0x400, 2) + w(0, 4, 0x3818, 1)
    rx = b"".join(ram(0x11000 + 16 * i, struct.pack("<QQ", 0x30000 + 0x800 * i, 0))
                  for i in range(8))
    rx += w(0, 4, 0x2800, 0x11000) + w(0, 4, 0x2808, 128) + w(0, 4, 0x2818, 7)
    rx += w(0, 4, 0xd0, 0x9d) + w(0, 4, 0x100, 0x04008002)
    return {"tx": tx, "rx": rx + frame(100) + frame(42, 1) + frame(1600),
            "rx-delay": rx + w(0, 4, 0x2820, 10) + w(0, 4, 0x282c, 20) + frame(100) +
            bytes([6, 50, 0]) + frame(80)}


def rtl8139_seeds():
    # regions: 0 = BAR 0 (I/O), 1 = BAR 1 (memory); normal mode, then C+
    normal = w(0, 4, 0x30, 0x30000) + w(0, 4, 0x44, 0x8f) + w(0, 2, 0x3c, 0xffff)
    normal += w(0, 1, 0x37, 0x0c) + ram(0x20000, tx_frame())
    normal += w(0, 4, 0x20, 0x20000) + w(0, 4, 0x10, 60) + frame(100) + frame(60, 1)
    normal += w(0, 2, 0x38, 0x60)
    cp = w(0, 2, 0xe0, 3) + w(0, 1, 0x37, 0x0c) + w(0, 4, 0x44, 0x0e)
    cp += ram(0x11000, struct.pack("<IIQ", 0xc0000000 | 1536, 0, 0x30000))
    cp += ram(0x10000, struct.pack("<IIQ", 0xf0000000 | 60, 0, 0x20000)) + ram(0x20000, tx_frame())
    cp += w(0, 4, 0xe4, 0x11000) + w(0, 4, 0x20, 0x10000) + w(0, 1, 0xd9, 0x40) + frame(100)
    return {"normal": normal, "cplus": cp}


def virtio_net_legacy():
    # regions: 0 = BAR 0 (legacy I/O); RX queue 0 at 0x10000, TX queue 1 at 0x20000
    p = w(0, 1, 0x12, 0) + w(0, 1, 0x12, 3) + w(0, 4, 0x04, 1 << 5)
    p += w(0, 4, 0x08, 0x10) + w(0, 2, 0x0e, 1) + w(0, 4, 0x08, 0x20) + w(0, 1, 0x12, 7)
    p += desc(0, 0x30000, 2048, 2, 0, 0x10000) + ram(0x10800, struct.pack("<HHH", 0, 1, 0))
    p += w(0, 2, 0x10, 0) + frame(100) + frame(42, 1)
    p += ram(0x40000, bytes(10) + tx_frame()) + desc(0, 0x40000, 70, 0, 0, 0x20000)
    p += ram(0x20800, struct.pack("<HHH", 0, 1, 0)) + w(0, 2, 0x10, 1)
    return {"legacy-rx-tx": p}


def virtio_net_modern(r):
    """r: the index of BAR 4 among the profile's regions; RX queue 0."""
    p = w(r, 1, 0x14, 0) + w(r, 1, 0x14, 3)
    p += w(r, 4, 0x08, 0) + w(r, 4, 0x0c, 1 << 5)
    p += w(r, 4, 0x08, 1) + w(r, 4, 0x0c, 1) + w(r, 1, 0x14, 11)
    p += w(r, 2, 0x16, 0) + w(r, 2, 0x18, 64)
    for off, val in ((0x20, 0x10000), (0x28, 0x12000), (0x30, 0x13000)):
        p += w(r, 4, off, val) + w(r, 4, off + 4, 0)
    p += w(r, 2, 0x1c, 1) + w(r, 1, 0x14, 15)
    p += desc(0, 0x30000, 2048, 2, 0, 0x10000) + ram(0x12000, struct.pack("<HHH", 0, 1, 0))
    return {"modern-rx": p + w(r, 2, 0x3000, 0) + frame(100) + frame(1514, 1)}


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
    elif profile == "floppy":
        seeds = floppy_seeds()
    elif profile == "piix4-pm":
        seeds = pm_seeds()
    elif profile == "fw_cfg":
        seeds = fwcfg_seeds()
    elif profile == "vga":
        seeds = vga_seeds()
    elif profile == "e1000":
        seeds = e1000_seeds()
    elif profile == "rtl8139":
        seeds = rtl8139_seeds()
    elif profile == "virtio-net":
        seeds = {**virtio_net_legacy(), **virtio_net_modern(2)}
    elif profile == "virtio-net-modern":
        seeds = virtio_net_modern(1)
    elif profile == "uhci":
        seeds = uhci_seed()
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


main()
