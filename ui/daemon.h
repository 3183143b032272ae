/* -daemonize and -pidfile. */
#ifndef KEMU_DAEMON_H
#define KEMU_DAEMON_H

/* Fork: the parent stays attached to the terminal and exits with the
 * child's start-up status (errors before daemon_ready() reach the terminal
 * and the exit code).  Returns in the child only. */
void daemon_start(void);
/* Start-up succeeded: release the parent (exit 0), detach from the
 * terminal (new session, stdio to /dev/null). */
void daemon_ready(void);
/* Create and lock the pid file, write our pid; removed at exit.  Returns 0
 * or -1 after error_report. */
int pidfile_create(const char *path);

#endif
