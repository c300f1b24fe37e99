package cli

import (
	"fmt"
	"reflect"

	"github.com/spf13/cobra"

	"github.com/tendhq/tend/internal/config"
)

var _ = registerCommand(newConfigCmd)

func newConfigCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Check tend's configuration",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "validate FILE",
		Short: "Check a config file and print the effective configuration",
		Long: `Load FILE as tend serve would (with TEND_* environment variables on top),
report every problem with its file:line, and otherwise print every key's
effective value, secrets redacted. Exits non-zero when the file is invalid.`,
		Example: `  tend config validate /etc/tend/tend.yaml`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			g.configPath = args[0]
			cfg, err := g.config(cmd)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "%s is valid. Effective configuration:\n", args[0])
			v := reflect.ValueOf(cfg).Elem()
			for _, l := range config.Leaves() {
				fmt.Fprintf(out, "  %-28s %v\n", l.Key, v.FieldByIndex(l.Index).Interface())
			}
			return nil
		},
	})
	return cmd
}
