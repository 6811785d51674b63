/* forge-preview-detect.c
 *
 * The detect-framework step.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-preview-workflow"

#include "config.h"

#include "forge-preview-run-private.h"

/* Reads the repository through the backend's workspace only: with a
 * remote backend, what the sandbox has is what runs. */
JsonNode *
_forge_preview_detect_framework (ForgeStepContext  *ctx,
                                 gpointer           user_data,
                                 GError           **error)
{
  ForgePreviewRun *run = user_data;
  g_autoptr(ForgeFramework) framework = NULL;
  ForgeWorkspace *workspace;

  workspace = _forge_preview_run_ensure_workspace (run, error);
  if (workspace == NULL)
    return NULL;

  framework = forge_framework_detect_in (workspace, run->package_dir, error);
  if (framework == NULL)
    {
      if (error != NULL && *error != NULL && (*error)->domain == FORGE_FRAMEWORK_ERROR)
        _forge_preview_make_non_retriable (error);
      return NULL;
    }

  return forge_framework_to_json (framework);
}
