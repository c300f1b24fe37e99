package cli

import "github.com/spf13/cobra"

// globals holds the persistent flags every command shares.
type globals struct {
	configPath string
}

func (g *globals) bind(root *cobra.Command) {
	root.PersistentFlags().StringVarP(&g.configPath, "config", "c", "", "path to a YAML config file (default: none; see docs/configuration.md)")
}
