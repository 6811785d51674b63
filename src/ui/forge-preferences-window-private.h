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
AdwComboRow   *forge_preferences_window_get_backend_row         (ForgePreferencesWindow *self);
GtkSpinButton *forge_preferences_window_get_keepalive_spin      (ForgePreferencesWindow *self);
GtkSpinButton *forge_preferences_window_get_timeout_spin        (ForgePreferencesWindow *self);
GtkSpinButton *forge_preferences_window_get_start_limit_spin    (ForgePreferencesWindow *self);
const char    *forge_preferences_window_get_keepalive_subtitle  (ForgePreferencesWindow *self);

G_END_DECLS
