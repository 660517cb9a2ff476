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
    "  capture ID [--raw]          Retrieve data: open a window of capture_seconds,\n"
    "                              wait for the first authenticated request to the\n"
    "                              integration's endpoint (a draft accepts it too)\n"
    "                              and print it flattened as KEY TYPE VALUE, or its\n"
    "                              JSON with --raw (--json: {status, secondsLeft,\n"
    "                              sample: {raw, flattened}}); exit 1 when the\n"
    "                              window expires without a sample\n"
    "  apply ID                    store the captured sample's parameters on the\n"
    "                              integration (exit 1 when there is no sample)\n"
    "  apikey create --name N [--permission P]...\n"
    "                              make an API key; P is incoming:execute or\n"
    "                              events:write (default both); its secret is\n"
    "                              printed once (--json: the key with \"secret\")\n"
    "  apikey list [--limit N] [--cursor C]\n"
    "                              list API keys (never their secrets)\n"
    "  apikey revoke ID            revoke a key: its tokens are refused from now on\n"
    "  workflow import FILE        create a workflow from a JSON document (FILE '-':\n"
    "                              standard input); when the document's \"id\" names\n"
    "                              an existing workflow, replace that one instead;\n"
    "                              an invalid document is refused naming the node;\n"
    "                              credentials shown as set keep the stored ones\n"
    "  workflow export ID          print the workflow's document as JSON, its\n"
    "                              credentials shown as set, never their values\n"
    "                              (they import back only into this data dir)\n"
    "  workflow list [--limit N] [--cursor C]\n"
    "                              list workflows (all of them without --limit)\n"
    "  workflow publish ID         new events of its integration run it; refused\n"
    "                              for an orphaned workflow (its integration\n"
    "                              deleted, an API key it uses revoked)\n"
    "  workflow unpublish ID       it runs no more\n"
    "  workflow delete ID          delete it (its runs are kept)\n"
    "  events list [--integration ID] [--limit N] [--cursor C]\n"
    "                              events newest first, N (default 50, at most 500)\n"
    "                              per page; the next page's cursor is printed\n"
    "                              when more remain\n"
    "  events show EVENT_ID        the stored envelope, its flattened parameters\n"
    "                              and its runs (--json: {event, flattened, runs})\n"
    "  runs list [--state S] [--workflow ID] [--event ID] [--limit N] [--cursor C]\n"
    "                              the run log, newest first; S is queued, running,\n"
    "                              succeeded, failed, retrying or skipped\n"
    "  runs show ID                a run with every attempt: node, time, duration,\n"
    "                              request, response status, error, warnings\n"
    "  runs retry ID [--drain]     queue a failed run again; it resumes at its\n"
    "                              first unfinished node. Only failed runs of a\n"
    "                              workflow that still exists (replay the event\n"
    "                              for a new run of a succeeded one)\n"
    "  replay EVENT_ID [--drain]   new runs of the event for every published\n"
    "                              workflow its integration triggers\n"
    "                              (--json: {event, flattened, runs,\n"
    "                              replayedRunIds})\n"
    "                              retry and replay only queue the work: a runner,\n"
    "                              'incomingctl drain' or the next request to the\n"
    "                              server runs it; --drain runs it here at once\n"
    "  render TEMPLATE [DATA] [--mode text|json|url|header]\n"
    "  render --template TEXT [--data JSON] [--mode M]\n"
    "                              render a template (a file, or TEXT) against a\n"
    "                              JSON object (a file, or JSON) with the escaping\n"
    "                              of its destination; '-' reads one of the files\n"
    "                              from standard input; warnings (undefined\n"
    "                              variables) go to stderr; a template error exits\n"
    "                              1 naming its line and column\n"
    "                              (--json: {output, warnings})\n"
    "  drain                       run due work in this process as incoming-runner\n"
    "                              does, within the runner_max slots: queued events,\n"
    "                              retries whose time has come, runs of runners that\n"
    "                              died; prints how many events were planned and\n"
    "                              runs executed. Meant for cron, e.g. every minute\n"
    "  purge                       remove events and finished runs older than\n"
    "                              event_retention_days and expired deduplication\n"
    "                              records; prints the counts (runners also do\n"
    "                              this once an hour)\n"
    "  profile show --email E | --custom-id C | --uuid U | --id I\n"
    "                              a customer profile: its identifiers and its\n"
    "                              custom events, newest first\n"
    "  verify                      check every database file and record; run it\n"
    "                              while the data directory is quiet\n"
    "  backup DIR                  consistent hot copy of data_dir into DIR (new or\n"
    "                              empty); point data_dir at DIR to use it\n"
    "  recover                     rebuild the shared regions and run recovery\n"
    "                              now. Never needed after a crash (the next\n"
    "                              process recovers by itself); safe while the\n"
    "                              web server runs (its processes wait, then\n"
    "                              reopen)\n"
    "  deploy-site DIR [--base-path P] [--data-dir D] [--public-url URL]\n"
    "              [--responder PATH] [--runner PATH]\n"
    "                              a shared host without root: put incoming.fcgi\n"
    "                              (a script that execs the installed responder\n"
    "                              with this configuration) and an .htaccess into\n"
    "                              the web directory DIR, served at URL path P\n"
    "                              (mod_fcgid where loaded, else mod_cgi; every\n"
    "                              path under P to the responder); write the\n"
    "                              configuration (--conf, else the default path)\n"
    "                              unless it exists, and init data_dir (default\n"
    "                              from the configuration); both must be outside\n"
    "                              DIR. Prints the crontab line for drain. Run\n"
    "                              again after an upgrade: data and configuration\n"
    "                              are kept\n"
    "  metrics-token create [--name N]\n"
    "                              make a read-only token for GET /metrics (for a\n"
    "                              Prometheus scrape); printed once (--json: {\"id\",\n"
    "                              \"token\"}), only its hash is kept; it grants\n"
    "                              nothing else\n"
    "  metrics-token list          list metrics tokens (never their hashes)\n"
    "  metrics-token revoke ID     revoke a metrics token\n"
    "  doctor [--user U] [--web-conf FILE | --site DIR] [--no-http]\n"
    "         [--stale-after S]\n"
    "                              check the deployment, one line per check: ok,\n"
    "                              warn or fail, each with its fix (config,\n"
    "                              data_dir, owner, modes, runner, store, drain,\n"
    "                              healthz, authorization, web_config, web_modules,\n"
    "                              disk, runner_log; README 'Troubleshooting');\n"
    "                              exit status 1 when a line says fail, 0\n"
    "                              otherwise (warnings included); --json:\n"
    "                              {\"status\", \"checks\": [{\"name\", \"status\",\n"
    "                              \"message\", \"fix\"}]}. U: the user the web server\n"
    "                              runs FastCGI programs as (default: found from\n"
    "                              the running responders or web server); FILE:\n"
    "                              the Apache or lighttpd configuration to look at\n"
    "                              (default: /etc/apache2, else /etc/lighttpd);\n"
    "                              DIR: a web directory with .htaccess; --no-http:\n"
    "                              skip GET /healthz; S: seconds a due run may wait\n"
    "                              for a runner or cron's drain (default 120)\n"
    "  help                        this text\n"
    "\n"
    "Logs: the responders (incoming.fcgi) write to the web server's error log\n"
    "(lighttpd: server.errorlog, lines 'FastCGI-stderr: ...'; Apache: ErrorLog,\n"
    "lines 'mod_fcgid: stderr: ...'); log_level = debug adds a line per request.\n"
    "Runners write to <data_dir>/runner.log.\n"
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
    {"apikey", ctl_cmd_apikey},
    {"capture", ctl_cmd_capture},
    {"apply", ctl_cmd_apply},
    {"workflow", ctl_cmd_workflow},
    {"runs", ctl_cmd_runs},
    {"replay", ctl_cmd_replay},
    {"render", ctl_cmd_render},
    {"drain", ctl_cmd_drain},
    {"purge", ctl_cmd_purge},
    {"profile", ctl_cmd_profile},
    {"verify", ctl_cmd_verify},
    {"backup", ctl_cmd_backup},
    {"recover", ctl_cmd_recover},
    {"deploy-site", ctl_cmd_deploy_site},
    {"metrics-token", ctl_cmd_metrics_token},
    {"doctor", ctl_cmd_doctor},
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
    if (cmd->run == ctl_cmd_deploy_site) {
        rc = cmd->run(&c, argc - first - 1, argv + first + 1);
        store_close(c.store);
        return rc;
    }
    if (config_load_default(&c.cfg, c.conf_path, err, sizeof(err)) != 0) {
        if (cmd->run != ctl_cmd_doctor)
            return ctl_fail("%s", err);
        c.conf_error = err; /* doctor's first line */
    }
    /* Only problems reach the terminal; info lines are for servers' logs. */
    if (log_level_parse(c.cfg.log_level, &level) == 0)
        log_set_level(level < LOG_LVL_WARN ? level : LOG_LVL_WARN);
    rc = cmd->run(&c, argc - first - 1, argv + first + 1);
    store_close(c.store);
    return rc;
}
