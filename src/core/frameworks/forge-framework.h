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
  /* A monorepo with more than one app and none chosen: the message lists
   * them (forge_monorepo_dup_apps() gives them). */
  FORGE_FRAMEWORK_ERROR_CHOOSE_APP,
  /* The folder asked for is not one of the repository's (message names it). */
  FORGE_FRAMEWORK_ERROR_NO_SUCH_FOLDER,
} ForgeFrameworkError;

/* json-glib's parser recurses once per bracket: no real package.json
 * nests anywhere near this, and a hostile one must not exhaust a
 * worker's stack. */
#define FORGE_PACKAGE_JSON_MAX_DEPTH 64

#define FORGE_TYPE_FRAMEWORK (forge_framework_get_type ())

G_DECLARE_FINAL_TYPE (ForgeFramework, forge_framework, FORGE, FRAMEWORK, GObject)

GQuark          forge_framework_error_quark                (void);

/* Reads package.json, config files and lockfiles, only through
 * @workspace (the repository as the sandbox sees it). Blocking: call from
 * a worker thread. */
ForgeFramework *forge_framework_detect                     (ForgeWorkspace  *workspace,
                                                            GError         **error);
/* The same for the project in @package_dir (relative to the root, NULL:
 * as forge_framework_detect()): a monorepo's package, installed at the
 * root by the workspace's package manager and run in that package, or a
 * folder that is a project of its own. A root that is no app itself but
 * declares workspaces (forge_monorepo_detect()) is the app of its one
 * app package; with more than one, forge_framework_detect() fails with
 * FORGE_FRAMEWORK_ERROR_CHOOSE_APP and a choice goes here. */
ForgeFramework *forge_framework_detect_in                  (ForgeWorkspace  *workspace,
                                                            const char      *package_dir,
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
/* The package it runs, relative to the root, or NULL for the root. */
const char     *forge_framework_get_package_dir            (ForgeFramework  *self);
/* That package's package.json "name" (when a command line can take it),
 * or NULL. */
const char     *forge_framework_get_package_name           (ForgeFramework  *self);
/* Where the install runs, relative to the root: NULL for the root (a
 * workspace's package included), else the package's own folder. The
 * lockfile is relative to it. */
const char     *forge_framework_get_install_dir            (ForgeFramework  *self);
guint           forge_framework_get_default_port           (ForgeFramework  *self);
gboolean        forge_framework_needs_install              (ForgeFramework  *self);
/* Whether the server moves to another port on its own when the one asked
 * for is taken (so the printed URL must be read), rather than exiting. */
gboolean        forge_framework_may_change_port            (ForgeFramework  *self);

/* Commands to run inside the sandbox: the install from
 * forge_framework_dup_install_cwd(), the dev server from
 * forge_framework_dup_dev_cwd() (FORGE_SANDBOX_REPO_DIR, or a folder in
 * it). The install argv is NULL when nothing needs installing (static
 * sites). A workspace's package runs as its package manager runs one
 * (`pnpm --filter NAME run dev`, `yarn workspace NAME run dev`,
 * `npm run dev -w NAME`), else from its folder. */
char           *forge_framework_dup_install_cwd            (ForgeFramework  *self);
char           *forge_framework_dup_dev_cwd                (ForgeFramework  *self);
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
