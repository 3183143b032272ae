/* Deferred freeing for data that threads read without the big lock
 * (the address space's flat view, read by TCG vCPU threads filling their
 * soft TLBs): a quiescent-state scheme.  A reader thread registers, says
 * rcu_quiescent() at points where it holds no such pointer (between
 * execution slices) and goes offline while it sleeps.  rcu_defer()
 * frees an object once every online reader has passed a quiescent point
 * after it was retired; with no reader registered it frees at once. */
#ifndef KEMU_HW_CORE_RCU_H
#define KEMU_HW_CORE_RCU_H

void rcu_register_thread(void);
void rcu_unregister_thread(void);
void rcu_quiescent(void);
void rcu_thread_offline(void);
void rcu_thread_online(void);
/* Free p with fn(p) once no reader can hold it (maybe right now). */
void rcu_defer(void (*fn)(void *), void *p);

#endif
