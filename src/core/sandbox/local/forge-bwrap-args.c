/* forge-bwrap-args.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-local-sandbox"

#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <glib/gi18n.h>

#include "forge-bwrap-args.h"
#include "forge-sandbox.h"

static const char * const root_entries[] = { "bin", "sbin", "lib", "lib32", "lib64", "libx32" };

static void
add_args (GPtrArray *args,
          ...)
{
  const char *arg;
  va_list ap;

  va_start (ap, args);
  while ((arg = va_arg (ap, const char *)))
    g_ptr_array_add (args, g_strdup (arg));
  va_end (ap);
}

/* Whether a CA bundle the host points at is visible inside: below one of
 * the folders bound read-only. */
static gboolean
path_is_visible_inside (const char *path)
{
  static const char * const prefixes[] = {
    "/etc/ssl/", "/etc/pki/", "/etc/ca-certificates/", "/usr/",
  };

  if (!g_path_is_absolute (path) || strstr (path, "/..") != NULL || strchr (path, '\n') != NULL)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (prefixes); i++)
    {
      gsize len = strlen (prefixes[i]);

      /* The directory itself, or something below it. */
      if (g_str_has_prefix (path, prefixes[i]) ||
          (strlen (path) == len - 1 && strncmp (path, prefixes[i], len - 1) == 0))
        return TRUE;
    }

  return FALSE;
}

/* bwrap takes the word after --bind as a path whatever it looks like, but
 * a relative one would be resolved against wherever bwrap happens to be,
 * and nothing the host means to share has a newline in its name. */
static gboolean
check_path (const char  *what,
            const char  *path,
            gboolean     absolute,
            GError     **error)
{
  if (path != NULL && (!absolute || g_path_is_absolute (path)) && strchr (path, '\n') == NULL)
    return TRUE;

  g_debug ("Refusing the sandbox's %s: not a usable path", what);
  g_set_error_literal (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_SPAWN_FAILED,
                       _("Could not start the sandbox: a folder it needs has an unusable path."));
  return FALSE;
}

static gboolean
check_config (const ForgeBwrapConfig  *config,
              const char              *cwd,
              gboolean                 relay,
              GError                 **error)
{
  if (!check_path ("bubblewrap program", config->bwrap, FALSE, error) ||
      !check_path ("repository folder", config->repo_dir, TRUE, error) ||
      !check_path ("home folder", config->home_dir, TRUE, error) ||
      (config->helper_dir != NULL && !check_path ("helper folder", config->helper_dir, TRUE, error)) ||
      (cwd != NULL && !check_path ("working folder", cwd, TRUE, error)))
    return FALSE;

  if (config->npm_cache_dir != NULL &&
      (!check_path ("package cache", config->npm_cache_dir, TRUE, error) ||
       !check_path ("shared package cache", config->shared_cache_dir, TRUE, error)))
    return FALSE;

  for (guint i = 0; config->root_dirs != NULL && config->root_dirs[i] != NULL; i++)
    if (!check_path ("system folder", config->root_dirs[i], TRUE, error))
      return FALSE;

  for (guint i = 0; config->root_symlinks != NULL && config->root_symlinks[i] != NULL; i += 2)
    if (!check_path ("system folder", config->root_symlinks[i], TRUE, error) ||
        !check_path ("system folder", config->root_symlinks[i + 1], FALSE, error))
      return FALSE;

  if (relay && config->helper_dir == NULL)
    {
      g_set_error_literal (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_SPAWN_FAILED,
                           _("Could not start the sandbox: the loopback relay needs the helper folder."));
      return FALSE;
    }

  return TRUE;
}

char **
forge_bwrap_args_build (const ForgeBwrapConfig  *config,
                        const char * const      *argv,
                        const char * const      *env,
                        const char              *cwd,
                        gboolean                 relay,
                        GError                 **error)
{
  /* What programs in /usr need from /etc; nothing else of the host's
   * configuration (and no credentials) becomes visible. */
  static const char * const etc_files[] = {
    "/etc/resolv.conf", "/etc/hosts", "/etc/host.conf", "/etc/gai.conf",
    "/etc/nsswitch.conf", "/etc/localtime", "/etc/timezone",
    "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d",
    "/etc/ssl", "/etc/ca-certificates", "/etc/ca-certificates.conf",
    "/etc/pki", "/etc/crypto-policies",
    /* Debian routes many /usr/bin symlinks through here. */
    "/etc/alternatives",
    "/etc/npmrc", "/etc/mime.types",
  };
  static const char * const ca_variables[] = {
    "NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "SSL_CERT_DIR",
  };
  g_autoptr(GPtrArray) args = NULL;
  g_autoptr(GBytes) env_args = NULL;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (argv != NULL && argv[0] != NULL, NULL);
  g_return_val_if_fail ((config->npm_cache_dir == NULL) == (config->shared_cache_dir == NULL), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_config (config, cwd, relay, error))
    return NULL;

  args = g_ptr_array_new_with_free_func (g_free);
  env_args = forge_bwrap_env_args (env);

  /* Every fd bwrap reads must reach it through flatpak-spawn, the
   * seccomp filter's above all: without it bwrap would fail, not run the
   * command unfiltered, but the filter is not optional. */
  if (config->in_flatpak)
    {
      add_args (args, config->flatpak_spawn != NULL ? config->flatpak_spawn : "flatpak-spawn",
                "--host", "--watch-bus",
                "--forward-fd=" G_STRINGIFY (FORGE_BWRAP_INFO_FD),
                "--forward-fd=" G_STRINGIFY (FORGE_BWRAP_PASSWD_FD),
                "--forward-fd=" G_STRINGIFY (FORGE_BWRAP_GROUP_FD),
                "--forward-fd=" G_STRINGIFY (FORGE_BWRAP_SECCOMP_FD),
                NULL);
      if (config->own_network)
        add_args (args,
                  "--forward-fd=" G_STRINGIFY (FORGE_BWRAP_BLOCK_FD),
                  "--forward-fd=" G_STRINGIFY (FORGE_BWRAP_RESOLV_FD),
                  "--forward-fd=" G_STRINGIFY (FORGE_BWRAP_NET_INFO_FD),
                  NULL);
      if (env_args != NULL)
        add_args (args, "--forward-fd=" G_STRINGIFY (FORGE_BWRAP_ENV_FD), NULL);

      /* slirp4netns must join the user namespace that owns the network
       * namespace, and --disable-userns leaves the command's process in a
       * nested one: outside Flatpak the owner is found with an ioctl on
       * the namespace (forge-sandbox-network.c), which needs a program of
       * ours on the host. There, an outer bwrap that runs nothing but the
       * real one holds the network namespace instead: its child is in the
       * owning user namespace, and slirp4netns attaches to it by pid, as
       * it is meant to be used. It sees the host's root as is; the inner
       * bwrap makes the sandbox. */
      if (config->own_network)
        add_args (args, config->bwrap,
                  "--unshare-user", "--unshare-net",
                  "--die-with-parent",
                  "--dev-bind", "/", "/",
                  "--info-fd", G_STRINGIFY (FORGE_BWRAP_NET_INFO_FD),
                  "--",
                  NULL);
    }

  /* A user namespace of its own, in which no further one can be made
   * (unshare -Ur would give root over a fresh namespace set). */
  add_args (args, config->bwrap,
            "--unshare-user", "--disable-userns",
            "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--hostname", "forge-sandbox",
            "--die-with-parent", "--new-session",
            "--ro-bind", "/usr", "/usr",
            NULL);

  /* A network of its own, connected once slirp4netns is attached: the
   * command waits on the block fd until then. */
  if (config->own_network && !config->in_flatpak)
    add_args (args, "--unshare-net", NULL);
  if (config->own_network)
    add_args (args, "--block-fd", G_STRINGIFY (FORGE_BWRAP_BLOCK_FD), NULL);

  for (guint i = 0; config->root_symlinks != NULL && config->root_symlinks[i] != NULL; i += 2)
    add_args (args, "--symlink", config->root_symlinks[i + 1], config->root_symlinks[i], NULL);

  for (guint i = 0; config->root_dirs != NULL && config->root_dirs[i] != NULL; i++)
    add_args (args, "--ro-bind", config->root_dirs[i], config->root_dirs[i], NULL);

  for (guint i = 0; i < G_N_ELEMENTS (etc_files); i++)
    {
      /* The host's resolver may well be on its loopback, out of reach. */
      if (config->own_network && g_str_equal (etc_files[i], "/etc/resolv.conf"))
        add_args (args, "--ro-bind-data", G_STRINGIFY (FORGE_BWRAP_RESOLV_FD), etc_files[i], NULL);
      else
        add_args (args, "--ro-bind-try", etc_files[i], etc_files[i], NULL);
    }

  add_args (args,
            "--ro-bind-data", G_STRINGIFY (FORGE_BWRAP_PASSWD_FD), "/etc/passwd",
            "--ro-bind-data", G_STRINGIFY (FORGE_BWRAP_GROUP_FD), "/etc/group",
            "--proc", "/proc",
            "--dev", "/dev",
            NULL);

  /* bwrap's own root is a tmpfs as big as the host's memory allows:
   * read-only below (see --remount-ro), and /tmp a capped one. */
  if (config->tmp_bytes > 0)
    {
      g_autofree char *size = g_strdup_printf ("%" G_GUINT64_FORMAT, config->tmp_bytes);

      add_args (args, "--size", size, NULL);
    }
  add_args (args,
            "--tmpfs", "/tmp",
            "--symlink", "../tmp", "/var/tmp",
            "--bind", config->home_dir, FORGE_SANDBOX_HOME_DIR,
            "--bind", config->repo_dir, FORGE_SANDBOX_REPO_DIR,
            NULL);

  /* npm's cache is the project's own, but for its content-addressed
   * part, which its symlinks lead to the shared folder: see
   * forge_local_sandbox_set_package_cache(). Both mount points are on
   * bwrap's own root, never in a folder the sandbox could have filled
   * with symlinks, and both sources are folders only the host writes in. */
  if (config->npm_cache_dir != NULL)
    add_args (args,
              "--bind", config->npm_cache_dir, FORGE_BWRAP_NPM_CACHE_INSIDE,
              "--bind", config->shared_cache_dir, FORGE_BWRAP_SHARED_CACHE_INSIDE,
              NULL);

  if (config->helper_dir != NULL)
    add_args (args, "--ro-bind", config->helper_dir, FORGE_BWRAP_HELPER_DIR_INSIDE, NULL);

  /* Last of the mounts: nothing can be written outside the ones above. */
  add_args (args, "--remount-ro", "/", NULL);

  add_args (args,
            "--clearenv",
            "--setenv", "HOME", FORGE_SANDBOX_HOME_DIR,
            "--setenv", "USER", "user",
            "--setenv", "LOGNAME", "user",
            "--setenv", "PATH", FORGE_BWRAP_HELPER_DIR_INSIDE ":/usr/local/bin:/usr/bin:/bin",
            "--setenv", "LANG", "C.UTF-8",
            "--setenv", "TERM", "dumb",
            NULL);

  if (config->npm_cache_dir != NULL)
    add_args (args, "--setenv", "npm_config_cache", FORGE_BWRAP_NPM_CACHE_INSIDE, NULL);

  /* Where the host points TLS clients at a custom CA bundle (e.g. behind
   * an intercepting proxy), tools inside need the same, and the bundle is
   * visible inside when it lives in one of the directories bound above. */
  for (guint i = 0; i < G_N_ELEMENTS (ca_variables); i++)
    {
      const char *value = g_environ_getenv ((char **) config->host_env, ca_variables[i]);

      if (value == NULL || !path_is_visible_inside (value))
        continue;

      add_args (args, "--setenv", ca_variables[i], value, NULL);
    }

  /* The command's own variables come through a file descriptor: a
   * value may be a secret, and bwrap's command line is in /proc for
   * every process of the user to read. */
  if (env_args != NULL)
    add_args (args, "--args", G_STRINGIFY (FORGE_BWRAP_ENV_FD), NULL);

  /* The filter is not optional: a sandbox without it cannot be made (see
   * forge_seccomp_is_supported()). */
  add_args (args,
            "--chdir", cwd != NULL ? cwd : FORGE_SANDBOX_REPO_DIR,
            "--info-fd", G_STRINGIFY (FORGE_BWRAP_INFO_FD),
            "--seccomp", G_STRINGIFY (FORGE_BWRAP_SECCOMP_FD),
            "--",
            NULL);

  if (relay)
    add_args (args, FORGE_BWRAP_HELPER_DIR_INSIDE "/" FORGE_BWRAP_LOOPBACK_RELAY, "--", NULL);

  for (guint i = 0; argv[i] != NULL; i++)
    g_ptr_array_add (args, g_strdup (argv[i]));

  g_ptr_array_add (args, NULL);

  return (char **) g_ptr_array_free (g_steal_pointer (&args), FALSE);
}

GBytes *
forge_bwrap_env_args (const char * const *env)
{
  g_autoptr(GByteArray) data = g_byte_array_new ();

  for (guint i = 0; env != NULL && env[i] != NULL; i++)
    {
      const char *eq = strchr (env[i], '=');

      if (eq == NULL || eq == env[i])
        {
          g_debug ("Ignoring malformed environment entry for the sandbox");
          continue;
        }

      g_byte_array_append (data, (const guint8 *) "--setenv", sizeof "--setenv");
      g_byte_array_append (data, (const guint8 *) env[i], eq - env[i]);
      g_byte_array_append (data, (const guint8 *) "", 1);
      g_byte_array_append (data, (const guint8 *) eq + 1, strlen (eq + 1) + 1);
    }

  if (data->len == 0)
    return NULL;

  return g_byte_array_free_to_bytes (g_steal_pointer (&data));
}

void
forge_bwrap_probe_root (char ***dirs,
                        char ***symlinks)
{
  g_autoptr(GStrvBuilder) dir_builder = g_strv_builder_new ();
  g_autoptr(GStrvBuilder) symlink_builder = g_strv_builder_new ();

  g_return_if_fail (dirs != NULL);
  g_return_if_fail (symlinks != NULL);

  for (guint i = 0; i < G_N_ELEMENTS (root_entries); i++)
    {
      g_autofree char *path = g_strconcat ("/", root_entries[i], NULL);
      struct stat st;

      if (lstat (path, &st) != 0)
        continue;

      if (S_ISLNK (st.st_mode))
        {
          g_autofree char *target = g_file_read_link (path, NULL);

          if (target != NULL)
            {
              g_strv_builder_add (symlink_builder, path);
              g_strv_builder_add (symlink_builder, target);
            }
        }
      else if (S_ISDIR (st.st_mode))
        {
          g_strv_builder_add (dir_builder, path);
        }
    }

  *dirs = g_strv_builder_end (dir_builder);
  *symlinks = g_strv_builder_end (symlink_builder);
}
