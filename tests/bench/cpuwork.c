/* cpuwork: an in-guest CPU workload that times itself.
 *
 * usage: cpuwork [ROUNDS [PROCS]]   (default 20 rounds, in this process)
 * Each round hashes a 64 KiB buffer with integer arithmetic, sorts 4096
 * integers and runs a small floating-point loop: the mix a translator sees
 * in ordinary programs.  Prints the checksum (so the work cannot be
 * optimized away, and so runs can be compared) and the elapsed time from
 * CLOCK_MONOTONIC.  With PROCS, that many child processes each run the
 * ROUNDS at once (each prints its own line) and the parent then prints the
 * wall time until the last one finished: what an SMP guest's parallel
 * speed-up is read from.  Built statically into the test initramfs. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint8_t buf[65536];
static uint32_t keys[4096];

static uint64_t hash_round(uint64_t h)
{
    for (size_t i = 0; i < sizeof(buf); i++) {
        buf[i] = (uint8_t)(buf[i] + (h >> (i & 31)));
        h = (h ^ buf[i]) * 0x100000001b3ULL;
    }
    return h;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t sort_round(uint64_t h)
{
    for (size_t i = 0; i < 4096; i++) {
        h = h * 6364136223846793005ULL + 1442695040888963407ULL;
        keys[i] = (uint32_t)(h >> 33);
    }
    qsort(keys, 4096, sizeof(keys[0]), cmp_u32);
    return h ^ keys[2048];
}

static uint64_t float_round(uint64_t h)
{
    double x = (double)(h & 0xffff) / 65536.0, acc = 0;
    for (int i = 1; i < 20000; i++) {
        x = x * 3.7 * (1.0 - x);
        acc += x / i;
    }
    return h ^ (uint64_t)(acc * 1e6);
}

static double since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static int run_rounds(int rounds)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    uint64_t h = 0xcbf29ce484222325ULL;
    for (int r = 0; r < rounds; r++)
        h = float_round(sort_round(hash_round(h)));
    printf("cpuwork: %d rounds checksum %016llx in %.3f s\n", rounds, (unsigned long long)h,
           since(&t0));
    fflush(stdout);
    return 0;
}

/* PROCS children at once; a child that failed to start or run fails the
 * whole figure rather than making it look faster. */
static int run_procs(int rounds, int procs)
{
    struct timespec t0;
    int failed = 0, status;
    fflush(stdout);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < procs; i++) {
        pid_t pid = fork();
        if (pid == 0)
            _exit(run_rounds(rounds));
        if (pid < 0) {
            perror("cpuwork: fork");
            failed = 1;
        }
    }
    while (wait(&status) > 0)
        failed |= !WIFEXITED(status) || WEXITSTATUS(status);
    if (failed)
        return 1;
    printf("cpuwork: %d procs x %d rounds in %.3f s\n", procs, rounds, since(&t0));
    return 0;
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 20;
    if (argc > 2)
        return run_procs(rounds, atoi(argv[2]));
    return run_rounds(rounds);
}
