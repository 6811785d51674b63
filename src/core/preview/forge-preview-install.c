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
#include "forge-node-version.h"
#include "forge-preview-run-private.h"
#include "forge-util.h"

/* package.json nests a few levels; json-glib's parser recurses. */

/* The project's variables, and what no variable may change: each
 * project has a home of its own, but a repository's own code could
 * still plant a ~/.npmrc for its next install, so npm reads no user
 * configuration inside. */
static char **
install_env (ForgePreviewRun *run)
{
  char **env = forge_run_env_apply (run->env, NULL);

  return g_environ_setenv (env, "NPM_CONFIG_USERCONFIG", "/dev/null", TRUE);
}

/* The project's own install command runs through the shell (it is the
 * user's, inside the sandbox); NULL when there is nothing to install. */
static char **
install_argv (ForgePreviewRun *run)
{
  const char *custom = forge_run_env_get_install_command (run->env);

  if (custom != NULL)
    {
      const char * const argv[] = { "sh", "-c", custom, NULL };

      return g_strdupv ((char **) argv);
    }

  return forge_framework_dup_install_argv (run->framework);
}

/* What makes an install reusable: the lockfile (or package.json when there
 * is none), the command that installed it, and the variables it ran
 * with (NODE_ENV=production installs less): a change of either installs
 * again. The variables as a digest that leaves secret values out. */
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
  g_auto(GStrv) argv = install_argv (run);
  g_autofree char *command = argv ? g_strjoinv (" ", argv) : g_strdup ("");
  g_autofree char *digest = NULL;

  if (sum == NULL)
    return NULL;

  /* Stamps of installs without variables stay as they were. */
  if (forge_run_env_get_n_variables (run->env) == 0)
    return g_strdup_printf ("%s %s", sum, command);

  digest = forge_run_env_dup_digest (run->env);
  return g_strdup_printf ("%s %s env:%s", sum, command, digest);
}

/* What the project says it needs: engines.node, else .nvmrc, else
 * .node-version. *range is a range for forge_node_range_check(), *source
 * what people read ("engines.node “^18”"). */
static gboolean
find_node_requirement (ForgePreviewRun  *run,
                       char            **range,
                       char            **source)
{
  static const char * const files[] = { ".nvmrc", ".node-version" };
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (forge_workspace_read_file (run->workspace, "package.json", FORGE_REPO_MANIFEST_MAX_SIZE,
                                 &contents, &length, NULL) &&
      forge_json_depth_within (contents, length, FORGE_PACKAGE_JSON_MAX_DEPTH))
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonNode *root;
      JsonNode *engines;
      JsonNode *node;

      if (json_parser_load_from_data (parser, contents, length, NULL) &&
          (root = json_parser_get_root (parser)) != NULL && JSON_NODE_HOLDS_OBJECT (root) &&
          (engines = json_object_get_member (json_node_get_object (root), "engines")) != NULL &&
          JSON_NODE_HOLDS_OBJECT (engines) &&
          (node = json_object_get_member (json_node_get_object (engines), "node")) != NULL &&
          JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        {
          *range = g_strdup (json_node_get_string (node));
          *source = g_strdup_printf ("engines.node “%s”", *range);
          return TRUE;
        }
    }

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *text = NULL;
      g_autofree char *found = NULL;

      if (!forge_workspace_read_file (run->workspace, files[i], 256, &text, NULL, NULL))
        continue;

      /* An alias (lts/iron, node) is nvm's to resolve: nothing to compare. */
      if ((found = forge_node_version_file_range (text)) == NULL)
        return FALSE;

      *range = g_steal_pointer (&found);
      *source = g_strdup_printf ("%s “%s”", files[i], g_strstrip (text));
      return TRUE;
    }

  return FALSE;
}

static void
node_version_line_cb (ForgeSandboxStream  stream,
                      const char         *line,
                      gpointer            user_data)
{
  char **version = user_data;

  if (*version == NULL && stream == FORGE_SANDBOX_STREAM_STDOUT)
    *version = g_strstrip (g_strdup (line));
}

/* Said once per run, in the log, when the Node the sandbox runs is not
 * one the project asks for; the run goes on (most projects still work,
 * and there is no other Node to offer). */
static void
check_node_version (ForgePreviewRun *run)
{
  const char * const argv[] = { "node", "--version", NULL };
  g_autofree char *range = NULL;
  g_autofree char *source = NULL;
  g_autofree char *version = NULL;
  g_autofree char *wanted = NULL;
  g_autofree char *text = NULL;
  ForgeSandbox *sandbox;
  int status = -1;

  if (g_strcmp0 (forge_framework_get_id (run->framework), "static") == 0 ||
      !find_node_requirement (run, &range, &source))
    return;

  /* The Node that runs the commands, asked where they run. */
  if ((sandbox = _forge_preview_run_ensure_sandbox (run, NULL)) == NULL ||
      !forge_sandbox_run_sync (sandbox, argv, NULL, FORGE_SANDBOX_REPO_DIR,
                               node_version_line_cb, &version, &status,
                               forge_step_context_get_cancellable (run->ctx), NULL) ||
      status != 0 || version == NULL)
    return;

  if (forge_node_range_check (range, version) != FORGE_NODE_RANGE_UNSATISFIED)
    return;

  wanted = forge_node_range_describe (range);
  /* Translators: This project asks for Node 18 (engines.node “^18”); the sandbox runs Node 20.19.2. Continuing. */
  text = g_strdup_printf (_("This project asks for Node %s (%s); the sandbox runs Node %s. Continuing."),
                          wanted != NULL ? wanted : range, source,
                          version[0] == 'v' ? version + 1 : version);
  forge_step_context_log (run->ctx, "install", text);
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

/* The network error a package manager gave up on while it fetched from
 * its registry ("npm error code ECONNREFUSED", pnpm's and yarn's
 * "request to https://… failed, reason: getaddrinfo ENOTFOUND …"), or
 * NULL. A code alone is not enough: the project's own install scripts
 * may fail to reach a service of theirs. */
static const char *
registry_unreachable_code (ForgeCommandOutput *output)
{
  static const char * const codes[] = {
    "ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "ECONNRESET", "ENETUNREACH", "EHOSTUNREACH",
  };
  g_autofree char *tail = forge_command_output_dup_tail (output);
  g_auto(GStrv) lines = g_strsplit (tail != NULL ? tail : "", "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      gboolean from_registry = strstr (lines[i], "npm error code ") != NULL ||
                               strstr (lines[i], "npm ERR! code ") != NULL ||
                               (strstr (lines[i], "request to ") != NULL && strstr (lines[i], " failed") != NULL);

      for (guint j = 0; from_registry && j < G_N_ELEMENTS (codes); j++)
        if (strstr (lines[i], codes[j]) != NULL)
          return codes[j];
    }

  return NULL;
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
  g_auto(GStrv) env = NULL;
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

  if (_forge_preview_run_ensure_workspace (run, error) == NULL)
    {
      json_object_unref (object);
      return NULL;
    }

  check_node_version (run);

  /* The project's own install command runs even where detection saw
   * nothing to install: it was asked for. */
  if (!forge_framework_needs_install (run->framework) &&
      forge_run_env_get_install_command (run->env) == NULL)
    {
      json_object_set_boolean_member (object, "skipped", TRUE);
      json_object_set_string_member (object, "reason", "nothing to install");
      return _forge_preview_object_node (object);
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

  argv = install_argv (run);
  env = install_env (run);
  /* A command typed with a secret in it shows masked too. */
  {
    g_autofree char *joined = forge_run_env_get_install_command (run->env) != NULL
      ? g_strdup (forge_run_env_get_install_command (run->env))
      : g_strjoinv (" ", argv);

    command = forge_run_env_mask (run->env, joined);
  }
  forge_step_context_log (ctx, "install", command);
  /* What the step shows until the command prints something better. */
  forge_step_context_progress_latest (ctx, -1, command);

  output = _forge_preview_run_new_output (run, "install");
  cwd = forge_framework_dup_install_cwd (run->framework);
  if (!forge_sandbox_run_sync (sandbox, (const char * const *) argv, (const char * const *) env, cwd,
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
      const char *code;

      if (_forge_preview_run_disk_is_full (run, output))
        {
          g_set_error (error, FORGE_WORKFLOW_ERROR, FORGE_WORKFLOW_ERROR_NON_RETRIABLE,
                       _("“%s” ran out of disk space: the disk is full. Free some space, then try again."),
                       command);
          json_object_unref (object);
          return NULL;
        }

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

      /* Retried as any failure: the network may come back. */
      if ((code = registry_unreachable_code (output)) != NULL)
        {
          g_set_error (error, FORGE_WORKFLOW_ERROR, FORGE_WORKFLOW_ERROR_FAILED,
                       /* Translators: %s is an error code such as ECONNREFUSED */
                       _("Could not reach the npm registry (%s): check the network, then try again."),
                       code);
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
