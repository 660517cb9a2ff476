/* ui: serves the web UI's static files under /ui/ from the UI directory
 * ($(datadir)/incoming/ui, or $INCOMING_UI_DIR for a build tree), with a
 * Content-Security-Policy that allows no inline script. */
#ifndef INCOMING_UI_H
#define INCOMING_UI_H

#include "http.h"

/* rest: the path after "/ui/" ("" for the index). */
void ui_handle(struct http_request *req, const char *rest);
/* The directory files are served from (borrowed). */
const char *ui_dir(void);

#endif
