/* fuzz-framework.c
 *
 * Framework detection over a work tree the fuzzer writes: package.json,
 * two lockfiles, .yarnrc.yml and a few marker files, from one input (see
 * parse_input()), read through the local workspace as the workflow reads
 * a clone. Whatever the files hold, detection gives a framework that
 * survives the journal's round trip and yields commands, or a one-line
 * error; a package.json that is a symlink out of the tree is never read.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "forge-framework.h"
#include "forge-local-workspace.h"
#include "fuzz-common.h"

/* The lockfiles detection knows, chosen by a part's first byte. */
static const char * const lockfile_names[] = {
  "package-lock.json", "npm-shrinkwrap.json", "pnpm-lock.yaml",
  "bun.lock", "bun.lockb", "yarn.lock",
};

enum
{
  PART_PACKAGE_JSON,
  PART_LOCKFILE_A,     /* selector byte, then contents */
  PART_LOCKFILE_B,
  PART_YARNRC,
  PART_FLAGS,          /* one byte of FLAG_* */
  N_PARTS,
};

enum
{
  FLAG_INDEX_HTML          = 1 << 0,
  FLAG_SRC_INDEX_HTML      = 1 << 1,
  FLAG_ANGULAR_JSON        = 1 << 2,
  FLAG_PNPM_WORKSPACE      = 1 << 3,
  FLAG_YARN_RELEASE        = 1 << 4,   /* what the seeds' yarnPath names */
  FLAG_NO_PACKAGE_JSON     = 1 << 5,
  FLAG_PACKAGE_JSON_LINK   = 1 << 6,   /* package.json → ../outside.json */
};

static char *repo_dir;
static char *outside_path;

static void
write_repo_file (const char *name,
                 const void *contents,
                 gsize       length)
{
  g_autofree char *path = g_build_filename (repo_dir, name, NULL);
  g_autofree char *dir = g_path_get_dirname (path);

  g_mkdir_with_parents (dir, 0700);
  fuzz_write_file (path, contents, length);
}

static void
write_lockfile (GBytes *part)
{
  gsize length;
  const guint8 *data = g_bytes_get_data (part, &length);

  if (length == 0)
    return;
  write_repo_file (lockfile_names[data[0] % G_N_ELEMENTS (lockfile_names)], data + 1, length - 1);
}

static guint
parse_input (const uint8_t *data,
             size_t         size)
{
  g_autoptr(GPtrArray) parts = fuzz_split_parts (data, size, N_PARTS);
  guint flags = 0;

  if (!fuzz_json_single_value (g_bytes_get_data (parts->pdata[PART_PACKAGE_JSON], NULL),
                               g_bytes_get_size (parts->pdata[PART_PACKAGE_JSON])))
    return G_MAXUINT;

  if (parts->len > PART_FLAGS && g_bytes_get_size (parts->pdata[PART_FLAGS]) > 0)
    flags = ((const guint8 *) g_bytes_get_data (parts->pdata[PART_FLAGS], NULL))[0];

  if (!(flags & FLAG_NO_PACKAGE_JSON))
    {
      gsize length;
      const void *contents = g_bytes_get_data (parts->pdata[PART_PACKAGE_JSON], &length);

      if (flags & FLAG_PACKAGE_JSON_LINK)
        {
          g_autofree char *link = g_build_filename (repo_dir, "package.json", NULL);

          fuzz_write_file (outside_path, contents, length);
          if (symlink (outside_path, link) != 0)
            abort ();
        }
      else
        write_repo_file ("package.json", contents, length);
    }

  if (parts->len > PART_LOCKFILE_A)
    write_lockfile (parts->pdata[PART_LOCKFILE_A]);
  if (parts->len > PART_LOCKFILE_B)
    write_lockfile (parts->pdata[PART_LOCKFILE_B]);
  if (parts->len > PART_YARNRC)
    {
      gsize length;
      const void *contents = g_bytes_get_data (parts->pdata[PART_YARNRC], &length);

      write_repo_file (".yarnrc.yml", contents, length);
    }

  if (flags & FLAG_INDEX_HTML)
    write_repo_file ("index.html", "<!doctype html>", 15);
  if (flags & FLAG_SRC_INDEX_HTML)
    write_repo_file ("src/index.html", "<!doctype html>", 15);
  if (flags & FLAG_ANGULAR_JSON)
    write_repo_file ("angular.json", "{}", 2);
  if (flags & FLAG_PNPM_WORKSPACE)
    write_repo_file ("pnpm-workspace.yaml", "packages:\n  - 'packages/*'\n", 27);
  if (flags & FLAG_YARN_RELEASE)
    write_repo_file (".yarn/releases/yarn-4.1.1.cjs", "//", 2);

  return flags;
}

static void
assert_argv (char **argv)
{
  g_assert (argv != NULL && argv[0] != NULL);
  for (guint i = 0; argv[i] != NULL; i++)
    g_assert (g_utf8_validate (argv[i], -1, NULL));
}

static void
check_framework (ForgeFramework *framework,
                 ForgeWorkspace *workspace,
                 guint           flags)
{
  g_autoptr(JsonNode) node = forge_framework_to_json (framework);
  g_autoptr(ForgeFramework) copy = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) install = NULL;
  g_auto(GStrv) dev = NULL;
  g_auto(GStrv) env = NULL;
  g_autofree char *fingerprint = NULL;

  g_assert (forge_framework_get_id (framework) != NULL);
  g_assert (forge_framework_get_display_name (framework) != NULL);
  g_assert_cmpuint (forge_framework_get_default_port (framework), >, 0);

  /* Never from a package.json outside the work tree. */
  if (flags & FLAG_PACKAGE_JSON_LINK)
    g_assert_cmpstr (forge_framework_get_id (framework), ==, "static");

  /* The detect step's output is journaled and read back on resume. */
  copy = forge_framework_new_from_json (node, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (forge_framework_get_id (copy), ==, forge_framework_get_id (framework));
  g_assert_cmpstr (forge_framework_get_package_manager (copy), ==, forge_framework_get_package_manager (framework));
  g_assert_cmpstr (forge_framework_get_lockfile (copy), ==, forge_framework_get_lockfile (framework));
  g_assert_cmpstr (forge_framework_get_dev_script (copy), ==, forge_framework_get_dev_script (framework));

  install = forge_framework_dup_install_argv (copy);
  if (forge_framework_needs_install (copy))
    assert_argv (install);
  else
    g_assert_null (install);
  dev = forge_framework_dup_dev_argv (copy, "127.0.0.1", 4000);
  assert_argv (dev);
  env = forge_framework_dup_dev_env (copy, "127.0.0.1", 4000);
  g_assert (env != NULL && env[0] != NULL);

  fingerprint = forge_workspace_dup_install_fingerprint (workspace, forge_framework_get_lockfile (framework), NULL);
  g_assert (fingerprint == NULL || strlen (fingerprint) == 64);
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(ForgeLocalWorkspace) workspace = NULL;
  g_autoptr(ForgeFramework) framework = NULL;
  g_autoptr(GError) error = NULL;
  const char *scratch = fuzz_setup ();
  guint flags;

  if (repo_dir == NULL)
    {
      repo_dir = g_build_filename (scratch, "repo", NULL);
      outside_path = g_build_filename (scratch, "outside.json", NULL);
    }
  fuzz_empty_dir (repo_dir);
  g_unlink (outside_path);

  flags = parse_input (data, size);
  if (flags == G_MAXUINT)
    return 0;

  workspace = forge_local_workspace_new (repo_dir);
  framework = forge_framework_detect (FORGE_WORKSPACE (workspace), &error);
  if (framework != NULL)
    check_framework (framework, FORGE_WORKSPACE (workspace), flags);
  else
    {
      g_assert (error != NULL && error->domain == FORGE_FRAMEWORK_ERROR);
      fuzz_assert_one_line (error->message);
    }

  return 0;
}
