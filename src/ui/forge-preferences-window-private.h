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

G_END_DECLS
