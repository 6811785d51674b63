/* forge-window.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "forge-application.h"

G_BEGIN_DECLS

#define FORGE_TYPE_WINDOW (forge_window_get_type ())

G_DECLARE_FINAL_TYPE (ForgeWindow, forge_window, FORGE, WINDOW, AdwApplicationWindow)

ForgeWindow *forge_window_new             (ForgeApplication *application);
void         forge_window_show_uri        (ForgeWindow      *self,
                                           const char       *uri);
void         forge_window_open_repository (ForgeWindow      *self,
                                           const char       *repository_url);

G_END_DECLS
