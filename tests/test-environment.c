/* test-environment.c
 *
 * Project variables, secret ones in the keyring, command overrides and
 * the Node version check: the parsers and range logic on their own, then
 * end to end on the local sandbox (real bubblewrap, real npm registry)
 * with a keyring of its own on a private session bus.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <libsecret/secret.h>

#include "e2e-util.h"
#include "forge-env-file.h"
#include "forge-node-version.h"
#include "forge-run-env.h"
#include "forge-secrets.h"
#include "forge-test-harness.h"
#include "forge-util.h"
#include "git-test-util.h"
#include "keyring-util.h"

static char *keyring_skip_reason;

/* g_test_expect_message() does not see structured logging, and a warning
 * is fatal in tests: the model's warnings about invalid names are
 * counted here for the test to check instead. */
static guint n_invalid_name_warnings;

static GLogWriterOutput
log_writer (GLogLevelFlags   log_level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "MESSAGE") && fields[i].length < 0 &&
        (log_level & G_LOG_LEVEL_WARNING) && g_str_has_prefix (fields[i].value, "Ignoring an invalid variable name"))
      {
        n_invalid_name_warnings++;
        return G_LOG_WRITER_HANDLED;
      }

  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

typedef ForgeTestHarness Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  forge_test_harness_set_up (fixture, data);
  forge_clone_and_preview_set_server_timeout (fixture->workflow, 120);
}

/* {{{ Units */

static void
test_env_file_parse (void)
{
  static const char text[] =
    "\xEF\xBB\xBF# a comment\n"
    "\n"
    "PLAIN=value\n"
    "export EXPORTED = spaced value  # trailing comment\n"
    "SINGLE='kept # as $it is'\n"
    "DOUBLE=\"line\\none \\\"quoted\\\"\"\n"
    "MULTI=\"first\n"
    "second\"\n"
    "HASH=a#b\n"
    "EMPTY=\n"
    "1BAD=x\n"
    "not an entry\n"
    "BAD-NAME=x\n"
    "PLAIN=replaced\n"
    "UNCLOSED='open\n";
  g_auto(GStrv) entries = forge_env_file_parse (text, sizeof text - 1);
  const char *expected[] = {
    "PLAIN=replaced",
    "EXPORTED=spaced value",
    "SINGLE=kept # as $it is",
    "DOUBLE=line\none \"quoted\"",
    "MULTI=first\nsecond",
    "HASH=a#b",
    "EMPTY=",
    "UNCLOSED='open",
    NULL,
  };

  g_assert_cmpstrv (entries, expected);
}

static void
test_env_entry_split (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *value = NULL;

  g_assert_true (forge_env_entry_split ("KEY=a=b", &name, &value, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (name, ==, "KEY");
  g_assert_cmpstr (value, ==, "a=b");

  g_assert_false (forge_env_entry_split ("KEY", &name, &value, &error));
  g_assert_error (error, FORGE_ENV_FILE_ERROR, FORGE_ENV_FILE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (forge_env_entry_split ("A B=c", &name, &value, &error));
  g_assert_error (error, FORGE_ENV_FILE_ERROR, FORGE_ENV_FILE_ERROR_INVALID);
  g_assert_null (strchr (error->message, '\n'));
}

/* .env.example proposes names; a symlink there is never followed. */
static void
test_env_file_proposed_names (void)
{
  g_autofree char *root = g_dir_make_tmp ("forge-env-XXXXXX", NULL);
  g_autofree char *outside = g_build_filename (root, "outside.env", NULL);
  g_autofree char *repo = g_build_filename (root, "repo", NULL);
  g_autofree char *example = g_build_filename (repo, ".env.example", NULL);
  g_autofree char *sample = g_build_filename (repo, ".env.sample", NULL);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = NULL;
  const char *from_sample[] = { "DATABASE_URL", "API_KEY", NULL };
  const char *from_example[] = { "PUBLIC_URL", NULL };

  g_assert_cmpint (g_mkdir (repo, 0700), ==, 0);

  /* Neither file: nothing to propose. */
  names = forge_env_file_read_proposed_names (repo, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (names), ==, 0);
  g_clear_pointer (&names, g_strfreev);

  g_assert_true (g_file_set_contents (sample, "DATABASE_URL=postgres://localhost/db\n# API key\nAPI_KEY=\n", -1, NULL));
  names = forge_env_file_read_proposed_names (repo, &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (names, from_sample);
  g_clear_pointer (&names, g_strfreev);

  /* .env.example first. */
  g_assert_true (g_file_set_contents (example, "PUBLIC_URL=http://example.com\n", -1, NULL));
  names = forge_env_file_read_proposed_names (repo, &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (names, from_example);
  g_clear_pointer (&names, g_strfreev);

  /* A symlink out of the work tree is refused, not read. */
  g_assert_true (g_file_set_contents (outside, "HOST_SECRET=1\n", -1, NULL));
  g_assert_cmpint (g_unlink (example), ==, 0);
  g_assert_cmpint (symlink (outside, example), ==, 0);
  names = forge_env_file_read_proposed_names (repo, &error);
  g_assert_error (error, FORGE_REPO_FILE_ERROR, FORGE_REPO_FILE_ERROR_SYMLINK);
  g_assert_null (names);

  forge_remove_tree (root, NULL);
}

static void
test_node_ranges (void)
{
  static const struct
  {
    const char           *range;
    const char           *version;
    ForgeNodeRangeResult  expected;
  } cases[] = {
    { "^18", "v18.17.0", FORGE_NODE_RANGE_SATISFIED },
    { "^18", "v20.19.2", FORGE_NODE_RANGE_UNSATISFIED },
    { "^18", "v17.9.1", FORGE_NODE_RANGE_UNSATISFIED },
    { "^18.17.0", "v18.16.9", FORGE_NODE_RANGE_UNSATISFIED },
    { "^0.10", "v0.10.48", FORGE_NODE_RANGE_SATISFIED },
    { "^0.10", "v0.12.0", FORGE_NODE_RANGE_UNSATISFIED },
    { "~18.17", "v18.17.9", FORGE_NODE_RANGE_SATISFIED },
    { "~18.17", "v18.18.0", FORGE_NODE_RANGE_UNSATISFIED },
    { "~18", "v18.99.0", FORGE_NODE_RANGE_SATISFIED },
    { ">=18", "v20.19.2", FORGE_NODE_RANGE_SATISFIED },
    { ">= 18", "v16.0.0", FORGE_NODE_RANGE_UNSATISFIED },
    { ">=18 <20", "v20.0.0", FORGE_NODE_RANGE_UNSATISFIED },
    { ">=18 <20", "v19.9.9", FORGE_NODE_RANGE_SATISFIED },
    { ">18", "v18.99.0", FORGE_NODE_RANGE_UNSATISFIED },
    { ">18", "v19.0.0", FORGE_NODE_RANGE_SATISFIED },
    { "<=18", "v18.20.4", FORGE_NODE_RANGE_SATISFIED },
    { "<=18.2.0", "v18.2.1", FORGE_NODE_RANGE_UNSATISFIED },
    { "<18", "v18.0.0", FORGE_NODE_RANGE_UNSATISFIED },
    { "18", "v18.20.4", FORGE_NODE_RANGE_SATISFIED },
    { "18", "v20.19.2", FORGE_NODE_RANGE_UNSATISFIED },
    { "18.x", "v18.1.0", FORGE_NODE_RANGE_SATISFIED },
    { "18.x.x", "v19.0.0", FORGE_NODE_RANGE_UNSATISFIED },
    { "20.19.2", "v20.19.2", FORGE_NODE_RANGE_SATISFIED },
    { "=20.19.2", "v20.19.3", FORGE_NODE_RANGE_UNSATISFIED },
    { "16 || 18", "v18.2.0", FORGE_NODE_RANGE_SATISFIED },
    { "16 || 18", "v20.2.0", FORGE_NODE_RANGE_UNSATISFIED },
    { "^16.14.0 || >=18.0.0", "v20.2.0", FORGE_NODE_RANGE_SATISFIED },
    { "14 - 18", "v18.9.0", FORGE_NODE_RANGE_SATISFIED },
    { "14 - 18", "v19.0.0", FORGE_NODE_RANGE_UNSATISFIED },
    { "14.2 - 16.1.0", "v14.1.0", FORGE_NODE_RANGE_UNSATISFIED },
    { "*", "v20.0.0", FORGE_NODE_RANGE_SATISFIED },
    { "x", "v20.0.0", FORGE_NODE_RANGE_SATISFIED },
    { "", "v20.0.0", FORGE_NODE_RANGE_SATISFIED },
    { ">=18.0.0-beta", "v18.0.0", FORGE_NODE_RANGE_SATISFIED },
    { "lts", "v20.0.0", FORGE_NODE_RANGE_UNKNOWN },
    { "^18 || latest", "v16.0.0", FORGE_NODE_RANGE_UNKNOWN },
    { ">=", "v20.0.0", FORGE_NODE_RANGE_UNKNOWN },
    { "^18", "not a version", FORGE_NODE_RANGE_UNKNOWN },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      ForgeNodeRangeResult result = forge_node_range_check (cases[i].range, cases[i].version);

      if (result != cases[i].expected)
        g_error ("“%s” against %s: %d, expected %d", cases[i].range, cases[i].version, result, cases[i].expected);
    }
}

static void
test_node_version_files (void)
{
  g_autofree char *plain = forge_node_version_file_range ("18\n");
  g_autofree char *full = forge_node_version_file_range ("v18.17.0\r\n");
  g_autofree char *describe_caret = forge_node_range_describe ("^18");
  g_autofree char *describe_x = forge_node_range_describe ("18.x");
  g_autofree char *describe_ge = forge_node_range_describe (">=18.17 <19");

  g_assert_cmpstr (plain, ==, "18");
  g_assert_cmpstr (full, ==, "18");
  g_assert_null (forge_node_version_file_range ("lts/*"));
  g_assert_null (forge_node_version_file_range ("lts/hydrogen"));
  g_assert_null (forge_node_version_file_range ("node"));
  g_assert_null (forge_node_version_file_range (""));

  g_assert_cmpstr (describe_caret, ==, "18");
  g_assert_cmpstr (describe_x, ==, "18");
  g_assert_cmpstr (describe_ge, ==, "18.17");
  g_assert_null (forge_node_range_describe ("*"));
}

static void
test_run_env_mask_and_digest (void)
{
  g_autoptr(ForgeRunEnv) env = forge_run_env_new ();
  g_autoptr(ForgeRunEnv) overrides = forge_run_env_new ();
  g_autofree char *masked = NULL;
  g_autofree char *digest = NULL;
  g_autofree char *digest_other_secret = NULL;
  g_autofree char *digest_other_plain = NULL;
  g_auto(GStrv) envp = NULL;

  forge_run_env_set (env, "PLAIN", "visible", FALSE);
  forge_run_env_set (env, "TOKEN", "abcd", TRUE);
  forge_run_env_set (env, "LONGER", "abcdefgh", TRUE);
  forge_run_env_set (env, "SHORT", "xyz", TRUE);

  masked = forge_run_env_mask (env, "visible abcdefgh abcd xyz");
  /* The longer secret whole, not around the shorter one; three bytes
   * are too short to hide. */
  g_assert_cmpstr (masked, ==, "visible •••• •••• xyz");

  digest = forge_run_env_dup_digest (env);
  forge_run_env_set (env, "TOKEN", "another", TRUE);
  digest_other_secret = forge_run_env_dup_digest (env);
  g_assert_cmpstr (digest, ==, digest_other_secret);
  forge_run_env_set (env, "PLAIN", "changed", FALSE);
  digest_other_plain = forge_run_env_dup_digest (env);
  g_assert_cmpstr (digest, !=, digest_other_plain);

  forge_run_env_set (overrides, "PLAIN", "from-headless", FALSE);
  forge_run_env_set_dev_command (overrides, "node server.js");
  forge_run_env_merge (env, overrides);
  g_assert_cmpstr (forge_run_env_get_dev_command (env), ==, "node server.js");
  g_assert_null (forge_run_env_get_install_command (env));
  envp = forge_run_env_apply (env, g_environ_setenv (NULL, "PLAIN", "framework", TRUE));
  g_assert_cmpstr (g_environ_getenv (envp, "PLAIN"), ==, "from-headless");
  g_assert_cmpstr (g_environ_getenv (envp, "TOKEN"), ==, "another");
}

/* Secret values are never written to projects.json; a damaged entry
 * cannot make one up. */
static void
test_project_json (void)
{
  g_autoptr(ForgeProject) project = forge_project_new ("0f8fad5b-d9cb-469f-a165-70867728950e", "https://example.com/a/b.git");
  g_autoptr(ForgeProject) loaded = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *text = NULL;
  g_auto(GStrv) names = NULL;
  const char *expected_names[] = { "FOO", "API_KEY", NULL };

  forge_project_set_env (project, "FOO", "bar", FALSE);
  forge_project_set_env (project, "API_KEY", "never-stored", TRUE);
  forge_project_set_install_command (project, "  npm ci --ignore-scripts  ");
  forge_project_set_dev_command (project, "   ");
  forge_project_set_dev_port (project, 8080);

  object = forge_project_to_json (project);
  node = json_node_init_object (json_node_alloc (), object);
  text = json_to_string (node, FALSE);
  g_assert_null (strstr (text, "never-stored"));

  loaded = forge_project_new_from_json (object, NULL);
  names = forge_project_dup_env_names (loaded);
  g_assert_cmpstrv (names, expected_names);
  g_assert_cmpstr (forge_project_get_env_value (loaded, "FOO"), ==, "bar");
  g_assert_true (forge_project_get_env_is_secret (loaded, "API_KEY"));
  g_assert_null (forge_project_get_env_value (loaded, "API_KEY"));
  g_assert_cmpstr (forge_project_get_install_command (loaded), ==, "npm ci --ignore-scripts");
  g_assert_null (forge_project_get_dev_command (loaded));
  g_assert_cmpuint (forge_project_get_dev_port (loaded), ==, 8080);

  g_assert_true (forge_project_remove_env (loaded, "FOO"));
  g_assert_false (forge_project_has_env (loaded, "FOO"));

  /* A value beside "secret", and names a shell would misread. */
  g_assert_true (json_parser_load_from_data (parser,
                                             "{\"env\": [{\"name\": \"S\", \"secret\": true, \"value\": \"leaked\"},"
                                             " {\"name\": \"$(reboot)\", \"value\": \"x\"}, {\"name\": 3}, \"junk\"],"
                                             " \"dev_port\": 70000}", -1, NULL));
  n_invalid_name_warnings = 0;
  forge_project_apply_json (loaded, json_node_get_object (json_parser_get_root (parser)));
  g_assert_cmpuint (n_invalid_name_warnings, ==, 2);
  g_clear_pointer (&names, g_strfreev);
  names = forge_project_dup_env_names (loaded);
  g_assert_cmpuint (g_strv_length (names), ==, 1);
  g_assert_true (forge_project_get_env_is_secret (loaded, "S"));
  g_assert_null (forge_project_get_env_value (loaded, "S"));
  g_assert_cmpuint (forge_project_get_dev_port (loaded), ==, 0);
}

/* }}} */

/* {{{ End to end */

/* A server that shows what it was given, and prints its secret as a
 * careless tool would. */
static const char server_js[] =
  "const http = require('http');\n"
  "console.log('token is ' + process.env.SECRET_TOKEN);\n"
  "const page = JSON.stringify({ foo: process.env.FOO, secret: process.env.SECRET_TOKEN,\n"
  "  missing: process.env.MISSING_SECRET || null, arg: process.argv[2] || null });\n"
  "http.createServer((q, s) => s.end(page)).listen(+process.env.PORT, process.env.HOST);\n";

#define PLAIN_VALUE  "plain-value-4242"
#define SECRET_VALUE "s3cr3t-Value-9f8e7d6c"

static JsonObject *
get_page (Fixture *fixture)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *body = NULL;

  g_assert_cmpuint (forge_test_http_get (forge_test_harness_output_string (fixture, "preview_url"), &body), ==, 200);
  g_assert_true (json_parser_load_from_data (parser, body, -1, NULL));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
assert_logs_lack (Fixture    *fixture,
                  const char *text)
{
  for (guint i = 0; i < fixture->logs->len; i++)
    if (strstr (g_ptr_array_index (fixture->logs, i), text) != NULL)
      g_error ("A log line holds “%s”: %s", text, (char *) g_ptr_array_index (fixture->logs, i));
}

static void
removed_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  gboolean *done = user_data;

  g_assert_true (forge_preview_session_remove_finish (FORGE_PREVIEW_SESSION (object), result, NULL));
  *done = TRUE;
}

/* Set on the project, a plain value and a secret from the keyring reach
 * the dev server (run by the project's own command); the secret is
 * masked where the server prints it and is nowhere on disk or on a
 * command line; a secret the keyring lacks is said so and left out;
 * removing the project removes its secrets. */
static void
test_project_variables (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *repo = NULL;
  g_autofree char *url = NULL;
  g_autofree char *project_id = NULL;
  g_autofree char *state_dir = NULL;
  g_autofree char *projects_json = NULL;
  g_autoptr(JsonObject) page = NULL;
  g_autoptr(GError) error = NULL;
  ForgePreviewSession *session;
  ForgeProject *project;
  gboolean removed = FALSE;
  char *left;

  if (keyring_skip_reason != NULL)
    {
      g_test_skip (keyring_skip_reason);
      return;
    }

  repo = forge_test_repo_with_files (fixture->root, "env-app",
                                     "package.json",
                                     "{ \"name\": \"env-app\", \"scripts\": { \"dev\": \"node server.js\" } }\n",
                                     "server.js", server_js,
                                     NULL);
  url = g_strconcat ("file://", repo, NULL);
  session = forge_context_open_session (fixture->context, url, &error);
  g_assert_no_error (error);
  project = forge_preview_session_get_project (session);

  forge_project_set_env (project, "FOO", PLAIN_VALUE, FALSE);
  forge_project_set_env (project, "SECRET_TOKEN", NULL, TRUE);
  forge_project_set_env (project, "MISSING_SECRET", NULL, TRUE);
  forge_project_set_dev_command (project, "node server.js from-the-project-command");
  g_assert_true (forge_secrets_store_env_value (forge_project_get_id (project), "SECRET_TOKEN", SECRET_VALUE, NULL, &error));
  g_assert_no_error (error);

  project_id = forge_test_harness_run (fixture, url, NULL, 300);
  g_assert_cmpstr (project_id, ==, forge_project_get_id (project));
  g_assert_cmpstr (fixture->error, ==, NULL);
  g_assert_cmpint (fixture->status, ==, FORGE_RUN_STATUS_COMPLETED);

  page = get_page (fixture);
  g_assert_cmpstr (json_object_get_string_member (page, "foo"), ==, PLAIN_VALUE);
  g_assert_cmpstr (json_object_get_string_member (page, "secret"), ==, SECRET_VALUE);
  g_assert_true (json_object_get_null_member (page, "missing"));
  g_assert_cmpstr (json_object_get_string_member (page, "arg"), ==, "from-the-project-command");

  /* What the server printed, masked; the project's command, shown. */
  g_assert_true (forge_test_harness_logs_contain (fixture, "server: token is ••••"));
  g_assert_true (forge_test_harness_logs_contain (fixture, "server: node server.js from-the-project-command"));
  g_assert_true (forge_test_harness_logs_contain (fixture, "The secret variable MISSING_SECRET has no value in the keyring"));
  assert_logs_lack (fixture, SECRET_VALUE);
  assert_logs_lack (fixture, PLAIN_VALUE);

  /* Not on a command line while the server runs (bwrap's included),
   * not on disk: projects.json, journals, the workspace and its stamps. */
  g_assert_cmpuint (forge_test_count_processes_mentioning (SECRET_VALUE), ==, 0);
  g_assert_cmpuint (forge_test_count_processes_mentioning (PLAIN_VALUE), ==, 0);
  forge_project_store_save (fixture->store, NULL);
  g_assert_false (forge_test_tree_contains (fixture->root, SECRET_VALUE));
  state_dir = forge_state_dir ();
  g_assert_false (forge_test_tree_contains (state_dir, PLAIN_VALUE));
  /* The secret by name only. */
  g_assert_true (g_file_get_contents (forge_project_store_get_path (fixture->store), &projects_json, NULL, NULL));
  g_assert_nonnull (strstr (projects_json, PLAIN_VALUE));
  g_assert_nonnull (strstr (projects_json, "\"SECRET_TOKEN\""));

  forge_preview_session_remove_async (session, NULL, removed_cb, &removed);
  while (!removed)
    g_main_context_iteration (NULL, TRUE);
  /* The keyring's clearing was sent with the removal: wait for it. */
  for (guint i = 0; i < 200; i++)
    {
      left = forge_secrets_lookup_env_value (project_id, "SECRET_TOKEN", NULL, &error);
      g_assert_no_error (error);
      if (left == NULL)
        break;
      forge_secrets_free_token (left);
      forge_test_harness_run_for (50);
    }
  g_assert_null (left);
}

/* The project's install command, with its variables, replaces the
 * detected one (a real install from the npm registry); the same command
 * and variables again install nothing, a changed command or a changed
 * variable installs again. */
static void
test_install_override (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *repo = forge_test_repo_with_files (fixture->root, "install-app",
                                                      "package.json",
                                                      "{ \"name\": \"install-app\", \"dependencies\": { \"is-number\": \"7.0.0\" },\n"
                                                      "  \"scripts\": { \"dev\": \"node server.js\" } }\n",
                                                      "server.js",
                                                      "require('http').createServer((q, s) => s.end(String(require('is-number')(5))))\n"
                                                      "  .listen(+process.env.PORT, process.env.HOST);\n",
                                                      NULL);
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autofree char *body = NULL;
  g_autoptr(GError) error = NULL;
  ForgePreviewSession *session = forge_context_open_session (fixture->context, url, &error);
  ForgeProject *project;

  g_assert_no_error (error);
  project = forge_preview_session_get_project (session);
  forge_project_set_env (project, "MARK", "first-mark", FALSE);
  forge_project_set_install_command (project, "npm install --no-audit --no-fund && echo custom install ran with $MARK");

  g_free (forge_test_harness_run (fixture, url, NULL, 300));
  g_assert_cmpstr (fixture->error, ==, NULL);
  g_assert_true (forge_test_harness_logs_contain (fixture, "install: custom install ran with first-mark"));
  g_assert_cmpuint (forge_test_http_get (forge_test_harness_output_string (fixture, "preview_url"), &body), ==, 200);
  g_assert_cmpstr (body, ==, "true");

  /* Nothing changed. */
  g_free (forge_test_harness_run (fixture, url, NULL, 300));
  g_assert_cmpstr (fixture->error, ==, NULL);
  g_assert_true (forge_test_harness_logs_contain (fixture, "Dependencies are in sync"));
  g_assert_false (forge_test_harness_logs_contain (fixture, "custom install ran"));

  /* Another command. */
  forge_project_set_install_command (project, "echo second install with $MARK");
  g_free (forge_test_harness_run (fixture, url, NULL, 300));
  g_assert_cmpstr (fixture->error, ==, NULL);
  g_assert_true (forge_test_harness_logs_contain (fixture, "install: second install with first-mark"));

  /* Another value. */
  forge_project_set_env (project, "MARK", "second-mark", FALSE);
  g_free (forge_test_harness_run (fixture, url, NULL, 300));
  g_assert_cmpstr (fixture->error, ==, NULL);
  g_assert_true (forge_test_harness_logs_contain (fixture, "install: second install with second-mark"));
}

/* A project asking for a Node the sandbox does not run is told so once,
 * and runs; an alias in .nvmrc says nothing. */
static void
test_engines_mismatch (Fixture       *fixture,
                       gconstpointer  data)
{
  static const char server[] =
    "require('http').createServer((q, s) => s.end('ok')).listen(+process.env.PORT, process.env.HOST);\n";
  g_autofree char *old = forge_test_repo_with_files (fixture->root, "old-node",
                                                     "package.json",
                                                     "{ \"name\": \"old-node\", \"engines\": { \"node\": \"^4\" },\n"
                                                     "  \"scripts\": { \"dev\": \"node server.js\" } }\n",
                                                     "server.js", server,
                                                     NULL);
  g_autofree char *lts = forge_test_repo_with_files (fixture->root, "lts-node",
                                                     "package.json",
                                                     "{ \"name\": \"lts-node\", \"scripts\": { \"dev\": \"node server.js\" } }\n",
                                                     ".nvmrc", "lts/*\n",
                                                     "server.js", server,
                                                     NULL);
  g_autofree char *pinned = forge_test_repo_with_files (fixture->root, "pinned-node",
                                                        "package.json",
                                                        "{ \"name\": \"pinned-node\", \"scripts\": { \"dev\": \"node server.js\" } }\n",
                                                        ".node-version", "v4.9.1\n",
                                                        "server.js", server,
                                                        NULL);
  g_autofree char *old_url = g_strconcat ("file://", old, NULL);
  g_autofree char *lts_url = g_strconcat ("file://", lts, NULL);
  g_autofree char *pinned_url = g_strconcat ("file://", pinned, NULL);
  guint n_said = 0;

  g_free (forge_test_harness_run (fixture, old_url, NULL, 300));
  g_assert_cmpstr (fixture->error, ==, NULL);
  g_assert_cmpint (fixture->status, ==, FORGE_RUN_STATUS_COMPLETED);
  for (guint i = 0; i < fixture->logs->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (fixture->logs, i), "install: This project asks for Node 4 (engines.node “^4”); the sandbox runs Node ") &&
        g_str_has_suffix (g_ptr_array_index (fixture->logs, i), ". Continuing."))
      n_said++;
  g_assert_cmpuint (n_said, ==, 1);

  g_free (forge_test_harness_run (fixture, lts_url, NULL, 300));
  g_assert_cmpstr (fixture->error, ==, NULL);
  g_assert_false (forge_test_harness_logs_contain (fixture, "asks for Node"));

  g_free (forge_test_harness_run (fixture, pinned_url, NULL, 300));
  g_assert_cmpstr (fixture->error, ==, NULL);
  g_assert_true (forge_test_harness_logs_contain (fixture, "This project asks for Node 4 (.node-version “v4.9.1”)"));
}

/* }}} */

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_log_set_writer_func (log_writer, NULL, NULL);
  g_test_init (&argc, &argv, NULL);
  forge_test_git_isolate ();

  g_test_add_func ("/forge/environment/env-file/parse", test_env_file_parse);
  g_test_add_func ("/forge/environment/env-file/entry-split", test_env_entry_split);
  g_test_add_func ("/forge/environment/env-file/proposed-names", test_env_file_proposed_names);
  g_test_add_func ("/forge/environment/node/ranges", test_node_ranges);
  g_test_add_func ("/forge/environment/node/version-files", test_node_version_files);
  g_test_add_func ("/forge/environment/run-env/mask-and-digest", test_run_env_mask_and_digest);
  g_test_add_func ("/forge/environment/project/json", test_project_json);
#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, forge_test_harness_tear_down)
  ADD ("/forge/environment/e2e/project-variables", test_project_variables);
  ADD ("/forge/environment/e2e/install-override", test_install_override);
  ADD ("/forge/environment/e2e/engines-mismatch", test_engines_mismatch);
#undef ADD

  if (!g_test_subprocess ())
    keyring_skip_reason = forge_test_start_keyring ();

  ret = g_test_run ();

  secret_service_disconnect ();
  forge_test_stop_keyring ();
  g_free (keyring_skip_reason);

  return ret;
}
