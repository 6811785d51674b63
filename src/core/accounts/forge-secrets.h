/* forge-secrets.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Access tokens per Git host, kept in the user's keyring (libsecret) and
 * nowhere else. Blocking calls, for worker threads; the _async ones for
 * the main thread, with the same results and errors. */

/* Returns NULL without error when there is no token for host, and also
 * when no keyring service runs at all (logged with g_debug), so public
 * repositories keep working. The caller wipes and frees the result with
 * forge_secrets_free_token(). */
char     *forge_secrets_lookup_token (const char    *host,
                                      GCancellable  *cancellable,
                                      GError       **error);
/* Store and clear fail with G_IO_ERROR_NOT_SUPPORTED when no keyring
 * service is available, G_IO_ERROR_CANCELLED when cancelled; messages are
 * one line, for people. Clearing a missing token succeeds. */
gboolean  forge_secrets_store_token  (const char    *host,
                                      const char    *token,
                                      GCancellable  *cancellable,
                                      GError       **error);
gboolean  forge_secrets_clear_token  (const char    *host,
                                      GCancellable  *cancellable,
                                      GError       **error);
void      forge_secrets_free_token   (char          *token);

void      forge_secrets_lookup_token_async  (const char           *host,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
/* Free the result with forge_secrets_free_token(). */
char     *forge_secrets_lookup_token_finish (GAsyncResult         *result,
                                             GError              **error);
/* The token is copied before this returns. */
void      forge_secrets_store_token_async   (const char           *host,
                                             const char           *token,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
gboolean  forge_secrets_store_token_finish  (GAsyncResult         *result,
                                             GError              **error);
void      forge_secrets_clear_token_async   (const char           *host,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
gboolean  forge_secrets_clear_token_finish  (GAsyncResult         *result,
                                             GError              **error);

/* Whether a Secret Service answers on the session bus: lookups cannot
 * tell (no keyring reads as "no token"), but a UI that offers to keep a
 * token must. FALSE with G_IO_ERROR_NOT_SUPPORTED when none does. */
void      forge_secrets_check_keyring_async  (GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
gboolean  forge_secrets_check_keyring_finish (GAsyncResult         *result,
                                              GError              **error);

/* The E2B API key, per E2B domain (e2b.app unless E2B_DOMAIN says
 * otherwise), under a schema of its own. Same rules as tokens: NULL
 * without error when there is none or no keyring. */
char     *forge_secrets_lookup_e2b_key        (const char           *domain,
                                               GCancellable         *cancellable,
                                               GError              **error);
void      forge_secrets_lookup_e2b_key_async  (const char           *domain,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
/* Free the result with forge_secrets_free_token(). */
char     *forge_secrets_lookup_e2b_key_finish (GAsyncResult         *result,
                                               GError              **error);
void      forge_secrets_store_e2b_key_async   (const char           *domain,
                                               const char           *key,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
gboolean  forge_secrets_store_e2b_key_finish  (GAsyncResult         *result,
                                               GError              **error);
void      forge_secrets_clear_e2b_key_async   (const char           *domain,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
gboolean  forge_secrets_clear_e2b_key_finish  (GAsyncResult         *result,
                                               GError              **error);

/* A project's secret environment variables, by project id and name,
 * under a schema of their own. Same rules as tokens: NULL without error
 * when there is none or no keyring. Free values with
 * forge_secrets_free_token(). */
char     *forge_secrets_lookup_env_value        (const char           *project_id,
                                                 const char           *name,
                                                 GCancellable         *cancellable,
                                                 GError              **error);
gboolean  forge_secrets_store_env_value         (const char           *project_id,
                                                 const char           *name,
                                                 const char           *value,
                                                 GCancellable         *cancellable,
                                                 GError              **error);
void      forge_secrets_lookup_env_value_async  (const char           *project_id,
                                                 const char           *name,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
char     *forge_secrets_lookup_env_value_finish (GAsyncResult         *result,
                                                 GError              **error);
void      forge_secrets_store_env_value_async   (const char           *project_id,
                                                 const char           *name,
                                                 const char           *value,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
gboolean  forge_secrets_store_env_value_finish  (GAsyncResult         *result,
                                                 GError              **error);
/* @name NULL clears every variable of the project (when it is removed). */
void      forge_secrets_clear_env_value_async   (const char           *project_id,
                                                 const char           *name,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
gboolean  forge_secrets_clear_env_value_finish  (GAsyncResult         *result,
                                                 GError              **error);

G_END_DECLS
