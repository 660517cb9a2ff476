/* isotime: a strict reader and a writer of ISO 8601 UTC date-times. Dates
 * are converted with the proleptic Gregorian day count (H. Hinnant's
 * days_from_civil), so no time zone database and no time_t is involved. */
#include "isotime.h"

#include <sys/time.h>

#include <stdio.h>
#include <string.h>

#define MS_PER_DAY 86400000LL
#define MAX_MS 253402300799999LL /* 9999-12-31T23:59:59.999Z */

static long long days_from_civil(long long y, unsigned m, unsigned d)
{
    long long era;
    unsigned yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

static void civil_from_days(long long z, long long *y, unsigned *m, unsigned *d)
{
    long long era;
    unsigned doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = (unsigned)(z - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (long long)yoe + era * 400 + (*m <= 2);
}

/* n digits at *p as a number; advances *p. -1 when not n digits. */
static int num(const char **p, int n)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if ((*p)[i] < '0' || (*p)[i] > '9')
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    return v;
}

static int days_in_month(int y, int m)
{
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return m == 2 && leap ? 29 : dm[m - 1];
}

/* [:ss[.fff]] after hh:mm; fills seconds and milliseconds. */
static int seconds(const char **p, int *sec, int *msec)
{
    *sec = 0;
    *msec = 0;
    if (**p != ':')
        return 0;
    (*p)++;
    *sec = num(p, 2);
    if (*sec < 0 || *sec > 60)
        return -1;
    if (**p == '.' || **p == ',') {
        int n = 0;
        (*p)++;
        while (**p >= '0' && **p <= '9' && n < 9) {
            if (n < 3)
                *msec = *msec * 10 + (**p - '0');
            n++;
            (*p)++;
        }
        if (n == 0 || (**p >= '0' && **p <= '9'))
            return -1;
        for (; n < 3; n++)
            *msec *= 10;
    }
    return 0;
}

/* Z, +hh, +hhmm, +hh:mm or nothing; *off in minutes east of UTC. */
static int zone(const char **p, int *off)
{
    int sign, hh, mm = 0;

    *off = 0;
    if (**p == 'Z' || **p == 'z') {
        (*p)++;
        return 0;
    }
    if (**p != '+' && **p != '-')
        return 0;
    sign = **p == '-' ? -1 : 1;
    (*p)++;
    hh = num(p, 2);
    if (hh >= 0 && **p == ':') {
        (*p)++;
        mm = num(p, 2);
    } else if (hh >= 0 && **p >= '0' && **p <= '9') {
        mm = num(p, 2);
    }
    if (hh < 0 || hh > 23 || mm < 0 || mm > 59)
        return -1;
    *off = sign * (hh * 60 + mm);
    return 0;
}

int isotime_parse(const char *s, long long *ms)
{
    const char *p = s;
    int y, mo, d, hh = 0, mi = 0, sec = 0, msec = 0, off = 0;
    long long t;

    y = num(&p, 4);
    if (y < 1 || *p++ != '-' || (mo = num(&p, 2)) < 1 || mo > 12 || *p++ != '-' ||
        (d = num(&p, 2)) < 1 || d > days_in_month(y, mo))
        return -1;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        hh = num(&p, 2);
        if (hh < 0 || hh > 23 || *p++ != ':' || (mi = num(&p, 2)) < 0 || mi > 59)
            return -1;
        if (seconds(&p, &sec, &msec) != 0 || zone(&p, &off) != 0)
            return -1;
    }
    if (*p != '\0')
        return -1;
    t = days_from_civil(y, (unsigned)mo, (unsigned)d) * MS_PER_DAY +
        ((long long)hh * 3600 + mi * 60 + sec - (long long)off * 60) * 1000 + msec;
    if (t < 0 || t > MAX_MS)
        return -1;
    *ms = t;
    return 0;
}

int isotime_format(long long ms, char *out, size_t outlen)
{
    long long y, days = ms / MS_PER_DAY, rem = ms % MS_PER_DAY;
    unsigned m, d;
    int n;

    if (ms < 0 || ms > MAX_MS)
        return -1;
    civil_from_days(days, &y, &m, &d);
    n = snprintf(out, outlen, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ", y, m, d,
                 rem / 3600000, rem / 60000 % 60, rem / 1000 % 60, rem % 1000);
    return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

long long isotime_now_ms(void)
{
    struct timeval tv;

    gettimeofday(&tv, NULL);
    return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}
