/* forge-environment-page-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "forge-environment-page.h"

G_BEGIN_DECLS

/* For tests. */
AdwEntryRow *forge_environment_page_get_new_name_row     (ForgeEnvironmentPage *self);
AdwEntryRow *forge_environment_page_get_command_row      (ForgeEnvironmentPage *self,
                                                          const char           *which);
/* The row of a variable of the project ("variable"), or one the
 * repository proposes ("proposed"); NULL when there is none. */
AdwEntryRow *forge_environment_page_find_row             (ForgeEnvironmentPage *self,
                                                          const char           *kind,
                                                          const char           *name);
GtkToggleButton *forge_environment_page_get_secret_toggle (ForgeEnvironmentPage *self,
                                                          const char           *name);
GtkButton   *forge_environment_page_get_remove_button    (ForgeEnvironmentPage *self,
                                                          const char           *name);
/* How many times a restart was offered, and the last message shown. */
guint        forge_environment_page_get_n_restart_offers (ForgeEnvironmentPage *self);
const char  *forge_environment_page_get_last_message     (ForgeEnvironmentPage *self);
/* Keyring work under way (a test waits for it to end). */
guint        forge_environment_page_get_n_pending        (ForgeEnvironmentPage *self);

G_END_DECLS
