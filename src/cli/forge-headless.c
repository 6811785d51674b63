/* forge-headless.c
 *
 * `forge-preview --headless [--json] [--backend NAME] [--subdir FOLDER] REPO_URL`: the clone-and-preview
 * workflow without a window. Its JSON lines are a contract for scripts,
 * benchmarks and end-to-end tests: add members, never rename or remove.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-headless"

#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "forge-context.h"
#include "forge-env-file.h"
#include "forge-git.h"
#include "forge-secrets.h"
#include "forge-headless.h"

/* A page that logs in a loop cannot flood the reader: past this many
 * messages since it loaded, one note says the rest were left out. */
#define MAX_CONSOLE_EVENTS 1000

/* Wiped, not only freed, on every way out. */
typedef char *HeadlessToken;
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (HeadlessToken, forge_secrets_free_token, NULL)

typedef struct
{
  GMainLoop           *loop;
  ForgeProjectStore   *store;
  ForgeWorkflowEngine *engine;
  ForgePreviewSession *session;
  char                *run_id;
  gboolean             json;
  gboolean             previewing;
  /* --pull on a project cloned before: the run is the pull's. */
  gboolean             pulling;
  int                  exit_status;
  /* SIGINT or SIGTERM, once one asked us to stop. */
  int                  stop_signal;
  /* --load-page: the preview, loaded offscreen (a ForgePageProbe). */
  GObject             *page_probe;
  guint                n_console_events;
} Headless;

gboolean
forge_headless_requested (int    argc,
                          char **argv)
{
  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--"))
        break;
      if (g_str_equal (argv[i], "--headless"))
        return TRUE;
    }

  return FALSE;
}

static void
print_json (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = NULL;

  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);

  /* One object a line, flushed at once: readers act on each line. */
  fputs (text, stdout);
  fputc ('\n', stdout);
  fflush (stdout);
}

static JsonBuilder *
begin_event (const char *type)
{
  JsonBuilder *builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, type);
  return builder;
}

static void
add_string (JsonBuilder *builder,
            const char  *name,
            const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
end_event (JsonBuilder *builder)
{
  json_builder_end_object (builder);
  print_json (builder);
  g_object_unref (builder);
}

/* message is one line; log_tail (may be NULL) what explains it. */
static void
report_error (Headless   *headless,
              const char *message,
              const char *log_tail)
{
  if (headless->json)
    {
      JsonBuilder *builder = begin_event ("error");
      add_string (builder, "message", message);
      if (log_tail != NULL)
        add_string (builder, "log_tail", log_tail);
      end_event (builder);
    }

  g_printerr ("forge-preview: %s\n", message);
}

static void
step_cb (ForgePreviewSession *session,
         const char          *run_id,
         const char          *step_id,
         ForgeStepState       state,
         guint                attempt,
         gint64               duration_ms,
         const char          *error_message,
         Headless            *headless)
{
  if (g_strcmp0 (run_id, headless->run_id) != 0)
    return;

  if (headless->json)
    {
      JsonBuilder *builder = begin_event ("step");

      add_string (builder, "name", step_id);
      add_string (builder, "state", forge_step_state_to_string (state));
      json_builder_set_member_name (builder, "attempt");
      json_builder_add_int_value (builder, attempt);
      if (state != FORGE_STEP_STATE_START)
        {
          json_builder_set_member_name (builder, "duration_ms");
          json_builder_add_int_value (builder, duration_ms);
        }
      if (error_message != NULL)
        {
          g_autoptr(ForgeRunInfo) info = forge_preview_session_dup_run_info (session, run_id);
          ForgeStepInfo *step = info ? forge_run_info_lookup_step (info, step_id) : NULL;

          add_string (builder, "error", error_message);
          if (step != NULL && forge_step_info_get_error_log_tail (step) != NULL)
            add_string (builder, "log_tail", forge_step_info_get_error_log_tail (step));
        }
      end_event (builder);
    }
  else if (state == FORGE_STEP_STATE_START)
    g_printerr ("… %s\n", step_id);
  else if (state == FORGE_STEP_STATE_ERROR)
    g_printerr ("✗ %s (%" G_GINT64_FORMAT " ms)\n", step_id, duration_ms);
  else
    g_printerr ("✓ %s (%" G_GINT64_FORMAT " ms%s)\n", step_id, duration_ms,
                state == FORGE_STEP_STATE_MEMOIZED ? ", memoized" : "");
}

/* Thinned out by the core (about ten a second at most, the latest one
 * always), so a script may print each. */
static void
progress_cb (ForgePreviewSession *session,
             const char          *run_id,
             const char          *step_id,
             double               fraction,
             const char          *text,
             Headless            *headless)
{
  JsonBuilder *builder;

  if (!headless->json || g_strcmp0 (run_id, headless->run_id) != 0)
    return;

  builder = begin_event ("progress");
  add_string (builder, "step", step_id);
  json_builder_set_member_name (builder, "fraction");
  if (fraction >= 0)
    json_builder_add_double_value (builder, CLAMP (fraction, 0.0, 1.0));
  else
    json_builder_add_null_value (builder);
  add_string (builder, "text", text);
  end_event (builder);
}

static void
print_log (Headless   *headless,
           const char *stream,
           const char *line)
{
  if (headless->json)
    {
      JsonBuilder *builder = begin_event ("log");

      add_string (builder, "stream", stream);
      add_string (builder, "line", line);
      end_event (builder);
    }
  else
    g_printerr ("  %s\n", line);
}

static void
log_cb (ForgePreviewSession *session,
        const char          *run_id,
        const char          *stream,
        const char          *line,
        Headless            *headless)
{
  if (g_strcmp0 (run_id, headless->run_id) == 0)
    print_log (headless, stream, line);
}

/* What the server prints after the run handed it over. */
static void
server_log_cb (ForgePreviewSession *session,
               const char          *stream,
               const char          *line,
               Headless            *headless)
{
  print_log (headless, stream, line);
}

static void
load_page (Headless   *headless,
           const char *url)
{
  g_autofree char *current = NULL;

  if (headless->page_probe == NULL || url == NULL)
    return;

  /* Back on the same address, the page's own live-reload client finds
   * the server again, as in the window. */
  g_object_get (headless->page_probe, "uri", &current, NULL);
  if (g_strcmp0 (current, url) == 0)
    return;

  headless->n_console_events = 0;
  g_object_set (headless->page_probe, "uri", url, NULL);
}

static void
page_loaded_cb (GObject    *probe,
                const char *url,
                Headless   *headless)
{
  if (headless->json)
    {
      JsonBuilder *builder = begin_event ("page");

      add_string (builder, "state", "loaded");
      add_string (builder, "url", url);
      end_event (builder);
    }
  else
    g_printerr (_("Page loaded: %s\n"), url);
}

static void
page_failed_cb (GObject    *probe,
                const char *url,
                const char *message,
                Headless   *headless)
{
  if (headless->json)
    {
      JsonBuilder *builder = begin_event ("page");

      add_string (builder, "state", "failed");
      add_string (builder, "url", url);
      add_string (builder, "error", message);
      end_event (builder);
    }
  else
    g_printerr (_("The page did not load (%s): %s\n"), url, message);
}

static void
console_message_cb (GObject    *probe,
                    const char *level,
                    const char *message,
                    const char *source,
                    guint       line,
                    Headless   *headless)
{
  if (headless->n_console_events > MAX_CONSOLE_EVENTS)
    return;

  if (++headless->n_console_events > MAX_CONSOLE_EVENTS)
    {
      level = "warning";
      message = _("The page logs too much: its further messages are left out until it loads again.");
      source = NULL;
      line = 0;
    }

  if (headless->json)
    {
      JsonBuilder *builder = begin_event ("console");

      add_string (builder, "level", level);
      add_string (builder, "message", message);
      add_string (builder, "source", source != NULL && *source != '\0' ? source : NULL);
      json_builder_set_member_name (builder, "line");
      if (line > 0)
        json_builder_add_int_value (builder, line);
      else
        json_builder_add_null_value (builder);
      end_event (builder);
    }
  else if (source != NULL && *source != '\0')
    g_printerr ("console %s: %s (%s:%u)\n", level, message, source, line);
  else
    g_printerr ("console %s: %s\n", level, message);
}

static void
run_finished_cb (ForgePreviewSession *session,
                 const char          *run_id,
                 ForgeRunStatus       status,
                 const char          *error_message,
                 Headless            *headless)
{
  if (g_strcmp0 (run_id, headless->run_id) != 0)
    return;

  /* Asked to stop before the preview was up: the run was interrupted,
   * it did not fail (see stop_for_signal()). */
  if (headless->stop_signal != 0 && status == FORGE_RUN_STATUS_CANCELLED)
    return;

  if (status != FORGE_RUN_STATUS_COMPLETED || forge_preview_session_get_preview_url (session) == NULL)
    {
      g_autoptr(ForgeRunInfo) info = forge_preview_session_dup_run_info (session, run_id);

      report_error (headless, error_message ? error_message : _("The run was cancelled."),
                    info ? forge_run_info_get_error_log_tail (info) : NULL);
      headless->exit_status = 1;
      g_main_loop_quit (headless->loop);
      return;
    }

  /* The session watches it from here on: the manager keeps it alive and
   * brings it back. */
  headless->previewing = TRUE;

  if (headless->json)
    {
      JsonBuilder *builder = begin_event ("preview");

      add_string (builder, "url", forge_preview_session_get_preview_url (session));
      add_string (builder, "framework", forge_preview_session_get_framework (session));
      add_string (builder, "package_manager", forge_preview_session_get_package_manager (session));
      add_string (builder, "package_dir", forge_preview_session_get_package_dir (session));
      add_string (builder, "project_id", forge_preview_session_get_project_id (session));
      add_string (builder, "sandbox_id", forge_preview_session_get_sandbox_id (session));
      add_string (builder, "network", forge_preview_session_get_network (session));
      end_event (builder);
    }
  else
    {
      g_print ("%s\n", forge_preview_session_get_preview_url (session));
      g_printerr (_("Preview running; press Ctrl+C to stop it.\n"));
    }

  load_page (headless, forge_preview_session_get_preview_url (session));
}

static void
sandbox_state_cb (ForgePreviewSession *session,
                  ForgeSandboxState    state,
                  const char          *url,
                  gint64               restart_ms,
                  Headless            *headless)
{
  if (headless->json)
    {
      JsonBuilder *builder = begin_event ("sandbox");

      add_string (builder, "state", forge_sandbox_state_to_string (state));
      add_string (builder, "url", url);
      if (state == FORGE_SANDBOX_STATE_RESTORED)
        {
          json_builder_set_member_name (builder, "restart_ms");
          json_builder_add_int_value (builder, restart_ms);
        }
      end_event (builder);
    }
  else if (state == FORGE_SANDBOX_STATE_RESTORED)
    g_printerr (_("Sandbox restored in %" G_GINT64_FORMAT " ms: %s\n"), restart_ms, url);
  else if (state != FORGE_SANDBOX_STATE_ALIVE)
    g_printerr (_("Sandbox %s\n"), forge_sandbox_state_to_string (state));

  if (state == FORGE_SANDBOX_STATE_RESTORED)
    load_page (headless, url);

  if (state == FORGE_SANDBOX_STATE_GAVE_UP)
    {
      report_error (headless, _("The dev server keeps stopping right after it starts; automatic restarts are off. Check the log."), NULL);
      headless->exit_status = 1;
      g_main_loop_quit (headless->loop);
    }
}

/* A stop once the preview is up is the normal end of a headless session
 * (exit status 0). One before that interrupts the run: a "stopped" event,
 * no error, and the shell's status for death by that signal (128+N), so
 * that a script tells an interrupted run from a failed one. */
static void
stop_for_signal (Headless *headless,
                 int       signal_number)
{
  if (headless->stop_signal != 0)
    return;
  headless->stop_signal = signal_number;

  if (headless->json)
    {
      JsonBuilder *builder = begin_event ("stopped");

      add_string (builder, "signal", signal_number == SIGINT ? "SIGINT" : "SIGTERM");
      json_builder_set_member_name (builder, "previewing");
      json_builder_add_boolean_value (builder, headless->previewing);
      end_event (builder);
    }
  else if (!headless->previewing)
    g_printerr (_("Stopped before the preview was ready.\n"));

  if (!headless->previewing && headless->exit_status == 0)
    headless->exit_status = 128 + signal_number;

  forge_workflow_engine_cancel_all (headless->engine);
  if (headless->session != NULL && forge_preview_session_is_updating (headless->session))
    forge_preview_session_stop (headless->session);
  g_main_loop_quit (headless->loop);
}

static gboolean
on_sigint (gpointer user_data)
{
  stop_for_signal (user_data, SIGINT);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_sigterm (gpointer user_data)
{
  stop_for_signal (user_data, SIGTERM);
  return G_SOURCE_CONTINUE;
}

static guint
setting_or_default (const char *key,
                    guint       fallback)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettingsSchemaKey) schema_key = NULL;
  g_autoptr(GSettings) settings = NULL;

  /* Headless runs often happen without the schema installed. */
  if (source == NULL || (schema = g_settings_schema_source_lookup (source, APP_ID, TRUE)) == NULL)
    return fallback;

  settings = g_settings_new (APP_ID);
  schema_key = g_settings_schema_get_key (schema, key);
  if (g_variant_type_equal (g_settings_schema_key_get_value_type (schema_key), G_VARIANT_TYPE_BOOLEAN))
    return g_settings_get_boolean (settings, key);
  return g_settings_get_uint (settings, key);
}

static char *
string_setting_or_default (const char *key,
                           const char *fallback)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettings) settings = NULL;

  if (source == NULL || (schema = g_settings_schema_source_lookup (source, APP_ID, TRUE)) == NULL)
    return g_strdup (fallback);

  settings = g_settings_new (APP_ID);
  return g_settings_get_string (settings, key);
}

/* gh's order: GH_TOKEN, then GITHUB_TOKEN. Taken out of the environment
 * at once, so that nothing this process starts inherits it. */
static char *
take_env_token (char **origin)
{
  static const char * const names[] = { "GH_TOKEN", "GITHUB_TOKEN" };
  char *token = NULL;

  *origin = NULL;
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      const char *value = g_getenv (names[i]);

      if (token == NULL && value != NULL && *value != '\0')
        {
          token = g_strdup (value);
          *origin = g_strdup (names[i]);
        }
    }
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    g_unsetenv (names[i]);

  return token;
}

static void
print_run_event (Headless *headless)
{
  if (headless->json)
    {
      JsonBuilder *builder = begin_event ("run");

      add_string (builder, "run_id", headless->run_id);
      add_string (builder, "project_id", forge_preview_session_get_project_id (headless->session));
      end_event (builder);
    }
}

/* The pull's warm run: from now on its events are the ones to show. */
static void
run_id_changed_cb (ForgePreviewSession *session,
                   GParamSpec          *pspec,
                   Headless            *headless)
{
  if (!headless->pulling || forge_preview_session_get_run_id (session) == NULL)
    return;

  g_free (headless->run_id);
  headless->run_id = g_strdup (forge_preview_session_get_run_id (session));
  print_run_event (headless);
}

static void
pull_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Headless *headless = user_data;
  ForgePreviewSession *session = FORGE_PREVIEW_SESSION (object);
  g_autoptr(GError) error = NULL;
  gboolean updated = FALSE;

  headless->pulling = FALSE;
  if (!forge_preview_session_pull_finish (session, result, &updated, &error))
    {
      if (headless->stop_signal != 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      report_error (headless, error->message, NULL);
      headless->exit_status = 1;
      g_main_loop_quit (headless->loop);
      return;
    }

  if (headless->json)
    {
      JsonBuilder *builder = begin_event ("pull");

      json_builder_set_member_name (builder, "updated");
      json_builder_add_boolean_value (builder, updated);
      add_string (builder, "head", forge_project_get_head_commit (forge_preview_session_get_project (session)));
      end_event (builder);
    }
  else
    g_printerr (updated ? _("Pulled %s\n") : _("Already up to date at %s\n"),
                forge_project_get_head_commit (forge_preview_session_get_project (session)));

  /* Up to date and not live here: the pull started no run. */
  if (!forge_preview_session_has_active_run (session) &&
      !forge_preview_session_run (session, NULL, &error))
    {
      report_error (headless, error->message, NULL);
      headless->exit_status = 1;
      g_main_loop_quit (headless->loop);
      return;
    }
  if (headless->run_id == NULL)
    {
      headless->run_id = g_strdup (forge_preview_session_get_run_id (session));
      print_run_event (headless);
    }
}

/* --env-file's entries, then --env's over them, then the commands:
 * for this process only, never stored. NULL (and one line) on a
 * malformed entry or an unreadable file. */
static ForgeRunEnv *
make_run_overrides (const char * const  *entries,
                    const char          *env_file,
                    const char          *install_command,
                    const char          *dev_command,
                    GError             **error)
{
  g_autoptr(ForgeRunEnv) overrides = forge_run_env_new ();

  if (env_file != NULL)
    {
      g_auto(GStrv) from_file = forge_env_file_load (env_file, error);

      if (from_file == NULL)
        return NULL;
      for (guint i = 0; from_file[i] != NULL; i++)
        {
          g_autofree char *name = NULL;
          g_autofree char *value = NULL;

          if (forge_env_entry_split (from_file[i], &name, &value, NULL))
            forge_run_env_set (overrides, name, value, FALSE);
        }
    }

  for (guint i = 0; entries != NULL && entries[i] != NULL; i++)
    {
      g_autofree char *name = NULL;
      g_autofree char *value = NULL;
      g_autoptr(GError) local_error = NULL;

      if (!forge_env_entry_split (entries[i], &name, &value, &local_error))
        {
          g_set_error (error, FORGE_ENV_FILE_ERROR, FORGE_ENV_FILE_ERROR_INVALID,
                       _("--env takes KEY=VALUE: %s"), local_error->message);
          return NULL;
        }
      forge_run_env_set (overrides, name, value, FALSE);
    }

  forge_run_env_set_install_command (overrides, install_command);
  forge_run_env_set_dev_command (overrides, dev_command);

  return g_steal_pointer (&overrides);
}

int
forge_headless_main (int                            argc,
                     char                         **argv,
                     ForgeHeadlessPageProbeFactory  page_probe_factory)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ForgeContext) forge = NULL;
  ForgeCloneAndPreview *workflow;
  ForgeSandboxManager *manager;
  g_autofree char *backend = NULL;
  g_autofree char *subdir = NULL;
  g_autofree char *default_backend = NULL;
  g_auto(GStrv) remaining = NULL;
  g_auto(GStrv) env_entries = NULL;
  g_autofree char *env_file = NULL;
  g_autofree char *install_command = NULL;
  g_autofree char *dev_command = NULL;
  g_autoptr(ForgeRunEnv) overrides = NULL;
  gboolean headless_flag = FALSE;
  gboolean json = FALSE;
  gboolean pull = FALSE;
  gboolean load_page_flag = FALSE;
  g_autofree char *env_token_origin = NULL;
  g_auto(HeadlessToken) env_token = NULL;
  int keepalive_interval = -1;
  int memory_limit = -1;
  int sandbox_timeout = -1;
  int server_timeout = -1;
  Headless headless = { 0 };
  guint sigint_id, sigterm_id;
  GOptionEntry entries[] = {
    { "headless", 0, 0, G_OPTION_ARG_NONE, &headless_flag, N_("Run without a window"), NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print events as JSON lines"), NULL },
    { "pull", 0, 0, G_OPTION_ARG_NONE, &pull, N_("Pull the latest changes of a project opened before (fast-forward only; fails on local changes or a rewritten history), then preview it"), NULL },
    { "load-page", 0, 0, G_OPTION_ARG_NONE, &load_page_flag, N_("Once the preview is up, load it in an offscreen web view and report what the page logs as errors and warnings, throws and rejects (needs a display)"), NULL },
    { "backend", 0, 0, G_OPTION_ARG_STRING, &backend, N_("Sandbox backend for the project (default: its own, or the default-backend setting for a new one)"), N_("NAME") },
    { "subdir", 0, 0, G_OPTION_ARG_STRING, &subdir, N_("The repository’s folder to preview, such as a monorepo’s app (apps/web); kept for the project"), N_("FOLDER") },
    { "keepalive-interval", 0, 0, G_OPTION_ARG_INT, &keepalive_interval, N_("Seconds between sandbox health checks"), N_("SECONDS") },
    { "memory-limit", 0, 0, G_OPTION_ARG_INT, &memory_limit, N_("Megabytes of memory a sandbox on this computer may use"), N_("MB") },
    { "sandbox-timeout", 0, 0, G_OPTION_ARG_INT, &sandbox_timeout, N_("Seconds a sandbox lives without a keepalive"), N_("SECONDS") },
    { "server-timeout", 0, 0, G_OPTION_ARG_INT, &server_timeout, N_("Seconds to wait for the dev server to answer"), N_("SECONDS") },
    { "env", 0, 0, G_OPTION_ARG_STRING_ARRAY, &env_entries, N_("Set a variable for the install and the dev server, for this run only (repeatable)"), N_("KEY=VALUE") },
    { "env-file", 0, 0, G_OPTION_ARG_FILENAME, &env_file, N_("Set the variables of a dotenv file, for this run only (--env wins)"), N_("FILE") },
    { "install-command", 0, 0, G_OPTION_ARG_STRING, &install_command, N_("Install with this shell command inside the sandbox, for this run only"), N_("COMMAND") },
    { "dev-command", 0, 0, G_OPTION_ARG_STRING, &dev_command, N_("Start the dev server with this shell command inside the sandbox (PORT and HOST say where to listen), for this run only"), N_("COMMAND") },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &remaining, NULL, N_("REPOSITORY-URL") },
    { NULL }
  };

  /* Before anything can start a thread or a process. */
  env_token = take_env_token (&env_token_origin);

  context = g_option_context_new (_("REPOSITORY-URL — preview a repository without a window"));
  g_option_context_set_summary (context, _("REPOSITORY-URL: https://host/owner/repo, owner/repo, owner/repo#branch, …/tree/BRANCH, …/pull/N, or a folder."));
  g_option_context_set_description (context, _("A private repository’s token comes from GH_TOKEN, else GITHUB_TOKEN, for the repository’s host and this run only (never stored), else from Preferences → Accounts."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("forge-preview: %s\n", error->message);
      return 2;
    }

  if (remaining == NULL || g_strv_length (remaining) != 1)
    {
      g_printerr ("forge-preview: %s\n", _("give exactly one repository URL, e.g. forge-preview --headless --json owner/repo"));
      return 2;
    }

  /* "./apps/web/" is how a shell completes it. */
  if (subdir != NULL)
    {
      char *folder = subdir;

      while (g_str_has_prefix (folder, "./"))
        folder += 2;
      while (*folder != '\0' && g_str_has_suffix (folder, "/"))
        folder[strlen (folder) - 1] = '\0';
      memmove (subdir, folder, strlen (folder) + 1);
      if (!forge_git_subdir_is_valid (subdir))
        {
          g_printerr ("forge-preview: %s\n", _("--subdir takes a folder inside the repository, relative to its root, such as apps/web."));
          return 1;
        }
    }

  /* Checked before anything starts, as the backend is. */
  overrides = make_run_overrides ((const char * const *) env_entries, env_file,
                                  install_command, dev_command, &error);
  if (overrides == NULL)
    {
      g_printerr ("forge-preview: %s\n", error->message);
      return 2;
    }

  /* Checked before anything starts, so a typo costs no clone. "e2b" is
   * not registered yet and fails the same way; the E2B backend's issue
   * registers it. */
  forge = forge_context_new (NULL, NULL);
  if (backend != NULL)
    {
      g_autoptr(ForgeSandboxProvider) provider = forge_sandbox_providers_lookup (forge_context_get_providers (forge),
                                                                                 backend, &error);

      if (provider == NULL)
        {
          g_printerr ("forge-preview: %s\n", error->message);
          return 1;
        }
    }

  /* Before the clone: without a display there is nothing to wait for. */
  if (load_page_flag)
    {
      headless.page_probe = page_probe_factory != NULL ? page_probe_factory (&error) : NULL;
      if (headless.page_probe == NULL)
        {
          g_printerr ("forge-preview: %s\n", error != NULL ? error->message : _("--load-page is not available in this build."));
          return 1;
        }
      g_signal_connect (headless.page_probe, "page-loaded", G_CALLBACK (page_loaded_cb), &headless);
      g_signal_connect (headless.page_probe, "page-failed", G_CALLBACK (page_failed_cb), &headless);
      g_signal_connect (headless.page_probe, "console-message", G_CALLBACK (console_message_cb), &headless);
    }

  headless.json = json;
  headless.loop = g_main_loop_new (NULL, FALSE);
  headless.store = g_object_ref (forge_context_get_store (forge));
  headless.engine = forge_context_get_engine (forge);
  manager = forge_context_get_manager (forge);

  if (!forge_context_load (forge, &error))
    {
      g_printerr ("forge-preview: %s\n", error->message);
      g_clear_error (&error);
    }

  default_backend = string_setting_or_default ("default-backend", FORGE_PROJECT_DEFAULT_BACKEND);
  forge_context_set_flatpak_host (forge, setting_or_default ("flatpak-host-sandbox", FALSE));
  forge_project_store_set_default_backend (headless.store, default_backend);

  workflow = forge_context_get_workflow (forge);
  forge_clone_and_preview_set_server_timeout (workflow, server_timeout > 0 ? (guint) server_timeout
                                                        : setting_or_default ("server-start-timeout", 1200));
  forge_clone_and_preview_set_sandbox_timeout (workflow, sandbox_timeout > 0 ? (guint) sandbox_timeout
                                                         : setting_or_default ("sandbox-timeout", 600));
  forge_sandbox_manager_set_keepalive_interval (manager, keepalive_interval > 0 ? (guint) keepalive_interval
                                                                  : setting_or_default ("keepalive-interval", 300));
  forge_sandbox_manager_set_sandbox_timeout (manager, sandbox_timeout > 0 ? (guint) sandbox_timeout
                                                               : setting_or_default ("sandbox-timeout", 600));
  {
    ForgeSandboxLimits limits = {
      .memory_bytes = (guint64) setting_or_default ("sandbox-memory-limit", FORGE_SANDBOX_DEFAULT_MEMORY_MB) * 1024 * 1024,
      .max_tasks = setting_or_default ("sandbox-process-limit", FORGE_SANDBOX_DEFAULT_MAX_TASKS),
      .max_open_files = setting_or_default ("sandbox-open-files-limit", FORGE_SANDBOX_DEFAULT_OPEN_FILES),
      .tmp_bytes = (guint64) setting_or_default ("sandbox-tmp-size", FORGE_SANDBOX_DEFAULT_TMP_MB) * 1024 * 1024,
      .workspace_bytes = (guint64) setting_or_default ("workspace-disk-limit", FORGE_SANDBOX_DEFAULT_WORKSPACE_MB) * 1024 * 1024,
    };

    if (memory_limit > 0)
      limits.memory_bytes = (guint64) memory_limit * 1024 * 1024;
    forge_clone_and_preview_set_sandbox_limits (workflow, &limits);
  }

  sigint_id = g_unix_signal_add (SIGINT, on_sigint, &headless);
  sigterm_id = g_unix_signal_add (SIGTERM, on_sigterm, &headless);

  headless.session = forge_context_open_session (forge, remaining[0], &error);
  if (headless.session != NULL)
    {
      ForgeProject *project = forge_preview_session_get_project (headless.session);
      g_autofree char *workspace = forge_project_dup_workspace_dir (project);
      g_autofree char *git_dir = workspace ? g_build_filename (workspace, "git", NULL) : NULL;

      g_object_ref (headless.session);
      /* As choosing the app in the window: restarts use it too. */
      if (subdir != NULL)
        {
          g_autoptr(JsonObject) changes = json_object_new ();

          json_object_set_string_member (changes, "package_dir", subdir);
          forge_project_store_update (headless.store, forge_project_get_id (project), changes);
        }
      g_signal_connect (headless.session, "step", G_CALLBACK (step_cb), &headless);
      g_signal_connect (headless.session, "log", G_CALLBACK (log_cb), &headless);
      g_signal_connect (headless.session, "progress", G_CALLBACK (progress_cb), &headless);
      g_signal_connect (headless.session, "run-finished", G_CALLBACK (run_finished_cb), &headless);
      g_signal_connect (headless.session, "sandbox-state", G_CALLBACK (sandbox_state_cb), &headless);
      g_signal_connect (headless.session, "server-log", G_CALLBACK (server_log_cb), &headless);
      g_signal_connect (headless.session, "notify::run-id", G_CALLBACK (run_id_changed_cb), &headless);

      /* For the repository's host only: a redirect or another host never
       * gets it (see forge_git_clone_or_update()). */
      if (env_token != NULL)
        {
          g_autofree char *host = forge_git_dup_host (forge_project_get_repo_url (project));

          if (host != NULL)
            forge_clone_and_preview_set_host_token (workflow, host, env_token, env_token_origin);
        }

      /* Every run of the project in this process, the manager's
       * restarts included. */
      if (!forge_run_env_is_empty (overrides))
        forge_clone_and_preview_set_run_overrides (workflow, forge_project_get_id (project), overrides);

      /* A project without a clone yet has nothing to pull: its run
       * clones it. */
      if (pull && git_dir != NULL && g_file_test (git_dir, G_FILE_TEST_IS_DIR))
        {
          if (backend != NULL)
            forge_project_set_backend (project, backend);
          headless.pulling = TRUE;
          forge_preview_session_pull_async (headless.session, NULL, pull_done_cb, &headless);
        }
      else if (forge_preview_session_run (headless.session, backend, &error))
        headless.run_id = g_strdup (forge_preview_session_get_run_id (headless.session));
    }
  forge_secrets_free_token (g_steal_pointer (&env_token));

  if (headless.run_id == NULL && !headless.pulling)
    {
      report_error (&headless, error->message, NULL);
      headless.exit_status = 1;
    }
  else
    {
      if (headless.run_id != NULL)
        print_run_event (&headless);

      g_main_loop_run (headless.loop);

      /* A stop signal during the run: wait for its steps to wind down so
       * nothing it started is left behind. */
      while (forge_workflow_engine_get_n_active (headless.engine) > 0 ||
             forge_preview_session_is_updating (headless.session))
        g_main_context_iteration (NULL, TRUE);
    }

  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);

  if (headless.page_probe != NULL)
    {
      g_signal_handlers_disconnect_by_data (headless.page_probe, &headless);
      g_clear_object (&headless.page_probe);
    }

  /* Stopped by a signal: the project is stopped, not failed. */
  if (headless.previewing && headless.exit_status == 0)
    forge_preview_session_stop (headless.session);
  forge_sandbox_manager_stop_all (manager);

  if (headless.session != NULL)
    g_signal_handlers_disconnect_by_data (headless.session, &headless);
  g_clear_object (&headless.session);
  headless.engine = NULL;
  g_clear_object (&forge);
  forge_project_store_save (headless.store, NULL);
  g_clear_object (&headless.store);
  g_clear_pointer (&headless.loop, g_main_loop_unref);
  g_free (headless.run_id);

  return headless.exit_status;
}
