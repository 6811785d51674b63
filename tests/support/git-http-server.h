/* git-http-server.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A smart-HTTP Git server for tests: git-http-backend (CGI) behind a
 * SoupServer on 127.0.0.1, running on its own thread and GMainContext so
 * blocking libgit2 calls on the test thread can talk to it. */
typedef struct _ForgeTestGitServer ForgeTestGitServer;

/* Serves the bare repositories under project_root. When required_token is
 * not NULL every request needs HTTP Basic auth whose password equals it
 * (any user name); others get 401 with WWW-Authenticate. */
ForgeTestGitServer *forge_test_git_server_new                  (const char         *project_root,
                                                                const char         *required_token);
/* "http://127.0.0.1:PORT/<path>" */
char               *forge_test_git_server_dup_url              (ForgeTestGitServer *self,
                                                                const char         *path);
/* Requests answered with 401 so far (to check clients don't loop). */
guint               forge_test_git_server_get_unauthorized_count (ForgeTestGitServer *self);
/* All requests so far. */
guint               forge_test_git_server_get_request_count    (ForgeTestGitServer *self);
void                forge_test_git_server_free                 (ForgeTestGitServer *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ForgeTestGitServer, forge_test_git_server_free)

G_END_DECLS
