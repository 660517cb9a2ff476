/* incomingctl: the administrator's command line (SPEC section 11). It works
 * offline on the same Berkeley DB environment as the responders. This file
 * reads the global options and the configuration and dispatches to the
 * commands in src/ctl_*.c. */
#include "ctl.h"

#include "log.h"

#include <stdio.h>
#include <string.h>

static const char help_text[] =
    "usage: incomingctl [--conf FILE] [--json] COMMAND [ARGS]\n"
    "\n"
    "Administers the incoming data directory named by data_dir in the\n"
    "configuration ($INCOMING_CONF, else " SYSCONFDIR "/incoming.conf).\n"
    "\n"
    "Global options (before the command; --json is also accepted after it):\n"
    "  --conf FILE   read this configuration file\n"
    "  --json        print one JSON document: the objects the admin API returns\n"
    "\n"
    "Commands:\n"
    "  init                        create data_dir (mode 0700) and its databases;\n"
    "                              running it again changes nothing\n"
    "  admin-token create [--name N]\n"
    "                              make an admin API token; it is printed once\n"
    "                              (--json: {\"id\", \"token\"}), only its hash is kept\n"
    "  admin-token list            list admin tokens (never their hashes)\n"
    "  admin-token revoke ID       revoke a token\n"
    "  integration create --name N [--auth none|jwt|hmac] [--icon NAME]\n"
    "                     [--api-key ID] [--hmac-scheme S] [--hmac-secret S]\n"
    "                     [--hmac-header H --hmac-algorithm A --hmac-encoding E\n"
    "                      --hmac-prefix P]\n"
    "                              create an integration in state draft and print\n"
    "                              its endpoint URL; jwt needs --api-key, hmac a\n"
    "                              secret (scheme standard-webhooks, github or\n"
    "                              custom, which takes the last four options)\n"
    "  integration list [--limit N] [--cursor C]\n"
    "                              list integrations (all of them without --limit)\n"
    "  integration show ID         print one integration\n"
    "  integration publish ID      start accepting requests at its endpoint\n"
    "  integration unpublish ID    stop accepting requests (409 to senders)\n"
    "  integration delete ID       delete for good (its events are kept)\n"
    "  events list [--integration ID] [--limit N] [--cursor C]\n"
    "                              events newest first, N (default 50, at most 500)\n"
    "                              per page; the next page's cursor is printed\n"
    "                              when more remain\n"
    "  events show EVENT_ID        the stored envelope and its flattened\n"
    "                              parameters (--json: {event, flattened, runs})\n"
    "  verify                      check every database file and record; run it\n"
    "                              while the data directory is quiet\n"
    "  backup DIR                  consistent hot copy of data_dir into DIR (new or\n"
    "                              empty); point data_dir at DIR to use it\n"
    "  help                        this text\n"
    "\n"
    "Exit status: 0 success; 1 the command failed (a one-line message on\n"
    "stderr says what is wrong: not found, not allowed in this state, bad\n"
    "configuration as file:line: key, storage unavailable); 2 usage error\n"
    "(unknown command or option, missing or extra argument, a value that is\n"
    "not a UUID or a number in range).\n";

struct command {
    const char *name;
    int (*run)(struct ctl *c, int argc, char **argv);
};

static const struct command commands[] = {
    {"init", ctl_cmd_init},
    {"admin-token", ctl_cmd_admin_token},
    {"integration", ctl_cmd_integration},
    {"events", ctl_cmd_events},
    {"verify", ctl_cmd_verify},
    {"backup", ctl_cmd_backup},
};

static int help(void)
{
    fputs(help_text, stdout);
    return CTL_OK;
}

/* Reads the global options; *first is the index of the command word. */
static int global_options(struct ctl *c, int argc, char **argv, int *first)
{
    int i = 1;

    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            c->json = 1;
        } else if (strcmp(argv[i], "--conf") == 0) {
            if (i + 1 == argc)
                return ctl_usage("option --conf needs a file");
            c->conf_path = argv[++i];
        } else if (strncmp(argv[i], "--conf=", 7) == 0) {
            c->conf_path = argv[i] + 7;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            *first = -1;
            return CTL_OK;
        } else {
            return ctl_usage("unknown option '%s'", argv[i]);
        }
    }
    if (i == argc)
        return ctl_usage("no command given");
    *first = i;
    return CTL_OK;
}

int main(int argc, char **argv)
{
    struct ctl c;
    const struct command *cmd = NULL;
    enum log_level level;
    char err[1024];
    int first = 0, rc;

    memset(&c, 0, sizeof(c));
    log_set_ident("incomingctl");
    rc = global_options(&c, argc, argv, &first);
    if (rc != CTL_OK)
        return rc;
    if (first < 0 || strcmp(argv[first], "help") == 0 || strcmp(argv[first], "--help") == 0)
        return help();
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(commands[i].name, argv[first]) == 0)
            cmd = &commands[i];
    if (cmd == NULL)
        return ctl_usage("unknown command '%s'", argv[first]);
    if (config_load_default(&c.cfg, c.conf_path, err, sizeof(err)) != 0)
        return ctl_fail("%s", err);
    /* Only problems reach the terminal; info lines are for servers' logs. */
    if (log_level_parse(c.cfg.log_level, &level) == 0)
        log_set_level(level < LOG_LVL_WARN ? level : LOG_LVL_WARN);
    rc = cmd->run(&c, argc - first - 1, argv + first + 1);
    store_close(c.store);
    return rc;
}
