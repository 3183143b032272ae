/* The virtual clock and its timers.
 *
 * Virtual time advances with the host's monotonic clock while the VM runs
 * and stands still while it is stopped, so a paused guest sees no time jump.
 * In test mode (qtest-style device tests) nothing advances it but
 * clock_step(), which fires due timers in order: device timing is then
 * exactly reproducible.  Timers fire on the event-loop thread with the
 * machine lock held. */
#ifndef KEMU_CLOCK_H
#define KEMU_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#define NS_PER_SEC 1000000000LL

typedef void (*TimerCb)(void *opaque);

typedef struct Timer {
    int64_t expire;       /* virtual ns; -1 when not armed */
    TimerCb cb;
    void *opaque;
    struct Timer *next;   /* in the armed list, sorted by expire */
} Timer;

/* Virtual nanoseconds since machine creation. */
int64_t clock_ns(void);
/* Stop/start virtual time (vm stop / cont). */
void clock_pause(void);
void clock_resume(void);
bool clock_running(void);
/* Test mode: time only moves through clock_step(). */
void clock_set_manual(bool manual);
/* Advance manual time by ns, firing every timer that falls due on the way,
 * each at its own expiry time. */
void clock_step(int64_t ns);
/* Reset to time 0 with no timers (tests). */
void clock_reset_for_test(void);

void timer_init(Timer *t, TimerCb cb, void *opaque);
void timer_mod(Timer *t, int64_t expire_ns);
void timer_del(Timer *t);
bool timer_pending(const Timer *t);

/* Fire due timers; returns ns until the next one, or -1 if none. */
int64_t timers_run_due(void);

#endif
