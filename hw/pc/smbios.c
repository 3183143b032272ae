/* The SMBIOS 2.8 structure table and entry point (DSP0134).  Each
 * structure is a formatted area followed by its strings, numbered from 1
 * in order of appearance (0: no string), and two NULs.  Handles follow
 * QEMU's numbering (type N from 0x100 * N; 16 and up from 0x1000). */
#include "hw/pc/smbios.h"
#include "hw/pc/pc-board.h"
#include "cpu/cpu.h"
#include "cpu/cpuid.h"
#include "hw/core/util.h"
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MACHINE_VERSION "pc-i440fx-7.2"
#define DIMM_MAX (16 * GiB)
#define H_ARRAY 0x1000
#define H_NONE 0xfffe

typedef struct Table {
    uint8_t *buf;
    size_t len;
    uint16_t count, max_struct;
} Table;

/* One structure being written: its formatted area and its strings. */
typedef struct Struct {
    uint8_t fa[64];
    uint8_t flen;
    char strs[8192];
    size_t slen;
    uint8_t nstr;
} Struct;

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)v);
    put16(p + 2, (uint16_t)(v >> 16));
}
static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static void begin(Struct *s, uint8_t type, uint8_t len, uint16_t handle)
{
    memset(s, 0, sizeof(*s));
    s->fa[0] = type;
    s->fa[1] = len;
    s->flen = len;
    put16(s->fa + 2, handle);
}

/* Add a string (if any) and store its number at formatted offset off. */
static void str(Struct *s, unsigned off, const char *v)
{
    size_t n = v ? strlen(v) : 0;
    if (!n || s->slen + n + 2 > sizeof(s->strs))
        return;
    memcpy(s->strs + s->slen, v, n + 1);
    s->slen += n + 1;
    s->fa[off] = ++s->nstr;
}

static void end(Table *t, const Struct *s)
{
    size_t size = s->flen + (s->slen ? s->slen + 1 : 2);
    t->buf = xrealloc(t->buf, t->len + size);
    memcpy(t->buf + t->len, s->fa, s->flen);
    memset(t->buf + t->len + s->flen, 0, size - s->flen);
    memcpy(t->buf + t->len + s->flen, s->strs, s->slen);
    t->len += size;
    t->count++;
    t->max_struct = (uint16_t)MAX(t->max_struct, size);
}

static const char *get_or(const SmbiosConfig *c, unsigned type, const char *key,
                          const char *deflt)
{
    const char *v = smbios_get(c, type, key);
    return v ? v : deflt;
}

static bool any_field(const SmbiosConfig *c, unsigned type)
{
    static const char *const keys[] = { "vendor", "version", "date", "release", "uefi",
                                        "manufacturer", "product", "serial", "asset",
                                        "location" };
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
        if (smbios_get(c, type, keys[i]))
            return true;
    }
    return false;
}

/* BIOS information: characteristics "not supported", a virtual machine. */
static void type0(Table *t, const SmbiosConfig *c, bool ours)
{
    Struct s;
    unsigned maj = 0xff, min = 0xff;
    const char *rel = smbios_get(c, 0, "release"), *uefi = smbios_get(c, 0, "uefi");
    begin(&s, 0, 0x18, 0x000);
    str(&s, 4, get_or(c, 0, "vendor", ours ? "kemu" : NULL));
    str(&s, 5, get_or(c, 0, "version", ours ? KEMU_VERSION : NULL));
    put16(s.fa + 6, 0xe800);                /* starting segment */
    str(&s, 8, smbios_get(c, 0, "date"));
    put64(s.fa + 0x0a, 0x08);               /* characteristics not supported */
    s.fa[0x13] = 0x14;                      /* targeted content distribution, VM */
    if (uefi && (!strcmp(uefi, "on") || !strcmp(uefi, "yes") || !strcmp(uefi, "true")))
        s.fa[0x13] |= 0x08;
    if (rel)
        sscanf(rel, "%u.%u", &maj, &min);
    s.fa[0x14] = (uint8_t)maj;
    s.fa[0x15] = (uint8_t)min;
    s.fa[0x16] = s.fa[0x17] = 0xff;         /* no embedded controller */
    end(t, &s);
}

/* SMBIOS 2.6+ stores the first three UUID fields little-endian. */
static void put_uuid(uint8_t *p, const uint8_t u[16])
{
    static const uint8_t order[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };
    for (int i = 0; i < 16; i++)
        p[i] = u[order[i]];
}

static void type1(Table *t, const SmbiosConfig *c)
{
    Struct s;
    begin(&s, 1, 0x1b, 0x100);
    str(&s, 4, get_or(c, 1, "manufacturer", "QEMU"));
    str(&s, 5, get_or(c, 1, "product", "Standard PC (i440FX + PIIX, 1996)"));
    str(&s, 6, get_or(c, 1, "version", MACHINE_VERSION));
    str(&s, 7, smbios_get(c, 1, "serial"));
    if (c->uuid_set)
        put_uuid(s.fa + 8, c->uuid);
    s.fa[0x18] = 0x06;                      /* wake-up: power switch */
    str(&s, 0x19, smbios_get(c, 1, "sku"));
    str(&s, 0x1a, smbios_get(c, 1, "family"));
    end(t, &s);
}

static void type2(Table *t, const SmbiosConfig *c)
{
    Struct s;
    begin(&s, 2, 0x0f, 0x200);
    str(&s, 4, smbios_get(c, 2, "manufacturer"));
    str(&s, 5, smbios_get(c, 2, "product"));
    str(&s, 6, smbios_get(c, 2, "version"));
    str(&s, 7, smbios_get(c, 2, "serial"));
    str(&s, 8, smbios_get(c, 2, "asset"));
    s.fa[9] = 0x01;                         /* a hosting board */
    str(&s, 0x0a, smbios_get(c, 2, "location"));
    put16(s.fa + 0x0b, 0x300);              /* in the chassis */
    s.fa[0x0d] = 0x0a;                      /* motherboard */
    end(t, &s);
}

static void type3(Table *t, const SmbiosConfig *c)
{
    Struct s;
    begin(&s, 3, 0x16, 0x300);
    str(&s, 4, get_or(c, 3, "manufacturer", "QEMU"));
    s.fa[5] = 0x01;                         /* other */
    str(&s, 6, get_or(c, 3, "version", MACHINE_VERSION));
    str(&s, 7, smbios_get(c, 3, "serial"));
    str(&s, 8, smbios_get(c, 3, "asset"));
    s.fa[9] = s.fa[0x0a] = s.fa[0x0b] = 0x03;  /* boot-up, power, thermal: safe */
    s.fa[0x0c] = 0x02;                      /* security: unknown */
    str(&s, 0x15, smbios_get(c, 3, "sku"));
    end(t, &s);
}

/* OEM strings: a count, then the strings. */
static void type11(Table *t, const SmbiosConfig *c)
{
    Struct s;
    begin(&s, 11, 5, 0xe00);
    for (int i = 0; i < c->noem; i++) {
        uint8_t before = s.nstr;
        str(&s, 4, c->oem[i]);
        if (s.nstr == before)
            break;                          /* no room for more */
    }
    s.fa[4] = s.nstr;
    end(t, &s);
}

static uint16_t speed(const SmbiosConfig *c, unsigned type, const char *key, unsigned deflt)
{
    const char *v = smbios_get(c, type, key);
    return (uint16_t)(v ? strtoul(v, NULL, 0) : deflt);
}

/* One processor per socket, its ID the first vCPU's CPUID leaf 1. */
static void type4(Table *t, const SmbiosConfig *c, const Machine *m, unsigned socket)
{
    Struct s;
    char name[32];
    uint32_t eax = 0, ebx, ecx, edx = 0;
    unsigned cores = MAX(m->cfg.cores, 1u), threads = cores * MAX(m->cfg.threads, 1u);
    if (m->cpus[0])
        cpu_cpuid(m->cpus[0], 1, 0, &eax, &ebx, &ecx, &edx);
    begin(&s, 4, 0x2a, (uint16_t)(0x400 + socket));
    snprintf(name, sizeof(name), "%s %u", get_or(c, 4, "sock_pfx", "CPU"), socket);
    str(&s, 4, name);
    s.fa[5] = 0x03;                         /* central processor */
    s.fa[6] = 0x01;                         /* family: other */
    str(&s, 7, get_or(c, 4, "manufacturer", "QEMU"));
    put32(s.fa + 8, eax);
    put32(s.fa + 0x0c, edx);
    str(&s, 0x10, get_or(c, 4, "version", MACHINE_VERSION));
    put16(s.fa + 0x14, speed(c, 4, "max-speed", 2000));
    put16(s.fa + 0x16, speed(c, 4, "current-speed", 2000));
    s.fa[0x18] = 0x41;                      /* populated, enabled */
    s.fa[0x19] = 0x01;                      /* upgrade: other */
    put16(s.fa + 0x1a, 0xffff);             /* no cache information */
    put16(s.fa + 0x1c, 0xffff);
    put16(s.fa + 0x1e, 0xffff);
    str(&s, 0x20, smbios_get(c, 4, "serial"));
    str(&s, 0x21, smbios_get(c, 4, "asset"));
    str(&s, 0x22, smbios_get(c, 4, "part"));
    s.fa[0x23] = s.fa[0x24] = (uint8_t)MIN(cores, 255u);
    s.fa[0x25] = (uint8_t)MIN(threads, 255u);
    put16(s.fa + 0x26, 0x02);               /* characteristics: unknown */
    put16(s.fa + 0x28, 0x01);               /* family 2: other */
    end(t, &s);
}

static unsigned dimm_count(const Machine *m)
{
    return (unsigned)((m->cfg.ram_size + DIMM_MAX - 1) / DIMM_MAX);
}

static void type16(Table *t, const Machine *m)
{
    Struct s;
    uint64_t kib = m->cfg.ram_size / KiB;
    begin(&s, 16, 0x17, H_ARRAY);
    s.fa[4] = 0x01;                         /* location: other */
    s.fa[5] = 0x03;                         /* system memory */
    s.fa[6] = 0x06;                         /* multi-bit ECC */
    put32(s.fa + 7, kib < 0x80000000u ? (uint32_t)kib : 0x80000000u);
    put16(s.fa + 0x0b, H_NONE);
    put16(s.fa + 0x0d, (uint16_t)dimm_count(m));
    if (kib >= 0x80000000u)
        put64(s.fa + 0x0f, m->cfg.ram_size);
    end(t, &s);
}

static void type17(Table *t, const SmbiosConfig *c, unsigned i, uint64_t size)
{
    Struct s;
    char loc[32];
    uint64_t mib = size / MiB;
    uint16_t spd = speed(c, 17, "speed", 0);
    begin(&s, 17, 0x28, (uint16_t)(0x1100 + i));
    put16(s.fa + 4, H_ARRAY);
    put16(s.fa + 6, H_NONE);
    put16(s.fa + 8, 0xffff);                /* widths unknown */
    put16(s.fa + 0x0a, 0xffff);
    put16(s.fa + 0x0c, mib < 0x7fff ? (uint16_t)mib : 0x7fff);
    s.fa[0x0e] = 0x09;                      /* DIMM */
    snprintf(loc, sizeof(loc), "%s %u", get_or(c, 17, "loc_pfx", "DIMM"), i);
    str(&s, 0x10, loc);
    str(&s, 0x11, smbios_get(c, 17, "bank"));
    s.fa[0x12] = 0x07;                      /* RAM */
    put16(s.fa + 0x13, 0x02);               /* detail: other */
    put16(s.fa + 0x15, spd);
    str(&s, 0x17, get_or(c, 17, "manufacturer", "QEMU"));
    str(&s, 0x18, smbios_get(c, 17, "serial"));
    str(&s, 0x19, smbios_get(c, 17, "asset"));
    str(&s, 0x1a, smbios_get(c, 17, "part"));
    if (mib >= 0x7fff)
        put32(s.fa + 0x1c, (uint32_t)mib);
    put16(s.fa + 0x20, spd);
    end(t, &s);
}

/* A range of RAM in KiB, [start, start + size). */
static void type19(Table *t, unsigned i, uint64_t start, uint64_t size)
{
    Struct s;
    uint64_t first = start / KiB, last = (start + size) / KiB - 1;
    begin(&s, 19, 0x1f, (uint16_t)(0x1300 + i));
    bool ext = last > 0xfffffffeu;
    put32(s.fa + 4, ext ? 0xffffffffu : (uint32_t)first);
    put32(s.fa + 8, ext ? 0xffffffffu : (uint32_t)last);
    put16(s.fa + 0x0c, H_ARRAY);
    s.fa[0x0e] = 1;                         /* partition width */
    if (ext) {
        put64(s.fa + 0x0f, start);
        put64(s.fa + 0x17, start + size - 1);
    }
    end(t, &s);
}

static void memory_tables(Table *t, const SmbiosConfig *c, const Machine *m)
{
    uint64_t left = m->cfg.ram_size, below, above;
    type16(t, m);
    for (unsigned i = 0; i < dimm_count(m); i++, left -= MIN(left, DIMM_MAX))
        type17(t, c, i, MIN(left, DIMM_MAX));
    pc_split_ram(m->cfg.ram_size, &below, &above);
    type19(t, 0, 0, below);
    if (above)
        type19(t, 1, PC_HIGHMEM_BASE, above);
}

static void simple(Table *t, uint8_t type, uint8_t len, uint16_t handle)
{
    Struct s;
    begin(&s, type, len, handle);           /* type 32: no errors; 127: end */
    end(t, &s);
}

static uint8_t sum(const uint8_t *p, size_t n)
{
    uint8_t v = 0;
    while (n--)
        v = (uint8_t)(v + *p++);
    return v;
}

static void entry_point(uint8_t *a, const Table *t, uint32_t table_addr)
{
    memset(a, 0, SMBIOS_ANCHOR_LEN);
    memcpy(a, "_SM_", 4);
    a[5] = SMBIOS_ANCHOR_LEN;
    a[6] = 2;
    a[7] = 8;
    put16(a + 8, t->max_struct);
    memcpy(a + 0x10, "_DMI_", 5);
    put16(a + 0x16, (uint16_t)t->len);
    put32(a + 0x18, table_addr);
    put16(a + 0x1c, t->count);
    a[0x1e] = 0x28;                         /* BCD revision 2.8 */
    a[0x15] = (uint8_t)-sum(a + 0x10, 0x0f);
    a[4] = (uint8_t)-sum(a, SMBIOS_ANCHOR_LEN);
}

uint8_t *smbios_build(const Machine *m, const SmbiosConfig *c, bool with_type0,
                      uint32_t table_addr, uint8_t anchor[SMBIOS_ANCHOR_LEN], size_t *len)
{
    Table t = { 0 };
    unsigned cpus = m->ncpus ? m->ncpus : MAX(m->cfg.smp_cpus, 1u);
    unsigned per_socket = MAX(m->cfg.cores, 1u) * MAX(m->cfg.threads, 1u) * MAX(m->cfg.dies, 1u);
    unsigned sockets = MAX((cpus + per_socket - 1) / per_socket, MAX(m->cfg.sockets, 1u));
    bool t0 = any_field(c, 0);
    if (t0 || with_type0)
        type0(&t, c, !t0);
    type1(&t, c);
    if (any_field(c, 2))
        type2(&t, c);
    type3(&t, c);
    for (unsigned i = 0; i < sockets; i++)
        type4(&t, c, m, i);
    if (c->noem)
        type11(&t, c);
    memory_tables(&t, c, m);
    simple(&t, 32, 0x0b, 0x2000);
    simple(&t, 127, 4, 0x7f00);
    entry_point(anchor, &t, table_addr);
    *len = t.len;
    return t.buf;
}
