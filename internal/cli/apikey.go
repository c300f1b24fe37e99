package cli

import (
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tendhq/tend/internal/apikey"
	"github.com/tendhq/tend/internal/humanize"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlstore"
)

var _ = registerCommand(newAPIKeyCmd)

func newAPIKeyCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "apikey",
		Aliases: []string{"apikeys"},
		Short:   "Create, list and revoke the API keys that guard write endpoints",
		Long: `Every write endpoint (webhooks, ingest, approvals) needs an API key, sent as
"Authorization: Bearer <key>" or "X-API-Key: <key>". tend stores only a hash
of each key: the key itself is printed once, when it is created.`,
	}
	var name string
	create := &cobra.Command{
		Use:   "create --name NAME",
		Short: "Create a key and print it once",
		Example: `  tend apikey create --name dynatrace-webhook
  curl -H "X-API-Key: $KEY" -d @problem.json http://127.0.0.1:8080/v1/problems`,
		Args: cobra.NoArgs,
		RunE: g.withStore(func(cmd *cobra.Command, _ []string, s *sqlstore.DB) error {
			rec, key, err := apikey.New(s.APIKeys(), nil).Create(cmd.Context(), name)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), key)
			fmt.Fprintf(cmd.ErrOrStderr(), "Created API key %s (%q). Store it now: tend keeps only its hash and cannot show it again.\n", rec.ID, rec.Name)
			return nil
		}),
	}
	create.Flags().StringVar(&name, "name", "", "what the key is for, e.g. the team or system using it (required)")
	_ = create.MarkFlagRequired("name")

	list := &cobra.Command{
		Use:   "list",
		Short: "List keys (never the keys themselves)",
		Args:  cobra.NoArgs,
		RunE: g.withStore(func(cmd *cobra.Command, _ []string, s *sqlstore.DB) error {
			keys, err := s.APIKeys().List(cmd.Context())
			if err != nil {
				return err
			}
			if len(keys) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "No API keys. Create one with: tend apikey create --name NAME")
				return nil
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tCREATED\tLAST USED\tSTATUS")
			for _, k := range keys {
				status := "active"
				if k.Revoked() {
					status = "revoked " + humanize.Ago(time.Now(), k.RevokedAt, "never", time.Local)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.ID, k.Name, k.CreatedAt.Local().Format("2006-01-02 15:04"), humanize.Ago(time.Now(), k.LastUsedAt, "never", time.Local), status)
			}
			return tw.Flush()
		}),
	}
	revoke := &cobra.Command{
		Use:     "revoke ID",
		Short:   "Revoke a key; requests using it get 401 from then on",
		Example: `  tend apikey revoke 3kq9xz1m`,
		Args:    cobra.ExactArgs(1),
		RunE: g.withStore(func(cmd *cobra.Command, args []string, s *sqlstore.DB) error {
			if err := apikey.New(s.APIKeys(), nil).Revoke(cmd.Context(), args[0]); err != nil {
				if errors.Is(err, store.ErrNotFound) {
					return fmt.Errorf("no API key with ID %q (see tend apikey list)", args[0])
				}
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Revoked API key %s.\n", args[0])
			return nil
		}),
	}
	cmd.AddCommand(create, list, revoke)
	return cmd
}
