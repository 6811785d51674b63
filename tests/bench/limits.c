/* limits.c
 *
 * Benchmark and measurement for the local sandbox's limits:
 *
 * 1. What the limits cost a sandbox's start: a new sandbox running
 *    `true`, without limits and with them (a cgroup made and joined
 *    where one can be, rlimits otherwise), medians of ROUNDS.
 * 2. What real projects use, to choose the defaults: Next.js and Create
 *    React App, installed from the npm registry and their dev server
 *    brought up until the first page is compiled and served. The peak
 *    resident memory (sampled each second) and the peak of processes and
 *    threads, for the install and for the dev server.
 *
 * Prints numbers; asserts nothing about them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "e2e-util.h"
#include "forge-local-sandbox.h"
#include "forge-util.h"

#define ROUNDS 15
#define MB (G_GUINT64_CONSTANT (1024) * 1024)

static GMutex log_mutex;
static GString *command_log;

static void
on_line (ForgeSandboxStream  stream,
         const char         *line,
         gpointer            user_data)
{
  g_mutex_lock (&log_mutex);
  g_string_append_printf (command_log, "%s\n", line);
  /* Bounded: only the end matters when something fails. */
  if (command_log->len > 256 * 1024)
    g_string_erase (command_log, 0, command_log->len - 128 * 1024);
  g_mutex_unlock (&log_mutex);
}

static gboolean
log_contains (const char *text)
{
  gboolean found;

  g_mutex_lock (&log_mutex);
  found = strstr (command_log->str, text) != NULL;
  g_mutex_unlock (&log_mutex);
  return found;
}

static void
log_reset (void)
{
  g_mutex_lock (&log_mutex);
  g_string_truncate (command_log, 0);
  g_mutex_unlock (&log_mutex);
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
median (double *values,
        guint   n)
{
  qsort (values, n, sizeof *values, compare_doubles);
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

static ForgeLocalSandbox *
make_sandbox (const char *root,
              const char *repo,
              gboolean    limited)
{
  g_autofree char *home = g_build_filename (root, "home", NULL);
  g_autofree char *cache = g_build_filename (root, "npm-content", NULL);
  g_autofree char *npm_cache = g_build_filename (root, "npm-cache", NULL);
  g_autoptr(GError) error = NULL;
  ForgeLocalSandbox *sandbox;

  g_mkdir_with_parents (home, 0700);
  sandbox = forge_local_sandbox_new (repo, home, 3600, &error);
  g_assert_no_error (error);
  forge_local_sandbox_set_package_cache (sandbox, cache, npm_cache);

  if (limited)
    {
      ForgeSandboxLimits limits;

      forge_sandbox_limits_init_default (&limits);
      /* High enough never to stop what is measured. */
      limits.memory_bytes = 64 * 1024 * MB;
      limits.max_tasks = 100000;
      limits.workspace_bytes = 1024 * 1024 * MB;
      forge_local_sandbox_set_limits (sandbox, &limits);
    }

  return sandbox;
}

/* {{{ 1. Start cost */

static double
time_start (const char *root,
            const char *repo,
            gboolean    limited)
{
  const char *argv[] = { "true", NULL };
  g_autoptr(ForgeLocalSandbox) sandbox = NULL;
  g_autoptr(GError) error = NULL;
  gint64 started = g_get_monotonic_time ();
  int status = -1;

  sandbox = make_sandbox (root, repo, limited);
  if (!forge_sandbox_run_sync (FORGE_SANDBOX (sandbox), argv, NULL, NULL, NULL, NULL, &status, NULL, &error) ||
      status != 0)
    g_error ("true failed in the sandbox: %s", error ? error->message : "exit status");

  return (g_get_monotonic_time () - started) / 1000.0;
}

static void
bench_start_cost (const char *root)
{
  g_autofree char *repo = g_build_filename (root, "empty", NULL);
  g_autoptr(ForgeLocalSandbox) probe = NULL;
  double without[ROUNDS];
  double with[ROUNDS];

  g_mkdir_with_parents (repo, 0700);

  /* Once, for what a process checks only once (bwrap, slirp4netns). */
  time_start (root, repo, TRUE);
  probe = make_sandbox (root, repo, TRUE);

  for (guint i = 0; i < ROUNDS; i++)
    {
      without[i] = time_start (root, repo, FALSE);
      with[i] = time_start (root, repo, TRUE);
    }

  g_print ("limits: sandbox start (new sandbox, `true` to its end), median of %d\n", ROUNDS);
  g_print ("  held by: %s\n", forge_local_sandbox_get_cgroup_kind (probe) != NULL
           ? forge_local_sandbox_get_cgroup_kind (probe) : "rlimits (no cgroup)");
  g_print ("  %-16s %8.1f ms\n", "without limits", median (without, ROUNDS));
  g_print ("  %-16s %8.1f ms\n", "with limits", median (with, ROUNDS));
  g_print ("  %-16s %8.1f ms\n\n", "cost", median (with, ROUNDS) - median (without, ROUNDS));
}

/* }}} */

/* {{{ 2. Real projects */

typedef struct
{
  const char  *name;
  const char  *fixture;
  /* path, contents pairs written beside the fixture's files */
  const char  *files[8];
  /* the dev server, with PORT and HOST in its environment */
  const char  *argv[8];
  /* printed once the first page is compiled */
  const char  *compiled;
} Project;

static const Project projects[] = {
  {
    "Next.js 14", "nextjs",
    { "pages/index.js", "export default function Home() { return <h1>Hello from Next</h1>; }\n",
      NULL },
    { "node_modules/.bin/next", "dev", "--port", "@PORT@", "--hostname", "0.0.0.0", NULL },
    "Compiled",
  },
  {
    "Create React App 5", "create-react-app",
    { "public/index.html", "<!DOCTYPE html><html><body><div id=\"root\"></div></body></html>\n",
      "src/index.js", "import React from 'react';\nimport { createRoot } from 'react-dom/client';\n"
                      "createRoot(document.getElementById('root')).render(<h1>Hello from CRA</h1>);\n",
      NULL },
    { "node_modules/.bin/react-scripts", "start", NULL },
    "ompiled",
  },
};

static void
print_peaks (const char        *what,
             ForgeLocalSandbox *sandbox,
             double             seconds)
{
  g_print ("  %-14s %7.0f MB resident, %5" G_GUINT64_FORMAT " processes+threads, %6.1f s\n", what,
           forge_local_sandbox_get_memory_peak (sandbox) / (double) MB,
           forge_local_sandbox_get_tasks_peak (sandbox), seconds);
}

static void
measure_project (const char    *root,
                 const Project *project)
{
  g_autofree char *dir = g_build_filename (root, project->fixture, NULL);
  g_autofree char *repo = g_build_filename (dir, "repo", NULL);
  g_autoptr(ForgeLocalSandbox) installer = NULL;
  g_autoptr(ForgeLocalSandbox) runner = NULL;
  g_autoptr(ForgeSandboxProcess) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  g_autofree char *port_text = NULL;
  g_autofree char *authority = NULL;
  g_autofree char *url = NULL;
  g_auto(GStrv) env = NULL;
  static const char * const manifests[] = { "package.json", "package-lock.json" };
  const char *install_argv[] = { "npm", "install", "--no-audit", "--no-fund", NULL };
  const char *argv[8] = { NULL };
  gint64 started;
  gint64 deadline;
  guint port = 0;
  int status = -1;

  /* The detection fixture's manifests (a yarn.lock would not be npm's). */
  g_mkdir_with_parents (repo, 0700);
  for (guint i = 0; i < G_N_ELEMENTS (manifests); i++)
    {
      g_autofree char *source = g_build_filename (TEST_SRCDIR, "fixtures", "frameworks", project->fixture,
                                                  manifests[i], NULL);
      g_autofree char *target = g_build_filename (repo, manifests[i], NULL);
      g_autofree char *contents = NULL;
      gsize length;

      if (g_file_get_contents (source, &contents, &length, NULL) &&
          !g_file_set_contents (target, contents, length, &error))
        g_error ("%s", error->message);
    }

  for (guint i = 0; project->files[i] != NULL; i += 2)
    {
      g_autofree char *path = g_build_filename (repo, project->files[i], NULL);
      g_autofree char *parent = g_path_get_dirname (path);

      g_mkdir_with_parents (parent, 0700);
      if (!g_file_set_contents (path, project->files[i + 1], -1, &error))
        g_error ("%s", error->message);
    }

  g_print ("%s\n", project->name);

  installer = make_sandbox (dir, repo, TRUE);
  log_reset ();
  started = g_get_monotonic_time ();
  if (!forge_sandbox_run_sync (FORGE_SANDBOX (installer), install_argv, NULL, NULL, on_line, NULL,
                               &status, NULL, &error) || status != 0)
    g_error ("npm install failed (%d): %s\n%s", status, error ? error->message : "", command_log->str);
  /* The last sample is at most a second old. */
  g_usleep (1100 * 1000);
  print_peaks ("npm install", installer, (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC);
  g_clear_object (&installer);

  runner = make_sandbox (dir, repo, TRUE);
  g_assert_true (forge_sandbox_get_listen_address (FORGE_SANDBOX (runner), 1, &address, &port, &error));
  port_text = g_strdup_printf ("%u", port);
  for (guint i = 0; project->argv[i] != NULL; i++)
    argv[i] = g_str_equal (project->argv[i], "@PORT@") ? port_text : project->argv[i];
  env = g_environ_setenv (NULL, "PORT", port_text, TRUE);
  env = g_environ_setenv (env, "HOST", address, TRUE);
  env = g_environ_setenv (env, "BROWSER", "none", TRUE);
  env = g_environ_setenv (env, "NEXT_TELEMETRY_DISABLED", "1", TRUE);

  log_reset ();
  started = g_get_monotonic_time ();
  server = forge_sandbox_spawn (FORGE_SANDBOX (runner), argv, (const char * const *) env, NULL,
                                on_line, NULL, NULL, &error);
  g_assert_no_error (error);
  authority = forge_sandbox_expose_port (FORGE_SANDBOX (runner), server, port, &error);
  g_assert_no_error (error);
  url = g_strdup_printf ("http://%s/", authority);

  /* Up, and the first page compiled: what a preview needs. */
  deadline = g_get_monotonic_time () + 600 * G_USEC_PER_SEC;
  while (forge_test_http_get (url, NULL) != 200 || !log_contains (project->compiled))
    {
      if (!forge_sandbox_process_is_running (server) || g_get_monotonic_time () > deadline)
        g_error ("%s did not come up:\n%s", project->name, command_log->str);
      g_usleep (250 * 1000);
    }
  g_usleep (2100 * 1000);
  print_peaks ("dev server", runner, (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC);

  forge_sandbox_process_kill (server);
  forge_sandbox_process_wait (server, 10000, NULL);
  g_print ("\n");
}

/* }}} */

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *root = NULL;
  gboolean skip_projects = argc > 1 && g_str_equal (argv[1], "--start-only");

  command_log = g_string_new (NULL);
  root = g_dir_make_tmp ("forge-limits-bench-XXXXXX", &error);
  g_assert_no_error (error);
  forge_test_isolate_xdg (root);

  bench_start_cost (root);

  if (!skip_projects)
    {
      g_print ("limits: what real projects use (peaks; resident memory sampled each second)\n");
      for (guint i = 0; i < G_N_ELEMENTS (projects); i++)
        measure_project (root, &projects[i]);
    }

  forge_remove_tree (root, NULL);
  g_string_free (command_log, TRUE);
  return 0;
}
