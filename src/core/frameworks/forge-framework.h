/* forge-framework.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "forge-workspace.h"

G_BEGIN_DECLS

#define FORGE_FRAMEWORK_ERROR (forge_framework_error_quark ())

typedef enum
{
  FORGE_FRAMEWORK_ERROR_FAILED,
  FORGE_FRAMEWORK_ERROR_MALFORMED_PACKAGE_JSON,   /* message names line and column */
  FORGE_FRAMEWORK_ERROR_NOTHING_RUNNABLE,         /* message names what was looked for */
} ForgeFrameworkError;

#define FORGE_TYPE_FRAMEWORK (forge_framework_get_type ())

G_DECLARE_FINAL_TYPE (ForgeFramework, forge_framework, FORGE, FRAMEWORK, GObject)

GQuark          forge_framework_error_quark                (void);

/* Reads package.json, config files and lockfiles, only through
 * @workspace (the repository as the sandbox sees it). Blocking: call from
 * a worker thread. */
ForgeFramework *forge_framework_detect                     (ForgeWorkspace  *workspace,
                                                            GError         **error);

/* Round trip through the workflow journal. */
JsonNode       *forge_framework_to_json                    (ForgeFramework  *self);
ForgeFramework *forge_framework_new_from_json              (JsonNode        *node,
                                                            GError         **error);

/* "nextjs", "vite", "create-react-app", "nuxt", "sveltekit", "svelte",
 * "astro", "remix", "react-router", "angular", "vue-cli", "gatsby",
 * "docusaurus", "solidstart", "eleventy", "parcel", "webpack-dev-server",
 * "node", "static" */
const char     *forge_framework_get_id                     (ForgeFramework  *self);
const char     *forge_framework_get_display_name           (ForgeFramework  *self);
/* "npm", "pnpm", "yarn", "bun"; NULL for a static site */
const char     *forge_framework_get_package_manager        (ForgeFramework  *self);
/* From the packageManager field ("8.15.4"), or NULL */
const char     *forge_framework_get_package_manager_version (ForgeFramework *self);
/* The lockfile trusted for this repo, relative to the repo, or NULL */
const char     *forge_framework_get_lockfile               (ForgeFramework  *self);
/* The package.json script run as the dev server ("dev", "start", …), or
 * NULL when the framework's binary is run directly. */
const char     *forge_framework_get_dev_script             (ForgeFramework  *self);
guint           forge_framework_get_default_port           (ForgeFramework  *self);
gboolean        forge_framework_needs_install              (ForgeFramework  *self);
/* Whether the server moves to another port on its own when the one asked
 * for is taken (so the printed URL must be read), rather than exiting. */
gboolean        forge_framework_may_change_port            (ForgeFramework  *self);

/* Commands to run inside the sandbox, from FORGE_SANDBOX_REPO_DIR.
 * The install argv is NULL when nothing needs installing (static sites). */
char          **forge_framework_dup_install_argv           (ForgeFramework  *self);
char          **forge_framework_dup_dev_argv               (ForgeFramework  *self,
                                                            const char      *host,
                                                            guint            port);
/* KEY=VALUE entries to add to the sandbox's environment (PORT, HOST,
 * BROWSER=none, …). */
char          **forge_framework_dup_dev_env                (ForgeFramework  *self,
                                                            const char      *host,
                                                            guint            port);

G_END_DECLS
