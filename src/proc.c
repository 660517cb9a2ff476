/* proc: liveness from kill(2) and /proc/PID/stat. */
#include "proc.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

int proc_alive(pid_t pid)
{
    char path[64], buf[512], *rp;
    FILE *f;
    size_t n;

    if (pid <= 0)
        return 0;
    if (kill(pid, 0) != 0 && errno != EPERM)
        return 0;
    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    f = fopen(path, "r");
    if (f == NULL)
        return 1; /* exists, but /proc is not readable here */
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* "pid (comm) S ...": the state follows the last ')'. */
    rp = strrchr(buf, ')');
    if (rp == NULL || rp[1] != ' ')
        return 1;
    return rp[2] != 'Z' && rp[2] != 'X';
}
