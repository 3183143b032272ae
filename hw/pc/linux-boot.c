/* The Linux x86 boot protocol (Documentation/arch/x86/boot.rst) as a boot
 * loader follows it, two ways:
 *
 * - through the firmware (the default, as QEMU): the setup code (its
 *   header filled in), the protected-mode kernel, the command line and the
 *   initrd go to fw_cfg with the addresses they belong at, and kemu's own
 *   option ROM (roms/linuxboot_dma.S, fw_cfg file
 *   "genroms/linuxboot_dma.bin", first in the boot order) copies them there
 *   and enters the real-mode setup code once the BIOS has set up the
 *   machine (e820, ACPI, SMBIOS, VGA text mode);
 * - direct, 32-bit entry: the protected-mode part goes to 1 MiB, the
 *   command line to 0x20000, the initrd as high as the kernel allows below
 *   the end of low RAM, and a zero page (struct boot_params) with a copy of
 *   the setup header, the e820 map and the RSDP address to PC_ZERO_PAGE;
 *   the BSP then starts at code32_start with ESI pointing at the zero page.
 */
#include "hw/pc/pc-board.h"
#include "hw/pc/fw_cfg.h"
#include "hw/core/error.h"
#include "hw/core/util.h"

#include <stdlib.h>
#include <string.h>

/* Setup header offsets (in the image and in boot_params). */
#define HDR_SETUP_SECTS   0x1f1
#define HDR_VID_MODE      0x1fa
#define HDR_JUMP_LEN      0x201
#define HDR_MAGIC         0x202
#define HDR_VERSION       0x206
#define HDR_LOADER_TYPE   0x210
#define HDR_LOADFLAGS     0x211
#define HDR_CODE32_START  0x214
#define HDR_RAMDISK_IMAGE 0x218
#define HDR_RAMDISK_SIZE  0x21c
#define HDR_HEAP_END_PTR  0x224
#define HDR_CMD_LINE_PTR  0x228
#define HDR_INITRD_MAX    0x22c
#define HDR_CMDLINE_SIZE  0x238
#define HDR_INIT_SIZE     0x260
#define HDR_END_MAX       0x280  /* struct setup_header ends before 0x290 */
/* boot_params fields outside the setup header */
#define BP_ACPI_RSDP      0x070
#define BP_E820_ENTRIES   0x1e8
#define BP_E820_TABLE     0x2d0
#define BP_E820_MAX       128
#define BP_SIZE           4096

#define LOADED_HIGH       0x01
#define CAN_USE_HEAP      0x80
#define MIN_PROTOCOL      0x0206  /* cmdline_size, initrd_addr_max, relocatable */

static uint32_t le16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t le32(const uint8_t *p) { return le16(p) | le16(p + 2) << 16; }
static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, v); put16(p + 2, v >> 16); }
static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

bool linux_is_bzimage(const uint8_t *img, size_t size)
{
    return size >= HDR_MAGIC + 4 && !memcmp(img + HDR_MAGIC, "HdrS", 4);
}

/* Real-mode setup code for the firmware path: at 0x10000, its heap up to
 * 0x200 bytes below the command line at 0x20000 (the stack above it). */
#define SETUP_ADDR        0x10000
#define SETUP_HEAP_END    (PC_CMDLINE_ADDR - SETUP_ADDR - 0x200)
/* SeaBIOS keeps its tables in the top 256 KiB of RAM below 4 GiB (and
 * marks in e820 what it used): an initrd it is to hand over ends below. */
#define FIRMWARE_HIGH_TABLES (256 * KiB)

/* The ROM image, assembled and checksummed by the build (linuxboot-rom.S). */
extern const uint8_t pc_linuxboot_rom[], pc_linuxboot_rom_end[];

typedef struct LinuxImage {
    bool firmware;            /* booted through the option ROM */
    const char *path;
    const uint8_t *img;
    size_t size, setup_size, pm_size;
    uint32_t version, initrd_max, cmdline_max, entry;
    uint64_t kernel_end;      /* end of the memory the kernel needs at 1 MiB */
} LinuxImage;

static int check_header(LinuxImage *k, uint64_t ram_below_4g)
{
    const uint8_t *h = k->img;
    if (k->size < HDR_END_MAX) {
        error_report("-kernel %s: not a Linux bzImage (file too short)", k->path);
        return -1;
    }
    k->version = le16(h + HDR_VERSION);
    if (k->version < MIN_PROTOCOL) {
        error_report("-kernel %s: Linux boot protocol %u.%02u is too old (need 2.06 or later)",
                     k->path, k->version >> 8, k->version & 0xff);
        return -1;
    }
    if (!(h[HDR_LOADFLAGS] & LOADED_HIGH)) {
        error_report("-kernel %s: not a bzImage (zImage kernels are not supported)", k->path);
        return -1;
    }
    unsigned sects = h[HDR_SETUP_SECTS] ? h[HDR_SETUP_SECTS] : 4;
    k->setup_size = (size_t)(sects + 1) * 512;
    if (k->setup_size >= k->size) {
        error_report("-kernel %s: truncated bzImage (setup of %zu bytes, file of %zu)",
                     k->path, k->setup_size, k->size);
        return -1;
    }
    k->pm_size = k->size - k->setup_size;
    k->initrd_max = le32(h + HDR_INITRD_MAX);
    k->cmdline_max = le32(h + HDR_CMDLINE_SIZE);
    uint64_t need = MAX((uint64_t)k->pm_size, (uint64_t)le32(h + HDR_INIT_SIZE));
    k->kernel_end = PC_KERNEL_ADDR + ALIGN_UP(need, 4096);
    if (k->kernel_end > ram_below_4g) {
        error_report("-kernel %s: the kernel needs %llu KiB above 1 MiB, more than the RAM has",
                     k->path, (unsigned long long)(need / KiB));
        return -1;
    }
    /* We load at 1 MiB, which is where code32_start points for every
     * bzImage; refuse an entry outside what we loaded. */
    k->entry = le32(h + HDR_CODE32_START);
    if (k->entry < PC_KERNEL_ADDR || k->entry >= PC_KERNEL_ADDR + k->pm_size) {
        error_report("-kernel %s: code32_start 0x%x is outside the kernel loaded at 0x%x",
                     k->path, k->entry, PC_KERNEL_ADDR);
        return -1;
    }
    return 0;
}

/* vga=normal|ext|ask|N on the command line sets vid_mode, as a boot loader does. */
static int vga_mode(const char *cmdline)
{
    const char *p = cmdline;
    while ((p = strstr(p, "vga=")) && p != cmdline && p[-1] != ' ')
        p += 4;
    if (!p)
        return -1;
    p += 4;
    if (!strncmp(p, "normal", 6))
        return 0xffff;
    if (!strncmp(p, "ext", 3))
        return 0xfffe;
    if (!strncmp(p, "ask", 3))
        return 0xfffd;
    char *end;
    long v = strtol(p, &end, 0);
    return end != p && v >= 0 && v <= 0xffff ? (int)v : -1;
}

static int load_initrd(Machine *m, LinuxImage *k, uint8_t *bp)
{
    const char *path = m->cfg.initrd;
    size_t size;
    uint8_t *data = pc_load_file("-initrd", path, &size);
    if (!data)
        return -1;
    uint64_t top = MIN((uint64_t)k->initrd_max, pc_board(m)->below_4g - 1) + 1;
    if (k->firmware)
        top = MIN(top, pc_board(m)->below_4g - FIRMWARE_HIGH_TABLES);
    uint64_t addr = size <= top ? ALIGN_DOWN(top - size, 4096) : 0;
    if (size > top || addr < k->kernel_end) {
        error_report("-initrd %s: %zu bytes do not fit between the kernel and 0x%llx "
                     "(more RAM needed)", path, size, (unsigned long long)top);
        free(data);
        return -1;
    }
    if (!k->firmware)
        pc_write_guest(m, addr, data, size);
    put32(bp + HDR_RAMDISK_IMAGE, (uint32_t)addr);
    put32(bp + HDR_RAMDISK_SIZE, (uint32_t)size);
    Device *fw = pc_board(m)->fw_cfg;
    fw_cfg_add_i32(fw, FW_CFG_INITRD_ADDR, (uint32_t)addr);
    fw_cfg_add_i32(fw, FW_CFG_INITRD_SIZE, (uint32_t)size);
    fw_cfg_add_bytes_owned(fw, FW_CFG_INITRD_DATA, data, size);
    return 0;
}

static void fill_e820(const Machine *m, uint8_t *bp)
{
    E820Entry e[BP_E820_MAX];
    int n = MIN(pc_e820(m, e, BP_E820_MAX), BP_E820_MAX);
    bp[BP_E820_ENTRIES] = (uint8_t)n;
    for (int i = 0; i < n; i++) {
        uint8_t *p = bp + BP_E820_TABLE + 20 * i;
        put64(p, e[i].addr);
        put64(p + 8, e[i].size);
        put32(p + 16, e[i].type);
    }
}

/* The same kernel for a firmware-side loader, as QEMU offers it. */
static void fw_cfg_kernel(Machine *m, const LinuxImage *k, const uint8_t *setup,
                          const char *cmdline)
{
    Device *fw = pc_board(m)->fw_cfg;
    size_t clen = strlen(cmdline) + 1;
    fw_cfg_add_i32(fw, FW_CFG_KERNEL_ADDR, PC_KERNEL_ADDR);
    fw_cfg_add_i32(fw, FW_CFG_KERNEL_SIZE, (uint32_t)k->pm_size);
    fw_cfg_add_bytes(fw, FW_CFG_KERNEL_DATA, k->img + k->setup_size, k->pm_size);
    fw_cfg_add_i32(fw, FW_CFG_SETUP_ADDR, SETUP_ADDR);
    fw_cfg_add_i32(fw, FW_CFG_SETUP_SIZE, (uint32_t)k->setup_size);
    fw_cfg_add_bytes(fw, FW_CFG_SETUP_DATA, setup, k->setup_size);
    fw_cfg_add_i32(fw, FW_CFG_CMDLINE_ADDR, PC_CMDLINE_ADDR);
    fw_cfg_add_i32(fw, FW_CFG_CMDLINE_SIZE, (uint32_t)clen);
    fw_cfg_add_bytes(fw, FW_CFG_CMDLINE_DATA, cmdline, clen);
}

/* What a boot loader writes into the setup header (hdr holds one at the
 * image's offsets: a copy of the setup code, or boot_params). */
static int fill_header(Machine *m, LinuxImage *k, uint8_t *hdr, const char *cmdline)
{
    if (m->cfg.initrd && load_initrd(m, k, hdr))
        return -1;
    int vga = vga_mode(cmdline);
    if (vga >= 0)
        put16(hdr + HDR_VID_MODE, (uint32_t)vga);
    hdr[HDR_LOADER_TYPE] = 0xff;           /* undefined boot loader */
    put32(hdr + HDR_CMD_LINE_PTR, PC_CMDLINE_ADDR);
    return 0;
}

/* Everything in fw_cfg for the option ROM, which the firmware boots
 * first (pc_set_bootorder_file); the real-mode setup code may use a heap. */
static int load_for_firmware(Machine *m, LinuxImage *k, const char *cmdline)
{
    if (k->setup_size > SETUP_HEAP_END) {
        error_report("-kernel %s: setup code of %zu bytes leaves no room for its heap",
                     k->path, k->setup_size);
        return -1;
    }
    uint8_t *setup = xmalloc(k->setup_size);
    memcpy(setup, k->img, k->setup_size);
    int ret = fill_header(m, k, setup, cmdline);
    if (!ret) {
        setup[HDR_LOADFLAGS] |= CAN_USE_HEAP;
        put16(setup + HDR_HEAP_END_PTR, SETUP_HEAP_END);
        fw_cfg_kernel(m, k, setup, cmdline);
        size_t len = (size_t)(pc_linuxboot_rom_end - pc_linuxboot_rom);
        ret = fw_cfg_set_file(pc_board(m)->fw_cfg, PC_LINUXBOOT_ROM, pc_linuxboot_rom, len) < 0;
    }
    free(setup);
    return ret ? -1 : 0;
}

/* The zero page and the kernel in memory, the BSP at the 32-bit entry. */
static int load_direct(Machine *m, LinuxImage *k, const char *cmdline)
{
    uint8_t *bp = xzalloc(BP_SIZE);
    size_t hdr_end = MIN((size_t)HDR_MAGIC + k->img[HDR_JUMP_LEN], (size_t)HDR_END_MAX);
    memcpy(bp + HDR_SETUP_SECTS, k->img + HDR_SETUP_SECTS, hdr_end - HDR_SETUP_SECTS);
    if (fill_header(m, k, bp, cmdline)) {
        free(bp);
        return -1;
    }
    put64(bp + BP_ACPI_RSDP, pc_board(m)->rsdp_addr);
    fill_e820(m, bp);
    pc_write_guest(m, PC_KERNEL_ADDR, k->img + k->setup_size, k->pm_size);
    pc_write_guest(m, PC_CMDLINE_ADDR, cmdline, strlen(cmdline) + 1);
    pc_write_guest(m, PC_ZERO_PAGE, bp, BP_SIZE);
    free(bp);
    fw_cfg_kernel(m, k, k->img, cmdline);
    pc_enter_flat32(m, k->entry, 0, 0, PC_ZERO_PAGE);
    return 0;
}

int linux_load(Machine *m, const char *path, const uint8_t *img, size_t size, bool firmware)
{
    LinuxImage k = { .firmware = firmware, .path = path, .img = img, .size = size };
    if (check_header(&k, pc_board(m)->below_4g))
        return -1;
    const char *cmdline = m->cfg.append ? m->cfg.append : "";
    size_t clen = strlen(cmdline);
    if (clen > k.cmdline_max || clen >= PC_CMDLINE_MAX) {
        error_report("-append: command line of %zu bytes is longer than the kernel's limit of %u",
                     clen, MIN(k.cmdline_max, PC_CMDLINE_MAX - 1));
        return -1;
    }
    return firmware ? load_for_firmware(m, &k, cmdline) : load_direct(m, &k, cmdline);
}
