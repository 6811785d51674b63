/* forge-project.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum
{
  FORGE_PROJECT_STATUS_GENERATING,
  FORGE_PROJECT_STATUS_DEPLOYED,
  FORGE_PROJECT_STATUS_FAILED,
  FORGE_PROJECT_STATUS_STOPPED,
} ForgeProjectStatus;

#define FORGE_TYPE_PROJECT_STATUS (forge_project_status_get_type ())
GType               forge_project_status_get_type      (void);
const char         *forge_project_status_to_string     (ForgeProjectStatus status);
gboolean            forge_project_status_from_string   (const char        *string,
                                                        ForgeProjectStatus *status);

/* The sandbox backend of a project that names none. */
#define FORGE_PROJECT_DEFAULT_BACKEND "local"

#define FORGE_TYPE_PROJECT (forge_project_get_type ())

G_DECLARE_FINAL_TYPE (ForgeProject, forge_project, FORGE, PROJECT, GObject)

/* A project is a repository the user opened, and what became of it.
 * Main thread only; workers go through ForgeProjectStore. */
ForgeProject       *forge_project_new                  (const char        *id,
                                                        const char        *repo_url);
ForgeProject       *forge_project_new_from_json        (JsonObject        *object,
                                                        GError           **error);
JsonObject         *forge_project_to_json              (ForgeProject      *self);
/* Sets every member present in object (same names as to_json). */
void                forge_project_apply_json           (ForgeProject      *self,
                                                        JsonObject        *object);
/* The name a project made from @repo_url gets ("site" for
 * https://github.com/owner/site.git): what lists show before a project
 * exists, the same as it will be called. */
char               *forge_project_name_for_url         (const char        *repo_url);

const char         *forge_project_get_id               (ForgeProject      *self);
const char         *forge_project_get_name             (ForgeProject      *self);
const char         *forge_project_get_repo_url         (ForgeProject      *self);
const char         *forge_project_get_owner_repo       (ForgeProject      *self);
ForgeProjectStatus  forge_project_get_status           (ForgeProject      *self);
void                forge_project_set_status           (ForgeProject      *self,
                                                        ForgeProjectStatus status);
const char         *forge_project_get_framework        (ForgeProject      *self);
const char         *forge_project_get_package_manager  (ForgeProject      *self);
const char         *forge_project_get_sandbox_id       (ForgeProject      *self);
const char         *forge_project_get_preview_url      (ForgeProject      *self);
const char         *forge_project_get_last_path        (ForgeProject      *self);
void                forge_project_set_last_path        (ForgeProject      *self,
                                                        const char        *last_path);
const char         *forge_project_get_last_error       (ForgeProject      *self);
void                forge_project_set_last_error       (ForgeProject      *self,
                                                        const char        *last_error);
/* The name of the sandbox backend its previews run in (a
 * ForgeSandboxProviders name); FORGE_PROJECT_DEFAULT_BACKEND when unset. */
const char         *forge_project_get_backend          (ForgeProject      *self);
void                forge_project_set_backend          (ForgeProject      *self,
                                                        const char        *backend);
/* How its preview was last shown: "responsive", or a device id of the
 * window's, with ":landscape" when rotated; NULL when never chosen. The
 * core keeps it and reads nothing in it. */
const char         *forge_project_get_preview_device   (ForgeProject      *self);
void                forge_project_set_preview_device   (ForgeProject      *self,
                                                        const char        *device);
/* Which commit it shows: NULL for the remote's default branch, else a
 * ref as forge-repo-spec.h describes ("refs/heads/NAME", "refs/tags/
 * NAME", "refs/pull/N/head"; "tree:PATH" until the clone resolved it).
 * Stored as "git_ref"; set through the store ("git_ref" changes) or
 * forge_preview_session_switch_ref_async(). */
const char         *forge_project_get_git_ref          (ForgeProject      *self);
/* The folder of the repository the address named (…/tree/BRANCH/SUBDIR),
 * or NULL. The clone makes it the package_dir too. */
const char         *forge_project_get_subdir           (ForgeProject      *self);
/* The folder its preview runs from (a monorepo's app), relative to the
 * repository's root, or NULL to let detection find it. Set by the
 * address's folder, the window's app chooser or --subdir, through the
 * store ("package_dir" changes); a switch of ref keeps it. */
const char         *forge_project_get_package_dir      (ForgeProject      *self);
/* The commit the work tree holds (hex), once cloned. */
const char         *forge_project_get_head_commit      (ForgeProject      *self);
/* Overrides of what detection chose, run inside the sandbox through
 * `sh -c` (the user's own command): NULL for the detected one. Setting
 * "" or blanks is setting NULL. */
const char         *forge_project_get_install_command  (ForgeProject      *self);
void                forge_project_set_install_command  (ForgeProject      *self,
                                                        const char        *command);
const char         *forge_project_get_dev_command      (ForgeProject      *self);
void                forge_project_set_dev_command      (ForgeProject      *self,
                                                        const char        *command);
/* The port the dev server listens on inside the sandbox; 0 for the one
 * the sandbox gives. */
guint               forge_project_get_dev_port         (ForgeProject      *self);
void                forge_project_set_dev_port         (ForgeProject      *self,
                                                        guint              port);

/* Its environment variables, given to its install and dev server
 * commands, in order. A secret one is kept here by name only: its value
 * lives in the keyring (forge_secrets_store_env_value()). "env" is
 * notified when any changes. At most FORGE_PROJECT_MAX_ENV. */
#define FORGE_PROJECT_MAX_ENV 1024
char              **forge_project_dup_env_names        (ForgeProject      *self);
gboolean            forge_project_has_env              (ForgeProject      *self,
                                                        const char        *name);
/* NULL for a secret or a missing one. */
const char         *forge_project_get_env_value        (ForgeProject      *self,
                                                        const char        *name);
gboolean            forge_project_get_env_is_secret    (ForgeProject      *self,
                                                        const char        *name);
/* Adds @name (forge_env_name_is_valid()) or changes it in place; @value
 * is ignored for a secret one. */
void                forge_project_set_env              (ForgeProject      *self,
                                                        const char        *name,
                                                        const char        *value,
                                                        gboolean           secret);
gboolean            forge_project_remove_env           (ForgeProject      *self,
                                                        const char        *name);

gint64              forge_project_get_created          (ForgeProject      *self);
gint64              forge_project_get_updated          (ForgeProject      *self);

/* Project ids name folders, so only the form g_uuid_string_random() makes
 * is accepted where an id comes from disk or from an event: "../../x" or
 * "/tmp/x" would otherwise put a workspace (and its deletion) anywhere. */
gboolean            forge_project_id_is_valid          (const char        *project_id);
/* $XDG_CACHE_HOME/forge-preview/projects/<id>: the work tree is its
 * "repo" (bound into the sandbox), the git directory its "git" (never),
 * the sandbox's home its "home". NULL when the id is not a valid one. */
char               *forge_project_dup_workspace_dir    (ForgeProject      *self);
char               *forge_project_workspace_dir_for_id (const char        *project_id);

G_END_DECLS
