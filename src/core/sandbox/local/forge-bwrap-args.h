/* forge-bwrap-args.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The fds bwrap reads, as the command line built here names them: the
 * spawner passes each at this number. */
#define FORGE_BWRAP_INFO_FD    3   /* bwrap writes the child's pid here */
#define FORGE_BWRAP_PASSWD_FD  4   /* /etc/passwd inside */
#define FORGE_BWRAP_GROUP_FD   5   /* /etc/group inside */
#define FORGE_BWRAP_SECCOMP_FD 6   /* the seccomp program */
#define FORGE_BWRAP_BLOCK_FD   7   /* own network: the command waits for a byte */
#define FORGE_BWRAP_RESOLV_FD  8   /* own network: /etc/resolv.conf inside */
#define FORGE_BWRAP_ENV_FD     9   /* the command's own variables (--args) */
/* Own network on the host (Flatpak): the outer bwrap that holds the
 * network namespace writes its child's pid here. */
#define FORGE_BWRAP_NET_INFO_FD 10

/* Where things are inside. */
#define FORGE_BWRAP_HELPER_DIR_INSIDE   "/opt/forge/bin"
#define FORGE_BWRAP_NPM_CACHE_INSIDE    "/var/cache/npm"
#define FORGE_BWRAP_SHARED_CACHE_INSIDE "/var/cache/npm-shared"
#define FORGE_BWRAP_LOOPBACK_RELAY      "forge-loopback-relay"

/* What a sandbox's commands are run with; all host paths absolute. */
typedef struct
{
  const char         *bwrap;             /* the program */
  gboolean            in_flatpak;        /* run on the host through flatpak-spawn */
  const char         *flatpak_spawn;     /* that program; NULL for "flatpak-spawn" */
  const char         *repo_dir;          /* read-write at FORGE_SANDBOX_REPO_DIR */
  const char         *home_dir;          /* read-write at FORGE_SANDBOX_HOME_DIR */
  /* npm's cache (both or neither): see forge_local_sandbox_set_package_cache(). */
  const char         *npm_cache_dir;
  const char         *shared_cache_dir;
  /* A network namespace of its own: the command waits on
   * FORGE_BWRAP_BLOCK_FD until it is connected, and its resolv.conf comes
   * from FORGE_BWRAP_RESOLV_FD. Otherwise the host's network is shared. */
  gboolean            own_network;
  /* The size of /tmp (a tmpfs of its own), in bytes; 0 for no cap. */
  guint64             tmp_bytes;
  const char         *helper_dir;        /* read-only at /opt/forge/bin; NULL for none */
  /* What stands at /bin, /lib … on the host: folders to bind read-only,
   * and symlinks as pairs of path and target (forge_bwrap_probe_root()). */
  const char * const *root_dirs;
  const char * const *root_symlinks;
  /* The host's environment: only variables that point TLS clients at a
   * CA bundle visible inside are taken from it. */
  const char * const *host_env;
} ForgeBwrapConfig;

/* The command line that runs @argv in a sandbox of @config: with @env
 * ("KEY=value", malformed entries skipped) on a cleared environment (read
 * from FORGE_BWRAP_ENV_FD, see forge_bwrap_env_args(), when there are
 * any: values can be secrets, and a command line is anyone's to read in
 * /proc), in
 * @cwd inside (NULL for the repository), through the loopback relay when
 * @relay (which needs a helper_dir). No I/O: the same input gives the
 * same line. Fails (FORGE_SANDBOX_ERROR_SPAWN_FAILED) when a host path of
 * @config or @cwd is not absolute or holds a newline. */
char   **forge_bwrap_args_build (const ForgeBwrapConfig  *config,
                                 const char * const      *argv,
                                 const char * const      *env,
                                 const char              *cwd,
                                 gboolean                 relay,
                                 GError                 **error);

/* What bwrap reads at FORGE_BWRAP_ENV_FD for @env: NUL-separated
 * --setenv arguments, malformed entries skipped; NULL when none is left. */
GBytes  *forge_bwrap_env_args   (const char * const      *env);

/* Reads, with lstat(), what stands at /bin, /sbin, /lib, /lib32, /lib64
 * and /libx32 on this host, for ForgeBwrapConfig's root_dirs and
 * root_symlinks. */
void     forge_bwrap_probe_root (char                  ***dirs,
                                 char                  ***symlinks);

G_END_DECLS
