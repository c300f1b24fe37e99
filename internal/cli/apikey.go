package cli

import (
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tendhq/tend/internal/access"
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
		Short:   "Create, list and revoke the API keys that guard every endpoint",
		Long: `Every endpoint but /healthz, /readyz (and /metrics, auth.metrics_public)
needs an API key, sent as "Authorization: Bearer <key>" or "X-API-Key: <key>".
A key has scopes — read (every GET and search), write (ingest, problems,
events), admin (keys, policies, catalog, channels, approvals, deployments,
rollouts; admin includes read and write) — and optionally the accounts whose
data it may see (none given: every account). tend stores only a hash of each
key: the key itself is printed once, when it is created.

The CLI itself works on tend's store directly: whoever can run it against the
configuration and data directory is the local operator, with admin over every
account.`,
	}
	var name string
	var scopes, accounts []string
	create := &cobra.Command{
		Use:   "create --name NAME [--scope read|write|admin]... [--account ID]...",
		Short: "Create a key and print it once",
		Example: `  tend apikey create --name grafana --scope read
  tend apikey create --name prometheus --scope write     # remote_write: can ingest, cannot read
  tend apikey create --name team-shop --scope read,write --account 111122223333
  tend apikey create --name dynatrace-webhook --scope write
  curl -H "X-API-Key: $KEY" -d @problem.json http://127.0.0.1:8080/v1/problems`,
		Args: cobra.NoArgs,
		RunE: g.withStore(func(cmd *cobra.Command, _ []string, s *sqlstore.DB) error {
			sc, err := access.ParseScopes(scopes)
			if err != nil {
				return fmt.Errorf("--scope: %w", err)
			}
			acc, err := access.ParseAccounts(accounts)
			if err != nil {
				return fmt.Errorf("--account: %w", err)
			}
			rec, key, err := apikey.New(s.APIKeys(), nil).CreateWith(cmd.Context(), apikey.Spec{Name: name, Scopes: sc, Accounts: acc})
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), key)
			fmt.Fprintf(cmd.ErrOrStderr(), "Created API key %s (%q) with scopes %s over %s. Store it now: tend keeps only its hash and cannot show it again.\n",
				rec.ID, rec.Name, strings.Join(rec.Scopes, ","), accountsText(rec.Accounts))
			return nil
		}),
	}
	create.Flags().StringVar(&name, "name", "", "what the key is for, e.g. the team or system using it (required)")
	create.Flags().StringSliceVar(&scopes, "scope", nil, "read, write or admin; repeat or separate with commas (default admin)")
	create.Flags().StringSliceVar(&accounts, "account", nil, "an account whose data the key may see; repeat or separate with commas (default: every account)")
	_ = create.MarkFlagRequired("name")
	addAWSKeyFlag(g, create, &name, &scopes, &accounts)

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
			fmt.Fprintln(tw, "ID\tNAME\tSCOPES\tACCOUNTS\tCREATED\tLAST USED\tSTATUS")
			for _, k := range keys {
				status := "active"
				if k.Revoked() {
					status = "revoked " + humanize.Ago(time.Now(), k.RevokedAt, "never", time.Local)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Name, strings.Join(k.Scopes, ","), accountsText(k.Accounts), k.CreatedAt.Local().Format("2006-01-02 15:04"), humanize.Ago(time.Now(), k.LastUsedAt, "never", time.Local), status)
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
	addAWSKeyCommands(g, list, revoke)
	cmd.AddCommand(create, list, revoke)
	return cmd
}

func accountsText(a []string) string {
	if a == nil {
		return "every account"
	}
	return strings.Join(a, ",")
}
