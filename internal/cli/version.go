package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tendhq/tend/internal/buildinfo"
)

var _ = registerCommand(newVersionCmd)

func newVersionCmd(*globals) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print tend's version, commit and build date",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			info := buildinfo.Get()
			fmt.Fprintf(cmd.OutOrStdout(), "tend %s (%s)", info.Version, info.GoVersion)
			if info.Revision != "" {
				fmt.Fprintf(cmd.OutOrStdout(), " revision %s", info.Revision)
				if info.Modified {
					fmt.Fprint(cmd.OutOrStdout(), " (modified)")
				}
			}
			if info.BuildDate != "" {
				fmt.Fprintf(cmd.OutOrStdout(), " built %s", info.BuildDate)
			}
			fmt.Fprintln(cmd.OutOrStdout())
			return nil
		},
	}
}
