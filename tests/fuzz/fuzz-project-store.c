/* fuzz-project-store.c
 *
 * projects.json as the app reads it at start-up: the input is the file.
 * Whatever it holds, the store loads what it can (or sets the file aside
 * with an error), every project it keeps has a valid id, ref and folder,
 * can be looked up, changed, saved, and the saved file loads again with
 * the same projects. Never a critical or a crash.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "forge-project-store.h"
#include "forge-repo-spec.h"
#include "fuzz-common.h"

static char *store_dir;
static char *store_path;

static void
check_project (ForgeProjectStore *store,
               ForgeProject      *project)
{
  const char *id = forge_project_get_id (project);
  g_autoptr(JsonObject) object = forge_project_to_json (project);
  g_autoptr(ForgeProject) copy = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *workspace_dir = NULL;

  /* Ids name folders whose removal deletes them. */
  g_assert (forge_project_id_is_valid (id));
  workspace_dir = forge_project_dup_workspace_dir (project);
  g_assert (workspace_dir != NULL && strstr (workspace_dir, "..") == NULL);
  g_assert (forge_git_ref_is_valid (forge_project_get_git_ref (project)));
  g_assert (forge_project_get_subdir (project) == NULL ||
            forge_git_subdir_is_valid (forge_project_get_subdir (project)));
  g_assert (forge_project_get_repo_url (project) != NULL);
  g_assert (forge_project_store_lookup (store, id) == project);
  g_assert (forge_project_store_find_by_url (store, forge_project_get_repo_url (project)) != NULL);

  copy = forge_project_new_from_json (object, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (forge_project_get_id (copy), ==, id);
  g_assert_cmpstr (forge_project_get_git_ref (copy), ==, forge_project_get_git_ref (project));
  g_assert_cmpint (forge_project_get_status (copy), ==, forge_project_get_status (project));
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(ForgeProjectStore) store = NULL;
  g_autoptr(ForgeProjectStore) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) changes = NULL;
  guint n_projects;
  guint n_saved;
  const char *scratch = fuzz_setup ();

  if (store_dir == NULL)
    {
      store_dir = g_build_filename (scratch, "data", NULL);
      store_path = g_build_filename (store_dir, "projects.json", NULL);
    }
  if (!fuzz_json_single_value ((const char *) data, size))
    return 0;

  fuzz_empty_dir (store_dir);
  fuzz_write_file (store_path, data, size);

  store = forge_project_store_new (store_path);
  if (!forge_project_store_load (store, &error))
    {
      g_assert (error != NULL && error->message != NULL);
      g_clear_error (&error);
    }

  n_projects = g_list_model_get_n_items (G_LIST_MODEL (store));
  for (guint i = 0; i < n_projects; i++)
    {
      g_autoptr(ForgeProject) project = g_list_model_get_item (G_LIST_MODEL (store), i);

      check_project (store, project);
    }

  /* What a run does to its project, through the same path. */
  if (n_projects > 0)
    {
      g_autoptr(ForgeProject) first = g_list_model_get_item (G_LIST_MODEL (store), 0);

      changes = json_object_new ();
      json_object_set_string_member (changes, "status", "ready");
      json_object_set_string_member (changes, "git_ref", "refs/heads/main");
      forge_project_store_update (store, forge_project_get_id (first), changes);
    }
  forge_project_store_ensure (store, "https://github.com/forge/fuzz.git");
  n_saved = g_list_model_get_n_items (G_LIST_MODEL (store));

  if (!forge_project_store_save (store, &error))
    g_error ("Cannot save a loaded store: %s", error->message);

  /* What the app saved, it reads back whole. */
  again = forge_project_store_new (store_path);
  if (!forge_project_store_load (again, &error))
    g_error ("Cannot load a saved store: %s", error->message);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (again)), ==, n_saved);
  for (guint i = 0; i < n_saved; i++)
    {
      g_autoptr(ForgeProject) before = g_list_model_get_item (G_LIST_MODEL (store), i);
      g_autoptr(ForgeProject) after = g_list_model_get_item (G_LIST_MODEL (again), i);

      g_assert_cmpstr (forge_project_get_id (after), ==, forge_project_get_id (before));
      g_assert_cmpstr (forge_project_get_repo_url (after), ==, forge_project_get_repo_url (before));
      g_assert_cmpstr (forge_project_get_name (after), ==, forge_project_get_name (before));
      g_assert_cmpstr (forge_project_get_git_ref (after), ==, forge_project_get_git_ref (before));
      g_assert_cmpstr (forge_project_get_subdir (after), ==, forge_project_get_subdir (before));
      check_project (again, after);
    }

  return 0;
}
