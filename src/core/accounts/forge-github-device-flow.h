/* forge-github-device-flow.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "forge-github-error.h"
#include "forge-github-host.h"

G_BEGIN_DECLS

#define FORGE_TYPE_GITHUB_DEVICE_FLOW (forge_github_device_flow_get_type ())

G_DECLARE_FINAL_TYPE (ForgeGithubDeviceFlow, forge_github_device_flow, FORGE, GITHUB_DEVICE_FLOW, GObject)

/* Signing in with GitHub's OAuth device flow: start asks GitHub for a
 * code, which the UI shows ("user-code") with where to enter it
 * ("verification-uri"); poll then asks, every "interval" seconds on the
 * thread-default main context, whether the user has entered it, until
 * GitHub hands out a token, the code expires, the user denies, or the
 * cancellable is cancelled (the UI closes).
 *
 * Properties (read-only, notified on the main context when start or a
 * slow_down changes them): "host", "client-id", "user-code",
 * "verification-uri", "interval" (seconds), "expires-in" (seconds, as
 * GitHub said at start).
 *
 * Errors: NO_CLIENT_ID, EXPIRED, DENIED, RATE_LIMITED, NETWORK, PROTOCOL,
 * FAILED, G_IO_ERROR_CANCELLED. The device code and the token are never
 * logged nor put in an error. */

/* The OAuth client id this build was configured with (meson option
 * github_client_id); "" when there is none. A setting may override it:
 * that is the caller's to read. */
const char            *forge_github_default_client_id               (void);

/* client_id: NULL or "" makes start fail with NO_CLIENT_ID. */
ForgeGithubDeviceFlow *forge_github_device_flow_new                 (ForgeGithubHost        *host,
                                                                     const char             *client_id);

ForgeGithubHost       *forge_github_device_flow_get_host            (ForgeGithubDeviceFlow  *self);
const char            *forge_github_device_flow_get_client_id       (ForgeGithubDeviceFlow  *self);
/* NULL before a successful start. */
const char            *forge_github_device_flow_get_user_code       (ForgeGithubDeviceFlow  *self);
const char            *forge_github_device_flow_get_verification_uri (ForgeGithubDeviceFlow *self);
/* 0 before a successful start. */
guint                  forge_github_device_flow_get_interval        (ForgeGithubDeviceFlow  *self);
guint                  forge_github_device_flow_get_expires_in      (ForgeGithubDeviceFlow  *self);

/* POST login/device/code with the client id and scope (NULL for
 * "repo"). On success the properties hold the new code. Starting again
 * (after an EXPIRED) asks for a new code; not while polling. */
void                   forge_github_device_flow_start_async         (ForgeGithubDeviceFlow  *self,
                                                                     const char             *scope,
                                                                     GCancellable           *cancellable,
                                                                     GAsyncReadyCallback     callback,
                                                                     gpointer                user_data);
gboolean               forge_github_device_flow_start_finish        (ForgeGithubDeviceFlow  *self,
                                                                     GAsyncResult           *result,
                                                                     GError                **error);

/* Polls POST login/oauth/access_token after a successful start, on the
 * thread-default main context of the caller. One poll at a time. */
void                   forge_github_device_flow_poll_async          (ForgeGithubDeviceFlow  *self,
                                                                     GCancellable           *cancellable,
                                                                     GAsyncReadyCallback     callback,
                                                                     gpointer                user_data);
/* The access token: the caller stores it (forge_secrets_store_token
 * under the host's name) and frees it with forge_secrets_free_token(),
 * which wipes it. */
char                  *forge_github_device_flow_poll_finish         (ForgeGithubDeviceFlow  *self,
                                                                     GAsyncResult           *result,
                                                                     GError                **error);

G_END_DECLS
