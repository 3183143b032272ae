#include "hw/core/clock.h"
#include "hw/core/loop.h"
#include "hw/core/util.h"

#include <pthread.h>

/* Virtual time = accumulated running time.  While running it is
 * base + (host_now - started); while paused it is frozen at base. */
static struct {
    pthread_mutex_t lock;
    bool manual, running;
    int64_t base, started, manual_now;
    Timer *armed;
} vclock = { .lock = PTHREAD_MUTEX_INITIALIZER };

int64_t clock_ns(void)
{
    pthread_mutex_lock(&vclock.lock);
    int64_t now;
    if (vclock.manual)
        now = vclock.manual_now;
    else if (vclock.running)
        now = vclock.base + (host_clock_ns() - vclock.started);
    else
        now = vclock.base;
    pthread_mutex_unlock(&vclock.lock);
    return now;
}

void clock_pause(void)
{
    pthread_mutex_lock(&vclock.lock);
    if (vclock.running && !vclock.manual) {
        vclock.base += host_clock_ns() - vclock.started;
    }
    vclock.running = false;
    pthread_mutex_unlock(&vclock.lock);
}

void clock_resume(void)
{
    pthread_mutex_lock(&vclock.lock);
    if (!vclock.running)
        vclock.started = host_clock_ns();
    vclock.running = true;
    pthread_mutex_unlock(&vclock.lock);
}

bool clock_running(void)
{
    return vclock.running;
}

void clock_set_manual(bool manual)
{
    vclock.manual = manual;
}

void clock_reset_for_test(void)
{
    vclock.manual = true;
    vclock.running = false;
    vclock.base = vclock.manual_now = 0;
    vclock.armed = NULL;
}

void timer_init(Timer *t, TimerCb cb, void *opaque)
{
    t->expire = -1;
    t->cb = cb;
    t->opaque = opaque;
    t->next = NULL;
}

bool timer_pending(const Timer *t)
{
    return t->expire >= 0;
}

void timer_del(Timer *t)
{
    if (t->expire < 0)
        return;
    for (Timer **p = &vclock.armed; *p; p = &(*p)->next) {
        if (*p == t) {
            *p = t->next;
            break;
        }
    }
    t->expire = -1;
    t->next = NULL;
}

void timer_mod(Timer *t, int64_t expire_ns)
{
    timer_del(t);
    if (expire_ns < 0)
        expire_ns = 0;
    t->expire = expire_ns;
    Timer **p = &vclock.armed;
    while (*p && (*p)->expire <= expire_ns)
        p = &(*p)->next;
    t->next = *p;
    *p = t;
    /* A new earliest deadline armed from a vCPU thread: the event loop may
     * be asleep towards a later one, so wake it to recompute. */
    if (vclock.armed == t)
        loop_notify();
}

/* Fire timers due at or before now, one at a time (a callback may re-arm
 * or delete others). */
static void fire_until(int64_t now)
{
    while (vclock.armed && vclock.armed->expire <= now) {
        Timer *t = vclock.armed;
        vclock.armed = t->next;
        t->next = NULL;
        t->expire = -1;
        t->cb(t->opaque);
    }
}

int64_t timers_run_due(void)
{
    fire_until(clock_ns());
    if (!vclock.armed)
        return -1;
    int64_t d = vclock.armed->expire - clock_ns();
    return d < 0 ? 0 : d;
}

void clock_step(int64_t ns)
{
    int64_t target = vclock.manual_now + ns;
    while (vclock.armed && vclock.armed->expire <= target) {
        if (vclock.armed->expire > vclock.manual_now)
            vclock.manual_now = vclock.armed->expire;
        fire_until(vclock.manual_now);
    }
    vclock.manual_now = target;
}
