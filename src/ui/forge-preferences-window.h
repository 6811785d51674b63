/* forge-preferences-window.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "forge-sandbox-providers.h"

G_BEGIN_DECLS

#define FORGE_TYPE_PREFERENCES_WINDOW (forge_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (ForgePreferencesWindow, forge_preferences_window, FORGE, PREFERENCES_WINDOW, AdwPreferencesWindow)

/* @providers: the backends to offer (those available here), or NULL for
 * forge_sandbox_providers_new()'s. */
GtkWindow *forge_preferences_window_new (GSettings             *settings,
                                         ForgeSandboxProviders *providers);

G_END_DECLS
