/* Direct kernel boot without a CPU: a synthetic bzImage and Multiboot
 * kernels are loaded, then boot_params / the Multiboot information, the
 * loaded bytes and the BSP's entry state are checked in guest memory; bad
 * kernels give their exact one-line error. */
#include "tests/unit/test-pc.h"
#include "tests/unit/unit.h"
#include "hw/core/util.h"
#include "cpu/cpu.h"
#include "hw/pc/fw_cfg.h"
#include "hw/pc/pc.h"

#include <stdlib.h>
#include <string.h>

#define SETUP_SECTS 4
#define SETUP_SIZE ((SETUP_SECTS + 1) * 512)
#define PM_SIZE 8192

static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, v); put16(p + 2, v >> 16); }

static uint8_t *make_bzimage(size_t *size, uint16_t version)
{
    return pct_bzimage(size, version);
}

static Machine *boot_linux_machine(uint64_t ram, const char *append, size_t initrd_size)
{
    Machine *m = pct_machine(ram, 1);
    size_t ksize;
    uint8_t *k = make_bzimage(&ksize, 0x020f);
    m->cfg.kernel = xstrdup(pct_file(0, k, ksize));
    free(k);
    m->cfg.append = append;
    if (initrd_size) {
        uint8_t *rd = xmalloc(initrd_size);
        for (size_t i = 0; i < initrd_size; i++)
            rd[i] = (uint8_t)(i * 3 + 1);
        m->cfg.initrd = xstrdup(pct_file(1, rd, initrd_size));
        free(rd);
    }
    return m;
}

TEST(linux_boot, boot_params_in_guest_memory)
{
    Machine *m = boot_linux_machine(512 * MiB, "console=ttyS0 vga=ext quiet", 5000);
    int syncs = pct_syncs();
    CHECK_EQ(pc_boot_kernel(m), 0);
    uint64_t zp = PC_ZERO_PAGE;
    /* The setup header copy and what the loader fills in. */
    CHECK_EQ(pcl(m, zp + 0x202), 0x53726448);       /* "HdrS" */
    CHECK_EQ(pcw(m, zp + 0x206), 0x020f);
    CHECK_EQ(pcb(m, zp + 0x1f1), SETUP_SECTS);
    CHECK_EQ(pcl(m, zp + 0x238), 2048);
    CHECK_EQ(pcb(m, zp + 0x210), 0xff);             /* type_of_loader */
    CHECK_EQ(pcw(m, zp + 0x1fa), 0xfffe);           /* vid_mode from vga=ext */
    CHECK_EQ(pcl(m, zp + 0x214), 0x100000);
    CHECK_EQ(pcl(m, zp + 0x228), PC_CMDLINE_ADDR);
    char cmd[64];
    as_read(&m->mem, PC_CMDLINE_ADDR, cmd, sizeof(cmd));
    CHECK_STR(cmd, "console=ttyS0 vga=ext quiet");
    /* The initrd ends page-aligned below the top of RAM (512 MiB). */
    uint32_t rd = pcl(m, zp + 0x218);
    CHECK_EQ(rd, ALIGN_DOWN(512 * MiB - 5000, 4096));
    CHECK_EQ(pcl(m, zp + 0x21c), 5000);
    CHECK_EQ(pcb(m, rd), 1);
    CHECK_EQ(pcb(m, rd + 4999), (uint8_t)(4999 * 3 + 1));
    /* The e820 copy matches the board's map. */
    E820Entry e[16];
    int n = pc_e820(m, e, 16);
    CHECK_EQ(pcb(m, zp + 0x1e8), n);
    for (int i = 0; i < n; i++) {
        CHECK_EQ(pcq(m, zp + 0x2d0 + 20 * i), e[i].addr);
        CHECK_EQ(pcq(m, zp + 0x2d0 + 20 * i + 8), e[i].size);
        CHECK_EQ(pcl(m, zp + 0x2d0 + 20 * i + 16), e[i].type);
    }
    /* ACPI: the RSDP address, and the RSDP is there. */
    CHECK_EQ(pcq(m, zp + 0x070), 0xe0000);
    CHECK_EQ(pcq(m, 0xe0000), 0x2052545020445352ULL);  /* "RSD PTR " */
    /* The protected-mode kernel at 1 MiB. */
    CHECK_EQ(pcb(m, 0x100000), 0x5a);
    CHECK_EQ(pcb(m, 0x100000 + PM_SIZE - 1), (uint8_t)((PM_SIZE - 1) ^ 0x5a));
    /* The BSP: flat 32-bit protected mode at code32_start, ESI = zero page. */
    CPUX86State *env = &m->cpus[0]->env;
    CHECK_EQ(env->rip, 0x100000);
    CHECK_EQ(env->regs[R_ESI], PC_ZERO_PAGE);
    CHECK_EQ(env->regs[R_EBX] | env->regs[R_EBP] | env->regs[R_EDI], 0);
    CHECK_EQ(env->seg[SEG_CS].sel, 0x10);
    CHECK_EQ(env->seg[SEG_DS].sel, 0x18);
    CHECK_EQ(env->seg[SEG_SS].sel, 0x18);
    CHECK_EQ(env->seg[SEG_CS].limit, 0xffffffff);
    CHECK_EQ(env->seg[SEG_CS].base, 0);
    CHECK(env->seg[SEG_CS].attr & SEGATTR_DB);
    CHECK_EQ(env->cr0 & (CR0_PE | CR0_PG), CR0_PE);
    CHECK_EQ(env->rflags & FL_IF, 0);
    CHECK_EQ(env->gdt.base, PC_BOOT_GDT);
    CHECK_EQ(pcq(m, PC_BOOT_GDT + 0x10), 0x00cf9b000000ffffULL);
    CHECK_EQ(pcq(m, PC_BOOT_GDT + 0x18), 0x00cf93000000ffffULL);
    CHECK_EQ(pct_syncs(), syncs + 1);
    /* The BIOS data area a kernel reads: EBDA segment and base memory. */
    CHECK_EQ(pcw(m, 0x40e), 0x9fc0);
    CHECK_EQ(pcw(m, 0x413), 639);
}

TEST(linux_boot, no_initrd_no_append)
{
    Machine *m = boot_linux_machine(64 * MiB, NULL, 0);
    CHECK_EQ(pc_boot_kernel(m), 0);
    CHECK_EQ(pcl(m, PC_ZERO_PAGE + 0x218), 0);
    CHECK_EQ(pcl(m, PC_ZERO_PAGE + 0x21c), 0);
    CHECK_EQ(pcb(m, PC_CMDLINE_ADDR), 0);
    CHECK_EQ(pcw(m, PC_ZERO_PAGE + 0x1fa), 0xffff);  /* vid_mode kept */
}

static unsigned byte_sum(const uint8_t *p, size_t n)
{
    unsigned s = 0;
    while (n--)
        s += *p++;
    return s & 0xff;
}

static uint32_t fw_u32(Machine *m, uint16_t key)
{
    uint8_t b[4];
    pct_fw_read(m, key, b, 4);
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* The option ROM as SeaBIOS checks it: 0x55 0xaa, its size in blocks,
 * all bytes summing to zero, a PnP header (summing to zero) with a BEV. */
static void check_linuxboot_rom(Machine *m)
{
    uint32_t len;
    int key = pct_fw_find(m, "genroms/linuxboot_dma.bin", &len);
    REQUIRE(key >= 0, "no genroms/linuxboot_dma.bin in fw_cfg");
    uint8_t *rom = xmalloc(len);
    pct_fw_read(m, (uint16_t)key, rom, len);
    CHECK_EQ(rom[0], 0x55);
    CHECK_EQ(rom[1], 0xaa);
    CHECK_EQ(rom[2] * 512u, len);
    CHECK_EQ(byte_sum(rom, len), 0);
    unsigned pnp = rom[0x1a] | rom[0x1b] << 8;
    REQUIRE(pnp + 0x20 <= len, "PnP header outside the ROM");
    CHECK(!memcmp(rom + pnp, "$PnP", 4));
    CHECK_EQ(byte_sum(rom + pnp, rom[pnp + 5] * 16u), 0);
    unsigned bev = rom[pnp + 0x1a] | rom[pnp + 0x1b] << 8;
    CHECK(bev > pnp && bev < len);
    free(rom);
}

/* A BIOS that loads fw_cfg ROMs: the kernel goes to fw_cfg with its setup
 * header filled in, the ROM comes first in the boot order, and nothing is
 * loaded or entered by the board. */
TEST(linux_boot, through_the_firmware_option_rom)
{
    Machine *m = boot_linux_machine(512 * MiB, "console=ttyS0 vga=ext", 5000);
    CHECK(!pc_firmware_runs_roms(m));
    memcpy(pc_board(m)->bios_data + 0x1000, "genroms/", 8);
    CHECK(pc_firmware_runs_roms(m));
    int syncs = pct_syncs();
    CHECK_EQ(pc_boot_kernel(m), 0);
    CHECK_EQ(pct_syncs(), syncs);                   /* the BSP is left at reset */
    CHECK_EQ(pcb(m, 0x100000), 0);                  /* nothing in RAM */
    CHECK_EQ(pcb(m, PC_CMDLINE_ADDR), 0);
    CHECK(pcq(m, 0xe0000) != 0x2052545020445352ULL); /* no ACPI of the board's */
    check_linuxboot_rom(m);
    uint8_t setup[SETUP_SIZE];
    CHECK_EQ(fw_u32(m, FW_CFG_SETUP_ADDR), 0x10000);
    CHECK_EQ(fw_u32(m, FW_CFG_SETUP_SIZE), SETUP_SIZE);
    pct_fw_read(m, FW_CFG_SETUP_DATA, setup, sizeof(setup));
    CHECK_EQ(setup[0x210], 0xff);                   /* type_of_loader */
    CHECK_EQ(setup[0x211] & 0x81, 0x81);            /* LOADED_HIGH, CAN_USE_HEAP */
    CHECK_EQ(setup[0x224] | setup[0x225] << 8, 0xfe00);  /* heap below 0x20000 */
    CHECK_EQ(setup[0x1fa] | setup[0x1fb] << 8, 0xfffe);  /* vga=ext */
    uint32_t rd = ALIGN_DOWN(512 * MiB - 256 * KiB - 5000, 4096);  /* below SeaBIOS */
    CHECK_EQ(setup[0x218] | setup[0x219] << 8 | setup[0x21a] << 16 |
             (uint32_t)setup[0x21b] << 24, rd);
    CHECK_EQ(setup[0x21c] | setup[0x21d] << 8, 5000);
    CHECK_EQ(setup[0x228] | setup[0x229] << 8 | setup[0x22a] << 16, PC_CMDLINE_ADDR);
    CHECK_EQ(fw_u32(m, FW_CFG_INITRD_ADDR), rd);
    CHECK_EQ(fw_u32(m, FW_CFG_INITRD_SIZE), 5000);
    CHECK_EQ(fw_u32(m, FW_CFG_KERNEL_ADDR), 0x100000);
    CHECK_EQ(fw_u32(m, FW_CFG_KERNEL_SIZE), PM_SIZE);
    CHECK_EQ(fw_u32(m, FW_CFG_CMDLINE_SIZE), 22);
    char cmd[22];
    pct_fw_read(m, FW_CFG_CMDLINE_DATA, (uint8_t *)cmd, sizeof(cmd));
    CHECK_STR(cmd, "console=ttyS0 vga=ext");
    CHECK_EQ(pc_set_bootorder_file(m), 0);
    uint32_t len;
    int key = pct_fw_find(m, "bootorder", &len);
    REQUIRE(key >= 0, "no bootorder file");
    char order[64] = "";
    pct_fw_read(m, (uint16_t)key, (uint8_t *)order, MIN(len, sizeof(order) - 1));
    static const char first[] = "/rom@genroms/linuxboot_dma.bin";  /* bootindex 0 */
    CHECK(!strncmp(order, first, sizeof(first) - 1));
    CHECK(order[sizeof(first) - 1] == '\n' || order[sizeof(first) - 1] == '\0');
    /* A reset hands the kernel over again without a second ROM file. */
    uint8_t before[4], after[4];
    pct_fw_read(m, FW_CFG_FILE_DIR, before, 4);
    CHECK_EQ(pc_boot_kernel(m), 0);
    pct_fw_read(m, FW_CFG_FILE_DIR, after, 4);
    CHECK(!memcmp(before, after, 4));
}

static void expect_error(Machine *m, char *want)
{
    char msg[512];
    CHECK_EQ(pct_capture(pc_boot_kernel, m, msg, sizeof(msg)), -1);
    CHECK_STR(msg, want);
    free(want);
}

TEST(linux_boot, bad_kernels)
{
    Machine *m = pct_machine(64 * MiB, 1);
    static uint8_t junk[4096];
    memset(junk, 0x90, sizeof(junk));
    m->cfg.kernel = xstrdup(pct_file(0, junk, sizeof(junk)));
    expect_error(m, xasprintf("kemu: -kernel %s: "
                              "not a Linux bzImage (no HdrS signature)", m->cfg.kernel));

    size_t size;
    uint8_t *k = make_bzimage(&size, 0x0201);
    m->cfg.kernel = xstrdup(pct_file(1, k, size));
    expect_error(m, xasprintf("kemu: -kernel %s: "
                              "Linux boot protocol 2.01 is too old (need 2.06 or later)",
                              m->cfg.kernel));
    free(k);

    k = make_bzimage(&size, 0x020f);
    k[0x211] = 0;                       /* zImage */
    m->cfg.kernel = xstrdup(pct_file(2, k, size));
    expect_error(m, xasprintf("kemu: -kernel %s: not a bzImage (zImage kernels are not supported)",
                              m->cfg.kernel));
    k[0x211] = 1;
    k[0x1f1] = 200;                     /* setup larger than the file */
    m->cfg.kernel = xstrdup(pct_file(3, k, size));
    expect_error(m, xasprintf("kemu: -kernel %s: "
                              "truncated bzImage (setup of 102912 bytes, file of 10752)",
                              m->cfg.kernel));
    k[0x1f1] = SETUP_SECTS;
    put32(k + 0x214, 0x200000);         /* entry outside the image */
    m->cfg.kernel = xstrdup(pct_file(4, k, size));
    expect_error(m, xasprintf("kemu: -kernel %s: "
                              "code32_start 0x200000 is outside the kernel loaded at "
                              "0x100000", m->cfg.kernel));
    free(k);

    m->cfg.kernel = "/nonexistent/vmlinuz";
    expect_error(m, xasprintf("kemu: -kernel %s: No such file or directory", m->cfg.kernel));
}

TEST(linux_boot, initrd_and_cmdline_limits)
{
    Machine *m = boot_linux_machine(2 * MiB, NULL, 2 * MiB);
    expect_error(m, xasprintf("kemu: -initrd %s: "
                              "2097152 bytes do not fit between the kernel and 0x200000 "
                              "(more RAM needed)", m->cfg.initrd));
    m = boot_linux_machine(64 * MiB, NULL, 0);
    char *longcmd = xmalloc(3000);
    memset(longcmd, 'x', 2999);
    longcmd[2999] = 0;
    m->cfg.append = longcmd;
    expect_error(m, xstrdup("kemu: -append: command line of 2999 bytes is longer than the "
                            "kernel's limit of 2048"));
}

/* ---- Multiboot ---- */

#define MB_MAGIC 0x1badb002u

static void mb_header(uint8_t *p, uint32_t flags)
{
    put32(p, MB_MAGIC);
    put32(p + 4, flags);
    put32(p + 8, (uint32_t)-(MB_MAGIC + flags));
}

/* An ELF32 kernel linked at 0xc0100000, loaded at 0x100000 (one segment:
 * 0x100 bytes from the file, 0x2000 in memory), entry at +0x10. */
static uint8_t *make_mb_elf(size_t *size)
{
    *size = 0x1100;
    uint8_t *f = xzalloc(*size);
    memcpy(f, "\177ELF", 4);
    f[4] = 1;                           /* ELFCLASS32 */
    f[5] = 1;                           /* little-endian */
    f[6] = 1;
    put16(f + 16, 2);                   /* ET_EXEC */
    put16(f + 18, 3);                   /* EM_386 */
    put32(f + 20, 1);
    put32(f + 24, 0xc0100010);          /* e_entry (virtual) */
    put32(f + 28, 52);                  /* e_phoff */
    put16(f + 40, 52);                  /* e_ehsize */
    put16(f + 42, 32);                  /* e_phentsize */
    put16(f + 44, 1);                   /* e_phnum */
    put16(f + 46, 40);                  /* e_shentsize */
    uint8_t *ph = f + 52;
    put32(ph, 1);                       /* PT_LOAD */
    put32(ph + 4, 0x1000);              /* p_offset */
    put32(ph + 8, 0xc0100000);          /* p_vaddr */
    put32(ph + 12, 0x100000);           /* p_paddr */
    put32(ph + 16, 0x100);              /* p_filesz */
    put32(ph + 20, 0x2000);             /* p_memsz */
    put32(ph + 24, 5);
    put32(ph + 28, 0x1000);
    mb_header(f + 0x1000, 0x3);         /* page-align modules, memory info */
    for (int i = 12; i < 0x100; i++)
        f[0x1000 + i] = (uint8_t)i;
    return f;
}

static char *string_at(Machine *m, uint32_t addr)
{
    static char buf[4][256];
    static int slot;
    char *s = buf[slot++ & 3];
    as_read(&m->mem, addr, s, 255);
    s[255] = 0;
    return s;
}

TEST(multiboot, elf_modules_and_info)
{
    Machine *m = pct_machine(64 * MiB, 1);
    size_t size;
    uint8_t *k = make_mb_elf(&size);
    m->cfg.kernel = xstrdup(pct_file(0, k, size));
    free(k);
    static uint8_t mod1[100], mod2[5000];
    memset(mod1, 0x11, sizeof(mod1));
    memset(mod2, 0x22, sizeof(mod2));
    char *p1 = xstrdup(pct_file(1, mod1, sizeof(mod1)));
    char *p2 = xstrdup(pct_file(2, mod2, sizeof(mod2)));
    m->cfg.initrd = xasprintf("%s arg1 a,,b,%s", p1, p2);
    m->cfg.append = "console=x";
    memset(pc_board(m)->ram.host + 0x100000, 0xff, 0x3000);   /* bss must be cleared */
    CHECK_EQ(pc_boot_kernel(m), 0);

    CPUX86State *env = &m->cpus[0]->env;
    CHECK_EQ(env->rip, 0x100010);                   /* virtual entry made physical */
    CHECK_EQ(env->regs[R_EAX], 0x2badb002);
    CHECK_EQ(env->cr0 & (CR0_PE | CR0_PG), CR0_PE);
    CHECK_EQ(env->seg[SEG_CS].limit, 0xffffffff);
    CHECK_EQ(pcb(m, 0x10000c), 12);
    CHECK_EQ(pcb(m, 0x1000ff), 0xff);
    CHECK_EQ(pcb(m, 0x100100), 0);
    CHECK_EQ(pcb(m, 0x101fff), 0);
    CHECK_EQ(pcb(m, 0x102000), 0x11);               /* module 1 after the bss */

    uint32_t mbi = (uint32_t)env->regs[R_EBX];
    CHECK_EQ(mbi, 0x105000);                        /* after both page-aligned modules */
    CHECK_EQ(pcl(m, mbi), 0x24f);                   /* mem, bootdev, cmdline, mods, mmap, name */
    CHECK_EQ(pcl(m, mbi + 4), 640);
    CHECK_EQ(pcl(m, mbi + 8), (64 * MiB - MiB) / KiB);
    char *want = xasprintf("%s console=x", m->cfg.kernel);
    CHECK_STR(string_at(m, pcl(m, mbi + 16)), want);
    CHECK_EQ(pcl(m, mbi + 20), 2);
    uint32_t mods = pcl(m, mbi + 24);
    CHECK_EQ(pcl(m, mods), 0x102000);
    CHECK_EQ(pcl(m, mods + 4), 0x102000 + 100);
    char *s1 = xasprintf("%s arg1 a,b", p1);
    CHECK_STR(string_at(m, pcl(m, mods + 8)), s1);
    CHECK_EQ(pcl(m, mods + 16), 0x103000);
    CHECK_EQ(pcl(m, mods + 20), 0x103000 + 5000);
    CHECK_STR(string_at(m, pcl(m, mods + 24)), p2);
    CHECK_EQ(pcb(m, 0x103000 + 4999), 0x22);
    /* The memory map: the board's e820 in Multiboot form. */
    E820Entry e[16];
    int n = pc_e820(m, e, 16);
    CHECK_EQ(pcl(m, mbi + 44), 24 * n);
    uint32_t mm = pcl(m, mbi + 48);
    for (int i = 0; i < n; i++) {
        CHECK_EQ(pcl(m, mm + 24 * i), 20);
        CHECK_EQ(pcq(m, mm + 24 * i + 4), e[i].addr);
        CHECK_EQ(pcq(m, mm + 24 * i + 12), e[i].size);
        CHECK_EQ(pcl(m, mm + 24 * i + 20), e[i].type);
    }
    CHECK_STR(string_at(m, pcl(m, mbi + 64)), "kemu");
    free(want);
    free(s1);
}

/* A flat binary with the a.out kludge: header at 0x40 of a file loaded at
 * 0x200000; 0x100 bytes loaded, bss to 0x201000, entry 0x200080. */
TEST(multiboot, aout_kludge)
{
    Machine *m = pct_machine(16 * MiB, 1);
    uint8_t f[0x200];
    for (size_t i = 0; i < sizeof(f); i++)
        f[i] = (uint8_t)(i + 1);
    mb_header(f + 0x40, 0x10002);
    put32(f + 0x4c, 0x200040);
    put32(f + 0x50, 0x200000);
    put32(f + 0x54, 0x200100);
    put32(f + 0x58, 0x201000);
    put32(f + 0x5c, 0x200080);
    m->cfg.kernel = xstrdup(pct_file(0, f, sizeof(f)));
    CHECK_EQ(pc_boot_kernel(m), 0);
    CHECK_EQ(m->cpus[0]->env.rip, 0x200080);
    CHECK_EQ(pcb(m, 0x200000), 1);
    CHECK_EQ(pcb(m, 0x2000ff), 0);                  /* (0xff + 1) & 0xff */
    CHECK_EQ(pcb(m, 0x2000fe), 0xff);
    CHECK_EQ(pcb(m, 0x200100), 0);                  /* bss, not the file's next byte */
    uint32_t mbi = (uint32_t)m->cpus[0]->env.regs[R_EBX];
    CHECK_EQ(mbi, 0x201000);
    CHECK_EQ(pcl(m, mbi + 20), 0);                  /* no modules */
    CHECK_STR(string_at(m, pcl(m, mbi + 16)), m->cfg.kernel);
}

TEST(multiboot, bad_kernels)
{
    Machine *m = pct_machine(16 * MiB, 1);
    uint8_t f[0x200];
    memset(f, 0, sizeof(f));
    mb_header(f + 0x40, 0x8);           /* bit 3: a feature we do not know */
    m->cfg.kernel = xstrdup(pct_file(0, f, sizeof(f)));
    expect_error(m, xasprintf("kemu: -kernel %s: Multiboot header requires unsupported "
                              "features (flags 0x8)", m->cfg.kernel));
    mb_header(f + 0x40, 0x10000);       /* a.out kludge, loading over the IVT */
    put32(f + 0x4c, 0x40);
    put32(f + 0x50, 0);
    put32(f + 0x5c, 0x80);
    m->cfg.kernel = xstrdup(pct_file(1, f, sizeof(f)));
    expect_error(m, xasprintf("kemu: -kernel %s: segment at 0x0 (512 bytes) is not in RAM "
                              "above 4 KiB", m->cfg.kernel));
    put32(f + 0x50, 0x100000);          /* header_addr below load_addr */
    m->cfg.kernel = xstrdup(pct_file(2, f, sizeof(f)));
    expect_error(m, xasprintf("kemu: -kernel %s: Multiboot load_addr 0x100000 does not fit "
                              "header_addr 0x40", m->cfg.kernel));
    mb_header(f + 0x40, 0);             /* no kludge, not ELF */
    m->cfg.kernel = xstrdup(pct_file(3, f, sizeof(f)));
    expect_error(m, xasprintf("kemu: -kernel %s: Multiboot kernel is neither ELF nor has load "
                              "addresses (header flag 16)", m->cfg.kernel));
    size_t size;
    uint8_t *k = make_mb_elf(&size);
    put32(k + 52 + 16, 0x10000);        /* p_filesz beyond the file */
    m->cfg.kernel = xstrdup(pct_file(4, k, size));
    expect_error(m, xasprintf("kemu: -kernel %s: ELF segment 0 beyond the end of the file",
                              m->cfg.kernel));
    free(k);
}

/* Debian's own kernel, when the test assets have been fetched. */
static char *asset(const char *name)
{
    const char *dir = getenv("KEMU_ASSETS");
    if (dir)
        return xasprintf("%s/%s", dir, name);
    const char *cache = getenv("XDG_CACHE_HOME");
    if (cache)
        return xasprintf("%s/kemu/%s", cache, name);
    const char *home = getenv("HOME");
    return xasprintf("%s/.cache/kemu/%s", home ? home : "/nonexistent", name);
}

TEST(linux_boot, debian_kernel_loads)
{
    char *kernel = asset("vmlinuz"), *initrd = asset("initramfs.gz");
    size_t ksize, rsize;
    uint8_t *k = pc_load_file(NULL, kernel, &ksize);
    uint8_t *rd = pc_load_file(NULL, initrd, &rsize);
    REQUIRE(k && rd, "test assets not fetched (tests/fetch-assets.sh)");
    Machine *m = pct_machine(512 * MiB, 2);
    m->cfg.kernel = kernel;
    m->cfg.initrd = initrd;
    m->cfg.append = "console=ttyS0";
    CHECK_EQ(pc_boot_kernel(m), 0);
    uint64_t zp = PC_ZERO_PAGE;
    CHECK(pcw(m, zp + 0x206) >= 0x020c);
    CHECK_EQ(pcb(m, zp + 0x210), 0xff);
    CHECK_EQ(m->cpus[0]->env.rip, 0x100000);
    size_t setup = ((size_t)(k[0x1f1] ? k[0x1f1] : 4) + 1) * 512;
    CHECK(!memcmp(pc_board(m)->ram.host + 0x100000, k + setup, ksize - setup));
    uint32_t rd_addr = pcl(m, zp + 0x218);
    CHECK_EQ(pcl(m, zp + 0x21c), rsize);
    CHECK_EQ(rd_addr % 4096, 0);
    CHECK(rd_addr + rsize <= 512 * MiB);
    CHECK(rd_addr + rsize <= (uint64_t)pcl(m, zp + 0x22c) + 1);
    CHECK(!memcmp(pc_board(m)->ram.host + rd_addr, rd, rsize));
    free(k);
    free(rd);
}

/* ---- malformed kernels never crash the loader ---- */

static uint32_t rng_state = 12345;

static uint32_t rng(void)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return rng_state >> 8;
}

static int boot_quietly(Machine *m)
{
    return pc_boot_kernel(m);
}

/* Load kernel bytes k (with random header fields) and expect 0 or -1. */
static void try_kernel(Machine *m, const uint8_t *k, size_t size)
{
    char msg[512];
    m->cfg.kernel = pct_file(5, k, size);
    int r = pct_capture(boot_quietly, m, msg, sizeof(msg));
    CHECK(r == 0 || r == -1);
    if (r == -1 && strncmp(msg, "kemu: -", 7))
        unit_fail(__FILE__, __LINE__, "unexpected message: %s", msg);
}

static const uint32_t bz_fields[] = { 0x1f1, 0x201, 0x206, 0x211, 0x214, 0x22c, 0x238, 0x260 };

TEST(linux_boot, fuzzed_headers)
{
    Machine *m = pct_machine(8 * MiB, 1);
    m->cfg.append = "console=ttyS0";
    for (int i = 0; i < 300; i++) {
        size_t size;
        uint8_t *k = make_bzimage(&size, 0x020f);
        for (int j = 0; j < 3; j++) {
            uint32_t f = bz_fields[rng() % ARRAY_SIZE(bz_fields)];
            uint32_t v = rng() % 3 == 0 ? 0xffffffffu : rng();
            for (int b = 0; b < 4 && f + b < size; b++)
                k[f + b] = (uint8_t)(v >> (8 * b));
        }
        try_kernel(m, k, rng() % 4 ? size : rng() % size);
        free(k);
    }
}

TEST(multiboot, fuzzed_headers)
{
    Machine *m = pct_machine(8 * MiB, 1);
    for (int i = 0; i < 300; i++) {
        size_t size;
        uint8_t *k = make_mb_elf(&size);
        if (i % 2) {                        /* ELF header and program header */
            uint32_t f = 16 + rng() % (52 + 32 - 16);
            k[f] = (uint8_t)rng();
            put32(k + 52 + 4 * (rng() % 8), rng() % 3 ? rng() : 0xffffffffu);
        } else {                            /* a.out kludge addresses */
            mb_header(k + 0x1000, 0x10000);
            for (int j = 0; j < 5; j++)
                put32(k + 0x100c + 4 * j, rng() % 2 ? 0x100000 + rng() % 0x4000 : rng());
        }
        try_kernel(m, k, rng() % 4 ? size : rng() % size);
        free(k);
    }
}
