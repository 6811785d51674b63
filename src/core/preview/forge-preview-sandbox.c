/* forge-preview-sandbox.c
 *
 * The start-sandbox step: a sandbox from the project's backend, with the
 * work tree in it (a remote backend uploads it here, with progress).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-preview-workflow"

#include "config.h"

#include "forge-preview-run-private.h"

JsonNode *
_forge_preview_start_sandbox (ForgeStepContext  *ctx,
                              gpointer           user_data,
                              GError           **error)
{
  ForgePreviewRun *run = user_data;
  ForgeSandbox *sandbox;
  JsonObject *object;

  /* A restart resumes the last sandbox where the backend can (E2B
   * pauses an idle one at its timeout): no new sandbox, no upload. */
  if (run->restart && run->sandbox == NULL && _forge_preview_run_try_resume (run))
    sandbox = run->sandbox;
  else
    sandbox = _forge_preview_run_ensure_sandbox (run, error);
  if (sandbox == NULL)
    return NULL;

  object = json_object_new ();
  json_object_set_string_member (object, "backend", run->backend);
  json_object_set_string_member (object, "sandbox_id", forge_sandbox_get_id (sandbox));
  json_object_set_boolean_member (object, "resumed", run->resumed);
  return _forge_preview_object_node (object);
}
