/* test-flatpak.c: the app as a Flatpak, with a stand-in for flatpak-spawn
 * (tests/support/flatpak-spawn-stub) that records what it is given and
 * runs the command here, as the portal's sub-sandbox or the host would.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "e2e-util.h"
#include "headless-util.h"
#include "forge-flatpak.h"
#include "forge-local-sandbox-private.h"
#include "forge-bwrap-args.h"
#include "forge-seccomp.h"
#include "forge-util.h"

typedef struct
{
  char *root;
  char *repo_dir;
  char *home_dir;
  char *record;      /* what the stub wrote */
  char *spawn;       /* the wrapper the app runs as flatpak-spawn */
} Fixture;

/* A flatpak-spawn of this fixture's: the stub, told where to record (the
 * app gives flatpak-spawn almost no environment), with @host_path as the
 * host's PATH (NULL for this machine's). */
static char *
write_spawn_wrapper (Fixture    *fixture,
                     const char *name,
                     const char *host_path)
{
  g_autofree char *stub = g_build_filename (TEST_SRCDIR, "support", "flatpak-spawn-stub", NULL);
  g_autofree char *path = g_build_filename (fixture->root, name, NULL);
  g_autofree char *script = g_strdup_printf ("#!/bin/sh\n"
                                             "export FORGE_STUB_RECORD='%s'\n"
                                             "%s%s%s"
                                             "exec '%s' \"$@\"\n",
                                             fixture->record,
                                             host_path ? "export FORGE_STUB_HOST_PATH='" : "",
                                             host_path ? host_path : "",
                                             host_path ? "'\n" : "",
                                             stub);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, script, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, 0755), ==, 0);

  return g_steal_pointer (&path);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *info = NULL;
  g_autoptr(GError) error = NULL;

  fixture->root = g_dir_make_tmp ("forge-flatpak-XXXXXX", &error);
  g_assert_no_error (error);
  forge_test_isolate_xdg (fixture->root);
  fixture->repo_dir = g_build_filename (fixture->root, "repo", NULL);
  fixture->home_dir = g_build_filename (fixture->root, "home", NULL);
  fixture->record = g_build_filename (fixture->root, "record", NULL);
  g_assert_cmpint (g_mkdir (fixture->repo_dir, 0700), ==, 0);

  /* What Flatpak writes at /.flatpak-info, in short. */
  info = g_build_filename (fixture->root, "flatpak-info", NULL);
  g_file_set_contents (info,
                       "[Application]\nname=io.github.forgepreview.ForgePreview\n\n"
                       "[Instance]\ninstance-id=1\napp-path=/var/lib/flatpak/app/io.github.forgepreview.ForgePreview/x86_64/stable/active/files\n",
                       -1, &error);
  g_assert_no_error (error);
  fixture->spawn = write_spawn_wrapper (fixture, "flatpak-spawn", NULL);
  g_setenv ("FORGE_TEST_FLATPAK_INFO", info, TRUE);
  g_setenv ("FORGE_TEST_FLATPAK_SPAWN", fixture->spawn, TRUE);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_unsetenv ("FORGE_TEST_FLATPAK_INFO");
  g_unsetenv ("FORGE_TEST_FLATPAK_SPAWN");
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_true (forge_test_wait_no_processes (fixture->root, 5000));
  forge_remove_tree (fixture->root, NULL);
  g_free (fixture->root);
  g_free (fixture->repo_dir);
  g_free (fixture->home_dir);
  g_free (fixture->record);
  g_free (fixture->spawn);
}

/* The stub's record: one block of "key value" lines per run, each ending
 * with "end"; the block whose command has @word, the last one. */
static char **
read_record_block (Fixture    *fixture,
                   const char *word)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GStrvBuilder) block = g_strv_builder_new ();
  g_auto(GStrv) found = NULL;
  gboolean matches = FALSE;

  g_assert_true (g_file_get_contents (fixture->record, &contents, NULL, NULL));
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (g_str_equal (lines[i], "end"))
        {
          g_auto(GStrv) done = g_strv_builder_end (block);

          if (matches)
            {
              g_strfreev (found);
              found = g_steal_pointer (&done);
            }
          g_clear_pointer (&block, g_strv_builder_unref);
          block = g_strv_builder_new ();
          matches = FALSE;
          continue;
        }
      if (g_str_has_prefix (lines[i], "command ") && strstr (lines[i], word) != NULL)
        matches = TRUE;
      g_strv_builder_add (block, lines[i]);
    }

  g_assert_nonnull (found);
  return g_steal_pointer (&found);
}

static gboolean
block_has (char       **block,
           const char  *line)
{
  return g_strv_contains ((const char * const *) block, line);
}

static const char *
block_value (char       **block,
             const char  *prefix)
{
  for (guint i = 0; block[i] != NULL; i++)
    if (g_str_has_prefix (block[i], prefix))
      return block[i] + strlen (prefix);
  return NULL;
}

/* flatpak-spawn itself gets only what it needs to reach the portal. */
static void
assert_spawner_environment (char **block)
{
  static const char * const allowed[] = {
    "PATH", "LANG", "DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR",
    /* the shell's own, and the wrapper's */
    "PWD", "OLDPWD", "SHLVL", "_", "FORGE_STUB_RECORD", "FORGE_STUB_HOST_PATH",
  };

  for (guint i = 0; block[i] != NULL; i++)
    if (g_str_has_prefix (block[i], "spawn-env "))
      if (!g_strv_contains (allowed, block[i] + strlen ("spawn-env ")))
        g_error ("flatpak-spawn got %s from the app's environment", block[i]);
}

static void
collect_line (ForgeSandboxStream  stream,
              const char         *line,
              gpointer            user_data)
{
  g_ptr_array_add (user_data, g_strdup (line));
}

static int
run_collecting (ForgeLocalSandbox   *sandbox,
                const char * const  *argv,
                const char * const  *env,
                GPtrArray           *lines)
{
  g_autoptr(GError) error = NULL;
  int status = -1;

  g_assert_true (forge_sandbox_run_sync (FORGE_SANDBOX (sandbox), argv, env, NULL,
                                         collect_line, lines, &status, NULL, &error));
  g_assert_no_error (error);
  return status;
}

static gboolean
lines_contain (GPtrArray  *lines,
               const char *line)
{
  for (guint i = 0; i < lines->len; i++)
    if (g_str_equal (g_ptr_array_index (lines, i), line))
      return TRUE;
  return FALSE;
}

static void
test_detect (Fixture       *fixture,
             gconstpointer  data)
{
  g_autofree char *app_path = NULL;
  g_autofree char *missing = g_build_filename (fixture->root, "none", NULL);

  g_assert_true (forge_flatpak_detect (&app_path));
  g_assert_cmpstr (app_path, ==, "/var/lib/flatpak/app/io.github.forgepreview.ForgePreview/x86_64/stable/active/files");
  g_assert_cmpstr (forge_flatpak_spawn_program (), ==, fixture->spawn);

  g_setenv ("FORGE_TEST_FLATPAK_INFO", missing, TRUE);
  g_assert_false (forge_flatpak_detect (NULL));

  /* Out of Flatpak (as the tests run), the real file is looked for. */
  g_unsetenv ("FORGE_TEST_FLATPAK_INFO");
  g_unsetenv ("FORGE_TEST_FLATPAK_SPAWN");
  g_assert_cmpint (forge_flatpak_detect (NULL), ==, g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS));
  g_assert_cmpstr (forge_flatpak_spawn_program (), ==, "flatpak-spawn");
}

/* Paths inside are the host's in the sub-sandbox; variables never reach
 * the command line. */
static void
test_subsandbox_args (void)
{
  const ForgeFlatpakSandboxConfig config = {
    .spawn = "flatpak-spawn",
    .repo_dir = "/cache/p/repo",
    .home_dir = "/cache/p/home",
    .helper_dir = "/app/libexec/forge-preview",
    .max_open_files = 8192,
  };
  const char *argv[] = { "/home/user/repo/node_modules/.bin/vite", "--port", "3000", NULL };
  const char *env[] = { "TOKEN=s3cret", "PATH=/home/user/repo/node_modules/.bin:/opt/forge/bin:/usr/bin", "bad", NULL };
  const char *dash[] = { "--host", NULL };
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) args = forge_flatpak_sandbox_args_build (&config, argv, "/home/user/repo/apps/web", &error);
  g_autoptr(GBytes) env_data = forge_flatpak_env_data (&config, env);
  g_autofree char *joined = NULL;
  g_autofree char *translated = NULL;
  gsize len;
  const char *data = g_bytes_get_data (env_data, &len);
  g_auto(GStrv) none = NULL;

  g_assert_no_error (error);
  joined = g_strjoinv (" ", args);
  g_assert_cmpstr (joined, ==,
                   "flatpak-spawn --sandbox --watch-bus --clear-env"
                   " --sandbox-expose-path=/cache/p/repo --sandbox-expose-path=/cache/p/home"
                   " --env-fd=9 --directory=/cache/p/repo/apps/web"
                   " /bin/sh -c ulimit -n \"$0\" && exec \"$@\" 8192"
                   " /cache/p/repo/node_modules/.bin/vite --port 3000");

  /* env -0: HOME and PATH of the sub-sandbox first, then the command's. */
  g_assert_cmpstr (data, ==, "HOME=/cache/p/home");
  g_assert_nonnull (memmem (data, len, "PATH=/app/libexec/forge-preview:/app/bin:/usr/bin:/bin", strlen ("PATH=/app/libexec/forge-preview:/app/bin:/usr/bin:/bin") + 1));
  g_assert_nonnull (memmem (data, len, "TOKEN=s3cret", sizeof "TOKEN=s3cret"));
  g_assert_nonnull (memmem (data, len, "PATH=/cache/p/repo/node_modules/.bin:/app/libexec/forge-preview:/usr/bin",
                            sizeof "PATH=/cache/p/repo/node_modules/.bin:/app/libexec/forge-preview:/usr/bin"));
  g_assert_null (memmem (data, len, "bad", 3));
  g_assert_cmpint (data[len - 1], ==, '\0');

  /* Whole components only. */
  translated = forge_flatpak_translate_path (&config, "/home/username:/home/user/x:/opt/forge/binary");
  g_assert_cmpstr (translated, ==, "/home/username:/cache/p/home/x:/opt/forge/binary");

  none = forge_flatpak_sandbox_args_build (&config, dash, NULL, &error);
  g_assert_null (none);
  g_assert_error (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_SPAWN_FAILED);
}

/* The default inside Flatpak: the portal's sub-sandbox, which sees the
 * work tree and the home at their own paths. */
static void
test_subsandbox_run (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ForgeLocalSandbox) sandbox = NULL;
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) block = NULL;
  g_autofree char *expose_repo = NULL;
  g_autofree char *expose_home = NULL;
  g_autofree char *note = NULL;
  g_autofree char *pwd_line = NULL;
  g_autofree char *home_line = NULL;
  ForgeSandboxLimits limits;
  const char *argv[] = { "/bin/sh", "-c", "echo pwd=$(pwd); echo home=$HOME; echo secret=$SECRET; ulimit -n; echo marker-sub", NULL };
  const char *env[] = { "SECRET=hunter22", NULL };

  sandbox = forge_local_sandbox_new_full (fixture->repo_dir, fixture->home_dir, 0, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (_forge_local_sandbox_get_flatpak_mode (sandbox), ==, FORGE_FLATPAK_SUBSANDBOX);
  forge_sandbox_limits_init_default (&limits);
  limits.max_open_files = 512;
  forge_local_sandbox_set_limits (sandbox, &limits);

  g_assert_cmpint (run_collecting (sandbox, argv, env, lines), ==, 0);
  pwd_line = g_strconcat ("pwd=", fixture->repo_dir, NULL);
  home_line = g_strconcat ("home=", fixture->home_dir, NULL);
  g_assert_true (lines_contain (lines, pwd_line));
  g_assert_true (lines_contain (lines, home_line));
  g_assert_true (lines_contain (lines, "secret=hunter22"));
  g_assert_true (lines_contain (lines, "512"));

  block = read_record_block (fixture, "marker-sub");
  g_assert_true (block_has (block, "mode sandbox"));
  g_assert_true (block_has (block, "arg --watch-bus"));
  g_assert_true (block_has (block, "arg --clear-env"));
  g_assert_true (block_has (block, "arg --env-fd=9"));
  expose_repo = g_strconcat ("exposed ", fixture->repo_dir, NULL);
  expose_home = g_strconcat ("exposed ", fixture->home_dir, NULL);
  g_assert_true (block_has (block, expose_repo));
  g_assert_true (block_has (block, expose_home));
  g_assert_true (block_has (block, "env SECRET"));
  g_assert_true (block_has (block, "env HOME"));
  for (guint i = 0; block[i] != NULL; i++)
    g_assert_null (strstr (block[i], "hunter22"));
  assert_spawner_environment (block);

  /* Shared network, and the limits that cannot hold said so. */
  g_assert_false (forge_local_sandbox_has_own_network (sandbox));
  g_assert_nonnull (forge_local_sandbox_get_network_problem (sandbox));
  note = forge_sandbox_dup_limits_note (FORGE_SANDBOX (sandbox));
  g_assert_nonnull (strstr (note, "512 open files (rlimit)"));
  g_assert_null (strstr (note, "memory 4 GB"));
  g_assert_nonnull (strstr (note, "not limited in Flatpak’s sub-sandbox"));
}

/* Opt-in: bwrap on the host, every fd it reads forwarded. */
static void
test_host_run (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ForgeLocalSandbox) sandbox = NULL;
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  /* Its own network: the filter that allows what slirp4netns needs not. */
  g_autoptr(GBytes) filter = forge_seccomp_build_filter (FALSE);
  g_auto(GStrv) block = NULL;
  g_autofree char *seccomp_line = NULL;
  g_autofree char *passwd_prefix = NULL;
  const char *argv[] = { "/bin/sh", "-c", "echo pwd=$(pwd); echo home=$HOME; echo secret=$SECRET; head -1 /etc/passwd; echo marker-host", NULL };
  const char *env[] = { "SECRET=hunter22", NULL };
  const char *value;

  sandbox = forge_local_sandbox_new_full (fixture->repo_dir, fixture->home_dir, 0, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (_forge_local_sandbox_get_flatpak_mode (sandbox), ==, FORGE_FLATPAK_HOST);

  g_assert_cmpint (run_collecting (sandbox, argv, env, lines), ==, 0);
  /* Inside bwrap: the usual paths. */
  g_assert_true (lines_contain (lines, "pwd=/home/user/repo"));
  g_assert_true (lines_contain (lines, "home=/home/user"));
  g_assert_true (lines_contain (lines, "secret=hunter22"));

  block = read_record_block (fixture, "marker-host");
  g_assert_true (block_has (block, "mode host"));
  g_assert_true (block_has (block, "arg --watch-bus"));
  g_assert_cmpstr (block_value (block, "command "), ==, "bwrap");
  /* A network of its own, held by the outer bwrap, whose pid comes back
   * on fd 10; the command waits on 7 until slirp4netns is attached. */
  g_assert_true (forge_local_sandbox_has_own_network (sandbox));
  g_assert_true (block_has (block, "command --unshare-net"));
  g_assert_true (block_has (block, "fd 10 writable"));
  g_assert_true (block_has (block, "fd 7 waiting"));
  /* bwrap writes the pid to 3; reads passwd, group, the seccomp program
   * and the variables from 4, 5, 6 and 9. */
  g_assert_true (block_has (block, "fd 3 writable"));
  passwd_prefix = g_strdup_printf ("fd 4 readable ");
  value = block_value (block, passwd_prefix);
  g_assert_nonnull (value);
  g_assert_nonnull (strstr (value, "user:x:"));
  value = block_value (block, "fd 5 readable ");
  g_assert_nonnull (value);
  g_assert_nonnull (strstr (value, "user:x:"));
  seccomp_line = g_strdup_printf ("fd 6 readable %" G_GSIZE_FORMAT " ", g_bytes_get_size (filter));
  g_assert_nonnull (block_value (block, seccomp_line));
  /* A BPF program: whole 8-byte instructions. */
  g_assert_cmpuint (g_bytes_get_size (filter) % 8, ==, 0);
  g_assert_cmpuint (g_bytes_get_size (filter), >, 0);
  g_assert_nonnull (block_value (block, "fd 9 readable "));
  /* The variables went through fd 9, not flatpak-spawn's command line. */
  for (guint i = 0; block[i] != NULL; i++)
    {
      if (g_str_has_prefix (block[i], "arg ") || g_str_has_prefix (block[i], "command "))
        g_assert_null (strstr (block[i], "hunter22"));
      g_assert_null (strstr (block[i], "missing"));
    }
  assert_spawner_environment (block);
}

/* A host without bwrap or Node is named in one line. */
static void
test_host_missing_tools (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *empty = g_build_filename (fixture->root, "empty-bin", NULL);
  g_autofree char *spawn = NULL;

  g_assert_cmpint (g_mkdir (empty, 0700), ==, 0);
  spawn = write_spawn_wrapper (fixture, "flatpak-spawn-bare-host", empty);
  g_setenv ("FORGE_TEST_FLATPAK_SPAWN", spawn, TRUE);

  g_assert_false (forge_local_sandbox_check_available_full (TRUE, &error));
  g_assert_error (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_UNAVAILABLE);
  g_assert_cmpstr (error->message, ==,
                   "Running projects on the host needs bubblewrap, slirp4netns and Node.js installed on the host (packages bubblewrap, slirp4netns, nodejs).");
  g_clear_error (&error);

  /* The sub-sandbox needs nothing of the host. */
  g_assert_true (forge_local_sandbox_check_available_full (FALSE, &error));
  g_assert_no_error (error);
}

static gboolean
first_line_arrived (gpointer data)
{
  return ((GPtrArray *) data)->len > 0;
}

/* Its own network on the host: slirp4netns started there through
 * flatpak-spawn, attached by the host pid the outer bwrap reported, its
 * port forwarding reached from here, and the host's loopback out of
 * reach from inside. Stopped, nothing of it is left. */
static void
test_host_network (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ForgeLocalSandbox) sandbox = NULL;
  g_autoptr(ForgeSandboxProcess) server = NULL;
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) probe_lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GSocket) arrived = NULL;
  g_auto(GStrv) slirp = NULL;
  g_autofree char *authority = NULL;
  g_autofree char *url = NULL;
  g_autofree char *body = NULL;
  g_autofree char *probe = NULL;
  g_autofree char *shared = forge_flatpak_dup_shared_runtime_dir ();
  const char *server_argv[] = { "node", "-e",
    "require('http').createServer((q, s) => s.end('from the host sandbox'))"
    ".listen(3000, '0.0.0.0', () => console.log('listening'))", NULL };
  const char *api_socket;
  const char *pid_word = NULL;
  guint port;
  gint64 deadline;

  sandbox = forge_local_sandbox_new_full (fixture->repo_dir, fixture->home_dir, 0, TRUE, &error);
  g_assert_no_error (error);
  g_assert_true (forge_local_sandbox_has_own_network (sandbox));
  g_assert_false (forge_sandbox_shares_host_network (FORGE_SANDBOX (sandbox)));

  server = forge_sandbox_spawn (FORGE_SANDBOX (sandbox), server_argv, NULL, NULL,
                                collect_line, lines, NULL, &error);
  g_assert_no_error (error);
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (!first_line_arrived (lines) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE), g_usleep (20 * 1000);
  g_assert_cmpuint (lines->len, >, 0);
  g_assert_cmpstr (g_ptr_array_index (lines, 0), ==, "listening");

  /* slirp4netns ran on the host, with the fds it needs forwarded and its
   * API socket where the app and the host see it alike. */
  slirp = read_record_block (fixture, "slirp4netns");
  g_assert_true (block_has (slirp, "mode host"));
  g_assert_true (block_has (slirp, "arg --watch-bus"));
  g_assert_true (block_has (slirp, "arg --forward-fd=3"));
  g_assert_true (block_has (slirp, "arg --forward-fd=4"));
  g_assert_true (block_has (slirp, "fd 3 waiting"));
  g_assert_true (block_has (slirp, "fd 4 writable"));
  g_assert_true (block_has (slirp, "command --disable-host-loopback"));
  g_assert_true (block_has (slirp, "command tap0"));
  for (guint i = 0; slirp[i] != NULL; i++)
    {
      if (g_str_equal (slirp[i], "command --api-socket"))
        {
          api_socket = slirp[i + 1] + strlen ("command ");
          g_assert_true (g_str_has_prefix (api_socket, shared));
        }
      if (g_str_equal (slirp[i], "command tap0"))
        pid_word = slirp[i - 1] + strlen ("command ");
    }
  g_assert_nonnull (pid_word);
  g_assert_cmpint (atoi (pid_word), >, 1);

  /* Port forwarding through that socket reaches the server inside. */
  authority = forge_sandbox_expose_port (FORGE_SANDBOX (sandbox), server, 3000, &error);
  g_assert_no_error (error);
  url = g_strdup_printf ("http://%s/", authority);
  g_assert_cmpuint (forge_test_http_get (url, &body), ==, 200);
  g_assert_cmpstr (body, ==, "from the host sandbox");

  /* A service on this computer's loopback is out of reach from inside. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, address, TRUE, &error));
  g_assert_true (g_socket_listen (socket, &error));
  g_assert_no_error (error);
  g_socket_set_blocking (socket, FALSE);
  effective = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  probe = g_strdup_printf ("const net = require('net');"
                           "const hosts = ['127.0.0.1', '10.0.2.2'];"
                           "(function next () {"
                           "  const host = hosts.shift(); if (!host) return;"
                           "  const c = net.connect (%u, host);"
                           "  c.setTimeout (3000, () => { console.log (host + ' refused'); c.destroy (); next (); });"
                           "  c.on ('connect', () => { console.log (host + ' reached'); c.destroy (); next (); });"
                           "  c.on ('error', () => { console.log (host + ' refused'); next (); });"
                           "}) ();", port);
  {
    const char *probe_argv[] = { "node", "-e", probe, NULL };

    g_assert_cmpint (run_collecting (sandbox, probe_argv, NULL, probe_lines), ==, 0);
  }
  g_assert_cmpuint (probe_lines->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (probe_lines, 0), ==, "127.0.0.1 refused");
  g_assert_cmpstr (g_ptr_array_index (probe_lines, 1), ==, "10.0.2.2 refused");
  arrived = g_socket_accept (socket, NULL, NULL);
  g_assert_null (arrived);

  /* Stopped: no slirp4netns of its left, its port closed. */
  forge_sandbox_kill (FORGE_SANDBOX (sandbox));
  g_assert_true (forge_test_wait_no_processes (shared, 5000));
  g_clear_pointer (&body, g_free);
  g_assert_cmpuint (forge_test_http_get (url, &body), !=, 200);
}

/* A host with bwrap and Node but no slirp4netns: previews still run,
 * sharing the host's network, with the note the local backend gives
 * when slirp4netns is missing. */
static void
test_host_without_slirp4netns (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ForgeLocalSandbox) sandbox = NULL;
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *host_bin = g_build_filename (fixture->root, "host-bin", NULL);
  g_autofree char *spawn = NULL;
  g_autofree char *joined = NULL;
  g_auto(GStrv) block = NULL;
  const char *tools[] = { "bwrap", "node", NULL };
  const char *argv[] = { "/bin/sh", "-c", "echo marker-no-slirp", NULL };

  g_assert_cmpint (g_mkdir (host_bin, 0700), ==, 0);
  for (guint i = 0; tools[i] != NULL; i++)
    {
      g_autofree char *target = g_find_program_in_path (tools[i]);
      g_autofree char *link = g_build_filename (host_bin, tools[i], NULL);

      g_assert_nonnull (target);
      g_assert_cmpint (symlink (target, link), ==, 0);
    }
  spawn = write_spawn_wrapper (fixture, "flatpak-spawn-no-slirp", host_bin);
  g_setenv ("FORGE_TEST_FLATPAK_SPAWN", spawn, TRUE);

  sandbox = forge_local_sandbox_new_full (fixture->repo_dir, fixture->home_dir, 0, TRUE, &error);
  g_assert_no_error (error);
  g_assert_false (forge_local_sandbox_has_own_network (sandbox));
  g_assert_cmpstr (forge_local_sandbox_get_network_problem (sandbox), ==,
                   "Network not isolated: install slirp4netns to give each preview a network of its own.");

  g_assert_cmpint (run_collecting (sandbox, argv, NULL, lines), ==, 0);
  g_assert_true (lines_contain (lines, "marker-no-slirp"));
  block = read_record_block (fixture, "marker-no-slirp");
  joined = g_strjoinv ("\n", block);
  g_assert_null (strstr (joined, "--unshare-net"));
  g_assert_null (strstr (joined, "slirp4netns"));
}

static void
stop_with_test (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* The real app, headless, as a Flatpak: a static site through the stub
 * up to HTTP 200 from its preview. @host: with the host setting on. */
static void
run_headless_preview (Fixture  *fixture,
                      gboolean  host)
{
  g_autofree char *repo = forge_test_repo_from_fixture (fixture->root, "static-site");
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autofree char *config = g_build_filename (fixture->root, "config", NULL);
  g_autofree char *keyfile_dir = g_build_filename (config, "glib-2.0", "settings", NULL);
  g_autofree char *keyfile = g_build_filename (keyfile_dir, "keyfile", NULL);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) preview = NULL;
  g_autofree char *body = NULL;
  g_auto(GStrv) block = NULL;
  const char *argv[] = { g_getenv ("FORGE_PREVIEW_BINARY"), "--headless", "--json",
                         "--server-timeout", "120", url, NULL };
  char *line;

  g_assert_nonnull (argv[0]);
  /* The setting, as Preferences would have kept it. */
  g_assert_cmpint (g_mkdir_with_parents (keyfile_dir, 0700), ==, 0);
  g_file_set_contents (keyfile, host ? "[io/github/forgepreview/ForgePreview]\nflatpak-host-sandbox=true\n" : "", -1, &error);
  g_assert_no_error (error);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, stop_with_test, NULL, NULL);
  forge_test_preload_crash_report (launcher);
  g_subprocess_launcher_setenv (launcher, "GSETTINGS_BACKEND", "keyfile", TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", config, TRUE);
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);

  stream = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  while (preview == NULL && (line = g_data_input_stream_read_line_utf8 (stream, NULL, NULL, &error)) != NULL)
    {
      g_autofree char *owned = line;
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *event;

      g_assert_true (json_parser_load_from_data (parser, line, -1, NULL));
      event = json_node_get_object (json_parser_get_root (parser));
      if (g_str_equal (json_object_get_string_member (event, "type"), "error"))
        g_error ("The run failed: %s", json_object_get_string_member (event, "message"));
      if (g_str_equal (json_object_get_string_member (event, "type"), "preview"))
        preview = json_object_ref (event);
    }
  g_assert_no_error (error);
  g_assert_nonnull (preview);

  g_assert_cmpstr (json_object_get_string_member (preview, "framework"), ==, "static");
  g_assert_cmpstr (json_object_get_string_member (preview, "network"), ==, host ? "isolated" : "shared");
  g_assert_cmpuint (forge_test_http_get (json_object_get_string_member (preview, "url"), &body), ==, 200);
  g_assert_nonnull (strstr (body, "Hello from a static site"));

  /* The server went through the stub, as the mode says; on the host,
   * the Node copy (the app's own is built against its runtime). */
  block = read_record_block (fixture, "forge-static-server");
  g_assert_true (block_has (block, host ? "mode host" : "mode sandbox"));
  if (host)
    {
      g_autofree char *script_line = g_strconcat ("command " FORGE_BWRAP_HELPER_DIR_INSIDE "/forge-static-server.js", NULL);
      g_autofree char *joined = g_strjoinv (" ", block);
      gboolean node_runs_script = FALSE;

      for (guint i = 1; block[i] != NULL; i++)
        if (g_str_equal (block[i], script_line) && g_str_equal (block[i - 1], "command node"))
          node_runs_script = TRUE;
      g_assert_true (node_runs_script);
      g_assert_true (block_has (block, "command --unshare-net"));
      g_assert_null (strstr (joined, FORGE_BWRAP_LOOPBACK_RELAY));
    }

  forge_test_headless_stop (process, SIGTERM);
}

static void
test_preview_subsandbox (Fixture       *fixture,
                         gconstpointer  data)
{
  run_headless_preview (fixture, FALSE);
}

static void
test_preview_host (Fixture       *fixture,
                   gconstpointer  data)
{
  run_headless_preview (fixture, TRUE);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *runtime_dir = g_dir_make_tmp ("forge-flatpak-run-XXXXXX", NULL);
  int status;

  /* Before GLib reads it: the folder shared with the host is in here. */
  g_assert_nonnull (runtime_dir);
  g_setenv ("XDG_RUNTIME_DIR", runtime_dir, TRUE);
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/flatpak/detect", test_detect);
  g_test_add_func ("/flatpak/subsandbox/args", test_subsandbox_args);
  ADD ("/flatpak/subsandbox/run", test_subsandbox_run);
  ADD ("/flatpak/host/run", test_host_run);
  ADD ("/flatpak/host/missing-tools", test_host_missing_tools);
  ADD ("/flatpak/host/network", test_host_network);
  ADD ("/flatpak/host/without-slirp4netns", test_host_without_slirp4netns);
  ADD ("/flatpak/preview/subsandbox", test_preview_subsandbox);
  ADD ("/flatpak/preview/host", test_preview_host);

  status = g_test_run ();
  forge_remove_tree (runtime_dir, NULL);
  return status;
}
