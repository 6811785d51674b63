/* forge-environment-page.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "forge-project.h"

G_BEGIN_DECLS

#define FORGE_TYPE_ENVIRONMENT_PAGE (forge_environment_page_get_type ())

G_DECLARE_FINAL_TYPE (ForgeEnvironmentPage, forge_environment_page, FORGE, ENVIRONMENT_PAGE, GtkWidget)

/* A project's environment variables (a secret one's value goes to the
 * keyring, never to the project store) and its overrides of the install
 * command, the dev command and the port inside the sandbox, with the
 * detected ones shown beside them. Names the repository's .env.example
 * (or .env.sample) proposes are listed without values. Each row saves
 * with its apply button; while offer-restart is set, a change offers a
 * restart (project.restart) to apply it. */
GtkWidget    *forge_environment_page_new               (ForgeProject         *project);
ForgeProject *forge_environment_page_get_project       (ForgeEnvironmentPage *self);
void          forge_environment_page_set_project       (ForgeEnvironmentPage *self,
                                                        ForgeProject         *project);
gboolean      forge_environment_page_get_offer_restart (ForgeEnvironmentPage *self);
void          forge_environment_page_set_offer_restart (ForgeEnvironmentPage *self,
                                                        gboolean              offer_restart);

G_END_DECLS
