/* The unit-test PC board: see test-pc.h. */
#include "tests/unit/test-pc.h"
#include "tests/unit/unit.h"
#include "accel/accel.h"
#include "cpu/cpu.h"
#include "hw/core/clock.h"
#include "hw/core/util.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int syncs;

static void noop_sync(CPUState *cpu, bool to_env)
{
    if (!to_env)
        syncs++;
}

/* An accelerator that runs nothing: the board under test only builds. */
static const AccelOps noop_accel = {
    .name = "test-noop",
    .desc = "no-op accelerator for board unit tests",
    .sync_state = noop_sync,
};

int pct_syncs(void)
{
    return syncs;
}

const char *pct_file(int slot, const void *data, size_t len)
{
    static char paths[8][64];
    snprintf(paths[slot], sizeof(paths[slot]), "/tmp/kemu-test-pc-%d-%d", (int)getpid(), slot);
    FILE *f = fopen(paths[slot], "wb");
    if (!f || fwrite(data, 1, len, f) != len)
        unit_fail(__FILE__, __LINE__, "cannot write %s", paths[slot]);
    if (f)
        fclose(f);
    return paths[slot];
}

static void cleanup_files(void)
{
    char path[64];
    for (int i = 0; i < 8; i++) {
        snprintf(path, sizeof(path), "/tmp/kemu-test-pc-%d-%d", (int)getpid(), i);
        unlink(path);
    }
}

const char *pct_bios(void)
{
    static uint8_t bios[256 * 1024];
    for (size_t i = 0; i < sizeof(bios); i++)
        bios[i] = (uint8_t)(i * 7);
    return pct_file(7, bios, sizeof(bios));
}

Machine *pct_machine(uint64_t ram, unsigned smp)
{
    clock_reset_for_test();
    clock_set_manual(true);
    atexit(cleanup_files);
    Machine *m = xzalloc(sizeof(*m));
    m->cfg.type = "pc";
    m->cfg.ram_size = ram;
    m->cfg.smp_cpus = m->cfg.smp_max = smp;
    m->cfg.boot_reboot_timeout = -1;
    m->accel = &noop_accel;
    as_init(&m->mem, "memory", 1ULL << 32);
    as_init(&m->io, "io", 0x10000);
    m->board = xzalloc(sizeof(PcBoard));
    if (pc_memory_init(m) || pc_bios_load(m, pct_bios()))
        unit_fail(__FILE__, __LINE__, "board memory set-up failed");
    for (unsigned i = 0; i < smp; i++) {
        m->cpus[i] = cpu_create(m, (int)i, NULL, NULL);
        m->ncpus = i + 1;
    }
    Device *fw = device_create("fw_cfg", NULL);
    if (!fw || device_realize(fw, m))
        unit_fail(__FILE__, __LINE__, "fw_cfg set-up failed");
    pc_board(m)->fw_cfg = fw;
    return m;
}

int pct_capture(int (*fn)(Machine *m), Machine *m, char *msg, size_t len)
{
    char path[64];
    snprintf(path, sizeof(path), "/tmp/kemu-test-pc-%d-err", (int)getpid());
    fflush(stderr);
    int saved = dup(2);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 2);
    int ret = fn(m);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    msg[0] = 0;
    FILE *f = fdopen(fd, "r");
    rewind(f);
    if (fgets(msg, (int)len, f))
        msg[strcspn(msg, "\n")] = 0;
    fclose(f);
    unlink(path);
    return ret;
}

uint8_t pcb(Machine *m, uint64_t a) { return (uint8_t)as_ld(&m->mem, a, 1); }
uint16_t pcw(Machine *m, uint64_t a) { return (uint16_t)as_ld(&m->mem, a, 2); }
uint32_t pcl(Machine *m, uint64_t a) { return (uint32_t)as_ld(&m->mem, a, 4); }
uint64_t pcq(Machine *m, uint64_t a) { return as_ld(&m->mem, a, 8); }

#define SETUP_SECTS 4
#define SETUP_SIZE ((SETUP_SECTS + 1) * 512)
#define PM_SIZE 8192

static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, v); put16(p + 2, v >> 16); }

/* A bzImage with boot protocol 2.15: 4 setup sectors, then PM_SIZE bytes
 * of "kernel" where byte i is (i ^ 0x5a). */
uint8_t *pct_bzimage(size_t *size, uint16_t version)
{
    *size = SETUP_SIZE + PM_SIZE;
    uint8_t *k = xzalloc(*size);
    k[0x1f1] = SETUP_SECTS;
    put16(k + 0x1fa, 0xffff);           /* vid_mode: normal */
    put16(k + 0x1fe, 0xaa55);
    k[0x201] = 0x6a;                    /* header ends at 0x26c */
    memcpy(k + 0x202, "HdrS", 4);
    put16(k + 0x206, version);
    k[0x211] = 0x01;                    /* LOADED_HIGH */
    put32(k + 0x214, 0x100000);         /* code32_start */
    put32(k + 0x22c, 0x7fffffff);       /* initrd_addr_max */
    put32(k + 0x230, 0x200000);         /* kernel_alignment */
    put32(k + 0x238, 2048);             /* cmdline_size */
    put32(k + 0x260, 0x40000);          /* init_size */
    for (size_t i = 0; i < PM_SIZE; i++)
        k[SETUP_SIZE + i] = (uint8_t)(i ^ 0x5a);
    return k;
}


/* ---- fw_cfg through the I/O ports ---- */

#include "hw/pc/fw_cfg.h"

void pct_fw_read(Machine *m, uint16_t key, uint8_t *buf, size_t len)
{
    as_st(&m->io, FW_CFG_IO_BASE, key, 2);
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)as_ld(&m->io, FW_CFG_IO_BASE + 1, 1);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int pct_fw_find(Machine *m, const char *name, uint32_t *size)
{
    uint8_t cnt[4], e[64];
    pct_fw_read(m, FW_CFG_FILE_DIR, cnt, 4);
    for (uint32_t i = 0; i < be32(cnt); i++) {
        for (int j = 0; j < 64; j++)
            e[j] = (uint8_t)as_ld(&m->io, FW_CFG_IO_BASE + 1, 1);
        if (!strcmp((char *)e + 8, name)) {
            *size = be32(e);
            return e[4] << 8 | e[5];
        }
    }
    return -1;
}
