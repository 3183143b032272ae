/* kemu-compare: the engines, and whether each one can run here.  An engine
 * that cannot is skipped with the reason, never run in a form that would
 * measure something else (a software-only KVM, which emulates the CPU
 * itself, is not timed as KVM). */
#include "ui/kemu-compare.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

CmpEngine cmp_engines[CMP_ENGINES] = {
    { .name = "kemu-native", .is_kemu = true, .accel = "tcg,backend=native" },
    { .name = "kemu-interp", .is_kemu = true, .accel = "tcg,backend=interp" },
    { .name = "kemu-kvm", .is_kemu = true, .accel = "kvm" },
    { .name = "qemu-tcg", .is_kemu = false, .accel = "tcg" },
    { .name = "qemu-kvm", .is_kemu = false, .accel = "kvm" },
};

CmpEngine *cmp_engine_find(const char *name)
{
    for (int i = 0; i < CMP_ENGINES; i++) {
        if (!strcmp(cmp_engines[i].name, name))
            return &cmp_engines[i];
    }
    return NULL;
}

static bool executable(const char *path)
{
    struct stat st;
    return !stat(path, &st) && S_ISREG(st.st_mode) && !access(path, X_OK);
}

/* NAME in the directory of the program file BESIDE (kemu-compare is built
 * and installed next to kemu), else on $PATH; a NAME with a slash is taken
 * as it is.  NULL when not found; the result is allocated. */
char *cmp_find_program(const char *name, const char *beside)
{
    char buf[4096];
    if (strchr(name, '/'))
        return executable(name) ? strdup(name) : NULL;
    if (beside) {
        const char *slash = strrchr(beside, '/');
        if (slash) {
            snprintf(buf, sizeof(buf), "%.*s/%s", (int)(slash - beside), beside, name);
            if (executable(buf))
                return strdup(buf);
        }
    }
    const char *path = getenv("PATH");
    for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
        size_t n = strcspn(p, ":");
        snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, n ? p : ".", name);
        if (executable(buf))
            return strdup(buf);
        p += n + (p[n] == ':');
    }
    return NULL;
}

/* Runs ARGV with no input; its exit status (-1: it did not exit), and in
 * OUT what it printed on stdout and stderr. */
static int probe(char *const argv[], char *out, size_t len)
{
    int fds[2];
    out[0] = 0;
    if (pipe(fds))
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDONLY);
        dup2(null, 0);
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        execv(argv[0], argv);
        _exit(127);
    }
    close(fds[1]);
    size_t got = 0;
    ssize_t n;
    while (got + 1 < len && (n = read(fds[0], out + got, len - 1 - got)) > 0)
        got += (size_t)n;
    out[got] = 0;
    close(fds[0]);
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) < 0)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Whether the text (an -accel help list) has the line WORD. */
static bool lists(const char *text, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = text; (p = strstr(p, word)); p += n) {
        if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == 0))
            return true;
    }
    return false;
}

/* Whether the host CPU has VT-x or AMD-V (a vmx or svm flag). */
static bool hw_virt(void)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[8192];
    bool yes = false;
    while (f && !yes && fgets(line, sizeof(line), f)) {
        if (strncmp(line, "flags", 5))
            continue;
        for (char *t = strtok(line, " \t\n"); t; t = strtok(NULL, " \t\n"))
            yes |= !strcmp(t, "vmx") || !strcmp(t, "svm");
    }
    if (f)
        fclose(f);
    return yes;
}

/* Why KVM cannot be timed here, or NULL. */
static const char *kvm_unusable(void)
{
    if (access("/dev/kvm", F_OK))
        return "/dev/kvm does not exist";
    if (access("/dev/kvm", R_OK | W_OK))
        return "/dev/kvm: permission denied";
    if (!hw_virt())
        return "this host's KVM has no hardware assistance (no vmx or svm flag in "
               "/proc/cpuinfo): a software-only KVM emulates the CPU itself, so its "
               "figures would not be KVM's";
    return NULL;
}

/* Whether EMU accepts -accel E->accel: kemu is asked with the full value
 * (it refuses a TCG backend it was built without), and the accelerator
 * must be in the emulator's -accel help list. */
static void check_accel(const char *emu, CmpEngine *e)
{
    char out[2048];
    char *argv[] = { (char *)emu, "-accel", (char *)e->accel, "-accel", "help", NULL };
    char *list[] = { (char *)emu, "-accel", "help", NULL };
    bool full = e->is_kemu && strchr(e->accel, ',');
    int st = probe(full ? argv : list, out, sizeof(out));
    char name[16];
    snprintf(name, sizeof(name), "%.*s", (int)strcspn(e->accel, ","), e->accel);
    if (st == 0 && lists(out, name))
        return;
    out[strcspn(out, "\n")] = 0;
    snprintf(e->skip, sizeof(e->skip), "%s -accel %s: %s", emu, e->accel,
             st != 0 && out[0] ? out : st == 0 ? "not in its -accel help list" : "not available");
}

/* Fills E->skip when E cannot run here (nothing when it can). */
void cmp_check_engine(const CmpOptions *o, CmpEngine *e)
{
    const char *emu = e->is_kemu ? o->kemu : o->qemu;
    e->skip[0] = 0;
    if (!emu) {
        snprintf(e->skip, sizeof(e->skip), "%s not found (%s)",
                 e->is_kemu ? "kemu" : "qemu-system-x86_64",
                 e->is_kemu ? "build it, or give --kemu PATH"
                            : "Debian package qemu-system-x86, or give --qemu PATH");
        return;
    }
    const char *why = strcmp(e->accel, "kvm") ? NULL : kvm_unusable();
    if (why) {
        snprintf(e->skip, sizeof(e->skip), "%s", why);
        return;
    }
    check_accel(emu, e);
}
