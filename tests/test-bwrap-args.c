/* test-bwrap-args.c
 *
 * The sandbox's command line, its seccomp program and its process tree,
 * without running bwrap: what the builders promise, checked on their
 * output.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <gio/gio.h>

#include "forge-bwrap-args.h"
#include "forge-process-tree.h"
#include "forge-sandbox.h"
#include "forge-seccomp.h"

#define REPO_DIR   "/srv/forge/projects/p1/repo"
#define HOME_DIR   "/srv/forge/projects/p1/home"
#define HELPER_DIR "/usr/libexec/forge-preview"
#define NPM_CACHE  "/srv/forge/projects/p1/npm-cache"
#define SHARED     "/srv/forge/npm-shared"
#define HOST_HOME  "/home/alice"

static const char * const root_dirs[] = { "/lib64", NULL };
static const char * const root_symlinks[] = { "/bin", "usr/bin", "/lib", "usr/lib", NULL };
static const char * const host_env[] = {
  "HOME=" HOST_HOME,
  "USER=alice",
  "GITHUB_TOKEN=ghp_secret",
  "DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1000/bus",
  "SSL_CERT_FILE=/etc/ssl/certs/corporate.pem",
  "NODE_EXTRA_CA_CERTS=" HOST_HOME "/ca.pem",
  "SSL_CERT_DIR=/usr/../home/alice/certs",
  NULL,
};

static void
config_init (ForgeBwrapConfig *config)
{
  *config = (ForgeBwrapConfig) {
    .bwrap = "/usr/bin/bwrap",
    .repo_dir = REPO_DIR,
    .home_dir = HOME_DIR,
    .own_network = TRUE,
    .helper_dir = HELPER_DIR,
    .root_dirs = root_dirs,
    .root_symlinks = root_symlinks,
    .host_env = host_env,
  };
}

/* {{{ Reading a command line back */

/* One bwrap option with its operands, as bwrap parses them. */
typedef struct
{
  const char *name;
  const char *arg[2];
} Option;

typedef struct
{
  GArray      *options;   /* Option, in order */
  const char **command;   /* after "--" */
  guint        prefix;    /* arguments before bwrap (flatpak-spawn …) */
} Line;

static void
line_clear (Line *line)
{
  g_clear_pointer (&line->options, g_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Line, line_clear)

/* Every option the builder may use, with the number of words bwrap takes
 * after it: an unknown one fails the test, so a word can never sit where
 * bwrap would read an option. */
static int
option_arity (const char *name)
{
  static const struct { const char *name; int arity; } options[] = {
    { "--unshare-user", 0 }, { "--disable-userns", 0 }, { "--unshare-pid", 0 },
    { "--unshare-ipc", 0 }, { "--unshare-uts", 0 }, { "--unshare-cgroup-try", 0 },
    { "--unshare-net", 0 }, { "--die-with-parent", 0 }, { "--new-session", 0 },
    { "--clearenv", 0 },
    { "--hostname", 1 }, { "--block-fd", 1 }, { "--proc", 1 }, { "--dev", 1 },
    { "--tmpfs", 1 }, { "--dir", 1 }, { "--chdir", 1 }, { "--info-fd", 1 },
    { "--seccomp", 1 }, { "--size", 1 }, { "--remount-ro", 1 },
    { "--ro-bind", 2 }, { "--ro-bind-try", 2 }, { "--bind", 2 }, { "--symlink", 2 },
    { "--ro-bind-data", 2 }, { "--setenv", 2 }, { "--args", 1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (options); i++)
    if (g_str_equal (options[i].name, name))
      return options[i].arity;

  return -1;
}

static void
parse_line (Line        *line,
            char       **argv,
            const char  *bwrap)
{
  guint i = 0;

  line->options = g_array_new (FALSE, TRUE, sizeof (Option));

  while (argv[i] != NULL && !g_str_equal (argv[i], bwrap))
    i++;
  g_assert_nonnull (argv[i]);

  /* Own network on the host: an outer bwrap runs the sandbox's. */
  for (guint j = i + 1; argv[j] != NULL; j++)
    if (g_str_equal (argv[j], "--"))
      {
        if (argv[j + 1] != NULL && g_str_equal (argv[j + 1], bwrap))
          i = j + 1;
        break;
      }

  line->prefix = i++;

  for (; argv[i] != NULL && !g_str_equal (argv[i], "--"); i++)
    {
      Option option = { argv[i], { NULL, NULL } };
      int arity = option_arity (argv[i]);

      if (arity < 0)
        g_error ("Unexpected word where bwrap reads an option: %s", argv[i]);

      for (int j = 0; j < arity; j++)
        {
          g_assert_nonnull (argv[i + 1]);
          option.arg[j] = argv[++i];
        }

      g_array_append_val (line->options, option);
    }

  g_assert_nonnull (argv[i]);
  line->command = (const char **) &argv[i + 1];
}

static guint
count_options (const Line *line,
               const char *name)
{
  guint n = 0;

  for (guint i = 0; i < line->options->len; i++)
    n += g_str_equal (g_array_index (line->options, Option, i).name, name);

  return n;
}

static gboolean
has_option (const Line *line,
            const char *name,
            const char *arg0,
            const char *arg1)
{
  for (guint i = 0; i < line->options->len; i++)
    {
      const Option *option = &g_array_index (line->options, Option, i);

      if (g_str_equal (option->name, name) &&
          g_strcmp0 (option->arg[0], arg0) == 0 &&
          g_strcmp0 (option->arg[1], arg1) == 0)
        return TRUE;
    }

  return FALSE;
}

static gint
find_option (const Line *line,
             const char *name)
{
  for (guint i = 0; i < line->options->len; i++)
    if (g_str_equal (g_array_index (line->options, Option, i).name, name))
      return (gint) i;

  return -1;
}

/* The value a --setenv gives @key, NULL when none does. */
static const char *
get_setenv (const Line *line,
            const char *key)
{
  const char *value = NULL;

  for (guint i = 0; i < line->options->len; i++)
    {
      const Option *option = &g_array_index (line->options, Option, i);

      if (g_str_equal (option->name, "--setenv") && g_str_equal (option->arg[0], key))
        value = option->arg[1];
    }

  return value;
}

static char **
build (const ForgeBwrapConfig *config,
       const char * const     *env,
       const char             *cwd,
       gboolean                relay)
{
  const char *argv[] = { "npm", "run", "dev", NULL };
  g_autoptr(GError) error = NULL;
  char **args;

  args = forge_bwrap_args_build (config, argv, env, cwd, relay, &error);
  g_assert_no_error (error);
  g_assert_nonnull (args);

  return args;
}

/* }}} */

/* {{{ The command line */

/* The repository and the project's home are the only host folders
 * bound writable, and nothing of the user's own home is bound at all. */
static void
test_binds (void)
{
  ForgeBwrapConfig config;
  g_auto(GStrv) args = NULL;
  g_auto(Line) line = { 0 };

  config_init (&config);
  args = build (&config, NULL, NULL, FALSE);
  parse_line (&line, args, config.bwrap);

  g_assert_true (has_option (&line, "--bind", REPO_DIR, FORGE_SANDBOX_REPO_DIR));
  g_assert_true (has_option (&line, "--bind", HOME_DIR, FORGE_SANDBOX_HOME_DIR));
  g_assert_cmpuint (count_options (&line, "--bind"), ==, 2);
  /* The repository is mounted over the home's mount point, so after it. */
  for (guint i = 0, home_at = G_MAXUINT; i < line.options->len; i++)
    {
      const Option *option = &g_array_index (line.options, Option, i);

      if (g_str_equal (option->name, "--bind") && g_str_equal (option->arg[1], FORGE_SANDBOX_HOME_DIR))
        home_at = i;
      if (g_str_equal (option->name, "--bind") && g_str_equal (option->arg[1], FORGE_SANDBOX_REPO_DIR))
        g_assert_cmpuint (home_at, <, i);
    }

  for (guint i = 0; args[i] != NULL; i++)
    {
      g_assert_false (g_str_has_prefix (args[i], HOST_HOME));
      g_assert_null (strstr (args[i], "ghp_secret"));
    }

  /* Read-only binds are system folders, the same path inside, or the
   * helpers. */
  for (guint i = 0; i < line.options->len; i++)
    {
      const Option *option = &g_array_index (line.options, Option, i);

      if (!g_str_equal (option->name, "--ro-bind") && !g_str_equal (option->name, "--ro-bind-try"))
        continue;

      if (g_str_equal (option->arg[0], HELPER_DIR))
        g_assert_cmpstr (option->arg[1], ==, FORGE_BWRAP_HELPER_DIR_INSIDE);
      else
        {
          g_assert_cmpstr (option->arg[0], ==, option->arg[1]);
          g_assert_true (g_str_has_prefix (option->arg[0], "/usr") ||
                         g_str_has_prefix (option->arg[0], "/etc/") ||
                         g_str_has_prefix (option->arg[0], "/lib"));
        }
    }

  g_assert_true (has_option (&line, "--tmpfs", "/tmp", NULL));
  g_assert_true (has_option (&line, "--proc", "/proc", NULL));
  g_assert_true (has_option (&line, "--ro-bind-data", G_STRINGIFY (FORGE_BWRAP_PASSWD_FD), "/etc/passwd"));
  g_assert_true (has_option (&line, "--ro-bind-data", G_STRINGIFY (FORGE_BWRAP_GROUP_FD), "/etc/group"));
  g_assert_false (has_option (&line, "--ro-bind-try", "/etc/passwd", "/etc/passwd"));
  g_assert_false (has_option (&line, "--ro-bind-try", "/etc/shadow", "/etc/shadow"));
}

/* /tmp is the one place outside the binds where a command can write,
 * and it holds only so much; bwrap's root, backed by the host's memory,
 * is read-only once everything is mounted on it. */
static void
test_tmp_and_root (void)
{
  ForgeBwrapConfig config;
  g_auto(GStrv) capped_args = NULL;
  g_auto(GStrv) uncapped_args = NULL;
  g_auto(Line) capped = { 0 };
  g_auto(Line) uncapped = { 0 };
  gint tmpfs;
  gint remount;

  config_init (&config);
  config.tmp_bytes = 512 * 1024 * 1024;
  capped_args = build (&config, NULL, NULL, FALSE);
  parse_line (&capped, capped_args, config.bwrap);

  /* --size belongs to the --tmpfs right after it. */
  tmpfs = find_option (&capped, "--tmpfs");
  g_assert_cmpint (tmpfs, >, 0);
  g_assert_cmpstr (g_array_index (capped.options, Option, tmpfs).arg[0], ==, "/tmp");
  g_assert_cmpstr (g_array_index (capped.options, Option, tmpfs - 1).name, ==, "--size");
  g_assert_cmpstr (g_array_index (capped.options, Option, tmpfs - 1).arg[0], ==, "536870912");
  g_assert_cmpuint (count_options (&capped, "--tmpfs"), ==, 1);
  g_assert_cmpuint (count_options (&capped, "--dir"), ==, 0);
  g_assert_true (has_option (&capped, "--symlink", "../tmp", "/var/tmp"));

  /* Read-only after the last mount. */
  remount = find_option (&capped, "--remount-ro");
  g_assert_cmpint (remount, >, 0);
  g_assert_cmpstr (g_array_index (capped.options, Option, remount).arg[0], ==, "/");
  for (guint i = remount + 1; i < capped.options->len; i++)
    {
      const char *name = g_array_index (capped.options, Option, i).name;

      g_assert_false (g_str_has_suffix (name, "bind") || g_str_has_suffix (name, "bind-try") ||
                      g_str_equal (name, "--tmpfs") || g_str_equal (name, "--dir") ||
                      g_str_equal (name, "--symlink") || g_str_equal (name, "--ro-bind-data"));
    }

  config.tmp_bytes = 0;
  uncapped_args = build (&config, NULL, NULL, FALSE);
  parse_line (&uncapped, uncapped_args, config.bwrap);
  g_assert_cmpuint (count_options (&uncapped, "--size"), ==, 0);
  g_assert_true (has_option (&uncapped, "--tmpfs", "/tmp", NULL));
  g_assert_true (has_option (&uncapped, "--remount-ro", "/", NULL));
}

static void
test_namespaces (void)
{
  ForgeBwrapConfig config;
  g_auto(GStrv) args = NULL;
  g_auto(Line) line = { 0 };

  config_init (&config);
  args = build (&config, NULL, NULL, FALSE);
  parse_line (&line, args, config.bwrap);

  g_assert_cmpuint (line.prefix, ==, 0);
  g_assert_cmpint (find_option (&line, "--unshare-user"), >=, 0);
  /* bwrap refuses --disable-userns without a user namespace of its own. */
  g_assert_cmpint (find_option (&line, "--disable-userns"), >, find_option (&line, "--unshare-user"));
  g_assert_cmpint (find_option (&line, "--unshare-pid"), >=, 0);
  g_assert_cmpint (find_option (&line, "--unshare-ipc"), >=, 0);
  g_assert_cmpint (find_option (&line, "--unshare-uts"), >=, 0);
  g_assert_cmpint (find_option (&line, "--die-with-parent"), >=, 0);
  g_assert_cmpint (find_option (&line, "--new-session"), >=, 0);
  g_assert_true (has_option (&line, "--info-fd", G_STRINGIFY (FORGE_BWRAP_INFO_FD), NULL));
}

static void
test_seccomp_fd (void)
{
  for (guint flatpak = 0; flatpak < 2; flatpak++)
    for (guint own = 0; own < 2; own++)
      {
        ForgeBwrapConfig config;
        g_auto(GStrv) args = NULL;
        g_auto(Line) line = { 0 };

        config_init (&config);
        config.in_flatpak = flatpak;
        config.own_network = own;
        args = build (&config, NULL, NULL, FALSE);
        parse_line (&line, args, config.bwrap);

        g_assert_cmpuint (count_options (&line, "--seccomp"), ==, 1);
        g_assert_true (has_option (&line, "--seccomp", G_STRINGIFY (FORGE_BWRAP_SECCOMP_FD), NULL));
      }
}

static void
test_network_modes (void)
{
  ForgeBwrapConfig config;
  g_auto(GStrv) own_args = NULL;
  g_auto(GStrv) shared_args = NULL;
  g_auto(Line) own = { 0 };
  g_auto(Line) shared = { 0 };

  config_init (&config);
  own_args = build (&config, NULL, NULL, FALSE);
  parse_line (&own, own_args, config.bwrap);
  config.own_network = FALSE;
  shared_args = build (&config, NULL, NULL, FALSE);
  parse_line (&shared, shared_args, config.bwrap);

  g_assert_cmpint (find_option (&own, "--unshare-net"), >=, 0);
  g_assert_true (has_option (&own, "--block-fd", G_STRINGIFY (FORGE_BWRAP_BLOCK_FD), NULL));
  g_assert_true (has_option (&own, "--ro-bind-data", G_STRINGIFY (FORGE_BWRAP_RESOLV_FD), "/etc/resolv.conf"));
  g_assert_false (has_option (&own, "--ro-bind-try", "/etc/resolv.conf", "/etc/resolv.conf"));

  g_assert_cmpint (find_option (&shared, "--unshare-net"), <, 0);
  g_assert_cmpint (find_option (&shared, "--block-fd"), <, 0);
  g_assert_false (has_option (&shared, "--ro-bind-data", G_STRINGIFY (FORGE_BWRAP_RESOLV_FD), "/etc/resolv.conf"));
  g_assert_true (has_option (&shared, "--ro-bind-try", "/etc/resolv.conf", "/etc/resolv.conf"));
}

static void
test_helper_dir (void)
{
  ForgeBwrapConfig config;
  g_auto(GStrv) args = NULL;
  g_auto(GStrv) bare_args = NULL;
  g_auto(Line) line = { 0 };
  g_auto(Line) bare = { 0 };

  config_init (&config);
  args = build (&config, NULL, NULL, FALSE);
  parse_line (&line, args, config.bwrap);
  g_assert_true (has_option (&line, "--ro-bind", HELPER_DIR, FORGE_BWRAP_HELPER_DIR_INSIDE));
  g_assert_true (g_str_has_prefix (get_setenv (&line, "PATH"), FORGE_BWRAP_HELPER_DIR_INSIDE ":"));

  config.helper_dir = NULL;
  bare_args = build (&config, NULL, NULL, FALSE);
  parse_line (&bare, bare_args, config.bwrap);
  for (guint i = 0; bare_args[i] != NULL; i++)
    g_assert_cmpstr (bare_args[i], !=, FORGE_BWRAP_HELPER_DIR_INSIDE);
}

static void
test_relay (void)
{
  ForgeBwrapConfig config;
  const char *argv[] = { "vite", "--port", "5173", NULL };
  g_auto(GStrv) args = NULL;
  g_auto(GStrv) plain_args = NULL;
  g_auto(GStrv) refused = NULL;
  g_auto(Line) line = { 0 };
  g_auto(Line) plain = { 0 };
  g_autoptr(GError) error = NULL;

  config_init (&config);
  args = forge_bwrap_args_build (&config, argv, NULL, NULL, TRUE, &error);
  g_assert_no_error (error);
  parse_line (&line, args, config.bwrap);
  g_assert_cmpstr (line.command[0], ==, FORGE_BWRAP_HELPER_DIR_INSIDE "/" FORGE_BWRAP_LOOPBACK_RELAY);
  g_assert_cmpstr (line.command[1], ==, "--");
  g_assert_true (g_strv_equal ((const char * const *) &line.command[2], argv));

  plain_args = forge_bwrap_args_build (&config, argv, NULL, NULL, FALSE, &error);
  g_assert_no_error (error);
  parse_line (&plain, plain_args, config.bwrap);
  g_assert_true (g_strv_equal ((const char * const *) plain.command, argv));

  /* Nothing to run it from. */
  config.helper_dir = NULL;
  refused = forge_bwrap_args_build (&config, argv, NULL, NULL, TRUE, &error);
  g_assert_error (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_SPAWN_FAILED);
  g_assert_null (refused);
}

/* The environment is cleared; only the command's own entries and CA
 * bundles visible inside come in, the command's own through a file
 * descriptor: values may be secrets, and a command line is in /proc. */
static void
test_environment (void)
{
  const char *env[] = { "PORT=3000", "A=b=c", "=nokey", "noequals", "BROWSER=none", "SECRET=hunter2 x", NULL };
  static const char expected[] =
    "--setenv\0PORT\0" "3000\0"
    "--setenv\0A\0b=c\0"
    "--setenv\0BROWSER\0none\0"
    "--setenv\0SECRET\0hunter2 x\0";
  ForgeBwrapConfig config;
  g_auto(GStrv) args = NULL;
  g_auto(GStrv) no_env_args = NULL;
  g_auto(Line) line = { 0 };
  g_auto(Line) no_env_line = { 0 };
  g_autoptr(GBytes) env_args = NULL;
  g_autoptr(GBytes) expected_bytes = g_bytes_new_static (expected, sizeof expected - 1);
  gint clearenv;

  config_init (&config);
  args = build (&config, env, NULL, FALSE);
  parse_line (&line, args, config.bwrap);

  clearenv = find_option (&line, "--clearenv");
  g_assert_cmpint (clearenv, >=, 0);
  for (guint i = 0; i < line.options->len; i++)
    if (g_str_equal (g_array_index (line.options, Option, i).name, "--setenv") ||
        g_str_equal (g_array_index (line.options, Option, i).name, "--args"))
      g_assert_cmpint ((gint) i, >, clearenv);

  g_assert_cmpstr (get_setenv (&line, "HOME"), ==, FORGE_SANDBOX_HOME_DIR);
  g_assert_cmpstr (get_setenv (&line, "USER"), ==, "user");

  /* Not a word of them on the command line. */
  g_assert_true (has_option (&line, "--args", G_STRINGIFY (FORGE_BWRAP_ENV_FD), NULL));
  g_assert_null (get_setenv (&line, "PORT"));
  g_assert_null (get_setenv (&line, "SECRET"));
  for (guint i = 0; args[i] != NULL; i++)
    g_assert_null (strstr (args[i], "hunter2"));

  env_args = forge_bwrap_env_args (env);
  g_assert_nonnull (env_args);
  g_assert_true (g_bytes_equal (env_args, expected_bytes));

  /* Nothing to read: no --args. */
  g_assert_null (forge_bwrap_env_args (NULL));
  {
    const char *malformed[] = { "=x", "y", NULL };

    g_assert_null (forge_bwrap_env_args (malformed));
  }
  no_env_args = build (&config, NULL, NULL, FALSE);
  parse_line (&no_env_line, no_env_args, config.bwrap);
  g_assert_cmpint (find_option (&no_env_line, "--args"), <, 0);

  g_assert_null (get_setenv (&line, "GITHUB_TOKEN"));
  g_assert_null (get_setenv (&line, "DBUS_SESSION_BUS_ADDRESS"));
  g_assert_cmpstr (get_setenv (&line, "SSL_CERT_FILE"), ==, "/etc/ssl/certs/corporate.pem");
  /* Not visible inside: in the user's home, or out of /usr by "..". */
  g_assert_null (get_setenv (&line, "NODE_EXTRA_CA_CERTS"));
  g_assert_null (get_setenv (&line, "SSL_CERT_DIR"));
  g_assert_null (get_setenv (&line, "npm_config_cache"));
}

static void
test_package_cache (void)
{
  ForgeBwrapConfig config;
  g_auto(GStrv) args = NULL;
  g_auto(Line) line = { 0 };

  config_init (&config);
  config.npm_cache_dir = NPM_CACHE;
  config.shared_cache_dir = SHARED;
  args = build (&config, NULL, NULL, FALSE);
  parse_line (&line, args, config.bwrap);

  g_assert_true (has_option (&line, "--bind", NPM_CACHE, FORGE_BWRAP_NPM_CACHE_INSIDE));
  g_assert_true (has_option (&line, "--bind", SHARED, FORGE_BWRAP_SHARED_CACHE_INSIDE));
  g_assert_cmpuint (count_options (&line, "--bind"), ==, 4);
  g_assert_cmpstr (get_setenv (&line, "npm_config_cache"), ==, FORGE_BWRAP_NPM_CACHE_INSIDE);
}

static void
test_root_entries (void)
{
  ForgeBwrapConfig config;
  g_auto(GStrv) args = NULL;
  g_auto(Line) line = { 0 };

  config_init (&config);
  args = build (&config, NULL, NULL, FALSE);
  parse_line (&line, args, config.bwrap);

  g_assert_true (has_option (&line, "--symlink", "usr/bin", "/bin"));
  g_assert_true (has_option (&line, "--symlink", "usr/lib", "/lib"));
  g_assert_true (has_option (&line, "--ro-bind", "/lib64", "/lib64"));
  g_assert_true (has_option (&line, "--ro-bind", "/usr", "/usr"));
  /* Those two, and /var/tmp (see test_tmp_and_root()). */
  g_assert_cmpuint (count_options (&line, "--symlink"), ==, 3);
}

static void
test_cwd_and_command (void)
{
  const char *argv[] = { "-rf", "--", "/", NULL };
  ForgeBwrapConfig config;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) args = NULL;
  g_auto(GStrv) default_args = NULL;
  g_auto(Line) line = { 0 };
  g_auto(Line) default_line = { 0 };

  config_init (&config);
  /* Words of the command after bwrap's "--" are the command's, whatever
   * they look like. */
  args = forge_bwrap_args_build (&config, argv, NULL, "/tmp", FALSE, &error);
  g_assert_no_error (error);
  parse_line (&line, args, config.bwrap);
  g_assert_true (has_option (&line, "--chdir", "/tmp", NULL));
  g_assert_true (g_strv_equal ((const char * const *) line.command, argv));

  default_args = build (&config, NULL, NULL, FALSE);
  parse_line (&default_line, default_args, config.bwrap);
  g_assert_true (has_option (&default_line, "--chdir", FORGE_SANDBOX_REPO_DIR, NULL));
}

/* A host path that is relative (or could pass for an option) or holds a
 * newline is refused, not passed to bwrap. */
static void
test_bad_paths_refused (void)
{
  static const char * const bad[] = { "-repo", "repo", "relative/path", "/srv/a\nb", "" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    for (guint field = 0; field < 6; field++)
      {
        ForgeBwrapConfig config;
        const char *cwd = NULL;
        const char *symlinks[] = { "/bin", "usr/bin", NULL };
        g_autoptr(GError) error = NULL;
        g_auto(GStrv) args = NULL;

        config_init (&config);
        switch (field)
          {
          case 0: config.repo_dir = bad[i]; break;
          case 1: config.home_dir = bad[i]; break;
          case 2: config.helper_dir = bad[i]; break;
          case 3:
            config.npm_cache_dir = NPM_CACHE;
            config.shared_cache_dir = bad[i];
            break;
          case 4: cwd = bad[i]; break;
          case 5:
            symlinks[0] = bad[i];
            config.root_symlinks = symlinks;
            break;
          default: g_assert_not_reached ();
          }

        args = forge_bwrap_args_build (&config, (const char *[]) { "true", NULL }, NULL, cwd, FALSE, &error);
        g_assert_error (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_SPAWN_FAILED);
        g_assert_null (args);
      }
}

/* Inside Flatpak every fd bwrap reads is forwarded by flatpak-spawn. */
static void
test_flatpak (void)
{
  for (guint own = 0; own < 2; own++)
    {
      static const char * const fd_options[] = { "--seccomp", "--info-fd", "--block-fd", "--ro-bind-data", "--args" };
      static const char * const env[] = { "FOO=bar", NULL };
      ForgeBwrapConfig config;
      g_auto(GStrv) args = NULL;
      g_auto(Line) line = { 0 };
      g_autoptr(GHashTable) forwarded = g_hash_table_new (g_str_hash, g_str_equal);

      config_init (&config);
      config.in_flatpak = TRUE;
      config.own_network = own;
      args = build (&config, env, NULL, FALSE);
      parse_line (&line, args, config.bwrap);

      g_assert_cmpstr (args[0], ==, "flatpak-spawn");
      g_assert_cmpstr (args[1], ==, "--host");
      for (guint i = 0; i < line.prefix; i++)
        if (g_str_has_prefix (args[i], "--forward-fd="))
          g_hash_table_add (forwarded, args[i] + strlen ("--forward-fd="));

      for (guint i = 0; i < line.options->len; i++)
        {
          const Option *option = &g_array_index (line.options, Option, i);

          for (guint j = 0; j < G_N_ELEMENTS (fd_options); j++)
            if (g_str_equal (option->name, fd_options[j]) &&
                !g_hash_table_contains (forwarded, option->arg[0]))
              g_error ("%s %s is not forwarded", option->name, option->arg[0]);
        }

      g_assert_cmpuint (g_hash_table_size (forwarded), ==, own ? 8 : 5);

      /* The network namespace is the outer bwrap's, whose child's pid
       * comes back on a forwarded fd; the sandbox's own bwrap keeps it. */
      g_assert_cmpint (find_option (&line, "--unshare-net"), <, 0);
      if (own)
        {
          g_auto(GStrv) outer = g_strdupv (args);
          guint dash = 0;
          gboolean outer_unshares = FALSE;
          gboolean outer_reports = FALSE;

          while (!g_str_equal (outer[dash], "--"))
            {
              outer_unshares |= g_str_equal (outer[dash], "--unshare-net");
              outer_reports |= g_str_equal (outer[dash], "--info-fd") &&
                               g_str_equal (outer[dash + 1], G_STRINGIFY (FORGE_BWRAP_NET_INFO_FD));
              dash++;
            }
          g_assert_true (outer_unshares);
          g_assert_true (outer_reports);
          g_assert_true (g_hash_table_contains (forwarded, G_STRINGIFY (FORGE_BWRAP_NET_INFO_FD)));
          g_assert_cmpstr (outer[dash + 1], ==, config.bwrap);
        }
    }
}

/* Pure: the same description gives the same line. */
static void
test_deterministic (void)
{
  ForgeBwrapConfig config;
  g_auto(GStrv) first = NULL;
  g_auto(GStrv) second = NULL;

  config_init (&config);
  first = build (&config, (const char *[]) { "PORT=1", NULL }, "/tmp", TRUE);
  second = build (&config, (const char *[]) { "PORT=1", NULL }, "/tmp", TRUE);
  g_assert_true (g_strv_equal ((const char * const *) first, (const char * const *) second));
}

static void
test_probe_root (void)
{
  g_auto(GStrv) dirs = NULL;
  g_auto(GStrv) symlinks = NULL;

  forge_bwrap_probe_root (&dirs, &symlinks);

  g_assert_cmpuint (g_strv_length (symlinks) % 2, ==, 0);
  for (guint i = 0; dirs[i] != NULL; i++)
    {
      struct stat st;

      g_assert_cmpint (lstat (dirs[i], &st), ==, 0);
      g_assert_true (S_ISDIR (st.st_mode));
    }
  for (guint i = 0; symlinks[i] != NULL; i += 2)
    {
      g_autofree char *target = g_file_read_link (symlinks[i], NULL);

      g_assert_cmpstr (target, ==, symlinks[i + 1]);
    }
  /* Every system has a /bin of one kind or the other. */
  g_assert_true (g_strv_contains ((const char * const *) dirs, "/bin") ||
                 g_strv_contains ((const char * const *) symlinks, "/bin"));
}

/* }}} */

/* {{{ The seccomp program */

/* Runs the classic BPF program as the kernel would, for the instructions
 * it is made of; anything else fails the test. */
static guint32
run_filter (GBytes                    *filter,
            const struct seccomp_data *data)
{
  gsize size;
  const struct sock_filter *program = g_bytes_get_data (filter, &size);
  gsize n = size / sizeof *program;
  guint32 acc = 0;

  g_assert_cmpuint (size % sizeof *program, ==, 0);

  for (gsize pc = 0; ; pc++)
    {
      const struct sock_filter *insn;

      g_assert_cmpuint (pc, <, n);
      insn = &program[pc];

      switch (insn->code)
        {
        case BPF_LD | BPF_W | BPF_ABS:
          g_assert_cmpuint (insn->k % 4, ==, 0);
          g_assert_cmpuint (insn->k + 4, <=, sizeof *data);
          memcpy (&acc, (const char *) data + insn->k, 4);
          break;
        case BPF_JMP | BPF_JEQ | BPF_K:
          pc += acc == insn->k ? insn->jt : insn->jf;
          break;
        case BPF_JMP | BPF_JGE | BPF_K:
          pc += acc >= insn->k ? insn->jt : insn->jf;
          break;
        case BPF_ALU | BPF_AND | BPF_K:
          acc &= insn->k;
          break;
        case BPF_RET | BPF_K:
          return insn->k;
        default:
          g_error ("Unexpected BPF instruction %#x", insn->code);
        }
    }
}

#define ALLOW SECCOMP_RET_ALLOW
#define ERRNO(e) (SECCOMP_RET_ERRNO | (e))

#if defined(__x86_64__)
# define TEST_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
# define TEST_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

#ifdef TEST_AUDIT_ARCH
static guint32
verdict (GBytes  *filter,
         int      nr,
         guint64  arg0,
         guint64  arg1)
{
  struct seccomp_data data = { .nr = nr, .arch = TEST_AUDIT_ARCH, .args = { arg0, arg1 } };

  return run_filter (filter, &data);
}
#endif

static void
test_seccomp_filter (void)
{
#ifdef TEST_AUDIT_ARCH
  g_autoptr(GBytes) shared = forge_seccomp_build_filter (TRUE);
  g_autoptr(GBytes) own = forge_seccomp_build_filter (FALSE);
  GBytes *both[] = { shared, own };

  g_assert_true (forge_seccomp_is_supported ());
  g_assert_nonnull (shared);
  g_assert_nonnull (own);

  for (guint i = 0; i < G_N_ELEMENTS (both); i++)
    {
      struct seccomp_data foreign = { .nr = __NR_read, .arch = AUDIT_ARCH_I386 };

      g_assert_cmpuint (verdict (both[i], __NR_io_uring_setup, 0, 0), ==, ERRNO (ENOSYS));
      g_assert_cmpuint (verdict (both[i], __NR_io_uring_enter, 0, 0), ==, ERRNO (ENOSYS));
      g_assert_cmpuint (verdict (both[i], __NR_io_uring_register, 0, 0), ==, ERRNO (ENOSYS));
      g_assert_cmpuint (verdict (both[i], __NR_read, 0, 0), ==, ALLOW);
      g_assert_cmpuint (verdict (both[i], __NR_socket, AF_INET, SOCK_STREAM), ==, ALLOW);
      g_assert_cmpuint (verdict (both[i], __NR_socket, AF_INET6, SOCK_DGRAM), ==, ALLOW);
      /* Another ABI's numbers would slip past the checks. */
      g_assert_cmpuint (run_filter (both[i], &foreign), ==, ERRNO (ENOSYS));
#ifdef __x86_64__
      g_assert_cmpuint (verdict (both[i], 0x40000000 | __NR_read, 0, 0), ==, ERRNO (ENOSYS));
#endif
    }

  /* The host's abstract unix sockets are out of reach. */
  g_assert_cmpuint (verdict (shared, __NR_socket, AF_UNIX, SOCK_STREAM), ==, ERRNO (EACCES));
  g_assert_cmpuint (verdict (shared, __NR_socket, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC), ==, ERRNO (EACCES));
  /* Node's IPC takes stream pairs; a datagram pair could sendto() anyone. */
  g_assert_cmpuint (verdict (shared, __NR_socketpair, AF_UNIX, SOCK_STREAM), ==, ALLOW);
  g_assert_cmpuint (verdict (shared, __NR_socketpair, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK), ==, ALLOW);
  g_assert_cmpuint (verdict (shared, __NR_socketpair, AF_UNIX, SOCK_DGRAM), ==, ERRNO (EACCES));
  g_assert_cmpuint (verdict (shared, __NR_socketpair, AF_UNIX, SOCK_SEQPACKET), ==, ERRNO (EACCES));
  /* Only the low 32 bits are the family. */
  g_assert_cmpuint (verdict (shared, __NR_socket, ((guint64) 1 << 32) | AF_UNIX, SOCK_STREAM), ==, ERRNO (EACCES));

  /* In a network of its own the abstract namespace is the sandbox's. */
  g_assert_cmpuint (verdict (own, __NR_socket, AF_UNIX, SOCK_STREAM), ==, ALLOW);
  g_assert_cmpuint (verdict (own, __NR_socketpair, AF_UNIX, SOCK_DGRAM), ==, ALLOW);
#else
  g_assert_false (forge_seccomp_is_supported ());
  g_assert_null (forge_seccomp_build_filter (TRUE));
#endif
}

/* }}} */

/* {{{ The process tree */

static void
test_process_tree_pins_namespace (void)
{
  ForgeProcessTree tree;
  struct stat st;

  g_assert_cmpint (stat ("/proc/self/ns/pid", &st), ==, 0);

  forge_process_tree_init (&tree, getpid ());
  g_assert_cmpuint (tree.pid_ns, ==, st.st_ino);
  g_assert_cmpint (tree.ns_fd, >=, 0);
  forge_process_tree_clear (&tree);
  g_assert_cmpint (tree.ns_fd, ==, -1);
  g_assert_cmpuint (tree.pid_ns, ==, 0);
}

/* Unknown: a signal then reaches nobody, not this namespace. */
static void
test_process_tree_unknown (void)
{
  ForgeProcessTree tree;

  /* Above any pid_max. */
  forge_process_tree_init (&tree, G_MAXINT32);
  g_assert_cmpuint (tree.pid_ns, ==, 0);
  forge_process_tree_signal (&tree, SIGKILL);
  forge_process_tree_clear (&tree);
}

static void
test_open_pidfd (void)
{
  const char *argv[] = { "true", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) subprocess = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_NONE, &error);

  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait (subprocess, NULL, &error));
  g_assert_no_error (error);
  /* Reaped: no pidfd may be opened on a pid that could be reused. */
  g_assert_cmpint (forge_process_open_pidfd (subprocess), ==, -2);
}

/* }}} */

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/bwrap-args/binds", test_binds);
  g_test_add_func ("/bwrap-args/namespaces", test_namespaces);
  g_test_add_func ("/bwrap-args/tmp-and-root", test_tmp_and_root);
  g_test_add_func ("/bwrap-args/seccomp-fd", test_seccomp_fd);
  g_test_add_func ("/bwrap-args/network-modes", test_network_modes);
  g_test_add_func ("/bwrap-args/helper-dir", test_helper_dir);
  g_test_add_func ("/bwrap-args/relay", test_relay);
  g_test_add_func ("/bwrap-args/environment", test_environment);
  g_test_add_func ("/bwrap-args/package-cache", test_package_cache);
  g_test_add_func ("/bwrap-args/root-entries", test_root_entries);
  g_test_add_func ("/bwrap-args/cwd-and-command", test_cwd_and_command);
  g_test_add_func ("/bwrap-args/bad-paths-refused", test_bad_paths_refused);
  g_test_add_func ("/bwrap-args/flatpak", test_flatpak);
  g_test_add_func ("/bwrap-args/deterministic", test_deterministic);
  g_test_add_func ("/bwrap-args/probe-root", test_probe_root);
  g_test_add_func ("/seccomp/filter", test_seccomp_filter);
  g_test_add_func ("/process-tree/pins-namespace", test_process_tree_pins_namespace);
  g_test_add_func ("/process-tree/unknown", test_process_tree_unknown);
  g_test_add_func ("/process-tree/open-pidfd", test_open_pidfd);

  return g_test_run ();
}
