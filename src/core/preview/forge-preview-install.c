/* forge-preview-install.c
 *
 * The install-dependencies step, and the install stamp that lets a
 * restart or a reopened project skip an install whose inputs have not
 * changed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-preview-workflow"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "forge-command-output.h"
#include "forge-preview-run-private.h"
#include "forge-util.h"

/* Each project has a home of its own, but a repository's own code could
 * still plant a ~/.npmrc for its next install: npm reads no user
 * configuration inside. */
static const char * const sandbox_env[] = { "NPM_CONFIG_USERCONFIG=/dev/null", NULL };

/* What makes an install reusable: the lockfile (or package.json when there
 * is none) and the command that installed it. */
/* @name (NULL: the root) in the folder the install runs in. */
static char *
in_install_dir (ForgePreviewRun *run,
                const char      *name)
{
  const char *dir = forge_framework_get_install_dir (run->framework);

  if (dir == NULL)
    return g_strdup (name);
  return g_build_filename (dir, name != NULL ? name : "package.json", NULL);
}

static char *
install_fingerprint (ForgePreviewRun *run)
{
  g_autofree char *lockfile = in_install_dir (run, forge_framework_get_lockfile (run->framework));
  g_autofree char *sum = forge_workspace_dup_install_fingerprint (run->workspace, lockfile, NULL);
  g_auto(GStrv) argv = forge_framework_dup_install_argv (run->framework);
  g_autofree char *command = argv ? g_strjoinv (" ", argv) : g_strdup ("");

  if (sum == NULL)
    return NULL;

  return g_strdup_printf ("%s %s", sum, command);
}

static char *
install_stamp_path (ForgePreviewRun *run)
{
  return g_build_filename (run->workspace_dir, "install-stamp", NULL);
}

/* What the stamp says after an install, and must say for the next one to
 * be skipped: the fingerprint, and whether the install left no
 * node_modules (a project without dependencies): one that had them and
 * lost them no longer matches. */
static char *
stamp_for (ForgePreviewRun *run,
           const char      *fingerprint)
{
  g_autofree char *node_modules = in_install_dir (run, "node_modules");

  if (fingerprint == NULL)
    return NULL;

  /* Asked of the workspace: node_modules is where the sandbox wrote it. */
  if (forge_workspace_test (run->workspace, node_modules, FORGE_REPO_TEST_IS_DIR))
    return g_strdup (fingerprint);

  return g_strconcat (fingerprint, " no-node-modules", NULL);
}

JsonNode *
_forge_preview_install_dependencies (ForgeStepContext  *ctx,
                                     gpointer           user_data,
                                     GError           **error)
{
  ForgePreviewRun *run = user_data;
  g_autofree char *fingerprint = NULL;
  g_autofree char *stamp_path = install_stamp_path (run);
  g_autofree char *stamp = NULL;
  g_autofree char *expected_stamp = NULL;
  g_auto(GStrv) argv = NULL;
  g_autofree char *command = NULL;
  g_autofree char *cwd = NULL;
  g_autoptr(ForgeCommandOutput) output = NULL;
  JsonObject *object = json_object_new ();
  ForgeSandbox *sandbox;
  int status = 0;
  gint64 started = g_get_monotonic_time ();

  /* The resumed sandbox has what the last install left, in use by the
   * server that kept running. */
  if (run->resumed)
    {
      json_object_set_boolean_member (object, "skipped", TRUE);
      json_object_set_string_member (object, "reason", "resumed");
      return _forge_preview_object_node (object);
    }

  if (!forge_framework_needs_install (run->framework))
    {
      json_object_set_boolean_member (object, "skipped", TRUE);
      json_object_set_string_member (object, "reason", "nothing to install");
      return _forge_preview_object_node (object);
    }

  if (_forge_preview_run_ensure_workspace (run, error) == NULL)
    {
      json_object_unref (object);
      return NULL;
    }

  fingerprint = install_fingerprint (run);
  expected_stamp = stamp_for (run, fingerprint);
  if (expected_stamp != NULL &&
      g_file_get_contents (stamp_path, &stamp, NULL, NULL) &&
      g_str_equal (g_strstrip (stamp), expected_stamp))
    {
      forge_step_context_log (ctx, "install", _("Dependencies are in sync with the lockfile; nothing to install."));
      json_object_set_boolean_member (object, "skipped", TRUE);
      json_object_set_string_member (object, "reason", "in sync");
      json_object_set_string_member (object, "fingerprint", fingerprint);
      return _forge_preview_object_node (object);
    }

  sandbox = _forge_preview_run_ensure_sandbox (run, error);
  if (sandbox == NULL)
    {
      json_object_unref (object);
      return NULL;
    }

  /* A stale stamp must not survive a failed install. */
  g_remove (stamp_path);

  argv = forge_framework_dup_install_argv (run->framework);
  command = g_strjoinv (" ", argv);
  forge_step_context_log (ctx, "install", command);
  /* What the step shows until the command prints something better. */
  forge_step_context_progress_latest (ctx, -1, command);

  output = forge_command_output_new (ctx, "install");
  cwd = forge_framework_dup_install_cwd (run->framework);
  if (!forge_sandbox_run_sync (sandbox, (const char * const *) argv, sandbox_env, cwd,
                               forge_command_output_line_cb, output, &status,
                               forge_step_context_get_cancellable (ctx), error))
    {
      json_object_unref (object);
      return NULL;
    }

  /* run_sync() gives the exit code (128+N for signal N), not a wait
   * status. */
  if (status != 0)
    {
      g_autofree char *last = forge_command_output_dup_last_line (output);
      g_autofree char *cause = _forge_preview_run_dup_limit_cause (run, output);

      /* Another try would hit the same wall. */
      if (cause != NULL)
        {
          g_set_error (error, FORGE_WORKFLOW_ERROR, FORGE_WORKFLOW_ERROR_NON_RETRIABLE,
                       /* Translators: “npm install” ran out of memory (limit 4 GB). … */
                       _("“%s” %s. Raise the limit in Preferences → Sandbox Limits, then try again."),
                       command, cause);
          json_object_unref (object);
          return NULL;
        }

      g_set_error (error, FORGE_WORKFLOW_ERROR, FORGE_WORKFLOW_ERROR_FAILED,
                   _("“%s” failed (exit %d)%s%s. Check the log, fix the repository or your network, and try again."),
                   command, status, last ? ": " : "", last ? last : "");
      json_object_unref (object);
      return NULL;
    }

  g_clear_pointer (&expected_stamp, g_free);
  if ((expected_stamp = stamp_for (run, fingerprint)))
    forge_write_file_atomic (stamp_path, expected_stamp, -1, NULL);

  json_object_set_boolean_member (object, "skipped", FALSE);
  json_object_set_string_member (object, "command", command);
  json_object_set_int_member (object, "duration_ms", (g_get_monotonic_time () - started) / 1000);
  if (fingerprint != NULL)
    json_object_set_string_member (object, "fingerprint", fingerprint);
  return _forge_preview_object_node (object);
}
