/* forge-server-probe.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define FORGE_TYPE_SERVER_PROBE (forge_server_probe_get_type ())

G_DECLARE_FINAL_TYPE (ForgeServerProbe, forge_server_probe, FORGE, SERVER_PROBE, GObject)

/* Asks "is the dev server at this URL answering?", the one place that
 * decides what an answer means: any HTTP status is up (a 404 too: the
 * preview shows what the app serves), and a redirect to the same server
 * (same scheme, host and port), as apps served under a base path answer
 * on "/", gives the URL to open. Redirects are never followed, so a
 * redirect to another host is not fetched.
 *
 * Holds one HTTP session. The session may send from any thread, but the
 * probe is configured (the timeout) on the thread that created it, before
 * the first check. The async form answers on the thread-default main
 * context of its caller; the sync form is for worker threads.
 *
 * Properties:
 *   timeout (guint, seconds, default 5): how long a connection may stay
 *     silent before the check fails; 0 waits forever. */
ForgeServerProbe *forge_server_probe_new          (void);

guint             forge_server_probe_get_timeout  (ForgeServerProbe     *self);
void              forge_server_probe_set_timeout  (ForgeServerProbe     *self,
                                                   guint                 seconds);

void              forge_server_probe_check_async  (ForgeServerProbe     *self,
                                                   const char           *url,
                                                   GCancellable         *cancellable,
                                                   GAsyncReadyCallback   callback,
                                                   gpointer              user_data);
/* TRUE when anything HTTP answered; then *ready_url (if not NULL) is the
 * URL to open: the same-server redirect target, or url itself. FALSE with
 * error otherwise: G_IO_ERROR_INVALID_ARGUMENT for a URL that is not
 * http(s), G_IO_ERROR_CANCELLED, or what connecting or reading gave. */
gboolean          forge_server_probe_check_finish (ForgeServerProbe     *self,
                                                   GAsyncResult         *result,
                                                   char                **ready_url,
                                                   GError              **error);

/* Blocks; the same check and the same answers as the async form. */
gboolean          forge_server_probe_check_sync   (ForgeServerProbe     *self,
                                                   const char           *url,
                                                   char                **ready_url,
                                                   GCancellable         *cancellable,
                                                   GError              **error);

G_END_DECLS
