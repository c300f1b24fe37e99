package app

import "github.com/tendhq/tend/internal/remediate"

// TemplateEditors returns the template editors wired into this build, by
// format; the CLI uses them for `tend policy test`.
func TemplateEditors() remediate.Editors { return remediationEditors }
