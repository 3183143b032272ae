/* hw/core/rcu.c: an object retired while a reader thread is online is
 * freed only after that reader's next quiescent point (or once it goes
 * offline); with no reader online it goes at once. */
#include "tests/unit/unit.h"

#include "hw/core/rcu.h"

static void count_free(void *p)
{
    (*(int *)p)++;
}

TEST(rcu, no_reader_frees_at_once)
{
    int freed = 0;
    rcu_defer(count_free, &freed);
    CHECK_EQ(freed, 1);
}

TEST(rcu, waits_for_the_readers_quiescent_point)
{
    int freed = 0;
    rcu_register_thread();
    rcu_defer(count_free, &freed);
    CHECK_EQ(freed, 0);             /* this reader may still hold it */
    rcu_quiescent();
    CHECK_EQ(freed, 1);
    rcu_unregister_thread();
}

TEST(rcu, an_offline_reader_does_not_hold_it)
{
    int a = 0, b = 0;
    rcu_register_thread();
    rcu_defer(count_free, &a);
    rcu_thread_offline();           /* asleep: holds nothing */
    CHECK_EQ(a, 1);
    rcu_defer(count_free, &b);
    CHECK_EQ(b, 1);
    rcu_thread_online();
    rcu_unregister_thread();
}

TEST(rcu, unregistering_releases_what_it_held_back)
{
    int freed = 0;
    rcu_register_thread();
    rcu_defer(count_free, &freed);
    CHECK_EQ(freed, 0);
    rcu_unregister_thread();
    CHECK_EQ(freed, 1);
}
