/* A PCI NIC's network boot: option ROM file → ROM BAR, bootindex → the
 * firmware's boot order. */
#include "hw/core/net-boot.h"
#include "hw/core/bootdev.h"
#include "hw/core/error.h"
#include "hw/core/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* PCI expansion ROMs decode at most 16 MiB; option ROMs are far smaller. */
#define ROM_MAX (16u << 20)

static uint8_t *read_rom(const char *model, const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        error_report("%s: romfile=%s: cannot open it (%s)", model, path, strerror(errno));
        return NULL;
    }
    uint8_t *buf = xmalloc(ROM_MAX);
    size_t n = fread(buf, 1, ROM_MAX, f);
    bool more = fgetc(f) != EOF;
    fclose(f);
    if (n < 3 || more || buf[0] != 0x55 || buf[1] != 0xaa) {
        error_report("%s: romfile=%s: not a PCI option ROM (%s)", model, path,
                     n < 3 ? "too short" : more ? "larger than 16 MiB" : "no 55 AA signature");
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

/* One ROM image serves several device IDs of a vendor (iPXE's virtio ROM
 * names 1af4:1041, the transitional card is 1af4:1000), but SeaBIOS runs
 * an image only if its PCI data structure names the device exactly: write
 * the function's device ID there, as QEMU does, and keep the image's byte
 * sum by compensating in byte 6, which iPXE's ROM header reserves for
 * its checksum. */
static void patch_device_id(uint8_t *rom, size_t n, const PCIFunction *f)
{
    if (n < 0x1a)
        return;
    size_t pcir = rom[0x18] | rom[0x19] << 8;
    if (pcir + 8 > n || memcmp(rom + pcir, "PCIR", 4))
        return;
    uint16_t ven = f->config[PCI_VENDOR_ID] | f->config[PCI_VENDOR_ID + 1] << 8;
    uint16_t dev = f->config[PCI_DEVICE_ID] | f->config[PCI_DEVICE_ID + 1] << 8;
    uint16_t rven = rom[pcir + 4] | rom[pcir + 5] << 8;
    uint16_t rdev = rom[pcir + 6] | rom[pcir + 7] << 8;
    if (ven != rven || dev == rdev)
        return;
    rom[pcir + 6] = (uint8_t)dev;
    rom[pcir + 7] = (uint8_t)(dev >> 8);
    rom[6] = (uint8_t)(rom[6] + (rdev & 0xff) + (rdev >> 8) - (dev & 0xff) - (dev >> 8));
}

static int load_rom(NetBoot *b, PCIFunction *f, const char *model, const char *path)
{
    size_t n;
    uint8_t *buf = read_rom(model, path, &n);
    if (!buf)
        return -1;
    patch_device_id(buf, n, f);
    uint64_t size = 2048;                   /* the BAR: a power of two */
    while (size < n)
        size *= 2;
    char name[64];
    snprintf(name, sizeof(name), "%s.rom", model);
    mr_init_rom(&b->rom, name, size);
    memcpy(b->rom.host, buf, n);
    free(buf);
    pci_rom_init(f, &b->rom);
    return 0;
}

/* The Open Firmware path QEMU gives a NIC, which SeaBIOS matches against
 * the PCI address of the ROM it ran. */
static void register_boot(uint32_t bootindex, uint8_t devfn)
{
    char path[64];
    if (devfn & 7)
        snprintf(path, sizeof(path), "/pci@i0cf8/ethernet@%x,%x/ethernet-phy@0", devfn >> 3,
                 devfn & 7);
    else
        snprintf(path, sizeof(path), "/pci@i0cf8/ethernet@%x/ethernet-phy@0", devfn >> 3);
    bootdev_register(bootindex, path);
}

int net_boot_init(NetBoot *b, PCIFunction *f, const char *model, const char *default_rom)
{
    char def[256];
    snprintf(def, sizeof(def), "%s%s", NET_BOOT_ROM_DIR, default_rom);
    const char *path = b->romfile ? b->romfile : access(def, R_OK) == 0 ? def : "";
    if (b->rombar && *path && load_rom(b, f, model, path))
        return -1;
    register_boot(b->bootindex, f->devfn);
    return 0;
}

void net_boot_free(NetBoot *b)
{
    if (b->rom.host)
        mr_free(&b->rom);
    b->rom = (MemoryRegion){ 0 };
}
