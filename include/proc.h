/* proc: whether a process is still running. kill(pid, 0) succeeds for a
 * zombie too, and where PID 1 reaps orphans only every few seconds a dead
 * runner would look alive; /proc tells a zombie apart. */
#ifndef INCOMING_PROC_H
#define INCOMING_PROC_H

#include <sys/types.h>

/* 1 when pid exists and is not a zombie (or cannot be inspected but
 * exists), else 0. */
int proc_alive(pid_t pid);

#endif
