# incoming: due retries run even when no request arrives to start them.
# incomingctl drain runs every due retry and queued event, then exits; it
# prints what it did, which cron would mail every minute, so stdout goes to
# /dev/null (errors on stderr are still mailed).
SHELL=/bin/sh
PATH=/usr/sbin:/usr/bin:/sbin:/bin

* * * * * www-data [ -x /usr/bin/incomingctl ] && [ -d /var/lib/incoming ] && incomingctl drain >/dev/null
