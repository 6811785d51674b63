/* forge-preferences-window.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define FORGE_TYPE_PREFERENCES_WINDOW (forge_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (ForgePreferencesWindow, forge_preferences_window, FORGE, PREFERENCES_WINDOW, AdwPreferencesWindow)

GtkWindow *forge_preferences_window_new (GSettings *settings);

G_END_DECLS
