/* Runner for the unit tests: runs every registered test (or those whose
 * "group.name" starts with argv[1]) in a child process, each with a time
 * limit (UNIT_TIMEOUT seconds, default 300) so one hang fails one test
 * instead of stalling the run. */
#include "tests/unit/unit.h"

#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct UnitTest {
    const char *group, *name;
    UnitFn fn;
} UnitTest;

static UnitTest *tests;
static int ntests, cap;
int unit_failures;

void unit_register(const char *group, const char *name, UnitFn fn)
{
    if (ntests == cap) {
        cap = cap ? 2 * cap : 256;
        tests = realloc(tests, (size_t)cap * sizeof(*tests));
        if (!tests) {
            fprintf(stderr, "unit: out of memory registering %s.%s\n", group, name);
            exit(2);
        }
    }
    tests[ntests++] = (UnitTest){ group, name, fn };
}

void unit_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "  %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    unit_failures++;
}

void unit_skip(const char *why)
{
    fflush(stderr);
    /* A skip after a failed CHECK is that failure, not a skip. */
    if (unit_failures) {
        fprintf(stderr, "  skipped (%s) after a failed check\n", why);
        _exit(1);
    }
    /* Exit code 77 means skipped; the reason travels on stdout. */
    printf("%s\n", why);
    fflush(stdout);
    _exit(77);
}

void unit_abort(const char *file, int line, const char *why)
{
    unit_fail(file, line, "%s", why);
    fflush(stderr);
    fflush(stdout);
    _exit(1);
}

static unsigned unit_timeout(void)
{
    const char *s = getenv("UNIT_TIMEOUT");
    return s && *s ? (unsigned)strtoul(s, NULL, 10) : 300;
}

static int cmp_tests(const void *a, const void *b)
{
    const UnitTest *x = a, *y = b;
    int c = strcmp(x->group, y->group);
    return c ? c : strcmp(x->name, y->name);
}

static void run_one(const UnitTest *t)
{
    int pipefd[2];
    if (pipe(pipefd))
        exit(2);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(pipefd[0]);
        dup2(pipefd[1], 1);
        alarm(unit_timeout());
        t->fn();
        fflush(stdout);
        _exit(unit_failures ? 1 : 0);
    }
    close(pipefd[1]);
    /* Drain the pipe to its end (a test may print more than the reason),
     * keeping the first line. */
    char why[256] = "", buf[4096];
    size_t have = 0;
    ssize_t n;
    while ((n = read(pipefd[0], buf, sizeof(buf))) > 0) {
        size_t take = sizeof(why) - 1 - have;
        if ((size_t)n < take)
            take = (size_t)n;
        memcpy(why + have, buf, take);
        have += take;
    }
    why[have] = '\0';
    why[strcspn(why, "\n")] = '\0';
    close(pipefd[0]);
    int st;
    waitpid(pid, &st, 0);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        printf("PASS: %s.%s\n", t->group, t->name);
    else if (WIFEXITED(st) && WEXITSTATUS(st) == 77)
        printf("SKIP: %s.%s: %s\n", t->group, t->name, why);
    else if (WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM)
        printf("FAIL: %s.%s: still running after %u s (UNIT_TIMEOUT)\n",
               t->group, t->name, unit_timeout());
    else if (WIFSIGNALED(st))
        printf("FAIL: %s.%s: killed by signal %d\n", t->group, t->name, WTERMSIG(st));
    else
        printf("FAIL: %s.%s\n", t->group, t->name);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    qsort(tests, ntests, sizeof(tests[0]), cmp_tests);
    for (int i = 0; i < ntests; i++) {
        char full[256];
        snprintf(full, sizeof(full), "%s.%s", tests[i].group, tests[i].name);
        if (argc > 1 && strncmp(full, argv[1], strlen(argv[1])))
            continue;
        run_one(&tests[i]);
    }
    return 0;
}
