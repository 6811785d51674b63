/* forge-preferences-window-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "forge-preferences-window.h"

G_BEGIN_DECLS

/* For tests: the access-token rows (the token row is an AdwEntryRow:
 * its "apply" saves), the backend row, the time rows. */
GtkEditable   *forge_preferences_window_get_host_editable       (ForgePreferencesWindow *self);
GtkEditable   *forge_preferences_window_get_token_editable      (ForgePreferencesWindow *self);
GtkButton     *forge_preferences_window_get_forget_button       (ForgePreferencesWindow *self);
const char    *forge_preferences_window_get_token_status        (ForgePreferencesWindow *self);
/* Why the token was refused, or NULL. */
const char    *forge_preferences_window_get_token_problem       (ForgePreferencesWindow *self);
/* The E2B group: key row, Forget, the status row's title, why a key was
 * refused (or NULL), Test Connection and what it found (one line: NULL
 * or "" before a test, "Testing…" during one). */
GtkEditable   *forge_preferences_window_get_e2b_key_editable    (ForgePreferencesWindow *self);
GtkButton     *forge_preferences_window_get_e2b_forget_button   (ForgePreferencesWindow *self);
const char    *forge_preferences_window_get_e2b_status          (ForgePreferencesWindow *self);
const char    *forge_preferences_window_get_e2b_problem         (ForgePreferencesWindow *self);
GtkButton     *forge_preferences_window_get_e2b_test_button     (ForgePreferencesWindow *self);
const char    *forge_preferences_window_get_e2b_test_result     (ForgePreferencesWindow *self);
AdwComboRow   *forge_preferences_window_get_backend_row         (ForgePreferencesWindow *self);
GtkSpinButton *forge_preferences_window_get_keepalive_spin      (ForgePreferencesWindow *self);
GtkSpinButton *forge_preferences_window_get_memory_limit_spin  (ForgePreferencesWindow *self);
GtkSpinButton *forge_preferences_window_get_disk_limit_spin    (ForgePreferencesWindow *self);
GtkSpinButton *forge_preferences_window_get_process_limit_spin (ForgePreferencesWindow *self);
GtkSpinButton *forge_preferences_window_get_timeout_spin        (ForgePreferencesWindow *self);
GtkSpinButton *forge_preferences_window_get_start_limit_spin    (ForgePreferencesWindow *self);
const char    *forge_preferences_window_get_keepalive_subtitle  (ForgePreferencesWindow *self);

/* The GitHub group: its description (it names the host), the notice row's
 * title (looking, no keyring, an unusable host; NULL when hidden),
 * Connect and its row's subtitle, the sign-in window while one is open,
 * the token row (its apply checks the token with GitHub, then keeps it)
 * and why a token was refused (or NULL), the host row (applied, kept in
 * the "github-host" setting), the account row's title and subtitle
 * (NULL while it is hidden), its avatar and Disconnect. */
AdwPreferencesGroup *forge_preferences_window_get_github_group            (ForgePreferencesWindow *self);
const char    *forge_preferences_window_get_github_notice           (ForgePreferencesWindow *self);
GtkButton     *forge_preferences_window_get_github_connect_button   (ForgePreferencesWindow *self);
const char    *forge_preferences_window_get_github_connect_subtitle (ForgePreferencesWindow *self);
GtkWindow     *forge_preferences_window_get_github_connect_window   (ForgePreferencesWindow *self);
GtkEditable   *forge_preferences_window_get_github_token_editable   (ForgePreferencesWindow *self);
const char    *forge_preferences_window_get_github_token_problem    (ForgePreferencesWindow *self);
GtkEditable   *forge_preferences_window_get_github_host_editable    (ForgePreferencesWindow *self);
const char    *forge_preferences_window_get_github_account_title    (ForgePreferencesWindow *self);
const char    *forge_preferences_window_get_github_account_subtitle (ForgePreferencesWindow *self);
AdwAvatar     *forge_preferences_window_get_github_avatar           (ForgePreferencesWindow *self);
GtkButton     *forge_preferences_window_get_github_disconnect_button (ForgePreferencesWindow *self);

G_END_DECLS
