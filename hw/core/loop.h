/* The event loop: one thread (the main one) waits on file descriptors and
 * the next timer, and runs handlers with the machine lock held. vCPU threads
 * take the same lock around every device access (the big-lock model). */
#ifndef KEMU_LOOP_H
#define KEMU_LOOP_H

#include <stdbool.h>

typedef void (*FdHandler)(void *opaque);

/* Register read/write handlers for fd (NULL to drop one); both NULL removes. */
void loop_set_fd(int fd, FdHandler on_read, FdHandler on_write, void *opaque);
/* Run one iteration: wait at most timeout_ms (-1: until an event or timer). */
void loop_wait(int timeout_ms);
/* Wake the loop from another thread (after a request was queued). */
void loop_notify(void);

/* The machine lock. */
void big_lock(void);
void big_unlock(void);
/* Take it only if it is free: true when taken. */
bool big_trylock(void);

#endif
