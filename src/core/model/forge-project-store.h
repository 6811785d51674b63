/* forge-project-store.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "forge-project.h"

G_BEGIN_DECLS

#define FORGE_TYPE_PROJECT_STORE (forge_project_store_get_type ())

G_DECLARE_FINAL_TYPE (ForgeProjectStore, forge_project_store, FORGE, PROJECT_STORE, GObject)

/* A GListModel of ForgeProject kept in
 * $XDG_DATA_HOME/forge-preview/projects.json, written atomically whenever
 * a project changes. Lives on the main context it was created on. */
ForgeProjectStore *forge_project_store_new                (const char         *path);
const char        *forge_project_store_get_path           (ForgeProjectStore  *self);
/* A missing file is an empty store. A corrupt one is moved aside (kept as
 * projects.json.corrupt-TIMESTAMP) and reported, so nothing is lost. */
gboolean           forge_project_store_load               (ForgeProjectStore  *self,
                                                           GError            **error);
gboolean           forge_project_store_save               (ForgeProjectStore  *self,
                                                           GError            **error);
ForgeProject      *forge_project_store_lookup             (ForgeProjectStore  *self,
                                                           const char         *project_id);
ForgeProject      *forge_project_store_find_by_url        (ForgeProjectStore  *self,
                                                           const char         *repo_url);
/* The backend new projects get ("default-backend"; initially
 * FORGE_PROJECT_DEFAULT_BACKEND): existing projects keep theirs. */
const char        *forge_project_store_get_default_backend (ForgeProjectStore *self);
void               forge_project_store_set_default_backend (ForgeProjectStore *self,
                                                            const char        *backend);
/* The project for repo_url, created (status generating, the default
 * backend) if there is none. */
ForgeProject      *forge_project_store_ensure             (ForgeProjectStore  *self,
                                                           const char         *repo_url);
gboolean           forge_project_store_remove             (ForgeProjectStore  *self,
                                                           const char         *project_id);
void               forge_project_store_update             (ForgeProjectStore  *self,
                                                           const char         *project_id,
                                                           JsonObject         *changes);
/* For worker threads: applies changes on the store's main context and
 * returns once they are saved. */
void               forge_project_store_update_from_thread (ForgeProjectStore  *self,
                                                           const char         *project_id,
                                                           JsonObject         *changes);

/* For worker threads: the project as forge_project_to_json() gives it,
 * taken on the store's main context; NULL when there is no such project. */
JsonObject        *forge_project_store_dup_json_from_thread (ForgeProjectStore *self,
                                                             const char        *project_id);

G_END_DECLS
