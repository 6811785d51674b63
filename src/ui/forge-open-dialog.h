/* forge-open-dialog.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "forge-sandbox-providers.h"

G_BEGIN_DECLS

#define FORGE_TYPE_OPEN_DIALOG (forge_open_dialog_get_type ())

G_DECLARE_FINAL_TYPE (ForgeOpenDialog, forge_open_dialog, FORGE, OPEN_DIALOG, AdwMessageDialog)

/* Asks for a repository URL, or a folder through Choose Folder…, with the
 * recently opened ones a click away. What is typed is checked when the
 * person pauses or presses Enter, not at each key. Emits "open" (url)
 * with what was entered.
 *
 * With a token stored for the GitHub host (GH_HOST/GITHUB_API_URL, else
 * the "github-host" setting, else github.com), "Your Repositories" lists
 * the account's repositories, most recently pushed first, a page at a
 * time as the list is scrolled or searched; picking one fills in its
 * address. Without a token, a hint points to Preferences. Closing the
 * dialog cancels whatever it was asking. */
GtkWidget  *forge_open_dialog_new            (GtkWindow       *parent,
                                              GSettings       *settings);
void        forge_open_dialog_set_url        (ForgeOpenDialog *self,
                                              const char      *url);
/* Offers the backends of @providers to run the project in ("Run In"),
 * those that cannot run here greyed with their reason; the
 * "default-backend" setting is chosen, else the first that can run.
 * Without this call no backend is offered. */
void        forge_open_dialog_set_providers  (ForgeOpenDialog       *self,
                                              ForgeSandboxProviders *providers);
/* The backend chosen (a ForgeSandboxProviders name), for the run that
 * "open" starts; NULL when none was offered or none can run. */
const char *forge_open_dialog_get_backend    (ForgeOpenDialog *self);
/* The error shown under the address (what is typed is not a repository
 * URL), or NULL. forge_open_dialog_set_url() checks at once. */
const char *forge_open_dialog_get_error      (ForgeOpenDialog *self);

G_END_DECLS
