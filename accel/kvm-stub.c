/* Built instead of accel/kvm*.c when configure found no KVM support: the
 * accelerator still has a name, so `-accel kvm` and `-accel help` can say
 * why it cannot be used instead of "unknown accelerator". */
#include "accel/accel.h"

#include <stddef.h>

static bool kvm_stub_available(const char **why)
{
    if (why)
        *why = "kemu was built without KVM support (see ./configure --help)";
    return false;
}

static bool kvm_stub_hw_assisted(void)
{
    return false;
}

static AccelOps kvm_stub_ops = {
    .name = "kvm",
    .desc = "Kernel-based Virtual Machine (not built in)",
    .available = kvm_stub_available,
    .hw_assisted = kvm_stub_hw_assisted,
};
ACCEL_REGISTER(kvm_stub_ops)
