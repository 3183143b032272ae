/* Accelerator selection: fallback lists, the reasons recorded for `info
 * kvm`, and the errors when nothing in the list can run. */
#include "tests/unit/unit.h"
#include "accel/accel.h"
#include "hw/core/machine.h"

#include <stdio.h>
#include <unistd.h>

static int inits;

static bool never(const char **why)
{
    *why = "no such hardware";
    return false;
}
static bool always(const char **why) { return true; }
static int count_init(struct Machine *m) { inits++; return 0; }

static AccelOps t_broken = { .name = "t-broken", .available = never, .init = count_init };
static AccelOps t_ok = { .name = "t-ok", .available = always, .init = count_init };
ACCEL_REGISTER(t_broken)
ACCEL_REGISTER(t_ok)

static char err[512];

static int select_capture(Machine *m, const char *list, const char *origin)
{
    FILE *f = tmpfile();
    int saved = dup(2);
    fflush(stderr);
    dup2(fileno(f), 2);
    int r = accel_select(m, list, origin);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(f);
    size_t n = fread(err, 1, sizeof(err) - 1, f);
    err[n] = '\0';
    fclose(f);
    return r;
}

TEST(accel_select, fallback_list)
{
    static Machine m;
    CHECK_EQ(select_capture(&m, "t-broken:t-ok", "-machine accel="), 0);
    CHECK(m.accel == &t_ok);
    CHECK_EQ(inits, 1);
    CHECK_STR(m.accel_why, "selected by -machine accel=t-broken:t-ok");
    CHECK_STR(err, "kemu: warning: -machine accel=t-broken:t-ok: accelerator t-broken is "
              "not usable: no such hardware\n");
}

TEST(accel_select, single_unusable)
{
    static Machine m;
    CHECK_EQ(select_capture(&m, "t-broken", "-accel"), -1);
    CHECK(m.accel == NULL);
    CHECK_STR(err, "kemu: -accel t-broken: no such hardware\n");
    CHECK_EQ(select_capture(&m, "t-broken:t-broken", "-accel"), -1);
    CHECK(strstr(err, "kemu: -accel t-broken:t-broken: no accelerator found\n") != NULL);
}

TEST(accel_select, default_says_why)
{
    static Machine m;
    const AccelOps *kvm = accel_find("kvm"), *tcg = accel_find("tcg");
    const char *why;
    bool kvm_ok = kvm && kvm->available(&why);
    REQUIRE(tcg, "the TCG accelerator is not built");
    as_init(&m.mem, "memory", UINT64_MAX);
    as_init(&m.io, "io", 0x10000);
    CHECK_EQ(accel_select(&m, NULL, "-accel"), 0);
    bool hw = kvm_ok && kvm->hw_assisted && kvm->hw_assisted();
    /* KVM with hardware help first, then TCG, then KVM in software. */
    CHECK(m.accel == (hw || !tcg ? kvm : tcg));
    CHECK(!strncmp(m.accel_why, "default: ", 9));
    if (m.accel->shutdown)
        m.accel->shutdown(&m);
}
