/* forge-monorepo-package.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-frameworks"

#include "config.h"

#include "forge-monorepo-package.h"

struct _ForgeMonorepoPackage
{
  GObject         parent_instance;
  char           *folder;
  char           *name;
  ForgeFramework *framework;
};

enum {
  PROP_0,
  PROP_FOLDER,
  PROP_NAME,
  PROP_FRAMEWORK,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ForgeMonorepoPackage, forge_monorepo_package, G_TYPE_OBJECT)

static void
forge_monorepo_package_finalize (GObject *object)
{
  ForgeMonorepoPackage *self = FORGE_MONOREPO_PACKAGE (object);

  g_clear_pointer (&self->folder, g_free);
  g_clear_pointer (&self->name, g_free);
  g_clear_object (&self->framework);

  G_OBJECT_CLASS (forge_monorepo_package_parent_class)->finalize (object);
}

static void
forge_monorepo_package_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  ForgeMonorepoPackage *self = FORGE_MONOREPO_PACKAGE (object);

  switch (prop_id)
    {
    case PROP_FOLDER:
      g_value_set_string (value, self->folder);
      break;

    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;

    case PROP_FRAMEWORK:
      g_value_set_object (value, self->framework);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
forge_monorepo_package_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  ForgeMonorepoPackage *self = FORGE_MONOREPO_PACKAGE (object);

  switch (prop_id)
    {
    case PROP_FOLDER:
      g_free (self->folder);
      self->folder = g_value_dup_string (value);
      break;

    case PROP_NAME:
      g_free (self->name);
      self->name = g_value_dup_string (value);
      break;

    case PROP_FRAMEWORK:
      g_set_object (&self->framework, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
forge_monorepo_package_class_init (ForgeMonorepoPackageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = forge_monorepo_package_finalize;
  object_class->get_property = forge_monorepo_package_get_property;
  object_class->set_property = forge_monorepo_package_set_property;

  properties[PROP_FOLDER] =
    g_param_spec_string ("folder", NULL, NULL,
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL,
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FRAMEWORK] =
    g_param_spec_object ("framework", NULL, NULL,
                         FORGE_TYPE_FRAMEWORK,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
forge_monorepo_package_init (ForgeMonorepoPackage *self)
{
}

ForgeMonorepoPackage *
forge_monorepo_package_new (const char     *folder,
                            const char     *name,
                            ForgeFramework *framework)
{
  g_return_val_if_fail (folder != NULL, NULL);
  g_return_val_if_fail (framework == NULL || FORGE_IS_FRAMEWORK (framework), NULL);

  return g_object_new (FORGE_TYPE_MONOREPO_PACKAGE,
                       "folder", folder,
                       "name", name,
                       "framework", framework,
                       NULL);
}

const char *
forge_monorepo_package_get_folder (ForgeMonorepoPackage *self)
{
  g_return_val_if_fail (FORGE_IS_MONOREPO_PACKAGE (self), NULL);
  return self->folder;
}

const char *
forge_monorepo_package_get_name (ForgeMonorepoPackage *self)
{
  g_return_val_if_fail (FORGE_IS_MONOREPO_PACKAGE (self), NULL);
  return self->name;
}

ForgeFramework *
forge_monorepo_package_get_framework (ForgeMonorepoPackage *self)
{
  g_return_val_if_fail (FORGE_IS_MONOREPO_PACKAGE (self), NULL);
  return self->framework;
}

gboolean
forge_monorepo_package_is_app (ForgeMonorepoPackage *self)
{
  const char *id;

  g_return_val_if_fail (FORGE_IS_MONOREPO_PACKAGE (self), FALSE);

  if (self->framework == NULL)
    return FALSE;
  id = forge_framework_get_id (self->framework);
  /* "node" is any package with a script (a library's watcher, an API);
   * a static folder is a library's demo page more often than an app. */
  return g_strcmp0 (id, "node") != 0 && g_strcmp0 (id, "static") != 0 &&
         forge_framework_get_dev_script (self->framework) != NULL;
}

const char *
forge_monorepo_package_get_title (ForgeMonorepoPackage *self)
{
  g_return_val_if_fail (FORGE_IS_MONOREPO_PACKAGE (self), NULL);
  return self->name != NULL ? self->name : self->folder;
}
