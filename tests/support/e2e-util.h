/* e2e-util.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Helpers for end-to-end tests: fixture repositories, isolated state,
 * HTTP checks and leaked-process checks. */

/* Points XDG_DATA_HOME, XDG_STATE_HOME and XDG_CACHE_HOME under root. */
void      forge_test_isolate_xdg                (const char  *root);
/* The app started by @launcher prints its threads' stacks if it crashes
 * (tests/support/crash-report.c), as the test programs do. */
void      forge_test_preload_crash_report       (GSubprocessLauncher *launcher);
/* Copies tests/fixtures/repos/<fixture> to parent/<fixture> and commits
 * it as a git repository on branch main. Returns its path. */
char     *forge_test_repo_from_fixture          (const char  *parent,
                                                 const char  *fixture);
/* Writes files (path, contents pairs, NULL-terminated) into a new repo
 * parent/name and commits them. */
char     *forge_test_repo_with_files            (const char  *parent,
                                                 const char  *name,
                                                 ...) G_GNUC_NULL_TERMINATED;
/* Iterates the default main context until condition (data) holds: FALSE
 * when seconds went by first. */
gboolean  forge_test_wait_for                   (gboolean   (*condition) (gpointer),
                                                 gpointer     data,
                                                 guint        seconds);
/* GET url: the status code (0 when nothing answered), body if wanted. */
guint     forge_test_http_get                   (const char  *url,
                                                 char       **body);
/* Live processes whose command line contains text, or whose working
 * directory is the folder text or under it. */
guint     forge_test_count_processes_mentioning (const char  *text);
/* Sends signal to live processes whose program (first argument) contains
 * program and whose command line contains also (may be NULL): the
 * program itself, not the sandbox that runs it. Returns how many. */
guint     forge_test_signal_program              (const char *program,
                                                  const char *also,
                                                  int         signal_number);
/* The same, limited to descendants of this process: on a machine shared
 * with other test runs, never someone else's server. */
guint     forge_test_signal_own_program          (const char *program,
                                                  const char *also,
                                                  int         signal_number);
/* Live descendants of this process, at any depth. */
guint     forge_test_count_descendants           (void);
/* Waits up to timeout_ms for that count to reach zero. */
gboolean  forge_test_wait_no_processes          (const char  *text,
                                                 guint        timeout_ms);

G_END_DECLS
