/* forge-test-server.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* A SoupServer on 127.0.0.1 that runs on a thread of its own, so that the
 * code under test may make blocking calls from the test's thread. The
 * handler runs on the server's thread: guard what it shares. */
typedef struct _ForgeTestServer ForgeTestServer;

ForgeTestServer *forge_test_server_new         (const char         *server_header,
                                                SoupServerCallback  handler,
                                                gpointer            user_data);
/* "http://127.0.0.1:PORT", without a trailing slash. */
const char      *forge_test_server_get_base    (ForgeTestServer    *self);
/* The server thread's context: where a handler attaches its sources. */
GMainContext    *forge_test_server_get_context (ForgeTestServer    *self);
/* Stops the thread (answers in flight are dropped) and frees. */
void             forge_test_server_free        (ForgeTestServer    *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ForgeTestServer, forge_test_server_free)

G_END_DECLS
