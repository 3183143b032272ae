/* The executable code cache: a memfd mapped RW and RX (see codebuf.h). */
#include "translate/codebuf.h"

#include <sys/mman.h>
#include <unistd.h>

static uint8_t *rw, *rx;
static size_t cap, used, dropped;

/* Every page of code is mapped twice, and the kernel counts it in the
 * resident set once per mapping, so each megabyte of code looked like
 * two.  The writable view is only needed where code is being written
 * (and briefly where a jump is patched), so every ZAP_STEP bytes of new
 * code its page-table entries behind the cursor are dropped: the memfd
 * keeps the bytes (MADV_DONTNEED on a shared mapping only unmaps), and a
 * later write there just faults the page back in. */
#define ZAP_STEP (1u << 20)

/* A hint for the executable view: just below kemu's own code, so that
 * calls from generated code to helpers fit a 32-bit displacement (the
 * kernel may place it elsewhere: calls then go through a register). */
static void *near_text(size_t size)
{
    uintptr_t text = (uintptr_t)&codebuf_init & ~(uintptr_t)0xfffff;
    return text > size + (64u << 20) ? (void *)(text - size - (64u << 20)) : NULL;
}

bool codebuf_init(size_t size)
{
    if (rw)
        return true;
    int fd = memfd_create("kemu-code", MFD_CLOEXEC);
    if (fd < 0)
        return false;
    if (ftruncate(fd, (off_t)size) < 0) {
        close(fd);
        return false;
    }
    void *w = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    void *x = w == MAP_FAILED ? MAP_FAILED
                              : mmap(near_text(size), size, PROT_READ | PROT_EXEC, MAP_SHARED,
                                     fd, 0);
    close(fd);              /* the mappings keep the memory */
    if (x == MAP_FAILED) {
        if (w != MAP_FAILED)
            munmap(w, size);
        return false;
    }
    rw = w;
    rx = x;
    cap = size;
    used = 0;
    return true;
}

bool codebuf_ready(void)
{
    return rw != NULL;
}

uint8_t *codebuf_cursor(size_t *room)
{
    *room = cap - used;
    return rw + used;
}

static void drop_written_view(void)
{
    size_t end = used & ~(size_t)0xfff;
    if (end >= dropped + ZAP_STEP) {
        madvise(rw, end, MADV_DONTNEED);
        dropped = end;
    }
}

void codebuf_commit(size_t n)
{
    used += (n + 15) & ~(size_t)15;
    if (used > cap)
        used = cap;
    drop_written_view();
}

intptr_t codebuf_exec_delta(void)
{
    return rx - rw;
}

void codebuf_reset(size_t keep)
{
    used = keep;
    dropped = 0;
}

size_t codebuf_used(void)
{
    return used;
}
