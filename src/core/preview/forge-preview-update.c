/* forge-preview-update.c
 *
 * The update-project step: the project records its running preview.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-preview-workflow"

#include "config.h"

#include "forge-git.h"
#include "forge-preview-run-private.h"

JsonNode *
_forge_preview_update_project (ForgeStepContext  *ctx,
                               gpointer           user_data,
                               GError           **error)
{
  ForgePreviewUpdateData *data = user_data;
  ForgePreviewRun *run = data->run;
  JsonObject *server = json_node_get_object (data->server);
  g_autoptr(JsonObject) changes = json_object_new ();
  g_autofree char *owner = NULL;
  g_autofree char *repo = NULL;
  JsonObject *object = json_object_new ();

  json_object_set_string_member (changes, "status", "deployed");
  json_object_set_string_member (changes, "preview_url", json_object_get_string_member (server, "url"));
  json_object_set_string_member (changes, "sandbox_id", json_object_get_string_member (server, "sandbox_id"));
  json_object_set_string_member (changes, "framework", forge_framework_get_id (run->framework));
  json_object_set_string_member (changes, "package_manager", forge_framework_get_package_manager (run->framework));
  json_object_set_null_member (changes, "last_error");
  /* The app detection picked (a monorepo's only one) is kept, so that a
   * second app added later does not make the project ask. */
  if (forge_framework_get_package_dir (run->framework) != NULL)
    json_object_set_string_member (changes, "package_dir", forge_framework_get_package_dir (run->framework));
  if (forge_git_parse_owner_repo (run->repo_url, &owner, &repo))
    {
      g_autofree char *owner_repo = g_strdup_printf ("%s/%s", owner, repo);
      json_object_set_string_member (changes, "owner_repo", owner_repo);
    }

  forge_project_store_update_from_thread (run->self->store, run->project_id, changes);

  json_object_set_string_member (object, "status", "deployed");
  return _forge_preview_object_node (object);
}
