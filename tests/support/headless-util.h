/* headless-util.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Starting the app's `--headless --json` mode (FORGE_PREVIEW_BINARY) and
 * reading its JSON lines, for the tests of that contract. */

/* A launcher with @flags, set up as the tests start the app: it dies with
 * the test, prints its stacks if it crashes, and finds its helpers by
 * itself, as the bare built binary does. */
GSubprocessLauncher *forge_test_headless_launcher       (GSubprocessFlags      flags);
/* `--headless --json` with a 120 s server timeout, a 1 s keepalive and a
 * 2 s sandbox timeout, then @extra_args (NULL-terminated, may be NULL),
 * then @url, from @launcher (stdout and stderr piped when NULL). */
GSubprocess         *forge_test_headless_spawn          (GSubprocessLauncher  *launcher,
                                                         const char           *url,
                                                         const char * const   *extra_args,
                                                         GError              **error);
/* The next event, asserting the line is one JSON object with a type;
 * NULL at the end of the output. */
JsonObject          *forge_test_headless_read_event     (GDataInputStream     *stream);
/* The next event of @type (and @state, unless NULL), or NULL. */
JsonObject          *forge_test_headless_read_until     (GDataInputStream     *stream,
                                                         const char           *type,
                                                         const char           *state);
/* Stops a running app with @signal_number (SIGINT or SIGTERM) and
 * asserts that it ended cleanly: exited, status 0. */
void                 forge_test_headless_stop           (GSubprocess          *process,
                                                         int                   signal_number);
/* Waits for @process to end and asserts a failure: exit status 1 and one
 * line on stderr, "forge-preview: …", which is returned. */
char                *forge_test_headless_expect_failure (GSubprocess          *process);

G_END_DECLS
