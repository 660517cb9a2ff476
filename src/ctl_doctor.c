/* ctl_doctor: incomingctl doctor (work in progress). */
#include "ctl.h"

int ctl_cmd_doctor(struct ctl *c, int argc, char **argv)
{
    (void)c;
    (void)argc;
    (void)argv;
    return ctl_fail("doctor: not implemented yet");
}
