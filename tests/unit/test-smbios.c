/* SMBIOS: the structure table parsed back as a guest's dmidecode would
 * (types in order, handles, strings by number, the entry point's
 * checksums and counts), -smbios/-uuid reaching the fields, the fw_cfg
 * files SeaBIOS reads and the F-segment copy of a direct kernel boot. */
#include "tests/unit/test-pc.h"
#include "tests/unit/unit.h"
#include "hw/pc/fw_cfg.h"
#include "hw/pc/smbios.h"
#include "hw/core/util.h"

#include <stdlib.h>
#include <string.h>

typedef struct Parsed {
    int n;
    const uint8_t *s[64];       /* each structure's formatted area */
} Parsed;

static unsigned le16(const uint8_t *p) { return p[0] | p[1] << 8; }
static uint32_t le32(const uint8_t *p) { return le16(p) | (uint32_t)le16(p + 2) << 16; }

/* Walk the table; every structure must end with its strings and 00 00. */
static void parse(const uint8_t *t, size_t len, Parsed *out)
{
    size_t off = 0;
    out->n = 0;
    while (off + 4 <= len && out->n < 64) {
        const uint8_t *s = t + off;
        out->s[out->n++] = s;
        size_t p = off + s[1];
        REQUIRE(s[1] >= 4 && p + 2 <= len, "structure runs past the table");
        while (p + 1 < len && (t[p] || t[p + 1]))
            p++;
        off = p + 2;
        if (s[0] == 127)
            break;
    }
    CHECK_EQ(off, len);
}

/* String number n of structure s (NULL for 0 or past the end). */
static const char *string(const uint8_t *s, uint8_t n)
{
    const char *p = (const char *)s + s[1];
    if (!n)
        return NULL;
    while (--n && *p)
        p += strlen(p) + 1;
    return *p ? p : NULL;
}

static const uint8_t *find(const Parsed *p, uint8_t type, int nth)
{
    for (int i = 0; i < p->n; i++) {
        if (p->s[i][0] == type && nth-- == 0)
            return p->s[i];
    }
    return NULL;
}

static uint8_t sum(const uint8_t *p, size_t n)
{
    uint8_t v = 0;
    while (n--)
        v = (uint8_t)(v + *p++);
    return v;
}

static uint8_t *build(Machine *m, bool type0, uint8_t anchor[SMBIOS_ANCHOR_LEN], size_t *len)
{
    REQUIRE(pc_smbios_init(m) == 0, "-smbios options rejected");
    return smbios_build(m, pc_board(m)->smbios, type0, 0x12340, anchor, len);
}

TEST(smbios, default_tables_and_entry_point)
{
    Machine *m = pct_machine(6 * GiB, 2);
    m->cfg.sockets = 2;
    uint8_t a[SMBIOS_ANCHOR_LEN];
    size_t len;
    uint8_t *t = build(m, false, a, &len);
    Parsed p;
    parse(t, len, &p);
    static const uint8_t want[] = { 1, 3, 4, 4, 16, 17, 19, 19, 32, 127 };
    CHECK_EQ(p.n, sizeof(want));
    for (int i = 0; i < p.n && i < (int)sizeof(want); i++)
        CHECK_EQ(p.s[i][0], want[i]);
    CHECK(!memcmp(a, "_SM_", 4) && !memcmp(a + 0x10, "_DMI_", 5));
    CHECK_EQ(sum(a, SMBIOS_ANCHOR_LEN), 0);
    CHECK_EQ(sum(a + 0x10, 0x0f), 0);
    CHECK_EQ(a[6], 2);
    CHECK_EQ(a[7], 8);
    CHECK_EQ(le16(a + 0x16), len);
    CHECK_EQ(le32(a + 0x18), 0x12340);
    CHECK_EQ(le16(a + 0x1c), p.n);
    const uint8_t *t1 = find(&p, 1, 0);
    CHECK_STR(string(t1, t1[4]), "QEMU");
    CHECK_STR(string(t1, t1[5]), "Standard PC (i440FX + PIIX, 1996)");
    CHECK_STR(string(t1, t1[6]), "pc-i440fx-7.2");
    CHECK_EQ(t1[7], 0);                                 /* no serial */
    CHECK_EQ(le16(t1 + 2), 0x100);
    const uint8_t *cpu1 = find(&p, 4, 1);
    CHECK_STR(string(cpu1, cpu1[4]), "CPU 1");
    CHECK_EQ(le16(cpu1 + 2), 0x401);
    /* 6 GiB: one DIMM (16 GiB at most each); 3 GiB below the PCI hole
     * (6 GiB does not fit under 3.5 GiB) and 3 GiB above 4 GiB. */
    const uint8_t *dimm = find(&p, 17, 0);
    CHECK_EQ(le16(dimm + 0x0c), 6144);
    CHECK_STR(string(dimm, dimm[0x10]), "DIMM 0");
    const uint8_t *lo = find(&p, 19, 0), *hi = find(&p, 19, 1);
    CHECK_EQ(le32(lo + 4), 0);
    CHECK_EQ(le32(lo + 8), 3 * 1024 * 1024 - 1);
    CHECK_EQ(le32(hi + 4), 4 * 1024 * 1024);
    CHECK_EQ(le32(hi + 8), 7 * 1024 * 1024 - 1);
    CHECK_EQ(le32(find(&p, 16, 0) + 7), 6 * 1024 * 1024);
    free(t);
}

TEST(smbios, options_fill_the_fields)
{
    Machine *m = pct_machine(64 * MiB, 1);
    static const char *const opts[] = {
        "type=0,vendor=Acme BIOS,version=9.9,date=01/02/2023,release=1.2",
        "type=1,manufacturer=Acme,product=Box,serial=SN-1,"
        "uuid=01234567-89ab-cdef-0011-223344556677,family=F",
        "type=3,serial=CH-9", "type=4,sock_pfx=Socket,max-speed=3000",
        "type=11,value=io.systemd.credential:a=b,value=second", "type=11,value=third",
    };
    for (size_t i = 0; i < ARRAY_SIZE(opts); i++)
        m->cfg.smbios[m->cfg.nsmbios++] = opts[i];
    uint8_t a[SMBIOS_ANCHOR_LEN];
    size_t len;
    uint8_t *t = build(m, false, a, &len);
    Parsed p;
    parse(t, len, &p);
    const uint8_t *t0 = find(&p, 0, 0), *t1 = find(&p, 1, 0), *t3 = find(&p, 3, 0);
    const uint8_t *t4 = find(&p, 4, 0);
    REQUIRE(t0 && t1 && t3 && t4, "a table is missing");
    CHECK_EQ(p.s[0][0], 0);                             /* type 0 comes first */
    CHECK_STR(string(t0, t0[4]), "Acme BIOS");
    CHECK_STR(string(t0, t0[5]), "9.9");
    CHECK_STR(string(t0, t0[8]), "01/02/2023");
    CHECK_EQ(t0[0x14], 1);
    CHECK_EQ(t0[0x15], 2);
    CHECK_STR(string(t1, t1[4]), "Acme");
    CHECK_STR(string(t1, t1[5]), "Box");
    CHECK_STR(string(t1, t1[7]), "SN-1");
    CHECK_STR(string(t1, t1[0x1a]), "F");
    /* The first three UUID fields little-endian (SMBIOS 2.6 and later). */
    static const uint8_t uuid[16] = { 0x67, 0x45, 0x23, 0x01, 0xab, 0x89, 0xef, 0xcd,
                                      0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77 };
    CHECK(!memcmp(t1 + 8, uuid, 16));
    CHECK(m->cfg.uuid_set && m->cfg.uuid[0] == 0x01);  /* fw_cfg's UUID too */
    CHECK_STR(string(t3, t3[7]), "CH-9");
    CHECK_STR(string(t3, t3[4]), "QEMU");
    CHECK_STR(string(t4, t4[4]), "Socket 0");
    CHECK_EQ(le16(t4 + 0x14), 3000);
    const uint8_t *t11 = find(&p, 11, 0);           /* OEM strings, in order */
    REQUIRE(t11, "no type 11");
    CHECK_EQ(t11[4], 3);
    CHECK_STR(string(t11, 1), "io.systemd.credential:a=b");
    CHECK_STR(string(t11, 3), "third");
    free(t);
}

TEST(smbios, direct_boot_gets_a_bios_table_naming_kemu)
{
    Machine *m = pct_machine(64 * MiB, 1);
    uint8_t a[SMBIOS_ANCHOR_LEN];
    size_t len;
    uint8_t *t = build(m, true, a, &len);
    Parsed p;
    parse(t, len, &p);
    CHECK_EQ(p.s[0][0], 0);
    CHECK_STR(string(p.s[0], p.s[0][4]), "kemu");
    free(t);
    /* ...written at 0xf0000 with the tables right after, as a kernel finds them. */
    pc_smbios_install(m);
    uint8_t anchor[SMBIOS_ANCHOR_LEN];
    for (int i = 0; i < SMBIOS_ANCHOR_LEN; i++)
        anchor[i] = pcb(m, PC_SMBIOS_ANCHOR + i);
    CHECK(!memcmp(anchor, "_SM_", 4));
    CHECK_EQ(sum(anchor, sizeof(anchor)), 0);
    CHECK_EQ(le32(anchor + 0x18), PC_SMBIOS_TABLES);
    CHECK_EQ(pcb(m, PC_SMBIOS_TABLES), 0);              /* type 0 first */
}

TEST(smbios, fw_cfg_files_for_seabios)
{
    Machine *m = pct_machine(64 * MiB, 1);
    static const char uuid_opt[] = "type=1,uuid=01234567-89ab-cdef-0011-223344556677";
    m->cfg.smbios[m->cfg.nsmbios++] = uuid_opt;
    CHECK_EQ(pc_fw_cfg_init(m), 0);
    uint32_t tsize, asize;
    int tkey = pct_fw_find(m, "etc/smbios/smbios-tables", &tsize);
    int akey = pct_fw_find(m, "etc/smbios/smbios-anchor", &asize);
    REQUIRE(tkey > 0 && akey > 0, "smbios files missing");
    CHECK_EQ(asize, SMBIOS_ANCHOR_LEN);
    uint8_t *t = malloc(tsize), a[SMBIOS_ANCHOR_LEN];
    pct_fw_read(m, (uint16_t)tkey, t, tsize);
    pct_fw_read(m, (uint16_t)akey, a, sizeof(a));
    Parsed p;
    parse(t, tsize, &p);
    CHECK_EQ(p.s[0][0], 1);                             /* SeaBIOS adds type 0 */
    CHECK_EQ(le16(a + 0x16), tsize);
    CHECK_EQ(le16(a + 0x1c), p.n);
    uint8_t fw_uuid[16];
    pct_fw_read(m, FW_CFG_UUID, fw_uuid, sizeof(fw_uuid));
    CHECK_EQ(fw_uuid[0], 0x01);                         /* as written */
    CHECK_EQ(fw_uuid[15], 0x77);
    free(t);
}

static int parse_one(const char *arg)
{
    SmbiosConfig c = { 0 };
    int r = smbios_parse_option(&c, arg);
    smbios_config_free(&c);
    return r;
}

TEST(smbios, bad_options_fail_with_qemus_messages)
{
    static const struct { const char *arg, *msg; } cases[] = {
        { "type=9", "Don't know how to build fields for SMBIOS type 9" },
        { "type=1,colour=red", "Invalid parameter 'colour'" },
        { "type=1,uuid=nope", "Invalid UUID" },
        { "vendor=x", "Must specify type= or file=" },
        { "type=0,release=1", "Invalid release" },
        { "type=11,colour=1", "Invalid parameter 'colour'" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        char msg[256];
        Machine *m = pct_machine(16 * MiB, 1);
        m->cfg.smbios[0] = cases[i].arg;
        m->cfg.nsmbios = 1;
        CHECK_EQ(pct_capture(pc_smbios_init, m, msg, sizeof(msg)), -1);
        CHECK(strstr(msg, cases[i].msg) != NULL);
    }
    CHECK_EQ(parse_one("type=4,max-speed=2500,current-speed=2400"), 0);
    uint8_t u[16];
    CHECK_EQ(smbios_parse_uuid("01234567-89AB-cdef-0011-223344556677", u), 0);
    CHECK_EQ(u[5], 0xab);
    CHECK_EQ(smbios_parse_uuid("0123456789ab-cdef-0011-223344556677", u), -1);
    CHECK_EQ(smbios_parse_uuid("01234567-89ab-cdef-0011-22334455667g", u), -1);
}
