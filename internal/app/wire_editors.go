package app

import (
	"github.com/tendhq/tend/internal/catalog"
	"github.com/tendhq/tend/internal/catalog/cfn"
	"github.com/tendhq/tend/internal/catalog/hcl"
)

// The template editors self-healing uses, by format.
func init() {
	remediationEditors[catalog.FormatCFNYAML] = cfn.NewEditor(catalog.FormatCFNYAML)
	remediationEditors[catalog.FormatCFNJSON] = cfn.NewEditor(catalog.FormatCFNJSON)
	remediationEditors[catalog.FormatHCL] = hcl.Editor{}
}
