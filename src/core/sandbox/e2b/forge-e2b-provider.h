/* forge-e2b-provider.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "forge-sandbox-provider.h"

G_BEGIN_DECLS

#define FORGE_E2B_PROVIDER_NAME "e2b"

/* The metadata every sandbox of this app carries, for the start-up
 * sweep to find the ones a crash left. */
#define FORGE_E2B_METADATA_APP_KEY     "app"
#define FORGE_E2B_METADATA_APP         "forge-preview"
#define FORGE_E2B_METADATA_PROJECT_KEY "forge-preview-project"

#define FORGE_TYPE_E2B_PROVIDER (forge_e2b_provider_get_type ())

G_DECLARE_FINAL_TYPE (ForgeE2bProvider, forge_e2b_provider, FORGE, E2B_PROVIDER, GObject)

/* The "e2b" backend, configured from the process environment (E2B_*), its
 * key from the keyring or E2B_API_KEY. */
ForgeE2bProvider *forge_e2b_provider_new              (void);
/* The same from @envp (copied; NULL for an empty one), for tests and
 * headless runs; @use_keyring FALSE takes the key from @envp only. */
ForgeE2bProvider *forge_e2b_provider_new_for_environ  (const char * const  *envp,
                                                       gboolean             use_keyring);
/* Bounds the control plane's retries of the sandboxes made from now on
 * (see forge_e2b_api_set_retry_policy()); tests make them short. */
/* Asks the keyring again whether a key is saved (after Preferences saved
 * or forgot one), without blocking; is_available() answers from it. */
void              forge_e2b_provider_refresh_key      (ForgeE2bProvider    *self);
void              forge_e2b_provider_set_retry_policy (ForgeE2bProvider    *self,
                                                       guint                max_attempts,
                                                       guint                first_delay_ms,
                                                       guint                max_total_ms);

/* Kills every sandbox of this app that E2B still runs or keeps paused:
 * at start-up, all of them were left by an earlier process (a crash, a
 * power cut). Does nothing, and succeeds, without an API key. The result
 * is how many were killed. */
void              forge_e2b_provider_sweep_orphans_async  (ForgeE2bProvider    *self,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
gboolean          forge_e2b_provider_sweep_orphans_finish (ForgeE2bProvider    *self,
                                                           GAsyncResult        *result,
                                                           guint               *n_killed,
                                                           GError             **error);

G_END_DECLS
