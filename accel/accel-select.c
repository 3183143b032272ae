/* Which engine runs the guest, and why (for `info kvm` and -d accel). */
#include "accel/accel.h"
#include "hw/core/error.h"
#include "hw/core/log.h"
#include "hw/core/machine.h"
#include "hw/core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char why_buf[256];

static int try_init(Machine *m, const AccelOps *a, const char *why)
{
    m->accel = a;
    snprintf(why_buf, sizeof(why_buf), "%s", why);
    m->accel_why = why_buf;
    if (a->init && a->init(m)) {
        m->accel = NULL;
        m->accel_why = NULL;
        return -1;
    }
    if (log_enabled(LOG_ACCEL))
        log_printf("accel: %s: %s\n", a->name, why_buf);
    return 0;
}

/* The default: hardware-assisted KVM, else TCG, else software KVM (it runs
 * real-mode and simple guests, very slowly). */
static int select_default(Machine *m)
{
    const AccelOps *kvm = accel_find("kvm"), *tcg = accel_find("tcg");
    const char *kvm_why = "KVM is not built into this kemu";
    bool kvm_ok = kvm && kvm->available && kvm->available(&kvm_why);
    bool hw = kvm_ok && kvm->hw_assisted && kvm->hw_assisted();
    const char *tcg_why = "TCG is not built into this kemu";
    bool tcg_ok = tcg && (!tcg->available || tcg->available(&tcg_why));
    char why[200];
    if (hw) {
        return try_init(m, kvm, "default: /dev/kvm opens and the host CPU has "
                                "hardware virtualization (vmx/svm)");
    }
    if (tcg_ok) {
        snprintf(why, sizeof(why), "default: %s", kvm_ok ?
                 "/dev/kvm has no hardware virtualization (no vmx/svm), so TCG runs faster" :
                 kvm_why);
        return try_init(m, tcg, why);
    }
    if (kvm_ok) {
        snprintf(why, sizeof(why), "default: %s, and the host has no hardware "
                 "virtualization (no vmx/svm): KVM emulates in software (slow)", tcg_why);
        return try_init(m, kvm, why);
    }
    error_report("no accelerator can run here: KVM: %s; TCG: %s", kvm_why, tcg_why);
    return -1;
}

/* One named accelerator: -1 with *why set when it cannot be used. */
static const AccelOps *usable(const char *name, const char **why)
{
    const AccelOps *a = accel_find(name);
    if (!a) {
        *why = !strcmp(name, "tcg") ? "the TCG accelerator is not built into this kemu" :
               !strcmp(name, "kvm") ? "KVM support is not built into this kemu" :
               "invalid accelerator";
        return NULL;
    }
    if (a->available && !a->available(why))
        return NULL;
    return a;
}

int accel_select(Machine *m, const char *list, const char *origin)
{
    if (!list)
        return select_default(m);
    /* How the user wrote it: "-accel kvm", "-machine accel=kvm:tcg". */
    char shown[160];
    if (!strcmp(origin, "-enable-kvm"))
        snprintf(shown, sizeof(shown), "%s", origin);
    else
        snprintf(shown, sizeof(shown), "%s%s%s", origin,
                 origin[strlen(origin) - 1] == '=' ? "" : " ", list);
    char *copy = xstrdup(list), *save = NULL;
    int ret = -1;
    const char *last_why = "";
    char *last = NULL;
    for (char *t = strtok_r(copy, ":", &save); t; t = strtok_r(NULL, ":", &save)) {
        const char *why = "";
        const AccelOps *a = usable(t, &why);
        char reason[200];
        if (!a) {
            if (strchr(list, ':'))
                warn_report("%s: accelerator %s is not usable: %s", shown, t, why);
            last_why = why;
            last = t;
            continue;
        }
        snprintf(reason, sizeof(reason), "selected by %s", shown);
        if (try_init(m, a, reason) == 0) {
            ret = 0;
            break;
        }
        last = NULL;    /* init reported its own error */
    }
    if (ret && (last || strchr(list, ':')))
        error_report("%s: %s", shown, strchr(list, ':') ? "no accelerator found" : last_why);
    free(copy);
    return ret;
}
