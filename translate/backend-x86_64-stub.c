/* Built without the native backend (./configure --disable-jit, or a host
 * that is not x86-64): every block runs on the interpreter. */
#include "translate/backend-native.h"

#include <stdlib.h>
#include <string.h>

#include "translate/tb.h"

int tcg_backend_select(const char *name, const char **why)
{
    if (!strcmp(name, "interp"))
        return 0;
    *why = !strcmp(name, "native") ? "kemu was built without the native backend (--disable-jit)"
                                   : "unknown backend (interp, native)";
    return -1;
}

TcgBackend tcg_backend(void)
{
    return TCG_BACKEND_INTERP;
}

const char *tcg_backend_name(void)
{
    return "interp";
}

bool native_compile(TB *tb)
{
    tb->code = NULL;
    return true;
}

int native_exec(CPUState *cpu, TB **tb, unsigned max, unsigned *ran)
{
    abort();        /* tb->code is never set */
}

void native_link(TB *from, unsigned slot, TB *to)
{
}

void native_flush(void)
{
}

NativeStats native_stats(void)
{
    return (NativeStats){ 0 };
}
