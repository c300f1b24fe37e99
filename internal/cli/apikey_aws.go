package cli

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tendhq/tend/internal/access"
	"github.com/tendhq/tend/internal/app"
	"github.com/tendhq/tend/internal/devopsguru"
	"github.com/tendhq/tend/internal/humanize"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlstore"
)

// addAWSKeyFlag adds --aws to `tend apikey create`: with it, the command
// issues an AWS access key id and secret access key for the DevOps Guru
// API (docs/devops-guru-api.md) instead of a bearer key, with the same
// --scope and --account flags. The secret is printed once; tend keeps it
// sealed with the key in the data directory (devopsguru.SealKeyFile).
func addAWSKeyFlag(g *globals, create *cobra.Command, name *string, scopes, accounts *[]string) {
	var aws bool
	create.Flags().BoolVar(&aws, "aws", false, "issue an AWS access key id and secret access key for the DevOps Guru API (aws devops-guru, boto3) instead of a bearer key; default scope read")
	bearer := create.RunE
	create.RunE = func(cmd *cobra.Command, args []string) error {
		if !aws {
			return bearer(cmd, args)
		}
		return createAWSKey(g, cmd, *name, *scopes, *accounts)
	}
	create.Example += `
  tend apikey create --aws --name dashboards --scope read   # for aws devops-guru / boto3`
}

func createAWSKey(g *globals, cmd *cobra.Command, name string, scopes, accounts []string) error {
	sc, err := access.ParseScopes(scopes)
	if err != nil {
		return fmt.Errorf("--scope: %w", err)
	}
	acc, err := access.ParseAccounts(accounts)
	if err != nil {
		return fmt.Errorf("--account: %w", err)
	}
	cfg, err := g.config(cmd)
	if err != nil {
		return err
	}
	s, err := app.OpenStore(cmd.Context(), cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	keys, err := devopsguru.OpenKeys(s.AWSKeys(), cfg.DataDir, nil)
	if err != nil {
		return err
	}
	names := make([]string, len(sc))
	for i, x := range sc {
		names[i] = string(x)
	}
	rec, secret, err := keys.Create(cmd.Context(), name, names, acc)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "AWS_ACCESS_KEY_ID=%s\nAWS_SECRET_ACCESS_KEY=%s\n", rec.AccessKeyID, secret)
	accText := "every account"
	if len(rec.Accounts) > 0 {
		accText = strings.Join(rec.Accounts, ",")
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "Created AWS access key %s (%q) with scopes %s over %s for the DevOps Guru API at %s.\n"+
		"Store the secret now: tend cannot show it again. Use it with: aws devops-guru list-insights --endpoint-url http://HOST:PORT%s ...\n",
		rec.AccessKeyID, rec.Name, strings.Join(rec.Scopes, ","), accText, devopsguru.Prefix, devopsguru.Prefix)
	return nil
}

var awsKeyID = regexp.MustCompile(`^TEND[A-Z2-7]{16}$`)

// addAWSKeyCommands makes `tend apikey list` list the AWS access keys too
// and `tend apikey revoke TEND…` revoke one.
func addAWSKeyCommands(g *globals, list, revoke *cobra.Command) {
	bearerList := list.RunE
	list.RunE = func(cmd *cobra.Command, args []string) error {
		if err := bearerList(cmd, args); err != nil {
			return err
		}
		return g.withStore(func(cmd *cobra.Command, _ []string, s *sqlstore.DB) error {
			keys, err := s.AWSKeys().List(cmd.Context())
			if err != nil || len(keys) == 0 {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintln(out, "\nAWS access keys (the DevOps Guru API, docs/devops-guru-api.md):")
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ACCESS KEY ID\tNAME\tSCOPES\tACCOUNTS\tCREATED\tLAST USED\tSTATUS")
			for _, k := range keys {
				status := "active"
				if k.Revoked() {
					status = "revoked " + humanize.Ago(time.Now(), k.RevokedAt, "never", time.Local)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.AccessKeyID, k.Name, strings.Join(k.Scopes, ","), accountsText(k.Accounts),
					k.CreatedAt.Local().Format("2006-01-02 15:04"), humanize.Ago(time.Now(), k.LastUsedAt, "never", time.Local), status)
			}
			return tw.Flush()
		})(cmd, args)
	}
	bearerRevoke := revoke.RunE
	revoke.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) != 1 || !awsKeyID.MatchString(args[0]) {
			return bearerRevoke(cmd, args)
		}
		return g.withStore(func(cmd *cobra.Command, args []string, s *sqlstore.DB) error {
			if err := s.AWSKeys().Revoke(cmd.Context(), args[0], time.Now().UTC()); err != nil {
				if errors.Is(err, store.ErrNotFound) {
					return fmt.Errorf("no AWS access key %q (see tend apikey list)", args[0])
				}
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Revoked AWS access key %s: requests signed with it are refused within 5 seconds.\n", args[0])
			return nil
		})(cmd, args)
	}
	revoke.Example += `
  tend apikey revoke TENDR5DNNIOJCBURP47H   # an AWS access key`
}
