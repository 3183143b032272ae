/* Runner for the unit tests: runs every registered test (or those whose
 * "group.name" starts with argv[1]) in a child process. */
#include "tests/unit/unit.h"

#include <stdarg.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct UnitTest {
    const char *group, *name;
    UnitFn fn;
} UnitTest;

static UnitTest tests[1024];
static int ntests;
int unit_failures;

void unit_register(const char *group, const char *name, UnitFn fn)
{
    if (ntests < (int)(sizeof(tests) / sizeof(tests[0])))
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
    /* Exit code 77 means skipped; the reason travels on stdout. */
    printf("%s\n", why);
    fflush(stdout);
    _exit(77);
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
        t->fn();
        fflush(stdout);
        _exit(unit_failures ? 1 : 0);
    }
    close(pipefd[1]);
    char why[256] = "";
    ssize_t n = read(pipefd[0], why, sizeof(why) - 1);
    why[n > 0 ? n : 0] = '\0';
    why[strcspn(why, "\n")] = '\0';
    close(pipefd[0]);
    int st;
    waitpid(pid, &st, 0);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        printf("PASS: %s.%s\n", t->group, t->name);
    else if (WIFEXITED(st) && WEXITSTATUS(st) == 77)
        printf("SKIP: %s.%s: %s\n", t->group, t->name, why);
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
