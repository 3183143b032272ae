/* The CPU model of the host's vendor for the host-comparison tests; see
 * host-model.h. */
#include "tests/diff/host-model.h"

#include <stdlib.h>
#include <string.h>

#include "cpu/cpuid.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

const char *host_vendor(void)
{
    static char v[13];
    const char *force = getenv("KEMU_TEST_HOST_VENDOR");
    if (force && *force)
        return force;
#if defined(__x86_64__) || defined(__i386__)
    unsigned a, b, c, d;
    __cpuid(0, a, b, c, d);
    memcpy(v, &b, 4);
    memcpy(v + 4, &d, 4);
    memcpy(v + 8, &c, 4);
#endif
    return v;
}

bool host_is_intel(void)
{
    return !strcmp(host_vendor(), "GenuineIntel");
}

const char *host_model_name(void)
{
    return host_is_intel() ? "Nehalem" : "qemu64";
}

bool host_model_apply(CPUState *cpu)
{
    const struct CPUModel *host = cpu_model_find("host");
    if (!host)
        return false;
    cpu->model = cpu_model_find(host_model_name());
    memcpy(cpu->features, host->features, sizeof(host->features));
    return true;
}
