/* forge-preferences-window-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "forge-preferences-window.h"

G_BEGIN_DECLS

/* For tests: the access-token rows. */
GtkEditable *forge_preferences_window_get_host_editable  (ForgePreferencesWindow *self);
GtkEditable *forge_preferences_window_get_token_editable (ForgePreferencesWindow *self);
GtkButton   *forge_preferences_window_get_save_button    (ForgePreferencesWindow *self);
GtkButton   *forge_preferences_window_get_forget_button  (ForgePreferencesWindow *self);
const char  *forge_preferences_window_get_token_status   (ForgePreferencesWindow *self);

G_END_DECLS
