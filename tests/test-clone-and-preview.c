/* test-clone-and-preview.c
 *
 * End to end on the local sandbox: real git repositories, real
 * bubblewrap, real npm registry, real dev servers.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>

#include "e2e-util.h"
#include "forge-test-harness.h"
#include "forge-util.h"
#include "git-test-util.h"

typedef ForgeTestHarness Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  forge_test_harness_set_up (fixture, data);
  forge_clone_and_preview_set_server_timeout (fixture->workflow, 120);
}

static void
assert_all_steps_completed (Fixture *fixture)
{
  static const char *names[] = {
    "get-github-integration", "clone-repository", "detect-framework",
    "start-sandbox", "install-dependencies", "start-preview-server", "update-project",
  };

  if (fixture->steps->len != 2 * G_N_ELEMENTS (names))
    {
      for (guint i = 0; i < fixture->steps->len; i++)
        g_test_message ("step event: %s", (char *) g_ptr_array_index (fixture->steps, i));
      for (guint i = 0; i < fixture->logs->len; i++)
        g_test_message ("log: %s", (char *) g_ptr_array_index (fixture->logs, i));
    }
  g_assert_cmpuint (fixture->steps->len, ==, 2 * G_N_ELEMENTS (names));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *start = g_strdup_printf ("%s:start", names[i]);
      g_autofree char *complete = g_strdup_printf ("%s:complete", names[i]);

      g_assert_cmpstr (g_ptr_array_index (fixture->steps, 2 * i), ==, start);
      g_assert_cmpstr (g_ptr_array_index (fixture->steps, 2 * i + 1), ==, complete);
    }
}

static void
test_static_site (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *repo = forge_test_repo_from_fixture (fixture->root, "static-site");
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autofree char *project_id = NULL;
  g_autofree char *body = NULL;
  g_autofree char *about_url = NULL;
  ForgeProject *project;

  project_id = forge_test_harness_run (fixture, url, NULL, 300);
  g_assert_cmpstr (fixture->error, ==, NULL);
  g_assert_cmpint (fixture->status, ==, FORGE_RUN_STATUS_COMPLETED);
  assert_all_steps_completed (fixture);
  g_assert_cmpstr (forge_test_harness_output_string (fixture, "framework"), ==, "static");

  g_assert_cmpuint (forge_test_http_get (forge_test_harness_output_string (fixture, "preview_url"), &body), ==, 200);
  g_assert_nonnull (strstr (body, "Hello from a static site"));
  about_url = g_strconcat (forge_test_harness_output_string (fixture, "preview_url"), "about/", NULL);
  g_assert_cmpuint (forge_test_http_get (about_url, NULL), ==, 200);

  project = forge_project_store_lookup (fixture->store, project_id);
  g_assert_cmpint (forge_project_get_status (project), ==, FORGE_PROJECT_STATUS_DEPLOYED);
  g_assert_cmpstr (forge_project_get_preview_url (project), ==, forge_test_harness_output_string (fixture, "preview_url"));
  g_assert_cmpstr (forge_project_get_framework (project), ==, "static");
  g_assert_nonnull (forge_project_get_sandbox_id (project));
  g_assert_cmpuint (forge_sandbox_manager_get_n_sandboxes (fixture->manager), ==, 1);
}

/* One repository's code plants rc files and modules in its home; another
 * project's sandbox must see none of them. */
static void
test_homes_are_per_project (Fixture       *fixture,
                            gconstpointer  data)
{
  static const char planted[] = "['.npmrc', '.yarnrc', '.bashrc', '.node_modules/evil/index.js', '.npm/_npx/evil']";
  g_autofree char *planter_js = g_strdup_printf (
    "const fs = require('fs'), os = require('os'), path = require('path');\n"
    "for (const f of %s) {\n"
    "  const p = path.join(os.homedir(), f);\n"
    "  fs.mkdirSync(path.dirname(p), { recursive: true });\n"
    "  fs.writeFileSync(p, 'planted');\n"
    "}\n"
    "require('http').createServer((q, s) => s.end('planted')).listen(+process.env.PORT, process.env.HOST);\n",
    planted);
  g_autofree char *victim_js = g_strdup_printf (
    "const fs = require('fs'), os = require('os'), path = require('path');\n"
    "const seen = %s.filter(f => fs.existsSync(path.join(os.homedir(), f)));\n"
    "require('http').createServer((q, s) => s.end(seen.length ? 'saw ' + seen.join(' ') : 'clean'))\n"
    "  .listen(+process.env.PORT, process.env.HOST);\n",
    planted);
  g_autofree char *planter = forge_test_repo_with_files (fixture->root, "planter",
                                                         "package.json",
                                                         "{ \"name\": \"planter\", \"scripts\": { \"dev\": \"node server.js\" } }\n",
                                                         "server.js", planter_js,
                                                         NULL);
  g_autofree char *victim = forge_test_repo_with_files (fixture->root, "victim",
                                                        "package.json",
                                                        "{ \"name\": \"victim\", \"scripts\": { \"dev\": \"node server.js\" } }\n",
                                                        "server.js", victim_js,
                                                        NULL);
  g_autofree char *planter_url = g_strconcat ("file://", planter, NULL);
  g_autofree char *victim_url = g_strconcat ("file://", victim, NULL);
  g_autofree char *planter_id = NULL;
  g_autofree char *victim_id = NULL;
  g_autofree char *body = NULL;

  planter_id = forge_test_harness_run (fixture, planter_url, NULL, 300);
  g_assert_cmpstr (fixture->error, ==, NULL);
  g_assert_cmpuint (forge_test_http_get (forge_test_harness_output_string (fixture, "preview_url"), &body), ==, 200);
  g_assert_cmpstr (body, ==, "planted");
  g_clear_pointer (&body, g_free);

  victim_id = forge_test_harness_run (fixture, victim_url, NULL, 300);
  g_assert_cmpstr (fixture->error, ==, NULL);
  g_assert_cmpuint (forge_test_http_get (forge_test_harness_output_string (fixture, "preview_url"), &body), ==, 200);
  g_assert_cmpstr (body, ==, "clean");
}

static void
test_vite_from_npm (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *repo = forge_test_repo_from_fixture (fixture->root, "vite-app");
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autofree char *project_id = NULL;
  g_autofree char *second_id = NULL;
  g_autofree char *body = NULL;
  g_autofree char *first_url = NULL;

  project_id = forge_test_harness_run (fixture, url, NULL, 300);
  g_assert_cmpstr (fixture->error, ==, NULL);
  g_assert_cmpint (fixture->status, ==, FORGE_RUN_STATUS_COMPLETED);
  assert_all_steps_completed (fixture);
  g_assert_cmpstr (forge_test_harness_output_string (fixture, "framework"), ==, "vite");
  g_assert_cmpstr (forge_test_harness_output_string (fixture, "package_manager"), ==, "npm");
  g_assert_true (forge_test_harness_logs_contain (fixture, "install: npm ci"));

  first_url = g_strdup (forge_test_harness_output_string (fixture, "preview_url"));
  g_assert_cmpuint (forge_test_http_get (first_url, &body), ==, 200);
  g_assert_nonnull (strstr (body, "Forge Vite Fixture"));

  /* Opening it again reuses the clone and the installed packages. */
  second_id = forge_test_harness_run (fixture, url, NULL, 300);
  g_assert_cmpint (fixture->status, ==, FORGE_RUN_STATUS_COMPLETED);
  g_assert_cmpstr (second_id, ==, project_id);
  g_assert_true (forge_test_harness_logs_contain (fixture, "in sync"));
  g_assert_false (forge_test_harness_logs_contain (fixture, "install: npm ci"));
  g_assert_cmpuint (forge_test_http_get (forge_test_harness_output_string (fixture, "preview_url"), NULL), ==, 200);
  /* The earlier server was stopped when the new one was adopted. */
  g_assert_cmpuint (forge_sandbox_manager_get_n_sandboxes (fixture->manager), ==, 1);
}

static guint
count_files (const char *dir)
{
  g_autoptr(GDir) entries = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;

  while (entries != NULL && (name = g_dir_read_name (entries)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        continue;
      n += g_file_test (path, G_FILE_TEST_IS_DIR) ? count_files (path) : 1;
    }

  return n;
}

/* npm's content store is shared by public projects; a project that was
 * cloned with a token keeps its packages (which may be private) to
 * itself. */
static void
test_package_stores (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *repo = forge_test_repo_from_fixture (fixture->root, "vite-app");
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autofree char *shared = g_build_filename (fixture->root, "cache", "forge-preview", "npm-content", NULL);
  g_autofree char *project_id = forge_test_harness_run (fixture, url, NULL, 300);
  g_autofree char *workspace = forge_project_workspace_dir_for_id (project_id);
  g_autofree char *own = g_build_filename (workspace, "npm-content", NULL);
  g_autofree char *index = g_build_filename (workspace, "npm-cache", "_cacache", "index-v5", NULL);
  g_autofree char *content_link = g_build_filename (workspace, "npm-cache", "_cacache", "content-v2", NULL);
  g_autofree char *stamp = g_build_filename (workspace, "install-stamp", NULL);
  guint shared_files;

  g_assert_cmpstr (fixture->error, ==, NULL);
  shared_files = count_files (shared);
  g_assert_cmpuint (shared_files, >, 0);
  g_assert_cmpuint (count_files (index), >, 0);
  g_assert_true (g_file_test (content_link, G_FILE_TEST_IS_SYMLINK));

  /* As if it had been cloned with a token: a store of its own. */
  g_assert_cmpint (g_mkdir (own, 0700), ==, 0);
  g_assert_cmpint (g_remove (stamp), ==, 0);
  g_free (forge_test_harness_run (fixture, url, NULL, 300));
  g_assert_cmpstr (fixture->error, ==, NULL);
  g_assert_true (forge_test_harness_logs_contain (fixture, "install: npm ci"));
  g_assert_cmpuint (count_files (own), >, 0);
  g_assert_cmpuint (count_files (shared), ==, shared_files);
}

/* Nuxt's Nitro worker listens on an abstract unix socket: in a network
 * of its own, the sandbox lets it (the shared network's filter did not). */
static void
test_nuxt (Fixture       *fixture,
           gconstpointer  data)
{
  g_autofree char *repo = forge_test_repo_from_fixture (fixture->root, "nuxt-app");
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autofree char *project_id = NULL;
  g_autofree char *body = NULL;

  project_id = forge_test_harness_run (fixture, url, NULL, 300);
  g_assert_cmpstr (fixture->error, ==, NULL);
  g_assert_cmpstr (forge_test_harness_output_string (fixture, "framework"), ==, "nuxt");
  g_assert_cmpstr (forge_test_harness_output_string (fixture, "network"), ==, "isolated");
  /* Rendered by the server, through the worker. */
  g_assert_cmpuint (forge_test_http_get (forge_test_harness_output_string (fixture, "preview_url"), &body), ==, 200);
  g_assert_nonnull (strstr (body, "Forge Nuxt Fixture"));
}

static char *
repo_with_install_script (Fixture    *fixture,
                          const char *name,
                          const char *preinstall)
{
  g_autofree char *package = g_strdup_printf ("{ \"name\": \"%s\", \"version\": \"1.0.0\", "
                                              "\"scripts\": { %s%s%s\"dev\": \"node server.js\" } }\n",
                                              name,
                                              preinstall ? "\"preinstall\": \"" : "",
                                              preinstall ? preinstall : "",
                                              preinstall ? "\", " : "");
  g_autofree char *lock = g_strdup_printf ("{ \"name\": \"%s\", \"version\": \"1.0.0\", \"lockfileVersion\": 3, "
                                           "\"requires\": true, \"packages\": { \"\": { \"name\": \"%s\", \"version\": \"1.0.0\" } } }\n",
                                           name, name);

  return forge_test_repo_with_files (fixture->root, name,
                                     "package.json", package,
                                     "package-lock.json", lock,
                                     "server.js",
                                     "require('http').createServer((q, s) => s.end('up')).listen(+process.env.PORT, process.env.HOST);\n",
                                     NULL);
}

/* An install's exit code is reported as it is: 1 is not "129", and 128
 * is a failure, not a success. */
static void
test_install_exit_codes (Fixture       *fixture,
                         gconstpointer  data)
{
  static const struct { const char *name; const char *script; const char *expected; } cases[] = {
    { "exits-1", "exit 1", "(exit 1)" },
    { "exits-128", "exit 128", "(exit 128)" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *repo = repo_with_install_script (fixture, cases[i].name, cases[i].script);
      g_autofree char *url = g_strconcat ("file://", repo, NULL);
      g_autofree char *project_id = forge_test_harness_run (fixture, url, NULL, 300);

      g_assert_cmpint (fixture->status, ==, FORGE_RUN_STATUS_FAILED);
      g_assert_nonnull (fixture->error);
      if (strstr (fixture->error, cases[i].expected) == NULL)
        g_error ("%s: expected %s in: %s", cases[i].name, cases[i].expected, fixture->error);
    }
}

/* A project without dependencies has no node_modules to stamp: a second
 * start must not install again. */
static void
test_no_dependencies_installed_once (Fixture       *fixture,
                                     gconstpointer  data)
{
  g_autofree char *repo = repo_with_install_script (fixture, "no-dependencies", NULL);
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autofree char *project_id = forge_test_harness_run (fixture, url, NULL, 300);

  g_assert_cmpstr (fixture->error, ==, NULL);
  g_assert_true (forge_test_harness_logs_contain (fixture, "install: npm ci"));

  g_free (forge_test_harness_run (fixture, url, NULL, 300));
  g_assert_cmpstr (fixture->error, ==, NULL);
  g_assert_true (forge_test_harness_logs_contain (fixture, "in sync"));
  g_assert_false (forge_test_harness_logs_contain (fixture, "install: npm ci"));
}

static void
test_pnpm_pinned_version (Fixture       *fixture,
                          gconstpointer  data)
{
  /* pnpm is not installed here: the pinned version comes through npx. */
  g_autofree char *repo = forge_test_repo_from_fixture (fixture->root, "pnpm-app");
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autofree char *project_id = NULL;
  g_autofree char *body = NULL;
  g_autofree char *modules = NULL;

  project_id = forge_test_harness_run (fixture, url, NULL, 300);
  g_assert_cmpstr (fixture->error, ==, NULL);
  g_assert_cmpstr (forge_test_harness_output_string (fixture, "package_manager"), ==, "pnpm");
  g_assert_true (forge_test_harness_logs_contain (fixture, "pnpm@9.15.9 install --frozen-lockfile"));

  g_assert_cmpuint (forge_test_http_get (forge_test_harness_output_string (fixture, "preview_url"), &body), ==, 200);
  g_assert_nonnull (strstr (body, "Installed with pnpm"));
  /* pnpm's own layout, not npm's. */
  modules = g_build_filename (g_getenv ("XDG_CACHE_HOME"), "forge-preview", "projects", project_id,
                              "repo", "node_modules", ".pnpm", NULL);
  g_assert_true (g_file_test (modules, G_FILE_TEST_IS_DIR));
}

/* A pnpm workspace: a library package and a Vite app that uses it. The
 * app is picked, pnpm installs the workspace once at the root (linking
 * the library into the app) and runs the app's dev script with
 * --filter; the app's page and the library, through Vite, are served. */
static void
test_monorepo_pnpm (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *repo = forge_test_repo_with_files (fixture->root, "pnpm-monorepo",
                                                      "package.json",
                                                      "{ \"name\": \"acme\", \"private\": true, \"packageManager\": \"pnpm@9.15.9\",\n"
                                                      "  \"scripts\": { \"build\": \"pnpm -r build\" } }\n",
                                                      "pnpm-workspace.yaml", "packages:\n  - 'apps/*'\n  - 'packages/*'\n",
                                                      "packages/greeting/package.json",
                                                      "{ \"name\": \"@acme/greeting\", \"version\": \"1.0.0\", \"type\": \"module\",\n"
                                                      "  \"main\": \"index.js\", \"scripts\": { \"build\": \"echo nothing to build\" } }\n",
                                                      "packages/greeting/index.js", "export const greeting = 'Hello from the workspace library'\n",
                                                      "apps/web/package.json",
                                                      "{ \"name\": \"@acme/web\", \"private\": true, \"type\": \"module\",\n"
                                                      "  \"scripts\": { \"dev\": \"vite\", \"build\": \"vite build\" },\n"
                                                      "  \"dependencies\": { \"@acme/greeting\": \"workspace:*\" },\n"
                                                      "  \"devDependencies\": { \"vite\": \"6.3.5\" } }\n",
                                                      "apps/web/index.html",
                                                      "<!doctype html><title>Forge Monorepo App</title>\n"
                                                      "<div id=\"app\"></div><script type=\"module\" src=\"/main.js\"></script>\n",
                                                      "apps/web/main.js",
                                                      "import { greeting } from '@acme/greeting'\n"
                                                      "document.querySelector('#app').textContent = greeting\n",
                                                      NULL);
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autofree char *project_id = NULL;
  g_autofree char *page = NULL;
  g_autofree char *script = NULL;
  g_autofree char *link = NULL;
  g_autofree char *preview_url = NULL;
  g_autofree char *script_url = NULL;
  ForgeProject *project;

  project_id = forge_test_harness_run (fixture, url, NULL, 300);
  g_assert_cmpstr (fixture->error, ==, NULL);
  assert_all_steps_completed (fixture);
  g_assert_cmpstr (forge_test_harness_output_string (fixture, "framework"), ==, "vite");
  g_assert_cmpstr (forge_test_harness_output_string (fixture, "package_manager"), ==, "pnpm");
  g_assert_cmpstr (forge_test_harness_output_string (fixture, "package_dir"), ==, "apps/web");
  g_assert_true (forge_test_harness_logs_contain (fixture, "install: npx -y pnpm@9.15.9 install"));
  g_assert_true (forge_test_harness_logs_contain (fixture, "pnpm@9.15.9 --filter @acme/web run dev --host"));

  /* One install, at the root: the library is linked into the app. */
  link = g_build_filename (g_getenv ("XDG_CACHE_HOME"), "forge-preview", "projects", project_id,
                           "repo", "apps", "web", "node_modules", "@acme", "greeting", NULL);
  g_assert_true (g_file_test (link, G_FILE_TEST_IS_SYMLINK));

  preview_url = g_strdup (forge_test_harness_output_string (fixture, "preview_url"));
  g_assert_cmpuint (forge_test_http_get (preview_url, &page), ==, 200);
  g_assert_nonnull (strstr (page, "Forge Monorepo App"));
  /* Vite resolved the bare import to the library's own file. */
  script_url = g_uri_resolve_relative (preview_url, "/main.js", G_URI_FLAGS_NONE, NULL);
  g_assert_cmpuint (forge_test_http_get (script_url, &script), ==, 200);
  g_assert_nonnull (strstr (script, "packages/greeting/index.js"));

  /* The app picked is the project's from now on. */
  project = forge_project_store_lookup (fixture->store, project_id);
  g_assert_cmpstr (forge_project_get_package_dir (project), ==, "apps/web");
}

static void
assert_failed_with (Fixture    *fixture,
                    const char *project_id,
                    const char *needle)
{
  ForgeProject *project = forge_project_store_lookup (fixture->store, project_id);

  g_assert_cmpint (fixture->status, ==, FORGE_RUN_STATUS_FAILED);
  g_assert_nonnull (fixture->error);
  if (strstr (fixture->error, needle) == NULL)
    g_error ("Expected “%s” in the error, got: %s", needle, fixture->error);
  /* One line: the output behind it is the run info's log tail. */
  g_assert_null (strchr (fixture->error, '\n'));
  g_assert_cmpint (forge_project_get_status (project), ==, FORGE_PROJECT_STATUS_FAILED);
  g_assert_nonnull (forge_project_get_last_error (project));
  g_assert_null (strchr (forge_project_get_last_error (project), '\n'));
}

static void
assert_log_tail_has (Fixture    *fixture,
                     const char *needle)
{
  g_autoptr(ForgeRunInfo) info = forge_workflow_engine_dup_run_info (fixture->engine, fixture->run_id);
  ForgeStepInfo *step;

  g_assert_nonnull (info);
  g_assert_cmpstr (forge_run_info_get_error_message (info), ==, fixture->error);
  g_assert_nonnull (forge_run_info_get_error_log_tail (info));
  if (strstr (forge_run_info_get_error_log_tail (info), needle) == NULL)
    g_error ("Expected “%s” in the log tail, got: %s", needle, forge_run_info_get_error_log_tail (info));
  g_assert_null (strstr (fixture->error, needle));

  step = forge_run_info_lookup_step (info, FORGE_STEP_START_PREVIEW_SERVER);
  g_assert_nonnull (step);
  g_assert_cmpint (forge_step_info_get_state (step), ==, FORGE_STEP_STATE_ERROR);
  g_assert_cmpstr (forge_step_info_get_error_log_tail (step), ==, forge_run_info_get_error_log_tail (info));
}

static void
test_missing_repository (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *missing = g_build_filename (fixture->root, "no-such-repo", NULL);
  g_autofree char *url = g_strconcat ("file://", missing, NULL);
  g_autofree char *project_id = forge_test_harness_run (fixture, url, NULL, 300);

  assert_failed_with (fixture, project_id, "no-such-repo");
  g_assert_cmpstr (g_ptr_array_index (fixture->steps, fixture->steps->len - 1), ==, "clone-repository:error");
}

static void
test_malformed_package_json (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autofree char *repo = forge_test_repo_with_files (fixture->root, "broken-json",
                                                      "package.json", "{\n  \"name\": \"x\",\n  \"scripts\": {\n    \"dev\": \"vite\"\n  \n}\n",
                                                      NULL);
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autofree char *project_id = forge_test_harness_run (fixture, url, NULL, 300);

  assert_failed_with (fixture, project_id, "line");
  g_assert_cmpstr (g_ptr_array_index (fixture->steps, fixture->steps->len - 1), ==, "detect-framework:error");
}

static void
test_nothing_runnable (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *repo = forge_test_repo_with_files (fixture->root, "just-docs",
                                                      "README.md", "# Nothing to run here\n",
                                                      NULL);
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autofree char *project_id = forge_test_harness_run (fixture, url, NULL, 300);

  assert_failed_with (fixture, project_id, "package.json");
  g_assert_cmpstr (g_ptr_array_index (fixture->steps, fixture->steps->len - 1), ==, "detect-framework:error");
}

static void
test_server_exits_at_once (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autofree char *repo = forge_test_repo_with_files (fixture->root, "crashing-server",
                                                      "package.json",
                                                      "{ \"name\": \"crash\", \"scripts\": { \"dev\": \"node server.js\" } }\n",
                                                      "server.js",
                                                      "console.log('booting on port ' + process.env.PORT);\n"
                                                      "console.error('Error: cannot find module ./config');\n"
                                                      "process.exit(3);\n",
                                                      NULL);
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autofree char *project_id = forge_test_harness_run (fixture, url, NULL, 300);

  assert_failed_with (fixture, project_id, "exited with status 3");
  /* The log tail comes with the error, beside it. */
  assert_log_tail_has (fixture, "cannot find module ./config");
  g_assert_cmpstr (g_ptr_array_index (fixture->steps, fixture->steps->len - 1), ==, "start-preview-server:error");
  g_assert_cmpuint (forge_sandbox_manager_get_n_sandboxes (fixture->manager), ==, 0);
}

static void
test_server_never_answers (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autofree char *repo = forge_test_repo_with_files (fixture->root, "silent-server",
                                                      "package.json",
                                                      "{ \"name\": \"silent\", \"scripts\": { \"dev\": \"node server.js\" } }\n",
                                                      "server.js",
                                                      "console.log('thinking forever');\nsetInterval(() => {}, 1000);\n",
                                                      NULL);
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autofree char *project_id = NULL;

  /* Long enough for node to start and print on a loaded machine. */
  forge_clone_and_preview_set_server_timeout (fixture->workflow, 8);
  project_id = forge_test_harness_run (fixture, url, NULL, 300);

  assert_failed_with (fixture, project_id, "did not answer within 8 seconds");
  assert_log_tail_has (fixture, "thinking forever");
  g_assert_cmpuint (forge_sandbox_manager_get_n_sandboxes (fixture->manager), ==, 0);
}

static void
test_base_path (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *repo = forge_test_repo_with_files (fixture->root, "base-path",
                                                      "package.json",
                                                      "{ \"name\": \"base\", \"scripts\": { \"dev\": \"node server.js\" } }\n",
                                                      "server.js",
                                                      "const port = +process.env.PORT;\n"
                                                      "require('http').createServer((q, s) => {\n"
                                                      "  if (q.url === '/') { s.writeHead(302, { Location: '/app/' }); return s.end(); }\n"
                                                      "  if (q.url.startsWith('/app/')) { s.writeHead(200, { 'Content-Type': 'text/html' }); return s.end('<h1>under a base path</h1>'); }\n"
                                                      "  s.writeHead(404); s.end();\n"
                                                      "}).listen(port, process.env.HOST);\n",
                                                      NULL);
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autofree char *project_id = forge_test_harness_run (fixture, url, NULL, 300);
  g_autofree char *body = NULL;

  g_assert_cmpstr (fixture->error, ==, NULL);
  g_assert_true (g_str_has_suffix (forge_test_harness_output_string (fixture, "preview_url"), "/app/"));
  g_assert_cmpuint (forge_test_http_get (forge_test_harness_output_string (fixture, "preview_url"), &body), ==, 200);
  g_assert_nonnull (strstr (body, "under a base path"));
}

static void
test_server_moves_port (Fixture       *fixture,
                        gconstpointer  data)
{
  /* Like Vite or Astro when their port is taken: they listen elsewhere and
   * say where. */
  g_autofree char *repo = forge_test_repo_with_files (fixture->root, "moving-port",
                                                      "package.json",
                                                      "{ \"name\": \"moving\", \"scripts\": { \"dev\": \"node server.js\" } }\n",
                                                      "server.js",
                                                      "const server = require('http').createServer((q, s) => s.end('moved here'));\n"
                                                      "server.listen(0, process.env.HOST, () => {\n"
                                                      "  console.log(`Port ${process.env.PORT} is in use, trying another one...`);\n"
                                                      "  console.log(`  \\x1b[32m➜\\x1b[39m  Local:   http://localhost:${server.address().port}/`);\n"
                                                      "});\n",
                                                      NULL);
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autofree char *project_id = forge_test_harness_run (fixture, url, NULL, 300);
  g_autofree char *body = NULL;

  g_assert_cmpstr (fixture->error, ==, NULL);
  g_assert_cmpuint (forge_test_http_get (forge_test_harness_output_string (fixture, "preview_url"), &body), ==, 200);
  g_assert_cmpstr (body, ==, "moved here");
}

static void
test_port_taken_is_retried (Fixture       *fixture,
                            gconstpointer  data)
{
  /* Like Next.js: exits with EADDRINUSE; another port is picked. */
  g_autofree char *repo = forge_test_repo_with_files (fixture->root, "busy-port",
                                                      "package.json",
                                                      "{ \"name\": \"busy\", \"scripts\": { \"dev\": \"node server.js\" } }\n",
                                                      "server.js",
                                                      "const fs = require('fs');\n"
                                                      "if (!fs.existsSync('.tried')) {\n"
                                                      "  fs.writeFileSync('.tried', '1');\n"
                                                      "  console.error(`Error: listen EADDRINUSE: address already in use 127.0.0.1:${process.env.PORT}`);\n"
                                                      "  process.exit(1);\n"
                                                      "}\n"
                                                      "require('http').createServer((q, s) => s.end('second try')).listen(+process.env.PORT, process.env.HOST);\n",
                                                      NULL);
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autofree char *project_id = forge_test_harness_run (fixture, url, NULL, 300);
  g_autofree char *body = NULL;

  g_assert_cmpstr (fixture->error, ==, NULL);
  g_assert_true (forge_test_harness_logs_contain (fixture, "EADDRINUSE"));
  g_assert_true (forge_test_harness_logs_contain (fixture, "trying another one"));
  g_assert_cmpuint (forge_test_http_get (forge_test_harness_output_string (fixture, "preview_url"), &body), ==, 200);
  g_assert_cmpstr (body, ==, "second try");
}

static void
on_server_log (ForgeSandboxManager *manager,
               const char          *project_id,
               const char          *stream,
               const char          *line,
               GPtrArray           *lines)
{
  g_ptr_array_add (lines, g_strdup_printf ("%s %s: %s", project_id, stream, line));
}

static gboolean
has_line (GPtrArray  *lines,
          const char *text)
{
  for (guint i = 0; i < lines->len; i++)
    if (strstr (g_ptr_array_index (lines, i), text) != NULL)
      return TRUE;
  return FALSE;
}

static void
test_server_output_after_hand_over (Fixture       *fixture,
                                    gconstpointer  data)
{
  /* The run ends when the server answers; the server keeps printing. */
  g_autofree char *repo = forge_test_repo_with_files (fixture->root, "chatty-server",
                                                      "package.json",
                                                      "{ \"name\": \"chatty\", \"scripts\": { \"dev\": \"node server.js\" } }\n",
                                                      "server.js",
                                                      "require('http').createServer((q, s) => { console.log(`served ${q.url}`); s.end('hi'); })\n"
                                                      "  .listen(+process.env.PORT, process.env.HOST);\n",
                                                      NULL);
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autofree char *project_id = NULL;
  g_autofree char *page = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  gint64 deadline;

  g_signal_connect (fixture->manager, "server-log", G_CALLBACK (on_server_log), lines);
  project_id = forge_test_harness_run (fixture, url, NULL, 300);
  g_assert_cmpstr (fixture->error, ==, NULL);

  page = g_strconcat (forge_test_harness_output_string (fixture, "preview_url"), "after-the-run", NULL);
  g_assert_cmpuint (forge_test_http_get (page, NULL), ==, 200);

  expected = g_strdup_printf ("%s server: served /after-the-run", project_id);
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (!has_line (lines, expected) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  g_assert_true (has_line (lines, expected));

  g_signal_handlers_disconnect_by_func (fixture->manager, on_server_log, lines);
}

/* A dev script can write anything under /home/user/repo: what it writes
 * there for git must not reach git on the host when the same URL is
 * opened again. */
static void
test_sandbox_cannot_configure_host_git (Fixture       *fixture,
                                        gconstpointer  data)
{
  g_autofree char *outside = g_build_filename (fixture->root, "outside", NULL);
  g_autofree char *server = g_strdup_printf (
    "const fs = require('fs');\n"
    "const evil = '%s';\n"
    "const payload = `\\n[core]\\n\\tworktree = ${evil}\\n\\thooksPath = ${evil}/hooks\\n`\n"
    "  + `\\tsshCommand = touch ${evil}/ssh\\n[include]\\n\\tpath = ${evil}/included\\n`\n"
    "  + `[url \"https://evil.invalid/\"]\\n\\tinsteadOf = https://nothing.invalid/\\n`;\n"
    "fs.mkdirSync('/home/user/repo/.git', { recursive: true });\n"
    "fs.appendFileSync('/home/user/repo/.git/config', payload);\n"
    "console.log('planted');\n"
    "require('http').createServer((q, s) => s.end('ok')).listen(+process.env.PORT, '127.0.0.1');\n",
    outside);
  g_autofree char *repo = forge_test_repo_with_files (fixture->root, "hostile-config",
                                                      "package.json",
                                                      "{ \"name\": \"hostile\", \"scripts\": { \"dev\": \"node server.js\" } }\n",
                                                      "server.js", server,
                                                      NULL);
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autofree char *project_id = NULL;
  g_autofree char *second_id = NULL;
  g_autofree char *workspace = NULL;
  g_autofree char *git_config = NULL;
  g_autofree char *config = NULL;
  g_autoptr(GDir) dir = NULL;

  g_assert_cmpint (g_mkdir (outside, 0755), ==, 0);

  project_id = forge_test_harness_run (fixture, url, NULL, 300);
  g_assert_cmpstr (fixture->error, ==, NULL);
  g_assert_true (forge_test_harness_logs_contain (fixture, "planted"));

  forge_test_git_commit_file (repo, "second.txt", "two\n");
  second_id = forge_test_harness_run (fixture, url, NULL, 300);
  g_assert_cmpstr (second_id, ==, project_id);
  g_assert_cmpstr (fixture->error, ==, NULL);
  g_assert_cmpint (fixture->status, ==, FORGE_RUN_STATUS_COMPLETED);

  /* Nothing was checked out (nor run) on the host side. */
  dir = g_dir_open (outside, 0, NULL);
  g_assert_nonnull (dir);
  g_assert_null (g_dir_read_name (dir));

  workspace = g_build_filename (g_getenv ("XDG_CACHE_HOME"), "forge-preview", "projects", project_id, NULL);
  git_config = g_build_filename (workspace, "git", "config", NULL);
  g_assert_true (g_file_get_contents (git_config, &config, NULL, NULL));
  g_assert_null (strstr (config, "worktree"));
  g_assert_null (strstr (config, "hooksPath"));
  g_assert_null (strstr (config, "sshCommand"));
  g_assert_null (strstr (config, "include"));
  g_assert_null (strstr (config, "insteadOf"));
  {
    g_autofree char *repo_dir = g_build_filename (workspace, "repo", NULL);
    g_assert_true (forge_test_file_has_content (repo_dir, "second.txt", "two\n"));
  }
}

/* The project's backend chooses the provider, and the workflow's
 * sandbox comes from it: the one the preview runs in. The fake backend
 * runs it on the host, so this is also the workflow without bubblewrap. */
static void
test_sandbox_from_provider (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *repo = forge_test_repo_from_fixture (fixture->root, "static-site");
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autofree char *project_id = NULL;
  g_autoptr(ForgeFakeSandbox) sandbox = NULL;
  ForgeProject *project;

  project_id = forge_test_harness_run (fixture, url, "fake", 300);
  g_assert_cmpstr (fixture->error, ==, NULL);
  g_assert_cmpint (fixture->status, ==, FORGE_RUN_STATUS_COMPLETED);
  assert_all_steps_completed (fixture);

  project = forge_project_store_lookup (fixture->store, project_id);
  g_assert_cmpstr (forge_project_get_backend (project), ==, "fake");
  g_assert_cmpuint (forge_fake_provider_get_n_created (fixture->fake), ==, 1);
  sandbox = forge_fake_provider_dup_last_sandbox (fixture->fake);
  g_assert_cmpstr (forge_sandbox_get_id (FORGE_SANDBOX (sandbox)), ==,
                   forge_test_harness_output_string (fixture, "sandbox_id"));
  g_assert_cmpuint (forge_fake_sandbox_get_n_spawned (sandbox), ==, 1);
  g_assert_cmpuint (forge_test_http_get (forge_test_harness_output_string (fixture, "preview_url"), NULL), ==, 200);
  /* The work tree was asked for once, from the project's clone. */
  g_assert_cmpuint (forge_fake_sandbox_get_n_synced (sandbox), ==, 1);
  {
    g_autofree char *synced = forge_fake_sandbox_dup_synced_dir (sandbox);
    g_autofree char *workspace = forge_project_workspace_dir_for_id (project_id);
    g_autofree char *repo_dir = g_build_filename (workspace, "repo", NULL);

    g_assert_cmpstr (synced, ==, repo_dir);
  }

  /* Opened again without naming one, it keeps its backend. */
  forge_sandbox_manager_stop_all (fixture->manager);
  g_free (forge_test_harness_run (fixture, url, NULL, 300));
  g_assert_cmpint (fixture->status, ==, FORGE_RUN_STATUS_COMPLETED);
  g_assert_cmpstr (forge_project_get_backend (project), ==, "fake");
  g_assert_cmpuint (forge_fake_provider_get_n_created (fixture->fake), ==, 2);
}

/* A sandbox whose work tree could not be brought in is not used: the
 * step fails and is retried with a new sandbox. */
static void
test_sync_failure_retried (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autofree char *repo = forge_test_repo_from_fixture (fixture->root, "static-site");
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autofree char *project_id = NULL;
  guint n_errors = 0;

  forge_fake_provider_fail_next_sync (fixture->fake, "The upload broke off");
  project_id = forge_test_harness_run (fixture, url, "fake", 300);

  g_assert_cmpstr (fixture->error, ==, NULL);
  g_assert_cmpint (fixture->status, ==, FORGE_RUN_STATUS_COMPLETED);
  for (guint i = 0; i < fixture->steps->len; i++)
    n_errors += g_str_equal (g_ptr_array_index (fixture->steps, i), "start-sandbox:error");
  g_assert_cmpuint (n_errors, ==, 1);
  g_assert_cmpuint (forge_fake_provider_get_n_created (fixture->fake), ==, 2);
  g_assert_cmpuint (forge_test_http_get (forge_test_harness_output_string (fixture, "preview_url"), NULL), ==, 200);
}

/* A backend that cannot work here (no bubblewrap, no API key) fails the
 * step once with its reason: retrying cannot help until the person acts. */
static void
test_unavailable_backend_not_retried (Fixture       *fixture,
                                      gconstpointer  data)
{
  g_autoptr(ForgeFakeProvider) off = forge_fake_provider_new_named ("off", "No API key: add one in Preferences");
  g_autofree char *repo = forge_test_repo_from_fixture (fixture->root, "static-site");
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autofree char *project_id = NULL;
  guint n_starts = 0;

  forge_sandbox_providers_add (fixture->providers, FORGE_SANDBOX_PROVIDER (off));
  project_id = forge_test_harness_run (fixture, url, "off", 300);

  g_assert_cmpint (fixture->status, ==, FORGE_RUN_STATUS_FAILED);
  g_assert_cmpstr (fixture->error, ==, "No API key: add one in Preferences");
  for (guint i = 0; i < fixture->steps->len; i++)
    n_starts += g_str_equal (g_ptr_array_index (fixture->steps, i), "start-sandbox:start");
  g_assert_cmpuint (n_starts, ==, 1);
  g_assert_cmpuint (forge_fake_provider_get_n_created (off), ==, 0);
}

/* A project naming a backend this build lacks fails once, saying which
 * exist; retrying cannot help. Detection is the first step that needs
 * the backend: it reads the repository through its workspace. */
static void
test_unknown_backend_fails (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *repo = forge_test_repo_from_fixture (fixture->root, "static-site");
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autofree char *project_id = NULL;
  ForgeProject *project;
  guint n_starts = 0;

  project_id = forge_test_harness_run (fixture, url, "nosuch", 300);
  g_assert_cmpint (fixture->status, ==, FORGE_RUN_STATUS_FAILED);
  g_assert_nonnull (strstr (fixture->error, "nosuch"));
  g_assert_nonnull (strstr (fixture->error, "fake, local"));
  g_assert_true (g_ptr_array_find_with_equal_func (fixture->steps, "detect-framework:error", g_str_equal, NULL));
  /* Not retried: the step started once. */
  for (guint i = 0; i < fixture->steps->len; i++)
    n_starts += g_str_equal (g_ptr_array_index (fixture->steps, i), "detect-framework:start");
  g_assert_cmpuint (n_starts, ==, 1);
  project = forge_project_store_lookup (fixture->store, project_id);
  g_assert_cmpint (forge_project_get_status (project), ==, FORGE_PROJECT_STATUS_FAILED);
  g_assert_cmpuint (forge_sandbox_manager_get_n_sandboxes (fixture->manager), ==, 0);
}

/* {{{ Limits: hostile dev servers and installs */

#define MB (G_GUINT64_CONSTANT (1024) * 1024)

static void
set_limits (Fixture  *fixture,
            guint64   memory_bytes,
            guint     max_tasks,
            guint64   tmp_bytes,
            guint64   workspace_bytes)
{
  ForgeSandboxLimits limits;

  forge_sandbox_limits_init_default (&limits);
  if (memory_bytes > 0)
    limits.memory_bytes = memory_bytes;
  if (max_tasks > 0)
    limits.max_tasks = max_tasks;
  if (tmp_bytes > 0)
    limits.tmp_bytes = tmp_bytes;
  if (workspace_bytes > 0)
    limits.workspace_bytes = workspace_bytes;
  forge_clone_and_preview_set_sandbox_limits (fixture->workflow, &limits);
}

static void
test_limits_server_memory_hog (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autofree char *repo = forge_test_repo_with_files (fixture->root, "memory-hog",
                                                      "package.json",
                                                      "{ \"name\": \"hog\", \"scripts\": { \"dev\": \"node server.js\" } }\n",
                                                      "server.js",
                                                      "console.log('taking everything');\n"
                                                      "const kept = [];\n"
                                                      "for (;;) kept.push(Buffer.alloc(8 << 20, 1));\n",
                                                      NULL);
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autofree char *project_id = NULL;

  set_limits (fixture, 256 * MB, 0, 0, 0);
  project_id = forge_test_harness_run (fixture, url, NULL, 300);

  assert_failed_with (fixture, project_id, "ran out of memory (limit 256 MB) before answering");
  g_assert_true (forge_test_harness_logs_contain (fixture, "Limits: memory 256 MB"));
  g_assert_cmpuint (forge_sandbox_manager_get_n_sandboxes (fixture->manager), ==, 0);
}

static void
test_limits_server_fork_bomb (Fixture       *fixture,
                              gconstpointer  data)
{
  /* Answers, and forks without end beside it. */
  g_autofree char *repo = forge_test_repo_with_files (fixture->root, "fork-bomb",
                                                      "package.json",
                                                      "{ \"name\": \"bomb\", \"scripts\": { \"dev\": \"node server.js\" } }\n",
                                                      "server.js",
                                                      "require('child_process').spawn('sh', ['-c', 'f() { f & f & wait; }; f'], { stdio: 'ignore' });\n"
                                                      "require('http').createServer((q, s) => s.end('<h1>still serving</h1>'))\n"
                                                      "  .listen(+process.env.PORT, process.env.HOST);\n",
                                                      NULL);
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autofree char *project_id = NULL;
  g_autofree char *body = NULL;

  set_limits (fixture, 0, 256, 0, 0);
  project_id = forge_test_harness_run (fixture, url, NULL, 300);

  /* Contained: the server still answers, and so does the app. */
  g_assert_cmpstr (fixture->error, ==, NULL);
  forge_test_harness_run_for (2000);
  g_assert_cmpuint (forge_test_http_get (forge_test_harness_output_string (fixture, "preview_url"), &body), ==, 200);
  g_assert_nonnull (strstr (body, "still serving"));
}

static void
test_limits_install_fills_workspace (Fixture       *fixture,
                                     gconstpointer  data)
{
  /* npm runs the project's own preinstall script, which writes on. */
  g_autofree char *repo = forge_test_repo_with_files (fixture->root, "disk-filler",
                                                      "package.json",
                                                      "{ \"name\": \"filler\", \"version\": \"1.0.0\",\n"
                                                      "  \"scripts\": { \"dev\": \"node server.js\",\n"
                                                      "               \"preinstall\": \"dd if=/dev/urandom of=filler bs=1M count=64 && sleep 600\" },\n"
                                                      "  \"dependencies\": { \"local-dep\": \"file:./local-dep\" } }\n",
                                                      "local-dep/package.json",
                                                      "{ \"name\": \"local-dep\", \"version\": \"1.0.0\" }\n",
                                                      "server.js", "\n",
                                                      NULL);
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autofree char *project_id = NULL;

  set_limits (fixture, 0, 0, 0, 48 * MB);
  project_id = forge_test_harness_run (fixture, url, NULL, 300);

  assert_failed_with (fixture, project_id, "filled the workspace past its disk limit (48 MB)");
  g_assert_cmpstr (g_ptr_array_index (fixture->steps, fixture->steps->len - 1), ==, "install-dependencies:error");
}

static void
test_limits_server_fills_tmp (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autofree char *repo = forge_test_repo_with_files (fixture->root, "tmp-filler",
                                                      "package.json",
                                                      "{ \"name\": \"tmp\", \"scripts\": { \"dev\": \"node server.js\" } }\n",
                                                      "server.js",
                                                      "const fs = require('fs');\n"
                                                      "const chunk = Buffer.alloc(1 << 20, 7);\n"
                                                      "for (let i = 0; i < 64; i++) fs.appendFileSync('/tmp/cache.bin', chunk);\n",
                                                      NULL);
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autofree char *project_id = NULL;

  set_limits (fixture, 0, 0, 16 * MB, 0);
  project_id = forge_test_harness_run (fixture, url, NULL, 300);

  assert_failed_with (fixture, project_id, "ran out of disk space (/tmp holds 16 MB)");
  assert_log_tail_has (fixture, "ENOSPC");
}

/* Failed at clone-repository on the disk cap, and nothing half-written
 * stays: no work tree, no git directory, no partial clone. */
static void
assert_clone_refused_by_cap (Fixture    *fixture,
                             const char *project_id)
{
  ForgeProject *project;

  assert_failed_with (fixture, project_id, "bigger than a project’s disk limit (16 MB)");
  g_assert_cmpstr (g_ptr_array_index (fixture->steps, fixture->steps->len - 1), ==, "clone-repository:error");

  project = forge_project_store_lookup (fixture->store, project_id);
  g_assert_nonnull (project);
  {
    g_autofree char *workspace = forge_project_workspace_dir_for_id (project_id);
    g_autofree char *work_tree = g_build_filename (workspace, "repo", NULL);
    g_autofree char *git_dir = g_build_filename (workspace, "git", NULL);

    g_assert_false (g_file_test (work_tree, G_FILE_TEST_EXISTS));
    g_assert_false (g_file_test (git_dir, G_FILE_TEST_EXISTS));
    g_assert_cmpuint (forge_test_count_entries_with_prefix (workspace, "git.partial-"), ==, 0);
  }
}

static void
test_limits_clone_too_big (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autofree char *repo = forge_test_repo_with_files (fixture->root, "too-big",
                                                      "package.json",
                                                      "{ \"name\": \"big\", \"scripts\": { \"dev\": \"node server.js\" } }\n",
                                                      NULL);
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autofree char *blob_path = g_build_filename (repo, "blob.bin", NULL);
  g_autofree char *project_id = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *blob = g_malloc (40 * MB);

  /* Random, so that the pack does not shrink it. */
  for (gsize i = 0; i < 40 * MB / sizeof (guint32); i++)
    ((guint32 *) blob)[i] = g_random_int ();
  g_assert_true (g_file_set_contents (blob_path, (const char *) blob, 40 * MB, &error));
  g_assert_no_error (error);
  forge_test_git (repo, "add", "blob.bin", NULL);
  forge_test_git (repo, "commit", "-q", "-m", "a big blob", NULL);

  set_limits (fixture, 0, 0, 0, 16 * MB);
  project_id = forge_test_harness_run (fixture, url, NULL, 300);

  assert_clone_refused_by_cap (fixture, project_id);
}

/* A zip bomb: 64 MB of zeros, a pack of some 64 KB. What was received
 * is far below the cap; what the checkout would write is not, and is
 * known before it writes a byte. */
static void
test_limits_clone_zip_bomb (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *repo = forge_test_repo_with_files (fixture->root, "zip-bomb",
                                                      "package.json",
                                                      "{ \"name\": \"bomb\", \"scripts\": { \"dev\": \"node server.js\" } }\n",
                                                      NULL);
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autofree char *zeros_path = g_build_filename (repo, "zeros.bin", NULL);
  g_autofree char *project_id = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *zeros = g_malloc0 (64 * MB);

  g_assert_true (g_file_set_contents (zeros_path, zeros, 64 * MB, &error));
  g_assert_no_error (error);
  forge_test_git (repo, "add", "zeros.bin", NULL);
  forge_test_git (repo, "commit", "-q", "-m", "64 MB of zeros", NULL);

  set_limits (fixture, 0, 0, 0, 16 * MB);
  project_id = forge_test_harness_run (fixture, url, NULL, 300);

  assert_clone_refused_by_cap (fixture, project_id);
}

/* }}} */

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  forge_test_git_isolate ();

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, forge_test_harness_tear_down)
  ADD ("/forge/clone-and-preview/static-site", test_static_site);
  ADD ("/forge/clone-and-preview/sandbox-from-provider", test_sandbox_from_provider);
  ADD ("/forge/clone-and-preview/unknown-backend-fails", test_unknown_backend_fails);
  ADD ("/forge/clone-and-preview/sync-failure-retried", test_sync_failure_retried);
  ADD ("/forge/clone-and-preview/unavailable-backend-not-retried", test_unavailable_backend_not_retried);
  ADD ("/forge/clone-and-preview/homes-are-per-project", test_homes_are_per_project);
  ADD ("/forge/clone-and-preview/vite-from-npm", test_vite_from_npm);
  ADD ("/forge/clone-and-preview/package-stores", test_package_stores);
  ADD ("/forge/clone-and-preview/nuxt", test_nuxt);
  ADD ("/forge/clone-and-preview/install-exit-codes", test_install_exit_codes);
  ADD ("/forge/clone-and-preview/no-dependencies-installed-once", test_no_dependencies_installed_once);
  ADD ("/forge/clone-and-preview/pnpm-pinned-version", test_pnpm_pinned_version);
  ADD ("/forge/clone-and-preview/monorepo-pnpm", test_monorepo_pnpm);
  ADD ("/forge/clone-and-preview/missing-repository", test_missing_repository);
  ADD ("/forge/clone-and-preview/malformed-package-json", test_malformed_package_json);
  ADD ("/forge/clone-and-preview/nothing-runnable", test_nothing_runnable);
  ADD ("/forge/clone-and-preview/server-exits-at-once", test_server_exits_at_once);
  ADD ("/forge/clone-and-preview/server-never-answers", test_server_never_answers);
  ADD ("/forge/clone-and-preview/base-path", test_base_path);
  ADD ("/forge/clone-and-preview/server-moves-port", test_server_moves_port);
  ADD ("/forge/clone-and-preview/port-taken-is-retried", test_port_taken_is_retried);
  ADD ("/forge/clone-and-preview/server-output-after-hand-over", test_server_output_after_hand_over);
  ADD ("/forge/clone-and-preview/sandbox-cannot-configure-host-git", test_sandbox_cannot_configure_host_git);
  ADD ("/forge/clone-and-preview/limits/server-memory-hog", test_limits_server_memory_hog);
  ADD ("/forge/clone-and-preview/limits/server-fork-bomb", test_limits_server_fork_bomb);
  ADD ("/forge/clone-and-preview/limits/install-fills-workspace", test_limits_install_fills_workspace);
  ADD ("/forge/clone-and-preview/limits/server-fills-tmp", test_limits_server_fills_tmp);
  ADD ("/forge/clone-and-preview/limits/clone-too-big", test_limits_clone_too_big);
  ADD ("/forge/clone-and-preview/limits/clone-zip-bomb", test_limits_clone_zip_bomb);
#undef ADD

  return g_test_run ();
}
